"""STILTs: does English intermediate-task training improve zero-shot cross-lingual transfer?

Phase 2 trains the pretrained model on one English intermediate task (`--task`); phase 3 loads
only its encoder, with a fresh head, fine-tunes on each target task's English data and
evaluates zero-shot in every language. The phase-2 encoder is trained once per (task, seed,
model, settings) and shared by every target and every later recipe.
"""

from ablate import phases_plan
from ablate.plan import Plan
from ablate.tasks import expand_targets

NEEDS_TASK = True


def plan(cfg):
    encoder = phases_plan.intermediate(cfg, cfg.task)
    phases = [encoder]
    for t in expand_targets(cfg.targets):
        phases += phases_plan.target(cfg, t, encoder=encoder)
    return Plan(recipe="stilts", question=__doc__.splitlines()[0], phases=tuple(phases))
