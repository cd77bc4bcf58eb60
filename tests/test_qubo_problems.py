"""General diagonal Hamiltonians (qlstm_optimizer.qubo_problems) against qiskit-optimization."""

from __future__ import annotations

import hashlib
import itertools

import numpy as np
import pytest

from qlstm_optimizer import qubo_problems as qp
from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
from qlstm_optimizer.instances import (
    Component,
    InstanceDistribution,
    build_pool,
    pool_key,
    sample_instance,
)
from qlstm_optimizer.qubo_problems import BinaryProgram, QuboProblem


# -- the qiskit-optimization pipeline (the authority) ------------------------------------------
def qiskit_diagonal(program) -> tuple[np.ndarray, float | None]:
    """application -> QuadraticProgramToQubo() -> to_ising(): diagonal + offset, penalty."""
    from qiskit_optimization.converters import QuadraticProgramToQubo

    conv = QuadraticProgramToQubo()
    op, offset = conv.convert(program).to_ising()
    return DiagonalHamiltonian.from_sparse_pauli_op(op).diagonal() + offset, conv.penalty


def assert_same(problem, program):
    reference, _ = qiskit_diagonal(program)
    scale = max(1.0, float(np.abs(reference).max()))
    np.testing.assert_allclose(problem.diagonal(), reference, rtol=0, atol=1e-9 * scale)


def graph_of(problem):
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(problem.num_variables))
    graph.add_edges_from(problem.edges.tolist())
    return graph


def portfolio_program(mu, cov, risk_factor, budget):
    """qiskit-finance's PortfolioOptimization.to_quadratic_program (not installed here)."""
    from docplex.mp.advmodel import AdvModel
    from qiskit_optimization.translators import from_docplex_mp

    mdl = AdvModel(name="Portfolio optimization")
    x = [mdl.binary_var(name=f"x_{i}") for i in range(len(mu))]
    quad = mdl.quad_matrix_sum(cov, x)
    linear = np.dot(mu, x)
    mdl.minimize(risk_factor * quad - linear)
    mdl.add_constraint(mdl.sum(x[i] for i in range(len(mu))) == budget)
    return from_docplex_mp(mdl)


def reference_program(problem):
    """The QuadraticProgram qiskit-optimization's application builds for ``problem``."""
    apps = pytest.importorskip("qiskit_optimization.applications")
    family = problem.family
    if family == "vertex_cover":
        return apps.VertexCover(graph_of(problem)).to_quadratic_program()
    if family == "stable_set":
        return apps.StableSet(graph_of(problem)).to_quadratic_program()
    if family == "knapsack":
        return apps.Knapsack(problem.values.tolist(), problem.weights.tolist(),
                             problem.capacity).to_quadratic_program()
    if family == "number_partitioning":
        return apps.NumberPartition(problem.numbers.tolist()).to_quadratic_program()
    if family == "tsp":
        import networkx as nx

        graph = nx.Graph()
        n = problem.distances.shape[0]
        for i, j in itertools.combinations(range(n), 2):
            graph.add_edge(i, j, weight=problem.distances[i, j])
        return apps.Tsp(graph).to_quadratic_program()
    if family == "portfolio":
        return portfolio_program(problem.expected_returns, problem.covariances,
                                 problem.risk_factor, problem.budget)
    if family == "random_qubo":
        from qiskit_optimization import QuadraticProgram

        prog = QuadraticProgram()
        for i in range(problem.num_variables):
            prog.binary_var(f"x{i}")
        quad = {(int(i), int(j)): float(c)
                for (i, j), c in np.ndenumerate(problem.program.quadratic) if c}
        prog.minimize(linear=problem.program.linear.tolist(), quadratic=quad)
        return prog
    raise AssertionError(family)


CASES = [(qp.vertex_cover, n, {"edge_prob": q}) for n, q in ((5, 0.5), (8, 0.3), (10, 0.6))]
CASES += [(qp.stable_set, n, {"edge_prob": q}) for n, q in ((5, 0.5), (8, 0.3), (10, 0.6))]
CASES += [(qp.knapsack, n, {"slack_bits": b}) for n, b in ((4, 2), (7, 3), (9, 4))]
CASES += [(qp.number_partitioning, n, {}) for n in (4, 8, 11)]
CASES += [(qp.tsp, n, {}) for n in (3, 4)]
CASES += [(qp.portfolio, n, {}) for n in (4, 7, 10)]
CASES += [(qp.portfolio, 9, {"budget": 2, "risk_factor": 2.0})]  # fields do not cancel
CASES += [(qp.random_qubo, n, {"density": d}) for n, d in ((4, 1.0), (8, 0.5), (11, 0.3))]


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize(("make", "n", "kwargs"), CASES,
                         ids=[f"{c[0].__name__}-{c[1]}" for c in CASES])
