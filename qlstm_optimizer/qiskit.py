"""``QLSTMOptimizer``: the frozen learned optimizer as a qiskit-algorithms ``Optimizer``.

Example:
    >>> from qiskit_algorithms import QAOA
    >>> from qiskit.primitives import StatevectorSampler
    >>> from qlstm_optimizer import QLSTMOptimizer
    >>> qaoa = QAOA(StatevectorSampler(), optimizer=QLSTMOptimizer.pretrained("maxcut-p1"))

What the optimizer does with ``minimize(fun, x0, jac, bounds)``:

* ``x0`` sets the depth (``len(x0) = 2p``). Its values are not used by default (support level
  ``ignored``): QAOA's default x0 is a uniformly random point, which the model was not trained to
  start from (the learned start against random starts is measured in docs/benchmarks.md), and
  evaluating it would spend one of a few evaluations on a point that is almost never the best.
  With ``start="x0"`` (support level ``supported``) x0 is the first evaluation, the result is
  never worse than it, and the refine continues from it: for warm starts (a TQA schedule, angles
  from a smaller instance).
* ``jac`` is ignored (support level ``ignored``): the model decides from energies alone, which is
  what a shot-based backend gives cheaply.
* ``bounds`` are respected (``supported``): betas are shifted by multiples of pi into the box, which
  leaves every QAOA energy unchanged; anything still outside is clipped.

Every setting is checked when the optimizer is built (and by ``set_options``), so a bad one fails
where QAOA is built, not in its run:

    >>> QLSTMOptimizer(maxfev=2.7)
    Traceback (most recent call last):
    ...
    ValueError: maxfev must be a positive integer, got 2.7 (float)
    >>> opt = QLSTMOptimizer.pretrained("maxcut-p1", maxiter=20)
    >>> opt.set_options(maxfev=5, start="x0")
    >>> opt
    QLSTMOptimizer(model='maxcut-p1', maxfev=5, start='x0')
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from qiskit_algorithms.optimizers import Optimizer, OptimizerResult, OptimizerSupportLevel

from .minimize import DEFAULT_MAXFEV, check_model_type, minimize_qaoa
from .model_choice import AUTO
from .options import budget_option, check_run_options
from .pretrained import check_model_name, is_card_path, load_card
from .refine import DEFAULT_REFINE

# Constructor defaults (a repr shows only the settings that differ from them).
_DEFAULTS = {"refine": DEFAULT_REFINE, "start": "learned", "hamiltonian": "auto",
             "hamiltonian_scale": None, "energy_offset": None, "exploration_noise": 0.0,
             "seed": None, "noise_stop": True, "blind_scale": True}


class QLSTMOptimizer(Optimizer):
    """A pretrained quantum-LSTM optimizer for QAOA angles.

    Args:
        model: ``"auto"`` (default: the family chosen from the cost operator at each run, logged
            by the ``qlstm_optimizer`` logger; :mod:`qlstm_optimizer.model_choice`), a bundled
            model name (``"maxcut-p1"``) or family (``"maxcut"``: depth from len(x0)), the path
            of a model card you trained (``runs/my-model/my-model.json``; its family sets the
            Hamiltonian units), or a ``(numpy_model, PolicySpec)`` pair.
        maxfev: hard budget of energy evaluations per ``minimize`` call (default 50).
        maxiter: the same budget under COBYLA's name (one iteration is one evaluation); give
            one of the two, or both equal.
        refine: ``"quadratic"`` (default; a trust-region method on quadratic models of every
            point so far), ``"cobyla"``, ``"nelder-mead"`` or None: local optimizer continuing
            from the best learned point within the remaining budget.
        start: ``"learned"`` (default) or ``"x0"``, see the module docstring (``"x0"`` makes
            ``initial_point`` supported; with the learned start it is ignored).
        hamiltonian: the cost operator: adapts the model to its normalisation. ``"auto"``
            (default) reads it from the energy function QAOA / SamplingVQE pass to
            ``minimize`` (qiskit-algorithms 0.4, tested; :mod:`qlstm_optimizer.autodetect`); None
            runs blind. Pass the operator itself to be independent of qiskit-algorithms'
            internals.
        hamiltonian_scale: explicit normalisation factor instead (see ``qlstm_optimizer.minimize``).
        energy_offset: energy of the uniform superposition if the operator has a constant term.
        exploration_noise: noise on learned proposals as a fraction of the step (0: deterministic).
        seed: seed of the exploration noise.
        noise_stop: end the refine once its steps cannot beat the energies' shot noise (default
            True; see ``minimize_qaoa`` and docs/user-guide.md "Stopping under noise").
        blind_scale: a blind p = 1 run reads the Hamiltonian scale from two probe energies
            first (default True; ``minimize_qaoa``, :mod:`qlstm_optimizer.blind_scale`).
    """

    def __init__(
        self,
        model: Any = AUTO,
        maxfev: int | None = None,
        refine: str | None = DEFAULT_REFINE,
        start: str = "learned",
        hamiltonian: Any = "auto",
        hamiltonian_scale: float | None = None,
        energy_offset: float | None = None,
        exploration_noise: float = 0.0,
        seed: int | None = None,
        maxiter: int | None = None,
        noise_stop: bool = True,
        blind_scale: bool = True,
    ) -> None:
        self._card = None
        self._settings: dict[str, Any] = {}
        self._configure(dict(
            model=model, maxfev=budget_option(maxfev, maxiter), refine=refine, start=start,
            hamiltonian=hamiltonian, hamiltonian_scale=hamiltonian_scale,
            energy_offset=energy_offset, exploration_noise=exploration_noise, seed=seed,
            noise_stop=noise_stop, blind_scale=blind_scale))
        super().__init__()
        self._options = self.settings

    def _configure(self, settings: dict[str, Any]) -> None:
        """Check every setting (the same check as every ``minimize_qaoa`` run), then keep them."""
        run = check_run_options(**{k: v for k, v in settings.items() if k != "model"})
        model = settings["model"]
        check_model_type(model)
        card = None
        # A card is loaded (sha256-checked) once, here: a missing or tampered card fails now,
        # not inside QAOA's run, and every minimize() reuses it, as bundled models are cached.
        # The settings keep its absolute path, so a later change of directory cannot lose it.
        if is_card_path(model):
            model = Path(model).resolve()
            card = self._card if model == self._settings.get("model") else load_card(model)
        elif isinstance(model, str) and model != AUTO:
            check_model_name(model)  # fail here, not deep inside QAOA's run
        # the settings keep what the caller gave (so they round-trip), once it passed the check
        self._settings = {"model": model, **{k: settings[k] for k in run}}
        self._card = card

    @classmethod
    def pretrained(cls, name: str = "maxcut", **options: Any) -> QLSTMOptimizer:
        """The optimizer running bundled model ``name`` (see ``list_pretrained()``)."""
        return cls(model=name, **options)

    def set_options(self, **kwargs: Any) -> None:
        """Change settings (any constructor argument; ``maxiter`` is the budget's alias), checked
        as the constructor checks them: nothing changes if one is bad.

        Raises:
            ValueError: an unknown setting (named), or a bad value.
        """
        unknown = sorted(set(kwargs) - set(self._settings) - {"maxiter"})
        if unknown:
            raise ValueError(f"unknown QLSTMOptimizer setting(s) {unknown}; the settings are "
                             f"{sorted(self._settings)} (and maxiter, the budget's alias)")
        kwargs = dict(kwargs)
        if "maxiter" in kwargs:
            kwargs["maxfev"] = budget_option(kwargs.get("maxfev"), kwargs.pop("maxiter"))
        self._configure({**self._settings, **kwargs})
        self._initial_point_support_level = self.get_support_level()["initial_point"]
        self._options = self.settings

    def get_support_level(self) -> dict[str, OptimizerSupportLevel]:
        """``initial_point`` is ``supported`` with ``start="x0"``; with the default learned
        start only its length is used (the depth), so it is ``ignored``."""
        uses_x0 = self._settings["start"] == "x0"
        return {
            "gradient": OptimizerSupportLevel.ignored,
            "bounds": OptimizerSupportLevel.supported,
            "initial_point": OptimizerSupportLevel.supported if uses_x0
            else OptimizerSupportLevel.ignored,
        }

    @property
    def settings(self) -> dict[str, Any]:
        """Constructor arguments: ``QLSTMOptimizer(**opt.settings)`` behaves the same."""
        return dict(self._settings)

    def __repr__(self) -> str:
        """The model and budget, and every other setting that is not the default."""
        s = self._settings
        model = str(s["model"]) if isinstance(s["model"], Path) else s["model"]
        model = model if isinstance(model, str) else type(model).__name__
        shown = {"model": model,
                 "maxfev": DEFAULT_MAXFEV if s["maxfev"] is None else s["maxfev"]}
        shown.update({k: v for k, v in s.items()
                      if k not in shown and (k not in _DEFAULTS or v is not _DEFAULTS[k]
                                             and v != _DEFAULTS[k])})
        return f"QLSTMOptimizer({', '.join(f'{k}={v!r}' for k, v in shown.items())})"

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
            noise_stop=s["noise_stop"], blind_scale=s["blind_scale"],
        )
        out = OptimizerResult()
        out.x = result.x
        out.fun = result.fun
        out.nfev = result.nfev
        out.njev = 0
        out.nit = result.nit
        return out
