"""Benchmarks: ``python -m benchmarks [name ...]`` (or ``make bench``) runs them and prints numbers.

Each ``bench_<name>.py`` module has a ``main()``; speed and memory targets live here, never in
timed tests.
"""
