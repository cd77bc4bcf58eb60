"""A constrained problem end to end: vertex cover -> QuadraticProgram -> QUBO -> QAOA -> cover.

``VertexCover(graph).to_quadratic_program()`` has one constraint ``x_i + x_j >= 1`` per edge.
``MinimumEigenOptimizer`` turns them into penalty terms (``QuadraticProgramToQubo``) and hands
QAOA the Ising operator: linear Z fields and ZZ couplings, the penalty larger than the objective.
``QLSTMOptimizer()`` is given no model name: ``model="auto"`` chooses the family from that
operator (docs/qiskit-optimization.md), logs the choice, and warns with an
``UntrainedFamilyWarning`` when no bundled model was trained on such terms. The script prints
which model ran, whether the returned cover is feasible, its size against the exact optimum
(``NumPyMinimumEigensolver``), the number of evaluations, and the same for a named model.

Run: ``python examples/constrained_qiskit_optimization.py [--small]``
(needs ``pip install 'qlstm-optimizer[optimization]'``).
"""

from __future__ import annotations

import argparse
import logging
import warnings

import networkx as nx
from qiskit.primitives import StatevectorSampler
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_algorithms import QAOA, NumPyMinimumEigensolver
from qiskit_optimization import QuadraticProgram
from qiskit_optimization.algorithms import MinimumEigenOptimizer
from qiskit_optimization.applications import VertexCover
from qiskit_optimization.converters import QuadraticProgramToQubo

from qlstm_optimizer import QLSTMOptimizer
from qlstm_optimizer.model_choice import UntrainedFamilyWarning
from qlstm_optimizer.pretrained import resolve_model_name


