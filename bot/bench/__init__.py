"""Benchmarks run with `prepbot bench NAME`."""
