"""Benchmarks: the sample-efficiency suite against every baseline (``qlstm-optimizer bench``).

Kept import-light on purpose (nothing is imported here): the CLI and the speed benchmarks import
only the modules they need. Entry points: :func:`qlstm_optimizer.bench.suite.run_suite` and
``python -m qlstm_optimizer bench [--quick]``.

Modules: ``objective`` (counting objective), ``baselines`` (one function per optimizer),
``learned`` (bundled models), ``metrics``, ``suites`` (instance sets, optimum cache), ``tasks``
(worker tasks), ``suite`` (runner, CLI, JSON), ``targets``, ``report`` (markdown, figures),
``noise`` (qiskit-aer), ``scale`` (n = 50..500 at p = 1), ``paper`` (the seed paper's Table I),
``sim_speed`` (simulators vs Qiskit: ``python -m qlstm_optimizer.bench.sim_speed``).
"""
