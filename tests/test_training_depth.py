"""Training a depth-general model: bit-reproducible (anchors, references and weights), a card
that loads and runs at every depth it names, and the [depth] config checks."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from qlstm_optimizer.minimize import minimize_qaoa  # noqa: E402
from qlstm_optimizer.models import load_model  # noqa: E402
from qlstm_optimizer.pretrained import load_card  # noqa: E402
from qlstm_optimizer.problems import erdos_renyi  # noqa: E402
from qlstm_optimizer.sim import qaoa_energy  # noqa: E402
from qlstm_optimizer.training import load_config, train  # noqa: E402
from qlstm_optimizer.training.config import ConfigError, parse_config  # noqa: E402

TINY_DEPTH = """
name = "tiny-depth"
family = "maxcut"
seed = 5

[model]
arch = "lstm"
p = 2

[policy]
scale_rule = "coupling-rms"
static_features = true
depth_feature = true
beta_step = 0.1
gamma_step = 0.15
horizon = 4
handoff = 2

[depth]
modes = 2
max_depth = 3
train_depths = [1, 3]
val_depths = [2, 3]
curriculum_steps = 2

[train]
loss = "budget_log_gap"
budgets = [1, 2, 4]
val_budgets = [1, 4]
steps = 4
batch_size = 4
lr = 0.02
warmup_steps = 1
val_every = 2
checkpoint_every = 2

[train_instances]
pool_size = 8
components = [{ family = "erdos_renyi", sizes = [4, 5], edge_probs = [0.5, 0.8] }]

[val_instances]
pool_size = 3
components = [{ family = "erdos_renyi", sizes = [6], edge_probs = [0.5] }]
"""


def _config(tmp_path):
    path = tmp_path / "tiny-depth.toml"
    path.write_text(TINY_DEPTH)
    return load_config(path)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("depth-train")
    train(_config(tmp), tmp / "a", progress=False, cache_dir=tmp / "ca")
    return tmp


@pytest.mark.slow
def test_depth_training_is_bit_reproducible(trained, tmp_path):
    # a separate cache: the anchors and references are recomputed, not read back
    train(_config(tmp_path), tmp_path / "b", progress=False, cache_dir=tmp_path / "cb")
    wa = dict(load_model(trained / "a" / "tiny-depth.json").params)
    wb = dict(load_model(tmp_path / "b" / "tiny-depth.json").params)
    assert all(np.array_equal(wa[k], wb[k]) for k in wa)
    ca = json.loads((trained / "a" / "tiny-depth.json").read_text())
    cb = json.loads((tmp_path / "b" / "tiny-depth.json").read_text())
    assert ca["depth"] == cb["depth"]


def test_a_depth_card_records_its_depths_and_runs_at_each(trained):
    card = json.loads((trained / "a" / "tiny-depth.json").read_text())
    assert card["depth"]["max_depth"] == 3 and len(card["depth"]["anchors"][2]) == 6
    assert "val_p3_rho_4_median" in card["metrics"]
    pre = load_card(trained / "a" / "tiny-depth.json")
    h = erdos_renyi(6, 0.6, seed=9)
    for p in (1, 2, 3):
        result = minimize_qaoa(lambda x: qaoa_energy(h, x), np.zeros(2 * p), model=pre,
                               maxfev=8, hamiltonian=h)
        assert result.nfev <= 8 and result.x.shape == (2 * p,)
    with pytest.raises(ValueError, match="depths 1..3"):
        minimize_qaoa(lambda x: qaoa_energy(h, x), np.zeros(8), model=pre, hamiltonian=h)


def test_a_card_whose_depth_block_was_removed_is_refused(trained, tmp_path):
    import shutil

    from qlstm_optimizer.models import seal_card

    for ext in (".json", ".npz"):
        shutil.copy(trained / "a" / f"tiny-depth{ext}", tmp_path / f"tiny-depth{ext}")
    path = tmp_path / "tiny-depth.json"
    card = json.loads(path.read_text())
    del card["depth"]
    path.write_text(json.dumps(card))
    seal_card(path)  # a deliberate, resealed edit: the loader still refuses the mismatch
    with pytest.raises(ValueError, match="no 'depth' block"):
        load_card(path)


@pytest.mark.parametrize("edit,match", [
    (("modes = 2", "modes = 3"), "depth.modes = 3 must equal model.p = 2"),
    (("val_depths = [2, 3]", "val_depths = [2, 4]"), "exceed depth.max_depth"),
    (("depth_feature = true", "depth_feature = false"), "needs policy.depth_feature"),
    (("[policy]", '[policy]\nanchor = [0.1, 0.2, 0.3, 0.4]'), "policy.anchor is not used"),
    (("curriculum_steps = 2", "curriculum_steps = -1"), "depth.curriculum_steps"),
    (("max_depth = 3", "max_depth = 3\nmode = 2"), r"unknown key\(s\) \['mode'\] in \[depth\]"),
])
def test_depth_config_errors_name_the_key(edit, match):
    import tomllib

    raw = tomllib.loads(TINY_DEPTH.replace(*edit))
    with pytest.raises(ConfigError, match=match):
        parse_config(raw)


def test_depth_feature_without_a_depth_section_is_refused():
    import tomllib

    raw = tomllib.loads(TINY_DEPTH)
    del raw["depth"]
    with pytest.raises(ConfigError, match="needs a \\[depth\\] section"):
        parse_config(raw)
