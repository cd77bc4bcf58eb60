"""The bench's qubo part (issue 12): wide-gamma optima, settings, end-to-end pieces, targets and
the quick path end to end on tiny instances."""

from __future__ import annotations

import argparse
import json
import sys
import warnings

import numpy as np
import pytest

from qlstm_optimizer import qubo_problems as qp
from qlstm_optimizer.autodetect import BlindRunWarning
from qlstm_optimizer.bench import qubo, qubo_e2e, qubo_optima
from qlstm_optimizer.bench.suite import (
    BenchConfig,
    add_bench_arguments,
    config_from_args,
    run_suite,
)
from qlstm_optimizer.bench.targets import QUBO_KINDS, depth_verdicts, evaluate_qubo_targets
from qlstm_optimizer.sim.analytic import analytic_p1_energy


# -- optima ---------------------------------------------------------------------------------------
def test_wide_search_finds_the_large_gamma_optimum_the_standard_one_misses():
    problem = qp.stable_set(6, 0.5, seed=1)  # penalty 7: the optimum sits at gamma ~ 2.76
    out = qubo_optima.wide_optima(problem, [1])[1]
    assert out["energy"] < out["standard"] - 0.1
    assert out["x"][1] > 2.0
    # An independent dense grid over the whole window never gets below it, and comes close.
    h = problem.without_constant()
    gammas = np.linspace(0, out["gamma_window"], 3001)
    betas = np.linspace(-np.pi / 2, np.pi / 2, 181)
    xs = np.array([(b, g) for g in gammas for b in betas])
    grid = analytic_p1_energy(h, xs)
    assert grid.min() >= out["energy"] - 1e-7
    assert grid.min() - out["energy"] < 0.02 * abs(out["energy"])


def test_wide_search_is_never_worse_at_p2_and_refuses_other_depths():
    out = qubo_optima.wide_optima(qp.random_qubo(5, seed=2), [1, 2])
    assert out[2]["energy"] <= out[2]["standard"] + 1e-12
    assert out[2]["energy"] <= out[1]["energy"] + 1e-9  # an identity layer is allowed
    with pytest.raises(ValueError, match="depths"):
        qubo_optima.wide_optima(qp.random_qubo(5, seed=2), [3])


def test_gamma_window_uses_the_energy_period():
    integer = qp.vertex_cover(5, 0.6, seed=0)  # integer energies: period 2 pi, window pi
    assert qubo_optima.gamma_window(integer.without_constant(), 0.3) == pytest.approx(np.pi)
    gaussian = qp.random_qubo(5, seed=0)  # no common unit: Qiskit's bound 2 pi
    assert qubo_optima.energy_unit(gaussian.diagonal()) is None
    assert qubo_optima.gamma_window(gaussian, 0.3) == pytest.approx(2 * np.pi)


# -- settings and models ---------------------------------------------------------------------------
def test_default_model_falls_back_to_maxcut_until_a_qubo_family_exists():
    from qlstm_optimizer.pretrained import depth_models, families, list_pretrained

    has_qubo = "qubo" in families() or "qubo" in list_pretrained() or "qubo" in depth_models()
    assert has_qubo  # qubo-depth is bundled
    assert qubo.default_model() == ("qubo" if has_qubo else "maxcut")


def test_resolve_models_names_the_primary_and_skips_missing_depths():
    methods, note = qubo.resolve_models(("maxcut", "sk"), 1)
    assert [(m.label, m.model, m.primary) for m in methods] == [
        ("maxcut", "maxcut-p1", True), ("maxcut-norefine", "maxcut-p1", False),
        ("sk", "sk-p1", False)]
    methods, note = qubo.resolve_models(("maxcut-p1",), 2)  # a p = 1 model named at p = 2
    assert methods == [] and "maxcut-p1 does not serve p = 2" in note
    methods, note = qubo.resolve_models(("maxcut", "paper-qlstm"), 2)
    assert [m.label for m in methods] == ["maxcut", "maxcut-norefine"] and "paper-qlstm" in note


