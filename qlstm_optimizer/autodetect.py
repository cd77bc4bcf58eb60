"""What the energy function is: its cost operator, and whether it is a QAOA energy at all.

``QAOA`` and ``SamplingVQE`` hand an optimizer only ``fun(x)``; the cost operator and the ansatz
live in that function's closure (qiskit-algorithms 0.4, tested: ``_get_evaluate_energy`` returns
``evaluate_energy``, which closes over ``operator`` and ``ansatz``). Two things are read there:

* **The operator** (``hamiltonian="auto"``): it gives the model the Hamiltonian's units, which
  on the benchmark's Erdos-Renyi graphs is the difference between median rho_3 0.92 (blind) and
  1.00. Looked for *by type*, not by name, among the function's closure values and attributes,
  recursively (nested closures, ``functools.partial``, bound methods and callable objects'
  attributes, tuples and lists, and the module-level names a function's code uses, except
  modules, classes and other modules' functions) down to :data:`SEARCH_DEPTH` levels: a
  ``SparsePauliOp`` of only I/Z terms, or a
  :class:`~qlstm_optimizer.hamiltonian.DiagonalHamiltonian` (every problem of
  :mod:`qlstm_optimizer.problems`). A qiskit-optimization ``QuadraticProgram`` is not taken: its
  Ising form comes with an offset and a 0/1 -> spin mapping the function may or may not use.
  Two different operators found: no guess, the run is blind. A blind run that did not ask for
  it (``"auto"``, nothing found) says so once with a :class:`BlindRunWarning`.
* **The ansatz**: the models were trained on the standard QAOA state
  ``prod_k exp(-i beta_k sum X) exp(-i gamma_k H) |+>^n``. If the function closes over a circuit
  that prepares something else (a hardware-efficient VQE ansatz, a warm-start initial state,
  another mixer), the learned steps would be a Max-Cut rollout on a landscape they know nothing
  of. The circuit is compared with the standard QAOA state of the operator at a random
  parameter point (a ``QAOAAnsatz`` with the default mixer and initial state is accepted as it
  is); a mismatch makes :func:`qlstm_optimizer.minimize.minimize_qaoa` run its generic fallback
  (:mod:`qlstm_optimizer.fallback`) with an :class:`UnrecognizedAnsatzWarning`. A circuit too
  large to simulate here (more than :data:`MAX_CHECK_QUBITS` qubits), with a qubit layout, or a
  plain function with no circuit is taken to be what the caller says it is: a QAOA energy.

Example:
    >>> from qiskit.quantum_info import SparsePauliOp
    >>> def make_energy(H):
    ...     def energy(x):
    ...         return float(len(H))
    ...     return energy
    >>> op = SparsePauliOp.from_list([("ZZI", 0.5), ("IZZ", 0.5)])
    >>> operator_from_objective(make_energy(op)) is op
    True
    >>> operator_from_objective(lambda x: 0.0) is None
    True
"""

from __future__ import annotations

import functools
import types
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .hamiltonian import DiagonalHamiltonian, as_hamiltonian
from .sim import qaoa_state

SEARCH_DEPTH = 4  # objective -> wrapper's target -> closure / partial -> value (-> one more)
MAX_NODES = 200  # values looked at per objective (a closure over a huge list stays cheap)
MAX_ITEMS = 32  # tuples / lists longer than this are not looked into
MAX_CHECK_QUBITS = 16  # the ansatz check simulates 2**n amplitudes (about 1 s at n = 16, p = 3)
_CHECK_SEED = 20_261_202  # the ansatz check's random point (fixed: the verdict is reproducible)
_OVERLAP_TOL = 1e-6


class BlindRunWarning(UserWarning):
    """A run without the Hamiltonian's units that did not ask to be blind (fix: pass
    ``hamiltonian=H``; ``hamiltonian=None`` asks for a blind run and silences this)."""


