"""QK-LSTM: quantum-kernel LSTM (Hsu et al., arXiv 2411.13225), as used in arXiv 2512.05058.

Cell::

    v_t = [h_{t-1}, x_t]                                      (H + F + 2p values)
    z_t = W_in v_t + b_in                                      classical map #1 (n_qubits outputs)
    k_t[m] = |<phi(c_m)|phi(a(z_t))>|^2,  m = 1..M             quantum fidelity kernel
    f_t = sigmoid(A_f k_t + b_f)   i_t = sigmoid(A_i k_t + b_i)
    g_t = tanh(A_g k_t + b_g)      o_t = sigmoid(A_o k_t + b_o)   kernel expansion (per gate)
    C_t = f_t * C_{t-1} + i_t * g_t,   h_t = o_t * tanh(C_t)
    y_t = W_y h_t + b_y                                        classical map #2 (H -> 2p)

Feature map ``phi`` (the circuit of 2512.05058's code): ``H``, ``RZ(a_q)``, ``RY(a_q)``,
CNOT chain, ``RZ(a_q)`` on ``n_qubits`` qubits, no trainable circuit weights. The kernel value is
measured on hardware as the probability of ``|0..0>`` after ``U(z)`` then ``U(c_m)^dagger``
(compute-uncompute). The reference points ``c_m`` (``M = n_refs`` landmarks in angle space) are
trainable, as are the expansion coefficients ``A_g`` (``H x M``) of each gate, following the
QK-LSTM paper's ``gate = act(sum_m alpha_m k(x, x_m) + b)``.

Deviation from the published code, on purpose: there, the circuit is ``U(x)`` followed by
``U(x)^dagger`` on the *same* ``x`` (and the final ``RZ`` is undone immediately), which is the
identity, so every ``<Z>`` is 1 whatever the input: the gates are constants, the input map gets no
gradient, and the model emits one fixed sequence of parameters for every graph (matching the
reported "same first parameters for every graph"). Here the uncompute uses the landmarks ``c_m``,
so the kernel depends on the input.

The angle map ``a`` is ``"identity"`` (default; differentiable everywhere, the linear map sets the
scale) or ``"cos_sq"`` (``cos(z^2)``, the published choice, whose gradient vanishes at ``z = 0``).

Classical maps: ``W_in`` matches the ``4p + 4`` inputs to the qubit count (as in the published
model); ``A_g`` are the kernel-expansion coefficients that define a kernel machine; ``W_y`` maps the
hidden state to the ``2p`` outputs (``|y| <= sum|W_y| + |b_y|`` since ``|h| < 1``).

Example:
    >>> import numpy as np
    >>> from qlstm_optimizer.models import build_config
    >>> from qlstm_optimizer.models.ops import NUMPY_OPS as ops
    >>> cfg = build_config("qklstm", 1)
    >>> params = init_params(cfg, np.random.default_rng(0))
    >>> y, state = step(params, cfg, np.zeros((2, 4)), np.zeros((2, 2)),
    ...                 initial_state(cfg, 2, ops), ops)
    >>> y.shape
    (2, 2)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import cached_by_config, check_keys, positive_int, uniform
from .vqc import VQCSpec, kernel_feature_map_spec

__all__ = ["default_config", "init_params", "initial_state", "param_shapes", "step", "vqc_specs"]

ARCH = "qklstm"
KEYS = ("arch", "p", "num_features", "hidden_size", "n_qubits", "n_refs", "kernel_angle")
ANGLE_MAPS = ("identity", "cos_sq")


def default_config(p: int, **overrides: Any) -> dict:
    """Validated config: defaults, then ``overrides`` (unknown keys are refused)."""
    check_keys(ARCH, overrides, KEYS)
    p = positive_int("p", p)
    if overrides.get("arch", ARCH) != ARCH:
        raise ValueError(f"config arch {overrides['arch']!r} is not {ARCH!r}")
    cfg = {
        "arch": ARCH,
        "p": p,
        "num_features": 4,
        "hidden_size": 2 * p,
        "n_qubits": 4,
        "n_refs": 4,
        "kernel_angle": "identity",
    }
    cfg.update({k: v for k, v in overrides.items() if k not in ("arch", "p")})
    for key in ("num_features", "hidden_size", "n_qubits", "n_refs"):
        cfg[key] = positive_int(key, cfg[key])
    if cfg["n_qubits"] > 12:
        raise ValueError("qklstm n_qubits > 12 is too slow to simulate")
    if cfg["kernel_angle"] not in ANGLE_MAPS:
        raise ValueError(f"kernel_angle must be one of {ANGLE_MAPS}, got {cfg['kernel_angle']!r}")
    return cfg


def _build_spec(cfg: dict) -> VQCSpec:
    return kernel_feature_map_spec(cfg["n_qubits"])


def _spec(cfg: dict) -> VQCSpec:
    return cached_by_config(_build_spec, cfg)


def vqc_specs(cfg: dict) -> dict[str, tuple[VQCSpec, str | None, int | None]]:
    """The feature-map circuit (weight-free; the kernel is its compute-uncompute overlap)."""
    return {"kernel_feature_map": (_spec(cfg), None, None)}


def angle_map(cfg: dict, z: Any, ops: Any) -> Any:
    """Encoding angles ``a(z)`` (see the module docstring)."""
    if cfg["kernel_angle"] == "cos_sq":
        return ops.cos(z * z)
    return z


def param_shapes(cfg: dict) -> dict[str, tuple[int, ...]]:
    hidden, n, m = cfg["hidden_size"], cfg["n_qubits"], cfg["n_refs"]
    d_in = hidden + cfg["num_features"] + 2 * cfg["p"]
    return {
        "w_in": (d_in, n),
        "b_in": (n,),
        "refs": (m, n),
        "gate_alpha": (4, m, hidden),
        "gate_bias": (4, hidden),
        "w_y": (hidden, 2 * cfg["p"]),
        "b_y": (2 * cfg["p"],),
    }


def init_params(cfg: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Random initial weights; landmarks near the origin so initial kernel values are O(0.1-1)."""
    shapes = param_shapes(cfg)
    d_in, m = shapes["w_in"][0], cfg["n_refs"]
    gate_bias = np.zeros(shapes["gate_bias"])
    gate_bias[0] = 1.0  # forget-gate bias +1
    return {
        "w_in": uniform(rng, 1.0 / np.sqrt(d_in), shapes["w_in"]),
        "b_in": uniform(rng, 1.0 / np.sqrt(d_in), shapes["b_in"]),
        "refs": rng.normal(0.0, 0.5, shapes["refs"]),
        "gate_alpha": uniform(rng, 1.0 / np.sqrt(m), shapes["gate_alpha"]),
        "gate_bias": gate_bias,
        # Small output head: initial |y| <= 0.1 * 2p-ish, near zero.
        "w_y": rng.normal(0.0, 0.05, shapes["w_y"]),
        "b_y": np.zeros(shapes["b_y"]),
    }


