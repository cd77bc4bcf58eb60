"""The refine stage: the quadratic trust-region method and its hand-off from the learned steps."""

from __future__ import annotations

import numpy as np
import pytest

from qlstm_optimizer import trust_region
from qlstm_optimizer.models import init_numpy_model
from qlstm_optimizer.policy import PolicySpec, run_policy
from qlstm_optimizer.problems import erdos_renyi
from qlstm_optimizer.refine import (
    QuadraticRefiner,
    _norm,
    _row_norms,
    fit_quadratic,
    quadratic_refine,
    trust_region_step,
)
from qlstm_optimizer.sim import qaoa_energy

A = np.array([[3.0, 0.4], [0.4, 1.0]])
X_MIN = np.array([0.7, -0.3])


def bowl(x):
    d = np.asarray(x) - X_MIN
    return float(0.5 * d @ A @ d)


def test_fit_quadratic_recovers_a_quadratic_exactly():
    rng = np.random.default_rng(0)
    d = rng.normal(size=(9, 2))
    g0, H0 = np.array([0.3, -1.2]), A
    f = d @ g0 + 0.5 * np.einsum("ij,jk,ik->i", d, H0, d) + 2.0
    g, H = fit_quadratic(d, f, np.ones(len(d)))
    np.testing.assert_allclose(g, g0, atol=1e-12)
    np.testing.assert_allclose(H, H0, atol=1e-12)


def test_trust_region_step_newton_inside_boundary_outside_and_negative_curvature():
    g = np.array([1.0, -2.0])
    newton = -np.linalg.solve(A, g)
    np.testing.assert_allclose(trust_region_step(g, A, 10.0), newton, atol=1e-12)
    s = trust_region_step(g, A, 0.5)
    assert np.linalg.norm(s) == pytest.approx(0.5, abs=1e-9)
    assert g @ s + 0.5 * s @ A @ s < 0  # a descent step on the model
    saddle = np.diag([1.0, -1.0])
    s = trust_region_step(np.array([0.0, 0.0]), saddle, 0.3)  # the "hard case": g = 0
    assert np.linalg.norm(s) == pytest.approx(0.3, abs=1e-9)
    assert s @ saddle @ s < 0


def test_quadratic_refine_reuses_history_and_converges():
    rng = np.random.default_rng(1)
    xs = [X_MIN + 0.05 + 0.1 * rng.normal(size=2) for _ in range(6)]
    calls = []

    def f(x):
        calls.append(x)
        return bowl(x)

    out_x, out_f = quadratic_refine(f, xs, [bowl(x) for x in xs], budget=12, step=0.2)
    assert len(calls) <= 12 and len(out_x) == 6 + len(calls)
    # six points determine the quadratic: the first refine step (within the trust radius 0.2)
    # is already the minimum
    np.testing.assert_allclose(calls[0], X_MIN, atol=1e-9)
    assert min(out_f) < 1e-16


def test_quadratic_refine_starts_from_a_single_point():
    calls = []

    def f(x):
        calls.append(x)
        return bowl(x) + 0.1 * float(np.sin(3 * x[0]))

    x0 = np.array([0.0, 0.0])
    _, fs = quadratic_refine(f, [x0], [f(x0)], budget=30, step=0.2)
    assert len(calls) <= 31
    ref = __import__("scipy.optimize", fromlist=["minimize"]).minimize(
        f, X_MIN, method="BFGS", options={"gtol": 1e-10}).fun
    assert min(fs) == pytest.approx(ref, abs=1e-9)


def test_quadratic_refine_respects_bounds():
    box = np.array([[-1.0, 0.5], [-1.0, 1.0]])  # the minimum (0.7, -0.3) is outside
    xs, _ = quadratic_refine(bowl, [np.zeros(2)], [bowl(np.zeros(2))], budget=20, step=0.2,
                             box=box)
    assert all(np.all(x >= box[:, 0]) and np.all(x <= box[:, 1]) for x in xs)


