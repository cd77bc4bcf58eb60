"""QFWP: quantum fast weight programmer (Chen, arXiv 2402.17760), as used in arXiv 2512.05058.

A classical *slow programmer* writes the rotation angles (*fast weights*) of a VQC; the fast
weights accumulate over the optimisation steps and are the recurrent state. Cell::

    s_t = x_t = [cost features (F), previous parameters (2p)]
    e_t = W_enc s_t + b_enc                      classical map #1: inputs -> n_qubits angles
    r_t = W_slow s_t + b_slow                    slow programmer (latent width hidden_size)
    l_t = W_layer r_t + b_layer   (depth)        per-layer factor
    q_t = W_qubit r_t + b_qubit   (n_qubits)     per-qubit factor
    Theta_t = Theta_{t-1} + l_t q_t^T            fast weights (depth x n_qubits), Theta_0 = 0
    z_t = VQC(e_t; Theta_t)                      <Z_q> of every qubit
    y_t = W_post z_t + b_post                    classical map #2: n_qubits -> 2p

VQC (the published one): ``H`` on all qubits, ``RY(e_q)``, then per layer ``k``: a "brick" CNOT
entangler (even pairs, then odd pairs) and trainable ``RY(Theta[k, q])``; ``<Z>`` of every qubit.
Fast weights are per sample, so the circuit weights have shape ``(1, B, depth, n, 1)``.

Classical maps: the slow programmer is the model's trainable part (it is how a FWP is defined);
``W_enc`` matches the ``F + 2p`` inputs to the qubits; ``W_post`` maps the ``n_qubits`` readouts to
``2p`` outputs (``|y| <= sum|W_post| + |b_post|``, since ``|<Z>| <= 1``).

Deviation from the published code, on purpose: its L2L wrapper calls the FWP on a length-1
sequence each optimisation step, which re-initialises the fast weights to zero every step, so the
published QFWP had no memory; here ``Theta_t`` is carried in the state.

Default sizes: ``n_qubits = max(4, 2p)`` (the published code used ``2p``, 2 qubits at p = 1),
``depth = 2``, ``hidden_size = n_qubits`` (slow-programmer width, as published).

Example:
    >>> import numpy as np
    >>> from qlstm_optimizer.models import build_config
    >>> from qlstm_optimizer.models.ops import NUMPY_OPS as ops
    >>> cfg = build_config("qfwp", 2)
    >>> params = init_params(cfg, np.random.default_rng(0))
    >>> y, (theta,) = step(params, cfg, np.zeros((2, 4)), np.zeros((2, 4)),
    ...                    initial_state(cfg, 2, ops), ops)
    >>> y.shape, theta.shape
    ((2, 4), (2, 2, 4))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import cached_by_config, check_keys, positive_int, uniform
from .vqc import ENTANGLERS, VQCSpec, make_vqc_spec

__all__ = ["default_config", "init_params", "initial_state", "param_shapes", "step", "vqc_specs"]

ARCH = "qfwp"
KEYS = (
    "arch", "p", "num_features", "hidden_size", "n_qubits", "depth", "encoding", "entangler",
    "reupload", "layer_order",
)  # fmt: skip


def default_config(p: int, **overrides: Any) -> dict:
    """Validated config: defaults, then ``overrides`` (unknown keys are refused)."""
    check_keys(ARCH, overrides, KEYS)
    p = positive_int("p", p)
    if overrides.get("arch", ARCH) != ARCH:
        raise ValueError(f"config arch {overrides['arch']!r} is not {ARCH!r}")
    n = positive_int("n_qubits", overrides.get("n_qubits", max(4, 2 * p)))
    cfg = {
        "arch": ARCH,
        "p": p,
        "num_features": 4,
        "hidden_size": n,
        "n_qubits": n,
        "depth": 2,
        "encoding": "ry",
        "entangler": "brick",
        "reupload": False,
        "layer_order": "ent_rot",
    }
    cfg.update({k: v for k, v in overrides.items() if k not in ("arch", "p")})
    for key in ("num_features", "hidden_size", "depth"):
        cfg[key] = positive_int(key, cfg[key])
    if n > 12:
        raise ValueError("qfwp n_qubits > 12 is too slow to simulate")
    if cfg["entangler"] not in ENTANGLERS:
        raise ValueError(f"entangler must be one of {ENTANGLERS}")
    cfg["reupload"] = bool(cfg["reupload"])
    _spec(cfg)  # validates the encoding
    return cfg


def _build_spec(cfg: dict) -> VQCSpec:
    return make_vqc_spec(
        cfg["n_qubits"],
        depth=cfg["depth"],
        encoding=cfg["encoding"],
        rotations="y",  # one fast weight per (layer, qubit): the outer product l q^T
        entangler=cfg["entangler"],
        reupload=cfg["reupload"],
        layer_order=cfg["layer_order"],
    )


def _spec(cfg: dict) -> VQCSpec:
    return cached_by_config(_build_spec, cfg)


def vqc_specs(cfg: dict) -> dict[str, tuple[VQCSpec, str | None, int | None]]:
    """The programmed VQC; its weights are the fast weights (state), not stored parameters."""
    return {"fast_vqc": (_spec(cfg), None, None)}


def param_shapes(cfg: dict) -> dict[str, tuple[int, ...]]:
    n, hs, depth, two_p = cfg["n_qubits"], cfg["hidden_size"], cfg["depth"], 2 * cfg["p"]
    d_in = cfg["num_features"] + two_p
    return {
        "w_enc": (d_in, n),
        "b_enc": (n,),
        "w_slow": (d_in, hs),
        "b_slow": (hs,),
        "w_layer": (hs, depth),
        "b_layer": (depth,),
        "w_qubit": (hs, n),
        "b_qubit": (n,),
        "w_post": (n, two_p),
        "b_post": (two_p,),
    }


def init_params(cfg: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Linear-layer init (U(+-1/sqrt(fan_in))); small output head so initial y is near 0."""
    shapes = param_shapes(cfg)
    out = {}
    for name, shape in shapes.items():
        fan_in = shapes["w" + name[1:]][0]
        out[name] = uniform(rng, 1.0 / np.sqrt(fan_in), shape)
    out["w_post"] = rng.normal(0.0, 0.05, shapes["w_post"])
    out["b_post"] = np.zeros(shapes["b_post"])
    return out


def initial_state(cfg: dict, batch: int, ops: Any) -> tuple:
    """``(Theta_0,) = (0,)`` of shape ``(batch, depth, n_qubits)``."""
    return (ops.zeros((batch, cfg["depth"], cfg["n_qubits"])),)


def step(params: dict, cfg: dict, features: Any, params_in: Any, state: tuple, ops: Any):
    """One QFWP step: ``features (B, F), params_in (B, 2p) -> y (B, 2p), (Theta_t,)``."""
    spec = _spec(cfg)
    (theta,) = state
    s = ops.concat([features, params_in], -1)
    e = ops.matmul(s, params["w_enc"]) + params["b_enc"]
    r = ops.matmul(s, params["w_slow"]) + params["b_slow"]
    lay = ops.matmul(r, params["w_layer"]) + params["b_layer"]
    qub = ops.matmul(r, params["w_qubit"]) + params["b_qubit"]
    theta = theta + lay[:, :, None] * qub[:, None, :]
    ev = ops.vqc(spec, e, theta[None, :, :, :, None])  # (1, B, n)
    y = ops.matmul(ev[0], params["w_post"]) + params["b_post"]
    return y, (theta,)
