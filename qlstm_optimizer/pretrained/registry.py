"""Find, verify and load bundled models by name.

A bundled model is a pair ``weights/<name>.npz`` (arrays, loaded with ``allow_pickle=False``) and
``weights/<name>.json`` (its model card: architecture, config, policy, provenance, metrics and the
sha256 of the weight file, which is checked on every load). Names are ``<family>-p<depth>`` for the
default models (``maxcut-p1``) plus variants (``maxcut-p1-lstm``); a bare family name (``"maxcut"``)
resolves to the default model of that family at the depth the caller's parameter vector implies.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..models import load_model  # verifies the sha256 of the weight file
from ..policy import PolicySpec

WEIGHTS_DIR = Path(__file__).parent / "weights"


class UnknownModelError(ValueError):
    """No bundled model has this name."""


@dataclass(frozen=True)
class Pretrained:
    """A loaded model with everything the policy needs to run it."""

    name: str
    model: Any  # a NumPy inference model (models.NumpySequenceModel)
    spec: PolicySpec
    card: dict

    @property
    def family(self) -> str:
        return str(self.card.get("family", "unknown"))


def list_pretrained() -> list[str]:
    """Names of the bundled models, sorted."""
    return sorted(p.stem for p in WEIGHTS_DIR.glob("*.json"))


def families() -> dict[str, list[int]]:
    """Family name -> depths of its default models (``maxcut`` -> [1, 2, 3])."""
    out: dict[str, list[int]] = {}
    for name in list_pretrained():
        family, _, depth = name.rpartition("-p")
        if family and depth.isdigit():
            out.setdefault(family, []).append(int(depth))
    return {k: sorted(v) for k, v in out.items()}


def check_model_name(name: str) -> None:
    """Raise :class:`UnknownModelError` (listing what exists) unless ``name`` is a bundled model
    or a family of bundled models."""
    if name not in list_pretrained() and name not in families():
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
    fams = families()
    if name in fams:
        sizes = [2 * p for p in fams[name]]
        if num_parameters is None:
            raise ValueError(f"family {name!r} needs the parameter count to pick a depth")
        if num_parameters not in sizes:
            raise ValueError(
                f"family {name!r} has models for {sizes} parameters (depths {fams[name]}), "
                f"got an initial point of length {num_parameters}"
            )
        return f"{name}-p{num_parameters // 2}"
    raise UnknownModelError(
        f"unknown model {name!r}; available models: {', '.join(names) or '(none)'}; "
        f"families: {', '.join(sorted(fams)) or '(none)'}"
    )


@lru_cache(maxsize=32)
def _load(name: str) -> Pretrained:
    card_path = WEIGHTS_DIR / f"{name}.json"
    card = json.loads(card_path.read_text())
    model = load_model(card_path)
    spec = PolicySpec(**card["policy"])
    return Pretrained(name=name, model=model, spec=spec, card=card)


def load_pretrained(name: str, num_parameters: int | None = None) -> Pretrained:
    """Load (once per process) a bundled model by model or family name."""
    return _load(resolve_model_name(name, num_parameters))


def is_card_path(model: Any) -> bool:
    """True for a path to a model card (any ``os.PathLike``, or a string ending in ``.json``)."""
    return isinstance(model, os.PathLike) or (
        isinstance(model, str) and model.lower().endswith(".json"))


def load_card(path: str | Path) -> Pretrained:
    """Load any model card and its weights (e.g. one you trained) with its family and policy,
    checked like a bundled model (sha256 of the weights, no pickle).

    Raises:
        FileNotFoundError: no card (or no weight file next to it).
        ValueError: a malformed card, a weight file that does not match its sha256, or a card
            without a ``policy`` section.
    """
    path = Path(path)
    card = json.loads(path.read_text())
    if not isinstance(card, dict) or not isinstance(card.get("policy"), dict):
        raise ValueError(f"{path} is not a model card with a 'policy' section")
    try:
        spec = PolicySpec(**card["policy"])
    except TypeError as exc:  # unknown or missing policy keys
        raise ValueError(f"{path}: bad policy section: {exc}") from None
    model = load_model(path)
    return Pretrained(name=str(card.get("name", path.stem)), model=model, spec=spec, card=card)
