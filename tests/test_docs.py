"""Documentation: generated model pages are current, the mkdocs site builds strictly, and the
user guide's quick start and option names match the code."""

from __future__ import annotations

import importlib.util
import inspect
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_model_pages", DOCS / "gen_model_pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_model_pages_are_up_to_date_with_the_cards():
    gen = _generator()
    files = gen.expected_files()
    outdated = [str(p.relative_to(ROOT)) for p, text in files.items()
                if not p.exists() or p.read_text() != text]
    stale = [str(p.relative_to(ROOT)) for p in gen.stale_pages(files)]
    assert not outdated and not stale, (
        f"out of date: {outdated}, stale: {stale}; run: python docs/gen_model_pages.py")


def test_one_page_per_bundled_model():
    from qlstm_optimizer import list_pretrained

    gen = _generator()
    pages = {p.stem for p in (DOCS / "models").glob("*.md")} - {Path(gen.OVERVIEW).stem}
    assert pages == set(list_pretrained())


def test_generator_copes_with_sparse_cards():
    """Cards of retrained or third-party models may lack optional keys."""
    gen = _generator()
    page = gen.model_page("odd-p2", {"arch": "lstm", "p": 2, "family": "weird"})
    assert page.startswith("# odd-p2\n") and "`lstm`" in page
    assert "## Validation metrics" not in page
    assert "odd-p2" in gen.overview_page({"odd-p2": {"p": 2}})


def test_user_guide_snippets_run_in_sequence(capsys):
    """Every python block of the user guide, run top to bottom in one namespace."""
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / "user-guide.md").read_text(), re.S)
    assert len(blocks) >= 5
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # qiskit-algorithms' QAOAAnsatz
        for i, code in enumerate(blocks):
            exec(compile(code, f"user-guide.md, python block {i + 1}", "exec"), namespace)
    assert 1 <= namespace["result"].cost_function_evals <= 25
    assert namespace["res"].nfev <= 20 and len(namespace["study"].trials) == 20


def test_documented_options_exist():
    from qlstm_optimizer import QLSTMOptimizer, minimize_qaoa, qlstm

    documented = {"model", "maxfev", "refine", "start", "hamiltonian", "hamiltonian_scale",
                  "energy_offset", "exploration_noise", "seed"}
    assert documented <= set(inspect.signature(QLSTMOptimizer).parameters)
    assert documented | {"maxiter"} <= set(inspect.signature(qlstm).parameters)
    assert documented | {"callback"} <= set(inspect.signature(minimize_qaoa).parameters)


def test_user_guide_lists_every_example():
    guide = (DOCS / "user-guide.md").read_text()
    for path in (ROOT / "examples").glob("*.py"):
        assert f"`{path.name}`" in guide, path.name


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install -e '.[dev]')")
    pytest.importorskip("mkdocstrings", reason="mkdocstrings is not installed")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
         "-d", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "WARNING" not in proc.stderr, proc.stderr
    api = (tmp_path / "site" / "api" / "adapters" / "index.html").read_text()
    assert "QLSTMOptimizer" in api and "QLSTMSampler" in api
    assert (tmp_path / "site" / "models" / "maxcut-p1" / "index.html").exists()
