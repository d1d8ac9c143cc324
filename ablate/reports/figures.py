"""The report's figures as PNG bytes (matplotlib, Agg): a forest plot of Δ per task and overall,
and a language × task heatmap of Δ with significance marks."""

from __future__ import annotations

import io

from ablate.reports.render import ci_label


def figures(c) -> dict[str, bytes]:
    """{'forest.png': ..., 'heatmap.png': ...} as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    return {"forest.png": _forest(c), "heatmap.png": _heatmap(c)}


def _png(fig) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _forest(c) -> bytes:
    """Δ̂ with its CI per task and overall, one colour per non-baseline arm."""
    import matplotlib.pyplot as plt

    rows = [*c.targets, c.overall]
    pairs = c.labels[1:]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(rows) * max(1, len(pairs) * 0.7) + 1.2))
    offset = 0.6 / max(1, len(pairs))
    for j, treatment in enumerate(pairs):
        for i, name in enumerate(rows):
            level = "overall" if i == len(rows) - 1 else "task"
            m = c.lines(level=level, treatment=treatment, task=name)[0]
            y = len(rows) - 1 - i + (j - (len(pairs) - 1) / 2) * offset
            ax.errorbar(m.delta, y, xerr=[[m.delta - m.low], [m.high - m.delta]], fmt="D" if level == "overall" else "o",
                        color=f"C{j}", capsize=3, label=treatment if i == 0 else None)
    ax.axvline(0, color="grey", lw=0.8, ls="--")
    ax.set_yticks(range(len(rows)), [r if r != c.overall else r.upper() for r in reversed(rows)])
    ax.set_xlabel(f"Δ vs {c.labels[0]} (points, {ci_label(c.request.alpha)}, variance-components t)")
    ax.legend(loc="best", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def _heatmap(c) -> bytes:
    """Languages × (pair, task) of Δ̂; ** Holm (F3) significant, * BH q ≤ α only."""
    import matplotlib.pyplot as plt
    import numpy as np

    cols = [(t, tr) for tr in c.labels[1:] for t in c.targets]
    langs = sorted({m.lang for m in c.lines(level="cell")})
    grid = np.full((len(langs), len(cols)), np.nan)
    marks = [["" for _ in cols] for _ in langs]
    for j, (t, tr) in enumerate(cols):
        for m in c.lines(level="cell", treatment=tr, task=t):
            i = langs.index(m.lang)
            grid[i, j] = m.delta
            alpha = c.request.alpha
            marks[i][j] = ("**" if m.p_holm is not None and m.p_holm <= alpha
                           else "*" if m.q_bh is not None and m.q_bh <= alpha else "")
    lim = np.nanmax(np.abs(grid)) if np.isfinite(grid).any() else 1.0
    lim = lim if lim > 0 else 1.0
    fig, ax = plt.subplots(figsize=(1.1 * len(cols) + 2.5, 0.28 * len(langs) + 1.5))
    im = ax.imshow(grid, cmap="RdBu", vmin=-lim, vmax=lim, aspect="auto")
    for i in range(len(langs)):
        for j in range(len(cols)):
            if np.isfinite(grid[i, j]):
                ax.text(j, i, f"{grid[i, j]:+.1f}{marks[i][j]}", ha="center", va="center", fontsize=7,
                        color="white" if abs(grid[i, j]) > 0.6 * lim else "black")
    multi = len(c.labels) > 2
    ax.set_xticks(range(len(cols)), [f"{t}\n{tr}" if multi else t for t, tr in cols], fontsize=8)
    ax.set_yticks(range(len(langs)), langs, fontsize=8)
    fig.colorbar(im, ax=ax, label=f"Δ vs {c.labels[0]} (points)")
    ax.set_title(f"** Holm p ≤ {c.request.alpha} (F3), * BH q ≤ {c.request.alpha}", fontsize=9)
    return _png(fig)
