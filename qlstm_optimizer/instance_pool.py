"""The instance-pool cache file: :class:`InstancePool` (its arrays, ``save`` and a checked
``load``), the atomic write every cache file goes through, and the cache directory.

:func:`qlstm_optimizer.instances.build_pool` fills pools and names their files; training and
the benchmark suite read them. A pool file is a plain ``.npz`` (loaded with
``allow_pickle=False``), written to a temporary file and renamed, so a reader never sees a
half-written pool and two runs never write into the same temporary file.

Example:
    >>> import tempfile
    >>> pool = InstancePool("val", 1, np.array([1]), np.array([-0.5]), np.array([7], np.uint64),
    ...                     np.ones(1), ["sk"], {1: np.array([[1.0, -1.0]])}, np.zeros(1, int),
    ...                     np.zeros(1), np.ones(1), np.zeros(1))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     pool.save(Path(tmp) / "pool.npz")
    ...     InstancePool.load(Path(tmp) / "pool.npz").diagonal(0).tolist()
    [1.0, -1.0]
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .sim.numpy_qaoa import qaoa_diagonal_energies


@dataclass
class InstancePool:
    """``count`` instances with diagonals relative to the uniform superposition (so ``|+>^n`` has
    energy 0) and optimal QAOA energies at depth ``p`` on the same footing, both scaled.

    Attributes:
        sizes: (I,) qubit counts.
        opt: (I,) optimal QAOA energy at depth ``p`` (negative).
        seeds, scales, families: per instance.
        diagonals: ``{n: (count_n, 2**n)}`` and ``rows[i]`` = row of instance i in its size block.
        norms: (I,) the Hamiltonian scale ``c`` divided out of each instance (1 if none); the
            un-normalised instance is the pool's times ``c`` (what a blind run sees).
        cvs: (I,) :func:`qlstm_optimizer.units.degree_cv` of each instance.
    """

    split: str
    p: int
    sizes: np.ndarray
    opt: np.ndarray
    seeds: np.ndarray
    scales: np.ndarray
    families: list[str]
    diagonals: dict[int, np.ndarray]
    rows: np.ndarray
    constants: np.ndarray  # the Hamiltonian constants removed (scaled), for offset bookkeeping
    norms: np.ndarray
    cvs: np.ndarray

    def __len__(self) -> int:
        return len(self.sizes)

    def diagonal(self, i: int) -> np.ndarray:
        return self.diagonals[int(self.sizes[i])][self.rows[i]]

    def energy(self, i: int, x: Any, blind: bool = False) -> float:
        """Exact QAOA energy of instance i at parameters x (NumPy; relative and scaled).

        ``blind``: of the un-normalised instance a blind run sees (the pool's times ``norms[i]``;
        its optimum is ``opt[i] * norms[i]``).
        """
        diag = self.diagonal(i) * self.norms[i] if blind else self.diagonal(i)
        return float(qaoa_diagonal_energies(diag, np.atleast_2d(np.asarray(x, float)))[0])

    def save(self, path: Path) -> None:
        arrays = {f"diag_{n}": d for n, d in self.diagonals.items()}
        meta = {"split": self.split, "p": self.p, "families": self.families}
        arrays.update(sizes=self.sizes, opt=self.opt, seeds=self.seeds,
                      scales=self.scales, rows=self.rows, constants=self.constants,
                      norms=self.norms, cvs=self.cvs, meta=np.array(json.dumps(meta)))
        _atomic_savez(path, arrays)

    @classmethod
    def load(cls, path: Path) -> InstancePool:
        """Read a pool written by :meth:`save` and check that its arrays fit together.

        Raises:
            ValueError: naming ``path``: not a regular file, not an ``.npz``, truncated, missing
                arrays, or arrays that are inconsistent (lengths, rows, non-finite optima).
        """
        path = Path(path)
        if not path.is_file():  # a FIFO or device would block or never end
            raise ValueError(f"{path}: corrupt instance-pool cache (not a regular file)")
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                diags = {int(k[5:]): z[k] for k in z.files if k.startswith("diag_")}
                pool = cls(meta["split"], meta["p"], z["sizes"], z["opt"], z["seeds"],
                           z["scales"], meta["families"], diags, z["rows"], z["constants"],
                           z["norms"], z["cvs"])
            pool._check()
        except Exception as exc:  # noqa: BLE001 - zip, JSON, key, shape errors: all "corrupt"
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise ValueError(f"{path}: corrupt instance-pool cache ({type(exc).__name__}"
                             f"{': ' + reason if reason else ''})") from None
        return pool

    def _check(self) -> None:
        count = len(self.sizes)
        for name in ("opt", "seeds", "scales", "rows", "constants", "norms", "cvs"):
            if np.shape(getattr(self, name)) != (count,):
                raise ValueError(f"{name} has shape {np.shape(getattr(self, name))}, "
                                 f"not ({count},)")
        if len(self.families) != count or not np.all(np.isfinite(self.opt)):
            raise ValueError("families or optimal energies do not match the instances")
        for i in range(count):
            block = self.diagonals.get(int(self.sizes[i]))
            n = int(self.sizes[i])
            if (block is None or block.ndim != 2 or block.shape[1] != 2**n
                    or not 0 <= self.rows[i] < block.shape[0]):
                raise ValueError(f"instance {i} (n = {n}) has no diagonal")


def _atomic_savez(path: Path, arrays: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp.npz")
    os.close(fd)
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def default_cache_dir() -> Path:
    """``$QLSTM_OPTIMIZER_CACHE`` or ``~/.cache/qlstm_optimizer`` (never inside the package)."""
    env = os.environ.get("QLSTM_OPTIMIZER_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "qlstm_optimizer"


__all__ = ["InstancePool", "default_cache_dir"]
