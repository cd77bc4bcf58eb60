"""Batched, differentiable QAOA energies in torch (float64 / complex128): the meta-training twin
of :mod:`qlstm_optimizer.sim.numpy_qaoa`.

Same state and parameter order as Qiskit's ``QAOAAnsatz``
(``x = [beta_0..beta_{p-1}, gamma_0..gamma_{p-1}]``, state
``prod_k exp(-i beta_k sum X) exp(-i gamma_k H) |+>^n``), evaluated for I instances of one size
and B parameter vectors each in a single pass, with no Python loop over instances. Gradients
(and higher derivatives) come from autograd. This module is the only simulator that imports torch.

Example:
    >>> import torch
    >>> from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
    >>> diags = stack_diagonals([DiagonalHamiltonian(2, {(0, 1): w}) for w in (0.5, 1.0)])
    >>> x = torch.tensor([[0.3, -0.4], [0.3, -0.4]], dtype=torch.float64, requires_grad=True)
    >>> e = qaoa_energy_torch(diags, x)  # (2,)
    >>> e.sum().backward(); x.grad.shape
    torch.Size([2, 2])
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import torch

from ..hamiltonian import as_hamiltonian
from .numpy_qaoa import MAX_STATEVECTOR_BYTES, StatevectorTooLargeError

# Mixer blocks of at most this many qubits: one (2**k x 2**k) batched matmul per block.
_MIXER_BLOCK = 5


def stack_diagonals(hamiltonians: Any, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Diagonals of several Hamiltonians (all with the same number of qubits) as an (I, 2**n)
    tensor. Accepts a sequence of DiagonalHamiltonians / problems / SparsePauliOps, or an
    array/tensor of shape (I, 2**n) or (2**n,).

    Example:
        >>> from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
        >>> stack_diagonals([DiagonalHamiltonian(3, {(0,): 1.0})] * 4).shape
        torch.Size([4, 8])
    """
    if isinstance(hamiltonians, torch.Tensor):
        out = hamiltonians.to(dtype)
    elif isinstance(hamiltonians, np.ndarray):
        out = _from_numpy(hamiltonians, dtype)
    elif isinstance(hamiltonians, Sequence) and len(hamiltonians) and not isinstance(
        hamiltonians[0], (int, float, np.floating, np.integer)
    ) and not isinstance(hamiltonians[0], (list, tuple, np.ndarray)):
        hs = [as_hamiltonian(h) for h in hamiltonians]
        sizes = {h.num_qubits for h in hs}
        if len(sizes) != 1:
            raise ValueError(
                f"stack_diagonals needs Hamiltonians of one size, got sizes {sorted(sizes)}; "
                "group instances by num_qubits"
            )
        out = torch.as_tensor(np.stack([h.diagonal() for h in hs]), dtype=dtype)
    else:
        out = torch.as_tensor(np.asarray(hamiltonians, dtype=np.float64), dtype=dtype)
    if out.ndim == 1:
        out = out[None]
    dim = out.shape[-1]
    if out.ndim != 2 or dim < 2 or dim & (dim - 1):
        raise ValueError(f"diagonals must have shape (I, 2**n), got {tuple(out.shape)}")
    return out


def _from_numpy(array: np.ndarray, dtype: torch.dtype) -> torch.Tensor:
    # torch warns on read-only arrays (DiagonalHamiltonian.diagonal() is one): copy those.
    return torch.as_tensor(array if array.flags.writeable else array.copy(), dtype=dtype)


@lru_cache(maxsize=16)
def _hamming_index(k: int) -> torch.Tensor:
    """popcount(i XOR j) for i, j < 2**k, flattened: which power of (-i sin) entry (i, j) has."""
    i = np.arange(2**k)
    x = i[:, None] ^ i[None, :]
    d = sum((x >> q) & 1 for q in range(k))
    return torch.as_tensor(np.asarray(d).ravel(), dtype=torch.long)


def _mixer_block(beta: torch.Tensor, k: int) -> torch.Tensor:
    """``exp(-i beta X)^{(x) k}`` for each beta (N,), shape (N, 2**k, 2**k), symmetric."""
    c = torch.cos(beta).to(torch.complex128)
    s = -1j * torch.sin(beta).to(torch.complex128)
    # Powers by repeated multiplication, not torch.pow: d/dc c**0 = 0 * c**-1 is NaN at c = 0.
    cpow, spow = [torch.ones_like(c)], [torch.ones_like(s)]
    for _ in range(k):
        cpow.append(cpow[-1] * c)
        spow.append(spow[-1] * s)
    values = torch.stack([cpow[k - j] * spow[j] for j in range(k + 1)], dim=-1)  # (N, k+1)
    size = 2**k
    return values[:, _hamming_index(k)].reshape(-1, size, size)


