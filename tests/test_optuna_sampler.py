"""The Optuna sampler reaches a near-optimal QAOA energy in a few trials."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

optuna = pytest.importorskip("optuna")

from qlstm_optimizer.autodetect import BlindRunWarning  # noqa: E402
from qlstm_optimizer.optuna import QLSTMSampler, _StudyRun  # noqa: E402
from qlstm_optimizer.problems import erdos_renyi  # noqa: E402
from qlstm_optimizer.sim import qaoa_energy  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.WARNING)


def _objective(problem):
    def objective(trial):
        beta = trial.suggest_float("beta_0", -np.pi / 2, np.pi / 2)
        gamma = trial.suggest_float("gamma_0", -np.pi, np.pi)
        return qaoa_energy(problem, [beta, gamma])

    return objective


def test_study_reaches_near_optimum_in_few_trials():
    problem = erdos_renyi(10, 0.5, seed=31_337)
    study = optuna.create_study(sampler=QLSTMSampler("maxcut-p1", seed=0))
    study.optimize(_objective(problem), n_trials=10)
    assert problem.rho(study.best_value, 1) > 0.97


def test_continues_after_horizon_and_is_seeded():
    problem = erdos_renyi(8, 0.5, seed=31_338)
    values = []
    for _ in range(2):
        study = optuna.create_study(sampler=QLSTMSampler("maxcut-p1", seed=4))
        study.optimize(_objective(problem), n_trials=25)
        values.append([t.value for t in study.trials])
    assert values[0] == values[1]
    assert len(values[0]) == 25


def test_unknown_parameters_fall_back_to_random():
    problem = erdos_renyi(6, 0.5, seed=31_339)

    def objective(trial):
        extra = trial.suggest_int("layers", 1, 3)
        return qaoa_energy(problem, [trial.suggest_float("beta_0", -1.6, 1.6),
                                     trial.suggest_float("gamma_0", -3.2, 3.2)]) + 0 * extra

    study = optuna.create_study(sampler=QLSTMSampler("maxcut-p1", seed=1))
    study.optimize(objective, n_trials=4)
    assert all(1 <= t.params["layers"] <= 3 for t in study.trials)


def test_failed_trial_reasks_same_point():
    problem = erdos_renyi(6, 0.5, seed=31_340)
    sampler = QLSTMSampler("maxcut-p1")
    study = optuna.create_study(sampler=sampler)
    first = {}

    def failing(trial):
        first["x"] = (trial.suggest_float("beta_0", -1.6, 1.6),
                      trial.suggest_float("gamma_0", -3.2, 3.2))
        raise RuntimeError("flaky backend")

    study.optimize(failing, n_trials=1, catch=(RuntimeError,))
    again = {}

    def working(trial):
        again["x"] = (trial.suggest_float("beta_0", -1.6, 1.6),
                      trial.suggest_float("gamma_0", -3.2, 3.2))
        return qaoa_energy(problem, list(again["x"]))

    study.optimize(working, n_trials=1)
    assert first["x"] == again["x"]


def _angles(trial):
    return (trial.suggest_float("beta_0", -1.6, 1.6), trial.suggest_float("gamma_0", -3.2, 3.2))


def test_nan_point_is_retried_once_then_abandoned():
    """An objective that is NaN everywhere: each learned point is asked at most twice, and with
    no finite value ever seen the sampler leaves the learned steps for the local search."""
    asked = []

    def always_nan(trial):
        asked.append(_angles(trial))
        return float("nan")

    study = optuna.create_study(sampler=QLSTMSampler("maxcut-p1", seed=2))
    study.optimize(always_nan, n_trials=6)
    assert asked[0] == asked[1]  # one retry of the first proposal
    assert len(set(asked[1:])) == 5  # then new (local-search) points every trial


def test_nan_after_finite_values_counts_as_the_worst_point():
    problem = erdos_renyi(8, 0.5, seed=31_341)
    asked = []

    def nan_on_third_proposal(trial):
        x = _angles(trial)
        asked.append(x)
        if len(set(asked)) == 3:
            return float("nan")
        return qaoa_energy(problem, list(x))

    sampler = QLSTMSampler("maxcut-p1", seed=3)
    study = optuna.create_study(sampler=sampler)
    study.optimize(nan_on_third_proposal, n_trials=8)
    assert asked[2] == asked[3] and asked[4] != asked[3]  # retried once, then skipped
    # told "worst so far", not abandoned to the local search
    assert sampler._run_for(study, create=False).stage != "es"
    assert problem.rho(study.best_value, 1) > 0.9


def test_hamiltonian_sets_the_units():
    """Given 3x the operator, the sampler proposes 3x smaller gammas for the 3x objective."""
    problem = erdos_renyi(9, 0.6, seed=31_342)
    op = problem.to_sparse_pauli_op()
    trials = {}
    for f in (1.0, 3.0):
        def objective(trial, f=f):
            b, g = _angles(trial)
            return f * qaoa_energy(problem, [b, f * g])

        study = optuna.create_study(
            sampler=QLSTMSampler("maxcut-p1", seed=0, hamiltonian=f * op))
        study.optimize(objective, n_trials=6)
        trials[f] = np.array([[t.params["beta_0"], t.params["gamma_0"]] for t in study.trials])
    np.testing.assert_allclose(trials[3.0], trials[1.0] / [1.0, 3.0], rtol=1e-9, atol=1e-12)


def test_bad_param_names():
    with pytest.raises(ValueError, match="names"):
        QLSTMSampler("maxcut-p1", param_names=["a"])


def test_overlapping_trials_share_a_proposal_without_crashing():
    """Two asks before a tell (as with n_jobs > 1) get the same learned (or refine) point; only
    the first result is told, and the hand-offs between stages do not raise."""
    problem = erdos_renyi(8, 0.5, seed=31_343)
    sampler = QLSTMSampler("maxcut-p1", seed=0, hamiltonian=problem)
    study = optuna.create_study(sampler=sampler)
    distributions = {"beta_0": optuna.distributions.FloatDistribution(-1.6, 1.6),
                     "gamma_0": optuna.distributions.FloatDistribution(-3.2, 3.2)}
    horizon = sampler._spec.horizon  # > handoff: the run passes into the refine stage
    firsts = []
    for _ in range(horizon + 2):
        a, b = study.ask(distributions), study.ask(distributions)
        firsts.append(a.params)
        for trial in (a, b):
            study.tell(trial, qaoa_energy(problem, [trial.params["beta_0"],
                                                    trial.params["gamma_0"]]))
    assert len(study.trials) == 2 * (horizon + 2)
    # The learned trajectory is the one a sequential study gets: duplicates were not told.
    alone = optuna.create_study(sampler=QLSTMSampler("maxcut-p1", seed=0, hamiltonian=problem))
    alone.optimize(_objective(problem), n_trials=horizon + 2)
    assert firsts == [t.params for t in alone.trials]


def test_learned_steps_hand_off_to_the_quadratic_refine():
    """After ``handoff`` learned trials the sampler asks the same points minimize_qaoa
    evaluates (quadratic refine on every point so far) and converges like it."""
    from qlstm_optimizer.minimize import minimize_qaoa

    problem = erdos_renyi(9, 0.5, seed=31_344)
    sampler = QLSTMSampler("maxcut-p1", seed=0, hamiltonian=problem)
    study = optuna.create_study(sampler=sampler)
    study.optimize(_objective(problem), n_trials=20)
    ref = minimize_qaoa(lambda x: qaoa_energy(problem, x), np.zeros(2), model="maxcut-p1",
                        maxfev=20, hamiltonian=problem)
    asked = np.array([[t.params["beta_0"], t.params["gamma_0"]] for t in study.trials])
    # The same points while the refine is still moving; once it probes energy differences of
    # ~1e-12, the two paths' unit conversions (rounding at 1e-15) let them drift apart, and
    # both converge to the same optimum.
    np.testing.assert_allclose(asked[:12], np.array(ref.history_x)[:12], atol=1e-9)
    assert abs(study.best_value - ref.fun) < 1e-9
    assert sampler._run_for(study, create=False).stage in ("refine", "es")
    assert problem.rho(study.best_value, 1) > 0.99999


def test_suggested_ranges_bound_the_refine_like_minimize_qaoa_bounds():
    """A narrow gamma range: the refine stays inside it (no clipped duplicates) and the trials
    are minimize_qaoa's points with the same bounds."""
    from qlstm_optimizer.minimize import minimize_qaoa

    problem = erdos_renyi(8, 0.5, seed=1)
    ranges = [(-1.6, 1.6), (-0.3, 0.3)]

    def objective(trial):
        x = [trial.suggest_float("beta_0", *ranges[0]), trial.suggest_float("gamma_0", *ranges[1])]
        return qaoa_energy(problem, x)

    study = optuna.create_study(sampler=QLSTMSampler("maxcut-p1", seed=0, hamiltonian=problem))
    study.optimize(objective, n_trials=25)
    asked = np.array([[t.params["beta_0"], t.params["gamma_0"]] for t in study.trials])
    ref = minimize_qaoa(lambda x: qaoa_energy(problem, x), np.zeros(2), model="maxcut-p1",
                        maxfev=25, hamiltonian=problem, bounds=ranges)
    np.testing.assert_allclose(asked[:len(ref.history_x)], np.array(ref.history_x), atol=1e-12)
    assert len(np.unique(asked.round(12), axis=0)) >= len(asked) - 1


