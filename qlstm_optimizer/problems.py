"""Benchmark problems: weighted Max-Cut and the Sherrington-Kirkpatrick (SK) model.

Both are :class:`~qlstm_optimizer.hamiltonian.DiagonalHamiltonian` subclasses, so they go
straight into the simulators and adapters, and convert to and from Qiskit ``SparsePauliOp``.

* Max-Cut on a weighted graph: ``H = sum_{(i,j)} w_ij/2 Z_i Z_j``, qiskit-optimization's
  ``Maxcut(G).to_quadratic_program().to_ising()`` operator, with the offset ``-sum w_ij/2`` kept
  in :attr:`MaxCut.offset` (not in the operator), so ``cut = -(<H> + offset)``.
* SK: ``H = (1/sqrt n) sum_{i<j} J_ij Z_i Z_j`` with ``J_ij = +-1`` or standard normal.

Generators take an integer ``seed`` and are pure functions of their arguments.
:meth:`optimal_qaoa_energy` (see :mod:`qlstm_optimizer.optimum`) is cached per instance and depth.

Example:
    >>> g = erdos_renyi(6, 0.5, seed=1)
    >>> g == MaxCut.from_sparse_pauli_op(g.to_sparse_pauli_op())
    True
    >>> g.approximation_ratio(g.ground_energy())
    1.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .hamiltonian import DiagonalHamiltonian
from .optimum import QAOAOptimum, optimal_qaoa_energy

# Exact optima enumerate all 2**n states through the full diagonal (128 MiB at n = 24).
MAX_EXACT_QUBITS = 24

_WEIGHTS = ("unit", "uniform", "gaussian")


class _QAOAProblem:
    """Shared by the problem classes: exact optimum guard, QAOA optimum cache and rho."""

    family = "ising"
    seed: int | None = None
    name: str | None = None

    def ground_energy(self) -> float:
        """Exact minimum energy, by enumerating the diagonal (n <= ``MAX_EXACT_QUBITS``)."""
        if self.num_qubits > MAX_EXACT_QUBITS:  # type: ignore[attr-defined]
            raise ValueError(f"exact optimum by enumeration is limited to n <= {MAX_EXACT_QUBITS}"
                             f" (2**n states); this instance has n = {self.num_qubits}")
        return super().ground_energy()  # type: ignore[misc]

    @property
    def uniform_energy(self) -> float:
        """Energy of the uniform superposition ``|+>^n`` (= the constant; 0 for MaxCut and SK).
        Energies from :func:`~qlstm_optimizer.sim.qaoa_energy` include it."""
        return self.constant  # type: ignore[attr-defined]

    def optimal_qaoa_energy(self, p: int = 1) -> QAOAOptimum:
        """Best QAOA energy at depth ``p`` (absolute, constant included; ``float()`` gives it),
        with its parameters. Deterministic and cached per instance and ``p``."""
        cache = self.__dict__.setdefault("_qaoa_optima", {})
        return optimal_qaoa_energy(self, p, family=self.family, cache=cache)

    def rho(self, energy: Any, p: int = 1) -> Any:
        """Quality ``(energy - c) / (optimal QAOA energy at p - c)``, ``c`` = uniform energy:
        1 is optimal, 0 is random guessing. Works element-wise on arrays."""
        out = self.optimal_qaoa_energy(p).rho(energy)
        return float(out) if np.ndim(out) == 0 else out

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(num_qubits={self.num_qubits}, "  # type: ignore[attr-defined]
                f"num_terms={self.num_terms}, name={self.name!r})")  # type: ignore[attr-defined]


class MaxCut(_QAOAProblem, DiagonalHamiltonian):
    """Weighted Max-Cut, ``H = sum w_ij/2 Z_i Z_j``, cut ``= -(<H> + offset)``.

    Args:
        num_nodes: number of vertices (= qubits).
        edges: (m, 2) integer array of distinct vertex pairs (stored sorted, ``i < j``).
        weights: (m,) edge weights, default 1. Zero weights are kept as edges but contribute
            no term.
        seed: metadata from the generator (its seed).
        name: metadata from the generator (an instance name).

    Example:
        >>> triangle = MaxCut(3, [(0, 1), (1, 2), (0, 2)])
        >>> triangle.max_cut_value(), triangle.offset, triangle.cut_value([0, 1, 1])
        (2.0, -1.5, 2.0)
    """

    family = "maxcut"

    def __init__(self, num_nodes: int, edges: Any, weights: Any = None, *,
                 seed: int | None = None, name: str | None = None) -> None:
        e = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
        w = np.ones(len(e)) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
        if w.shape != (len(e),):
            raise ValueError(f"{len(e)} edges but {w.size} weights")
        if not np.all(np.isfinite(w)):
            raise ValueError("edge weights must be finite")
        if np.any(e[:, 0] == e[:, 1]):
            raise ValueError("self-loops are not allowed (Z_i Z_i is the identity)")
        if e.size and (e.min() < 0 or e.max() >= num_nodes):
            raise ValueError(f"edge endpoints must lie in 0..{num_nodes - 1}")
        e = np.sort(e, axis=1)
        order = np.lexsort((e[:, 1], e[:, 0]))
        e, w = e[order], w[order]
        if len(e) > 1 and np.any(np.all(e[1:] == e[:-1], axis=1)):
            raise ValueError("duplicate edges; merge their weights first")
        terms = {(int(i), int(j)): wt / 2 for (i, j), wt in zip(e, w, strict=True)}
        super().__init__(num_nodes, terms, 0.0)
        for arr in (e, w):
            arr.setflags(write=False)
        self.edges, self.weights = e, w
        self.seed, self.name = seed, name

    @property
    def num_nodes(self) -> int:
        return self.num_qubits

    @property
    def offset(self) -> float:
        """``-sum w / 2``, qiskit-optimization's ``to_ising`` offset: cut = -(energy + offset)."""
        return -float(self.weights.sum()) / 2

    def cut_value(self, bits: Any) -> Any:
        """Cut weight of a bit assignment: an array (..., n) of 0/1 with qubit q at [..., q], or
        a Qiskit bitstring (qubit 0 is the last character)."""
        if isinstance(bits, str):
            bits = [int(b) for b in reversed(bits)]
        b = np.asarray(bits)
        if b.shape[-1] != self.num_nodes:
            raise ValueError(f"expected {self.num_nodes} bits, got shape {b.shape}")
        out = (b[..., self.edges[:, 0]] != b[..., self.edges[:, 1]]) @ self.weights
        return float(out) if np.ndim(out) == 0 else out

    def cut_from_energy(self, energy: Any) -> Any:
        """Expected cut weight of a state with energy ``<H>``: ``-(energy + offset)``."""
        out = -(np.asarray(energy, dtype=float) + self.offset)
        return float(out) if np.ndim(out) == 0 else out

    def max_cut_value(self) -> float:
        """Maximum cut weight, by enumeration (n <= ``MAX_EXACT_QUBITS``)."""
        return -(self.ground_energy() + self.offset)

    def approximation_ratio(self, energy: Any) -> Any:
        """Expected cut of a state with energy ``<H>`` divided by the maximum cut."""
        best = self.max_cut_value()
        if best <= 0:
            raise ValueError("the maximum cut is 0 (no positive-weight cut); ratio undefined")
        return self.cut_from_energy(energy) / best

    def to_networkx(self) -> Any:
        """A ``networkx.Graph`` with nodes 0..n-1 and ``weight`` edge attributes."""
        import networkx as nx

        graph = nx.Graph()
        graph.add_nodes_from(range(self.num_nodes))
        graph.add_weighted_edges_from((int(i), int(j), float(w))
                                      for (i, j), w in zip(self.edges, self.weights, strict=True))
        return graph

    @classmethod
    def from_networkx(cls, graph: Any, *, name: str | None = None) -> MaxCut:
        """From a graph with nodes 0..n-1; weights from the ``weight`` attribute (default 1),
        as qiskit-optimization's ``Maxcut`` reads them."""
        n = graph.number_of_nodes()
        if set(graph.nodes) != set(range(n)):
            raise ValueError("graph nodes must be 0..n-1; relabel with "
                             "networkx.convert_node_labels_to_integers(graph)")
        data = list(graph.edges(data="weight", default=1.0))
        return cls(n, [d[:2] for d in data], [float(d[2]) for d in data], name=name)

    @classmethod
    def from_sparse_pauli_op(cls, op: Any, *, check_constant: bool = True) -> MaxCut:
        """From a ZZ-only ``SparsePauliOp`` (edge weight ``w = 2 * coeff``).

        A constant term is allowed when it is 0 or the Max-Cut offset ``-sum w/2`` (the
        operator ``-cut``); other constants raise unless ``check_constant=False``. Z terms of
        round-off size are dropped.

        Raises:
            ValueError: X/Y factors, complex coefficients, Z or higher-order terms, or (with
                ``check_constant``) an unexpected constant.
        """
        h = _zz_only(op, "Max-Cut")
        edges = list(h.terms)
        weights = [2 * h.terms[k] for k in edges]
        problem = cls(h.num_qubits, edges, weights)
        tol = 1e-9 * max(1.0, float(np.abs(problem.weights).sum()))
        if check_constant and min(abs(h.constant), abs(h.constant - problem.offset)) > tol:
            raise ValueError(f"constant {h.constant} is neither 0 nor the Max-Cut offset "
                             f"{problem.offset}; pass check_constant=False to ignore it")
        return problem


