"""Array-operations shim: the NumPy backend.

Every architecture (``qlstm.py``, ``qklstm.py``, ``qfwp.py``, ``lstm.py``) and the VQC simulator
(``vqc.py``) are written once against the small interface below. Two objects implement it:

* :data:`NUMPY_OPS` (this module): float64 / complex128 NumPy, used for frozen inference. It is
  importable without torch, so a pretrained model runs on NumPy alone.
* ``TorchOps`` (``torch_ops.py``): the same functions on float64 / complex128 torch tensors, so the
  training model is differentiable.

Because both run the *same* Python code with the same operation order, the NumPy twin matches the
torch model to round-off (tests check 1e-10).

Apart from these methods the model code uses only what NumPy arrays and torch tensors share:
``+ - * / @``, ``.shape``, ``.T`` on 2-D arrays, basic slicing (``x[..., 0:2]``, ``x[:, None]``).

``vqc`` and ``kernel`` are the two *quantum* entry points. The default implementations call the
statevector simulator; :class:`~qlstm_optimizer.models.estimator.EstimatorOps` overrides them to run
the very same circuits through a Qiskit ``BaseEstimatorV2`` instead.

Example:
    >>> import numpy as np
    >>> from qlstm_optimizer.models.ops import NUMPY_OPS as ops
    >>> ops.sigmoid(np.array([0.0]))
    array([0.5])
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

from .vqc import expectations, fidelity_kernel

__all__ = ["NUMPY_OPS", "FrozenNumpyOps", "NumpyOps"]


class NumpyOps:
    """NumPy implementation of the array-ops shim (float64 / complex128)."""

    name = "numpy"

    #: Optional memo for weight-only intermediates (see :class:`FrozenNumpyOps`); None: no cache.
    memo = None

    # -- construction -------------------------------------------------------------------------
    def asarray(self, x: Any) -> np.ndarray:
        """A float64 array (copy-free when possible)."""
        return np.asarray(x, dtype=np.float64)

    def constant(self, arr: np.ndarray) -> np.ndarray:
        """A constant (perm index, sign table...) in this backend; NumPy needs no conversion."""
        return arr

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.zeros(shape, dtype=np.float64)

    def ones(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.ones(shape, dtype=np.float64)

    # -- elementwise --------------------------------------------------------------------------
    def sigmoid(self, x: np.ndarray) -> np.ndarray:
        # scipy's expit is overflow-free for large |x| (1/(1+exp(-x)) warns at x << 0).
        return expit(x)

    def tanh(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(x)

    def cos(self, x: np.ndarray) -> np.ndarray:
        return np.cos(x)

    def sin(self, x: np.ndarray) -> np.ndarray:
        return np.sin(x)

    def exp(self, x: np.ndarray) -> np.ndarray:
        return np.exp(x)

    # Reductions and gathers call the ufunc / method directly: np.prod, np.sum and np.take add
    # Python-level wrappers costing more than the work itself on these tiny arrays.
    def prod(self, x: np.ndarray, axis: int) -> np.ndarray:
        return np.multiply.reduce(x, axis)

    def sum(self, x: np.ndarray, axis: int) -> np.ndarray:
        return np.add.reduce(x, axis)

    # -- shape --------------------------------------------------------------------------------
    def concat(self, xs: list, axis: int = -1) -> np.ndarray:
        return np.concatenate(xs, axis=axis)

    def stack(self, xs: list, axis: int = 0) -> np.ndarray:
        if axis != -1:
            return np.stack(xs, axis=axis)
        # np.stack is slow for tiny arrays; filling a preallocated array is ~3x faster.
        shape = xs[0].shape
        if any(x.shape != shape for x in xs):
            return np.stack(np.broadcast_arrays(*xs), axis=axis)
        out = np.empty(shape + (len(xs),), dtype=np.result_type(*xs))
        for i, x in enumerate(xs):
            out[..., i] = x
        return out

    def reshape(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        return np.reshape(x, tuple(shape))

    def swapaxes(self, x: np.ndarray, a: int, b: int) -> np.ndarray:
        return np.swapaxes(x, a, b)

    def unbind(self, x: np.ndarray, axis: int) -> tuple:
        """Split along ``axis`` into views (one op; cheaper than repeated indexing in torch)."""
        return tuple(np.moveaxis(x, axis, 0))

    def take(self, x: np.ndarray, index: np.ndarray, axis: int = -1) -> np.ndarray:
        """Gather along ``axis`` with an integer index array (a basis permutation, say)."""
        return x.take(index, axis=axis)

    # -- linear algebra -----------------------------------------------------------------------
    def matmul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.matmul(a, b)

    def einsum(self, eq: str, *xs: np.ndarray) -> np.ndarray:
        return np.einsum(eq, *xs)

    # -- complex ------------------------------------------------------------------------------
    def complex(self, re: np.ndarray, im: np.ndarray | None = None) -> np.ndarray:
        """complex128 from real and imaginary parts (``im=None`` means zero)."""
        if im is None:
            return np.asarray(re, dtype=np.complex128)
        return re + 1j * im

    def conj(self, z: np.ndarray) -> np.ndarray:
        return np.conj(z)

    def abs2(self, z: np.ndarray) -> np.ndarray:
        """|z|^2 as float64, written as re^2 + im^2 so both backends do the same arithmetic."""
        return z.real * z.real + z.imag * z.imag

    # -- quantum entry points -----------------------------------------------------------------
    def vqc(self, spec: Any, x: Any, weights: Any) -> Any:
        """<Z_q> for the readout qubits of ``spec``; see :func:`.vqc.expectations`."""
        return expectations(spec, x, weights, self)

    def kernel(self, spec: Any, z: Any, refs: Any) -> Any:
        """Fidelity kernel |<phi(c)|phi(z)>|^2; see :func:`.vqc.fidelity_kernel`."""
        return fidelity_kernel(spec, z, refs, self)


class FrozenNumpyOps(NumpyOps):
    """NumPy ops that memoise weight-only intermediates (the (D, D) matrix of a shared VQC layer).

    For frozen inference: the matrices depend only on the model's read-only weights, so they are
    built on the first step and reused. Each :class:`NumpySequenceModel` owns one instance.
    Entries are keyed by the weights' memory address and layout and hold a reference to the
    weight array, so the address cannot be reused while the entry exists; writable arrays (which
    could change in place) are never cached.
    """

    def __init__(self) -> None:
        self._memo: dict[tuple, tuple[Any, Any]] = {}

    def memo(self, key: tuple, weights: np.ndarray, build: Any) -> Any:
        if not isinstance(weights, np.ndarray) or weights.flags.writeable:
            return build()
        base = weights if weights.base is None else weights.base
        if isinstance(base, np.ndarray) and base.flags.writeable:
            return build()
        full = key + (weights.__array_interface__["data"][0], weights.shape, weights.strides)
        hit = self._memo.get(full)
        if hit is None:
            hit = (weights, build())
            self._memo[full] = hit
        return hit[1]


#: The shared NumPy backend instance (stateless, so one is enough).
NUMPY_OPS = NumpyOps()
