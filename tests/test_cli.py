"""The ``qlstm-optimizer`` command line: list, info, --help, error messages, a small demo."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from qlstm_optimizer import list_pretrained
from qlstm_optimizer.cli import main

SUBCOMMANDS = ("list", "info", "demo", "bench", "train")


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected a one-line error, got {err!r}"
    assert lines[0].startswith("error: "), lines[0]
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
    line = _one_error_line(capsys.readouterr().err)
    # Without torch the error says how to install it; with torch it names the file.
    assert "missing.toml" in line or "torch" in line


def test_train_bad_config_is_a_one_line_error(tmp_path, capsys):
    pytest.importorskip("torch")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nfamily = "maxcut"\nbogus_key = 1\n')
    assert main(["train", "--config", str(bad)]) != 0
    line = _one_error_line(capsys.readouterr().err)
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
