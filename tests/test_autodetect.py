"""The cost operator and the ansatz read from the energy function (hamiltonian="auto"), the
blind-run warning and the generic fallback for circuits that are not the standard QAOA."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
from qiskit.primitives import StatevectorSampler
from qiskit.quantum_info import SparsePauliOp
from qiskit_algorithms import QAOA

from qlstm_optimizer import QLSTMOptimizer, minimize_qaoa
from qlstm_optimizer.autodetect import (
    MAX_ITEMS,
    SEARCH_DEPTH,
    BlindRunWarning,
    ObjectiveScan,
    UnrecognizedAnsatzWarning,
    ansatz_verdict,
    inspect_objective,
    operator_from_objective,
    scan_objective,
)
from qlstm_optimizer.problems import erdos_renyi, sk
from qlstm_optimizer.sim import qaoa_energy

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_qaoa_one_liner_reads_the_operator():
    """QAOA's energy function closes over the operator; the default finds it, so the one-line
    usage proposes the same points as passing hamiltonian=op, and None runs blind."""
    graph = erdos_renyi(8, 0.8, seed=77)  # dense: blind units are far off
    op = graph.to_sparse_pauli_op()
    seen = {}

    def run(**options):
        opt = QLSTMOptimizer.pretrained("maxcut-p1", maxfev=4, **options)
        inner = opt.minimize

        def minimize(fun, x0, jac=None, bounds=None):
            seen["operator"] = operator_from_objective(fun)
            return inner(fun, x0, jac, bounds)
        opt.minimize = minimize
        return QAOA(StatevectorSampler(seed=3), optimizer=opt).compute_minimum_eigenvalue(op)

    auto = run()
    assert seen["operator"] is op  # qiskit-algorithms' closure layout is what we expect
    explicit, blind = run(hamiltonian=op), run(hamiltonian=None)
    np.testing.assert_allclose(auto.optimal_point, explicit.optimal_point, atol=0)
    assert not np.allclose(auto.optimal_point, blind.optimal_point)
    opt_e = graph.optimal_qaoa_energy(1).energy
    assert qaoa_energy(graph, auto.optimal_point) / opt_e > 0.95


def test_operator_lookup_is_conservative():
    diag = SparsePauliOp.from_list([("ZZ", 0.5)])
    mixer = SparsePauliOp.from_list([("XI", 1.0)])

    def closure_over(operator):
        return lambda x: float(operator.num_qubits)

    assert operator_from_objective(closure_over(diag)) is diag
    assert operator_from_objective(closure_over(mixer)) is None  # not diagonal
    assert operator_from_objective(closure_over("text")) is None
    assert operator_from_objective(np.sum) is None  # no closure at all
    assert inspect_objective(closure_over(diag), "auto", 2.0, 2) == (None, True)
    assert inspect_objective(closure_over(diag), None, None, 2) == (None, True)
    with pytest.raises(ValueError, match="auto"):
        inspect_objective(closure_over(diag), "automatic", None, 2)


def test_scipy_method_looks_at_the_callers_function():
    from scipy.optimize import minimize

    from qlstm_optimizer import qlstm

    graph = erdos_renyi(8, 0.8, seed=78)
    operator = graph.to_sparse_pauli_op()

    def energy(x):
        return qaoa_energy(operator, x)

    auto = minimize(energy, np.zeros(2), method=qlstm, options={"maxfev": 3})
    explicit = minimize(energy, np.zeros(2), method=qlstm,
                        options={"maxfev": 3, "hamiltonian": operator})
    np.testing.assert_allclose(auto.x, explicit.x, atol=0)


def test_qaoa_oneliner_benchmark_runs(capsys):
    from benchmarks import qaoa_oneliner

    assert qaoa_oneliner.main(["--instances", "1", "--maxfev", "2"]) == 0
    out = capsys.readouterr().out
    assert "hamiltonian=auto" in out and "hamiltonian=None (blind)" in out



# -- issue 16.2: the operator is found by type, wherever the function keeps it -----------------

def _weighted_maxcut(seed: int):
    """Max-Cut with integer weights 1..10: far from the training units, so blind runs fail."""
    from qlstm_optimizer.problems import MaxCut

    rng = np.random.default_rng(seed)
    edges = [(i, j) for i in range(9) for j in range(i + 1, 9) if rng.random() < 0.5]
    return MaxCut(9, edges, rng.integers(1, 11, len(edges)).astype(float))


def test_operator_found_by_type_not_by_name():
    """Closing over H (not named `operator`) on integer-weighted Max-Cut: found, so the SciPy
    method reaches the optimum; blind (the operator kept in a dict, which is not searched) the
    same run is far off and says so with a BlindRunWarning naming the fix."""
    from scipy.optimize import minimize

    from qlstm_optimizer import qlstm

    problem = _weighted_maxcut(5)
    H = problem.to_sparse_pauli_op()

    def energy(x):
        return qaoa_energy(H, x)

    assert operator_from_objective(energy) is H
    with warnings.catch_warnings():
        warnings.simplefilter("error", BlindRunWarning)
        res = minimize(energy, np.zeros(2), method=qlstm, options={"maxfev": 10})
    explicit = minimize(energy, np.zeros(2), method=qlstm,
                        options={"maxfev": 10, "hamiltonian": H})
    np.testing.assert_allclose(res.x, explicit.x, atol=0)
    assert problem.rho(res.fun, 1) > 0.99

    hidden = {"H": H}
    with pytest.warns(BlindRunWarning, match="hamiltonian=H"):
        blind = minimize(lambda x: qaoa_energy(hidden["H"], x), np.zeros(2), method=qlstm,
                         options={"maxfev": 10})
    assert problem.rho(blind.fun, 1) < 0.5  # what finding the operator is worth here


def test_operator_search_follows_wrappers():
    op = erdos_renyi(6, 0.5, seed=3).to_sparse_pauli_op()

    def energy(x, H):
        return qaoa_energy(H, x)

    def outer(H):
        def middle(x):
            return inner(x)

        def inner(x):
            return energy(x, H)
        return middle

    class Problem:
        def __init__(self, H):
            self.H = H

        def energy(self, x):
            return energy(x, self.H)

        def __call__(self, x):
            return energy(x, self.H)

    def tagged(x):
        return 0.0
    tagged.hamiltonian = op

    for fun in (outer(op), functools.partial(energy, H=op), functools.partial(energy, [0], op),
                Problem(op).energy, Problem(op), tagged, lambda x: outer(op)(x)):
        assert operator_from_objective(fun) is not None, fun
    problem = erdos_renyi(6, 0.5, seed=3)
    # the same operator twice (a problem and its SparsePauliOp) is one candidate, not two
    found = operator_from_objective(lambda x: (problem, op))
    assert found is problem or found is op
    # a SciPy args tuple is searched too
    from scipy.optimize import minimize

    from qlstm_optimizer import qlstm

    with warnings.catch_warnings():
        warnings.simplefilter("error", BlindRunWarning)
        minimize(energy, np.zeros(2), args=(op,), method=qlstm, options={"maxfev": 2})


def test_two_different_operators_are_not_guessed():
    a = erdos_renyi(6, 0.5, seed=3).to_sparse_pauli_op()
    b = 2.0 * a

    def energy(x):
        return qaoa_energy(a, x) + qaoa_energy(b, x)

    assert operator_from_objective(energy) is None
    assert len(scan_objective(energy).operators) == 2
    with pytest.warns(BlindRunWarning, match="more than one"):
        minimize_qaoa(energy, np.zeros(2), model="maxcut-p1", maxfev=2)


def test_blind_warning_only_when_not_asked_for():
    f = lambda x: float(np.sum(np.cos(x)))  # noqa: E731
    with pytest.warns(BlindRunWarning):
        minimize_qaoa(f, np.zeros(2), model="maxcut-p1", maxfev=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", BlindRunWarning)
        minimize_qaoa(f, np.zeros(2), model="maxcut-p1", maxfev=2, hamiltonian=None)
        minimize_qaoa(f, np.zeros(2), model="maxcut-p1", maxfev=2, hamiltonian_scale=2.0)


def test_search_is_bounded():
    op = erdos_renyi(6, 0.5, seed=3).to_sparse_pauli_op()
    deep = op
    for _ in range(SEARCH_DEPTH + 2):
        deep = (lambda v: (lambda x: v))(deep)
    assert operator_from_objective(deep) is None  # too deep: not found, and no endless walk
    many = [object()] * (MAX_ITEMS + 1) + [op]
    assert operator_from_objective(lambda x: many) is None  # long lists are not looked into

    def cyclic(x):
        return cyclic(x)
    cyclic.self = cyclic
    assert operator_from_objective(cyclic) is None


# -- issue 16.1: circuits other than the standard QAOA ansatz ----------------------------------

PM = None


def _pm():
    global PM
    if PM is None:
        from qiskit.transpiler import generate_preset_pass_manager

        PM = generate_preset_pass_manager(optimization_level=1,
                                          basis_gates=["h", "rx", "ry", "rz", "rzz", "cx"])
    return PM


def _triangle():
    return SparsePauliOp.from_list([("IZZ", 0.5), ("ZIZ", 0.5), ("ZZI", 0.5)])


def test_vqe_ansatz_runs_the_generic_fallback():
    """real_amplitudes (6 parameters: passes the depth check, p = 3) used to end above 0; the
    fallback evaluates x0 first, refines from it and reaches the ground state -0.5."""
    from qiskit.circuit.library import real_amplitudes
    from qiskit_algorithms import SamplingVQE

    x0 = np.array([0.3, -0.4, 1.1, 0.2, -0.7, 0.5])
    seen = []
    vqe = SamplingVQE(StatevectorSampler(seed=1), real_amplitudes(3, reps=1),
                      QLSTMOptimizer.pretrained(maxfev=20), initial_point=x0,
                      callback=lambda count, params, value, meta: seen.append(params))
    with pytest.warns(UnrecognizedAnsatzWarning, match="generic fallback"):
        result = vqe.compute_minimum_eigenvalue(_triangle())
    np.testing.assert_allclose(seen[0], x0)
    assert result.cost_function_evals <= 20
    assert result.eigenvalue < -0.45


def _qaoa(kind: str, optimizer, n: int = 4, transpile: bool = True):
    from benchmarks.generic_fallback import variant_circuits

    op = erdos_renyi(n, 0.7, seed=11).to_sparse_pauli_op()
    initial_state, mixer = variant_circuits(kind, n, thetas=np.linspace(0.8, 2.2, n))
    qaoa = QAOA(StatevectorSampler(seed=2), optimizer, initial_state=initial_state, mixer=mixer,
                transpiler=_pm() if transpile else None)
    return qaoa, op


@pytest.mark.parametrize("kind", ["warm-start", "minus-x", "sum-y"])
def test_other_qaoa_mixers_and_starts_run_the_fallback(kind):
    qaoa, op = _qaoa(kind, QLSTMOptimizer.pretrained("maxcut-p1", maxfev=3))
    with pytest.warns(UnrecognizedAnsatzWarning):
        result = qaoa.compute_minimum_eigenvalue(op)
    assert result.cost_function_evals == 3


@pytest.mark.parametrize("kind,transpile", [("standard", True), ("standard", False),
                                            ("sum-x", True)])
def test_standard_qaoa_is_recognised(kind, transpile):
    """The default QAOA (transpiled, or Qiskit's QAOAAnsatz class as it is) and an explicit
    sum-X mixer are the standard ansatz: no warning, the model's points (same as passing the
    operator through a plain function)."""
    qaoa, op = _qaoa(kind, QLSTMOptimizer.pretrained("maxcut-p1", maxfev=3), n=4,
                     transpile=transpile)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnrecognizedAnsatzWarning)
        warnings.simplefilter("error", BlindRunWarning)
        result = qaoa.compute_minimum_eigenvalue(op)
    plain = minimize_qaoa(lambda x: qaoa_energy(op, x), np.zeros(2), model="maxcut-p1",
                          maxfev=1, hamiltonian=op)
    # the first point is the model's (the sampled energies differ, the first proposal not)
    assert result.cost_function_evals == 3
    assert np.allclose(plain.history_x[0], _first_point(kind, transpile))


def _first_point(kind, transpile):
    seen = []
    qaoa, op = _qaoa(kind, QLSTMOptimizer.pretrained("maxcut-p1", maxfev=1), n=4,
                     transpile=transpile)
    qaoa.callback = lambda count, params, value, meta: seen.append(params)
    qaoa.compute_minimum_eigenvalue(op)
    return seen[0]


def test_sampling_vqe_with_qaoa_ansatz_function_is_recognised():
    from qiskit.circuit.library import qaoa_ansatz
    from qiskit_algorithms import SamplingVQE

    op = sk(5, seed=2).to_sparse_pauli_op()
    vqe = SamplingVQE(StatevectorSampler(seed=1), qaoa_ansatz(op, reps=1),
                      QLSTMOptimizer.pretrained("sk-p1", maxfev=3))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnrecognizedAnsatzWarning)
        vqe.compute_minimum_eigenvalue(op)


def test_verdicts_without_simulation_or_check():
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import QAOAAnsatz, real_amplitudes

    big = erdos_renyi(24, 0.3, seed=1).to_sparse_pauli_op()  # 2**24: never simulated here
    scan = ObjectiveScan(operators=[big], circuits=[QAOAAnsatz(big, reps=1)])
    assert ansatz_verdict(scan, big, 2) == "qaoa"  # the class with its defaults: structural
    scan.circuits = [real_amplitudes(24, reps=1)]
    assert ansatz_verdict(scan, big, 48) == "unknown"  # too large to check: the caller's word
    small = _triangle()
    two = ObjectiveScan(operators=[small], circuits=[QuantumCircuit(3), QuantumCircuit(3)])
    assert ansatz_verdict(two, small, 2) == "unknown"
    other = QAOAAnsatz(small, reps=1, mixer_operator=SparsePauliOp.from_list([("YII", 1.0)]))
    assert ansatz_verdict(ObjectiveScan([small], [other]), small, 2) == "other"
    # a non-diagonal operator (an Estimator VQE of a molecule): no QAOA cost layer at all
    assert ansatz_verdict(ObjectiveScan([], [real_amplitudes(3, reps=1)], non_diagonal=True),
                          None, 6) == "other"
    # no circuit (a plain function): the caller's word
    assert ansatz_verdict(ObjectiveScan([small], []), small, 2) == "unknown"


def test_fallback_keeps_the_run_contract():
    """Budget, bounds, callback, NaN and argument errors of the generic fallback."""
    from qlstm_optimizer.fallback import refine_from_x0
    from qlstm_optimizer.policy import NonFiniteEnergyError

    f = lambda x: float(np.sum((x - 0.5) ** 2))  # noqa: E731
    calls = []
    res = refine_from_x0(f, [0.0, 0.0, 0.0], maxfev=7, bounds=[(0, 0.2)] * 3,
                         callback=lambda x, e: calls.append(x))
    assert res.nfev == 7 == len(calls) and np.allclose(calls[0], 0.0)
    assert np.all(res.x <= 0.2) and res.fun == min(res.history_fun)

    def stop(x, e):
        raise StopIteration
    stopped = refine_from_x0(f, [0.0, 0.0], maxfev=7, callback=stop)
    assert stopped.nfev == 1 and stopped.stopped_by_callback
    with pytest.raises(NonFiniteEnergyError, match="evaluation 1"):
        refine_from_x0(lambda x: float("nan"), [0.0], maxfev=3)
    with pytest.raises(ValueError, match="maxfev"):
        refine_from_x0(f, [0.0], maxfev=0)
    with pytest.raises(ValueError, match="refine"):
        refine_from_x0(f, [0.0], maxfev=3, refine="bfgs")
    with pytest.raises(ValueError, match="x0"):
        refine_from_x0(f, [np.nan], maxfev=3)
    assert refine_from_x0(f, [0.0], maxfev=5, refine=None).nfev == 5  # the default refine


def test_cobyla_fallback_is_cobyla_from_x0():
    """x0's value is reused when COBYLA asks for it again: the fallback with refine="cobyla"
    evaluates exactly the points of scipy's COBYLA from x0 (rhobeg = the generic step)."""
    from scipy.optimize import minimize

    from qlstm_optimizer.fallback import GENERIC_STEP, refine_from_x0

    f = lambda x: float(np.sin(3 * x[0]) + (x[1] - 0.3) ** 2 + 0.1 * x[2] ** 2)  # noqa: E731
    x0 = np.array([0.2, -1.0, 0.5])
    ours = refine_from_x0(f, x0, maxfev=12, refine="cobyla")
    points = []
    minimize(lambda x: points.append(np.array(x)) or f(x), x0, method="COBYLA",
             options={"maxiter": 12, "rhobeg": GENERIC_STEP, "tol": 1e-6})
    assert ours.nfev == 12
    np.testing.assert_allclose(np.array(ours.history_x), np.array(points[:12]), atol=1e-12)


