"""The depth-general learned model in the benchmark (issue 11): discovery beside or instead of the
p-specific models, the depth targets with their shortfalls, the no-regression check at p <= 3
and their report. No depth model is bundled yet: a fake card stands in (``list_pretrained`` and
``load_pretrained`` monkeypatched), and the end-to-end run maps it onto existing models."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from qlstm_optimizer.bench import learned as L
from qlstm_optimizer.bench.depth import learned_methods
from qlstm_optimizer.bench.depth_report import depth_targets_section
from qlstm_optimizer.bench.targets import (
    REGRESSION_TOL,
    depth_verdicts,
    evaluate_depth_targets,
    evaluate_targets,
)
from qlstm_optimizer.refine import DEFAULT_REFINE

TODAY = ["maxcut-p1", "maxcut-p1-lstm", "maxcut-p1-qfwp", "maxcut-p1-qklstm", "maxcut-p2",
         "maxcut-p3", "paper-qlstm-p1", "sk-p1", "sk-p2"]
DEPTH_CARD = {"arch": "qlstm", "depth": {"max_depth": 16, "modes": 4}}


def fake_registry(monkeypatch, extra: dict[str, dict]) -> None:
    """Today's bundled models plus the ``extra`` cards (by name)."""
    real = L.load_pretrained
    monkeypatch.setattr(L, "list_pretrained", lambda: sorted(TODAY + list(extra)))
    monkeypatch.setattr(L, "load_pretrained", lambda name, *a: SimpleNamespace(card=extra[name])
                        if name in extra else real(name, *a))


def labels(family, p, **kw):
    methods, note = L.discover(family, p, **kw)
    return {m.label: m for m in methods}, note


def test_discover_without_a_depth_model_is_unchanged(monkeypatch):
    fake_registry(monkeypatch, {})
    default = ["qlstm", "qlstm-norefine", "qlstm-cobyla", "qlstm-blind"]
    expected = {("maxcut", 1): default + ["lstm", "qfwp", "qklstm"],
                ("maxcut", 2): default, ("maxcut", 3): default, ("maxcut", 4): [],
                ("sk", 1): default, ("sk", 2): default, ("sk", 3): [], ("sk", 12): []}
    for (family, p), want in expected.items():
        methods, note = L.discover(family, p)
        assert [m.label for m in methods] == want, (family, p)
        assert [m.model for m in methods if m.primary] == ([f"{family}-p{p}"] if want else [])
        assert note == ("" if want else f"no bundled model for {family} at p={p}")
    methods, _ = L.discover("maxcut", 6, untrained=True)  # the stand-in is unchanged too
    assert [m.label for m in methods] == ["untrained-qlstm", "untrained-qlstm-norefine"]


def test_depth_model_is_primary_where_no_p_specific_model(monkeypatch):
    fake_registry(monkeypatch, {"maxcut-depth": DEPTH_CARD,
                                "maxcut-depth-lstm": {**DEPTH_CARD, "arch": "lstm",
                                                      "depth": {"max_depth": 8, "modes": 3}}})
    for p in (4, 8, 16):
        got, note = labels("maxcut", p, untrained=True)
        assert note == ""  # no untrained stand-in: the depth model serves this depth
        primary = [m for m in got.values() if m.primary]
        assert [(m.label, m.model, m.refine) for m in primary] == [
            ("qlstm", "maxcut-depth", DEFAULT_REFINE)]
        assert got["qlstm-norefine"].refine is None and not got["qlstm-norefine"].primary
        assert got["qlstm-blind"].blind and got["qlstm-blind"].model == "maxcut-depth"
        assert ("lstm" in got) == (p <= 8)  # the variant's own max_depth
        assert not any(lab.endswith("-depth") for lab in got)
    got, note = labels("maxcut", 17)  # above every max_depth
    assert got == {} and note == "no bundled model for maxcut at p=17"
    assert labels("sk", 5)[0] == {}  # another family's depth model does not serve sk


def test_depth_model_beside_the_p_specific_one(monkeypatch):
    fake_registry(monkeypatch, {"maxcut-depth": DEPTH_CARD,
                                "maxcut-depth-lstm": {**DEPTH_CARD, "arch": "lstm"}})
    got, _ = labels("maxcut", 1)
    assert [m.model for m in got.values() if m.primary] == ["maxcut-p1"]
    assert got["qlstm-depth"].model == "maxcut-depth" and not got["qlstm-depth"].primary
    assert got["qlstm-depth"].refine == DEFAULT_REFINE and not got["qlstm-depth"].blind
    assert got["lstm"].model == "maxcut-p1-lstm" and got["lstm-depth"].model == "maxcut-depth-lstm"
    # Costly parts (Aer, large-n transfer) leave the regression check out.
    assert "qlstm-depth" not in labels("maxcut", 1, depth_checks=False)[0]
    assert "qlstm" in labels("maxcut", 5, depth_checks=False)[0]  # the primary stays
    # The depth part runs the primary method and every depth-model run, nothing else.
    kept = [m["label"] for m in learned_methods("maxcut", 2, False)[0]]
    assert kept == ["qlstm", "qlstm-depth", "lstm-depth"]
    kept = [m["label"] for m in learned_methods("maxcut", 5, False)[0]]
    assert kept == ["qlstm", "qlstm-norefine", "qlstm-blind", "lstm"]


