"""Training configuration: one TOML file per bundled model (see ``configs/``).

Layout (every key optional except ``name``, ``family``, ``[model].arch``, ``[model].p`` and the
training instance components)::

    name = "maxcut-p1"          # output file stem
    family = "maxcut"           # "maxcut" or "sk" (recorded in the model card)
    seed = 0                    # model init, batch sampling, instance base seed

    [model]                     # arch + p + overrides for models.build_config
    arch = "qlstm"
    p = 1
    overrides = {}

    [policy]                    # PolicySpec fields; anchor: list, "fixed:<family>" or "tqa:<dt>"
    anchor = "fixed:maxcut"
    beta_step = 0.3
    gamma_step = 0.3
    horizon = 10
    refine_step = 0.1

    [train]                     # see TrainConfig
    [train_instances]           # InstanceDistribution + pool_size
    [val_instances]             # InstanceDistribution + pool_size

Every unknown key is an error, so typos never silently fall back to defaults.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from .. import angles
from ..instances import InstanceDistribution
from ..policy import PolicySpec

LOSSES = ("budget_rho", "observed_improvement", "weighted", "budget_log_gap")
OPTIMIZERS = ("adam", "rmsprop")
SCHEDULES = ("constant", "cosine")


class ConfigError(ValueError):
    """A training config is malformed (the message names the offending key)."""


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings of the trainer.

    ``budgets`` are the k of the budget losses, ``softmin_tau`` their soft-minimum temperature
    (in units of rho; 0 = hard minimum, see losses.py), ``val_budgets`` validation's k and
    ``score_budgets`` the k whose mean rho picks the best checkpoint (default: all val_budgets);
    ``detach_features``
    stops gradients through the cost features (the model's inputs), as in "learning to learn by
    gradient descent", which keeps BPTT gradients tame; ``val_every``/``checkpoint_every`` are in
    optimizer steps; ``patience`` counts validations without improvement (0 = never stop early).
    ``blind_fraction`` of the training instances (and that weight of the validation score) are
    run blind, as without the Hamiltonian (needs ``policy.static_features``).
    """

    loss: str = "budget_rho"
    budgets: tuple[int, ...] = (1, 2, 3, 5, 10)
    softmin_tau: float = 0.0
    val_budgets: tuple[int, ...] = (1, 3, 5, 10)
    score_budgets: tuple[int, ...] = ()
    steps: int = 500
    batch_size: int = 32
    optimizer: str = "adam"
    lr: float = 3e-3
    lr_min_ratio: float = 0.1
    schedule: str = "cosine"
    warmup_steps: int = 20
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    detach_features: bool = False
    val_every: int = 50
    checkpoint_every: int = 25
    patience: int = 0
    threads: int = 1
    blind_fraction: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.blind_fraction <= 1.0:
            raise ConfigError(f"train.blind_fraction must be in [0, 1], got {self.blind_fraction}")
        _one_of("train.loss", self.loss, LOSSES)
        _one_of("train.optimizer", self.optimizer, OPTIMIZERS)
        _one_of("train.schedule", self.schedule, SCHEDULES)
        for name in ("steps", "batch_size", "val_every", "checkpoint_every", "threads"):
            if int(getattr(self, name)) < 1:
                raise ConfigError(f"train.{name} must be a positive integer")
        if not self.lr > 0:
            raise ConfigError(f"train.lr must be positive, got {self.lr}")
        object.__setattr__(self, "budgets", tuple(int(k) for k in self.budgets))
        object.__setattr__(self, "val_budgets", tuple(int(k) for k in self.val_budgets))
        score = tuple(int(k) for k in self.score_budgets) or self.val_budgets
        if not set(score) <= set(self.val_budgets):
            raise ConfigError("train.score_budgets must be a subset of train.val_budgets")
        object.__setattr__(self, "score_budgets", score)
        if not self.budgets or min(self.budgets) < 1:
            raise ConfigError("train.budgets must be positive integers")


