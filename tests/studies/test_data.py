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


def test_max_train_examples_flag_reaches_the_phase_key_and_the_signature(capsys):
    from ablate.config import resolve
    from ablate.execute import plan_keys, signature
    from ablate.recipes import load
    from tests.studies.conftest import main

    def intermediate_key(*flags):
        assert main("plan", "stilts", "--task", "mnli", "--targets", "xnli", "--preset", "smoke", "-o", "/nonexistent-x",
                    *flags) == 0
        row = next(line for line in capsys.readouterr().out.splitlines() if "intermediate:mnli" in line)
        return row.split("│")[4].strip()

    assert intermediate_key("--max-train-examples", "16") != intermediate_key()
    assert intermediate_key("--max-train-examples", "16") == intermediate_key("--set", "intermediate.mnli.max_train_examples=16")
    cfg = resolve("smoke", None, {"recipe": "stilts", "task": "mnli", "targets": "xnli",
                                  "intermediate": {"*": {"max_train_examples": 16}}})
    plan = load("stilts").plan(cfg)
    assert "ntrain:16" in signature(plan, cfg, 1).format()
    full = resolve("smoke", None, {"recipe": "stilts", "task": "mnli", "targets": "xnli"})
    assert "ntrain" not in signature(load("stilts").plan(full), full, 1).format()
    assert plan_keys(plan, 1, cfg)["intermediate:mnli"] != plan_keys(load("stilts").plan(full), 1, full)["intermediate:mnli"]
