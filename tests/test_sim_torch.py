"""torch twin: equal to NumPy, batched over instances and parameter sets, correct gradients."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from qlstm_optimizer.hamiltonian import DiagonalHamiltonian  # noqa: E402
from qlstm_optimizer.sim import torch_qaoa as tq  # noqa: E402
from qlstm_optimizer.sim.numpy_qaoa import StatevectorTooLargeError, qaoa_energy  # noqa: E402
from qlstm_optimizer.sim.torch_qaoa import qaoa_energy_torch, stack_diagonals  # noqa: E402


def instances(n: int, count: int, seed: int) -> list[DiagonalHamiltonian]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        terms = {(i, j): rng.normal() for i in range(n) for j in range(i + 1, n)
                 if rng.random() < 0.6}
        terms.update({(i,): rng.normal() for i in range(n) if rng.random() < 0.5})
        out.append(DiagonalHamiltonian(n, terms, rng.normal()))
    return out


@pytest.mark.parametrize("n,p", [(1, 1), (2, 3), (5, 2), (8, 1), (11, 2), (12, 3)])
def test_energies_equal_numpy(n, p):
    hs = instances(n, 3, seed=n + p)
    diags = stack_diagonals(hs)
    x = np.random.default_rng(p).uniform(-np.pi, np.pi, (3, 4, 2 * p))
    energies = qaoa_energy_torch(diags, torch.tensor(x))
    assert energies.shape == (3, 4) and energies.dtype == torch.float64
    expected = np.array([qaoa_energy(h, xi) for h, xi in zip(hs, x, strict=True)])
    np.testing.assert_allclose(energies.numpy(), expected, atol=1e-12)
    one_each = qaoa_energy_torch(diags, torch.tensor(x[:, 0]))  # (I, 2p) -> (I,)
    assert one_each.shape == (3,)
    np.testing.assert_allclose(one_each.numpy(), expected[:, 0], atol=1e-12)


def test_input_forms():
    hs = instances(4, 2, seed=1)
    x = np.random.default_rng(0).uniform(-1, 1, (2, 2))
    ref = np.array([qaoa_energy(h, xi) for h, xi in zip(hs, x, strict=True)])
    forms = [
        hs,  # DiagonalHamiltonians
        [h.to_sparse_pauli_op() for h in hs],  # SparsePauliOps
        np.stack([h.diagonal() for h in hs]),  # a NumPy array
        torch.tensor(np.stack([h.diagonal() for h in hs]), dtype=torch.float32),  # other dtype
    ]
    for form in forms:
        out = qaoa_energy_torch(form, x)  # params as NumPy too
        np.testing.assert_allclose(out.numpy(), ref, atol=1e-6 if form is forms[-1] else 1e-12)
    shared = torch.tensor(hs[0].diagonal())  # one (2**n,) diagonal for a (B, 2p) batch
    np.testing.assert_allclose(qaoa_energy_torch(shared, x).numpy(), qaoa_energy(hs[0], x),
                               atol=1e-12)
    assert qaoa_energy_torch(shared, x[0]).shape == ()


def test_stack_diagonals_errors():
    with pytest.raises(ValueError, match="one size"):
        stack_diagonals(instances(3, 1, 0) + instances(4, 1, 0))
    with pytest.raises(ValueError, match=r"\(I, 2\*\*n\)"):
        stack_diagonals(np.zeros((2, 6)))


@pytest.mark.parametrize("params,match", [
    (np.zeros((2, 3)), "even length"),
    (np.zeros((3, 2)), "2 diagonals but params for 3"),
    (np.full((2, 2), np.nan), "NaN"),
    (np.zeros((2, 1, 1, 2)), r"\(I, 2p\) or \(I, B, 2p\)"),
])
def test_bad_inputs(params, match):
    diags = stack_diagonals(instances(3, 2, seed=2))
    with pytest.raises(ValueError, match=match):
        qaoa_energy_torch(diags, params)


def test_too_large_batch(monkeypatch):
    monkeypatch.setattr(tq, "MAX_STATEVECTOR_BYTES", 1024)
    with pytest.raises(StatevectorTooLargeError):
        qaoa_energy_torch(stack_diagonals(instances(6, 2, seed=3)), np.zeros((2, 2)))


@pytest.mark.parametrize("n,p", [(3, 1), (6, 2), (9, 3)])
def test_gradient_matches_central_differences(n, p):
    hs = instances(n, 2, seed=10 * n + p)
    x = np.random.default_rng(n).uniform(-1.5, 1.5, (2, 3, 2 * p))
    xt = torch.tensor(x, requires_grad=True)
    qaoa_energy_torch(stack_diagonals(hs), xt).sum().backward()
    eps = 1e-6
    numeric = np.zeros_like(x)
    for i, h in enumerate(hs):
        for k in range(2 * p):
            step = np.zeros(2 * p)
            step[k] = eps
            diff = qaoa_energy(h, x[i] + step) - qaoa_energy(h, x[i] - step)
            numeric[i, :, k] = diff / (2 * eps)
    np.testing.assert_allclose(xt.grad.numpy(), numeric, atol=1e-6)


def test_gradcheck_and_gradgradcheck():
    diags = stack_diagonals(instances(4, 2, seed=7))
    x = torch.tensor(np.random.default_rng(1).uniform(-1, 1, (2, 2, 4)), requires_grad=True)
    assert torch.autograd.gradcheck(lambda y: qaoa_energy_torch(diags, y), (x,))
    # Second derivatives too (BPTT through gradient features needs them).
    small = torch.tensor(np.random.default_rng(2).uniform(-1, 1, (2, 2)), requires_grad=True)
    assert torch.autograd.gradgradcheck(lambda y: qaoa_energy_torch(diags, y), (small,))
    # ... and through the diagonals (e.g. a learned or perturbed cost).
    d = diags.clone().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda dd: qaoa_energy_torch(dd, small.detach()), (d,))


def test_gradient_finite_where_cos_beta_is_zero():
    """beta = pi/2 makes cos(beta) = 0 inside the mixer's powers (c**0 must not give NaN)."""
    diags = stack_diagonals(instances(5, 1, seed=4))
    x = torch.tensor([[np.pi / 2, 0.3]], requires_grad=True)
    qaoa_energy_torch(diags, x).sum().backward()
    assert torch.isfinite(x.grad).all()


def test_importing_the_package_does_not_import_torch():
    code = ("import sys, qlstm_optimizer, qlstm_optimizer.sim, qlstm_optimizer.sim.analytic; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
