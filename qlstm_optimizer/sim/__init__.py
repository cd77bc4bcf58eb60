"""Statevector simulators. ``numpy_qaoa`` (always available) and ``torch_qaoa`` (training only:
import it explicitly; importing this package never imports torch)."""

from .numpy_qaoa import (
    StatevectorTooLargeError,
    qaoa_energy,
    qaoa_probabilities,
    qaoa_state,
    sampled_energy,
)

__all__ = [
    "StatevectorTooLargeError",
    "qaoa_energy",
    "qaoa_probabilities",
    "qaoa_state",
    "sampled_energy",
]
