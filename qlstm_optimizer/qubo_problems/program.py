"""Binary programs and their QUBO / Ising form, built exactly as qiskit-optimization builds them.

A :class:`BinaryProgram` is a small NumPy stand-in for qiskit-optimization's ``QuadraticProgram``
restricted to binary variables and linear constraints (what the application classes produce).
:meth:`BinaryProgram.to_qubo` reproduces ``QuadraticProgramToQubo()`` with its default
(automatic) penalty, and :meth:`BinaryProgram.to_ising` reproduces ``QuadraticProgram.to_ising()``,
so the package builds these cost Hamiltonians without importing qiskit-optimization (an optional
extra; tests/test_qubo_problems.py checks every diagonal against it to 1e-9). The converter
chain of qiskit-optimization 0.7 (``qiskit_optimization/converters``), in its order:

1. ``LinearInequalityToPenalty``: inequalities of the forms ``x - y <= 0``, ``x - y >= 0``,
   ``sum x_i <= 1`` and ``sum x_i >= k - 1`` (``k >= 2`` variables, unit coefficients) become
   penalty terms without slack (``P x y``, ``P (1 - x)(1 - y)``, ...), factor ``P_1``.
2. ``InequalityToEquality(mode="integer")``: every other inequality gets one integer slack
   variable in ``[0, rhs - min(lhs)]`` (``<=``, rhs rounded down) or ``[0, max(lhs) - rhs]``
   (``>=``, rhs rounded up), appended after the existing variables in constraint order.
3. ``IntegerToBinary``: a slack of range ``U`` becomes ``floor(log2 U) + 1`` bits with weights
   ``1, 2, ..., 2**(k-1), U - (2**k - 1)`` (Karimi & Ronagh, arXiv 1706.01945).
4. ``LinearEqualityToPenalty``: each equality ``a.x = b`` adds ``P_2 (b - a.x)**2``.
5. ``MaximizeToMinimize``: a maximised objective is negated.

The automatic penalty of steps 1 and 4 is ``1 + (ub - lb)`` of the objective's linear part plus
that of its quadratic part at that point of the chain (over binaries: the sum of absolute
coefficients, quadratic ones merged into the upper triangle), so ``P_2`` includes ``P_1``'s
terms; it is ``1e5`` when a constraint has a non-integer coefficient or right-hand side.
``to_ising`` maps variable ``i`` to qubit ``i`` with ``x_i = (1 - Z_i) / 2`` (bit 0 is Z = +1):
the diagonal plus the constant is the minimised QUBO objective of every bit string.

Example:
    >>> prog = BinaryProgram(2, linear=[1.0, 1.0], maximize=True,
    ...                      constraints=[({0: 1, 1: 1}, "<=", 1)])  # a 2-node stable set
    >>> qubo, penalty = prog.to_qubo()
    >>> penalty, qubo.linear.tolist(), qubo.quadratic.tolist()
    (3.0, [-1.0, -1.0], [[0.0, 3.0], [0.0, 0.0]])
    >>> qubo.to_ising().diagonal().tolist()  # bits 00, 10 (qubit 0 set), 01, 11
    [0.0, -1.0, -1.0, 1.0]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..hamiltonian import DiagonalHamiltonian
from ..options import check_count, check_real
from ..problems import MAX_EXACT_QUBITS, _QAOAProblem

SENSES = ("<=", ">=", "==")
# LinearEqualityToPenalty / LinearInequalityToPenalty: the penalty when a constraint has a
# non-integer coefficient or right-hand side (qiskit-optimization logs a warning then).
FLOAT_CONSTRAINT_PENALTY = 1e5


def _real_array(value: Any, name: str) -> np.ndarray:
    """``np.array(value, dtype=float)``, its failure naming the argument."""
    try:
        return np.array(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of real numbers ({exc})") from None


def _is_index(value: Any, n: int) -> bool:
    return (isinstance(value, int | np.integer) and not isinstance(value, bool)
            and 0 <= value < n)


class BinaryProgram:
    """``sense * (constant + l.x + x^T Q x)`` over ``num_vars`` binaries, linear constraints.

    Args:
        num_vars: number of binary variables.
        linear: (num_vars,) linear coefficients (default 0).
        quadratic: (num_vars, num_vars) matrix or mapping ``{(i, j): c}``; ``Q_ij`` and ``Q_ji``
            are merged into the upper triangle as ``QuadraticProgram`` stores them, ``Q_ii``
            multiplies ``x_i**2 = x_i``.
        constant: the objective's constant.
        maximize: maximise instead of minimise.
        constraints: ``(coefficients, sense, rhs)`` triples, ``coefficients`` a mapping
            ``{variable: coefficient}`` (zeros dropped), ``sense`` one of ``SENSES``.
    """

    def __init__(self, num_vars: int, *, linear: Any = None, quadratic: Any = None,
                 constant: float = 0.0, maximize: bool = False,
                 constraints: Sequence[tuple[Mapping[int, float], str, float]] = ()) -> None:
        n = self.num_vars = check_count("num_vars", num_vars)
        self.linear = np.zeros(n) if linear is None else _real_array(linear, "linear")
        if self.linear.shape != (n,):
            raise ValueError(f"linear must have shape ({n},), got {self.linear.shape}")
        q = np.zeros((n, n))
        if isinstance(quadratic, Mapping):
            for key, c in quadratic.items():
                if (not isinstance(key, tuple) or len(key) != 2
                        or not all(_is_index(v, n) for v in key)):
                    raise ValueError(f"quadratic: key {key!r} is not a pair of variables "
                                     f"in 0..{n - 1}")
                i, j = sorted(int(v) for v in key)
                q[i, j] += check_real(f"quadratic[{key!r}]", c)
        elif quadratic is not None:
            full = _real_array(quadratic, "quadratic")
            if full.shape != (n, n):
                raise ValueError(f"quadratic must have shape ({n}, {n}), got {full.shape}")
            q = np.triu(full) + np.triu(full.T, 1)
        self.quadratic = q
        self.constant = check_real("constant", constant)
        self.maximize = bool(maximize)
        self.constraints: list[tuple[dict[int, float], str, float]] = []
        for k, constraint in enumerate(constraints):
            try:
                coeffs, sense, rhs = constraint
            except (TypeError, ValueError):
                raise ValueError(f"constraints[{k}] must be a (coefficients, sense, rhs) "
                                 f"triple, got {constraint!r}") from None
            if not isinstance(coeffs, Mapping):
                raise TypeError(f"constraints[{k}]: coefficients must be a mapping "
                                f"{{variable: coefficient}}, got {type(coeffs).__name__}")
            if not isinstance(sense, str) or sense not in SENSES:
                raise ValueError(f"constraints[{k}]: sense must be one of {SENSES}, got {sense!r}")
            if not all(_is_index(i, n) for i in coeffs):
                raise ValueError(f"constraints[{k}] names a variable outside 0..{n - 1}")
            values = {int(i): check_real(f"constraints[{k}]: the coefficient of variable {i}", c)
                      for i, c in coeffs.items()}
            row = {i: c for i, c in values.items() if c != 0}
            self.constraints.append((row, sense, check_real(f"constraints[{k}]: rhs", rhs)))
        for name, arr in (("linear", self.linear), ("quadratic", q)):
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{name} coefficients must be finite")

    # -- evaluation ---------------------------------------------------------------------------
    def objective(self, bits: Any) -> Any:
        """The objective (in its own sense) of 0/1 arrays of shape (..., num_vars)."""
        x = np.asarray(bits, dtype=float)
        out = self.constant + x @ self.linear + np.einsum("...i,ij,...j->...", x, self.quadratic, x)
        return float(out) if np.ndim(out) == 0 else out

    def is_feasible(self, bits: Any) -> Any:
        """Whether 0/1 arrays of shape (..., num_vars) satisfy every constraint (to 1e-9
        relative: exact for the integer constraints of the generators)."""
        x = np.asarray(bits, dtype=float)
        ok = np.ones(x.shape[:-1], dtype=bool)
        for row, sense, rhs in self.constraints:
            lhs = x[..., list(row)] @ np.array(list(row.values()))
            tol = 1e-9 * max(1.0, abs(rhs))
            ok &= {"<=": lhs <= rhs + tol, ">=": lhs >= rhs - tol,
                   "==": np.abs(lhs - rhs) <= tol}[sense]
        return bool(ok) if ok.ndim == 0 else ok

    def _auto_penalty(self) -> float:
        """``_auto_define_penalty`` of LinearEqualityToPenalty / LinearInequalityToPenalty."""
        for row, _, rhs in self.constraints:
            if not all(float(v).is_integer() for v in (rhs, *row.values())):
                return FLOAT_CONSTRAINT_PENALTY
        return 1.0 + float(np.abs(self.linear).sum()) + float(np.abs(self.quadratic).sum())

    # -- conversion ---------------------------------------------------------------------------
    def to_qubo(self) -> tuple[BinaryProgram, float | None]:
        """The unconstrained minimisation problem of ``QuadraticProgramToQubo()`` and the penalty
        factor it used (its ``penalty`` property: ``P_2`` if an equality was penalised, else
        ``P_1`` if a special inequality was, else None)."""
        out = BinaryProgram(self.num_vars, linear=self.linear, quadratic=self.quadratic,
                            constant=self.constant, maximize=self.maximize)
        sign = -1.0 if self.maximize else 1.0  # the penalty always works against the objective
        used = None
        # 1. LinearInequalityToPenalty (its penalty from the original objective).
        p1 = self._auto_penalty()
        rest = []  # (index in self.constraints, row, sense, rhs): errors name the caller's index
        for index, (row, sense, rhs) in enumerate(self.constraints):
            table = _special_inequality(row, sense, rhs)
            if table is None:
                rest.append((index, row, sense, rhs))
                continue
            used = p1
            offset, linear, quadratic = table
            out.constant += sign * p1 * offset
            for j, c in linear.items():
                out.linear[j] += sign * p1 * c
            for (j, k), c in quadratic.items():
                out.quadratic[min(j, k), max(j, k)] += sign * p1 * c
        # 2.-3. InequalityToEquality(mode="integer") and IntegerToBinary: slack bits appended.
        equalities, slack_weights = [], []
        for index, row, sense, rhs in rest:
            if sense == "==":
                equalities.append((row, rhs))
                continue
            if not all(float(c).is_integer() for c in row.values()):
                raise ValueError(f"constraints[{index}] has non-integer coefficients: "
                                 "QuadraticProgramToQubo cannot add an integer slack variable")
            coeffs = np.array(list(row.values()))
            if sense == "<=":
                rhs = math.floor(rhs)
                upper, slack_sign = rhs - coeffs[coeffs < 0].sum(), 1.0
            else:
                rhs = math.ceil(rhs)
                upper, slack_sign = coeffs[coeffs > 0].sum() - rhs, -1.0
            row = dict(row)
            if upper > 0:
                for w in _binary_weights(int(upper)):
                    row[self.num_vars + len(slack_weights)] = slack_sign * w
                    slack_weights.append(w)
            equalities.append((row, float(rhs)))
        if slack_weights:
            out = out._extended(self.num_vars + len(slack_weights))
        # 4. LinearEqualityToPenalty (its penalty from the objective after step 1).
        if equalities:
            probe = BinaryProgram(out.num_vars, linear=out.linear, quadratic=out.quadratic,
                                  constraints=[(r, "==", b) for r, b in equalities])
            p2 = used = probe._auto_penalty()
            for row, rhs in equalities:
                out.constant += sign * p2 * rhs**2
                for j, c in row.items():
                    out.linear[j] += sign * p2 * -2 * c * rhs
                for j, cj in row.items():
                    for k, ck in row.items():
                        out.quadratic[min(j, k), max(j, k)] += sign * p2 * cj * ck
        # 5. MaximizeToMinimize.
        if out.maximize:
            out = BinaryProgram(out.num_vars, linear=-out.linear, quadratic=-out.quadratic,
                                constant=-out.constant)
        return out, used

    def _extended(self, num_vars: int) -> BinaryProgram:
        linear = np.zeros(num_vars)
        linear[: self.num_vars] = self.linear
        quadratic = np.zeros((num_vars, num_vars))
        quadratic[: self.num_vars, : self.num_vars] = self.quadratic
        return BinaryProgram(num_vars, linear=linear, quadratic=quadratic,
                             constant=self.constant, maximize=self.maximize)

    def to_ising(self) -> DiagonalHamiltonian:
        """``QuadraticProgram.to_ising()``: operator plus offset as one Hamiltonian whose
        diagonal is the objective (times -1 when maximised) of every bit string.

        Raises:
            ValueError: if the program still has constraints (call :meth:`to_qubo` first).
        """
        if self.constraints:
            raise ValueError("to_ising needs an unconstrained program; call to_qubo() first")
        sense = -1.0 if self.maximize else 1.0
        terms: dict[tuple[int, ...], float] = {}
        offset = sense * self.constant
        for i in np.flatnonzero(self.linear):
            w = sense * self.linear[i] / 2
            terms[(int(i),)] = terms.get((int(i),), 0.0) - w
            offset += w
        for i, j in zip(*np.nonzero(self.quadratic), strict=True):
            w = sense * self.quadratic[i, j] / 4
            i, j = int(i), int(j)
            if i != j:
                terms[(i, j)] = terms.get((i, j), 0.0) + w
            else:
                offset += w
            terms[(i,)] = terms.get((i,), 0.0) - w
            terms[(j,)] = terms.get((j,), 0.0) - w
            offset += w
        return DiagonalHamiltonian(self.num_vars, terms, offset)


class QuboProblem(_QAOAProblem, DiagonalHamiltonian):
    """A diagonal cost Hamiltonian with the problem it encodes.

    Args:
        num_qubits: number of qubits (variables, slack bits included).
        terms: ``{(qubit, ...): coefficient}`` as in
            :class:`~qlstm_optimizer.hamiltonian.DiagonalHamiltonian`.
        constant: the identity coefficient (qiskit-optimization's ``to_ising`` offset).
        family: the generator's name (metadata).
        program: the constrained :class:`BinaryProgram` encoded
            (None for the higher-order problems, whose objective is the energy itself).
        penalty: the penalty factor ``QuadraticProgramToQubo()`` chose (None: no constraint).
        seed: metadata from the generator (its seed).
        name: metadata from the generator (an instance name).

    Attributes:
        num_variables: logical variables (qubits 0..num_variables-1); the rest are slack bits.

    ``penalty`` is the factor actually applied. ``QuadraticProgramToQubo().penalty`` reports the
    equality converter's, which it computes even when no equality is left (then it differs,
    e.g. for vertex cover and stable set, whose constraints all take the slack-free form).

    Example:
        >>> prog = BinaryProgram(3, linear=[2.0, 1.0, 3.0],
        ...                      constraints=[({0: 1, 1: 1, 2: 1}, "==", 1)])  # pick one
        >>> problem = QuboProblem.from_program(prog)
        >>> problem.penalty, problem.optimal_objective(), problem.ground_energy()
        (7.0, 1.0, 1.0)
        >>> problem.objective("010"), problem.is_feasible("011")  # qubit 0 is the last bit
        (1.0, False)
    """

    def __init__(self, num_qubits: int, terms: Any, constant: float = 0.0, *,
                 family: str = "qubo", program: BinaryProgram | None = None,
                 penalty: float | None = None, seed: int | None = None,
                 name: str | None = None) -> None:
        super().__init__(num_qubits, terms, constant)
        self.family, self.program, self.penalty = family, program, penalty
        self.num_variables = program.num_vars if program is not None else self.num_qubits
        self.seed, self.name = seed, name

    @classmethod
    def from_program(cls, program: BinaryProgram, *, family: str = "qubo",
                     seed: int | None = None, name: str | None = None) -> QuboProblem:
        """Encode ``program`` as qiskit-optimization would (``to_qubo`` then ``to_ising``)."""
        qubo, penalty = program.to_qubo()
        h = qubo.to_ising()
        return cls(h.num_qubits, h.terms, h.constant, family=family, program=program,
                   penalty=penalty, seed=seed, name=name)

    @property
    def maximize(self) -> bool:
        """Whether the encoded objective is maximised (its energy is then its negative)."""
        return self.program is not None and self.program.maximize

    def variables(self, bits: Any) -> np.ndarray:
        """The logical variables of bit strings: arrays (..., num_qubits) or
        (..., num_variables) of 0/1 with qubit q at [..., q], or a Qiskit bitstring (qubit 0 is
        the last character)."""
        if isinstance(bits, str):
            if not set(bits) <= {"0", "1"}:
                raise ValueError(f"bits: a bitstring holds only '0' and '1', got {bits!r}")
            bits = [int(b) for b in reversed(bits)]
        b = np.asarray(bits)
        if b.ndim == 0 or b.shape[-1] not in (self.num_qubits, self.num_variables):
            raise ValueError(f"bits: expected {self.num_qubits} (or {self.num_variables}) bits "
                             f"per string, got shape {b.shape}")
        if not np.isin(b, (0, 1)).all():
            raise ValueError("bits: entries must be 0 or 1")
        return b[..., : self.num_variables]

    def objective(self, bits: Any) -> Any:
        """The encoded problem's objective (in its own sense) of the bit strings' variables;
        for the higher-order problems, the energy."""
        x = self.variables(bits)
        if self.program is None:
            return self._energy(x)
        return self.program.objective(x)

    def is_feasible(self, bits: Any) -> Any:
        """Whether the bit strings' variables satisfy the encoded constraints."""
        x = self.variables(bits)
        if self.program is None:
            return True if x.ndim == 1 else np.ones(x.shape[:-1], dtype=bool)
        return self.program.is_feasible(x)

    def optimal_objective(self) -> float:
        """Best objective over feasible assignments, by enumerating the variables.

        Raises:
            ValueError: no feasible assignment, or more than ``MAX_EXACT_QUBITS`` variables.
        """
        if self.num_variables > MAX_EXACT_QUBITS:
            raise ValueError(f"enumeration is limited to {MAX_EXACT_QUBITS} variables; this "
                             f"problem has {self.num_variables}")
        index = np.arange(2**self.num_variables)[:, None]
        x = (index >> np.arange(self.num_variables)) & 1
        if self.program is None:
            return float(self._energy(x).min())
        ok = self.program.is_feasible(x)
        if not ok.any():
            raise ValueError(f"{self.name or self.family}: no feasible assignment")
        values = self.program.objective(x[ok])
        return float(values.max() if self.maximize else values.min())

    def _energy(self, x: np.ndarray) -> Any:
        out = self.energy_of_bits(x)
        return float(out) if np.ndim(out) == 0 else out


