"""Demo data (`python -m seed`) and scale data for benchmarks (`python -m seed --scale`)."""
