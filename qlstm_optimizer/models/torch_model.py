"""torch training model: any architecture as a differentiable ``torch.nn.Module`` (float64).

Runs the same architecture ``step`` as :class:`~qlstm_optimizer.models.NumpySequenceModel`, with
the torch ops backend, so gradients flow through the complex128 statevector simulation.

Example:
    >>> import torch
    >>> from qlstm_optimizer.models.torch_model import TorchSequenceModel
    >>> from qlstm_optimizer.models import build_config
    >>> model = TorchSequenceModel(build_config("qlstm", 1), seed=0)
    >>> state = model.initial_state(8)
    >>> y, state = model.step(torch.zeros(8, 4, dtype=torch.float64),
    ...                       torch.zeros(8, 2, dtype=torch.float64), state)
    >>> y.sum().backward()
    >>> y.shape, model.params["gate_w"].grad is not None
    (torch.Size([8, 2]), True)
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import torch

from .numpy_model import NumpySequenceModel, check_params
from .registry import get_arch, validate_config
from .serialization import load_model, save_model
from .torch_ops import TORCH_OPS

__all__ = ["TorchSequenceModel", "load_torch_model"]


def _tensor(x: Any) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x if x.dtype == torch.float64 else x.to(torch.float64)
    return torch.as_tensor(np.asarray(x, dtype=np.float64))


class TorchSequenceModel(torch.nn.Module):
    """A sequence model holding its weights in an ``nn.ParameterDict`` (float64).

    Args:
        config: a config from :func:`~qlstm_optimizer.models.build_config`.
        params: initial weights (``name -> array``); default: ``init_params`` with ``seed``.
        seed: seed for the default initialisation.
    """

    def __init__(self, config: dict, params: dict | None = None, *, seed: int = 0) -> None:
        super().__init__()
        self.config = validate_config(dict(config))
        self._arch = get_arch(self.config["arch"])
        if params is None:
            params = self._arch.init_params(self.config, np.random.default_rng(seed))
        else:
            params = {
                k: v.detach().cpu().numpy() if isinstance(v, torch.Tensor) else v
                for k, v in params.items()
            }
        params = check_params(self.config, params)
        self.params = torch.nn.ParameterDict(
            {k: torch.nn.Parameter(torch.tensor(v, dtype=torch.float64)) for k, v in params.items()}
        )

    @property
    def arch(self) -> str:
        return self.config["arch"]

    @property
    def p(self) -> int:
        return self.config["p"]

    @property
    def num_parameters(self) -> int:
        return int(sum(v.numel() for v in self.params.values()))

    def initial_state(self, batch: int = 1) -> tuple:
        """Zero recurrent state (float64 tensors)."""
        return self._arch.initial_state(self.config, int(batch), TORCH_OPS)

    def step(self, features: Any, params: Any, state: tuple) -> tuple[torch.Tensor, tuple]:
        """``features (B, F), params (B, 2p), state -> y (B, 2p), new state`` (differentiable)."""
        weights = dict(self.params.items())  # plain dict: cheaper lookups inside the step
        return self._arch.step(
            weights, self.config, _tensor(features), _tensor(params), state, TORCH_OPS
        )

    forward = step

    def to_numpy(self) -> NumpySequenceModel:
        """The NumPy inference twin with a copy of the current weights."""
        params = {k: v.detach().cpu().numpy().copy() for k, v in self.params.items()}
        return NumpySequenceModel(self.config, params)

    @classmethod
    def from_numpy(cls, model: NumpySequenceModel) -> TorchSequenceModel:
        """A trainable torch copy of a NumPy model."""
        return cls(model.config, {k: np.array(v) for k, v in model.params.items()})

    def save(self, path_stem: str | os.PathLike, card_extra: dict | None = None):
        """Shortcut for :func:`~qlstm_optimizer.models.save_model`."""
        return save_model(self, path_stem, card_extra)

    def extra_repr(self) -> str:
        return f"arch={self.arch!r}, p={self.p}, num_parameters={self.num_parameters}"


def load_torch_model(json_path: str | os.PathLike) -> TorchSequenceModel:
    """Load a model card + weights (hash-checked, no pickle) as a trainable torch model."""
    numpy_model = load_model(json_path)
    model = TorchSequenceModel.from_numpy(numpy_model)
    model.card = numpy_model.card
    return model
