"""Shared helpers for Fahras's benchmarks (corpora, queries, timing, run files).

Import from bench/ scripts after putting bench/ on sys.path:
    from lib import paths, corpus, textutil, runutil
Nothing here writes outside the work dir (env FAHRAS_BENCH_WORK).
"""