def test_bad_hamiltonian_option_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="auto"):
        QLSTMSampler("maxcut-p1", hamiltonian="automatic")


def test_threads_do_not_tell_a_proposal_twice(monkeypatch):
    """n_jobs > 1: a widened race window between 'is this the pending point?' and 'tell it'
    (a sleep) must not make two threads tell the same learned/refine point."""
    import time

    problem = erdos_renyi(8, 0.5, seed=31_345)
    sampler = QLSTMSampler("maxcut-p1", seed=0, hamiltonian=problem)
    slow = _StudyRun._is_pending

    def is_pending(run, x):
        out = slow(run, x)
        time.sleep(0.002)
        return out

    monkeypatch.setattr(_StudyRun, "_is_pending", is_pending)
    study = optuna.create_study(sampler=sampler)
    study.optimize(_objective(problem), n_trials=40, n_jobs=4)
    assert len(study.trials) == 40
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)


# -- issue 16.5 / 14.3: direction, one sampler for several studies, what the model is told -----

def _params(study):
    return [(t.params["beta_0"], t.params["gamma_0"]) for t in study.trials]


def test_maximize_is_honoured():
    """Maximising -E asks exactly the points of minimising E (it used to minimise the cut)."""
    problem = erdos_renyi(9, 0.5, seed=31_346)
    minimise = optuna.create_study(sampler=QLSTMSampler("maxcut-p1", seed=0, hamiltonian=problem))
    minimise.optimize(_objective(problem), n_trials=12)
    maximise = optuna.create_study(direction="maximize",
                                   sampler=QLSTMSampler("maxcut-p1", seed=0, hamiltonian=problem))
    objective = _objective(problem)
    maximise.optimize(lambda trial: -objective(trial), n_trials=12)
    assert _params(maximise) == _params(minimise)
    assert maximise.best_value == -minimise.best_value
    assert problem.rho(-maximise.best_value, 1) > 0.99


