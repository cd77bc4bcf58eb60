"""Process-pool map with progress lines, shared by the suite's parts (main, noise, scale, paper).

Its own module so that the runner (:mod:`.suite`) sits on top of the parts it runs and the parts
never import the runner.

Example:
    >>> list(pmap(abs, [-1, -2], workers=1, what="demo"))
    [1, 2]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def pmap(fn: Callable[[dict], dict], tasks: list[dict], workers: int, what: str
         ) -> Iterator[dict]:
    """Run ``fn`` over ``tasks`` (in a process pool if ``workers > 1``), yielding results as they
    complete, with a progress line per task on stderr."""
    start = time.perf_counter()
    total = len(tasks)

    def progress(i: int) -> None:
        el = time.perf_counter() - start
        log(f"  [{what}] {i}/{total} done, {el:.0f} s elapsed, "
             f"~{el / i * (total - i):.0f} s left")

    if workers <= 1 or total <= 1:
        for i, t in enumerate(tasks, 1):
            yield fn(t)
            progress(i)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(fn, t) for t in tasks]
        for i, fut in enumerate(as_completed(futures), 1):
            yield fut.result()
            progress(i)


def pmap_by_block(fn: Callable[[dict], dict], tasks: list[dict], workers: int, what: str
                  ) -> dict[tuple[str, str], list[dict]]:
    """:func:`pmap`, its results grouped by ``(suite, str(p))`` and each group in instance
    order (the results come back in completion order)."""
    blocks: dict[tuple[str, str], list[dict]] = {}
    for res in pmap(fn, tasks, workers, what):
        blocks.setdefault((res["suite"], str(res["p"])), []).append(res)
    for results in blocks.values():
        results.sort(key=lambda r: r["index"])
    return blocks
