"""Static Hamiltonian features (scale known?, degree spread) and blind training."""

from __future__ import annotations

import numpy as np
import pytest

from qlstm_optimizer import features as F
from qlstm_optimizer.instances import InstanceDistribution, build_pool
from qlstm_optimizer.minimize import minimize_qaoa
from qlstm_optimizer.models import init_numpy_model
from qlstm_optimizer.policy import PolicySpec, Rollout, run_policy
from qlstm_optimizer.problems import erdos_renyi, regular
from qlstm_optimizer.sim import qaoa_energy

SPEC = PolicySpec(p=1, anchor=[0.39, -0.62], scale_rule="coupling-rms", static_features=True)


def _model(seed=0):
    return init_numpy_model("lstm", p=1, seed=seed, num_features=F.NUM_FEATURES + F.NUM_STATIC)


def test_degree_cv_and_static_features():
    assert F.degree_cv(regular(10, 3, seed=0)) == 0.0
    er = erdos_renyi(10, 0.4, seed=1)
    assert 0.05 < F.degree_cv(er) < 1.0
    assert F.static_features(None).tolist() == [0.0, 0.0]
    assert F.static_features(None, scale_known=True).tolist() == [1.0, F.UNKNOWN_SPREAD_CV]
    assert not F.probes_anchor("regular", F.static_features(None, scale_known=True))
    assert F.static_features(er).tolist() == [1.0, F.degree_cv(er)]


def test_feature_count_must_match_the_spec():
    with pytest.raises(ValueError, match="features"):
        Rollout(init_numpy_model("lstm", p=1, seed=0), SPEC)  # a 4-feature model
    with pytest.raises(ValueError, match="features"):
        Rollout(_model(), PolicySpec(p=1, anchor=[0.39, -0.62]))


def test_static_features_change_the_first_proposal():
    model = _model()
    blind = Rollout(model, SPEC).ask()
    informed = Rollout(model, SPEC, static=[1.0, 0.4]).ask()
    assert not np.allclose(blind, informed)
    # minimize_qaoa passes them: with the Hamiltonian the first point differs from blind.
    problem = erdos_renyi(8, 0.5, seed=2)
    runs = [minimize_qaoa(lambda x: qaoa_energy(problem, x), np.zeros(2), maxfev=1,
                          model=(model, SPEC), refine=None, **kw)
            for kw in ({"hamiltonian": None}, {"hamiltonian": problem})]
    assert not np.allclose(runs[0].history_x[0], runs[1].history_x[0])


def test_blind_batch_is_the_unnormalised_instance(tmp_path):
    torch = pytest.importorskip("torch")
    from qlstm_optimizer.training.rollout import BatchDiagonals

    dist = InstanceDistribution.from_dict({"components": [
        {"family": "erdos_renyi", "sizes": [6], "edge_probs": [0.9]}]})
    pool = build_pool(dist, "val", 3, 1, cache_dir=tmp_path, scale_rule="coupling-rms")
    blind = np.array([True, False, True])
    batch = BatchDiagonals.from_pool(pool, np.arange(3), blind)
    (pos, diags), = batch.groups
    c = pool.norms
    assert np.all(c > 1)  # dense graphs: larger than the 3-regular reference
    for i in range(3):
        factor = c[i] if blind[i] else 1.0
        assert np.allclose(diags[list(pos).index(i)].numpy(), pool.diagonal(i) * factor)
        assert float(batch.opt[i]) == pytest.approx(pool.opt[i] * factor)
    assert batch.static.tolist() == [[0.0, 0.0], [1.0, pool.cvs[1]], [0.0, 0.0]]
    # E_cH(beta, gamma) = c E_H(beta, c gamma): a blind energy at x equals the pool's at c*gamma.
    x = torch.tensor([[0.3, -0.4]] * 3, dtype=torch.float64)
    e = batch.energies(x).numpy()
    assert e[0] == pytest.approx(c[0] * pool.energy(0, [0.3, -0.4 * c[0]]))


def test_blind_validation_rho_is_a_ratio_of_the_same_instance(tmp_path):
    from qlstm_optimizer.training.validate import policy_rhos

    dist = InstanceDistribution.from_dict({"components": [
        {"family": "erdos_renyi", "sizes": [6], "edge_probs": [0.6]}]})
    pool = build_pool(dist, "val", 2, 1, cache_dir=tmp_path, scale_rule="coupling-rms")
    for blind in (False, True):
        rhos = policy_rhos(_model(), SPEC, pool, [1, 4], blind=blind)
        assert rhos.shape == (2, 2) and np.all(rhos <= 1 + 1e-9)
        assert np.all(rhos[:, 1] >= rhos[:, 0])


def test_run_policy_defaults_to_blind():
    problem = erdos_renyi(6, 0.5, seed=3)
    a = run_policy(lambda x: qaoa_energy(problem, x), _model(), SPEC, maxfev=3, refine=None)
    b = run_policy(lambda x: qaoa_energy(problem, x), _model(), SPEC, maxfev=3, refine=None,
                   static=np.zeros(2))
    assert np.allclose(a.history_x, b.history_x)


@pytest.mark.parametrize("static", [[1.0], [1.0, 0.2, 0.3], [1.0, float("nan")]])
def test_bad_static_features_are_refused(static):
    with pytest.raises(ValueError, match="static features are 2 finite values"):
        Rollout(_model(), SPEC, static=static)


def test_scale_only_study_runs(capsys):
    from benchmarks import scale_only

    assert scale_only.main(instances=1, spreads=(0.2,)) == 0
    out = capsys.readouterr().out
    assert "with the operator" in out and "scale only, cv=0.2" in out
