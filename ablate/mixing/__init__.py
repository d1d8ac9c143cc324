"""Multi-objective intermediate training on one shared encoder (jiant's multi-task semantics).

- `sampler`: TaskSampler — which objective trains at each optimizer step (pure numpy);
- `objective`: the Objective protocol every objective implements (a task head, masked LM, ...);
- `task_objective`: an Objective for a registered intermediate task (one head per task);
- `loop`: train_mixture — one optimizer over the encoder and every head, one objective per step;
- `phase`: the `multitask` phase runner (phase 2 of recipes/multitask.py).
"""
