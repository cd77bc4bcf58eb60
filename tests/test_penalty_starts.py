"""qlstm_optimizer.penalty_starts: candidate start points from the operator alone."""

from __future__ import annotations

import numpy as np
import pytest

import qlstm_optimizer.penalty_starts as ps
from benchmarks.p1_landscape import global_p1_optimum, nearest_local_optimum
from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
from qlstm_optimizer.penalty_starts import best_beta, candidate_starts, p1_candidates
from qlstm_optimizer.problems import regular, sk
from qlstm_optimizer.qubo_problems import knapsack, labs, tsp, vertex_cover
from qlstm_optimizer.sim import analytic_p1_energy, qaoa_energy


@pytest.mark.parametrize("h", [regular(10, 3, seed=1), sk(9, seed=2)], ids=["maxcut", "sk"])
def test_maxcut_and_sk_start_in_the_first_basin(h):
    opt = global_p1_optimum(h)
    beta1, gamma1, e1 = nearest_local_optimum(opt, h, 0.0)
    beta, gamma, energy = p1_candidates(h, 3)[0]
    assert gamma == pytest.approx(gamma1, rel=1e-3)
    assert energy == pytest.approx(e1, rel=1e-6)
    assert opt.rho(energy) > 0.999  # on these instances the first basin is the global optimum


@pytest.mark.parametrize("h", [vertex_cover(9, 0.5, seed=3), tsp(3, seed=5)],
                         ids=["vertex_cover", "tsp"])
def test_penalty_problems_get_the_global_optimum_first(h):
    opt = global_p1_optimum(h)
    _, _, e1 = nearest_local_optimum(opt, h, 0.0)
    assert opt.rho(e1) < 0.97  # the first basin alone misses it
    x = candidate_starts(h, p=1, k=3)
    assert opt.rho(analytic_p1_energy(h, x[0])) > 0.999
    assert x[0, 1] > 5 * opt.gamma / 10  # far from the first basin (it sits 10x+ lower)


def test_candidates_finite_ordered_and_exact():
    h = knapsack(6, seed=2)
    cands = p1_candidates(h, 5)
    assert 1 <= len(cands) <= 5
    for beta, gamma, energy in cands:
        assert np.isfinite([beta, gamma, energy]).all() and gamma > 0
        assert analytic_p1_energy(h, [beta, gamma]) == pytest.approx(energy, rel=1e-9, abs=1e-9)
    energies = [e for _, _, e in cands[1:]]
    assert energies == sorted(energies)  # after the first, best first
    assert len({round(e, 6) for _, _, e in cands}) == len(cands)  # no periodic copies


def test_depth_p_repeats_the_layer():
    h = vertex_cover(7, 0.5, seed=1)
    x1, x3 = candidate_starts(h, 1, 2), candidate_starts(h, 3, 2)
    assert x3.shape == (len(x1), 6)
    np.testing.assert_allclose(x3[:, :3], np.repeat(x1[:, :1], 3, axis=1))
    np.testing.assert_allclose(x3[:, 3:], np.repeat(x1[:, 1:], 3, axis=1))


@pytest.mark.parametrize("order", [2, 4])
def test_best_beta_is_the_min_over_beta(order):
    terms = {(0,): 0.7, (1,): -0.3, (0, 1): 0.9, (1, 2): -1.1, (2, 3): 0.4}
    if order == 4:
        terms[(0, 1, 2, 3)] = 0.8
    h = DiagonalHamiltonian(4, terms, constant=1.5)
    gammas = np.array([0.1, 0.7, 1.3])
    betas, energies = best_beta(h, gammas)
    grid = np.linspace(-np.pi / 2, np.pi / 2, 2001)
    for b, g, e in zip(betas, gammas, energies, strict=True):
        assert qaoa_energy(h, [b, g]) == pytest.approx(e, abs=1e-9)  # attained
        brute = qaoa_energy(h, np.column_stack([grid, np.full_like(grid, g)])).min()
        assert e <= brute + 1e-9