class UnrecognizedAnsatzWarning(UserWarning):
    """The energy function's circuit is not the standard QAOA ansatz of its operator: the
    learned steps are skipped and the generic fallback runs instead."""


BLIND_MESSAGE = (
    "qlstm_optimizer: no cost operator found in the energy function (or Optuna objective), so "
    "the model runs blind (without the Hamiltonian's units, which costs evaluations on dense "
    "or weighted graphs). Fix: pass hamiltonian=H (the operator of your energies), or "
    "hamiltonian=None to run blind on purpose.")
AMBIGUOUS_MESSAGE = (
    "qlstm_optimizer: the energy function (or Optuna objective) refers to more than one "
    "diagonal operator, so none is guessed and the model runs blind. Fix: pass hamiltonian=H "
    "(the operator of your energies), or hamiltonian=None to run blind on purpose.")
UNRECOGNIZED_MESSAGE = (
    "qlstm_optimizer: the energy function's circuit is not the standard QAOA ansatz of its "
    "cost operator (sum-X mixer, |+> start; e.g. a VQE ansatz, a warm start or another mixer), "
    "which the models were not trained for. Running the generic fallback instead: the refine "
    "alone from x0 (see qlstm_optimizer.fallback).")


@dataclass
class ObjectiveScan:
    """What was found: distinct diagonal operators, circuits, and whether a non-diagonal
    ``SparsePauliOp`` was seen (an operator no QAOA cost layer can be)."""

    operators: list[Any] = field(default_factory=list)
    circuits: list[Any] = field(default_factory=list)
    non_diagonal: bool = False


def _type_names(obj: Any) -> set[str]:
    return {c.__name__ for c in type(obj).__mro__}


def _diagonal_operator(obj: Any) -> Any | None:
    """``obj`` as a DiagonalHamiltonian if it is a diagonal operator, else None."""
    if isinstance(obj, DiagonalHamiltonian):
        return obj
    if "SparsePauliOp" in _type_names(obj):
        try:
            return as_hamiltonian(obj)  # refuses X/Y terms and complex coefficients
        except (ValueError, TypeError):
            return None
    return None


def _children(obj: Any) -> list[Any]:
    """Values a callable refers to: closure cells, function attributes, referenced globals,
    partial arguments, a bound method's instance attributes; the items of a short tuple or
    list."""
    if isinstance(obj, (tuple, list)):
        return list(obj) if len(obj) <= MAX_ITEMS else []
    if isinstance(obj, functools.partial):
        return [obj.func, *obj.args, *obj.keywords.values()]
    if isinstance(obj, types.MethodType):
        return [obj.__func__, *_attributes(obj.__self__)]
    if isinstance(obj, types.FunctionType):
        cells = []
        for cell in obj.__closure__ or ():
            try:
                cells.append(cell.cell_contents)
            except ValueError:  # an empty cell (a variable not assigned yet)
                continue
        return cells + list(vars(obj).values()) + _referenced_globals(obj)
    if callable(obj) and not isinstance(obj, (type, types.BuiltinFunctionType)):
        return _attributes(obj)  # a callable object: its attributes
    return []


def _referenced_globals(fun: types.FunctionType) -> list[Any]:
    """The module-level values ``fun``'s code names (``H`` in a script's ``lambda x:
    energy(H, x)`` is a global, not a closure value). Modules, classes and functions of other
    modules (library code) are not followed: only the caller's own data and helpers."""
    values = []
    for name in fun.__code__.co_names:
        value = fun.__globals__.get(name)
        if value is None or isinstance(value, (types.ModuleType, type)):
            continue
        if isinstance(value, (types.FunctionType, types.BuiltinFunctionType)) and (
                value.__module__ != fun.__module__):
            continue
        values.append(value)
    return values


def _attributes(obj: Any) -> list[Any]:
    try:
        return list(vars(obj).values())
    except TypeError:  # no __dict__ (slots, builtins)
        return []


