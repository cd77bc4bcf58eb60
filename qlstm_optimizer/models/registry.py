"""Architecture registry: names -> modules, configs with documented defaults.

Each architecture module (``qlstm``, ``qklstm``, ``qfwp``, ``lstm``) provides the pure functions
``default_config(p, **overrides)``, ``param_shapes(config)``, ``init_params(config, rng)``,
``initial_state(config, batch, ops)``, ``step(params, config, features, params_in, state, ops)``
and ``vqc_specs(config)``.

Example:
    >>> cfg = build_config("qlstm", 2)
    >>> cfg["hidden_size"], cfg["n_qubits"], cfg["num_features"]
    (4, 4, 4)
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from . import lstm, qfwp, qklstm, qlstm
from .common import count_parameters

__all__ = [
    "ARCHITECTURES",
    "build_config",
    "get_arch",
    "num_parameters",
    "validate_config",
]

_MODULES: dict[str, ModuleType] = {"qlstm": qlstm, "qklstm": qklstm, "qfwp": qfwp, "lstm": lstm}

#: Names of the available sequence-model architectures.
ARCHITECTURES = frozenset(_MODULES)


def get_arch(arch: str) -> ModuleType:
    """The module implementing ``arch`` (``ValueError`` for an unknown name)."""
    try:
        return _MODULES[arch]
    except (KeyError, TypeError):
        raise ValueError(f"unknown architecture {arch!r}; known: {sorted(ARCHITECTURES)}") from None


def build_config(arch: str, p: int, **overrides: Any) -> dict:
    """A complete, validated config for ``arch`` at QAOA depth ``p``.

    Defaults (every architecture): ``num_features = 4``. Then

    ========  ===========================================================================
    qlstm     hidden_size 2p, n_qubits max(4, hidden, 2p), depth 2, RY encoding after H,
              RY rotations, CNOT ring, no re-uploading
    qklstm    hidden_size 2p, n_qubits 4, n_refs 4 landmarks, kernel_angle "identity"
    qfwp      n_qubits max(4, 2p), hidden_size (slow programmer) n_qubits, depth 2,
              RY encoding after H, brick CNOTs
    lstm      hidden_size matched to the default QLSTM's parameter count
    ========  ===========================================================================

    Example:
        >>> build_config("qfwp", 3)["n_qubits"]
        6
    """
    return get_arch(arch).default_config(p, **overrides)


def validate_config(config: dict) -> dict:
    """Re-derive ``config`` through :func:`build_config`; refuse it if anything differs.

    Used when loading a model card, so a hand-edited or inconsistent config is caught early.
    """
    if not isinstance(config, dict):
        raise ValueError(f"config must be a dict, got {type(config).__name__}")
    if "arch" not in config or "p" not in config:
        raise ValueError("config needs 'arch' and 'p'")
    rest = {k: v for k, v in config.items() if k not in ("arch", "p")}
    built = build_config(config["arch"], config["p"], **rest)
    if built != config:
        diff = sorted(k for k in set(built) | set(config) if built.get(k) != config.get(k))
        raise ValueError(f"inconsistent config, keys {diff} differ from their validated values")
    return built


def num_parameters(config: dict) -> int:
    """Number of trainable scalars of a model with this config."""
    return count_parameters(get_arch(config["arch"]).param_shapes(config))
