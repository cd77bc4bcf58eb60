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
SCALE_RULES = ("max-coupling", "coupling-rms", "term-local")

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


def _terms_by_order(h: Any) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """The terms grouped by order: ``{k: (qubits (m, k) int64, coefficients (m,))}``."""
    groups: dict[int, tuple[list, list]] = {}
    for qubits, coeff in h.terms.items():
        keys, coeffs = groups.setdefault(len(qubits), ([], []))
        keys.append(qubits)
        coeffs.append(coeff)
    return {k: (np.array(keys, dtype=np.int64).reshape(-1, k), np.array(coeffs, dtype=float))
            for k, (keys, coeffs) in sorted(groups.items())}


def term_local_scale(hamiltonian: Any) -> float:
    """Root-mean-square local field felt by the terms' qubits, each term weighted by its
    first-order share of the energy: ``s**2 = sum_S |S| c_S**2 L_S / sum_S |S| c_S**2`` with
    ``L_S = sum_{q in S} D_q / 2`` and ``D_q = sum_{T on q} c_T**2`` (0 without terms).

    Why: at small gamma the p = 1 energy falls as ``gamma sum_S |S| c_S**2`` and a term's phase
    dephases at the rate set by the fields on *all* its qubits (``L_S``), so its optimum is at
    ``gamma ~ 1/s``. A ZZ term has ``L = (D_u + D_v) / 2``: on graphs with equal coupling
    strengths ``s`` is :func:`coupling_scale`; a single Z sees only its own qubit's ``D / 2``
    (a Z-only operator with fields h: ``s = h / sqrt 2``, optimum gamma = pi / (4 h)); an order-4
    term sees four qubits. Penalty encodings load their fields on a few strongly coupled qubits,
    which this weighting follows and the plain qubit average does not. Measured on eleven
    problem classes (qiskit-optimization encodings, QUBOs, Max-Cut, SK, LABS, Max-3-SAT): the
    std of ``log(gamma_1 * c)`` of the first p = 1 optimum is 0.16 against 0.19-0.20 with
    ``coupling-rms``, and 0.00-0.04 against 0.03-0.18 within the penalty classes
    (``python -m benchmarks.field_units``; docs/design.md, "Units for fields and penalties").

    Example:
        >>> from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
        >>> round(term_local_scale(DiagonalHamiltonian(2, {(0,): 2.0, (1,): 2.0})), 6)  # 2/sqrt 2
        1.414214
        >>> from qlstm_optimizer.problems import regular
        >>> g = regular(8, 3, seed=0)
        >>> round(term_local_scale(g) / coupling_scale(g), 12)
        1.0
    """
    h = as_hamiltonian(hamiltonian)
    groups = _terms_by_order(h)
    if not groups:
        return 0.0
    d = np.zeros(h.num_qubits)
    for k, (qubits, coeffs) in groups.items():
        np.add.at(d, qubits.ravel(), np.repeat(coeffs * coeffs, k))
    num = den = 0.0
    for k, (qubits, coeffs) in groups.items():
        weight = k * coeffs * coeffs
        num += float(weight @ d[qubits].sum(axis=1)) / 2.0
        den += float(weight.sum())
    return float(np.sqrt(num / den))


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
    * ``"term-local"``: :func:`term_local_scale` over the same reference values (equal to
      ``coupling-rms`` on unit 3-regular and SK instances). For operators with Z fields,
      penalties and terms of any order; a Z-only operator gets ``h / sqrt 2`` relative to the
      reference, an operator without terms 1.

    Example:
        >>> from qlstm_optimizer.problems import regular
        >>> round(hamiltonian_scale_factor(regular(8, 3, seed=0), "maxcut", "coupling-rms"), 6)
        1.0
    """
    if rule not in SCALE_RULES:
        raise ValueError(f"scale rule must be one of {SCALE_RULES}, got {rule!r}")
    h = as_hamiltonian(hamiltonian)
    reference = REFERENCE_SCALES["sk" if family == "sk" else "maxcut"]
    if rule == "term-local":
        scale = term_local_scale(h)
        return scale / reference if scale > 0 else 1.0
    coeffs = np.array([abs(c) for k, c in h.terms.items() if len(k) == 2])
    if coeffs.size == 0:
        return 1.0
    if rule == "coupling-rms":
        return coupling_scale(h) / reference
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


# Candidate static features for a general (fields, penalties, any order) family; see
# general_features. Not part of static_rows / NUM_STATIC: the bundled models' inputs stay as
# they are until a model is trained with them.
GENERAL_FEATURE_NAMES = ("field_weight", "high_order_weight", "mean_order", "max_order",
                         "coefficient_cv", "coupling_rank1", "field_alignment", "scale_ratio")
# Dense eigenvalues up to this many qubits, a sparse Lanczos solve beyond (coupling_rank1).
DENSE_EIG_QUBITS = 512


def _top_coupling_share(h: Any) -> float:
    """lambda_max(J)**2 / ||J||_F**2 of the symmetric ZZ matrix (0 without couplings)."""
    pairs, weights = h.couplings()
    if weights.size == 0:
        return 0.0
    frob2 = 2.0 * float(weights @ weights)
    if h.num_qubits <= DENSE_EIG_QUBITS:
        top = float(np.abs(np.linalg.eigvalsh(h.quadratic)).max())
    else:
        from scipy.sparse import coo_matrix
        from scipy.sparse.linalg import eigsh

        n = h.num_qubits
        rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
        cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
        j = coo_matrix((np.concatenate([weights, weights]), (rows, cols)), shape=(n, n)).tocsr()
        top = float(np.abs(eigsh(j, k=1, which="LM", return_eigenvectors=False)).max())
    return min(top * top / frob2, 1.0)


# The general features a general-family model reads (PolicySpec.general_features), after
# scale_known and degree_cv: the ones the field_units study recommends (docs/design.md), orders
# centred on 2 (Max-Cut and SK then read field_weight = order = alignment = 0).
GENERAL_STATIC_NAMES = ("field_weight", "mean_order", "max_order", "coupling_rank1",
                        "field_alignment")


def general_static(hamiltonian: Any = None) -> np.ndarray:
    """The (5,) general static features of a run: :data:`GENERAL_STATIC_NAMES` from
    :func:`general_features`, ``(order - 2) / 2`` for the two orders; zeros without an operator
    (a blind run knows none of them).

    Example:
        >>> from qlstm_optimizer.qubo_problems import labs
        >>> general_static(None).tolist(), float(general_static(labs(6))[2])
        ([0.0, 0.0, 0.0, 0.0, 0.0], 1.0)
    """
    if hamiltonian is None:
        return np.zeros(len(GENERAL_STATIC_NAMES))
    f = general_features(hamiltonian)
    f["mean_order"], f["max_order"] = (f["mean_order"] - 2) / 2, (f["max_order"] - 2) / 2
    return np.array([f[k] for k in GENERAL_STATIC_NAMES], dtype=float)


def general_features(hamiltonian: Any) -> dict[str, float]:
    """Candidate static features of any diagonal Hamiltonian, named as in
    :data:`GENERAL_FEATURE_NAMES` (all dimensionless: unchanged when H is scaled, unlike
    its size, which the scale rule divides out):

    * ``field_weight``: share of the single-Z terms in ``sum c**2`` (0 for Max-Cut / SK, 1 for
      a Z-only operator): the field-to-coupling ratio.
    * ``high_order_weight``: share of the terms of order >= 3 in ``sum c**2``.
    * ``mean_order``: ``sum |S| c_S**2 / sum c_S**2``; ``max_order``: the highest order.
    * ``coefficient_cv``: std / mean of ``|c|`` over the terms (clipped at
      :data:`MAX_DEGREE_CV`): 0 for unit Max-Cut or +-1 SK, large when a penalty dwarfs the
      objective.
    * ``coupling_rank1``: share of the ZZ matrix's squared norm in its largest eigenvalue: near
      1 when one squared-sum penalty (``(sum_i w_i x_i - b)**2``: a budget, a capacity, number
      partitioning) dominates; about the edge density on unweighted graphs (the Perron
      eigenvalue), a few / n with random signs (SK).
    * ``field_alignment``: ``|cos|`` between the fields and the couplings' row sums
      ``sum_j J_ij``: near 1 when the fields come from the same pair penalties as the
      couplings (vertex cover, stable set), 0 without fields.
    * ``scale_ratio``: :func:`term_local_scale` / :func:`coupling_scale` (1 on regular graphs):
      how strongly the local fields concentrate on a few qubits.

    An operator without terms gets all zeros. Chosen by measurement in
    ``python -m benchmarks.field_units`` (their per-class medians; docs/design.md).

    Example:
        >>> from qlstm_optimizer.problems import regular
        >>> f = general_features(regular(8, 3, seed=0))
        >>> [round(f[k], 6) for k in ("field_weight", "mean_order", "coefficient_cv",
        ...                           "scale_ratio")]
        [0.0, 2.0, 0.0, 1.0]
        >>> from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
        >>> general_features(DiagonalHamiltonian(3, {(0,): 1.0, (1,): -1.0}))["field_weight"]
        1.0
    """
    h = as_hamiltonian(hamiltonian)
    if not h.terms:
        return dict.fromkeys(GENERAL_FEATURE_NAMES, 0.0)
    orders = np.array([len(k) for k in h.terms], dtype=float)
    coeffs = np.abs(np.array(list(h.terms.values()), dtype=float))
    sq = coeffs * coeffs
    total = float(sq.sum())
    row_sums = h.quadratic.sum(axis=1) if h.num_qubits <= DENSE_EIG_QUBITS else np.bincount(
        h.couplings()[0].ravel(), np.repeat(h.couplings()[1], 2), h.num_qubits)
    field = h.linear
    norms = float(np.linalg.norm(field) * np.linalg.norm(row_sums))
    return {
        "field_weight": float(sq[orders == 1].sum() / total),
        "high_order_weight": float(sq[orders >= 3].sum() / total),
        "mean_order": float(orders @ sq / total),
        "max_order": float(orders.max()),
        "coefficient_cv": float(min(coeffs.std() / coeffs.mean(), MAX_DEGREE_CV)),
        "coupling_rank1": _top_coupling_share(h),
        "field_alignment": abs(float(field @ row_sums)) / norms if norms > 0 else 0.0,
        "scale_ratio": term_local_scale(h) / coupling_scale(h),
    }


__all__ = [
    "DENSE_EIG_QUBITS",
    "GENERAL_FEATURE_NAMES",
    "GENERAL_STATIC_NAMES",
    "MAX_DEGREE_CV",
    "NUM_STATIC",
    "REFERENCE_SCALES",
    "REGULAR_CV",
    "SCALE_RULES",
    "STATIC_FEATURE_NAMES",
    "UNKNOWN_SPREAD_CV",
    "coupling_scale",
    "degree_cv",
    "general_features",
    "general_static",
    "hamiltonian_scale_factor",
    "static_features",
    "static_rows",
    "term_local_scale",
]
