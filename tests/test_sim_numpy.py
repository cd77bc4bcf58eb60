"""NumPy QAOA simulator: agreement with Qiskit, batching, sampling, input validation."""

from __future__ import annotations

import gc
import warnings

import numpy as np
import pytest
from qiskit.quantum_info import SparsePauliOp, Statevector
from scipy.linalg import expm

from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
from qlstm_optimizer.sim import mixer
from qlstm_optimizer.sim import numpy_qaoa as nq
from qlstm_optimizer.sim.numpy_qaoa import (
    StatevectorTooLargeError,
    apply_mixer,
    check_parameters,
    qaoa_energy,
    qaoa_probabilities,
    qaoa_state,
    qaoa_statevectors,
    sampled_energy,
)

try:
    from qiskit.circuit.library import qaoa_ansatz
except ImportError:  # Qiskit < 2.1 has only the class
    qaoa_ansatz = None


def instance(kind: str, n: int, seed: int) -> DiagonalHamiltonian:
    """Weighted Max-Cut-like ZZ, SK-like dense couplings, or either plus linear fields."""
    rng = np.random.default_rng(seed)
    if kind == "maxcut":
        terms = {(i, j): rng.uniform(0.1, 1) / 2 for i in range(n) for j in range(i + 1, n)
                 if rng.random() < 0.5}
    elif kind == "sk":
        terms = {(i, j): rng.choice([-1.0, 1.0]) / np.sqrt(n)
                 for i in range(n) for j in range(i + 1, n)}
    elif kind == "ising":
        terms = {(i, j): rng.normal() for i in range(n) for j in range(i + 1, n)
                 if rng.random() < 0.7}
        terms.update({(i,): rng.normal() for i in range(n)})
    else:
        raise ValueError(kind)
    return DiagonalHamiltonian(n, terms, rng.normal())


def qiskit_energy(op: SparsePauliOp, x: np.ndarray, p: int) -> float:
    circuit = qaoa_ansatz(op, reps=p).assign_parameters(x)
    return float(Statevector(circuit).expectation_value(op).real)


SIMPLE_GATES = {"h", "rx", "rz", "rzz", "u", "cx", "r", "p", "x"}


def qiskit_class_circuit(op: SparsePauliOp, x: np.ndarray, p: int, decompose: bool):
    from qiskit.circuit.library import QAOAAnsatz

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        circuit = QAOAAnsatz(op, reps=p).assign_parameters(x)
        # Statevector would exponentiate each PauliEvolutionGate as a dense 2**n matrix
        # (~40 s at n = 10): synthesise the gates first for the larger sizes.
        for _ in range(5):
            if not decompose or set(circuit.count_ops()) <= SIMPLE_GATES:
                break
            circuit = circuit.decompose()
    return circuit


CASES = [(kind, n, p) for kind in ("maxcut", "sk", "ising") for n, p in
         [(1, 1), (2, 2), (3, 3), (5, 1), (6, 2), (8, 3), (10, 1), (10, 3)]
         if n > 1 or kind == "ising"]  # a 1-qubit ZZ-only instance has no terms (no gamma)


@pytest.mark.skipif(qaoa_ansatz is None, reason="needs qiskit.circuit.library.qaoa_ansatz")
@pytest.mark.parametrize("kind,n,p", CASES)
def test_energy_matches_qiskit_qaoa_ansatz_function(kind, n, p):
    h = instance(kind, n, seed=1000 * n + 10 * p + len(kind))
    op = h.to_sparse_pauli_op()
    rng = np.random.default_rng(n + p)
    for x in rng.uniform(-np.pi, np.pi, (2, 2 * p)):
        assert qaoa_energy(h, x) == pytest.approx(qiskit_energy(op, x, p), abs=1e-9)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
# Qiskit exponentiates the class's evolution gates with SciPy, which warns about sparse formats.
@pytest.mark.filterwarnings("ignore::scipy.sparse.SparseEfficiencyWarning")
@pytest.mark.parametrize("kind,n,p", [("maxcut", 4, 2), ("ising", 5, 3), ("sk", 6, 1),
                                      ("ising", 8, 2), ("sk", 10, 3)])
def test_energy_matches_qiskit_qaoa_ansatz_class(kind, n, p):
    """The literal ``Statevector(QAOAAnsatz(H, reps=p).assign_parameters(x))`` for n <= 6; the
    same circuit with its evolution gates synthesised for larger n (see qiskit_class_circuit)."""
    h = instance(kind, n, seed=7 * n + p)
    op = h.to_sparse_pauli_op()
    x = np.random.default_rng(n).uniform(-2, 2, 2 * p)
    circuit = qiskit_class_circuit(op, x, p, decompose=n > 6)
    expected = Statevector(circuit).expectation_value(op).real
    assert qaoa_energy(op, x) == pytest.approx(expected, abs=1e-9)


