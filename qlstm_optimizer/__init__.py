"""qlstm-optimizer: a pretrained, frozen, meta-learned quantum-LSTM optimizer for QAOA.

Importing this package never imports torch (inference runs on NumPy).
"""

from .hamiltonian import DiagonalHamiltonian
from .sim import qaoa_energy, qaoa_probabilities, sampled_energy

__version__ = "0.1.0"

__all__ = [
    "DiagonalHamiltonian",
    "__version__",
    "qaoa_energy",
    "qaoa_probabilities",
    "sampled_energy",
]
