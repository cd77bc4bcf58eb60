"""Training hardening (issue 14 items 1 and 4): data-only checkpoints bound to their config, one
writer per run directory, plain output names, orphaned temp files, strict config validation,
no untrained weights shipped, corrupt checkpoints and pool caches named in one line."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from qlstm_optimizer.instances import InstanceDistribution, build_pool  # noqa: E402
from qlstm_optimizer.models import load_model  # noqa: E402
from qlstm_optimizer.training import (  # noqa: E402
    CheckpointError,
    ConfigError,
    RunDirectoryError,
    UnvalidatedRunError,
    load_config,
    parse_config,
    rundir,
    train,
)
from qlstm_optimizer.training.cli import main  # noqa: E402
from tests.test_training_loop import TINY as TINY_TEMPLATE  # noqa: E402

ROOT = Path(__file__).parents[1]
# The training-loop tests' tiny config (6 steps): the same run, checked for hardening here.
TINY = TINY_TEMPLATE.format(steps=6)


class Payload:
    """Unpickling this runs ``os.mkdir(marker)``: the shape of a code-execution checkpoint."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("pool-cache")


def _config(tmp_path: Path, text: str = TINY, name: str = "tiny.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _train(tmp_path, cache, out="out", text=TINY, **kwargs):
    return train(load_config(_config(tmp_path, text)), tmp_path / out, progress=False,
                 cache_dir=cache, **kwargs)


def _cli(args: list[str], capsys) -> tuple[int, str]:
    status = main(args)
    return status, capsys.readouterr().err.strip()


# -- 1. checkpoints hold data only ---------------------------------------------------------------
def test_checkpoint_with_a_reduce_payload_is_refused_and_never_runs(tmp_path, cache, capsys):
    out, marker = tmp_path / "out", tmp_path / "PWNED"
    out.mkdir()
    torch.save({"model": Payload(marker), "loop": {}}, out / "checkpoint.pt")
    with pytest.raises(CheckpointError, match=r"checkpoint.pt: refused: .*\(posix.mkdir\)"):
        _train(tmp_path, cache, resume=True)
    assert not marker.exists()
    status, err = _cli(["--config", str(_config(tmp_path)), "--out", str(out), "--resume",
                        "--cache-dir", str(cache), "--no-progress"], capsys)
    assert status == 2 and "\n" not in err and str(out / "checkpoint.pt") in err
    assert not marker.exists() and not (out / "tiny.npz").exists()


def test_real_checkpoint_is_plain_data_and_resumes_bit_identically(tmp_path, cache):
    full = _train(tmp_path, cache, out="full")
    _train(tmp_path, cache, out="part", stop_after=3)  # last checkpoint: step 2
    ckpt = torch.load(tmp_path / "part" / "checkpoint.pt", weights_only=True)
    assert ckpt["loop"]["step"] == 2 and ckpt["format"] == rundir.CHECKPOINT_FORMAT
    resumed = _train(tmp_path, cache, out="part", resume=True)
    a = load_model(tmp_path / "full" / "tiny.json").params
    b = load_model(tmp_path / "part" / "tiny.json").params
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert [h["loss"] for h in full.history] == [h["loss"] for h in resumed.history]


@pytest.mark.parametrize("kind", ["truncated", "list", "missing-keys", "garbage-zip", "text",
                                  "old-format", "wrong-shapes", "loop-types", "step-range"])
def test_truncated_or_foreign_checkpoints_name_the_file(tmp_path, cache, kind):
    cfg = load_config(_config(tmp_path))
    out = tmp_path / "out"
    train(cfg, out, progress=False, cache_dir=cache, stop_after=2)
    path = out / "checkpoint.pt"
    real = torch.load(path, weights_only=True)
    if kind == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "list":
        torch.save([1, 2, 3], path)
    elif kind == "missing-keys":
        torch.save({"model": real["model"], "format": real["format"]}, path)
    elif kind == "garbage-zip":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("archive/data.pkl", b"\x00garbage" * 50)
    elif kind == "text":
        path.write_text("not a checkpoint\n")
    elif kind == "old-format":
        torch.save({k: v for k, v in real.items()
                    if k not in ("format", "fingerprint", "config")}, path)
    elif kind == "loop-types":
        torch.save({**real, "loop": {**real["loop"], "history": "none"}}, path)
    elif kind == "step-range":
        torch.save({**real, "loop": {**real["loop"], "step": 99}}, path)
    else:
        bad = copy.deepcopy(real)
        first = next(iter(bad["loop"]["best_state"]))
        bad["loop"]["best_state"][first] = torch.zeros(7, 7, dtype=torch.float64)
        torch.save(bad, path)
    with pytest.raises(CheckpointError) as info:
        train(cfg, out, progress=False, cache_dir=cache, resume=True)
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    assert not (out / "tiny.npz").exists()


def test_resume_with_another_config_is_refused_naming_the_keys(tmp_path, cache, capsys):
    _train(tmp_path, cache, stop_after=2)
    other = TINY.replace("lr = 0.02", "lr = 0.5").replace("seed = 3", "seed = 4")
    with pytest.raises(CheckpointError, match="different config") as info:
        _train(tmp_path, cache, text=other, resume=True)
    message = str(info.value)
    assert "train.lr: 0.02 -> 0.5" in message and "seed: 3 -> 4" in message
    # --steps changes the schedule, so it is part of the config too (CLI: one line, status 2).
    status, err = _cli(["--config", str(_config(tmp_path)), "--out", str(tmp_path / "out"),
                        "--resume", "--steps", "9", "--cache-dir", str(cache), "--no-progress"],
                       capsys)
    assert status == 2 and "train.steps: 6 -> 9" in err and "\n" not in err
    # checkpoint_every only says how often state is saved: it may change on resume.
    resumed = _train(tmp_path, cache, text=TINY.replace("checkpoint_every = 2",
                                                        "checkpoint_every = 5"), resume=True)
    assert resumed.steps_done == 6 and (tmp_path / "out" / "tiny.npz").exists()


def test_fingerprint_is_the_effective_config():
    base = parse_config(_raw())
    spelled_out = _raw()
    spelled_out["train"] = {**spelled_out["train"], "optimizer": "adam", "threads": 1}
    assert rundir.config_fingerprint(parse_config(spelled_out)) == rundir.config_fingerprint(base)
    changed = _raw()
    changed["val_instances"]["pool_size"] = 4
    assert rundir.config_fingerprint(parse_config(changed)) != rundir.config_fingerprint(base)


# -- 1. one writer per run directory -------------------------------------------------------------
def test_second_writer_is_refused_in_process_and_across_processes(tmp_path, cache, capsys):
    out = tmp_path / "out"
    with rundir.claim_run_directory(out, "tiny", resume=False):
        with pytest.raises(RunDirectoryError, match="in use by another training"):
            with rundir.claim_run_directory(out, "tiny", resume=True):
                pass
        with pytest.raises(RunDirectoryError, match="in use"):
            _train(tmp_path, cache)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run(
            [sys.executable, "-m", "qlstm_optimizer.training", "--config",
             str(_config(tmp_path)), "--out", str(out), "--cache-dir", str(cache),
             "--no-progress"], env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 2, proc.stderr
        err = proc.stderr.strip()
        assert err.startswith("error:") and "in use" in err and "\n" not in err
        assert sorted(p.name for p in out.iterdir()) == [".lock"]
    # Released with the first run: the directory is free again.
    result = _train(tmp_path, cache)
    assert result.steps_done == 6


def test_fresh_run_into_a_directory_holding_a_run_is_refused(tmp_path, cache):
    _train(tmp_path, cache, stop_after=2)
    before = (tmp_path / "out" / "checkpoint.pt").read_bytes()
    with pytest.raises(RunDirectoryError, match="already holds a run"):
        _train(tmp_path, cache)
    assert (tmp_path / "out" / "checkpoint.pt").read_bytes() == before


def test_orphaned_temp_files_are_removed_under_the_lock(tmp_path, cache):
    out = tmp_path / "out"
    out.mkdir()
    orphans = ["tmpab12cd.tmp", "tiny.npzx7y8.tmp", "tiny.jsonq1w2.tmp"]
    keep = ["notes.txt", "tmp-data.csv", "other.npzx.tmp"]
    for name in orphans + keep:
        (out / name).write_text("x")
    _train(tmp_path, cache, resume=True)
    names = {p.name for p in out.iterdir()}
    assert not names & set(orphans) and set(keep) <= names
    assert {"tiny.npz", "tiny.json", "checkpoint.pt", "history.json"} <= names
    assert not [n for n in names if n.endswith(".tmp") and n not in keep]


# -- 1. output names -----------------------------------------------------------------------------
def _raw() -> dict:
    import tomllib

    return tomllib.loads(TINY)


@pytest.mark.parametrize("name", ["../x/evil", "", ".", "..", "a/b", "a\\b", "/abs", ".hidden",
                                  "x" * 101, "sp ace", 12, None])
def test_name_must_be_a_plain_file_name(name):
    raw = _raw()
    raw["name"] = name
    with pytest.raises(ConfigError, match="^name must be a plain file name"):
        parse_config(raw)


def test_bundled_names_are_plain():
    for path in sorted((ROOT / "configs").glob("*.toml")):
        assert load_config(path).name == path.stem


# -- 4. config validation ------------------------------------------------------------------------
def _patched(section: str | None, key: str, value):
    raw = _raw()
    target = raw if section is None else raw.setdefault(section, {})
    if value is _DELETE:
        del target[key]
    else:
        target[key] = value
    return raw


_DELETE = object()
NAN, INF = float("nan"), float("inf")
BAD = [
    ("train", "steps", 3.5, "train.steps"), ("train", "steps", True, "train.steps"),
    ("train", "steps", 0, "train.steps"), ("train", "steps", "6", "train.steps"),
    ("policy", "horizon", 0, "policy.horizon"), ("policy", "horizon", 2.5, "policy.horizon"),
    ("train", "lr", 0, "train.lr"), ("train", "lr", -0.1, "train.lr"),
    ("train", "lr", NAN, "train.lr"), ("train", "lr", INF, "train.lr"),
    ("train", "lr", "0.1", "train.lr"),
    ("train", "lr_min_ratio", -0.1, "train.lr_min_ratio"),
    ("train", "lr_min_ratio", 1.5, "train.lr_min_ratio"),
    ("train", "grad_clip", 0, "train.grad_clip"), ("train", "grad_clip", -1.0, "train.grad_clip"),
    ("train", "grad_clip", NAN, "train.grad_clip"),
    ("train", "softmin_tau", -0.01, "train.softmin_tau"),
    ("train", "softmin_tau", NAN, "train.softmin_tau"),
    ("train", "batch_size", 13, "train.batch_size"), ("train", "batch_size", 0, "train.batch_size"),
    ("train_instances", "pool_size", 0, "train_instances.pool_size"),
    ("train_instances", "pool_size", 2.5, "train_instances.pool_size"),
    ("val_instances", "pool_size", 0, "val_instances.pool_size"),
    ("train", "val_budgets", [], "train.val_budgets"),
    ("train", "val_budgets", [1.5], "train.val_budgets"),
    ("train", "budgets", [], "train.budgets"), ("train", "budgets", [0], "train.budgets"),
    ("train", "budgets", [1, True], "train.budgets"), ("train", "budgets", [1, 8], "train.budgets"),
    ("train", "score_budgets", [2], "train.score_budgets"),
    ("train", "warmup_steps", 2.5, "train.warmup_steps"),
    ("train", "warmup_steps", -1, "train.warmup_steps"),
    ("train", "val_every", 0, "train.val_every"),
    ("train", "checkpoint_every", 1.5, "train.checkpoint_every"),
    ("train", "patience", -1, "train.patience"), ("train", "threads", 0, "train.threads"),
    ("train", "weight_decay", -0.1, "train.weight_decay"),
    ("train", "blind_fraction", NAN, "train.blind_fraction"),
    ("train", "detach_features", "false", "train.detach_features"),
    (None, "seed", 1.5, "seed"), (None, "seed", True, "seed"), (None, "seed", -1, "seed"),
    (None, "seed", "0", "seed"), (None, "seed", 2**63, "seed"),
    ("model", "p", 1.5, "model.p"), ("model", "p", 0, "model.p"),
    ("model", "arch", 3, "model.arch"), ("model", "overrides", "big", "model.overrides"),
    ("model", "overrides", {"hidden_size": 0}, "hidden_size"),
    ("policy", "anchor", [NAN, 0.4], "policy.anchor"),
    ("policy", "anchor", ["0.1", 0.4], "policy.anchor"),
    ("policy", "anchor", "tqa:abc", "policy.anchor"),
    ("policy", "beta_step", 0, "policy.beta_step"),
    ("policy", "gamma_step", INF, "policy.gamma_step"),
    ("policy", "handoff", 2.5, "policy.handoff"),
    ("policy", "static_features", "yes", "policy.static_features"),
    ("policy", "probe_step_scale", NAN, "policy.probe_step_scale"),
    ("policy", "start_candidates", -1, "policy.start_candidates"),
    ("policy", "start_candidates", 1.5, "policy.start_candidates"),
    ("policy", "start_candidates", True, "policy.start_candidates"),
    ("policy", "start_candidates", 2, "start_candidates needs depth_feature"),
    ("policy", "calibrate_anchor", "yes", "policy.calibrate_anchor"),
    ("policy", "calibrate_anchor", 1, "policy.calibrate_anchor"),
    ("policy", "calibrate_anchor", True, "calibrate_anchor needs depth_feature"),
    ("train_instances", "components", "er", "train_instances.components"),
    ("val_instances", "scale_range", [1.0], "val_instances.scale_range"),
]


@pytest.mark.parametrize("section, key, value, named", BAD,
                         ids=[f"{s}.{k}={v!r}" for s, k, v, _ in BAD])
def test_bad_config_values_are_refused_naming_the_key(section, key, value, named):
    with pytest.raises(ConfigError) as info:
        parse_config(_patched(section, key, value))
    assert named in str(info.value)


@pytest.mark.parametrize("field, value", [("sizes", [4.5]), ("sizes", [True]),
                                          ("edge_probs", [NAN]), ("degrees", [2.5]),
                                          ("sizes", 5)])
def test_bad_instance_components_name_the_entry(field, value):
    raw = _raw()
    raw["train_instances"]["components"][0][field] = value
    with pytest.raises(ConfigError, match=rf"train_instances\.components\[0\]\.{field}"):
        parse_config(raw)


def test_cli_steps_override_is_validated(tmp_path, capsys):
    status, err = _cli(["--config", str(_config(tmp_path)), "--steps", "0",
                        "--out", str(tmp_path / "out")], capsys)
    assert status == 2 and "train.steps" in err and "\n" not in err


@pytest.mark.parametrize("entry", ["qlstm-optimizer train", "python -m qlstm_optimizer.training"])
@pytest.mark.parametrize("patch", [("steps = 6", "steps = 3.5"),
                                   ("lr = 0.02", "lr = 0.02\ngrad_clip = 0")])
def test_issue_repros_exit_nonzero_without_weights(tmp_path, cache, capsys, patch, entry):
    from qlstm_optimizer.cli import main as top_level

    config = _config(tmp_path, TINY.replace(*patch))
    out = tmp_path / "out"
    args = ["--config", str(config), "--out", str(out), "--cache-dir", str(cache),
            "--no-progress"]
    if entry.startswith("qlstm-optimizer"):
        status, err = top_level(["train", *args]), capsys.readouterr().err.strip()
    else:
        status, err = _cli(args, capsys)
    assert status == 2 and err.startswith("error:") and "\n" not in err
    assert not (out / "tiny.npz").exists()


def test_a_run_that_never_validated_writes_no_weights(tmp_path, cache, monkeypatch):
    from qlstm_optimizer.training import trainer

    # Validation cannot be skipped by a valid config any more (it runs at the last step); force
    # the situation the issue saw with steps = 3.5 to check the guard itself.
    monkeypatch.setattr(trainer, "_validate", lambda *args: False)
    with pytest.raises(UnvalidatedRunError, match="without a validation; no weights written"):
        _train(tmp_path, cache)
    out = tmp_path / "out"
    assert not (out / "tiny.npz").exists() and not (out / "tiny.json").exists()


# -- 4. corrupt pool caches are named and rebuilt ------------------------------------------------
DIST = InstanceDistribution.from_dict(
    {"components": [{"family": "erdos_renyi", "sizes": [4, 5], "edge_probs": [0.6]}]})


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "foreign-npz", "count"])
def test_corrupt_pool_cache_is_reported_and_rebuilt(tmp_path, damage):
    good = build_pool(DIST, "val", 3, 1, cache_dir=tmp_path)
    (path,) = (tmp_path / "pools").glob("*.npz")
    if damage == "truncate":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(os.urandom(300))
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "foreign-npz":
        np.savez(path, x=np.arange(3))
    else:  # a valid pool of another size under this key
        other = build_pool(DIST, "val", 2, 1, cache_dir=tmp_path / "other")
        other.save(path)
    with pytest.warns(RuntimeWarning, match="corrupt instance-pool cache") as record:
        rebuilt = build_pool(DIST, "val", 3, 1, cache_dir=tmp_path)
    assert str(path) in str(record[0].message) and "\n" not in str(record[0].message)
    assert np.array_equal(rebuilt.opt, good.opt) and np.array_equal(rebuilt.seeds, good.seeds)
    assert np.array_equal(build_pool(DIST, "val", 3, 1, cache_dir=tmp_path).opt, good.opt)


def test_cli_reports_a_rebuilt_pool_cache_in_one_line(tmp_path, capsys):
    cache = tmp_path / "cache"
    config = _config(tmp_path)
    status, _ = _cli(["--config", str(config), "--out", str(tmp_path / "a"),
                      "--cache-dir", str(cache), "--no-progress", "--steps", "3"], capsys)
    assert status == 0
    for path in (cache / "pools").glob("val-*.npz"):
        path.write_bytes(b"PK\x03\x04 truncated")
    status, err = _cli(["--config", str(config), "--out", str(tmp_path / "b"),
                        "--cache-dir", str(cache), "--no-progress", "--steps", "3"], capsys)
    assert status == 0
    lines = [line for line in err.splitlines() if "corrupt" in line]
    assert len(lines) == 1 and lines[0].startswith("warning: ") and "val-p1-" in lines[0]
    a = load_model(tmp_path / "a" / "tiny.json").params
    b = load_model(tmp_path / "b" / "tiny.json").params
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert json.loads((tmp_path / "b" / "tiny.json").read_text())["training"]["steps_done"] == 3
