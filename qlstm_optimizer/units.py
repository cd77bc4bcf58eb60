"""Hamiltonian units: how big a cost Hamiltonian is relative to the models' training
normalisation, and the static features that describe it to a model.

One module for the scale rules, the scale factor and the static features, below both the policy
(which reads them) and the problem generators / instance pools (which build training data in
these units), so no lower module has to reach up for them. It imports only
:mod:`qlstm_optimizer.hamiltonian`.

Units. A Hamiltonian ``c`` times larger than the training normalisation has its optimal gammas
``c`` times smaller, so a policy runs in model units ``gamma_model = c * gamma_user``
(:func:`hamiltonian_scale_factor`, rule named in each model card's ``policy.scale_rule``).

Example:
    >>> from qlstm_optimizer.problems import regular
    >>> h = regular(8, 3, seed=0)
    >>> round(hamiltonian_scale_factor(h, "maxcut", "coupling-rms"), 6), degree_cv(h)
    (1.0, 0.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .hamiltonian import as_hamiltonian

# How a Hamiltonian's size is divided out of the gammas (hamiltonian_scale_factor).
SCALE_RULES = ("max-coupling", "coupling-rms")

# Coupling scale (see coupling_scale) of the instances each angle table was optimised for: a
# 3-regular graph with H = sum 1/2 Z_i Z_j has sqrt(3 * (1/2)**2); the SK model has 1 as n -> inf.
REFERENCE_SCALES = {"maxcut": float(np.sqrt(3) / 2), "sk": 1.0}

STATIC_FEATURE_NAMES = ("scale_known", "degree_cv")
NUM_STATIC = len(STATIC_FEATURE_NAMES)
# Largest degree_cv reported: a spread beyond this carries no extra information for the models
# (the same clip as the step features, features.FEATURE_CLIP).
MAX_DEGREE_CV = 8.0
# degree_cv at or below this counts as regular: exact for equal coupling strengths (the sums are
# the same floats), far below any real spread (one differing edge in a 20-spin graph: > 0.05).
REGULAR_CV = 1e-9
# The degree spread assumed when only the scale is given (see static_features). Picked with
# `python -m benchmarks.scale_only` (validation-split graphs, 20 per family, maxcut-p1) among
# 0, 0.2, 0.3, 0.4: median rho_3 with 0 / 0.2: ER 0.9276 / 0.9965, weighted ER 0.9722 / 0.9965,
# 3-regular 0.9999 / 0.9854 (with the operator: 0.9974, 0.9980, 0.9999).
UNKNOWN_SPREAD_CV = 0.2


def coupling_scale(hamiltonian: Any) -> float:
    """Root-mean-square local coupling strength ``s = sqrt(sum_terms |term| c**2 / n)``.

    For a quadratic Hamiltonian this is ``sqrt(mean_i sum_j J_ij**2)``, the typical size of the
    field a spin feels from its neighbours; the energy landscape's scale in gamma is ~1/s
    (3-regular unit Max-Cut: s = 0.866, optimal p=1 gamma 0.6155; SK: s -> 1, gamma 0.5).
    """
    h = as_hamiltonian(hamiltonian)
    total = sum(len(k) * c * c for k, c in h.terms.items())
    return float(np.sqrt(total / h.num_qubits))


def hamiltonian_scale_factor(hamiltonian: Any, family: str, rule: str = "max-coupling") -> float:
    """Factor ``c`` by which ``hamiltonian`` is larger than the model's training normalisation.

    Rules (a model card's ``policy.scale_rule`` says which one its model was trained in):

    * ``"max-coupling"``. Max-Cut: the largest |ZZ coefficient| over 0.5 (unit weights give
      exactly 1); SK: the root mean square ZZ coefficient times sqrt(n) (+-1 and Gaussian
      couplings both give about 1).
    * ``"coupling-rms"``: :func:`coupling_scale` (the root-mean-square field a spin feels from
      its neighbours) over its value on the family's reference instances (unit 3-regular
      Max-Cut, SK). Why: the optimal p = 1 gamma scales as 1/sqrt(degree) as well as 1/weight;
      on held-out Max-Cut graphs (Erdos-Renyi, 3-regular, weighted) ``gamma* * c`` spreads over
      0.47..0.61 with this rule against 0.27..1.16 with the largest coupling (docs/design.md),
      so the model starts close to the optimum on every graph.

    Example:
        >>> from qlstm_optimizer.problems import regular
        >>> round(hamiltonian_scale_factor(regular(8, 3, seed=0), "maxcut", "coupling-rms"), 6)
        1.0
    """
    if rule not in SCALE_RULES:
        raise ValueError(f"scale rule must be one of {SCALE_RULES}, got {rule!r}")
    h = as_hamiltonian(hamiltonian)
    coeffs = np.array([abs(c) for k, c in h.terms.items() if len(k) == 2])
    if coeffs.size == 0:
        return 1.0
    if rule == "coupling-rms":
        return coupling_scale(h) / REFERENCE_SCALES["sk" if family == "sk" else "maxcut"]
    if family == "sk":
        return float(np.sqrt(np.mean(coeffs**2)) * np.sqrt(h.num_qubits))
    return float(coeffs.max() / 0.5)


def degree_cv(hamiltonian: Any) -> float:
    """Coefficient of variation of the coupling strengths ``d_i = sum_j J_ij**2`` of the spins.

    Example:
        >>> from qlstm_optimizer.problems import regular
        >>> degree_cv(regular(8, 3, seed=0))
        0.0
    """
    h = as_hamiltonian(hamiltonian)
    d = np.zeros(h.num_qubits)
    for qubits, coeff in h.terms.items():
        if len(qubits) == 2:
            d[list(qubits)] += coeff * coeff
    mean = d.mean()
    return float(min(d.std() / mean, MAX_DEGREE_CV)) if mean > 0 else 0.0


def static_rows(cvs: Any, blind: Any) -> np.ndarray:
    """Static features ``[scale_known, degree_cv]`` (..., NUM_STATIC): a blind run knows
    neither, so its row is all zero. The one definition used at inference, in training batches
    and in validation."""
    blind = np.asarray(blind, dtype=bool)
    return np.stack([np.where(blind, 0.0, 1.0), np.where(blind, 0.0, cvs)], -1)


def static_features(hamiltonian: Any = None, *, scale_known: bool = False) -> np.ndarray:
    """The static features ``[scale_known, degree_cv]`` (2,) of a run.

    ``scale_known`` says whether the gammas are in normalised units without a Hamiltonian (an
    explicit ``hamiltonian_scale``); the spread is then unknown and reported as
    :data:`UNKNOWN_SPREAD_CV`, a typical irregular graph (0 would claim a regular graph, which
    makes the Max-Cut models probe the fixed-angle table: right for regular graphs, costly for
    the rest). Blind runs (neither) get zeros.

    Example:
        >>> static_features(None).tolist(), static_features(None, scale_known=True).tolist()
        ([0.0, 0.0], [1.0, 0.2])
    """
    if hamiltonian is None:
        return static_rows(UNKNOWN_SPREAD_CV if scale_known else 0.0, not scale_known)
    return static_rows(degree_cv(hamiltonian), False)


__all__ = [
    "MAX_DEGREE_CV",
    "NUM_STATIC",
    "REFERENCE_SCALES",
    "REGULAR_CV",
    "SCALE_RULES",
    "STATIC_FEATURE_NAMES",
    "UNKNOWN_SPREAD_CV",
    "coupling_scale",
    "degree_cv",
    "hamiltonian_scale_factor",
    "static_features",
    "static_rows",
]
