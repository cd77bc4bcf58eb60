"""The differentiable training twin of :class:`qlstm_optimizer.policy.Rollout`.

It follows the frozen NumPy rollout step for step, batched over instances:

1. the first model call sees all-zero features and the anchor as its parameters; the first
   proposal is ``anchor + steps * tanh(y)``, or the anchor itself for the runs that probe it
   (``spec.probe_anchor``, decided per run by :func:`qlstm_optimizer.features.probes_anchor`);
2. after evaluation t (1-based) the scale is ``|e_1|``, the features are
   ``cost_features(e_t, best_before_t, scale, t, horizon)``, the model sees the *evaluated* point
   ``x_t`` and the next proposal is ``best_x + steps * tanh(y)``, where ``best_x`` is updated only
   on a strict improvement ``e_t < best`` (as ``Rollout.tell``);
3. after ``horizon`` evaluations it stops.

Batching over sizes: the torch simulator handles one qubit count per call, so a batch is split
into size groups (:class:`BatchDiagonals`); the model itself runs on the whole batch at once and
only the energy evaluation loops over the (few) groups. Grouping costs nothing in accuracy and,
unlike padding every instance to the largest size with idle qubits, no wasted amplitudes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .. import features as F
from ..instances import InstancePool
from ..policy import PolicySpec
from ..sim.torch_qaoa import qaoa_energy_torch


@dataclass
class BatchDiagonals:
    """Diagonals of a batch, grouped by size: ``groups = [(positions (b,), diagonals (b, 2**n))]``.

    ``opt`` (B,) holds each instance's optimal QAOA energy (negative, same footing) and
    ``static`` (B, NUM_STATIC) the static features a run on it sees.
    """

    groups: list[tuple[torch.Tensor, torch.Tensor]]
    opt: torch.Tensor
    size: int
    static: torch.Tensor

    @classmethod
    def from_pool(cls, pool: InstancePool, indices: np.ndarray,
                  blind: np.ndarray | None = None) -> BatchDiagonals:
        """The pool's instances ``indices``; where ``blind`` is True, as a blind run sees them:
        un-normalised (times the scale ``c`` the pool divided out) and with zero static
        features (``E_cH(beta, gamma) = c * E_H(beta, c * gamma)``, so its optimum is ``c`` times
        the pool's)."""
        indices = np.asarray(indices)
        blind = np.zeros(len(indices), bool) if blind is None else np.asarray(blind, bool)
        factor = np.where(blind, pool.norms[indices], 1.0)
        sizes = pool.sizes[indices]
        groups = []
        for n in sorted(set(sizes.tolist())):
            pos = np.flatnonzero(sizes == n)
            diags = pool.diagonals[n][pool.rows[indices[pos]]] * factor[pos, None]
            groups.append((torch.as_tensor(pos), torch.as_tensor(diags, dtype=torch.float64)))
        opt = torch.as_tensor(pool.opt[indices] * factor, dtype=torch.float64)
        static = F.static_rows(pool.cvs[indices], blind)
        return cls(groups, opt, len(indices), torch.as_tensor(static, dtype=torch.float64))

    def energies(self, x: torch.Tensor) -> torch.Tensor:
        """Exact QAOA energies (B,) of the proposals x (B, 2p), differentiable in x."""
        out = x.new_zeros(self.size)
        for pos, diags in self.groups:
            out = out.index_put((pos,), qaoa_energy_torch(diags, x[pos]))
        return out


def unroll(model, spec: PolicySpec, batch: BatchDiagonals, *,
           detach_features: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Run ``spec.horizon`` learned steps on every instance of ``batch``.

    Returns ``(energies (B, T), proposals (B, T, 2p))``, energies relative to the uniform
    superposition (not normalised).
    """
    size, horizon = batch.size, spec.horizon
    steps = torch.as_tensor(spec.steps, dtype=torch.float64)
    anchor = torch.as_tensor(np.asarray(spec.anchor), dtype=torch.float64).expand(size, -1)
    state = model.initial_state(size)

    def features(f: torch.Tensor) -> torch.Tensor:
        return F.with_static(f, batch.static) if spec.static_features else f

    raw, state = model.step(features(F.initial_features(size, like=anchor)), anchor, state)
    probe = F.probes_anchor(spec.probe_anchor, batch.static)
    # as Rollout: these runs evaluate the anchor first and then move in smaller steps
    step_scale = torch.full((size,), float(spec.probe_step_scale), dtype=torch.float64)
    steps = steps * torch.where(probe, step_scale, torch.ones_like(step_scale))[:, None]
    x = torch.where(probe[:, None], anchor, F.decode_proposal(raw, anchor, steps))
    energies, proposals = [], []
    best_e = best_x = scale = None
    for t in range(1, horizon + 1):
        e = batch.energies(x)
        energies.append(e)
        proposals.append(x)
        if t == 1:
            scale = F.energy_scale(e)
            best_before, best_e, best_x = e, e, x
        else:
            best_before = best_e
            improved = e < best_e  # strict, as Rollout.tell
            best_e = torch.where(improved, e, best_e)
            best_x = torch.where(improved[:, None], x, best_x)
        if t == horizon:
            break
        if detach_features:
            feats = F.cost_features(e.detach(), best_before.detach(), scale.detach(), t, horizon)
        else:
            feats = F.cost_features(e, best_before, scale, t, horizon)
        raw, state = model.step(features(feats), x, state)
        x = F.decode_proposal(raw, best_x, steps)
    return torch.stack(energies, 1), torch.stack(proposals, 1)
