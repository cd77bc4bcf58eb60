"""The term-local scale rule and the candidate static features for fields, penalties and
higher-order terms (issue 12 item 2; docs/design.md "Units for fields and penalties")."""

from __future__ import annotations

import numpy as np
import pytest

from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
from qlstm_optimizer.instances import InstanceDistribution, build_pool, sample_instance
from qlstm_optimizer.policy import PolicySpec
from qlstm_optimizer.problems import erdos_renyi, regular, sk, weighted_erdos_renyi
from qlstm_optimizer.units import (
    GENERAL_FEATURE_NAMES,
    SCALE_RULES,
    coupling_scale,
    general_features,
    hamiltonian_scale_factor,
    term_local_scale,
)

RULE = "term-local"


def _fields(values, n=None):
    n = len(values) if n is None else n
    return DiagonalHamiltonian(n, {(i,): float(v) for i, v in enumerate(values)})


def test_rule_is_registered_and_accepted_by_the_policy():
    assert SCALE_RULES[:2] == ("max-coupling", "coupling-rms") and RULE in SCALE_RULES
    assert PolicySpec(p=1, anchor=[0.1, 0.2], scale_rule=RULE).scale_rule == RULE


def test_reference_instances_keep_their_units():
    # Equal to coupling-rms wherever every spin feels the same coupling strength.
    for h, family in ((regular(12, 3, seed=0), "maxcut"), (regular(12, 5, seed=1), "maxcut"),
                      (sk(10, seed=2), "sk")):
        assert hamiltonian_scale_factor(h, family, RULE) == pytest.approx(
            hamiltonian_scale_factor(h, family, "coupling-rms"), rel=1e-12)
    assert hamiltonian_scale_factor(regular(10, 3, seed=1), "maxcut", RULE) == pytest.approx(1.0)


def test_existing_rules_are_unchanged_on_fields():
    # A Z-only operator keeps scale 1 under the old rules (bundled models' behaviour) ...
    h = _fields([3.0, -3.0, 3.0])
    assert hamiltonian_scale_factor(h, "maxcut", "coupling-rms") == 1.0
    assert hamiltonian_scale_factor(h, "maxcut", "max-coupling") == 1.0
    # ... and gets its size under the new one: h / sqrt 2 over the 3-regular reference.
    assert term_local_scale(h) == pytest.approx(3.0 / np.sqrt(2))
    assert hamiltonian_scale_factor(h, "maxcut", RULE) == pytest.approx(
        3.0 / np.sqrt(2) / (np.sqrt(3) / 2))


def test_z_only_scale_puts_the_exact_optimum_near_the_graphs_one():
    # E = sum_i h sin(2 beta) sin(2 gamma h): optimum gamma* = pi / (4 h) for every h.
    for h in (0.1, 1.0, 25.0):
        c = hamiltonian_scale_factor(_fields([h] * 4), "maxcut", RULE)
        assert np.pi / (4 * h) * c == pytest.approx(np.pi / 4 * np.sqrt(2 / 3))  # 0.641


def test_scale_is_homogeneous_and_counts_every_order():
    h = DiagonalHamiltonian(5, {(0,): 0.7, (0, 1): -1.2, (1, 2, 3): 0.4, (0, 2, 3, 4): 2.0},
                            constant=9.0)
    doubled = DiagonalHamiltonian(5, {k: 2 * c for k, c in h.terms.items()}, constant=-4.0)
    assert term_local_scale(doubled) == pytest.approx(2 * term_local_scale(h))
    # The definition written out: s**2 = sum |S| c**2 L_S / sum |S| c**2, L_S = sum D_q / 2.
    d = np.zeros(5)
    for k, c in h.terms.items():
        d[list(k)] += c * c
    w = np.array([len(k) * c * c for k, c in h.terms.items()])
    local = np.array([d[list(k)].sum() / 2 for k in h.terms])
    assert term_local_scale(h) == pytest.approx(np.sqrt(w @ local / w.sum()), rel=1e-12)
    # Higher orders weigh more than in coupling-rms (an order-4 term sees four qubits' fields).
    four = DiagonalHamiltonian(4, {(0, 1, 2, 3): 1.0})
    assert term_local_scale(four) == pytest.approx(np.sqrt(2.0))
    assert coupling_scale(four) == pytest.approx(1.0)


def test_operator_without_terms_gets_unit_scale():
    const = DiagonalHamiltonian(3, {}, constant=5.0)
    assert term_local_scale(const) == 0.0
    assert hamiltonian_scale_factor(const, "maxcut", RULE) == 1.0


def test_sparse_pauli_op_is_accepted():
    h = DiagonalHamiltonian(4, {(0,): 1.5, (1, 2): -0.5, (0, 1, 3): 0.25}, constant=2.0)
    assert term_local_scale(h.to_sparse_pauli_op()) == pytest.approx(term_local_scale(h))


