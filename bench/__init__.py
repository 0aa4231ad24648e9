"""Benchmarks: one command runs them all and writes bench/RESULTS.md."""
