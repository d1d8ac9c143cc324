"""MT-translate: does machine-translated intermediate data beat English-only intermediate training?

The English training data of the intermediate task (`--task`) is translated with CTranslate2
into `--langs` (default: every non-English language of the targets), gated on chrF against human
references; phase 2 trains on the translations (`--mt-mix translated`) or on English plus the
translations (`--mt-mix en+translated`), selecting checkpoints on the English dev set as in
stilts; phase 3 is unchanged. The paper's second alternative (its translate-train data,
generalised to any task, language and MT model).
"""

from ablate import phases_plan
from ablate.plan import Plan
from ablate.tasks import expand_targets

NEEDS_TASK = True


def plan(cfg):
    targets = expand_targets(cfg.targets)
    translated = phases_plan.translate(cfg, cfg.task, targets)
    encoder = phases_plan.intermediate(cfg, cfg.task, translated=translated)
    phases = [translated, encoder]
    for t in targets:
        phases += phases_plan.target(cfg, t, encoder=encoder)
    return Plan(recipe="mt-translate", question=__doc__.splitlines()[0], phases=tuple(phases))
