"""One entry point behind every adapter: resolve the model, adapt units, run the frozen policy.

The Qiskit optimizer, the SciPy method and the Optuna sampler all call :func:`minimize_qaoa`, so
they share validation, Hamiltonian-scale handling and the evaluation budget.

Units. The bundled models were trained on Hamiltonians in the package's normalisation: Max-Cut
``H = sum w_ij/2 Z_i Z_j`` with weights of order 1, SK ``H = (1/sqrt n) sum J_ij Z_i Z_j`` with
``|J_ij| ~ 1``. A Hamiltonian ``c`` times larger has its optimal gammas ``c`` times smaller, so the
policy runs in model units ``gamma_model = c * gamma_user``; energies need no conversion because the
features are scale-free. Pass ``hamiltonian_scale=c`` or the Hamiltonian itself (then ``c`` and the
uniform-superposition energy are read off it, by the rule in the model card: see
:func:`hamiltonian_scale_factor`). Without either, a p = 1 run of a depth-specific
``"coupling-rms"`` model spends its first two evaluations on probes that estimate ``c`` from the
energies (:mod:`qlstm_optimizer.blind_scale`, ``blind_scale=True``); otherwise ``c = 1``,
"unit-weight 3-regular-like", and denser graphs start with too large a gamma. Pass the
Hamiltonian whenever you have it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from .autodetect import inspect_objective
from .blind_scale import run_probed
from .depth import DepthSpec
from .depth_policy import run_depth_policy
from .fallback import refine_from_x0
from .hamiltonian import as_hamiltonian
from .model_choice import AUTO, logger, resolve_auto
from .options import STARTS, check_bounds, check_real, check_run_options  # noqa: F401 (STARTS)
from .penalty_starts import BASIN_MAX_WORK, basin_work, candidate_starts, first_basin
from .policy import PolicyResult, PolicySpec, run_policy
from .pretrained import (
    Pretrained,
    UnknownModelError,
    check_model_name,
    depth_models,
    families,
    is_card_path,
    load_card,
    load_pretrained,
    resolve_model_name,
)
from .refine import DEFAULT_REFINE

# hamiltonian_scale_factor is re-exported: it was defined here before .units existed.
from .units import general_static, hamiltonian_scale_factor, static_features

DEFAULT_MAXFEV = 50


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
                energy_offset: float | None = None, p: int | None = None) -> ModelUnits:
        """``p``: the run's depth (default ``spec.p``; a depth-general model's spec.p is its
        number of Fourier modes)."""
        p = spec.p if p is None else p
        # a given scale: the one check every surface (the Optuna sampler too) words alike
        scale = None if hamiltonian_scale is None else check_real(
            "hamiltonian_scale", hamiltonian_scale, positive=True)
        if scale is None:
            scale = 1.0 if hamiltonian is None else hamiltonian_scale_factor(
                hamiltonian, family, spec.scale_rule)
        if not np.isfinite(scale) or scale <= 0:
            raise ValueError(f"the Hamiltonian scale must be positive and finite, got {scale}")
        if energy_offset is None:
            energy_offset = 0.0 if hamiltonian is None else as_hamiltonian(hamiltonian).constant
        static = static_features(hamiltonian, scale_known=hamiltonian_scale is not None)
        if spec.general_features:  # what the operator's terms are (zeros without one)
            static = np.append(static, general_static(hamiltonian))
        return cls(np.concatenate([np.ones(p), np.full(p, float(scale))]),
                   float(energy_offset), static)


def resolve_model(model: Any, num_parameters: int
                  ) -> tuple[Any, PolicySpec, str, DepthSpec | None]:
    """``(numpy model, policy spec, family, depth spec)`` from a name, the path of a model card
    (one you trained: its family sets the units), a :class:`Pretrained`, or a pair ``(model,
    PolicySpec)`` (an untrained model; family "custom", which the units treat as Max-Cut). The
    depth spec is None except for a depth-general model (:mod:`qlstm_optimizer.depth`)."""
    if is_card_path(model):
        model = load_card(model)
    elif isinstance(model, str):
        try:
            name = resolve_model_name(model, num_parameters)
        except UnknownModelError:
            raise
        except ValueError as err:  # a family without a model at this depth
            raise ValueError(f"{err}: x0's length is 2 x QAOA's reps (here reps = "
                             f"{num_parameters // 2}); build QAOA with a depth listed") from None
        model = load_pretrained(name)
    if isinstance(model, Pretrained):
        return model.model, model.spec, model.family, model.depth
    check_model_type(model)
    return model[0], model[1], "custom", None


def check_model_type(model: Any) -> None:
    """Refuse a ``model`` argument of a kind no adapter takes (names are checked on loading).

    Raises:
        TypeError: naming ``model`` and the kinds it may be.
    """
    if isinstance(model, str | os.PathLike | Pretrained):
        return
    if isinstance(model, tuple) and len(model) == 2 and isinstance(model[1], PolicySpec):
        if all(hasattr(model[0], a) for a in ("config", "step", "initial_state")):
            return
        raise TypeError("model: the first element of a (model, PolicySpec) pair must be a NumPy "
                        "sequence model (qlstm_optimizer.models), got "
                        f"{type(model[0]).__name__}")
    raise TypeError(
        "model must be a bundled model or family name, a model card path (.json), a "
        f"Pretrained, or a (model, PolicySpec) pair; got {type(model).__name__}"
    )


def check_x0(x0: Any, even: bool = True) -> np.ndarray:
    """x0 as a float vector (of even length 2p unless ``even`` is False) with finite real
    entries.

    Raises:
        ValueError: naming x0 and what is wrong with it.
    """
    try:
        arr = np.asarray(x0)
        if arr.dtype.kind not in "iuf" and arr.size:  # complex, bool, strings, objects
            raise TypeError
        arr = arr.astype(float)
    except (TypeError, ValueError):
        raise ValueError(f"x0 must be a vector of real numbers, got {x0!r}") from None
    if arr.ndim != 1 or arr.size == 0 or (even and arr.size % 2):
        raise ValueError(  # (odd lengths are checked after the ansatz check: see fallback)
            f"x0 must be a vector of even length 2p ([betas, gammas]); got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("x0 contains NaN or inf")
    return arr


def depth_mismatch(model: Any, family: str, p: int, size: int) -> str:
    """The error for an x0 whose depth is not the model's, naming QAOA's ``reps`` and the fix."""
    name = model if isinstance(model, str) else getattr(model, "name", None)
    label = f"model {name!r}" if isinstance(name, str) else "the model"
    try:  # a family name picks the depth from x0; suggest it if this family has one
        check_model_name(family)
        pick = (f"use the family name to pick the depth from x0 (model={family!r}, e.g. "
                f"QLSTMOptimizer.pretrained({family!r})) or ")
    except ValueError:
        pick = ""
    return (f"x0 has {size} parameters (QAOA reps = {size // 2}) but {label} serves {2 * p} "
            f"(reps = {p}); {pick}set reps={p}")


def minimize_qaoa(
    fun: Callable[[np.ndarray], float],
    x0: Any,
    *,
    model: Any = AUTO,
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
    noise_stop: bool = True,
    blind_scale: bool = True,
) -> PolicyResult:
    """Minimise a QAOA energy ``fun(x)`` with a frozen learned optimizer.

    Args:
        fun: energy of a parameter vector ``[betas, gammas]`` (Qiskit's QAOAAnsatz order).
        x0: initial point; its length ``2p`` picks the depth. With ``start="learned"`` (default)
            its values are not used (not even evaluated): the model starts from its own learned
            start, which is what makes few-evaluation runs good, so the result cannot be
            compared with x0. ``start="x0"``: x0 is the first evaluation, so the result is never
            worse than x0, and the refine continues from it (the learned steps assume the
            model's own start; without a refine they move from x0).
        model: ``"auto"`` (default: the family chosen from the operator, logged and recorded in
            the result's ``model``; :mod:`qlstm_optimizer.model_choice`), a bundled model name
            (``"maxcut-p1"``), family name (``"maxcut"``, depth from x0), a
            :class:`Pretrained`, or a ``(numpy_model, PolicySpec)`` pair.
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
            graph's (``units.UNKNOWN_SPREAD_CV``).
        energy_offset: energy of the uniform superposition (default: the Hamiltonian's constant,
            else 0 as for qiskit-optimization's operators).
        exploration_noise: Gaussian noise added to learned proposals (fraction of the step size);
            0 keeps the policy deterministic.
        seed: seeds the exploration noise.
        callback: called as ``callback(x, energy)`` after every evaluation.
        noise_stop: end the quadratic refine once its steps can no longer be told apart from
            the objective's noise (shot noise: the best point is re-evaluated once after three
            failed steps; :class:`~qlstm_optimizer.stopping.NoiseAwareStop`). The result's
            message says so. Exact energies run on to the refine's own convergence test.
        blind_scale: a blind p = 1 run (neither ``hamiltonian`` nor ``hamiltonian_scale``) of
            a depth-specific ``coupling-rms`` model from its learned start spends its first two
            evaluations on probes that estimate the Hamiltonian scale
            (:mod:`qlstm_optimizer.blind_scale`), then runs in those units. False: ``c = 1``
            and no probes, as before the probes existed (and as at p >= 2).

    Returns:
        :class:`~qlstm_optimizer.policy.PolicyResult`: the best point evaluated, ``nfev``, and
        SciPy's ``success`` / ``status`` / ``message`` (success: stopped by the method's own
        rule; status 1: the budget ran out first).

    Raises:
        ValueError: x0 of a length no model supports (naming the supported sizes and QAOA's
            ``reps``), bad bounds, any bad option (by name, :func:`~qlstm_optimizer.options.
            check_run_options`). ``InvalidEnergyError`` / ``NonFiniteEnergyError`` (both
            ValueErrors) if ``fun`` returns anything but one real, finite number.
    """
    opts = check_run_options(
        maxfev=maxfev, refine=refine, start=start, hamiltonian=hamiltonian,
        hamiltonian_scale=hamiltonian_scale, energy_offset=energy_offset,
        exploration_noise=exploration_noise, seed=seed, noise_stop=noise_stop,
        blind_scale=blind_scale)
    if not callable(fun):
        raise TypeError(f"fun must be callable (the energy of a parameter vector), got "
                        f"{type(fun).__name__}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {type(callback).__name__}")
    x0 = check_x0(x0, even=False)
    hamiltonian, standard = inspect_objective(fun, hamiltonian, hamiltonian_scale, x0.size)
    if not standard:  # not a QAOA energy the model was trained on (autodetect): no rollout
        return refine_from_x0(
            fun, x0, maxfev=DEFAULT_MAXFEV if opts["maxfev"] is None else opts["maxfev"],
            refine=opts["refine"], bounds=bounds, callback=callback,
            noise_stop=opts["noise_stop"])
    x0 = check_x0(x0)
    model, _ = resolve_auto(model, hamiltonian, lambda: {*families(), *depth_models()})
    net, spec, family, depth = resolve_model(model, x0.size)
    p = x0.size // 2
    if depth is not None:
        depth.check_depth(p, f"model {getattr(model, 'name', model)!r}")
    elif spec.p != p:
        raise ValueError(depth_mismatch(model, family, spec.p, x0.size))
    units = ModelUnits.resolve(spec, family, hamiltonian, opts["hamiltonian_scale"],
                               opts["energy_offset"], p=p)
    to_model = units.to_model
    box = check_bounds(bounds, x0.size)

    def model_fun(x_model: np.ndarray) -> float:
        return fun(x_model / to_model)

    user_callback = None
    if callback is not None:
        def user_callback(x_model: np.ndarray, energy: float) -> None:
            callback(x_model / to_model, energy)

    # a depth-general model runs in the Fourier coordinates of depth p (depth_policy.py)
    run = run_policy if depth is None else partial(run_depth_policy, depth=depth, p=p)
    skipped = None
    if depth is not None and spec.start_candidates and p == 1 and start == "learned" \
            and hamiltonian is not None:
        # a general-family model polishes around the operator's best classical start
        # candidates (docs/design.md "Start candidates for penalty problems")
        run = partial(run, starts=candidate_starts(hamiltonian, 1, spec.start_candidates)
                      * to_model)
    elif depth is not None and spec.calibrate_anchor and start == "learned" \
            and hamiltonian is not None:
        # the learned anchors rescaled to the operator's exact p = 1 first basin, unless it
        # costs more than it can save (dense operators of ~40+ spins) or there is none
        h = as_hamiltonian(hamiltonian)
        work = basin_work(h)
        if not any(c for k, c in h.terms.items() if k):
            skipped = "the operator has no Z terms"
        elif work > BASIN_MAX_WORK:
            skipped = (f"its first basin costs {work:.3g} work units per point "
                       f"(limit {BASIN_MAX_WORK})")
        else:
            run = partial(run, basin=np.asarray(first_basin(h)) * to_model[[0, -1]])
    elif (opts["blind_scale"] and depth is None and p == 1 and start == "learned"
            and hamiltonian is None and opts["hamiltonian_scale"] is None
            and spec.scale_rule == "coupling-rms"):
        # blind at p = 1: the first evaluations probe the scale (blind_scale.py; p >= 2 lost on
        # 3-regular graphs and SK: docs/design.md, "Blind runs: the scale from the energies")
        run = partial(run_probed, family="sk" if family == "sk" else "maxcut")
    if skipped:
        logger.info("the learned anchor is not calibrated: %s", skipped)
    result = run(
        model_fun, net, spec, static=units.static,
        maxfev=DEFAULT_MAXFEV if opts["maxfev"] is None else opts["maxfev"],
        refine=opts["refine"],
        bounds=None if box is None else box * to_model[:, None],
        energy_offset=units.energy_offset,
        exploration_noise=opts["exploration_noise"],
        seed=opts["seed"],
        callback=user_callback,
        x0=x0 * to_model if start == "x0" else None,
        noise_stop=opts["noise_stop"],
    )
    result.x = result.x / to_model
    result.history_x = [x / to_model for x in result.history_x]
    result.model = model_label(model, x0.size)
    return result


def model_label(model: Any, num_parameters: int) -> str:
    """The name of the model that runs: a bundled name for a family, the card's name, or
    ``"custom"`` for a ``(model, PolicySpec)`` pair."""
    if isinstance(model, Pretrained):
        return model.name
    if isinstance(model, str) and not is_card_path(model):
        return resolve_model_name(model, num_parameters)
    return "custom" if isinstance(model, tuple) else str(model)
