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


def test_package_face_is_lazy():
    """`import qlstm_optimizer` and the SciPy method must not pay for qiskit-algorithms (seconds
    of import) nor for the optional extras; the Qiskit adapter imports them on first use."""
    proc = _run("""
        import sys
        import qlstm_optimizer
        from qlstm_optimizer import qlstm
        import qlstm_optimizer.sim
        heavy = [m for m in ("qiskit", "qiskit_algorithms", "torch", "optuna") if m in sys.modules]
        assert not heavy, heavy
        # the closed form loads on first use (not needed by the SciPy method)
        assert "qlstm_optimizer.sim.analytic" not in sys.modules
        # and the SciPy method loads the optimizer (models, policy) on its first run
        assert "qlstm_optimizer.minimize" not in sys.modules
        assert "qlstm_optimizer.models" not in sys.modules
        from qlstm_optimizer.sim import analytic_p1_energy
        assert analytic_p1_energy.__module__ == "qlstm_optimizer.sim.analytic"
        try:
            qlstm_optimizer.sim.no_such_name
        except AttributeError as exc:
            assert "no_such_name" in str(exc)
        else:
            raise AssertionError("an unknown attribute must raise AttributeError")
        assert callable(qlstm)
        # Submodules are attributes on first use, as when the face imported them eagerly.
        assert qlstm_optimizer.hamiltonian.DiagonalHamiltonian is not None
        assert "qiskit" not in sys.modules
        from qlstm_optimizer import QLSTMOptimizer  # the adapter still imports on demand
        assert "qiskit_algorithms" in sys.modules
        print("ok")
    """)
    assert proc.returncode == 0, proc.stderr
    assert "ok" in proc.stdout


def test_every_public_name_resolves_and_is_listed():
    import qlstm_optimizer

    listed = dir(qlstm_optimizer)
    assert set(qlstm_optimizer.__all__) == set(qlstm_optimizer._LAZY) | {"__version__"}
    for name in qlstm_optimizer.__all__:
        assert name in listed, name
        assert getattr(qlstm_optimizer, name) is not None, name
    assert qlstm_optimizer.QLSTMOptimizer.__module__ == "qlstm_optimizer.qiskit"
    assert qlstm_optimizer.qaoa_energy.__module__ == "qlstm_optimizer.sim.numpy_qaoa"
    try:
        qlstm_optimizer.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("an unknown attribute must raise AttributeError")
