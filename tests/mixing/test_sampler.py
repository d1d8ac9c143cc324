"""TaskSampler: realised frequencies match each strategy's target distribution (chi-square)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from ablate.errors import AblateError
from ablate.mixing.sampler import TaskSampler, planned_steps

SIZES = {"anli_plus": 1_104_934, "mnli": 392_702, "squad": 87_599, "commonsense_qa": 9_741}
DRAWS = 40_000


def _expected(strategy: str, **kw) -> np.ndarray:
    """The target distribution, computed independently of the sampler's code."""
    n = np.array(list(SIZES.values()), dtype=float)
    w = {"proportional": n, "capped": np.minimum(n, kw.get("cap", 0)),
         "temperature": n ** (1 / kw.get("temperature", 1)), "uniform": np.ones_like(n)}[strategy]
    return w / w.sum()


@pytest.mark.parametrize("strategy,kw", [
    ("proportional", {}), ("capped", {"cap": 100_000}), ("temperature", {"temperature": 2.0}),
    ("temperature", {"temperature": 0.5}), ("uniform", {}),
])
def test_draws_follow_the_target_distribution(strategy, kw):
    sampler = TaskSampler(SIZES, strategy, seed=7, **kw)
    want = _expected(strategy, **kw)
    np.testing.assert_allclose(list(sampler.probabilities.values()), want, rtol=1e-12)
    drawn = sampler.draw(DRAWS)
    counts = np.array([drawn.count(name) for name in SIZES])
    # chi-square goodness of fit at a fixed seed: a wrong distribution of this size gives p ~ 0
    assert stats.chisquare(counts, want * DRAWS).pvalue > 0.001
    # and the test has power: the draws reject a neighbouring strategy's distribution
    other = _expected("uniform") if strategy != "uniform" else _expected("proportional")
    assert stats.chisquare(counts, other * DRAWS).pvalue < 1e-6


def test_fixed_share_is_taken_off_the_top():
    sizes = {"mlm": 10, "mnli": 300, "squad": 100}
    sampler = TaskSampler(sizes, "proportional", fixed={"mlm": 0.5}, seed=3)
    assert sampler.probabilities == pytest.approx({"mlm": 0.5, "mnli": 0.375, "squad": 0.125})
    drawn = sampler.draw(DRAWS)
    counts = np.array([drawn.count(k) for k in sizes])
    assert stats.chisquare(counts, np.array([0.5, 0.375, 0.125]) * DRAWS).pvalue > 0.001
    assert sampler.describe() == "proportional+fixed(mlm=0.5)"


def test_schedule_is_a_pure_function_of_the_seed():
    a = TaskSampler(SIZES, "proportional", seed=1)
    assert a.draw(500) == a.draw(500) == TaskSampler(SIZES, "proportional", seed=1).draw(500)
    assert a.draw(200) == a.draw(500)[:200]  # a capped run is a prefix of the full schedule
    assert a.draw(500) != TaskSampler(SIZES, "proportional", seed=2).draw(500)


def test_expected_steps_and_planned_steps():
    sampler = TaskSampler({"a": 300, "b": 100}, "proportional")
    assert sampler.expected_steps(40) == pytest.approx({"a": 30.0, "b": 10.0})
    # ceil(3 * 300 / 32) + ceil(3 * 100 / 16) = 29 + 19
    assert planned_steps({"a": 300, "b": 100}, {"a": 32, "b": 16}, 3.0) == 48
    assert planned_steps({"a": 300, "b": 100}, {"a": 32, "b": 16}, 3.0, max_steps=10) == 10


@pytest.mark.parametrize("sizes,kw,words", [
    ({"a": 10, "b": 5}, {"strategy": "temperature", "temperature": 0}, "temperature > 0"),
    ({"a": 10, "b": 5}, {"strategy": "temperature", "temperature": -1.0}, "temperature > 0"),
    ({"a": 10, "b": 5}, {"strategy": "capped", "cap": 0}, "cap >= 1"),
    ({"a": 10, "b": 5}, {"strategy": "capped"}, "cap >= 1"),
    ({"a": 10, "b": 5}, {"strategy": "proportinal"}, "Did you mean 'proportional'"),
    ({"a": 10, "b": 5}, {"fixed": {"a": 1.5}}, "must be in (0, 1)"),
    ({"a": 10, "b": 5}, {"fixed": {"xx": 0.5}}, "Unknown objective"),
    ({"a": 10, "b": 5, "c": 1}, {"fixed": {"a": 0.6, "b": 0.5}}, "leaving nothing for c"),
    ({"a": 10, "b": 5}, {"fixed": {"a": 0.6, "b": 0.3}}, "add up to 0.9, not 1"),
    ({"a": 0, "b": 0}, {}, "0 training examples"),
    ({}, {}, "at least one objective"),
])
def test_bad_settings_are_refused_with_one_clear_line(sizes, kw, words):
    with pytest.raises(AblateError) as e:
        TaskSampler(sizes, **kw)
    assert words.lower() in str(e.value).lower()
    assert "\n" not in str(e.value)
