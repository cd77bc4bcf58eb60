"""Helpers shared by the architecture modules (no torch, no qiskit)."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

__all__ = [
    "check_keys",
    "count_parameters",
    "frozen",
    "positive_int",
    "uniform",
]

def positive_int(name: str, value: Any) -> int:
    """``value`` as an int >= 1, or a ValueError naming ``name``."""
    if isinstance(value, bool) or int(value) != value or int(value) < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_keys(arch: str, overrides: dict, allowed: tuple[str, ...]) -> None:
    """Refuse unknown config keys (a typo would otherwise be silently ignored)."""
    unknown = sorted(set(overrides) - set(allowed))
    if unknown:
        raise ValueError(f"unknown config keys for {arch!r}: {unknown}; allowed: {sorted(allowed)}")


def frozen(config: dict) -> tuple:
    """A hashable key for a (flat, JSON-like) config, to cache per-config objects."""
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in config.items()))


def count_parameters(shapes: dict[str, tuple[int, ...]]) -> int:
    return int(sum(int(np.prod(s)) for s in shapes.values()))


def uniform(rng: np.random.Generator, bound: float, shape: tuple[int, ...]) -> np.ndarray:
    """U(-bound, bound) float64 (torch.nn.Linear's default init uses bound = 1/sqrt(fan_in))."""
    return rng.uniform(-bound, bound, size=shape).astype(np.float64)


@cache
def _cached(fn: Any, key: tuple) -> Any:
    return fn(dict(key))


# id(config) -> (snapshot, value): a step looks its VQC specs up by the identity of the config
# dict it is given (one dict comparison) instead of re-hashing the sorted config every step.
_BY_ID: dict[tuple[Any, int], tuple[dict, Any]] = {}


def cached_by_config(fn: Any, config: dict) -> Any:
    """``fn(config)`` memoised on the config's contents (VQC specs are built once, not per step)."""
    key = (fn, id(config))
    hit = _BY_ID.get(key)
    if hit is not None and hit[0] == config:
        return hit[1]
    value = _cached(fn, frozen(config))
    if len(_BY_ID) > 1024:  # configs are few; this only bounds memory in pathological use
        _BY_ID.clear()
    _BY_ID[key] = (dict(config), value)
    return value
