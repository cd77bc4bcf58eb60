"""Bundled models: registry, cards, integrity checks, and packaging into the wheel."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from qlstm_optimizer import QLSTMOptimizer, UnknownModelError, list_pretrained, load_pretrained
from qlstm_optimizer.pretrained import registry
from qlstm_optimizer.sim import qaoa_energy

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = ["maxcut-p1", "maxcut-p2", "maxcut-p3", "sk-p1", "sk-p2"]


def test_required_models_are_bundled():
    names = list_pretrained()
    for name in REQUIRED:
        assert name in names


@pytest.mark.parametrize("name", list_pretrained())
def test_card_describes_weights(name):
    card = json.loads((registry.WEIGHTS_DIR / f"{name}.json").read_text())
    weights = registry.WEIGHTS_DIR / f"{name}.npz"
    assert weights.stat().st_size < 1_000_000
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    assert digest in json.dumps(card)
    for key in ("arch", "config", "family", "policy"):
        assert key in card, key
    loaded = load_pretrained(name)
    assert loaded.spec.p == card["config"]["p"]


@pytest.fixture
def private_weights(tmp_path, monkeypatch):
    """A copy of the bundled weights the test may damage."""
    for f in registry.WEIGHTS_DIR.iterdir():
        shutil.copy(f, tmp_path / f.name)
    monkeypatch.setattr(registry, "WEIGHTS_DIR", tmp_path)
    registry._load.cache_clear()
    yield tmp_path
    registry._load.cache_clear()


def test_tampered_weight_file_is_refused(private_weights, small_maxcut):
    from qlstm_optimizer.models import ModelIntegrityError

    path = private_weights / "maxcut-p1.npz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    opt = QLSTMOptimizer.pretrained("maxcut-p1", maxfev=5)
    with pytest.raises(ModelIntegrityError, match="sha256"):
        opt.minimize(lambda x: qaoa_energy(small_maxcut, x), np.zeros(2))


def test_missing_weight_file_is_a_clear_error(private_weights):
    (private_weights / "maxcut-p1.npz").unlink()
    with pytest.raises((FileNotFoundError, ValueError), match="maxcut-p1"):
        load_pretrained("maxcut-p1")


def test_unknown_name_lists_available():
    with pytest.raises(UnknownModelError) as err:
        load_pretrained("maxcut-p99-typo")
    for name in list_pretrained():
        assert name in str(err.value)


@pytest.mark.slow
def test_wheel_contains_weights_and_cards(tmp_path):
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                    str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    wheel = next(tmp_path.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for model in list_pretrained():
        assert f"qlstm_optimizer/pretrained/weights/{model}.npz" in names
        assert f"qlstm_optimizer/pretrained/weights/{model}.json" in names
    assert "qlstm_optimizer/py.typed" in names


def test_the_model_listing_follows_the_weights_directory(tmp_path, monkeypatch):
    # list_pretrained caches its scan, keyed by the directory and its modification time: a
    # card added or removed shows at once, another directory is never served the old names
    import shutil

    from qlstm_optimizer.pretrained import registry

    first = registry.list_pretrained()
    assert "maxcut-p1" in first and registry.list_pretrained() == first
    monkeypatch.setattr(registry, "WEIGHTS_DIR", tmp_path)
    assert registry.list_pretrained() == []
    for ext in (".json", ".npz"):
        shutil.copy(registry.__file__.rsplit("/", 1)[0] + f"/weights/sk-p1{ext}",
                    tmp_path / f"sk-p1{ext}")
    assert registry.list_pretrained() == ["sk-p1"]
    (tmp_path / "sk-p1.json").unlink()
    assert registry.list_pretrained() == []
