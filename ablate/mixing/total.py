"""How a multi-task run's total number of training examples (`multitask.total_train_examples`)
is split among its tasks, so multi-task and one task can be compared at the same volume.

Equal shares, not shares proportional to the tasks' sizes: the question is diversity at a fixed
volume, and proportional shares would hand most of a small budget to the largest task (ANLI+ or
MNLI), making the run nearly single-task. N = q·k + r over k tasks gives q to each task and one
more to the first r in the paper's order; a task with fewer rows than its share gives all its
rows and the rest is shared equally among the tasks that still have rows (so the total is N
exactly whenever the tasks hold N rows between them).
"""

from __future__ import annotations

from ablate.errors import AblateError


def split_total(sizes: dict[str, int], total: int) -> dict[str, int]:
    """Examples per task (same order as ``sizes``: rows available per task) summing to ``total``."""
    available = sum(sizes.values())
    if total > available:
        raise AblateError(f"multitask.total_train_examples = {total} is more than the {available:,} training examples "
                          f"the tasks hold ({', '.join(f'{t} {n:,}' for t, n in sizes.items())}); use <= {available}.")
    shares: dict[str, int] = {}
    open_, left = list(sizes), total
    while open_:  # tasks smaller than an equal share of what is left give all their rows
        small = [t for t in open_ if sizes[t] <= left // len(open_)]
        if not small:
            break
        for t in small:
            shares[t] = sizes[t]
            left -= sizes[t]
        open_ = [t for t in open_ if t not in small]
    if open_:
        each, extra = divmod(left, len(open_))
        shares.update({t: each + (i < extra) for i, t in enumerate(open_)})
    return {t: shares[t] for t in sizes}
