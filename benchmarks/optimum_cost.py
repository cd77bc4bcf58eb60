"""Cost of the optimal QAOA energy at depth: seconds per depth of the chain p = 1..P.

Produced: docs/benchmarks.md, "Depth: baselines" (the cost of the denominators of rho), and the
"Cost" paragraph of :mod:`qlstm_optimizer.optimum`.

Run ``python -m benchmarks.optimum_cost`` (a few minutes; ``--max-depth 4`` for a smoke run).
The instances are the depth part's held-out ones (:data:`qlstm_optimizer.bench.depth.DEPTH_SUITES`):
Erdos-Renyi instance 1 (n = 8) and 5 (n = 12). Prints one line per depth (seconds, relative
energy) and the JSON of all rows.

Example:
    >>> rows = chain_cost("er", 1, 2)
    >>> [r[0] for r in rows]
    [1, 2]
"""

from __future__ import annotations

import argparse
import json
import time

from qlstm_optimizer.bench.depth import DEPTH_SUITES
from qlstm_optimizer.bench.suites import make_instance
from qlstm_optimizer.optimum import optimal_qaoa_energy

INSTANCES = (("er", 1), ("er", 5))


def chain_cost(suite: str, index: int, max_depth: int) -> list[tuple[int, float, float]]:
    """``(p, seconds, relative optimal energy)`` for p = 1..max_depth of one depth instance."""
    inst = make_instance(DEPTH_SUITES[suite], index, 1, False)
    cache: dict = {}
    rows = []
    for p in range(1, max_depth + 1):
        start = time.perf_counter()
        opt = optimal_qaoa_energy(inst.problem, p, family=inst.family, cache=cache)
        rows.append((p, round(time.perf_counter() - start, 2), round(opt.relative_energy, 6)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.optimum_cost")
    parser.add_argument("--max-depth", type=int, default=16, help="largest depth (default 16)")
    args = parser.parse_args(argv)
    if args.max_depth < 1:
        raise SystemExit(f"--max-depth must be positive, got {args.max_depth}")
    out = {}
    for suite, index in INSTANCES:
        n = make_instance(DEPTH_SUITES[suite], index, 1, False).n
        out[f"{suite} n={n}"] = rows = chain_cost(suite, index, args.max_depth)
        for row in rows:
            print(suite, n, row, flush=True)
        print(f"{suite} n={n}: total {sum(r[1] for r in rows):.0f} s", flush=True)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
