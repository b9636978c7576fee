"""Benchmarks: ``make bench`` (``python -m bench.bench``: the 200-comment page against a Flask
hello-world, and comment posting against a naive handler) and ``python -m bench.scale``."""
