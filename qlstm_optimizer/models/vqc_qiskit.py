"""Qiskit export of the VQCs: the same ``VQCSpec.program`` the NumPy/torch simulator runs,
emitted as a ``QuantumCircuit`` (plus the observables a Qiskit estimator needs).

Example:
    >>> from qlstm_optimizer.models.vqc import make_vqc_spec
    >>> to_qiskit(make_vqc_spec(2, depth=1)).num_qubits
    2
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np

from .vqc_spec import VQCSpec, entangler_pairs, kernel_feature_map_spec, make_vqc_spec  # noqa: F401


def to_qiskit(
    spec: VQCSpec,
    x: Any = None,
    weights: Any = None,
    *,
    input_name: str = "x",
    weight_name: str = "w",
    name: str | None = None,
):
    """The VQC as a Qiskit ``QuantumCircuit`` (no measurements).

    Args:
        spec: the circuit.
        x: ``(n_inputs,)`` values to bind, or ``None`` for a ``ParameterVector`` named
            ``input_name``.
        weights: ``spec.weight_shape`` values to bind, or ``None`` for a ``ParameterVector``
            named ``weight_name`` over the C-ordered flattened weights.
        name: circuit name.

    Example:
        >>> qc = to_qiskit(make_vqc_spec(2, depth=1))
        >>> [p.name for p in qc.parameters]
        ['w[0]', 'w[1]', 'x[0]', 'x[1]']
    """
    from qiskit import QuantumCircuit
    from qiskit.circuit import ParameterVector

    n, k = spec.n_qubits, len(spec.rotations)
    if x is None:
        xs = list(ParameterVector(input_name, spec.n_inputs))
    else:
        xs = [float(v) for v in np.asarray(x, dtype=np.float64).reshape(spec.n_inputs)]
    if weights is None:
        ws = list(ParameterVector(weight_name, spec.num_weights)) if spec.num_weights else []
    else:
        ws = [float(v) for v in np.asarray(weights, dtype=np.float64).reshape(spec.num_weights)]
    qc = QuantumCircuit(n, name=name)
    for op in spec.program:
        if op[0] == "h":
            qc.h(range(n))
        elif op[0] == "enc":
            for q in range(spec.n_inputs):
                getattr(qc, "r" + op[1])(xs[q], q)
        elif op[0] == "rot":
            for q in range(n):
                for j, axis in enumerate(spec.rotations):
                    getattr(qc, "r" + axis)(ws[(op[1] * n + q) * k + j], q)
        elif op[0] == "ent":
            for c, t in entangler_pairs(n, op[1]):
                qc.cx(c, t)
        else:
            raise ValueError(f"unknown VQC instruction {op!r}")
    return qc


def kernel_circuit(spec: VQCSpec, z: Any = None, ref: Any = None):
    """Compute-uncompute circuit ``U(c)^dagger U(z)``; ``<|0..0><0..0|>`` is the kernel value.

    ``z`` / ``ref`` are bound values or ``None`` for ParameterVectors ``z`` / ``c``.

    Example:
        >>> kernel_circuit(kernel_feature_map_spec(2)).num_parameters
        4
    """
    qc = to_qiskit(spec, z, input_name="z")
    qc.compose(to_qiskit(spec, ref, input_name="c").inverse(), inplace=True)
    return qc


def z_observables(spec: VQCSpec) -> list:
    """``[Z_q for q in spec.readout]`` as ``SparsePauliOp`` (Qiskit qubit order)."""
    from qiskit.quantum_info import SparsePauliOp

    n = spec.n_qubits
    return [SparsePauliOp.from_sparse_list([("Z", [q], 1.0)], num_qubits=n) for q in spec.readout]


def zero_projector(n: int):
    """``|0..0><0..0| = prod_q (I + Z_q) / 2`` as a ``SparsePauliOp`` (2**n Z-strings)."""
    from qiskit.quantum_info import SparsePauliOp

    terms = [
        ("Z" * r, list(qs), 1.0 / 2**n) for r in range(n + 1) for qs in combinations(range(n), r)
    ]
    return SparsePauliOp.from_sparse_list(terms, num_qubits=n)