@pytest.mark.skipif(qaoa_ansatz is None, reason="needs qiskit.circuit.library.qaoa_ansatz")
@pytest.mark.parametrize("n,p", [(3, 1), (7, 2)])
def test_state_and_probabilities_match_qiskit(n, p):
    h = instance("ising", n, seed=n)
    op = h.to_sparse_pauli_op()
    x = np.random.default_rng(3).uniform(-2, 2, 2 * p)
    ref = Statevector(qaoa_ansatz(op, reps=p).assign_parameters(x))
    probs = qaoa_probabilities(h, x)
    assert probs.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(probs, ref.probabilities(), atol=1e-12)  # same basis order
    overlap = abs(np.vdot(ref.data, qaoa_state(h, x)))  # equal up to a global phase
    assert overlap == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("n", [1, 2, 4, 5, 6, 7])
def test_mixer_matches_dense_exponential(n):
    rng = np.random.default_rng(n)
    states = rng.normal(size=(3, 2**n)) + 1j * rng.normal(size=(3, 2**n))
    betas = np.array([0.0, np.pi / 2, rng.uniform(-3, 3)])
    x = np.array([[0, 1], [1, 0]])
    sum_x = sum(np.kron(np.kron(np.eye(2 ** (n - 1 - q)), x), np.eye(2**q)) for q in range(n))
    for state, beta, out in zip(states, betas, apply_mixer(states.copy(), betas, n), strict=True):
        np.testing.assert_allclose(out, expm(-1j * beta * sum_x) @ state, atol=1e-12)


@pytest.mark.parametrize("n", range(1, 25))
def test_mixer_blocks_cover_all_qubits(n):
    blocks = mixer._blocks(n)
    assert sum(blocks) == n and max(blocks) <= mixer._MIXER_BLOCK


def test_batch_equals_single_and_shapes():
    h = instance("ising", 7, seed=2)
    xs = np.random.default_rng(0).uniform(-2, 2, (6, 4))
    batch = qaoa_energy(h, xs)
    assert batch.shape == (6,)
    np.testing.assert_allclose(batch, [qaoa_energy(h, x) for x in xs], atol=1e-13)
    assert isinstance(qaoa_energy(h, xs[0]), float)
    assert qaoa_state(h, xs).shape == (6, 2**7) and qaoa_probabilities(h, xs).shape == (6, 2**7)
    raw = qaoa_statevectors(np.array(h.diagonal()), xs)  # a writeable copy: no cached plan
    np.testing.assert_allclose(raw, qaoa_state(h, xs), atol=1e-13)


def test_uniform_superposition_has_the_constant_energy():
    h = instance("maxcut", 6, seed=4)
    assert qaoa_energy(h, [0.0, 0.0, 0.0, 0.0]) == pytest.approx(h.constant, abs=1e-12)


@pytest.mark.parametrize("weights", ["integer", "quarter", "real"])
def test_level_plan_gives_the_same_energies(weights, monkeypatch):
    """Grid-valued diagonals use per-level phases; results equal the per-state path."""
    rng = np.random.default_rng(5)
    n = 9
    if weights == "integer":
        terms = {(i, j): 0.5 for i in range(n) for j in range(i + 1, n) if rng.random() < 0.5}
    elif weights == "quarter":
        terms = {(i, j): 0.25 * rng.integers(1, 5) for i in range(n) for j in range(i + 1, n)}
        terms.update({(i,): -0.75 for i in range(n)})
    else:
        terms = {(i, j): rng.normal() for i in range(n) for j in range(i + 1, n)}
    h = DiagonalHamiltonian(n, terms, 0.3)
    monkeypatch.setattr(nq, "_FOLD_MIN_QUBITS", 2)  # n = 9: fold here too
    plan, symmetric = nq._phase_plan(h.diagonal())
    assert (plan is None) == (weights == "real")
    assert symmetric == (weights != "quarter")  # linear Z terms break the flip symmetry
    xs = rng.uniform(-3, 3, (4, 6))
    fast = qaoa_energy(h, xs)
    monkeypatch.setattr(nq, "_phase_plan", lambda diagonal: (None, False))
    np.testing.assert_allclose(fast, qaoa_energy(h, xs), atol=1e-12)


