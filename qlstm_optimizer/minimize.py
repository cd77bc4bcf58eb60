"""One entry point behind every adapter: resolve the model, adapt units, run the frozen policy.

The Qiskit optimizer, the SciPy method and the Optuna sampler all call :func:`minimize_qaoa`, so
they share validation, Hamiltonian-scale handling and the evaluation budget.

Units. The bundled models were trained on Hamiltonians in the package's normalisation: Max-Cut
``H = sum w_ij/2 Z_i Z_j`` with weights of order 1, SK ``H = (1/sqrt n) sum J_ij Z_i Z_j`` with
``|J_ij| ~ 1``. A Hamiltonian ``c`` times larger has its optimal gammas ``c`` times smaller, so the
policy runs in model units ``gamma_model = c * gamma_user``; energies need no conversion because the
features are scale-free. Pass ``hamiltonian_scale=c`` or the Hamiltonian itself (then ``c`` and the
uniform-superposition energy are read off it, by the rule in the model card: see
:func:`hamiltonian_scale_factor`). Without either, ``c = 1``: for a ``"coupling-rms"`` model
that means "unit-weight 3-regular-like", and denser graphs start with too large a gamma, so pass
the Hamiltonian whenever you have it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from . import features as F
from .autodetect import inspect_objective
from .hamiltonian import as_hamiltonian
from .policy import PolicyResult, PolicySpec, check_bounds, run_policy
from .pretrained import Pretrained, is_card_path, load_card, load_pretrained
from .refine import DEFAULT_REFINE

DEFAULT_MAXFEV = 50
STARTS = ("learned", "x0")


def hamiltonian_scale_factor(hamiltonian: Any, family: str, rule: str = "max-coupling") -> float:
    """Factor ``c`` by which ``hamiltonian`` is larger than the model's training normalisation.

    Rules (a model card's ``policy.scale_rule`` says which one its model was trained in):

    * ``"max-coupling"``. Max-Cut: the largest |ZZ coefficient| over 0.5 (unit weights give
      exactly 1); SK: the root mean square ZZ coefficient times sqrt(n) (+-1 and Gaussian
      couplings both give about 1).
    * ``"coupling-rms"``: :func:`qlstm_optimizer.angles.coupling_scale` (the root-mean-square
      field a spin feels from its neighbours) over its value on the family's reference instances
      (unit 3-regular Max-Cut, SK). Why: the optimal p = 1 gamma scales as 1/sqrt(degree) as well
      as 1/weight; on held-out Max-Cut graphs (Erdos-Renyi, 3-regular, weighted) ``gamma* * c``
      spreads over 0.47..0.61 with this rule against 0.27..1.16 with the largest coupling
      (docs/design.md), so the model starts close to the optimum on every graph.

    Example:
        >>> from qlstm_optimizer.problems import regular
        >>> round(hamiltonian_scale_factor(regular(8, 3, seed=0), "maxcut", "coupling-rms"), 6)
        1.0
    """
    from .angles import REFERENCE_SCALES, coupling_scale
    from .policy import SCALE_RULES

    if rule not in SCALE_RULES:
        raise ValueError(f"scale rule must be one of {SCALE_RULES}, got {rule!r}")
    h = as_hamiltonian(hamiltonian)
    coeffs = np.array([abs(c) for k, c in h.terms.items() if len(k) == 2])
    if coeffs.size == 0:
        return 1.0
    if rule == "coupling-rms":
        return coupling_scale(h) / REFERENCE_SCALES["sk" if family == "sk" else "maxcut"]
    if family == "sk":
        return float(np.sqrt(np.mean(coeffs**2)) * np.sqrt(h.num_qubits))
    return float(coeffs.max() / 0.5)


@dataclass(frozen=True)
class ModelUnits:
    """How a run's user units map to the model's: ``x_model = x_user * to_model`` (gammas times
    the Hamiltonian scale ``c``), the energy of the uniform superposition, and the run's static
    features. Shared by :func:`minimize_qaoa` and the Optuna sampler."""

    to_model: np.ndarray
    energy_offset: float
    static: np.ndarray

    @classmethod
    def resolve(cls, spec: PolicySpec, family: str, hamiltonian: Any = None,
                hamiltonian_scale: float | None = None,
                energy_offset: float | None = None) -> ModelUnits:
        scale = hamiltonian_scale
        if scale is None:
            scale = 1.0 if hamiltonian is None else hamiltonian_scale_factor(
                hamiltonian, family, spec.scale_rule)
        if not np.isfinite(scale) or scale <= 0:
            raise ValueError(f"the Hamiltonian scale must be positive and finite, got {scale}")
        if energy_offset is None:
            energy_offset = 0.0 if hamiltonian is None else as_hamiltonian(hamiltonian).constant
        return cls(np.concatenate([np.ones(spec.p), np.full(spec.p, float(scale))]),
                   float(energy_offset),
                   F.static_features(hamiltonian, scale_known=hamiltonian_scale is not None))


def resolve_model(model: Any, num_parameters: int) -> tuple[Any, PolicySpec, str]:
    """``(numpy model, policy spec, family)`` from a name, the path of a model card (one you
    trained: its family sets the units), a :class:`Pretrained`, or a pair ``(model,
    PolicySpec)`` (an untrained model; family "custom", which the units treat as Max-Cut)."""
    if is_card_path(model):
        model = load_card(model)
    elif isinstance(model, str):
        model = load_pretrained(model, num_parameters)
    if isinstance(model, Pretrained):
        return model.model, model.spec, model.family
    if isinstance(model, tuple) and len(model) == 2 and isinstance(model[1], PolicySpec):
        return model[0], model[1], "custom"
    raise TypeError(
        "model must be a bundled model or family name, a model card path (.json), a "
        f"Pretrained, or a (model, PolicySpec) pair; got {type(model).__name__}"
    )


def minimize_qaoa(
    fun: Callable[[np.ndarray], float],
    x0: Any,
    *,
    model: Any = "maxcut",
    maxfev: int | None = None,
    refine: str | None = DEFAULT_REFINE,
    bounds: Any = None,
    start: str = "learned",
    hamiltonian: Any = "auto",
    hamiltonian_scale: float | None = None,
    energy_offset: float | None = None,
    exploration_noise: float = 0.0,
    seed: int | None = None,
    callback: Callable[[np.ndarray, float], None] | None = None,
) -> PolicyResult:
    """Minimise a QAOA energy ``fun(x)`` with a frozen learned optimizer.

    Args:
        fun: energy of a parameter vector ``[betas, gammas]`` (Qiskit's QAOAAnsatz order).
        x0: initial point; its length ``2p`` picks the depth. With ``start="learned"`` (default)
            its values are not used: the model starts from its own learned start, which is what
            makes few-evaluation runs good; ``start="x0"`` makes the model move from x0 instead.
        model: bundled model name (``"maxcut-p1"``), family name (``"maxcut"``, depth from x0),
            a :class:`Pretrained`, or a ``(numpy_model, PolicySpec)`` pair.
        maxfev: hard budget of objective evaluations (default 50); never exceeded.
        refine: ``"quadratic"`` (default, see :mod:`qlstm_optimizer.refine`), ``"cobyla"``,
            ``"nelder-mead"`` or None: local optimizer continuing from the best point after the
            learned steps (``spec.handoff`` of them), within the remaining budget.
        bounds: (low, high) per parameter; betas are shifted by multiples of pi into the box
            (an exact symmetry), anything still outside is clipped.
        hamiltonian: the Hamiltonian of ``fun`` (SparsePauliOp or DiagonalHamiltonian): sets
            the Hamiltonian scale and the energy of the uniform superposition. ``"auto"``
            (default): the one diagonal operator ``fun`` refers to (QAOA / SamplingVQE energy
            functions, closures, globals: :mod:`qlstm_optimizer.autodetect`; only without
            ``hamiltonian_scale``), else none and a ``BlindRunWarning``. None: run blind.
            Whatever it is: if ``fun`` holds a circuit that is not the standard QAOA ansatz,
            the learned steps are skipped for :func:`qlstm_optimizer.fallback.refine_from_x0`
            (with an ``UnrecognizedAnsatzWarning``).
        hamiltonian_scale: overrides the scale ``c`` (see the module docstring). Given without
            ``hamiltonian``, the degree spread is unknown and taken as a typical irregular
            graph's (``features.UNKNOWN_SPREAD_CV``).
        energy_offset: energy of the uniform superposition (default: the Hamiltonian's constant,
            else 0 as for qiskit-optimization's operators).
        exploration_noise: Gaussian noise added to learned proposals (fraction of the step size);
            0 keeps the policy deterministic.
        seed: seeds the exploration noise.
        callback: called as ``callback(x, energy)`` after every evaluation.

    Raises:
        ValueError: x0 of a length no model supports (naming the supported sizes), bad bounds,
            bad options. ``NonFiniteEnergyError`` (a ValueError) if ``fun`` returns NaN/inf.
    """
    x0 = np.asarray(x0, dtype=float)
    hamiltonian, standard = inspect_objective(fun, hamiltonian, hamiltonian_scale, x0.size)
    if not standard:  # not a QAOA energy the model was trained on (autodetect): no rollout
        from .fallback import refine_from_x0

        return refine_from_x0(fun, x0, maxfev=DEFAULT_MAXFEV if maxfev is None else maxfev,
                              refine=refine, bounds=bounds, callback=callback)
    if x0.ndim != 1 or x0.size == 0 or x0.size % 2:
        raise ValueError(
            f"x0 must be a vector of even length 2p ([betas, gammas]); got shape {x0.shape}"
        )
    if not np.all(np.isfinite(x0)):
        raise ValueError("x0 contains NaN or inf")
    if start not in STARTS:
        raise ValueError(f"start must be one of {STARTS}, got {start!r}")
    net, spec, family = resolve_model(model, x0.size)
    if spec.p * 2 != x0.size:
        raise ValueError(
            f"the model works on {2 * spec.p} parameters (p = {spec.p}); x0 has {x0.size}"
        )
    units = ModelUnits.resolve(spec, family, hamiltonian, hamiltonian_scale, energy_offset)
    to_model = units.to_model
    box = check_bounds(bounds, x0.size)
    if start == "x0":
        spec = replace(spec, anchor=tuple(x0 * to_model))

    def model_fun(x_model: np.ndarray) -> float:
        return fun(x_model / to_model)

    user_callback = None
    if callback is not None:
        def user_callback(x_model: np.ndarray, energy: float) -> None:
            callback(x_model / to_model, energy)

    result = run_policy(
        model_fun, net, spec, static=units.static,
        maxfev=DEFAULT_MAXFEV if maxfev is None else maxfev,
        refine=refine,
        bounds=None if box is None else box * to_model[:, None],
        energy_offset=units.energy_offset,
        exploration_noise=exploration_noise,
        seed=seed,
        callback=user_callback,
    )
    result.x = result.x / to_model
    result.history_x = [x / to_model for x in result.history_x]
    return result
