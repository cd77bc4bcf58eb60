"""Cases a second hostile-input sweep (after issue 14's fixes) found without a clear error."""

import copy
import pickle

import numpy as np
import pytest

from qlstm_optimizer import DiagonalHamiltonian, QLSTMOptimizer
from qlstm_optimizer.pretrained import UnknownModelError
from qlstm_optimizer.pretrained.registry import WEIGHTS_DIR


def test_an_optimizer_built_from_a_card_pickles_and_deepcopies():
    opt = QLSTMOptimizer(str(WEIGHTS_DIR / "maxcut-p1.json"), maxfev=7, hamiltonian=None)
    for clone in (pickle.loads(pickle.dumps(opt)), copy.deepcopy(opt)):
        assert clone.settings == opt.settings
        res = clone.minimize(lambda x: float(np.sum(np.cos(x))), np.zeros(2))
        assert res.nfev == 7


@pytest.mark.parametrize("terms, match", [
    ({"12": 1.0}, "tuples of qubit indices"),
    ({(0, 1): 1 + 2j}, "real number"),
    ({(0, 1): "1.0"}, "real number"),
    ({(0, True): 1.0}, "tuples of qubit indices"),
    ([((0, 1), 1.0)], "mapping"),
])
def test_hamiltonian_terms_are_checked_by_name(terms, match):
    with pytest.raises(TypeError, match=match):
        DiagonalHamiltonian(3, terms)


def test_hamiltonian_accepts_numpy_scalars():
    h = DiagonalHamiltonian(np.int64(3), {(np.int64(0), 1): np.float64(0.5)})
    assert h.terms == {(0, 1): 0.5}


@pytest.mark.parametrize("where", ["file", "dir"])
def test_a_path_that_is_not_a_card_says_what_a_card_path_is(tmp_path, where):
    path = tmp_path / "card.txt"
    if where == "file":
        path.write_text("{}")
    else:
        path = tmp_path
    with pytest.raises(UnknownModelError, match=r"card paths end in\s+\.json"):
        QLSTMOptimizer(model=str(path))


optuna = pytest.importorskip("optuna")


@pytest.mark.parametrize("kwargs, match", [
    ({"model": "maxcut"}, "family: give the depth p"),
    ({"model": "maxcut", "p": "2"}, "p must be"),
    ({"model": "maxcut-p1", "p": 2}, "serves p = 1"),
    ({"model": "maxcut-p1", "seed": "x"}, "seed"),
    ({"model": "maxcut-p1", "energy_offset": "0"}, "energy_offset"),
    ({"model": "maxcut-p1", "energy_offset": float("nan")}, "energy_offset"),
    ({"model": "maxcut-p1", "hamiltonian_scale": 0.0}, "hamiltonian_scale"),
])
def test_the_optuna_sampler_checks_its_arguments_at_construction(kwargs, match):
    from qlstm_optimizer.optuna import QLSTMSampler

    with pytest.raises((ValueError, TypeError), match=match):
        QLSTMSampler(**kwargs)


def test_train_refuses_an_export_target_that_is_a_file_before_training(tmp_path, capsys):
    from qlstm_optimizer.training.cli import main
    from tests.test_training_hardening import TINY

    target = tmp_path / "afile"
    target.write_text("x")
    config = tmp_path / "tiny.toml"
    config.write_text(TINY)
    status = main(["--config", str(config), "--out", str(tmp_path / "out"),
                   "--export", str(target), "--no-progress"])
    err = capsys.readouterr().err
    assert status == 2 and "--export" in err and "not a directory" in err
    assert not (tmp_path / "out").exists()  # refused before the run started


def test_the_fallback_noise_check_reaches_fun_when_x0_stays_best():
    """The fallback reuses x0's value for COBYLA's first call; the quadratic refine's noise
    check re-evaluates the best point on purpose, which may be x0 itself."""
    from qlstm_optimizer.fallback import refine_from_x0

    rng = np.random.default_rng(0)
    res = refine_from_x0(lambda x: float(x @ x) + 0.05 * rng.normal(), [0.0, 0.0], maxfev=200,
                         step=0.2)
    assert "noise" in res.message and res.nfev < 39