class SK(_QAOAProblem, DiagonalHamiltonian):
    """Sherrington-Kirkpatrick model ``H = (1/sqrt n) sum_{i<j} J_ij Z_i Z_j``.

    Args:
        couplings: symmetric (n, n) matrix J with zero diagonal, kept (read-only) as
            :attr:`coupling_matrix` (``couplings()`` is the base class's sparse ZZ list).
        seed: metadata from the generator (its seed).
        name: metadata from the generator (an instance name).

    Example:
        >>> model = SK([[0, 1], [1, 0]])
        >>> round(model.ground_energy(), 6)
        -0.707107
    """

    family = "sk"

    def __init__(self, couplings: Any, *, seed: int | None = None,
                 name: str | None = None) -> None:
        j = np.array(couplings, dtype=float)
        if j.ndim != 2 or j.shape[0] != j.shape[1] or j.shape[0] < 2:
            raise ValueError(f"couplings must be a square (n, n) matrix, n >= 2; got {j.shape}")
        if not np.all(np.isfinite(j)) or np.any(np.diag(j) != 0):
            raise ValueError("couplings must be finite with a zero diagonal")
        if not np.allclose(j, j.T, rtol=0, atol=1e-12 * max(1.0, np.abs(j).max())):
            raise ValueError("couplings must be symmetric")
        n = j.shape[0]
        iu = np.triu_indices(n, 1)
        terms = {(int(a), int(b)): float(c) / np.sqrt(n)
                 for a, b, c in zip(*iu, j[iu], strict=True) if c != 0}
        super().__init__(n, terms, 0.0)
        self._set_couplings(j, seed, name)

    def _set_couplings(self, j: np.ndarray, seed: int | None, name: str | None) -> None:
        j = np.triu(j, 1) + np.triu(j, 1).T
        j.setflags(write=False)
        self.coupling_matrix, self.seed, self.name = j, seed, name

    @classmethod
    def from_sparse_pauli_op(cls, op: Any) -> SK:
        """From a ZZ-only ``SparsePauliOp`` with no constant; ``J_ij = coeff * sqrt(n)``. The
        operator's coefficients are kept exactly (so the round trip is exact).

        Raises:
            ValueError: non-ZZ terms or a non-zero constant.
        """
        h = _zz_only(op, "SK")
        if h.constant != 0:
            raise ValueError("an SK operator has no constant term; use "
                             "DiagonalHamiltonian.from_sparse_pauli_op for general operators")
        if h.num_qubits < 2:
            raise ValueError("an SK model needs at least 2 spins")
        model = cls.__new__(cls)
        DiagonalHamiltonian.__init__(model, h.num_qubits, h.terms, 0.0)
        model._set_couplings(h.quadratic * np.sqrt(h.num_qubits), None, None)
        return model