def test_one_sampler_keeps_one_run_per_study():
    """Study A, then study B, then A again on one sampler: each study's trials are those of a
    sampler of its own (B does not continue A's run; A continues where it was)."""
    a, b = erdos_renyi(8, 0.5, seed=31_347), erdos_renyi(10, 0.7, seed=31_348)
    shared = QLSTMSampler("maxcut-p1", seed=0)
    study_a = optuna.create_study(sampler=shared)
    study_b = optuna.create_study(sampler=shared)
    study_a.optimize(_objective(a), n_trials=6)
    study_b.optimize(_objective(b), n_trials=6)
    study_a.optimize(_objective(a), n_trials=4)
    alone_a = optuna.create_study(sampler=QLSTMSampler("maxcut-p1", seed=0))
    alone_a.optimize(_objective(a), n_trials=10)
    alone_b = optuna.create_study(sampler=QLSTMSampler("maxcut-p1", seed=0))
    alone_b.optimize(_objective(b), n_trials=6)
    assert _params(study_a) == _params(alone_a)
    assert _params(study_b) == _params(alone_b)
    shared.reset()
    study_c = optuna.create_study(sampler=shared)
    study_c.optimize(_objective(a), n_trials=3)
    assert _params(study_c) == _params(alone_a)[:3]


