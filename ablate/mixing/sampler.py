"""Which objective trains at each optimizer step: jiant's multi-task sampling, made explicit.

    from ablate.mixing.sampler import TaskSampler
    s = TaskSampler({"mnli": 392_702, "squad": 87_599, "hellaswag": 39_905}, "capped", cap=100_000)
    s.probabilities        # {'mnli': 0.44, 'squad': 0.39, 'hellaswag': 0.18}
    s.draw(10)             # ['mnli', 'squad', ...], the same list for the same seed

Strategies, over the training sizes n_t of the objectives that have no fixed share:

- `proportional`: P(t) ∝ n_t (jiant's default; the paper's multi-task runs);
- `capped`: P(t) ∝ min(n_t, cap), so one huge task (ANLI+) cannot crowd out the small ones;
- `temperature`: P(t) ∝ n_t^(1/T); T = 1 is proportional, T -> ∞ approaches uniform;
- `uniform`: P(t) = 1/k.

`fixed` gives some objectives a share of their own (e.g. {"mlm": 0.5}: half of all steps are MLM
steps); the strategy divides the rest among the others. Pure numpy: planning uses it too.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ablate.errors import AblateError, unknown

STRATEGIES = ("proportional", "capped", "temperature", "uniform")


class TaskSampler:
    """P(objective) per optimizer step, and a seeded schedule of draws.

    sizes: objective name -> number of training examples (order is kept in every output).
    strategy: one of STRATEGIES; `cap` (>= 1) is required by `capped`, `temperature` (> 0) by
    `temperature`. fixed: objective name -> share in (0, 1), taken off the top.
    seed: the schedule's seed (`draw` is a pure function of it).
    """

    def __init__(self, sizes: Mapping[str, int], strategy: str = "proportional", cap: int | None = None,
                 temperature: float | None = None, fixed: Mapping[str, float] | None = None, seed: int = 0):
        self.sizes = {str(k): int(v) for k, v in sizes.items()}
        self.strategy, self.cap, self.temperature = strategy, cap, temperature
        self.fixed = dict(fixed or {})
        self.seed = seed
        self._check()
        self.probabilities = self._probabilities()

    def _check(self) -> None:
        if not self.sizes:
            raise AblateError("The task sampler needs at least one objective.")
        if self.strategy not in STRATEGIES:
            raise unknown("sampling strategy", self.strategy, STRATEGIES)
        if self.strategy == "capped" and (self.cap is None or self.cap < 1):
            raise AblateError(f"Capped sampling needs a cap >= 1 (examples per task), got {self.cap}; "
                              "e.g. --sampling capped --cap 100000.")
        if self.strategy == "temperature" and (self.temperature is None or not self.temperature > 0):
            raise AblateError(f"Temperature sampling needs a temperature > 0, got {self.temperature}; "
                              "e.g. --sampling temperature --temperature 2 (1 = proportional).")
        negative = [name for name, n in self.sizes.items() if n < 0]
        if negative:
            raise AblateError(f"Objective sizes must be >= 0, got {', '.join(negative)} < 0.")
        for name, share in self.fixed.items():
            if name not in self.sizes:
                raise unknown("objective with a fixed share", name, self.sizes)
            if not 0 < share < 1:
                raise AblateError(f"The fixed share of '{name}' must be in (0, 1), got {share}.")
        free = [name for name in self.sizes if name not in self.fixed]
        total = sum(self.fixed.values())
        if free and total >= 1:
            raise AblateError(f"Fixed shares add up to {total:g}, leaving nothing for {', '.join(free)}: "
                              "keep their sum below 1.")
        if not free and not np.isclose(total, 1):
            raise AblateError(f"Every objective has a fixed share, but they add up to {total:g}, not 1.")
        if free and self.strategy != "uniform" and sum(self.sizes[n] for n in free) == 0:
            raise AblateError(f"Every objective sampled by size ({', '.join(free)}) has 0 training examples.")

    def _weights(self, names: list[str]) -> np.ndarray:
        n = np.array([self.sizes[name] for name in names], dtype=float)
        if self.strategy == "proportional":
            return n
        if self.strategy == "capped":
            return np.minimum(n, self.cap)
        if self.strategy == "temperature":
            return n ** (1.0 / self.temperature)
        return np.ones_like(n)

    def _probabilities(self) -> dict[str, float]:
        free = [name for name in self.sizes if name not in self.fixed]
        out = {name: float(share) for name, share in self.fixed.items()}
        if free:
            weights = self._weights(free)
            rest = 1.0 - sum(out.values())
            out.update({name: float(rest * w / weights.sum()) for name, w in zip(free, weights)})
        return {name: out[name] for name in self.sizes}

    def draw(self, n_steps: int) -> list[str]:
        """The objective of each of `n_steps` optimizer steps. A fresh generator from `seed` each
        call, one uniform draw per step: draw(m) is a prefix of draw(n) for m <= n."""
        names = list(self.probabilities)
        p = np.array([self.probabilities[name] for name in names])
        rng = np.random.default_rng(self.seed)
        return [names[i] for i in rng.choice(len(names), size=n_steps, p=p / p.sum())]

    def expected_steps(self, n_steps: int) -> dict[str, float]:
        """Expected optimizer steps per objective out of `n_steps`."""
        return {name: n_steps * p for name, p in self.probabilities.items()}

    def describe(self) -> str:
        """e.g. 'capped(cap=100000)' or 'temperature(T=2)+fixed(mlm=0.5)' (tags, plan output)."""
        if self.strategy == "capped":
            text = f"capped(cap={self.cap})"
        elif self.strategy == "temperature":
            text = f"temperature(T={self.temperature:g})"
        else:
            text = self.strategy
        if self.fixed:
            text += "+fixed(" + ",".join(f"{k}={v:g}" for k, v in self.fixed.items()) + ")"
        return text


def planned_steps(sizes: Mapping[str, int], examples_per_step: Mapping[str, int], epochs: float,
                  max_steps: int = 0) -> int:
    """Optimizer steps of a mixture run: as many as training each objective alone for `epochs`
    epochs would take, sum_t ceil(epochs * n_t / examples_per_step_t), capped by `max_steps` (> 0).
    Under proportional sampling each objective then sees about `epochs` passes over its data."""
    total = sum(int(np.ceil(epochs * sizes[t] / examples_per_step[t])) for t in sizes)
    total = max(1, total)
    return min(total, max_steps) if max_steps else total
