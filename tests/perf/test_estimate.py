"""`ablate plan` compute estimates: tokens x non-embedding parameters -> FLOPs, hand-checked."""

from __future__ import annotations

from ablate.config import resolve
from ablate.estimate import non_embedding_parameters, phase_estimate
from ablate.recipes import load

# XLM-R large per layer: Q,K,V,O 4*1024^2 + 4*1024 biases; FF 2*1024*4096 + 4096 + 1024; 2 LayerNorms 4*1024
XLMR_LARGE = 24 * (4 * 1024**2 + 4 * 1024 + 2 * 1024 * 4096 + 4096 + 1024 + 4 * 1024)


def _phases(**layer):
    cfg = resolve(None, None, {"recipe": "stilts", "task": "mnli", **layer})
    return {p.name: p for p in load("stilts").plan(cfg).phases}, cfg


def test_paper_setting_figures_from_data_cards_and_the_model_architecture():
    phases, cfg = _phases(targets="xnli")
    assert non_embedding_parameters(cfg) == XLMR_LARGE == 302_309_376
    est = phase_estimate(phases["intermediate:mnli"], cfg, XLMR_LARGE)
    assert est.examples == 3 * 392_702 and est.tokens == 3 * 392_702 * 256  # MNLI train, 3 epochs, length 256
    assert est.flops == 6.0 * XLMR_LARGE * 3 * 392_702 * 256
    # XNLI: one config holding 15 languages; 2,490 validation + 5,010 test rows per language
    ev = phase_estimate(phases["evaluate:xnli"], cfg, XLMR_LARGE)
    assert ev.examples == 15 * (2_490 + 5_010) and ev.flops == 2.0 * XLMR_LARGE * ev.examples * 256


def test_caps_and_choices_change_the_figures():
    phases, cfg = _phases(targets="xnli", intermediate={"mnli": {"max_steps": 100, "batch_size": 2, "grad_accum": 3}})
    assert phase_estimate(phases["intermediate:mnli"], cfg, 1).examples == 600
    phases, cfg = _phases(targets="xnli", task="hellaswag")
    est = phase_estimate(phases["intermediate:hellaswag"], cfg, 1)
    assert est.tokens == est.examples * 256 * 4  # four endings per example, each its own sequence


def test_a_dual_encoder_fine_tune_counts_both_sides_of_each_pair():
    phases, cfg = _phases(targets="lareqa")  # SQuAD v1.1 train: 87,599 pairs, 3 epochs
    est = phase_estimate(phases["finetune:lareqa"], cfg, 1)
    assert est.examples == 3 * 87_599 and est.tokens == est.examples * (96 + 256)  # question + answer side


def test_plan_prints_compute_and_given_hours(cli, tmp_path):
    res = cli("plan", "stilts", "--task", "mnli", "--targets", "xnli", "-o", str(tmp_path),
              "--set", "compute.flops_per_second=1e14")
    assert res.code == 0, res.err
    total = 6.0 * XLMR_LARGE * 3 * 392_702 * 256 + 6.0 * XLMR_LARGE * 2 * 392_702 * 256 \
        + 2.0 * XLMR_LARGE * 15 * 7_500 * 256
    assert f"{total / 1e15:.3g} PFLOP" in res.out and f"{total / 1e14 / 3600:.3g} h (given)" in res.out