def _zz_only(op: Any, what: str) -> DiagonalHamiltonian:
    """The operator's ZZ terms and constant; other terms must be round-off (|c| <= 1e-12 of the
    largest), as qiskit-optimization's ``to_ising`` leaves for float weights."""
    h = DiagonalHamiltonian.from_sparse_pauli_op(op)
    tol = 1e-12 * max(1.0, max((abs(c) for c in h.terms.values()), default=0.0))
    bad = [k for k, c in h.terms.items() if len(k) != 2 and abs(c) > tol]
    if bad:
        raise ValueError(f"{what} operators contain only Z_i Z_j terms; found terms on qubits "
                         f"{bad[:3]}. Use DiagonalHamiltonian.from_sparse_pauli_op instead")
    zz = {k: c for k, c in h.terms.items() if len(k) == 2}
    return DiagonalHamiltonian(h.num_qubits, zz, h.constant)


# -- generators --------------------------------------------------------------------------------
def _draw_weights(rng: np.random.Generator, m: int, weighted: bool | str) -> np.ndarray | None:
    kind = {False: "unit", True: "uniform"}.get(weighted, weighted)  # type: ignore[call-overload]
    if kind not in _WEIGHTS:
        raise ValueError(f"weighted must be False, True or one of {_WEIGHTS}, got {weighted!r}")
    if kind == "unit":
        return None
    if kind == "uniform":
        return 1.0 - rng.random(m)  # uniform in (0, 1]: no zero-weight edges
    return rng.standard_normal(m)


