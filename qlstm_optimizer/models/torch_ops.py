"""Array-operations shim: the torch backend (float64 / complex128, differentiable).

Same methods as :class:`~qlstm_optimizer.models.ops.NumpyOps`; see that module for the contract.
This file and ``torch_model.py`` are the only places in ``models/`` that import torch.

Example:
    >>> import torch
    >>> from qlstm_optimizer.models.torch_ops import TORCH_OPS as ops
    >>> ops.sigmoid(torch.zeros(1, dtype=torch.float64))
    tensor([0.5000], dtype=torch.float64)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .ops import NumpyOps

__all__ = ["TORCH_OPS", "TorchOps"]

_F = torch.float64
_C = torch.complex128


class TorchOps(NumpyOps):
    """torch implementation of the array-ops shim.

    Subclasses :class:`NumpyOps` only to inherit ``vqc`` / ``kernel`` (which dispatch back to the
    shared simulator); every array method is overridden.
    """

    name = "torch"

    def __init__(self) -> None:
        # Constants (CNOT permutations, Z-sign tables, the Hadamard) are converted once and kept,
        # keyed by the id of the NumPy array; the array itself is stored too so the id stays valid.
        self._const: dict[int, tuple[np.ndarray, torch.Tensor]] = {}

    def asarray(self, x: Any) -> torch.Tensor:
        if isinstance(x, torch.Tensor):
            return x.to(_F)
        return torch.as_tensor(np.asarray(x, dtype=np.float64))

    def constant(self, arr: np.ndarray) -> torch.Tensor:
        hit = self._const.get(id(arr))
        if hit is not None and hit[0] is arr:
            return hit[1]
        t = torch.tensor(arr)  # a copy: the cached NumPy constants are read-only
        self._const[id(arr)] = (arr, t)
        return t

    def zeros(self, shape: tuple[int, ...]) -> torch.Tensor:
        return torch.zeros(tuple(shape), dtype=_F)

    def ones(self, shape: tuple[int, ...]) -> torch.Tensor:
        return torch.ones(tuple(shape), dtype=_F)

    def sigmoid(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(x)

    def tanh(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x)

    def cos(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cos(x)

    def sin(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sin(x)

    def exp(self, x: torch.Tensor) -> torch.Tensor:
        return torch.exp(x)

    def prod(self, x: torch.Tensor, axis: int) -> torch.Tensor:
        return torch.prod(x, dim=axis)

    def sum(self, x: torch.Tensor, axis: int) -> torch.Tensor:
        return torch.sum(x, dim=axis)

    def concat(self, xs: list, axis: int = -1) -> torch.Tensor:
        return torch.cat(list(xs), dim=axis)

    def stack(self, xs: list, axis: int = 0) -> torch.Tensor:
        return torch.stack(list(xs), dim=axis)

    def reshape(self, x: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
        return torch.reshape(x, tuple(shape))

    def swapaxes(self, x: torch.Tensor, a: int, b: int) -> torch.Tensor:
        return torch.transpose(x, a, b)

    def unbind(self, x: torch.Tensor, axis: int) -> tuple:
        return torch.unbind(x, dim=axis)

    def take(self, x: torch.Tensor, index: Any, axis: int = -1) -> torch.Tensor:
        idx = self.constant(index) if isinstance(index, np.ndarray) else index
        return torch.index_select(x, axis % x.dim(), idx)

    def matmul(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.matmul(a, b)

    def einsum(self, eq: str, *xs: torch.Tensor) -> torch.Tensor:
        return torch.einsum(eq, *xs)

    def complex(self, re: torch.Tensor, im: torch.Tensor | None = None) -> torch.Tensor:
        if im is None:
            return re.to(_C)
        return torch.complex(re, im)

    def conj(self, z: torch.Tensor) -> torch.Tensor:
        # resolve_conj: a lazily-conjugated view would make later einsums copy anyway.
        return torch.conj(z).resolve_conj()

    def abs2(self, z: torch.Tensor) -> torch.Tensor:
        return z.real * z.real + z.imag * z.imag


#: Shared torch backend instance.
TORCH_OPS = TorchOps()
