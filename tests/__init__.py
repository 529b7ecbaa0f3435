"""The test suite (a package, so tests import tests.support and benchmarks by name)."""
