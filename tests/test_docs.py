"""Documentation: generated model pages are current, the mkdocs site builds strictly, every
```python block of README.md and docs/ runs as written, and option names match the code."""

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


# A ```python block that cannot run here (a sketch, a device backend, an hour of training) is
# preceded by the line <!-- not-run: reason -->; their number is pinned so none slips by.
NOT_RUN_MARK = re.compile(r"<!--\s*not-run:\s*(\S.*?)\s*-->")
EXPECTED_NOT_RUN = 2  # docs/design.md (an interface sketch), docs/models.md (a device backend)
BLOCK_TIMEOUT = 120  # seconds per block; each is meant to take a few


def _python_blocks() -> list[tuple[str, int, str, str | None]]:
    """(file, block number, code, not-run reason) of every ```python block of README.md and
    docs/ (the generated model pages included)."""
    blocks = []
    for path in [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]:
        lines = path.read_text().splitlines()
        number = 0
        for i, line in enumerate(lines):
            if line.strip() != "```python":
                continue
            number += 1
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
            previous = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            mark = NOT_RUN_MARK.search(previous)
            blocks.append((str(path.relative_to(ROOT)), number, "\n".join(lines[i + 1:end]),
                           mark.group(1) if mark else None))
    return blocks


BLOCKS = _python_blocks()


def test_doc_blocks_are_found_and_not_run_ones_are_counted():
    assert len(BLOCKS) >= 15
    skipped = [(f, n, reason) for f, n, _, reason in BLOCKS if reason is not None]
    assert len(skipped) == EXPECTED_NOT_RUN, (
        f"blocks marked not-run: {skipped}; update EXPECTED_NOT_RUN only for a block that "
        "genuinely cannot run in the tests")
    assert all(len(reason) > 10 for _, _, reason in skipped)  # a reason, not a bare mark


@pytest.mark.timeout(BLOCK_TIMEOUT)
@pytest.mark.parametrize("where,number,code", [
    pytest.param(f, n, code, id=f"{f}#{n}") for f, n, code, reason in BLOCKS if reason is None])
def test_doc_block_runs(where, number, code, tmp_path, monkeypatch, capsys):
    """Each ```python block runs as written, alone, in a fresh namespace (a reader copies one
    block, not the page), in a scratch directory (blocks may write files)."""
    from qlstm_optimizer.autodetect import BlindRunWarning, UnrecognizedAnsatzWarning

    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # qiskit-algorithms' QAOAAnsatz
        # the docs show informed runs of QAOA circuits: a blind or fallback run is a doc bug
        warnings.simplefilter("error", BlindRunWarning)
        warnings.simplefilter("error", UnrecognizedAnsatzWarning)
        exec(compile(code, f"{where}, python block {number}", "exec"), {"__name__": "__doc__"})


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
