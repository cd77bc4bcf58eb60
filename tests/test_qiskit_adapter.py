"""QLSTMOptimizer inside qiskit-algorithms and qiskit-optimization, end to end."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from qiskit.primitives import StatevectorEstimator, StatevectorSampler
from qiskit_algorithms import QAOA, VQE, SamplingVQE
from qiskit_algorithms.optimizers import OptimizerSupportLevel

from qlstm_optimizer import QLSTMOptimizer, UnknownModelError, list_pretrained
from qlstm_optimizer.problems import erdos_renyi
from qlstm_optimizer.sim import qaoa_energy

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def graph():
    return erdos_renyi(5, 0.7, seed=424_242)


def test_usage_line_exactly_as_documented(graph):
    qaoa = QAOA(StatevectorSampler(seed=1), optimizer=QLSTMOptimizer.pretrained("maxcut-p1"))
    result = qaoa.compute_minimum_eigenvalue(graph.to_sparse_pauli_op())
    assert result.cost_function_evals <= 50
    exact = qaoa_energy(graph, result.optimal_point)
    assert graph.rho(exact, 1) > 0.9


def test_support_level_and_no_call():
    opt = QLSTMOptimizer.pretrained("maxcut-p1")
    levels = opt.get_support_level()
    assert levels["gradient"] == OptimizerSupportLevel.ignored
    assert levels["bounds"] == OptimizerSupportLevel.supported
    assert levels["initial_point"] == OptimizerSupportLevel.ignored  # only its length is used
    assert opt.is_initial_point_ignored
    x0_opt = QLSTMOptimizer.pretrained("maxcut-p1", start="x0")
    assert x0_opt.get_support_level()["initial_point"] == OptimizerSupportLevel.supported
    assert x0_opt.is_initial_point_supported and not x0_opt.is_initial_point_ignored
    opt.set_options(start="x0")  # the cached level follows the setting
    assert opt.initial_point_support_level == OptimizerSupportLevel.supported
    assert not callable(opt)  # QAOA would treat a callable as a bare Minimizer


def test_result_fields_and_budget(graph):
    calls = []

    def fun(x):
        calls.append(x)
        return qaoa_energy(graph, x)

    opt = QLSTMOptimizer.pretrained("maxcut-p1", maxfev=17)
    res = opt.minimize(fun, np.zeros(2))
    assert res.nfev == len(calls) == 17
    assert res.fun == min(qaoa_energy(graph, x) for x in calls)
    assert res.nit >= 1 and res.njev == 0


def test_settings_round_trip(graph):
    opt = QLSTMOptimizer.pretrained("maxcut", maxfev=12, refine="nelder-mead", seed=3)
    twin = QLSTMOptimizer(**opt.settings)
    assert twin.settings == opt.settings
    f = lambda x: qaoa_energy(graph, x)  # noqa: E731
    a, b = opt.minimize(f, np.zeros(2)), twin.minimize(f, np.zeros(2))
    np.testing.assert_array_equal(a.x, b.x)
    assert a.fun == b.fun and a.nfev == b.nfev


def test_family_name_picks_depth_from_x0(graph):
    opt = QLSTMOptimizer.pretrained("maxcut", maxfev=6, refine=None)
    f = lambda x: qaoa_energy(graph, x)  # noqa: E731
    assert opt.minimize(f, np.zeros(2)).x.shape == (2,)
    depths = sorted(int(n.split("-p")[1]) for n in list_pretrained() if n.startswith("maxcut-p")
                    and n.split("-p")[1].isdigit())
    if 2 in depths:
        assert opt.minimize(f, np.zeros(4)).x.shape == (4,)
    # beyond the depth-specific models the depth-general model takes over (p = 1..16) ...
    assert opt.minimize(f, np.zeros(2 * (max(depths) + 5))).x.shape == (2 * (max(depths) + 5),)
    # ... and beyond it the error names the range
    with pytest.raises(ValueError, match=r"parameters.*depths 1\.\.16"):
        opt.minimize(f, np.zeros(34))


def test_unknown_model_lists_names():
    with pytest.raises(UnknownModelError, match="maxcut-p1"):
        QLSTMOptimizer.pretrained("no-such-model")


def test_wrong_x0_length_names_supported_sizes(graph):
    opt = QLSTMOptimizer.pretrained("maxcut-p1")
    with pytest.raises(ValueError, match="2"):
        opt.minimize(lambda x: 0.0, np.zeros(4))
    with pytest.raises(ValueError, match="even length"):
        opt.minimize(lambda x: 0.0, np.zeros(3))


def test_exception_in_fun_leaves_optimizer_reusable(graph):
    opt = QLSTMOptimizer.pretrained("maxcut-p1", maxfev=8)

    def flaky(x):
        raise TimeoutError("queue")

    with pytest.raises(TimeoutError):
        opt.minimize(flaky, np.zeros(2))
    f = lambda x: qaoa_energy(graph, x)  # noqa: E731
    assert opt.minimize(f, np.zeros(2)).nfev == 8


def test_hamiltonian_scale_adapts_model(graph):
    """A Hamiltonian 3x larger needs 3x smaller gammas: given the Hamiltonian, the optimizer
    finds the same quality as on the native normalisation."""
    op = graph.to_sparse_pauli_op()
    big = 3.0 * op
    f_native = lambda x: qaoa_energy(op, x)  # noqa: E731
    f_big = lambda x: qaoa_energy(big, x)  # noqa: E731
    native = QLSTMOptimizer.pretrained("maxcut-p1", maxfev=10, refine=None,
                                       hamiltonian=op).minimize(f_native, np.zeros(2))
    adapted = QLSTMOptimizer.pretrained("maxcut-p1", maxfev=10, refine=None, hamiltonian=big)
    res = adapted.minimize(f_big, np.zeros(2))
    assert res.fun == pytest.approx(3.0 * native.fun, rel=1e-9)
    np.testing.assert_allclose(res.x[1], native.x[1] / 3.0)


def test_shot_noise_does_not_break_it(graph):
    qaoa = QAOA(StatevectorSampler(default_shots=256, seed=5),
                optimizer=QLSTMOptimizer.pretrained("maxcut-p1", maxfev=20))
    result = qaoa.compute_minimum_eigenvalue(graph.to_sparse_pauli_op())
    assert graph.rho(qaoa_energy(graph, result.optimal_point), 1) > 0.8


def test_qaoa_with_aer_sampler_and_pass_manager(graph):
    aer = pytest.importorskip("qiskit_aer")
    from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager
    from qiskit_aer.primitives import SamplerV2

    backend = aer.AerSimulator()
    pm = generate_preset_pass_manager(optimization_level=1, backend=backend)
    qaoa = QAOA(SamplerV2(seed=7), QLSTMOptimizer.pretrained("maxcut-p1", maxfev=15),
                transpiler=pm)
    result = qaoa.compute_minimum_eigenvalue(graph.to_sparse_pauli_op())
    assert graph.rho(qaoa_energy(graph, result.optimal_point), 1) > 0.8


def test_sampling_vqe_with_qaoa_ansatz(graph):
    from qiskit.circuit.library import QAOAAnsatz

    op = graph.to_sparse_pauli_op()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ansatz = QAOAAnsatz(op, reps=1)
    vqe = SamplingVQE(StatevectorSampler(seed=2), ansatz,
                      QLSTMOptimizer.pretrained("maxcut-p1", maxfev=20))
    result = vqe.compute_minimum_eigenvalue(op)
    assert graph.rho(qaoa_energy(graph, result.optimal_point), 1) > 0.8


def test_vqe_with_statevector_estimator(graph):
    from qiskit.circuit.library import qaoa_ansatz

    op = graph.to_sparse_pauli_op()
    vqe = VQE(StatevectorEstimator(), qaoa_ansatz(op, reps=1),
              QLSTMOptimizer.pretrained("maxcut-p1", maxfev=25))
    result = vqe.compute_minimum_eigenvalue(op)
    assert result.eigenvalue.real == pytest.approx(qaoa_energy(graph, result.optimal_point))
    assert graph.rho(result.eigenvalue.real, 1) > 0.95


def test_minimum_eigen_optimizer_solves_maxcut():
    pytest.importorskip("qiskit_optimization")
    from qiskit_optimization.algorithms import MinimumEigenOptimizer
    from qiskit_optimization.applications import Maxcut

    problem = erdos_renyi(6, 0.6, seed=55_555)
    graph = problem.to_networkx()
    qp = Maxcut(graph).to_quadratic_program()
    qaoa = QAOA(StatevectorSampler(seed=3), QLSTMOptimizer.pretrained("maxcut-p1", maxfev=30))
    result = MinimumEigenOptimizer(qaoa).solve(qp)
    assert result.fval == pytest.approx(problem.max_cut_value())


def test_set_options_changes_every_setting_and_settings_round_trip(graph):
    calls = []

    def fun(x):
        calls.append(x)
        return qaoa_energy(graph, x)

    opt = QLSTMOptimizer.pretrained("maxcut-p1", maxfev=20)
    opt.set_options(maxfev=5)  # was ignored: 20 evaluations ran
    assert opt.minimize(fun, np.zeros(2)).nfev == len(calls) == 5
    opt.set_options(maxiter=7, refine="cobyla", seed=3, start="x0", exploration_noise=0.1)
    assert opt.settings["maxfev"] == 7 and opt.settings["refine"] == "cobyla"
    twin = QLSTMOptimizer(**opt.settings)
    assert twin.settings == opt.settings
    a, b = opt.minimize(fun, np.zeros(2)), twin.minimize(fun, np.zeros(2))
    np.testing.assert_array_equal(a.x, b.x)
    assert a.nfev == b.nfev == 7
    with pytest.raises(ValueError, match=r"unknown QLSTMOptimizer setting\(s\) \['max_fev'\]"):
        opt.set_options(max_fev=3)
    with pytest.raises(ValueError, match="disagree"):
        opt.set_options(maxfev=3, maxiter=4)
    assert opt.settings["maxfev"] == 7  # nothing changed


def test_maxiter_is_the_budget_alias(graph):
    f = lambda x: qaoa_energy(graph, x)  # noqa: E731
    opt = QLSTMOptimizer.pretrained("maxcut-p1", maxiter=9)  # what COBYLA users write
    assert opt.settings["maxfev"] == 9 and "maxiter" not in opt.settings
    assert opt.minimize(f, np.zeros(2)).nfev == 9
    assert QLSTMOptimizer(maxfev=6, maxiter=6).settings["maxfev"] == 6
    with pytest.raises(ValueError, match="maxfev = 5 and maxiter = 6 disagree"):
        QLSTMOptimizer(maxfev=5, maxiter=6)
    with pytest.raises(ValueError, match="maxiter must be a positive integer"):
        QLSTMOptimizer(maxiter=2.5)


def test_repr_shows_model_and_budget():
    assert repr(QLSTMOptimizer.pretrained("maxcut-p1")) == \
        "QLSTMOptimizer(model='maxcut-p1', maxfev=50)"
    assert repr(QLSTMOptimizer(maxfev=20, refine="cobyla", seed=1)) == \
        "QLSTMOptimizer(model='auto', maxfev=20, refine='cobyla', seed=1)"


def test_depth_error_names_reps_and_the_fix():
    with pytest.raises(ValueError) as err:
        QLSTMOptimizer.pretrained("maxcut-p1").minimize(lambda x: 0.0, np.zeros(4))
    assert str(err.value) == (
        "x0 has 4 parameters (QAOA reps = 2) but model 'maxcut-p1' serves 2 (reps = 1); use "
        "the family name to pick the depth from x0 (model='maxcut', e.g. "
        "QLSTMOptimizer.pretrained('maxcut')) or set reps=1")


def test_start_x0_uses_initial_point_in_qaoa(graph):
    good = graph.optimal_qaoa_energy(1).x
    qaoa = QAOA(StatevectorSampler(seed=1),
                optimizer=QLSTMOptimizer.pretrained("maxcut-p1", start="x0", maxfev=6),
                initial_point=good)
    result = qaoa.compute_minimum_eigenvalue(graph.to_sparse_pauli_op())
    assert graph.rho(qaoa_energy(graph, result.optimal_point), 1) > 0.95


def test_auto_model_is_chosen_from_the_operator_and_reported(caplog):
    import logging
    import warnings

    from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
    from qlstm_optimizer.minimize import minimize_qaoa
    from qlstm_optimizer.model_choice import (
        UNTRAINED,
        UntrainedFamilyWarning,
        choose_family,
        resolve_auto,
    )
    from qlstm_optimizer.problems import erdos_renyi, sk
    from qlstm_optimizer.qubo_problems import number_partitioning
    from qlstm_optimizer.sim import qaoa_energy

    cases = [(erdos_renyi(8, 0.5, seed=3), "maxcut-p1"), (sk(8, seed=3), "sk-p1")]
    for h, name in cases:
        with caplog.at_level(logging.INFO, logger="qlstm_optimizer"):
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # no warning for a family that fits
                result = minimize_qaoa(lambda x, h=h: qaoa_energy(h, x), np.zeros(2),
                                       maxfev=5, hamiltonian=h)
        assert result.model == name
        assert f"chose {name.split('-')[0]!r}" in caplog.text
    # fields and number partitioning: the bundled general family, without a warning
    fields = DiagonalHamiltonian(4, {(0,): 1.0, (0, 1): 0.5, (2, 3): -0.5})
    partition = number_partitioning(8, seed=2)
    for h in (fields, partition):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = minimize_qaoa(lambda x, h=h: qaoa_energy(h, x), np.zeros(2), maxfev=5,
                                   hamiltonian=h)
        assert result.model == "qubo-depth"
    assert choose_family(DiagonalHamiltonian(3, {(0, 1, 2): 1.0}), {"qubo"})[1].startswith(
        "terms of order > 2")
    # rounding residue is not structure: Max-Cut through qiskit-optimization's converters
    # carries 1e-16 Z fields and stays Max-Cut
    residue = DiagonalHamiltonian(3, {(0, 1): 0.5, (1, 2): 0.25, (0,): 5.6e-17})
    assert choose_family(residue, {"maxcut", "sk", "qubo"})[0] == "maxcut"
    assert choose_family(DiagonalHamiltonian(3, {(0, 1): 0.5, (0,): 1e-6}),
                         {"maxcut", "qubo"})[0] == "qubo"
    # without a general family bundled: Max-Cut, with a warning that says why
    family, reason = choose_family(fields, {"maxcut", "sk"})
    assert family == "maxcut" and reason.endswith(UNTRAINED)
    assert choose_family(partition, {"maxcut", "sk"})[0] == "maxcut"
    with pytest.warns(UntrainedFamilyWarning, match="linear Z fields"):
        assert resolve_auto("auto", fields, lambda: {"maxcut", "sk"}) == ("maxcut", True)
    # blind runs and explicit names are untouched
    assert choose_family(None)[0] == "maxcut"
    res = minimize_qaoa(lambda x: qaoa_energy(sk(6, seed=1), x), np.zeros(2), model="maxcut",
                        maxfev=3, hamiltonian=sk(6, seed=1))
    assert res.model == "maxcut-p1"


def test_scipy_result_names_the_model_that_ran():
    from scipy.optimize import minimize

    from qlstm_optimizer import qlstm
    from qlstm_optimizer.problems import sk
    from qlstm_optimizer.sim import qaoa_energy

    h = sk(8, seed=2)
    res = minimize(lambda x: qaoa_energy(h, x), np.zeros(4), method=qlstm,
                   options={"maxfev": 6, "hamiltonian": h})
    assert res.model == "sk-p2" and res.nfev <= 6
