"""Models given as the path of a model card (e.g. one you trained), in every adapter."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from qlstm_optimizer import QLSTMOptimizer
from qlstm_optimizer.minimize import minimize_qaoa
from qlstm_optimizer.models import card_digest
from qlstm_optimizer.pretrained import load_card
from qlstm_optimizer.pretrained.registry import WEIGHTS_DIR
from qlstm_optimizer.problems import sk
from qlstm_optimizer.sim import qaoa_energy


@pytest.fixture
def sk_card(tmp_path):
    for ext in (".json", ".npz"):  # the card names its weight file: keep the pair together
        shutil.copy(WEIGHTS_DIR / f"sk-p1{ext}", tmp_path / f"sk-p1{ext}")
    return tmp_path / "sk-p1.json"


def test_card_path_runs_like_the_bundled_model_with_its_family(sk_card):
    """An SK card loaded by path keeps the SK units: the same points as the bundled model
    (a (model, spec) pair would fall back to Max-Cut units)."""
    problem = sk(10, seed=4)
    pre = load_card(sk_card)
    assert pre.family == "sk" and pre.spec.scale_rule == "coupling-rms"
    runs = [minimize_qaoa(lambda x: qaoa_energy(problem, x), np.zeros(2), model=m, maxfev=8,
                          hamiltonian=problem) for m in (str(sk_card), sk_card, "sk-p1")]
    for r in runs[:2]:
        np.testing.assert_array_equal(np.array(r.history_x), np.array(runs[2].history_x))
    pair = minimize_qaoa(lambda x: qaoa_energy(problem, x), np.zeros(2),
                         model=(pre.model, pre.spec), maxfev=8, hamiltonian=problem)
    assert not np.allclose(pair.history_x[0], runs[2].history_x[0])  # Max-Cut units differ
    res = QLSTMOptimizer(model=sk_card, maxfev=8, hamiltonian=problem).minimize(
        lambda x: qaoa_energy(problem, x), np.zeros(2))
    assert res.fun == pytest.approx(runs[2].fun)


def test_bad_card_paths_fail_early(tmp_path, sk_card):
    with pytest.raises(FileNotFoundError):
        QLSTMOptimizer(model=tmp_path / "missing.json")
    weights = sk_card.with_suffix(".npz")
    data = bytearray(weights.read_bytes())
    data[-10] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ValueError):
        QLSTMOptimizer(model=str(sk_card))  # tampered weights: sha256 mismatch
    no_policy = tmp_path / "no-policy.json"
    no_policy.write_text('{"name": "x"}')
    with pytest.raises(ValueError, match="policy"):
        load_card(no_policy)


def test_card_path_forms_and_errors(tmp_path, sk_card, monkeypatch):
    import json

    from qlstm_optimizer.pretrained import is_card_path

    assert is_card_path(sk_card) and is_card_path("A/MODEL.JSON") and not is_card_path("sk-p1")
    monkeypatch.chdir(sk_card.parent)
    opt = QLSTMOptimizer(model="sk-p1.json", maxfev=3)  # relative: stored absolute
    monkeypatch.chdir(tmp_path.parent)
    problem = sk(6, seed=1)
    assert opt.minimize(lambda x: qaoa_energy(problem, x), np.zeros(2)).nfev == 3
    card = json.loads(sk_card.read_text())
    card["policy"]["unknown_key"] = 1
    card["card_sha256"] = card_digest(card)  # a deliberate edit, resealed: the policy is refused
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(card))
    with pytest.raises(ValueError, match="policy"):
        load_card(bad)
    with pytest.raises(ValueError, match="auto"):
        QLSTMOptimizer(hamiltonian="autox")