class _Choices(logging.Handler):
    """Keeps what ``model="auto"`` logs: the family it chose (the record's first argument; the
    Qiskit adapter's result has no model field, so the log line is where QAOA users see it)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.families: list[str] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("model='auto' chose"):
            self.families.append(str(record.args[0]))
            self.lines.append(record.getMessage())


def solve(qp: QuadraticProgram, optimizer: QLSTMOptimizer) -> dict:
    """``MinimumEigenOptimizer(QAOA(..., optimizer, reps=1))`` on ``qp``: the result, the number
    of energy evaluations, the auto choice (if any) and the UntrainedFamilyWarnings raised."""
    evaluations = []
    qaoa = QAOA(
        StatevectorSampler(seed=1),  # 1024 shots per energy, seeded: the run is repeatable
        optimizer,
        reps=1,
        # Decompose the ansatz once into rzz/rx gates; without a transpiler every energy goes
        # through a dense 2**n x 2**n matrix exponential (docs/performance.md).
        transpiler=generate_preset_pass_manager(
            optimization_level=1, basis_gates=["h", "rx", "rz", "rzz"]),
        callback=lambda count, params, energy, meta: evaluations.append(energy),
    )
    logger, choices = logging.getLogger("qlstm_optimizer"), _Choices()
    level = logger.level
    logger.addHandler(choices)
    logger.setLevel(logging.INFO)
    try:
        with warnings.catch_warnings(record=True) as caught:
            # qiskit-algorithms 0.4 still builds Qiskit's deprecated QAOAAnsatz class internally.
            for deprecated in ("QAOAAnsatz", "NLocal", "BlueprintCircuit"):
                warnings.filterwarnings("ignore", message=f".*{deprecated}.*",
                                        category=DeprecationWarning)
            # Recorded, not silenced: the caller prints it and returns it.
            warnings.simplefilter("always", UntrainedFamilyWarning)
            result = MinimumEigenOptimizer(qaoa).solve(qp)
    finally:
        logger.removeHandler(choices)
        logger.setLevel(level)
    untrained = [str(w.message) for w in caught if issubclass(w.category, UntrainedFamilyWarning)]
    for w in caught:  # every other warning goes on as it came
        if not issubclass(w.category, UntrainedFamilyWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return {"result": result, "evaluations": len(evaluations), "families": choices.families,
            "log": choices.lines, "untrained_warnings": untrained}


def optimal_share(qp: QuadraticProgram, result, optimum: float) -> float:
    """Share of the final state's samples that are optimal feasible solutions of ``qp`` (the
    distribution MinimumEigenOptimizer picks its answer from; slack bits come last)."""
    share = 0.0
    for bits, probability in result.min_eigen_solver_result.eigenstate.items():
        x = [int(b) for b in reversed(bits)][:qp.get_num_vars()]  # qubit 0 is the last character
        if qp.is_feasible(x) and abs(qp.objective.evaluate(x) - optimum) < 1e-9:
            share += probability
    return share


def main(small: bool = False) -> dict:
    n, maxfev = (6, 10) if small else (10, 20)
    graph = nx.gnp_random_graph(n, 0.5, seed=7)
    cover = VertexCover(graph)
    qp = cover.to_quadratic_program()

    # The operator MinimumEigenOptimizer will hand QAOA: the same default conversion, offset
    # kept apart. Passing it tells the optimizer its terms (and so the model choice and units)
    # without relying on qiskit-algorithms' internals.
    qubo = QuadraticProgramToQubo().convert(qp)
    op, offset = qubo.to_ising()
    orders = [sum(c != "I" for c in label) for label in op.paulis.to_labels()]
    print(f"vertex cover, G({n}, 0.5): {graph.number_of_edges()} edges -> "
          f"{len(qp.linear_constraints)} constraints x_i + x_j >= 1")
    print(f"QUBO: {qubo.get_num_vars()} binaries, no constraints; operator: {op.num_qubits} "
          f"qubits, {orders.count(1)} Z fields, {orders.count(2)} ZZ terms, offset {offset:g}, "
          f"largest |coefficient| {max(abs(op.coeffs)):g} (the objective's own: 0.5 per vertex)")

    exact = MinimumEigenOptimizer(NumPyMinimumEigensolver()).solve(qp)

    auto = solve(qp, QLSTMOptimizer(maxfev=maxfev, hamiltonian=op))  # no model name: "auto"
    if len(auto["families"]) != 1:
        raise RuntimeError(f"expected one model='auto' log line, got {auto['log']}")
    family = auto["families"][0]
    model = resolve_model_name(family, 2)  # the family's model at p = 1 (reps=1)
    for message in auto["untrained_warnings"]:
        print(f"UntrainedFamilyWarning: {message}")
    # Naming a model: no choice, no warning, the model's own learned steps.
    named = solve(qp, QLSTMOptimizer.pretrained("maxcut-p1", maxfev=maxfev, hamiltonian=op))

    print(f"exact (NumPyMinimumEigensolver): cover size {exact.fval:g}")
    out = {"family": family, "model": model, "warned": bool(auto["untrained_warnings"]),
           "optimum": float(exact.fval)}
    for label, run in (("auto", auto), ("named", named)):
        result = run["result"]
        feasible = bool(qp.is_feasible(result.x))
        name = model if label == "auto" else "maxcut-p1"
        share = optimal_share(qp, result, exact.fval)
        print(f"QAOA p=1, QLSTMOptimizer({'' if label == 'auto' else repr(name)}) -> {name}: "
              f"{run['evaluations']} evaluations, cover size {result.fval:g} "
              f"({'feasible' if feasible else 'INFEASIBLE'}), "
              f"vertices {cover.interpret(result.x)}; optimal covers in {share:.1%} of the "
              "final state's samples")
        out[label] = {"objective": float(result.fval), "feasible": feasible,
                      "evaluations": run["evaluations"], "optimal_share": share,
                      "chose": run["families"], "warnings": run["untrained_warnings"]}
    print(f"auto's log line: {auto['log'][0]}")
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="tiny instance (seconds)")
    main(small=parser.parse_args().small)
