"""Problems: Max-Cut / SK construction, Qiskit round trips, seeded generators, exact optima,
and the optimal QAOA energy search."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qlstm_optimizer.angles import fixed_angles
from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
from qlstm_optimizer.optimum import QAOAOptimum, _Landscape, optimal_qaoa_energy
from qlstm_optimizer.problems import (
    MAX_EXACT_QUBITS,
    SK,
    MaxCut,
    erdos_renyi,
    regular,
    sk,
    weighted_erdos_renyi,
)
from qlstm_optimizer.sim import qaoa_energy

nx = pytest.importorskip("networkx")

# Seeds far from the train/val/test ranges used elsewhere.
SEED = 4_242_001


def brute_force_max_cut(problem: MaxCut) -> float:
    bits = np.array(list(itertools.product([0, 1], repeat=problem.num_nodes)))
    return float(np.max(problem.cut_value(bits)))


def sparse_op_dict(op, atol=1e-12):
    op = op.simplify(atol=atol)
    return {label: complex(c) for label, c in zip(op.paulis.to_labels(), op.coeffs, strict=True)}


def assert_same_operator(a, b):
    da, db = sparse_op_dict(a), sparse_op_dict(b)
    da = {k: v for k, v in da.items() if k != "I" * a.num_qubits or abs(v) > 1e-12}
    db = {k: v for k, v in db.items() if k != "I" * b.num_qubits or abs(v) > 1e-12}
    assert da.keys() == db.keys()
    for k in da:
        assert da[k] == pytest.approx(db[k], abs=1e-12)


# -- construction ----------------------------------------------------------------------------
def test_maxcut_triangle_and_conventions():
    g = MaxCut(3, [(1, 0), (2, 1), (0, 2)], [1.0, 2.0, 3.0])
    assert g.edges.tolist() == [[0, 1], [0, 2], [1, 2]]  # sorted pairs, sorted rows
    assert g.weights.tolist() == [1.0, 3.0, 2.0]
    assert g.terms == {(0, 1): 0.5, (0, 2): 1.5, (1, 2): 1.0}
    assert g.constant == 0.0 and g.offset == -3.0 and g.family == "maxcut"
    # cut = -(E + offset) on every basis state, bits in Qiskit order (qubit q = bit q).
    for k in range(8):
        bits = [(k >> q) & 1 for q in range(3)]
        assert g.cut_value(bits) == pytest.approx(g.cut_from_energy(g.diagonal()[k]))
    assert g.cut_value("110") == g.cut_value([0, 1, 1])  # Qiskit bitstring: qubit 0 is last
    assert g.max_cut_value() == 5.0
    assert g.approximation_ratio(g.ground_energy()) == 1.0
    assert g.approximation_ratio(0.0) == pytest.approx(3.0 / 5.0)  # |+>: half the weight


@pytest.mark.parametrize(
    "args, match",
    [
        ((3, [(0, 0)]), "self-loop"),
        ((3, [(0, 1), (1, 0)]), "duplicate"),
        ((3, [(0, 3)]), "0..2"),
        ((3, [(0, 1)], [1.0, 2.0]), "weights"),
        ((3, [(0, 1)], [np.nan]), "finite"),
    ],
)
def test_maxcut_rejects_bad_graphs(args, match):
    with pytest.raises(ValueError, match=match):
        MaxCut(*args)


def test_sk_construction_and_validation():
    j = np.array([[0, 1, -1], [1, 0, 1], [-1, 1, 0]], dtype=float)
    model = SK(j)
    assert model.terms == pytest.approx({(0, 1): 1 / np.sqrt(3), (0, 2): -1 / np.sqrt(3),
                                         (1, 2): 1 / np.sqrt(3)})
    assert model.family == "sk" and model.constant == 0.0
    np.testing.assert_array_equal(model.coupling_matrix, j)
    with pytest.raises(ValueError, match="symmetric"):
        SK(np.triu(j))
    with pytest.raises(ValueError, match="diagonal"):
        SK(j + np.eye(3))
    with pytest.raises(ValueError, match="square"):
        SK(np.zeros((2, 3)))


def test_problems_keep_the_base_class_api():
    # Attributes of a subclass must not shadow DiagonalHamiltonian methods other code calls.
    for problem in (erdos_renyi(6, 0.5, seed=SEED), sk(6, seed=SEED)):
        for name in dir(DiagonalHamiltonian):
            base = getattr(DiagonalHamiltonian, name)
            if not name.startswith("_") and callable(base) and not isinstance(base, type):
                assert callable(getattr(problem, name)), name


def test_p1_optimum_agrees_with_the_closed_form():
    analytic = pytest.importorskip("qlstm_optimizer.sim.analytic")
    for problem in (erdos_renyi(9, 0.5, seed=SEED), sk(9, seed=SEED, couplings="gaussian")):
        opt = problem.optimal_qaoa_energy(1)
        assert analytic.analytic_p1_energy(problem, opt.x) == pytest.approx(opt.energy, abs=1e-9)


# -- Qiskit round trips ------------------------------------------------------------------------
@pytest.mark.parametrize("weighted", [False, "uniform", "gaussian"])
def test_maxcut_sparse_pauli_op_round_trip(weighted):
    g = erdos_renyi(9, 0.5, seed=SEED, weighted=weighted)
    back = MaxCut.from_sparse_pauli_op(g.to_sparse_pauli_op())
    assert back == g and back.terms == g.terms
    np.testing.assert_array_equal(back.edges, g.edges)
    np.testing.assert_array_equal(back.weights, g.weights)
    # The "-cut" form (operator + offset) is accepted too.
    from qiskit.quantum_info import SparsePauliOp

    shifted = g.to_sparse_pauli_op() + SparsePauliOp("I" * 9, g.offset)
    assert MaxCut.from_sparse_pauli_op(shifted) == g


def test_maxcut_from_sparse_pauli_op_rejects_non_maxcut_terms():
    from qiskit.quantum_info import SparsePauliOp

    with pytest.raises(ValueError, match="Z_i Z_j"):
        MaxCut.from_sparse_pauli_op(SparsePauliOp(["IZZ", "IIZ"], [0.5, 0.1]))
    with pytest.raises(ValueError, match="Z_i Z_j"):
        MaxCut.from_sparse_pauli_op(SparsePauliOp(["ZZZ"], [0.5]))
    with pytest.raises(ValueError, match="not diagonal"):
        MaxCut.from_sparse_pauli_op(SparsePauliOp(["IXZ"], [0.5]))
    odd_constant = SparsePauliOp(["IZZ", "III"], [0.5, 0.3])
    with pytest.raises(ValueError, match="offset"):
        MaxCut.from_sparse_pauli_op(odd_constant)
    assert MaxCut.from_sparse_pauli_op(odd_constant, check_constant=False).terms == {(0, 1): 0.5}


@pytest.mark.parametrize("couplings", ["pm1", "gaussian"])
def test_sk_sparse_pauli_op_round_trip(couplings):
    model = sk(8, seed=SEED, couplings=couplings)
    back = SK.from_sparse_pauli_op(model.to_sparse_pauli_op())
    assert isinstance(back, SK) and back == model
    np.testing.assert_allclose(back.coupling_matrix, model.coupling_matrix, rtol=1e-14, atol=0)
    with pytest.raises(ValueError, match="Z_i Z_j"):
        SK.from_sparse_pauli_op(DiagonalHamiltonian(3, {(0,): 1.0}).to_sparse_pauli_op())


@pytest.mark.parametrize("weighted", [False, "uniform"])
def test_maxcut_matches_qiskit_optimization_to_ising(weighted):
    from qiskit_optimization.applications import Maxcut

    g = erdos_renyi(8, 0.6, seed=SEED + 1, weighted=weighted)
    op, offset = Maxcut(g.to_networkx()).to_quadratic_program().to_ising()
    assert_same_operator(op, g.to_sparse_pauli_op())
    assert offset == pytest.approx(g.offset, abs=1e-12)
    # And back: qiskit-optimization's operator builds the same problem.
    assert MaxCut.from_sparse_pauli_op(op).terms == pytest.approx(g.terms)


def test_networkx_round_trip_and_labels():
    g = weighted_erdos_renyi(7, 0.6, seed=SEED + 2)
    assert MaxCut.from_networkx(g.to_networkx()) == g
    unweighted = nx.cycle_graph(5)
    assert MaxCut.from_networkx(unweighted).weights.tolist() == [1.0] * 5
    with pytest.raises(ValueError, match="relabel"):
        MaxCut.from_networkx(nx.relabel_nodes(unweighted, {0: "a"}))


# -- generators --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda s: erdos_renyi(10, 0.4, seed=s),
        lambda s: erdos_renyi(10, 0.4, seed=s, weighted=True),
        lambda s: erdos_renyi(10, 0.4, seed=s, weighted="gaussian"),
        lambda s: weighted_erdos_renyi(10, 0.4, seed=s),
        lambda s: regular(10, 3, seed=s),
        lambda s: regular(12, 8, seed=s),
        lambda s: sk(9, seed=s),
        lambda s: sk(9, seed=s, couplings="gaussian"),
    ],
)
def test_generators_are_seeded(make):
    a, b, c = make(SEED), make(SEED), make(SEED + 1)
    assert a == b and a.name == b.name and a.seed == SEED
    assert a != c


def test_generator_details():
    assert erdos_renyi(2, 1e-3, seed=SEED).edges.tolist() == [[0, 1]]  # empty draws are redrawn
    assert erdos_renyi(6, 1.0, seed=SEED).weights.size == 15
    w = erdos_renyi(12, 0.5, seed=SEED, weighted="uniform").weights
    assert np.all((w > 0) & (w <= 1)) and len(set(w.tolist())) == w.size
    for n, d in [(10, 1), (10, 3), (11, 4), (10, 7), (9, 8), (16, 5 + 1)]:
        g = regular(n, d, seed=SEED)
        assert np.bincount(g.edges.ravel(), minlength=n).tolist() == [d] * n
    model = sk(7, seed=SEED)
    assert set(np.abs(model.coupling_matrix[np.triu_indices(7, 1)]).tolist()) == {1.0}
    for bad in [lambda: regular(7, 3), lambda: regular(5, 5), lambda: erdos_renyi(5, 0.0),
                lambda: erdos_renyi(1, 0.5), lambda: sk(5, couplings="cauchy"),
                lambda: erdos_renyi(5, 0.5, weighted="heavy")]:
        with pytest.raises(ValueError):
            bad()


# -- exact optima ------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_max_cut_value_matches_brute_force(seed):
    for g in (erdos_renyi(7, 0.5, seed=seed), erdos_renyi(6, 0.7, seed=seed, weighted="gaussian"),
              regular(8, 3, seed=seed)):
        assert g.max_cut_value() == pytest.approx(brute_force_max_cut(g), abs=1e-12)
        assert g.approximation_ratio(g.ground_energy()) == pytest.approx(1.0)


def test_max_cut_value_matches_qiskit_optimization_exact_solver():
    from qiskit_algorithms import NumPyMinimumEigensolver
    from qiskit_optimization.algorithms import MinimumEigenOptimizer
    from qiskit_optimization.applications import Maxcut

    g = weighted_erdos_renyi(7, 0.6, seed=SEED + 3)
    qp = Maxcut(g.to_networkx()).to_quadratic_program()
    result = MinimumEigenOptimizer(NumPyMinimumEigensolver()).solve(qp)
    assert result.fval == pytest.approx(g.max_cut_value(), abs=1e-9)
    assert g.cut_value(np.asarray(result.x, dtype=int)) == pytest.approx(result.fval)


def test_exact_optimum_refuses_huge_instances():
    big = MaxCut(MAX_EXACT_QUBITS + 1, [(0, 1)])
    with pytest.raises(ValueError, match="enumeration"):
        big.max_cut_value()
    with pytest.raises(ValueError, match="enumeration"):
        SK(np.ones((MAX_EXACT_QUBITS + 1,) * 2) - np.eye(MAX_EXACT_QUBITS + 1)).ground_energy()


# -- optimal QAOA energy -----------------------------------------------------------------------
def grid_minimum(h, gamma_max, beta_period=np.pi / 2, nb=64, ng=256):
    b, g = np.meshgrid(np.linspace(-beta_period / 2, beta_period / 2, nb, endpoint=False),
                       np.linspace(0, gamma_max, ng))
    xs = np.column_stack([b.ravel(), g.ravel()])
    return min(float(np.min(qaoa_energy(h, chunk))) for chunk in np.array_split(xs, 8))


@pytest.mark.parametrize(
    "make",
    [
        lambda: erdos_renyi(8, 0.5, seed=SEED + 4),
        lambda: erdos_renyi(8, 0.5, seed=SEED + 5, weighted="uniform"),
        lambda: sk(8, seed=SEED + 6, couplings="gaussian"),
        lambda: DiagonalHamiltonian(6, {(0, 1): 0.7, (1, 2): -0.4, (2,): 0.3, (3, 4, 5): 0.5,
                                        (0, 5): 0.2}, constant=1.5),
    ],
)
def test_p1_optimum_agrees_with_brute_force_grid(make):
    h = make()
    opt = optimal_qaoa_energy(h, 1)
    land = _Landscape(h)
    grid = grid_minimum(h, land.gamma_max, land.beta_period)
    assert opt.energy <= grid + 1e-9  # never worse than the fine grid ...
    assert opt.energy >= grid - 0.02 * abs(grid - h.constant)  # ... and the grid is close to it
    assert qaoa_energy(h, opt.x) == pytest.approx(opt.energy, abs=1e-10)
    # Canonical representative, oriented like angles.fixed_angles (Max-Cut: gamma < 0).
    orientation = -1 if isinstance(h, MaxCut) else 1
    assert orientation * opt.x[1] > 0 and abs(opt.x[0]) <= land.beta_period / 2


@pytest.mark.parametrize("make", [lambda: erdos_renyi(9, 0.5, seed=SEED + 7),
                                  lambda: sk(9, seed=SEED + 8),
                                  lambda: regular(10, 3, seed=SEED + 9, weighted=True)])
def test_optimum_is_monotone_in_p_cached_and_deterministic(make):
    problem = make()
    energies = [problem.optimal_qaoa_energy(p).energy for p in (1, 2, 3)]
    assert energies[0] < problem.uniform_energy
    assert energies[1] <= energies[0] + 1e-12 and energies[2] <= energies[1] + 1e-12
    assert energies[2] < energies[0] - 1e-3  # depth helps on these instances
    opt = problem.optimal_qaoa_energy(3)
    assert problem.optimal_qaoa_energy(3) is opt  # cached
    fresh = make().optimal_qaoa_energy(3)  # deterministic
    assert fresh.energy == opt.energy and np.array_equal(fresh.x, opt.x)
    assert isinstance(opt, QAOAOptimum) and float(opt) == opt.energy and opt.p == 3
    assert qaoa_energy(problem, opt.x) == pytest.approx(opt.energy, abs=1e-10)
    assert problem.rho(opt.energy, 3) == pytest.approx(1.0)
    assert problem.rho(problem.uniform_energy, 3) == 0.0
    np.testing.assert_allclose(problem.rho(np.array([opt.energy, 0.0]), 3), [1.0, 0.0])


def test_optimum_of_constant_and_shifted_hamiltonians():
    flat = optimal_qaoa_energy(DiagonalHamiltonian(3, {}, constant=2.0), 2)
    assert flat.energy == 2.0 and flat.x.shape == (4,)
    g = erdos_renyi(7, 0.5, seed=SEED + 10)
    shifted = DiagonalHamiltonian(7, g.terms, constant=-4.0)
    a, b = g.optimal_qaoa_energy(2), optimal_qaoa_energy(shifted, 2)
    assert b.energy - b.constant == pytest.approx(a.energy - a.constant, abs=1e-9)
    with pytest.raises(ValueError):
        optimal_qaoa_energy(g, 0)


def test_adjoint_gradient_matches_finite_differences():
    rng = np.random.default_rng(SEED)
    h = DiagonalHamiltonian(6, {(0, 1): 0.8, (2, 3): -0.5, (1,): 0.3, (2, 4, 5): 0.4}, 0.5)
    land = _Landscape(h)
    x = rng.normal(size=6)
    energy, grad = land.value_and_grad(x)
    assert energy == pytest.approx(qaoa_energy(h, x), abs=1e-12)
    eye = np.eye(6) * 1e-6
    fd = [(qaoa_energy(h, x + e) - qaoa_energy(h, x - e)) / 2e-6 for e in eye]
    np.testing.assert_allclose(grad, fd, atol=1e-7)


def test_deep_optimum_chain_stops_at_the_ground_state():
    # A 4-cycle: QAOA reaches the max cut at p = 2, so depths >= 4 keep the p-1 optimum (the
    # ground energy bounds every depth) instead of polishing a flat landscape.
    ring = MaxCut(4, [(0, 1), (1, 2), (2, 3), (0, 3)])
    cache: dict = {}
    energies = [optimal_qaoa_energy(ring, p, cache=cache).energy for p in range(1, 7)]
    ground = ring.ground_energy()
    assert all(e >= ground - 1e-9 for e in energies)
    assert all(b <= a + 1e-12 for a, b in zip(energies, energies[1:], strict=False))
    assert energies[2] == pytest.approx(ground, abs=1e-6)
    assert energies[5] == energies[4] == energies[3]
    for p in (4, 6):  # the kept point is a valid depth-p schedule with that energy
        assert qaoa_energy(ring, cache[p].x) == pytest.approx(cache[p].energy, abs=1e-10)


def test_deep_optimum_improves_with_depth_beyond_three():
    # From p = 4 the search adds the FOURIER lift and a looser polish tolerance: still monotone,
    # still exact at its point, and below the published-table start.
    g = regular(10, 3, seed=SEED + 11)
    cache: dict = {}
    energies = [optimal_qaoa_energy(g, p, cache=cache).energy for p in range(1, 7)]
    assert all(b <= a + 1e-12 for a, b in zip(energies, energies[1:], strict=False))
    assert energies[5] < energies[3] - 1e-3
    assert qaoa_energy(g, cache[6].x) == pytest.approx(energies[5], abs=1e-10)
    assert energies[5] <= qaoa_energy(g, fixed_angles("maxcut", 6)) + 1e-12
