"""NumPy QAOA simulator: agreement with Qiskit, batching, sampling, input validation."""

from __future__ import annotations

import gc
import warnings

import numpy as np
import pytest
from qiskit.quantum_info import SparsePauliOp, Statevector
from scipy.linalg import expm

from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
from qlstm_optimizer.sim import engine, in_place, mixer
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


@pytest.mark.parametrize("n", [3, 6, 7, 8, 9, 10, 13, 16])
def test_a_vector_has_the_same_energy_to_the_last_bit_alone_or_in_any_batch(n, monkeypatch):
    """Optimizers compare energies of points evaluated in different batch shapes (the Optuna
    sampler asks the points minimize_qaoa evaluates): no strategy may change the rounding."""
    xs = np.random.default_rng(n).uniform(-2, 2, (9, 4))
    # weighted (phases from cos and sin) and unit weights (a level plan)
    hamiltonians = (instance("maxcut", n, seed=n), unit_maxcut(n, seed=n))
    singles = [np.array([qaoa_energy(h, x) for x in xs]) for h in hamiltonians]
    for h, single in zip(hamiltonians, singles, strict=True):
        np.testing.assert_array_equal(qaoa_energy(h, xs), single)
        np.testing.assert_array_equal(qaoa_energy(h, xs[3:5]), single[3:5])
        for p in (1, 3, 7):  # single calls take their own path (sim.single) at every depth
            deep = np.random.default_rng(n + p).uniform(-2, 2, (3, 2 * p))
            np.testing.assert_array_equal(qaoa_energy(h, deep), [qaoa_energy(h, x) for x in deep])
    monkeypatch.setattr(engine, "BATCH_MAX_AMPLITUDES", 2 ** (n - 1))  # sub-batches of 1-2
    engine._PLANS.clear()
    for h, single in zip(hamiltonians, singles, strict=True):
        np.testing.assert_array_equal(qaoa_energy(h, xs), single)


def unit_maxcut(n: int, seed: int) -> DiagonalHamiltonian:
    """Unit-weight Max-Cut on G(n, 1/2): integer-grid energies, so the plan has levels."""
    rng = np.random.default_rng(seed)
    terms = {(i, j): 0.5 for i in range(n) for j in range(i + 1, n) if rng.random() < 0.5}
    return DiagonalHamiltonian(n, terms, -0.5 * len(terms))


@pytest.mark.parametrize("n", [6, 7, 8])
def test_one_exponential_gives_the_separate_mixer_and_phase_values_to_the_bit(n):
    """Small Walsh plans with levels take every exponential of a call at once
    (engine._walsh_and_table): the same mixer blocks and phases, to the last bit, as
    walsh_mixer_matrices and the phase table built separately (so the energies of the bundled
    models' runs did not change)."""
    h = unit_maxcut(n, seed=n)
    plan = engine.get_plan(h.diagonal())
    assert plan.walsh and plan.exponents is not None
    for batch, p in ((1, 1), (1, 3), (5, 2)):
        params = np.random.default_rng(batch + p).uniform(-3, 3, (batch, 2 * p))
        mats, table = engine._walsh_and_table(plan, params)
        separate = mixer.walsh_mixer_matrices(params[:, :p], plan.sizes)
        assert mats.keys() == separate.keys()
        for k in mats:
            np.testing.assert_array_equal(mats[k], separate[k])
        np.testing.assert_array_equal(
            table, engine._phase_table(plan, plan.part(h.diagonal()), params[:, p:]))


