"""What the training pools' operators say beyond their diagonals, for the features a run
computes from the user's operator at inference: the p = 1 first basin the anchors are
calibrated to (``PolicySpec.calibrate_anchor``) and the general static features
(``PolicySpec.general_features``). ``instances`` keeps each pool instance's diagonal only, so
the operators are regenerated from their seeds (a pure function) and checked against the pool.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .. import features as F
from ..instance_pool import _atomic_savez
from ..instances import InstancePool, sample_instance
from ..penalty_starts import first_basin
from ..units import general_static
from .depth_cache import cache_path, pool_key

# Bump when penalty_starts.first_basin changes what it returns (cached basins go stale).
BASIN_RULE = 2  # 2: beta on the [-pi/2, 0) branch for even-order operators


def _operators(pool: InstancePool, dist: Any, base_seed: int) -> Iterator[tuple[int, Any]]:
    """The pool's instances regenerated from their seeds (``instances`` keeps diagonals
    only), each checked against the pool."""
    for i in range(len(pool)):
        inst = sample_instance(dist, pool.split, i, base_seed)
        if inst.n != pool.sizes[i] or inst.seed != pool.seeds[i]:
            raise ValueError(f"pool instance {i} does not match its distribution (regenerated "
                             f"n = {inst.n}, seed {inst.seed}; pool n = {pool.sizes[i]})")
        yield i, inst


def pool_basins(pool: InstancePool, dist: Any, base_seed: int,
                cache_dir: str | Path | None = None) -> np.ndarray:
    """(I, 2) each pool instance's p = 1 first-basin optimum ``(beta, gamma)`` in the pool's
    (model) units: :func:`qlstm_optimizer.penalty_starts.first_basin` of the instance
    regenerated from its seed, gamma times its scale ``c`` (``1 / pool.scales``), which is what
    ``minimize_qaoa`` computes from the operator at inference."""
    path = cache_path(cache_dir, "basins", [pool_key(pool), dist.to_dict(), int(base_seed),
                                             BASIN_RULE])
    if path.exists():
        with np.load(path, allow_pickle=False) as f:
            return f["basins"]
    out = np.zeros((len(pool), 2))
    for i, inst in _operators(pool, dist, base_seed):
        beta, gamma = first_basin(inst.problem)
        out[i] = beta, gamma / pool.scales[i]
    _atomic_savez(path, {"basins": out})
    return out


def pool_general(pool: InstancePool, dist: Any, base_seed: int) -> np.ndarray:
    """(I, 5) each pool instance's :func:`qlstm_optimizer.units.general_static` (dimensionless:
    the same for the pool's scaled copy), as ``minimize_qaoa`` computes it from the operator."""
    out = np.zeros((len(pool), len(F.GENERAL_STATIC_NAMES)))
    for i, inst in _operators(pool, dist, base_seed):
        out[i] = general_static(inst.problem)
    return out


