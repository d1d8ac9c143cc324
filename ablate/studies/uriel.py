"""Typological distances between languages from URIEL vectors (lang2vec 1.1.2's shipped data).

The vectors for English and the XTREME / XTREME-R languages ship as package data
(ablate/studies/data/uriel.json, card: data_cards/uriel.md, extracted by tools/extract_uriel.py);
lang2vec itself is not needed at run time. Distance = cosine distance per feature family, as
lang2vec's later `distance()` computes it: syntax, phonology and inventory use the kNN-imputed
feature sets (no missing values), genetic the family-membership vector, geographic URIEL's
distances to fixed points on the globe.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np

from ablate.errors import AblateError, unknown

FAMILIES = ("syntax", "phonology", "inventory", "genetic", "geographic")


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads((resources.files("ablate.studies") / "data" / "uriel.json").read_text(encoding="utf-8"))


def languages() -> list[str]:
    return sorted(_data()["iso639_3"])


def vector(family: str, lang: str) -> np.ndarray:
    """The URIEL vector of `lang` (two-letter code) in `family` (dense, 0/1 for genetic)."""
    fam = _data()["families"].get(family)
    if fam is None:
        raise unknown("URIEL feature family", family, FAMILIES)
    if lang not in fam["vectors"]:
        raise AblateError(f"No URIEL vector for language '{lang}' (shipped: {', '.join(languages())}).")
    values = fam["vectors"][lang]
    if fam["sparse"]:
        dense = np.zeros(fam["features"])
        dense[values] = 1.0
        return dense
    return np.asarray(values, dtype=float)


def distance(family: str, a: str, b: str) -> float:
    """Cosine distance between the two languages' vectors in `family` (0 = identical). A language
    isolate (Basque) has an empty genetic vector: it shares no family with anyone, distance 1."""
    u, v = vector(family, a), vector(family, b)
    norm = float(np.linalg.norm(u) * np.linalg.norm(v))
    return max(0.0, 1.0 - float(u @ v) / norm) if norm else 1.0  # max: rounding can give -1e-16
