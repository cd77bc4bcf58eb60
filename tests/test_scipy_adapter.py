"""``qlstm`` honours the whole scipy.optimize.minimize custom-method contract."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import Bounds, OptimizeResult, minimize

from qlstm_optimizer import NonFiniteEnergyError, UnknownModelError, load_pretrained, qlstm
from qlstm_optimizer.sim import qaoa_energy


def test_usage_line(medium_maxcut):
    fun = lambda x: qaoa_energy(medium_maxcut, x)  # noqa: E731
    res = minimize(fun, np.zeros(2), method=qlstm)
    assert isinstance(res, OptimizeResult)
    for key in ("x", "fun", "nfev", "nit", "success", "status", "message"):
        assert key in res
    assert res.success and res.status == 0 and res.nfev <= 50
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


def test_unknown_keywords_and_options_are_ignored(small_maxcut):
    fun = lambda x: qaoa_energy(small_maxcut, x)  # noqa: E731
    jac = lambda x: np.zeros(2)  # noqa: E731
    res = minimize(fun, np.zeros(2), method=qlstm, jac=jac, tol=1e-3,
                   options={"maxiter": 6, "disp": True, "frobnicate": 1})
    assert res.nfev == 6


def test_options(small_maxcut):
    fun = lambda x: qaoa_energy(small_maxcut, x)  # noqa: E731
    a = minimize(fun, np.zeros(2), method=qlstm,
                 options={"model": "maxcut-p1", "maxfev": 12, "refine": None, "seed": 0})
    b = minimize(fun, np.zeros(2), method=qlstm,
                 options={"model": "maxcut", "maxfev": 12, "refine": None, "seed": 0})
    np.testing.assert_array_equal(a.x, b.x)
    horizon = load_pretrained("maxcut-p1").spec.horizon
    assert a.nfev == min(12, horizon)  # refine=None: the learned steps only
    c = minimize(fun, np.zeros(2), method=qlstm, options={"maxfev": 12, "maxiter": 3})
    assert c.nfev == 12  # maxfev wins over maxiter


def test_bad_input(small_maxcut):
    with pytest.raises(UnknownModelError, match="available"):
        minimize(lambda x: 0.0, np.zeros(2), method=qlstm, options={"model": "nope"})
    with pytest.raises(NonFiniteEnergyError):
        minimize(lambda x: float("nan"), np.zeros(2), method=qlstm)
    with pytest.raises(ValueError, match="bounds"):
        minimize(lambda x: 0.0, np.zeros(2), method=qlstm, bounds=[(0, 1)])
    with pytest.raises(ValueError, match="parameters"):
        minimize(lambda x: 0.0, np.zeros(40), method=qlstm)