def scan_objective(fun: Any) -> ObjectiveScan:
    """Breadth-first search of what ``fun`` refers to (see the module docstring)."""
    scan = ObjectiveScan()
    seen: set[int] = set()
    frontier, depth, nodes = [fun], 0, 0
    while frontier and depth <= SEARCH_DEPTH:
        next_frontier = []
        for obj in frontier:
            if id(obj) in seen or nodes >= MAX_NODES:
                continue
            seen.add(id(obj))
            nodes += 1
            if obj is not fun:  # the objective itself is not one of its own values
                diagonal = _diagonal_operator(obj)
                if diagonal is not None:
                    if all(diagonal != _diagonal_operator(o) for o in scan.operators):
                        scan.operators.append(obj)
                    continue
                names = _type_names(obj)
                if "SparsePauliOp" in names:
                    scan.non_diagonal = True
                    continue
                if "QuantumCircuit" in names:
                    scan.circuits.append(obj)
                    continue
            next_frontier.extend(_children(obj))
        frontier, depth = next_frontier, depth + 1
    return scan


def operator_from_objective(fun: Any) -> Any | None:
    """The one diagonal cost operator ``fun`` refers to, or None (none, or several)."""
    operators = scan_objective(fun).operators
    return operators[0] if len(operators) == 1 else None


def check_hamiltonian_option(hamiltonian: Any) -> None:
    """Refuse strings other than ``"auto"`` (an operator or None is checked where it is used).

    Raises:
        ValueError: a string other than ``"auto"``.
    """
    if isinstance(hamiltonian, str) and hamiltonian != "auto":
        raise ValueError(f"hamiltonian must be an operator, None or 'auto', got {hamiltonian!r}")


def warn_blind(ambiguous: bool = False, stacklevel: int = 3) -> None:
    """Say once (Python's default warning filter) that a run is blind and how to fix it."""
    warnings.warn(AMBIGUOUS_MESSAGE if ambiguous else BLIND_MESSAGE, BlindRunWarning,
                  stacklevel=stacklevel)


def inspect_objective(fun: Any, hamiltonian: Any, hamiltonian_scale: Any,
                      num_parameters: int) -> tuple[Any, bool]:
    """``(hamiltonian, standard)`` for :func:`qlstm_optimizer.minimize.minimize_qaoa`: the
    resolved ``hamiltonian`` argument, and False when ``fun``'s circuit is not the standard
    QAOA ansatz (then an :class:`UnrecognizedAnsatzWarning` was issued). Warns
    :class:`BlindRunWarning` when ``"auto"`` finds no operator (or several) and no
    ``hamiltonian_scale`` is given.

    Raises:
        ValueError: a string other than ``"auto"``.
    """
    check_hamiltonian_option(hamiltonian)
    scan = scan_objective(fun)
    found = scan.operators[0] if len(scan.operators) == 1 else None
    check_with = found if found is not None else (
        None if isinstance(hamiltonian, str) else hamiltonian)
    if ansatz_verdict(scan, check_with, num_parameters) == "other":
        warnings.warn(UNRECOGNIZED_MESSAGE, UnrecognizedAnsatzWarning, stacklevel=3)
        return None, False
    if isinstance(hamiltonian, str):
        if hamiltonian_scale is not None:
            return None, True
        if found is None:
            warn_blind(ambiguous=len(scan.operators) > 1, stacklevel=4)
        return found, True
    return hamiltonian, True


