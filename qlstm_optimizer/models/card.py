"""Model cards: read, check and hash them (``card_sha256`` seals a card, see
:func:`card_digest`).

The schema is documented in :mod:`qlstm_optimizer.models.serialization` (and docs/models.md);
this module holds what *reading* needs: bounded reads of regular files only, JSON parsing with
errors that name the file, and every structural check. Writing (``save_model``, ``seal_card``)
lives in :mod:`~qlstm_optimizer.models.serialization`.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

import numpy as np

from .registry import ARCHITECTURES, build_config, get_arch, validate_config

__all__ = [
    "CARD_FORMAT",
    "CARD_VERSION",
    "MAX_CARD_BYTES",
    "MAX_CARD_DEPTH",
    "MAX_WEIGHT_BYTES",
    "ModelFormatError",
    "ModelIntegrityError",
    "RESERVED_KEYS",
    "card_digest",
    "check_card",
    "parse_card",
    "read_model_card",
    "read_regular",
    "sha256_hex",
]

CARD_FORMAT = "qlstm-optimizer-model-card"
#: 2 added ``card_sha256`` (and made ``weights.bytes`` required); version 1 cards are refused
#: with a pointer to ``seal_card``, since an unsealed card could carry any edit.
CARD_VERSION = 2
#: Keys only save_model writes (card_extra may not set them).
RESERVED_KEYS = ("format", "format_version", "arch", "p", "config", "num_parameters", "weights",
                 "card_sha256")
#: Largest card read: bundled cards are under 10 KB, trained ones with long metrics a few 100 KB.
MAX_CARD_BYTES = 2**20
#: Largest weight file read: the bundled ones are under 4 KB (a few hundred float64 parameters);
#: 64 MiB is 8 million parameters, far above any model this package trains.
MAX_WEIGHT_BYTES = 64 * 2**20
#: Deepest JSON nesting in a card: bundled cards have 7 levels.
MAX_CARD_DEPTH = 32


class ModelFormatError(ValueError):
    """A model card or weight file that cannot be used (corrupt, wrong shapes, unknown arch...)."""


class ModelIntegrityError(ModelFormatError):
    """A weight file or card differs from the hash recorded for it: modified or corrupted."""


def sha256_hex(data: bytes) -> str:
    """Hex sha256 of ``data`` (the ``weights.sha256`` of a weight file)."""
    return hashlib.sha256(data).hexdigest()


def card_digest(card: dict) -> str:
    """The ``card_sha256`` of a card: sha256 of its canonical JSON without that key.

    Canonical = keys sorted, no whitespace, ASCII, Python's float repr; so only the *values*
    count, not the file's layout. Computed on the card as JSON reads it back (save_model hashes
    the parsed text, so NumPy scalars in metrics hash as the numbers that are stored).

    Example:
        >>> card_digest({"a": 1, "card_sha256": "x"}) == card_digest({"a": 1})
        True
        >>> card_digest({"a": 1}) == card_digest({"a": 1.0})
        False
    """
    body = {k: v for k, v in card.items() if k != "card_sha256"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return sha256_hex(text.encode("ascii"))


def read_regular(path: Path, limit: int, size: int | None = None) -> bytes:
    """The bytes of ``path`` if it is (or links to) a regular file of at most ``limit`` bytes,
    and of exactly ``size`` bytes if given; checked on the open descriptor before reading.

    O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever; fstat on
    the opened descriptor (not a stat of the name) leaves no window to swap the file.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ModelFormatError(f"{path}: not a regular file (a device, FIFO or directory)")
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as fh:
        if size is not None and st.st_size != size:
            raise ModelIntegrityError(
                f"{path}: {st.st_size} bytes, the model card states {size}; the file was "
                "modified or corrupted, refusing to read it")
        if st.st_size > limit:
            raise ModelFormatError(f"{path}: {st.st_size} bytes, more than the {limit} allowed")
        # Bounded even if the file grows after the fstat.
        data = fh.read((limit if size is None else size) + 1)
    if len(data) > limit or (size is not None and len(data) != size):
        raise ModelIntegrityError(f"{path}: changed size while being read")
    return data


