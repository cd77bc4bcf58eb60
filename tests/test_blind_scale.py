"""The scale of a blind run from two probe energies (qlstm_optimizer.blind_scale) and its wiring
into minimize_qaoa (blind_scale.run_probed)."""

import numpy as np
import pytest

from qlstm_optimizer import blind_scale as B
from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
from qlstm_optimizer.minimize import minimize_qaoa
from qlstm_optimizer.pretrained import load_pretrained
from qlstm_optimizer.problems import erdos_renyi, regular, sk
from qlstm_optimizer.sim import qaoa_energy
from qlstm_optimizer.sim.analytic import analytic_p1_energy
from qlstm_optimizer.units import hamiltonian_scale_factor


def _log_error(h, family):
    energies = analytic_p1_energy(h, B.probe_points(family, 1))
    c = hamiltonian_scale_factor(h, family, "coupling-rms")
    return float(np.log(B.estimate_scale(energies, family) / c))


def test_estimator_accuracy_on_seeded_instances():
    # Max-Cut graphs in the benchmark's range (n 10..14, densities 2/7..6/7): the measured
    # median error on validation graphs is ~0.15 in log c (docs/design.md)
    er = [_log_error(erdos_renyi(n, q, seed=s), "maxcut")
          for s, (n, q) in enumerate([(10, 0.3), (11, 0.45), (12, 0.6), (13, 0.7), (14, 0.5),
                                      (12, 0.4), (10, 0.75), (14, 0.3)])]
    assert np.median(np.abs(er)) < 0.2, er
    assert np.max(np.abs(er)) < 0.45, er
    # SK: every instance has nearly the median profile
    sk_err = [_log_error(sk(n, seed=s), "sk") for s, n in enumerate([10, 12, 14, 16])]
    assert np.median(np.abs(sk_err)) < 0.1 and np.max(np.abs(sk_err)) < 0.2, sk_err


def test_estimate_follows_the_scale_of_the_couplings():
    # the same graph with all weights times 2.5: the estimate grows by about that factor (not
    # exactly: the probes then sample another part of the graph's own profile)
    g = erdos_renyi(12, 0.5, seed=7)
    big = DiagonalHamiltonian(12, {k: 2.5 * v for k, v in g.terms.items()})
    ratio = B.estimate_scale(analytic_p1_energy(big, B.probe_points("maxcut", 1)), "maxcut") / \
        B.estimate_scale(analytic_p1_energy(g, B.probe_points("maxcut", 1)), "maxcut")
    assert 1.7 < ratio < 3.2, ratio


def test_small_gamma_expansion_matches_the_closed_form():
    # E - E_uniform = 2 g [sin 2b sum h^2 + sin 4b sum J^2] + 2 g^2 sin(2b)^2 [h.J.h + tr J^3]
    rng = np.random.default_rng(0)
    terms = {(i,): rng.normal() for i in range(6)}
    terms.update({(i, j): rng.normal() for i in range(6) for j in range(i + 1, 6)
                  if rng.random() < 0.6})
    h = DiagonalHamiltonian(6, terms, constant=0.4)
    j, f = h.quadratic, h.linear
    pairs = sum(v * v for k, v in h.terms.items() if len(k) == 2)
    b, g = 0.3, 1e-4
    model = 2 * g * (np.sin(2 * b) * f @ f + np.sin(4 * b) * pairs) + \
        2 * g * g * np.sin(2 * b) ** 2 * (f @ j @ f + np.trace(j @ j @ j))
    energy = analytic_p1_energy(h, [b, g]) - h.constant
    assert abs(energy - model) < 1e3 * g**3 < 1e-3 * abs(energy)


def test_ray_profile_starts_at_one():
    phi = B.ray_profile(regular(10, 3, seed=1), "maxcut", 0.3927, [1e-5, 0.3, 0.6])
    assert phi[0] == pytest.approx(1.0, abs=1e-4)
    assert 0 < phi[2] < phi[1] < 1


