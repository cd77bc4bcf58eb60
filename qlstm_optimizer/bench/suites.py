"""Benchmark instance sets (held-out "test" seeds) and their cached optimal QAOA energies.

Every suite draws its instances from :mod:`qlstm_optimizer.instances` with split ``"test"``, whose
seeds can never coincide with a training or validation seed. Instances are stratified: instance
``i`` of a suite uses the ``i``-th (size, density) combination of a fixed shuffled list, so even a
handful of instances covers sizes and densities. The same instances are used at every depth p.

Optimal QAOA energies (the denominator of rho) are the expensive part: measured on this machine,
:func:`qlstm_optimizer.optimum.optimal_qaoa_energy` takes ~1 s per depth at n = 12 and ~20 s per
depth at n = 16 (p = 1..3 together ~55 s), growing ~2x per qubit. They are cached per instance
(keyed by a hash of the Hamiltonian's terms, so a changed generator never reuses stale values)
in ``<cache>/bench/optima.json``, ``<cache>`` = :func:`qlstm_optimizer.instances.default_cache_dir`.
At p = 1 the closed-form energy makes any size cheap; depths >= 2 cap 3-regular graphs at n = 16.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from itertools import product
from typing import Any

import numpy as np

from ..instances import Component, InstanceDistribution, sample_instance
from ..sim.analytic import analytic_p1_energy
from ..sim.numpy_qaoa import qaoa_diagonal_energies
from .metrics import approximation_ratio

DENSE_PROBS = tuple(k / 7 for k in range(2, 7))  # 2/7 .. 6/7, the seed paper's test densities


@dataclass(frozen=True)
class SuiteSpec:
    """One family of held-out instances.

    Attributes:
        name: suite name in results and reports.
        kind: instance family of :mod:`qlstm_optimizer.instances` (``erdos_renyi``, ...).
        sizes: qubit counts at p = 1; ``sizes_deep`` at p >= 2 (default the same).
        edge_probs / degrees: densities (Erdos-Renyi) or degrees (regular).
        count / quick_count: instances per depth in the full and the quick run.
        quick_sizes: sizes allowed in the quick run (keeps it to a few minutes).
        base_seed: base seed of the test split for this suite.
    """

    name: str
    kind: str
    sizes: tuple[int, ...]
    edge_probs: tuple[float, ...] = ()
    degrees: tuple[int, ...] = ()
    sizes_deep: tuple[int, ...] | None = None
    count: int = 20
    quick_count: int = 3
    quick_sizes: tuple[int, ...] = (8, 9, 10)
    base_seed: int = 0

    @property
    def family(self) -> str:
        """Problem family of the fixed-angle table and the models: "maxcut" or "sk"."""
        return "sk" if self.kind == "sk" else "maxcut"

    def combos(self, p: int, quick: bool) -> list[tuple[int, float | int | None]]:
        sizes = self.sizes if p == 1 or self.sizes_deep is None else self.sizes_deep
        if quick:
            sizes = tuple(s for s in sizes if s in self.quick_sizes) or sizes[:1]
        dens: tuple[Any, ...] = self.edge_probs or self.degrees or (None,)
        combos = list(product(sizes, dens))
        # Fixed shuffle so the first few instances already span sizes and densities.
        order = np.random.default_rng(12345).permutation(len(combos))
        return [combos[i] for i in order]


SUITES: dict[str, SuiteSpec] = {
    s.name: s
    for s in (
        SuiteSpec("er", "erdos_renyi", tuple(range(8, 17)), edge_probs=DENSE_PROBS,
                  count=45, quick_count=4, base_seed=11),
        SuiteSpec("regular3", "regular", (12, 14, 16, 18, 20), degrees=(3,),
                  sizes_deep=(12, 14, 16), count=15, quick_count=2, quick_sizes=(12,),
                  base_seed=12),
        SuiteSpec("weighted_er", "weighted_erdos_renyi", tuple(range(8, 17)),
                  edge_probs=DENSE_PROBS, count=20, quick_count=2, base_seed=13),
        SuiteSpec("sk", "sk", tuple(range(8, 17)), count=20, quick_count=3, base_seed=14),
    )
}


@dataclass
class BenchInstance:
    """A held-out problem with everything the metrics need.

    Energies handed to optimizers and metrics are *relative* (the Hamiltonian's constant, i.e.
    the uniform-superposition energy, removed), so rho needs no offset.
    """

    suite: str
    index: int
    family: str
    kind: str
    n: int
    seed: int
    params: dict[str, Any]
    problem: Any = field(repr=False)

    @cached_property
    def relative(self) -> Any:
        """The Hamiltonian without its constant."""
        return self.problem.without_constant()

    @property
    def constant(self) -> float:
        return float(self.problem.constant)

    @cached_property
    def ground_energy(self) -> float:
        """Absolute ground energy (-max-cut for Max-Cut), by enumeration (n <= 20 here)."""
        return float(self.problem.ground_energy())

    @property
    def offset(self) -> float:
        """Max-Cut's ``to_ising`` offset (cut = -(E + offset)); 0 for SK."""
        return float(getattr(self.problem, "offset", 0.0))

    def approximation_ratio(self, relative_energy: float) -> float:
        """E[cut]/max-cut (Max-Cut) or E/E_ground (SK) of a state with this relative energy."""
        return approximation_ratio(relative_energy + self.constant, self.ground_energy,
                                   self.offset)

    @cached_property
    def key(self) -> str:
        """Content hash of the Hamiltonian (terms and constant): the optimum-cache key."""
        terms = sorted((list(k), round(v, 12)) for k, v in self.problem.terms.items())
        blob = json.dumps([self.n, terms, round(self.constant, 12)])
        return hashlib.sha256(blob.encode()).hexdigest()[:20]

    def energy_function(self, p: int) -> Any:
        """Exact relative energy ``x -> <H> - constant``: closed form at p = 1 (exact, O(edges)
        instead of O(n 2**n)), else the NumPy statevector."""
        if p == 1:
            h = self.relative
            return lambda x: float(analytic_p1_energy(h, x))
        diag = self.relative.diagonal()  # read-only: its phase plan and symmetry are cached

        def energy(x: np.ndarray) -> float:
            return float(qaoa_diagonal_energies(diag, np.asarray(x, float)[None, :])[0])

        return energy


def make_instance(spec: SuiteSpec, index: int, p: int, quick: bool) -> BenchInstance:
    """Instance ``index`` of ``spec`` (the combination picks size and density)."""
    n, dens = spec.combos(p, quick)[index % len(spec.combos(p, quick))]
    comp: dict[str, Any] = {"family": spec.kind, "sizes": (n,)}
    if spec.edge_probs:
        comp["edge_probs"] = (dens,)
    if spec.degrees:
        comp["degrees"] = (dens,)
    dist = InstanceDistribution((Component(**comp),))
    inst = sample_instance(dist, "test", index, base_seed=spec.base_seed)
    return BenchInstance(spec.name, index, spec.family, spec.kind, inst.n, inst.seed,
                         dict(inst.params), inst.problem)


def suite_instances(spec: SuiteSpec, p: int, quick: bool, count: int | None = None
                    ) -> list[BenchInstance]:
    """The suite's instances at depth ``p`` (``count`` overrides the configured number)."""
    count = (spec.quick_count if quick else spec.count) if count is None else count
    return [make_instance(spec, i, p, quick) for i in range(count)]
