"""Depth-general models: the Fourier subspace, the staged refine, the rollout, cards, configs."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from qlstm_optimizer.angles import fourier_schedule
from qlstm_optimizer.depth import DepthSpec, fourier_matrix, stage_bases, staged_refine
from qlstm_optimizer.depth_policy import run_depth_policy
from qlstm_optimizer.models import init_numpy_model
from qlstm_optimizer.policy import PolicySpec
from qlstm_optimizer.problems import erdos_renyi
from qlstm_optimizer.sim import qaoa_energy

ANCHORS = tuple(tuple(np.r_[np.linspace(-0.5, -0.1, p), np.linspace(0.2, 0.6, p)])
                for p in range(1, 7))


def _setup(modes: int = 2):
    depth = DepthSpec(modes=modes, anchors=ANCHORS)
    spec = PolicySpec(p=modes, anchor=[0.0] * (2 * modes), static_features=True,
                      depth_feature=True, horizon=6, handoff=3, beta_step=0.1, gamma_step=0.1)
    model = init_numpy_model("lstm", p=modes, seed=1, num_features=7)
    return depth, spec, model


# -- the subspace ---------------------------------------------------------------------------------
@pytest.mark.parametrize("p,modes", [(1, 2), (3, 2), (8, 3)])
def test_fourier_matrix_is_the_fourier_schedule(p, modes):
    rng = np.random.default_rng(p)
    u, v = rng.normal(size=modes), rng.normal(size=modes)
    assert np.allclose(fourier_matrix(p, modes) @ np.r_[v, u], fourier_schedule(u, v, p))


@pytest.mark.parametrize("p,modes", [(1, 2), (5, 2), (16, 2), (12, 3)])
def test_stage_bases_are_orthonormal_nested_and_end_in_all_angles(p, modes):
    bases = stage_bases(p, modes)
    assert np.array_equal(bases[-1], np.eye(2 * p))
    for small, large in zip(bases, bases[1:], strict=False):
        assert np.allclose(small.T @ small, np.eye(small.shape[1]))
        # every point of the smaller subspace lies in the larger one
        assert np.allclose(large @ (large.T @ small), small)


def test_depth_spec_round_trips_and_checks_its_fields():
    spec = DepthSpec(modes=2, anchors=ANCHORS, stage_radius=0.05)
    assert DepthSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    assert spec.max_depth == 6 and spec.depth_feature(1) == 0.0
    bad = [
        ({"modes": 0, "anchors": ANCHORS}, "modes"),
        ({"modes": True, "anchors": ANCHORS}, "modes"),
        ({"modes": 2, "anchors": ()}, "anchors"),
        ({"modes": 2, "anchors": ((0.1, 0.2), (0.1, 0.2))}, r"anchors\[1\] must be 4"),
        ({"modes": 2, "anchors": ((0.1, float("nan")),)}, r"anchors\[0\]"),
        ({"modes": 2, "anchors": ANCHORS, "stage_radius": -1}, "stage_radius"),
        ({"modes": 2, "anchors": ANCHORS, "basis": "chebyshev"}, "basis"),
    ]
    for kwargs, match in bad:
        with pytest.raises(ValueError, match=match):
            DepthSpec(**kwargs)
    with pytest.raises(ValueError, match="max_depth = 3 but"):
        DepthSpec.from_dict({**spec.to_dict(), "max_depth": 3})
    with pytest.raises(ValueError, match="unknown keys"):
        DepthSpec.from_dict({**spec.to_dict(), "anchor": 1})
    with pytest.raises(ValueError, match="depths 1..6"):
        spec.subspace(7)


# -- the staged refine ----------------------------------------------------------------------------
def test_staged_refine_minimises_a_smooth_function_within_its_budget():
    p = 8
    target = np.r_[np.linspace(-0.6, -0.1, p), np.linspace(0.1, 0.7, p)]
    values = []

    def f(x):
        values.append(float(np.sum((x - target) ** 2)))
        return values[-1]

    center = np.zeros(2 * p)
    reason = staged_refine(f, [center], [f(center)], budget=200, step=0.2, center=center,
                           modes=2, stage_radius=0.02)
    assert len(values) <= 201
    assert min(values) < 1e-6
    assert reason is None or "converged" in reason


def test_staged_refine_checks_for_noise_once_across_its_stages():
    # exact energies: the noise check (re-evaluating the best point) happens at most once for
    # the whole run, not once per stage
    seen = []

    def f(x):
        seen.append(tuple(np.round(x, 12)))
        return float(np.sum((x - 0.2) ** 2) + 0.3 * np.sum(np.sin(3 * x)))

    center = np.zeros(16)
    staged_refine(f, [center], [f(center)], budget=150, step=0.1, center=center, modes=2,
                  stage_radius=0.02)
    repeats = len(seen) - len(set(seen))
    assert repeats <= 1


# -- the rollout ----------------------------------------------------------------------------------
def test_run_depth_policy_keeps_the_budget_at_every_depth():
    depth, spec, model = _setup()
    h = erdos_renyi(7, 0.5, seed=3)
    for p in (1, 2, 5, 6):
        seen = []
        result = run_depth_policy(lambda x: qaoa_energy(h, x), model, spec, depth, p,
                                  maxfev=15, callback=lambda x, e, seen=seen: seen.append(len(x)))
        assert result.nfev == len(seen) <= 15 and set(seen) == {2 * p}
        assert result.fun == min(result.history_fun)
        assert result.x.shape == (2 * p,)


def test_run_depth_policy_first_point_is_the_model_move_from_the_anchor():
    depth, spec, model = _setup()
    h = erdos_renyi(7, 0.5, seed=3)
    result = run_depth_policy(lambda x: qaoa_energy(h, x), model, spec, depth, 4, maxfev=1)
    moved = result.history_x[0] - np.asarray(ANCHORS[3])
    # a move inside the Fourier subspace, bounded by the steps of the coefficients
    coeffs = np.linalg.lstsq(fourier_matrix(4, 2), moved, rcond=None)[0]
    assert np.allclose(fourier_matrix(4, 2) @ coeffs, moved)
    assert np.all(np.abs(coeffs) <= 0.1 + 1e-12)


def test_run_depth_policy_refuses_depths_outside_its_range_and_bad_x0():
    depth, spec, model = _setup()
    with pytest.raises(ValueError, match="depths 1..6"):
        run_depth_policy(lambda x: 0.0, model, spec, depth, 7, maxfev=3)
    with pytest.raises(ValueError, match="x0 must be 6 finite"):
        run_depth_policy(lambda x: 0.0, model, spec, depth, 3, maxfev=3, x0=np.zeros(4))
    plain = PolicySpec(p=2, anchor=[0.0] * 4)
    with pytest.raises(ValueError, match="depth_feature"):
        run_depth_policy(lambda x: 0.0, model, plain, depth, 3, maxfev=3)


def test_run_depth_policy_from_x0_evaluates_x0_first():
    depth, spec, model = _setup()
    h = erdos_renyi(7, 0.5, seed=3)
    x0 = np.r_[np.full(3, -0.3), np.full(3, 0.4)]
    result = run_depth_policy(lambda x: qaoa_energy(h, x), model, spec, depth, 3, maxfev=10,
                              x0=x0)
    assert np.array_equal(result.history_x[0], x0)
    assert result.fun <= result.history_fun[0]


def test_depth_feature_needs_static_features():
    with pytest.raises(ValueError, match="needs static_features"):
        PolicySpec(p=2, anchor=[0.0] * 4, depth_feature=True)


# -- the bundled depth-general models -------------------------------------------------------------
def test_family_names_resolve_every_depth_and_name_the_range():
    from qlstm_optimizer.pretrained import family_depths, load_pretrained, resolve_model_name

    assert resolve_model_name("maxcut", 2) == "maxcut-p1"  # depth-specific where it exists
    assert resolve_model_name("maxcut", 10) == "maxcut-depth"
    assert family_depths("maxcut") == list(range(1, 17))
    depth = load_pretrained("maxcut-depth").depth
    assert depth is not None and depth.max_depth == 16
    with pytest.raises(ValueError, match=r"depths 1..16"):
        resolve_model_name("maxcut", 34)


def test_qaoa_at_reps_5_through_qiskit_reaches_the_optimum():
    # issue 11 item 5: QAOA at a depth no depth-specific model serves, operator found
    # automatically, with a transpiler, checked against the exact optimum at p = 5.
    from qiskit.primitives import StatevectorSampler
    from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager
    from qiskit_algorithms import QAOA

    from qlstm_optimizer import QLSTMOptimizer

    problem = erdos_renyi(10, 0.5, seed=123_457)
    # (basis gates: left as PauliEvolutionGates, the sampler would exponentiate 2**10 matrices)
    pm = generate_preset_pass_manager(optimization_level=1, basis_gates=["rz", "sx", "x", "cx"])
    qaoa = QAOA(StatevectorSampler(seed=1), optimizer=QLSTMOptimizer.pretrained("maxcut"),
                reps=5, transpiler=pm)
    result = qaoa.compute_minimum_eigenvalue(problem.to_sparse_pauli_op())
    assert result.cost_function_evals <= 50
    rho = problem.rho(qaoa_energy(problem, result.optimal_point), 5)
    assert rho > 0.95, rho


def test_demo_takes_any_bundled_depth():
    from qlstm_optimizer.demo import check_demo_args

    check_demo_args(10, 0.5, seed=1, p=12, maxfev=20, out="x")
    with pytest.raises(ValueError, match=r"--reps"):
        check_demo_args(10, 0.5, seed=1, p=17, maxfev=20, out="x")


def test_staged_refine_on_a_clipped_objective_finds_the_constrained_optimum():
    box = np.array([[-1.0, 1.0]] * 4 + [[0.0, 0.3]] * 4)  # the optimum's gammas lie outside
    target = np.r_[np.full(4, -0.2), np.full(4, 0.5)]
    seen = []

    def f(x):  # clips into the box itself, as the policy's counting evaluator does
        x = np.clip(x, box[:, 0], box[:, 1])
        seen.append(x)
        return float(np.sum((x - target) ** 2))

    center = np.r_[np.zeros(4), np.full(4, 0.1)]
    staged_refine(f, [center], [f(center)], budget=150, step=0.2, center=center, modes=2,
                  stage_radius=0.02, box=box)
    pts = np.array(seen)
    assert np.all(pts >= box[:, 0]) and np.all(pts <= box[:, 1])
    values = np.sum((pts - target) ** 2, axis=1)
    best = pts[np.argmin(values)]
    # from 0.8 at the centre to within 0.01 of the constrained optimum (0.16: gammas at 0.3)
    assert np.allclose(best[4:], 0.3, atol=1e-3) and values.min() < 0.17


def test_run_depth_policy_with_bounds_evaluates_only_inside_them():
    depth, spec, model = _setup()
    h = erdos_renyi(7, 0.5, seed=3)
    bounds = [(-0.2, 0.2)] * 4 + [(0.0, 0.25)] * 4
    result = run_depth_policy(lambda x: qaoa_energy(h, x), model, spec, depth, 4, maxfev=30,
                              bounds=bounds)
    pts = np.array(result.history_x)
    lo, hi = np.array(bounds).T
    assert np.all(pts >= lo - 1e-12) and np.all(pts <= hi + 1e-12)


@pytest.mark.parametrize("p", [4, 8])
def test_qiskits_beta_box_does_not_clip_the_learned_points_to_zero(p):
    # QAOAAnsatz bounds betas to [0, 2 pi]; the learned anchors have negative betas: the run
    # must move them by exact symmetries (beta + pi, or the mirror -x), not clip them to 0.
    h = erdos_renyi(8, 0.5, seed=1)
    free = minimize_qaoa_run(h, p, None)
    for box in ([(0, 2 * np.pi)] * p + [(None, None)] * p,
                [(0, np.pi / 2)] * p + [(-np.pi, 0)] * p):
        boxed = minimize_qaoa_run(h, p, box)
        assert boxed.fun < 0.99 * free.fun < 0  # near the unbounded run, far from 0
        lo = np.array([b[0] if b[0] is not None else -np.inf for b in box])
        hi = np.array([b[1] if b[1] is not None else np.inf for b in box])
        assert all(np.all(x >= lo) and np.all(x <= hi) for x in boxed.history_x)


def minimize_qaoa_run(h, p, bounds):
    from qlstm_optimizer.minimize import minimize_qaoa

    return minimize_qaoa(lambda x: qaoa_energy(h, x), np.zeros(2 * p), model="maxcut",
                         maxfev=40, bounds=bounds, hamiltonian=h)


def test_depth_block_refuses_booleans():
    with pytest.raises(ValueError, match=r"anchors\[0\]"):
        DepthSpec(modes=2, anchors=((True, False),))
    with pytest.raises(ValueError, match="max_depth"):
        DepthSpec.from_dict({"modes": 2, "anchors": [[0.1, 0.2]], "max_depth": True})


# -- the regular class's own starts --------------------------------------------------------------
REGULAR = tuple(tuple(np.asarray(a) + 0.05) for a in ANCHORS)


def test_regular_anchors_round_trip_and_are_checked():
    depth = DepthSpec(modes=2, anchors=ANCHORS, regular_anchors=REGULAR)
    back = DepthSpec.from_dict(json.loads(json.dumps(depth.to_dict())))
    assert back == depth
    assert np.allclose(back.learned_anchor(3, regular=True), REGULAR[2])
    assert np.allclose(back.learned_anchor(3), ANCHORS[2])
    # without a regular table every run uses the general one
    assert np.allclose(DepthSpec(modes=2, anchors=ANCHORS).learned_anchor(3, True), ANCHORS[2])
    with pytest.raises(ValueError, match="regular_anchors has 5 schedules"):
        DepthSpec(modes=2, anchors=ANCHORS, regular_anchors=REGULAR[:5])
    with pytest.raises(ValueError, match=r"regular_anchors\[1\]"):
        DepthSpec(modes=2, anchors=ANCHORS, regular_anchors=(REGULAR[0], (0.1, 0.2)) + REGULAR[2:])
    with pytest.raises(ValueError, match=r"regular_anchors\[0\]"):
        DepthSpec.from_dict({"modes": 2, "anchors": [[0.1, 0.2]], "regular_anchors": [[True, 0.2]]})
    with pytest.raises(ValueError, match="regular_anchors must be a non-empty list"):
        DepthSpec.from_dict({"modes": 2, "anchors": [[0.1, 0.2]], "regular_anchors": "x"})


def test_run_depth_policy_starts_regular_graphs_from_the_regular_anchors():
    from qlstm_optimizer.problems import regular
    from qlstm_optimizer.units import static_features

    _, spec, model = _setup()
    plain = DepthSpec(modes=2, anchors=ANCHORS)
    both = DepthSpec(modes=2, anchors=ANCHORS, regular_anchors=REGULAR)
    for h, shift in ((regular(8, 3, seed=2), 0.05), (erdos_renyi(8, 0.5, seed=2), 0.0)):
        static = static_features(h)
        first = [run_depth_policy(lambda x, h=h: qaoa_energy(h, x), model, spec, d, 4,
                                  maxfev=1, static=static).history_x[0] for d in (plain, both)]
        # the same model move, from the regular start on the regular graph only
        assert np.allclose(first[1] - first[0], shift)
    # a blind run (no static features) knows no class: the general start
    h = regular(8, 3, seed=2)
    first = [run_depth_policy(lambda x: qaoa_energy(h, x), model, spec, d, 4,
                              maxfev=1).history_x[0] for d in (plain, both)]
    assert np.allclose(first[0], first[1])


def test_subspace_checks_the_depth_with_any_anchor_and_null_regular_anchors_are_refused():
    depth = DepthSpec(modes=1, anchors=ANCHORS[:2])
    with pytest.raises(ValueError, match="depths 1..2"):
        depth.subspace(7, anchor=np.zeros(14))
    with pytest.raises(ValueError, match="regular_anchors must be a list"):
        DepthSpec.from_dict({"modes": 1, "anchors": [[0.1, 0.2]], "regular_anchors": None})


def test_start_candidates_are_checked_and_probed_first():
    # PolicySpec.start_candidates: a count, only for probing depth-general policies; the
    # starts of run_depth_policy are evaluated first and the best is the probed anchor
    base = dict(p=1, anchor=[0.0, 0.0], static_features=True, depth_feature=True)
    for bad in (-1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="start_candidates must be a non-negative"):
            PolicySpec(**base, probe_anchor="always", start_candidates=bad)
    with pytest.raises(ValueError, match="start_candidates needs depth_feature"):
        PolicySpec(**base, start_candidates=2)  # probe_anchor "never"
    spec = PolicySpec(**base, probe_anchor="always", start_candidates=2, handoff=3)
    assert spec.to_dict()["start_candidates"] == 2
    assert "start_candidates" not in PolicySpec(**base).to_dict()  # older cards unchanged
    depth = DepthSpec(modes=1, anchors=[[-0.3, 0.5], [-0.4, -0.2, 0.3, 0.6]])
    model = init_numpy_model("lstm", p=1, seed=0, num_features=7)
    h = erdos_renyi(8, 0.5, seed=1)
    fun = lambda x: qaoa_energy(h, x)  # noqa: E731
    starts = np.array([[-0.1, 0.2], [-0.39, 0.6]])
    result = run_depth_policy(fun, model, spec, depth, p=1, maxfev=9, starts=starts)
    np.testing.assert_array_equal(np.array(result.history_x[:2]), starts)
    assert result.nfev == 9
    # handoff 3 learned steps include the probe: 2 starts + 2 more learned points
    best = starts[int(np.argmin(result.history_fun[:2]))]
    assert not any(np.array_equal(x, best) for x in result.history_x[2:])
    for bad, match in ((np.zeros((2, 4)), "starts must be"), ([[np.nan, 0.1]], "starts must"),
                       (np.zeros((0, 2)), "starts must")):
        with pytest.raises(ValueError, match=match):
            run_depth_policy(fun, model, spec, depth, p=1, maxfev=5, starts=bad)
    with pytest.raises(ValueError, match="starts and x0"):
        run_depth_policy(fun, model, spec, depth, p=1, maxfev=5, starts=starts,
                         x0=np.zeros(2))
    never = PolicySpec(**base)
    with pytest.raises(ValueError, match="probes its anchor"):
        run_depth_policy(fun, model, never, depth, p=1, maxfev=5, starts=starts)


def test_calibrated_anchor_rescales_each_angle_and_ignores_untrusted_ratios():
    from qlstm_optimizer.depth import RATIO_LIMIT, calibrated_anchor

    anchor = np.array([-0.5, -0.2, 0.3, 0.6])
    out = calibrated_anchor(anchor, [-0.4, 0.5], [-0.6, 0.4])
    np.testing.assert_allclose(out, [-0.75, -0.3, 0.24, 0.48])
    np.testing.assert_allclose(calibrated_anchor([-0.4, 0.5], [-0.4, 0.5], [0.3, 0.7]),
                               [0.3, 0.7])  # p = 1: the basin itself, whatever the ratio
    # a beta of the other sign (another branch) or a ratio beyond the limit: kept as learned
    out = calibrated_anchor(anchor, [-0.4, 0.5], [0.3, 0.5 * (RATIO_LIMIT + 0.1)])
    np.testing.assert_allclose(out, anchor)


def test_run_depth_policy_checks_the_basin_and_starts_at_the_calibrated_anchor():
    depth = DepthSpec(modes=1, anchors=[[-0.3, 0.5], [-0.4, -0.2, 0.3, 0.6]])
    spec = PolicySpec(p=1, anchor=[0.0, 0.0], static_features=True, depth_feature=True,
                      probe_anchor="always", calibrate_anchor=True)
    model = init_numpy_model("lstm", p=1, seed=0, num_features=7)
    h = erdos_renyi(8, 0.5, seed=1)
    fun = lambda x: qaoa_energy(h, x)  # noqa: E731
    result = run_depth_policy(fun, model, spec, depth, p=2, maxfev=4, basin=[-0.36, 0.6])
    np.testing.assert_allclose(result.history_x[0], [-0.48, -0.24, 0.36, 0.72])
    for bad in ([0.1], [np.nan, 0.2], "x"):
        with pytest.raises(ValueError, match="basin must be 2 finite"):
            run_depth_policy(fun, model, spec, depth, p=2, maxfev=4, basin=bad)
    with pytest.raises(ValueError, match="calibrate_anchor needs depth_feature"):
        PolicySpec(p=1, anchor=[0.0, 0.0], calibrate_anchor=True)
    with pytest.raises(ValueError, match="calibrate_anchor must be true or false"):
        PolicySpec(p=1, anchor=[0.0, 0.0], static_features=True, depth_feature=True,
                   calibrate_anchor=1)


def test_general_features_policy_option_is_checked_and_reaches_the_model():
    from qlstm_optimizer.minimize import ModelUnits
    from qlstm_optimizer.qubo_problems import vertex_cover
    from qlstm_optimizer.units import GENERAL_STATIC_NAMES, general_static

    base = dict(p=1, anchor=[0.0, 0.0], static_features=True, depth_feature=True)
    with pytest.raises(ValueError, match="general_features must be true or false"):
        PolicySpec(**base, general_features="yes")
    with pytest.raises(ValueError, match="general_features needs depth_feature"):
        PolicySpec(p=1, anchor=[0.0, 0.0], static_features=True, general_features=True)
    spec = PolicySpec(**base, general_features=True)
    assert spec.num_static == 2 + len(GENERAL_STATIC_NAMES) + 1
    assert "general_features" not in PolicySpec(**base).to_dict()
    h = vertex_cover(8, 0.5, seed=1)
    units = ModelUnits.resolve(spec, "qubo", h, p=1)
    np.testing.assert_allclose(units.static[2:], general_static(h))
    assert general_static(h)[0] > 0.5  # penalty fields dominate vertex cover
    blind = ModelUnits.resolve(spec, "qubo", None, p=1)
    np.testing.assert_array_equal(blind.static, np.zeros(7))
    # a model of the wrong input width is refused, naming the features
    model = init_numpy_model("lstm", p=1, seed=0, num_features=7)
    depth = DepthSpec(modes=1, anchors=[[-0.3, 0.5]])
    with pytest.raises(ValueError, match="model takes 7 features"):
        run_depth_policy(lambda x: qaoa_energy(h, x), model, spec, depth, p=1, maxfev=3)


def test_calibrated_anchor_refuses_a_batch_and_bad_shapes_naming_the_argument():
    # one schedule per call: a (B, 2p) batch would have been read as depth B p (review fix)
    from qlstm_optimizer.depth import calibrated_anchor

    one, basin = [-0.4, 0.5], [-0.6, 0.4]
    for bad in (np.zeros((3, 4)), np.zeros(3), np.zeros(0)):
        with pytest.raises(ValueError, match="anchor must be one schedule of 2p angles"):
            calibrated_anchor(bad, one, basin)
    for name, args in (("anchor_p1", ([0.1, 0.2], [0.1], basin)),
                       ("basin", ([0.1, 0.2], one, [[0.1, 0.2]]))):
        with pytest.raises(ValueError, match=f"{name} must be 2 angles"):
            calibrated_anchor(*args)


def test_calibrated_anchor_mirrors_a_basin_onto_the_anchors_side():
    # E(beta, gamma) = E(-beta, -gamma): anchors fitted on the mirrored side (gamma < 0) are
    # calibrated as their mirror images are, instead of every ratio being refused as negative
    from qlstm_optimizer.depth import calibrated_anchor

    anchor, one, basin = np.array([-0.5, -0.2, 0.3, 0.6]), np.array([-0.4, 0.5]), [-0.6, 0.4]
    np.testing.assert_allclose(calibrated_anchor(-anchor, -one, basin),
                               -calibrated_anchor(anchor, one, basin))
    np.testing.assert_allclose(calibrated_anchor(-anchor, -one, basin), [0.75, 0.3, -0.24, -0.48])
    np.testing.assert_allclose(calibrated_anchor(-one, -one, basin), [0.6, -0.4])  # p = 1
    # zero angles in the p = 1 anchor: no division warning, that angle kept as learned
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(calibrated_anchor(anchor, [0.0, 0.5], basin),
                                   [-0.5, -0.2, 0.24, 0.48])


def test_minimize_keeps_the_learned_anchor_where_no_basin_can_be_had(caplog):
    # a named general model on a constant operator runs (no first basin to calibrate to), and
    # a dense operator whose first basin would cost seconds keeps the learned anchor; both
    # say so in the qlstm_optimizer log
    import logging

    from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
    from qlstm_optimizer.minimize import minimize_qaoa
    from qlstm_optimizer.penalty_starts import BASIN_MAX_WORK, basin_work
    from qlstm_optimizer.pretrained import load_pretrained
    from qlstm_optimizer.problems import sk

    pre = load_pretrained("qubo-depth")
    constant = DiagonalHamiltonian(3, {(): 2.0})
    with caplog.at_level(logging.INFO, logger="qlstm_optimizer"):
        res = minimize_qaoa(lambda x: 2.0, np.zeros(2), model=pre, maxfev=3,
                            hamiltonian=constant)
    assert res.nfev == 3 and "no Z terms" in caplog.text
    dense = sk(40, seed=1)
    assert basin_work(dense) > BASIN_MAX_WORK
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="qlstm_optimizer"):
        res = minimize_qaoa(lambda x: float(x[1] ** 2 + x[0] ** 2), np.zeros(2), model=pre,
                            maxfev=2, hamiltonian=dense)
    assert "not calibrated" in caplog.text
    np.testing.assert_allclose(res.history_x[0][0], pre.depth.learned_anchor(1)[0])