@dataclass(frozen=True)
class PoolConfig:
    distribution: InstanceDistribution
    pool_size: int


@dataclass(frozen=True)
class Config:
    name: str
    family: str
    seed: int
    arch: str
    p: int
    model_overrides: dict[str, Any]
    policy: PolicySpec
    train: TrainConfig
    train_instances: PoolConfig
    val_instances: PoolConfig
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The config as loaded (for the model card), with the anchor resolved."""
        d = dict(self.raw)
        d["policy"] = self.policy.to_dict()
        return d


def _one_of(key: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{key} must be one of {allowed}, got {value!r}")


def _check_keys(section: str, d: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(d) - allowed
    if unknown:
        raise ConfigError(f"unknown key(s) {sorted(unknown)} in [{section}]")


def resolve_anchor(anchor: Any, p: int) -> list[float]:
    """``[..]`` as is; ``"fixed:<family>"`` -> angles.fixed_angles; ``"tqa:<dt>"`` -> tqa_angles."""
    if isinstance(anchor, str):
        kind, _, arg = anchor.partition(":")
        if kind == "fixed":
            return [float(a) for a in angles.fixed_angles(arg, p)]
        if kind == "tqa":
            return [float(a) for a in angles.tqa_angles(p, float(arg or 0.75))]
        raise ConfigError(f"policy.anchor {anchor!r}: use a list, 'fixed:<family>' or 'tqa:<dt>'")
    return [float(a) for a in anchor]


def _pool(section: str, d: Any) -> PoolConfig:
    if not isinstance(d, dict):
        raise ConfigError(f"[{section}] is missing")
    d = dict(d)
    size = int(d.pop("pool_size", 256))
    try:
        return PoolConfig(InstanceDistribution.from_dict(d), size)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[{section}]: {exc}") from None


def parse_config(raw: dict[str, Any]) -> Config:
    """Validate a parsed TOML document (see the module docstring)."""
    _check_keys("top level", raw, {"name", "family", "seed", "model", "policy", "train",
                                   "train_instances", "val_instances"})
    for key in ("name", "family", "model", "train_instances", "val_instances"):
        if key not in raw:
            raise ConfigError(f"missing required key {key!r}")
    _one_of("family", raw["family"], ("maxcut", "sk"))
    model = dict(raw["model"])
    _check_keys("model", model, {"arch", "p", "overrides"})
    if "arch" not in model or "p" not in model:
        raise ConfigError("[model] needs arch and p")
    p = int(model["p"])
    policy = dict(raw.get("policy", {}))
    _check_keys("policy", policy, {f.name for f in fields(PolicySpec)} - {"p"})
    try:
        anchor = resolve_anchor(policy.pop("anchor", f"fixed:{raw['family']}"), p)
        spec = PolicySpec(p=p, anchor=anchor, **policy)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[policy]: {exc}") from None
    train = dict(raw.get("train", {}))
    _check_keys("train", train, {f.name for f in fields(TrainConfig)})
    try:
        tc = TrainConfig(**train)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[train]: {exc}") from None
    if tc.blind_fraction > 0 and not spec.static_features:
        raise ConfigError("train.blind_fraction needs policy.static_features = true (a blind run "
                          "is told it is blind through the static features)")
    return Config(
        name=str(raw["name"]), family=raw["family"], seed=int(raw.get("seed", 0)),
        arch=str(model["arch"]), p=p, model_overrides=dict(model.get("overrides", {})),
        policy=spec, train=tc, train_instances=_pool("train_instances", raw["train_instances"]),
        val_instances=_pool("val_instances", raw["val_instances"]), raw=raw,
    )


def load_config(path: str | Path) -> Config:
    """Read and validate a TOML config.

    Raises:
        ConfigError: unreadable file, TOML syntax error, or invalid/unknown keys.
    """
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return parse_config(raw)


def train_config_dict(tc: TrainConfig) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(tc).items()}
