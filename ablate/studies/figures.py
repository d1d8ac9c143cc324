"""The studies' figures (matplotlib, Agg), as PNG bytes."""

from __future__ import annotations

from ablate.reports.figures import _png  # the same PNG settings as the compare report


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def gains(lines, title: str, alpha: float) -> bytes:
    """Gain with its interval per (group, category)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(lines) + 1.2))
    for i, m in enumerate(lines):
        ax.errorbar(m.gain, i, xerr=[[m.gain - m.low], [m.high - m.gain]], fmt="o", color="C0" if m.p_holm <= alpha else "C7")
    ax.set_yticks(range(len(lines)), [f"{m.group} / {m.category}" for m in lines])
    ax.axvline(0, color="k", lw=0.8)
    ax.invert_yaxis()
    ax.set_title(title)
    return _png(fig)


def scatter(panels: dict[str, tuple], xlabel: str) -> bytes:
    """One panel per (arm / task): distance vs mean degradation, languages labelled."""
    plt = _plt()
    n = len(panels)
    fig, axes = plt.subplots(1, n, figsize=(4 * n, 3.4), squeeze=False)
    for ax, (title, (langs, x, y)) in zip(axes[0], panels.items()):
        ax.scatter(x, y, s=14)
        for lang, xi, yi in zip(langs, x, y):
            ax.annotate(lang, (xi, yi), fontsize=7, xytext=(2, 2), textcoords="offset points")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_ylabel("degradation (points)", fontsize=8)
    return _png(fig)


def interaction(res, cells: dict[str, list[float]]) -> bytes:
    """Mean score per task on the smaller and larger model (non-parallel lines = interaction)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.4))
    for arm, values in cells.items():
        ax.plot([res.small, res.large], values, marker="o", label=arm)
    ax.set_ylabel(f"{res.metric} (points, mean over targets)")
    ax.legend(fontsize=8)
    ax.set_title(f"DiD {res.did.estimate:+.2f} [{res.did.low:+.2f}, {res.did.high:+.2f}]")
    return _png(fig)


def curves(points, baseline: float | None) -> bytes:
    """Score vs intermediate examples per arm with t intervals; the baseline as a line."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    arms = list(dict.fromkeys(p.arm for p in points))
    for i, arm in enumerate(arms):
        mine = sorted((p for p in points if p.arm == arm and p.volume > 0), key=lambda p: p.volume)
        if mine:
            ax.errorbar([p.volume for p in mine], [p.mean for p in mine],
                        yerr=[[p.mean - p.low for p in mine], [p.high - p.mean for p in mine]], marker="o", label=arm, color=f"C{i}")
    if baseline is not None:
        ax.axhline(baseline, color="k", ls="--", lw=0.8, label="baseline")
    ax.set_xscale("log")
    ax.set_xlabel("intermediate training examples (multi-task: total over its tasks)")
    ax.set_ylabel("score (points, mean over targets)")
    ax.legend(fontsize=8)
    return _png(fig)
