"""Runnable benchmarks: ``python -m gen.benchmarks.bridge_overhead`` and
``python -m gen.benchmarks.value_parser`` (see gen/benchmarks/README.md)."""