@pytest.mark.parametrize("refine", ["quadratic", "cobyla", "nelder-mead"])
def test_run_policy_hands_off_after_handoff_steps_and_keeps_the_budget(refine):
    problem = erdos_renyi(8, 0.5, seed=3)
    model = init_numpy_model("lstm", p=1, seed=0)
    spec = PolicySpec(p=1, anchor=[0.39, -0.62], horizon=8, handoff=4)
    learned_only = run_policy(lambda x: qaoa_energy(problem, x), model, spec, refine=None,
                              maxfev=30)
    assert learned_only.nfev == 8  # without a refine every learned step is used
    res = run_policy(lambda x: qaoa_energy(problem, x), model, spec, refine=refine, maxfev=30)
    assert res.nfev <= 30
    np.testing.assert_allclose(res.history_x[:4], learned_only.history_x[:4])
    assert res.fun <= min(learned_only.history_fun[:4])
    if refine == "quadratic":  # converged: no better point nearby
        best = qaoa_energy(problem, res.x)
        for d in 1e-3 * np.vstack([np.eye(2), -np.eye(2)]):
            assert qaoa_energy(problem, res.x + d) >= best - 1e-12


def test_bad_refine_and_handoff_are_refused():
    model = init_numpy_model("lstm", p=1, seed=0)
    spec = PolicySpec(p=1, anchor=[0.39, -0.62])
    with pytest.raises(ValueError, match="quadratic"):
        run_policy(lambda x: 0.0, model, spec, refine="bfgs")
    with pytest.raises(ValueError, match="handoff"):
        PolicySpec(p=1, anchor=[0.39, -0.62], horizon=5, handoff=6)
    with pytest.raises(ValueError, match="probe_anchor"):
        PolicySpec(p=1, anchor=[0.39, -0.62], probe_anchor="sometimes")
    with pytest.raises(ValueError, match="retrain"):  # the old boolean form
        PolicySpec(p=1, anchor=[0.39, -0.62], probe_anchor=True)
    with pytest.raises(ValueError, match="probe_step_scale"):
        PolicySpec(p=1, anchor=[0.39, -0.62], probe_step_scale=0.0)


def test_probing_runs_move_in_scaled_steps():
    from qlstm_optimizer import features as F
    from qlstm_optimizer.policy import Rollout
    from qlstm_optimizer.problems import regular

    model = init_numpy_model("lstm", p=1, seed=0, num_features=F.NUM_FEATURES + F.NUM_STATIC)
    spec = PolicySpec(p=1, anchor=[0.39, -0.62], horizon=6, static_features=True,
                      probe_anchor="regular", probe_step_scale=0.25)
    problem = regular(10, 3, seed=0)
    for static, scale in (([1.0, 0.0], 0.25), ([1.0, 0.3], 1.0), ([0.0, 0.0], 1.0)):
        rollout = Rollout(model, spec, static=np.array(static))
        xs = []
        while (x := rollout.ask()) is not None:
            xs.append(x)
            rollout.tell(qaoa_energy(problem, x))
        assert np.array_equal(xs[0], spec.anchor) == (scale < 1)
        moves = np.abs(np.diff(np.array(xs), axis=0)).max(axis=0)
        # every proposal is within one (scaled) step of an evaluated point
        assert np.all(np.abs(np.array(xs[1:]) - xs[0]).max(axis=0) <= 6 * scale * spec.steps)
        assert np.all(moves <= 2 * scale * spec.steps + 1e-12)


def test_policy_validation_cli_prints_margins(capsys):
    from benchmarks import policy_validation

    assert policy_validation.main(["sk", "1", "--instances", "1", "--budget", "5", "--workers",
                                   "1", "--sizes", "6", "--variants", "2:quadratic,5:none"]) == 0
    out = capsys.readouterr().out
    # "h10": without a refine the whole horizon runs, whatever the handoff
    assert "best baseline" in out and "h2 quadratic" in out and "h10 none" in out
    assert "margin" in out


def test_quadratic_refiner_ask_tell():
    from qlstm_optimizer.refine import QuadraticRefiner

    with pytest.raises(ValueError, match="at least one"):
        QuadraticRefiner([], [], 0.1)
    r = QuadraticRefiner([np.zeros(2)], [bowl(np.zeros(2))], 0.2)
    with pytest.raises(RuntimeError, match="pending"):
        r.tell(1.0)
    x = r.ask()
    np.testing.assert_array_equal(r.ask(), x)  # the same point until told
    r.tell(bowl(x))
    assert len(r.xs) == 2 and not np.array_equal(r.ask(), x)


def test_repeated_points_count_once():
    """Copies of one point (a re-evaluated best point, retried trials) must not crowd the model
    out: the refine still moves along every axis and converges."""
    def f(x):
        return float((x[0] - 0.3) ** 2 + (x[1] + 0.2) ** 2)

    x0 = np.zeros(2)
    xs, fs = quadratic_refine(f, [x0] * 12, [f(x0)] * 12, budget=40, step=0.1)
    assert min(fs) < 1e-12
    np.testing.assert_allclose(xs[int(np.argmin(fs))], [0.3, -0.2], atol=1e-6)


