"""Zero-evaluation starts: sign conventions checked numerically against optimal energies."""

from __future__ import annotations

import numpy as np
import pytest

from qlstm_optimizer.angles import (
    REFERENCE_SCALES,
    coupling_scale,
    fixed_angle_depths,
    fixed_angles,
    fourier_fit,
    fourier_schedule,
    interp_angles,
    scaled_fixed_angles,
    tqa_angles,
)
from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
from qlstm_optimizer.problems import erdos_renyi, regular, sk
from qlstm_optimizer.sim import qaoa_energy

SEED = 4_343_001  # far from the train/val/test seed ranges


def flip_gammas(x):
    p = len(x) // 2
    return np.concatenate([x[:p], -x[p:]])


def test_shapes_order_and_values():
    # [betas, gammas]; REFERENCE: Max-Cut gamma -> -gamma, SK beta -> -beta.
    np.testing.assert_allclose(fixed_angles("maxcut", 1), [0.3927, -0.6155])
    np.testing.assert_allclose(fixed_angles("SK", 1), [-np.pi / 8, 0.5])
    for family, sign in (("maxcut", 1), ("sk", -1)):
        assert fixed_angle_depths(family)[:3] == (1, 2, 3)
        for p in fixed_angle_depths(family):
            x = fixed_angles(family, p)
            assert x.shape == (2 * p,) and np.all(sign * x[:p] > 0) and np.all(sign * x[p:] < 0)
    np.testing.assert_allclose(tqa_angles(3, dt=0.9), [-0.75, -0.45, -0.15, 0.15, 0.45, 0.75])
    with pytest.raises(ValueError, match="unknown problem family"):
        fixed_angles("tsp", 1)
    with pytest.raises(ValueError, match="available"):
        fixed_angles("maxcut", 40)
    with pytest.raises(ValueError):
        tqa_angles(0)


@pytest.mark.parametrize("n, seed", [(10, SEED), (12, SEED + 1), (12, SEED + 2)])
def test_maxcut_table_sign_convention_on_3_regular_graphs(n, seed):
    g = regular(n, 3, seed=seed)
    for p in (1, 2):
        x = fixed_angles("maxcut", p)
        rho = g.rho(qaoa_energy(g, x), p)
        assert rho > 0.9
        assert qaoa_energy(g, -x) == pytest.approx(qaoa_energy(g, x), abs=1e-12)  # time reversal
        # The table's own convention (gamma not flipped) is far off: energy above |+>.
        assert g.rho(qaoa_energy(g, flip_gammas(x)), p) < 0
    assert g.rho(qaoa_energy(g, fixed_angles("maxcut", 3)), 3) > 0.9


def test_maxcut_table_improves_with_depth_on_a_3_regular_graph():
    g = regular(14, 3, seed=SEED + 3)
    energies = [qaoa_energy(g, fixed_angles("maxcut", p)) for p in fixed_angle_depths("maxcut")]
    assert np.all(np.diff(energies) < 0)


def test_sk_table_sign_convention_and_depth():
    rhos = []
    for s in range(3):
        model = sk(10, seed=SEED + 10 + s)
        x = fixed_angles("sk", 1)
        rhos.append(model.rho(qaoa_energy(model, x), 1))
        assert model.rho(qaoa_energy(model, flip_gammas(x)), 1) < 0  # wrong sign
        assert model.rho(qaoa_energy(model, fixed_angles("sk", 2)), 2) > 0.9
    assert np.median(rhos) > 0.98
    model = sk(12, seed=SEED + 20)
    energies = [qaoa_energy(model, fixed_angles("sk", p)) for p in fixed_angle_depths("sk")]
    assert np.all(np.diff(energies) < 0)


def test_table_angles_match_qiskit_qaoa_ansatz():
    from qiskit.circuit.library import qaoa_ansatz
    from qiskit.quantum_info import Statevector

    g = regular(6, 3, seed=SEED + 4)
    op = g.to_sparse_pauli_op()
    x = fixed_angles("maxcut", 2)
    circuit = qaoa_ansatz(op, reps=2)
    names = [prm.name for prm in circuit.parameters]
    assert names == ["β[0]", "β[1]", "γ[0]", "γ[1]"]
    state = Statevector(circuit.assign_parameters(x))
    assert state.expectation_value(op).real == pytest.approx(qaoa_energy(g, x), abs=1e-10)


@pytest.mark.parametrize("family", ["maxcut", "sk"])
def test_tqa_gives_negative_energies(family):
    for s in range(3):
        h = regular(10, 3, seed=SEED + 30 + s) if family == "maxcut" else sk(10, seed=SEED + 30 + s)
        for p in (1, 2, 3):
            assert qaoa_energy(h, tqa_angles(p)) < -0.1 * abs(h.ground_energy())
            # Reversing the anneal direction (both signs flipped) is the same state up to
            # conjugation; flipping one sign is not.
            assert qaoa_energy(h, -tqa_angles(p)) == pytest.approx(qaoa_energy(h, tqa_angles(p)))
            assert qaoa_energy(h, flip_gammas(tqa_angles(p))) > 0


def test_coupling_scale_reference_values():
    assert coupling_scale(regular(12, 3, seed=SEED)) == pytest.approx(REFERENCE_SCALES["maxcut"])
    assert coupling_scale(sk(9, seed=SEED)) == pytest.approx(np.sqrt(8 / 9))
    assert coupling_scale(DiagonalHamiltonian(2, {})) == 0.0


