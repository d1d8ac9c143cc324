"""`ablate power`: the planner's algebra, its validation by simulation against the default test,
and the command on a store."""

import numpy as np
import pytest

from ablate.reports import power as pw
from ablate.stats import components as vc


def test_detectable_effect_has_the_target_power_and_seeds_needed_is_minimal():
    c = pw.Components(seed=9.0, examples=0.25)
    for s in (3, 5, 10):
        assert pw.planned_power(c, pw.detectable_effect(c, s), s) == pytest.approx(0.8, abs=1e-6)
    n = pw.seeds_needed(c, 2.0)
    assert pw.planned_power(c, 2.0, n) >= 0.8 > pw.planned_power(c, 2.0, n - 1)
    # The report tests averaged levels only from 4 seeds on: the planner never answers fewer there.
    easy = pw.Components(seed=0.01, examples=0.0)
    assert pw.seeds_needed(easy, 5.0) == 2 and pw.plan([("task", "t", easy)], [3], 5.0, 0.05, 0.8)[0].needed[0] == 4
    assert np.isnan(pw.plan([("overall", "o", easy)], [3], None, 0.05, 0.8)[0].mde[3][0])
    # The test-set part alone (SE 1) cannot detect +1: no number of seeds suffices.
    assert pw.seeds_needed(pw.Components(1.0, 1.0), 1.0) is None


def test_pilot_uncertainty_widens_the_answer():
    c = pw.Components(seed=4.0, examples=0.1, seed_df=4)
    low, high = c.bounds()
    assert low.seed < c.seed < high.seed
    row = pw.plan([("task", "x", c)], [5], 1.5, 0.05, 0.8)[0]
    est, lo, hi = row.mde[5]
    assert lo < est < hi and row.needed[1] <= row.needed[0] <= row.needed[2]


@pytest.mark.parametrize("seeds,delta,sd_ex", [(5, 2.0, 0.0), (10, 1.5, 8.0), (4, 3.0, 15.0)])
def test_planned_power_matches_simulated_power_of_the_default_test(seeds, delta, sd_ex):
    """Paired seeds; per-seed effects N(0, 1.2²), per-example arm effects N(0, sd_ex²) that persist
    over seeds (test-set sampling), noise N(0, 20²); n = 200. True components are known."""
    rng = np.random.default_rng(seeds)
    sims, n, sd_seed, sd_noise = 2_000, 200, 1.2, 20.0

    def arm(shift):
        return (shift + rng.normal(0, sd_seed, (sims, seeds, 1)) + rng.normal(0, sd_ex, (sims, 1, n))
                + rng.normal(0, sd_noise, (sims, seeds, n)))

    p = vc.components_test(vc.cell_moments(arm(delta), arm(0.0), paired=True)).p
    c = pw.Components(seed=2 * (sd_seed**2 + sd_noise**2 / n), examples=2 * sd_ex**2 / n, units=n)
    assert abs(np.mean(p <= 0.05) - pw.planned_power(c, delta, seeds)) < 0.05


def test_power_command_on_a_store_and_bad_input(synthetic_store, monkeypatch, cli):
    monkeypatch.setenv("COLUMNS", "250")
    r = cli("power", "--baseline", "baseline", "--treatment", "stilts:mnli", "--tracking-uri",
            synthetic_store[1], "--delta", "5", "--per-language")
    code, out = r.code, r.out + r.err
    assert code == 0, out
    for word in ("xnli", "tydiqa", "overall", "xnli/de", "pilot runs", "3 seeds", "S for +5"):
        assert word in out, word
    r = cli("power", "--seed-sd", "2", "--seeds-per-arm", "1")
    code, out = r.code, r.out + r.err
    assert code == 2 and "--seeds-per-arm needs integers ≥ 2" in out and "Traceback" not in out
