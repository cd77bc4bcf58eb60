"""VQCs on Qiskit estimators (models/estimator.py): exact equals the simulator; shots are noisy."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.primitives import StatevectorEstimator

from qlstm_optimizer.models import init_numpy_model
from qlstm_optimizer.models.estimator import EstimatorOps
from qlstm_optimizer.models.ops import NUMPY_OPS
from qlstm_optimizer.models.vqc import (
    expectations,
    fidelity_kernel,
    kernel_feature_map_spec,
    make_vqc_spec,
)


@pytest.mark.parametrize("arch,p", [("qlstm", 1), ("qlstm", 2), ("qklstm", 1), ("qfwp", 1)])
def test_statevector_estimator_equals_simulator_over_an_unroll(arch, p):
    model = init_numpy_model(arch, p, seed=2)
    qmodel = model.with_estimator(StatevectorEstimator())
    rng = np.random.default_rng(0)
    s0, s1 = model.initial_state(3), qmodel.initial_state(3)
    for _ in range(3):
        f, x = rng.normal(size=(3, 4)), rng.normal(size=(3, 2 * p))
        y0, s0 = model.step(f, x, s0)
        y1, s1 = qmodel.step(f, x, s1)
        assert np.abs(y0 - y1).max() < 1e-9
    # One estimator call per VQC group and step: QLSTM has two groups (gates; VQC5/6).
    assert qmodel.ops.num_calls == 3 * (2 if arch == "qlstm" else 1)


def test_only_some_vqcs_on_the_estimator():
    model = init_numpy_model("qlstm", 1, seed=0)
    gates = ["vqc1_forget", "vqc2_input", "vqc3_candidate", "vqc4_output"]
    qmodel = model.with_estimator(StatevectorEstimator(), only=gates)
    f, x = np.full((2, 4), 0.1), np.full((2, 2), 0.2)
    y0, _ = model.step(f, x, model.initial_state(2))
    y1, _ = qmodel.step(f, x, qmodel.initial_state(2))
    assert np.abs(y0 - y1).max() < 1e-9 and qmodel.ops.num_calls == 1
    with pytest.raises(ValueError, match="select all"):
        model.with_estimator(StatevectorEstimator(), only=["vqc1_forget"])
    with pytest.raises(ValueError, match="unknown VQC"):
        model.with_estimator(StatevectorEstimator(), only=["vqc9"])


def test_estimator_ops_general_circuits():
    rng = np.random.default_rng(1)
    ops = EstimatorOps(StatevectorEstimator())
    spec = make_vqc_spec(3, n_inputs=2, depth=2, encoding="rx", rotations="zy",
                         entangler="chain", reupload=True, readout=(0, 2))  # fmt: skip
    x = rng.normal(size=(4, 2))
    for bw in (1, 4):
        w = rng.normal(size=(2, bw) + spec.weight_shape)
        exact = expectations(spec, x, w, NUMPY_OPS)
        assert np.abs(ops.vqc(spec, x, w) - exact).max() < 1e-9
    ks = kernel_feature_map_spec(3)
    z, refs = rng.normal(size=(4, 3)), rng.normal(size=(2, 3))
    assert np.abs(ops.kernel(ks, z, refs) - fidelity_kernel(ks, z, refs, NUMPY_OPS)).max() < 1e-9


def test_transpiled_for_a_device_with_layout():
    from qiskit.providers.fake_provider import GenericBackendV2
    from qiskit.transpiler import generate_preset_pass_manager

    backend = GenericBackendV2(num_qubits=5, seed=1)
    pm = generate_preset_pass_manager(optimization_level=1, backend=backend, seed_transpiler=1)
    model = init_numpy_model("qlstm", 1, seed=0)
    qmodel = model.with_estimator(StatevectorEstimator(), pass_manager=pm)
    f, x = np.full((2, 4), 0.4), np.full((2, 2), -0.2)
    y0, _ = model.step(f, x, model.initial_state(2))
    y1, _ = qmodel.step(f, x, qmodel.initial_state(2))
    assert np.abs(y0 - y1).max() < 1e-9


aer = pytest.importorskip("qiskit_aer")


def test_aer_estimator_with_precision_is_noisy_but_close():
    from qiskit_aer.primitives import EstimatorV2

    rng = np.random.default_rng(2)
    spec = make_vqc_spec(4, depth=2)
    x = rng.normal(size=(16, 4))
    w = rng.normal(size=(3, 1) + spec.weight_shape)
    exact = expectations(spec, x, w, NUMPY_OPS)
    noisy = EstimatorOps(EstimatorV2(), precision=0.02).vqc(spec, x, w)
    dev = noisy - exact
    assert 0.01 < dev.std() < 0.04  # Aer adds N(0, precision) to each value
    assert np.abs(dev).max() < 0.12
    exact_aer = EstimatorOps(EstimatorV2()).vqc(spec, x, w)  # default precision 0: exact
    assert np.abs(exact_aer - exact).max() < 1e-9


def test_sampled_shots_on_aer_simulator_move_a_qlstm_proposal_a_little():
    from qiskit.primitives import BackendEstimatorV2
    from qiskit_aer import AerSimulator

    model = init_numpy_model("qlstm", 1, seed=0)
    est = BackendEstimatorV2(backend=AerSimulator(seed_simulator=7))
    qmodel = model.with_estimator(est, precision=1 / np.sqrt(1024))
    f, x = np.full((8, 4), 0.5), np.full((8, 2), 0.3)
    s0, s1 = model.initial_state(1), qmodel.initial_state(8)
    for _ in range(2):
        y0, s0 = model.step(f[:1], x[:1], s0)
        y1, s1 = qmodel.step(f, x, s1)
    dev = y1 - y0
    assert np.abs(dev).max() > 0  # really sampled
    assert np.abs(dev).max() < 0.05  # |y| <= 0.1 here; 1024 shots move it by ~1e-3
