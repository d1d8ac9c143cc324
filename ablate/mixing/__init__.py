"""Multi-objective intermediate training on one shared encoder (jiant's multi-task semantics).

- `sampler`: TaskSampler — which objective trains at each optimizer step (pure numpy);
- `objective`: the Objective protocol every objective implements (a task head, masked LM, ...);
- `task_objective`: an Objective for a registered intermediate task (one head per task);
- `loop`: train_mixture — one optimizer over the encoder and every head, one objective per step;
- `total`: split_total — a total number of training examples as equal shares of the tasks;
- `phase`: the `multitask` phase runner (phase 2 of recipes/multitask.py).
"""
