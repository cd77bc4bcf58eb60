"""Diagonal (Z-only) Hamiltonians: the cost operators QAOA works with.

A :class:`DiagonalHamiltonian` is a constant plus a weighted sum of products of Pauli Z
operators. It converts to and from Qiskit's ``SparsePauliOp`` and gives the full diagonal
(the energy of every computational basis state), which is all a QAOA simulator needs.

Bit convention: as in Qiskit, basis-state index ``k`` has qubit ``q`` in state ``(k >> q) & 1``,
and Z on that qubit has eigenvalue ``+1`` for bit 0, ``-1`` for bit 1.

Example:
    >>> h = DiagonalHamiltonian(3, {(0, 1): 0.5, (1, 2): 0.5})
    >>> h.diagonal()[:2].tolist()
    [1.0, 0.0]
    >>> DiagonalHamiltonian.from_sparse_pauli_op(h.to_sparse_pauli_op()) == h
    True
"""

from __future__ import annotations

import numbers
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import numpy as np

# A full diagonal for more qubits than this is refused (2**30 float64 = 8 GiB), and so is one
# whose construction would need more than MAX_DIAGONAL_BYTES at its peak (a clear error beats
# swapping; the simulators' statevector budget is the same 4 GiB).
MAX_DIAGONAL_QUBITS = 30
MAX_DIAGONAL_BYTES = 4 * 2**30
# Peak bytes of building a diagonal, per float64 entry: the diagonal plus the coupling field of
# the last qubit (half its length), see DiagonalHamiltonian._diagonal, plus chunk-sized
# temporaries. Measured with tracemalloc: 1.51-1.53 x the diagonal at n = 22..24
# (bench.sim_speed; asserted in tests/test_hamiltonian.py).
DIAGONAL_BUILD_FACTOR = 1.5
DIAGONAL_BUILD_EXTRA = 4 * 2**20


def format_bytes(nbytes: float) -> str:
    """``"1.5 GiB"`` or ``"12.0 MiB"``: sizes in memory errors."""
    return f"{nbytes / 2**30:.1f} GiB" if nbytes >= 2**30 else f"{nbytes / 2**20:.1f} MiB"


def diagonal_build_bytes(num_qubits: int) -> int:
    """Peak bytes of building the diagonal of ``num_qubits`` qubits (it keeps 8 * 2**n).

    Example:
        >>> diagonal_build_bytes(24) / 2**20  # MiB
        196.0
    """
    return int(DIAGONAL_BUILD_FACTOR * 8 * 2**num_qubits) + DIAGONAL_BUILD_EXTRA


