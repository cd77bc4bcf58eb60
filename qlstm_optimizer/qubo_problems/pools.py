"""The general problem families as instance-pool families of :mod:`qlstm_optimizer.instances`.

:func:`check_component` is the family-specific check of a ``Component`` and :func:`generate`
draws one instance; ``instances`` calls both for the names in ``QUBO_FAMILIES``. A component's
``sizes`` are logical sizes (cities for ``tsp``), each of which must fit in ``POOL_MAX_QUBITS``
qubits with its slack bits (:func:`pool_qubits`).

Example:
    >>> pool_qubits("tsp", 4, None), "labs" in QUBO_FAMILIES
    (16, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..options import check_real
from .generators import (
    DEFAULT_CLAUSE_RATIO,
    DEFAULT_SLACK_BITS,
    _check_prob,
    _check_size,
    knapsack,
    labs,
    max3sat,
    number_partitioning,
    portfolio,
    random_qubo,
    stable_set,
    tsp,
    vertex_cover,
)
from .program import QuboProblem

POOL_MAX_QUBITS = 20  # the training simulators' statevector limit
QUBO_FAMILIES = ("vertex_cover", "stable_set", "knapsack", "number_partitioning", "tsp",
                 "portfolio", "random_qubo", "labs", "max3sat")
_MIN_SIZE = {"tsp": 3, "labs": 3, "max3sat": 3}
# Component fields each family reads (others must stay empty): edge_probs is the graph density of
# vertex_cover / stable_set and the coupling density of random_qubo (default 0.5).
_FIELDS = {"vertex_cover": ("edge_probs",), "stable_set": ("edge_probs",),
           "random_qubo": ("edge_probs",), "knapsack": ("slack_bits",),
           "max3sat": ("clause_ratios",)}


def pool_qubits(family: str, n: int, comp: Any) -> int:
    """Largest qubit count of a ``family`` instance of logical size ``n`` drawn from ``comp``.

    Example:
        >>> from qlstm_optimizer.instances import Component
        >>> pool_qubits("knapsack", 8, Component("knapsack", (8,), slack_bits=(2, 4)))
        12
    """
    if family == "tsp":
        return n * n
    if family == "knapsack":
        return n + max(comp.slack_bits or (DEFAULT_SLACK_BITS,))
    return n


def check_component(comp: Any) -> None:
    """The family-specific checks of an :class:`~qlstm_optimizer.instances.Component`.

    Raises:
        ValueError: naming the family and the field (sizes below the family's minimum or over
            ``POOL_MAX_QUBITS`` qubits, a field the family does not read, bad entries).
    """
    family = comp.family
    for name in ("slack_bits", "clause_ratios"):  # the fields added for these families
        if not isinstance(getattr(comp, name), list | tuple):
            raise ValueError(f"{family}: {name} must be a list, got {getattr(comp, name)!r}")
    names = ("edge_probs", "degrees") if family in QUBO_FAMILIES else ()
    for name in (*names, "slack_bits", "clause_ratios"):  # the Max-Cut/SK families read neither
        if getattr(comp, name) and name not in _FIELDS.get(family, ()):
            raise ValueError(f"{family}: {name} does not apply to this family")
    if family not in QUBO_FAMILIES:
        return
    if family in ("vertex_cover", "stable_set") and not comp.edge_probs:
        raise ValueError(f"{family}: edge_probs must be a non-empty list in (0, 1]")
    for q in comp.edge_probs:
        _check_prob(f"{family}: edge_probs entry", q)
    for b in comp.slack_bits:
        _check_size(f"{family}: slack_bits entry", b, 1, 12)
    for r in comp.clause_ratios:
        check_real(f"{family}: clause_ratios entry", r, positive=True)
    lo = _MIN_SIZE.get(family, 2)
    for n in comp.sizes:
        if n < lo:
            raise ValueError(f"{family}: sizes must be at least {lo}, got {n}")
        if pool_qubits(family, n, comp) > POOL_MAX_QUBITS:
            raise ValueError(f"{family}: size {n} needs {pool_qubits(family, n, comp)} qubits "
                             f"(limit {POOL_MAX_QUBITS}); lower sizes"
                             + (" or slack_bits" if family == "knapsack" else ""))


def generate(family: str, n: int, rng: np.random.Generator, comp: Any,
             seed: int) -> tuple[QuboProblem, dict[str, float]]:
    """Instance of ``family`` at logical size ``n`` for a pool: the component's options are
    drawn with ``rng``, the instance from ``seed``. Returns ``(problem, params)``.

    Example:
        >>> from qlstm_optimizer.instances import Component
        >>> comp = Component("vertex_cover", (6,), edge_probs=(0.5,))
        >>> problem, params = generate("vertex_cover", 6, np.random.default_rng(0), comp, 7)
        >>> problem == vertex_cover(6, 0.5, seed=7), params
        (True, {'edge_prob': 0.5})
    """
    def pick(values: tuple, default: float) -> float:
        return float(rng.choice(values)) if values else default

    if family in ("vertex_cover", "stable_set"):
        q = pick(comp.edge_probs, 0.5)
        fn = vertex_cover if family == "vertex_cover" else stable_set
        return fn(n, q, seed=seed), {"edge_prob": q}
    if family == "random_qubo":
        q = pick(comp.edge_probs, 0.5)
        return random_qubo(n, seed, density=q), {"density": q}
    if family == "knapsack":
        b = int(pick(comp.slack_bits, DEFAULT_SLACK_BITS))
        return knapsack(n, seed, slack_bits=b), {"slack_bits": b}
    if family == "max3sat":
        r = pick(comp.clause_ratios, DEFAULT_CLAUSE_RATIO)
        return max3sat(n, seed, clause_ratio=r), {"clause_ratio": r}
    if family == "labs":
        return labs(n), {}
    if family == "portfolio":  # any budget: n // 2 alone cancels every field (see docs/problems.md)
        budget = int(rng.integers(1, n))
        return portfolio(n, seed, budget=budget), {"budget": budget}
    simple = {"number_partitioning": number_partitioning, "tsp": tsp}
    if family not in simple:
        raise ValueError(f"family must be one of {QUBO_FAMILIES}, got {family!r}")
    return simple[family](n, seed), {}


__all__ = ["POOL_MAX_QUBITS", "QUBO_FAMILIES", "check_component", "generate", "pool_qubits"]
