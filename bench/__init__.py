"""Benchmarks: scripts that print figures (run them by hand; they are not tests)."""
