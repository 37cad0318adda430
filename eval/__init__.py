"""Evaluation: suites, metrics, reports and benchmarks."""
