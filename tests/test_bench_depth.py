"""The depth part of the benchmark: identity-layer accounting, the INTERP chain's budget rule,
the other depth baselines, the part end to end on tiny instances, its options and its report."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from qlstm_optimizer.angles import fourier_fit, fourier_schedule
from qlstm_optimizer.bench import depth_methods as D
from qlstm_optimizer.bench.depth import (
    DEFAULT_DEPTHS,
    DEPTH_SUITES,
    QUICK_DEPTHS,
    depth_settings,
)
from qlstm_optimizer.bench.suite import BenchConfig
from qlstm_optimizer.bench.suites import make_instance
from qlstm_optimizer.sim import qaoa_energy

SEED = 4_343_501  # far from the train/val/test seed ranges


@pytest.fixture(scope="module")
def inst():
    return make_instance(DEPTH_SUITES["er"], 0, 1, True)  # n = 8


def full_depth_energy(inst, x):
    """Reference: the depth-p circuit simulated as is (no trimming)."""
    return qaoa_energy(inst.problem, np.asarray(x)) - inst.constant


def ctx_for(inst, p):
    return D.DepthContext(D.depth_energy(inst), p, inst.family, inst.relative)


def test_identity_layers_keep_the_energy(inst):
    rng = np.random.default_rng(SEED)
    fun = D.depth_energy(inst)
    for d, p in ((1, 3), (2, 5), (4, 4)):
        x = rng.uniform(-1, 1, 2 * d)
        padded = D.pad_to_depth(x, p)
        assert padded.size == 2 * p
        np.testing.assert_allclose(D.trim_identity_layers(padded), x)
        assert fun(padded) == pytest.approx(full_depth_energy(inst, padded), abs=1e-10)
        assert fun(padded) == pytest.approx(full_depth_energy(inst, x), abs=1e-10)
    with pytest.raises(ValueError, match="cannot pad"):
        D.pad_to_depth(np.zeros(6), 2)


def test_interp_chain_budget_accounting(inst):
    p, budget = 4, 120
    for inner in ("cobyla", "l-bfgs-b"):
        run = D.interp_chain(ctx_for(inst, p), budget, inner)
        assert 1 <= run.nfev <= budget
        assert all(x.size == 2 * p for x in run.xs)
        # Every recorded energy is the depth-p energy of the recorded (padded) point.
        for x, v in list(zip(run.xs, run.values, strict=True))[::7]:
            assert v == pytest.approx(full_depth_energy(inst, x), abs=1e-9)
        depths = [D.trim_identity_layers(x).size // 2 for x in run.xs]
        assert depths == sorted(depths) and depths[0] == 1  # the chain climbs from depth 1
        for d in range(1, p):
            assert depths.count(d) <= D.PER_DEPTH_EVALS * (2 * d + 1)
        # The cap does not depend on the budget: a smaller budget is a prefix of this run.
        short = D.interp_chain(ctx_for(inst, p), 25, inner)
        assert short.values == run.values[:25]


def test_other_depth_baselines_are_counted(inst):
    p, budget = 3, 40
    ctx = ctx_for(inst, p)
    for label, method in D.DEPTH_BASELINES.items():
        run = method(ctx, budget)
        assert run is not None, label
        assert 1 <= run.nfev <= budget and all(x.size == 2 * p for x in run.xs), label
        assert min(run.values) < 0, label  # below the uniform superposition
    # FOURIER starts at the fitted ramp; TQA's scan is counted before COBYLA.
    run = D.fourier_run(ctx, budget, 2, "cobyla")
    np.testing.assert_allclose(run.xs[0], fourier_schedule(*fourier_fit(D.ramp_start(ctx), 2),
                                                           p))
    assert D.tqa_run(ctx, 3).nfev == 3
    # No 3-regular table entry above p = 11: the method does not run there.
    assert D.table_run(ctx_for(inst, 12), budget) is None


def test_angle_tables_cover_their_published_depths(inst):
    """3-regular Max-Cut angles up to p = 11 (Wurtz & Lykov), SK up to p = 17 (Basso et al.):
    beyond them the table method is skipped (None), not an error."""
    sk = make_instance(DEPTH_SUITES["sk"], 0, 1, True)
    assert D.table_run(ctx_for(inst, 11), 3).nfev == 3
    assert D.table_run(ctx_for(inst, 16), 3) is None
    for p in (12, 16, 17):
        run = D.table_run(ctx_for(sk, p), 3)
        assert run.nfev == 3 and run.xs[0].size == 2 * p
    assert D.table_run(ctx_for(sk, 18), 3) is None


def test_depth_settings_are_checked():
    good = BenchConfig(quick=True, suites=("er",), parts=("depth",))
    s = depth_settings(good)
    assert s["depths"] == QUICK_DEPTHS and s["suites"] == ("er",)
    for field, value, match in (("depth_depths", (0, 2), "depth_depths"),
                                ("depth_budget", 0, "depth_budget"),
                                ("depth_instances", 0, "depth_instances"),
                                ("suites", ("nope",), "select no depth suite")):
        with pytest.raises(ValueError, match=match):
            depth_settings(BenchConfig(quick=True, **{field: value}))


def test_depth_cli_options():
    from qlstm_optimizer.bench.suite import add_bench_arguments, config_from_args

    parser = argparse.ArgumentParser()
    add_bench_arguments(parser)
    cfg = config_from_args(parser.parse_args(["--depth-max", "10"]), ["bench"])
    assert cfg.depth_depths == (1, 2, 3, 4, 6, 8, 10) and cfg.depth_budget == 100
    cfg = config_from_args(parser.parse_args(["--quick", "--depth-max", "2"]), ["bench"])
    assert cfg.depth_depths == (1, 2)
    cfg = config_from_args(parser.parse_args(["--depth-max", "16"]), ["bench"])
    assert cfg.depth_depths == DEFAULT_DEPTHS == (1, 2, 3, 4, 6, 8, 12, 16)
    cfg = config_from_args(parser.parse_args(["--quick", "--depth-max", "16"]), ["bench"])
    assert cfg.depth_depths == QUICK_DEPTHS and max(QUICK_DEPTHS) == 16
    cfg = config_from_args(parser.parse_args(["--depth-list", "5", "3", "--depth-budget", "30"]),
                           ["bench"])
    assert cfg.depth_depths == (3, 5) and cfg.depth_budget == 30
    for argv, name in ((["--depth-max", "0"], "--depth-max"),
                       (["--depth-budget", "0"], "--depth-budget"),
                       (["--depth-list", "2", "-1"], "--depth-list")):
        with pytest.raises(ValueError, match=name):
            config_from_args(parser.parse_args(argv), ["bench"])


def test_depth_part_end_to_end(tmp_path, monkeypatch):
    from qlstm_optimizer.bench import learned
    from qlstm_optimizer.bench.report import summary_text
    from qlstm_optimizer.bench.suite import run_suite

    # The baselines-only part: as if no depth-general model were bundled (that case:
    # test_bench_depth_learned.py).
    bundled = learned.list_pretrained()
    monkeypatch.setattr(learned, "list_pretrained",
                        lambda: [n for n in bundled if "-depth" not in n])

    cfg = BenchConfig(quick=True, suites=("er", "sk"), parts=("depth",), workers=1,
                      depth_depths=(1, 2, 3, 4), depth_instances=1, depth_budget=20,
                      out=str(tmp_path / "out"), report=str(tmp_path / "report.md"),
                      cache_dir=str(tmp_path / "cache"))
    results = run_suite(cfg)
    saved = json.loads((tmp_path / "out" / "results-quick.json").read_text())
    assert "suites" not in saved  # the main part did not run
    er = saved["depth"]["suites"]["er"]
    assert sorted(er, key=int) == ["1", "2", "3", "4"]
    for p, block in er.items():
        summ = block["summary"]
        assert {"interp@cobyla", "interp@l-bfgs-b", "fourier2@cobyla", "tqa@cobyla",
                "table@cobyla"} <= set(summ)
        # the p-specific bundled models run as a regression check where they exist
        assert ("qlstm" in summ) == (int(p) <= 3), p
        run = block["instances"][0]["runs"]["interp@cobyla"]
        assert run["nfev"] <= 20 and 0 < run["rho"]["20"] <= 1 + 1e-6
        assert 0 < block["opt_ar_median"] <= 1 + 1e-9
        assert set(summ["ramp@cobyla"]["ar_median"]) == {"10", "20"}  # k <= budget only
    assert "qlstm" not in saved["depth"]["suites"]["sk"]["3"]["summary"]  # no sk-p3 model
    assert saved["depth"]["optimum_cost"]  # computed (not cached) in this run: timed
    rows = [r for r in results["depth_targets"] if r["target"].startswith("er p=4")]
    assert len(rows) == 5 and all(r["passed"] is None for r in rows)  # no learned method at p=4
    assert saved["depth_verdicts"] == [{"suite": s, "p": 4, "method": [], "passed": None,
                                        "missed": []} for s in ("er", "sk")]
    report = (tmp_path / "report.md").read_text()
    assert "## Depth: baselines" in report and "does not exist yet" in report
    assert "## Setup" not in report  # the main part's setup only when it ran
    assert (tmp_path / "out" / "depth_rho_vs_p.png").exists()
    assert (tmp_path / "out" / "depth_ar_vs_p.png").exists()
    assert (tmp_path / "out" / "depth_curves.png").exists()
    assert "depth_curves.png" in report
    assert "depth er: median rho_10 / rho_50" in summary_text(results)
    # A second run (depth 4 only) reuses the cached optima (no timings): identical results.
    again = run_suite(BenchConfig(**{**cfg.__dict__, "depth_depths": (4,), "report": None,
                                     "out": str(tmp_path / "again")}))
    assert again["depth"]["optimum_cost"] == {}
    assert again["depth"]["suites"]["er"]["4"]["summary"]["fourier4@cobyla"]["rho_median"] == \
        results["depth"]["suites"]["er"]["4"]["summary"]["fourier4@cobyla"]["rho_median"]


def test_depth_targets_pass_fail_and_not_applicable():
    from qlstm_optimizer.bench.targets import evaluate_depth_targets

    def block(rho1, rho10, p10, rho50, learned=True):
        summ = {"qlstm": {"rho_median": {"1": rho1, "10": rho10, "50": rho50},
                          "rho_p10": {"1": rho1, "10": p10, "50": rho50}}}
        return {"summary": summ,
                "learned": [{"label": "qlstm", "primary": True}] if learned else []}

    suites = {"er": {"3": block(0.1, 0.1, 0.1, 0.1), "4": block(0.96, 0.97, 0.96, 0.999),
                     "6": block(0.9, 0.9, 0.9, 0.9, learned=False)}}
    rows = {r["target"]: r for r in evaluate_depth_targets(suites)}
    assert not any(t.startswith("er p=3") for t in rows)  # the targets start at p = 4
    assert rows["er p=4 median rho_1"]["passed"] is True
    assert rows["er p=4 median rho_10"]["passed"] is False
    assert rows["er p=4 median rho_10"]["shortfall"] == pytest.approx(0.01)
    assert rows["er p=4 10th pct rho_10"]["passed"] is True
    assert rows["er p=4 median rho_50"]["passed"] is True
    assert rows["er p=6 median rho_10"]["passed"] is None  # no learned method at p = 6
