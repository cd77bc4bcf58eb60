"""QLSTM: the quantum LSTM cell of arXiv 2505.00561, with its six VQCs.

Cell (as published; ``x_t = [cost features (F), previous parameters (2p)]``)::

    v_t = [h_{t-1}, x_t]                                     (H + F + 2p values)
    z_t = W_in v_t + b_in                                    classical map #1 (see below)
    f_t = sigmoid(a_f * VQC1(z_t) + b_f)     i_t = sigmoid(a_i * VQC2(z_t) + b_i)
    g_t = tanh   (a_g * VQC3(z_t) + b_g)     o_t = sigmoid(a_o * VQC4(z_t) + b_o)
    C_t = f_t * C_{t-1} + i_t * g_t
    m_t = o_t * tanh(C_t)
    h_t = VQC5(m_t)                                          (<Z> in [-1, 1], like tanh)
    y_t = a_y * VQC6(m_t) + b_y                              classical map #2 (diagonal)

Each VQC: ``n_qubits`` qubits, ``|+>^n``, ``RY`` angle encoding, ``depth`` layers of trainable
``RY`` rotations + CNOT ring, ``<Z_q>`` readout of the first ``H`` (VQC1-5) or ``2p`` (VQC6)
qubits. Gate VQCs 1-4 share the program and run as one group of four; VQC5/6 likewise.

Classical maps, and why each is there:

1. ``W_in`` (``(H + F + 2p) x n_qubits`` + bias), shared by VQC1-4: ``v_t`` has ``4p + 4`` entries
   (16 at p = 3) and one qubit per entry would mean a 2**16 statevector per gate. A shared input
   map (as in the QLSTM of arXiv 2512.05058's code) matches the qubit count instead. VQC5/6 take
   ``m_t`` (``H <= n_qubits`` values) directly, no map.
2. Diagonal read-out affines ``a, b`` (two numbers per output, no mixing between qubits):
   ``<Z>`` lies in ``[-1, 1]``, so without a scale the gates could never leave
   ``sigmoid([-1, 1]) = [0.27, 0.73]``; ``a_y, b_y`` set the output scale of ``y``
   (``|y| <= |a_y| + |b_y|``: bounded and smooth), initialised to ``a_y = 0.1, b_y = 0``.

Default sizes: ``hidden_size = 2p`` (the paper), ``n_qubits = max(4, hidden_size, 2p)``,
``depth = 2``: 4 qubits at p = 1, 2 and 6 qubits at p = 3.

Example:
    >>> import numpy as np
    >>> from qlstm_optimizer.models import build_config
    >>> from qlstm_optimizer.models.ops import NUMPY_OPS as ops
    >>> cfg = build_config("qlstm", 1)
    >>> params = init_params(cfg, np.random.default_rng(0))
    >>> state = initial_state(cfg, 3, ops)
    >>> y, state = step(params, cfg, np.zeros((3, 4)), np.zeros((3, 2)), state, ops)
    >>> y.shape, bool(np.all(np.abs(y) <= 0.1))
    ((3, 2), True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import cached_by_config, check_keys, positive_int, uniform
from .vqc import ENTANGLERS, VQCSpec, make_vqc_spec

__all__ = ["default_config", "init_params", "initial_state", "param_shapes", "step", "vqc_specs"]

ARCH = "qlstm"
KEYS = (
    "arch", "p", "num_features", "hidden_size", "n_qubits", "depth", "encoding", "rotations",
    "entangler", "reupload",
)  # fmt: skip
GATES = ("forget", "input", "candidate", "output")


def default_config(p: int, **overrides: Any) -> dict:
    """Validated config: defaults, then ``overrides`` (unknown keys are refused)."""
    check_keys(ARCH, overrides, KEYS)
    p = positive_int("p", p)
    hidden = positive_int("hidden_size", overrides.get("hidden_size", 2 * p))
    cfg = {
        "arch": ARCH,
        "p": p,
        "num_features": 4,
        "hidden_size": hidden,
        "n_qubits": max(4, hidden, 2 * p),
        "depth": 2,
        "encoding": "ry",
        "rotations": "y",
        "entangler": "ring",
        "reupload": False,
    }
    cfg.update({k: v for k, v in overrides.items() if k not in ("arch", "p")})
    if overrides.get("arch", ARCH) != ARCH:
        raise ValueError(f"config arch {overrides['arch']!r} is not {ARCH!r}")
    for key in ("num_features", "n_qubits", "depth"):
        cfg[key] = positive_int(key, cfg[key])
    if cfg["n_qubits"] < max(hidden, 2 * p):
        # VQC5 reads h_t (H values) and VQC6 reads y_t (2p values) off distinct qubits.
        raise ValueError(f"qlstm needs n_qubits >= max(hidden_size, 2p) = {max(hidden, 2 * p)}")
    if cfg["n_qubits"] > 12:
        raise ValueError("qlstm n_qubits > 12 is too slow to simulate; lower hidden_size")
    if cfg["entangler"] not in ENTANGLERS:
        raise ValueError(f"entangler must be one of {ENTANGLERS}")
    cfg["reupload"] = bool(cfg["reupload"])
    vqc_specs(cfg)  # validates encoding / rotations
    return cfg


def _build_specs(cfg: dict) -> tuple[VQCSpec, VQCSpec]:
    common = dict(
        depth=cfg["depth"],
        encoding=cfg["encoding"],
        rotations=cfg["rotations"],
        entangler=cfg["entangler"],
        reupload=cfg["reupload"],
    )
    n, hidden, two_p = cfg["n_qubits"], cfg["hidden_size"], 2 * cfg["p"]
    gate = make_vqc_spec(n, n_inputs=n, readout=tuple(range(hidden)), **common)
    out = make_vqc_spec(n, n_inputs=hidden, readout=tuple(range(max(hidden, two_p))), **common)
    return gate, out


def _specs(cfg: dict) -> tuple[VQCSpec, VQCSpec]:
    return cached_by_config(_build_specs, cfg)


def vqc_specs(cfg: dict) -> dict[str, tuple[VQCSpec, str, int]]:
    """The six VQCs: ``name -> (spec, weight array name, index in its group)``."""
    gate, out = _specs(cfg)
    specs = {f"vqc{i + 1}_{g}": (gate, "gate_w", i) for i, g in enumerate(GATES)}
    specs["vqc5_hidden"] = (out, "out_w", 0)
    specs["vqc6_output"] = (out, "out_w", 1)
    return specs


def param_shapes(cfg: dict) -> dict[str, tuple[int, ...]]:
    gate, out = _specs(cfg)
    hidden, two_p = cfg["hidden_size"], 2 * cfg["p"]
    d_in = hidden + cfg["num_features"] + two_p
    return {
        "w_in": (d_in, cfg["n_qubits"]),
        "b_in": (cfg["n_qubits"],),
        "gate_w": (4,) + gate.weight_shape,
        "gate_scale": (4, hidden),
        "gate_bias": (4, hidden),
        "out_w": (2,) + out.weight_shape,
        "y_scale": (two_p,),
        "y_bias": (two_p,),
    }


def init_params(cfg: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Random initial weights (float64). Initial ``|y| <= 0.1``; forget gate biased open."""
    shapes = param_shapes(cfg)
    d_in = shapes["w_in"][0]
    gate_bias = np.zeros(shapes["gate_bias"])
    gate_bias[0] = 1.0  # forget-gate bias +1: remember by default (standard LSTM practice)
    return {
        "w_in": uniform(rng, 1.0 / np.sqrt(d_in), shapes["w_in"]),
        "b_in": uniform(rng, 1.0 / np.sqrt(d_in), shapes["b_in"]),
        # Small angles: the circuit starts near "encode, then CNOTs", whose <Z> vary smoothly.
        "gate_w": rng.normal(0.0, 0.2, shapes["gate_w"]),
        "gate_scale": np.ones(shapes["gate_scale"]),
        "gate_bias": gate_bias,
        "out_w": rng.normal(0.0, 0.2, shapes["out_w"]),
        "y_scale": np.full(shapes["y_scale"], 0.1),
        "y_bias": np.zeros(shapes["y_bias"]),
    }


