"""Benchmarks (not tests): intake load, the Argon2id bound, memory of a large upload.

Run with ``make bench`` (``python -m bench``). Nothing here asserts on time; it prints
figures beside their goals and writes them as JSON to ``bench/results/``.
"""
