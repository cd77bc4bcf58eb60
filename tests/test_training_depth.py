"""Training a depth-general model: bit-reproducible (anchors, references and weights), a card
that loads and runs at every depth it names, and the [depth] config checks."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from qlstm_optimizer.minimize import minimize_qaoa  # noqa: E402
from qlstm_optimizer.models import load_model  # noqa: E402
from qlstm_optimizer.pretrained import load_card  # noqa: E402
from qlstm_optimizer.problems import erdos_renyi  # noqa: E402
from qlstm_optimizer.sim import qaoa_energy  # noqa: E402
from qlstm_optimizer.training import load_config, train  # noqa: E402
from qlstm_optimizer.training.config import ConfigError, parse_config  # noqa: E402

TINY_DEPTH = """
name = "tiny-depth"
family = "maxcut"
seed = 5

[model]
arch = "lstm"
p = 2

[policy]
scale_rule = "coupling-rms"
static_features = true
depth_feature = true
beta_step = 0.1
gamma_step = 0.15
horizon = 4
handoff = 2

[depth]
modes = 2
max_depth = 3
train_depths = [1, 3]
val_depths = [2, 3]
curriculum_steps = 2
regular_anchors = true

[train]
loss = "budget_log_gap"
budgets = [1, 2, 4]
val_budgets = [1, 4]
steps = 4
batch_size = 4
lr = 0.02
warmup_steps = 1
val_every = 2
checkpoint_every = 2

[train_instances]
pool_size = 8
components = [{ family = "erdos_renyi", sizes = [4, 5], edge_probs = [0.5, 0.8] },
              { family = "regular", sizes = [6], degrees = [3] }]

[val_instances]
pool_size = 3
components = [{ family = "erdos_renyi", sizes = [6], edge_probs = [0.5] },
              { family = "regular", sizes = [6], degrees = [3] }]
