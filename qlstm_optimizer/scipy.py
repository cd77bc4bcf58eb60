"""``qlstm``: the frozen learned optimizer as a custom ``scipy.optimize.minimize`` method.

Example:
    >>> import numpy as np
    >>> from scipy.optimize import minimize
    >>> from qlstm_optimizer import qlstm
    >>> from qlstm_optimizer.problems import erdos_renyi
    >>> from qlstm_optimizer.sim import qaoa_energy
    >>> problem = erdos_renyi(10, 0.5, seed=7)
    >>> res = minimize(lambda x: qaoa_energy(problem, x), np.zeros(2), method=qlstm,
    ...                options={"maxfev": 10})
    >>> res.nfev, res.success, res.message.split(" (")[0]
    (10, False, 'Maximum number of function evaluations has been exceeded.')

SciPy calls a custom method as ``qlstm(fun, x0, args=args, jac=..., hess=..., hessp=...,
bounds=..., constraints=..., callback=..., **options)`` (plus ``tol`` if given). ``jac``, ``hess``
and ``hessp`` are accepted and ignored (the model uses energies only; ``jac=True`` works, SciPy
then hands over the energy part). ``constraints`` other than none are refused: the method cannot
honour them. ``tol`` and ``disp`` are accepted (``tol`` is ignored: the refine stops by its own
step-size rule; ``disp=True`` prints the final message); any other unknown option gets SciPy's
own ``OptimizeWarning: Unknown solver options: ...``.

``callback`` may take ``intermediate_result`` (an ``OptimizeResult`` with the best x, fun and nfev
so far) or ``xk`` (the best x so far), SciPy's rule. It is called after every evaluation (one
iteration of a learned optimizer is one evaluation) and may raise ``StopIteration`` to end the run
early (status 99, ``success=False``, as SciPy's own methods do).

``success`` means what it means for SciPy's methods: the method stopped by its own rule (the
refine converged). When the budget runs out first, ``success`` is False with status 1 and
SciPy's message "Maximum number of function evaluations has been exceeded."; x and fun are still
the best point evaluated. ``x0`` is evaluated only with ``start="x0"`` (then the result is never
worse than x0); the default learned start does not spend an evaluation on it.

What ``method=qlstm`` does with a function that is not a QAOA energy: it runs anyway. The learned
steps then propose points as if ``fun`` were a Max-Cut QAOA energy in Qiskit's parameter order,
which on another function are just a few probes near the model's start (angles of order 0.5),
and the refine is a generic derivative-free local method that works on any smooth function.
For a generic function use ``start="x0"`` (x0 first, then the refine from it) or a SciPy method.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.optimize import OptimizeResult, OptimizeWarning

from .options import budget_option
from .refine import DEFAULT_REFINE


def _callback_style(callback: Callable) -> str:
    """SciPy's rule: a callback whose only parameter is ``intermediate_result`` gets the result."""
    try:
        params = set(inspect.signature(callback).parameters)
    except (TypeError, ValueError):
        return "xk"
    return "result" if params == {"intermediate_result"} else "xk"


def qlstm(
    fun: Callable[..., float],
    x0: Any,
    args: tuple = (),
    jac: Any = None,
    hess: Any = None,
    hessp: Any = None,
    bounds: Any = None,
    constraints: Any = (),
    callback: Callable | None = None,
    *,
    model: Any = None,
    maxfev: int | None = None,
    maxiter: int | None = None,
    refine: str | None = DEFAULT_REFINE,
    seed: int | None = None,
    start: str = "learned",
    hamiltonian: Any = "auto",
    hamiltonian_scale: float | None = None,
    energy_offset: float | None = None,
    exploration_noise: float = 0.0,
    noise_stop: bool = True,
    blind_scale: bool = True,
    tol: float | None = None,
    disp: bool = False,
    **unknown_options: Any,
) -> OptimizeResult:
    """Minimise a QAOA energy with a pretrained quantum LSTM (SciPy custom-method contract).

    Options (``options={...}`` in ``scipy.optimize.minimize``):
        model: bundled model or family name, or a model card path (``.json``); default
            ``"auto"``: the family chosen from the operator (:mod:`qlstm_optimizer.
            model_choice`) at depth len(x0)/2; the result's ``model`` names the model that ran.
        maxfev / maxiter: evaluation budget (one iteration is one evaluation; give one, or both
            equal; default 50).
        refine: ``"quadratic"`` (default), ``"cobyla"``, ``"nelder-mead"`` or None.
        seed, start, hamiltonian, hamiltonian_scale, energy_offset, exploration_noise,
            noise_stop: as for :class:`qlstm_optimizer.QLSTMOptimizer`.
            blind_scale: as for :class:`qlstm_optimizer.QLSTMOptimizer` (a plain function at
                p = 1 is a blind run: the scale is read from two probe energies first).
        tol: accepted and ignored; disp: print the final message.
    Unknown options get SciPy's ``OptimizeWarning: Unknown solver options: ...``.

    Raises:
        ValueError: non-empty ``constraints``, ``maxfev`` and ``maxiter`` that disagree, and
            every bad option or return value of ``fun`` that :func:`minimize_qaoa` refuses.
    """
    if unknown_options:  # SciPy's own wording and category (scipy.optimize._check_unknown_options)
        warnings.warn(f"Unknown solver options: {', '.join(map(str, unknown_options))}",
                      OptimizeWarning, stacklevel=3)
    if constraints is not None and (not isinstance(constraints, list | tuple | dict)
                                    or len(constraints) > 0):
        raise ValueError(
            f"constraints: method qlstm cannot honour constraints (got {constraints!r}); use "
            "bounds, or a SciPy method that handles constraints (COBYLA, SLSQP)")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {type(callback).__name__}")
    if not isinstance(args, tuple):
        args = (args,)
    budget = budget_option(maxfev, maxiter)
    style = None if callback is None else _callback_style(callback)
    best = {"x": None, "fun": np.inf, "nfev": 0}

    def on_eval(x: np.ndarray, energy: float) -> None:
        best["nfev"] += 1
        if energy < best["fun"]:
            best["x"], best["fun"] = x.copy(), energy
        if style == "result":
            callback(intermediate_result=OptimizeResult(
                x=best["x"].copy(), fun=best["fun"], nfev=best["nfev"]))
        elif style == "xk":
            callback(best["x"].copy())

    # Imported on the first run, not with the method: `from qlstm_optimizer import qlstm` then
    # costs about what NumPy and scipy.optimize cost (the models, the policy and the simulator
    # are ~40 modules; their ~50 ms are paid once, by the first minimize).
    from .minimize import minimize_qaoa

    res = minimize_qaoa(
        lambda x: fun(x, *args), x0, model="auto" if model is None else model, maxfev=budget,
        refine=refine, bounds=bounds, start=start,
        # "auto" looks through this wrapper into the caller's fun and args (autodetect)
        hamiltonian=hamiltonian,
        hamiltonian_scale=hamiltonian_scale, energy_offset=energy_offset,
        exploration_noise=exploration_noise, seed=seed, noise_stop=noise_stop,
        blind_scale=blind_scale,
        callback=None if callback is None else on_eval,
    )
    if disp:
        print(res.message)
    return OptimizeResult(
        x=res.x, fun=res.fun, nfev=res.nfev, nit=res.nit, success=res.success,
        status=res.status, message=res.message, model=res.model,
    )
