"""Weights (``.npz``, no pickle) + JSON model card, with a sha256 integrity check.

Files written by :func:`save_model` for a path stem ``dir/name``::

    dir/name.npz    one float64 array per parameter (np.savez; loaded with allow_pickle=False)
    dir/name.json   the model card (schema below)

Model card schema (``format_version`` 1)::

    {
      "format": "qlstm-optimizer-model-card", "format_version": 1,
      "arch": "qlstm", "p": 1, "config": {...build_config output...},
      "num_parameters": 104,
      "weights": {"file": "name.npz", "sha256": "<hex>", "bytes": 5000,
                  "dtype": "float64", "arrays": {"w_in": [8, 4], ...}},
      "problem_family": null,                 # e.g. "maxcut-er" / "sk" (trainer fills in)
      "cost_features": {"num_features": 4, "names": null, "normalisation": null},
      "conventions": {...parameter order, sign convention, output meaning...},
      "training": {},                          # free-form provenance (trainer fills in)
      "metrics": {},                           # free-form (trainer / benchmarks fill in)
      "created_utc": "...", "package_version": "..."
    }

``card_extra`` may set or replace any key except the structural ones (format, format_version,
arch, p, config, num_parameters, weights). Loading refuses: a weight file whose sha256 differs from
the card (:class:`ModelIntegrityError`), a corrupt/truncated npz, missing/unexpected arrays, wrong
shapes or dtypes, an unknown architecture or an inconsistent config (:class:`ModelFormatError`).

Example:
    >>> import tempfile, pathlib, numpy as np
    >>> from qlstm_optimizer.models import init_numpy_model, save_model, load_model
    >>> m = init_numpy_model("lstm", 1, seed=0)
    >>> d = tempfile.mkdtemp()
    >>> npz, card = save_model(m, pathlib.Path(d) / "demo", {"problem_family": "maxcut-er"})
    >>> m2 = load_model(card)
    >>> bool(all(np.array_equal(m.params[k], m2.params[k]) for k in m.params))
    True
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .._version import __version__
from .numpy_model import NumpySequenceModel, check_params
from .registry import ARCHITECTURES, validate_config

__all__ = [
    "CARD_FORMAT",
    "CARD_VERSION",
    "ModelFormatError",
    "ModelIntegrityError",
    "load_model",
    "read_model_card",
    "save_model",
]

CARD_FORMAT = "qlstm-optimizer-model-card"
CARD_VERSION = 1
_RESERVED = ("format", "format_version", "arch", "p", "config", "num_parameters", "weights")

#: Conventions every card states (docs/design.md); a card_extra "conventions" dict replaces it.
DEFAULT_CONVENTIONS = {
    "parameter_order": "[beta_0..beta_{p-1}, gamma_0..gamma_{p-1}] (Qiskit QAOAAnsatz order)",
    "state": "prod_k exp(-i beta_k sum X) exp(-i gamma_k H) |+>^n",
    "energy": "minimised",
    "model_input": "features (B, num_features), previous parameters (B, 2p); zeros at t=0",
    "model_output": "raw y (B, 2p); decoded by qlstm_optimizer.features.decode_proposal",
}


class ModelFormatError(ValueError):
    """A model card or weight file that cannot be used (corrupt, wrong shapes, unknown arch...)."""


class ModelIntegrityError(ModelFormatError):
    """The weight file's sha256 differs from the model card's: modified or corrupted; refused."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json_default(obj: Any) -> Any:
    # Trainers put NumPy scalars/arrays into metrics; store them as plain JSON numbers/lists.
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"model card value of type {type(obj).__name__} is not JSON-serialisable")


def _as_config_and_params(model_or_params: Any) -> tuple[dict, dict]:
    if isinstance(model_or_params, NumpySequenceModel):
        return model_or_params.config, dict(model_or_params.params)
    if hasattr(model_or_params, "to_numpy"):  # TorchSequenceModel, without importing torch here
        m = model_or_params.to_numpy()
        return m.config, dict(m.params)
    if isinstance(model_or_params, tuple) and len(model_or_params) == 2:
        config, params = model_or_params
        return validate_config(dict(config)), dict(params)
    raise TypeError(
        "save_model expects a NumpySequenceModel, a TorchSequenceModel or (config, params)"
    )


