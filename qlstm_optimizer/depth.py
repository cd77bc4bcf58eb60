"""Any QAOA depth with one model: a learned schedule per depth and a Fourier subspace around it.

A depth-general model never sees the 2p angles of a depth-p run. It works in the coefficients
of a few Fourier modes of the schedule over the layer index (FOURIER, Zhou et al. arXiv
1812.01041), offsets from the model's own start at that depth:

    x = anchor_p + M_p c,  M_p = [[cos-modes, 0], [0, sin-modes]]  (Qiskit order [betas, gammas])

``c = [v_1..v_Q, u_1..u_Q]`` has the same 2Q entries at every depth, so one sequence model (a
QLSTM built for "p = Q") serves p = 1..``max_depth``; its static features carry the depth
(:meth:`DepthSpec.depth_feature`). ``anchor_p`` is a learned table: the schedule that minimises
the mean normalised energy over the training pool at each depth (fitted by the trainer, stored in
the card), the zero-evaluation start the learned steps move from.

After the learned steps the refine runs in growing nested subspaces (:func:`staged_refine`): the
model's Q modes, then 2Q, 4Q, ... and finally all 2p angles. Smooth optimal schedules need few
modes, so the early stages fit quadratics in a handful of coordinates (a full quadratic in 2p =
32 coordinates needs 65 points before its first model step); every point of a smaller subspace
lies in the larger ones, so no evaluation is wasted when a stage hands over.

Example:
    >>> spec = DepthSpec(modes=2, anchors=((0.4, 0.6), (0.5, 0.3, 0.4, 0.7)))
    >>> sub = spec.subspace(2)
    >>> sub.lift(np.zeros(4)).tolist()
    [0.5, 0.3, 0.4, 0.7]
    >>> round(spec.depth_feature(16), 3), spec.max_depth
    (1.0, 2)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .angles import fourier_schedule
from .refine import QuadraticRefiner
from .stopping import NoiseAwareStop

# The depth feature is log2(p) / log2(DEPTH_FEATURE_SPAN): 0 at p = 1, 1 at p = 16.
DEPTH_FEATURE_SPAN = 16
BASES = ("fourier",)


def fourier_matrix(p: int, modes: int) -> np.ndarray:
    """(2p, 2 modes) matrix taking ``c = [v, u]`` to the schedule ``[betas, gammas]`` (linear,
    :func:`qlstm_optimizer.angles.fourier_schedule`). For ``modes > p`` it is overcomplete."""
    m = np.zeros((2 * p, 2 * modes))
    for k in range(modes):
        e = np.zeros(modes)
        e[k] = 1.0
        m[:, k] = fourier_schedule(np.zeros(modes), e, p)      # v_k -> betas
        m[:, modes + k] = fourier_schedule(e, np.zeros(modes), p)  # u_k -> gammas
    return m


def stage_bases(p: int, modes: int) -> list[np.ndarray]:
    """Orthonormal bases (2p, d) of the refine's nested subspaces: ``modes``, ``2 modes``, ...
    Fourier modes per angle while fewer than p, then all 2p angles (the identity)."""
    bases = []
    q = modes
    while q < p:
        m = fourier_matrix(p, q)
        # the cosine and sine columns are orthogonal, each of squared norm p/2 (DCT/DST-IV)
        bases.append(m / np.sqrt(p / 2.0))
        q *= 2
    bases.append(np.eye(2 * p))
    return bases


# A calibration ratio outside [1 / RATIO_LIMIT, RATIO_LIMIT] is not trusted (a beta on the
# other branch of the landscape's symmetry, a basin the profile mis-placed): the angle keeps
# the learned anchor's scale.
RATIO_LIMIT = 4.0


def calibrated_anchor(anchor: Any, anchor_p1: Any, basin: Any) -> np.ndarray:
    """The depth-p ``anchor`` with its betas and gammas rescaled by ``basin / anchor_p1``: the
    instance's own p = 1 first-basin optimum ``basin = (beta, gamma)`` over the learned p = 1
    anchor, in the same (model) units; a ratio outside ``[1 / RATIO_LIMIT, RATIO_LIMIT]`` leaves
    that angle as learned. At p = 1 it is ``basin`` itself. A basin on the other side of
    ``E(beta, gamma) = E(-beta, -gamma)`` than ``anchor_p1`` (gamma of the other sign) is
    mirrored onto the anchor's side first.

    Why: the learned anchors are the training mixture's mean schedule; a penalty problem's
    optimal schedule differs from it mostly by a scale per angle, which the exact p = 1
    optimum measures before any evaluation (docs/design.md "A general-family model").

    Example:
        >>> calibrated_anchor([-0.5, -0.2, 0.3, 0.6], [-0.4, 0.5], [-0.2, 0.6]).tolist()
        [-0.25, -0.1, 0.36, 0.72]

    Raises:
        ValueError: ``anchor`` not one schedule (2p,), or ``anchor_p1`` / ``basin`` not (2,):
            a batch of anchors must be calibrated row by row (its size would be read as p).
    """
    a = np.asarray(anchor, dtype=float)
    if a.ndim != 1 or a.size < 2 or a.size % 2:
        raise ValueError(f"anchor must be one schedule of 2p angles, got shape {a.shape}")
    one, b = np.asarray(anchor_p1, dtype=float), np.asarray(basin, dtype=float)
    for name, arr in (("anchor_p1", one), ("basin", b)):
        if arr.shape != (2,):
            raise ValueError(f"{name} must be 2 angles (beta, gamma), got shape {arr.shape}")
    if b[1] * one[1] < 0:  # the same point's mirror image: anchors fitted on the other side
        b = -b
    p = a.size // 2
    if p == 1:  # the exact p = 1 optimum of the basin: nothing to rescale
        return b.copy()
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero angle: untrusted, below
        ratios = b / one
    ratios = np.where((ratios >= 1 / RATIO_LIMIT) & (ratios <= RATIO_LIMIT), ratios, 1.0)
    return a * np.repeat(ratios, p)


@dataclass(frozen=True)
class Subspace:
    """A depth-p run's model coordinates: ``x = anchor + matrix @ c``."""

    p: int
    anchor: np.ndarray
    matrix: np.ndarray

    def lift(self, c: Any) -> np.ndarray:
        return self.anchor + self.matrix @ np.asarray(c, dtype=float)