def parse_card(path: Path) -> Any:
    """The JSON value in ``path`` (a regular file of at most MAX_CARD_BYTES); errors name it."""
    try:
        raw = read_regular(path, MAX_CARD_BYTES)
    except (FileNotFoundError, ModelFormatError):
        raise
    except OSError as exc:
        raise ModelFormatError(f"{path}: cannot read the model card ({exc})") from exc
    try:
        card = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ModelFormatError(f"{path}: not a JSON model card (not UTF-8 text: {exc})") from None
    except ValueError as exc:  # JSONDecodeError, or an integer literal of > 4300 digits
        raise ModelFormatError(f"{path}: not a readable JSON model card ({exc})") from None
    except RecursionError:
        raise ModelFormatError(f"{path}: not a model card (JSON nested too deeply)") from None
    # json.loads accepts ~1000 levels, json.dumps (the card hash, `info`) fewer: bound it here.
    stack = [(card, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_CARD_DEPTH:
            raise ModelFormatError(
                f"{path}: not a model card (JSON nested deeper than {MAX_CARD_DEPTH} levels)")
        children = node.values() if isinstance(node, dict) else node if isinstance(
            node, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return card


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_card(card: Any, path: Path, *, check_digest: bool = True) -> dict:
    """Every structural check of a parsed card (the weight file is not touched)."""
    def need(ok: bool, what: str, exc: type[ModelFormatError] = ModelFormatError) -> None:
        if not ok:
            raise exc(f"{path}: {what}")

    need(isinstance(card, dict) and card.get("format") == CARD_FORMAT,
         f"not a {CARD_FORMAT!r} file")
    version = card.get("format_version")
    need(version != 1, "model card format_version 1 has no card_sha256 (an edit to its policy "
         "or config would go unnoticed); if you trust the card, upgrade it with "
         "qlstm_optimizer.models.seal_card(path)")
    need(version == CARD_VERSION, f"model card format_version {version!r} is not supported "
         f"(this package reads version {CARD_VERSION})")
    digest = card.get("card_sha256")
    need(isinstance(digest, str) and len(digest) == 64, "card has no valid 'card_sha256'")
    if check_digest:
        actual = card_digest(card)
        need(actual == digest.lower(), f"card_sha256 {actual} does not match the card's "
             f"{digest}; the model card was modified or corrupted, refusing to load it",
             ModelIntegrityError)
    arch = card.get("arch")
    need(isinstance(arch, str) and arch in ARCHITECTURES,
         f"unknown architecture {arch!r}; known: {sorted(ARCHITECTURES)}")
    need(_is_int(card.get("p")) and card["p"] >= 1,
         f"card 'p' must be a positive integer, got {card.get('p')!r}")
    config = card.get("config")
    need(isinstance(config, dict) and config.get("arch") == arch
         and config.get("p") == card["p"], "card 'config' missing or disagrees with 'arch'/'p'")
    try:
        built = validate_config(config)
    except (ValueError, TypeError) as exc:
        raise ModelFormatError(f"{path}: invalid config: {exc}") from None
    # validate_config compares values (4.0 == 4, 1 == True): the JSON types are checked against
    # the defaults' types, or a 4.0 reaches the array shapes.
    defaults = build_config(arch, card["p"])
    wrong = sorted(k for k in built if type(defaults[k]) is not type(config[k]))
    need(not wrong, f"invalid config: keys {wrong} have the wrong JSON type "
         f"(expected {[type(defaults[k]).__name__ for k in wrong]})")
    card["config"] = built
    shapes = get_arch(arch).param_shapes(built)
    expected = int(sum(int(np.prod(s)) for s in shapes.values()))
    need(card.get("num_parameters") == expected and _is_int(card.get("num_parameters")),
         f"'num_parameters' is {card.get('num_parameters')!r}, the config has {expected}")

    weights = card.get("weights")
    need(isinstance(weights, dict) and isinstance(weights.get("file"), str),
         "card has no 'weights.file'")
    # The weight file must sit next to its card; no path tricks.
    need(Path(weights["file"]).name == weights["file"] and weights["file"] not in ("", ".", ".."),
         "weights.file must be a bare file name")
    sha = weights.get("sha256")
    need(isinstance(sha, str) and len(sha) == 64, "card has no valid 'weights.sha256'")
    size = weights.get("bytes")
    need(_is_int(size) and 0 < size <= MAX_WEIGHT_BYTES,
         f"'weights.bytes' must be an integer in [1, {MAX_WEIGHT_BYTES}], got {size!r}")
    need(weights.get("dtype") == "float64",
         f"'weights.dtype' must be 'float64', got {weights.get('dtype')!r}")
    arrays = {k: tuple(v) for k, v in shapes.items()}
    stated = weights.get("arrays")
    need(isinstance(stated, dict) and all(isinstance(v, list) for v in stated.values())
         and {k: tuple(v) for k, v in stated.items()} == arrays,
         f"'weights.arrays' must list the config's arrays and shapes {arrays}")
    cf = card.get("cost_features")
    need(cf is None or (isinstance(cf, dict) and cf.get("num_features") == built["num_features"]),
         f"'cost_features.num_features' must equal config num_features {built['num_features']}")
    for key in ("training", "metrics", "conventions"):
        need(isinstance(card.get(key, {}), dict), f"{key!r} must be a JSON object")
    for key in ("name", "problem_family", "created_utc", "package_version"):
        need(card.get(key) is None or isinstance(card[key], str), f"{key!r} must be a string")
    return card


def read_model_card(json_path: str | os.PathLike) -> dict:
    """Parse and check a model card: its ``card_sha256`` and every structural field (the weight
    file is not touched).

    Raises:
        FileNotFoundError: no such file.
        ModelIntegrityError: the card's content differs from its ``card_sha256``.
        ModelFormatError: not a regular file of at most :data:`MAX_CARD_BYTES`, not JSON, or a
            missing field or one of the wrong type or value; the message starts with the path.
    """
    path = Path(json_path)
    return check_card(parse_card(path), path)


