"""``[depth]`` of a training config: what makes the trained model depth-general
(:mod:`qlstm_optimizer.depth`), checked key by key.

Example:
    >>> cfg = parse_depth({"modes": 2, "max_depth": 4, "train_depths": [1, 2, 4],
    ...                    "val_depths": [2, 4], "curriculum_steps": 10}, p=2)
    >>> cfg.cap(0), cfg.cap(5), cfg.cap(10)
    (1, 2, 4)
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from .config_checks import ConfigError, _budgets, _check_keys, check_int, check_real


@dataclass(frozen=True)
class DepthConfig:
    """``[depth]``: a depth-general model (:mod:`qlstm_optimizer.depth`). ``modes`` must equal
    ``model.p`` (the model acts on that many Fourier modes per angle); anchors are fitted for
    depths 1..``max_depth``; each training batch runs at one depth drawn from
    ``train_depths`` (those <= a cap growing linearly from ``train_depths[0]`` to the largest
    over the first ``curriculum_steps`` steps: shallow schedules first); validation runs at
    ``val_depths``; ``regular_anchors`` fits a second table of starts on the pool's regular
    static class (``DepthSpec.regular_anchors``)."""

    modes: int
    max_depth: int
    train_depths: tuple[int, ...]
    val_depths: tuple[int, ...]
    stage_radius: float = 0.02
    curriculum_steps: int = 0
    regular_anchors: bool = False

    def cap(self, step: int) -> int:
        """Largest training depth allowed at optimizer step ``step`` (0-based)."""
        lo, hi = min(self.train_depths), max(self.train_depths)
        if self.curriculum_steps <= 0 or step >= self.curriculum_steps:
            return hi
        return int(lo + (hi - lo) * step / self.curriculum_steps)


def parse_depth(d: Any, p: int) -> DepthConfig:
    """The ``[depth]`` table as a :class:`DepthConfig` (``p``: the model's ``p``)."""
    if not isinstance(d, dict):
        raise ConfigError(f"[depth] must be a table, got {d!r}")
    _check_keys("depth", d, {f.name for f in fields(DepthConfig)})
    for key in ("modes", "max_depth", "train_depths", "val_depths"):
        if key not in d:
            raise ConfigError(f"[depth] needs {key}")
    modes = check_int("depth.modes", d["modes"], 1)
    if modes != p:
        raise ConfigError(f"depth.modes = {modes} must equal model.p = {p} (the model acts on "
                          f"that many Fourier modes per angle)")
    max_depth = check_int("depth.max_depth", d["max_depth"], 1)
    depths = {}
    for key in ("train_depths", "val_depths"):
        depths[key] = _budgets(f"depth.{key}", d[key], empty_ok=False)
        if max(depths[key]) > max_depth:
            raise ConfigError(f"depth.{key} {list(depths[key])} exceed depth.max_depth = "
                              f"{max_depth}")
    radius = check_real("depth.stage_radius", d.get("stage_radius", 0.02))
    if not radius > 0:
        raise ConfigError(f"depth.stage_radius must be positive, got {radius}")
    regular = d.get("regular_anchors", False)
    if not isinstance(regular, bool):
        raise ConfigError(f"depth.regular_anchors must be true or false, got {regular!r}")
    return DepthConfig(modes, max_depth, depths["train_depths"], depths["val_depths"], radius,
                       check_int("depth.curriculum_steps", d.get("curriculum_steps", 0), 0),
                       regular)


__all__ = ["DepthConfig", "parse_depth"]
