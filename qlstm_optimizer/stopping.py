"""When a refine is done: its steps can no longer be told apart from the objective's noise.

A sampler-based QAOA energy carries shot noise (1024 shots: about 3 % of the energy's spread). A
trust-region refine on such energies keeps shrinking its radius after every step the noise
undoes, and spends the rest of the budget on points microradians apart, which no estimate can
rank: 33-38 of 50 evaluations at n = 10..14 while the energy was within about 0.5 % of the
optimum after 5-10 (issue 13). Exact energies have no such floor; there the refine runs to its
own convergence test (trust radius below 1e-7 rad).

:class:`NoiseAwareStop` wraps an ask/tell refiner. After ``patience`` consecutive failed steps
(steps after which the refiner shrank its trust radius) it re-evaluates the best point once:

* the same value again (to 1e-9 relative): the energies are exact; carry on, never check again;
* a different value: the energies are noisy, and the last ``patience`` steps could not beat the
  noise; stop, saying so in :attr:`reason`. The repeated point counts once in the refiner's
  model, at the mean of its values. (:attr:`noise`, ``|f_1 - f_2| / sqrt 2``, is a one-pair
  estimate of the noise: its order of magnitude, not a measurement.)

``patience = 3`` was chosen on validation-split graphs (``python -m benchmarks.stop_rule``,
docs/user-guide.md "Stopping under noise"): 2 and 3 give the same exact rho, 4 spends more
evaluations at p = 2 for it; 3 is the safer of the two against a false stop.

Limitation: a *seeded* sampler (``StatevectorSampler(seed=...)``) returns the same estimate for
the same point, so the re-evaluation cannot see its noise; such runs go on as before (one
evaluation more). A test of how the model's prediction errors shrink with the radius caught
that case on validation graphs but also stopped some exact p = 2 runs early (10th percentile
rho 0.9996 instead of 1.0000), so it is not used.

Example:
    >>> import numpy as np
    >>> from qlstm_optimizer.refine import QuadraticRefiner
    >>> rng = np.random.default_rng(0)
    >>> f = lambda x: float(x @ x) + 0.05 * rng.normal()          # a noisy bowl
    >>> x0 = np.array([0.5, -0.4])
    >>> stop = NoiseAwareStop(QuadraticRefiner([x0], [f(x0)], step=0.2))
    >>> used = 0
    >>> while used < 100 and (x := stop.ask()) is not None:
    ...     stop.tell(f(x)); used += 1
    >>> used < 60, stop.reason.startswith("stopped: the last 3 steps")
    (True, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

DEFAULT_PATIENCE = 3
# Two evaluations of one point that differ by more than this (relative) are noise, not rounding.
_SAME_VALUE = 1e-9


class NoiseAwareStop:
    """Ask/tell wrapper around a refiner with ``ask() -> x | None``, ``tell(value)``,
    ``radius``, ``xs`` and ``fs`` (:class:`qlstm_optimizer.refine.QuadraticRefiner`).

    Attributes:
        noise: None until checked; 0.0 for exact energies; else a one-pair estimate of the
            standard deviation of one evaluation (its order of magnitude only).
        reason: why the run ended (None while it goes on).
    """

    def __init__(self, refiner: Any, patience: int | None = None) -> None:
        patience = DEFAULT_PATIENCE if patience is None else patience
        if isinstance(patience, bool) or int(patience) != patience or patience < 1:
            raise ValueError(f"patience must be a positive integer, got {patience!r}")
        self.refiner = refiner
        self.patience = int(patience)
        self.failures = 0
        self.noise: float | None = None
        self.reason: str | None = None
        self._recheck: tuple[np.ndarray, float] | None = None

    @property
    def xs(self) -> list:
        return self.refiner.xs

    @property
    def fs(self) -> list:
        return self.refiner.fs

    def ask(self) -> np.ndarray | None:
        if self.reason is not None:
            return None
        if self._recheck is None and self.noise is None and self.failures >= self.patience:
            best = int(np.argmin(self.refiner.fs))
            self._recheck = (np.array(self.refiner.xs[best], dtype=float),
                             float(self.refiner.fs[best]))
        if self._recheck is not None:
            return self._recheck[0].copy()
        x = self.refiner.ask()
        if x is None:
            self.reason = "converged: the trust radius fell below 1e-7 rad"
        return x

    def tell(self, value: float, x: np.ndarray | None = None) -> None:
        """As the refiner's ``tell`` (``x``: the point actually evaluated, if moved)."""
        if self._recheck is not None:
            x, first = self._recheck
            self._recheck = None
            self.refiner.xs.append(x)
            self.refiner.fs.append(float(value))
            gap = abs(float(value) - first)
            if gap <= _SAME_VALUE * (1.0 + abs(first)):
                self.noise = 0.0  # exact energies: only the refiner's own test ends the run
                return
            self.noise = gap / np.sqrt(2.0)
            self.reason = (
                f"stopped: the last {self.patience} steps could not improve beyond the "
                f"objective's noise (the best point re-evaluated: {first:.6g} then "
                f"{float(value):.6g})")
            return
        radius = self.refiner.radius
        if x is None:
            self.refiner.tell(value)
        else:
            self.refiner.tell(value, x)
        self.failures = self.failures + 1 if self.refiner.radius < radius else 0
