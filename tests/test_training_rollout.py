"""The torch training rollout reproduces the frozen NumPy policy; meta-losses; configs."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from qlstm_optimizer.instances import InstanceDistribution, build_pool  # noqa: E402
from qlstm_optimizer.models.torch_model import TorchSequenceModel  # noqa: E402
from qlstm_optimizer.policy import PolicySpec, Rollout  # noqa: E402
from qlstm_optimizer.training import losses  # noqa: E402
from qlstm_optimizer.training.config import ConfigError, parse_config  # noqa: E402
from qlstm_optimizer.training.rollout import BatchDiagonals, unroll  # noqa: E402

DIST = {"components": [{"family": "erdos_renyi", "sizes": [4, 5, 6], "edge_probs": [0.5, 0.8]},
                       {"family": "sk", "sizes": [5]}]}


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    return build_pool(InstanceDistribution.from_dict(DIST), "train", 8, 2, cache_dir=cache)


def _numpy_trajectory(model, spec, pool, i):
    """Drive the frozen Rollout by hand (ask/tell) on instance i of the pool."""
    rollout = Rollout(model, spec)
    xs, es = [], []
    while (x := rollout.ask()) is not None:
        e = pool.energy(i, x)
        xs.append(x)
        es.append(e)
        rollout.tell(e)
    return np.array(xs), np.array(es)


@pytest.mark.parametrize("arch", ["qlstm", "lstm", "qklstm", "qfwp"])
def test_torch_rollout_matches_numpy_policy(pool, arch):
    from qlstm_optimizer.models import build_config

    model = TorchSequenceModel(build_config(arch, 2), seed=3)
    with torch.no_grad():  # larger outputs than the init, so the trajectory really moves
        for name, prm in model.params.items():
            if name in ("y_scale", "w_y", "w_post"):
                prm.mul_(20.0)
    spec = PolicySpec(p=2, anchor=[-0.4, -0.2, 0.3, 0.6], beta_step=0.3, gamma_step=0.4,
                      horizon=7)
    indices = np.arange(len(pool))
    energies, proposals = unroll(model, spec, BatchDiagonals.from_pool(pool, indices))
    twin = model.to_numpy()
    moved = 0.0
    for b, i in enumerate(indices):
        xs, es = _numpy_trajectory(twin, spec, pool, i)
        np.testing.assert_allclose(proposals[b].detach().numpy(), xs, rtol=0, atol=1e-9)
        np.testing.assert_allclose(energies[b].detach().numpy(), es, rtol=0, atol=1e-9)
        moved = max(moved, float(np.abs(np.diff(xs, axis=0)).max()))
    assert moved > 1e-2  # not a trivially constant trajectory


@pytest.mark.parametrize("mode", ["always", "regular"])
@pytest.mark.parametrize("blind", [False, True])
def test_torch_rollout_matches_numpy_with_static_features_and_anchor_probe(pool, blind, mode):
    from qlstm_optimizer import features as F
    from qlstm_optimizer.models import build_config

    model = TorchSequenceModel(build_config("lstm", 2, num_features=6), seed=4)
    with torch.no_grad():
        for prm in model.params.values():
            prm.mul_(3.0)
    spec = PolicySpec(p=2, anchor=[-0.4, -0.2, 0.3, 0.6], beta_step=0.3, gamma_step=0.4,
                      horizon=5, static_features=True, probe_anchor=mode,
                      probe_step_scale=0.5)
    indices = np.arange(len(pool))
    mask = np.full(len(indices), blind)
    batch = BatchDiagonals.from_pool(pool, indices, mask)
    energies, proposals = unroll(model, spec, batch)
    twin = model.to_numpy()
    for b, i in enumerate(indices):
        c = pool.norms[i] if blind else 1.0
        static = np.zeros(F.NUM_STATIC) if blind else np.array([1.0, pool.cvs[i]])
        rollout = Rollout(twin, spec, static=static)
        xs = []
        while (x := rollout.ask()) is not None:
            xs.append(x)
            rollout.tell(c * pool.energy(i, x * [1, 1, c, c]))
        np.testing.assert_allclose(proposals[b].detach().numpy(), np.array(xs), atol=1e-9)
        # "regular": only informed runs on equal coupling strengths (the SK instances) probe
        probes = mode == "always" or (not blind and pool.cvs[i] <= F.REGULAR_CV)
        assert np.array_equal(xs[0], spec.anchor) == probes  # evaluated first, unmoved
    if mode == "regular" and not blind:
        assert {bool(cv <= F.REGULAR_CV) for cv in pool.cvs} == {True, False}  # both kinds
    assert float(np.abs(np.diff(proposals.detach().numpy(), axis=1)).max()) > 1e-2


def test_rollout_is_differentiable(pool):
    from qlstm_optimizer.models import build_config

    model = TorchSequenceModel(build_config("qlstm", 2), seed=0)
    spec = PolicySpec(p=2, anchor=[-0.4, -0.2, 0.3, 0.6], horizon=4)
    batch = BatchDiagonals.from_pool(pool, np.arange(4))
    energies, _ = unroll(model, spec, batch)
    loss = losses.budget_rho(energies / batch.opt.abs()[:, None], [1, 2, 4])
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
    assert sum(float(g.abs().sum()) for g in grads) > 0


def test_meta_losses_on_a_hand_example():
    en = torch.tensor([[-0.5, -0.8, -0.7, -0.9]], dtype=torch.float64)  # rho per step
    assert losses.budget_rho(en, [1, 2, 4]).item() == pytest.approx(-(0.5 + 0.8 + 0.9) / 3)
    assert losses.budget_rho(en, [1, 2, 10]).item() == pytest.approx(-(0.5 + 0.8) / 2)
    # observed improvement: -0.5 (vs the uniform state), -0.3, 0, -0.1
    assert losses.observed_improvement(en).item() == pytest.approx(-0.9)
    weights = torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64)
    assert losses.weighted(en).item() == pytest.approx(float((weights * en).mean()))
    gap = torch.log(torch.tensor([0.5, 0.2, 0.1]) + losses.LOG_GAP_EPS).mean().item()
    assert losses.budget_log_gap(en, [1, 2, 4]).item() == pytest.approx(gap)
    with pytest.raises(ValueError, match="no budget"):
        losses.budget_rho(en, [5])


def test_soft_minimum_reaches_every_step():
    en = torch.tensor([[-0.5, -0.9, -0.88, -0.2]], dtype=torch.float64, requires_grad=True)
    hard = losses.budget_rho(en, [4])
    assert losses.budget_rho(en, [4], tau=1e-4).item() == pytest.approx(hard.item(), abs=1e-3)
    hard.backward()
    assert en.grad.tolist() == [[0.0, 1.0, 0.0, 0.0]]  # only the argmin learns
    en.grad = None
    losses.budget_rho(en, [4], tau=0.02).backward()
    assert 0 < en.grad[0, 2] < en.grad[0, 1]  # the near-best step learns too


BASE = {
    "name": "t", "family": "maxcut", "model": {"arch": "lstm", "p": 1},
    "policy": {"anchor": [-0.3, 0.4]},
    "train_instances": {"components": [{"family": "sk", "sizes": [4]}]},
    "val_instances": {"components": [{"family": "sk", "sizes": [5]}]},
}


@pytest.mark.parametrize("patch, match", [
    ({"famliy": "maxcut"}, "unknown key"),
    ({"family": "tsp"}, "family must be one of"),
    ({"policy": {"anchor": [0.1]}}, "anchor must have"),
    ({"policy": {"anchor": "magic"}}, "policy.anchor"),
    ({"train": {"loss": "mse"}}, "train.loss"),
    ({"train": {"stepz": 3}}, "unknown key"),
    ({"train_instances": {"components": []}}, "at least one component"),
])
def test_bad_configs_name_the_key(patch, match):
    with pytest.raises(ConfigError, match=match):
        parse_config({**BASE, **patch})


def test_config_resolves_anchor_tables():
    from qlstm_optimizer.angles import fixed_angles

    cfg = parse_config({**BASE, "policy": {"anchor": "fixed:maxcut"}})
    assert cfg.policy.anchor == tuple(fixed_angles("maxcut", 1))
    assert parse_config({**BASE, "policy": {"anchor": "tqa:0.75"}}).policy.p == 1
