import numpy as np
import pytest

from ablate.errors import AblateError
from ablate.stats import summarize


def test_summarize_p_value_definition():
    res = summarize(0.5, np.array([0.1, 0.5, 0.9, 1.2]))  # only 1.2 is ≥ |Δ̂| = 0.5 from Δ̂
    assert res.p == pytest.approx(2 / 5)
    res = summarize(0.5, np.array([0.0, 1.0, 0.6]))  # 0.0 and 1.0 are ≥ 0.5 away
    assert res.p == pytest.approx(3 / 4)


def test_interval_is_the_percentile_interval_at_the_requested_level():
    reps = np.random.default_rng(3).normal(1.0, 2.0, 20_001)
    res = summarize(1.0, reps, level=0.9)
    low, high = np.quantile(reps, [0.05, 0.95])
    assert (res.low, res.high) == (pytest.approx(low), pytest.approx(high))
    assert res.low < res.delta < res.high and res.level == 0.9


def test_zero_estimate_has_p_one():
    assert summarize(0.0, np.array([-1.0, 0.0, 2.0])).p == 1.0


@pytest.mark.parametrize("reps,level", [(np.array([]), 0.95), (np.array([1.0, np.nan]), 0.95),
                                        (np.array([1.0, 2.0]), 1.5)])
def test_bad_input_names_the_problem(reps, level):
    with pytest.raises(AblateError):
        summarize(0.5, reps, level)
