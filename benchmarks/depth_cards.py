"""The per-depth validation table of the bundled depth-general models, read from their cards.

Produced: docs/training.md, "Depth-general models" (rerun after retraining, never edit by hand)::

    python -m benchmarks.depth_cards

Each card records the validation of its kept checkpoint (``metrics.val_p<d>_rho_<k>_median``,
the shipped NumPy policy's learned steps against the trainer's reference energies) and the
training loop's wall time.

Example:
    >>> row({"arch": "qlstm", "num_parameters": 3, "metrics": {}, "training": {}}, "m")[:3]
    ['`m`', 'qlstm', '3']
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qlstm_optimizer.pretrained.registry import depth_models, list_pretrained

WEIGHTS = Path(__file__).resolve().parents[1] / "qlstm_optimizer" / "pretrained" / "weights"
DEPTHS = (2, 4, 8, 12, 16)
HEADER = (["model", "arch", "weights"] + [f"p={p} rho_1 / rho_10" for p in DEPTHS]
          + ["all depths rho_10 [p10]", "blind rho_10", "kept step", "train"])


def _fmt(value: Any, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def row(card: dict, name: str) -> list[str]:
    m, t = card["metrics"], card["training"]
    cells = [f"`{name}`", card["arch"], str(card["num_parameters"])]
    cells += [f"{_fmt(m.get(f'val_p{p}_rho_1_median'))} / {_fmt(m.get(f'val_p{p}_rho_10_median'))}"
              for p in DEPTHS]
    cells.append(f"{_fmt(m.get('val_rho_10_median'), 4)} [{_fmt(m.get('val_rho_10_p10'))}]")
    cells.append(_fmt(m.get("val_blind_rho_10_median")))
    cells.append(f"{t.get('best_step', '-')}/{t.get('steps_done', '-')}")
    cells.append(f"{t['wall_time_s']:.0f} s" if "wall_time_s" in t else "-")
    return cells


def main() -> None:
    general = set(depth_models().values())
    names = sorted(n for n in list_pretrained() if n in general or "-depth-" in n)
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "---|" * len(HEADER))
    for name in names:
        card = json.loads((WEIGHTS / f"{name}.json").read_text())
        print("| " + " | ".join(row(card, name)) + " |")


if __name__ == "__main__":
    main()
