"""Find, verify and load bundled models by name.

A bundled model is a pair ``weights/<name>.npz`` (arrays, loaded with ``allow_pickle=False``) and
``weights/<name>.json`` (its model card: architecture, config, policy, provenance, metrics, the
sha256 and size of the weight file and the ``card_sha256`` of the card itself, all checked on
every load; :func:`qlstm_optimizer.models.seal_card` recomputes the card's hash after a
deliberate edit). Names are ``<family>-p<depth>`` for the
default models (``maxcut-p1``) plus variants (``maxcut-p1-lstm``); a bare family name (``"maxcut"``)
resolves to the default model of that family at the depth the caller's parameter vector implies:
the depth-specific model where one exists, else the family's depth-general model
``<family>-depth`` (:mod:`qlstm_optimizer.depth`; its card has a ``depth`` block) if the depth is
in its range.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..depth import DepthSpec
from ..features import NUM_FEATURES
from ..models import load_model  # verifies the sha256 of the weight file
from ..policy import PolicySpec

WEIGHTS_DIR = Path(__file__).parent / "weights"

#: Families a card may name: the ones whose Hamiltonian units ``hamiltonian_scale_factor`` knows
#: (any other name would silently get Max-Cut units). training.config allows the same.
CARD_FAMILIES = ("maxcut", "sk", "qubo")  # "qubo": the general family (model_choice)


class UnknownModelError(ValueError):
    """No bundled model has this name."""


@dataclass(frozen=True)
class Pretrained:
    """A loaded model with everything the policy needs to run it."""

    name: str
    model: Any  # a NumPy inference model (models.NumpySequenceModel)
    spec: PolicySpec
    card: dict
    depth: DepthSpec | None = None  # a depth-general model's anchors and subspaces

    @property
    def family(self) -> str:
        return str(self.card.get("family", "unknown"))


_listing: tuple[tuple[str, int], list[str]] | None = None  # ((dir, its mtime_ns), names)


def list_pretrained() -> list[str]:
    """Names of the bundled models, sorted.

    The directory is scanned again only when its modification time changes (a card added or
    removed): every ``minimize_qaoa`` call asks, and a scan costs ~70 us."""
    global _listing
    stamp = (str(WEIGHTS_DIR), WEIGHTS_DIR.stat().st_mtime_ns)
    if _listing is None or _listing[0] != stamp:
        _listing = (stamp, sorted(p.stem for p in WEIGHTS_DIR.glob("*.json")))
    return list(_listing[1])


def families() -> dict[str, list[int]]:
    """Family name -> depths of its default models (``maxcut`` -> [1, 2, 3])."""
    out: dict[str, list[int]] = {}
    for name in list_pretrained():
        family, _, depth = name.rpartition("-p")
        if family and depth.isdigit():
            out.setdefault(family, []).append(int(depth))
    return {k: sorted(v) for k, v in out.items()}


DEPTH_SUFFIX = "-depth"


def depth_models() -> dict[str, str]:
    """Family name -> its bundled depth-general model (``maxcut`` -> ``maxcut-depth``)."""
    return {name[:-len(DEPTH_SUFFIX)]: name for name in list_pretrained()
            if name.endswith(DEPTH_SUFFIX)}


def family_depths(family: str) -> list[int]:
    """Every QAOA depth a family name serves: its depth-specific models' and, if it has one,
    the range of its depth-general model (``maxcut`` -> [1, 2, ..., 16])."""
    depths = set(families().get(family, []))
    general = depth_models().get(family)
    if general is not None:
        depths.update(range(1, _load(general).depth.max_depth + 1))
    return sorted(depths)


def check_model_name(name: str) -> None:
    """Raise :class:`UnknownModelError` (listing what exists) unless ``name`` is a bundled model
    or a family of bundled models."""
    if name not in list_pretrained() and name not in families() and name not in depth_models():
        resolve_model_name(name)


def resolve_model_name(name: str, num_parameters: int | None = None) -> str:
    """Turn a model or family name into a bundled model name.

    A family name needs ``num_parameters`` (= 2p, the length of x0) to pick the depth.

    Raises:
        UnknownModelError: the name is neither a model nor a family, listing what exists.
        ValueError: the family has no model for that parameter count, naming the sizes it has.
    """
    names = list_pretrained()
    if name in names:
        return name
    fams, general = families(), depth_models()
    if name in fams or name in general:
        if num_parameters is None:
            raise ValueError(f"family {name!r} needs the parameter count to pick a depth")
        if f"{name}-p{num_parameters // 2}" in names and num_parameters % 2 == 0:
            return f"{name}-p{num_parameters // 2}"
        sizes = [2 * p for p in fams.get(name, [])]
        what = f"models for {sizes} parameters (depths {fams[name]})" if sizes else ""
        if name in general:
            max_depth = _load(general[name]).depth.max_depth
            if num_parameters % 2 == 0 and 1 <= num_parameters // 2 <= max_depth:
                return general[name]
            what += (" and " if what else "") + (
                f"the depth-general model {general[name]!r} for depths 1..{max_depth} "
                f"(2..{2 * max_depth} parameters)")
        raise ValueError(
            f"family {name!r} has {what}, got an initial point of length {num_parameters}")
    if os.sep in name or os.path.exists(name):  # a path, not a name: say what a card path is
        raise UnknownModelError(
            f"model {name!r} is neither a bundled model nor a model card: card paths end in "
            f".json (the card a training run writes next to its .npz); bundled models: "
            f"{', '.join(names) or '(none)'}")
    raise UnknownModelError(
        f"unknown model {name!r}; available models: {', '.join(names) or '(none)'}; "
        f"families: {', '.join(sorted(fams)) or '(none)'}"
    )


@lru_cache(maxsize=32)
def _load(name: str) -> Pretrained:
    pre = load_card(WEIGHTS_DIR / f"{name}.json")
    return Pretrained(name=name, model=pre.model, spec=pre.spec, card=pre.card, depth=pre.depth)


def load_pretrained(name: str, num_parameters: int | None = None) -> Pretrained:
    """Load (once per process) a bundled model by model or family name."""
    return _load(resolve_model_name(name, num_parameters))


def is_card_path(model: Any) -> bool:
    """True for a path to a model card (any ``os.PathLike``, or a string ending in ``.json``)."""
    return isinstance(model, os.PathLike) or (
        isinstance(model, str) and model.lower().endswith(".json"))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# JSON type of each PolicySpec field in a card (PolicySpec checks the values' ranges).
_POLICY_TYPES: dict[str, tuple[str, Any]] = {
    "p": ("a positive integer", lambda v: _is_int(v) and v >= 1),
    "anchor": ("a list of finite numbers",
               lambda v: isinstance(v, list) and all(_is_number(a) for a in v)),
    "beta_step": ("a positive finite number", lambda v: _is_number(v) and v > 0),
    "gamma_step": ("a positive finite number", lambda v: _is_number(v) and v > 0),
    "horizon": ("a positive integer", lambda v: _is_int(v) and v >= 1),
    "refine_step": ("a positive finite number", lambda v: _is_number(v) and v > 0),
    "scale_rule": ("a string", lambda v: isinstance(v, str)),
    "static_features": ("true or false", lambda v: isinstance(v, bool)),
    "probe_anchor": ("a string", lambda v: isinstance(v, str)),
    "probe_step_scale": ("a positive finite number", lambda v: _is_number(v) and v > 0),
    "handoff": ("a positive integer or null", lambda v: v is None or (_is_int(v) and v >= 1)),
    "depth_feature": ("true or false", lambda v: isinstance(v, bool)),
    "start_candidates": ("a non-negative integer", lambda v: _is_int(v) and v >= 0),
    "calibrate_anchor": ("true or false", lambda v: isinstance(v, bool)),
    "general_features": ("true or false", lambda v: isinstance(v, bool)),
}


def _policy_spec(card: dict, path: Path) -> PolicySpec:
    """The card's ``policy`` block as a PolicySpec, every field type-checked, naming the file."""
    policy = card.get("policy")
    if not isinstance(policy, dict):
        raise ValueError(f"{path}: not a model card with a 'policy' section")
    names = {f.name for f in fields(PolicySpec)}
    unknown, missing = sorted(set(policy) - names), sorted({"p", "anchor"} - set(policy))
    if unknown or missing:
        raise ValueError(f"{path}: bad policy section: unknown keys {unknown}, missing {missing}")
    for key, value in policy.items():
        # A PolicySpec field added later without a type here is left to PolicySpec's checks
        # (tests/test_cards.py asserts the table covers every field).
        what, ok = _POLICY_TYPES.get(key, ("", lambda v: True))
        if not ok(value):
            raise ValueError(f"{path}: policy.{key} must be {what}, got {value!r}")
    if policy["p"] != card["p"]:
        raise ValueError(f"{path}: policy.p = {policy['p']} but the model is for p = {card['p']}")
    try:
        spec = PolicySpec(**policy)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: bad policy section: {exc}") from None
    features = NUM_FEATURES + spec.num_static
    if card["config"]["num_features"] != features:
        raise ValueError(
            f"{path}: policy.static_features = {spec.static_features} (depth_feature = "
            f"{spec.depth_feature}) feeds the model {features} features, its config takes "
            f"{card['config']['num_features']}")
    return spec


