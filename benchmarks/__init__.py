"""Studies that chose a setting or measured a claim once; scripts outside the installed wheel.

Run each from the repository root as ``python -m benchmarks.NAME`` (see benchmarks/README.md).
The benchmark suite behind ``qlstm-optimizer bench`` stays in the package
(:mod:`qlstm_optimizer.bench`).
"""