class DiagonalHamiltonian:
    """``constant + sum_k coeff_k * prod_{q in qubits_k} Z_q`` on ``num_qubits`` qubits.

    Args:
        num_qubits: number of qubits n.
        terms: mapping from a tuple of distinct qubit indices to a real coefficient.
            Indices are sorted and duplicate keys merged; zero coefficients are dropped.
        constant: the identity coefficient.
    """

    def __init__(
        self,
        num_qubits: int,
        terms: Mapping[tuple[int, ...], float] | None = None,
        constant: float = 0.0,
    ) -> None:
        if (isinstance(num_qubits, bool) or not isinstance(num_qubits, numbers.Integral)
                or num_qubits < 1):
            raise ValueError(f"num_qubits must be a positive integer, got {num_qubits!r}")
        self.num_qubits = int(num_qubits)
        if terms is not None and not isinstance(terms, Mapping):
            raise TypeError(f"terms must be a mapping {{(qubit, ...): coefficient}}, got "
                            f"{type(terms).__name__}")
        merged: dict[tuple[int, ...], float] = {}
        for qubits, coeff in (terms or {}).items():
            # A string key would be read character by character ('12' -> Z1 Z2): refuse it.
            if not isinstance(qubits, tuple) or not all(
                    isinstance(q, numbers.Integral) and not isinstance(q, bool) for q in qubits):
                raise TypeError(f"term {qubits!r}: keys are tuples of qubit indices (ints)")
            if (isinstance(coeff, bool) or not isinstance(coeff, numbers.Real)):
                raise TypeError(f"term {qubits}: the coefficient must be a real number, got "
                                f"{coeff!r}")
            key = tuple(sorted(int(q) for q in qubits))
            if len(set(key)) != len(key):
                raise ValueError(f"term {qubits} repeats a qubit (Z_q Z_q = I); fold it first")
            if key and (key[0] < 0 or key[-1] >= self.num_qubits):
                raise ValueError(f"term {qubits} acts outside qubits 0..{self.num_qubits - 1}")
            if not np.isfinite(coeff):
                raise ValueError(f"term {qubits} has a non-finite coefficient {coeff}")
            if not key:
                constant += float(coeff)
                continue
            merged[key] = merged.get(key, 0.0) + float(coeff)
        self.terms: dict[tuple[int, ...], float] = {k: v for k, v in merged.items() if v != 0.0}
        if not np.isfinite(constant):
            raise ValueError(f"constant must be finite, got {constant}")
        self.constant = float(constant)

    # -- structure -------------------------------------------------------------------------
    @cached_property
    def linear(self) -> np.ndarray:
        """Coefficients h_q of the single-Z terms, shape (n,)."""
        h = np.zeros(self.num_qubits)
        for key, c in self.terms.items():
            if len(key) == 1:
                h[key[0]] = c
        return h

    @cached_property
    def quadratic(self) -> np.ndarray:
        """Symmetric coupling matrix J with ``sum_{i<j} J_ij Z_i Z_j``, shape (n, n), zero
        diagonal. Dense: for thousands of qubits prefer :meth:`couplings`."""
        j = np.zeros((self.num_qubits, self.num_qubits))
        for key, c in self.terms.items():
            if len(key) == 2:
                j[key[0], key[1]] = j[key[1], key[0]] = c
        return j

    def couplings(self) -> tuple[np.ndarray, np.ndarray]:
        """The ZZ terms as a sparse list: ``(pairs, weights)`` with ``pairs`` of shape (m, 2)
        (``i < j``, int64, sorted) and ``weights`` of shape (m,). Cached; do not modify.

        Unlike :attr:`quadratic` this is O(m) memory, which matters for thousands of qubits.
        (Named ``couplings`` because problem subclasses use an ``edges`` attribute.)
        """
        return self._couplings

    @cached_property
    def _couplings(self) -> tuple[np.ndarray, np.ndarray]:
        items = sorted((k, c) for k, c in self.terms.items() if len(k) == 2)
        pairs = np.array([k for k, _ in items], dtype=np.int64).reshape(-1, 2)
        weights = np.array([c for _, c in items], dtype=np.float64)
        pairs.setflags(write=False)
        weights.setflags(write=False)
        return pairs, weights

    @property
    def max_order(self) -> int:
        """Largest number of Z factors in one term (0 for a constant)."""
        return max((len(k) for k in self.terms), default=0)

    @property
    def num_terms(self) -> int:
        return len(self.terms)

    def coefficient_norm(self) -> float:
        """Root of the sum of squared non-constant coefficients: the spread of energies over
        uniformly random bit strings (their standard deviation)."""
        return float(np.sqrt(sum(c * c for c in self.terms.values())))

    # -- energies --------------------------------------------------------------------------
    def diagonal(self) -> np.ndarray:
        """Energy of every basis state, shape (2**n,), float64. Cached; do not modify it."""
        return self._diagonal

    @cached_property
    def _diagonal(self) -> np.ndarray:
        n = self.num_qubits
        need = diagonal_build_bytes(n)
        if n > MAX_DIAGONAL_QUBITS or need > MAX_DIAGONAL_BYTES:
            raise MemoryError(
                f"a full diagonal of {n} qubits needs {format_bytes(need)} to build (limit "
                f"{format_bytes(MAX_DIAGONAL_BYTES)}, qlstm_optimizer.hamiltonian."
                "MAX_DIAGONAL_BYTES); for p = 1 Max-Cut/Ising energies use "
                "qlstm_optimizer.sim.analytic_p1_energy instead"
            )
        h, j = self.linear, self.quadratic
        # Built qubit by qubit in place instead of forming a (2**n, n) spin matrix (3 GiB at
        # n = 24): adding qubit q doubles the table, E(bit_q = b, low) = E(low) + s_b (h_q +
        # sum_{i<q} J_qi s_i(low)), and the field sum_{i<q} J_qi s_i is itself built by
        # doubling. O(2**n) work per qubit-step; peak memory the diagonal plus a half-length
        # field (DIAGONAL_BUILD_FACTOR), no temporaries.
        diag = np.empty(2**n)
        field = np.empty(2 ** (n - 1))
        diag[0] = self.constant
        for q in range(n):
            size = 2**q
            field[0] = h[q]
            for i in range(q):
                w, half = j[q, i], 2**i
                np.subtract(field[:half], w, out=field[half:2 * half])
                field[:half] += w
            f = field[:size]
            np.subtract(diag[:size], f, out=diag[size:2 * size])
            diag[:size] += f
        higher = [(key, c) for key, c in self.terms.items() if len(key) > 2]
        chunk = 2**16  # the parities in chunks: no full-size int64 temporaries
        for start in range(0, 2**n, chunk):
            index = np.arange(start, min(start + chunk, 2**n), dtype=np.int64)
            for key, c in higher:
                parity = np.zeros(index.shape[0], dtype=np.int64)
                for q in key:
                    parity ^= (index >> q) & 1
                diag[start:start + chunk] += c * (1 - 2 * parity)
        diag.setflags(write=False)
        return diag

    def energy_of_bits(self, bits: np.ndarray) -> np.ndarray:
        """Energy of bit strings ``bits`` of shape (..., n), entries 0/1 (qubit q at [..., q])."""
        spins = 1.0 - 2.0 * np.asarray(bits, dtype=np.float64)
        e = self.constant + spins @ self.linear
        e = e + 0.5 * np.einsum("...i,...i->...", spins @ self.quadratic, spins)
        for key, c in self.terms.items():
            if len(key) > 2:
                e = e + c * np.prod(spins[..., list(key)], axis=-1)
        return e

    def ground_energy(self) -> float:
        """Exact minimum energy by enumerating all 2**n basis states."""
        return float(self.diagonal().min())

    # -- Qiskit conversion -----------------------------------------------------------------
    def to_sparse_pauli_op(self) -> Any:
        """The same operator as a ``qiskit.quantum_info.SparsePauliOp`` (identity term included
        when the constant is non-zero)."""
        from qiskit.quantum_info import SparsePauliOp

        sparse = [("Z" * len(k), list(k), c) for k, c in self.terms.items()]
        if self.constant != 0.0 or not sparse:
            sparse.append(("", [], self.constant))
        return SparsePauliOp.from_sparse_list(sparse, num_qubits=self.num_qubits).simplify(atol=0)

    @classmethod
    def from_sparse_pauli_op(cls, op: Any) -> DiagonalHamiltonian:
        """Build from a ``SparsePauliOp`` made only of I and Z.

        Raises:
            ValueError: naming the first term with an X or Y factor, or a complex coefficient.
        """
        num_qubits = op.num_qubits
        # Vectorised over terms (a 1000-qubit Ising operator has thousands of them).
        xs, zs = np.asarray(op.paulis.x), np.asarray(op.paulis.z)
        coeffs = np.asarray(op.coeffs)
        bad = np.flatnonzero(xs.any(axis=1))
        if bad.size:
            label = op.paulis[int(bad[0])].to_label()
            raise ValueError(
                f"term {label!r} is not diagonal: QAOA cost Hamiltonians must contain only "
                "I and Z factors"
            )
        bad = np.flatnonzero(np.abs(coeffs.imag) > 1e-12)
        if bad.size:
            label = op.paulis[int(bad[0])].to_label()
            raise ValueError(f"term {label!r} has a complex coefficient {coeffs[bad[0]]}")
        terms: dict[tuple[int, ...], float] = {}
        constant = 0.0
        for row, coeff in zip(zs, coeffs.real.tolist(), strict=True):
            qubits = tuple(np.flatnonzero(row).tolist())
            if not qubits:
                constant += coeff
            else:
                terms[qubits] = terms.get(qubits, 0.0) + coeff
        return cls(num_qubits, terms, constant)

    # -- misc -------------------------------------------------------------------------------
    def without_constant(self) -> DiagonalHamiltonian:
        """The same terms with constant 0 (so the uniform superposition has energy 0)."""
        return DiagonalHamiltonian(self.num_qubits, self.terms, 0.0)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DiagonalHamiltonian):
            return NotImplemented
        return (
            self.num_qubits == other.num_qubits
            and self.constant == other.constant
            and self.terms == other.terms
        )

    def __hash__(self) -> int:
        return hash((self.num_qubits, self.constant, frozenset(self.terms.items())))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(num_qubits={self.num_qubits}, num_terms={self.num_terms}, "
            f"constant={self.constant:g})"
        )


