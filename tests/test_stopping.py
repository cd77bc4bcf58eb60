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
