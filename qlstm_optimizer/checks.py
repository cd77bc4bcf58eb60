"""The two argument checks every layer uses: an integer count and a finite real, each error
naming the argument (``options`` builds the run options' checks on them).

Example:
    >>> check_count("maxfev", 20), check_real("beta_step", 0.1, positive=True)
    (20, 0.1)
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np


def _describe(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


def check_count(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an int if it is an integer (not a bool, float or string) ``>= minimum``.

    Raises:
        ValueError: naming ``name``.
    """
    if (isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral)
            or value < minimum):
        kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {kind}, got {_describe(value)}")
    return int(value)


def check_real(name: str, value: Any, *, positive: bool = False,
               nonnegative: bool = False) -> float:
    """``value`` as a float if it is a finite real number (not a bool or string).

    Raises:
        ValueError: naming ``name``.
    """
    try:  # (float() of a huge int overflows: that is not a finite real either)
        ok = (isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)
              and bool(np.isfinite(float(value))))
    except OverflowError:
        ok = False
    if ok and positive:
        ok = float(value) > 0
    if ok and nonnegative:
        ok = float(value) >= 0
    if not ok:
        kind = "positive " if positive else "non-negative " if nonnegative else ""
        raise ValueError(f"{name} must be a finite {kind}real number, got {_describe(value)}")
    return float(value)


__all__ = ["check_count", "check_real"]
