"""``QLSTMOptimizer``: the frozen learned optimizer as a qiskit-algorithms ``Optimizer``.

Example:
    >>> from qiskit_algorithms import QAOA
    >>> from qiskit.primitives import StatevectorSampler
    >>> from qlstm_optimizer import QLSTMOptimizer
    >>> qaoa = QAOA(StatevectorSampler(), optimizer=QLSTMOptimizer.pretrained("maxcut-p1"))

What the optimizer does with ``minimize(fun, x0, jac, bounds)``:

* ``x0`` sets the depth (``len(x0) = 2p``). Its values are not used by default: QAOA's default
  x0 is a uniformly random point, which the model was not trained to start from (the learned
  start against random starts is measured in docs/benchmarks.md). Pass
  ``start="x0"`` to have the model move from x0 instead (support level: ``supported``).
* ``jac`` is ignored (support level ``ignored``): the model decides from energies alone, which is
  what a shot-based backend gives cheaply.
* ``bounds`` are respected (``supported``): betas are shifted by multiples of pi into the box, which
  leaves every QAOA energy unchanged; anything still outside is clipped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from qiskit_algorithms.optimizers import Optimizer, OptimizerResult, OptimizerSupportLevel

from .autodetect import check_hamiltonian_option
from .minimize import minimize_qaoa
from .pretrained import check_model_name, is_card_path, load_card
from .refine import DEFAULT_REFINE


class QLSTMOptimizer(Optimizer):
    """A pretrained quantum-LSTM optimizer for QAOA angles.

    Args:
        model: bundled model name (``"maxcut-p1"``) or family (``"maxcut"``: depth from len(x0)),
            the path of a model card you trained (``runs/my-model/my-model.json``; its family
            sets the Hamiltonian units), or a ``(numpy_model, PolicySpec)`` pair.
        maxfev: hard budget of energy evaluations per ``minimize`` call (default 50).
        refine: ``"quadratic"`` (default; a trust-region method on quadratic models of every
            point so far), ``"cobyla"``, ``"nelder-mead"`` or None: local optimizer continuing
            from the best learned point within the remaining budget.
        start: ``"learned"`` (default) or ``"x0"``, see the module docstring.
        hamiltonian: the cost operator: adapts the model to its normalisation. ``"auto"``
            (default) reads it from the energy function QAOA / SamplingVQE pass to
            ``minimize`` (qiskit-algorithms 0.4, tested; :mod:`qlstm_optimizer.autodetect`); None
            runs blind. Pass the operator itself to be independent of qiskit-algorithms'
            internals.
        hamiltonian_scale: explicit normalisation factor instead (see ``qlstm_optimizer.minimize``).
        energy_offset: energy of the uniform superposition if the operator has a constant term.
        exploration_noise: noise on learned proposals as a fraction of the step (0: deterministic).
        seed: seed of the exploration noise.
    """

    def __init__(
        self,
        model: Any = "maxcut",
        maxfev: int | None = None,
        refine: str | None = DEFAULT_REFINE,
        start: str = "learned",
        hamiltonian: Any = "auto",
        hamiltonian_scale: float | None = None,
        energy_offset: float | None = None,
        exploration_noise: float = 0.0,
        seed: int | None = None,
    ) -> None:
        if maxfev is not None and (int(maxfev) != maxfev or maxfev < 1):
            raise ValueError(f"maxfev must be a positive integer, got {maxfev!r}")
        self._settings = {
            "model": model,
            "maxfev": maxfev,
            "refine": refine,
            "start": start,
            "hamiltonian": hamiltonian,
            "hamiltonian_scale": hamiltonian_scale,
            "energy_offset": energy_offset,
            "exploration_noise": exploration_noise,
            "seed": seed,
        }
        check_hamiltonian_option(hamiltonian)
        # A card is loaded (sha256-checked) once, here: a missing or tampered card fails now,
        # not inside QAOA's run, and every minimize() reuses it, as bundled models are cached.
        # The settings keep its absolute path, so a later change of directory cannot lose it.
        self._card = None
        if is_card_path(model):
            self._settings["model"] = Path(model).resolve()
            self._card = load_card(self._settings["model"])
        elif isinstance(model, str):
            check_model_name(model)  # fail here, not deep inside QAOA's run
        super().__init__()

    @classmethod
    def pretrained(cls, name: str = "maxcut", **options: Any) -> QLSTMOptimizer:
        """The optimizer running bundled model ``name`` (see ``list_pretrained()``)."""
        return cls(model=name, **options)

    def get_support_level(self) -> dict[str, OptimizerSupportLevel]:
        return {
            "gradient": OptimizerSupportLevel.ignored,
            "bounds": OptimizerSupportLevel.supported,
            "initial_point": OptimizerSupportLevel.supported,
        }

    @property
    def settings(self) -> dict[str, Any]:
        """Constructor arguments: ``QLSTMOptimizer(**opt.settings)`` behaves the same."""
        return dict(self._settings)

    def minimize(
        self,
        fun: Callable[[np.ndarray], float],
        x0: np.ndarray,
        jac: Callable[[np.ndarray], np.ndarray] | None = None,
        bounds: list[tuple[float, float]] | None = None,
    ) -> OptimizerResult:
        """Minimise ``fun`` from ``x0``'s depth; x and fun of the result are the best point
        evaluated, nfev the exact number of calls to ``fun`` (never above ``maxfev``)."""
        s = self._settings
        result = minimize_qaoa(
            fun, x0,
            model=self._card or s["model"], maxfev=s["maxfev"], refine=s["refine"],
            bounds=bounds,
            start=s["start"], hamiltonian=s["hamiltonian"],
            hamiltonian_scale=s["hamiltonian_scale"], energy_offset=s["energy_offset"],
            exploration_noise=s["exploration_noise"], seed=s["seed"],
        )
        out = OptimizerResult()
        out.x = result.x
        out.fun = result.fun
        out.nfev = result.nfev
        out.njev = 0
        out.nit = result.nit
        return out
