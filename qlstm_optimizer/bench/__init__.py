"""The benchmark suite behind ``qlstm-optimizer bench``: sample efficiency against every baseline.

Kept import-light on purpose (nothing is imported here): the CLI imports the runner only when
the ``bench`` subcommand runs. Entry points: :func:`qlstm_optimizer.bench.suite.run_suite` and
``qlstm-optimizer bench [--quick]``.

Layers (each imports only the ones below it):

1. ``suite``: the runner, CLI options and JSON output; runs the parts below.
2. the parts: ``tasks`` (one instance of the main and noise parts), ``noise`` (qiskit-aer),
   ``scale`` (n = 50..500 at p = 1), ``paper`` (the seed paper's Table I), ``depth`` (every
   depth baseline at p = 1..16), ``qubo`` and ``qubo_e2e`` (general diagonal Hamiltonians at
   p = 1, 2, and end to end through qiskit-optimization); ``report``, ``depth_report``,
   ``qubo_report`` and ``blind_report`` (markdown, figures) and ``targets`` /
   ``blind_targets`` (pass/fail of each claim; the blind runs' own) read the results.
3. the pieces: ``baselines`` (one function per optimizer), ``depth_methods`` (INTERP, FOURIER,
   ramps and tables at depth), ``learned`` (bundled models), ``optima`` (denominators of rho,
   cached; ``qubo_optima``: the wide-gamma search of the qubo part), ``suites`` (instance
   sets).
4. shared helpers: ``objective`` (counting objective), ``metrics``, ``parallel`` (process-pool
   map).

One-off studies (simulator speed, the studies that chose a setting) live outside the package in
the repository's ``benchmarks/`` folder.
"""
