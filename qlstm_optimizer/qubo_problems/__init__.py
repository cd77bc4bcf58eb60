"""General diagonal cost Hamiltonians: qiskit-optimization's problem encodings and higher order.

Every generator returns a :class:`QuboProblem` (a
:class:`~qlstm_optimizer.hamiltonian.DiagonalHamiltonian`) whose diagonal, constant included, is
the minimised objective after ``QuadraticProgramToQubo()`` of every bit string, as
``QuadraticProgram.to_ising()`` returns it (operator + offset; variable i on qubit i, bit 1 =
Z eigenvalue -1). Built in NumPy (:mod:`~qlstm_optimizer.qubo_problems.program` describes the
penalty rule); qiskit-optimization is only the reference in the tests. For a feasible bit
string the energy is the objective (negated for maximisation problems); infeasible ones pay the
penalty.
Each problem keeps its data as attributes: ``edges``; ``values``, ``weights``, ``capacity``;
``numbers``; ``distances``; ``expected_returns``, ``covariances``; ``clauses``, ``negated``.

| generator (= pool family) | encoding | qubits |
|---|---|---|
| :func:`vertex_cover` | ``VertexCover`` on G(n, edge_prob) | n |
| :func:`stable_set` | ``StableSet`` on G(n, edge_prob) | n |
| :func:`knapsack` | ``Knapsack``, one ``<=`` (integer slack) | n + slack_bits |
| :func:`number_partitioning` | ``NumberPartition``, one equality | n |
| :func:`tsp` | ``Tsp`` on random points | num_cities**2 |
| :func:`portfolio` | ``PortfolioOptimization`` (qiskit-finance) | n |
| :func:`random_qubo` | unconstrained ``c.x + x^T Q x`` | n |
| :func:`labs` | ``sum_k C_k**2``: 4- and 2-body terms | n |
| :func:`max3sat` | unsatisfied clauses: 1- to 3-body terms | n |

The same names are instance-pool families (:mod:`qlstm_optimizer.instances`, via
:func:`generate`): a component's ``sizes`` are the logical sizes n (cities for ``tsp``) and
every size must fit in ``POOL_MAX_QUBITS`` qubits, slack bits included. Pools draw the graph
density from ``edge_probs`` (vertex_cover, stable_set; random_qubo's coupling density, default
0.5), the slack bits from ``slack_bits`` (knapsack, default 3), the clause ratio from
``clause_ratios`` (max3sat, default 4.27) and the portfolio budget uniformly from 1..n-1.

Example:
    >>> problem = vertex_cover(6, 0.5, seed=1)
    >>> problem.num_qubits, problem.penalty
    (6, 7.0)
    >>> best = problem.optimal_objective()  # smallest vertex cover, by enumeration
    >>> best == problem.ground_energy()  # the penalty makes the feasible optimum the ground state
    True
"""

from .generators import (
    knapsack,
    labs,
    max3sat,
    number_partitioning,
    portfolio,
    random_qubo,
    stable_set,
    tsp,
    vertex_cover,
)
from .pools import POOL_MAX_QUBITS, QUBO_FAMILIES, check_component, generate, pool_qubits
from .program import BinaryProgram, QuboProblem

__all__ = ["POOL_MAX_QUBITS", "QUBO_FAMILIES", "BinaryProgram", "QuboProblem", "check_component",
           "generate", "knapsack", "labs", "max3sat", "number_partitioning", "pool_qubits",
           "portfolio", "random_qubo", "stable_set", "tsp", "vertex_cover"]