# SparsePauliOp -> DiagonalHamiltonian conversions, keyed on id(op). Optimizers call
# qaoa_energy(op, x) hundreds of times with the same operator, and converting (plus rebuilding the
# 2**n diagonal) would dominate. SparsePauliOp is unhashable and mutable, so each entry keeps a
# weak reference (a recycled id is detected) and a copy of the op's arrays (in-place edits of
# op.coeffs are detected); a stale entry is simply rebuilt.
_OP_CACHE: OrderedDict[int, tuple[Any, np.ndarray, np.ndarray, np.ndarray, DiagonalHamiltonian]]
_OP_CACHE = OrderedDict()
_OP_CACHE_SIZE = 16


def _from_op_cached(op: Any) -> DiagonalHamiltonian:
    paulis = op.paulis
    key = id(op)
    entry = _OP_CACHE.get(key)
    if entry is not None:
        ref, z, x, coeffs, h = entry
        if (
            ref() is op
            and np.array_equal(paulis.z, z)
            and np.array_equal(paulis.x, x)
            and np.array_equal(op.coeffs, coeffs)
        ):
            _OP_CACHE.move_to_end(key)
            return h
    h = DiagonalHamiltonian.from_sparse_pauli_op(op)
    try:  # the callback drops the entry (and its diagonal) as soon as the operator dies
        ref = weakref.ref(op, lambda _, key=key: _OP_CACHE.pop(key, None))
    except TypeError:  # not weak-referenceable: do not cache
        return h
    _OP_CACHE[key] = (ref, paulis.z.copy(), paulis.x.copy(), np.array(op.coeffs), h)
    while len(_OP_CACHE) > _OP_CACHE_SIZE:
        _OP_CACHE.popitem(last=False)
    return h


def as_hamiltonian(obj: Any) -> DiagonalHamiltonian:
    """Coerce a :class:`DiagonalHamiltonian` (or a problem built on it) or a Qiskit
    ``SparsePauliOp`` to a :class:`DiagonalHamiltonian`.

    Conversions of the same (unmodified) ``SparsePauliOp`` object are cached, so repeated
    ``qaoa_energy(op, x)`` calls reuse one Hamiltonian and its diagonal.
    """
    if isinstance(obj, DiagonalHamiltonian):
        return obj
    if type(obj).__name__ == "SparsePauliOp":
        return _from_op_cached(obj)
    raise TypeError(
        f"expected a DiagonalHamiltonian, a problem from qlstm_optimizer.problems or a Qiskit "
        f"SparsePauliOp, got {type(obj).__name__}"
    )
