"""qlstm-optimizer: a pretrained, frozen, meta-learned quantum-LSTM optimizer for QAOA.

Example:
    >>> from qlstm_optimizer import QLSTMOptimizer, list_pretrained, qlstm
    >>> "maxcut-p1" in list_pretrained()
    True

Importing this package is as light as importing NumPy and SciPy's optimize: every public name is
loaded on first use (PEP 562). Only ``QLSTMOptimizer`` imports qiskit / qiskit-algorithms, only
``QLSTMSampler`` (also in ``qlstm_optimizer.optuna``) imports optuna, and nothing imports torch.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

from ._version import __version__

# Public name -> submodule that defines it. Why lazy: the Qiskit adapter pulls in
# qiskit-algorithms (about 1-2 s, most of the old import time), which a SciPy or Optuna user,
# or anyone importing qlstm_optimizer.sim, should not pay for.
_LAZY = {
    "DiagonalHamiltonian": "hamiltonian",
    "InvalidEnergyError": "options",
    "NonFiniteEnergyError": "policy",
    "PolicySpec": "policy",
    "QLSTMOptimizer": "qiskit",
    "QLSTMSampler": "optuna",
    "UnknownModelError": "pretrained",
    "list_pretrained": "pretrained",
    "load_pretrained": "pretrained",
    "minimize_qaoa": "minimize",
    "qaoa_energy": "sim",
    "qaoa_probabilities": "sim",
    "qlstm": "scipy",
    "sampled_energy": "sim",
}

__all__ = [
    "DiagonalHamiltonian",
    "InvalidEnergyError",
    "NonFiniteEnergyError",
    "PolicySpec",
    "QLSTMOptimizer",
    "QLSTMSampler",
    "UnknownModelError",
    "__version__",
    "list_pretrained",
    "load_pretrained",
    "minimize_qaoa",
    "qaoa_energy",
    "qaoa_probabilities",
    "qlstm",
    "sampled_energy",
]

if TYPE_CHECKING:  # static checkers and IDEs see the real objects
    from .hamiltonian import DiagonalHamiltonian
    from .minimize import minimize_qaoa
    from .options import InvalidEnergyError
    from .optuna import QLSTMSampler
    from .policy import NonFiniteEnergyError, PolicySpec
    from .pretrained import UnknownModelError, list_pretrained, load_pretrained
    from .qiskit import QLSTMOptimizer
    from .scipy import qlstm
    from .sim import qaoa_energy, qaoa_probabilities, sampled_energy


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        # Submodules as attributes (`qlstm_optimizer.sim.qaoa_energy` after a bare
        # `import qlstm_optimizer`), as when this face imported them eagerly.
        if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}"):
            return importlib.import_module(f".{name}", __name__)
        raise AttributeError(f"module 'qlstm_optimizer' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
