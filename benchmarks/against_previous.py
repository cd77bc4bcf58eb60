"""The fixed costs per call against a previous commit of this package, interleaved in one process:
``qaoa_energy`` at small n (with QOKit's C simulator beside it, if found) and the optimizer's own
time (the quadratic refine, ``minimize_qaoa``).

Produced: the "against the previous implementation" notes of docs/performance.md.

Run ``python -m benchmarks.against_previous --commit 72be8a7 [--qokit-lib PATH]`` from a git
checkout (about 2 minutes). The previous package is taken with ``git archive`` into a temporary
directory and imported as ``qlstm_previous`` (its imports are relative). Before any timing the
two versions must agree to the bit: the timed energies, and the points the refine and
``minimize_qaoa`` ask. Times are CPU time of this thread (``time.thread_time``), medians of
bursts taken in rotation, so that the waits for a core on a shared machine do not count.

Example:
    >>> cpu_interleaved([lambda: None], repeats=3)[0] >= 0.0
    True
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.sim_speed import load_qokit, maxcut_like, overhead_problem, qokit_energy

ROOT = Path(__file__).resolve().parents[1]


def cpu_interleaved(fns: list[Callable[[], Any]], repeats: int = 31,
                    burst: float = 5e-3) -> list[float]:
    """Median CPU seconds per call of each function, in bursts of about ``burst`` CPU seconds
    timed in rotation (f1, f2, ..., f1, f2, ...)."""
    loops = []
    for fn in fns:  # warm-up, also sizing the bursts
        start = time.thread_time()
        fn()
        fn()
        loops.append(max(1, int(burst / max((time.thread_time() - start) / 2, 1e-7))))
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, count, out in zip(fns, loops, samples, strict=True):
            start = time.thread_time()
            for _ in range(count):
                fn()
            out.append((time.thread_time() - start) / count)
    return [float(np.median(s)) for s in samples]


def import_previous(commit: str, where: str) -> Any:
    """The package at ``commit`` as the module ``qlstm_previous`` (from ``git archive``)."""
    archive = Path(where) / "previous.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", commit, "qlstm_optimizer"], cwd=ROOT, check=True,
                       stdout=out)
    with tarfile.open(archive) as tar:
        tar.extractall(where, filter="data")
    os.rename(Path(where) / "qlstm_optimizer", Path(where) / "qlstm_previous")
    sys.path.insert(0, where)
    return importlib.import_module("qlstm_previous")


def per_call(previous: Any, sizes: list[int], furx: Any) -> list[str]:
    from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
    from qlstm_optimizer.sim import qaoa_energy

    old_energy = importlib.import_module("qlstm_previous.sim").qaoa_energy
    old_h = importlib.import_module("qlstm_previous.hamiltonian").DiagonalHamiltonian
    lines = ["| n | p | qaoa_energy (us) | previous (us) | previous / now | QOKit C (us) "
             "| QOKit / now |", "|---|---|---|---|---|---|---|"]
    rng = np.random.default_rng(1)
    for n in sizes:
        for p in (1, 3):
            h: DiagonalHamiltonian = maxcut_like(n, 0.5, seed=n + p)
            h_old = old_h(h.num_qubits, h.terms, h.constant)
            x = rng.uniform(-1, 1, 2 * p)
            assert qaoa_energy(h, x) == old_energy(h_old, x), (n, p)  # to the bit
            fns = [lambda h=h, x=x: qaoa_energy(h, x), lambda h=h_old, x=x: old_energy(h, x)]
            if furx is not None:
                diag = h.diagonal()
                fns.append(lambda d=diag, x=x: qokit_energy(furx, d, x))
            now, old, *qokit = cpu_interleaved(fns)
            row = f"| {n} | {p} | {now * 1e6:7.1f} | {old * 1e6:7.1f} | {old / now:5.2f}x "
            row += (f"| {qokit[0] * 1e6:7.1f} | {qokit[0] / now:5.2f}x |" if qokit
                    else "| - | - |")
            lines.append(row)
    return lines


def optimizer(previous: Any) -> list[str]:
    from qlstm_optimizer.minimize import minimize_qaoa
    from qlstm_optimizer.refine import quadratic_refine

    old_refine = importlib.import_module("qlstm_previous.refine").quadratic_refine
    old_minimize = importlib.import_module("qlstm_previous.minimize").minimize_qaoa
    lines = ["| p | refine, 32 steps (us/step) | previous | previous / now "
             "| minimize_qaoa, 40 evals (us/eval) | previous | previous / now |",
             "|---|---|---|---|---|---|---|"]
    for p in (1, 2, 3):
        f, x0, model, hx, hf = overhead_problem(p)
        runs = [partial(quadratic_refine, f, hx, hf, 32, 0.1),
                partial(old_refine, f, hx, hf, 32, 0.1),
                partial(minimize_qaoa, f, x0, model=model, maxfev=40, hamiltonian=None),
                partial(old_minimize, f, x0, model=model, maxfev=40, hamiltonian=None)]
        new_xs, old_xs = runs[0]()[0], runs[1]()[0]
        assert len(new_xs) == len(old_xs) and all(
            np.array_equal(a, b) for a, b in zip(new_xs, old_xs, strict=True)), p
        new_run, old_run = runs[2](), runs[3]()
        assert np.array_equal(new_run.history_x, old_run.history_x), p
        steps = len(new_xs) - len(hx)
        t_ref, t_old_ref, t_run, t_old_run = cpu_interleaved(runs, repeats=15, burst=20e-3)
        lines.append(f"| {p} | {t_ref / steps * 1e6:5.0f} | {t_old_ref / steps * 1e6:5.0f} "
                     f"| {t_old_ref / t_ref:5.2f}x | {t_run / 40 * 1e6:5.0f} "
                     f"| {t_old_run / 40 * 1e6:5.0f} | {t_old_run / t_run:5.2f}x |")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commit", default="72be8a7", help="the previous commit (default "
                        "72be8a7, before the small-n and refine work of issue 17)")
    parser.add_argument("--qokit-lib", help="path of QOKit's C simulator library (.so)")
    parser.add_argument("--sizes", default="6,7,8,9,10,12", help="n, comma-separated")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.sizes.split(",")]
    furx = load_qokit(args.qokit_lib)
    out = [f"load average at start: {os.getloadavg()[0]:.1f} (2 cores); previous = "
           f"{args.commit}", ""]
    with tempfile.TemporaryDirectory(prefix="previous-") as where:
        previous = import_previous(args.commit, where)
        out += ["#### qaoa_energy per call, Max-Cut G(n, 1/2) (CPU time)", ""]
        out += per_call(previous, sizes, furx)
        out += ["", "#### The optimizer's own time (CPU time; objective ~2 us)", ""]
        out += optimizer(previous)
    out += ["", f"load average at end: {os.getloadavg()[0]:.1f}"]
    print("\n".join(out))


if __name__ == "__main__":
    main()
