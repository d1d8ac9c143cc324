"""Multi-task: does intermediate training on several English tasks at once beat one task?

Phase 2 trains ONE encoder with a head per task (`--tasks mnli,squad,hellaswag`, or `all` = the
paper's nine); each optimizer step trains one task, drawn by the sampler (`--sampling
proportional` to training size by default, as in jiant; `capped --cap N`, `temperature
--temperature T`, `uniform`). `--set multitask.total_train_examples=N` subsamples the tasks to N
examples in all, split equally, to compare with one task at the same volume (ablate.mixing.total). Checkpoints are selected on the mean of the tasks' English dev
scores. Phase 3 loads only the encoder, as in stilts (docs/multitask.md).
"""

from ablate import phases_plan
from ablate.mixing import planning
from ablate.plan import Plan
from ablate.tasks import expand_targets

NEEDS_TASK = False
TAKES_TASKS = True


def plan(cfg):
    encoder = planning.phase(cfg)
    if cfg.data == "fixtures" and encoder.settings.get("total_train_examples"):  # sizes known: refuse now, not in phase 2
        planning.planning_sizes(cfg, encoder.tasks)
    phases = [encoder]
    for t in expand_targets(cfg.targets):
        phases += phases_plan.target(cfg, t, encoder=encoder)
    return Plan(recipe="multitask", question=__doc__.splitlines()[0], phases=tuple(phases))
