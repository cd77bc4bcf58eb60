"""Meta-training of the learned optimizers (needs torch: ``pip install 'qlstm-optimizer[train]'``).

* :mod:`.config` - TOML configs (``configs/*.toml``), :func:`load_config`;
* :mod:`.rollout` - the differentiable twin of :class:`qlstm_optimizer.policy.Rollout`;
* :mod:`.losses` - meta-losses (``budget_rho``, ``observed_improvement``, ``weighted``, ...);
* :mod:`.trainer` - the BPTT loop with validation, checkpoints, resume and DDP;
* :mod:`.cli` - ``qlstm-optimizer train``.
"""

from .config import Config, ConfigError, TrainConfig, load_config, parse_config
from .trainer import TrainingDivergedError, TrainResult, train

__all__ = [
    "Config",
    "ConfigError",
    "TrainConfig",
    "TrainResult",
    "TrainingDivergedError",
    "load_config",
    "parse_config",
    "train",
]