def erdos_renyi(n: int, edge_prob: float, seed: int | None = None, *,
                weighted: bool | str = False) -> MaxCut:
    """Max-Cut on G(n, edge_prob); graphs without edges are redrawn (same random stream).

    Args:
        weighted: ``False``/"unit" (weight 1), ``True``/"uniform" (uniform in (0, 1]) or
            "gaussian" (standard normal, so negative weights occur).

    Example:
        >>> erdos_renyi(8, 0.5, seed=3) == erdos_renyi(8, 0.5, seed=3)
        True
    """
    if int(n) != n or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    if not 0 < edge_prob <= 1:
        raise ValueError(f"edge_prob must be in (0, 1], got {edge_prob!r}")
    rng = _rng(seed)
    iu = np.column_stack(np.triu_indices(int(n), 1))
    for _ in range(10_000):
        edges = iu[rng.random(len(iu)) < edge_prob]
        if len(edges):
            break
    else:  # pragma: no cover - needs edge_prob ~ 1e-5 on tiny graphs
        raise ValueError(f"no edges drawn for n={n}, edge_prob={edge_prob}")
    weights = _draw_weights(rng, len(edges), weighted)
    kind = "" if weights is None else f"-{'uniform' if weighted is True else weighted}"
    return MaxCut(int(n), edges, weights, seed=_seed_meta(seed),
                  name=f"maxcut-er{kind}-n{n}-p{edge_prob:g}-s{_seed_meta(seed)}")


def weighted_erdos_renyi(n: int, edge_prob: float, seed: int | None = None, *,
                         weights: str = "uniform") -> MaxCut:
    """:func:`erdos_renyi` with random weights ("uniform" in (0, 1] or "gaussian")."""
    return erdos_renyi(n, edge_prob, seed, weighted=weights)