def _schedules(name: str, rows: Any) -> tuple[tuple[float, ...], ...]:
    """``rows[p - 1]``: 2p finite angles for p = 1, 2, ...; a ValueError naming ``name``."""
    if not isinstance(rows, Sequence) or isinstance(rows, str) or not rows:
        raise ValueError(f"{name} must be a non-empty list (one schedule per depth)")
    out = []
    for p, row in enumerate(rows, start=1):
        try:
            if isinstance(row, str) or any(isinstance(a, bool | np.bool_) for a in row):
                raise TypeError  # true/false in a card are not angles
            arr = np.asarray(row, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"{name}[{p - 1}] must be {2 * p} numbers (depth {p}), "
                             f"got {row!r}") from None
        if arr.shape != (2 * p,) or not np.all(np.isfinite(arr)):
            raise ValueError(f"{name}[{p - 1}] must be {2 * p} finite numbers (depth {p}), "
                             f"got {np.asarray(row).tolist()}")
        out.append(tuple(float(a) for a in arr))
    return tuple(out)


@dataclass(frozen=True)
class DepthSpec:
    """What makes a model depth-general; the ``depth`` block of its card.

    Args:
        modes: Fourier modes per angle the model acts on (its ``p`` is ``modes``).
        anchors: ``anchors[p - 1]`` is the learned start at depth p (2p angles, model units),
            for p = 1..max_depth.
        stage_radius: the refine moves to the next larger subspace once its trust radius is
            below this (radians in the orthonormal coordinates of :func:`stage_bases`).
        basis: ``"fourier"`` (the only one so far).
        regular_anchors: optional starts of the same shape for runs whose static features say
            "regular" (the operator is known and the spins' coupling strengths are equal:
            d-regular graphs, SK; :func:`qlstm_optimizer.features.probes_anchor`): their
            optimal schedules differ from the mixture's (docs/design.md, "Any depth").
    """

    modes: int
    anchors: tuple[tuple[float, ...], ...]
    stage_radius: float = 0.02
    basis: str = "fourier"
    regular_anchors: tuple[tuple[float, ...], ...] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.modes, bool) or not isinstance(self.modes, int | np.integer) \
                or self.modes < 1:
            raise ValueError(f"depth.modes must be a positive integer, got {self.modes!r}")
        if self.basis not in BASES:
            raise ValueError(f"depth.basis must be one of {BASES}, got {self.basis!r}")
        if isinstance(self.stage_radius, bool) or not (
                isinstance(self.stage_radius, int | float) and 0 < self.stage_radius < np.inf):
            raise ValueError(
                f"depth.stage_radius must be a positive finite number, got {self.stage_radius!r}")
        object.__setattr__(self, "anchors", _schedules("depth.anchors", self.anchors))
        if self.regular_anchors is not None:
            rows = _schedules("depth.regular_anchors", self.regular_anchors)
            if len(rows) != len(self.anchors):
                raise ValueError(f"depth.regular_anchors has {len(rows)} schedules, "
                                 f"depth.anchors {len(self.anchors)}: one per depth in both")
            object.__setattr__(self, "regular_anchors", rows)
        object.__setattr__(self, "modes", int(self.modes))
        object.__setattr__(self, "stage_radius", float(self.stage_radius))

    @property
    def max_depth(self) -> int:
        return len(self.anchors)

    def check_depth(self, p: int, name: str = "the model") -> int:
        """p if this model serves it, else a ValueError naming the supported range."""
        if not 1 <= p <= self.max_depth:
            raise ValueError(f"{name} serves QAOA depths 1..{self.max_depth} (reps), got {p}")
        return p

    @staticmethod
    def depth_feature(p: int) -> float:
        """The model's depth input: ``log2(p) / log2(16)`` (0 at p = 1, 1 at p = 16)."""
        return float(np.log2(p) / np.log2(DEPTH_FEATURE_SPAN))

    def learned_anchor(self, p: int, regular: bool = False) -> np.ndarray:
        """The learned start at depth p: the regular class's if ``regular`` and the card has
        one, else the general one."""
        self.check_depth(p)
        table = self.regular_anchors if regular and self.regular_anchors else self.anchors
        return np.asarray(table[p - 1], dtype=float)

    def subspace(self, p: int, anchor: Any = None, regular: bool = False) -> Subspace:
        """The model coordinates at depth p, around ``anchor`` (default: the learned one, see
        :meth:`learned_anchor`)."""
        self.check_depth(p)
        a = self.learned_anchor(p, regular) if anchor is None else np.asarray(anchor, float)
        return Subspace(p, a, fourier_matrix(p, self.modes))

    def to_dict(self) -> dict[str, Any]:
        d = {"basis": self.basis, "modes": self.modes, "max_depth": self.max_depth,
             "stage_radius": self.stage_radius, "anchors": [list(a) for a in self.anchors]}
        if self.regular_anchors is not None:
            d["regular_anchors"] = [list(a) for a in self.regular_anchors]
        return d

    @classmethod
    def from_dict(cls, d: Any) -> DepthSpec:
        if not isinstance(d, dict):
            raise ValueError(f"depth must be a table, got {type(d).__name__}")
        unknown = set(d) - {"basis", "modes", "max_depth", "stage_radius", "anchors",
                            "regular_anchors"}
        missing = {"modes", "anchors"} - set(d)
        if unknown or missing:
            raise ValueError(f"depth: unknown keys {sorted(unknown)}, missing {sorted(missing)}")
        spec = cls(modes=d["modes"], anchors=tuple(d["anchors"]) if isinstance(
            d["anchors"], list) else d["anchors"], stage_radius=d.get("stage_radius", 0.02),
            basis=d.get("basis", "fourier"), regular_anchors=d.get("regular_anchors"))
        if "regular_anchors" in d and d["regular_anchors"] is None:
            raise ValueError("depth.regular_anchors must be a list of schedules (leave the key "
                             "out for none), got null")
        if "max_depth" in d and (isinstance(d["max_depth"], bool)
                                 or d["max_depth"] != spec.max_depth):
            raise ValueError(f"depth.max_depth = {d['max_depth']!r} but depth.anchors has "
                             f"{spec.max_depth} schedules")
        return spec