@pytest.mark.parametrize(("field", "value", "match"), [
    ("qubo_suites", ("vertex_cover", "nosuch"), "qubo_suites"),
    ("qubo_depths", (3,), "qubo_depths"),
    ("qubo_depths", (), "qubo_depths"),
    ("qubo_instances", 0, "qubo_instances"),
    ("qubo_e2e_instances", 1.5, "qubo_e2e_instances"),
    ("qubo_e2e_budget", 0, "qubo_e2e_budget"),
    ("budget", True, "budget"),
    ("qubo_instances", "2", "qubo_instances"),
    ("qubo_e2e_budget", 2.5, "qubo_e2e_budget"),
    ("qubo_models", ("nosuch-model",), "qubo_models"),
    ("qubo_models", "maxcut", "qubo_models"),
    ("qubo_models", ("runs/none/missing.json",), "qubo_models"),
])
def test_bad_settings_are_refused_by_name(field, value, match):
    cfg = BenchConfig(**{field: value})
    with pytest.raises(ValueError, match=match):
        qubo.qubo_settings(cfg)


@pytest.mark.parametrize(("argv", "match"), [
    (["--qubo-model", "nosuch"], "--qubo-model"),
    (["--qubo-instances", "0"], "--qubo-instances"),
    (["--qubo-e2e-budget", "-1"], "--qubo-e2e-budget"),
    (["--qubo-e2e-instances", "0"], "--qubo-e2e-instances"),
])
def test_bad_command_line_options_are_named(argv, match):
    parser = argparse.ArgumentParser()
    add_bench_arguments(parser)
    with pytest.raises(ValueError, match=match):
        config_from_args(parser.parse_args(["--parts", "qubo", *argv]), ["bench", *argv])


def test_command_line_options_reach_the_config():
    parser = argparse.ArgumentParser()
    add_bench_arguments(parser)
    argv = ["--parts", "qubo", "--qubo-model", "maxcut", "sk", "--qubo-suites", "labs",
            "--qubo-depths", "2", "--qubo-instances", "2", "--qubo-e2e-budget", "4"]
    cfg = config_from_args(parser.parse_args(argv), ["bench", *argv])
    assert (cfg.qubo_models, cfg.qubo_suites, cfg.qubo_depths, cfg.qubo_instances,
            cfg.qubo_e2e_budget) == (("maxcut", "sk"), ("labs",), (2,), 2, 4)


def test_labs_never_repeats_an_instance():
    insts = qubo.qubo_instances({"quick": False, "instances": 20}, "labs")
    assert sorted(i.n for i in insts) == list(range(6, 13))


def test_suites_are_held_out_and_small():
    from qlstm_optimizer.instances import split_of_seed

    settings = {"quick": False, "instances": None}
    for name in qubo.QUBO_SUITES:
        for inst in qubo.qubo_instances(settings, name):
            assert split_of_seed(inst.seed)[0] == "test"
            assert inst.problem.num_qubits <= 14


# -- end to end pieces ----------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda: qp.knapsack(4, seed=1, slack_bits=2),
                                  lambda: qp.vertex_cover(5, 0.5, seed=2),
                                  lambda: qp.portfolio(5, seed=3, budget=2)])
def test_quadratic_program_encodes_the_instance_operator(make):
    pytest.importorskip("qiskit_optimization")
    from qiskit_optimization.converters import QuadraticProgramToQubo

    from qlstm_optimizer.hamiltonian import DiagonalHamiltonian

    problem = make()
    op, offset = QuadraticProgramToQubo().convert(
        qubo_e2e.to_quadratic_program(problem)).to_ising()
    diag = DiagonalHamiltonian.from_sparse_pauli_op(op).diagonal() + offset
    np.testing.assert_allclose(diag, problem.diagonal(), atol=1e-9 * np.abs(diag).max())


