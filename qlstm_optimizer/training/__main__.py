"""``python -m qlstm_optimizer.training --config FILE`` (also under ``torchrun``)."""

import sys

from .cli import main

sys.exit(main())