def staged_refine(evaluate: Callable[[np.ndarray], float], history_x: Sequence,
                  history_f: Sequence[float], budget: int, step: float, center: np.ndarray,
                  modes: int, stage_radius: float, *, box: np.ndarray | None = None,
                  noise_stop: bool = True) -> str | None:
    """The quadratic refine (:class:`~qlstm_optimizer.refine.QuadraticRefiner`) in nested
    subspaces around ``center`` (:func:`stage_bases`), at most ``budget`` calls of
    ``evaluate``. A stage hands over when its trust radius falls below ``stage_radius`` (or it
    converged); the last stage (all angles) runs to convergence. Returns why it ended before the
    budget (None if the budget ran out), as :func:`qlstm_optimizer.refine.run_refine`.

    Every point so far is given to each stage in that stage's coordinates, exact because the
    subspaces are nested: ``history_x`` must be the points as generated (the lifts of the
    learned coefficients), and ``evaluate`` clips into the run's box itself, as
    :func:`qlstm_optimizer.policy.counting_evaluator` does. Each stage then minimises the
    clipped objective ``f(clip(x))``, a continuous function of its coordinates, so a re-evaluated
    point gives its recorded value. ``box`` (2p, 2): the last stage (all angles) keeps to it
    itself, instead of spending evaluations on steps the box clips."""
    center = np.asarray(center, dtype=float)
    p = center.size // 2
    xs = [np.asarray(x, dtype=float) for x in history_x]
    fs = [float(f) for f in history_f]
    used = 0
    radius = float(step)
    bases = stage_bases(p, modes)
    noise = None  # what a stage learned about the noise, so the next does not re-check it
    for i, basis in enumerate(bases):
        last = i == len(bases) - 1
        coords = [basis.T @ (x - center) for x in xs]
        # the last stage's coordinates are the angles (less the centre): the refiner can keep
        # to the box itself there (a box is no box in Fourier coordinates: clipped instead)
        inner = QuadraticRefiner(coords, fs, radius, box=None if box is None or not last
                                 else box - center[:, None])
        refiner: Any = NoiseAwareStop(inner) if noise_stop else inner
        if noise_stop:
            refiner.noise = noise
        while used < budget:
            if not last and inner.radius < stage_radius:
                break
            y = refiner.ask()
            if y is None:
                break
            x = center + basis @ y
            value = float(evaluate(x))
            used += 1
            xs.append(x)
            fs.append(value)
            refiner.tell(value)
        reason = getattr(refiner, "reason", None)
        noise = getattr(refiner, "noise", None)
        if used >= budget:
            return None
        if reason and (last or "noise" in reason):  # noise ends the run in any stage
            return reason
        # the next stage starts at the scale this one ended on (never below stage_radius)
        radius = max(min(inner.radius * 2.0, step), stage_radius)
    return None


__all__ = ["DepthSpec", "Subspace", "calibrated_anchor", "fourier_matrix", "stage_bases",
           "staged_refine"]