def test_bad_input_is_refused_with_its_name():
    with pytest.raises(TypeError, match="expected a DiagonalHamiltonian"):
        term_local_scale({(0, 1): 1.0})
    with pytest.raises(TypeError, match="expected a DiagonalHamiltonian"):
        general_features("ZZ")
    with pytest.raises(ValueError, match="scale rule must be one of"):
        hamiltonian_scale_factor(regular(8, 3, seed=0), "maxcut", "term_local")
    with pytest.raises(ValueError, match="scale_rule must be one of"):
        PolicySpec(p=1, anchor=[0.1, 0.2], scale_rule="term")


def test_pool_in_term_local_units(tmp_path):
    dist = InstanceDistribution.from_dict({"components": [
        {"family": "erdos_renyi", "sizes": [6], "edge_probs": [0.6]}]})
    plain = build_pool(dist, "val", 3, 1, cache_dir=tmp_path)
    pool = build_pool(dist, "val", 3, 1, cache_dir=tmp_path, scale_rule=RULE)
    rms = build_pool(dist, "val", 3, 1, cache_dir=tmp_path, scale_rule="coupling-rms")
    assert len(list((tmp_path / "pools").glob("*.npz"))) == 3  # one cache entry per rule
    for i in range(3):
        inst = sample_instance(dist, "val", i)
        c = hamiltonian_scale_factor(inst.problem, inst.family, RULE)
        assert pool.scales[i] == pytest.approx(1.0 / c)
        assert np.allclose(pool.diagonal(i), plain.diagonal(i) / c)
        assert rms.scales[i] != pytest.approx(pool.scales[i])  # irregular graph: rules differ


def test_general_features_on_known_operators():
    assert GENERAL_FEATURE_NAMES == tuple(general_features(regular(8, 3, seed=0)))
    f = general_features(regular(8, 3, seed=0))
    assert (f["field_weight"], f["high_order_weight"], f["mean_order"], f["max_order"]) == (
        0.0, 0.0, 2.0, 2.0)
    assert f["coefficient_cv"] == 0.0 and f["field_alignment"] == 0.0
    assert f["scale_ratio"] == pytest.approx(1.0)
    # 3-regular: J = A / 2 has the eigenvalue 3/2 and squared norm 2 m / 4 = 3 n / 4.
    assert f["coupling_rank1"] == pytest.approx((1.5**2) / (3 * 8 / 4))
    z = general_features(_fields([1.0, -2.0, 0.5]))
    assert z["field_weight"] == 1.0 and z["mean_order"] == 1.0 and z["coupling_rank1"] == 0.0
    mixed = general_features(DiagonalHamiltonian(4, {(0,): 1.0, (0, 1): 1.0, (1, 2, 3): 2.0}))
    assert mixed["field_weight"] == pytest.approx(1 / 6)
    assert mixed["high_order_weight"] == pytest.approx(4 / 6)
    assert mixed["mean_order"] == pytest.approx((1 + 2 + 12) / 6)
    assert mixed["max_order"] == 3.0
    assert general_features(DiagonalHamiltonian(2, {}, 1.0)) == dict.fromkeys(
        GENERAL_FEATURE_NAMES, 0.0)


def test_penalty_structure_features():
    # (sum_i w_i s_i)**2 (number partitioning): a rank-1 coupling matrix.
    w = np.arange(5.0, 17.0)
    terms = {(i, j): 2 * w[i] * w[j] for i in range(12) for j in range(i + 1, 12)}
    assert general_features(DiagonalHamiltonian(12, terms))["coupling_rank1"] > 0.85
    # Random signs spread the norm over the spectrum; a sparse graph's Perron share is small.
    assert general_features(sk(30, seed=0))["coupling_rank1"] < 0.2
    assert general_features(erdos_renyi(30, 0.1, seed=0))["coupling_rank1"] < 0.3
    # Pair penalties P (1 - x_u)(1 - x_v): fields P/4 deg, couplings P/4: fully aligned.
    g = regular(8, 3, seed=1)
    pen = {k: 1.0 for k in g.terms} | {(q,): 3.0 for q in range(8)}
    assert general_features(DiagonalHamiltonian(8, pen))["field_alignment"] == pytest.approx(1.0)


def test_features_are_scale_invariant():
    h = DiagonalHamiltonian(5, {(0,): 0.7, (0, 1): -1.2, (1, 2, 3): 0.4, (2, 4): 3.0})
    scaled = DiagonalHamiltonian(5, {k: -7.5 * c for k, c in h.terms.items()})
    a, b = general_features(h), general_features(scaled)
    assert all(a[k] == pytest.approx(b[k], rel=1e-9, abs=1e-12) for k in GENERAL_FEATURE_NAMES)


def test_large_operator_uses_the_sparse_path(monkeypatch):
    import qlstm_optimizer.units as units

    h = weighted_erdos_renyi(40, 0.2, seed=3)
    dense = general_features(h)
    monkeypatch.setattr(units, "DENSE_EIG_QUBITS", 10)
    sparse = general_features(h)
    for name in GENERAL_FEATURE_NAMES:
        assert sparse[name] == pytest.approx(dense[name], rel=1e-8)