def _blocks(num_qubits: int) -> list[int]:
    count = -(-num_qubits // _MIXER_BLOCK)
    base, extra = divmod(num_qubits, count)
    return [base + 1] * extra + [base] * (count - extra)


def _apply_mixer(states: torch.Tensor, beta: torch.Tensor, num_qubits: int) -> torch.Tensor:
    """exp(-i beta sum X) on states (N, 2**n), beta (N,)."""
    n_states, dim = states.shape
    matrices: dict[int, torch.Tensor] = {}
    low = 1
    for k in _blocks(num_qubits):
        # View the state as (N, high, 2**k, low) and multiply the block's own axis in place of
        # a reshuffle: no transposed copies (unlike numpy_qaoa, torch's matmul threading does
        # not need every GEMM kept tiny). The block matrix is symmetric: either side works.
        size = 2**k
        high = dim // (low * size)
        if k not in matrices:
            matrices[k] = _mixer_block(beta, k)
        mat = matrices[k]
        if low == 1:
            states = torch.bmm(states.reshape(n_states, high, size), mat)
        elif high == 1:
            states = torch.bmm(mat, states.reshape(n_states, size, low))
        else:
            states = torch.matmul(mat[:, None], states.reshape(n_states, high, size, low))
        low *= size
    return states.reshape(n_states, dim)


def qaoa_energy_torch(diagonals: Any, params: Any) -> torch.Tensor:
    """Exact QAOA energies, differentiable in ``params`` (and in ``diagonals``).

    Args:
        diagonals: (I, 2**n) energies of the basis states of I instances (a tensor, an array,
            or anything :func:`stack_diagonals` accepts), or (2**n,) for one shared instance.
        params: (I, B, 2p) -> energies (I, B); (I, 2p) -> (I,). With a single (2**n,) diagonal
            also (B, 2p) -> (B,) and (2p,) -> scalar.

    Returns:
        float64 tensor of energies.

    Raises:
        ValueError: mismatched shapes, odd parameter length, NaN/inf parameters.
        StatevectorTooLargeError: the batch of statevectors would not fit in memory.

    Example:
        >>> import torch
        >>> d = torch.tensor([[1.0, -1.0]], dtype=torch.float64)  # H = Z on one qubit
        >>> float(qaoa_energy_torch(d, torch.tensor([[0.0, 0.0]])))
        0.0
    """
    if isinstance(diagonals, np.ndarray):  # keeps a 1-D array 1-D (one shared instance)
        diagonals = _from_numpy(diagonals, torch.float64)
    elif not isinstance(diagonals, torch.Tensor):
        diagonals = stack_diagonals(diagonals)
    diagonals = diagonals.to(torch.float64)  # no copy if it already is
    params = torch.as_tensor(params, dtype=torch.float64)
    shared = diagonals.ndim == 1
    diag = diagonals[None] if shared else diagonals
    if diag.ndim != 2:
        raise ValueError(f"diagonals must have shape (I, 2**n), got {tuple(diagonals.shape)}")
    num_inst, dim = diag.shape
    num_qubits = dim.bit_length() - 1
    if dim != 2**num_qubits or num_qubits < 1:
        raise ValueError(f"a diagonal has length 2**n, got {dim}")

    out_shape = params.shape[:-1]
    if shared:
        batch = params.reshape(1, -1, params.shape[-1])
    elif params.ndim == 2:
        batch = params[:, None, :]
    elif params.ndim == 3:
        batch = params
    else:
        raise ValueError(f"params must be (I, 2p) or (I, B, 2p), got {tuple(params.shape)}")
    if batch.shape[0] != num_inst:
        raise ValueError(
            f"{num_inst} diagonals but params for {batch.shape[0]} instances "
            f"(shape {tuple(params.shape)})"
        )
    length = batch.shape[-1]
    if length == 0 or length % 2:
        raise ValueError(f"a QAOA parameter vector has even length 2p, got length {length}")
    if not bool(torch.isfinite(batch).all()):
        raise ValueError("QAOA parameters contain NaN or inf")
    n_params = batch.shape[1]
    need = num_inst * n_params * dim * 16
    if need > MAX_STATEVECTOR_BYTES:
        raise StatevectorTooLargeError(
            f"{num_inst} x {n_params} statevectors of 2**{num_qubits} amplitudes need "
            f"{need / 2**30:.1f} GiB (limit {MAX_STATEVECTOR_BYTES / 2**30:.0f} GiB); "
            "evaluate smaller batches"
        )

    p = length // 2
    n_states = num_inst * n_params
    diag3 = diag[:, None, :]  # (I, 1, D): broadcast over each instance's B parameter sets
    states = None
    for k in range(p):
        # (I, B, D) -> (N, D) is a view: rows are instance-major, matching batch.reshape(N, 2p).
        angle = (-batch[:, :, p + k, None] * diag3).reshape(n_states, dim)
        if states is None:  # |+>^n has equal amplitudes: the first layer is just a phase
            states = torch.polar(torch.full_like(angle, 2.0 ** (-num_qubits / 2)), angle)
        else:
            states = states * torch.polar(torch.ones_like(angle), angle)
        states = _apply_mixer(states, batch[:, :, k].reshape(n_states), num_qubits)
    probs = (states.real**2 + states.imag**2).reshape(num_inst, n_params, dim)
    energies = (probs * diag3).sum(dim=-1)
    return energies.reshape(out_shape)


__all__ = ["qaoa_energy_torch", "stack_diagonals"]
