"""LSTM: the classical baseline, sized to about the QLSTM's parameter count.

Cell (standard LSTM, gate order f, i, g, o)::

    v_t = [h_{t-1}, x_t]                                       (H + F + 2p values)
    [f, i, g, o] = [sigmoid, sigmoid, tanh, sigmoid](W v_t + b)
    C_t = f * C_{t-1} + i * g,   h_t = o * tanh(C_t)
    y_t = W_y h_t + b_y                                        (H -> 2p; bounded since |h| < 1)

Default ``hidden_size``: the ``H`` whose parameter count is closest to the default QLSTM's at the
same ``p`` and ``num_features`` (ties go to the smaller ``H``), so the comparison is at equal size.

Example:
    >>> from qlstm_optimizer.models import build_config
    >>> build_config("lstm", 1)["hidden_size"]
    3
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import qlstm
from .common import check_keys, count_parameters, positive_int, uniform

__all__ = ["default_config", "init_params", "initial_state", "param_shapes", "step", "vqc_specs"]

ARCH = "lstm"
KEYS = ("arch", "p", "num_features", "hidden_size")


def _count(hidden: int, p: int, num_features: int) -> int:
    return count_parameters(param_shapes({"p": p, "num_features": num_features,
                                          "hidden_size": hidden}))  # fmt: skip


def matched_hidden_size(p: int, num_features: int = 4) -> int:
    """``H`` giving the parameter count closest to the default QLSTM's (same p, F)."""
    qcfg = qlstm.default_config(p, num_features=num_features)
    target = count_parameters(qlstm.param_shapes(qcfg))
    return min(range(1, 65), key=lambda h: (abs(_count(h, p, num_features) - target), h))


def default_config(p: int, **overrides: Any) -> dict:
    """Validated config: defaults, then ``overrides`` (unknown keys are refused)."""
    check_keys(ARCH, overrides, KEYS)
    p = positive_int("p", p)
    if overrides.get("arch", ARCH) != ARCH:
        raise ValueError(f"config arch {overrides['arch']!r} is not {ARCH!r}")
    f = positive_int("num_features", overrides.get("num_features", 4))
    hidden = overrides.get("hidden_size")
    hidden = matched_hidden_size(p, f) if hidden is None else positive_int("hidden_size", hidden)
    return {"arch": ARCH, "p": p, "num_features": f, "hidden_size": hidden}


def vqc_specs(cfg: dict) -> dict:
    """No quantum circuits."""
    return {}


def param_shapes(cfg: dict) -> dict[str, tuple[int, ...]]:
    hidden, two_p = cfg["hidden_size"], 2 * cfg["p"]
    d_in = hidden + cfg["num_features"] + two_p
    return {
        "w": (d_in, 4 * hidden),
        "b": (4 * hidden,),
        "w_y": (hidden, two_p),
        "b_y": (two_p,),
    }


def init_params(cfg: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """torch.nn.LSTM-style init, forget bias +1, small output head (initial y near 0)."""
    shapes = param_shapes(cfg)
    hidden = cfg["hidden_size"]
    bound = 1.0 / np.sqrt(hidden)
    b = uniform(rng, bound, shapes["b"])
    b[:hidden] += 1.0  # forget gate
    return {
        "w": uniform(rng, bound, shapes["w"]),
        "b": b,
        "w_y": rng.normal(0.0, 0.05, shapes["w_y"]),
        "b_y": np.zeros(shapes["b_y"]),
    }


def initial_state(cfg: dict, batch: int, ops: Any) -> tuple:
    """``(h_0, C_0) = (0, 0)``, each ``(batch, hidden_size)``."""
    shape = (batch, cfg["hidden_size"])
    return (ops.zeros(shape), ops.zeros(shape))


def step(params: dict, cfg: dict, features: Any, params_in: Any, state: tuple, ops: Any):
    """One LSTM step: ``features (B, F), params_in (B, 2p) -> y (B, 2p), (h_t, C_t)``."""
    hidden = cfg["hidden_size"]
    h, c = state
    v = ops.concat([h, features, params_in], -1)
    pre = ops.matmul(v, params["w"]) + params["b"]
    f = ops.sigmoid(pre[:, :hidden])
    i = ops.sigmoid(pre[:, hidden : 2 * hidden])
    g = ops.tanh(pre[:, 2 * hidden : 3 * hidden])
    o = ops.sigmoid(pre[:, 3 * hidden :])
    c = f * c + i * g
    h = o * ops.tanh(c)
    y = ops.matmul(h, params["w_y"]) + params["b_y"]
    return y, (h, c)
