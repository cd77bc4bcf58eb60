"""Cache files of the depth-general training setup (anchors, references, basins), keyed by
what they were computed from, under ``<cache_dir>/depth/``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from ..instance_pool import default_cache_dir
from ..instances import InstancePool

DEPTH_CACHE_FORMAT = 1


def cache_path(cache_dir: str | Path | None, kind: str, key: Any) -> Path:
    """``<cache_dir>/depth/<kind>-<hash of (format, kind, key)>.npz``."""
    blob = json.dumps([DEPTH_CACHE_FORMAT, kind, key], sort_keys=True).encode()
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return root / "depth" / f"{kind}-{hashlib.sha256(blob).hexdigest()[:16]}.npz"


def pool_key(pool: InstancePool) -> str:
    """A pool's identity for cache keys: its seeds, sizes, optima and scales."""
    h = hashlib.sha256()
    for arr in (pool.seeds, pool.sizes, pool.opt, pool.norms):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()[:16]
