"""Benchmarks: commands that print figures (run from the repository root, see docs/performance.md)."""
