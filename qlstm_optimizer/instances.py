"""Instance distributions, disjoint train/val/test seeds, and cached instance pools.

Used by the trainer (training and validation pools) and by the benchmark suite (test pools).

* :class:`InstanceDistribution` is a weighted mixture of components (Erdos-Renyi Max-Cut over
  sizes and edge probabilities, weighted ER, d-regular, Sherrington-Kirkpatrick, and the general
  diagonal Hamiltonians of :mod:`qlstm_optimizer.qubo_problems`), optionally with
  Hamiltonian-scale augmentation (the Hamiltonian multiplied by a log-uniform random factor).
* :func:`instance_seed` maps ``(split, index, base_seed)`` to an integer seed injectively, so the
  seeds of ``"train"``, ``"val"`` and ``"test"`` can never coincide (see its docstring).
* :func:`build_pool` generates ``count`` instances of a split with their diagonals (relative to the
  uniform superposition) and their optimal QAOA energy at depth ``p``, cached in a ``.npz``
  (the :class:`~qlstm_optimizer.instance_pool.InstancePool` file format).

Example:
    >>> dist = InstanceDistribution.from_dict(
    ...     {"components": [{"family": "erdos_renyi", "sizes": [6, 7], "edge_probs": [0.5]}]})
    >>> inst = sample_instance(dist, "val", 3)
    >>> inst.n in (6, 7), inst.family
    (True, 'erdos_renyi')
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

# The pool file and cache directory live in instance_pool; re-exported here for existing
# importers (training/depth_setup.py writes its caches with _atomic_savez).
from . import problems, qubo_problems
from .instance_pool import InstancePool, _atomic_savez, default_cache_dir  # noqa: F401
from .units import SCALE_RULES, degree_cv, hamiltonian_scale_factor

SPLITS = ("train", "val", "test")
FAMILIES = ("erdos_renyi", "weighted_erdos_renyi", "regular", "sk",
            *qubo_problems.QUBO_FAMILIES)
# Component fields added after the first pools: left out of to_dict() while empty, so the cache
# keys (and model cards) of distributions without them stay as they were.
_NEW_FIELDS = ("slack_bits", "clause_ratios")
INDEX_BITS = 32  # indices 0 .. 2**32 - 1 per (base_seed, split)
POOL_FORMAT = 2  # bump when the pool contents change meaning (invalidates caches)


def instance_seed(split: str, index: int, base_seed: int = 0) -> int:
    """Seed of instance ``index`` of ``split``: ``((base_seed * 3 + split_id) << 32) + index``.

    The map ``(base_seed, split, index) -> seed`` is injective (the low 32 bits hold ``index``,
    the rest encodes ``base_seed`` and the split), so no train seed ever equals a val or test seed,
    for any base seeds and indices in range. :func:`split_of_seed` inverts it.

    Raises:
        ValueError: unknown split, negative base seed, index outside ``[0, 2**32)``.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if not 0 <= int(index) < 2**INDEX_BITS:
        raise ValueError(f"index must be in [0, 2**{INDEX_BITS}), got {index}")
    if int(base_seed) < 0:
        raise ValueError(f"base_seed must be non-negative, got {base_seed}")
    return ((int(base_seed) * len(SPLITS) + SPLITS.index(split)) << INDEX_BITS) + int(index)


def split_of_seed(seed: int) -> tuple[str, int, int]:
    """Inverse of :func:`instance_seed`: ``(split, index, base_seed)``."""
    high, index = divmod(int(seed), 2**INDEX_BITS)
    base_seed, split_id = divmod(high, len(SPLITS))
    return SPLITS[split_id], index, base_seed


@dataclass(frozen=True)
class Component:
    """One family in a mixture; ``weight`` is its relative sampling probability."""

    family: str
    sizes: tuple[int, ...]
    edge_probs: tuple[float, ...] = ()  # Erdos-Renyi families
    degrees: tuple[int, ...] = ()  # regular
    weight: float = 1.0
    slack_bits: tuple[int, ...] = ()  # knapsack (qubo_problems)
    clause_ratios: tuple[float, ...] = ()  # max3sat (qubo_problems)

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"unknown instance family {self.family!r}; use one of {FAMILIES}")
        sizes = tuple(int(s) for s in self.sizes)
        if not sizes or min(sizes) < 2 or max(sizes) > 20:
            raise ValueError(f"{self.family}: sizes must be a non-empty list in 2..20, got {sizes}")
        object.__setattr__(self, "sizes", sizes)
        object.__setattr__(self, "edge_probs", tuple(float(q) for q in self.edge_probs))
        object.__setattr__(self, "degrees", tuple(int(d) for d in self.degrees))
        if "erdos_renyi" in self.family and (
            not self.edge_probs or not all(0 < q <= 1 for q in self.edge_probs)
        ):
            raise ValueError(f"{self.family}: edge_probs must be a non-empty list in (0, 1]")
        if self.family == "regular":
            if not self.degrees:
                raise ValueError("regular: degrees must be a non-empty list")
            if not any(d < n and n * d % 2 == 0 for d in self.degrees for n in sizes):
                raise ValueError("regular: no (size, degree) pair with d < n and n*d even")
        if not self.weight > 0:
            raise ValueError(f"{self.family}: weight must be positive, got {self.weight}")
        # The general families (sizes: logical variables, or cities) and the new fields.
        qubo_problems.check_component(self)
        object.__setattr__(self, "slack_bits", tuple(int(b) for b in self.slack_bits))
        object.__setattr__(self, "clause_ratios", tuple(float(r) for r in self.clause_ratios))


