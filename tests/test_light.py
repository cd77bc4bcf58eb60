"""Using a pretrained model needs neither torch nor qiskit-aer nor optuna."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=300)


def test_import_does_not_import_torch_or_optional_extras():
    proc = _run("""
        import sys
        import qlstm_optimizer
        heavy = [m for m in ("torch", "qiskit_aer", "optuna", "matplotlib") if m in sys.modules]
        assert not heavy, heavy
    """)
    assert proc.returncode == 0, proc.stderr


def test_pretrained_model_runs_with_torch_and_aer_blocked():
    proc = _run("""
        import sys
        import importlib.abc

        class Block(importlib.abc.MetaPathFinder):
            # Refuse to import them at all (a None in sys.modules would instead make SciPy
            # believe torch is loaded).
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("torch", "qiskit_aer"):
                    raise ModuleNotFoundError(f"blocked: {name}")
                return None

        sys.meta_path.insert(0, Block())
        import numpy as np
        from scipy.optimize import minimize
        from qlstm_optimizer import QLSTMOptimizer, qlstm
        from qlstm_optimizer.problems import erdos_renyi
        from qlstm_optimizer.sim import qaoa_energy
        problem = erdos_renyi(8, 0.5, seed=99_001)
        f = lambda x: qaoa_energy(problem, x)
        res = minimize(f, np.zeros(2), method=qlstm, options={"maxfev": 10})
        assert res.nfev == 10
        res = QLSTMOptimizer.pretrained("maxcut-p1", maxfev=10).minimize(f, np.zeros(2))
        assert res.nfev == 10
        assert "torch" not in sys.modules and "qiskit_aer" not in sys.modules
        print("ok")
    """)
    assert proc.returncode == 0, proc.stderr
    assert "ok" in proc.stdout
