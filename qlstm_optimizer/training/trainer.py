"""The meta-training loop: sample a batch of instances, unroll the policy for ``horizon`` steps on
the differentiable simulator, back-propagate through time, validate with the NumPy policy.

Reproducibility: with the same config and seed the weights are bit-identical on one machine
(seeded model init, a NumPy generator for batches, deterministic torch algorithms, a fixed thread
count). A checkpoint holds every piece of state the loop reads (model, optimizer, schedule, both
RNG states, best weights, history), so ``resume=True`` after a kill gives the same weights as an
uninterrupted run. The run directory is locked for the run's life and checkpoints are data only,
bound to their config (see :mod:`.rundir`).

Data parallelism: if ``torch.distributed`` is initialised (``torchrun``), every rank draws the
same global batch indices, unrolls its slice ``indices[rank::world]`` and the gradients are
averaged with ``all_reduce`` (gloo on CPU) before clipping and the optimizer step; rank 0
validates, checkpoints and writes files.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import features as F
from .._version import __version__
from ..instances import build_pool
from ..models import build_config, save_model
from ..models.torch_model import TorchSequenceModel
from .config import Config, train_config_dict
from .depth_setup import DepthTraining
from .losses import meta_loss
from .rollout import BatchDiagonals, unroll
from .rundir import (
    CHECKPOINT,
    atomic_write_text,
    checkpoint_state,
    claim_run_directory,
    restore_checkpoint,
)
from .validate import policy_rhos, summarize


class TrainingDivergedError(RuntimeError):
    """The meta-loss became NaN or inf (the message names the step)."""


class UnvalidatedRunError(RuntimeError):
    """A run reached its end without a single validation: there are no chosen weights to ship."""


@dataclass
class TrainResult:
    out_dir: Path
    best_step: int
    best_metrics: dict[str, float]
    wall_time: float
    steps_done: int
    history: list[dict[str, float]] = field(default_factory=list)


# -- pieces ---------------------------------------------------------------------------------------
def make_model(cfg: Config) -> Any:
    """A fresh torch model, initialised from the config seed (bit-reproducible)."""
    overrides = dict(cfg.model_overrides)
    if cfg.policy.static_features:
        overrides.setdefault("num_features", F.NUM_FEATURES + cfg.policy.num_static)
    config = build_config(cfg.arch, cfg.p, **overrides)
    return TorchSequenceModel(config, seed=cfg.seed)


def make_optimizer(cfg: Config, model: Any) -> tuple[torch.optim.Optimizer, Any]:
    tc = cfg.train
    params = list(model.parameters())
    if tc.optimizer == "adam":
        opt: torch.optim.Optimizer = torch.optim.Adam(params, lr=tc.lr,
                                                      weight_decay=tc.weight_decay)
    else:
        opt = torch.optim.RMSprop(params, lr=tc.lr, weight_decay=tc.weight_decay)

    def factor(step: int) -> float:
        # Linear warm-up, then cosine decay to lr_min_ratio (or constant).
        if step < tc.warmup_steps:
            return (step + 1) / tc.warmup_steps
        if tc.schedule == "constant":
            return 1.0
        frac = (step - tc.warmup_steps) / max(1, tc.steps - tc.warmup_steps)
        return tc.lr_min_ratio + (1 - tc.lr_min_ratio) * 0.5 * (1 + math.cos(math.pi * frac))

    return opt, torch.optim.lr_scheduler.LambdaLR(opt, factor)


def setup_determinism(cfg: Config) -> None:
    torch.manual_seed(cfg.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(cfg.train.threads)


def atomic_torch_save(obj: Any, path: Path) -> None:
    """Write to a temp file in the same directory, then rename: a kill never leaves a torn file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _dist() -> tuple[int, int]:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def _clone_state(model: Any) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


# -- the loop -------------------------------------------------------------------------------------
def train(cfg: Config, out_dir: str | Path, *, resume: bool = False, progress: bool = True,
          cache_dir: str | Path | None = None, stop_after: int | None = None) -> TrainResult:
    """Meta-train ``cfg`` into ``out_dir`` (checkpoint, history, plots, final ``<name>.npz``).

    ``stop_after`` ends the run after that many optimizer steps (tests); ``resume`` continues from
    ``out_dir/checkpoint.pt`` if it exists (written by the same config: see :mod:`.rundir`).

    Raises:
        TrainingDivergedError: the loss is NaN/inf at some step.
        RunDirectoryError: another training holds ``out_dir``, or it holds a checkpoint and
            ``resume`` is false.
        CheckpointError: the checkpoint to resume is unreadable, foreign or of another config.
    """
    if stop_after is not None and (isinstance(stop_after, bool) or not isinstance(
            stop_after, int) or stop_after < 1):
        raise ValueError(f"stop_after must be None or an integer >= 1, got {stop_after!r}")
    rank, world = _dist()
    if cfg.train.batch_size % world:
        raise ValueError(f"batch_size {cfg.train.batch_size} is not divisible by {world} "
                         f"processes")
    out = Path(out_dir)
    with claim_run_directory(out, cfg.name, resume=resume, rank=rank, world=world):
        return _train(cfg, out, resume, progress, cache_dir, stop_after, rank, world)


