"""The generators of :mod:`qlstm_optimizer.qubo_problems` (the table there): seeded, pure
functions of their arguments; every bad argument is refused with a ``ValueError`` naming it.

Example:
    >>> problem = tsp(3, seed=1)
    >>> problem.num_qubits, problem.family, problem.distances.shape
    (9, 'tsp', (3, 3))
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .. import problems
from ..options import check_count, check_real
from .program import BinaryProgram, QuboProblem

MAX_VARIABLES = 24  # generators refuse more logical variables (diagonals of 2**n)
DEFAULT_SLACK_BITS = 3
DEFAULT_CLAUSE_RATIO = 4.27  # the random 3-SAT satisfiability threshold: many instances unsat


# -- argument checks ---------------------------------------------------------------------------
def _check_seed(seed: Any) -> Any:
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    if (isinstance(seed, bool | np.bool_) or not isinstance(seed, numbers.Integral)
            or seed < 0):
        raise ValueError(f"seed must be None, a non-negative integer or a numpy Generator, "
                         f"got {seed!r} ({type(seed).__name__})")
    return int(seed)


def _check_size(name: str, value: Any, lo: int, hi: int = MAX_VARIABLES) -> int:
    n = check_count(name, value, lo)
    if n > hi:
        raise ValueError(f"{name} must be at most {hi}, got {n}")
    return n


def _check_prob(name: str, value: Any) -> float:
    q = check_real(name, value, positive=True)
    if q > 1:
        raise ValueError(f"{name} must be in (0, 1], got {value!r}")
    return q


def _attach(problem: QuboProblem, **data: Any) -> QuboProblem:
    """Keep the instance data on the problem (arrays read-only, as MaxCut's edges)."""
    for name, value in data.items():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
        setattr(problem, name, value)
    return problem


def _meta(seed: Any) -> int | None:
    return seed if isinstance(seed, int) else None


# -- generators --------------------------------------------------------------------------------
def vertex_cover(n: int, edge_prob: float = 0.5, seed: Any = None) -> QuboProblem:
    """Minimum vertex cover of G(n, edge_prob) (graph as :func:`problems.erdos_renyi` draws it):
    ``min sum x_i`` s.t. ``x_i + x_j >= 1`` per edge, qiskit-optimization's ``VertexCover``.
    Each constraint is a special inequality: ``P (1 - x_i)(1 - x_j)``, ``P = 1 + n``. n qubits.

    Example:
        >>> vertex_cover(5, 0.6, seed=0).optimal_objective()
        2.0
    """
    n, q, seed = _check_size("n", n, 2), _check_prob("edge_prob", edge_prob), _check_seed(seed)
    edges = problems.erdos_renyi(n, q, seed=seed).edges
    prog = BinaryProgram(n, linear=np.ones(n),
                         constraints=[({int(i): 1, int(j): 1}, ">=", 1) for i, j in edges])
    problem = QuboProblem.from_program(prog, family="vertex_cover", seed=_meta(seed),
                                       name=f"vertex_cover-n{n}-p{q:g}-s{_meta(seed)}")
    return _attach(problem, edges=edges)


def stable_set(n: int, edge_prob: float = 0.5, seed: Any = None) -> QuboProblem:
    """Maximum independent set of G(n, edge_prob): ``max sum x_i`` s.t. ``x_i + x_j <= 1``,
    qiskit-optimization's ``StableSet``; penalty ``P x_i x_j``, ``P = 1 + n``. n qubits.

    Example:
        >>> stable_set(5, 0.6, seed=0).optimal_objective()  # n minus the cover
        3.0
    """
    n, q, seed = _check_size("n", n, 2), _check_prob("edge_prob", edge_prob), _check_seed(seed)
    edges = problems.erdos_renyi(n, q, seed=seed).edges
    prog = BinaryProgram(n, linear=np.ones(n), maximize=True,
                         constraints=[({int(i): 1, int(j): 1}, "<=", 1) for i, j in edges])
    problem = QuboProblem.from_program(prog, family="stable_set", seed=_meta(seed),
                                       name=f"stable_set-n{n}-p{q:g}-s{_meta(seed)}")
    return _attach(problem, edges=edges)


def knapsack(n: int, seed: Any = None, *, slack_bits: int = DEFAULT_SLACK_BITS,
             max_value: int = 20) -> QuboProblem:
    """0/1 knapsack, qiskit-optimization's ``Knapsack``: ``max v.x`` s.t. ``w.x <= W``.

    The capacity ``W`` is uniform in ``[2**(slack_bits-1), 2**slack_bits - 1]``, so the slack
    variable ``[0, W]`` takes exactly ``slack_bits`` bits; weights are integers in
    ``1..max(1, round(4 W / n))`` (about half the items fit), values in ``1..max_value``.
    ``n + slack_bits`` qubits (``n`` if every weight is 1 and ``W = 1``: the constraint is then
    a special inequality). Penalty ``1 + sum v``.

    Example:
        >>> problem = knapsack(6, seed=2)
        >>> problem.num_qubits, problem.penalty, float(problem.program.linear.sum())
        (9, 75.0, 74.0)
    """
    n, seed = _check_size("n", n, 1), _check_seed(seed)
    bits = _check_size("slack_bits", slack_bits, 1, 12)
    max_value = check_count("max_value", max_value)
    rng = problems._rng(seed)
    capacity = int(rng.integers(2 ** (bits - 1), 2**bits))
    weights = rng.integers(1, max(1, round(4 * capacity / n)) + 1, size=n)
    values = rng.integers(1, max_value + 1, size=n)
    prog = BinaryProgram(n, linear=values, maximize=True,
                         constraints=[(dict(enumerate(weights.tolist())), "<=", capacity)])
    problem = QuboProblem.from_program(prog, family="knapsack", seed=_meta(seed),
                                       name=f"knapsack-n{n}-b{bits}-s{_meta(seed)}")
    return _attach(problem, values=values, weights=weights, capacity=capacity)


def number_partitioning(n: int, seed: Any = None, *, max_number: int = 100) -> QuboProblem:
    """Number partitioning of ``n`` integers in ``1..max_number``, qiskit-optimization's
    ``NumberPartition``: the equality ``sum a_i (1 - 2 x_i) = 0`` with penalty ``P = 1`` (no
    objective), so the energy is the squared difference of the two sums. n qubits.

    Example:
        >>> problem = number_partitioning(6, seed=0)
        >>> problem.numbers.tolist(), problem.ground_energy()  # best split: 138 vs 127
        ([86, 64, 52, 27, 31, 5], 121.0)
    """
    n, seed = _check_size("n", n, 2), _check_seed(seed)
    max_number = check_count("max_number", max_number)
    numbers_ = problems._rng(seed).integers(1, max_number + 1, size=n)
    prog = BinaryProgram(n, constraints=[(dict(enumerate((-2 * numbers_).tolist())), "==",
                                          -int(numbers_.sum()))])
    problem = QuboProblem.from_program(prog, family="number_partitioning", seed=_meta(seed),
                                       name=f"number_partitioning-n{n}-s{_meta(seed)}")
    return _attach(problem, numbers=numbers_)


def tsp(num_cities: int, seed: Any = None) -> QuboProblem:
    """Travelling salesman on random points, as ``Tsp.create_random_instance`` draws them
    (coordinates uniform in [0, 100)**2, distances rounded to integers) and ``Tsp`` encodes
    them: ``x[i * N + k] = 1`` when city i is visited at step k, two equality constraints per
    city and per step, penalty ``1 + 2 N sum_edges d``. ``num_cities**2`` qubits (9 or 16).

    Example:
        >>> problem = tsp(3, seed=0)
        >>> problem.num_qubits, problem.optimal_objective() == problem.ground_energy()
        (9, True)
    """
    n, seed = _check_size("num_cities", num_cities, 3, 5), _check_seed(seed)
    coords = problems._rng(seed).uniform(0, 100, size=(n, 2))
    dist = np.rint(np.hypot(*(coords[:, None, :] - coords[None, :, :]).transpose(2, 0, 1)))
    var = np.arange(n * n).reshape(n, n)  # var[city, step]
    quad: dict[tuple[int, int], float] = {}
    for i in range(n):
        for j in range(i + 1, n):
            for k in range(n):  # both directions of the edge, as Tsp.to_quadratic_program
                for a, b in ((i, j), (j, i)):
                    key = (int(var[a, k]), int(var[b, (k + 1) % n]))
                    quad[key] = quad.get(key, 0.0) + dist[i, j]
    rows = [dict.fromkeys(var[i].tolist(), 1) for i in range(n)]
    rows += [dict.fromkeys(var[:, k].tolist(), 1) for k in range(n)]
    prog = BinaryProgram(n * n, quadratic=quad, constraints=[(r, "==", 1) for r in rows])
    problem = QuboProblem.from_program(prog, family="tsp", seed=_meta(seed),
                                       name=f"tsp-n{n}-s{_meta(seed)}")
    return _attach(problem, distances=dist)


def portfolio(n: int, seed: Any = None, *, risk_factor: float = 0.5,
              budget: int | None = None) -> QuboProblem:
    """Portfolio selection as qiskit-finance's ``PortfolioOptimization`` builds it:
    ``min q x^T S x - mu.x`` s.t. ``sum x = budget`` (default ``n // 2``), penalty
    ``1 + sum_i |mu_i| + q (sum_i |S_ii| + sum_{i<j} |2 S_ij|)``. ``mu`` and ``S`` are the sample
    mean and covariance of a simulated year (250 days) of daily returns of a one-factor market
    model (betas 0.5..1.5, idiosyncratic volatility 0.5..2 %, market 1 %), the scale
    qiskit-finance's ``RandomDataProvider`` gives. n qubits.

    Example:
        >>> problem = portfolio(6, seed=0)
        >>> problem.is_feasible([1, 1, 1, 0, 0, 0]), problem.is_feasible([1, 0, 0, 0, 0, 0])
        (True, False)
    """
    n, seed = _check_size("n", n, 2), _check_seed(seed)
    q = check_real("risk_factor", risk_factor, nonnegative=True)
    budget = n // 2 if budget is None else _check_size("budget", budget, 1, n - 1)
    rng = problems._rng(seed)
    days = 250
    beta, idio = rng.uniform(0.5, 1.5, n), rng.uniform(0.005, 0.02, n)
    drift = rng.uniform(-0.0005, 0.0015, n)
    returns = drift + np.outer(rng.normal(0, 0.01, days), beta) + rng.normal(size=(days, n)) * idio
    mu, cov = returns.mean(axis=0), np.cov(returns, rowvar=False)
    prog = BinaryProgram(n, linear=-mu, quadratic=q * cov,
                         constraints=[(dict.fromkeys(range(n), 1), "==", budget)])
    problem = QuboProblem.from_program(prog, family="portfolio", seed=_meta(seed),
                                       name=f"portfolio-n{n}-b{budget}-s{_meta(seed)}")
    return _attach(problem, expected_returns=mu, covariances=cov, risk_factor=q, budget=budget)


def random_qubo(n: int, seed: Any = None, *, density: float = 0.5) -> QuboProblem:
    """Unconstrained ``min c.x + sum_{i<j} Q_ij x_i x_j``: ``c_i`` standard normal, each ``Q_ij``
    standard normal with probability ``density`` (else 0). n qubits, fields and couplings.

    Example:
        >>> problem = random_qubo(5, seed=3)
        >>> problem.penalty is None, problem.max_order
        (True, 2)
    """
    n, seed = _check_size("n", n, 2), _check_seed(seed)
    density = _check_prob("density", density)
    rng = problems._rng(seed)
    linear = rng.standard_normal(n)
    quad = np.triu(rng.standard_normal((n, n)) * (rng.random((n, n)) < density), 1)
    prog = BinaryProgram(n, linear=linear, quadratic=quad)
    return QuboProblem.from_program(prog, family="random_qubo", seed=_meta(seed),
                                    name=f"random_qubo-n{n}-d{density:g}-s{_meta(seed)}")


def labs(n: int) -> QuboProblem:
    """Low-autocorrelation binary sequences: ``E = sum_{k=1}^{n-1} C_k**2`` with
    ``C_k = sum_i s_i s_{i+k}``, ``s_i = Z_i``; 4-body and 2-body terms plus a constant. No
    randomness (one instance per n). n qubits.

    Example:
        >>> [labs(n).ground_energy() for n in (3, 5, 7)]  # Barker sequences
        [1.0, 2.0, 3.0]
    """
    n = _check_size("n", n, 3)
    terms: dict[tuple[int, ...], float] = {}
    for k in range(1, n):
        for i in range(n - k):
            for j in range(n - k):  # s_i s_{i+k} s_j s_{j+k}, Z_q**2 = 1 folded
                key = tuple(sorted({i, i + k} ^ {j, j + k}))
                terms[key] = terms.get(key, 0.0) + 1.0
    return QuboProblem(n, terms, family="labs", name=f"labs-n{n}")


def max3sat(n: int, seed: Any = None, *, clause_ratio: float = DEFAULT_CLAUSE_RATIO
            ) -> QuboProblem:
    """Random Max-3-SAT: ``round(clause_ratio * n)`` clauses of 3 distinct variables with random
    signs; the energy counts the unsatisfied clauses (a clause is unsatisfied iff all three
    literals are false: ``prod (1 + s Z) / 2``, ``s = +1`` for ``x``, ``-1`` for ``not x``),
    1-, 2- and 3-body terms. n qubits. ``clauses`` and ``negated`` are kept as attributes.

    Example:
        >>> problem = max3sat(6, seed=1)
        >>> problem.max_order, len(problem.clauses)
        (3, 26)
    """
    n, seed = _check_size("n", n, 3), _check_seed(seed)
    ratio = check_real("clause_ratio", clause_ratio, positive=True)
    m = max(1, round(ratio * n))
    rng = problems._rng(seed)
    clauses = np.array([rng.choice(n, 3, replace=False) for _ in range(m)])
    negated = rng.integers(0, 2, size=(m, 3)).astype(bool)
    terms: dict[tuple[int, ...], float] = {}
    for vars_, neg in zip(clauses.tolist(), negated, strict=True):
        for mask in range(8):
            chosen = [t for t in range(3) if mask >> t & 1]
            key = tuple(sorted(vars_[t] for t in chosen))
            sign = (-1.0) ** sum(bool(neg[t]) for t in chosen)
            terms[key] = terms.get(key, 0.0) + sign / 8
    problem = QuboProblem(n, terms, family="max3sat", seed=_meta(seed),
                          name=f"max3sat-n{n}-m{m}-s{_meta(seed)}")
    return _attach(problem, clauses=clauses, negated=negated)


__all__ = ["knapsack", "labs", "max3sat", "number_partitioning", "portfolio",
           "random_qubo", "stable_set", "tsp", "vertex_cover"]
