"""The frozen ask/tell policy: budget, best tracking, refine, bounds, determinism, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from qlstm_optimizer.angles import fixed_angles
from qlstm_optimizer.models import init_numpy_model
from qlstm_optimizer.policy import (
    NonFiniteEnergyError,
    PolicySpec,
    Rollout,
    check_bounds,
    project,
    run_policy,
)
from qlstm_optimizer.sim import qaoa_energy


@pytest.fixture(scope="module")
def untrained():
    return init_numpy_model("lstm", p=1, seed=0), PolicySpec(p=1, anchor=fixed_angles("maxcut", 1))


@pytest.mark.parametrize("maxfev", [1, 3, 10, 25])
@pytest.mark.parametrize("refine", [None, "cobyla", "nelder-mead"])
def test_budget_is_exact_and_result_is_best_evaluated(untrained, small_maxcut, maxfev, refine):
    calls = []

    def fun(x):
        calls.append(np.array(x))
        return qaoa_energy(small_maxcut, x)

    res = run_policy(fun, *untrained, maxfev=maxfev, refine=refine)
    assert res.nfev == len(calls) <= maxfev
    energies = [qaoa_energy(small_maxcut, x) for x in calls]
    assert res.fun == min(energies)
    np.testing.assert_array_equal(res.x, calls[int(np.argmin(energies))])
    if refine is None:
        assert res.nfev == min(maxfev, untrained[1].horizon)
    elif refine == "cobyla":
        assert res.nfev > min(maxfev, untrained[1].horizon) or maxfev <= untrained[1].horizon


def test_refine_improves_on_learned_steps(untrained, small_maxcut):
    fun = lambda x: qaoa_energy(small_maxcut, x)  # noqa: E731
    learned = run_policy(fun, *untrained, maxfev=60, refine=None)
    refined = run_policy(fun, *untrained, maxfev=60, refine="cobyla")
    assert refined.fun <= learned.fun
    opt = small_maxcut.optimal_qaoa_energy(1).energy
    assert refined.fun <= opt + 1e-3 * abs(opt)


def test_deterministic_and_stateless(untrained, small_maxcut, medium_maxcut):
    f1 = lambda x: qaoa_energy(small_maxcut, x)  # noqa: E731
    f2 = lambda x: qaoa_energy(medium_maxcut, x)  # noqa: E731
    a = run_policy(f1, *untrained, maxfev=15)
    run_policy(f2, *untrained, maxfev=15)  # a different run in between must not leak state
    b = run_policy(f1, *untrained, maxfev=15)
    np.testing.assert_array_equal(np.array(a.history_x), np.array(b.history_x))
    assert a.history_fun == b.history_fun


def test_exploration_noise_is_seeded(untrained, small_maxcut):
    f = lambda x: qaoa_energy(small_maxcut, x)  # noqa: E731
    a = run_policy(f, *untrained, maxfev=8, refine=None, exploration_noise=0.3, seed=1)
    b = run_policy(f, *untrained, maxfev=8, refine=None, exploration_noise=0.3, seed=1)
    c = run_policy(f, *untrained, maxfev=8, refine=None, exploration_noise=0.3, seed=2)
    assert a.history_fun == b.history_fun != c.history_fun


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_energy_is_a_precise_error(untrained, bad):
    with pytest.raises(NonFiniteEnergyError, match="evaluation 1"):
        run_policy(lambda x: bad, *untrained, maxfev=5)


def test_exception_in_fun_propagates(untrained, small_maxcut):
    def boom(x):
        raise RuntimeError("backend down")

    with pytest.raises(RuntimeError, match="backend down"):
        run_policy(boom, *untrained, maxfev=5)
    ok = run_policy(lambda x: qaoa_energy(small_maxcut, x), *untrained, maxfev=5)
    assert ok.nfev == 5


def test_bounds_projection_keeps_energy(small_maxcut):
    box = check_bounds([(0, 2 * np.pi), (-np.pi, np.pi)], 2)
    x = np.array([-0.4, 0.3])
    y = project(x, box, 1)
    assert 0 <= y[0] <= 2 * np.pi and y[1] == 0.3
    assert qaoa_energy(small_maxcut, x) == pytest.approx(qaoa_energy(small_maxcut, y), abs=1e-12)
    clipped = project(np.array([0.2, 5.0]), box, 1)
    assert clipped[1] == np.pi


def test_every_evaluated_point_is_within_bounds(untrained, small_maxcut):
    bounds = [(0.0, 2 * np.pi), (-0.5, 0.0)]
    seen = []

    def fun(x):
        seen.append(np.array(x))
        return qaoa_energy(small_maxcut, x)

    run_policy(fun, *untrained, maxfev=30, bounds=bounds)
    seen = np.array(seen)
    assert np.all(seen[:, 0] >= 0) and np.all(seen[:, 0] <= 2 * np.pi)
    assert np.all(seen[:, 1] >= -0.5) and np.all(seen[:, 1] <= 0.0)


@pytest.mark.parametrize("bounds", [[(0, 1)], [(0, 1, 2), (0, 1)], [(1, 0), (0, 1)]])
def test_bad_bounds(untrained, bounds):
    with pytest.raises(ValueError, match="bound"):
        run_policy(lambda x: 0.0, *untrained, maxfev=3, bounds=bounds)


def test_bad_options(untrained):
    with pytest.raises(ValueError, match="maxfev"):
        run_policy(lambda x: 0.0, *untrained, maxfev=0)
    with pytest.raises(ValueError, match="refine"):
        run_policy(lambda x: 0.0, *untrained, refine="bfgs")
    with pytest.raises(ValueError, match="anchor"):
        PolicySpec(p=2, anchor=[0.1, 0.2])


def test_rollout_ask_tell(untrained, small_maxcut):
    rollout = Rollout(*untrained)
    count = 0
    while (x := rollout.ask()) is not None:
        rollout.tell(qaoa_energy(small_maxcut, x))
        count += 1
    assert count == untrained[1].horizon
    with pytest.raises(RuntimeError, match="horizon"):
        rollout.tell(0.0)