def test_auto_reads_the_operator_of_the_running_objective():
    """The default finds the problem the objective closes over (the same trials as passing it);
    ask/tell has no objective to look at: blind, with a warning naming the fix."""
    problem = erdos_renyi(9, 0.8, seed=31_349)  # dense: blind units are far off
    auto = optuna.create_study(sampler=QLSTMSampler("maxcut-p1", seed=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", BlindRunWarning)
        auto.optimize(_objective(problem), n_trials=5)
    explicit = optuna.create_study(sampler=QLSTMSampler("maxcut-p1", seed=0, hamiltonian=problem))
    explicit.optimize(_objective(problem), n_trials=5)
    assert _params(auto) == _params(explicit)

    asked = optuna.create_study(sampler=QLSTMSampler("maxcut-p1", seed=0))
    distributions = {"beta_0": optuna.distributions.FloatDistribution(-1.6, 1.6),
                     "gamma_0": optuna.distributions.FloatDistribution(-3.2, 3.2)}
    with pytest.warns(BlindRunWarning, match="hamiltonian=H"):
        trial = asked.ask(distributions)
    asked.tell(trial, qaoa_energy(problem, [trial.params["beta_0"], trial.params["gamma_0"]]))
    blind = optuna.create_study(sampler=QLSTMSampler("maxcut-p1", seed=0, hamiltonian=None))
    with warnings.catch_warnings():
        warnings.simplefilter("error", BlindRunWarning)
        blind.optimize(_objective(problem), n_trials=1)
    assert _params(asked)[0] == _params(blind)[0] != _params(auto)[0]


def test_integer_or_categorical_angle_is_refused_by_name():
    for suggest in (lambda t: t.suggest_int("gamma_0", -3, 3),
                    lambda t: t.suggest_categorical("gamma_0", [0.1, 0.2])):
        study = optuna.create_study(sampler=QLSTMSampler("maxcut-p1", seed=0, hamiltonian=None))

        def objective(trial, suggest=suggest):
            trial.suggest_float("beta_0", -1.6, 1.6)
            return float(suggest(trial))

        with pytest.raises(ValueError, match="'gamma_0'.*suggest_float"):
            study.optimize(objective, n_trials=1)


def test_stepped_angle_lands_on_its_grid():
    problem = erdos_renyi(8, 0.5, seed=31_350)

    def objective(trial):
        beta = trial.suggest_float("beta_0", -1.6, 1.6, step=0.05)
        gamma = trial.suggest_float("gamma_0", -3.2, 3.2, step=0.1)
        return qaoa_energy(problem, [beta, gamma])

    study = optuna.create_study(sampler=QLSTMSampler("maxcut-p1", seed=0, hamiltonian=problem))
    study.optimize(objective, n_trials=8)
    for beta, gamma in _params(study):
        assert abs((beta + 1.6) / 0.05 - round((beta + 1.6) / 0.05)) < 1e-6
        assert abs((gamma + 3.2) / 0.1 - round((gamma + 3.2) / 0.1)) < 1e-6
    assert problem.rho(study.best_value, 1) > 0.9


def test_partially_suggested_space_tells_the_values_used():
    """The objective suggests beta in a narrow range and fixes gamma itself: the model is told
    the clipped beta actually used (not its own proposal) and the proposal for gamma, with a
    warning that gamma was not suggested."""
    problem = erdos_renyi(8, 0.5, seed=31_351)
    sampler = QLSTMSampler("maxcut-p1", seed=0, hamiltonian=problem)
    study = optuna.create_study(sampler=sampler)

    def objective(trial):
        beta = trial.suggest_float("beta_0", 0.0, 0.05)
        return qaoa_energy(problem, [beta, -0.4])

    with pytest.warns(UserWarning, match="did not suggest.*gamma_0"):
        study.optimize(objective, n_trials=3)
    run = sampler._run_for(study, create=False)
    told = np.array(run.history[0])
    np.testing.assert_allclose(told[:, 0], [t.params["beta_0"] for t in study.trials])
    assert np.all((told[:, 0] >= 0.0) & (told[:, 0] <= 0.05))


def test_multi_objective_study_is_refused():
    study = optuna.create_study(directions=["minimize", "minimize"],
                                sampler=QLSTMSampler("maxcut-p1", hamiltonian=None))
    with pytest.raises(ValueError, match="2 directions"):
        study.optimize(lambda t: (t.suggest_float("beta_0", -1, 1), 0.0), n_trials=1)
