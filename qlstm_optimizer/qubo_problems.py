"""General diagonal cost Hamiltonians: qiskit-optimization's problem encodings and higher order.

Every generator returns a :class:`QuboProblem` (a
:class:`~qlstm_optimizer.hamiltonian.DiagonalHamiltonian`) whose diagonal, constant included, is
the minimised objective after ``QuadraticProgramToQubo()`` of every bit string, as
``QuadraticProgram.to_ising()`` returns it (operator + offset; variable i on qubit i, bit 1 =
Z eigenvalue -1). Built in NumPy (:mod:`qlstm_optimizer.qubo_program`, which also describes the
penalty rule); qiskit-optimization is only the reference in the tests. For a feasible bit string
the energy is the objective (negated for maximisation problems); infeasible ones pay the penalty.
Each problem keeps its data as attributes: ``edges``; ``values``, ``weights``, ``capacity``;
``numbers``; ``distances``; ``expected_returns``, ``covariances``; ``clauses``, ``negated``.

===========================  ========================================  ======================
generator (pool family)      encoding                                  qubits
===========================  ========================================  ======================
:func:`vertex_cover`         ``VertexCover`` on G(n, edge_prob)         n
:func:`stable_set`           ``StableSet`` on G(n, edge_prob)           n
:func:`knapsack`             ``Knapsack``, one ``<=`` (integer slack)   n + slack_bits
:func:`number_partitioning`  ``NumberPartition``, one equality          n
:func:`tsp`                  ``Tsp`` on random points                   num_cities**2
:func:`portfolio`            ``PortfolioOptimization`` (qiskit-finance) n
:func:`random_qubo`          unconstrained ``c.x + x^T Q x``            n
:func:`labs`                 ``sum_k C_k**2``: 4- and 2-body terms      n
:func:`max3sat`              unsatisfied clauses: 1- to 3-body terms    n
===========================  ========================================  ======================

The same names are instance-pool families (:mod:`qlstm_optimizer.instances`, via
:func:`generate`): a component's ``sizes`` are the logical sizes n (cities for ``tsp``) and
every size must fit in ``POOL_MAX_QUBITS`` qubits, slack bits included.

Example:
    >>> problem = vertex_cover(6, 0.5, seed=1)
    >>> problem.num_qubits, problem.penalty
    (6, 7.0)
    >>> best = problem.optimal_objective()  # smallest vertex cover, by enumeration
    >>> best == problem.ground_energy()  # the penalty makes the feasible optimum the ground state
    True
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from . import problems
from .options import check_count, check_real
from .qubo_program import BinaryProgram, QuboProblem

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
    ``1 + sum |mu| + q sum_{i<=j} |S_ij + S_ji| (i<j), |S_ii|``. ``mu`` and ``S`` are the sample
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
    return _attach(problem, expected_returns=mu, covariances=cov)


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


# -- instance-pool families (qlstm_optimizer.instances) ---------------------------------------
POOL_MAX_QUBITS = 20  # the training simulators' statevector limit
QUBO_FAMILIES = ("vertex_cover", "stable_set", "knapsack", "number_partitioning", "tsp",
                 "portfolio", "random_qubo", "labs", "max3sat")
_MIN_SIZE = {"tsp": 3, "labs": 3, "max3sat": 3}
# Component fields each family reads (others must stay empty): edge_probs is the graph density of
# vertex_cover / stable_set and the coupling density of random_qubo (default 0.5).
_FIELDS = {"vertex_cover": ("edge_probs",), "stable_set": ("edge_probs",),
           "random_qubo": ("edge_probs",), "knapsack": ("slack_bits",),
           "max3sat": ("clause_ratios",)}


def pool_qubits(family: str, n: int, comp: Any) -> int:
    """Largest qubit count of a ``family`` instance of logical size ``n`` drawn from ``comp``.

    Example:
        >>> from qlstm_optimizer.instances import Component
        >>> pool_qubits("knapsack", 8, Component("knapsack", (8,), slack_bits=(2, 4)))
        12
    """
    if family == "tsp":
        return n * n
    if family == "knapsack":
        return n + max(comp.slack_bits or (DEFAULT_SLACK_BITS,))
    return n


def check_component(comp: Any) -> None:
    """The family-specific checks of an :class:`~qlstm_optimizer.instances.Component`.

    Raises:
        ValueError: naming the family and the field (sizes below the family's minimum or over
            ``POOL_MAX_QUBITS`` qubits, a field the family does not read, bad entries).
    """
    family = comp.family
    names = ("edge_probs", "degrees") if family in QUBO_FAMILIES else ()
    for name in (*names, "slack_bits", "clause_ratios"):  # the Max-Cut/SK families read neither
        if getattr(comp, name) and name not in _FIELDS.get(family, ()):
            raise ValueError(f"{family}: {name} does not apply to this family")
    if family not in QUBO_FAMILIES:
        return
    if family in ("vertex_cover", "stable_set") and not comp.edge_probs:
        raise ValueError(f"{family}: edge_probs must be a non-empty list in (0, 1]")
    for q in comp.edge_probs:
        _check_prob(f"{family}: edge_probs entry", q)
    for b in comp.slack_bits:
        _check_size(f"{family}: slack_bits entry", b, 1, 12)
    for r in comp.clause_ratios:
        check_real(f"{family}: clause_ratios entry", r, positive=True)
    lo = _MIN_SIZE.get(family, 2)
    for n in comp.sizes:
        if n < lo:
            raise ValueError(f"{family}: sizes must be at least {lo}, got {n}")
        if pool_qubits(family, n, comp) > POOL_MAX_QUBITS:
            raise ValueError(f"{family}: size {n} needs {pool_qubits(family, n, comp)} qubits "
                             f"(limit {POOL_MAX_QUBITS}); lower sizes"
                             + (" or slack_bits" if family == "knapsack" else ""))


def generate(family: str, n: int, rng: np.random.Generator, comp: Any,
             seed: int) -> tuple[QuboProblem, dict[str, float]]:
    """Instance of ``family`` at logical size ``n`` for a pool: the component's options are
    drawn with ``rng``, the instance from ``seed``. Returns ``(problem, params)``.

    Example:
        >>> from qlstm_optimizer.instances import Component
        >>> comp = Component("vertex_cover", (6,), edge_probs=(0.5,))
        >>> problem, params = generate("vertex_cover", 6, np.random.default_rng(0), comp, 7)
        >>> problem == vertex_cover(6, 0.5, seed=7), params
        (True, {'edge_prob': 0.5})
    """
    def pick(values: tuple, default: float) -> float:
        return float(rng.choice(values)) if values else default

    if family in ("vertex_cover", "stable_set"):
        q = pick(comp.edge_probs, 0.5)
        fn = vertex_cover if family == "vertex_cover" else stable_set
        return fn(n, q, seed=seed), {"edge_prob": q}
    if family == "random_qubo":
        q = pick(comp.edge_probs, 0.5)
        return random_qubo(n, seed, density=q), {"density": q}
    if family == "knapsack":
        b = int(pick(comp.slack_bits, DEFAULT_SLACK_BITS))
        return knapsack(n, seed, slack_bits=b), {"slack_bits": b}
    if family == "max3sat":
        r = pick(comp.clause_ratios, DEFAULT_CLAUSE_RATIO)
        return max3sat(n, seed, clause_ratio=r), {"clause_ratio": r}
    if family == "labs":
        return labs(n), {}
    simple = {"number_partitioning": number_partitioning, "tsp": tsp, "portfolio": portfolio}
    if family not in simple:
        raise ValueError(f"family must be one of {QUBO_FAMILIES}, got {family!r}")
    return simple[family](n, seed), {}


__all__ = ["POOL_MAX_QUBITS", "QUBO_FAMILIES", "QuboProblem", "check_component", "generate",
           "pool_qubits", "knapsack", "labs", "max3sat", "number_partitioning", "portfolio",
           "random_qubo", "stable_set", "tsp", "vertex_cover"]
