"""Blind runs that read the Hamiltonian scale from two probe energies (qlstm_optimizer.blind_scale).

Produced: the tables of docs/design.md, "Blind runs: the scale from the energies", and the
constants of ``blind_scale`` (``PROFILES``, ``PROBE_LAMBDAS``). Closed-form p = 1 energies
wherever possible; each part runs in a few minutes::

    python -m benchmarks.blind_scale --profiles    # the median ray profiles (training seeds)
    python -m benchmarks.blind_scale --estimator   # log error of c_hat per family, 1 or 2 probes
    python -m benchmarks.blind_scale --select      # probe positions, end to end (validation)
    python -m benchmarks.blind_scale --shots       # 1024-shot energies, p = 1 (validation)
    python -m benchmarks.blind_scale --p2-validation  # why minimize_qaoa probes at p = 1 only
    python -m benchmarks.blind_scale --final       # the one test-seed measurement, p = 1 and 2

Instances. Profiles: the ``[train_instances]`` of configs/maxcut-p1.toml and configs/sk-p1.toml,
'train' split. Estimator errors and the choice of settings: 'val' split (ER n 6..20 with edge
probabilities 0.1..0.9, 3-regular n 8..20, weighted ER n 6..20, SK n 6..20; Max-Cut ER n 10..14
with the benchmark's densities and SK n 8..16 end to end). The final measurement: the
benchmark's held-out suites (``qlstm_optimizer.bench.suites``: 'er' restricted to n = 10..14,
'sk'), their optimal energies from the benchmark's cache (computed if missing).

Example:
    >>> float(median_profile("sk", -np.pi / 8, 8)[0])
    1.0
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import tomllib

from qlstm_optimizer import blind_scale as B
from qlstm_optimizer.bench.baselines import run_baseline, tqa_start
from qlstm_optimizer.bench.optima import (
    OptimumCache,
    analytic_p1_optimum,
    cache_path,
    compute_optima,
)
from qlstm_optimizer.bench.suites import SUITES, suite_instances
from qlstm_optimizer.instances import InstanceDistribution, sample_instance
from qlstm_optimizer.minimize import minimize_qaoa
from qlstm_optimizer.optimum import optimal_qaoa_energy
from qlstm_optimizer.pretrained import load_pretrained
from qlstm_optimizer.sim.analytic import analytic_p1_energy
from qlstm_optimizer.sim.numpy_qaoa import qaoa_diagonal_energies, sampled_energy
from qlstm_optimizer.units import hamiltonian_scale_factor, static_features

ROOT = Path(__file__).resolve().parents[1]
KS = (1, 2, 3, 5, 10)
MAXFEV = 20
PROFILE_SEED = 13  # base seeds of this study's instances (any: the splits never share seeds)
VAL_SEED = 1313
CONFIGS = {"maxcut": "maxcut-p1.toml", "sk": "sk-p1.toml"}
TENTHS = [round(0.1 * k, 1) for k in range(1, 10)]
VAL_FAMILIES = {  # the estimator's validation families (wider than the training pools)
    "er": ("maxcut", [{"family": "erdos_renyi", "sizes": list(range(6, 21)),
                       "edge_probs": TENTHS}]),
    "3-regular": ("maxcut", [{"family": "regular", "sizes": list(range(8, 21, 2)),
                              "degrees": [3]}]),
    "weighted er": ("maxcut", [{"family": "weighted_erdos_renyi", "sizes": list(range(6, 21)),
                                "edge_probs": TENTHS[1:]}]),
    "sk": ("sk", [{"family": "sk", "sizes": list(range(6, 21))}]),
}
DENSE = [k / 7 for k in range(2, 7)]
E2E_FAMILIES = {  # end to end on validation seeds: the final measurement's families
    "er": ("maxcut", [{"family": "erdos_renyi", "sizes": [10, 11, 12, 13, 14],
                       "edge_probs": DENSE}]),
    "sk": ("sk", [{"family": "sk", "sizes": list(range(8, 17))}]),
}


def _instances(components: list[dict], split: str, count: int, base_seed: int) -> list[Any]:
    dist = InstanceDistribution.from_dict({"components": components})
    return [sample_instance(dist, split, i, base_seed=base_seed).problem for i in range(count)]


def median_profile(family: str, beta: float, count: int = 400) -> np.ndarray:
    """The median of :func:`blind_scale.ray_profile` at ``beta`` over ``count`` training
    instances of the family's bundled p = 1 model, at u = 0, 0.05, ... while the median is
    above 0.001 (beyond, its first zero, it carries no scale)."""
    config = tomllib.loads((ROOT / "configs" / CONFIGS[family]).read_text())
    comps = config["train_instances"]["components"]
    u = B.PROFILE_STEP * np.arange(1, 81)
    phi = np.median([B.ray_profile(h, family, beta, u)
                     for h in _instances(comps, "train", count, PROFILE_SEED)], axis=0)
    stop = int(np.argmax(phi < 1e-3)) if np.any(phi < 1e-3) else phi.size
    return np.concatenate([[1.0], phi[:stop]]).round(4)


def profiles() -> None:
    for family, probes in B.PROBES.items():
        tables = [median_profile(family, beta) for beta, _ in probes]
        same = family in B.PROFILES and all(
            a.shape == b.shape and np.allclose(a, b) for a, b in zip(
                B.PROFILES[family], tables, strict=True))
        print(f'    "{family}": (  # the module\'s tables {"match" if same else "DIFFER"}')
        for table in tables:
            print(f"        np.array([{', '.join(f'{v:.4f}' for v in table)}]),")
        print("    ),")


def one_probe_scale(energy: float, gamma: float, intercept: float) -> float:
    """One probe: its energy measures the slope ``~ n c**2``, so ``c`` needs a prior on n:
    ``log c = intercept + log(|E / gamma|) / 2``, the intercept fitted on training seeds."""
    return float(np.exp(intercept + 0.5 * np.log(max(abs(energy / gamma), 1e-300))))


def _optimal_gamma(h: Any, family: str) -> float:
    """|gamma| of the best p = 1 point of the first basin (model-unit |gamma| <= 1.6; a grid:
    the global search may return a symmetric copy at a larger gamma)."""
    c = hamiltonian_scale_factor(h, family, "coupling-rms")
    betas, u = np.linspace(-np.pi / 4, np.pi / 4, 48, endpoint=False), np.linspace(0.01, 1.6, 100)
    x = np.stack(np.meshgrid(betas, u / c, indexing="ij"), -1).reshape(-1, 2)
    return abs(float(x[np.argmin(analytic_p1_energy(h, x)), 1]))


def estimator(count: int = 150) -> None:
    """Median and 90th percentile of |log c_hat - log c| per family, with 1 and 2 probes (the
    one-probe estimator uses the second probe, the one at the smaller gamma), and of
    |log c_hat - log c_opt|, ``c_opt = K / |gamma*|`` the scale that puts the instance's optimal
    p = 1 gamma where the training instances have theirs (K: their median ``c |gamma*|``)."""
    intercepts, k_opt = {}, {}
    for family, config in CONFIGS.items():
        comps = tomllib.loads((ROOT / "configs" / config).read_text())["train_instances"]
        x = B.probe_points(family, 1)[1]
        train = _instances(comps["components"], "train", 200, PROFILE_SEED)
        scales = [hamiltonian_scale_factor(h, family, "coupling-rms") for h in train]
        intercepts[family] = float(np.median([
            np.log(c) - 0.5 * np.log(abs((analytic_p1_energy(h, x) - h.constant) / x[1]))
            for h, c in zip(train, scales, strict=True)]))
        k_opt[family] = float(np.median([c * _optimal_gamma(h, family)
                                         for h, c in zip(train, scales, strict=True)]))
    print(f"\n{count} validation instances per family; |log c_hat - log c| (c_opt: the "
          "optimum's scale)\n")
    print("| family | 1 probe: median | 90th pct | 2 probes: median | 90th pct | "
          "2 probes: median log c_hat - log c | 2 probes vs c_opt: median | 90th pct |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (family, comps) in VAL_FAMILIES.items():
        err1, err2, err_opt = [], [], []
        xs = B.probe_points(family, 1)
        for h in _instances(comps, "val", count, VAL_SEED):
            c = hamiltonian_scale_factor(h, family, "coupling-rms")
            e = analytic_p1_energy(h, xs) - h.constant
            c_hat = B.estimate_scale(e, family)
            err2.append(np.log(c_hat / c))
            err1.append(np.log(one_probe_scale(e[1], xs[1, 1], intercepts[family]) / c))
            err_opt.append(np.log(c_hat * _optimal_gamma(h, family) / k_opt[family]))
        a1, a2, ao = np.abs(err1), np.abs(err2), np.abs(err_opt)
        print(f"| {name} | {np.median(a1):.3f} | {np.quantile(a1, 0.9):.3f} | "
              f"{np.median(a2):.3f} | {np.quantile(a2, 0.9):.3f} | {np.median(err2):+.3f} | "
              f"{np.median(ao):.3f} | {np.quantile(ao, 0.9):.3f} |")


def energy_function(h: Any, p: int) -> Any:
    """Exact energy relative to the uniform superposition (closed form at p = 1)."""
    rel = h.without_constant()
    if p == 1:
        return lambda x: float(analytic_p1_energy(rel, x))
    diag = rel.diagonal()
    return lambda x: float(qaoa_diagonal_energies(diag, np.asarray(x, float)[None, :])[0])


def run_method(method: str, h: Any, family: str, p: int, maxfev: int = MAXFEV) -> list[float]:
    """The energies of one run, in order (relative to the uniform superposition)."""
    fun = energy_function(h, p)
    seen: list[float] = []

    def record(x: np.ndarray) -> float:
        seen.append(fun(x))
        return seen[-1]

    model = f"{family}-p{p}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "tqa+cobyla":
            run_baseline("cobyla", record, tqa_start(p), maxfev, informed=True)
        elif method == "blind, probed" and p > 1:
            # minimize_qaoa probes at p = 1 only (measured here); the probed run at depth p
            # itself, as minimize_qaoa would run it (blind units c = 1, energies relative)
            pre = load_pretrained(model)
            B.run_probed(record, pre.model, pre.spec, family=family, maxfev=maxfev,
                       static=static_features(None))
        else:
            kw = {"operator": {"hamiltonian": h.without_constant()},
                  "blind today": {"hamiltonian": None, "blind_scale": False},
                  "blind, probed": {"hamiltonian": None}}[method]
            minimize_qaoa(record, np.zeros(2 * p), model=model, maxfev=maxfev,
                          energy_offset=0.0, **kw)
    return seen


def rho_rows(runs: list[list[float]], optima: list[float]) -> np.ndarray:
    return np.array([[np.min(e[:k]) / o for k in KS] for e, o in zip(runs, optima, strict=True)])


def table(title: str, rows: dict[str, np.ndarray]) -> None:
    print(f"\n{title}\n\n| method | " + " | ".join(f"rho_{k}" for k in KS) + " |")
    print("|---|" + "---|" * len(KS))
    for name, r in rows.items():
        cells = [f"{np.median(r[:, i]):.3f} [{np.quantile(r[:, i], 0.1):.2f}]"
                 for i in range(len(KS))]
        print(f"| {name} | " + " | ".join(cells) + " |")


METHODS = ("blind today", "blind, probed", "operator", "tqa+cobyla")


# Probe sets compared by --select (p = 1 points [beta, gamma]; each with its own profiles).
CANDIDATES = {
    "maxcut": [((0.3927, -0.6155), (0.3927, -0.1231)),   # one ray, the table and 0.2 of it
               ((0.3927, -0.6155), (0.3927, -0.1847)),   # ... and 0.3 of it
               ((0.3, -0.6155), (0.3, -0.1847)),         # a smaller beta for both
               ((0.3927, -0.6155), (0.3, -0.1847)),      # the table, then a smaller beta
               ((0.3927, -0.6155), (0.25, -0.30775))],
    "sk": [((-np.pi / 8, 0.5), (-np.pi / 8, 0.1)), ((-np.pi / 8, 0.5), (-np.pi / 8, 0.15))],
}


def select(count: int = 40) -> None:
    """Probe sets on validation seeds, end to end at p = 1 (closed form): Max-Cut ER n 10..14,
    weighted ER n 10..14, 3-regular n 10..14; SK n 8..16."""
    families = dict(E2E_FAMILIES)
    families["weighted er"] = ("maxcut", [{"family": "weighted_erdos_renyi",
                                           "sizes": [10, 11, 12, 13, 14], "edge_probs": DENSE}])
    families["3-regular"] = ("maxcut", [{"family": "regular", "sizes": [10, 12, 14],
                                         "degrees": [3]}])
    saved = dict(B.PROBES), dict(B.PROFILES)
    for name, (family, comps) in families.items():
        hs = _instances(comps, "val", count if name in E2E_FAMILIES else count // 2, VAL_SEED)
        optima = [analytic_p1_optimum(h.without_constant())[0] for h in hs]
        rows = {m: rho_rows([run_method(m, h, family, 1) for h in hs], optima)
                for m in ("blind today", "operator")}
        for probes in CANDIDATES[family]:
            B.PROBES[family] = probes
            B.PROFILES[family] = tuple(median_profile(family, b, 300) for b, _ in probes)
            try:
                runs = [run_method("blind, probed", h, family, 1) for h in hs]
            finally:
                B.PROBES.update(saved[0])
                B.PROFILES.update(saved[1])
            rows[f"probes {probes}"] = rho_rows(runs, optima)
        table(f"{name}, p = 1, {len(hs)} validation instances", rows)


def shots(count: int = 40, num_shots: int = 1024) -> None:
    """The same runs on 1024-shot energies (validation seeds, p = 1, ER n 10..14 and SK):
    rho_k of the point with the best *sampled* energy among the first k, by its exact energy
    (the point a user would keep)."""
    for name, (family, comps) in E2E_FAMILIES.items():
        hs = _instances(comps, "val", count, VAL_SEED)
        rows: dict[str, list] = {}
        for i, h in enumerate(hs):
            rel = h.without_constant()
            optimum = analytic_p1_optimum(rel)[0]
            for method in METHODS[:3]:
                points: list[np.ndarray] = []
                rng = np.random.default_rng([i, METHODS.index(method)])

                def noisy(x: np.ndarray, rel: Any = rel, points: list = points,
                          rng: Any = rng) -> float:
                    points.append(np.array(x, dtype=float))
                    return float(sampled_energy(rel, x, num_shots, seed=rng))

                kw = {"operator": {"hamiltonian": rel},
                      "blind today": {"hamiltonian": None, "blind_scale": False},
                      "blind, probed": {"hamiltonian": None}}[method]
                values: list[float] = []
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    minimize_qaoa(lambda x, f=noisy, v=values: v.append(f(x)) or v[-1],
                                  np.zeros(2), model=f"{family}-p1", maxfev=MAXFEV,
                                  energy_offset=0.0, **kw)
                exact = [float(analytic_p1_energy(rel, x)) for x in points]
                rows.setdefault(method, []).append(
                    [exact[int(np.argmin(values[:k]))] / optimum for k in KS])
        table(f"{name}, p = 1, {num_shots} shots, {count} validation instances",
              {m: np.array(r) for m, r in rows.items()})


def p2_validation(count: int = 15) -> None:
    """Probes at p = 2 on validation seeds: 3-regular and weighted ER graphs, and on ER graphs
    n 10..12 the maxcut-p2 run given the true scale or c_hat (no probe cost) as
    ``hamiltonian_scale``, to tell the estimate's error from the two evaluations' cost."""
    families = {
        "3-regular": [{"family": "regular", "sizes": [10, 12, 14], "degrees": [3]}],
        "weighted er": [{"family": "weighted_erdos_renyi", "sizes": [10, 11, 12],
                         "edge_probs": DENSE}],
        "er": [{"family": "erdos_renyi", "sizes": [10, 11, 12], "edge_probs": DENSE}]}
    for name, comps in families.items():
        hs = _instances(comps, "val", count if name != "er" else 24, VAL_SEED)
        optima = [float(optimal_qaoa_energy(h, 2).relative_energy) for h in hs]
        rows = {m: rho_rows([run_method(m, h, "maxcut", 2) for h in hs], optima)
                for m in METHODS[:3]}
        if name == "er":
            for label, scale_of in (
                    ("true c as hamiltonian_scale",
                     lambda h: hamiltonian_scale_factor(h, "maxcut", "coupling-rms")),
                    ("c_hat as hamiltonian_scale (no probe cost)",
                     lambda h: B.estimate_scale(analytic_p1_energy(
                         h.without_constant(), B.probe_points("maxcut", 1)), "maxcut"))):
                runs = []
                for h in hs:
                    fun, seen = energy_function(h, 2), []
                    minimize_qaoa(lambda x, f=fun, s=seen: s.append(f(x)) or s[-1],
                                  np.zeros(4), model="maxcut-p2", maxfev=MAXFEV,
                                  hamiltonian=None, hamiltonian_scale=scale_of(h),
                                  energy_offset=0.0)
                    runs.append(seen)
                rows[label] = rho_rows(runs, optima)
        table(f"{name}, p = 2, {len(hs)} validation instances", rows)


def final() -> None:
    """The one measurement on the benchmark's held-out suites, p = 1 and 2."""
    cache = OptimumCache(cache_path())
    for suite, family in (("er", "maxcut"), ("sk", "sk")):
        spec = SUITES[suite]
        for p in (1, 2):
            insts = [i for i in suite_instances(spec, p, quick=False)
                     if suite == "sk" or 10 <= i.n <= 14]
            optima = []
            for inst in insts:
                if cache.get(inst.key, p) is None:
                    for q, v in compute_optima(inst, list(range(1, p + 1))).items():
                        cache.put(inst.key, q, v)
                    cache.save()
                optima.append(cache.get(inst.key, p))
            rows = {m: rho_rows([run_method(m, i.problem, family, p) for i in insts], optima)
                    for m in METHODS}
            table(f"{suite} (test suite{', n = 10..14' if suite == 'er' else ''}), p = {p}, "
                  f"{len(insts)} instances", rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for part in ("profiles", "estimator", "select", "shots", "p2-validation", "final"):
        ap.add_argument(f"--{part}", action="store_true")
    args = ap.parse_args(argv)
    start = time.time()
    for part in ("profiles", "estimator", "select", "shots", "p2_validation", "final"):
        if getattr(args, part):
            globals()[part]()
    print(f"\n({time.time() - start:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
