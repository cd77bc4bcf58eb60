"""Bundled pretrained models: the registry, their model cards and weight files.

Example:
    >>> from qlstm_optimizer.pretrained import list_pretrained
    >>> "maxcut-p1" in list_pretrained()
    True
"""

from .registry import (
    Pretrained,
    UnknownModelError,
    check_model_name,
    depth_models,
    families,
    family_depths,
    is_card_path,
    list_pretrained,
    load_card,
    load_pretrained,
    resolve_model_name,
)

__all__ = [
    "Pretrained",
    "UnknownModelError",
    "check_model_name",
    "depth_models",
    "families",
    "family_depths",
    "is_card_path",
    "list_pretrained",
    "load_card",
    "load_pretrained",
    "resolve_model_name",
]
