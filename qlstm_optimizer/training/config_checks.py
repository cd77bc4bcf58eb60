"""The checks a training config's values go through: each error a :class:`ConfigError` that
names the key (``[section] key`` or ``section.key``).

Example:
    >>> check_int("train.steps", 400, 1), check_name("qubo-depth")
    (400, 'qubo-depth')
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Any


class ConfigError(ValueError):
    """A training config is malformed (the message names the offending key)."""


#: ``name`` is a plain file stem: it names ``OUT/<name>.npz`` and the exported card, so a path
#: separator, ``..`` or an empty name would write outside (or beside) the run directory.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def check_int(key: str, value: Any, minimum: int) -> int:
    """``value`` as an int >= ``minimum``; bools and non-integral numbers (3.5) are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ConfigError(f"{key} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_real(key: str, value: Any) -> float:
    """``value`` as a finite float; bools, strings, NaN and inf are refused."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not math.isfinite(value)):
        raise ConfigError(f"{key} must be a finite number, got {value!r}")
    return float(value)


def check_name(value: Any) -> str:
    if not isinstance(value, str) or not NAME_PATTERN.fullmatch(value):
        raise ConfigError(
            f"name must be a plain file name (letters, digits, '.', '_', '-'; starting with a "
            f"letter or digit; at most 100 characters), got {value!r}")
    return value


def _budgets(key: str, value: Any, empty_ok: bool) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)) or (not value and not empty_ok):
        raise ConfigError(f"{key} must be a non-empty list of integers >= 1, got {value!r}")
    return tuple(check_int(f"{key} entry", k, 1) for k in value)


def _one_of(key: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{key} must be one of {allowed}, got {value!r}")


def _check_keys(section: str, d: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(d) - allowed
    if unknown:
        raise ConfigError(f"unknown key(s) {sorted(unknown)} in [{section}]")


__all__ = ["NAME_PATTERN", "ConfigError", "check_int", "check_name", "check_real"]
