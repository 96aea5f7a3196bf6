"""Benchmarks (not tests): cold start, AWS requests and cost per application, pipeline throughput.

`make bench` (or `.venv/bin/python -m bench`) runs them; bench/README.md says how each figure is measured.
"""