@pytest.mark.parametrize("depth", [None, {}, {"max_depth": 0}, {"max_depth": "16"},
                                   {"max_depth": True}, {"max_depth": 2.0}])
def test_depth_card_without_a_valid_max_depth_is_named(monkeypatch, depth):
    card = {"arch": "qlstm"} if depth is None else {"arch": "qlstm", "depth": depth}
    fake_registry(monkeypatch, {"maxcut-depth": card})
    with pytest.raises(ValueError, match=r"'maxcut-depth'.*depth\.max_depth"):
        L.discover("maxcut", 4)


# -- targets ---------------------------------------------------------------------------------------


def summary(rho: dict[str, float], p10: dict[str, float] | None = None) -> dict:
    return {"rho_median": rho, "rho_p10": p10 or rho}


def learned(label, model, primary=False, family="maxcut"):
    return {"label": label, "model": model, "refine": DEFAULT_REFINE, "blind": False,
            "primary": primary, "family": family}


def test_depth_targets_shortfalls_baseline_and_verdicts():
    ks = ("1", "10", "50")
    good = summary({"1": 0.97, "10": 0.99, "50": 0.999}, {"1": 0.9, "10": 0.96, "50": 0.99})
    weak = summary({"1": 0.94, "10": 0.97, "50": 0.999}, {"1": 0.9, "10": 0.93, "50": 0.99})
    base = summary({"1": 0.5, "10": 0.975, "50": 0.9995})
    blocks = {
        "4": {"summary": {"qlstm": good, "ramp@cobyla": summary(dict.fromkeys(ks, 0.5))},
              "learned": [learned("qlstm", "maxcut-depth", True)], "instances": [{}] * 3},
        "8": {"summary": {"qlstm": weak, "table@cobyla": base},
              "learned": [learned("qlstm", "maxcut-depth", True)], "instances": [{}] * 3},
        "12": {"summary": {"ramp@cobyla": base}, "learned": []},
    }
    rows = evaluate_depth_targets({"er": blocks})
    by = {(r["p"], r["target"].split(" ", 2)[-1]): r for r in rows}
    assert all(r["passed"] for r in rows if r["p"] == 4)
    assert by[(8, "median rho_1")]["shortfall"] == pytest.approx(0.01)
    assert by[(8, "median rho_10")]["shortfall"] == pytest.approx(0.01)
    assert by[(8, "10th pct rho_10")]["shortfall"] == pytest.approx(0.02)
    assert by[(8, "median rho_50")]["passed"] is True
    assert (by[(8, "median rho_10")]["best_baseline"],
            by[(8, "median rho_10")]["best_baseline_value"]) == ("table@cobyla", 0.975)
    vs = by[(8, "median rho_k >= best baseline at every k")]
    assert vs["passed"] is False and vs["worst_k"] == 10 and vs["worst_baseline"] == "table@cobyla"
    assert vs["shortfall"] == pytest.approx(0.005) and vs["value"] == pytest.approx(-0.005)
    assert all(r["passed"] is None for r in rows if r["p"] == 12)  # no learned method
    verdicts = {v["p"]: v for v in depth_verdicts(rows)}
    assert verdicts[4]["passed"] is True and verdicts[4]["missed"] == []
    assert verdicts[8]["passed"] is False and len(verdicts[8]["missed"]) == 4
    assert verdicts[12]["passed"] is None
    md = "\n".join(depth_targets_section(rows))
    assert "1 of 3 meet every target" in md
    assert "0.940 (short 0.010)" in md and "-0.005 (k=10 vs table@cobyla)" in md
    assert "FAIL (4 missed)" in md and "| er | 12 | - | n/a [0.500] | n/a [0.975] |" in md
    assert "| 0.970 (short 0.010) [0.975] |" in md  # the best baseline's value beside it


