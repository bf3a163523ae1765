"""Benchmarks: print figures beside a bare-SQL baseline; never pass or fail on time."""