def test_distinct_points_are_np_unique_and_their_means():
    """The refiner's incremental distinct points (growing buffers, lexicographic order) are
    exactly np.unique's rows, and each value the mean of its repeats, as points arrive."""
    rng = np.random.default_rng(3)
    pool = [rng.normal(size=3) for _ in range(30)] + [np.zeros(3), -np.zeros(3)]
    r = QuadraticRefiner([pool[0]], [1.0], step=0.1)
    for i in range(80):  # more distinct points than the initial buffers hold, many repeats
        r.xs.append(pool[rng.integers(len(pool))].copy())
        r.fs.append(float(rng.normal()))
        if i % 7 == 0 or i == 79:
            X, F = r._distinct()
            unique, inverse = np.unique(np.array(r.xs), axis=0, return_inverse=True)
            inverse = inverse.ravel()
            means = np.bincount(inverse, weights=r.fs) / np.bincount(inverse)
            np.testing.assert_array_equal(X, unique)
            np.testing.assert_allclose(F, means, rtol=1e-15)
    del r.xs[5:]  # a caller shrinking the history: start over
    del r.fs[5:]
    np.testing.assert_array_equal(r._distinct()[0], np.unique(np.array(r.xs), axis=0))


def test_norm_helpers_are_np_linalg_norm_to_the_bit():
    rng = np.random.default_rng(4)
    for _ in range(200):
        d = rng.normal(size=(int(rng.integers(1, 40)), int(rng.integers(1, 7))))
        d *= 10.0 ** rng.uniform(-8, 3)
        np.testing.assert_array_equal(_row_norms(d), np.linalg.norm(d, axis=1))
        assert _norm(d[0]) == np.linalg.norm(d[0])


def test_box_clipping_does_not_repeat_points():
    """Minimum outside the box: steps clipped back onto evaluated points are not re-evaluated."""
    box = np.array([[0.0, 1.0], [0.0, 1.0]])
    calls = []

    def f(x):
        calls.append(np.array(x))
        return float(((np.asarray(x) + 0.5) ** 2).sum())

    quadratic_refine(f, [np.zeros(2)], [0.5], budget=40, step=0.1, box=box)
    distinct = np.unique(np.round(np.array(calls), 12), axis=0)
    assert len(distinct) == len(calls)  # no point evaluated twice
    assert not any(np.array_equal(c, np.zeros(2)) for c in calls)  # the start is known already


def test_refine_step_must_be_positive_and_finite():
    from qlstm_optimizer.refine import QuadraticRefiner

    for step in (float("nan"), float("inf"), 0.0, -0.1):
        with pytest.raises(ValueError, match="step"):
            QuadraticRefiner([np.zeros(2)], [1.0], step)
        with pytest.raises(ValueError, match="refine_step"):
            PolicySpec(p=1, anchor=[0.39, -0.62], refine_step=step)


def test_a_fixed_parameter_does_not_stop_the_refine():
    """beta fixed by its bounds: the refine searches along gamma instead of giving up."""
    from qlstm_optimizer.minimize import minimize_qaoa

    problem = erdos_renyi(8, 0.5, seed=3)
    model = init_numpy_model("lstm", p=1, seed=0)
    spec = PolicySpec(p=1, anchor=[0.3, -0.5], horizon=4, handoff=1)
    res = minimize_qaoa(lambda x: qaoa_energy(problem, x), np.zeros(2), model=(model, spec),
                        bounds=[(0.3, 0.3), (-3.0, 3.0)], maxfev=20)
    assert res.nfev > 5 and all(x[0] == 0.3 for x in res.history_x)
    assert len({round(float(x[1]), 12) for x in res.history_x}) == res.nfev


def test_qiskit_export_keeps_its_old_import_path():
    from qlstm_optimizer.models import vqc, vqc_qiskit

    for name in ("to_qiskit", "kernel_circuit", "z_observables", "zero_projector"):
        assert getattr(vqc, name) is getattr(vqc_qiskit, name)
    with pytest.raises(AttributeError):
        vqc.no_such_name  # noqa: B018


