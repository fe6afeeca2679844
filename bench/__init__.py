"""Benchmarks run by `concert bench`: ratios against a baseline run side by side."""