@pytest.mark.parametrize("n", [2, 3, 8, 11])
def test_flip_symmetric_fold_equals_the_full_simulation(n, monkeypatch):
    """Max-Cut/SK (even Z products only): simulating half the amplitudes gives the same states
    and energies as the full simulation, for single vectors and batches."""
    monkeypatch.setattr(nq, "_FOLD_MIN_QUBITS", 2)  # fold every size here
    nq._PLANS.clear()
    rng = np.random.default_rng(n)
    terms = {(i, j): rng.normal() for i in range(n) for j in range(i + 1, n)}
    if n >= 4:
        terms[(0, 1, 2, 3)] = 0.3  # even-order products keep the symmetry too
    h = DiagonalHamiltonian(n, terms, -0.2)
    assert nq._phase_plan(h.diagonal())[1]
    xs = rng.uniform(-3, 3, (3, 6))
    folded_e, folded_s = qaoa_energy(h, xs), qaoa_state(h, xs)
    monkeypatch.setattr(nq, "_FOLD_MIN_QUBITS", 64)  # never fold
    nq._PLANS.clear()
    np.testing.assert_allclose(folded_e, qaoa_energy(h, xs), atol=1e-12)
    np.testing.assert_allclose(folded_s, qaoa_state(h, xs), atol=1e-12)


def test_sparse_pauli_op_input_is_cached_and_equal():
    h = instance("ising", 6, seed=8)
    op = h.to_sparse_pauli_op()
    x = [0.2, -0.4]
    assert qaoa_energy(op, x) == pytest.approx(qaoa_energy(h, x), abs=1e-12)
    from qlstm_optimizer.hamiltonian import as_hamiltonian

    assert as_hamiltonian(op) is as_hamiltonian(op)


def test_non_diagonal_term_raises_naming_it():
    op = SparsePauliOp.from_list([("IZZ", 1.0), ("XIZ", 0.5)])
    with pytest.raises(ValueError, match="'XIZ'"):
        qaoa_energy(op, [0.1, 0.2])


@pytest.mark.parametrize("x,p,match", [
    ([0.1, 0.2, 0.3], None, "even length"),
    ([], None, "even length"),
    ([0.1, 0.2], 2, "depth p=2 needs 4"),
    ([0.1, np.nan], None, "NaN"),
    ([np.inf, 0.2], None, "NaN or inf"),
    (np.zeros((2, 2, 2)), None, "vector or a 2-D batch"),
    (["a", "b"], None, "real vector"),
])
def test_bad_parameters_raise(x, p, match):
    h = DiagonalHamiltonian(2, {(0, 1): 1.0})
    with pytest.raises(ValueError, match=match):
        qaoa_energy(h, x, p=p)
    with pytest.raises(ValueError, match=match):
        check_parameters(x, p)


def test_statevector_too_large_points_to_analytic():
    big = DiagonalHamiltonian(31, {(0, 1): 1.0})  # never allocated: the check comes first
    with pytest.raises(StatevectorTooLargeError, match="analytic_p1_energy"):
        qaoa_energy(big, [0.1, 0.2])


def test_statevector_batch_over_limit(monkeypatch):
    monkeypatch.setattr(nq, "MAX_STATEVECTOR_BYTES", 2**10 * 16 * 3)
    h = DiagonalHamiltonian(10, {(0, 1): 1.0})
    qaoa_energy(h, np.zeros((3, 2)))  # exactly at the limit: fine
    with pytest.raises(StatevectorTooLargeError, match="smaller batch"):
        qaoa_energy(h, np.zeros((4, 2)))
    assert issubclass(StatevectorTooLargeError, MemoryError)


def test_sampled_energy_converges_and_is_reproducible():
    h = instance("ising", 6, seed=9)
    x = np.array([0.4, -0.3, 0.7, 0.2])
    exact = qaoa_energy(h, x)
    probs = qaoa_probabilities(h, x)
    shots = 20_000
    std_err = np.sqrt(probs @ (h.diagonal() - exact) ** 2 / shots)
    estimate = sampled_energy(h, x, shots=shots, seed=123)
    assert abs(estimate - exact) < 5 * std_err
    assert estimate == sampled_energy(h, x, shots=shots, seed=123)
    assert estimate != sampled_energy(h, x, shots=shots, seed=124)
    # Many independent small-shot estimates: their mean converges at the standard-error rate.
    many = sampled_energy(h, np.tile(x, (200, 1)), shots=100, seed=np.random.default_rng(1))
    assert many.shape == (200,)
    assert abs(many.mean() - exact) < 5 * std_err * np.sqrt(shots / (200 * 100))


def test_sampled_energy_rejects_bad_shots():
    h = DiagonalHamiltonian(2, {(0, 1): 1.0})
    for shots in (0, -3, 2.5):
        with pytest.raises(ValueError, match="shots"):
            sampled_energy(h, [0.1, 0.2], shots=shots)


def test_phase_plan_dies_with_the_hamiltonian():
    h = DiagonalHamiltonian(8, {(0, 1): 0.5, (1, 2): 0.5})
    qaoa_energy(h, [0.1, 0.2])
    key = id(h.diagonal())
    assert nq._PLANS[key][1][0] is not None  # integer-grid energies: a level plan
    del h
    gc.collect()
    assert key not in nq._PLANS
