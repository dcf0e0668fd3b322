"""Loopback fakes of the platforms' APIs, shared by tests and benchmarks."""
