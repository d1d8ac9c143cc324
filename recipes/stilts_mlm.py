"""STILTs + MLM: does continuing multilingual masked-LM training during intermediate training help?

Phase 2 trains the English intermediate task (`--task`) and the model's own pretrained LM head on
multilingual text (`--mlm-corpus`, `--mlm-langs`) on one shared encoder; each optimizer step is an
MLM step with probability `--mlm-ratio`, else a task step. Held-out MLM loss and per-language
perplexity are measured before and after. Phase 3 is stilts': only the encoder is handed over.
The paper's first alternative (it found English-only intermediate training as good or better).
"""

from ablate import phases_plan
from ablate.mlm import planning
from ablate.plan import Plan
from ablate.tasks import expand_targets

NEEDS_TASK = True
TRAINS_MLM = True  # takes the --mlm-* flags


def plan(cfg):
    encoder = planning.intermediate(cfg, cfg.task)
    phases = [encoder]
    for t in expand_targets(cfg.targets):
        phases += phases_plan.target(cfg, t, encoder=encoder)
    return Plan(recipe="stilts-mlm", question=__doc__.splitlines()[0], phases=tuple(phases),
                notes=tuple(planning.describe(cfg, encoder)))
