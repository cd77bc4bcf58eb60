"""Closed-form p = 1 energies: equal to the statevector on small instances, fast at n = 1000."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.sim_speed import random_regular_edges
from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
from qlstm_optimizer.sim import analytic, analytic_p1_energy
from qlstm_optimizer.sim.numpy_qaoa import StatevectorTooLargeError, qaoa_energy


def random_ising(n: int, density: float, fields: bool, seed: int) -> DiagonalHamiltonian:
    rng = np.random.default_rng(seed)
    terms = {(i, j): rng.normal() for i in range(n) for j in range(i + 1, n)
             if rng.random() < density}
    if fields:
        terms.update({(i,): rng.normal() for i in range(n) if rng.random() < 0.7})
    return DiagonalHamiltonian(n, terms, rng.normal())


@pytest.fixture(params=["sparse", "dense"])
def path(request, monkeypatch):
    """Run a test through both implementations (neighbour lists / dense rows of J)."""
    monkeypatch.setattr(analytic, "_DENSE_FRACTION", 2.0 if request.param == "sparse" else -1.0)
    monkeypatch.setattr(analytic, "_PLANS", type(analytic._PLANS)())
    return request.param


@pytest.mark.parametrize("seed", range(12))
def test_matches_statevector_on_random_weighted_graphs(seed, path):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 11))
    h = random_ising(n, density=rng.uniform(0.2, 1.0), fields=seed % 3 != 0, seed=seed)
    xs = rng.uniform(-np.pi, np.pi, (5, 2))
    np.testing.assert_allclose(analytic_p1_energy(h, xs), qaoa_energy(h, xs), atol=1e-10)
    assert analytic_p1_energy(h, xs[0]) == pytest.approx(qaoa_energy(h, xs[0]), abs=1e-10)


@pytest.mark.parametrize("terms", [
    {},  # constant only
    {(0,): 0.7, (3,): -1.2},  # fields only, no edges
    {(i, j): 1.0 for i in range(5) for j in range(i + 1, 5)},  # complete graph: all triangles
    {(0, 1): 0.5, (2, 3): -0.5, (4,): 0.3},  # disconnected pieces and an isolated field
    {(0, 1): 1.0, (1, 2): 1.0, (0, 2): -2.0, (0,): 0.5, (1,): -0.5},  # frustrated triangle
])
def test_special_structures(terms, path):
    h = DiagonalHamiltonian(6, terms, 0.25)
    xs = np.random.default_rng(1).uniform(-2, 2, (4, 2))
    np.testing.assert_allclose(analytic_p1_energy(h, xs), qaoa_energy(h, xs), atol=1e-10)


def test_special_angles():
    """beta or gamma at multiples of pi/4 make factors exactly 0 or 1."""
    h = random_ising(7, 0.6, fields=True, seed=3)
    quarter_turns = np.arange(-4, 5) * np.pi / 4
    grid = np.array([[b, g] for b in quarter_turns for g in (0, np.pi / 4, -np.pi / 2)])
    np.testing.assert_allclose(analytic_p1_energy(h, grid), qaoa_energy(h, grid), atol=1e-10)


def test_accepts_sparse_pauli_op():
    h = random_ising(5, 0.7, fields=True, seed=4)
    x = [0.3, -0.8]
    assert analytic_p1_energy(h.to_sparse_pauli_op(), x) == pytest.approx(
        qaoa_energy(h, x), abs=1e-10)


def test_higher_order_terms_rejected():
    h = DiagonalHamiltonian(3, {(0, 1, 2): 1.0, (0, 1): 0.5})
    with pytest.raises(ValueError, match="only Z and ZZ"):
        analytic_p1_energy(h, [0.1, 0.2])


@pytest.mark.parametrize("x", [[0.1, 0.2, 0.3, 0.4], [0.1], [np.nan, 0.2], np.zeros((2, 4))])
def test_parameters_validated_for_p1(x):
    h = DiagonalHamiltonian(2, {(0, 1): 1.0})
    with pytest.raises(ValueError):
        analytic_p1_energy(h, x)


def test_beyond_statevector_sizes():
    """n = 31: no statevector fits, the closed form does not care."""
    h = DiagonalHamiltonian(31, {(i, (i + 1) % 31): 0.5 for i in range(31)})
    with pytest.raises(StatevectorTooLargeError):
        qaoa_energy(h, [0.3, 0.2])
    # An odd ring is triangle-free with degree 2: every edge gives the same value.
    per_edge = analytic_p1_energy(DiagonalHamiltonian(5, {(i, (i + 1) % 5): 0.5 for i in range(5)}),
                                  [0.3, 0.2]) / 5
    assert analytic_p1_energy(h, [0.3, 0.2]) == pytest.approx(31 * per_edge, rel=1e-12)


def test_three_regular_n1000_runs_and_paths_agree(monkeypatch):
    edges = random_regular_edges(1000, 3, seed=0)
    assert np.all(np.bincount(edges.ravel()) == 3)
    h = DiagonalHamiltonian(1000, {(int(i), int(j)): 0.5 for i, j in edges}, -0.5 * len(edges))
    xs = np.array([[0.3927, -0.6155], [0.2, 0.4]])
    sparse = analytic_p1_energy(h, xs)
    assert np.all(np.isfinite(sparse))
    # At the 3-regular fixed angles (Qiskit signs) a triangle-free graph cuts 0.6925 of its
    # edges in expectation; a random 3-regular graph has only a handful of triangles.
    assert -sparse[0] / len(edges) == pytest.approx(0.6925, abs=0.005)
    monkeypatch.setattr(analytic, "_DENSE_FRACTION", -1.0)
    monkeypatch.setattr(analytic, "_PLANS", type(analytic._PLANS)())
    np.testing.assert_allclose(analytic_p1_energy(h, xs), sparse, rtol=1e-12)


def test_plan_cache_separates_instances():
    a = random_ising(6, 0.5, fields=True, seed=10)
    b = random_ising(6, 0.5, fields=True, seed=11)
    x = [0.4, 0.3]
    ea, eb = analytic_p1_energy(a, x), analytic_p1_energy(b, x)
    assert analytic_p1_energy(a, x) == ea and analytic_p1_energy(b, x) == eb
    assert ea == pytest.approx(qaoa_energy(a, x), abs=1e-10)
    assert eb == pytest.approx(qaoa_energy(b, x), abs=1e-10)
