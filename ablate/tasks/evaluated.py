"""The splits target tasks evaluate, and the guard that keeps intermediate training and selection
off them — also when the same data is read from another Hub copy.

Zero-shot transfer means the intermediate phase never sees labelled data a target reports:
XNLI's validation/test in `facebook/xnli` are google/xtreme's `XNLI` rows, PAWS-X's in
`google-research-datasets/paws-x` are google/xtreme's `PAWS-X.<lang>`, and TyDiQA-GoldP's
validation (the set XTREME reports) is in both google/xtreme and `google-research-datasets/tydiqa`.
Planning calls `check_training_sources` for every intermediate phase (pure: no data is loaded).
"""

from __future__ import annotations

from ablate.errors import AblateError
from ablate.tasks.spec import Source, TaskSpec

Split = tuple[str, str, str]  # (hub id, config, split) in google/xtreme's naming where it has one

# Other Hub copies of evaluated data: hub id -> how its (config, split) is named in google/xtreme.
MIRRORS = {
    "facebook/xnli": lambda config, split: ("google/xtreme", "XNLI", split),
    "google-research-datasets/paws-x": lambda config, split: ("google/xtreme", f"PAWS-X.{config}", split),
    "google-research-datasets/tydiqa": lambda config, split: ("google/xtreme", "tydiqa", split),
}


def identity(src: Source) -> Split:
    """Which data `src` reads, in the naming the targets' evaluation sources use."""
    mirror = MIRRORS.get(src.hub_id)
    return mirror(src.config, src.split) if mirror else (src.hub_id, src.config, src.split)


def evaluated_splits() -> dict[Split, str]:
    """Every (hub id, config, split) some target evaluates, in any of its languages -> who does."""
    from ablate.tasks.definitions import TASKS

    out: dict[Split, str] = {}
    for spec in TASKS.values():
        if spec.role != "target":
            continue
        for split, src in spec.evaluation.items():
            for lang in spec.languages:
                out.setdefault(identity(src.for_lang(lang)), f"{spec.name} ({split})")
    return out


def check_training_sources(spec: TaskSpec) -> None:
    """Refuse a task (intermediate, or a retrieval target's dual-encoder fine-tune) whose training
    or selection data is a split a target evaluates.

    Only train and dev count: `exclude_contexts` sources are read to *remove* test paragraphs."""
    evaluated = evaluated_splits()
    for src in (*spec.train, *spec.dev):
        hit = evaluated.get(identity(src))
        if hit:
            role = "selects checkpoints" if src in spec.dev else "trains"
            raise AblateError(
                f"Task '{spec.name}' {role} on {src.describe()}, which target {hit} evaluates: "
                "zero-shot results would have seen their own test data. Use a train split, or a "
                "held-out slice of one (Holdout), for training and selection.")
