"""Transfer at scale: p = 1 on Erdos-Renyi and 3-regular graphs with n = 50..500.

Energies come from the closed-form p = 1 expectation
(:func:`qlstm_optimizer.sim.analytic.analytic_p1_energy`), exact at any size. The p = 1 optimum
(the denominator of rho) is found by :func:`analytic_p1_optimum`: for Ising Hamiltonians with
terms of order <= k the energy at fixed gamma is a trigonometric polynomial in beta with
frequencies 2l, |l| <= k, so 2k + 1 evaluations per gamma give the whole beta line exactly; a
dense gamma grid, then L-BFGS-B polishing of the best grid minima, gives the optimum.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import minimize

# Sizes and graph kinds of the transfer suite. Erdos-Renyi at mean degree 6 keeps the degree
# range of the training graphs (dense ER with n <= 16 has mean degree ~2..13) while n grows.
SCALE_SIZES = (50, 100, 200, 500)
QUICK_SCALE_SIZES = (50, 100)
ER_MEAN_DEGREE = 6.0
SCALE_BUDGET = 20
SCALE_STARTS = ("fixed", "tqa")


def _energy_fn(h: Any) -> Any:
    from ..sim.analytic import analytic_p1_energy

    return lambda x: float(analytic_p1_energy(h, np.asarray(x, float)))


def analytic_p1_optimum(h: Any, num_gamma: int | None = None, num_polish: int = 3
                        ) -> tuple[float, np.ndarray]:
    """Optimal p = 1 energy (relative to the Hamiltonian's constant) and its angles.

    Search domain as in :mod:`qlstm_optimizer.optimum`: ``E(-x) = E(x)`` so ``gamma >= 0``;
    beta has period pi/2 (even-order terms) or pi; gamma is searched in
    ``[0, min(pi, 2 pi / s)]`` with ``s`` the coupling scale (the optimum sits near 0.5/s).
    """
    from ..angles import coupling_scale

    f = _energy_fn(h)
    const = float(h.constant)
    k = max(h.max_order, 1)
    m = 2 * k + 1
    even = all(len(t) % 2 == 0 for t in h.terms)
    beta_period = np.pi / 2 if even else np.pi
    s = coupling_scale(h)
    gamma_max = min(np.pi, 2 * np.pi / s) if s > 0 else np.pi
    if num_gamma is None:
        field = np.zeros(h.num_qubits)
        for key, c in h.terms.items():
            field[list(key)] += abs(c)
        num_gamma = int(np.clip(np.ceil(4 * gamma_max * field.max()) + 1, 64, 400))
    gammas = np.linspace(0.0, gamma_max, num_gamma)
    sample_betas = np.pi * np.arange(m) / m
    betas = np.linspace(-beta_period / 2, beta_period / 2, 96, endpoint=False)
    modes = np.exp(2j * np.outer(betas, np.fft.fftfreq(m, 1 / m)))
    grid = np.empty((num_gamma, betas.size))
    for i, g in enumerate(gammas):
        samples = np.array([f([b, g]) for b in sample_betas]) - const
        grid[i] = np.real(modes @ (np.fft.fft(samples) / m))
    # Best local minima of the grid (periodic in beta), then polish each.
    padded = np.pad(grid, ((1, 1), (0, 0)), mode="edge")
    is_min = np.ones_like(grid, dtype=bool)
    for dg, db in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        is_min &= grid <= np.roll(padded, (dg, db), axis=(0, 1))[1:-1]
    idx = np.flatnonzero(is_min.ravel())
    idx = idx[np.argsort(grid.ravel()[idx], kind="stable")][:num_polish]
    best = (np.inf, np.zeros(2))
    for i in idx:
        gi, bi = divmod(int(i), betas.size)
        res = minimize(lambda x: f(x) - const, np.array([betas[bi], gammas[gi]]),
                       method="L-BFGS-B", options={"ftol": 1e-14, "gtol": 1e-10, "eps": 1e-7})
        cand = min((float(res.fun), np.asarray(res.x)), (float(grid.flat[i]),
                   np.array([betas[bi], gammas[gi]])), key=lambda r: r[0])
        best = min(best, cand, key=lambda r: r[0])
    return best


def scale_instances(quick: bool, count: int | None = None) -> list[Any]:
    """Held-out large graphs: ER (mean degree 6) and 3-regular at each size."""
    from .. import problems
    from ..instances import instance_seed
    from .suites import BenchInstance

    sizes = QUICK_SCALE_SIZES if quick else SCALE_SIZES
    per = count or (1 if quick else 3)
    out = []
    index = 0
    for n in sizes:
        for kind in ("erdos_renyi", "regular"):
            for _ in range(per):
                seed = instance_seed("test", index, base_seed=21)
                if kind == "regular":
                    prob, params = problems.regular(n, 3, seed=seed), {"degree": 3}
                else:
                    q = ER_MEAN_DEGREE / (n - 1)
                    prob, params = problems.erdos_renyi(n, q, seed=seed), {"edge_prob": q}
                out.append(BenchInstance(f"scale-{kind}", index, "maxcut", kind, n, seed,
                                         params, prob))
                index += 1
    return out


def scale_task(task: dict[str, Any]) -> dict[str, Any]:
    """Optimum plus every method (informed starts only: random starts are hopeless here and the
    question is transfer) on one large instance."""
    import time

    from .learned import LearnedMethod
    from .metrics import rho_curve
    from .tasks import run_methods

    start = time.perf_counter()
    inst = scale_instances(task["quick"], task.get("count"))[task["index"]]
    opt, x_opt = analytic_p1_optimum(inst.relative)
    t_opt = time.perf_counter() - start
    learned = [LearnedMethod(**m) for m in task["learned"]]
    traces = run_methods(inst, 1, _energy_fn(inst.relative), task["budget"], learned,
                         starts=SCALE_STARTS)
    runs = {label: {"rho": {str(k): float(rho_curve(t.values, opt, task["budget"])[k - 1])
                            for k in (1, 3, 5, 10, 20) if k <= task["budget"]},
                    "nfev": t.nfev} for label, t in traces.items()}
    return {"kind": inst.kind, "n": inst.n, "seed": int(inst.seed), "params": inst.params,
            "opt": opt, "x_opt": x_opt.tolist(), "opt_seconds": t_opt, "runs": runs,
            "seconds": time.perf_counter() - start}


def run_scale(cfg: Any) -> dict[str, Any]:
    """The transfer part of the suite: median rho_5 per (kind, n) and method."""
    from dataclasses import asdict

    from .learned import discover
    from .suite import pmap

    try:
        from ..sim.analytic import analytic_p1_energy  # noqa: F401
    except ImportError:
        return {"skipped": "qlstm_optimizer.sim.analytic is not available yet"}
    methods, note = discover("maxcut", 1, untrained=cfg.untrained)
    insts = scale_instances(cfg.quick)
    tasks = [{"index": i, "quick": cfg.quick, "budget": SCALE_BUDGET,
              "learned": [asdict(m) for m in methods]} for i in range(len(insts))]
    results = sorted(pmap(scale_task, tasks, cfg.workers, "scale"),
                     key=lambda r: (r["kind"], r["n"], r["seed"]))
    table: dict[str, dict[str, float]] = {}
    for kind in ("erdos_renyi", "regular"):
        for n in sorted({r["n"] for r in results}):
            rs = [r for r in results if r["kind"] == kind and r["n"] == n]
            if rs:
                table[f"{kind} n={n}"] = {
                    lab: float(np.median([r["runs"][lab]["rho"]["5"] for r in rs]))
                    for lab in rs[0]["runs"]}
    return {"budget": SCALE_BUDGET, "note": note, "median_rho_5": table, "instances": results}