def test_uninformative_probes_fall_back_to_scale_one():
    assert B.estimate_scale([-1.0, 0.0], "maxcut") == B.FALLBACK_SCALE
    assert B.estimate_scale([-1.0, 0.5], "sk") == B.FALLBACK_SCALE


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="family"):
        B.estimate_scale([-1.0, -0.5], "qubo")
    with pytest.raises(ValueError, match="energies"):
        B.estimate_scale([-1.0], "maxcut")
    with pytest.raises(ValueError, match="energies"):
        B.estimate_scale([-1.0, np.nan], "maxcut")
    with pytest.raises(ValueError, match="p must"):
        B.probe_points("maxcut", 0)
    with pytest.raises(ValueError, match="u must"):
        B.ray_profile(regular(8, 3, seed=0), "maxcut", 0.3, [0.0])
    with pytest.raises(ValueError, match="family"):
        B.probe_points("SK", 1)
    with pytest.raises(TypeError, match="blind_scale"):
        minimize_qaoa(lambda x: 0.0, np.zeros(2), model="maxcut-p1", hamiltonian=None,
                      blind_scale="yes")


def _recording(h):
    seen = []

    def fun(x):
        seen.append(np.array(x, dtype=float))
        return qaoa_energy(h, x)

    return fun, seen


@pytest.mark.parametrize("model", ["maxcut-p1", "maxcut-p1-lstm", "sk-p1"])
def test_blind_run_probes_first_and_counts_them(model):
    p = 1
    h = sk(8, seed=1) if model.startswith("sk") else erdos_renyi(9, 0.6, seed=2)
    fun, seen = _recording(h)
    res = minimize_qaoa(fun, np.zeros(2 * p), model=model, maxfev=9, hamiltonian=None)
    family = "sk" if model.startswith("sk") else "maxcut"
    assert res.nfev == len(seen) == len(res.history_x) == 9
    np.testing.assert_array_equal(np.array(seen[:2]), B.probe_points(family, p))
    # every point and the best one in the caller's units, as evaluated
    for x, y in zip(seen, res.history_x, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-15)
    assert res.fun == min(res.history_fun) == pytest.approx(qaoa_energy(h, res.x))
    assert "probing the Hamiltonian scale" in res.message


@pytest.mark.parametrize("maxfev", [1, 2])
def test_a_budget_within_the_probes_is_kept(maxfev):
    h = erdos_renyi(8, 0.5, seed=3)
    fun, seen = _recording(h)
    res = minimize_qaoa(fun, np.zeros(2), model="maxcut-p1", maxfev=maxfev, hamiltonian=None)
    assert res.nfev == len(seen) == maxfev
    np.testing.assert_array_equal(res.x, B.probe_points("maxcut", 1)[int(np.argmin(
        res.history_fun))])
    assert res.status == 1


def test_callback_stop_during_a_probe():
    h = erdos_renyi(8, 0.5, seed=3)

    def stop(x, e):
        raise StopIteration

    res = minimize_qaoa(lambda x: qaoa_energy(h, x), np.zeros(2), model="maxcut-p1",
                        maxfev=10, hamiltonian=None, callback=stop)
    assert res.nfev == 1 and res.status == 99


def test_the_option_and_operator_runs_are_unchanged():
    h = erdos_renyi(9, 0.5, seed=4)
    # blind_scale=False: no probes (the learned start first, c = 1)
    fun, seen = _recording(h)
    minimize_qaoa(fun, np.zeros(2), model="maxcut-p1", maxfev=6, hamiltonian=None,
                  blind_scale=False)
    assert not any(np.array_equal(x, B.probe_points("maxcut", 1)[0]) for x in seen)
    # with the operator (or a given scale) the option changes nothing
    for kw in ({"hamiltonian": h}, {"hamiltonian": None, "hamiltonian_scale": 1.3}):
        runs = []
        for flag in (True, False):
            fun, seen = _recording(h)
            minimize_qaoa(fun, np.zeros(2), model="maxcut-p1", maxfev=12, blind_scale=flag, **kw)
            runs.append(np.array(seen))
        np.testing.assert_array_equal(runs[0], runs[1])


