"""Shared fixtures: small problems and their exact-energy objectives."""

from __future__ import annotations

import numpy as np
import pytest

from qlstm_optimizer.problems import erdos_renyi
from qlstm_optimizer.sim import qaoa_energy


@pytest.fixture(scope="session")
def small_maxcut():
    """A 6-node Erdos-Renyi Max-Cut instance (seed outside every training/test split range)."""
    return erdos_renyi(6, 0.6, seed=987_654)


@pytest.fixture(scope="session")
def medium_maxcut():
    return erdos_renyi(10, 0.5, seed=987_655)


@pytest.fixture
def energy_of():
    def make(problem):
        return lambda x: qaoa_energy(problem, np.asarray(x))

    return make
