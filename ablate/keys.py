"""What a phase key is made of, and why a phase is (not) in the store.

A key is sha256 over named parts, each of which changes exactly when something that determines
the phase's output changes:

- `task`: kind and task (no task for a phase with `task_in_key=False`, e.g. a fine-tune keyed
  by its training data, so XQuAD and MLQA share SQuAD's);
- `settings`: the phase's settings; `seed`: the seed (seeded phases only);
- `inputs`: the keys of the phases it reads;
- `code`: the runner's source closure (`ablate.code_digest`) and the hand-bumped CODE_VERSIONS;
- `data`: every local file the phase reads, by content (`ablate.file_digest`) — shipped fixtures,
  `--data-dir` copies, the CCG and BUCC 2018 directories, local MLM text — and, for data read from the Hub, the
  dataset id, config and revision (resolved to a commit at preflight when the Hub is reachable);
- `model`: a local `--model` directory by the content of all its files (weights included), the
  built-in tiny model by its build settings and the fixtures it is trained on, a Hub model by its
  revision.

Computing the parts reads file bytes only when a file's (size, mtime) is new and imports
neither torch nor datasets, so `ablate plan` stays cheap.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ablate.config import RunConfig
from ablate.file_digest import FileDigests
from ablate.plan import CODE_VERSIONS, Phase, Plan
from ablate.store import jsonable
from ablate.tasks import get_task

PARTS = ("task", "settings", "seed", "inputs", "code", "data", "model")


def digest(value: Any, n: int = 16) -> str:
    blob = json.dumps(value, sort_keys=True, default=jsonable).encode()
    return hashlib.sha256(blob).hexdigest()[:n]


class KeyMaker:
    """Computes phase keys for one configuration; remembers digests it already computed."""

    def __init__(self, cfg: RunConfig):
        self.cfg = cfg
        self.files = FileDigests()
        self._data: dict[tuple[str, str], str] = {}
        self._model: str | None = None
        self.notes: list[str] = []  # things a user should know about the keys (unpinned revisions)

    def parts(self, phase: Phase, seed: int | None, input_keys: Mapping[str, str]) -> dict[str, str]:
        return {
            "task": digest([phase.kind, phase.task if phase.task_in_key else None]),
            "settings": digest(phase.settings),
            "seed": str(seed) if phase.seeded else "-",
            "inputs": digest({name: input_keys[name] for name in phase.inputs}),
            "code": self.code(phase.kind),
            "data": self.data(phase),
            "model": self.model() if "model" in phase.settings else "-",
        }

    def key(self, phase: Phase, seed: int | None, input_keys: Mapping[str, str]) -> tuple[str, dict[str, str]]:
        """(24-hex key, its parts)."""
        parts = self.parts(phase, seed, input_keys)
        return digest(parts, 24), parts

    def plan_keys(self, plan: Plan, seed: int) -> dict[str, tuple[str, dict[str, str]]]:
        out: dict[str, tuple[str, dict[str, str]]] = {}
        for phase in plan.order():
            out[phase.name] = self.key(phase, seed, {n: out[n][0] for n in phase.inputs})
        self.files.save()
        return out

    @staticmethod
    def code(kind: str) -> str:
        from ablate import __version__
        from ablate.code_digest import code_digest
        from ablate.phases import RUNNERS  # a table of strings: imports no runner

        return digest([__version__, CODE_VERSIONS[kind], code_digest(RUNNERS[kind].partition(":")[0])])

    def data(self, phase: Phase) -> str:
        # the languages too: two evaluations of one task may read different subsets
        ident = (phase.kind, phase.task, phase.tasks, tuple(phase.settings.get("languages") or ()))
        if ident not in self._data:
            if phase.tasks:  # multi-task training reads every task's training data
                self._data[ident] = digest([self._data_parts(phase, t) for t in phase.tasks])
            else:
                self._data[ident] = digest(self._data_parts(phase, phase.task))
        return self._data[ident]

    def _data_parts(self, phase: Phase, task: str) -> list:
        from ablate.data import bucc
        from ablate.data.load import FIXTURES, LOCAL_FILES, _find_local, local_module, revision_of

        cfg = self.cfg
        spec = get_task(task)
        if phase.kind in ("evaluate", "retrieve"):
            langs = phase.settings.get("languages") or spec.languages  # a run may evaluate a subset
            sources = [s.for_lang(lang) for s in spec.evaluation.values() for lang in langs]
        else:  # training phases and translation read the English train and dev data (and what
            # selection excludes from dev: XQuAD.en's contexts for SQuAD)
            sources = [s.for_lang("en") for s in spec.training_sources]
        parts: list = []
        if spec.name == "bucc2018" and cfg.data != "fixtures" and bucc.has_local(cfg.data_dir):
            dirs = [bucc.corpus_dir(cfg.data_dir, lang) for lang in spec.languages]
            return [["local", self.files.tree([d for d in dirs if d.is_dir()], Path(cfg.data_dir))]]
        for src in {s.describe(): s for s in sources}.values():
            if src.hub_id in LOCAL_FILES:  # CCGbank, UD, LAReQA, Mewsli-X: directories of files
                root = local_module(src.hub_id).directory(cfg) if cfg.data == "fixtures" or cfg.data_dir else None
                parts.append(["local", src.hub_id, self.files.tree([root], root) if root and root.is_dir() else "absent"])
                continue
            root = FIXTURES if cfg.data == "fixtures" else Path(cfg.data_dir) if cfg.data_dir else None
            found = _find_local(root, src) if root is not None else None
            if found is not None:
                features = found.parent / "features.json"
                files = [found] + ([features] if features.is_file() else [])
                parts.append(["local", src.describe(), self.files.tree(files, found.parent)])
            elif cfg.data == "fixtures":
                parts.append(["absent", src.describe()])
            else:
                revision = revision_of(src, cfg)
                parts.append(["hub", src.describe(), revision or "unpinned"])
                if revision is None:
                    self._note(f"{src.hub_id} has no pinned revision: keyed as 'unpinned'")
        if "mlm" in phase.settings:  # stilts-mlm also reads its MLM corpus
            from ablate.mlm.corpus import key_part, sources

            srcs = sources(cfg, phase.settings["mlm"]["langs"])
            parts.append(["mlm", key_part(srcs, self.files.tree)])
            if any(s.kind == "hub" and s.revision is None for s in srcs.values()):
                self._note(f"MLM corpus {cfg.mlm['corpus']} has no pinned revision (mlm.revision): keyed as 'unpinned'")
        return parts

    def model(self) -> str:
        if self._model is None:
            self._model = digest(self._model_part())
        return self._model

    def _model_part(self) -> list:
        from ablate.data.load import FIXTURES
        from ablate.models import TINY_BUILD_VERSION, TINY_MODELS

        cfg = self.cfg
        if cfg.model in TINY_MODELS:  # built from the fixtures' text by ablate.models
            return ["tiny", cfg.model, TINY_BUILD_VERSION, TINY_MODELS[cfg.model], self.files.tree([FIXTURES], FIXTURES)]
        path = Path(cfg.model).expanduser()
        if path.is_dir():
            return ["local", self.files.tree([path], path)]
        if cfg.model_revision is None:
            self._note(f"model {cfg.model} has no pinned revision: keyed as 'unpinned'")
        return ["hub", cfg.model, cfg.model_revision or "unpinned"]

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def explain(parts: Mapping[str, str], stored: list[Mapping[str, str]]) -> str:
    """Why a phase is missing: the parts that differ from the nearest stored entry of its kind
    (the one sharing most parts), or that there is none."""
    if not stored:
        return "none stored"
    nearest = max(stored, key=lambda other: sum(other.get(p) == parts[p] for p in PARTS))
    changed = [p for p in PARTS if nearest.get(p) != parts[p]]
    return "new " + ", ".join(changed) if changed else "same parts, other key"
