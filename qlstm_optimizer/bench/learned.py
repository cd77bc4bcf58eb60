"""The learned optimizers in the benchmark: discovery of bundled models and one counted run.

Bundled models are found with :func:`qlstm_optimizer.pretrained.list_pretrained`: for a problem
family F and depth p the default model is ``F-p<p>`` (run with and without refine) and every
``F-p<p>-<variant>`` (QK-LSTM, QFWP, LSTM, ...) is run in its default mode (with refine). The
default model also runs "blind" (``<arch>-blind``): without the instance's Hamiltonian, as in
``QAOA(sampler, optimizer=QLSTMOptimizer.pretrained(name))`` with no ``hamiltonian=``. With
``untrained=True`` and no bundled model for (F, p), an untrained QLSTM anchored at the fixed
angles (the linear ramp where no table exists) stands in, so the whole pipeline can be exercised
before training has finished; it is labelled ``untrained-qlstm`` (``untrained-qklstm`` above
p = 6, where the QLSTM's 2p qubits are too many to simulate) and never counts as "the QLSTM" in
the targets.

Depth-general models (issue 11): ``F-depth`` (and its variants ``F-depth-<variant>``) serves every
depth up to its card's ``depth.max_depth``. Where no ``F-p<p>`` default exists it is the primary
method, labelled like a default model (``<arch>``, ``<arch>-norefine``, ``<arch>-blind``;
variants ``<variant>``); where one exists (p <= 3 today) it runs beside it as ``<arch>-depth``
(variants ``<variant>-depth``), a regression check of the depth model against the p-specific one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..angles import fixed_angle_depths
from ..minimize import minimize_qaoa
from ..models import build_config, init_numpy_model
from ..policy import PolicySpec
from ..pretrained import list_pretrained, load_pretrained
from ..refine import DEFAULT_REFINE
from .baselines import fixed_start, tqa_start
from .objective import BudgetExhausted, CountingObjective


@dataclass(frozen=True)
class LearnedMethod:
    """A learned optimizer as the suite runs it.

    Attributes:
        label: method name in results ("qlstm", "qlstm-norefine", "qklstm", ...).
        model: bundled model name, or ``"untrained:<arch>"`` (built on demand in the worker).
        refine: refine optimizer after the learned steps, or None.
        family: problem family the model was trained for ("maxcut" or "sk").
        primary: True for the default model with refine (the one the targets are about): the
            ``F-p<p>`` model, else the depth-general ``F-depth`` model.
        blind: run without the Hamiltonian (Hamiltonian scale 1) instead of giving it.
    """

    label: str
    model: str
    refine: str | None
    family: str
    primary: bool = False
    blind: bool = False


def _card_arch(name: str) -> str:
    try:
        card = load_pretrained(name).card
    except Exception:  # a broken card is reported by the registry's own tests, not here
        return "model"
    return str(card.get("arch") or card.get("config", {}).get("arch", "model"))


def is_depth_model(name: str, family: str) -> bool:
    """True for the depth-general model of ``family`` (``F-depth``) or one of its variants.

    Example:
        >>> is_depth_model("maxcut-depth-lstm", "maxcut"), is_depth_model("maxcut-p2", "maxcut")
        (True, False)
    """
    return name == f"{family}-depth" or name.startswith(f"{family}-depth-")


def depth_max(name: str) -> int:
    """Largest depth a bundled depth-general model serves: its card's ``depth.max_depth``."""
    card = load_pretrained(name).card
    block = card.get("depth")
    value = block.get("max_depth") if isinstance(block, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"model card of {name!r}: depth.max_depth must be a positive integer, "
                         f"got {value!r} (the bench needs it to know which depths the model "
                         "serves)")
    return value


def depth_model_info(name: str) -> dict[str, Any]:
    """What the report says about a depth-general model: ``max_depth`` and ``modes`` (the
    number of smooth-basis modes, None if the card does not give it) from its card."""
    return {"max_depth": depth_max(name), "modes": load_pretrained(name).card["depth"].get("modes")}


