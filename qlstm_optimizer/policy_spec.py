"""``PolicySpec``: how a model's outputs become QAOA parameters, stored in each model card.

The run itself is :mod:`qlstm_optimizer.policy` (and :mod:`qlstm_optimizer.depth_policy`); this
module holds only the settings and their checks, so a card's ``policy`` block is validated in
one place.

Example:
    >>> spec = PolicySpec(p=1, anchor=[0.39, -0.62], static_features=True)
    >>> spec.num_static, spec.learned_steps
    (2, 10)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from . import features as F
from .checks import check_count, check_real
from .units import SCALE_RULES

# When the first evaluation is the anchor itself (PolicySpec.probe_anchor).
PROBE_MODES = ("never", "always", "regular")


@dataclass(frozen=True)
class PolicySpec:
    """How a model's outputs become QAOA parameters; stored in each model card.

    Args:
        p: QAOA depth (the model proposes 2p parameters).
        anchor: start the model moves from, in Qiskit order ``[betas, gammas]``.
        beta_step: largest move of a beta per learned step, in radians.
        gamma_step: largest move of a gamma per learned step, in radians.
        horizon: number of learned proposals (the unroll length used in training).
        refine_step: initial step of the refine optimizer (COBYLA ``rhobeg``, simplex size).
        scale_rule: how the model's gamma units follow the Hamiltonian (see
            :func:`qlstm_optimizer.units.hamiltonian_scale_factor`): ``"max-coupling"`` (largest
            coupling; the first bundled models) or ``"coupling-rms"`` (root-mean-square local
            coupling, which also divides out the graph's degree).
        static_features: the model also sees :func:`qlstm_optimizer.features.static_features`
            (its ``num_features`` is then ``NUM_FEATURES + NUM_STATIC``).
        probe_anchor: when the first evaluation is the anchor itself instead of the anchor
            moved by the model's first output: ``"never"``, ``"always"``, or ``"regular"`` (only
            when the static features say the Hamiltonian is known and every spin has the same
            coupling strength, as on d-regular graphs and SK, where a fixed-angle anchor is
            already near-optimal). A probing run is never behind a fixed-angle start. The model's
            first call happens either way, so its state does not depend on the mode. (Booleans
            are refused: ``True`` once meant "no model call before the anchor", a different
            state sequence, so such a model must be retrained.)
        probe_step_scale: the learned moves of a run that probes its anchor are this fraction of
            ``beta_step`` / ``gamma_step``: the anchor is near-optimal there, so the search is
            local, and small moves along the direction that is downhill on most such instances
            improve on the anchor far more often than bold ones.
        handoff: learned proposals used at inference before the refine takes over (default
            ``horizon``). Fewer than trained for: the last learned steps polish the optimum,
            which a model-based refine does faster once the learned steps have surrounded it.
        depth_feature: a depth-general model (:mod:`qlstm_optimizer.depth`): ``p`` is its
            number of Fourier modes, and its static features end with the run's depth
            (:meth:`~qlstm_optimizer.depth.DepthSpec.depth_feature`). Needs ``static_features``.
        start_candidates: with the operator known, at p = 1, the first evaluations are up to
            this many of its classical start candidates
            (:func:`qlstm_optimizer.penalty_starts.candidate_starts`), and the learned steps run
            around the best of them instead of the learned anchor: on penalty problems the
            global p = 1 optimum sits far beyond the first basin the anchor is in (docs/design.md
            "Start candidates for penalty problems"). 0 (default): none. Depth-general models
            only; a candidate is the anchor's probe, so it needs ``probe_anchor = "always"``.
        calibrate_anchor: with the operator known, the learned anchors are rescaled to the
            instance's exact p = 1 first-basin optimum
            (:func:`qlstm_optimizer.depth.calibrated_anchor`,
            :func:`qlstm_optimizer.penalty_starts.first_basin`), in training as at inference.
            Depth-general models only.
        general_features: the static features go on with
            :data:`~qlstm_optimizer.units.GENERAL_STATIC_NAMES` of the operator
            (:func:`qlstm_optimizer.units.general_static`; zeros for a blind run): the
            field-to-coupling ratio, the term orders, a squared-sum penalty's share, the fields'
            alignment with the couplings. Depth-general models only.
    """

    p: int
    anchor: Sequence[float]
    beta_step: float = 0.3
    gamma_step: float = 0.3
    horizon: int = 10
    refine_step: float = 0.1
    scale_rule: str = "max-coupling"
    static_features: bool = False
    probe_anchor: str = "never"
    probe_step_scale: float = 1.0
    handoff: int | None = None
    depth_feature: bool = False
    start_candidates: int = 0
    calibrate_anchor: bool = False
    general_features: bool = False

    def __post_init__(self) -> None:
        # A card's policy block becomes a PolicySpec, so these checks are what stands between
        # an edited card (a NaN step, a fractional horizon) and a silently wrong run.
        check_count("p", self.p)
        check_count("horizon", self.horizon)
        for name in ("beta_step", "gamma_step", "refine_step"):
            check_real(name, getattr(self, name), positive=True)
        if not isinstance(self.static_features, bool | np.bool_):
            raise ValueError(f"static_features must be true or false, got {self.static_features!r}")
        if not isinstance(self.depth_feature, bool | np.bool_):
            raise ValueError(f"depth_feature must be true or false, got {self.depth_feature!r}")
        if self.depth_feature and not self.static_features:
            raise ValueError("depth_feature needs static_features (the depth is a static feature)")
        if isinstance(self.probe_anchor, bool):
            raise ValueError(
                f"probe_anchor is one of {PROBE_MODES} (got {self.probe_anchor!r}): the boolean "
                "form called the model only after the anchor's evaluation, which no longer "
                "exists; retrain the model with a mode")
        if self.probe_anchor not in PROBE_MODES:
            raise ValueError(
                f"probe_anchor must be one of {PROBE_MODES}, got {self.probe_anchor!r}")
        if not 0 < check_real("probe_step_scale", self.probe_step_scale) <= 1:
            raise ValueError(f"probe_step_scale must be in (0, 1], got {self.probe_step_scale}")
        handoff = None if self.handoff is None else check_count("handoff", self.handoff)
        if handoff is not None and not 1 <= handoff <= self.horizon:
            raise ValueError(
                f"handoff must be in [1, horizon = {self.horizon}], got {self.handoff}")
        if isinstance(self.start_candidates, bool) or not isinstance(
                self.start_candidates, int | np.integer) or self.start_candidates < 0:
            raise ValueError(f"start_candidates must be a non-negative integer, got "
                             f"{self.start_candidates!r}")
        if self.start_candidates and not (self.depth_feature and self.probe_anchor == "always"):
            raise ValueError("start_candidates needs depth_feature = true and probe_anchor = "
                             "'always' (the best candidate is the anchor the run probes)")
        object.__setattr__(self, "start_candidates", int(self.start_candidates))
        if not isinstance(self.calibrate_anchor, bool | np.bool_):
            raise ValueError(f"calibrate_anchor must be true or false, got "
                             f"{self.calibrate_anchor!r}")
        if not isinstance(self.general_features, bool | np.bool_):
            raise ValueError(f"general_features must be true or false, got "
                             f"{self.general_features!r}")
        if self.general_features and not self.depth_feature:
            raise ValueError("general_features needs depth_feature = true (depth-general "
                             "models only)")
        if self.calibrate_anchor and not self.depth_feature:
            raise ValueError("calibrate_anchor needs depth_feature = true (it rescales the "
                             "depth-general anchors)")
        if self.scale_rule not in SCALE_RULES:
            raise ValueError(f"scale_rule must be one of {SCALE_RULES}, got {self.scale_rule!r}")
        try:
            anchor = np.asarray(self.anchor, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"anchor must be 2p = {2 * self.p} numbers, got {self.anchor!r}"
                             ) from None
        if anchor.shape != (2 * self.p,):
            raise ValueError(f"anchor must have 2p = {2 * self.p} entries, got {anchor.shape}")
        if not np.all(np.isfinite(anchor)):
            raise ValueError(f"anchor must be finite, got {anchor.tolist()}")
        object.__setattr__(self, "anchor", tuple(float(a) for a in anchor))

    @property
    def steps(self) -> np.ndarray:
        return F.step_sizes(self.p, self.beta_step, self.gamma_step)

    @property
    def num_static(self) -> int:
        """Static features the model sees after its step features (0 without them)."""
        general = len(F.GENERAL_STATIC_NAMES) if self.general_features else 0
        return (F.NUM_STATIC + general + int(self.depth_feature)) if self.static_features else 0

    @property
    def learned_steps(self) -> int:
        """Learned proposals before the refine takes over: ``handoff``, else ``horizon``."""
        return self.handoff or self.horizon

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["anchor"] = list(self.anchor)
        for key in ("start_candidates", "calibrate_anchor", "general_features"):  # added later
            if not d[key]:
                del d[key]  # cards without them stay as they were
        return d


__all__ = ["PROBE_MODES", "PolicySpec"]