def test_regression_check_at_low_depth():
    ref = summary({"1": 0.99, "3": 0.995, "10": 1.0})
    close = summary({"1": 0.9895, "3": 0.996, "10": 1.0})  # within REGRESSION_TOL
    behind = summary({"1": 0.99, "3": 0.98, "10": 0.999})

    def block(depth):
        return {"summary": {"qlstm": ref, "qlstm-depth": depth, "tqa@cobyla": ref},
                "learned": [learned("qlstm", "maxcut-p2", True),
                            learned("qlstm-depth", "maxcut-depth")],
                "instances": [{"runs": {"qlstm": {"rho": {"10": 1.0}}}}] * 2}

    suites = {"er": {"2": block(close), "3": block(behind),
                     "1": {"summary": {"qlstm": ref}, "instances": [],
                           "learned": [learned("qlstm", "maxcut-p1", True)]}}}
    rows = [r for r in evaluate_depth_targets(suites) if r["kind"] == "regression"]
    assert [(r["p"], r["passed"]) for r in rows] == [(2, True), (3, False)]  # none at p=1
    assert rows[0]["value"] == pytest.approx(-0.0005) and 0.0005 < REGRESSION_TOL
    assert rows[1]["worst_k"] == 3 and rows[1]["shortfall"] == pytest.approx(0.015)
    assert rows[1]["reference"] == "qlstm" and rows[1]["method"] == ["qlstm-depth"]
    assert depth_verdicts(rows) == []  # regression rows are not depth targets
    md = "\n".join(depth_targets_section(rows))
    assert "| er | 3 | qlstm-depth | qlstm | -0.0150 (k=3) | FAIL (short 0.0150) |" in md
    # The main part's targets carry the same check.
    main = [r for r in evaluate_targets(suites) if r.get("kind") == "regression"]
    assert [(r["p"], r["passed"]) for r in main] == [(2, True), (3, False)]


# -- end to end ------------------------------------------------------------------------------------


def test_depth_part_with_a_depth_model(monkeypatch, tmp_path):
    """The part with a (fake) depth model: at p = 2 it runs beside the p-specific model (the
    same weights here, so no regression), at p = 4 it is the primary method with its targets."""
    from qlstm_optimizer.bench.suite import BenchConfig, run_suite

    fake_registry(monkeypatch, {"maxcut-depth": DEPTH_CARD})
    real_resolve = L.resolve

    def resolve(method, p):  # the fake depth model runs the p-specific or an untrained model
        if method.model != "maxcut-depth":
            return real_resolve(method, p)
        if p <= 3:
            return f"maxcut-p{p}"
        return real_resolve(L.LearnedMethod("x", "untrained:qlstm", None, "maxcut"), p)

    monkeypatch.setattr(L, "resolve", resolve)
    cfg = BenchConfig(quick=True, suites=("er",), parts=("depth",), workers=1,
                      depth_depths=(2, 4), depth_instances=1, depth_budget=20,
                      out=str(tmp_path / "out"), report=str(tmp_path / "report.md"),
                      cache_dir=str(tmp_path / "cache"))
    run_suite(cfg)
    saved = json.loads((tmp_path / "out" / "results-quick.json").read_text())
    er = saved["depth"]["suites"]["er"]
    assert {"qlstm", "qlstm-depth"} <= set(er["2"]["summary"])
    assert {"qlstm", "qlstm-norefine", "qlstm-blind"} <= set(er["4"]["summary"])
    assert [m["model"] for m in er["4"]["learned"] if m["primary"]] == ["maxcut-depth"]
    reg = [r for r in saved["depth_targets"] if r["kind"] == "regression"]
    assert [(r["p"], r["passed"], r["value"]) for r in reg] == [(2, True, 0.0)]
    p4 = [r for r in saved["depth_targets"] if r["p"] == 4]
    assert len(p4) == 5 and all(r["method"] == ["qlstm"] for r in p4)
    # rho_50 lies beyond the budget of 20: n/a; the others are measured.
    assert [r["passed"] is None for r in p4] == [False, False, True, False, False]
    assert [v["p"] for v in saved["depth_verdicts"]] == [4]
    report = (tmp_path / "report.md").read_text()
    assert "the depth-general model against the baselines" in report
    assert saved["depth"]["depth_models"] == {"maxcut-depth": {"max_depth": 16, "modes": 4}}
    assert "`maxcut-depth` (depths 1..16, 4 modes)" in report
    assert "does not exist yet" not in report
    assert "### Depth targets" in report
    assert "The depth-general model at p <= 3 against the p-specific model" in report


def test_untrained_stand_in_at_any_depth(monkeypatch, small_maxcut):
    """Above p = 6 the QLSTM's 2p qubits are too many: an untrained QK-LSTM stands in; above
    the table (Max-Cut p > 11) it is anchored at the linear ramp. Both run."""
    import numpy as np

    from qlstm_optimizer.bench.baselines import fixed_start, tqa_start
    from qlstm_optimizer.sim import qaoa_energy

    fake_registry(monkeypatch, {})
    for p, arch, anchor in ((6, "qlstm", fixed_start("maxcut", 6)),
                            (8, "qklstm", fixed_start("maxcut", 8)), (12, "qklstm", tqa_start(12))):
        methods, note = L.discover("maxcut", p, untrained=True)
        assert [m.label for m in methods] == [f"untrained-{arch}", f"untrained-{arch}-norefine"]
        assert f"untrained {arch.upper()} stands in" in note
        model, spec = L.resolve(methods[0], p)
        assert model.config["arch"] == arch and model.config["p"] == p
        np.testing.assert_allclose(spec.anchor, anchor)
    fun = lambda x: qaoa_energy(small_maxcut, x) - small_maxcut.constant  # noqa: E731
    trace = L.run_learned(fun, 12, 12, methods[0], small_maxcut.without_constant())
    assert trace.nfev == 12 and all(x.size == 24 for x in trace.xs)
