"""A counting, recording objective that enforces an evaluation budget.

Every optimizer in the benchmark sees the energy only through :class:`CountingObjective`, so
every evaluation is counted the same way: a finite-difference gradient costs its ``2 * 2p``
(central) evaluations, a line search costs its trial points, SPSA costs two per step. Once the
budget is used up the next call raises :class:`BudgetExhausted`, which the baseline runners
catch; the recorded trace then holds exactly ``maxfev`` evaluations.

Example:
    >>> obj = CountingObjective(lambda x: float(x @ x), maxfev=3)
    >>> obj(np.array([1.0, 2.0]))
    5.0
    >>> g = obj.gradient(np.zeros(2))
    Traceback (most recent call last):
    ...
    qlstm_optimizer.bench.objective.BudgetExhausted: budget of 3 evaluations used up
    >>> obj.nfev, len(obj.values)
    (3, 3)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class BudgetExhausted(Exception):
    """Raised by :class:`CountingObjective` when a call would exceed the budget."""


class CountingObjective:
    """Wrap ``fun(x) -> float`` with a hard budget and a record of every evaluation.

    Args:
        fun: the energy the optimizer sees (exact or shot-noisy).
        maxfev: hard budget; the call after the ``maxfev``-th raises :class:`BudgetExhausted`.

    Attributes:
        xs: every evaluated point (copies), in order.
        values: every returned energy, in order.
    """

    def __init__(self, fun: Callable[[np.ndarray], float], maxfev: int) -> None:
        if int(maxfev) < 1:
            raise ValueError(f"maxfev must be at least 1, got {maxfev}")
        self.fun = fun
        self.maxfev = int(maxfev)
        self.xs: list[np.ndarray] = []
        self.values: list[float] = []
        self.ngrad = 0

    @property
    def nfev(self) -> int:
        return len(self.values)

    @property
    def remaining(self) -> int:
        return self.maxfev - self.nfev

    def __call__(self, x: Any, *args: Any) -> float:
        # *args: SciPy passes ``args=()`` through; accepted and ignored.
        if self.nfev >= self.maxfev:
            raise BudgetExhausted(f"budget of {self.maxfev} evaluations used up")
        x = np.array(x, dtype=float).ravel()
        value = float(np.real(self.fun(x)))
        self.xs.append(x)
        self.values.append(value)
        return value

    def gradient(self, x: Any, step: float = 1e-3) -> np.ndarray:
        """Central finite-difference gradient; costs ``2 * len(x)`` counted evaluations.

        (The parameter-shift rule does not apply to QAOA's layer angles: each beta and gamma
        drives many gates at once, with non-+-1 generators, so shift rules would cost even more
        evaluations per coordinate. Central differences are the cheapest accurate estimate.)
        """
        x = np.array(x, dtype=float).ravel()
        grad = np.empty_like(x)
        for i in range(x.size):
            e = np.zeros_like(x)
            e[i] = step
            grad[i] = (self(x + e) - self(x - e)) / (2 * step)
        self.ngrad += 1
        return grad

    def best(self) -> tuple[np.ndarray, float]:
        """The evaluated point with the lowest recorded energy, and that energy."""
        if not self.values:
            raise ValueError("no evaluations recorded")
        i = int(np.argmin(self.values))
        return self.xs[i], self.values[i]
