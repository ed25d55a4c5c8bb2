"""Where the repo, the shared data and the bench work dir are.

FAHRAS_SHARED_DATA  default <repo>/../shared/data  (read-only input, never copied into the repo)
FAHRAS_BENCH_WORK   default <repo>/bench/work      (scratch: corpora, peer indexes, runs, results)
"""
import os
import sys

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_DIR = os.path.dirname(BENCH_DIR)


def shared_data_dir():
    return os.path.abspath(os.environ.get("FAHRAS_SHARED_DATA")
                           or os.path.join(REPO_DIR, "..", "shared", "data"))


def require_shared_data():
    """Return the shared data dir, or print a clear message and exit 2 when it is absent."""
    d = shared_data_dir()
    if not os.path.isdir(d):
        sys.stderr.write("shared data not found at %s (set FAHRAS_SHARED_DATA)\n" % d)
        sys.exit(2)
    return d


def require_shared_file(rel):
    """Path of a file of the shared data; exit 2 with a clear message when it is absent."""
    src = os.path.join(require_shared_data(), rel)
    if not os.path.isfile(src):
        sys.stderr.write("shared data not found at %s (set FAHRAS_SHARED_DATA)\n" % src)
        sys.exit(2)
    return src


def work_dir(*parts, create=True):
    base = os.path.abspath(os.environ.get("FAHRAS_BENCH_WORK")
                           or os.path.join(BENCH_DIR, "work"))
    p = os.path.join(base, *parts)
    if create:
        os.makedirs(p, exist_ok=True)
    return p