def initial_state(cfg: dict, batch: int, ops: Any) -> tuple:
    """``(h_0, C_0) = (0, 0)``, each ``(batch, hidden_size)``."""
    shape = (batch, cfg["hidden_size"])
    return (ops.zeros(shape), ops.zeros(shape))


def step(params: dict, cfg: dict, features: Any, params_in: Any, state: tuple, ops: Any):
    """One QLSTM step: ``features (B, F), params_in (B, 2p) -> y (B, 2p), (h_t, C_t)``."""
    gate, out = _specs(cfg)
    hidden, two_p = cfg["hidden_size"], 2 * cfg["p"]
    h, c = state
    v = ops.concat([h, features, params_in], -1)
    z = ops.matmul(v, params["w_in"]) + params["b_in"]
    # (4, 1, L, n, k): one group of four circuits, weights shared over the batch.
    ev = ops.vqc(gate, z, params["gate_w"][:, None])
    pre = ev * params["gate_scale"][:, None, :] + params["gate_bias"][:, None, :]
    f = ops.sigmoid(pre[0])
    i = ops.sigmoid(pre[1])
    g = ops.tanh(pre[2])
    o = ops.sigmoid(pre[3])
    c = f * c + i * g
    m = o * ops.tanh(c)
    ev_out = ops.vqc(out, m, params["out_w"][:, None])
    h = ev_out[0][:, :hidden]
    y = ev_out[1][:, :two_p] * params["y_scale"] + params["y_bias"]
    return y, (h, c)
