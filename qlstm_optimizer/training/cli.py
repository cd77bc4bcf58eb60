"""``qlstm-optimizer train --config FILE [--out DIR] [--resume] [--export DIR]``.

Also ``python -m qlstm_optimizer.training --config FILE`` and, data-parallel on CPU,
``torchrun --nproc_per_node 2 -m qlstm_optimizer.training --config FILE``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import traceback
import warnings
from pathlib import Path


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="TOML training config (configs/*.toml)")
    parser.add_argument("--out", default=None,
                        help="output directory (default runs/<name>): checkpoint, history, plots, "
                             "the trained <name>.npz and its model card")
    parser.add_argument("--resume", action="store_true",
                        help="continue from OUT/checkpoint.pt where a killed run stopped")
    parser.add_argument("--export", default=None, metavar="DIR",
                        help="also copy the trained <name>.npz/.json into DIR (e.g. the package's "
                             "pretrained/weights)")
    parser.add_argument("--cache-dir", default=None,
                        help="instance-pool cache (default ~/.cache/qlstm_optimizer)")
    parser.add_argument("--steps", type=int, default=None, help="override train.steps")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run_train(args: argparse.Namespace) -> int:
    """Run one training; returns the exit status, errors as one line ``error: ...``.

    Status 2: bad config, unusable checkpoint, run directory in use or holding another run;
    3: the training failed (diverged, or ended without a validation); 1: an OS error (disk
    full, permissions). Warnings (a rebuilt pool cache) are printed as one line too.

    Under torchrun, when this function created the process group, the process ends here with
    ``os._exit``: gloo's C++ worker threads can still be alive during interpreter finalisation
    and abort a rank that has finished cleanly (SIGABRT "terminate called without an active
    exception", seen under load in CI after ``destroy_process_group``). Every file is written
    and every stream flushed before that; an unexpected exception is printed and gives status 1.
    """
    import torch

    owns_group = "WORLD_SIZE" in os.environ and not (
        torch.distributed.is_available() and torch.distributed.is_initialized())
    if not owns_group:
        return _run_train(args, distributed=False)
    try:
        status = _run_train(args, distributed=True)
    except BaseException:  # noqa: BLE001 - reported, then the hard exit below
        traceback.print_exc()
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _run_train(args: argparse.Namespace, *, distributed: bool) -> int:
    """The run itself; ``distributed``: join (and finally leave) a gloo process group."""
    import dataclasses

    import torch

    from .config import ConfigError, load_config
    from .rundir import RunDirectoryError
    from .trainer import TrainingDivergedError, UnvalidatedRunError, train

    try:
        cfg = load_config(args.config)
        if args.steps is not None:
            cfg = dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, steps=args.steps))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.export and Path(args.export).exists() and not Path(args.export).is_dir():
        # checked before the run, not after an hour of training
        print(f"error: --export {args.export}: exists and is not a directory", file=sys.stderr)
        return 2
    if distributed:  # under torchrun (WORLD_SIZE set): gloo works on CPU
        torch.distributed.init_process_group("gloo")
    out = Path(args.out or Path("runs") / cfg.name)
    finished = False
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            result = train(cfg, out, resume=args.resume, progress=not args.no_progress,
                           cache_dir=args.cache_dir)
        finished = True
    except (TrainingDivergedError, UnvalidatedRunError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except (ValueError, RunDirectoryError) as exc:  # ConfigError, CheckpointError among them
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        rank = torch.distributed.get_rank() if torch.distributed.is_initialized() else 0
        if distributed:
            _leave_process_group(wait=finished)
    if rank == 0:
        metrics = ", ".join(f"{k} {v:.4f}" for k, v in result.best_metrics.items()
                            if k.endswith("_median"))
        print(f"{cfg.name}: best step {result.best_step}, {metrics}; "
              f"{result.wall_time:.0f} s; wrote {out / (cfg.name + '.npz')}")
        if args.export:
            dest = Path(args.export)
            dest.mkdir(parents=True, exist_ok=True)
            for suffix in (".npz", ".json"):
                shutil.copy2(out / f"{cfg.name}{suffix}", dest / f"{cfg.name}{suffix}")
    return 0


def _show_warning(message: Warning | str, category: type[Warning], *args: object,
                  **kwargs: object) -> None:
    """One line per warning (the default adds the source line of the warn call)."""
    print(f"warning: {message}", file=sys.stderr)


def _leave_process_group(*, wait: bool) -> None:
    """Leave the process group; after a finished run, first wait for every rank.

    Rank 0 is still writing the weights when the others finish; a rank that tears gloo down
    while its peer is connected makes the C++ side abort (SIGABRT, "terminate called ...").
    After an error there is no barrier: the other ranks may never reach it.
    """
    import torch

    try:
        if wait:
            torch.distributed.barrier()
    finally:
        torch.distributed.destroy_process_group()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qlstm_optimizer.training",
                                     description="Meta-train a learned QAOA optimizer.")
    add_train_arguments(parser)
    return run_train(parser.parse_args(argv))
