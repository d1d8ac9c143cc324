"""Baseline: how well does the pretrained model transfer with no intermediate task at all?

XLM-R is fine-tuned directly on each target task's English data and evaluated zero-shot in
every language (the paper's "XLM-R" row). `--task` is ignored.
"""

from ablate import phases_plan
from ablate.plan import Plan
from ablate.tasks import expand_targets

NEEDS_TASK = False


def plan(cfg):
    phases = [p for t in expand_targets(cfg.targets) for p in phases_plan.target(cfg, t)]
    return Plan(recipe="baseline", question=__doc__.splitlines()[0], phases=tuple(phases))