def test_bounds_take_the_mirrored_probes_or_none():
    h = erdos_renyi(9, 0.5, seed=5)
    # Max-Cut probes have beta > 0, gamma < 0: this box holds only their mirror images -x
    fun, seen = _recording(h)
    minimize_qaoa(fun, np.zeros(2), model="maxcut-p1", maxfev=6, hamiltonian=None,
                  bounds=[(-1.0, 0.0), (0.0, 1.0)])
    np.testing.assert_array_equal(np.array(seen[:2]), -B.probe_points("maxcut", 1))
    # a box that holds neither: no probes, the run as with blind_scale=False
    runs = []
    for flag in (True, False):
        fun, seen = _recording(h)
        minimize_qaoa(fun, np.zeros(2), model="maxcut-p1", maxfev=6, hamiltonian=None,
                      bounds=[(-1.0, 1.0), (0.7, 1.0)], blind_scale=flag)
        runs.append(np.array(seen))
    np.testing.assert_array_equal(runs[0], runs[1])


@pytest.mark.parametrize("model", ["maxcut-p2", "sk-p2"])
def test_blind_runs_at_depth_two_do_not_probe(model):
    # measured: at p = 2 the estimate's error costs more than c = 1 on 3-regular graphs and SK
    h = sk(8, seed=1) if model.startswith("sk") else erdos_renyi(9, 0.6, seed=2)
    runs = []
    for flag in (True, False):
        fun, seen = _recording(h)
        res = minimize_qaoa(fun, np.zeros(4), model=model, maxfev=8, hamiltonian=None,
                            blind_scale=flag)
        runs.append(np.array(seen))
        assert "probing" not in res.message
    np.testing.assert_array_equal(runs[0], runs[1])


def test_run_probed_at_depth_two_embeds_the_probes():
    # the probes are p = 1 points in the first layer (run_probed works at any depth)
    h = erdos_renyi(8, 0.5, seed=6)
    pre = load_pretrained("maxcut-p2")
    fun, seen = _recording(h)
    res = B.run_probed(fun, pre.model, pre.spec, family="maxcut", maxfev=6)
    assert res.nfev == 6
    np.testing.assert_array_equal(np.array(seen[:2]), B.probe_points("maxcut", 2))
    x = B.probe_points("maxcut", 2)[0]
    assert qaoa_energy(h, x) == pytest.approx(qaoa_energy(h, x[[0, 2]]), abs=1e-12)


def test_the_adapters_pass_blind_scale_through_and_check_it():
    # SciPy's plain-function line and the Qiskit optimizer both probe by default; False gives
    # the learned start at once; a non-bool is refused by name at construction / call
    import warnings

    from scipy.optimize import minimize

    from qlstm_optimizer import QLSTMOptimizer, qlstm
    from qlstm_optimizer.autodetect import BlindRunWarning

    h = regular(8, 3, seed=2)
    firsts = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BlindRunWarning)
        for flag in (True, False):
            fun, seen = _recording(h)
            minimize(fun, np.zeros(2), method=qlstm,
                     options={"maxfev": 4, "hamiltonian": None, "blind_scale": flag})
            firsts[flag] = seen[0]
            fun, seen_q = _recording(h)
            opt = QLSTMOptimizer("maxcut-p1", maxfev=4, hamiltonian=None, blind_scale=flag)
            opt.minimize(fun, np.zeros(2))
            np.testing.assert_array_equal(seen_q[0], seen[0])
            assert opt.settings["blind_scale"] is flag
    np.testing.assert_allclose(firsts[True], B.probe_points("maxcut", 1)[0])
    assert not np.allclose(firsts[False], firsts[True])
    with pytest.raises(TypeError, match="blind_scale"):
        QLSTMOptimizer(blind_scale=1)
