"""Benchmarks behind `paperwire bench`; they print figures and are never tests."""