def test_solution_quality_and_optimal_probability():
    problem = qp.number_partitioning(5, seed=0)
    diag = problem.diagonal()
    best = int(np.argmin(diag))
    bits = (best >> np.arange(5)) & 1
    q = qubo_e2e.solution_quality(problem, bits)
    assert q["optimal"] and q["gap"] == 0.0
    worst = (int(np.argmax(diag)) >> np.arange(5)) & 1
    assert not qubo_e2e.solution_quality(problem, worst)["optimal"]
    assert qubo_e2e.optimal_probability(problem, [0.0, 0.0]) == pytest.approx(
        np.isclose(diag, diag.min()).sum() / 32)


def test_e2e_is_skipped_with_a_message_without_qiskit_optimization(monkeypatch):
    monkeypatch.setitem(sys.modules, "qiskit_optimization", None)
    out = qubo_e2e.run_e2e(BenchConfig(), {})
    assert "qiskit-optimization is not installed" in out["skipped"]


# -- targets --------------------------------------------------------------------------------------
def test_e2e_target_fails_when_cobyla_is_feasible_more_often():
    qubo_results = {"suites": {}, "e2e": {"label": "m", "classes": {"knapsack": {"summary": {
        "learned": {"feasible": 0.5, "runs": 2}, "cobyla": {"feasible": 1.0, "runs": 2}}}}}}
    rows = evaluate_qubo_targets(qubo_results)
    assert rows[0]["passed"] is False and rows[0]["shortfall"] == 0.5
    verdict = depth_verdicts(rows, QUBO_KINDS)[0]
    assert verdict["passed"] is False and verdict["missed"][0]["shortfall"] == 0.5


# -- the quick path -------------------------------------------------------------------------------
def test_quick_qubo_part_runs_end_to_end(tmp_path):
    pytest.importorskip("qiskit_optimization")
    cfg = BenchConfig.quick_defaults(
        parts=("qubo",), qubo_suites=("vertex_cover", "labs", "sk"), qubo_depths=(1,), budget=12,
        qubo_e2e_budget=3, workers=1, out=str(tmp_path / "out"), cache_dir=str(tmp_path))
    with warnings.catch_warnings():  # the learned optimizer finds the operator inside QAOA
        warnings.simplefilter("error", BlindRunWarning)
        results = run_suite(cfg)
    block = results["qubo"]["suites"]["vertex_cover"]["1"]
    assert {"qubo", "qubo-norefine", "cobyla@random", "cobyla@scaled"} <= set(
        block["summary"])
    inst = block["instances"][0]
    assert inst["opt"] <= inst["opt_standard"] + 1e-12 < 0
    for run in inst["runs"].values():
        assert run["nfev"] <= 12 and run["rho"]["10"] <= 1 + 1e-6
    e2e = results["qubo"]["e2e"]
    assert list(e2e["classes"]) == ["vertex_cover"] and e2e["model"] == "qubo-depth"
    for label in ("learned", "auto"):  # model='auto' picks the same general family here
        run = e2e["classes"]["vertex_cover"]["instances"][0]["runs"][label]
        assert run["nfev"] <= 3 and 0 <= run["p_optimal"] <= 1
    kinds = {r["kind"] for r in results["qubo_targets"]}
    assert kinds == {"absolute", "baseline", "e2e", "regression"}
    # On SK the family's own model runs beside the (qubo) primary: the no-regression row.
    assert "shipped-sk" in results["qubo"]["suites"]["sk"]["1"]["summary"]
    assert "shipped-maxcut" not in results["qubo"]["suites"]["vertex_cover"]["1"]["summary"]
    regression = [r for r in results["qubo_targets"] if r["kind"] == "regression"]
    assert [(r["suite"], r["reference"]) for r in regression] == [("sk", "shipped-sk")]
    saved = json.loads((tmp_path / "out" / "results-quick.json").read_text())
    assert set(saved["qubo"]["suites"]) == {"vertex_cover", "labs", "sk"}
    report = (tmp_path / "out" / "report.md").read_text()
    assert "## General diagonal Hamiltonians" in report and "End to end" in report
    assert "stand in" not in report  # a qubo model ran, nothing stood in for it
    # A second run reads the cached optima instead of searching again.
    cache = json.loads((tmp_path / "bench" / "optima-wide.json").read_text())
    assert inst["key"] in cache and "standard:1" in cache[inst["key"]]
