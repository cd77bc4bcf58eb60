"""The run directory: one writer at a time, checkpoints that hold data only and know their config.

* :func:`claim_run_directory` takes an exclusive, non-blocking ``flock`` on ``OUT/.lock`` for the
  life of the run (a second training into the same ``--out`` is refused, not interleaved), refuses
  a fresh run into a directory that already holds another run's checkpoint, and removes the temp
  files a killed atomic write left behind.
* :func:`save_checkpoint` / :func:`restore_checkpoint`: the checkpoint is loaded with
  ``torch.load(weights_only=True)`` (tensors, dicts, lists, str, int, float only: a pickled
  ``__reduce__`` payload is refused before it can run), checked key by key, and carries the
  fingerprint of the config that wrote it, so ``--resume`` with another config is refused with
  the differing keys instead of mixing two trainings.

The fingerprint is the sha256 of the canonical JSON of the *effective* config (defaults filled
in, anchor resolved, ``--steps`` applied), except :data:`RESUMABLE_KEYS`: ``train.checkpoint_every``
only sets how often the state is saved, never a number of the result, so it may change on resume.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from .config import Config, train_config_dict

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

CHECKPOINT = "checkpoint.pt"
LOCK_FILE = ".lock"
CHECKPOINT_FORMAT = 2  # 1 (no "format" key): before fingerprints; refused on resume
RESUMABLE_KEYS = ("train.checkpoint_every",)
_TOP_KEYS = ("format", "fingerprint", "config", "model", "optimizer", "scheduler", "np_rng",
             "torch_rng", "loop")
_LOOP_TYPES: dict[str, Any] = {
    "step": int, "best_score": (int, float), "best_step": int, "best_metrics": dict,
    "best_state": dict, "bad_vals": int, "history": list, "wall_time": (int, float)}


class CheckpointError(ValueError):
    """A checkpoint is unreadable, foreign, or from another config (the message names the file)."""


class RunDirectoryError(RuntimeError):
    """The run directory is in use by another training, or holds another run."""


# -- config fingerprint ---------------------------------------------------------------------------
def canonical_config(cfg: Config) -> dict[str, Any]:
    """The effective config as plain JSON types, without :data:`RESUMABLE_KEYS`."""
    train = train_config_dict(cfg.train)
    d = {
        "name": cfg.name, "family": cfg.family, "seed": cfg.seed,
        "model": {"arch": cfg.arch, "p": cfg.p, "overrides": cfg.model_overrides},
        "policy": cfg.policy.to_dict(), "train": train,
        "train_instances": {"pool_size": cfg.train_instances.pool_size,
                            **cfg.train_instances.distribution.to_dict()},
        "val_instances": {"pool_size": cfg.val_instances.pool_size,
                          **cfg.val_instances.distribution.to_dict()},
    }
    for key in RESUMABLE_KEYS:
        section, _, name = key.partition(".")
        d[section].pop(name)
    return json.loads(_canonical_json(d))


def _canonical_json(d: Any) -> str:
    return json.dumps(d, sort_keys=True, separators=(",", ":"), allow_nan=False, default=str)


def config_fingerprint(cfg: Config) -> str:
    """sha256 (hex) of the canonical JSON of :func:`canonical_config`."""
    return hashlib.sha256(_canonical_json(canonical_config(cfg)).encode()).hexdigest()


def _flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(d, dict):
        out: dict[str, Any] = {}
        for k, v in d.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: d}


def config_differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """``key: old -> new`` for every dotted key whose value differs (lists compare whole).

    Example:
        >>> config_differences({"seed": 0, "train": {"lr": 0.02, "budgets": [1, 2]}},
        ...                    {"seed": 0, "train": {"lr": 0.5, "budgets": [1, 2]}})
        ['train.lr: 0.02 -> 0.5']
    """
    a, b = _flatten(old), _flatten(new)
    missing = object()
    return [f"{k}: {a.get(k, '<absent>')!r} -> {b.get(k, '<absent>')!r}"
            for k in sorted(set(a) | set(b)) if a.get(k, missing) != b.get(k, missing)]


# -- the directory --------------------------------------------------------------------------------
def _try_lock(fh: Any) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
    except OSError:  # BlockingIOError: held by another open file (process or not)
        return False
    return True


def orphaned_temp_files(out: Path, name: str) -> list[Path]:
    """Temp files of killed atomic writes: ``tmp*.tmp`` (checkpoint, history) and
    ``<name>.npz*.tmp`` / ``<name>.json*.tmp`` (models.save_model)."""
    found: set[Path] = set()
    for pattern in ("tmp*.tmp", f"{name}.npz*.tmp", f"{name}.json*.tmp"):
        found.update(p for p in out.glob(pattern) if p.is_file() and not p.is_symlink())
    return sorted(found)


@contextmanager
def claim_run_directory(out: Path, name: str, *, resume: bool, rank: int = 0,
                        world: int = 1) -> Iterator[None]:
    """Hold ``OUT/.lock`` for the block (rank 0; every rank fails together).

    The lock file stays after the run (removing it would let a third process lock a new file
    while a second one still holds the old). A fresh run (``resume=False``) into a directory
    that holds a checkpoint is refused: it would overwrite the other run's state.

    Raises:
        RunDirectoryError: another process holds the lock, or a checkpoint exists without
            ``resume``.
    """
    fh, problem = None, ""
    if rank == 0:
        try:
            out.mkdir(parents=True, exist_ok=True)
            fh = open(out / LOCK_FILE, "a+b")  # noqa: SIM115 - open for the run's life
        except OSError as exc:
            problem = f"cannot use run directory {out}: {exc.strerror or exc}"
        if fh is not None and not _try_lock(fh):
            problem = (f"run directory {out} is in use by another training (lock "
                       f"{out / LOCK_FILE} is held); wait for it or choose another --out")
        elif fh is not None and not resume and (out / CHECKPOINT).exists():
            problem = (f"{out} already holds a run ({out / CHECKPOINT}); continue it with "
                       f"--resume (resume=True), or train into another --out")
        elif fh is not None:
            for path in orphaned_temp_files(out, name):
                path.unlink(missing_ok=True)
    if world > 1:  # the other ranks must not start a run rank 0 refused
        flag = torch.tensor([1 if problem else 0])
        torch.distributed.broadcast(flag, 0)
        if flag.item() and not problem:
            problem = f"rank 0 refused the run directory {out}"
    try:
        if problem:
            raise RunDirectoryError(problem)
        yield
    finally:
        if fh is not None:
            fh.close()  # releases the flock


# -- checkpoints ----------------------------------------------------------------------------------
def checkpoint_state(cfg: Config, model: Any, optimizer: Any, scheduler: Any, rng: Any,
                     loop: dict[str, Any]) -> dict[str, Any]:
    """Everything the loop reads, as types ``torch.load(weights_only=True)`` accepts."""
    return {"format": CHECKPOINT_FORMAT, "fingerprint": config_fingerprint(cfg),
            "config": _canonical_json(canonical_config(cfg)),
            "model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(), "np_rng": rng.bit_generator.state,
            "torch_rng": torch.get_rng_state(), "loop": loop}


def load_checkpoint(path: Path) -> dict[str, Any]:
    """The checkpoint at ``path`` as data (never runs code from it), its keys checked.

    Raises:
        CheckpointError: unreadable, truncated, not a torch file, objects other than plain data,
            or not a training checkpoint of this version.
    """
    try:
        ckpt = torch.load(path, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as exc:  # what weights_only refuses: code, foreign classes
        found = re.search(r"GLOBAL (\S+)", str(exc))
        raise CheckpointError(
            f"{path}: refused: it holds objects other than tensors and plain data"
            f"{' (' + found.group(1) + ')' if found else ''}, which loading could run as code"
        ) from None
    except Exception as exc:  # noqa: BLE001 - zip, I/O, format: all mean "not loadable"
        raise CheckpointError(f"{path}: not a loadable training checkpoint (truncated, corrupt "
                              f"or not a torch file: {_first_line(exc)})") from None
    if not isinstance(ckpt, dict):
        raise CheckpointError(f"{path}: not a training checkpoint (a {type(ckpt).__name__}, "
                              f"not a dict)")
    if "format" not in ckpt and "loop" in ckpt:
        raise CheckpointError(f"{path}: written by an older version without a config "
                              f"fingerprint; delete it or train into another --out")
    missing = [k for k in _TOP_KEYS if k not in ckpt]
    if missing:
        raise CheckpointError(f"{path}: not a training checkpoint (missing {missing})")
    if ckpt["format"] != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path}: checkpoint format {ckpt['format']!r}, this version "
                              f"reads {CHECKPOINT_FORMAT}")
    loop = ckpt["loop"]
    if not isinstance(loop, dict) or any(
            not isinstance(loop.get(k), t) for k, t in _LOOP_TYPES.items()):
        raise CheckpointError(f"{path}: not a training checkpoint (its loop state needs "
                              f"{sorted(_LOOP_TYPES)} of the right types)")
    return ckpt


def restore_checkpoint(path: Path, cfg: Config, model: Any, optimizer: Any, scheduler: Any,
                       rng: Any) -> dict[str, Any]:
    """Load ``path`` into the run's objects; returns the loop state.

    Raises:
        CheckpointError: see :func:`load_checkpoint`; written by another config (the message
            lists the differing keys); state that does not fit the model or optimizer.
    """
    ckpt = load_checkpoint(path)
    if ckpt["fingerprint"] != config_fingerprint(cfg):
        try:
            diff = config_differences(json.loads(ckpt["config"]), canonical_config(cfg))
        except (TypeError, ValueError):
            diff = []
        raise CheckpointError(
            f"{path} was written by a different config (checkpoint -> now: "
            f"{'; '.join(diff) or 'fingerprints differ'}); resume with the config that started "
            f"it, or train into another --out")
    loop = ckpt["loop"]
    try:
        if not isinstance(loop["step"], int) or not 0 <= loop["step"] <= cfg.train.steps:
            raise ValueError(f"step {loop['step']!r} is outside [0, train.steps]")
        current = model.state_dict()
        best = loop["best_state"]
        if not isinstance(best, dict) or set(best) != set(current) or any(
                not isinstance(best[k], torch.Tensor) or best[k].shape != current[k].shape
                for k in current):
            raise ValueError("its best weights do not fit the model")
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        rng.bit_generator.state = ckpt["np_rng"]
        torch.set_rng_state(ckpt["torch_rng"])
    except (AttributeError, KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{path}: state does not fit this run ({_first_line(exc)})"
                              ) from None
    return loop


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` via a temp file + rename, like the checkpoint (a kill leaves no torn file)."""
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the history is as readable as the weights
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
