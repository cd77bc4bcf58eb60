"""Trainer: bit-reproducible weights, kill + resume, divergence, CLI errors, model card."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from qlstm_optimizer.models import load_model  # noqa: E402
from qlstm_optimizer.policy import PolicySpec  # noqa: E402
from qlstm_optimizer.training import TrainingDivergedError, load_config, train  # noqa: E402

TINY = """
name = "tiny"
family = "maxcut"
seed = 3

[model]
arch = "qlstm"
p = 1

[policy]
anchor = [-0.3, 0.42]
beta_step = 0.15
gamma_step = 0.35
horizon = 4

[train]
loss = "budget_rho"
budgets = [1, 2, 4]
val_budgets = [1, 4]
steps = {steps}
batch_size = 4
lr = 0.02
warmup_steps = 2
val_every = 3
checkpoint_every = 2

[train_instances]
pool_size = 12
components = [{{ family = "erdos_renyi", sizes = [4, 5], edge_probs = [0.5, 0.8] }}]

[val_instances]
pool_size = 3
components = [{{ family = "erdos_renyi", sizes = [6], edge_probs = [0.5] }}]
"""


def _write_config(tmp_path: Path, steps: int = 8) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY.format(steps=steps))
    return path


def _weights(path: Path) -> dict[str, np.ndarray]:
    return dict(load_model(path).params)


def test_same_config_and_seed_gives_identical_weights(tmp_path):
    cfg = load_config(_write_config(tmp_path))
    cache = tmp_path / "cache"
    a = train(cfg, tmp_path / "a", progress=False, cache_dir=cache)
    b = train(cfg, tmp_path / "b", progress=False, cache_dir=cache)
    wa, wb = _weights(tmp_path / "a" / "tiny.json"), _weights(tmp_path / "b" / "tiny.json")
    assert all(np.array_equal(wa[k], wb[k]) for k in wa)
    assert [h["loss"] for h in a.history] == [h["loss"] for h in b.history]
    # The card: PolicySpec kwargs the policy loader reads, family, provenance, metrics.
    card = json.loads((tmp_path / "a" / "tiny.json").read_text())
    assert PolicySpec(**card["policy"]) == cfg.policy
    assert card["family"] == "maxcut" and card["training"]["seed"] == 3
    assert "torch" in card["training"]["versions"] and card["training"]["wall_time_s"] >= 0
    assert 0 < card["metrics"]["val_rho_4_median"] <= 1.0 + 1e-9
    assert (tmp_path / "a" / "curves.png").stat().st_size > 0


def test_resume_after_sigkill_matches_an_uninterrupted_run(tmp_path):
    config = _write_config(tmp_path, steps=12)
    cache = tmp_path / "cache"
    base = [sys.executable, "-m", "qlstm_optimizer.training", "--config", str(config),
            "--cache-dir", str(cache), "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    subprocess.run(base + ["--out", str(tmp_path / "full")], check=True, env=env,
                   capture_output=True, timeout=300)
    # Killed run: SIGKILL as soon as the first checkpoint exists (mid-run, no cleanup at all).
    out = tmp_path / "killed"
    proc = subprocess.Popen(base + ["--out", str(out)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while not (out / "checkpoint.pt").exists() and proc.poll() is None:
        assert time.time() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "tiny.npz").exists(), "the run finished before it could be killed"
    step_at_kill = torch.load(out / "checkpoint.pt", weights_only=True)["loop"]["step"]
    assert 0 < step_at_kill < 12
    subprocess.run(base + ["--out", str(out), "--resume"], check=True, env=env,
                   capture_output=True, timeout=300)
    full, resumed = _weights(tmp_path / "full" / "tiny.json"), _weights(out / "tiny.json")
    assert all(np.array_equal(full[k], resumed[k]) for k in full)
    hist_full = json.loads((tmp_path / "full" / "history.json").read_text())
    hist_resumed = json.loads((out / "history.json").read_text())
    assert [h["loss"] for h in hist_full] == [h["loss"] for h in hist_resumed]


def test_nan_loss_stops_with_the_step(tmp_path, monkeypatch):
    from qlstm_optimizer.training import trainer

    cfg = load_config(_write_config(tmp_path))
    calls = {"n": 0}
    real = trainer.meta_loss

    def poisoned(name, en, budgets, tau):
        calls["n"] += 1
        loss = real(name, en, budgets, tau)
        return loss * float("nan") if calls["n"] == 3 else loss

    monkeypatch.setattr(trainer, "meta_loss", poisoned)
    with pytest.raises(TrainingDivergedError, match="at step 3"):
        train(cfg, tmp_path / "nan", progress=False, cache_dir=tmp_path / "cache")


def test_cli_bad_config_is_one_line_and_nonzero(tmp_path, capsys):
    from qlstm_optimizer.training.cli import main

    bad = tmp_path / "bad.toml"
    bad.write_text(TINY.format(steps=4).replace('loss = "budget_rho"', 'loss = "mse"'))
    assert main(["--config", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "train.loss" in err and "\n" not in err
    assert main(["--config", str(tmp_path / "missing.toml")]) == 2
    (tmp_path / "broken.toml").write_text("name = ")
    assert main(["--config", str(tmp_path / "broken.toml")]) == 2


def test_bundled_configs_parse():
    root = Path(__file__).parents[1] / "configs"
    for path in sorted(root.glob("*.toml")):
        cfg = load_config(path)
        assert cfg.name == path.stem


def test_static_features_and_blind_training(tmp_path):
    config = _write_config(tmp_path).read_text().replace(
        "horizon = 4", 'horizon = 4\nscale_rule = "coupling-rms"\nstatic_features = true'
    ).replace("checkpoint_every = 2", "checkpoint_every = 2\nblind_fraction = 0.5")
    path = tmp_path / "blind.toml"
    path.write_text(config)
    result = train(load_config(path), tmp_path / "out", progress=False,
                   cache_dir=tmp_path / "cache")
    card = json.loads((tmp_path / "out" / "tiny.json").read_text())
    assert card["policy"]["static_features"] is True
    assert card["config"]["num_features"] == 6
    assert "blind_rho_4_median" in result.best_metrics


def test_blind_fraction_needs_static_features(tmp_path):
    from qlstm_optimizer.training import ConfigError

    path = tmp_path / "bad.toml"
    path.write_text(_write_config(tmp_path).read_text().replace(
        "checkpoint_every = 2", "checkpoint_every = 2\nblind_fraction = 0.5"))
    with pytest.raises(ConfigError, match="static_features"):
        load_config(path)


@pytest.mark.parametrize("fraction", [-0.1, 1.5])
def test_blind_fraction_outside_unit_interval_is_refused(tmp_path, fraction):
    from qlstm_optimizer.training import ConfigError

    path = tmp_path / "bad.toml"
    path.write_text(_write_config(tmp_path).read_text().replace(
        "checkpoint_every = 2", f"checkpoint_every = 2\nblind_fraction = {fraction}"))
    with pytest.raises(ConfigError, match=r"blind_fraction must be in \[0, 1\]"):
        load_config(path)
