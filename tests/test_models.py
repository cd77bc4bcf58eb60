"""Sequence models: configs, parameter counts, NumPy twin == torch, gradients, no-torch import."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from qlstm_optimizer.models import (
    ARCHITECTURES,
    NumpySequenceModel,
    build_config,
    get_arch,
    init_numpy_model,
    num_parameters,
    validate_config,
)

ARCHS = sorted(ARCHITECTURES)
PS = (1, 2, 3)

#: Parameter counts of the default configs (docs/models.md quotes this table).
EXPECTED_COUNTS = {
    ("qlstm", 1): 104, ("qlstm", 2): 140, ("qlstm", 3): 234,
    ("qklstm", 1): 98, ("qklstm", 2): 168, ("qklstm", 3): 246,
    ("qfwp", 1): 96, ("qfwp", 2): 122, ("qfwp", 3): 230,
    ("lstm", 1): 128, ("lstm", 2): 160, ("lstm", 3): 270,
}  # fmt: skip


def _inputs(rng, batch, p, steps):
    return [(rng.normal(size=(batch, 4)), rng.normal(0, 0.7, size=(batch, 2 * p)))
            for _ in range(steps)]  # fmt: skip


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("p", PS)
def test_default_config_and_parameter_count(arch, p):
    cfg = build_config(arch, p)
    assert cfg["arch"] == arch and cfg["p"] == p and cfg["num_features"] == 4
    assert validate_config(dict(cfg)) == cfg
    model = init_numpy_model(arch, p, seed=0)
    assert model.num_parameters == num_parameters(cfg) == EXPECTED_COUNTS[(arch, p)]
    assert 10 <= model.num_parameters <= 999  # tens to hundreds
    shapes = get_arch(arch).param_shapes(cfg)
    assert {k: v.shape for k, v in model.params.items()} == shapes


def test_documented_defaults():
    q = build_config("qlstm", 3)
    assert (q["hidden_size"], q["n_qubits"], q["depth"], q["entangler"]) == (6, 6, 2, "ring")
    assert build_config("qlstm", 1)["n_qubits"] == 4
    assert build_config("qlstm", 1, hidden_size=5)["n_qubits"] == 5
    assert build_config("qklstm", 2)["n_qubits"] == 4
    assert build_config("qfwp", 3)["n_qubits"] == 6
    # LSTM sized like the QLSTM: within 25% of its parameter count.
    for p in PS:
        ratio = num_parameters(build_config("lstm", p)) / num_parameters(build_config("qlstm", p))
        assert 0.75 < ratio < 1.3


@pytest.mark.parametrize(
    "arch,p,overrides,match",
    [
        ("qlstm", 1, {"bogus": 1}, "unknown config keys"),
        ("qlstm", 0, {}, "positive integer"),
        ("qlstm", 1, {"n_qubits": 2, "hidden_size": 3}, "n_qubits >="),
        ("qlstm", 1, {"entangler": "star"}, "entangler"),
        ("qlstm", 1, {"encoding": "rw"}, "encoding"),
        ("qklstm", 1, {"kernel_angle": "tan"}, "kernel_angle"),
        ("qfwp", 1, {"n_qubits": 13}, "too slow"),
        ("lstm", 1, {"hidden_size": 0}, "positive integer"),
        ("transformer", 1, {}, "unknown architecture"),
    ],
)
def test_bad_configs_are_refused(arch, p, overrides, match):
    with pytest.raises(ValueError, match=match):
        build_config(arch, p, **overrides)


def test_validate_config_refuses_edited_configs():
    cfg = build_config("qlstm", 1)
    assert validate_config(dict(cfg, n_qubits=7))["n_qubits"] == 7  # a valid override
    for bad in (dict(cfg, depth=0), dict(cfg, n_qubits=1), dict(cfg, extra=1),
                {k: v for k, v in cfg.items() if k != "arch"}, "qlstm"):  # fmt: skip
        with pytest.raises(ValueError):
            validate_config(bad)


@pytest.mark.parametrize("arch", ARCHS)
def test_interface_shapes_and_small_initial_outputs(arch):
    rng = np.random.default_rng(0)
    for p in PS:
        model = init_numpy_model(arch, p, seed=1)
        state = model.initial_state(3)
        assert isinstance(state, tuple) and all(s.shape[0] == 3 for s in state)
        for f, x in _inputs(rng, 3, p, 4):
            y, state = model.step(f, x, state)
            assert y.shape == (3, 2 * p) and np.all(np.isfinite(y))
        # Initial outputs near zero, so a decoder starts from its anchor.
        y0, _ = model.step(np.zeros((1, 4)), np.zeros((1, 2 * p)), model.initial_state(1))
        assert np.abs(y0).max() < 0.2


def test_step_input_validation():
    model = init_numpy_model("qlstm", 2, seed=0)
    state = model.initial_state(2)
    with pytest.raises(ValueError, match="features"):
        model.step(np.zeros((2, 3)), np.zeros((2, 4)), state)
    with pytest.raises(ValueError, match="params"):
        model.step(np.zeros((2, 4)), np.zeros((2, 2)), state)


def test_numpy_weights_are_read_only_and_checked():
    model = init_numpy_model("qlstm", 1, seed=0)
    with pytest.raises(ValueError):
        model.params["w_in"][0, 0] = 1.0
    params = {k: np.array(v) for k, v in model.params.items()}
    params["w_in"] = params["w_in"][:, :2]
    with pytest.raises(ValueError, match="shape"):
        NumpySequenceModel(model.config, params)
    params = {k: np.array(v) for k, v in model.params.items()}
    del params["y_bias"]
    with pytest.raises(ValueError, match="missing"):
        NumpySequenceModel(model.config, params)
    params = {k: np.array(v) for k, v in model.params.items()}
    params["w_in"][0, 0] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        NumpySequenceModel(model.config, params)


def test_memoised_layers_do_not_leak_between_models():
    # Two frozen models with different weights must not share cached layer matrices.
    f, x = np.full((1, 4), 0.3), np.full((1, 2), 0.2)
    a, b = init_numpy_model("qlstm", 1, seed=0), init_numpy_model("qlstm", 1, seed=1)
    ya1, _ = a.step(f, x, a.initial_state(1))
    yb, _ = b.step(f, x, b.initial_state(1))
    ya2, _ = a.step(f, x, a.initial_state(1))
    fresh = NumpySequenceModel(a.config, {k: np.array(v) for k, v in a.params.items()})
    ya3, _ = fresh.step(f, x, fresh.initial_state(1))
    assert np.array_equal(ya1, ya2) and np.abs(ya1 - ya3).max() < 1e-15
    assert np.abs(ya1 - yb).max() > 1e-6


@pytest.mark.parametrize("arch", ["qlstm", "qklstm", "qfwp"])
def test_export_circuits(arch):
    model = init_numpy_model(arch, 1, seed=0)
    circuits = model.export_circuits()
    if arch == "qlstm":
        assert sorted(circuits) == ["vqc1_forget", "vqc2_input", "vqc3_candidate",
                                    "vqc4_output", "vqc5_hidden", "vqc6_output"]  # fmt: skip
        assert all(not any(p.name.startswith("w[") for p in c.parameters)
                   for c in circuits.values())  # fmt: skip
    if arch == "qklstm":
        assert {"kernel_feature_map", "kernel_ref0"} <= set(circuits)
    if arch == "qfwp":
        assert any(p.name.startswith("w[") for p in circuits["fast_vqc"].parameters)
    unbound = model.export_circuits(bind_weights=False)
    assert all(c.num_parameters >= circuits[k].num_parameters for k, c in unbound.items())


def test_no_pickle_in_models_package():
    # The weight format must never rely on pickle: no import, and np.load always refuses it.
    import pathlib

    import qlstm_optimizer.models as pkg

    for path in pathlib.Path(pkg.__file__).parent.glob("*.py"):
        text = path.read_text()
        assert "import pickle" not in text and "pickle.load" not in text, path
        for line in text.splitlines():
            if "np.load(" in line:
                assert "allow_pickle=False" in line, (path, line)


def test_numpy_twin_imports_and_runs_without_torch(tmp_path):
    # torch made unimportable before anything of the package is imported. A meta-path finder
    # that refuses it behaves like "torch not installed"; sys.modules["torch"] = None would also
    # block it, but scipy.stats (imported by qiskit-algorithms) then crashes probing that entry.
    code = textwrap.dedent(
        f"""
        import sys

        class _NoTorch:
            def find_spec(self, name, path=None, target=None):
                if name == "torch" or name.startswith("torch."):
                    raise ImportError("torch is blocked in this test")
                return None

        sys.meta_path.insert(0, _NoTorch())
        import numpy as np
        import qlstm_optimizer
        from qlstm_optimizer.models import ARCHITECTURES, init_numpy_model, save_model, load_model
        for arch in sorted(ARCHITECTURES):
            for p in (1, 3):
                m = init_numpy_model(arch, p, seed=0)
                _, card = save_model(m, r"{tmp_path}/" + arch + str(p), {{}})
                m = load_model(card)
                y, s = m.step(np.ones((2, 4)), np.ones((2, 2 * p)), m.initial_state(2))
                y, s = m.step(np.ones((2, 4)), y, s)
                assert y.shape == (2, 2 * p) and np.all(np.isfinite(y))
        try:
            import qlstm_optimizer.models.torch_model
        except ImportError:
            pass
        else:
            raise SystemExit("torch_model imported without torch")
        assert not any(k == "torch" or k.startswith("torch.") for k in sys.modules)
        print("OK")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("OK")


