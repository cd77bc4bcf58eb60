"""Data-parallel training (torchrun, gloo on CPU) matches single-process training."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from test_training_loop import _write_config  # noqa: E402

from qlstm_optimizer.models import load_model  # noqa: E402

# Averaging two half-batch gradients instead of one full-batch mean changes the summation order,
# so the runs agree to round-off, amplified a little by the optimizer over the steps.
TOLERANCE = 1e-8


@pytest.mark.slow
def test_torchrun_two_processes_matches_single_process(tmp_path):
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    if torchrun is None:
        pytest.skip("torchrun not found next to the interpreter")
    config = _write_config(tmp_path, steps=8)  # global batch 4: 2 instances per rank
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1]), "OMP_NUM_THREADS": "1"}
    common = ["--config", str(config), "--cache-dir", str(cache), "--no-progress"]
    subprocess.run([sys.executable, "-m", "qlstm_optimizer.training", *common,
                    "--out", str(tmp_path / "single")], check=True, env=env, timeout=600)
    subprocess.run([torchrun, "--standalone", "--nproc_per_node", "2", "-m",
                    "qlstm_optimizer.training", *common, "--out", str(tmp_path / "ddp")],
                   check=True, env=env, timeout=600)
    single = load_model(tmp_path / "single" / "tiny.json").params
    ddp = load_model(tmp_path / "ddp" / "tiny.json").params
    worst = max(float(np.abs(single[k] - ddp[k]).max()) for k in single)
    assert worst < TOLERANCE, worst