def test_diagonal_equals_the_qiskit_optimization_pipeline(make, n, kwargs, seed):
    pytest.importorskip("qiskit_optimization")
    problem = make(n, seed=seed, **kwargs)
    program = reference_program(problem)
    assert_same(problem, program)
    # Same variables and qubits as the converted program (slack bits included).
    from qiskit_optimization.converters import QuadraticProgramToQubo

    assert problem.num_qubits == QuadraticProgramToQubo().convert(program).get_num_vars()
    # A feasible string's energy is the QuadraticProgram's objective (negated when maximised).
    sign = -1.0 if problem.maximize else 1.0
    rng = np.random.default_rng(seed)
    for index in rng.permutation(2**problem.num_qubits)[:64]:
        bits = (index >> np.arange(problem.num_qubits)) & 1
        x = bits[: problem.num_variables]
        assert bool(problem.is_feasible(bits)) == program.is_feasible(x)
        value = program.objective.evaluate(x)
        assert problem.objective(bits) == pytest.approx(value, rel=1e-12, abs=1e-12)
        if program.is_feasible(x) and problem.num_qubits == problem.num_variables:
            assert problem.diagonal()[index] == pytest.approx(sign * value, abs=1e-9)


@pytest.mark.parametrize(("make", "n", "kwargs"), [
    (qp.vertex_cover, 7, {"edge_prob": 0.5}), (qp.stable_set, 7, {"edge_prob": 0.5}),
    (qp.knapsack, 6, {"slack_bits": 3}), (qp.number_partitioning, 7, {}), (qp.tsp, 3, {}),
    (qp.portfolio, 8, {}), (qp.random_qubo, 8, {}),
])
def test_ground_state_is_the_feasible_optimum_of_the_exact_solver(make, n, kwargs):
    pytest.importorskip("qiskit_optimization")
    from qiskit_algorithms import NumPyMinimumEigensolver
    from qiskit_optimization.algorithms import MinimumEigenOptimizer

    # (number_partitioning seed 3 has no perfect split: see the next test)
    problem = make(n, seed=1 if make is qp.number_partitioning else 3, **kwargs)
    result = MinimumEigenOptimizer(NumPyMinimumEigensolver()).solve(reference_program(problem))
    sign = -1.0 if problem.maximize else 1.0
    assert problem.optimal_objective() == pytest.approx(result.fval, abs=1e-9)
    assert problem.ground_energy() == pytest.approx(sign * result.fval, abs=1e-9)
    # The ground state's variables are a feasible optimum.
    best = int(np.argmin(problem.diagonal()))
    bits = (best >> np.arange(problem.num_qubits)) & 1
    assert problem.is_feasible(bits)
    assert problem.objective(bits) == pytest.approx(result.fval, abs=1e-9)


def test_a_problem_without_feasible_assignment_says_so():
    problem = qp.number_partitioning(7, seed=3)
    assert problem.ground_energy() == 36.0  # the best split is 6 apart
    with pytest.raises(ValueError, match="no feasible assignment"):
        problem.optimal_objective()


def random_program(rng, n, maximize):
    """Constraints of every kind the converters treat differently, mixed in one program."""
    cons = [({0: 1, 1: 1}, ">=", 1), ({1: 1, 2: 1, 3: 1}, "<=", 1),  # special inequalities
            ({2: 1, 4: -1}, "<=", 0), ({0: -1, 3: 1}, ">=", 0),
            ({0: 1, 2: 2, 4: 3}, "<=", 4), ({1: 2, 3: -1, 4: 1}, ">=", 1),  # slack
            ({i: 1 for i in range(n)}, "==", 2), ({0: 1, 1: 2}, "==", 2)]
    quad = np.triu(rng.integers(-3, 4, size=(n, n)))
    return BinaryProgram(n, linear=rng.integers(-5, 6, n), quadratic=quad, constant=1.5,
                         maximize=maximize, constraints=cons)


