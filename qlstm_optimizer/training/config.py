"""Training configuration: one TOML file per bundled model (see ``configs/``).

Layout (every key optional except ``name``, ``family``, ``[model].arch``, ``[model].p`` and the
training instance components)::

    name = "maxcut-p1"          # output file stem
    family = "maxcut"           # "maxcut", "sk" or "qubo" (the general family; in the card)
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

import math
import sys
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from .. import angles
from .. import features as F
from ..instances import InstanceDistribution
from ..models import build_config
from ..policy import PolicySpec
from .config_checks import (  # noqa: F401 (re-exported: the config's API)
    NAME_PATTERN,
    ConfigError,
    _budgets,
    _check_keys,
    _one_of,
    check_int,
    check_name,
    check_real,
)
from .depth_config import DepthConfig, parse_depth

LOSSES = ("budget_rho", "observed_improvement", "weighted", "budget_log_gap")
OPTIMIZERS = ("adam", "rmsprop")
SCHEDULES = ("constant", "cosine")

# Model families a config may train (the card's "family"; "qubo": any diagonal Hamiltonian,
# the general family model="auto" picks for fields and higher-order terms).
FAMILIES = ("maxcut", "sk", "qubo")


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
        # Strict types: int(3.5) == 3 and True == 1 would otherwise run a different training
        # than the one written down (steps = 3.5 never reached its last validation).
        for name, minimum in (("steps", 1), ("batch_size", 1), ("val_every", 1),
                              ("checkpoint_every", 1), ("threads", 1), ("warmup_steps", 0),
                              ("patience", 0)):
            object.__setattr__(self, name, check_int(f"train.{name}", getattr(self, name),
                                                     minimum))
        for name in ("lr", "lr_min_ratio", "grad_clip", "softmin_tau", "weight_decay",
                     "blind_fraction"):
            object.__setattr__(self, name, check_real(f"train.{name}", getattr(self, name)))
        if not 0.0 <= self.blind_fraction <= 1.0:
            raise ConfigError(f"train.blind_fraction must be in [0, 1], got {self.blind_fraction}")
        _one_of("train.loss", self.loss, LOSSES)
        _one_of("train.optimizer", self.optimizer, OPTIMIZERS)
        _one_of("train.schedule", self.schedule, SCHEDULES)
        if not self.lr > 0:
            raise ConfigError(f"train.lr must be positive, got {self.lr}")
        if not 0.0 <= self.lr_min_ratio <= 1.0:
            raise ConfigError(f"train.lr_min_ratio must be in [0, 1], got {self.lr_min_ratio}")
        if not self.grad_clip > 0:  # 0 clips every gradient to nothing: the weights never move
            raise ConfigError(f"train.grad_clip must be positive, got {self.grad_clip}")
        # 0 is the documented hard minimum (losses.best_so_far); a negative value would
        # silently mean the same.
        if self.softmin_tau < 0:
            raise ConfigError(f"train.softmin_tau must be >= 0 (0 = hard minimum), got "
                              f"{self.softmin_tau}")
        if self.weight_decay < 0:
            raise ConfigError(f"train.weight_decay must be >= 0, got {self.weight_decay}")
        if not isinstance(self.detach_features, bool):
            raise ConfigError(f"train.detach_features must be true or false, got "
                              f"{self.detach_features!r}")
        for name in ("budgets", "val_budgets", "score_budgets"):
            object.__setattr__(self, name, _budgets(f"train.{name}", getattr(self, name),
                                                    empty_ok=name == "score_budgets"))
        score = self.score_budgets or self.val_budgets
        if not set(score) <= set(self.val_budgets):
            raise ConfigError("train.score_budgets must be a subset of train.val_budgets")
        object.__setattr__(self, "score_budgets", score)


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
    depth: DepthConfig | None = None

    def to_dict(self) -> dict[str, Any]:
        """The config as loaded (for the model card), with the anchor resolved."""
        d = dict(self.raw)
        d["policy"] = self.policy.to_dict()
        return d


def resolve_anchor(anchor: Any, p: int) -> list[float]:
    """``[..]`` as is; ``"fixed:<family>"`` -> angles.fixed_angles; ``"tqa:<dt>"`` -> tqa_angles."""
    if isinstance(anchor, str):
        kind, _, arg = anchor.partition(":")
        if kind == "fixed":
            return [float(a) for a in angles.fixed_angles(arg, p)]
        if kind == "tqa":
            try:
                dt = float(arg or 0.75)
            except ValueError:
                dt = math.nan
            if not (math.isfinite(dt) and dt > 0):
                raise ConfigError(f"policy.anchor {anchor!r}: the TQA time step must be a "
                                  f"positive number")
            return [float(a) for a in angles.tqa_angles(p, dt)]
        raise ConfigError(f"policy.anchor {anchor!r}: use a list, 'fixed:<family>' or 'tqa:<dt>'")
    if not isinstance(anchor, (list, tuple)):
        raise ConfigError(f"policy.anchor must be a list of angles or a string, got {anchor!r}")
    return [check_real("policy.anchor entry", a) for a in anchor]


def _check_policy(policy: dict[str, Any]) -> None:
    """Types and ranges of the [policy] keys PolicySpec itself takes on trust."""
    if "horizon" in policy:
        check_int("policy.horizon", policy["horizon"], 1)
    if policy.get("handoff") is not None:
        check_int("policy.handoff", policy["handoff"], 1)
    if "start_candidates" in policy:
        check_int("policy.start_candidates", policy["start_candidates"], 0)
    for key in ("beta_step", "gamma_step", "refine_step", "probe_step_scale"):
        if key in policy and not check_real(f"policy.{key}", policy[key]) > 0:
            raise ConfigError(f"policy.{key} must be positive, got {policy[key]!r}")
    for key in ("static_features", "depth_feature", "calibrate_anchor", "general_features"):
        if not isinstance(policy.get(key, False), bool):
            raise ConfigError(f"policy.{key} must be true or false, got {policy[key]!r}")
    for key in ("scale_rule", "probe_anchor"):
        if key in policy and not isinstance(policy[key], str):
            raise ConfigError(f"policy.{key} must be a string, got {policy[key]!r}")


def _check_model(model: dict[str, Any], num_static: int) -> tuple[str, dict[str, Any]]:
    """``[model]``: arch, overrides; validated by building the model config (as make_model will)."""
    arch, overrides = model["arch"], model.get("overrides", {})
    if not isinstance(arch, str):
        raise ConfigError(f"model.arch must be a string, got {arch!r}")
    if not isinstance(overrides, dict):
        raise ConfigError(f"model.overrides must be a table, got {overrides!r}")
    full = dict(overrides)
    if num_static:
        full.setdefault("num_features", F.NUM_FEATURES + num_static)
    try:
        build_config(arch, check_int("model.p", model["p"], 1), **full)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[model]: {exc}") from None
    return arch, dict(overrides)


def _check_components(section: str, d: dict[str, Any]) -> None:
    """Types of the instance-distribution entries (InstanceDistribution coerces with int())."""
    comps = d.get("components")
    if not isinstance(comps, list) or not all(isinstance(c, dict) for c in comps):
        raise ConfigError(f"{section}.components must be a list of tables, got {comps!r}")
    for i, c in enumerate(comps):
        key = f"{section}.components[{i}]"
        for name in ("sizes", "degrees", "edge_probs"):
            if name in c and not isinstance(c[name], list):
                raise ConfigError(f"{key}.{name} must be a list, got {c[name]!r}")
        for name in ("sizes", "degrees"):
            for v in c.get(name, []):
                check_int(f"{key}.{name} entry", v, 1)
        for v in c.get("edge_probs", []):
            check_real(f"{key}.edge_probs entry", v)
        if "weight" in c:
            check_real(f"{key}.weight", c["weight"])
    scale = d.get("scale_range")
    if scale is not None and not (isinstance(scale, list) and len(scale) == 2):
        raise ConfigError(f"{section}.scale_range must be a list [lo, hi], got {scale!r}")
    for v in scale or []:
        check_real(f"{section}.scale_range entry", v)


def _pool(section: str, d: Any) -> PoolConfig:
    if not isinstance(d, dict):
        raise ConfigError(f"[{section}] is missing")
    d = dict(d)
    size = check_int(f"{section}.pool_size", d.pop("pool_size", 256), 1)
    _check_components(section, d)
    try:
        return PoolConfig(InstanceDistribution.from_dict(d), size)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[{section}]: {exc}") from None


def parse_config(raw: dict[str, Any]) -> Config:
    """Validate a parsed TOML document (see the module docstring)."""
    _check_keys("top level", raw, {"name", "family", "seed", "model", "policy", "train",
                                   "train_instances", "val_instances", "depth"})
    for key in ("name", "family", "model", "train_instances", "val_instances"):
        if key not in raw:
            raise ConfigError(f"missing required key {key!r}")
    name = check_name(raw["name"])
    _one_of("family", raw["family"], FAMILIES)
    seed = check_int("seed", raw.get("seed", 0), 0)
    if seed >= 2**63:  # torch.manual_seed and the instance seeds need it to fit in 64 bits
        raise ConfigError(f"seed must be below 2**63, got {seed}")
    for section in ("model", "policy", "train"):
        if not isinstance(raw.get(section, {}), dict):
            raise ConfigError(f"[{section}] must be a table, got {raw[section]!r}")
    model = dict(raw["model"])
    _check_keys("model", model, {"arch", "p", "overrides"})
    if "arch" not in model or "p" not in model:
        raise ConfigError("[model] needs arch and p")
    p = check_int("model.p", model["p"], 1)
    policy = dict(raw.get("policy", {}))
    _check_keys("policy", policy, {f.name for f in fields(PolicySpec)} - {"p"})
    _check_policy(policy)
    depth = None if "depth" not in raw else parse_depth(raw["depth"], p)
    if depth is not None and depth.regular_anchors and raw["family"] not in ("maxcut", "sk"):
        raise ConfigError(f"depth.regular_anchors needs a published fixed-angle table: family "
                          f"'maxcut' or 'sk', got {raw['family']!r}")
    if depth is not None:
        # a depth-general model moves Fourier coefficients away from the learned anchors
        if "anchor" in policy:
            raise ConfigError("policy.anchor is not used with [depth]: the anchors are fitted "
                              "per depth (training/depth_setup.py)")
        if not policy.get("depth_feature", False):
            raise ConfigError("[depth] needs policy.depth_feature = true")
        policy["anchor"] = [0.0] * (2 * p)
    elif policy.get("depth_feature", False):
        raise ConfigError("policy.depth_feature = true needs a [depth] section")
    try:
        anchor = resolve_anchor(policy.pop("anchor", f"fixed:{raw['family']}"), p)
        spec = PolicySpec(p=p, anchor=anchor, **policy)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[policy]: {exc}") from None
    arch, overrides = _check_model(model, spec.num_static)
    train = dict(raw.get("train", {}))
    _check_keys("train", train, {f.name for f in fields(TrainConfig)})
    try:
        tc = TrainConfig(**train)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[train]: {exc}") from None
    if tc.blind_fraction > 0 and not spec.static_features:
        raise ConfigError("train.blind_fraction needs policy.static_features = true (a blind run "
                          "is told it is blind through the static features)")
    if tc.loss.startswith("budget") and max(tc.budgets) > spec.horizon:
        # losses.budget_rhos would silently drop them
        raise ConfigError(f"train.budgets {list(tc.budgets)} exceed policy.horizon = "
                          f"{spec.horizon}")
    pools = {s: _pool(s, raw[s]) for s in ("train_instances", "val_instances")}
    if tc.batch_size > pools["train_instances"].pool_size:
        raise ConfigError(f"train.batch_size = {tc.batch_size} exceeds train_instances.pool_size "
                          f"= {pools['train_instances'].pool_size} (batches draw without "
                          f"replacement)")
    return Config(
        name=name, family=raw["family"], seed=seed, arch=arch, p=p, model_overrides=overrides,
        policy=spec, train=tc, train_instances=pools["train_instances"],
        val_instances=pools["val_instances"], raw=raw, depth=depth,
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
