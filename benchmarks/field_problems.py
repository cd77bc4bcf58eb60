"""Diagonal Hamiltonians the way a qiskit-optimization user builds them, for the units study.

Used by ``benchmarks.field_units``. Each generator takes a seed (from
:func:`qlstm_optimizer.instances.instance_seed`, validation split only) and returns a
:class:`~qlstm_optimizer.hamiltonian.DiagonalHamiltonian`. The constrained problems go through
``QuadraticProgramToQubo()`` (its automatic penalty) and ``to_ising()``, and the operator through
:func:`~qlstm_optimizer.hamiltonian.as_hamiltonian` with the offset added as the identity term,
exactly as ``MinimumEigenOptimizer`` hands it to QAOA. Data are integers (the applications'
usual input; portfolio data in whole percent) so every operator's coefficients lie on a lattice
and the p = 1 landscape has an exact gamma period (``benchmarks.p1_landscape.gamma_box``).
LABS and Max-3-SAT have terms of order 4 and 3, built directly.

Example:
    >>> h = build("vertex_cover", 3)
    >>> h.max_order, h.num_qubits >= 6, any(len(k) == 1 for k in h.terms)
    (2, True, True)
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np

from qlstm_optimizer.hamiltonian import DiagonalHamiltonian, as_hamiltonian

SIZES = range(6, 13)  # logical variables


def _graph(rng: np.random.Generator, n: int, weights: bool = False) -> Any:
    import networkx as nx

    for _ in range(100):
        g = nx.gnp_random_graph(n, float(rng.choice([0.3, 0.5, 0.7])),
                                seed=int(rng.integers(2**31)))
        if g.number_of_edges() >= 2:
            break
    if weights:
        for u, v in g.edges:
            g[u][v]["weight"] = int(rng.integers(1, 11))
    return g


def _ising(qp: Any) -> DiagonalHamiltonian:
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_optimization.converters import QuadraticProgramToQubo

    qubo = QuadraticProgramToQubo().convert(qp)
    op, offset = qubo.to_ising()
    op = (op + SparsePauliOp("I" * op.num_qubits, offset)).simplify(atol=0)
    h = as_hamiltonian(op)
    # as_hamiltonian keeps the Z fields and the offset: the diagonal is the QUBO objective
    # (variable i on qubit i, x_i = 1 <-> Z_i = -1) on every bit string checked
    bits = np.random.default_rng(0).integers(0, 2, (8, h.num_qubits))
    want = [qubo.objective.evaluate(b.tolist()) for b in bits]
    if not np.allclose(h.energy_of_bits(bits), want, rtol=1e-12, atol=1e-9):
        raise AssertionError("the Ising operator does not reproduce the QUBO objective")
    return h


def vertex_cover(rng: np.random.Generator) -> DiagonalHamiltonian:
    from qiskit_optimization.applications import VertexCover

    return _ising(VertexCover(_graph(rng, int(rng.choice(SIZES)))).to_quadratic_program())


def stable_set(rng: np.random.Generator) -> DiagonalHamiltonian:
    from qiskit_optimization.applications import StableSet

    return _ising(StableSet(_graph(rng, int(rng.choice(SIZES)))).to_quadratic_program())


def knapsack(rng: np.random.Generator) -> DiagonalHamiltonian:
    from qiskit_optimization.applications import Knapsack

    items = int(rng.integers(4, 9))  # plus the slack bits: <= 12 qubits
    weights = rng.integers(1, 10, items).tolist()
    cap = int(min(max(sum(weights) // 2, 3), 15 if items <= 8 else 7))
    cap = min(cap, 2 ** (12 - items) - 1)
    values = rng.integers(1, 10, items).tolist()
    return _ising(Knapsack(values, weights, cap).to_quadratic_program())


def number_partition(rng: np.random.Generator) -> DiagonalHamiltonian:
    from qiskit_optimization.applications import NumberPartition

    numbers = rng.integers(1, 30, int(rng.choice(SIZES))).tolist()
    return _ising(NumberPartition(numbers).to_quadratic_program())


def tsp3(rng: np.random.Generator) -> DiagonalHamiltonian:
    from qiskit_optimization.applications import Tsp

    return _ising(Tsp.create_random_instance(3, seed=int(rng.integers(2**31)))
                  .to_quadratic_program())


def random_qubo(rng: np.random.Generator) -> DiagonalHamiltonian:
    from qiskit_optimization import QuadraticProgram

    n = int(rng.choice(SIZES))
    qp = QuadraticProgram()
    for i in range(n):
        qp.binary_var(f"x{i}")
    quad = {(f"x{i}", f"x{j}"): int(rng.integers(-10, 11)) for i, j in combinations(range(n), 2)
            if rng.random() < 0.5}
    qp.minimize(linear=rng.integers(-10, 11, n).tolist(), quadratic=quad)
    return _ising(qp)


def portfolio(rng: np.random.Generator) -> DiagonalHamiltonian:
    """min x^T S x / 2 - mu^T x with sum x = n // 2 (covariance and returns in whole percent)."""
    from qiskit_optimization import QuadraticProgram

    n = int(rng.choice(SIZES))
    factors = rng.normal(size=(n, 3)) * 4
    cov = np.rint(factors @ factors.T + np.diag(rng.uniform(1, 10, n))).astype(int)
    mu = rng.integers(1, 15, n)
    qp = QuadraticProgram()
    names = [f"x{i}" for i in range(n)]
    for name in names:
        qp.binary_var(name)
    # 1/2 x^T S x: S_ii / 2 on the diagonal, S_ij once per pair i < j
    qp.minimize(linear=(-mu).tolist(),
                quadratic={(names[i], names[j]): float(cov[i, j]) / (2 if i == j else 1)
                           for i in range(n) for j in range(i, n)})
    qp.linear_constraint({name: 1 for name in names}, "==", n // 2, "budget")
    return _ising(qp)


def weighted_maxcut(rng: np.random.Generator) -> DiagonalHamiltonian:
    from qiskit_optimization.applications import Maxcut

    return _ising(Maxcut(_graph(rng, int(rng.choice(SIZES)), weights=True))
                  .to_quadratic_program())


def sk(rng: np.random.Generator) -> DiagonalHamiltonian:
    n = int(rng.choice(SIZES))
    return DiagonalHamiltonian(n, {(i, j): float(rng.choice([-1.0, 1.0]))
                                   for i, j in combinations(range(n), 2)})


def labs(rng: np.random.Generator) -> DiagonalHamiltonian:
    """Sidelobe energy sum_k C_k**2, C_k = sum_i s_i s_{i+k}: terms of order 2 and 4."""
    n = int(rng.choice(SIZES))
    terms: dict[tuple[int, ...], float] = {}
    constant = 0.0
    for k in range(1, n):
        pairs = [(i, i + k) for i in range(n - k)]
        constant += len(pairs)
        for a, b in combinations(pairs, 2):  # 2 s_a0 s_a1 s_b0 s_b1, Z_q Z_q = 1 folded
            qubits = [q for q in (*a, *b) if (*a, *b).count(q) == 1]
            key = tuple(sorted(qubits))
            terms[key] = terms.get(key, 0.0) + 2.0
    return DiagonalHamiltonian(n, terms, constant)


def max3sat(rng: np.random.Generator) -> DiagonalHamiltonian:
    """Number of violated clauses of 4 n random 3-clauses: prod (1 - l_i z_i) / 2 each."""
    n = int(rng.choice(SIZES))
    terms: dict[tuple[int, ...], float] = {}
    constant = 0.0
    for _ in range(4 * n):
        qubits = rng.choice(n, 3, replace=False)
        signs = rng.choice([-1.0, 1.0], 3)  # literal z = +sign is satisfied
        for r in range(4):
            for sub in combinations(range(3), r):
                coeff = 0.125 * float(np.prod([-signs[i] for i in sub]))
                if not sub:
                    constant += coeff
                    continue
                key = tuple(sorted(int(qubits[i]) for i in sub))
                terms[key] = terms.get(key, 0.0) + coeff
    return DiagonalHamiltonian(n, terms, constant)


GENERATORS = {
    "vertex_cover": vertex_cover, "stable_set": stable_set, "knapsack": knapsack,
    "number_partition": number_partition, "tsp3": tsp3, "random_qubo": random_qubo,
    "portfolio": portfolio, "weighted_maxcut": weighted_maxcut, "sk": sk, "labs": labs,
    "max3sat": max3sat,
}
REFERENCE_CLASSES = ("weighted_maxcut", "sk")  # the families the models were trained on


def build(name: str, seed: int) -> DiagonalHamiltonian:
    """Instance ``seed`` of class ``name`` (a key of :data:`GENERATORS`)."""
    if name not in GENERATORS:
        raise ValueError(f"problem class must be one of {sorted(GENERATORS)}, got {name!r}")
    # the class in the seed: instances of different classes draw independent sizes
    return GENERATORS[name](np.random.default_rng([seed, sorted(GENERATORS).index(name)]))