# -- torch ----------------------------------------------------------------------------------------
torch = pytest.importorskip("torch")
from qlstm_optimizer.models.torch_model import TorchSequenceModel  # noqa: E402


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("p", PS)
def test_numpy_twin_matches_torch(arch, p):
    tmodel = TorchSequenceModel(build_config(arch, p), seed=3)
    nmodel = tmodel.to_numpy()
    rng = np.random.default_rng(p)
    sn, st = nmodel.initial_state(4), tmodel.initial_state(4)
    y_n = None
    worst = 0.0
    for f, x in _inputs(rng, 4, p, 6):
        if y_n is not None:  # feed the outputs back, as the policy does
            x = 0.5 * x + y_n
        y_n, sn = nmodel.step(f, x, sn)
        y_t, st = tmodel.step(torch.tensor(f), torch.tensor(x), st)
        worst = max(worst, np.abs(y_n - y_t.detach().numpy()).max())
        for a, b in zip(sn, st, strict=True):
            worst = max(worst, np.abs(a - b.detach().numpy()).max())
    assert worst < 1e-10


@pytest.mark.parametrize(
    "arch,overrides",
    [
        ("qlstm", {"reupload": True, "rotations": "zy", "encoding": "rx", "entangler": "chain"}),
        ("qlstm", {"hidden_size": 3, "depth": 1}),
        ("qklstm", {"kernel_angle": "cos_sq", "n_refs": 3, "n_qubits": 3}),
        ("qfwp", {"layer_order": "rot_ent", "reupload": True, "entangler": "ring"}),
        ("lstm", {"hidden_size": 5, "num_features": 2}),
    ],
)
def test_numpy_twin_matches_torch_non_default_configs(arch, overrides):
    cfg = build_config(arch, 2, **overrides)
    tmodel = TorchSequenceModel(cfg, seed=8)
    nmodel = tmodel.to_numpy()
    rng = np.random.default_rng(8)
    nf = cfg["num_features"]
    sn, st = nmodel.initial_state(3), tmodel.initial_state(3)
    for _ in range(4):
        f, x = rng.normal(size=(3, nf)), rng.normal(size=(3, 4))
        y_n, sn = nmodel.step(f, x, sn)
        y_t, st = tmodel.step(torch.tensor(f), torch.tensor(x), st)
        assert np.abs(y_n - y_t.detach().numpy()).max() < 1e-10