def test_run_policy_refuses_an_x0_of_the_wrong_length_before_the_box_broadcasts_it():
    from qlstm_optimizer.models import init_numpy_model
    from qlstm_optimizer.policy import PolicySpec, run_policy

    model, spec = init_numpy_model("lstm", p=1, seed=0), PolicySpec(p=1, anchor=[0.39, -0.62])
    for x0 in ([0.1], [0.1, 0.2, 0.3]):
        with pytest.raises(ValueError, match="x0 must be 2 finite numbers"):
            run_policy(lambda x: float(x @ x), model, spec, maxfev=5, x0=x0,
                       bounds=[(-1, 1), (-1, 1)])


def test_a_huge_integer_option_is_a_named_value_error():
    from qlstm_optimizer.options import check_real

    with pytest.raises(ValueError, match="energy_offset"):
        check_real("energy_offset", 10**400)


@pytest.mark.parametrize("shots", [None, float("inf"), float("nan"), 2**70, True, 0, 1.5, "8"])
def test_sampled_energy_names_bad_shots(shots):
    from qlstm_optimizer.problems import erdos_renyi
    from qlstm_optimizer.sim import sampled_energy

    with pytest.raises(ValueError, match="shots must be a positive integer"):
        sampled_energy(erdos_renyi(6, 0.5, seed=1), [0.3, -0.6], shots=shots)


@pytest.mark.parametrize("args, match", [
    (["--instances", "0"], "--instances"), (["--workers", "0"], "--workers"),
    (["--depths", "0"], "--depths")])
def test_bench_cli_refuses_zero_counts_by_name(args, match):
    import argparse

    from qlstm_optimizer.bench.suite import add_bench_arguments, config_from_args

    parser = argparse.ArgumentParser()
    add_bench_arguments(parser)
    with pytest.raises(ValueError, match=match):
        config_from_args(parser.parse_args(["--quick", *args]), ["bench", "--quick", *args])


def test_the_optuna_sampler_warns_when_a_range_clips_its_proposal():
    from qlstm_optimizer.optuna import QLSTMSampler
    from qlstm_optimizer.problems import erdos_renyi
    from qlstm_optimizer.sim import qaoa_energy

    problem = erdos_renyi(6, 0.5, seed=1)

    def objective(trial):
        b = trial.suggest_float("beta_0", 0.001, 1.6, log=True)
        g = trial.suggest_float("gamma_0", 0.001, 3.2, log=True)  # Max-Cut's optimum is < 0
        return qaoa_energy(problem, [b, g])

    study = optuna.create_study(sampler=QLSTMSampler("maxcut-p1", hamiltonian=problem))
    with pytest.warns(UserWarning, match="gamma_0 = .* outside the suggested range"):
        study.optimize(objective, n_trials=3)


def test_the_optuna_refine_fits_the_points_a_grid_step_evaluated():
    """With suggest_float(step=...) the evaluated angles are the grid points, not the
    refiner's proposals: its model must be fitted to what was measured."""
    from qlstm_optimizer.optuna import QLSTMSampler
    from qlstm_optimizer.problems import erdos_renyi
    from qlstm_optimizer.sim import qaoa_energy

    problem = erdos_renyi(6, 0.5, seed=1)

    def objective(trial):
        b = trial.suggest_float("beta_0", -1.6, 1.6, step=0.05)
        g = trial.suggest_float("gamma_0", -3.2, 3.2, step=0.05)
        return qaoa_energy(problem, [b, g])

    sampler = QLSTMSampler("maxcut-p1", hamiltonian=problem, seed=0)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=16)
    run = sampler._run_for(study, create=False)
    assert run.refiner is not None
    user = np.array(run.refiner.xs) / run.to_model / 0.05  # model units -> grid steps
    assert len(user) > 10  # learned points and refine points
    np.testing.assert_allclose(user, np.round(user), atol=1e-9)  # every one a grid point