def _binary_weights(upper: int) -> list[int]:
    """IntegerToBinary's bounded-coefficient encoding of an integer in ``[0, upper]``."""
    power = int(np.log2(upper)) if upper > 0 else 0
    return [2**i for i in range(power)] + [upper - (2**power - 1)]


def _special_inequality(row: dict[int, float], sense: str, rhs: float) -> Any:
    """LinearInequalityToPenalty's ``_is_matched_constraint`` + ``_conversion_table``:
    ``(offset, linear, quadratic)`` of the penalty term, or None for other constraints."""
    keys, coeffs = list(row), list(row.values())
    k = len(keys)
    if k == 2 and rhs == 0 and sense in ("<=", ">="):
        if not (min(coeffs) == -1.0 and max(coeffs) == 1.0):
            return None
        # x >= y -> P (y - x y); x <= y -> P (x - x y); x is the +1 variable.
        first = (coeffs[0] < 0) if sense == ">=" else (coeffs[0] > 0)
        return 0, {keys[0] if first else keys[1]: 1}, {(keys[0], keys[1]): -1}
    if k < 2 or not all(c == 1.0 for c in coeffs):
        return None
    pairs = {(keys[a], keys[b]): 1 for a in range(k) for b in range(a + 1, k)}
    if sense == "<=" and rhs == 1:
        return 0, {}, pairs
    if sense == ">=" and rhs == k - 1:
        return k * (k - 1) // 2, dict.fromkeys(keys, 1 - k), pairs
    return None


__all__ = ["FLOAT_CONSTRAINT_PENALTY", "SENSES", "BinaryProgram", "QuboProblem"]