def _train(cfg: Config, out: Path, resume: bool, progress: bool, cache_dir: str | Path | None,
           stop_after: int | None, rank: int, world: int) -> TrainResult:
    """The loop, run with the directory claimed."""
    tc, spec = cfg.train, cfg.policy
    setup_determinism(cfg)

    train_pool = build_pool(cfg.train_instances.distribution, "train",
                            cfg.train_instances.pool_size, cfg.p, base_seed=cfg.seed,
                            cache_dir=cache_dir, progress=progress and rank == 0,
                            scale_rule=spec.scale_rule)
    val_pool = build_pool(cfg.val_instances.distribution, "val", cfg.val_instances.pool_size,
                          cfg.p, base_seed=cfg.seed, cache_dir=cache_dir,
                          progress=progress and rank == 0, scale_rule=spec.scale_rule)
    # A depth-general model: fit its per-depth anchors and the reference energies first.
    depth = None if cfg.depth is None else DepthTraining(cfg, train_pool, val_pool, cache_dir)
    model = make_model(cfg)
    optimizer, scheduler = make_optimizer(cfg, model)
    rng = np.random.default_rng([cfg.seed, 12345])  # batch sampling only
    s: dict[str, Any] = {"step": 0, "best_score": -np.inf, "best_step": 0, "best_metrics": {},
                         "best_state": _clone_state(model), "bad_vals": 0, "history": [],
                         "wall_time": 0.0}
    ckpt_path = out / CHECKPOINT
    if resume and ckpt_path.exists():
        s = restore_checkpoint(ckpt_path, cfg, model, optimizer, scheduler, rng)

    def save_checkpoint() -> None:
        if rank == 0:
            atomic_torch_save(checkpoint_state(cfg, model, optimizer, scheduler, rng, s),
                              ckpt_path)

    bar = None
    if progress and rank == 0:
        from tqdm import tqdm

        bar = tqdm(total=tc.steps, initial=s["step"], desc=cfg.name, dynamic_ncols=True)
    t0 = time.perf_counter() - s["wall_time"]
    stop_at = tc.steps if stop_after is None else min(tc.steps, s["step"] + stop_after)
    stop = False
    while s["step"] < stop_at:
        step = s["step"]
        # 1. batch: the same global indices on every rank, each rank unrolls its slice.
        indices = rng.choice(len(train_pool), size=tc.batch_size, replace=False)
        # Drawn only when used, so configs without blind runs keep their random stream.
        blind = rng.random(tc.batch_size) < tc.blind_fraction if tc.blind_fraction else None
        mine = None if blind is None else blind[rank::world]
        batch = BatchDiagonals.from_pool(train_pool, indices[rank::world], mine)
        if depth is not None:  # one depth per batch, in the run's Fourier coordinates
            batch = depth.lift(batch, depth.sample_depth(rng, step), indices[rank::world],
                               train_pool, mine)
        # 2. unroll + meta-loss on energies normalised by each instance's |optimal energy|.
        energies, _ = unroll(model, spec, batch, detach_features=tc.detach_features)
        en = energies / batch.opt.abs()[:, None]
        loss = meta_loss(tc.loss, en, tc.budgets, tc.softmin_tau)
        if not torch.isfinite(loss):
            raise TrainingDivergedError(
                f"meta-loss is {loss.item()} at step {step + 1}; lower train.lr or "
                f"train.grad_clip, or set train.detach_features = true")
        # 3. backward, average gradients over ranks, clip, step.
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if world > 1:
            for prm in model.parameters():
                if prm.grad is not None:
                    torch.distributed.all_reduce(prm.grad)
                    prm.grad /= world
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), tc.grad_clip)
        optimizer.step()
        scheduler.step()
        s["step"] = step = step + 1
        with torch.no_grad():
            rho_t = (-torch.cummin(en, 1).values).mean(0)
        record = {"step": step, "loss": loss.item(), "grad_norm": float(grad_norm),
                  "lr": scheduler.get_last_lr()[0], "train_rho_T": rho_t[-1].item(),
                  "train_rho_1": rho_t[0].item()}
        # 4. validate with the NumPy policy (rank 0), keep the best weights, maybe stop early.
        if step % tc.val_every == 0 or step == tc.steps:
            stop = _validate(cfg, model, val_pool, s, record, rank, world, depth)
        s["history"].append(record)
        s["wall_time"] = time.perf_counter() - t0
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{record['loss']:.4f}",
                            val=f"{s['best_metrics'].get('score', float('nan')):.4f}")
        if step % tc.checkpoint_every == 0 or step == tc.steps or stop:
            save_checkpoint()
        if stop:
            break
    if bar is not None:
        bar.close()
    result = TrainResult(out, s["best_step"], s["best_metrics"], s["wall_time"], s["step"],
                         s["history"])
    if rank == 0 and (s["step"] >= tc.steps or stop):
        finalize(cfg, model, s, out, depth)
    return result