def _depth_methods(names: list[str], family: str, p: int, primary: bool,
                   taken: set[str]) -> list[LearnedMethod]:
    """The depth-general models of ``family`` that serve depth ``p``: the primary method (with
    its no-refine and blind runs) when ``primary``, else ``-depth`` regression checks."""
    base = f"{family}-depth"
    methods: list[LearnedMethod] = []
    for name in names:
        if not is_depth_model(name, family) or p > depth_max(name):
            continue
        label = _card_arch(name) if name == base else name[len(base) + 1:]
        if not primary:
            methods.append(LearnedMethod(f"{label}-depth", name, DEFAULT_REFINE, family))
        elif name == base:
            methods.append(LearnedMethod(label, name, DEFAULT_REFINE, family, primary=True))
            methods.append(LearnedMethod(f"{label}-norefine", name, None, family))
            methods.append(LearnedMethod(f"{label}-blind", name, DEFAULT_REFINE, family,
                                         blind=True))
        else:  # a variant; "-depth" if a p-specific model already has that label
            methods.append(LearnedMethod(label if label not in taken else f"{label}-depth",
                                         name, DEFAULT_REFINE, family))
    return methods


def discover(family: str, p: int, *, untrained: bool = False,
             depth_checks: bool = True) -> tuple[list[LearnedMethod], str]:
    """Learned methods for a suite of ``family`` at depth ``p``, and a note on what is missing.

    ``depth_checks=False`` leaves out the depth-general model's ``-depth`` regression runs
    beside a p-specific model (parts whose evaluations are costly: Aer, the large-n transfer).
    """
    names = list_pretrained()
    default = f"{family}-p{p}"
    methods: list[LearnedMethod] = []
    if default in names:
        arch = _card_arch(default)
        methods.append(LearnedMethod(arch, default, DEFAULT_REFINE, family, primary=True))
        methods.append(LearnedMethod(f"{arch}-norefine", default, None, family))
        # The same learned steps with the previous default refine: what the quadratic one adds.
        methods.append(LearnedMethod(f"{arch}-cobyla", default, "cobyla", family))
        methods.append(LearnedMethod(f"{arch}-blind", default, DEFAULT_REFINE, family,
                                     blind=True))
    for name in names:
        if name.startswith(default + "-"):
            methods.append(LearnedMethod(name[len(default) + 1:], name, DEFAULT_REFINE, family))
    if depth_checks or default not in names:
        methods += _depth_methods(names, family, p, primary=default not in names,
                                  taken={m.label for m in methods})
    note = ""
    if not methods:
        note = f"no bundled model for {family} at p={p}"
        if untrained:
            arch = _stand_in_arch(p)
            note += f" (an untrained {arch.upper()} stands in to exercise the pipeline)"
            methods.append(LearnedMethod(f"untrained-{arch}", f"untrained:{arch}",
                                         DEFAULT_REFINE, family))
            methods.append(LearnedMethod(f"untrained-{arch}-norefine", f"untrained:{arch}", None,
                                         family))
    return methods, note


def _stand_in_arch(p: int) -> str:
    """The untrained stand-in's architecture: the QLSTM where its circuits can be simulated
    (2p <= 12 qubits), else the QK-LSTM (4 qubits at any depth)."""
    try:
        build_config("qlstm", p)
    except ValueError:
        return "qklstm"
    return "qlstm"


def resolve(method: LearnedMethod, p: int) -> Any:
    """The ``model`` argument of :func:`qlstm_optimizer.minimize.minimize_qaoa`."""
    if method.model.startswith("untrained:"):
        arch = method.model.split(":", 1)[1]
        # Anchored at the published angles where a table exists, else the linear ramp.
        anchor = (fixed_start(method.family, p) if p in fixed_angle_depths(method.family)
                  else tqa_start(p))
        return init_numpy_model(arch, p=p, seed=0), PolicySpec(p=p, anchor=anchor)
    return method.model


def run_learned(fun: Callable[[np.ndarray], float], p: int, maxfev: int,
                method: LearnedMethod, hamiltonian: Any) -> CountingObjective:
    """One run of a learned optimizer through the public entry point, every evaluation counted.

    ``hamiltonian`` is the instance without its constant (the energies ``fun`` returns are
    relative), used only for the Hamiltonian-scale conversion of the model's gamma units (not
    at all for a ``blind`` method).
    """
    obj = CountingObjective(fun, maxfev)
    try:
        # The Hamiltonian sets the gamma units by the model card's scale rule.
        minimize_qaoa(
            obj, np.zeros(2 * p), model=resolve(method, p), maxfev=maxfev, refine=method.refine,
            hamiltonian=None if method.blind else hamiltonian, energy_offset=0.0,
        )
    except BudgetExhausted:  # cannot happen (minimize_qaoa keeps to maxfev); belt and braces
        pass
    return obj
