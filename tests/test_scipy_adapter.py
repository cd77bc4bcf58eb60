"""``qlstm`` honours the whole scipy.optimize.minimize custom-method contract."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, OptimizeWarning, minimize

from qlstm_optimizer import NonFiniteEnergyError, UnknownModelError, load_pretrained, qlstm
from qlstm_optimizer.sim import qaoa_energy


def test_usage_line(medium_maxcut):
    fun = lambda x: qaoa_energy(medium_maxcut, x)  # noqa: E731
    res = minimize(fun, np.zeros(2), method=qlstm)
    assert isinstance(res, OptimizeResult)
    for key in ("x", "fun", "nfev", "nit", "success", "status", "message"):
        assert key in res
    assert res.nfev <= 50 and res.success == (res.status == 0)
    assert medium_maxcut.rho(res.fun, 1) > 0.99


def test_args_are_passed(small_maxcut):
    seen = []

    def fun(x, scale, offset):
        seen.append((scale, offset))
        return scale * qaoa_energy(small_maxcut, x) + offset

    res = minimize(fun, np.zeros(2), args=(2.0, 1.0), method=qlstm, options={"maxfev": 5})
    assert set(seen) == {(2.0, 1.0)} and res.nfev == 5


def test_callback_styles(small_maxcut):
    fun = lambda x: qaoa_energy(small_maxcut, x)  # noqa: E731
    results, xks = [], []

    def cb_result(intermediate_result):
        results.append(intermediate_result)

    minimize(fun, np.zeros(2), method=qlstm, callback=cb_result, options={"maxfev": 7})
    assert len(results) == 7 and all(isinstance(r, OptimizeResult) for r in results)
    assert [r.fun for r in results] == sorted([r.fun for r in results], reverse=True)

    minimize(fun, np.zeros(2), method=qlstm, callback=lambda xk: xks.append(xk),
             options={"maxfev": 7})
    assert len(xks) == 7 and all(np.shape(x) == (2,) for x in xks)


def test_callback_stop_iteration(small_maxcut):
    fun = lambda x: qaoa_energy(small_maxcut, x)  # noqa: E731

    def stop_after_three(intermediate_result):
        if intermediate_result.nfev >= 3:
            raise StopIteration

    res = minimize(fun, np.zeros(2), method=qlstm, callback=stop_after_three)
    assert res.nfev == 3 and res.status == 99 and not res.success


@pytest.mark.parametrize("bounds", [[(0, np.pi), (-1.0, 0.0)], Bounds([0, -1.0], [np.pi, 0.0])])
def test_bounds(small_maxcut, bounds):
    seen = []

    def fun(x):
        seen.append(np.array(x))
        return qaoa_energy(small_maxcut, x)

    minimize(fun, np.zeros(2), method=qlstm, bounds=bounds, options={"maxfev": 20})
    seen = np.array(seen)
    assert np.all((seen[:, 0] >= 0) & (seen[:, 0] <= np.pi))
    assert np.all((seen[:, 1] >= -1) & (seen[:, 1] <= 0))


def test_standard_keywords_accepted_unknown_options_warned_as_scipy_does(small_maxcut, capsys):
    fun = lambda x: qaoa_energy(small_maxcut, x)  # noqa: E731
    jac = lambda x: np.zeros(2)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # jac, hess, tol, disp, constraints=() give no warning
        res = minimize(fun, np.zeros(2), method=qlstm, jac=jac, hess=lambda x: np.eye(2),
                       tol=1e-3, constraints=[], options={"maxiter": 6, "disp": True})
    assert res.nfev == 6 and "evaluations" in capsys.readouterr().out  # disp prints the message
    with pytest.warns(OptimizeWarning, match=r"^Unknown solver options: max_fev, frobnicate$"):
        res = minimize(fun, np.zeros(2), method=qlstm,
                       options={"max_fev": 3, "frobnicate": 1, "maxfev": 5})
    assert res.nfev == 5
    # SciPy's own methods word it the same way
    with pytest.warns(OptimizeWarning, match=r"^Unknown solver options: max_fev$"):
        minimize(fun, np.zeros(2), method="Nelder-Mead", options={"max_fev": 3})
    # jac=True: SciPy hands over the energy part of (energy, gradient)
    res = minimize(lambda x: (fun(x), np.zeros(2)), np.zeros(2), method=qlstm, jac=True,
                   options={"maxfev": 4})
    assert res.nfev == 4 and np.isfinite(res.fun)


@pytest.mark.parametrize("constraints", [
    {"type": "ineq", "fun": lambda x: x[0]}, [{"type": "eq", "fun": lambda x: x[0]}],
    LinearConstraint(np.eye(2), 0, 1)])
def test_constraints_are_refused(constraints):
    with pytest.raises(ValueError, match="constraints: method qlstm cannot honour"):
        minimize(lambda x: 0.0, np.zeros(2), method=qlstm, constraints=constraints)


def test_options(small_maxcut):
    fun = lambda x: qaoa_energy(small_maxcut, x)  # noqa: E731
    a = minimize(fun, np.zeros(2), method=qlstm,
                 options={"model": "maxcut-p1", "maxfev": 12, "refine": None, "seed": 0})
    b = minimize(fun, np.zeros(2), method=qlstm,
                 options={"model": "maxcut", "maxfev": 12, "refine": None, "seed": 0})
    np.testing.assert_array_equal(a.x, b.x)
    horizon = load_pretrained("maxcut-p1").spec.horizon
    assert a.nfev == min(12, horizon)  # refine=None: the learned steps only
    c = minimize(fun, np.zeros(2), method=qlstm, options={"maxiter": 3})
    assert c.nfev == 3  # maxiter is the budget's alias
    c = minimize(fun, np.zeros(2), method=qlstm, options={"maxfev": 4, "maxiter": 4})
    assert c.nfev == 4
    with pytest.raises(ValueError, match="maxfev = 12 and maxiter = 3 disagree"):
        minimize(fun, np.zeros(2), method=qlstm, options={"maxfev": 12, "maxiter": 3})


def test_bad_input(small_maxcut):
    with pytest.raises(UnknownModelError, match="available"):
        minimize(lambda x: 0.0, np.zeros(2), method=qlstm, options={"model": "nope"})
    with pytest.raises(NonFiniteEnergyError):
        minimize(lambda x: float("nan"), np.zeros(2), method=qlstm)
    with pytest.raises(ValueError, match="bounds"):
        minimize(lambda x: 0.0, np.zeros(2), method=qlstm, bounds=[(0, 1)])
    with pytest.raises(ValueError, match="parameters"):
        minimize(lambda x: 0.0, np.zeros(40), method=qlstm)


def _quadratic_4d(x):
    return float(np.sum((np.asarray(x) - np.array([1.0, -2.0, 0.5, 3.0])) ** 2 * [1, 2, 3, 4]))


def test_start_x0_is_evaluated_first_and_never_beaten_by_the_result():
    seen = []

    def fun(x):
        seen.append(np.array(x))
        return _quadratic_4d(x)

    x0 = np.array([0.5, -1.0, 1.0, 1.0])  # f(x0) = 0.25 + 2 + 0.75 + 16 = 19.0
    for refine in ("quadratic", "cobyla", "nelder-mead", None):
        seen.clear()
        res = minimize(fun, x0, method=qlstm, options={"start": "x0", "maxfev": 12,
                                                       "refine": refine})
        np.testing.assert_array_equal(seen[0], x0)
        assert res.fun <= _quadratic_4d(x0) and res.fun == min(_quadratic_4d(x) for x in seen)
    # from an optimal point, the result is that point (it was E = -1.779 against -1.841 at x0)
    best = np.array([1.0, -2.0, 0.5, 3.0])
    assert minimize(_quadratic_4d, best, method=qlstm, options={"start": "x0"}).fun == 0.0


def test_learned_start_does_not_evaluate_x0(small_maxcut):
    seen = []

    def fun(x):
        seen.append(np.array(x))
        return qaoa_energy(small_maxcut, x)

    x0 = np.array([2.5, 4.0])
    minimize(fun, x0, method=qlstm, options={"maxfev": 10})
    assert not any(np.array_equal(x, x0) for x in seen)


def test_success_means_converged_not_budget_exhausted(small_maxcut):
    fun = lambda x: qaoa_energy(small_maxcut, x)  # noqa: E731
    short = minimize(fun, np.zeros(2), method=qlstm, options={"maxfev": 8})
    assert (short.success, short.status) == (False, 1)
    assert short.message.startswith("Maximum number of function evaluations has been exceeded.")
    for refine in ("quadratic", "cobyla", "nelder-mead"):
        long = minimize(fun, np.zeros(2), method=qlstm,
                        options={"maxfev": 500, "refine": refine})
        assert (long.success, long.status) == (True, 0) and long.nfev < 500, refine
        assert long.message.startswith("Optimization terminated successfully.")
    learned_only = minimize(fun, np.zeros(2), method=qlstm, options={"refine": None})
    assert learned_only.success and learned_only.nfev == load_pretrained("maxcut-p1").spec.horizon


def test_a_generic_function_runs_and_start_x0_improves_on_x0():
    x0 = np.array([0.0, 0.0, 0.0, 0.0])  # f = 1 + 8 + 0.75 + 36 = 45.75
    res = minimize(_quadratic_4d, x0, method=qlstm, options={"start": "x0", "maxfev": 60})
    assert res.fun < 0.1 * _quadratic_4d(x0)
