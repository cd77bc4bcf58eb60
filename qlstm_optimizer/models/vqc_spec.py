"""What a VQC is: :class:`VQCSpec` (qubits, encoding, trainable layers, entanglers as one
instruction program) and its constructors. The simulator (:mod:`.vqc`) and the Qiskit export
(:mod:`.vqc_qiskit`) both run ``spec.program``, so they cannot drift apart.

Example:
    >>> make_vqc_spec(3, depth=2, entangler="ring").n_qubits
    3
"""

from __future__ import annotations

from dataclasses import dataclass

ENTANGLERS = ("ring", "chain", "brick", "none")
_AXES = ("x", "y", "z")


@dataclass(frozen=True)
class VQCSpec:
    """Static description of a VQC (hashable, JSON-friendly through :meth:`as_dict`).

    Attributes:
        n_qubits: number of qubits ``n`` (statevector dimension ``2**n``).
        n_inputs: number of encoded inputs; input ``q`` goes to qubit ``q``.
        n_layers: number of trainable rotation layers ``L``.
        rotations: axes of each trainable layer, e.g. ``"y"`` or ``"zy"``.
        program: the instruction tuple (see the module docstring).
        readout: qubits whose ``<Z>`` is returned.
    """

    n_qubits: int
    n_inputs: int
    n_layers: int
    rotations: str
    program: tuple
    readout: tuple

    def __hash__(self) -> int:
        # Specs are dictionary keys on every simulation call; hash the field tuple only once.
        h = self.__dict__.get("_hash")
        if h is None:
            h = hash((self.n_qubits, self.n_inputs, self.n_layers, self.rotations, self.program,
                      self.readout))  # fmt: skip
            object.__setattr__(self, "_hash", h)
        return h

    @property
    def weight_shape(self) -> tuple[int, int, int]:
        """Shape ``(L, n_qubits, len(rotations))`` of one circuit's trainable angles."""
        return (self.n_layers, self.n_qubits, len(self.rotations))

    @property
    def num_weights(self) -> int:
        return self.n_layers * self.n_qubits * len(self.rotations)

    def as_dict(self) -> dict:
        return {
            "n_qubits": self.n_qubits,
            "n_inputs": self.n_inputs,
            "n_layers": self.n_layers,
            "rotations": self.rotations,
            "program": [list(op) for op in self.program],
            "readout": list(self.readout),
        }


def make_vqc_spec(
    n_qubits: int,
    *,
    n_inputs: int | None = None,
    depth: int = 1,
    encoding: str = "ry",
    rotations: str = "y",
    entangler: str = "ring",
    reupload: bool = False,
    hadamard: bool = True,
    readout: tuple[int, ...] | None = None,
    layer_order: str = "rot_ent",
) -> VQCSpec:
    """The standard ansatz ``[H] enc ([enc] rot_l ent)_{l<depth}`` with ``<Z>`` readout.

    Args:
        n_qubits: qubits (1..12 is the intended range).
        n_inputs: inputs encoded on qubits ``0..n_inputs-1`` (default: all qubits).
        depth: number of trainable layers.
        encoding: ``"rx"``, ``"ry"`` or ``"rz"`` angle encoding.
        rotations: axes per trainable layer (``"y"``, ``"xy"``, ``"zyz"``...).
        entangler: one of :data:`ENTANGLERS`.
        reupload: re-encode the inputs before every trainable layer after the first.
        hadamard: start from ``|+>^n`` rather than ``|0>^n``. With ``H`` + ``RY`` encoding every
            ``<Z>`` is 0 at zero input and zero weights (CNOTs leave ``|+>^n`` unchanged), which
            gives near-zero, antisymmetric initial outputs.
        readout: qubits measured (default: all).
        layer_order: ``"rot_ent"`` (rotations, then CNOTs: PennyLane's BasicEntanglerLayers;
            every angle is followed by CNOTs, so none is "dead" for a partial readout) or
            ``"ent_rot"`` (CNOTs, then rotations: the QFWP circuit of arXiv 2512.05058).

    Example:
        >>> make_vqc_spec(2, depth=1).program
        (('h',), ('enc', 'y'), ('rot', 0), ('ent', 'ring'))
    """
    if not 1 <= n_qubits <= 16:
        raise ValueError(f"n_qubits must be in 1..16, got {n_qubits}")
    n_inputs = n_qubits if n_inputs is None else int(n_inputs)
    if not 0 <= n_inputs <= n_qubits:
        raise ValueError(f"n_inputs={n_inputs} must be in 0..n_qubits={n_qubits}")
    if encoding not in ("rx", "ry", "rz"):
        raise ValueError(f"encoding must be 'rx', 'ry' or 'rz', got {encoding!r}")
    if not rotations or any(a not in _AXES for a in rotations):
        raise ValueError(f"rotations must be a non-empty string over 'xyz', got {rotations!r}")
    if entangler not in ENTANGLERS:
        raise ValueError(f"entangler must be one of {ENTANGLERS}, got {entangler!r}")
    if depth < 1:
        raise ValueError(f"depth must be >= 1, got {depth}")
    if layer_order not in ("rot_ent", "ent_rot"):
        raise ValueError(f"layer_order must be 'rot_ent' or 'ent_rot', got {layer_order!r}")
    readout = tuple(range(n_qubits)) if readout is None else tuple(int(q) for q in readout)
    if any(not 0 <= q < n_qubits for q in readout):
        raise ValueError(f"readout qubits {readout} out of range for {n_qubits} qubits")
    axis = encoding[1]
    prog: list[tuple] = [("h",)] if hadamard else []
    prog.append(("enc", axis))
    for layer in range(depth):
        if reupload and layer > 0:
            prog.append(("enc", axis))
        pair = [("rot", layer), ("ent", entangler)]
        prog.extend(pair if layer_order == "rot_ent" else pair[::-1])
    return VQCSpec(n_qubits, n_inputs, depth, rotations, tuple(prog), readout)


def kernel_feature_map_spec(n_qubits: int) -> VQCSpec:
    """The QK-LSTM feature map of arXiv 2512.05058's code: H, RZ(a), RY(a), CNOT chain, RZ(a).

    No trainable weights; the kernel is ``|<phi(c)|phi(z)>|^2`` (see :func:`fidelity_kernel`).

    Example:
        >>> kernel_feature_map_spec(3).program[1:3]
        (('enc', 'z'), ('enc', 'y'))
    """
    prog = (("h",), ("enc", "z"), ("enc", "y"), ("ent", "chain"), ("enc", "z"))
    return VQCSpec(n_qubits, n_qubits, 0, "", prog, tuple(range(n_qubits)))


def entangler_pairs(n: int, kind: str) -> list[tuple[int, int]]:
    """(control, target) pairs of an entangler, in application order."""
    if kind == "none" or n < 2:
        return []
    if kind == "ring":
        return [(0, 1)] if n == 2 else [(q, (q + 1) % n) for q in range(n)]
    if kind == "chain":
        return [(q, q + 1) for q in range(n - 1)]
    if kind == "brick":
        return [(q, q + 1) for q in range(0, n - 1, 2)] + [(q, q + 1) for q in range(1, n - 1, 2)]
    raise ValueError(f"unknown entangler {kind!r}; expected one of {ENTANGLERS}")
