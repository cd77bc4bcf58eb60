"""The coupling-rms scale rule: Hamiltonian units that divide out degree and weights."""

from __future__ import annotations

import numpy as np
import pytest

from qlstm_optimizer.instances import InstanceDistribution, build_pool, sample_instance
from qlstm_optimizer.minimize import hamiltonian_scale_factor, minimize_qaoa
from qlstm_optimizer.policy import PolicySpec
from qlstm_optimizer.pretrained import load_pretrained
from qlstm_optimizer.problems import erdos_renyi, regular, sk
from qlstm_optimizer.sim import qaoa_energy


def test_reference_instances_have_unit_scale():
    assert hamiltonian_scale_factor(regular(10, 3, seed=1), "maxcut", "coupling-rms") == (
        pytest.approx(1.0))
    # SK in the package normalisation: sqrt((n - 1) / n) of the reference, -> 1 for large n.
    assert hamiltonian_scale_factor(sk(16, seed=1), "sk", "coupling-rms") == pytest.approx(
        np.sqrt(15 / 16))


def test_scale_follows_degree_and_weight():
    g3, g5 = regular(12, 3, seed=0), regular(12, 5, seed=0)
    rule = "coupling-rms"
    assert hamiltonian_scale_factor(g5, "maxcut", rule) == pytest.approx(np.sqrt(5 / 3))
    doubled = 2.0 * g3.to_sparse_pauli_op()
    assert hamiltonian_scale_factor(doubled, "maxcut", rule) == pytest.approx(2.0)
    # The legacy rule sees only the largest coupling: both unit graphs give 1.
    assert hamiltonian_scale_factor(g5, "maxcut", "max-coupling") == pytest.approx(1.0)


def test_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="scale_rule must be one of"):
        PolicySpec(p=1, anchor=[0.1, 0.2], scale_rule="degree")
    with pytest.raises(ValueError, match="scale rule must be one of"):
        hamiltonian_scale_factor(regular(8, 3, seed=0), "maxcut", "degree")


def test_normalised_pool_is_the_hamiltonian_over_its_scale(tmp_path):
    dist = InstanceDistribution.from_dict({"components": [
        {"family": "erdos_renyi", "sizes": [6], "edge_probs": [0.8]},
        {"family": "regular", "sizes": [6], "degrees": [3]}]})
    plain = build_pool(dist, "val", 4, 1, cache_dir=tmp_path)
    rms = build_pool(dist, "val", 4, 1, cache_dir=tmp_path, scale_rule="coupling-rms")
    assert len(list((tmp_path / "pools").glob("*.npz"))) == 2  # separate cache entries
    for i in range(4):
        inst = sample_instance(dist, "val", i)
        c = hamiltonian_scale_factor(inst.problem, inst.family, "coupling-rms")
        assert rms.scales[i] == pytest.approx(1.0 / c)
        assert np.allclose(rms.diagonal(i), plain.diagonal(i) / c)


def test_model_units_make_the_hamiltonian_scale_irrelevant():
    """Given the Hamiltonian, a coupling-rms model follows any rescaling of it exactly.

    E_{fH}(beta, gamma) = f * E_H(beta, f * gamma), so the run on f*H must be the run on H with
    gammas divided by f and energies multiplied by f.
    """
    assert load_pretrained("maxcut-p1").spec.scale_rule == "coupling-rms"
    problem = erdos_renyi(9, 0.6, seed=3)
    runs = {}
    for f in (1.0, 3.0):
        def fun(x, f=f):
            x = np.asarray(x, dtype=float)
            return f * qaoa_energy(problem, np.array([x[0], f * x[1]]))

        runs[f] = minimize_qaoa(fun, np.zeros(2), model="maxcut-p1", maxfev=8, refine=None,
                                hamiltonian=f * problem.to_sparse_pauli_op())
    assert runs[3.0].nfev == runs[1.0].nfev == 8
    assert runs[3.0].x == pytest.approx(runs[1.0].x / [1.0, 3.0], rel=1e-9)
    assert runs[3.0].fun == pytest.approx(3.0 * runs[1.0].fun, rel=1e-9)


def test_unknown_pool_scale_rule_is_refused(tmp_path):
    dist = InstanceDistribution.from_dict({"components": [
        {"family": "erdos_renyi", "sizes": [5], "edge_probs": [0.8]}]})
    with pytest.raises(ValueError, match="scale_rule"):
        build_pool(dist, "val", 2, 1, cache_dir=tmp_path, scale_rule="coupling_rms")


def test_scale_augmentation_only_reaches_blind_runs_in_normalised_pools(tmp_path):
    base = {"components": [{"family": "erdos_renyi", "sizes": [6], "edge_probs": [0.7]}]}
    plain = build_pool(InstanceDistribution.from_dict(base), "val", 3, 1, cache_dir=tmp_path,
                       scale_rule="coupling-rms")
    aug_dist = InstanceDistribution.from_dict({**base, "scale_range": [0.25, 4.0]})
    aug = build_pool(aug_dist, "val", 3, 1, cache_dir=tmp_path, scale_rule="coupling-rms")
    for i in range(3):
        s = sample_instance(aug_dist, "val", i).scale
        assert s != pytest.approx(1.0)
        np.testing.assert_allclose(aug.diagonal(i), plain.diagonal(i))  # informed: cancels
        assert aug.norms[i] == pytest.approx(s * plain.norms[i])  # blind: s * H


@pytest.mark.parametrize("scale", [0.0, -2.0, float("nan"), float("inf")])
def test_bad_hamiltonian_scale_is_refused_by_every_adapter(scale):
    problem = erdos_renyi(6, 0.5, seed=4)
    with pytest.raises(ValueError, match="hamiltonian_scale must be a finite positive real number"):
        minimize_qaoa(lambda x: qaoa_energy(problem, x), np.zeros(2), hamiltonian_scale=scale)
    optuna_module = pytest.importorskip("qlstm_optimizer.optuna")
    with pytest.raises(ValueError, match="hamiltonian_scale must be a finite positive real number"):
        optuna_module.QLSTMSampler("maxcut-p1", hamiltonian_scale=scale)
