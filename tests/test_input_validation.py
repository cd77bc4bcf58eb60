"""Every bad argument or return value is refused, by name, at the same layer for every surface
(issue 14.3): ``minimize_qaoa``, the ``QLSTMOptimizer`` constructor / ``set_options`` and the
SciPy method all go through ``qlstm_optimizer.options``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import Bounds, minimize

from qlstm_optimizer import QLSTMOptimizer, qlstm
from qlstm_optimizer.minimize import minimize_qaoa
from qlstm_optimizer.options import InvalidEnergyError, as_energy, check_bounds
from qlstm_optimizer.policy import NonFiniteEnergyError, PolicySpec
from qlstm_optimizer.sim import qaoa_energy

BAD_OPTIONS = [
    ("maxfev", 2.7), ("maxfev", "7"), ("maxfev", True), ("maxfev", 0), ("maxfev", np.nan),
    ("exploration_noise", "0.1"), ("exploration_noise", -0.1), ("exploration_noise", np.nan),
    ("energy_offset", np.nan), ("energy_offset", np.inf), ("energy_offset", "0"),
    ("hamiltonian_scale", 0.0), ("hamiltonian_scale", np.nan), ("hamiltonian_scale", "2"),
    ("hamiltonian_scale", True),
    ("seed", -1), ("seed", 1.5), ("seed", "42"),
    ("refine", "bfgs"), ("refine", 3),
    ("start", "zero"), ("start", None),
    ("hamiltonian", "op"), ("hamiltonian", 42),
]


def _counting(problem):
    calls = []

    def fun(x):
        calls.append(x)
        return qaoa_energy(problem, x)

    return fun, calls


@pytest.mark.parametrize(("name", "value"), BAD_OPTIONS)
def test_bad_option_is_refused_by_name_on_every_surface_before_any_evaluation(
        small_maxcut, name, value):
    fun, calls = _counting(small_maxcut)
    with pytest.raises((ValueError, TypeError), match=name) as direct:
        minimize_qaoa(fun, np.zeros(2), **{name: value})
    with pytest.raises(type(direct.value), match=name) as at_build:
        QLSTMOptimizer(**{name: value})  # when QAOA is built, not mid-run
    with pytest.raises(type(direct.value), match=name) as scipy_path:
        minimize(fun, np.zeros(2), method=qlstm, options={name: value})
    # the same layer gives the same message whichever way the option came in
    assert str(direct.value) == str(at_build.value) == str(scipy_path.value)
    opt = QLSTMOptimizer()
    with pytest.raises(type(direct.value), match=name):
        opt.set_options(**{name: value})
    assert opt.settings == QLSTMOptimizer().settings  # a refused change changes nothing
    assert calls == []


def test_maxfev_messages_and_accepted_integers(small_maxcut):
    with pytest.raises(ValueError, match=r"maxfev must be a positive integer, got 2\.7 \(float\)"):
        QLSTMOptimizer(maxfev=2.7)
    with pytest.raises(ValueError, match=r"got '7' \(str\)"):
        minimize(lambda x: 0.0, np.zeros(2), method=qlstm, options={"maxfev": "7"})
    fun, calls = _counting(small_maxcut)
    assert minimize_qaoa(fun, np.zeros(2), maxfev=np.int64(4)).nfev == 4 == len(calls)
    assert QLSTMOptimizer(refine="COBYLA").settings["refine"] == "COBYLA"  # any case, as before


@pytest.mark.parametrize("model", [42, ["maxcut"], (1, 2), None])
def test_bad_model_type_fails_at_construction(model):
    with pytest.raises(TypeError, match="model must be"):
        QLSTMOptimizer(model=model)


@pytest.mark.parametrize(("value", "match"), [
    (1 + 1j, "complex value"), (np.complex128(-1 + 0.5j), "complex value"),
    ("1.0", r"returned '1.0' \(str\)"), (True, "returned True"), (np.bool_(False), "bool"),
    (None, "returned None"), (np.array([1.0, 2.0]), r"array of shape \(2,\)"),
    ([1.0], "list"), (np.array(["a"]), "ndarray"),
])
def test_bad_energy_is_refused_naming_the_return_value(value, match):
    with pytest.raises(InvalidEnergyError, match=match) as err:
        minimize_qaoa(lambda x: value, np.zeros(2), maxfev=3)
    assert "the objective fun" in str(err.value) and "evaluation 1" in str(err.value)
    with pytest.raises(InvalidEnergyError, match=match):
        minimize(lambda x: value, np.zeros(2), method=qlstm)
    with pytest.raises(InvalidEnergyError, match=match):
        QLSTMOptimizer(maxfev=3).minimize(lambda x: value, np.zeros(2))


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, np.array([np.nan])])
def test_non_finite_energy_keeps_its_error(value):
    with pytest.raises(NonFiniteEnergyError, match="evaluation 1"):
        minimize_qaoa(lambda x: value, np.zeros(2), maxfev=3)


def test_real_energies_in_any_numeric_form_are_accepted(small_maxcut):
    e = qaoa_energy(small_maxcut, np.array([0.3, -0.4]))
    for value in (e, np.float32(e), np.float64(e), np.array(e), np.array([e]), np.array([[e]]),
                  complex(e, 1e-15), np.complex128(e), int(round(e))):
        assert as_energy(value, np.zeros(2), 1) == pytest.approx(np.real(np.ravel(value)[0]), 1e-6)


@pytest.mark.parametrize(("bounds", "match"), [
    ([(0, np.nan), (0, 1)], "NaN"), ([(1, 0), (0, 1)], "lower bound exceeds"),
    ([(np.inf, np.inf), (0, 1)], r"\+inf"), ([(0, 1), (-np.inf, -np.inf)], r"-inf"),
    (Bounds([0, 0, 0], [1, 1, 1]), "2 \\(low, high\\) pairs"), ([("a", 1), (0, 1)], "pairs"),
    (Bounds([np.nan, 0], [1, 1]), "NaN"), ([(0, 1)], "pairs"), (3, "pairs"),
])
def test_bad_bounds_are_refused(bounds, match):
    with pytest.raises(ValueError, match=match):
        minimize_qaoa(lambda x: 0.0, np.zeros(2), bounds=bounds)
    with pytest.raises(ValueError, match="bounds"):
        minimize(lambda x: 0.0, np.zeros(2), method=qlstm, bounds=bounds)


def test_infinite_bounds_mean_unbounded(small_maxcut):
    box = check_bounds([(-np.inf, np.inf), (None, 0.0)], 2)
    assert box.tolist() == [[-np.inf, np.inf], [-np.inf, 0.0]]
    res = minimize(lambda x: qaoa_energy(small_maxcut, x), np.zeros(2), method=qlstm,
                   bounds=Bounds(-np.inf, np.inf), options={"maxfev": 5})
    assert res.nfev == 5


@pytest.mark.parametrize(("x0", "match"), [
    (["a", "b"], "real numbers"), (np.array([1 + 1j, 0]), "real numbers"),
    ([True, False], "real numbers"), ([0.0, np.nan], "NaN"), (np.zeros(3), "even length"),
    (np.zeros((2, 2)), "even length"), ([], "even length"),
])
def test_bad_x0_is_refused_by_name(x0, match):
    with pytest.raises(ValueError, match=match):
        minimize_qaoa(lambda x: 0.0, x0)


@pytest.mark.parametrize(("field", "value"), [
    ("beta_step", np.nan), ("gamma_step", np.inf), ("gamma_step", 0.0), ("refine_step", "0.1"),
    ("horizon", 2.5), ("horizon", 0), ("p", 0), ("handoff", 1.5), ("probe_step_scale", np.nan),
    ("static_features", "yes"), ("anchor", (0.1, np.nan)), ("anchor", ("a", "b")),
])
def test_policy_spec_refuses_bad_card_values_by_name(field, value):
    kwargs = {"p": 1, "anchor": (0.39, -0.62), field: value}
    with pytest.raises(ValueError, match=field):
        PolicySpec(**kwargs)


def test_fun_and_callback_must_be_callable():
    with pytest.raises(TypeError, match="fun must be callable"):
        minimize_qaoa(3.0, np.zeros(2))
    with pytest.raises(TypeError, match="callback must be callable"):
        minimize_qaoa(lambda x: 0.0, np.zeros(2), callback="print")
    with pytest.raises(TypeError, match="callback must be callable"):
        minimize(lambda x: 0.0, np.zeros(2), method=qlstm, callback="print")


def test_model_pair_and_family_depth_errors():
    spec = PolicySpec(p=1, anchor=(0.39, -0.62))
    with pytest.raises(TypeError, match="first element of a \\(model, PolicySpec\\) pair"):
        QLSTMOptimizer(model=("weights.npz", spec))
    with pytest.raises(ValueError, match=r"depths 1\.\.16.*here reps = 17\); build QAOA with"):
        QLSTMOptimizer().minimize(lambda x: 0.0, np.zeros(34))
