"""The generic fallback on circuits the models were not trained for, against COBYLA.

Produced: docs/user-guide.md, "Circuits other than the standard QAOA ansatz".

Runs ``QLSTMOptimizer.pretrained("maxcut")`` (which detects that the circuit is not the standard
QAOA ansatz and runs its fallback, the refine alone from x0) and qiskit-algorithms' ``COBYLA``
with the same evaluation budget and the same initial point (Qiskit's default: uniform in the
ansatz bounds, seeded) on four kinds of runs, ``StatevectorSampler`` with 1024 shots:

* ``vqe-ra``: ``SamplingVQE`` with ``real_amplitudes(3, reps=1)`` (6 parameters) on the triangle
  Max-Cut operator (ground energy -0.5);
* ``warm-start``: warm-start QAOA (Egger et al.): initial state ``RY(theta_i)|0>`` from a
  regularised random cut, mixer ``RY(theta) RZ(-2 beta) RY(-theta)``, Erdos-Renyi n = 8;
  ``warm-start-x0``: the same from the best cut, started at x0 = 0 (the warm-start state
  itself, which the result should never be worse than);
* ``minus-x``: QAOA with the mixer ``-sum X``; ``sum-y``: QAOA with the mixer ``sum Y``.

A last column runs the model's learned steps anyway (the circuit check patched out), which is
what the package did before it had the check.

Scored by the exact energy of the returned point (Statevector) over the ground energy (1 = the
ground state, 0 = energy 0), median [min] over instances::

    python -m benchmarks.generic_fallback --instances 5 --maxfev 20
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

KINDS = ("vqe-ra", "warm-start", "warm-start-x0", "minus-x", "sum-y")


def _problem(kind: str, seed: int):
    from qlstm_optimizer.problems import erdos_renyi

    if kind == "vqe-ra":
        from qiskit.quantum_info import SparsePauliOp

        return SparsePauliOp.from_list([("IZZ", 0.5), ("ZIZ", 0.5), ("ZZI", 0.5)])
    return erdos_renyi(8, 0.5, seed=10_000 + seed).to_sparse_pauli_op()


def variant_circuits(kind: str, n: int, thetas=None):
    """``(initial_state, mixer)`` of a QAOA variant that is not the standard ansatz (also used
    by tests/test_autodetect.py): ``"warm-start"`` (the state ``ry(theta_i)`` on each qubit and
    its rotated mixer, as in Egger et al.'s warm-start QAOA; ``thetas`` required),
    ``"minus-x"`` (mixer ``-sum X``), ``"sum-y"`` (``sum Y``), ``"sum-x"`` (the default mixer,
    given explicitly); anything else: ``(None, None)``, QAOA's defaults."""
    from qiskit import QuantumCircuit
    from qiskit.circuit import Parameter
    from qiskit.quantum_info import SparsePauliOp

    paulis = {"minus-x": ("X", -1.0), "sum-y": ("Y", 1.0), "sum-x": ("X", 1.0)}
    if kind == "warm-start":
        initial_state, mixer = QuantumCircuit(n), QuantumCircuit(n)
        beta = Parameter("beta")
        for i, t in enumerate(thetas):
            initial_state.ry(t, i)
            mixer.ry(t, i)
            mixer.rz(-2 * beta, i)
            mixer.ry(-t, i)
        return initial_state, mixer
    if kind in paulis:
        pauli, coeff = paulis[kind]
        return None, SparsePauliOp.from_sparse_list([(pauli, [i], coeff) for i in range(n)], n)
    return None, None


def _solver(kind: str, op, optimizer, seed: int, pm):
    """(solver, circuit for the exact energy of a point)."""
    from qiskit.circuit.library import QAOAAnsatz, real_amplitudes
    from qiskit.primitives import StatevectorSampler
    from qiskit_algorithms import QAOA, SamplingVQE

    sampler = StatevectorSampler(seed=seed)
    n = op.num_qubits
    rng = np.random.default_rng(seed)
    if kind == "vqe-ra":
        ansatz = real_amplitudes(n, reps=1)
        x0 = rng.uniform(-np.pi, np.pi, ansatz.num_parameters)
        return SamplingVQE(sampler, ansatz, optimizer, initial_point=x0), ansatz, x0
    if kind.startswith("warm-start"):
        # A cut regularised to c in [eps, 1 - eps] as in the warm-start paper: a random one, or
        # the best (the ground state's bits, Qiskit's order: qubit i is bit i).
        if kind == "warm-start":
            bits = rng.integers(0, 2, n)
        else:
            from qlstm_optimizer.hamiltonian import as_hamiltonian

            best = int(np.argmin(as_hamiltonian(op).diagonal()))
            bits = np.array([(best >> i) & 1 for i in range(n)])
        c = np.clip(bits.astype(float), 0.25, 0.75)
        initial_state, mixer = variant_circuits("warm-start", n, 2 * np.arcsin(np.sqrt(c)))
    else:
        initial_state, mixer = variant_circuits(kind, n)
    circuit = QAOAAnsatz(op, reps=1, initial_state=initial_state, mixer_operator=mixer)
    x0 = np.concatenate([rng.uniform(0, 2 * np.pi, 1), rng.uniform(-2 * np.pi, 2 * np.pi, 1)])
    if kind == "warm-start-x0":
        x0 = np.zeros(2)
    solver = QAOA(sampler, optimizer, reps=1, initial_state=initial_state, mixer=mixer,
                  initial_point=x0, transpiler=pm)
    return solver, pm.run(circuit), x0


def _exact(circuit, op, x) -> float:
    from qiskit.quantum_info import Statevector

    bound = circuit.remove_final_measurements(inplace=False).assign_parameters(x)
    return float(np.real(Statevector(bound).expectation_value(op)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=int, default=5)
    ap.add_argument("--maxfev", type=int, default=20)
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    ap.add_argument("--step", type=float, default=None,
                    help="the fallback's initial step (default fallback.GENERIC_STEP)")
    args = ap.parse_args(argv)
    from qlstm_optimizer import fallback

    if args.step is not None:  # a study of the setting, not an option of the package
        fallback.GENERIC_STEP = args.step
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_algorithms.optimizers import COBYLA

    from qlstm_optimizer import QLSTMOptimizer, autodetect
    from qlstm_optimizer.autodetect import UnrecognizedAnsatzWarning
    from qlstm_optimizer.hamiltonian import as_hamiltonian

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    pm = generate_preset_pass_manager(optimization_level=1,
                                      basis_gates=["h", "rx", "ry", "rz", "rzz", "cx"])
    optimizers = {
        "fallback (quadratic)": lambda: QLSTMOptimizer.pretrained("maxcut", maxfev=args.maxfev),
        "fallback (cobyla)": lambda: QLSTMOptimizer.pretrained("maxcut", maxfev=args.maxfev,
                                                               refine="cobyla"),
        "COBYLA": lambda: COBYLA(maxiter=args.maxfev),
        # what the package did before the circuit check: the learned Max-Cut rollout
        "learned, no check": lambda: QLSTMOptimizer.pretrained("maxcut", maxfev=args.maxfev),
    }
    print(f"budget {args.maxfev} evaluations, {args.instances} instances, 1024 shots, fallback "
          f"step {fallback.GENERIC_STEP}; exact energy of the returned point / ground energy, "
          "median [min]")
    start = time.time()
    for kind in args.kinds:
        scores: dict[str, list[float]] = {name: [] for name in ["x0", *optimizers]}
        for seed in range(args.instances):
            op = _problem(kind, seed)
            ground = as_hamiltonian(op).ground_energy()
            for name, make in optimizers.items():
                solver, circuit, x0 = _solver(kind, op, make(), seed, pm)
                check = autodetect.ansatz_verdict
                if name == "learned, no check":
                    autodetect.ansatz_verdict = lambda *a: "unknown"
                try:
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always", UnrecognizedAnsatzWarning)
                        result = solver.compute_minimum_eigenvalue(op)
                finally:
                    autodetect.ansatz_verdict = check
                if name.startswith("fallback") and not any(
                        w.category is UnrecognizedAnsatzWarning for w in caught):
                    raise AssertionError(f"{kind}: the fallback did not run")
                scores[name].append(_exact(circuit, op, result.optimal_point) / ground)
            scores["x0"].append(_exact(circuit, op, x0) / ground)
        row = "  ".join(f"{name} {np.median(v):.3f} [{np.min(v):.3f}]"
                        for name, v in scores.items())
        print(f"{kind:11s} {row}")
    print(f"({time.time() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
