"""The units study's numerics (benchmarks.p1_landscape) and a small run of the study itself."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.p1_landscape import (
    global_p1_optimum,
    lattice_unit,
    nearest_local_optimum,
    profile,
    reduce_box,
)
from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
from qlstm_optimizer.problems import regular
from qlstm_optimizer.sim import qaoa_energy


def test_lattice_unit():
    assert lattice_unit([2.75, 7.75, -0.5]) == pytest.approx(0.25)
    assert lattice_unit([1.0, 1.0]) == pytest.approx(1.0)
    assert lattice_unit([1.0, np.sqrt(2)]) is None


@pytest.mark.parametrize("order", [2, 4])
def test_profile_is_the_min_over_beta(order, monkeypatch):
    import benchmarks.p1_landscape as landscape

    monkeypatch.setattr(landscape, "THETA_GRID", 4096)  # the study's 64 only ranks candidates
    rng = np.random.default_rng(order)
    terms = {(0,): 0.7, (1,): -0.3, (0, 1): 0.9, (1, 2): -1.1, (2, 3): 0.4}
    if order == 4:
        terms[(0, 1, 2, 3)] = 0.8
    h = DiagonalHamiltonian(4, terms, constant=1.5)
    gammas = rng.uniform(0.05, 1.5, 3)
    values, thetas = profile(h, gammas)
    betas = np.linspace(-np.pi / 2, np.pi / 2, 721)
    for g, v, t in zip(gammas, values, thetas, strict=True):
        assert qaoa_energy(h, [t / 2, g]) == pytest.approx(v, abs=1e-9)  # attained
        brute = min(qaoa_energy(h, [b, g]) for b in betas)
        assert v <= brute + 1e-6  # and the minimum (to the finer grid's resolution)


def test_z_only_optimum_is_exact():
    # E = 3 h sin(2 beta) sin(2 gamma h): minimum -3 h at gamma = pi / (4 h).
    h = DiagonalHamiltonian(3, {(0,): 2.0, (1,): 2.0, (2,): 2.0}, constant=4.0)
    opt = global_p1_optimum(h)
    assert opt.gamma == pytest.approx(np.pi / 8, abs=1e-6)
    assert opt.energy == pytest.approx(4.0 - 6.0, abs=1e-9)
    assert opt.rho(opt.energy) == 1.0


def test_regular_graph_optimum_and_mirror_reduction():
    h = regular(10, 3, seed=0)
    opt = global_p1_optimum(h)
    assert opt.box_is_period and opt.box == pytest.approx(np.pi / 2)  # period 2 pi, halved
    betas, gammas = np.linspace(-np.pi / 2, np.pi / 2, 181), np.linspace(0.01, np.pi / 2, 300)
    grid = min(qaoa_energy(h, [b, g]) for b in betas[::3] for g in gammas[::3])
    assert opt.energy <= grid + 1e-9
    # From gamma -> 0 a search reaches the same (first) optimum on a 3-regular graph.
    _, first, energy = nearest_local_optimum(opt, h, 0.0)
    assert first == pytest.approx(opt.gamma, rel=1e-4) and energy == pytest.approx(opt.energy)


def test_reduce_box_needs_a_symmetry():
    sym = DiagonalHamiltonian(2, {(0, 1): 1.0})  # period pi; E(b, pi/2 - g) = E(-b, g)
    assert reduce_box(sym, np.pi / 2) < np.pi / 2
    odd = DiagonalHamiltonian(3, {(0,): 1.0, (0, 1): 0.5, (1, 2): 0.25})
    assert reduce_box(odd, 2 * np.pi) == 2 * np.pi


def test_study_runs_on_a_few_classes(capsys):
    pytest.importorskip("qiskit_optimization")
    pytest.importorskip("networkx")
    from benchmarks.field_units import main

    assert main(["--instances", "2", "--classes", "vertex_cover", "sk", "max3sat",
                 "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "smallest overall spread" in out and "| vertex_cover |" in out
    assert "term-local" in out and "coupling_rank1" in out
    with pytest.raises(SystemExit):
        main(["--instances", "1"])
    with pytest.raises(SystemExit):
        main(["--classes", "tsp5"])
