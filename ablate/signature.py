"""Signatures: one parseable line that says exactly how a number was produced (sacrebleu style).

`recipe:stilts|task:mnli|model:xlm-roberta-large@main|...|version:0.1.0` — fixed key order,
version last, None omitted, booleans yes/no, the values actually used. Components add their own
fragments (MT, MLM, statistics) through `extra`, which keeps its given order before `version`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ablate.errors import AblateError

# Fixed order of the core keys; anything else goes between these and `version`.
CORE_KEYS = ("recipe", "task", "targets", "model", "data", "seeds", "lr", "epochs", "bsz", "maxlen", "select")
FORBIDDEN = set("|:")


@dataclass(frozen=True)
class Signature:
    fields: Mapping[str, str]
    extra: tuple[tuple[str, str], ...] = ()
    version: str = ""

    @classmethod
    def build(cls, core: Mapping[str, Any], extra: Mapping[str, Any] | None = None,
              version: str | None = None) -> "Signature":
        from ablate import __version__

        unknown_keys = set(core) - set(CORE_KEYS)
        if unknown_keys:
            raise AblateError(f"Unknown signature keys {sorted(unknown_keys)}; put them in `extra`.")
        core_s = {k: _fmt(core[k]) for k in CORE_KEYS if k in core and core[k] is not None}
        extra_s = tuple((k, _fmt(v)) for k, v in (extra or {}).items() if v is not None)
        for k, v in (*core_s.items(), *extra_s):
            if FORBIDDEN & set(k + v):
                raise AblateError(f"Signature value {k}={v!r} may not contain '|' or ':'.")
        return cls(core_s, extra_s, version or __version__)

    def format(self) -> str:
        items = [*self.fields.items(), *self.extra, ("version", self.version)]
        return "|".join(f"{k}:{v}" for k, v in items)

    __str__ = format

    @classmethod
    def parse(cls, text: str) -> "Signature":
        pairs = []
        for part in text.strip().split("|"):
            key, sep, value = part.partition(":")
            if not sep:
                raise AblateError(f"Not a signature (no key:value in '{part}'): {text!r}")
            pairs.append((key, value))
        if not pairs or pairs[-1][0] != "version":
            raise AblateError(f"Not a signature (it must end with version:...): {text!r}")
        core = {k: v for k, v in pairs[:-1] if k in CORE_KEYS}
        extra = tuple((k, v) for k, v in pairs[:-1] if k not in CORE_KEYS)
        return cls(core, extra, pairs[-1][1])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Signature) and self.format() == other.format()

    def __hash__(self) -> int:
        return hash(self.format())


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (list, tuple)):
        return ",".join(_fmt(x) for x in v)
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)