def initial_state(cfg: dict, batch: int, ops: Any) -> tuple:
    """``(h_0, C_0) = (0, 0)``, each ``(batch, hidden_size)``."""
    shape = (batch, cfg["hidden_size"])
    return (ops.zeros(shape), ops.zeros(shape))


def step(params: dict, cfg: dict, features: Any, params_in: Any, state: tuple, ops: Any):
    """One QK-LSTM step: ``features (B, F), params_in (B, 2p) -> y (B, 2p), (h_t, C_t)``."""
    spec = _spec(cfg)
    h, c = state
    v = ops.concat([h, features, params_in], -1)
    z = ops.matmul(v, params["w_in"]) + params["b_in"]
    k = ops.kernel(spec, angle_map(cfg, z, ops), angle_map(cfg, params["refs"], ops))  # (B, M)
    pre = ops.einsum("bm,gmh->gbh", k, params["gate_alpha"]) + params["gate_bias"][:, None, :]
    f = ops.sigmoid(pre[0])
    i = ops.sigmoid(pre[1])
    g = ops.tanh(pre[2])
    o = ops.sigmoid(pre[3])
    c = f * c + i * g
    h = o * ops.tanh(c)
    y = ops.matmul(h, params["w_y"]) + params["b_y"]
    return y, (h, c)
