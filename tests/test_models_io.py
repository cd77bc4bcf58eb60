"""Weight files and model cards: round trip, integrity (sha256), and every refusal path."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from qlstm_optimizer.models import (
    ModelFormatError,
    ModelIntegrityError,
    card_digest,
    init_numpy_model,
    load_model,
    read_model_card,
    save_model,
)
from qlstm_optimizer.models.serialization import sha256_hex as _sha256


@pytest.fixture
def saved(tmp_path):
    model = init_numpy_model("qlstm", 2, seed=5)
    extra = {
        "problem_family": "maxcut-er",
        "cost_features": {"names": ["a", "b", "c", "d"], "normalisation": "per-instance"},
        "training": {"steps": np.int64(3), "seed": 0},
        "metrics": {"val_rho_3": np.float64(0.5), "curve": np.arange(3)},
        "name": "demo",
    }
    npz, card = save_model(model, tmp_path / "demo", extra)
    return model, npz, card


def _rewrite_card(card_path, seal=True, **changes):
    """Edit a card; ``seal``: recompute its card_sha256 (as a deliberate edit would), so the
    check under test is the one that fails, not the card's hash."""
    card = json.loads(card_path.read_text())
    for dotted, value in changes.items():
        node = card
        *head, last = dotted.split(".")
        for key in head:
            node = node[key]
        node[last] = value
    if seal:
        card["card_sha256"] = card_digest(card)
    card_path.write_text(json.dumps(card))


def _vouch_for(card_path, data):
    """Make the card vouch for weight bytes ``data`` (sha256 and size)."""
    _rewrite_card(card_path, **{"weights.sha256": _sha256(data), "weights.bytes": len(data)})


def test_round_trip(saved):
    model, npz, card_path = saved
    assert npz.suffix == ".npz" and card_path.suffix == ".json"
    loaded = load_model(card_path)
    assert loaded.config == model.config
    assert all(np.array_equal(loaded.params[k], model.params[k]) for k in model.params)
    f, x = np.ones((2, 4)), np.ones((2, 4)) * 0.1
    y0, _ = model.step(f, x, model.initial_state(2))
    y1, _ = loaded.step(f, x, loaded.initial_state(2))
    assert np.array_equal(y0, y1)
    card = loaded.card
    assert card["arch"] == "qlstm" and card["p"] == 2 and card["num_parameters"] == 140
    assert card["weights"]["sha256"] == _sha256(npz.read_bytes())
    assert card["weights"]["arrays"]["w_in"] == [12, 4]
    assert card["problem_family"] == "maxcut-er" and card["name"] == "demo"
    assert card["cost_features"]["num_features"] == 4  # filled in from the config
    assert card["training"]["steps"] == 3 and card["metrics"]["curve"] == [0, 1, 2]
    assert "parameter_order" in card["conventions"]
    assert read_model_card(card_path)["config"] == model.config


def test_save_accepts_config_params_pair_and_torch(tmp_path):
    model = init_numpy_model("lstm", 1, seed=0)
    _, card = save_model((model.config, dict(model.params)), tmp_path / "pair.npz", None)
    assert card.name == "pair.json"
    assert load_model(card).num_parameters == model.num_parameters
    torch = pytest.importorskip("torch")
    from qlstm_optimizer.models.torch_model import TorchSequenceModel, load_torch_model

    tmodel = TorchSequenceModel.from_numpy(model)
    _, card = tmodel.save(tmp_path / "t", {"metrics": {"x": 1}})
    back = load_torch_model(card)
    assert all(torch.equal(back.params[k], tmodel.params[k]) for k in back.params)
    assert back.card["metrics"] == {"x": 1}


def test_weight_file_is_a_plain_npz_without_pickle(saved):
    _, npz, _ = saved
    with np.load(npz, allow_pickle=False) as data:
        assert all(data[k].dtype == np.float64 for k in data.files)
    with zipfile.ZipFile(npz) as zf:
        assert all(name.endswith(".npy") for name in zf.namelist())


