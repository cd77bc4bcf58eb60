"""The module map of docs/design.md, enforced: imports run one way (faces on top, simulators and
Hamiltonians at the bottom), no import cycles, and no package module imported inside a function
except where the map allows it (optional dependencies, lazy public names, CLI subcommands)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "qlstm_optimizer"

# Layer of each top-level module or subpackage (higher = closer to the user). A module may import
# modules of a strictly lower layer, and modules of its own subpackage.
LAYERS = {
    "_version": 0, "hamiltonian": 0, "checks": 0,
    "units": 1, "sim": 1, "models": 1, "stopping": 1, "model_choice": 1, "trust_region": 1,
    "angles": 2, "features": 2, "refine": 2, "autodetect": 2, "instance_pool": 2,
    "optimum": 3, "options": 3, "depth": 3, "policy_spec": 3,
    "policy": 4, "problems": 4,
    "pretrained": 5, "qubo_problems": 5, "instances": 6, "penalty_starts": 4,
    "fallback": 5, "depth_policy": 5, "blind_scale": 5, "minimize": 6,
    "qiskit": 7, "scipy": 7, "optuna": 7, "training": 7,
    "bench": 8, "demo": 8,
    "__init__": 9, "cli": 10, "__main__": 11,
}
# Function-level imports of package modules that are allowed, and why.
LAZY_OK_MODULES = {
    "optuna": "optional dependency (optuna)",
    "training.trainer": "optional dependency (torch)",
    "training.rundir": "optional dependency (torch)",
    "training.plots": "optional dependency (matplotlib)",
    "training.config": "the train subcommand, loaded by the CLI only when it runs",
    "training.cli": "the train subcommand, loaded by the CLI only when it runs",
    "bench.suite": "the bench subcommand, loaded by the CLI only when it runs",
    "demo": "the demo subcommand, loaded by the CLI only when it runs",
    "minimize": "the SciPy method loads the optimizer on its first run, so that importing the "
                "method costs no more than NumPy + scipy.optimize (issue 17)",
}
LAZY_OK_IMPORTERS = {"cli"}  # the CLI loads each subcommand's modules only when it runs
LAZY_OK_FUNCTIONS = {"__getattr__"}  # PEP 562 lazy public names


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py"))


def _dotted(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _resolve(path: Path, node: ast.ImportFrom) -> list[str]:
    """Package-relative dotted targets of an import (empty for third-party modules)."""
    if node.level == 0:
        mod = node.module or ""
        if not mod.startswith("qlstm_optimizer"):
            return []
        base = mod.split(".")[1:]
    else:
        here = list(path.relative_to(PACKAGE).with_suffix("").parts)[:-1]
        base = here[: len(here) - (node.level - 1)] + (node.module.split(".") if node.module
                                                          else [])
    if node.module is None or (node.level and not node.module):
        return [".".join(base + [a.name]) for a in node.names]  # from . import x
    return [".".join(base)] if base else ["__init__"]


def _imports(path: Path) -> list[tuple[str, str | None, int]]:
    """(target, enclosing function or None, line) of every package import in ``path``."""
    tree = ast.parse(path.read_text())
    out: list[tuple[str, str | None, int]] = []

    def visit(node: ast.AST, func: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, child.name if func is None else func)
            elif isinstance(child, ast.ImportFrom):
                out.extend((t, func, child.lineno) for t in _resolve(path, child))
            elif isinstance(child, ast.Import):
                out.extend((a.name.split(".", 1)[1] if "." in a.name else "__init__", func,
                            child.lineno) for a in child.names
                           if a.name.startswith("qlstm_optimizer"))
            else:
                visit(child, func)

    visit(tree, None)
    return out


def _layer(dotted: str) -> int:
    return LAYERS[dotted.split(".")[0]]


def test_every_module_has_a_layer():
    missing = {_dotted(p).split(".")[0] for p in _modules()} - set(LAYERS)
    assert not missing, f"add {sorted(missing)} to LAYERS here and to docs/design.md"


def test_imports_run_one_way():
    bad = []
    for path in _modules():
        me = _dotted(path)
        for target, _, line in _imports(path):
            in_subpackage = len(path.relative_to(PACKAGE).parts) > 1
            same_subpackage = in_subpackage and target.split(".")[0] == me.split(".")[0]
            if not same_subpackage and _layer(target) >= _layer(me):
                bad.append(f"{path.relative_to(PACKAGE)}:{line} imports {target}")
    assert not bad, "lower modules reach up:\n" + "\n".join(bad)


def test_no_function_level_imports_of_package_modules():
    bad = []
    for path in _modules():
        for target, func, line in _imports(path):
            if func is None or func in LAZY_OK_FUNCTIONS or _dotted(path) in LAZY_OK_IMPORTERS:
                continue
            if any(target == m or target.startswith(m + ".") for m in LAZY_OK_MODULES):
                continue
            bad.append(f"{path.relative_to(PACKAGE)}:{line} imports {target} inside {func}()")
    assert not bad, "import these at module level (or list the reason here):\n" + "\n".join(bad)


@pytest.mark.parametrize("module", ["qlstm_optimizer.bench.suite", "qlstm_optimizer.minimize",
                                    "qlstm_optimizer.instances", "qlstm_optimizer.units",
                                    "qlstm_optimizer.qubo_problems",
                                    "qlstm_optimizer.models.numpy_model",
                                    "qlstm_optimizer.training.trainer"])
def test_modules_import_on_their_own(module):
    """An import cycle shows up when a module in the middle of one is imported first."""
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True)


def test_studies_live_outside_the_package():
    studies = {"gamma_spread", "scale_only", "policy_validation", "qaoa_oneliner", "vqc_shots",
               "qubo_stats",
               "generic_fallback", "x0_start", "stop_rule",
               "policy_overhead", "model_speed", "train_speed", "sim_speed", "against_previous"}
    bench = {p.stem for p in (PACKAGE / "bench").glob("*.py")}
    assert not studies & bench
    repo = PACKAGE.parent / "benchmarks"
    for name in studies:
        text = (repo / f"{name}.py").read_text()
        assert "Produced:" in text.split('"""')[1], f"benchmarks/{name}.py names no docs table"
