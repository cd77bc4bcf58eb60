"""Cost features fed to the sequence models, and the decoding of their outputs into proposals.

Shared by the frozen NumPy policy and the torch trainer: every function here works unchanged on
NumPy arrays and on torch tensors (it only uses arithmetic and a namespace picked from the input),
so training and inference see exactly the same features.

Why these features (docs/training.md has the measured comparison of losses and features):

* Raw energies scale with graph size, density and the Hamiltonian's normalisation, and a frozen
  model must work on all of them. Every energy feature is therefore divided by a per-run scale
  ``s``: by default the magnitude of the first evaluated energy ``|e_1|`` (available to every
  black-box adapter, no Hamiltonian needed), or a user-supplied ``energy_scale``.
* Energies are taken relative to the uniform superposition (its energy is the Hamiltonian's
  constant, 0 for qiskit-optimization's ``to_ising`` operators); adapters accept an
  ``energy_offset`` otherwise.
* The model sees: the current energy, the improvement over the best so far (the signal the
  observed-improvement loss rewards), the best so far, and the fraction of its horizon used.
* Optional **static features** of the Hamiltonian (models whose spec has
  ``static_features = True``), appended to every step's features: ``scale_known`` (1 if the
  policy was given the Hamiltonian or its scale, so the gammas are in normalised units; 0 if it
  runs blind) and ``degree_cv``, the coefficient of variation of the spins' coupling strengths
  (0 for a regular graph, ~0.3-0.6 for Erdos-Renyi graphs). With them the first proposal can
  depend on the instance, and one model serves informed and blind runs.
* The model's raw output ``y`` is decoded as a bounded move away from the best point so far,
  ``x_next = x_best + step * tanh(y)``: bounded moves cannot fling the angles into a far basin, and
  centring on the best point makes a bad proposal cost one evaluation, never the run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

NUM_FEATURES = 4
FEATURE_NAMES = ("energy/scale", "(energy - best_before)/scale", "best/scale", "step/horizon")
# Energies far outside the first one's magnitude carry no extra information; clip smoothly so one
# wild evaluation cannot saturate every gate of the model.
FEATURE_CLIP = 8.0
MIN_SCALE = 1e-12


STATIC_FEATURE_NAMES = ("scale_known", "degree_cv")
NUM_STATIC = len(STATIC_FEATURE_NAMES)


def _namespace(a: Any) -> Any:
    """NumPy for arrays, torch for tensors (without importing torch for NumPy callers)."""
    if type(a).__module__.split(".")[0] == "torch":
        import torch

        return torch
    return np


def energy_scale(first_energy: Any) -> Any:
    """Per-run scale ``s = max(|e_1|, 1e-12)`` from the first evaluated energies (shape (B,))."""
    xp = _namespace(first_energy)
    return xp.clip(xp.abs(first_energy), MIN_SCALE, None)


def cost_features(
    energy: Any, best_before: Any, scale: Any, step: int, horizon: int
) -> Any:
    """Features (B, 4) after evaluating ``energy`` (B,) at step ``step`` (1-based).

    ``best_before`` is the best energy before this evaluation (use ``energy`` itself at step 1).

    Example:
        >>> e = np.array([-2.0])
        >>> cost_features(e, e, np.array([2.0]), step=1, horizon=10).round(3).tolist()
        [[-0.995, 0.0, -0.995, 0.1]]
    """
    xp = _namespace(energy)
    best = xp.minimum(energy, best_before)
    cols = [energy / scale, (energy - best_before) / scale, best / scale]
    cols = [FEATURE_CLIP * xp.tanh(c / FEATURE_CLIP) for c in cols]
    cols.append(xp.zeros_like(energy) + step / horizon)
    return xp.stack(cols, -1)


def initial_features(batch: int, like: Any = None) -> Any:
    """All-zero features for the first model call, before any evaluation."""
    if like is not None and _namespace(like) is not np:
        return like.new_zeros((batch, NUM_FEATURES))
    return np.zeros((batch, NUM_FEATURES))


def step_sizes(p: int, beta_step: float, gamma_step: float) -> np.ndarray:
    """Per-coordinate maximum move, in Qiskit order ``[betas, gammas]``."""
    return np.concatenate([np.full(p, beta_step), np.full(p, gamma_step)])


def decode_proposal(raw: Any, center: Any, steps: Any) -> Any:
    """Next parameters ``center + steps * tanh(raw)``: raw, center (B, 2p); steps (2p,) or
    (B, 2p)."""
    xp = _namespace(raw)
    return center + steps * xp.tanh(raw)


# degree_cv at or below this counts as regular: exact for equal coupling strengths (the sums are
# the same floats), far below any real spread (one differing edge in a 20-spin graph: > 0.05).
REGULAR_CV = 1e-9
# The degree spread assumed when only the scale is given (see static_features). Picked with
# `python -m qlstm_optimizer.bench.scale_only` (validation-split graphs, 20 per family,
# maxcut-p1) among 0, 0.2, 0.3, 0.4: median
# rho_3 with 0 / 0.2: ER 0.9276 / 0.9965, weighted ER 0.9722 / 0.9965, 3-regular 0.9999 /
# 0.9854 (with the operator: 0.9974, 0.9980, 0.9999).
UNKNOWN_SPREAD_CV = 0.2


def degree_cv(hamiltonian: Any) -> float:
    """Coefficient of variation of the coupling strengths ``d_i = sum_j J_ij**2`` of the spins.

    Example:
        >>> from qlstm_optimizer.problems import regular
        >>> degree_cv(regular(8, 3, seed=0))
        0.0
    """
    from .hamiltonian import as_hamiltonian

    h = as_hamiltonian(hamiltonian)
    d = np.zeros(h.num_qubits)
    for qubits, coeff in h.terms.items():
        if len(qubits) == 2:
            d[list(qubits)] += coeff * coeff
    mean = d.mean()
    return float(min(d.std() / mean, FEATURE_CLIP)) if mean > 0 else 0.0


def probes_anchor(mode: str, static: Any) -> np.ndarray:
    """Which runs evaluate the policy's anchor first (``PolicySpec.probe_anchor``), from their
    static-feature rows (..., NUM_STATIC): ``"regular"`` means the scale is known and the spins'
    coupling strengths do not vary (degree_cv = 0: d-regular graphs, SK). One definition for
    inference and the training twin; works on NumPy arrays and torch tensors."""
    known, cv = static[..., 0], static[..., 1]
    # (comparisons, so the result is a boolean array of the batch's shape in NumPy and torch)
    if mode == "always":
        return known >= 0
    if mode == "never":
        return known < 0
    return (known > 0.5) & (cv <= REGULAR_CV)


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
    """
    if hamiltonian is None:
        return static_rows(UNKNOWN_SPREAD_CV if scale_known else 0.0, not scale_known)
    return static_rows(degree_cv(hamiltonian), False)


def with_static(features: Any, static: Any) -> Any:
    """Append static features (B, NUM_STATIC) to step features (B, NUM_FEATURES)."""
    if _namespace(features) is np:
        return np.concatenate([features, static], -1)
    import torch

    return torch.cat([features, static], -1)
