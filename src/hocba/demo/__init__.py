"""Synthetic city for the demo, tests and benchmarks."""
