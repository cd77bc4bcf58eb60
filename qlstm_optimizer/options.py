"""The one check of a run's options and of the objective's return values, shared by every surface.

:func:`qlstm_optimizer.minimize.minimize_qaoa` (behind the SciPy method and the Qiskit optimizer)
and the ``QLSTMOptimizer`` constructor and ``set_options`` call :func:`check_run_options`, so a
bad setting gets the same message whichever way it came in, and an optimizer built with one fails
when it is built, not inside QAOA's run. Every message names the option.

Why so strict: each refused case used to run and return a silently wrong result (``maxfev=2.7``
ran 2 evaluations, ``exploration_noise="0.1"`` failed mid-run, a NaN ``energy_offset`` turned
every feature into NaN, a complex energy lost its imaginary part).

Example:
    >>> check_run_options(maxfev=20, refine="COBYLA")["refine"]
    'cobyla'
    >>> check_run_options(maxfev=2.7)
    Traceback (most recent call last):
    ...
    ValueError: maxfev must be a positive integer, got 2.7 (float)
    >>> as_energy(np.float64(-1.5), np.zeros(2), 1)
    -1.5
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .checks import _describe, check_count, check_real  # noqa: F401 (this module's API too)
from .hamiltonian import as_hamiltonian
from .refine import DEFAULT_REFINE, REFINE_METHODS

STARTS = ("learned", "x0")
# A complex energy whose imaginary part is this small relative to its real part is rounding
# noise (np.vdot(psi, H @ psi) of a Hermitian H); anything larger means fun is not an energy.
_IMAG_TOLERANCE = 1e-9


class InvalidEnergyError(ValueError):
    """The objective returned something that is not one real, finite energy."""


def check_refine(refine: Any) -> str | None:
    """``refine`` lower-cased, or None.

    Raises:
        ValueError: anything but None or one of ``REFINE_METHODS`` (any case).
    """
    if refine is None:
        return None
    if not isinstance(refine, str) or refine.lower() not in REFINE_METHODS:
        raise ValueError(f"refine must be one of {REFINE_METHODS} or None, got {refine!r}")
    return refine.lower()


def check_hamiltonian(hamiltonian: Any) -> None:
    """``"auto"``, None, or an operator :func:`~qlstm_optimizer.hamiltonian.as_hamiltonian`
    converts (a diagonal SparsePauliOp, a DiagonalHamiltonian or a problem).

    Raises:
        ValueError / TypeError: naming ``hamiltonian``.
    """
    if isinstance(hamiltonian, str):
        if hamiltonian != "auto":
            raise ValueError(
                f"hamiltonian must be an operator, None or 'auto', got {hamiltonian!r}")
        return
    if hamiltonian is None:
        return
    try:
        as_hamiltonian(hamiltonian)
    except (TypeError, ValueError) as err:
        raise type(err)(f"hamiltonian: {err}") from None


def check_run_options(*, maxfev: Any = None, refine: Any = DEFAULT_REFINE, start: Any = "learned",
                      hamiltonian: Any = "auto", hamiltonian_scale: Any = None,
                      energy_offset: Any = None, exploration_noise: Any = 0.0,
                      seed: Any = None, noise_stop: Any = True,
                      blind_scale: Any = True) -> dict[str, Any]:
    """Check every run option of :func:`~qlstm_optimizer.minimize.minimize_qaoa` (the model is
    checked when it is resolved); returns them normalised (ints, floats, lower-case refine).

    Raises:
        ValueError / TypeError: the first bad option, by name.
    """
    if start not in STARTS:
        raise ValueError(f"start must be one of {STARTS}, got {start!r}")
    if seed is not None:
        seed = check_count("seed", seed, minimum=0)
    check_hamiltonian(hamiltonian)
    if not isinstance(noise_stop, bool | np.bool_):
        raise TypeError(f"noise_stop must be True or False, got {noise_stop!r}")
    if not isinstance(blind_scale, bool | np.bool_):
        raise TypeError(f"blind_scale must be True or False, got {blind_scale!r}")
    return {
        "maxfev": None if maxfev is None else check_count("maxfev", maxfev),
        "refine": check_refine(refine),
        "start": start,
        "hamiltonian": hamiltonian,
        "hamiltonian_scale": None if hamiltonian_scale is None else check_real(
            "hamiltonian_scale", hamiltonian_scale, positive=True),
        "energy_offset": None if energy_offset is None else check_real(
            "energy_offset", energy_offset),
        "exploration_noise": check_real("exploration_noise", exploration_noise,
                                        nonnegative=True),
        "seed": seed,
        "noise_stop": bool(noise_stop),
        "blind_scale": bool(blind_scale),
    }


def budget_option(maxfev: Any, maxiter: Any) -> Any:
    """The evaluation budget from ``maxfev`` and its alias ``maxiter`` (what COBYLA users write:
    one iteration of this optimizer is one evaluation).

    Raises:
        ValueError: both given with different values.
    """
    if maxiter is None:
        return maxfev
    maxiter = check_count("maxiter", maxiter)
    if maxfev is not None and check_count("maxfev", maxfev) != maxiter:
        raise ValueError(
            f"maxfev = {maxfev} and maxiter = {maxiter} disagree: both set the evaluation budget "
            "(one iteration is one evaluation); give one of them")
    return maxiter


def check_bounds(bounds: Any, size: int) -> np.ndarray | None:
    """Bounds as a (size, 2) float array with ``None`` -> +-inf, or None when absent.

    Infinite bounds mean "unbounded" (as in SciPy), so a lower bound may be -inf and an upper
    bound +inf, but a box no finite point lies in (lower +inf, upper -inf, lower above upper)
    and NaN are refused.

    Raises:
        ValueError: wrong shape, NaN, a lower bound above its upper bound or an empty box.
    """
    if bounds is None:
        return None
    try:
        if hasattr(bounds, "lb") and hasattr(bounds, "ub"):  # scipy.optimize.Bounds
            lb = np.broadcast_to(np.asarray(bounds.lb, float), (size,))
            ub = np.broadcast_to(np.asarray(bounds.ub, float), (size,))
            arr = np.stack([lb, ub], axis=1)
        else:
            rows = list(bounds)
            if len(rows) != size or any(np.ndim(r) != 1 or len(r) != 2 for r in rows):
                raise ValueError
            arr = np.array([[-np.inf if lo is None else lo, np.inf if hi is None else hi]
                            for lo, hi in rows], float)
    except (TypeError, ValueError):
        raise ValueError(
            f"bounds must be {size} (low, high) pairs of numbers, one per parameter; "
            f"got {bounds!r}") from None
    if np.any(np.isnan(arr)):
        raise ValueError(f"bounds contain NaN: {bounds!r}")
    if np.any(arr[:, 0] > arr[:, 1]):
        raise ValueError(f"bounds: a lower bound exceeds its upper bound: {bounds!r}")
    if np.any(arr[:, 0] == np.inf) or np.any(arr[:, 1] == -np.inf):
        raise ValueError(f"bounds: a lower bound of +inf or an upper bound of -inf leaves no "
                         f"point to evaluate: {bounds!r}")
    return arr


def as_energy(value: Any, x: np.ndarray, nfev: int) -> float:
    """The objective's return value as a real float (the caller checks finiteness).

    Accepted: real numbers (Python, NumPy), size-1 arrays of them, and complex numbers whose
    imaginary part is rounding noise (relative size below 1e-9).

    Raises:
        InvalidEnergyError: naming the return value of ``fun``, the point and the evaluation.
    """
    where = f"at x = {np.asarray(x).tolist()} (evaluation {nfev})"
    arr = np.asarray(value) if isinstance(value, np.ndarray | numbers.Number) else None
    if arr is None or arr.dtype.kind not in "iufc":
        raise InvalidEnergyError(
            f"the objective fun must return a real number (the energy); it returned "
            f"{_describe(value)} {where}")
    if arr.size != 1:
        raise InvalidEnergyError(
            f"the objective fun must return one energy; it returned an array of shape "
            f"{arr.shape} {where}")
    energy = arr.reshape(()).item()
    if isinstance(energy, complex):
        if abs(energy.imag) > _IMAG_TOLERANCE * max(1.0, abs(energy.real)):
            raise InvalidEnergyError(
                f"the objective fun returned the complex value {energy} {where}: energies are "
                "real (is the operator Hermitian?)")
        energy = energy.real
    return float(energy)