def _depth_spec(card: dict, spec: PolicySpec, path: Path) -> DepthSpec | None:
    """The card's ``depth`` block (a depth-general model), checked against its policy."""
    if "depth" not in card:
        if spec.depth_feature:
            raise ValueError(f"{path}: policy.depth_feature = true but the card has no 'depth' "
                             f"block (the per-depth anchors)")
        return None
    if not spec.depth_feature:
        raise ValueError(f"{path}: a 'depth' block needs policy.depth_feature = true")
    try:
        depth = DepthSpec.from_dict(card["depth"])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: bad depth block: {exc}") from None
    if depth.modes != spec.p:
        raise ValueError(f"{path}: depth.modes = {depth.modes} but the model acts on "
                         f"policy.p = {spec.p} modes")
    return depth


def load_card(path: str | os.PathLike) -> Pretrained:
    """Load any model card and its weights (e.g. one you trained) with its family and policy,
    checked like a bundled model (the card's and the weights' hashes, the weight file's size and
    type before reading it, every field the loader uses; no pickle).

    Raises:
        FileNotFoundError: no card (or no weight file next to it).
        ValueError: anything else, with the file's path first: a card or weight file that does
            not match its hashes (:class:`~qlstm_optimizer.models.ModelIntegrityError`), a file
            that is not a card (:class:`~qlstm_optimizer.models.ModelFormatError`), or a missing
            or ill-typed ``family``, ``name`` or ``policy`` field.
    """
    path = Path(path)
    model = load_model(path)  # reads and checks the card once; model.card is that card
    card = model.card
    family = card.get("family")
    if family not in CARD_FAMILIES:
        raise ValueError(f"{path}: 'family' must be one of {CARD_FAMILIES}, got {family!r}")
    spec = _policy_spec(card, path)
    return Pretrained(name=str(card.get("name") or path.stem), model=model, spec=spec, card=card,
                      depth=_depth_spec(card, spec, path))