def test_scaled_fixed_angles_rules():
    g = regular(10, 3, seed=SEED + 40)
    np.testing.assert_allclose(scaled_fixed_angles(g, 2), fixed_angles("maxcut", 2))
    double = DiagonalHamiltonian(10, {k: 2 * c for k, c in g.terms.items()})  # weights x2
    x = scaled_fixed_angles(double, 2)  # plain Hamiltonian: Max-Cut table by default
    np.testing.assert_allclose(x[:2], fixed_angles("maxcut", 2)[:2])
    np.testing.assert_allclose(x[2:], fixed_angles("maxcut", 2)[2:] / 2)
    assert qaoa_energy(double, x) == pytest.approx(2 * qaoa_energy(g, fixed_angles("maxcut", 2)))
    model = sk(8, seed=SEED)
    np.testing.assert_allclose(scaled_fixed_angles(model, 1)[1], 0.5 / np.sqrt(7 / 8))


def test_scaled_fixed_angles_beat_the_raw_table_on_dense_er_graphs():
    wins, total = 0, 0
    for s in range(9):
        g = erdos_renyi(10 + s % 3, 0.5, seed=SEED + 50 + s)
        raw = qaoa_energy(g, fixed_angles("maxcut", 1))
        scaled = qaoa_energy(g, scaled_fixed_angles(g, 1))
        wins += scaled < raw
        total += 1
        assert g.rho(scaled, 1) > 0.6
    assert wins >= 0.8 * total


def test_interp_angles():
    np.testing.assert_allclose(interp_angles([-0.4, 0.6]), [-0.4, -0.4, 0.6, 0.6])
    x = np.array([-0.6, -0.2, 0.2, 0.6])
    np.testing.assert_allclose(interp_angles(x), [-0.6, -0.4, -0.2, 0.2, 0.4, 0.6])
    with pytest.raises(ValueError):
        interp_angles([0.1, 0.2, 0.3])
    # INTERP of the depth-2 optimum is a better depth-3 start than the depth-2 optimum itself.
    g = erdos_renyi(9, 0.5, seed=SEED + 60)
    start = qaoa_energy(g, interp_angles(g.optimal_qaoa_energy(2).x))
    assert g.rho(start, 3) > max(0.9, g.rho(g.optimal_qaoa_energy(2).energy, 3))


def test_fourier_schedule_formula_and_round_trip():
    # Zhou et al.: gamma_i = sum_k u_k sin((k-1/2)(i-1/2)pi/p), beta_i likewise with cos.
    u, v, p = np.array([0.5, -0.1]), np.array([0.3, 0.05]), 5
    x = fourier_schedule(u, v, p)
    i = np.arange(1, p + 1) - 0.5
    np.testing.assert_allclose(x[p:], 0.5 * np.sin(0.5 * i * np.pi / p)
                               - 0.1 * np.sin(1.5 * i * np.pi / p))
    np.testing.assert_allclose(x[:p], 0.3 * np.cos(0.5 * i * np.pi / p)
                               + 0.05 * np.cos(1.5 * i * np.pi / p))
    for q in (2, 3, 5):  # q <= p: the fit recovers the coefficients (orthogonal bases)
        uq, vq = fourier_fit(fourier_schedule(u, v, p), q)
        np.testing.assert_allclose(uq[:2], u, atol=1e-12)
        np.testing.assert_allclose(uq[2:], 0.0, atol=1e-12)
        np.testing.assert_allclose(vq[:2], v, atol=1e-12)
    # q = p reproduces any schedule exactly, q = p + 2 too (minimum-norm fit); q < p does not.
    rng = np.random.default_rng(SEED + 70)
    for p in (1, 2, 7, 16):
        x = rng.normal(size=2 * p)
        for q in (p, p + 2):
            np.testing.assert_allclose(fourier_schedule(*fourier_fit(x, q), p), x, atol=1e-10)
        if p > 2:
            assert not np.allclose(fourier_schedule(*fourier_fit(x, 2), p), x)


def test_fourier_fit_of_smooth_schedules_needs_few_modes():
    # The fit error falls with q; 8 modes fit the SK table at p = 17 (34 angles) to 0.04 rad.
    x = fixed_angles("sk", 17)
    errors = [np.max(np.abs(fourier_schedule(*fourier_fit(x, q), 17) - x)) for q in (2, 4, 8)]
    assert errors[0] > errors[1] > errors[2] and errors[2] < 0.04
    # Linear: the sign convention of the coefficients follows the angles' (Qiskit's here).
    u, v = fourier_fit(fixed_angles("maxcut", 11), 2)
    assert u[0] < 0 < v[0]


def test_fourier_arguments_are_checked():
    with pytest.raises(ValueError, match="u and v"):
        fourier_schedule([0.1, 0.2], [0.1], 3)
    with pytest.raises(ValueError, match="u and v"):
        fourier_schedule([], [], 3)
    with pytest.raises(ValueError, match="p must be a positive integer"):
        fourier_schedule([0.1], [0.1], 0)
    with pytest.raises(ValueError, match="q must be a positive integer"):
        fourier_fit([0.1, 0.2], 0)
    with pytest.raises(ValueError, match="q must be a positive integer"):
        fourier_fit([0.1, 0.2], 1.5)
    with pytest.raises(ValueError, match="even length"):
        fourier_fit([0.1, 0.2, 0.3], 1)


def test_sk_table_extends_to_p17_from_qokit_data():
    assert fixed_angle_depths("sk") == tuple(range(1, 18))
    # Spot values from QOKit's best_SK_QAOA_parameters.json (gammas, betas; beta sign flipped).
    x = fixed_angles("sk", 17)
    assert x[0] == pytest.approx(-0.6419) and x[16] == pytest.approx(-0.0540)
    assert x[17] == pytest.approx(0.1714) and x[33] == pytest.approx(0.6429)
