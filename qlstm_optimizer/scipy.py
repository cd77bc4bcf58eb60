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
    >>> res.nfev <= 10 and res.success
    True

SciPy calls a custom method as ``qlstm(fun, x0, args=args, jac=..., hess=..., hessp=...,
bounds=..., constraints=..., callback=..., **options)``. ``jac``, ``hess``, ``hessp`` and
``constraints`` are accepted and ignored (the model uses energies only); so are unknown options.
``callback`` may take ``intermediate_result`` (an ``OptimizeResult`` with the best x, fun and nfev
so far) or ``xk`` (the best x so far). It is called after every evaluation (one iteration of a
learned optimizer is one evaluation) and may raise ``StopIteration`` to end the run early
(status 99, ``success=False``, as SciPy's own methods do).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.optimize import OptimizeResult

from .minimize import minimize_qaoa
from .refine import DEFAULT_REFINE

_STOP_STATUS = 99  # SciPy's status when a callback raises StopIteration


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
    **unknown_options: Any,
) -> OptimizeResult:
    """Minimise a QAOA energy with a pretrained quantum LSTM (SciPy custom-method contract).

    Options (``options={...}`` in ``scipy.optimize.minimize``):
        model: bundled model or family name, or a model card path (``.json``); default: the
            Max-Cut family at depth len(x0)/2.
        maxfev / maxiter: evaluation budget (``maxfev`` wins if both are given; default 50).
        refine: ``"quadratic"`` (default), ``"cobyla"``, ``"nelder-mead"`` or None.
        seed, start, hamiltonian, hamiltonian_scale, energy_offset, exploration_noise: as for
            :class:`qlstm_optimizer.QLSTMOptimizer`.
    Unknown options (``tol``, ``disp``, ...) are accepted and ignored.
    """
    if not isinstance(args, tuple):
        args = (args,)
    budget = maxfev if maxfev is not None else maxiter
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

    res = minimize_qaoa(
        lambda x: fun(x, *args), x0, model="maxcut" if model is None else model, maxfev=budget,
        refine=refine, bounds=bounds, start=start,
        # "auto" looks through this wrapper into the caller's fun and args (autodetect)
        hamiltonian=hamiltonian,
        hamiltonian_scale=hamiltonian_scale, energy_offset=energy_offset,
        exploration_noise=exploration_noise, seed=seed,
        callback=None if callback is None else on_eval,
    )
    status = _STOP_STATUS if res.stopped_by_callback else 0
    return OptimizeResult(
        x=res.x, fun=res.fun, nfev=res.nfev, nit=res.nit, success=status == 0, status=status,
        message=res.message,
    )
