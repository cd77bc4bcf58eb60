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
  ``static_features = True``; defined in :mod:`qlstm_optimizer.units`), appended to every
  step's features: ``scale_known`` (1 if the policy was given the Hamiltonian or its scale,
  so the gammas are in normalised units; 0 if it runs blind) and ``degree_cv``, the
  coefficient of variation of the spins' coupling strengths (0 for a regular graph, ~0.3-0.6
  for Erdos-Renyi graphs). With them the first proposal can
  depend on the instance, and one model serves informed and blind runs.
* The model's raw output ``y`` is decoded as a bounded move away from the best point so far,
  ``x_next = x_best + step * tanh(y)``: bounded moves cannot fling the angles into a far basin, and
  centring on the best point makes a bad proposal cost one evaluation, never the run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# The static features' definitions (and the Hamiltonian units they describe) live in .units;
# re-exported here because the policy and the trainer read every model input through this module.
from .units import (  # noqa: F401
    GENERAL_STATIC_NAMES,
    NUM_STATIC,
    REGULAR_CV,
    STATIC_FEATURE_NAMES,
    UNKNOWN_SPREAD_CV,
    degree_cv,
    static_features,
    static_rows,
)

NUM_FEATURES = 4
FEATURE_NAMES = ("energy/scale", "(energy - best_before)/scale", "best/scale", "step/horizon")
# Energies far outside the first one's magnitude carry no extra information; clip smoothly so one
# wild evaluation cannot saturate every gate of the model.
FEATURE_CLIP = 8.0
MIN_SCALE = 1e-12


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


def with_static(features: Any, static: Any) -> Any:
    """Append static features (B, NUM_STATIC) to step features (B, NUM_FEATURES)."""
    if _namespace(features) is np:
        return np.concatenate([features, static], -1)
    import torch

    return torch.cat([features, static], -1)