@dataclass(frozen=True)
class InstanceDistribution:
    """Mixture of :class:`Component` families.

    ``scale_range = (lo, hi)`` multiplies each Hamiltonian by a factor drawn log-uniformly from
    ``[lo, hi]`` (augmentation against a fixed energy normalisation); None disables it.
    """

    components: tuple[Component, ...]
    scale_range: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if not self.components:
            raise ValueError("an instance distribution needs at least one component")
        if self.scale_range is not None:
            lo, hi = (float(v) for v in self.scale_range)
            if not 0 < lo <= hi:
                raise ValueError(f"scale_range must satisfy 0 < lo <= hi, got {self.scale_range}")
            object.__setattr__(self, "scale_range", (lo, hi))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> InstanceDistribution:
        unknown = set(d) - {"components", "scale_range"}
        if unknown:
            raise ValueError(f"unknown instance-distribution keys {sorted(unknown)}")
        comps = []
        for c in d.get("components", []):
            bad = set(c) - {f.name for f in Component.__dataclass_fields__.values()}
            if bad:
                raise ValueError(f"unknown component keys {sorted(bad)}")
            comps.append(Component(**c))
        scale = d.get("scale_range")
        return cls(tuple(comps), None if scale is None else tuple(scale))

    def to_dict(self) -> dict[str, Any]:
        return {
            "components": [
                {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(c).items()
                 if k not in _NEW_FIELDS or v}
                for c in self.components
            ],
            "scale_range": None if self.scale_range is None else list(self.scale_range),
        }

    @property
    def max_size(self) -> int:
        return max(max(c.sizes) for c in self.components)


@dataclass
class Instance:
    """A generated problem and how it was drawn."""

    problem: Any  # a DiagonalHamiltonian subclass (MaxCut, SK or QuboProblem), unscaled
    family: str
    n: int  # qubits (slack bits included)
    seed: int
    scale: float = 1.0
    params: dict[str, float] = field(default_factory=dict)


def _generate(family: str, n: int, rng: np.random.Generator, comp: Component, seed: int) -> Any:
    if family in qubo_problems.QUBO_FAMILIES:
        return qubo_problems.generate(family, n, rng, comp, seed)
    if family == "sk":
        return problems.sk(n, seed=seed), {}
    if family == "regular":
        choices = [d for d in comp.degrees if d < n and n * d % 2 == 0]
        d = int(rng.choice(choices))
        return problems.regular(n, d, seed=seed), {"degree": d}
    q = float(rng.choice(comp.edge_probs))
    weighted = family == "weighted_erdos_renyi"
    kwargs = {"weighted": True} if weighted else {}
    return problems.erdos_renyi(n, q, seed=seed, **kwargs), {"edge_prob": q}


def sample_instance(dist: InstanceDistribution, split: str, index: int,
                    base_seed: int = 0) -> Instance:
    """Instance ``index`` of ``split``: a pure function of its arguments.

    Graphs without edges (possible for small sparse ER draws) are redrawn from the same seed
    sequence, so every instance has a non-trivial Hamiltonian.
    """
    seed = instance_seed(split, index, base_seed)
    seq = np.random.SeedSequence(seed)
    choice_seq, *gen_seqs = seq.spawn(17)
    rng = np.random.default_rng(choice_seq)
    weights = np.array([c.weight for c in dist.components], float)
    comp = dist.components[int(rng.choice(len(weights), p=weights / weights.sum()))]
    n = int(rng.choice(comp.sizes)) if comp.family != "regular" else int(rng.choice(
        [s for s in comp.sizes if any(d < s and s * d % 2 == 0 for d in comp.degrees)]))
    scale = 1.0
    if dist.scale_range is not None:
        lo, hi = dist.scale_range
        scale = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
    for gen_seq in gen_seqs:
        gen_seed = int(gen_seq.generate_state(1, np.uint32)[0])
        problem, params = _generate(comp.family, n, rng, comp, gen_seed)
        if problem.num_terms:
            return Instance(problem, comp.family, problem.num_qubits, seed, scale, params)
    raise RuntimeError(
        f"instance {split}/{index}: 16 draws without a single edge; widen edge_probs")


