"""Glacier's benchmark suite: overhead vs plain Polars, memory, orchestration, start-up,
compile and storage IO, each against a baseline measured in the same run.

Run ``python -m benchmarks`` (full) or ``python -m benchmarks --smoke`` (CI).
"""