def test_tampered_weight_file_is_refused(saved):
    _, npz, card = saved
    data = bytearray(npz.read_bytes())
    data[len(data) // 2] ^= 0x01  # flip one bit in the middle of the array data
    npz.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="sha256"):
        load_model(card)
    assert issubclass(ModelIntegrityError, ValueError)


def test_truncated_weight_file_is_refused(saved):
    _, npz, card = saved
    data = npz.read_bytes()[:-100]
    npz.write_bytes(data)
    with pytest.raises(ModelIntegrityError):
        load_model(card)
    # Even with a card that vouches for the truncated bytes, the npz itself is refused.
    _vouch_for(card, data)
    with pytest.raises(ModelFormatError, match="corrupt or truncated"):
        load_model(card)


def test_garbage_and_pickled_files_are_refused(saved, tmp_path):
    _, npz, card = saved
    for payload in (b"not a zip file at all", np.lib.format.MAGIC_PREFIX + b"junk"):
        npz.write_bytes(payload)
        _vouch_for(card, payload)
        with pytest.raises(ModelFormatError):
            load_model(card)
    # An object array needs pickle to load: refused by allow_pickle=False.
    path = tmp_path / "obj.npz"
    np.savez(path, w_in=np.array([{"evil": 1}], dtype=object))
    data = path.read_bytes()
    npz.write_bytes(data)
    _vouch_for(card, data)
    with pytest.raises(ModelFormatError):
        load_model(card)


def _replace_arrays(saved, mutate):
    model, npz, card = saved
    arrays = {k: np.array(v) for k, v in model.params.items()}
    mutate(arrays)
    np.savez(npz, **arrays)
    _vouch_for(card, npz.read_bytes())
    return card


def test_missing_array_is_refused(saved):
    card = _replace_arrays(saved, lambda a: a.pop("gate_w"))
    with pytest.raises(ModelFormatError, match="missing \\['gate_w'\\]"):
        load_model(card)


def test_unexpected_array_is_refused(saved):
    card = _replace_arrays(saved, lambda a: a.update(extra=np.zeros(3)))
    with pytest.raises(ModelFormatError, match="unexpected \\['extra'\\]"):
        load_model(card)


def test_wrong_shape_is_refused(saved):
    card = _replace_arrays(saved, lambda a: a.update(w_in=np.zeros((3, 3))))
    with pytest.raises(ModelFormatError, match="shape"):
        load_model(card)


def test_wrong_dtype_is_refused(saved):
    card = _replace_arrays(saved, lambda a: a.update(y_bias=np.zeros(4, dtype=np.int64)))
    with pytest.raises(ModelFormatError, match="dtype"):
        load_model(card)


@pytest.mark.parametrize(
    "changes,match",
    [
        ({"arch": "transformer"}, "unknown architecture 'transformer'"),
        ({"format": "something-else"}, "not a"),
        ({"format_version": 99}, "format_version"),
        ({"config.depth": 0}, "invalid config"),
        ({"config.arch": "lstm"}, "disagrees"),
        ({"weights.file": "../elsewhere.npz"}, "bare file name"),
        ({"weights.sha256": "abc"}, "sha256"),
    ],
)
def test_bad_cards_are_refused(saved, changes, match):
    _, _, card = saved
    _rewrite_card(card, **changes)
    with pytest.raises(ModelFormatError, match=match):
        load_model(card)


def test_unreadable_card_and_missing_files(saved, tmp_path):
    _, npz, card = saved
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ModelFormatError, match="JSON"):
        load_model(bad)
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "nope.json")
    npz.unlink()
    with pytest.raises(FileNotFoundError):
        load_model(card)


def test_card_extra_cannot_override_structure(tmp_path):
    model = init_numpy_model("lstm", 1, seed=0)
    for key in ("arch", "config", "weights", "num_parameters"):
        with pytest.raises(ValueError, match="structural"):
            save_model(model, tmp_path / "x", {key: 1})
    with pytest.raises(ValueError, match="num_features"):
        save_model(model, tmp_path / "x", {"cost_features": {"num_features": 7}})
    with pytest.raises(TypeError, match="JSON"):
        save_model(model, tmp_path / "x", {"metrics": {"bad": object()}})
    with pytest.raises(TypeError):
        save_model("not a model", tmp_path / "x", {})
