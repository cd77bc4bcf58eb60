"""DiagonalHamiltonian: diagonal and bit order, Qiskit round trip, couplings, conversion cache."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from qiskit.quantum_info import SparsePauliOp

from qlstm_optimizer import hamiltonian as hm
from qlstm_optimizer.hamiltonian import DiagonalHamiltonian, as_hamiltonian


def random_hamiltonian(n: int, seed: int, higher: bool = True) -> DiagonalHamiltonian:
    rng = np.random.default_rng(seed)
    terms = {(i, j): rng.normal() for i in range(n) for j in range(i + 1, n) if rng.random() < 0.6}
    terms.update({(i,): rng.normal() for i in range(n) if rng.random() < 0.5})
    if higher and n >= 3:
        terms[tuple(sorted(rng.choice(n, 3, replace=False).tolist()))] = rng.normal()
    return DiagonalHamiltonian(n, terms, rng.normal())


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_diagonal_matches_qiskit_matrix(n):
    h = random_hamiltonian(n, seed=n)
    matrix = h.to_sparse_pauli_op().to_matrix()
    assert np.allclose(matrix, np.diag(np.diag(matrix)))  # Z-only operator is diagonal
    np.testing.assert_allclose(h.diagonal(), np.diag(matrix).real, atol=1e-12)


@pytest.mark.parametrize("n", [1, 4, 9, 12])
def test_diagonal_matches_energy_of_bits(n):
    h = random_hamiltonian(n, seed=10 + n)
    bits = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
    np.testing.assert_allclose(h.diagonal(), h.energy_of_bits(bits), atol=1e-12)


def test_bit_order_is_qiskit_little_endian():
    h = DiagonalHamiltonian(3, {(0,): 1.0})  # Z_0: -1 exactly when bit 0 (the lowest) is set
    assert h.diagonal().tolist() == [1, -1, 1, -1, 1, -1, 1, -1]
    assert not h.diagonal().flags.writeable


def test_sparse_pauli_op_round_trip():
    h = random_hamiltonian(6, seed=3)
    op = h.to_sparse_pauli_op()
    assert DiagonalHamiltonian.from_sparse_pauli_op(op) == h
    assert DiagonalHamiltonian.from_sparse_pauli_op(
        SparsePauliOp.from_list([("IZZ", 1.0), ("IZZ", 0.5), ("III", 2.0)])
    ) == DiagonalHamiltonian(3, {(0, 1): 1.5}, 2.0)
    empty = DiagonalHamiltonian(2)
    assert DiagonalHamiltonian.from_sparse_pauli_op(empty.to_sparse_pauli_op()) == empty


def test_non_diagonal_and_complex_terms_rejected():
    with pytest.raises(ValueError, match="'XZ'.*not diagonal"):
        as_hamiltonian(SparsePauliOp.from_list([("ZZ", 1.0), ("XZ", 0.5)]))
    with pytest.raises(ValueError, match="'YI'"):
        DiagonalHamiltonian.from_sparse_pauli_op(SparsePauliOp.from_list([("YI", 1.0)]))
    with pytest.raises(ValueError, match="complex coefficient"):
        as_hamiltonian(SparsePauliOp.from_list([("ZI", 1.0 + 0.5j)]))


def test_constructor_validation_and_normalisation():
    h = DiagonalHamiltonian(3, {(1, 0): 1.0, (0, 1): 0.5, (2,): 0.0, (): 2.0}, constant=1.0)
    assert h.terms == {(0, 1): 1.5} and h.constant == 3.0
    for bad in [0, -1, 1.5]:
        with pytest.raises(ValueError, match="num_qubits"):
            DiagonalHamiltonian(bad)
    with pytest.raises(ValueError, match="repeats a qubit"):
        DiagonalHamiltonian(2, {(0, 0): 1.0})
    with pytest.raises(ValueError, match="outside"):
        DiagonalHamiltonian(2, {(0, 2): 1.0})
    with pytest.raises(ValueError, match="non-finite"):
        DiagonalHamiltonian(2, {(0, 1): np.nan})
    with pytest.raises(ValueError, match="constant"):
        DiagonalHamiltonian(2, {}, np.inf)


def test_structure_views():
    h = DiagonalHamiltonian(4, {(0, 2): 0.5, (1, 3): -1.0, (2,): 0.25, (0, 1, 2): 2.0}, 1.0)
    assert h.linear.tolist() == [0, 0, 0.25, 0]
    assert h.quadratic[0, 2] == h.quadratic[2, 0] == 0.5 and h.quadratic[1, 3] == -1.0
    pairs, weights = h.couplings()
    assert pairs.tolist() == [[0, 2], [1, 3]] and weights.tolist() == [0.5, -1.0]
    assert h.max_order == 3 and h.num_terms == 4
    assert h.coefficient_norm() == pytest.approx(np.sqrt(0.25 + 1 + 0.0625 + 4))
    assert h.without_constant().constant == 0 and h.without_constant().terms == h.terms
    assert hash(h) == hash(DiagonalHamiltonian(4, dict(h.terms), 1.0))
    empty_pairs, empty_weights = DiagonalHamiltonian(2, {(0,): 1.0}).couplings()
    assert empty_pairs.shape == (0, 2) and empty_weights.shape == (0,)


def test_ground_energy():
    h = DiagonalHamiltonian(3, {(0, 1): 1.0, (1, 2): 1.0})  # antiferromagnetic chain
    assert h.ground_energy() == -2.0


def test_too_many_qubits_for_a_diagonal_fails_before_allocating():
    h = DiagonalHamiltonian(hm.MAX_DIAGONAL_QUBITS + 1, {(0, 1): 1.0})
    with pytest.raises(MemoryError, match="analytic_p1_energy"):
        h.diagonal()


def test_conversion_cache_reuses_and_invalidates():
    op = DiagonalHamiltonian(3, {(0, 1): 0.5, (2,): 1.0}).to_sparse_pauli_op()
    first = as_hamiltonian(op)
    assert as_hamiltonian(op) is first  # same unmodified object: cached
    twin = op.copy()
    assert as_hamiltonian(twin) == first  # equal content, another object: converted again
    op.coeffs[0] = 7.0  # mutate in place: the cache must notice
    changed = as_hamiltonian(op)
    assert changed is not first and 7.0 in changed.terms.values()


def test_conversion_cache_is_bounded():
    ops = [DiagonalHamiltonian(2, {(0,): float(k + 1)}).to_sparse_pauli_op() for k in range(40)]
    for op in ops:
        as_hamiltonian(op)
    assert len(hm._OP_CACHE) <= hm._OP_CACHE_SIZE


def test_as_hamiltonian_rejects_other_types():
    with pytest.raises(TypeError, match="SparsePauliOp"):
        as_hamiltonian(np.eye(2))


def test_conversion_cache_entry_dies_with_the_operator():
    op = DiagonalHamiltonian(3, {(0, 1): 0.5}).to_sparse_pauli_op()
    as_hamiltonian(op)
    key = id(op)
    assert key in hm._OP_CACHE
    del op
    gc.collect()
    assert key not in hm._OP_CACHE


def test_diagonal_memory_guard_names_the_size_and_the_limit(monkeypatch):
    h = DiagonalHamiltonian(20, {(0, 1): 1.0})
    monkeypatch.setattr(hm, "MAX_DIAGONAL_BYTES", hm.diagonal_build_bytes(20) - 1)
    match = r"20 qubits needs 16\.0 MiB to build \(limit 16\.0 MiB"
    with pytest.raises(MemoryError, match=match) as info:
        h.diagonal()
    assert "limit" in str(info.value) and "MAX_DIAGONAL_BYTES" in str(info.value)
    assert "_diagonal" not in vars(h)  # refused before allocating
    # 29 qubits: 6 GiB to build with the default 4 GiB budget, refused at once.
    with pytest.raises(MemoryError, match="29 qubits"):
        DiagonalHamiltonian(29, {(0, 1): 1.0}).diagonal()
    monkeypatch.setattr(hm, "MAX_DIAGONAL_BYTES", hm.diagonal_build_bytes(20))
    assert h.diagonal().shape == (2**20,)


def test_diagonal_build_peak_is_within_its_estimate():
    import tracemalloc

    n = 18
    h = DiagonalHamiltonian(n, {**{(i, (i + 3) % n): 0.5 for i in range(n)},
                                **{(i,): 0.25 for i in range(n)}, (0, 1, 2, 5): 0.3})
    tracemalloc.start()
    diag = h.diagonal()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak <= hm.diagonal_build_bytes(n), peak / diag.nbytes
    np.testing.assert_allclose(diag[:64], h.energy_of_bits(
        (np.arange(64)[:, None] >> np.arange(n)) & 1), atol=1e-12)
