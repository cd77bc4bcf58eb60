"""The import-time table of :mod:`benchmarks.sim_speed` (its first section): what importing the
package costs in fresh interpreters, next to NumPy + scipy.optimize.

Produced: docs/performance.md, the import-time table (run by ``python -m benchmarks.sim_speed``).

Example:
    >>> IMPORTS["numpy alone"]
    'import numpy'
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile

import numpy as np


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:9.3f}"


IMPORTS = {
    "numpy + scipy.optimize (baseline)": "import numpy, scipy.optimize",
    "numpy alone": "import numpy",
    "import qlstm_optimizer": "import qlstm_optimizer",
    "... + from qlstm_optimizer import qlstm": (
        "import qlstm_optimizer; from qlstm_optimizer import qlstm"),
    "... + what its first run imports (qlstm_optimizer.minimize)": (
        "from qlstm_optimizer import qlstm; import qlstm_optimizer.minimize"),
    "import qlstm_optimizer.sim": "import qlstm_optimizer.sim",
    "from qlstm_optimizer import QLSTMOptimizer": "from qlstm_optimizer import QLSTMOptimizer",
}


_INCREMENT = """
import json, time
t0 = time.process_time()
import numpy, scipy.optimize
t1 = time.process_time()
{line}
print(json.dumps([t1 - t0, time.process_time() - t1]))
"""


def import_times(runs: int) -> list[str]:
    """Per import line, medians of ``runs`` rounds taken in rotation: the CPU time (user +
    system, from the child's resource usage) of a fresh interpreter importing it, minus an
    empty interpreter's; and what it adds to NumPy + scipy.optimize imported first in the same
    interpreter (``time.process_time`` around each part), whose ratio is the table's: on this
    shared machine two interpreters differ by 10 % or more, while the parts of one do not.

    Every module is imported from cached bytecode, as after ``pip install`` (which compiles
    them): the interpreters write and read it under a temporary ``PYTHONPYCACHEPREFIX`` (a
    warm-up round fills it), also when the caller sets ``PYTHONDONTWRITEBYTECODE`` (this
    project's sandbox does; an import then compiled our modules from source every time, about
    100 ms, while NumPy's and SciPy's installed bytecode was used)."""
    codes = ["pass", *IMPORTS.values()]
    cpu: list[list[float]] = [[] for _ in codes]
    parts: list[list[tuple[float, float]]] = [[] for _ in IMPORTS]
    with tempfile.TemporaryDirectory(prefix="pycache-") as cache:
        env = {key: value for key, value in os.environ.items()
               if key != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        for code in codes:  # warm-up: compile everything once
            subprocess.run([sys.executable, "-c", code], check=True, env=env)
        for _ in range(runs):
            for code, out in zip(codes, cpu, strict=True):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                subprocess.run([sys.executable, "-c", code], check=True, env=env)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                out.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            for code, out in zip(IMPORTS.values(), parts, strict=True):
                child = subprocess.run(
                    [sys.executable, "-c", _INCREMENT.format(line=code.replace("; ", "\n"))],
                    check=True, env=env, capture_output=True, text=True)
                out.append(tuple(json.loads(child.stdout)))
    empty, *rest = (float(np.median(s)) for s in cpu)
    lines = ["| import | CPU time (ms), fresh interpreter | added to numpy + scipy.optimize "
             "(ms) | (numpy + scipy.optimize + it) / numpy + scipy.optimize |",
             "|---|---|---|---|"]
    for label, t, pairs in zip(IMPORTS, rest, parts, strict=True):
        base, extra = np.array(pairs).T
        lines.append(f"| {label} | {_ms(t - empty)} | {_ms(float(np.median(extra)))} "
                     f"| {float(np.median((base + extra) / base)):6.3f}x |")
    return lines + ["", f"(an empty interpreter's {empty * 1e3:.0f} ms CPU subtracted from the "
                        "first column)"]
