"""The ``qlstm-optimizer`` command line: list, info, --help, error messages, a small demo."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from qlstm_optimizer import cli, list_pretrained
from qlstm_optimizer.cli import main
from qlstm_optimizer.pretrained.registry import WEIGHTS_DIR
from qlstm_optimizer.sim.numpy_qaoa import StatevectorTooLargeError

SUBCOMMANDS = ("list", "info", "demo", "bench", "train")
PREFIX = "qlstm-optimizer: error: "


def _one_error_line(err: str, prefix: str = PREFIX) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected a one-line error, got {err!r}"
    assert lines[0].startswith(prefix), lines[0]
    return lines[0]


def test_list_names_every_bundled_model(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    listed = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert listed == list_pretrained()


def test_info_prints_the_card_as_json(capsys):
    assert main(["info", "maxcut-p1"]) == 0
    card = json.loads(capsys.readouterr().out)
    assert card["name"] == "maxcut-p1"
    assert card["format"] == "qlstm-optimizer-model-card"
    assert card["policy"]["p"] == card["p"] == 1


def test_info_unknown_model_is_a_one_line_error(capsys):
    assert main(["info", "nope"]) != 0
    captured = capsys.readouterr()
    line = _one_error_line(captured.err)
    assert "'nope'" in line and "maxcut-p1" in line  # names what exists
    assert captured.out == ""


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_subcommand_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: qlstm-optimizer {command}")


def test_top_level_help_lists_subcommands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert all(command in out for command in SUBCOMMANDS)


def test_missing_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
    assert "required" in capsys.readouterr().err


def test_train_missing_config_is_a_one_line_error(tmp_path, capsys):
    missing = tmp_path / "missing.toml"
    assert main(["train", "--config", str(missing)]) != 0
    line = _one_error_line(capsys.readouterr().err, prefix="")  # training/cli.py's own prefix
    # Without torch the error says how to install it; with torch it names the file.
    assert "missing.toml" in line or "torch" in line


def test_train_bad_config_is_a_one_line_error(tmp_path, capsys):
    pytest.importorskip("torch")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nfamily = "maxcut"\nbogus_key = 1\n')
    assert main(["train", "--config", str(bad)]) != 0
    line = _one_error_line(capsys.readouterr().err, prefix="")
    assert "bogus_key" in line


def test_python_dash_m_entry_point():
    """``python -m qlstm_optimizer`` runs the same CLI (exit status and streams)."""
    ok = subprocess.run([sys.executable, "-m", "qlstm_optimizer", "info", "sk-p1"],
                        capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["name"] == "sk-p1"
    bad = subprocess.run([sys.executable, "-m", "qlstm_optimizer", "info", "nope"],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and bad.stdout == ""
    _one_error_line(bad.stderr)


@pytest.mark.filterwarnings("ignore:.*(NLocal|BlueprintCircuit).*:DeprecationWarning")
def test_demo_small(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "demo"
    assert main(["demo", "--n", "6", "--maxfev", "8", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    qlstm_row = next(line for line in text.splitlines() if line.startswith("QLSTM"))
    assert int(qlstm_row.split()[2]) == 8  # "QLSTM (bundled)  <evals> ...": the budget holds
    assert (out / "convergence.png").stat().st_size > 0


def test_info_accepts_a_card_path_like_every_adapter(tmp_path, capsys):
    for ext in (".json", ".npz"):
        shutil.copy(WEIGHTS_DIR / f"sk-p1{ext}", tmp_path / f"sk-p1{ext}")
    path = tmp_path / "sk-p1.json"
    assert main(["info", str(path)]) == 0
    card = json.loads(capsys.readouterr().out)
    assert card["name"] == "sk-p1" and card["family"] == "sk"
    assert card == json.loads(path.read_text())
    # The card is checked as the adapters check it: an edited policy is refused, naming it.
    edited = json.loads(path.read_text())
    edited["policy"]["beta_step"] = 0.9
    path.write_text(json.dumps(edited))
    assert main(["info", str(path)]) == 2
    captured = capsys.readouterr()
    line = _one_error_line(captured.err)
    assert str(path) in line and "card_sha256" in line and captured.out == ""
    assert main(["info", str(tmp_path / "missing.json")]) == 2
    assert "missing.json" in _one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("args,names", [
    (["--n", "40"], "--n"),           # the case: a traceback before
    (["--n", "1"], "--n"),
    (["--reps", "17"], "--reps"),     # above the largest bundled depth
    (["--p", "0"], "--reps"),         # the old spelling still works
    (["--maxfev", "0"], "--maxfev"),
    (["--maxfev", "100000"], "--maxfev"),
    (["--edge-prob", "0"], "--edge-prob"),
    (["--edge-prob", "nan"], "--edge-prob"),
    (["--seed", "-1"], "--seed"),
    (["--n", "x"], "--n"),            # argparse's own error, on one line too
])
def test_bad_demo_arguments_are_one_line_errors_before_any_work(args, names, tmp_path, capsys):
    out = tmp_path / "demo"
    try:
        status = main(["demo", *args, "--out", str(out)])
    except SystemExit as exc:  # argparse's own errors exit from parse_args
        status = exc.code
    assert status == 2
    captured = capsys.readouterr()
    line = _one_error_line(captured.err, prefix="qlstm-optimizer")
    assert "error: " in line and names in line
    assert captured.out == "" and not out.exists()


def test_demo_out_that_is_a_file_is_refused_first(tmp_path, capsys):
    out = tmp_path / "file"
    out.write_text("")
    assert main(["demo", "--n", "6", "--out", str(out)]) == 2
    assert "--out" in _one_error_line(capsys.readouterr().err)


def test_demo_n_40_from_the_shell_prints_no_traceback():
    run = subprocess.run([sys.executable, "-m", "qlstm_optimizer", "demo", "--n", "40"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and run.stdout == ""
    assert "--n" in _one_error_line(run.stderr) and "Traceback" not in run.stderr


def _raising(exc):
    def command(args):
        raise exc
    return command


@pytest.mark.parametrize("exc,expect", [
    (StatevectorTooLargeError("n = 40 needs 16 TiB"), "n = 40 needs 16 TiB"),
    (ModuleNotFoundError("No module named 'optuna'", name="optuna"), "qlstm-optimizer[optuna]"),
    (TypeError("x0 must be\na vector"), "TypeError: x0 must be a vector (QLSTM_DEBUG=1"),
    (PermissionError(13, "Permission denied", "/root/x"), "/root/x"),
])
def test_user_facing_errors_are_one_line(monkeypatch, capsys, exc, expect):
    monkeypatch.setattr(cli, "_cmd_list", _raising(exc))
    assert main(["list"]) == 2
    assert expect in _one_error_line(capsys.readouterr().err)


def test_debug_env_and_genuine_bugs_show_the_traceback(monkeypatch, capsys):
    monkeypatch.setenv("QLSTM_DEBUG", "1")
    from qlstm_optimizer.pretrained import UnknownModelError

    with pytest.raises(UnknownModelError):
        main(["info", "nope"])
    monkeypatch.delenv("QLSTM_DEBUG")
    monkeypatch.setattr(cli, "_cmd_list", _raising(RuntimeError("a bug")))
    with pytest.raises(RuntimeError, match="a bug"):  # not an input error: never hidden
        main(["list"])
    monkeypatch.setattr(cli, "_cmd_list", _raising(KeyboardInterrupt()))
    assert main(["list"]) == 130
    assert capsys.readouterr().err.strip() == "qlstm-optimizer: interrupted"
