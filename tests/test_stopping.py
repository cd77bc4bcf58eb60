import numpy as np
import pytest

from qlstm_optimizer.refine import QuadraticRefiner
from qlstm_optimizer.stopping import NoiseAwareStop


def _drive(stop, f, budget):
    used = 0
    while used < budget and (x := stop.ask()) is not None:
        stop.tell(f(x))
        used += 1
    return used


def _bowl(x):
    return float((x[0] - 0.3) ** 2 + 2 * (x[1] + 0.1) ** 2)


def test_exact_energies_run_to_the_refiners_own_convergence():
    x0 = np.array([1.0, 1.0])
    stop = NoiseAwareStop(QuadraticRefiner([x0], [_bowl(x0)], step=0.2))
    used = _drive(stop, _bowl, 500)
    assert stop.noise == 0.0  # checked once, found exact
    assert stop.reason.startswith("converged")
    assert used < 500 and min(stop.refiner.fs) < 1e-10


def test_noisy_energies_stop_early_and_say_why():
    rng = np.random.default_rng(3)
    f = lambda x: _bowl(x) + 0.02 * rng.normal()  # noqa: E731
    x0 = np.array([1.0, 1.0])
    plain = QuadraticRefiner([x0], [f(x0)], step=0.2)
    used_plain = 0
    while used_plain < 300 and (x := plain.ask()) is not None:
        plain.tell(f(x))
        used_plain += 1
    stop = NoiseAwareStop(QuadraticRefiner([x0], [f(x0)], step=0.2))
    used = _drive(stop, f, 300)
    assert used < used_plain / 2
    assert stop.reason.startswith("stopped: the last 3 steps") and stop.noise > 0
    best = stop.refiner.xs[int(np.argmin(stop.refiner.fs))]
    assert _bowl(best) < 0.05  # it stopped near the optimum, not before getting there
    assert stop.ask() is None  # stays stopped


def test_the_recheck_repeats_the_best_point():
    rng = np.random.default_rng(0)
    f = lambda x: _bowl(x) + 0.05 * rng.normal()  # noqa: E731
    x0 = np.array([0.3, -0.1])
    stop = NoiseAwareStop(QuadraticRefiner([x0], [f(x0)], step=0.2), patience=1)
    _drive(stop, f, 100)
    xs = np.array(stop.refiner.xs)
    assert len(np.unique(xs, axis=0)) < len(xs)  # one point evaluated twice


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "3"])
def test_patience_is_a_positive_integer(bad):
    with pytest.raises((ValueError, TypeError), match="patience"):
        NoiseAwareStop(QuadraticRefiner([np.zeros(2)], [0.0], step=0.1), patience=bad)


# -- through the adapters ------------------------------------------------------------------------
def _noisy_problem():
    from qlstm_optimizer.problems import erdos_renyi
    from qlstm_optimizer.sim import sampled_energy

    problem = erdos_renyi(10, 0.5, seed=424_242)
    rng = np.random.default_rng(5)
    return problem, (lambda x: sampled_energy(problem, x, 1024, rng))


def test_scipy_run_under_shot_noise_stops_and_says_why():
    from scipy.optimize import minimize

    from qlstm_optimizer import qlstm

    problem, fun = _noisy_problem()
    res = minimize(fun, np.zeros(2), method=qlstm,
                   options={"maxfev": 50, "hamiltonian": problem})
    old = minimize(fun, np.zeros(2), method=qlstm,
                   options={"maxfev": 50, "hamiltonian": problem, "noise_stop": False})
    assert res.success and "noise" in res.message and res.nfev < 30
    assert old.nfev > res.nfev


def test_qiskit_optimizer_noise_stop_setting_round_trips():
    from qlstm_optimizer import QLSTMOptimizer

    opt = QLSTMOptimizer.pretrained("maxcut", noise_stop=False)
    assert opt.settings["noise_stop"] is False and "noise_stop=False" in repr(opt)
    assert QLSTMOptimizer(**opt.settings).settings == opt.settings
    opt.set_options(noise_stop=True)
    assert opt.settings["noise_stop"] is True


@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_noise_stop_must_be_a_bool_everywhere(bad):
    from scipy.optimize import minimize

    from qlstm_optimizer import QLSTMOptimizer, minimize_qaoa, qlstm

    with pytest.raises(TypeError, match="noise_stop"):
        QLSTMOptimizer(noise_stop=bad)
    with pytest.raises(TypeError, match="noise_stop"):
        minimize_qaoa(lambda x: 0.0, np.zeros(2), noise_stop=bad, hamiltonian=None)
    with pytest.raises(TypeError, match="noise_stop"):
        minimize(lambda x: 0.0, np.zeros(2), method=qlstm, options={"noise_stop": bad})