@pytest.mark.parametrize("arch", ARCHS)
def test_every_parameter_gets_a_gradient(arch):
    for p in PS:
        model = TorchSequenceModel(build_config(arch, p), seed=1)
        gen = torch.Generator().manual_seed(p)
        state, loss = model.initial_state(5), 0.0
        for _ in range(3):
            f = torch.randn(5, 4, generator=gen, dtype=torch.float64)
            x = torch.randn(5, 2 * p, generator=gen, dtype=torch.float64)
            y, state = model.step(f, x, state)
            loss = loss + (y * torch.randn(y.shape, generator=gen, dtype=torch.float64)).sum()
        loss.backward()
        for name, param in model.params.items():
            assert param.grad is not None, (arch, p, name)
            assert torch.all(param.grad != 0), (arch, p, name, param.grad)


def test_torch_roundtrip_and_seed_reproducibility():
    cfg = build_config("qklstm", 2)
    a, b = TorchSequenceModel(cfg, seed=4), TorchSequenceModel(cfg, seed=4)
    assert all(torch.equal(a.params[k], b.params[k]) for k in a.params)
    n = init_numpy_model("qklstm", 2, seed=4)
    assert all(np.array_equal(n.params[k], a.params[k].detach().numpy()) for k in n.params)
    c = TorchSequenceModel.from_numpy(a.to_numpy())
    assert all(torch.equal(a.params[k], c.params[k]) for k in a.params)
    assert c.num_parameters == n.num_parameters
    assert all(v.dtype == torch.float64 for v in c.parameters())
