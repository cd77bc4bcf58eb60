"""Sequence models for meta-learned QAOA optimisation: QLSTM, QK-LSTM, QFWP and LSTM.

Every architecture is written once as pure functions over an array-ops shim, so the torch
training model (``models.torch_model.TorchSequenceModel``) and the NumPy inference twin
(:class:`NumpySequenceModel`) run the same code. This package never imports torch; import
``qlstm_optimizer.models.torch_model`` explicitly for training. See docs/models.md.

Example:
    >>> import numpy as np
    >>> from qlstm_optimizer.models import init_numpy_model
    >>> model = init_numpy_model("qlstm", p=2, seed=0)
    >>> state = model.initial_state(4)
    >>> y, state = model.step(np.zeros((4, 4)), np.zeros((4, 4)), state)
    >>> y.shape
    (4, 4)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .numpy_model import NumpySequenceModel
from .registry import ARCHITECTURES, build_config, get_arch, num_parameters, validate_config
from .serialization import (
    ModelFormatError,
    ModelIntegrityError,
    card_digest,
    load_model,
    read_model_card,
    save_model,
    seal_card,
)
from .vqc import VQCSpec, make_vqc_spec
from .vqc_qiskit import to_qiskit

__all__ = [
    "ARCHITECTURES",
    "ModelFormatError",
    "ModelIntegrityError",
    "NumpySequenceModel",
    "VQCSpec",
    "build_config",
    "card_digest",
    "get_arch",
    "init_numpy_model",
    "load_model",
    "make_vqc_spec",
    "num_parameters",
    "read_model_card",
    "save_model",
    "seal_card",
    "to_qiskit",
    "validate_config",
]


def init_numpy_model(arch: str, p: int, seed: int = 0, **overrides: Any) -> NumpySequenceModel:
    """A randomly initialised (untrained) NumPy model: ``build_config`` + ``init_params``.

    Example:
        >>> init_numpy_model("lstm", 1, seed=1).config["hidden_size"]
        3
    """
    config = build_config(arch, p, **overrides)
    params = get_arch(arch).init_params(config, np.random.default_rng(seed))
    return NumpySequenceModel(config, params)