def test_higher_order_operators():
    h = labs(6)  # orders 2 and 4: statevector path, ranked by exact energy
    opt = global_p1_optimum(h)
    cands = p1_candidates(h, 3)
    assert all(np.isfinite(c).all() for c in cands)
    assert opt.rho(cands[0][2]) > 0.99  # n = 6: the first basin is only 0.73, the next is it


def test_large_higher_order_operator_falls_back(monkeypatch):
    monkeypatch.setattr(ps, "STATEVECTOR_QUBITS", 3)
    h = DiagonalHamiltonian(5, {(0, 1, 2): 1.0, (2, 3): 0.5, (4,): 0.2})
    x = candidate_starts(h, p=2, k=3)
    assert x.shape == (3, 4) and np.isfinite(x).all()
    np.testing.assert_allclose(x[:, :2], ps.BETA_REF)
    with pytest.raises(ValueError, match="order 3 on 5 qubits"):
        best_beta(h, [0.3])


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"p": 0, "k": 2}, "p must"), ({"p": 1.5, "k": 2}, "p must"), ({"p": 1, "k": 0}, "k must"),
    ({"p": 1, "k": True}, "k must"), ({"p": 1, "k": 2, "half_turns": -1.0}, "half_turns must"),
    ({"p": 1, "k": 2, "half_turns": float("nan")}, "half_turns must"),
])
def test_bad_arguments_are_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        candidate_starts(regular(6, 3, seed=0), **kwargs)


def test_bad_operator_and_gammas():
    with pytest.raises(ValueError, match="hamiltonian has no Z terms"):
        candidate_starts(DiagonalHamiltonian(3, {}, constant=2.0), 1, 2)
    with pytest.raises(ValueError, match="gammas must be"):
        best_beta(regular(6, 3, seed=0), [0.1, np.inf])
    with pytest.raises(ValueError, match="gammas must be"):
        best_beta(regular(6, 3, seed=0), [[0.1, 0.2]])


def test_knapsack_realignments_beyond_the_profile():
    from benchmarks.penalty_starts import build

    h = build("knapsack", 1)  # global optimum at 9 half-turns of the coupling lattice unit
    opt = global_p1_optimum(h)
    without = p1_candidates(h, 3, realign=False)
    assert max(opt.rho(e) for _, _, e in without) < 0.98
    assert max(opt.rho(e) for _, _, e in p1_candidates(h, 2)) > 0.999


def test_first_basin_is_the_best_profile_point_near_the_reference_gamma():
    # the first basin's exact p = 1 optimum: on a dense grid of the window no point is better,
    # and on a penalty problem it is not the (lower) realigned optimum far out
    from qlstm_optimizer.penalty_starts import G_REF, best_beta, first_basin
    from qlstm_optimizer.qubo_problems import labs, vertex_cover
    from qlstm_optimizer.sim import qaoa_energy
    from qlstm_optimizer.units import hamiltonian_scale_factor

    for h in (vertex_cover(8, 0.5, seed=2), labs(7)):
        c = hamiltonian_scale_factor(h, "maxcut", "term-local")
        beta, gamma = first_basin(h)
        assert 0 < gamma <= 3 * G_REF / c
        grid = np.linspace(0, 3 * G_REF / c, 400)[1:]
        e = qaoa_energy(h, np.array([beta, gamma]))
        assert e <= best_beta(h, grid)[1].min() + 1e-9
    # even-order operators (ZZ only): the branch of the learned anchors, beta in [-pi/2, 0)
    for h in (sk(8, seed=5), labs(8), regular(8, 3, seed=1)):
        beta, gamma = first_basin(h)
        assert -np.pi / 2 <= beta < 0
        assert np.isclose(qaoa_energy(h, np.array([beta, gamma])),
                          best_beta(h, [gamma])[1][0], atol=1e-9)
    far = candidate_starts(vertex_cover(8, 0.5, seed=2), 1, 1)[0]
    assert far[1] > 8 * first_basin(vertex_cover(8, 0.5, seed=2))[1]
    with pytest.raises(ValueError, match="no Z terms"):
        first_basin(DiagonalHamiltonian(3, {}))
