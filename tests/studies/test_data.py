"""Shipped URIEL vectors against lang2vec's own numbers, and the stratified volume subsample."""

from __future__ import annotations

import numpy as np
import pytest

from ablate.data.subsample import subsample_indices
from ablate.languages import PANX, TATOEBA, UDPOS, XNLI
from ablate.studies import uriel


def test_uriel_distances_match_lang2vec():
    # cosine distances on lang2vec 1.1.2's syntax_knn vectors (measured with lang2vec itself)
    assert uriel.distance("syntax", "en", "de") == pytest.approx(0.0975, abs=5e-4)
    assert uriel.distance("syntax", "en", "ja") == pytest.approx(0.4998, abs=5e-4)
    assert uriel.distance("syntax", "en", "sw") == pytest.approx(0.5262, abs=5e-4)


def test_every_xtreme_language_has_a_vector_in_every_family():
    for lang in {*XNLI, *PANX, *UDPOS, *TATOEBA}:
        for family in uriel.FAMILIES:
            v = uriel.vector(family, lang)
            assert v.any() or (family, lang) == ("genetic", "eu"), (family, lang)  # Basque: an isolate
            assert 0 <= uriel.distance(family, "en", lang) <= 1
    assert uriel.distance("genetic", "en", "de") < uriel.distance("genetic", "en", "fr") < uriel.distance("genetic", "en", "ja")
    assert uriel.distance("geographic", "en", "fr") < uriel.distance("geographic", "en", "ja")


def test_subsample_is_stratified_exact_and_seeded():
    labels = np.array([0] * 600 + [1] * 300 + [2] * 100)
    idx = subsample_indices(len(labels), 50, labels, seed=0)
    assert len(idx) == 50 and len(set(idx)) == 50
    assert np.bincount(labels[idx]).tolist() == [30, 15, 5]
    assert np.array_equal(idx, subsample_indices(len(labels), 50, labels, seed=0))
    odd = subsample_indices(len(labels), 7, labels, seed=0)  # largest remainder: 4.2, 2.1, 0.7 -> 4, 2, 1
    assert np.bincount(labels[odd], minlength=3).tolist() == [4, 2, 1]
    assert len(subsample_indices(1000, 0, labels, 0)) == 1000 and len(subsample_indices(1000, 10, None, 0)) == 10