def regular(n: int, degree: int, seed: int | None = None, *,
            weighted: bool | str = False) -> MaxCut:
    """Max-Cut on a random ``degree``-regular simple graph (approximately uniform).

    Pairs random stubs and re-pairs only the clashing ones (Steger-Wormald, as networkx does);
    graphs denser than half are drawn as complements of sparser ones, where pairing is easy.

    Example:
        >>> g = regular(10, 3, seed=0)
        >>> np.bincount(g.edges.ravel()).tolist() == [3] * 10
        True
    """
    if int(n) != n or int(degree) != degree or not 0 < degree < n or n * degree % 2:
        raise ValueError(f"need 0 < degree < n with n * degree even; got n={n}, degree={degree}")
    rng = _rng(seed)
    n, degree = int(n), int(degree)
    dense = 2 * degree > n - 1
    drawn = np.array(sorted(_regular_edges(n, n - 1 - degree if dense else degree, rng)),
                     dtype=np.int64).reshape(-1, 2)
    if dense:  # the complement of the sparse graph just drawn
        adj = np.triu(np.ones((n, n), dtype=bool), 1)
        adj[tuple(drawn.T)] = False
        drawn = np.column_stack(np.nonzero(adj))
    w = _draw_weights(rng, len(drawn), weighted)
    return MaxCut(n, drawn, w, seed=_seed_meta(seed),
                  name=f"maxcut-{degree}reg-n{n}-s{_seed_meta(seed)}")


def _regular_edges(n: int, d: int, rng: np.random.Generator) -> set[tuple[int, int]]:
    if d == 0:
        return set()
    for _ in range(1000):
        edges: set[tuple[int, int]] = set()
        stubs = np.repeat(np.arange(n), d)
        while stubs.size:
            rng.shuffle(stubs)
            left: list[int] = []
            for a, b in stubs.reshape(-1, 2).tolist():
                a, b = min(a, b), max(a, b)
                if a != b and (a, b) not in edges:
                    edges.add((a, b))
                else:
                    left += [a, b]
            if left and not any(a < b and (a, b) not in edges
                                for a in set(left) for b in set(left)):
                break  # the leftover stubs can no longer be paired: start again
            stubs = np.array(left, dtype=np.int64)
        else:
            return edges
    raise RuntimeError(f"could not draw a {d}-regular graph on {n} nodes")  # pragma: no cover


def sk(n: int, seed: int | None = None, couplings: str = "pm1") -> SK:
    """SK model with ``J_ij = +-1`` ("pm1") or standard normal ("gaussian") couplings.

    Example:
        >>> model = sk(6, seed=0)
        >>> sorted(set(np.abs(model.coupling_matrix[np.triu_indices(6, 1)]).tolist()))
        [1.0]
    """
    if int(n) != n or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    if couplings not in ("pm1", "gaussian"):
        raise ValueError(f"couplings must be 'pm1' or 'gaussian', got {couplings!r}")
    rng = _rng(seed)
    n = int(n)
    iu = np.triu_indices(n, 1)
    j = np.zeros((n, n))
    if couplings == "pm1":
        j[iu] = 2.0 * rng.integers(0, 2, size=len(iu[0])) - 1.0
    else:
        j[iu] = rng.standard_normal(len(iu[0]))
    return SK(j + j.T, seed=_seed_meta(seed), name=f"sk-{couplings}-n{n}-s{_seed_meta(seed)}")


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _seed_meta(seed: Any) -> int | None:
    return int(seed) if isinstance(seed, (int, np.integer)) else None


__all__ = ["MAX_EXACT_QUBITS", "SK", "MaxCut", "QAOAOptimum", "erdos_renyi", "regular", "sk",
           "weighted_erdos_renyi"]
