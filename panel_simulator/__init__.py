"""An in-memory SMM panel speaking API v2, for tests, benchmarks and development."""