"""


def _config(tmp_path):
    path = tmp_path / "tiny-depth.toml"
    path.write_text(TINY_DEPTH)
    return load_config(path)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("depth-train")
    train(_config(tmp), tmp / "a", progress=False, cache_dir=tmp / "ca")
    return tmp


@pytest.mark.slow
def test_depth_training_is_bit_reproducible(trained, tmp_path):
    # a separate cache: the anchors and references are recomputed, not read back
    train(_config(tmp_path), tmp_path / "b", progress=False, cache_dir=tmp_path / "cb")
    wa = dict(load_model(trained / "a" / "tiny-depth.json").params)
    wb = dict(load_model(tmp_path / "b" / "tiny-depth.json").params)
    assert all(np.array_equal(wa[k], wb[k]) for k in wa)
    ca = json.loads((trained / "a" / "tiny-depth.json").read_text())
    cb = json.loads((tmp_path / "b" / "tiny-depth.json").read_text())
    assert ca["depth"] == cb["depth"]


def test_a_depth_card_records_its_depths_and_runs_at_each(trained):
    card = json.loads((trained / "a" / "tiny-depth.json").read_text())
    assert card["depth"]["max_depth"] == 3 and len(card["depth"]["anchors"][2]) == 6
    # the regular class's own starts, fitted on its instances, differ from the mixture's
    regular = np.asarray(card["depth"]["regular_anchors"][2])
    assert regular.shape == (6,) and not np.allclose(regular, card["depth"]["anchors"][2])
    assert "val_p3_rho_4_median" in card["metrics"]
    pre = load_card(trained / "a" / "tiny-depth.json")
    h = erdos_renyi(6, 0.6, seed=9)
    for p in (1, 2, 3):
        result = minimize_qaoa(lambda x: qaoa_energy(h, x), np.zeros(2 * p), model=pre,
                               maxfev=8, hamiltonian=h)
        assert result.nfev <= 8 and result.x.shape == (2 * p,)
    with pytest.raises(ValueError, match="depths 1..3"):
        minimize_qaoa(lambda x: qaoa_energy(h, x), np.zeros(8), model=pre, hamiltonian=h)


def test_a_card_whose_depth_block_was_removed_is_refused(trained, tmp_path):
    import shutil

    from qlstm_optimizer.models import seal_card

    for ext in (".json", ".npz"):
        shutil.copy(trained / "a" / f"tiny-depth{ext}", tmp_path / f"tiny-depth{ext}")
    path = tmp_path / "tiny-depth.json"
    card = json.loads(path.read_text())
    del card["depth"]
    path.write_text(json.dumps(card))
    seal_card(path)  # a deliberate, resealed edit: the loader still refuses the mismatch
    with pytest.raises(ValueError, match="no 'depth' block"):
        load_card(path)


@pytest.mark.parametrize("edit,match", [
    (("modes = 2", "modes = 3"), "depth.modes = 3 must equal model.p = 2"),
    (("val_depths = [2, 3]", "val_depths = [2, 4]"), "exceed depth.max_depth"),
    (("depth_feature = true", "depth_feature = false"), "needs policy.depth_feature"),
    (("[policy]", '[policy]\nanchor = [0.1, 0.2, 0.3, 0.4]'), "policy.anchor is not used"),
    (("curriculum_steps = 2", "curriculum_steps = -1"), "depth.curriculum_steps"),
    (("regular_anchors = true", 'regular_anchors = "yes"'), "depth.regular_anchors must be"),
    (("max_depth = 3", "max_depth = 3\nmode = 2"), r"unknown key\(s\) \['mode'\] in \[depth\]"),
])
def test_depth_config_errors_name_the_key(edit, match):
    import tomllib

    raw = tomllib.loads(TINY_DEPTH.replace(*edit))
    with pytest.raises(ConfigError, match=match):
        parse_config(raw)


def test_depth_feature_without_a_depth_section_is_refused():
    import tomllib

    raw = tomllib.loads(TINY_DEPTH)
    del raw["depth"]
    with pytest.raises(ConfigError, match="needs a \\[depth\\] section"):
        parse_config(raw)


def test_training_batches_start_each_instance_where_the_shipped_policy_does(trained, tmp_path):
    # the training twin (LiftedBatch via DepthTraining.lift) and run_depth_policy must pick the
    # same start per instance: the regular class's for known regular graphs, else the general
    from qlstm_optimizer.depth_policy import run_depth_policy
    from qlstm_optimizer.instances import build_pool
    from qlstm_optimizer.models import init_numpy_model
    from qlstm_optimizer.training.depth_setup import DepthTraining, regular_instances
    from qlstm_optimizer.training.rollout import BatchDiagonals
    from qlstm_optimizer.units import static_rows

    cfg = _config(tmp_path)
    pool = build_pool(cfg.train_instances.distribution, "train", 8, cfg.p, base_seed=cfg.seed,
                      cache_dir=trained / "ca", scale_rule=cfg.policy.scale_rule)
    reg = regular_instances(pool)
    assert 0 < len(reg) < len(pool) and np.all(pool.cvs[reg] == 0)
    dt = DepthTraining(cfg, pool, pool, cache_dir=trained / "ca")
    model = init_numpy_model("lstm", p=2, seed=0, num_features=7)
    indices = np.arange(len(pool))
    for blind in (np.zeros(len(pool), bool), np.ones(len(pool), bool)):
        lifted = dt.lift(BatchDiagonals.from_pool(pool, indices, blind), 3, indices, pool, blind)
        at_zero = lifted.energies(torch.zeros(len(pool), 4, dtype=torch.float64)).numpy()
        for i in indices:
            run = run_depth_policy(lambda x, i=i, b=blind[i]: pool.energy(i, x, b), model,
                                   cfg.policy, dt.spec, 3, maxfev=1, refine=None,
                                   static=static_rows(pool.cvs[i], blind[i]))
            anchor = dt.spec.learned_anchor(3, regular=(i in reg) and not blind[i])
            assert np.isclose(at_zero[i], pool.energy(i, anchor, blind[i]))
            # the shipped run's first point is a move from that same anchor
            moved = run.history_x[0] - anchor
            coeffs = np.linalg.lstsq(dt.spec.subspace(3).matrix, moved, rcond=None)[0]
            assert np.allclose(dt.spec.subspace(3).matrix @ coeffs, moved)
            assert np.all(np.abs(coeffs) <= 0.15 + 1e-9)


def test_regular_anchors_are_fitted_without_complete_graphs(tmp_path):
    from qlstm_optimizer.instances import InstanceDistribution, build_pool
    from qlstm_optimizer.training.depth_setup import regular_fit_instances, regular_instances

    dist = InstanceDistribution.from_dict({"components": [
        {"family": "erdos_renyi", "sizes": [5], "edge_probs": [1.0]},
        {"family": "regular", "sizes": [6], "degrees": [3]},
        {"family": "erdos_renyi", "sizes": [6], "edge_probs": [0.5]}]})
    pool = build_pool(dist, "train", 12, 1, base_seed=3, cache_dir=tmp_path,
                      scale_rule="coupling-rms")
    complete = np.flatnonzero(pool.sizes == 5)  # K5: the only 5-spin graphs
    sparse = np.flatnonzero((pool.sizes == 6) & (pool.cvs == 0))
    assert len(complete) and len(sparse)
    assert set(regular_instances(pool)) >= set(complete) | set(sparse)
    assert set(regular_fit_instances(pool)) == set(sparse)


def test_regular_anchors_without_regular_graphs_name_the_config_keys(tmp_path):
    import tomllib

    raw = tomllib.loads(TINY_DEPTH.replace("max_depth = 3", "max_depth = 12").replace(
        '''              { family = "regular", sizes = [6], degrees = [3] }]
''', "]\n", 1))
    cfg = parse_config(raw)
    from qlstm_optimizer.instances import build_pool
    from qlstm_optimizer.training.depth_setup import DepthTraining

    pool = build_pool(cfg.train_instances.distribution, "train", 4, cfg.p, base_seed=1,
                      cache_dir=tmp_path, scale_rule=cfg.policy.scale_rule)
    with pytest.raises(ConfigError, match=r"depth.regular_anchors.*\[train_instances\]"):
        DepthTraining(cfg, pool, pool, cache_dir=tmp_path)


TINY_QUBO = TINY_DEPTH.replace('name = "tiny-depth"', 'name = "tiny-qubo"').replace(
    'family = "maxcut"', 'family = "qubo"').replace(
    'scale_rule = "coupling-rms"', 'scale_rule = "term-local"').replace(
    "regular_anchors = true\n", "").replace(
    '''components = [{ family = "erdos_renyi", sizes = [4, 5], edge_probs = [0.5, 0.8] },
              { family = "regular", sizes = [6], degrees = [3] }]''',
    '''components = [{ family = "vertex_cover", sizes = [4, 5], edge_probs = [0.5] },
              { family = "random_qubo", sizes = [4, 5] }]''').replace(
    '''components = [{ family = "erdos_renyi", sizes = [6], edge_probs = [0.5] },
              { family = "regular", sizes = [6], degrees = [3] }]''',
    '''components = [{ family = "stable_set", sizes = [6], edge_probs = [0.5] }]''').replace(
    'depth_feature = true\n',
    'depth_feature = true\nprobe_anchor = "always"\ncalibrate_anchor = true\n'
    'general_features = true\n')


def test_a_general_family_model_trains_loads_and_runs_on_a_penalty_operator(tmp_path):
    # the plumbing a "qubo" model needs: config family, term-local units, QUBO pools, card
    import dataclasses

    import tomllib

    from qlstm_optimizer.depth import calibrated_anchor
    from qlstm_optimizer.penalty_starts import candidate_starts, first_basin
    from qlstm_optimizer.qubo_problems import vertex_cover
    from qlstm_optimizer.units import hamiltonian_scale_factor

    cfg = parse_config(tomllib.loads(TINY_QUBO.replace("steps = 4", "steps = 2")))
    assert cfg.family == "qubo" and cfg.policy.scale_rule == "term-local"
    train(cfg, tmp_path / "q", progress=False, cache_dir=tmp_path / "c")
    pre = load_card(tmp_path / "q" / "tiny-qubo.json")
    assert pre.family == "qubo" and pre.depth is not None
    assert pre.spec.calibrate_anchor and pre.spec.probe_anchor == "always"
    assert pre.spec.general_features and pre.spec.num_static == 8
    h = vertex_cover(6, 0.5, seed=4)
    c = hamiltonian_scale_factor(h, "qubo", "term-local")
    basin = np.asarray(first_basin(h))
    for p in (1, 2):  # the first evaluation is the anchor rescaled to the operator's basin
        result = minimize_qaoa(lambda x: qaoa_energy(h, x), np.zeros(2 * p), model=pre,
                               maxfev=8, hamiltonian=h)
        assert result.nfev == 8 and np.isfinite(result.fun)
        scale = np.repeat([1.0, c], p)
        expected = calibrated_anchor(pre.depth.learned_anchor(p), pre.depth.learned_anchor(1),
                                     basin * [1.0, c]) / scale
        np.testing.assert_allclose(result.history_x[0], expected, rtol=1e-12)
    blind = minimize_qaoa(lambda x: qaoa_energy(h, x), np.zeros(2), model=pre, maxfev=3,
                          hamiltonian=None)  # no operator: the learned anchor itself
    np.testing.assert_allclose(blind.history_x[0], pre.depth.learned_anchor(1))
    # start candidates instead (the opt-in): at p = 1 the first evaluations are the operator's
    # candidates, and the anchor the model probes is the best of them (told, not evaluated
    # again)
    spec = dataclasses.replace(pre.spec, calibrate_anchor=False, start_candidates=2)
    cand = dataclasses.replace(pre, spec=spec)
    starts = candidate_starts(h, 1, 2)
    result = minimize_qaoa(lambda x: qaoa_energy(h, x), np.zeros(2), model=cand, maxfev=8,
                           hamiltonian=h)
    first = np.array(result.history_x[:len(starts)])
    np.testing.assert_allclose(first, starts, rtol=1e-12)
    assert result.nfev == 8 and len(result.history_x) == 8
    assert not any(np.allclose(x, starts[0]) for x in result.history_x[len(starts):])
    best = int(np.argmin(result.history_fun[:len(starts)]))  # the learned steps move from it
    assert result.history_fun[len(starts)] != result.history_fun[best]
    with pytest.raises(ConfigError, match="regular_anchors needs a published"):
        parse_config(tomllib.loads(TINY_QUBO.replace(
            "curriculum_steps = 2", "curriculum_steps = 2\nregular_anchors = true")))


def test_calibrated_training_batches_start_where_minimize_does(tmp_path):
    # calibrate_anchor: the training twin rescales each known instance's anchor to its p = 1
    # first basin computed from the regenerated operator (pool_basins), exactly as
    # minimize_qaoa does from the user's operator; blind rows keep the learned anchor
    import tomllib

    from qlstm_optimizer.depth import calibrated_anchor
    from qlstm_optimizer.instances import build_pool, sample_instance
    from qlstm_optimizer.penalty_starts import first_basin
    from qlstm_optimizer.training.depth_setup import DepthTraining, pool_basins
    from qlstm_optimizer.training.rollout import BatchDiagonals
    from qlstm_optimizer.units import general_static, hamiltonian_scale_factor

    cfg = parse_config(tomllib.loads(TINY_QUBO))
    dist = cfg.train_instances.distribution
    pool = build_pool(dist, "train", 6, cfg.p, base_seed=cfg.seed, cache_dir=tmp_path,
                      scale_rule="term-local")
    basins = pool_basins(pool, dist, cfg.seed, tmp_path)
    for i in range(len(pool)):
        inst = sample_instance(dist, "train", i, cfg.seed)
        c = hamiltonian_scale_factor(inst.problem, "qubo", "term-local")
        np.testing.assert_allclose(basins[i], np.asarray(first_basin(inst.problem)) * [1, c],
                                   rtol=1e-9)
    np.testing.assert_array_equal(pool_basins(pool, dist, cfg.seed, tmp_path), basins)  # cached
    val = build_pool(cfg.val_instances.distribution, "val", 2, cfg.p, base_seed=cfg.seed,
                     cache_dir=tmp_path, scale_rule="term-local")
    dt = DepthTraining(cfg, pool, val, cache_dir=tmp_path)
    indices = np.arange(len(pool))
    blind = np.arange(len(pool)) % 2 == 1
    lifted = dt.lift(BatchDiagonals.from_pool(pool, indices, blind), 3, indices, pool, blind)
    first = dt.spec.learned_anchor(1)
    for i in indices:
        expected = dt.spec.learned_anchor(3) if blind[i] else calibrated_anchor(
            dt.spec.learned_anchor(3), first, basins[i])
        np.testing.assert_allclose(lifted.anchor[i].numpy(), expected)
        # general static features between the base ones and the depth, as minimize builds them
        inst = sample_instance(dist, "train", i, cfg.seed)
        general = np.zeros(5) if blind[i] else general_static(inst.problem)
        np.testing.assert_allclose(lifted.static[i, 2:7].numpy(), general)
        assert lifted.static.shape[1] == cfg.policy.num_static
    with pytest.raises(ValueError, match="does not match its distribution"):
        pool_basins(pool, dist, cfg.seed + 1, tmp_path)


def test_calibrated_anchors_with_regular_anchors_start_where_the_shipped_policy_does(
        tmp_path, monkeypatch):
    # calibrate_anchor with depth.regular_anchors (review fix): the batch once passed the whole
    # (B, 2p) anchor table to calibrated_anchor (a broadcast error), and regular rows must be
    # rescaled relative to the regular p = 1 anchor, as run_depth_policy does (the published
    # regular tables are on the gamma < 0 side: mirrored, not refused); the regular class's
    # references include the local optima from its calibrated anchors, and every known run's
    # first point (its probed anchor) is at or above the instance's reference
    import tomllib

    from qlstm_optimizer.depth import calibrated_anchor
    from qlstm_optimizer.depth_policy import run_depth_policy
    from qlstm_optimizer.instances import build_pool
    from qlstm_optimizer.models import init_numpy_model
    from qlstm_optimizer.training import depth_setup
    from qlstm_optimizer.training.depth_setup import DepthTraining, pool_basins, regular_instances
    from qlstm_optimizer.training.rollout import BatchDiagonals
    from qlstm_optimizer.units import static_rows

    calls = []
    real = depth_setup.reference_energies

    def recording(pool, anchors, depths, **kw):
        calls.append(([np.asarray(a) for a in anchors], kw.get("subset")))
        return real(pool, anchors, depths, **kw)

    monkeypatch.setattr(depth_setup, "reference_energies", recording)

    cfg = parse_config(tomllib.loads(TINY_DEPTH.replace(
        "depth_feature = true\n",
        'depth_feature = true\nprobe_anchor = "always"\ncalibrate_anchor = true\n')))
    rule = cfg.policy.scale_rule
    pool = build_pool(cfg.train_instances.distribution, "train", 8, cfg.p, base_seed=cfg.seed,
                      cache_dir=tmp_path, scale_rule=rule)
    val = build_pool(cfg.val_instances.distribution, "val", 3, cfg.p, base_seed=cfg.seed,
                     cache_dir=tmp_path, scale_rule=rule)
    reg = regular_instances(pool)
    assert 0 < len(reg) < len(pool)
    dt = DepthTraining(cfg, pool, val, cache_dir=tmp_path)
    basins = pool_basins(pool, cfg.train_instances.distribution, cfg.seed, tmp_path)
    regular_p3 = [calibrated_anchor(dt.spec.regular_anchors[2], dt.spec.regular_anchors[0],
                                    b) for b in basins]
    assert not np.allclose(regular_p3, dt.spec.regular_anchors[2])  # calibrated, not refused
    assert any(subset is not None and np.allclose(anchors[2], regular_p3)
               for anchors, subset in calls)
    model = init_numpy_model("lstm", p=2, seed=0, num_features=7)
    indices = np.arange(len(pool))
    for p in (1, 3):
        for blind in (np.zeros(len(pool), bool), np.ones(len(pool), bool)):
            lifted = dt.lift(BatchDiagonals.from_pool(pool, indices, blind), p, indices, pool,
                             blind)
            for i in indices:
                run = run_depth_policy(lambda x, i=i, b=blind[i]: pool.energy(i, x, b), model,
                                       cfg.policy, dt.spec, p, maxfev=1, refine=None,
                                       static=static_rows(pool.cvs[i], blind[i]),
                                       basin=None if blind[i] else basins[i])
                np.testing.assert_allclose(lifted.anchor[i].numpy(), run.history_x[0])
                if not blind[i]:
                    assert dt.train_refs[p][i] <= run.history_fun[0] + 1e-12
