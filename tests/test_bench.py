"""Benchmark suite: counting objective, metrics, baselines, targets and a tiny end-to-end run."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from qlstm_optimizer.bench import baselines as B
from qlstm_optimizer.bench.metrics import (
    approximation_ratio,
    evals_to_reach,
    median_evals,
    rho_at,
    rho_curve,
    summarize_runs,
)
from qlstm_optimizer.bench.objective import BudgetExhausted, CountingObjective


def quadratic(x):
    return float(np.sum((np.asarray(x) - 1.0) ** 2))


# -- counting objective ------------------------------------------------------------------------


def test_objective_enforces_budget_and_records():
    obj = CountingObjective(quadratic, maxfev=3)
    for _ in range(3):
        obj(np.zeros(2))
    with pytest.raises(BudgetExhausted):
        obj(np.zeros(2))
    assert obj.nfev == 3 and obj.remaining == 0 and len(obj.xs) == 3
    assert obj.values == [2.0, 2.0, 2.0]


def test_gradient_costs_two_evaluations_per_coordinate():
    obj = CountingObjective(quadratic, maxfev=100)
    g = obj.gradient(np.zeros(4), step=1e-4)
    assert obj.nfev == 8 and obj.ngrad == 1
    np.testing.assert_allclose(g, -2.0, atol=1e-6)
    small = CountingObjective(quadratic, maxfev=5)
    with pytest.raises(BudgetExhausted):
        small.gradient(np.zeros(4))
    assert small.nfev == 5  # the evaluations made before running out still count


def test_objective_best_and_bad_budget():
    obj = CountingObjective(quadratic, maxfev=5)
    obj([0.0, 0.0])
    obj([1.0, 1.0])
    x, v = obj.best()
    assert v == 0.0 and x.tolist() == [1.0, 1.0]
    with pytest.raises(ValueError):
        CountingObjective(quadratic, maxfev=0)


# -- metrics -----------------------------------------------------------------------------------


def test_rho_curve_pads_and_takes_running_best():
    curve = rho_curve([-1.0, -3.0, -2.0], opt=-4.0, kmax=5)
    assert curve.tolist() == [0.25, 0.75, 0.75, 0.75, 0.75]
    assert rho_at(curve, (1, 2, 5, 10)) == {1: 0.25, 2: 0.75, 5: 0.75, 10: 0.75}
    assert rho_curve([1.0, -4.0], opt=-4.0, kmax=2).tolist() == [-0.25, 1.0]
    with pytest.raises(ValueError):
        rho_curve([-1.0], opt=0.0, kmax=1)


def test_evals_to_reach_and_censored_median():
    assert evals_to_reach([0.5, 0.98, 0.991, 1.0]) == 3
    assert evals_to_reach([0.5, 0.9]) is None
    assert median_evals([2, 4, None], budget=50) == {"median": 4.0, "reached": 2 / 3,
                                                     "budget": 50}
    assert median_evals([2, None, None], budget=50)["median"] is None


def test_summarize_runs_and_approximation_ratio():
    curves = np.array([[0.5, 0.9, 0.995], [0.1, 0.2, 0.3], [0.9, 0.99, 1.0]])
    s = summarize_runs(curves, np.array([0.8, 0.7, 0.9]), budgets=(1, 3, 5))
    assert s["rho_median"] == {"1": 0.5, "3": 0.995}
    assert s["evals_to_099"]["median"] == 3.0
    assert s["approx_ratio_median"] == 0.8
    assert len(s["curve_median"]) == 3
    # Max-Cut: H = sum w/2 ZZ with offset -W/2; cut = -(E + offset).
    assert approximation_ratio(-1.0, ground_energy=-2.0, offset=-2.0) == pytest.approx(0.75)


# -- baselines ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_instance():
    from qlstm_optimizer.problems import erdos_renyi
    from qlstm_optimizer.sim import qaoa_energy

    problem = erdos_renyi(7, 0.5, seed=424_242)
    return problem, (lambda x: qaoa_energy(problem, np.asarray(x)) - problem.constant)


@pytest.mark.parametrize("name", sorted(B.OPTIMIZERS))
@pytest.mark.parametrize("start", ["random", "tqa"])
def test_baseline_respects_budget_and_improves(name, start, small_instance):
    _, fun = small_instance
    x0 = B.start_point(start, "maxcut", 1, np.random.default_rng(3))
    budget = 30
    trace = B.run_baseline(name, fun, x0, budget, informed=start != "random", seed=1)
    assert 1 <= trace.nfev <= budget
    assert min(trace.values) < fun(x0) - 1e-6


def test_starts_use_qiskit_conventions(small_instance):
    problem, fun = small_instance
    x = B.random_start(2, np.random.default_rng(0))
    assert np.all((0 <= x[:2]) & (x[:2] <= 2 * np.pi))
    assert np.all((-2 * np.pi <= x[2:]) & (x[2:] <= 2 * np.pi))
    # Informed starts are already good in Qiskit's sign convention (well below uniform's 0).
    assert fun(B.fixed_start("maxcut", 1)) < 0.5 * problem.optimal_qaoa_energy(1).relative_energy
    assert fun(B.tqa_start(1)) < 0


def test_learned_run_is_counted(small_instance):
    from qlstm_optimizer.bench.learned import LearnedMethod, run_learned

    problem, fun = small_instance
    for refine, expected in (("cobyla", 15), (None, 10)):
        method = LearnedMethod("x", "untrained:qlstm", refine, "maxcut")
        trace = run_learned(fun, 1, 15, method, problem.without_constant())
        assert trace.nfev == expected  # horizon 10 without refine


# -- targets -----------------------------------------------------------------------------------


def _block(label_values: dict[str, list[float]]) -> dict:
    budgets = ("1", "3", "5", "10")
    insts = [{"runs": {lab: {"rho": {k: vals[i] for k in budgets}} for lab, vals in
                       label_values.items()}} for i in range(3)]
    summary = {lab: {"rho_median": {k: float(np.median(vals)) for k in budgets}}
               for lab, vals in label_values.items()}
    learned = [{"label": "qlstm", "primary": True, "refine": "cobyla"}]
    return {"instances": insts, "summary": summary, "learned": learned}


def test_targets_report_pass_fail_and_shortfall():
    from qlstm_optimizer.bench.targets import evaluate_targets

    suites = {"er": {"1": _block({"qlstm": [0.999, 0.9995, 1.0],
                                  "cobyla@fixed": [0.99, 0.995, 1.0]})},
              "sk": {"1": _block({"qlstm": [0.99, 0.99, 0.99], "cobyla@fixed": [1, 1, 1]})}}
    rows = {r["target"]: r for r in evaluate_targets(suites)}
    assert rows["Max-Cut p=1 median rho_3"]["passed"] is True
    sk = rows["SK p=1 median rho_1"]
    assert sk["passed"] is False and sk["shortfall"] == pytest.approx(0.005)
    assert rows["Max-Cut p=2 median rho_10"]["passed"] is None  # no data at p=2
    er = rows["er p=1: median rho_k >= best baseline at every k"]
    assert er["passed"] is True
    sk_vs = rows["sk p=1: median rho_k >= best baseline at every k"]
    assert sk_vs["passed"] is False and sk_vs["shortfall"] == pytest.approx(0.01)


# -- blind targets (issue 13) -------------------------------------------------------------------

_KS = ("1", "3", "5", "10")


def _blind_block(values: dict[str, tuple[float, float]], blind_flag: bool = True) -> dict:
    """A hand-made block: per label (median, 10th percentile), the same at every k."""
    summary = {lab: {"rho_median": dict.fromkeys(_KS, med), "rho_p10": dict.fromkeys(_KS, p10)}
               for lab, (med, p10) in values.items()}
    learned = [{"label": "qlstm", "primary": True, "refine": "quadratic"},
               {"label": "qlstm-blind", "refine": "quadratic",
                **({"blind": True} if blind_flag else {})}]
    runs = {lab: {"rho": s["rho_median"]} for lab, s in summary.items()}
    return {"instances": [{"runs": runs}] * 4, "summary": summary, "learned": learned}


def _blind_suites(blind: tuple[float, float], base: tuple[float, float]) -> dict:
    # The operator-using @scaled start is far ahead everywhere: it must not count.
    block = {"qlstm": (1.0, 1.0), "qlstm-blind": blind, "cobyla@tqa": base,
             "cobyla@scaled": (1.0, 1.0)}
    return {"er": {"1": _blind_block(block), "2": _blind_block(block)},
            "sk": {"1": _blind_block(block, blind_flag=False)},  # older results: label only
            "regular3": {"1": _blind_block(block)}}


def test_blind_operator_free_baselines_are_the_starts_without_the_operator():
    from qlstm_optimizer.bench.blind_targets import operator_free

    # Every start the exclusion keeps is built without the operator; @scaled needs it.
    for start in B.STARTS:
        assert B.start_point(start, "maxcut", 1, np.random.default_rng(0)).shape == (2,)
    with pytest.raises(TypeError):
        B.start_point("scaled", "maxcut", 1, None)
    labels = ["qlstm", "qlstm-blind"] + [f"cobyla@{s}" for s in (*B.STARTS, "scaled")]
    assert operator_free(labels) == [f"cobyla@{s}" for s in B.STARTS]


def test_blind_targets_pass():
    from qlstm_optimizer.bench.blind_targets import BLIND_TARGETS
    from qlstm_optimizer.bench.targets import evaluate_targets

    rows = [r for r in evaluate_targets(_blind_suites((0.995, 0.98), (0.99, 0.97)))
            if r.get("kind") == "blind"]
    assert len(rows) == len(BLIND_TARGETS) + 6  # 3 targeted blocks x (median, 10th pct)
    assert all(r["passed"] is True for r in rows), [r for r in rows if not r["passed"]]
    assert all(r["method"] == ["qlstm-blind"] for r in rows)
    assert not any(r["suite"] == "regular3" for r in rows)  # reported, not targeted


def test_blind_targets_fail_each_threshold_with_its_shortfall():
    from qlstm_optimizer.bench.blind_targets import BLIND_TARGETS, evaluate_blind_targets

    rows = evaluate_blind_targets(_blind_suites((0.5, 0.4), (0.1, 0.1)))
    absolute = [r for r in rows if "k" in r]
    for r, (_, _, statistic, _, threshold) in zip(absolute, BLIND_TARGETS, strict=True):
        value = 0.5 if statistic == "median" else 0.4
        assert r["passed"] is False and r["shortfall"] == pytest.approx(threshold - value)
    # Ahead of the operator-free baseline (the operator's @scaled is not counted) ...
    assert all(r["passed"] for r in rows if "k" not in r)


def test_blind_baseline_rows_fail_in_median_or_10th_percentile():
    from qlstm_optimizer.bench.blind_targets import evaluate_blind_targets

    suites = _blind_suites((0.995, 0.98), (0.99, 0.97))
    # The 10th percentile behind a random-start baseline at k = 5 only; the median ahead.
    suites["er"]["1"]["summary"]["spsa@random"] = {
        "rho_median": dict.fromkeys(_KS, 0.2), "rho_p10": {**dict.fromkeys(_KS, 0.1), "5": 0.99}}
    rows = {r["target"]: r for r in evaluate_blind_targets(suites)}
    p10 = rows["er p=1 blind: 10th pct rho_k >= best operator-free baseline at every k"]
    assert p10["passed"] is False and p10["worst_k"] == 5
    assert p10["worst_baseline"] == "spsa@random" and p10["shortfall"] == pytest.approx(0.01)
    assert rows["er p=1 blind: median rho_k >= best operator-free baseline at every k"]["passed"]
    assert rows["er p=2 blind: 10th pct rho_k >= best operator-free baseline at every k"][
        "passed"]


def test_blind_targets_missing_blocks_are_na_and_the_report_renders_them(tmp_path):
    from qlstm_optimizer.bench.blind_targets import evaluate_blind_targets
    from qlstm_optimizer.bench.report import blind_section, targets_section

    suites = _blind_suites((0.995, 0.98), (0.99, 0.97))
    del suites["er"]["2"]  # p = 2 did not run
    suites["sk"]["1"]["summary"].pop("qlstm-blind")  # no blind method
    suites["sk"]["1"]["summary"].pop("cobyla@tqa")
    rows = evaluate_blind_targets(suites)
    na = [r for r in rows if r["passed"] is None]
    assert {(r["suite"], r["p"]) for r in na} == {("er", 2), ("sk", 1)}
    assert all(r["value"] is None and r["shortfall"] is None for r in na)
    assert all(r["passed"] is None for r in evaluate_blind_targets({}))
    results = {"suites": suites, "targets": rows}
    text = "\n".join(blind_section(results))
    assert "| n/a |" in text and "| PASS |" in text and "Met: 6 of 13" in text
    assert "| regular3 p=1 | qlstm-blind |" in text  # reported, not targeted
    assert "6 of 13 (7 n/a) blind" in "\n".join(targets_section(results))
    # Results from before the blind targets: the section evaluates them from the suites.
    assert "Met: 6 of 13" in "\n".join(blind_section({"suites": suites, "targets": []}))


def test_blind_targets_section_keeps_the_operator_given_rows():
    from qlstm_optimizer.bench.report import targets_section
    from qlstm_optimizer.bench.targets import evaluate_targets

    suites = _blind_suites((0.995, 0.98), (0.99, 0.97))
    text = "\n".join(targets_section({"targets": evaluate_targets(suites)}))
    assert "| Max-Cut p=1 median rho_3 | qlstm |" in text and "blind" not in text.split(
        "Targets met")[0]


# -- end to end --------------------------------------------------------------------------------


def test_quick_suite_end_to_end(tmp_path):
    from qlstm_optimizer.bench.suite import BenchConfig, run_suite

    cfg = BenchConfig(quick=True, suites=("er",), depths=(1,), budget=10, instances=1,
                      parts=("main", "noise"), workers=1, untrained=True,
                      out=str(tmp_path / "out"), report=str(tmp_path / "report.md"),
                      cache_dir=str(tmp_path / "cache"), noise_budget=8)
    results = run_suite(cfg)
    saved = json.loads((tmp_path / "out" / "results-quick.json").read_text())
    block = saved["suites"]["er"]["1"]
    assert len(block["instances"]) == 1
    runs = block["instances"][0]["runs"]
    assert "cobyla@fixed" in runs
    # the bundled model when one exists for (er, p=1), else the untrained stand-in
    assert "qlstm" in runs or "untrained-qlstm" in runs
    assert all(r["nfev"] <= 10 for r in runs.values())
    assert 0 < runs["cobyla@fixed"]["rho"]["10"] <= 1 + 1e-9
    assert saved["noise"]["sets"]["er p=1"]["median_rho_returned"]
    assert results["targets"] and (tmp_path / "report.md").read_text().startswith("# Bench")
    assert (tmp_path / "out" / "rho_er.png").exists()
    assert (tmp_path / "cache" / "bench" / "optima.json").exists()


def test_cli_arguments():
    from qlstm_optimizer.bench.suite import add_bench_arguments, config_from_args

    parser = argparse.ArgumentParser()
    add_bench_arguments(parser)
    args = parser.parse_args(["--quick", "--suites", "sk", "--depths", "1", "--report", "none"])
    cfg = config_from_args(args, ["bench", "--quick"])
    assert cfg.quick and cfg.suites == ("sk",) and cfg.depths == (1,) and cfg.report is None
    assert cfg.out == "runs/bench-quick"
    with pytest.raises(SystemExit):
        parser.parse_args(["--suites", "nope"])


def test_paper_task_tiny():
    from qlstm_optimizer.bench.paper import paper_task

    res = paper_task({"n": 8, "edge_prob": 5 / 7, "index": 0, "learned": []})
    assert set(res["runs"]) >= {"adam", "sgd", "nelder-mead", "adam (per iteration)"}
    assert all(0 < v <= 1 + 1e-9 for r in res["runs"].values() for v in r.values())


def test_aer_energy_matches_exact_without_noise():
    pytest.importorskip("qiskit_aer")
    from qlstm_optimizer.bench.noise import AerEnergy
    from qlstm_optimizer.problems import erdos_renyi
    from qlstm_optimizer.sim import qaoa_energy

    problem = erdos_renyi(4, 0.8, seed=424_243)
    x = np.array([-0.39, 0.62])
    aer = AerEnergy(problem, 1, shots=200_000, seed=1, noisy=False)
    assert aer(x) == pytest.approx(qaoa_energy(problem, x) - problem.constant, abs=0.02)


def test_grid_p1_optimum_matches_statevector_search():
    from qlstm_optimizer.bench.optima import analytic_p1_optimum
    from qlstm_optimizer.problems import sk

    # The closed-form grid search finds the statevector search's p = 1 optimum.
    problem = sk(7, seed=424_244)
    energy, _ = analytic_p1_optimum(problem.without_constant(), num_gamma=64)
    assert energy == pytest.approx(problem.optimal_qaoa_energy(1).relative_energy, abs=1e-7)


def test_vqc_shot_noise_closed_loop_tiny():
    pytest.importorskip("qiskit_aer")
    from benchmarks.vqc_shots import BUDGETS, closed_loop_study
    from qlstm_optimizer.pretrained.registry import WEIGHTS_DIR

    rows = closed_loop_study(str(WEIGHTS_DIR / "maxcut-p1.json"), shots=[64], instances=1)
    (row,) = rows
    assert row["shots"] == 64 and len(row["rms_dist_per_step"]) == 10
    # Sampled VQCs move the proposals, but not far (decoded moves are at most 0.25 rad a step).
    assert 0 < row["max_dist"] < 1.0
    assert set(row["median_rho_noisy"]) == set(BUDGETS)
    assert row["median_rho_exact"][10] > 0.9


def test_gamma_spread_cli(capsys):
    from benchmarks.gamma_spread import main

    assert main(["--instances", "2"]) == 0
    out = capsys.readouterr().out
    assert "coupling-rms" in out and "3-regular" in out


def test_sim_speed_runs_chosen_sections_and_names_a_bad_one(capsys):
    """python -m benchmarks.sim_speed --sections: a subset of the study (each under the
    5-minute limit of a shared machine), an unknown section refused naming the option."""
    from benchmarks.sim_speed import main

    main(["--quick", "--sections", "analytic"])
    out = capsys.readouterr().out
    assert "Closed-form p = 1" in out and "Import time" not in out and "QOKit" not in out
    with pytest.raises(SystemExit):
        main(["--sections", "analytic,speed"])
    assert "--sections: unknown ['speed']" in capsys.readouterr().err


def test_report_regeneration_keeps_the_hand_written_tail(tmp_path):
    # docs/benchmarks.md ends with hand-written summaries of the opt-in parts; a regenerated
    # page keeps everything from the marker on (and a page without one gains nothing)
    from qlstm_optimizer.bench.report import HAND_MARKER, kept_by_hand

    page = tmp_path / "report.md"
    assert kept_by_hand(page) == ""
    page.write_text("# generated\n\nold tables\n")
    assert kept_by_hand(page) == ""
    page.write_text(f"# generated\n\nold tables\n{HAND_MARKER}\n\n## By hand\n\ntext\n")
    tail = kept_by_hand(page)
    assert tail.startswith("\n" + HAND_MARKER) and tail.endswith("## By hand\n\ntext\n")
    assert "old tables" not in tail
