"""VQC simulator (models/vqc.py) against Qiskit's Statevector, and its torch twin."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from qiskit.quantum_info import Statevector

from qlstm_optimizer.models.ops import NUMPY_OPS
from qlstm_optimizer.models.vqc import (
    ENTANGLERS,
    entangler_pairs,
    expectations,
    fidelity_kernel,
    kernel_feature_map_spec,
    make_vqc_spec,
    statevector,
)
from qlstm_optimizer.models.vqc_qiskit import (
    kernel_circuit,
    to_qiskit,
    z_observables,
    zero_projector,
)

TOL = 1e-9


def _qiskit_check(spec, x, w, rows):
    """Max |difference| of statevectors and <Z> against Qiskit for the given (g, b) rows."""
    psi = statevector(spec, x, w, NUMPY_OPS)
    ev = expectations(spec, x, w, NUMPY_OPS)
    obs = z_observables(spec)
    err = 0.0
    for g, b in rows:
        wb = w[g, b if w.shape[1] > 1 else 0]
        sv = Statevector(to_qiskit(spec, x[b], wb))
        err = max(err, np.abs(sv.data - psi[g, b]).max())
        ref = np.array([sv.expectation_value(o).real for o in obs])
        err = max(err, np.abs(ref - ev[g, b]).max())
    return err


@pytest.mark.parametrize(
    "entangler,encoding,reupload",
    list(itertools.product(["ring", "chain", "brick"], ["rx", "ry"], [False, True])),
)
def test_matches_qiskit_statevector(entangler, encoding, reupload):
    rng = np.random.default_rng([len(entangler), ord(encoding[1]), int(reupload)])
    spec = make_vqc_spec(4, n_inputs=3, depth=3, encoding=encoding, rotations="y",
                         entangler=entangler, reupload=reupload, readout=(0, 2, 3))  # fmt: skip
    x = rng.uniform(-np.pi, np.pi, (5, 3))
    w = rng.uniform(-np.pi, np.pi, (2, 1) + spec.weight_shape)
    assert _qiskit_check(spec, x, w, [(g, b) for g in range(2) for b in range(5)]) < TOL


@pytest.mark.parametrize("rotations", ["xyz", "zy", "x"])
@pytest.mark.parametrize("hadamard", [False, True])
def test_matches_qiskit_general_rotations(rotations, hadamard):
    rng = np.random.default_rng(7)
    spec = make_vqc_spec(3, depth=2, encoding="rx", rotations=rotations, entangler="ring",
                         hadamard=hadamard)  # fmt: skip
    x = rng.normal(size=(4, 3))
    w = rng.normal(size=(2, 1) + spec.weight_shape)
    assert _qiskit_check(spec, x, w, [(g, b) for g in range(2) for b in range(4)]) < TOL


@pytest.mark.parametrize("n", [1, 2, 5, 6])
def test_matches_qiskit_sizes_and_per_sample_weights(n):
    # Per-sample weights (Bw = B, as QFWP fast weights) and >4 qubits take other code paths.
    rng = np.random.default_rng(n)
    spec = make_vqc_spec(n, depth=2, encoding="ry", rotations="zy", entangler="ring",
                         reupload=True)  # fmt: skip
    x = rng.normal(size=(3, n))
    for bw in (1, 3):
        w = rng.normal(size=(2, bw) + spec.weight_shape)
        assert _qiskit_check(spec, x, w, [(g, b) for g in range(2) for b in range(3)]) < TOL


@pytest.mark.parametrize("bw", [1, 3])
def test_matches_qiskit_entangle_then_rotate(bw):
    rng = np.random.default_rng(bw)
    spec = make_vqc_spec(4, depth=2, entangler="brick", layer_order="ent_rot")
    assert spec.program[2:4] == (("ent", "brick"), ("rot", 0))
    x = rng.normal(size=(3, 4))
    w = rng.normal(size=(1, bw) + spec.weight_shape)
    assert _qiskit_check(spec, x, w, [(0, b) for b in range(3)]) < TOL


def test_large_batch_and_batch_one_agree():
    # The shared-layer matrix path is used for every batch size; batch rows are independent.
    rng = np.random.default_rng(3)
    spec = make_vqc_spec(4, depth=2)
    x = rng.normal(size=(70, 4))
    w = rng.normal(size=(3, 1) + spec.weight_shape)
    full = expectations(spec, x, w, NUMPY_OPS)
    one = np.stack([expectations(spec, x[i : i + 1], w, NUMPY_OPS)[:, 0] for i in range(70)], 1)
    assert np.abs(full - one).max() < 1e-13


def test_kernel_matches_compute_uncompute_circuit():
    rng = np.random.default_rng(11)
    spec = kernel_feature_map_spec(4)
    z, refs = rng.normal(size=(3, 4)), rng.normal(size=(5, 4))
    k = fidelity_kernel(spec, z, refs, NUMPY_OPS)
    proj = zero_projector(4)
    ref = np.array(
        [[Statevector(kernel_circuit(spec, zb, c)).expectation_value(proj).real for c in refs]
         for zb in z]
    )  # fmt: skip
    assert k.shape == (3, 5)
    assert np.abs(k - ref).max() < TOL
    assert np.allclose(fidelity_kernel(spec, z, z, NUMPY_OPS).diagonal(), 1.0)


def test_zero_input_plus_state_gives_zero_expectations():
    spec = make_vqc_spec(4, depth=2)
    ev = expectations(spec, np.zeros((2, 4)), np.zeros((1, 1) + spec.weight_shape), NUMPY_OPS)
    assert np.abs(ev).max() < 1e-15


def test_qiskit_export_parameters():
    spec = make_vqc_spec(3, n_inputs=2, depth=2, rotations="zy")
    qc = to_qiskit(spec)
    names = {p.name for p in qc.parameters}
    assert names == {f"x[{i}]" for i in range(2)} | {f"w[{i}]" for i in range(spec.num_weights)}
    bound = to_qiskit(spec, np.ones(2), np.ones(spec.weight_shape))
    assert bound.num_parameters == 0
    assert qc.count_ops()["cx"] == 2 * 3  # ring of 3, two layers


def test_entanglers():
    assert entangler_pairs(4, "ring") == [(0, 1), (1, 2), (2, 3), (3, 0)]
    assert entangler_pairs(2, "ring") == [(0, 1)]
    assert entangler_pairs(4, "chain") == [(0, 1), (1, 2), (2, 3)]
    assert entangler_pairs(5, "brick") == [(0, 1), (2, 3), (1, 2), (3, 4)]
    assert entangler_pairs(4, "none") == []
    assert set(ENTANGLERS) == {"ring", "chain", "brick", "none"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_qubits": 0},
        {"n_qubits": 3, "n_inputs": 4},
        {"n_qubits": 3, "encoding": "rq"},
        {"n_qubits": 3, "rotations": "yw"},
        {"n_qubits": 3, "entangler": "star"},
        {"n_qubits": 3, "depth": 0},
        {"n_qubits": 3, "readout": (3,)},
        {"n_qubits": 3, "layer_order": "sideways"},
    ],
)
def test_bad_specs_are_refused(kwargs):
    n = kwargs.pop("n_qubits")
    with pytest.raises(ValueError):
        make_vqc_spec(n, **kwargs)


def test_wrong_input_width_is_refused():
    spec = make_vqc_spec(3)
    with pytest.raises(ValueError, match="expects 3 inputs"):
        expectations(spec, np.zeros((2, 2)), np.zeros((1, 1) + spec.weight_shape), NUMPY_OPS)


# -- torch twin ----------------------------------------------------------------------------------
torch = pytest.importorskip("torch")


def test_torch_simulator_matches_numpy_and_gradcheck():
    from qlstm_optimizer.models.torch_ops import TORCH_OPS

    rng = np.random.default_rng(5)
    for rotations, encoding, bw in [("y", "ry", 1), ("zy", "rx", 1), ("y", "ry", 3)]:
        spec = make_vqc_spec(3, depth=2, encoding=encoding, rotations=rotations,
                             entangler="chain", reupload=True)  # fmt: skip
        x = rng.normal(size=(3, 3))
        w = rng.normal(size=(2, bw) + spec.weight_shape)
        ev_np = expectations(spec, x, w, NUMPY_OPS)
        xt = torch.tensor(x, requires_grad=True)
        wt = torch.tensor(w, requires_grad=True)
        ev_t = expectations(spec, xt, wt, TORCH_OPS)
        assert np.abs(ev_t.detach().numpy() - ev_np).max() < 1e-12

        def fn(a, b, spec=spec):
            return expectations(spec, a, b, TORCH_OPS)

        assert torch.autograd.gradcheck(fn, (xt, wt), eps=1e-6, atol=1e-6)
    ks = kernel_feature_map_spec(3)
    z = torch.tensor(rng.normal(size=(2, 3)), requires_grad=True)
    c = torch.tensor(rng.normal(size=(2, 3)), requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda a, b: fidelity_kernel(ks, a, b, TORCH_OPS), (z, c), eps=1e-6, atol=1e-6
    )