def _atomic_write(path: Path, data: bytes) -> None:
    # Write to a temporary file in the same directory, then rename: a crash never leaves a
    # half-written weight file next to a card that vouches for it.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; weights are package data others must read
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_model(
    model_or_params: Any, path_stem: str | os.PathLike, card_extra: dict | None = None
) -> tuple[Path, Path]:
    """Write ``<stem>.npz`` and ``<stem>.json``; return their paths.

    Args:
        model_or_params: a :class:`NumpySequenceModel`, a ``TorchSequenceModel`` or a
            ``(config, params)`` pair.
        path_stem: destination without extension; the directory is created if needed.
        card_extra: more card fields (``problem_family``, ``cost_features``, ``training``,
            ``metrics``, anything else JSON-serialisable); structural keys are refused.
    """
    config, params = _as_config_and_params(model_or_params)
    params = check_params(config, params)
    extra = dict(card_extra or {})
    bad = sorted(set(extra) & set(_RESERVED))
    if bad:
        raise ValueError(f"card_extra may not set the structural keys {bad}")

    stem = Path(path_stem)
    if stem.suffix in (".npz", ".json"):
        stem = stem.with_suffix("")
    stem.parent.mkdir(parents=True, exist_ok=True)
    npz_path, json_path = stem.with_suffix(".npz"), stem.with_suffix(".json")

    buf = io.BytesIO()
    np.savez(buf, **{k: np.ascontiguousarray(v, dtype=np.float64) for k, v in params.items()})
    data = buf.getvalue()

    card: dict[str, Any] = {
        "format": CARD_FORMAT,
        "format_version": CARD_VERSION,
        "arch": config["arch"],
        "p": config["p"],
        "config": config,
        "num_parameters": int(sum(v.size for v in params.values())),
        "weights": {
            "file": npz_path.name,
            "sha256": _sha256(data),
            "bytes": len(data),
            "dtype": "float64",
            "arrays": {k: list(v.shape) for k, v in params.items()},
        },
        "problem_family": None,
        "cost_features": {
            "num_features": config["num_features"],
            "names": None,
            "normalisation": None,
        },
        "conventions": dict(DEFAULT_CONVENTIONS),
        "training": {},
        "metrics": {},
        "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "package_version": __version__,
    }
    card.update(extra)
    cf = card.get("cost_features")
    if isinstance(cf, dict):
        n = cf.setdefault("num_features", config["num_features"])
        if n != config["num_features"]:
            raise ValueError(
                f"cost_features.num_features={n} but the model takes {config['num_features']}"
            )
    text = json.dumps(card, indent=2, sort_keys=False, default=_json_default) + "\n"

    _atomic_write(npz_path, data)
    _atomic_write(json_path, text.encode("utf-8"))
    return npz_path, json_path


def read_model_card(json_path: str | os.PathLike) -> dict:
    """Parse and structurally check a model card (the weight file is not touched)."""
    path = Path(json_path)
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFormatError(f"{path}: not a readable JSON model card ({exc})") from exc
    if not isinstance(card, dict) or card.get("format") != CARD_FORMAT:
        raise ModelFormatError(f"{path}: not a {CARD_FORMAT!r} file")
    if card.get("format_version") != CARD_VERSION:
        raise ModelFormatError(
            f"{path}: model card format_version {card.get('format_version')!r} is not supported "
            f"(this package reads version {CARD_VERSION})"
        )
    arch = card.get("arch")
    if arch not in ARCHITECTURES:
        raise ModelFormatError(
            f"{path}: unknown architecture {arch!r}; known: {sorted(ARCHITECTURES)}"
        )
    config = card.get("config")
    if (
        not isinstance(config, dict)
        or config.get("arch") != arch
        or config.get("p") != card.get("p")
    ):
        raise ModelFormatError(f"{path}: card 'config' missing or disagrees with 'arch'/'p'")
    try:
        card["config"] = validate_config(config)
    except ValueError as exc:
        raise ModelFormatError(f"{path}: invalid config: {exc}") from exc
    weights = card.get("weights")
    if not isinstance(weights, dict) or not isinstance(weights.get("file"), str):
        raise ModelFormatError(f"{path}: card has no 'weights.file'")
    if Path(weights["file"]).name != weights["file"] or weights["file"] in ("", ".", ".."):
        # The weight file must sit next to its card; no path tricks.
        raise ModelFormatError(f"{path}: weights.file must be a bare file name")
    sha = weights.get("sha256")
    if not isinstance(sha, str) or len(sha) != 64:
        raise ModelFormatError(f"{path}: card has no valid 'weights.sha256'")
    return card


def load_model(json_path: str | os.PathLike) -> NumpySequenceModel:
    """Load a model card and its weights into a :class:`NumpySequenceModel` (no torch).

    The weight file's sha256 is checked *before* it is parsed; the npz is read with
    ``allow_pickle=False``.

    Raises:
        FileNotFoundError: the card or its weight file does not exist.
        ModelIntegrityError: the weight file's hash differs from the card's.
        ModelFormatError: anything else that makes the files unusable.
    """
    path = Path(json_path)
    card = read_model_card(path)
    config = card["config"]
    npz_path = path.parent / card["weights"]["file"]
    data = npz_path.read_bytes()
    digest = _sha256(data)
    if digest != card["weights"]["sha256"].lower():
        raise ModelIntegrityError(
            f"{npz_path}: sha256 {digest} does not match the model card's "
            f"{card['weights']['sha256']}; the weight file was modified or corrupted, refusing "
            "to load it"
        )
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
        raise ModelFormatError(f"{npz_path}: corrupt or truncated weight file ({exc})") from exc
    try:
        params = check_params(config, arrays)
    except ValueError as exc:
        raise ModelFormatError(f"{npz_path}: {exc}") from exc
    model = NumpySequenceModel(config, params)
    model.card = card
    return model