def ansatz_verdict(scan: ObjectiveScan, operator: Any, num_parameters: int) -> str:
    """``"qaoa"``: the scanned circuit is the standard QAOA ansatz of ``operator``;
    ``"other"``: it is not (or the operator is not diagonal, so no QAOA applies); ``"unknown"``:
    no single circuit, or one that cannot be checked here (see the module docstring)."""
    if len(scan.circuits) != 1:
        return "unknown"
    circuit = scan.circuits[0]
    diagonal = None if operator is None else _diagonal_operator(operator)
    if diagonal is None:  # (a bad explicit hamiltonian is refused later, where it is used)
        return "other" if scan.non_diagonal else "unknown"
    if circuit.num_parameters != num_parameters or num_parameters % 2:
        return "unknown"
    if circuit.num_qubits != diagonal.num_qubits or circuit.layout is not None:
        return "unknown"
    if "QAOAAnsatz" in _type_names(circuit) and getattr(circuit, "_initial_state", 0) is None \
            and getattr(circuit, "_mixer", 0) is None:
        # Qiskit's default mixer (sum X) and start (|+>), read from the attributes the class
        # keeps what it was given in (its public properties fill in the defaults): standard
        # if it is this operator's.
        cost = _diagonal_operator(circuit.cost_operator)
        return "qaoa" if cost is not None and cost == diagonal else "other"
    if diagonal.num_qubits > MAX_CHECK_QUBITS:
        return "unknown"
    try:
        return "qaoa" if _same_states(circuit, diagonal, num_parameters) else "other"
    except Exception:  # noqa: BLE001 - a circuit Qiskit cannot simulate here: keep the default
        return "unknown"


def _same_states(circuit: Any, diagonal: Any, num_parameters: int) -> bool:
    """Does ``circuit`` prepare the standard QAOA state of ``diagonal`` (up to a global phase)
    at a random point (another circuit matches it there only by a coincidence of measure
    zero)? Evolution gates are synthesised into one- and two-qubit gates first
    (Qiskit simulates a ``PauliEvolutionGate`` as a dense matrix exponential: minutes at
    n = 10)."""
    from qiskit import transpile

    circuit = circuit.remove_final_measurements(inplace=False)
    x = np.random.default_rng(_CHECK_SEED).uniform(-np.pi, np.pi, num_parameters)
    bound = transpile(circuit.assign_parameters(x),
                      basis_gates=["u", "cx", "rzz", "rx", "ry", "rz", "h"], optimization_level=0)
    return abs(np.vdot(qaoa_state(diagonal, x), simulate(bound))) >= 1 - _OVERLAP_TOL


def simulate(circuit: Any) -> np.ndarray:
    """Statevector of a bound circuit of one- and two-qubit gates from ``|0...0>``, in Qiskit's
    order (qubit i is bit i of the index). One small einsum per gate: ``Statevector`` takes
    seconds for a 16-qubit p = 3 QAOA circuit.

    Raises:
        ValueError: a gate on more than two qubits. QiskitError / TypeError: an instruction
            without a matrix (measure, reset, an unbound parameter).
    """
    n = circuit.num_qubits
    psi = np.zeros(2**n, dtype=complex)
    psi[0] = 1.0
    for instruction in circuit.data:
        if instruction.operation.name == "barrier":
            continue
        qubits = [circuit.find_bit(q).index for q in instruction.qubits]
        matrix = np.asarray(instruction.operation.to_matrix(), dtype=complex)
        if len(qubits) == 1:
            q = qubits[0]
            view = psi.reshape(2 ** (n - 1 - q), 2, 2**q)
            psi = np.einsum("ij,ajb->aib", matrix, view).reshape(-1)
        elif len(qubits) == 2:
            # A two-qubit matrix's index has qubits[0] as its low bit: as a tensor its axes
            # are (row q1, row q0, col q1, col q0); reorder them to (high, low) qubit order.
            lo, hi = sorted(qubits)
            m = matrix.reshape(2, 2, 2, 2)
            if qubits[1] == lo:
                m = m.transpose(1, 0, 3, 2)
            view = psi.reshape(2 ** (n - 1 - hi), 2, 2 ** (hi - lo - 1), 2, 2**lo)
            psi = np.einsum("ABCD,aCbDc->aAbBc", m, view).reshape(-1)
        else:
            raise ValueError(f"{instruction.operation.name} acts on {len(qubits)} qubits")
    return psi
