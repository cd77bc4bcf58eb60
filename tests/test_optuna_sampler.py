"""The Optuna sampler reaches a near-optimal QAOA energy in a few trials."""

from __future__ import annotations

import numpy as np
import pytest

optuna = pytest.importorskip("optuna")

from qlstm_optimizer.optuna import QLSTMSampler  # noqa: E402
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
    assert sampler._stage != "es"  # told "worst so far", not abandoned to the local search
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
    assert sampler._stage in ("refine", "es")
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


def test_auto_hamiltonian_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="operator itself"):
        QLSTMSampler("maxcut-p1", hamiltonian="auto")


def test_threads_do_not_tell_a_proposal_twice(monkeypatch):
    """n_jobs > 1: a widened race window between 'is this the pending point?' and 'tell it'
    (a sleep) must not make two threads tell the same learned/refine point."""
    import time

    problem = erdos_renyi(8, 0.5, seed=31_345)
    sampler = QLSTMSampler("maxcut-p1", seed=0, hamiltonian=problem)
    slow = sampler._is_pending

    def is_pending(x):
        out = slow(x)
        time.sleep(0.002)
        return out

    monkeypatch.setattr(sampler, "_is_pending", is_pending)
    study = optuna.create_study(sampler=sampler)
    study.optimize(_objective(problem), n_trials=40, n_jobs=4)
    assert len(study.trials) == 40
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
