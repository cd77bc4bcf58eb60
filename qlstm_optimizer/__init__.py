"""qlstm-optimizer: a pretrained, frozen, meta-learned quantum-LSTM optimizer for QAOA.

Example:
    >>> from qlstm_optimizer import QLSTMOptimizer, list_pretrained, qlstm
    >>> "maxcut-p1" in list_pretrained()
    True

Importing this package never imports torch (inference runs on NumPy) nor optuna (the sampler lives
in ``qlstm_optimizer.optuna`` and is also reachable lazily as ``qlstm_optimizer.QLSTMSampler``).
"""

from typing import Any

from ._version import __version__
from .hamiltonian import DiagonalHamiltonian
from .minimize import minimize_qaoa
from .policy import NonFiniteEnergyError, PolicySpec
from .pretrained import UnknownModelError, list_pretrained, load_pretrained
from .qiskit import QLSTMOptimizer
from .scipy import qlstm
from .sim import qaoa_energy, qaoa_probabilities, sampled_energy

__all__ = [
    "DiagonalHamiltonian",
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


def __getattr__(name: str) -> Any:
    if name == "QLSTMSampler":  # optuna is an optional extra: import it only when asked for
        from .optuna import QLSTMSampler

        return QLSTMSampler
    raise AttributeError(f"module 'qlstm_optimizer' has no attribute {name!r}")
