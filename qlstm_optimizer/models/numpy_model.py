"""NumPy inference twin: any architecture, frozen weights, no torch.

:class:`NumpySequenceModel` runs the same ``step`` function as the torch model (the architecture
modules are written once against the ops shim), on float64 NumPy arrays. It is what the frozen
policy uses; it can also run its VQCs on a Qiskit estimator
(:meth:`~NumpySequenceModel.with_estimator`).

Example:
    >>> import numpy as np
    >>> from qlstm_optimizer.models import init_numpy_model
    >>> model = init_numpy_model("qlstm", p=1, seed=0)
    >>> state = model.initial_state(1)
    >>> y, state = model.step(np.zeros((1, 4)), np.zeros((1, 2)), state)
    >>> y.shape, model.num_parameters
    ((1, 2), 104)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import count_parameters
from .estimator import EstimatorOps
from .ops import NUMPY_OPS, FrozenNumpyOps
from .qklstm import angle_map
from .registry import get_arch, validate_config
from .vqc_qiskit import kernel_circuit, to_qiskit

__all__ = ["NumpySequenceModel", "check_params"]


def check_params(config: dict, params: dict) -> dict[str, np.ndarray]:
    """Validate names and shapes against the architecture; return float64 read-only copies."""
    shapes = get_arch(config["arch"]).param_shapes(config)
    missing = sorted(set(shapes) - set(params))
    extra = sorted(set(params) - set(shapes))
    if missing or extra:
        raise ValueError(
            f"{config['arch']} parameters do not match its config: missing {missing}, "
            f"unexpected {extra}"
        )
    out = {}
    for name, shape in shapes.items():
        arr = np.asarray(params[name])
        if not np.issubdtype(arr.dtype, np.floating):
            raise ValueError(f"parameter {name!r} has dtype {arr.dtype}, expected float")
        if tuple(arr.shape) != tuple(shape):
            raise ValueError(
                f"parameter {name!r} has shape {tuple(arr.shape)}, config expects {tuple(shape)}"
            )
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"parameter {name!r} contains non-finite values")
        arr = np.array(arr, dtype=np.float64, copy=True)
        arr.setflags(write=False)  # frozen: a policy cannot change the weights by accident
        out[name] = arr
    return out


class NumpySequenceModel:
    """A sequence model (QLSTM, QK-LSTM, QFWP or LSTM) on NumPy.

    Args:
        config: a config from :func:`~qlstm_optimizer.models.build_config` (validated again).
        params: ``name -> array`` with the shapes of ``param_shapes(config)``.
        ops: the array/quantum backend; default: NumPy + statevector simulation, memoising the
            weight-only VQC layer matrices (the weights are frozen).

    Attributes:
        config: the config dict (JSON-serialisable).
        params: read-only float64 weights.
        card: the model card dict when loaded by :func:`~qlstm_optimizer.models.load_model`.
    """

    def __init__(self, config: dict, params: dict, ops: Any = None) -> None:
        self.config = validate_config(dict(config))
        self.params = check_params(self.config, params)
        self.ops = FrozenNumpyOps() if ops is None else ops
        self.card: dict | None = None

    @property
    def _arch(self) -> Any:
        # Looked up, not stored: the architecture is a module, and a model (or an optimizer
        # holding one) must pickle and deepcopy like any other settings object.
        return get_arch(self.config["arch"])

    # -- interface (docs/design.md) -----------------------------------------------------------
    @property
    def arch(self) -> str:
        return self.config["arch"]

    @property
    def p(self) -> int:
        return self.config["p"]

    @property
    def num_parameters(self) -> int:
        """Number of trainable scalars."""
        return count_parameters(self._arch.param_shapes(self.config))

    def initial_state(self, batch: int = 1) -> tuple:
        """Zero recurrent state for ``batch`` parallel sequences (a tuple of arrays)."""
        return self._arch.initial_state(self.config, int(batch), self.ops)

    def step(self, features: Any, params: Any, state: tuple) -> tuple[np.ndarray, tuple]:
        """``features (B, F), params (B, 2p), state -> y (B, 2p), new state``.

        ``y`` is the raw output; ``features.decode_proposal`` turns it into parameters.
        """
        f = np.asarray(features, dtype=np.float64)
        x = np.asarray(params, dtype=np.float64)
        if f.ndim != 2 or f.shape[1] != self.config["num_features"]:
            raise ValueError(
                f"features must have shape (B, {self.config['num_features']}), got {f.shape}"
            )
        if x.shape != (f.shape[0], 2 * self.p):
            raise ValueError(f"params must have shape ({f.shape[0]}, {2 * self.p}), got {x.shape}")
        return self._arch.step(self.params, self.config, f, x, state, self.ops)

    __call__ = step

    # -- quantum execution --------------------------------------------------------------------
    def with_estimator(
        self,
        estimator: Any,
        *,
        precision: float | None = None,
        pass_manager: Any = None,
        only: Any = None,
    ) -> NumpySequenceModel:
        """The same frozen model with every VQC evaluated by a Qiskit ``BaseEstimatorV2``.

        Args:
            estimator: e.g. ``qiskit.primitives.StatevectorEstimator()`` (exact),
                ``qiskit_aer.primitives.EstimatorV2()`` or
                ``qiskit.primitives.BackendEstimatorV2(backend=...)``.
            precision: target precision passed to ``estimator.run`` (for a shot-based
                estimator ``1/sqrt(shots)``); ``None`` uses the estimator's default.
            pass_manager: optional transpiler pass manager for a hardware backend; the
                observables follow the layout it chooses.
            only: optional names of VQCs (keys of :meth:`vqc_specs`) to run on the estimator;
                the others are simulated exactly. VQCs that share a program run as one group
                (a QLSTM's four gates; its VQC5 and VQC6) and must be selected together.
                Default: all.

        Example:
            >>> import numpy as np
            >>> from qiskit.primitives import StatevectorEstimator
            >>> from qlstm_optimizer.models import init_numpy_model
            >>> m = init_numpy_model("qlstm", 1, seed=0)
            >>> q = m.with_estimator(StatevectorEstimator())
            >>> f, x = np.full((1, 4), 0.3), np.full((1, 2), 0.1)
            >>> y0, _ = m.step(f, x, m.initial_state(1))
            >>> y1, _ = q.step(f, x, q.initial_state(1))
            >>> bool(np.allclose(y0, y1, atol=1e-9))
            True
        """
        specs = None
        if only is not None:
            table = self.vqc_specs()
            unknown = sorted(set(only) - set(table))
            if unknown:
                raise ValueError(f"unknown VQC names {unknown}; this model has {sorted(table)}")
            specs = {table[name][0] for name in only}
            # VQCs with the same program run as one group (one estimator call): all or none.
            partial = sorted(n for n, v in table.items() if v[0] in specs and n not in only)
            if partial:
                raise ValueError(f"{partial} run in one group with {sorted(only)}; select all")
        ops = EstimatorOps(estimator, precision=precision, pass_manager=pass_manager, only=specs)
        twin = NumpySequenceModel(self.config, self.params, ops=ops)
        twin.card = self.card
        return twin

    def vqc_specs(self) -> dict:
        """``name -> (VQCSpec, weight array name or None, group index or None)``."""
        return self._arch.vqc_specs(self.config)

    def export_circuits(self, bind_weights: bool = True) -> dict:
        """Every VQC of the model as a Qiskit ``QuantumCircuit``.

        Data inputs stay ``Parameter`` s (``x[i]``; ``z[i]`` for the kernel). With
        ``bind_weights`` the trained angles are bound, otherwise they are ``w[j]``. A QK-LSTM
        also exports its compute-uncompute kernel circuits (one per landmark, landmark bound);
        a QFWP's circuit weights are fast weights (state), so they stay ``w[j]``.

        Example:
            >>> from qlstm_optimizer.models import init_numpy_model
            >>> sorted(init_numpy_model("qlstm", 1, seed=0).export_circuits())[:2]
            ['vqc1_forget', 'vqc2_input']
        """
        out = {}
        for name, (spec, key, idx) in self.vqc_specs().items():
            weights = None
            if bind_weights and key is not None:
                weights = self.params[key][idx]
            out[name] = to_qiskit(spec, None, weights, name=name)
        if self.arch == "qklstm":
            spec = self.vqc_specs()["kernel_feature_map"][0]
            refs = angle_map(self.config, self.params["refs"], NUMPY_OPS)
            for m, ref in enumerate(refs):
                out[f"kernel_ref{m}"] = kernel_circuit(spec, None, ref if bind_weights else None)
        return out

    def __repr__(self) -> str:
        return (
            f"NumpySequenceModel(arch={self.arch!r}, p={self.p}, "
            f"num_parameters={self.num_parameters}, ops={self.ops.name!r})"
        )
