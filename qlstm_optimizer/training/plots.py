"""Training-curve PNGs (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def plot_curves(history: list[dict[str, float]], path: str | Path, title: str = "") -> Path:
    """Two panels: the meta-loss (raw and a moving average) and the validation rho_k medians."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = np.array([h["step"] for h in history])
    loss = np.array([h["loss"] for h in history])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    ax1.plot(steps, loss, alpha=0.3, label="loss")
    if len(loss) >= 10:
        w = max(5, len(loss) // 30)
        ax1.plot(steps[w - 1:], np.convolve(loss, np.ones(w) / w, mode="valid"),
                 label=f"moving average ({w})")
    ax1.set_xlabel("optimizer step")
    ax1.set_ylabel("meta-loss")
    ax1.legend()
    vals = [h for h in history if "val_score" in h]
    keys = sorted({k for h in vals for k in h if k.startswith("val_rho_") and
                   k.endswith("_median")}, key=lambda k: int(k.split("_")[2]))
    for k in keys:
        ax2.plot([h["step"] for h in vals], [h[k] for h in vals], marker="o",
                 label=k.replace("val_", "").replace("_median", " median"))
    ax2.set_xlabel("optimizer step")
    ax2.set_ylabel("validation rho_k (NumPy policy)")
    if keys:
        ax2.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)
