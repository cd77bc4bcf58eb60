"""Batched, differentiable statevector simulation of small variational quantum circuits (VQCs).

Written once against the array-ops shim (:mod:`.ops`), so the same code runs on NumPy (frozen
inference) and on torch (training, autograd through complex128 statevectors).

Circuit model
-------------
A :class:`VQCSpec` is a short *program* of layer instructions on ``n_qubits`` qubits:

* ``("h",)``           Hadamard on every qubit;
* ``("enc", axis)``    data encoding ``R_axis(x_q)`` on qubit ``q`` for ``q < n_inputs``;
* ``("rot", l)``       trainable layer ``l``: on each qubit, ``R_a(w[l, q, j])`` for the axes
  ``a = rotations[j]`` in order;
* ``("ent", kind)``    CNOT entangler: ``ring`` (CNOT(q, q+1 mod n); one CNOT for n = 2),
  ``chain`` (CNOT(q, q+1)), ``brick`` (even pairs, then odd pairs), ``none``.

The readout is ``<Z_q>`` for ``q`` in ``spec.readout``. :func:`make_vqc_spec` builds the standard
ansatz ``[H] enc ([enc] rot_l ent)_{l < depth}`` (re-uploading repeats ``enc`` before every layer
after the first; ``layer_order="ent_rot"`` swaps ``rot`` and ``ent``). The same program is turned
into a Qiskit circuit by :func:`qlstm_optimizer.models.vqc_qiskit.to_qiskit`, so simulator and
circuit cannot drift apart.

Conventions are Qiskit's: basis index ``k`` has qubit ``q`` in bit ``(k >> q) & 1``;
``R_a(t) = exp(-i t P_a / 2)``.

Batching
--------
``x`` has shape ``(B, n_inputs)``; ``weights`` has shape ``(G, Bw, L, n_qubits, len(rotations))``
where ``G`` is a *group* of circuits with the same program but different weights (the four gate
VQCs of a QLSTM run as one group) and ``Bw`` is 1 (weights shared over the batch) or ``B``
(per-sample weights, e.g. the fast weights of a QFWP). :func:`expectations` returns
``(G, B, len(readout))``.

How it is fast (these circuits are tiny; the cost is the number of array operations):

1. Single-qubit instructions before the first entangler act on per-qubit 2-vectors (a product
   state); consecutive rotations about one axis are merged by adding angles, and ``RY`` from
   ``|0>`` or ``|+>`` is evaluated in closed form. The product state is then built at once.
2. Entanglers are basis permutations. They are not applied to the state: they stay pending and
   are folded into the next shared layer's matrix (a row permutation) or into the readout's
   constant sign table.
3. A rotation layer shared by the batch is one ``(D, D)`` matrix (``D = 2**n``, built from its
   2x2 blocks); a frozen NumPy model memoises it (``ops.memo``), so inference pays one small
   matmul. Per-sample layers (QFWP fast weights, re-uploaded data) go qubit by qubit.
4. Circuits without ``RX``/``RZ`` are simulated in float64, the others in complex128.

Example:
    >>> import numpy as np
    >>> from qlstm_optimizer.models.ops import NUMPY_OPS as ops
    >>> spec = make_vqc_spec(3, depth=2, entangler="ring")
    >>> x = np.zeros((5, 3)); w = np.zeros((1, 1) + spec.weight_shape)
    >>> expectations(spec, x, w, ops).shape       # |+++> stays |+++>: <Z> = 0
    (1, 5, 3)
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np

from .vqc_spec import (
    ENTANGLERS,
    VQCSpec,
    entangler_pairs,
    kernel_feature_map_spec,
    make_vqc_spec,
)

__all__ = [
    "ENTANGLERS",
    "VQCSpec",
    "entangler_pairs",
    "expectations",
    "fidelity_kernel",
    "kernel_feature_map_spec",
    "make_vqc_spec",
    "rotation_matrices",
    "statevector",
]

# ------------------------------------------------------------------------------------------------
# constants (NumPy, cached; converted once per backend by ops.constant)
# ------------------------------------------------------------------------------------------------
@cache
def _entangler_perm(n: int, kind: str) -> np.ndarray | None:
    # A CNOT maps basis state k to k ^ (bit_c(k) << t); psi_new[k] = psi[g(k)] with g its own
    # inverse. Composing in application order gives one index array for the whole entangler.
    pairs = entangler_pairs(n, kind)
    if not pairs:
        return None  # "none" entangler (or one qubit): nothing to apply
    k = np.arange(2**n, dtype=np.int64)
    perm = k.copy()
    for c, t in pairs:
        perm = perm[k ^ (((k >> c) & 1) << t)]
    perm.setflags(write=False)
    return perm


@cache
def _perm(n: int, kinds: tuple) -> np.ndarray | None:
    # One index array for the entanglers `kinds` applied in order: psi[..., P1][..., P2] is
    # psi[..., P1[P2]]. None if there is nothing to permute.
    out = None
    for kind in kinds:
        p = _entangler_perm(n, kind)
        if p is not None:
            out = p if out is None else out[p]
    if out is not None:
        out.setflags(write=False)
    return out


@cache
def _inverse_perm(n: int, kinds: tuple) -> np.ndarray:
    perm = _perm(n, kinds)
    inv = np.empty_like(perm)
    inv[perm] = np.arange(perm.size)
    inv.setflags(write=False)
    return inv


@cache
def _z_signs(n: int, readout: tuple, kinds: tuple = ()) -> np.ndarray:
    # S[k, j] = <k|Z_readout[j]|k>. With pending entanglers the true state is psi[..., P], and
    # sum_k |psi[P[k]]|^2 S[k] = sum_i |psi[i]|^2 S[P^-1[i]]: fold P into the constant.
    k = np.arange(2**n)[:, None]
    signs = (1.0 - 2.0 * ((k >> np.asarray(readout)[None, :]) & 1)).astype(np.float64)
    if _perm(n, kinds) is not None:
        signs = signs[_inverse_perm(n, kinds)]
    signs.setflags(write=False)
    return signs


@cache
def _start_state(n: int, plus: bool, real: bool) -> np.ndarray:
    v = np.zeros((n, 2), dtype=np.float64 if real else np.complex128)
    v[:] = [1.0 / np.sqrt(2.0)] * 2 if plus else [1.0, 0.0]
    v.setflags(write=False)
    return v


_HADAMARD = np.array([[1.0, 1.0], [1.0, -1.0]], dtype=np.complex128) / np.sqrt(2.0)
_HADAMARD.setflags(write=False)


@cache
def is_real(spec: VQCSpec) -> bool:
    """True if every amplitude stays real (only H, RY, CNOT): then float64 is simulated."""
    axes = {op[1] for op in spec.program if op[0] == "enc"} | set(spec.rotations)
    return axes <= {"y"}


@cache
def _hadamard_all(n: int) -> np.ndarray:
    m = np.ones((1, 1), dtype=np.complex128)
    for _ in range(n):
        m = np.kron(m, _HADAMARD)
    m.setflags(write=False)
    return m  # real symmetric: its own transpose


# ------------------------------------------------------------------------------------------------
# simulation
# ------------------------------------------------------------------------------------------------
def rotation_matrices(axis: str, angles: Any, ops: Any, real: bool = False) -> Any:
    """``R_axis(angles)`` as ``(..., 2, 2)`` matrices (``R(t) = exp(-i t P / 2)``).

    float64 when ``real`` and ``axis == "y"`` (RY is a real matrix), complex128 otherwise.
    """
    half = angles * 0.5
    c, s = ops.cos(half), ops.sin(half)
    shape = tuple(c.shape) + (2, 2)
    if axis == "y":
        m = ops.stack([c, -s, s, c], -1).reshape(shape)
        return m if real else ops.complex(m)
    z = c * 0.0
    re = ops.stack([c, z, z, c], -1).reshape(shape)
    if axis == "x":
        im = ops.stack([z, -s, -s, z], -1).reshape(shape)
    elif axis == "z":
        im = ops.stack([-s, z, z, s], -1).reshape(shape)
    else:
        raise ValueError(f"unknown rotation axis {axis!r}")
    return ops.complex(re, im)


def _mm2(a: Any, b: Any, ops: Any) -> Any:
    # Batched 2x2 @ 2x2 as broadcast multiply + sum: torch's bmm is slow for thousands of 2x2s.
    return ops.sum(a[..., :, :, None] * b[..., None, :, :], -2)


def _mv2(a: Any, v: Any, ops: Any) -> Any:
    # Batched 2x2 @ 2-vector, elementwise for the same reason.
    return ops.sum(a * v[..., None, :], -1)


def _encoding_angles(spec: VQCSpec, x: Any, ops: Any) -> Any:
    # Qubits without an input get angle 0, i.e. the identity (no gate in the Qiskit circuit).
    if x.shape[-1] != spec.n_inputs:
        raise ValueError(f"VQC expects {spec.n_inputs} inputs, got shape {tuple(x.shape)}")
    pad = spec.n_qubits - spec.n_inputs
    if pad == 0:
        return x
    return ops.concat([x, ops.zeros(tuple(x.shape[:-1]) + (pad,))], -1)


@cache
def _product_index(n: int) -> np.ndarray:
    # psi[k] = prod_q v[q, bit_q(k)]: positions 2 q + bit_q(k) in v flattened to (2n,), laid out
    # (n, D) so that a product over the first axis gives the state.
    k = np.arange(2**n)
    q = np.arange(n)[:, None]
    idx = (2 * q + ((k[None, :] >> q) & 1)).reshape(-1)
    idx.setflags(write=False)
    return idx


@cache
def _kron_t_index(n: int) -> np.ndarray:
    # (U_{n-1} x ... x U_0)^T [i, j] = prod_q u_q[bit_q(j), bit_q(i)]: positions
    # 4 q + 2 bit_q(j) + bit_q(i) in u flattened to (4n,), laid out (n, D, D).
    k = np.arange(2**n)
    q = np.arange(n)[:, None, None]
    idx = (4 * q + 2 * ((k[None, None, :] >> q) & 1) + ((k[None, :, None] >> q) & 1)).reshape(-1)
    idx.setflags(write=False)
    return idx


#: Product states and Kronecker products are built by one gather and one product (few array
#: operations) while the gathered array has at most this many elements (n * D per state,
#: n * D^2 per matrix, times the batch); larger ones by n - 1 broadcast outer products, whose
#: intermediates are smaller (~2 D, ~1.3 D^2). Both give the same numbers to rounding; the choice
#: only affects speed (measured: gather wins for training at 4 qubits and for batch-1 inference,
#: outer products at 6 qubits and batch 64).
GATHER_MAX_ELEMENTS = 2**15
#: Shared rotation layers are applied as one (D, D) matrix up to this many qubits, qubit by qubit
#: beyond (a 2**n x 2**n matrix stops being cheap).
MATRIX_MAX_QUBITS = 8


def _product_state(vec: Any, ops: Any) -> Any:
    # (..., n, 2) -> (..., 2**n), qubit 0 least significant.
    n = vec.shape[-2]
    lead = tuple(vec.shape[:-2])
    if math.prod(lead) * n * 2**n <= GATHER_MAX_ELEMENTS:
        flat = ops.take(vec.reshape(lead + (2 * n,)), _product_index(n), -1)
        return ops.prod(flat.reshape(lead + (n, 2**n)), -2)
    qubits = ops.unbind(vec, -2)
    psi = qubits[-1]
    for q in range(n - 2, -1, -1):
        psi = psi[..., :, None] * qubits[q][..., None, :]
        psi = psi.reshape(tuple(psi.shape[:-2]) + (psi.shape[-2] * 2,))
    return psi


def _kron_t(u: Any, ops: Any) -> Any:
    # (..., n, 2, 2) -> (U_{n-1} x ... x U_0)^T, shape (..., D, D); the transpose lets a batch of
    # row states be updated as psi @ U^T.
    n = u.shape[-3]
    lead = tuple(u.shape[:-3])
    if math.prod(lead) * n * 4**n <= GATHER_MAX_ELEMENTS:
        flat = ops.take(u.reshape(lead + (4 * n,)), _kron_t_index(n), -1)
        return ops.prod(flat.reshape(lead + (n, 2**n, 2**n)), -3)
    qubits = ops.unbind(u.swapaxes(-1, -2), -3)
    out = qubits[-1]
    for q in range(n - 2, -1, -1):
        d = out.shape[-1] * 2
        out = out[..., :, None, :, None] * qubits[q][..., None, :, None, :]
        out = out.reshape(tuple(out.shape[:-4]) + (d, d))
    return out


def _apply_per_qubit(psi: Any, u: Any, ops: Any) -> Any:
    # Per-sample unitaries u (..., n, 2, 2) on row states psi (..., B, D), qubit by qubit on a
    # reshaped view: O(n B D) work, no (D, D) matrices. Broadcasting adds a group axis if needed.
    n = u.shape[-3]
    dim = 2**n
    for q, uq in enumerate(ops.unbind(u, -3)):
        view = psi.reshape(tuple(psi.shape[:-1]) + (dim >> (q + 1), 1, 2, 1 << q))
        psi = ops.sum(uq[..., None, :, :, None] * view, -2)  # new[a,i,b] = sum_j u[i,j] psi[a,j,b]
        psi = psi.reshape(tuple(psi.shape[:-3]) + (dim,))
    return psi


def _single_qubit_state(pending: list, vec: Any, plus: bool, real: bool, ops: Any) -> Any:
    # Per-qubit 2-vectors after the merged rotations `pending` [(axis, angles)]. `vec` None
    # means the start state |0> or |+> (`plus`).
    if vec is None and real and len(pending) == 1:
        # RY(t) (cos a, sin a) = (cos(a + t/2), sin(a + t/2)): two trig calls, no matrices.
        phi = pending[0][1] * 0.5 + (np.pi / 4 if plus else 0.0)
        return ops.stack([ops.cos(phi), ops.sin(phi)], -1)
    if vec is None:
        vec = ops.constant(_start_state(pending[0][1].shape[-1], plus, real))
    for axis, angles in pending:
        vec = _mv2(rotation_matrices(axis, angles, ops, real), vec, ops)
    return vec


def _shared_layer_t(spec: VQCSpec, weights: Any, layer: int, kinds: tuple, ops: Any) -> Any:
    # (G, D, D): transposed unitary of trainable layer `layer`, rows permuted by the pending
    # entanglers (psi[..., P] @ K^T == psi @ K^T[P^-1]). It depends on the weights only, so a
    # frozen NumPy model memoises it (ops.memo) instead of rebuilding it every step.
    def build() -> Any:
        real = is_real(spec)
        u = None
        for j, axis in enumerate(spec.rotations):
            r = rotation_matrices(axis, weights[:, 0, layer, :, j], ops, real)
            u = r if u is None else _mm2(r, u, ops)
        kt = _kron_t(u, ops)
        if _perm(spec.n_qubits, kinds) is None:
            return kt
        return ops.take(kt, _inverse_perm(spec.n_qubits, kinds), -2)

    memo = getattr(ops, "memo", None)
    return build() if memo is None else memo(("layer", spec, layer, kinds), weights, build)


def _simulate(spec: VQCSpec, x: Any, weights: Any, ops: Any) -> tuple[Any, Any]:
    """Run the program; return ``(psi, kinds)``: the true state is ``psi`` permuted by the
    still-pending entanglers ``kinds``.

    Keeping the last entangler's permutation pending lets the readout absorb it into its sign
    table (a constant) instead of gathering the state.
    """
    n = spec.n_qubits
    prog = spec.program
    real = is_real(spec)
    angles = _encoding_angles(spec, x, ops)

    # Phase 1: single-qubit instructions before the first entangler act on a product state.
    # Consecutive rotations about one axis are merged by adding their angles
    # (R_a(s) R_a(t) = R_a(s + t)): e.g. RY(x) then RY(w) is one rotation, not two.
    plus = bool(prog) and prog[0][0] == "h"
    vec = None  # None: still the start state
    pending: list[tuple[str, Any]] = []
    has_data = False

    def add(axis: str, ang: Any) -> None:
        if pending and pending[-1][0] == axis:
            pending[-1] = (axis, pending[-1][1] + ang)
        else:
            pending.append((axis, ang))

    i = 1 if plus else 0
    while i < len(prog) and prog[i][0] != "ent":
        op = prog[i]
        if op[0] == "h":
            if pending:
                vec = _single_qubit_state(pending, vec, plus, real, ops)
                pending = []
            elif vec is None:
                vec = ops.constant(_start_state(n, plus, real))
            vec = _mv2(ops.constant(_HADAMARD), vec, ops)
        elif op[0] == "enc":
            add(op[1], angles)
            has_data = True
        else:
            for j, axis in enumerate(spec.rotations):
                add(axis, weights[..., op[1], :, j])
        i += 1
    if pending:
        vec = _single_qubit_state(pending, vec, plus, real, ops)
    elif vec is None:
        vec = ops.constant(_start_state(n, plus, real))
    if not has_data:  # no data before the first entangler: give the state its batch axis
        vec = vec + angles[..., None] * 0.0
    psi = _product_state(vec, ops)

    # Phase 2: entangler permutations stay pending (`kinds`) and are folded into the next shared
    # layer's matrix, or into the readout's sign table; a shared layer is one (D, D) matmul;
    # per-sample layers (fast weights, re-uploaded data) are applied qubit by qubit.
    kinds: tuple = ()
    for op in prog[i:]:
        kind = op[0]
        if kind == "ent":
            if _entangler_perm(n, op[1]) is not None:
                kinds = kinds + (op[1],)
            continue
        if kind == "rot" and weights.shape[-4] == 1 and n <= MATRIX_MAX_QUBITS:
            psi = psi @ _shared_layer_t(spec, weights, op[1], kinds, ops)
            kinds = ()
            continue
        if kinds:
            psi = ops.take(psi, _perm(n, kinds), -1)
            kinds = ()
        if kind == "h":
            psi = psi @ ops.constant(_hadamard_all(n))
        elif kind == "enc" and op[1] == "z":
            # Diagonal: multiply by the product state of the phases (e^{-ia/2}, e^{ia/2}).
            half = angles * 0.5
            c, s = ops.cos(half), ops.sin(half)
            phases = ops.complex(ops.stack([c, c], -1), ops.stack([-s, s], -1))
            psi = psi * _product_state(phases, ops)
        elif kind == "enc":
            psi = _apply_per_qubit(psi, rotation_matrices(op[1], angles, ops, real), ops)
        elif kind == "rot":
            u = None
            for j, axis in enumerate(spec.rotations):
                r = rotation_matrices(axis, weights[..., op[1], :, j], ops, real)
                u = r if u is None else _mm2(r, u, ops)
            psi = _apply_per_qubit(psi, u, ops)
        else:
            raise ValueError(f"unknown VQC instruction {op!r}")
    return psi, kinds


def statevector(spec: VQCSpec, x: Any, weights: Any, ops: Any) -> Any:
    """Final statevectors ``(G, B, 2**n)`` (``(B, 2**n)`` if there are no weights).

    float64 when :func:`is_real` (RY/H/CNOT only), complex128 otherwise.

    Args:
        spec: the circuit.
        x: ``(B, n_inputs)`` encoding angles.
        weights: ``(G, Bw, L, n, k)`` trainable angles (``Bw`` 1 or ``B``), or ``None`` for a
            weight-free program.
        ops: array backend.
    """
    psi, kinds = _simulate(spec, x, weights, ops)
    return ops.take(psi, _perm(spec.n_qubits, kinds), -1) if kinds else psi


def expectations(spec: VQCSpec, x: Any, weights: Any, ops: Any) -> Any:
    """``<Z_q>`` for ``q`` in ``spec.readout``: real ``(G, B, len(readout))``.

    Example:
        >>> import numpy as np
        >>> from qlstm_optimizer.models.ops import NUMPY_OPS as ops
        >>> spec = make_vqc_spec(1, depth=1, hadamard=False)
        >>> w = np.zeros((1, 1, 1, 1, 1))
        >>> round(float(expectations(spec, np.array([[np.pi / 3]]), w, ops)[0, 0, 0]), 12)
        0.5
    """
    psi, kinds = _simulate(spec, x, weights, ops)
    probs = psi * psi if is_real(spec) else ops.abs2(psi)
    return probs @ ops.constant(_z_signs(spec.n_qubits, tuple(spec.readout), kinds))


def fidelity_kernel(spec: VQCSpec, z: Any, refs: Any, ops: Any) -> Any:
    """Quantum fidelity kernel ``k(z, c_m) = |<phi(c_m)|phi(z)>|^2``: real ``(B, M)``.

    Equal to the probability of ``|0...0>`` after ``U(z)`` then ``U(c_m)^dagger`` (the
    compute-uncompute circuit of :func:`kernel_circuit`, which is what a QPU would run).

    Args:
        spec: a weight-free feature map (:func:`kernel_feature_map_spec`).
        z: ``(B, n)`` data angles; refs: ``(M, n)`` reference (landmark) angles.
    """
    # One simulation for data and landmarks together (half the array operations). Both carry the
    # same pending entangler permutation, which the overlap does not see.
    batch = z.shape[0]
    phi, _ = _simulate(spec, ops.concat([z, refs], 0), None, ops)
    phi_z, phi_c = phi[:batch], phi[batch:]
    return ops.abs2(phi_z @ ops.conj(phi_c).T)


_MOVED_TO_VQC_QISKIT = ("to_qiskit", "kernel_circuit", "z_observables", "zero_projector")


def __getattr__(name: str) -> Any:
    # The Qiskit export moved to .vqc_qiskit; the old import path keeps working (lazily, so
    # importing the simulator still does not import qiskit).
    if name in _MOVED_TO_VQC_QISKIT:
        from . import vqc_qiskit

        return getattr(vqc_qiskit, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
