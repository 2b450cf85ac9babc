"""Benchmarks of the SMM Panel integration: what polling many orders costs."""
