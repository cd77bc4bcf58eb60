"""Model cards are sealed records: the card hash, the weight file's type and size, and every field
the loader uses are checked, with the card's path in each message (issue 14, item 2)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time

import numpy as np
import pytest

from qlstm_optimizer import list_pretrained
from qlstm_optimizer.models import (
    ModelFormatError,
    ModelIntegrityError,
    card_digest,
    init_numpy_model,
    load_model,
    read_model_card,
    save_model,
    seal_card,
)
from qlstm_optimizer.models.card import CARD_VERSION, MAX_CARD_BYTES, MAX_WEIGHT_BYTES
from qlstm_optimizer.pretrained import load_card, load_pretrained
from qlstm_optimizer.pretrained.registry import WEIGHTS_DIR
from qlstm_optimizer.problems import erdos_renyi
from qlstm_optimizer.sim import qaoa_energy

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero are POSIX")


@pytest.fixture
def card(tmp_path):
    """A private copy of the bundled maxcut-p1 card and weights, which a test may damage."""
    for ext in (".json", ".npz"):
        shutil.copy(WEIGHTS_DIR / f"maxcut-p1{ext}", tmp_path / f"maxcut-p1{ext}")
    return tmp_path / "maxcut-p1.json"


def _edit(path, seal, **changes):
    """Set dotted keys of the card at ``path``; ``seal``: recompute card_sha256 afterwards (a
    deliberate edit), so the check under test is the field check, not the hash."""
    data = json.loads(path.read_text())
    for dotted, value in changes.items():
        node = data
        *head, last = dotted.split(".")
        for key in head:
            node = node[key]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value
    if seal:
        data["card_sha256"] = card_digest(data)
    path.write_text(json.dumps(data, indent=2))


_DELETE = object()


@pytest.mark.parametrize("name", list_pretrained())
def test_every_bundled_card_is_sealed_and_states_its_weight_size(name):
    path = WEIGHTS_DIR / f"{name}.json"
    raw = json.loads(path.read_text())
    assert raw["format_version"] == CARD_VERSION
    assert raw["card_sha256"] == card_digest(raw)
    assert raw["weights"]["bytes"] == (WEIGHTS_DIR / raw["weights"]["file"]).stat().st_size
    assert read_model_card(path)["name"] == name
    assert load_card(path).spec == load_pretrained(name).spec


def test_resealing_leaves_bundled_results_identical(card):
    """seal_card is idempotent on a sealed card and the resealed model runs exactly as the
    bundled one (only metadata is hashed; the weights are untouched)."""
    before = card.read_bytes()
    seal_card(card)
    assert card.read_bytes() == before
    problem = erdos_renyi(8, 0.5, seed=11)
    from qlstm_optimizer.minimize import minimize_qaoa

    runs = [minimize_qaoa(lambda x: qaoa_energy(problem, x), np.zeros(2), model=m, maxfev=10,
                          hamiltonian=problem) for m in (card, "maxcut-p1")]
    np.testing.assert_array_equal(np.array(runs[0].history_x), np.array(runs[1].history_x))


@pytest.mark.parametrize("changes", [
    {"policy.beta_step": 0.5},                 # the case: a step edit wrecks rho silently
    {"policy.anchor": [0.1, -0.2]},
    {"policy.scale_rule": "max-coupling"},
    {"config.depth": 1},
    {"family": "sk"},
    {"weights.sha256": "0" * 64},
    {"metrics.val_rho_3_median": 1.0},         # everything is covered, even free-form fields
])
def test_edited_card_is_refused_by_its_hash(card, changes):
    _edit(card, seal=False, **changes)
    with pytest.raises(ModelIntegrityError, match="card_sha256") as err:
        load_card(card)
    assert str(err.value).startswith(str(card))


def test_layout_does_not_matter_only_values(card):
    card.write_text(json.dumps(json.loads(card.read_text()), separators=(",", ":")))
    assert load_card(card).name == "maxcut-p1"


def test_version_1_card_is_refused_then_upgraded_by_seal_card(card):
    raw = json.loads(card.read_text())
    raw["format_version"] = 1
    del raw["card_sha256"], raw["weights"]["bytes"]
    card.write_text(json.dumps(raw))
    with pytest.raises(ModelFormatError, match="seal_card"):
        load_card(card)
    seal_card(card)
    assert load_card(card).card["weights"]["bytes"] == card.with_suffix(".npz").stat().st_size
    # seal_card vouches only for weights that match the card's sha256.
    npz = card.with_suffix(".npz")
    data = bytearray(npz.read_bytes())
    data[len(data) // 2] ^= 0xFF
    npz.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="not sealing"):
        seal_card(card)


def test_saved_card_with_trainer_fields_loads_through_load_card(tmp_path):
    """What trainer.finalize writes (via save_model) is sealed and loads as a policy model."""
    model = init_numpy_model("qlstm", 1, seed=0)
    policy = {"p": 1, "anchor": [0.39, -0.61], "beta_step": 0.15, "handoff": None}
    extra = {"name": "mine", "family": "maxcut", "policy": policy,
             "metrics": {"val_rho_3_median": np.float64(0.9), "curve": np.arange(2)}}
    _, path = save_model(model, tmp_path / "mine", extra)
    pre = load_card(path)
    assert pre.name == "mine" and pre.family == "maxcut" and pre.spec.beta_step == 0.15
    assert pre.card["card_sha256"] == card_digest(json.loads(path.read_text()))
    with pytest.raises(ValueError, match="structural"):
        save_model(model, tmp_path / "x", {"card_sha256": "0" * 64})


@posix_only
@pytest.mark.timeout(30)
def test_fifo_weight_file_or_card_is_refused_without_hanging(card):
    npz = card.with_suffix(".npz")
    npz.unlink()
    os.mkfifo(npz)
    with pytest.raises(ModelFormatError, match="not a regular file"):
        load_card(card)
    from qlstm_optimizer import QLSTMOptimizer

    with pytest.raises(ModelFormatError, match="not a regular file"):
        QLSTMOptimizer(model=card)  # the case: this constructor hung forever
    fifo_card = card.parent / "fifo.json"
    os.mkfifo(fifo_card)
    with pytest.raises(ModelFormatError, match="not a regular file") as err:
        load_card(fifo_card)
    assert str(fifo_card) in str(err.value)


@posix_only
@pytest.mark.timeout(30)
def test_symlink_to_dev_zero_is_refused_fast(card):
    npz = card.with_suffix(".npz")
    npz.unlink()
    npz.symlink_to("/dev/zero")
    start = time.perf_counter()
    with pytest.raises(ModelFormatError, match="not a regular file"):
        load_card(card)
    card.with_name("zero.json").symlink_to("/dev/zero")
    with pytest.raises(ModelFormatError, match="not a regular file"):
        load_card(card.with_name("zero.json"))
    assert time.perf_counter() - start < 5
    with pytest.raises(ModelFormatError, match="not a regular file"):
        load_card(card.parent)  # a directory


def test_weight_file_of_another_size_is_refused_before_reading(card):
    npz = card.with_suffix(".npz")
    with npz.open("ab") as fh:
        fh.write(b"\x00" * 10)
    with pytest.raises(ModelIntegrityError, match="bytes, the model card states"):
        load_card(card)
    # A huge (sparse) file is refused by its size, not read and hashed in full.
    with npz.open("r+b") as fh:
        fh.truncate(3 * 2**30)
    start = time.perf_counter()
    with pytest.raises(ModelIntegrityError, match=str(3 * 2**30)):
        load_card(card)
    assert time.perf_counter() - start < 5


def test_oversized_card_is_refused(card):
    text = card.read_text()
    card.write_text(text + " " * (MAX_CARD_BYTES + 1 - len(text.encode())))
    with pytest.raises(ModelFormatError, match="more than the") as err:
        load_card(card)
    assert str(card) in str(err.value)


@pytest.mark.parametrize("content,match", [
    (b"{not json", "not a readable JSON"),
    (b"\xff\xfe\x00\x01binary\x80", "not UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply|not a readable JSON"),
    (b"[1, 2]", "not a 'qlstm-optimizer-model-card'"),
    (b"", "not a readable JSON"),
    (b"1" * 5000, "not a readable JSON"),  # int too long for Python: a plain ValueError
    (b"{\"a\": " + b"[" * 100 + b"]" * 100 + b"}", "nested deeper than"),
])
def test_unreadable_cards_name_the_file(tmp_path, content, match):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(ModelFormatError, match=match) as err:
        load_card(path)
    assert str(err.value).startswith(str(path))


@pytest.mark.parametrize("changes,match", [
    ({"family": 12345}, "'family' must be one of"),        # accepted before the fix
    ({"family": "maxcut-er"}, "'family' must be one of"),  # would silently get Max-Cut units
    ({"family": _DELETE}, "'family' must be one of"),
    ({"policy": _DELETE}, "'policy' section"),
    ({"policy": [1, 2]}, "'policy' section"),
    ({"policy.anchor": _DELETE}, "missing \\['anchor'\\]"),
    ({"policy.typo_step": 0.1}, "unknown keys \\['typo_step'\\]"),
    ({"policy.beta_step": "0.15"}, "policy.beta_step must be a positive finite number"),
    ({"policy.beta_step": float("nan")}, "policy.beta_step must be a positive finite number"),
    ({"policy.gamma_step": -0.1}, "policy.gamma_step must be a positive finite number"),
    ({"policy.horizon": 10.5}, "policy.horizon must be a positive integer"),
    ({"policy.handoff": True}, "policy.handoff must be a positive integer or null"),
    ({"policy.static_features": "yes"}, "policy.static_features must be true or false"),
    ({"policy.start_candidates": -1}, "policy.start_candidates must be a non-negative integer"),
    ({"policy.start_candidates": 2.0}, "policy.start_candidates must be a non-negative"),
    ({"policy.start_candidates": 2}, "start_candidates needs depth_feature"),
    ({"policy.calibrate_anchor": 1}, "policy.calibrate_anchor must be true or false"),
    ({"policy.calibrate_anchor": True}, "calibrate_anchor needs depth_feature"),
    ({"policy.static_features": False}, "feeds the model 4 features"),
    ({"policy.anchor": ["a", 1]}, "policy.anchor must be a list of finite numbers"),
    ({"policy.anchor": [0.1]}, "anchor must have 2p = 2 entries"),
    ({"policy.p": 2}, "policy.p = 2 but the model is for p = 1"),
    ({"policy.scale_rule": "rms"}, "scale_rule must be one of"),
    ({"name": 7}, "'name' must be a string"),
    ({"p": True}, "card 'p' must be a positive integer"),
    ({"config.hidden_size": 4.0}, "wrong JSON type"),
    ({"num_parameters": "136"}, "'num_parameters'"),
    ({"weights.bytes": _DELETE}, "'weights.bytes' must be an integer"),
    ({"weights.bytes": "3068"}, "'weights.bytes' must be an integer"),
    ({"weights.bytes": MAX_WEIGHT_BYTES + 1}, "'weights.bytes' must be an integer"),
    ({"weights.dtype": "float32"}, "'weights.dtype' must be 'float64'"),
    ({"weights.arrays.w_in": [3, 3]}, "'weights.arrays' must list"),
    ({"weights.file": 5}, "'weights.file'"),
    ({"cost_features.num_features": 4}, "cost_features.num_features"),
    ({"training": "none"}, "'training' must be a JSON object"),
    ({"card_sha256": _DELETE}, "no valid 'card_sha256'"),
])
def test_missing_or_ill_typed_fields_are_refused_naming_the_file(card, changes, match):
    _edit(card, seal="card_sha256" not in changes, **changes)
    with pytest.raises(ValueError, match=match) as err:
        load_card(card)
    assert str(err.value).startswith(str(card))


def test_pickled_weights_are_still_refused(card, tmp_path):
    obj = tmp_path / "obj.npz"
    np.savez(obj, w_in=np.array([{"evil": 1}], dtype=object))
    data = obj.read_bytes()
    card.with_suffix(".npz").write_bytes(data)
    from qlstm_optimizer.models.card import sha256_hex

    _edit(card, seal=True, **{"weights.sha256": sha256_hex(data), "weights.bytes": len(data)})
    with pytest.raises(ModelFormatError, match="corrupt or truncated|pickle"):
        load_model(card)


def test_every_policy_field_has_a_card_type_check():
    from dataclasses import fields

    from qlstm_optimizer.policy import PolicySpec
    from qlstm_optimizer.pretrained.registry import _POLICY_TYPES

    assert set(_POLICY_TYPES) == {f.name for f in fields(PolicySpec)}