def test_finiteness_check_survives_an_overflowing_dot_product():
    """check_parameters tests x . x first: huge finite angles overflow it and must still pass
    (the exact test decides) without a RuntimeWarning from the overflow; NaN and inf anywhere
    must fail, also beyond the dot's size."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the silenced overflow must not surface as a warning
        assert check_parameters([1e200, -1e200])[0].tolist() == [[1e200, -1e200]]
        assert check_parameters([1e154, 1e155])[0].tolist() == [[1e154, 1e155]]
        assert np.isfinite(qaoa_energy(DiagonalHamiltonian(2, {(0, 1): 1.0}), [1e200, 1e200]))
        # one vector: its Python sum overflows (the exact check decides) or cancels
        assert check_parameters([1.7e308, 1.7e308])[0].tolist() == [[1.7e308, 1.7e308]]
        assert check_parameters(np.array([1e308, -1e308]))[1]
    for bad in (np.nan, np.inf, -np.inf):
        with pytest.raises(ValueError, match="NaN or inf"):
            check_parameters([1e-300, bad])
        with pytest.raises(ValueError, match="NaN or inf"):
            qaoa_energy(DiagonalHamiltonian(2, {(0, 1): 1.0}), [bad, -bad])
        big = np.zeros((engine._DOT_MAX, 2))
        big[-1, -1] = bad
        with pytest.raises(ValueError, match="NaN or inf"):
            check_parameters(big)


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
    monkeypatch.setattr(engine, "_FOLD_MIN_QUBITS", 2)  # n = 9: fold here too
    monkeypatch.setattr(engine, "_PLANS", type(engine._PLANS)())
    plan = engine.get_plan(h.diagonal())
    assert (plan.levels is None) == (weights == "real")
    assert plan.folded == (weights != "quarter")  # linear Z terms break the flip symmetry
    xs = rng.uniform(-3, 3, (4, 6))
    fast = qaoa_energy(h, xs)
    monkeypatch.setattr(engine, "_find_levels", lambda diagonal: None)
    monkeypatch.setattr(engine, "_FOLD_MIN_QUBITS", 64)
    monkeypatch.setattr(engine, "_PLANS", type(engine._PLANS)())
    np.testing.assert_allclose(fast, qaoa_energy(h, xs), atol=1e-12)


@pytest.mark.parametrize("n", [2, 3, 8, 11])
def test_flip_symmetric_fold_equals_the_full_simulation(n, monkeypatch):
    """Max-Cut/SK (even Z products only): simulating half the amplitudes gives the same states
    and energies as the full simulation, for single vectors and batches."""
    monkeypatch.setattr(engine, "_FOLD_MIN_QUBITS", 2)  # fold every size here
    monkeypatch.setattr(engine, "_PLANS", type(engine._PLANS)())
    rng = np.random.default_rng(n)
    terms = {(i, j): rng.normal() for i in range(n) for j in range(i + 1, n)}
    if n >= 4:
        terms[(0, 1, 2, 3)] = 0.3  # even-order products keep the symmetry too
    h = DiagonalHamiltonian(n, terms, -0.2)
    assert engine.get_plan(h.diagonal()).folded
    xs = rng.uniform(-3, 3, (3, 6))
    folded_e, folded_s = qaoa_energy(h, xs), qaoa_state(h, xs)
    monkeypatch.setattr(engine, "_FOLD_MIN_QUBITS", 64)  # never fold
    engine._PLANS.clear()
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


def test_low_level_functions_name_a_bad_params_shape():
    from qlstm_optimizer.sim.numpy_qaoa import qaoa_diagonal_energies

    diag = np.array([1.0, -1.0, -1.0, 1.0])
    for call in (qaoa_diagonal_energies, qaoa_statevectors):
        with pytest.raises(ValueError, match=r"params must be a \(B, 2p\) batch"):
            call(diag, np.zeros(2))
        with pytest.raises(ValueError, match="even length"):
            call(diag, np.zeros((1, 3)))


def test_statevector_too_large_points_to_analytic():
    big = DiagonalHamiltonian(31, {(0, 1): 1.0})  # never allocated: the check comes first
    with pytest.raises(StatevectorTooLargeError, match="analytic_p1_energy"):
        qaoa_energy(big, [0.1, 0.2])


def test_statevector_batch_over_limit(monkeypatch):
    """Returned states count in full; energies of a large batch do not (one row at a time)."""
    monkeypatch.setattr(nq, "MAX_STATEVECTOR_BYTES", nq.memory_needed(10, 3, states=True))
    h = DiagonalHamiltonian(10, {(0, 1): 1.0})
    h.diagonal()
    qaoa_state(h, np.zeros((3, 2)))  # exactly at the limit: fine
    with pytest.raises(StatevectorTooLargeError, match="smaller batch") as info:
        qaoa_state(h, np.zeros((4, 2)))
    assert "4 statevector(s) of 2**10" in str(info.value) and "limit" in str(info.value)
    assert qaoa_energy(h, np.zeros((400, 2))).shape == (400,)
    assert issubclass(StatevectorTooLargeError, MemoryError)


def test_memory_check_uses_the_peak_and_the_diagonal_build():
    """28 qubits: a 4 GiB statevector; with the measured peak and the diagonal to build it
    needs far more than the 4 GiB budget and is refused before anything is allocated."""
    need = nq.memory_needed(28, diagonal_built=False)
    assert need >= 16 * 2**28 * nq.PEAK_STATE_FACTOR + 1.5 * 8 * 2**28
    match = r"28 qubits needs about \d+\.\d GiB"
    with pytest.raises(StatevectorTooLargeError, match=match) as info:
        qaoa_energy(DiagonalHamiltonian(28, {(0, 1): 1.0}), [0.1, 0.2])
    assert "limit 4.0 GiB" in str(info.value) and "MAX_STATEVECTOR_BYTES" in str(info.value)
    # 26 qubits passes the check (4 x less) and then builds: monkeypatch the budget instead.
    assert nq.memory_needed(26, diagonal_built=False) < nq.MAX_STATEVECTOR_BYTES


def test_memory_check_counts_an_unbuilt_diagonal(monkeypatch):
    h = DiagonalHamiltonian(12, {(0, 1): 1.0})
    monkeypatch.setattr(nq, "MAX_STATEVECTOR_BYTES", nq.memory_needed(12))
    with pytest.raises(StatevectorTooLargeError, match="12 qubits"):
        qaoa_energy(h, [0.1, 0.2])  # the diagonal is not built yet: it would not fit
    assert "_diagonal" not in vars(h)  # refused before building it
    h.diagonal()
    assert isinstance(qaoa_energy(h, [0.1, 0.2]), float)  # built: the evaluation alone fits


@pytest.mark.parametrize("kind,n", [("maxcut", 11), ("sk", 11), ("ising", 9), ("real", 10),
                                    ("maxcut", 4), ("ising", 1), ("maxcut", 13), ("ising", 12)])
def test_in_place_chunked_path_equals_the_batched_path(kind, n, monkeypatch):
    """The one-vector-in-place strategy (large states) gives the batched strategy's energies
    and states; small chunks exercise every chunk loop (and the compact level index)."""
    if kind == "real":
        rng = np.random.default_rng(n)
        h = DiagonalHamiltonian(n, {(i, (i + 1) % n): rng.normal() for i in range(n)})
    else:
        h = instance(kind, n, seed=n)
    xs = np.random.default_rng(1).uniform(-3, 3, (3, 6))
    batched_e, batched_s = qaoa_energy(h, xs), qaoa_state(h, xs)
    monkeypatch.setattr(in_place, "CHUNK", 2**5)
    monkeypatch.setattr(engine, "IN_PLACE_MIN_AMPLITUDES", 1)  # always one vector in place
    monkeypatch.setattr(engine, "_PLANS", type(engine._PLANS)())
    assert engine.rows_per_batch(engine.get_plan(h.diagonal())) == 0
    np.testing.assert_allclose(qaoa_energy(h, xs), batched_e, atol=1e-12)
    np.testing.assert_allclose(qaoa_state(h, xs), batched_s, atol=1e-12)
    assert qaoa_energy(h, xs[0]) == pytest.approx(batched_e[0], abs=1e-12)


def test_strategy_by_size(monkeypatch):
    """Small states in sub-batches (a split batch gives the one-batch energies), large ones one
    at a time in place."""
    h = instance("maxcut", 12, seed=1)
    plan = engine.get_plan(h.diagonal())
    assert engine.rows_per_batch(plan) == engine.BATCH_MAX_AMPLITUDES // 2**11
    xs = np.random.default_rng(2).uniform(-2, 2, (40, 4))
    whole = qaoa_energy(h, xs)
    monkeypatch.setattr(engine, "BATCH_MAX_AMPLITUDES", 3 * 2**11)  # sub-batches of 3 rows
    assert engine.rows_per_batch(plan) == 3
    np.testing.assert_allclose(qaoa_energy(h, xs), whole, atol=1e-12)
    singles = np.array([qaoa_state(h, x) for x in xs[:7]])
    np.testing.assert_allclose(qaoa_state(h, xs[:7]), singles, atol=1e-12)
    large = DiagonalHamiltonian(19, {(0, 1): 1.0})  # 2**18 folded amplitudes: in place
    assert engine.rows_per_batch(engine.get_plan(large.diagonal())) == 0


def test_peak_memory_of_an_evaluation_is_within_the_factor(monkeypatch):
    """tracemalloc peak of a first evaluation (level plan built) and a steady one, beyond the
    diagonal, for folded and unfolded Hamiltonians, against PEAK_STATE_FACTOR statevectors.
    (Chunks shrunk so that n = 16 behaves as n = 24 does with the real chunk size.)"""
    import tracemalloc

    monkeypatch.setattr(in_place, "CHUNK", 2**9)
    monkeypatch.setattr(engine, "IN_PLACE_MIN_AMPLITUDES", 2**10)
    n = 16
    for h in (instance("maxcut", n, seed=3), DiagonalHamiltonian(
            n, {**{(i, (i + 1) % n): 1.0 for i in range(n)}, **{(i,): 0.5 for i in range(n)}})):
        h.diagonal()
        x = np.array([0.3, -0.2, 0.5, 0.1, -0.4, 0.2])
        for _ in range(2):  # first call (builds the level index), then a steady call
            tracemalloc.start()
            qaoa_energy(h, x)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            # (the fixed allowance scaled like the chunk: 2**9 instead of 2**16 amplitudes)
            allowance = nq.PEAK_EXTRA_BYTES * 2**9 / 2**16
            assert peak <= nq.PEAK_STATE_FACTOR * 16 * 2**n + allowance, peak / (16 * 2**n)


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
    assert engine._PLANS[key][1].levels is not None  # integer-grid energies: a level plan
    del h
    gc.collect()
    assert key not in engine._PLANS
