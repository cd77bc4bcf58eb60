"""Meta-training of the learned optimizers (needs torch: ``pip install 'qlstm-optimizer[train]'``).

* :mod:`.config` - TOML configs (``configs/*.toml``), :func:`load_config`;
* :mod:`.rollout` - the differentiable twin of :class:`qlstm_optimizer.policy.Rollout`;
* :mod:`.losses` - meta-losses (``budget_rho``, ``observed_improvement``, ``weighted``, ...);
* :mod:`.trainer` - the BPTT loop with validation, checkpoints, resume and DDP;
* :mod:`.rundir` - the run-directory lock and data-only, config-bound checkpoints;
* :mod:`.cli` - ``qlstm-optimizer train``.
"""

from .config import Config, ConfigError, TrainConfig, load_config, parse_config
from .rundir import CheckpointError, RunDirectoryError
from .trainer import TrainingDivergedError, TrainResult, UnvalidatedRunError, train

__all__ = [
    "CheckpointError",
    "Config",
    "ConfigError",
    "RunDirectoryError",
    "TrainConfig",
    "TrainResult",
    "TrainingDivergedError",
    "UnvalidatedRunError",
    "load_config",
    "parse_config",
    "train",
]
