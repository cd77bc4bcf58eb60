"""The cost operator read from qiskit-algorithms' energy function (hamiltonian="auto")."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.primitives import StatevectorSampler
from qiskit.quantum_info import SparsePauliOp
from qiskit_algorithms import QAOA

from qlstm_optimizer import QLSTMOptimizer
from qlstm_optimizer.autodetect import operator_from_objective, resolve_hamiltonian
from qlstm_optimizer.problems import erdos_renyi
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
    assert resolve_hamiltonian("auto", closure_over(diag), hamiltonian_scale=2.0) is None
    assert resolve_hamiltonian(None, closure_over(diag)) is None
    with pytest.raises(ValueError, match="auto"):
        resolve_hamiltonian("automatic", closure_over(diag))


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
