"""ixcase.py — what the fahras-indexer test scripts (test_cli.py, test_format.py)
share: the Fail exception with expect(), and the command line and loop that
run their case_* functions, each in its own temporary directory.

  SCRIPT --indexer BIN --source-dir DIR --case NAME[,NAME...]   (or --case all)

Standard library only.
"""
import argparse
import shutil
import tempfile
import time


class Fail(Exception):
    pass


class Skip(Exception):
    """A case that cannot run here (and says why): exit status SKIP if no case failed."""


SKIP = 77  # ctest's SKIP_RETURN_CODE for these scripts


def expect(cond, msg):
    if not cond:
        raise Fail(msg)


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--indexer", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--case", default="all")
    return ap.parse_args()


def run_cases(scope, names, prefix):
    """Run the case_<name> functions of `scope` (a module's globals()) named
    in `names` ("all" or a comma list), each given a fresh temporary
    directory (removed afterwards). Prints ok/FAIL/skip per case; returns the
    exit status: 1 if any case failed, else SKIP if one was skipped, else 0."""
    cases = {n[5:]: f for n, f in scope.items() if n.startswith("case_")}
    failed = skipped = 0
    for n in sorted(cases) if names == "all" else names.split(","):
        tmp = tempfile.mkdtemp(prefix="%s%s-" % (prefix, n))
        t0 = time.time()
        try:
            cases[n](tmp)
            print("ok   %s (%.1f s)" % (n, time.time() - t0))
        except Fail as e:
            failed += 1
            print("FAIL %s: %s" % (n, e))
        except Skip as e:
            skipped += 1
            print("skip %s: %s" % (n, e))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else SKIP if skipped else 0