GLOBAL_H = erdos_renyi(6, 0.5, seed=4).to_sparse_pauli_op()


def _global_energy(x):
    return qaoa_energy(GLOBAL_H, x)


def test_module_level_operator_is_found():
    """A script's `energy = lambda x: qaoa_energy(H, x)` refers to H as a global: found, also
    through a helper of the same module; library functions (qaoa_energy) are not walked."""
    assert operator_from_objective(_global_energy) is GLOBAL_H
    assert operator_from_objective(lambda x: _global_energy(x)) is GLOBAL_H
    namespace = {}
    exec("from qlstm_optimizer.sim import qaoa_energy\n"
         "from qlstm_optimizer.problems import sk\n"
         "H = sk(5, seed=1)\nf = lambda x: qaoa_energy(H, x)\n", namespace)
    assert operator_from_objective(namespace["f"]) is namespace["H"]


def test_generic_fallback_benchmark_runs(capsys):
    """benchmarks/generic_fallback.py (the user guide's table), at its smallest."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "generic_fallback.py"
    spec = importlib.util.spec_from_file_location("generic_fallback", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--instances", "1", "--maxfev", "3", "--kinds", "vqe-ra"]) == 0
    out = capsys.readouterr().out
    assert "vqe-ra" in out and "COBYLA" in out and "learned, no check" in out


def test_simulator_of_the_check_matches_qiskit():
    """The check's small simulator agrees with Qiskit's Statevector (qubit order, two-qubit
    gates in both orientations) on random circuits."""
    from qiskit import transpile
    from qiskit.circuit.random import random_circuit
    from qiskit.quantum_info import Statevector

    from qlstm_optimizer.autodetect import simulate

    for seed in range(4):
        circuit = transpile(random_circuit(5, 6, max_operands=2, seed=seed),
                            basis_gates=["u", "cx", "rzz", "rx", "ry", "rz", "h"],
                            optimization_level=0)
        assert abs(np.vdot(Statevector(circuit).data, simulate(circuit))) > 1 - 1e-9


def test_estimator_vqe_of_a_non_diagonal_operator_runs_the_fallback():
    """VQE (estimator) on an operator with X terms: no QAOA cost layer exists, so the fallback
    runs; a bad explicit hamiltonian next to a circuit is still refused by name."""
    from qiskit.circuit.library import real_amplitudes
    from qiskit.primitives import StatevectorEstimator
    from qiskit_algorithms import VQE

    op = SparsePauliOp.from_list([("XX", 1.0), ("ZZ", 0.5), ("ZI", 0.3)])
    vqe = VQE(StatevectorEstimator(), real_amplitudes(2, reps=1),
              QLSTMOptimizer.pretrained("maxcut", maxfev=30), initial_point=np.full(4, 0.1))
    with pytest.warns(UnrecognizedAnsatzWarning):
        result = vqe.compute_minimum_eigenvalue(op)
    ground = float(np.linalg.eigvalsh(op.to_matrix()).min())
    assert result.eigenvalue < ground + 0.05
    scan = ObjectiveScan(operators=[], circuits=[real_amplitudes(2, reps=1)])
    assert ansatz_verdict(scan, 12345, 4) == "unknown"  # the units code will refuse 12345