def _val_rhos(cfg: Config, numpy_model: Any, val_pool: Any, depth: Any, blind: bool = False
              ) -> tuple[np.ndarray, dict[str, float]]:
    """Validation rho_k (I, K) (every validation depth stacked for a depth-general model) and
    the per-depth medians."""
    if depth is None:
        return policy_rhos(numpy_model, cfg.policy, val_pool, cfg.train.val_budgets,
                           blind=blind), {}
    return depth.validate(numpy_model, cfg.policy, val_pool, cfg.train.val_budgets, blind)


def _validate(cfg: Config, model: Any, val_pool: Any, s: dict[str, Any],
              record: dict[str, float], rank: int, world: int, depth: Any = None) -> bool:
    """Validation on rank 0; updates ``s`` (best weights, patience); returns "stop early"."""
    score = torch.zeros(1, dtype=torch.float64)
    if rank == 0:
        tc = cfg.train
        numpy_model = model.to_numpy()
        rhos, per_depth = _val_rhos(cfg, numpy_model, val_pool, depth)
        metrics = summarize(rhos, tc.val_budgets, tc.score_budgets)
        metrics.update(per_depth)
        if tc.blind_fraction:  # blind runs weigh in the score as much as in training
            blind = summarize(_val_rhos(cfg, numpy_model, val_pool, depth, blind=True)[0],
                              tc.val_budgets, tc.score_budgets)
            metrics["score"] = ((1 - tc.blind_fraction) * metrics["score"]
                                + tc.blind_fraction * blind["score"])
            metrics.update({f"blind_{k}": v for k, v in blind.items()})
        record.update({f"val_{k}": v for k, v in metrics.items()})
        score[0] = metrics["score"]
        if metrics["score"] > s["best_score"]:
            s.update(best_score=metrics["score"], best_step=record["step"], best_metrics=metrics,
                     best_state=_clone_state(model), bad_vals=0)
        else:
            s["bad_vals"] += 1
    stop = torch.tensor([float(cfg.train.patience and s["bad_vals"] >= cfg.train.patience)])
    if world > 1:  # every rank must stop at the same step
        torch.distributed.broadcast(stop, 0)
    return bool(stop.item())


def finalize(cfg: Config, model: Any, s: dict[str, Any], out: Path, depth: Any = None
             ) -> Path:
    """Load the best weights and write ``<name>.npz`` + model card, history and plots.

    Raises:
        UnvalidatedRunError: the run never validated (no best weights were ever chosen):
            shipping the initial weights as a trained model is refused.
    """
    if not s["best_metrics"]:
        raise UnvalidatedRunError(
            f"{cfg.name}: the run ended at step {s['step']} without a validation; no weights "
            f"written")
    model.load_state_dict(s["best_state"])
    card = model_card(cfg, s)
    if depth is not None:
        card["depth"] = depth.spec.to_dict()
    path, _ = save_model(model.to_numpy(), out / cfg.name, card)
    atomic_write_text(out / "history.json", json.dumps(s["history"], indent=1))
    try:
        from .plots import plot_curves

        plot_curves(s["history"], out / "curves.png", title=cfg.name)
    except ImportError:  # matplotlib is optional for training
        pass
    return Path(path)


def model_card(cfg: Config, s: dict[str, Any]) -> dict[str, Any]:
    """Provenance for the shipped model: config, seeds, versions, wall time, validation metrics."""
    import platform

    import scipy

    metrics = {f"val_{k}": v for k, v in s["best_metrics"].items()}
    return {
        "name": cfg.name,
        "family": cfg.family,
        "problem_family": cfg.family,
        "policy": cfg.policy.to_dict(),
        "training": {
            "config": cfg.to_dict(),
            "train": train_config_dict(cfg.train),
            "seed": cfg.seed,
            "best_step": s["best_step"],
            "steps_done": s["step"],
            "wall_time_s": round(s["wall_time"], 1),
            "val_instances": cfg.val_instances.distribution.to_dict(),
            "val_pool_size": cfg.val_instances.pool_size,
            "versions": {"qlstm_optimizer": __version__, "torch": torch.__version__,
                         "numpy": np.__version__, "scipy": scipy.__version__,
                         "python": platform.python_version()},
        },
        "metrics": metrics,
    }