@pytest.mark.parametrize("maximize", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_binary_program_matches_the_converters_on_mixed_constraints(seed, maximize):
    qo = pytest.importorskip("qiskit_optimization")
    rng = np.random.default_rng(seed)
    prog = random_program(rng, 6, maximize)
    ref = qo.QuadraticProgram()
    for i in range(6):
        ref.binary_var(f"x{i}")
    quad = {(int(i), int(j)): float(c) for (i, j), c in np.ndenumerate(prog.quadratic) if c}
    (ref.maximize if maximize else ref.minimize)(constant=1.5, linear=prog.linear.tolist(),
                                                 quadratic=quad)
    for k, (row, sense, rhs) in enumerate(prog.constraints):
        ref.linear_constraint({f"x{i}": c for i, c in row.items()}, sense, rhs, f"c{k}")
    expected, penalty = qiskit_diagonal(ref)
    problem = QuboProblem.from_program(prog)
    assert problem.num_qubits == 6 + 3 + 2  # slack [0, 4] and [0, 2]: 3 and 2 bits
    np.testing.assert_allclose(problem.diagonal(), expected, rtol=0,
                               atol=1e-9 * np.abs(expected).max())
    # Both penalties were applied: P_2 (reported) includes P_1's terms.
    assert problem.penalty == penalty


def test_float_constraint_coefficients_use_the_fixed_penalty_and_refuse_slack():
    from qlstm_optimizer.qubo_problems.program import FLOAT_CONSTRAINT_PENALTY

    prog = BinaryProgram(2, linear=[1.0, 2.0], constraints=[({0: 0.5, 1: 1}, "==", 1)])
    assert prog.to_qubo()[1] == FLOAT_CONSTRAINT_PENALTY
    bad = BinaryProgram(2, constraints=[({0: 0.5, 1: 1}, "<=", 1)])
    with pytest.raises(ValueError, match="non-integer coefficients"):
        bad.to_qubo()
    with pytest.raises(ValueError, match="to_qubo"):
        bad.to_ising()


def labs_energy(spins):
    n = len(spins)
    return sum(float(np.dot(spins[: n - k], spins[k:])) ** 2 for k in range(1, n))


# Optimal LABS energies (Packebusch & Mertens 2016, table 1).
LABS_OPTIMA = {3: 1, 4: 2, 5: 2, 6: 7, 7: 3, 8: 8, 9: 12, 10: 13, 11: 5, 12: 10}


@pytest.mark.parametrize("n", [3, 6, 9, 12])
def test_labs_is_the_sum_of_squared_autocorrelations(n):
    problem = qp.labs(n)
    assert problem.max_order == (4 if n >= 4 else 2) and problem.num_qubits == n
    index = np.arange(2**n)
    spins = 1 - 2 * ((index[:, None] >> np.arange(n)) & 1)
    expected = [labs_energy(s) for s in spins[:: max(1, 2**n // 300)]]
    assert np.array_equal(problem.diagonal()[:: max(1, 2**n // 300)], expected)
    assert problem.ground_energy() == LABS_OPTIMA[n] == problem.optimal_objective()


@pytest.mark.parametrize(("n", "seed"), [(5, 0), (9, 4), (12, 2)])
def test_max3sat_counts_unsatisfied_clauses(n, seed):
    problem = qp.max3sat(n, seed=seed, clause_ratio=3.0)
    assert len(problem.clauses) == 3 * n and problem.max_order == 3
    assert all(len(set(c)) == 3 for c in problem.clauses.tolist())
    x = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
    literal = x[:, problem.clauses] ^ problem.negated  # (states, clauses, 3): literal true
    unsat = (~literal.any(axis=2)).sum(axis=1)
    assert np.array_equal(problem.diagonal(), unsat)
    assert problem.optimal_objective() == unsat.min()


def test_generators_are_pure_functions_of_their_seed():
    for make in (qp.vertex_cover, qp.stable_set, qp.knapsack, qp.number_partitioning,
                 qp.portfolio, qp.random_qubo, qp.max3sat):
        a, b, c = make(6, seed=11), make(6, seed=11), make(6, seed=12)
        assert a == b and a != c and a.seed == 11, make.__name__
    assert qp.tsp(4, seed=5) == qp.tsp(4, seed=5) != qp.tsp(4, seed=6)
    gen = qp.knapsack(6, seed=np.random.default_rng(3))
    assert gen.seed is None and gen.num_qubits == 9


def test_qubit_counts_and_penalties_follow_the_documented_rules():
    for n in (6, 12):
        assert qp.knapsack(n, seed=1, slack_bits=4).num_qubits == n + 4
        assert qp.vertex_cover(n, 0.5, seed=1).penalty == 1 + n
        assert qp.number_partitioning(n, seed=1).penalty == 1.0
    t = qp.tsp(4, seed=2)
    assert t.num_qubits == 16
    assert t.penalty == 1 + 2 * 4 * np.triu(t.distances, 1).sum()
    assert qp.random_qubo(6, seed=0).penalty is None and qp.labs(6).penalty is None


def test_bitstrings_and_feasibility():
    problem = qp.knapsack(5, seed=0, slack_bits=2)
    bits = np.zeros(problem.num_qubits, dtype=int)
    bits[0] = 1
    as_string = "".join(str(b) for b in bits[::-1])  # Qiskit: qubit 0 is the last character
    assert problem.objective(as_string) == problem.objective(bits) == problem.values[0]
    assert problem.is_feasible(bits[: problem.num_variables])
    with pytest.raises(ValueError, match="bits"):
        problem.objective([0, 1])
    with pytest.raises(ValueError, match="bits: entries"):
        problem.is_feasible([2] * problem.num_qubits)


BAD_ARGS = [
    (qp.vertex_cover, (1,), {}, "n"), (qp.vertex_cover, (25,), {}, "n"),
    (qp.vertex_cover, (True,), {}, "n"), (qp.vertex_cover, (6.0,), {}, "n"),
    (qp.stable_set, (6, 0.0), {}, "edge_prob"), (qp.stable_set, (6, 1.5), {}, "edge_prob"),
    (qp.stable_set, (6, True), {}, "edge_prob"),
    (qp.knapsack, (6,), {"slack_bits": 0}, "slack_bits"),
    (qp.knapsack, (6,), {"slack_bits": True}, "slack_bits"),
    (qp.knapsack, (6,), {"max_value": 0}, "max_value"),
    (qp.number_partitioning, (1,), {}, "n"), (qp.number_partitioning, (6,), {"max_number": 2.5},
                                               "max_number"),
    (qp.tsp, (2,), {}, "num_cities"), (qp.tsp, (6,), {}, "num_cities"),
    (qp.portfolio, (6,), {"budget": 6}, "budget"), (qp.portfolio, (6,), {"budget": True}, "budget"),
    (qp.portfolio, (6,), {"risk_factor": -1.0}, "risk_factor"),
    (qp.random_qubo, (6,), {"density": 0}, "density"), (qp.labs, (2,), {}, "n"),
    (qp.max3sat, (2,), {}, "n"), (qp.max3sat, (6,), {"clause_ratio": 0.0}, "clause_ratio"),
]


@pytest.mark.parametrize(("make", "args", "kwargs", "name"), BAD_ARGS,
                         ids=[f"{b[0].__name__}-{b[3]}-{i}" for i, b in enumerate(BAD_ARGS)])
def test_bad_arguments_are_refused_by_name(make, args, kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        make(*args, **kwargs)


@pytest.mark.parametrize("seed", [-1, 1.5, "3", True, np.bool_(False)])
def test_bad_seeds_are_refused_by_name(seed):
    for make in (qp.vertex_cover, qp.knapsack, qp.tsp, qp.max3sat):
        with pytest.raises(ValueError, match="^seed must"):
            make(4, seed=seed)


def test_binary_program_refuses_bad_input():
    with pytest.raises(ValueError, match="num_vars"):
        BinaryProgram(True)
    with pytest.raises(ValueError, match="linear"):
        BinaryProgram(2, linear=[1.0])
    with pytest.raises(ValueError, match="quadratic"):
        BinaryProgram(2, quadratic=np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"constraints\[0\]: sense"):
        BinaryProgram(2, constraints=[({0: 1}, "<", 1)])
    with pytest.raises(ValueError, match=r"constraints\[0\] names a variable"):
        BinaryProgram(2, constraints=[({2: 1}, "<=", 1)])
    with pytest.raises(ValueError, match="finite"):
        BinaryProgram(2, linear=[np.nan, 0.0])
    with pytest.raises(ValueError, match="constant must be a finite real number"):
        BinaryProgram(2, constant=np.inf)
    with pytest.raises(ValueError, match=r"quadratic: key \(0, 2\)"):
        BinaryProgram(2, quadratic={(0, 2): 1.0})
    with pytest.raises(ValueError, match=r"quadratic: key \(-1, 0\)"):
        BinaryProgram(2, quadratic={(-1, 0): 1.0})
    with pytest.raises(ValueError, match=r"constraints\[0\] names a variable"):
        BinaryProgram(2, constraints=[({True: 1}, "<=", 1)])
    with pytest.raises(ValueError, match=r"constraints\[0\]: rhs must be a finite real"):
        BinaryProgram(2, constraints=[({0: 1}, "<=", np.nan)])


def test_non_integer_slack_constraint_is_named_by_the_callers_index():
    """The slack-free constraint 0 is dropped before the slack step: the error still names
    constraints[1], the caller's index."""
    prog = BinaryProgram(3, linear=[1, 1, 1], constraints=[
        ({0: 1, 1: 1}, "<=", 1), ({0: 0.5, 2: 1.5}, "<=", 2)])
    with pytest.raises(ValueError, match=r"^constraints\[1\] has non-integer coefficients"):
        prog.to_qubo()


def test_text_linear_is_refused_by_name():
    with pytest.raises(ValueError, match="^linear must be an array of real numbers"):
        BinaryProgram(2, linear="ab")


def test_text_quadratic_coefficient_is_refused_by_name():
    with pytest.raises(ValueError, match=r"^quadratic\[\(0, 1\)\] must be a finite real number"):
        BinaryProgram(2, quadratic={(0, 1): "x"})
    with pytest.raises(ValueError, match="^quadratic must be an array of real numbers"):
        BinaryProgram(2, quadratic=[["a", 0], [0, 0]])


def test_text_constant_is_refused_by_name():
    with pytest.raises(ValueError, match="^constant must be a finite real number"):
        BinaryProgram(2, constant="c")


def test_text_rhs_is_refused_by_name():
    with pytest.raises(ValueError, match=r"^constraints\[1\]: rhs must be a finite real number"):
        BinaryProgram(2, constraints=[({0: 1}, "<=", 1), ({0: 1}, "<=", "one")])


def test_non_mapping_constraint_coefficients_are_refused_by_name():
    with pytest.raises(TypeError, match=r"^constraints\[0\]: coefficients must be a mapping"):
        BinaryProgram(2, constraints=[([0, 1], "<=", 1)])


def test_text_constraint_coefficient_is_refused_by_name():
    with pytest.raises(ValueError, match=r"^constraints\[0\]: the coefficient of variable 1 "
                                         "must be a finite real number"):
        BinaryProgram(2, constraints=[({0: 1, 1: "x"}, "<=", 1)])


def test_constraint_that_is_not_a_triple_is_refused_by_name():
    with pytest.raises(ValueError, match=r"^constraints\[0\] must be a \(coefficients, sense, "):
        BinaryProgram(2, constraints=[({0: 1}, "<=")])
    with pytest.raises(ValueError, match=r"^constraints\[0\]: sense must be one of"):
        BinaryProgram(2, constraints=[({0: 1}, ["<="], 1)])


def test_bitstring_with_other_characters_is_refused_by_name():
    problem = QuboProblem.from_program(BinaryProgram(4, linear=[1.0, 2.0, 3.0, 4.0]))
    assert problem.objective("0101") == 4.0  # qubits 0 and 2 set
    with pytest.raises(ValueError, match="^bits: a bitstring holds only '0' and '1'"):
        problem.objective("01a1")
    with pytest.raises(ValueError, match="^bits: a bitstring"):
        problem.is_feasible("01 1")


# -- instance pools ------------------------------------------------------------------------
POOL_COMPONENTS = [
    {"family": "vertex_cover", "sizes": [6, 7], "edge_probs": [0.4, 0.6]},
    {"family": "stable_set", "sizes": [6], "edge_probs": [0.5]},
    {"family": "knapsack", "sizes": [5, 6], "slack_bits": [2, 3]},
    {"family": "number_partitioning", "sizes": [6]},
    {"family": "tsp", "sizes": [3]},
    {"family": "portfolio", "sizes": [6]},
    {"family": "random_qubo", "sizes": [6], "edge_probs": [0.5]},
    {"family": "labs", "sizes": [6]},
    {"family": "max3sat", "sizes": [6], "clause_ratios": [3.0, 4.27]},
]


def test_every_family_is_a_pool_family(tmp_path):
    dist = InstanceDistribution.from_dict({"components": POOL_COMPONENTS})
    assert InstanceDistribution.from_dict(dist.to_dict()) == dist
    seen = {}
    for i in range(80):
        inst = sample_instance(dist, "train", i)
        assert inst.n == inst.problem.num_qubits and inst.problem.family == inst.family
        again = sample_instance(dist, "train", i)
        assert again.problem == inst.problem and again.params == inst.params
        seen.setdefault(inst.family, inst)
    assert set(seen) == set(qp.QUBO_FAMILIES)
    assert seen["tsp"].n == 9 and seen["knapsack"].n in (7, 8, 9)
    assert 1 <= seen["portfolio"].params["budget"] <= 5 == seen["portfolio"].problem.num_qubits - 1
    assert seen["max3sat"].params["clause_ratio"] in (3.0, 4.27)
    small = {"components": [POOL_COMPONENTS[2], POOL_COMPONENTS[8]]}
    pool = build_pool(InstanceDistribution.from_dict(small), "val", 3, 1, cache_dir=tmp_path)
    for i in range(3):
        inst = sample_instance(InstanceDistribution.from_dict(small), "val", i)
        assert np.allclose(pool.diagonal(i), inst.problem.diagonal() - inst.problem.constant)
        assert pool.opt[i] < 0


def test_the_documented_pool_config_parses():
    from pathlib import Path

    import tomllib

    text = (Path(__file__).resolve().parents[1] / "docs" / "problems.md").read_text()
    block = text.split("```toml\n", 1)[1].split("```", 1)[0]
    comps = tomllib.loads(block)["train_instances"]["components"]
    dist = InstanceDistribution.from_dict({"components": comps})
    assert {c.family for c in dist.components} == {"vertex_cover", "knapsack", "tsp", "max3sat"}
    assert max(qp.pool_qubits(c.family, max(c.sizes), c) for c in dist.components) == 16


def test_existing_families_keep_their_pools_byte_identical():
    # Digests computed with instances.py before the qubo families existed (commit 72be8a7).
    mix = {"components": [
        {"family": "erdos_renyi", "sizes": [5, 6], "edge_probs": [0.3, 0.6], "weight": 2},
        {"family": "weighted_erdos_renyi", "sizes": [5], "edge_probs": [0.5]},
        {"family": "regular", "sizes": [6], "degrees": [3]},
        {"family": "sk", "sizes": [5, 6]}], "scale_range": [0.5, 2.0]}
    dist = InstanceDistribution.from_dict(mix)
    assert all("slack_bits" not in c and "clause_ratios" not in c
               for c in dist.to_dict()["components"])
    assert pool_key(dist, "train", 64, 1, 0) == "15a0fb4a3d69fe7e"
    assert pool_key(dist, "val", 8, 2, 3, "coupling-rms") == "c89046a0601194ec"
    digest = hashlib.sha256()
    for i in range(40):
        inst = sample_instance(dist, "train", i)
        digest.update(np.ascontiguousarray(inst.problem.diagonal()).tobytes())
        digest.update(repr((inst.family, inst.n, inst.seed, inst.scale,
                            sorted(inst.params.items()))).encode())
    assert digest.hexdigest() == ("3eb4c2d747383891924692633994388d"
                                  "76cf382ea622bb88eacd6de91f022ab0")


@pytest.mark.parametrize(("comp", "match"), [
    ({"family": "tsp", "sizes": [5]}, "25 qubits"),
    ({"family": "tsp", "sizes": [2]}, "at least 3"),
    ({"family": "knapsack", "sizes": [18], "slack_bits": [3]}, "slack_bits"),
    ({"family": "knapsack", "sizes": [6], "slack_bits": [0]}, "slack_bits entry"),
    ({"family": "knapsack", "sizes": [6], "slack_bits": [True]}, "slack_bits entry"),
    ({"family": "labs", "sizes": [2]}, "at least 3"),
    ({"family": "vertex_cover", "sizes": [6]}, "edge_probs"),
    ({"family": "vertex_cover", "sizes": [6], "edge_probs": [0.5], "slack_bits": [2]},
     "slack_bits does not apply"),
    ({"family": "portfolio", "sizes": [6], "degrees": [3]}, "degrees does not apply"),
    ({"family": "max3sat", "sizes": [6], "clause_ratios": [-1.0]}, "clause_ratios entry"),
    ({"family": "random_qubo", "sizes": [6], "edge_probs": [1.5]}, "edge_probs entry"),
    ({"family": "sk", "sizes": [6], "slack_bits": [3]}, "slack_bits does not apply"),
    ({"family": "knapsack", "sizes": [6], "slack_bits": 3}, "slack_bits must be a list"),
])
def test_pool_components_are_checked_by_name(comp, match):
    with pytest.raises(ValueError, match=match):
        InstanceDistribution.from_dict({"components": [comp]})


def test_generate_refuses_unknown_families():
    with pytest.raises(ValueError, match="family must be one of"):
        qp.generate("vehicle_routing", 4, np.random.default_rng(0),
                    Component("labs", (4,)), 0)
