"""Run a frozen model's VQCs on a Qiskit ``BaseEstimatorV2`` (a simulator or a QPU).

:class:`EstimatorOps` is the NumPy ops backend with the two quantum entry points replaced:
``vqc`` evaluates ``<Z_q>`` and ``kernel`` evaluates ``<|0..0><0..0|>`` of the compute-uncompute
circuit, both through ``estimator.run``. Everything classical stays NumPy. One estimator call per
VQC group and step: all circuits of the group (e.g. the four QLSTM gates) and all batch rows go
into a single PUB via parameter broadcasting.

Shot noise: ``precision`` is passed to ``estimator.run``. ``qiskit.primitives.BackendEstimatorV2``
turns it into ``ceil(1/precision**2)`` shots and measures; ``qiskit_aer.primitives.EstimatorV2``
computes exact expectation values and adds Gaussian noise of standard deviation ``precision`` (an
upper bound of the true shot noise ``sqrt(1 - <Z>^2 / shots)``); ``StatevectorEstimator`` is exact.

Example:
    >>> import numpy as np
    >>> from qiskit.primitives import StatevectorEstimator
    >>> from qlstm_optimizer.models.vqc import make_vqc_spec, expectations
    >>> from qlstm_optimizer.models.ops import NUMPY_OPS
    >>> spec = make_vqc_spec(3, depth=1)
    >>> x, w = np.ones((2, 3)), np.ones((1, 1) + spec.weight_shape)
    >>> ops = EstimatorOps(StatevectorEstimator())
    >>> bool(np.allclose(ops.vqc(spec, x, w), expectations(spec, x, w, NUMPY_OPS)))
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .ops import NumpyOps
from .vqc import VQCSpec
from .vqc_qiskit import kernel_circuit, to_qiskit, z_observables, zero_projector

__all__ = ["EstimatorOps"]


class EstimatorOps(NumpyOps):
    """NumPy ops whose VQCs run on a Qiskit ``BaseEstimatorV2``.

    Args:
        estimator: any ``BaseEstimatorV2``.
        precision: target precision for ``estimator.run`` (``None``: the estimator's default).
        pass_manager: optional pass manager (``generate_preset_pass_manager(backend=...)``) to
            transpile each circuit once; observables are mapped with the resulting layout.
        only: optional set of :class:`~.vqc.VQCSpec` to run on the estimator; other circuits
            are simulated exactly (default: all circuits on the estimator).

    Attributes:
        num_calls: ``estimator.run`` calls so far; num_circuit_evaluations: parameter sets sent.
    """

    name = "estimator"

    def __init__(
        self,
        estimator: Any,
        *,
        precision: float | None = None,
        pass_manager: Any = None,
        only: Any = None,
    ):
        self.estimator = estimator
        self.precision = precision
        self.pass_manager = pass_manager
        # Optional subset of VQCSpecs sent to the estimator; the others are simulated exactly
        # (used to attribute shot noise, e.g. to the gate VQCs of a QLSTM alone).
        self.only = None if only is None else frozenset(only)
        self._cache: dict[tuple, tuple] = {}
        self.num_calls = 0
        self.num_circuit_evaluations = 0

    def _prepare(self, circuit: Any, observables: list, params: tuple) -> tuple:
        # Transpile once per circuit; parameters survive transpilation, so we bind afterwards.
        if self.pass_manager is not None:
            circuit = self.pass_manager.run(circuit)
            observables = [o.apply_layout(circuit.layout) for o in observables]
        obs = np.empty((len(observables), 1, 1), dtype=object)
        for i, o in enumerate(observables):
            obs[i, 0, 0] = o
        return (circuit, obs.tolist(), params)

    @staticmethod
    def _ordered(circuit: Any, prefix: str) -> tuple:
        return tuple(
            sorted((p for p in circuit.parameters if p.name.startswith(prefix + "[")),
                   key=lambda p: p.index)
        )  # fmt: skip

    def _run(self, prepared: tuple, values: np.ndarray) -> np.ndarray:
        circuit, obs, params = prepared
        pub = (circuit, obs, {params: values})
        kwargs = {} if self.precision is None else {"precision": self.precision}
        result = self.estimator.run([pub], **kwargs).result()
        self.num_calls += 1
        self.num_circuit_evaluations += int(np.prod(values.shape[:-1]))
        return np.asarray(result[0].data.evs, dtype=np.float64)  # (n_obs, G, B)

    def vqc(self, spec: VQCSpec, x: Any, weights: Any) -> np.ndarray:
        """``<Z_q>`` on the estimator: ``x (B, n_in)``, ``weights (G, Bw, L, n, k)`` ->
        ``(G, B, len(readout))``."""
        if self.only is not None and spec not in self.only:
            return super().vqc(spec, x, weights)
        x = np.asarray(x, dtype=np.float64)
        weights = np.asarray(weights, dtype=np.float64)
        groups, bw = weights.shape[:2]
        batch = x.shape[0]
        key = ("vqc", spec)
        if key not in self._cache:
            circuit = to_qiskit(spec)
            params = self._ordered(circuit, "x") + self._ordered(circuit, "w")
            self._cache[key] = self._prepare(circuit, z_observables(spec), params)
        prepared = self._cache[key]
        xv = np.broadcast_to(x[None], (groups, batch, spec.n_inputs))
        wv = np.broadcast_to(weights.reshape(groups, bw, -1), (groups, batch, spec.num_weights))
        values = np.concatenate([xv, wv], axis=-1)
        evs = self._run(prepared, values)
        return np.moveaxis(evs, 0, -1)

    def kernel(self, spec: VQCSpec, z: Any, refs: Any) -> np.ndarray:
        """Fidelity kernel on the estimator: ``z (B, n)``, ``refs (M, n)`` -> ``(B, M)``."""
        if self.only is not None and spec not in self.only:
            return super().kernel(spec, z, refs)
        z = np.asarray(z, dtype=np.float64)
        refs = np.asarray(refs, dtype=np.float64)
        key = ("kernel", spec)
        if key not in self._cache:
            circuit = kernel_circuit(spec)
            params = self._ordered(circuit, "z") + self._ordered(circuit, "c")
            self._cache[key] = self._prepare(circuit, [zero_projector(spec.n_qubits)], params)
        prepared = self._cache[key]
        m, b, n = refs.shape[0], z.shape[0], spec.n_inputs
        values = np.concatenate(
            [np.broadcast_to(z[None], (m, b, n)), np.broadcast_to(refs[:, None], (m, b, n))],
            axis=-1,
        )
        evs = self._run(prepared, values)  # (1, M, B)
        return evs[0].T