# -- pools ---------------------------------------------------------------------------------------
def pool_key(dist: InstanceDistribution, split: str, count: int, p: int, base_seed: int,
             scale_rule: str | None = None) -> str:
    key: list[Any] = [POOL_FORMAT, dist.to_dict(), split, count, p, base_seed]
    if scale_rule is not None:  # absent for un-normalised pools, so their cache keys stay
        key.append(scale_rule)
    blob = json.dumps(key, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def build_pool(dist: InstanceDistribution, split: str, count: int, p: int, *,
               base_seed: int = 0, cache_dir: str | Path | None = None,
               progress: bool = False, scale_rule: str | None = None) -> InstancePool:
    """Instances ``0..count-1`` of ``split`` with optimal QAOA energies at depth ``p``.

    ``scale_rule="coupling-rms"`` (or ``"term-local"``) divides every Hamiltonian by its scale
    ``c``
    (:func:`qlstm_optimizer.units.hamiltonian_scale_factor`), so the pool is in the units the
    policy runs in at inference (gammas times ``c``); None (or ``"max-coupling"``, whose
    training instances have ``c = 1``) leaves the Hamiltonians as drawn.

    Cached under ``cache_dir/pools/<split>-p<p>-<hash>.npz`` (hash of the distribution, split,
    count, p, base seed and scale rule; default cache dir: :func:`default_cache_dir`). A cache
    file that does not load (truncated, foreign, inconsistent) is reported with a
    ``RuntimeWarning`` naming it and rebuilt.
    """
    if scale_rule is not None and scale_rule not in SCALE_RULES:
        raise ValueError(f"scale_rule must be one of {SCALE_RULES} or None, got {scale_rule!r}")
    rule = None if scale_rule in (None, "max-coupling") else scale_rule
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = pool_key(dist, split, count, p, base_seed, rule)
    path = cache / "pools" / f"{split}-p{p}-{key}.npz"
    if path.exists() or path.is_symlink():
        try:
            pool = InstancePool.load(path)
            if len(pool) == count and pool.split == split and pool.p == p:
                return pool
            raise ValueError(f"{path}: corrupt instance-pool cache (holds {len(pool)} "
                             f"{pool.split} instances at p = {pool.p})")
        except ValueError as exc:  # a cache is disposable: say so, then rebuild it
            warnings.warn(f"{exc}; rebuilding it", RuntimeWarning, stacklevel=2)
    instances = [sample_instance(dist, split, i, base_seed) for i in range(count)]
    norms = np.ones(count)
    if rule is not None:
        for i, inst in enumerate(instances):
            # Informed runs see the instance in model units (its own scale divided out, so a
            # scale_range augmentation factor cancels there); blind runs see the drawn
            # Hamiltonian, augmentation included: norms[i] is the scale of that one.
            c = hamiltonian_scale_factor(inst.problem, inst.family, rule)
            norms[i] = inst.scale * c
            inst.scale = 1.0 / c
    pool = _compute_pool(instances, split, p, progress, norms)
    pool.save(path)
    return pool


def _compute_pool(instances: list[Instance], split: str, p: int, progress: bool,
                  norms: np.ndarray) -> InstancePool:
    sizes = np.array([inst.n for inst in instances], dtype=np.int64)
    scales = np.array([inst.scale for inst in instances])
    rows = np.zeros(len(instances), dtype=np.int64)
    blocks: dict[int, list[np.ndarray]] = {}
    opt = np.zeros(len(instances))
    iterator: Any = instances
    if progress:
        from tqdm import tqdm

        iterator = tqdm(instances, desc=f"{split} pool (optimal QAOA energies, p={p})")
    for i, inst in enumerate(iterator):
        h = inst.problem
        diag = (np.asarray(h.diagonal()) - h.constant) * inst.scale
        rows[i] = len(blocks.setdefault(inst.n, []))
        blocks[inst.n].append(diag)
        opt[i] = (float(h.optimal_qaoa_energy(p)) - h.constant) * inst.scale
    return InstancePool(
        split, p, sizes, opt, np.array([inst.seed for inst in instances], dtype=np.uint64), scales,
        [inst.family for inst in instances], {n: np.stack(b) for n, b in blocks.items()}, rows,
        np.array([inst.problem.constant * inst.scale for inst in instances]),
        norms, np.array([degree_cv(inst.problem) for inst in instances]),
    )
