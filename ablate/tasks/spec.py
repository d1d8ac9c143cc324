"""Task definitions are data: where each split comes from and how its columns map to a format.

No torch, no datasets import here: `ablate tasks` and `ablate plan` read these without loading
anything heavy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType


@dataclass(frozen=True)
class Holdout:
    """A deterministic slice of a split, so selection data can come out of a training split.

    The `size` rows with the smallest sha256(`salt` + ":" + Hub id) are `held_out` (at most
    `max_fraction` of the rows, at least one); every other row is the `rest`. Hashing the id
    makes the slice independent of row order and the same for every seed and recipe.
    """

    part: str  # "held_out" | "rest"
    size: int = 500
    max_fraction: float = 0.2
    salt: str = "ablate-selection"

    def describe(self) -> str:
        return (f"{self.part}: {self.size} rows (<= {self.max_fraction:g} of the split) with the "
                f"smallest sha256('{self.salt}:' + id)")


@dataclass(frozen=True)
class Source:
    """One split of one Hub dataset, mapped onto a format's canonical columns.

    `config` and `where` values may contain `{lang}` (two-letter code), `{name}` (English name,
    e.g. `udpos.{name}`), `{name_lower}` (TyDiQA id prefixes) and `{code3}` (Tatoeba's ISO 639-3),
    filled per language by `for_lang`. A `where` value ending in `*` matches a prefix.
    `columns` maps canonical column -> Hub column; `label_map` maps Hub label values (e.g.
    XNLI's strings) to the task's label ids; rows whose label is in `drop_labels` have no gold.
    """

    hub_id: str
    config: str
    split: str
    columns: Mapping[str, str]
    where: tuple[tuple[str, str], ...] = ()  # row filter: column == value
    label_map: Mapping[str, int] | None = None
    drop_labels: tuple = (-1,)
    id_column: str | None = None  # stable example id; row position when the Hub has none
    parallel: bool = False  # the i-th row is the same example in every language (XNLI, PAWS-X)
    revision: str | None = None  # default Hub revision (cfg.dataset_revisions wins)
    hint: str = ""  # appended to Hub loading errors (e.g. how to load a script dataset)
    holdout: Holdout | None = None  # keep only one part of a deterministic slice (selection sets)
    # Drop rows whose `context` is the context of any row of these sources: selection data that
    # contains the English originals of a test set (SQuAD v1.1 dev holds XQuAD's paragraphs).
    exclude_contexts: tuple["Source", ...] = ()
    # Languages served by another dataset (XTREME-R's additions that google/xtreme lacks):
    # lang -> the Source `for_lang(lang)` returns instead of this one.
    by_lang: Mapping[str, "Source"] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", MappingProxyType(dict(self.columns)))
        object.__setattr__(self, "by_lang", MappingProxyType(dict(self.by_lang)))
        if self.label_map is not None:
            object.__setattr__(self, "label_map", MappingProxyType(dict(self.label_map)))

    def for_lang(self, lang: str) -> "Source":
        from ablate import languages as L

        if lang in self.by_lang:
            return self.by_lang[lang].for_lang(lang)
        keys = {"lang": lang, "name": L.NAMES.get(lang, lang), "name_lower": L.NAMES.get(lang, lang).lower(),
                "code3": L.TATOEBA_CODES.get(lang, lang)}
        return replace(
            self,
            config=self.config.format(**keys),
            where=tuple((c, v.format(**keys)) for c, v in self.where),
        )

    def describe(self) -> str:
        where = "".join(f" [{c}={v}]" for c, v in self.where)
        rules = f" [{self.holdout.part}]" if self.holdout else ""
        rules += "".join(f" [minus contexts of {s.hub_id}/{s.config}:{s.split}]" for s in self.exclude_contexts)
        return f"{self.hub_id}/{self.config}:{self.split}{where}{rules}"

    def rules(self) -> list[str]:
        """The selection rules applied to this source, in words (the phase logs them as a tag)."""
        out = [f"{self.describe()}: {self.holdout.describe()}"] if self.holdout else []
        out += [f"{self.hub_id}/{self.config}:{self.split}: rows whose context occurs in "
                f"{s.hub_id}/{s.config}:{s.split} are excluded" for s in self.exclude_contexts]
        return out


@dataclass(frozen=True)
class TaskSpec:
    """An intermediate or target task: its data sources, format, labels and metric."""

    name: str
    title: str
    format: str  # classification | span_qa | multiple_choice | tagging | retrieval
    role: str  # intermediate | target
    languages: tuple[str, ...]
    train: tuple[Source, ...] = ()  # English training data; several sources are concatenated
    train_first: str = ""  # a task the fine-tune trains on before `train`, in the same phase (XCOPA: SIQA)
    dev: tuple[Source, ...] = ()  # English dev data for checkpoint selection (zero-shot)
    evaluation: Mapping[str, Source] = field(default_factory=dict)  # split -> per-language source
    label_names: tuple[str, ...] = ()
    unavailable: tuple[tuple[str, str], ...] = ()  # (split, lang) pairs the dataset lacks (UD-POS)
    metric: str = "accuracy"  # the primary metric (XTREME's for targets)
    cards: tuple[str, ...] = ()  # data cards describing the sources
    notes: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "evaluation", MappingProxyType(dict(self.evaluation)))

    @property
    def training_sources(self) -> tuple[Source, ...]:
        """What training and checkpoint selection read: train, dev and the sets dev's rules exclude."""
        excluded = tuple(x for s in (*self.train, *self.dev) for x in s.exclude_contexts)
        first = ()
        if self.train_first:  # XCOPA's SIQA stage is training data of its fine-tune too
            from ablate.tasks.definitions import TASKS

            first = TASKS[self.train_first].training_sources
        return (*first, *self.train, *self.dev, *excluded)

    @property
    def sources(self) -> tuple[Source, ...]:
        """Every source the task reads: the training sources, then evaluation (with the sources
        of languages served elsewhere)."""
        evaluation = tuple(x for s in self.evaluation.values() for x in (s, *s.by_lang.values()))
        return (*self.training_sources, *evaluation)

    @property
    def hub_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.hub_id for s in self.sources))