@pytest.mark.parametrize("refine", ["nelder-mead", "cobyla", "quadratic"])
@pytest.mark.parametrize("noise", [0.01, 0.1])
def test_every_refine_stops_on_its_step_size_under_noise(refine, noise):
    """Nelder-Mead used to wait for its vertex values to agree within fatol, which noisy energies
    never do: it ran to maxfev (500, 5000, 20000). All three now stop when their step size (trust
    radius, simplex) is below about 1e-6 rad."""
    from qlstm_optimizer.minimize import minimize_qaoa

    problem = erdos_renyi(8, 0.5, seed=31_337)
    rng = np.random.default_rng(0)
    res = minimize_qaoa(lambda x: qaoa_energy(problem, x) + noise * rng.standard_normal(),
                        np.zeros(2), maxfev=5000, refine=refine, hamiltonian=problem)
    assert res.nfev < 1000 and res.success, (refine, res.nfev)
    assert problem.rho(qaoa_energy(problem, res.x), 1) > 0.8


def _reference_trust_region_step(g, H, radius):
    """The plain algorithm (100 bisection steps, np.linalg.norm each): the fast one in
    refine.py must take exactly its steps."""
    lam, V = np.linalg.eigh(H)
    a = V.T @ g
    if lam[0] > 0:
        s = -a / lam
        if np.linalg.norm(s) <= radius:
            return V @ s

    def norm(mu):
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(np.linalg.norm(a / (lam + mu)))

    lo = max(0.0, -lam[0]) + 1e-12
    if norm(lo) <= radius:
        s = -a / (lam + lo)
        return V @ s + np.sqrt(max(radius ** 2 - float(s @ s), 0.0)) * V[:, 0]
    hi = lo + np.linalg.norm(g) / radius + abs(lam).max() + 1.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if norm(mid) > radius else (lo, mid)
    return V @ (-a / (lam + hi))


def test_trust_region_step_is_bitwise_the_plain_bisection():
    rng = np.random.default_rng(17)
    for _ in range(400):
        n = int(rng.integers(1, 7))
        A = rng.normal(size=(n, n)) * 10.0 ** rng.uniform(-3, 2)
        g = rng.normal(size=n) * 10.0 ** rng.uniform(-6, 2)
        radius = float(10.0 ** rng.uniform(-2, 1))
        np.testing.assert_array_equal(trust_region_step(g, A + A.T, radius),
                                      _reference_trust_region_step(g, A + A.T, radius))


def test_trust_region_step_without_the_edge_is_the_same_bisection(monkeypatch):
    """trust_region._edge settles the whole bisection from one batch of norms around the root;
    when it cannot (here: never), the window of _known_side and the evaluated mids must give
    the same steps. And the edge does serve the usual cases."""
    rng = np.random.default_rng(5)
    cases = []
    for _ in range(150):
        n = int(rng.integers(1, 7))
        A = rng.normal(size=(n, n)) * 10.0 ** rng.uniform(-3, 2)
        cases.append((rng.normal(size=n) * 10.0 ** rng.uniform(-6, 2), A + A.T,
                      float(10.0 ** rng.uniform(-2, 1))))
    found = []
    edge = trust_region._edge
    monkeypatch.setattr(trust_region, "_edge", lambda *args: found.append(edge(*args)))
    for g, H, radius in cases:
        np.testing.assert_array_equal(trust_region_step(g, H, radius),
                                      _reference_trust_region_step(g, H, radius))
    assert len(found) > 50 and sum(e is not None for e in found) > 0.9 * len(found)


def test_lapack_helpers_are_np_linalg_to_the_bit_and_keep_its_errors():
    rng = np.random.default_rng(3)
    A, b = rng.normal(size=(12, 6)), rng.normal(size=12)
    np.testing.assert_array_equal(trust_region._lstsq(A, b),
                                  np.linalg.lstsq(A, b, rcond=None)[0])
    H = A.T @ A
    for mine, theirs in zip(trust_region._eigh(H), np.linalg.eigh(H), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    np.testing.assert_array_equal(trust_region._right_singular(A[:4]),
                                  np.linalg.svd(A[:4], full_matrices=True)[2])
    bad = A.copy()
    bad[0, 0] = np.nan
    with pytest.raises(np.linalg.LinAlgError):
        trust_region._lstsq(bad, b)
    with pytest.raises(np.linalg.LinAlgError):
        trust_region._eigh(bad.T @ bad)
    with pytest.raises(np.linalg.LinAlgError):
        trust_region._right_singular(bad)
