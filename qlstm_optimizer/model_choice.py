"""``model="auto"``: the bundled model family chosen from the cost operator.

A user who does not name a model gets the family whose training distribution the operator
belongs to, decided from the operator's terms alone:

* ZZ couplings only, all positive: the **Max-Cut** form (``sum w_ij / 2 Z_i Z_j``, qiskit-
  optimization's ``Maxcut(...).to_quadratic_program()`` after ``to_ising``) -> ``"maxcut"``;
  but every pair coupled as ``J_ij = a_i a_j`` with unequal ``a_i`` (number partitioning, which
  the Max-Cut models never saw) -> the general family when one is bundled;
* ZZ couplings only, of both signs (or all negative): a spin glass -> ``"sk"``;
* linear Z fields or terms of order > 2 (penalty encodings of constrained problems, QUBOs,
  LABS, SAT) -> the general family ``"qubo"`` when one is bundled; until then ``"maxcut"`` with
  an :class:`UntrainedFamilyWarning` saying the model never saw such terms;
* no operator (a blind run) -> ``"maxcut"``.

The choice and its reason are logged (logger ``qlstm_optimizer``, level INFO) and recorded in
the result (``PolicyResult.model``).

Example:
    >>> from qlstm_optimizer.problems import erdos_renyi, sk
    >>> choose_family(erdos_renyi(6, 0.5, seed=1))[0], choose_family(sk(6, seed=1))[0]
    ('maxcut', 'sk')
    >>> choose_family(None)
    ('maxcut', 'no operator (a blind run): the Max-Cut family')
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Collection
from typing import Any

import numpy as np

from .hamiltonian import as_hamiltonian

AUTO = "auto"
GENERAL_FAMILY = "qubo"
UNTRAINED = "which was not trained on such terms"  # ends the reason of a fallback choice
NEGLIGIBLE = 1e-12  # relative size below which a term does not decide the family
logger = logging.getLogger("qlstm_optimizer")


class UntrainedFamilyWarning(UserWarning):
    """The operator has terms no bundled model was trained on (fields, higher order)."""


def _is_partitioning(h: Any) -> bool:
    """Every pair coupled with ``J_ij = a_i a_j`` (to 1e-9), the ``a_i`` not all equal: number
    partitioning's ``(sum a_i s_i)^2``, which no Max-Cut training graph has (a complete graph
    with unit weights is ``a_i = 1``: Max-Cut)."""
    n = h.num_qubits
    if n < 3 or len(h.terms) < n * (n - 1) // 2:
        return False
    j = h.quadratic
    if j.shape != (n, n) or not np.all(j[~np.eye(n, dtype=bool)] > 0):
        return False
    a0 = np.sqrt(j[0, 1] * j[0, 2] / j[1, 2])
    a = np.r_[a0, j[0, 1:] / a0]
    outer = np.outer(a, a)
    off = ~np.eye(n, dtype=bool)
    rank1 = np.abs(j[off] - outer[off]).max() <= 1e-9 * np.abs(j[off]).max()
    return bool(rank1 and np.ptp(a) > 1e-6 * a.mean())


def choose_family(hamiltonian: Any, bundled: Collection[str] = ("maxcut", "sk")
                  ) -> tuple[str, str]:
    """``(family, reason)`` for an operator (anything
    :func:`~qlstm_optimizer.hamiltonian.as_hamiltonian` takes) or None (blind); ``bundled``:
    the families that have models (the general one is chosen only if it is among them).

    Raises:
        TypeError / ValueError: from ``as_hamiltonian`` for something that is not a diagonal
            operator.
    """
    if hamiltonian is None:
        return "maxcut", "no operator (a blind run): the Max-Cut family"
    h = as_hamiltonian(hamiltonian)
    # terms below NEGLIGIBLE of the largest are rounding residue, not structure: qiskit-
    # optimization's QuadraticProgramToQubo + to_ising leaves fields of 1e-16 on Max-Cut
    top = max((abs(c) for k, c in h.terms.items() if k), default=0.0)
    terms = {k: c for k, c in h.terms.items() if k and abs(c) > NEGLIGIBLE * top}
    orders = {len(k) for k in terms}
    if not orders:
        return "maxcut", "a constant operator (nothing to optimise): the Max-Cut family"
    if orders == {2}:
        couplings = [c for k, c in terms.items() if len(k) == 2]
        if couplings and all(c > 0 for c in couplings):
            if GENERAL_FAMILY in bundled and _is_partitioning(h):
                return GENERAL_FAMILY, ("ZZ couplings only, J_ij = a_i a_j with unequal a_i "
                                        "(number partitioning): the general family")
            return "maxcut", "ZZ couplings only, all positive (the Max-Cut form)"
        return "sk", "ZZ couplings only, of both signs (a spin glass)"
    what = ", ".join(s for s, present in (("linear Z fields", 1 in orders),
                                           ("terms of order > 2", max(orders) > 2)) if present)
    if GENERAL_FAMILY in bundled:
        return GENERAL_FAMILY, f"{what}: the general family"
    return "maxcut", (f"{what}, and no general-family model is bundled yet: the Max-Cut family, "
                      f"{UNTRAINED}")


def resolve_auto(model: Any, hamiltonian: Any, bundled: Callable[[], Collection[str]]
                 ) -> tuple[Any, bool]:
    """``(model, untrained)``: ``model`` itself unless it is ``"auto"``; then the chosen
    family's name, logged, and ``untrained`` True (with an :class:`UntrainedFamilyWarning`)
    when no bundled family was trained on the operator's terms. ``bundled()`` lists the
    families with models; it is called only for ``"auto"`` (it reads the weights directory)."""
    if not (isinstance(model, str) and model == AUTO):
        return model, False
    family, reason = choose_family(hamiltonian, bundled())
    logger.info("model='auto' chose %r: %s", family, reason)
    untrained = reason.endswith(UNTRAINED)
    if untrained:
        warnings.warn(f"model='auto' chose {family!r}: {reason}; name a model to silence this",
                      UntrainedFamilyWarning, stacklevel=3)
    return family, untrained


__all__ = ["AUTO", "GENERAL_FAMILY", "UntrainedFamilyWarning", "choose_family", "resolve_auto"]
