#!/usr/bin/env python3
"""Indexing benchmark: fahras-indexer (and Sphinx's indexer, same session) on
the news and books corpora. Median of N runs of wall time, CPU time, peak RSS
(/usr/bin/time -v) and index size; prints a markdown table.

  bench_indexer.py [--indexer BIN] [--corpora news,books] [--runs 3] [--mem MB]
                   [--threads N] [--fields text] [--sphinx] [--no-fahras]

--fields (default text) is what Fahras analyzes: the text field, as Sphinx's tsvpipe
indexes it and as the harness does; stored documents are the whole JSON objects.

Corpora: $FAHRAS_BENCH_WORK/corpora/<name>/docs.jsonl (unpacked by the bench
harness); when missing, the .xz from $FAHRAS_SHARED_DATA (default ../shared/data) is
unpacked there first (exit status 2 when it is absent).
Sphinx: bench/peers/sphinx/run_sphinx.py index <corpus> (tsvpipe, stem_ar),
whose result JSON it reads back. Results also go to
$FAHRAS_BENCH_WORK/results/indexer-bench-<corpus>.json.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
REPO = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)
from lib import paths, runutil  # noqa: E402

SOURCES = {
    "news": ("news", "saudinewsnet-docs.jsonl.xz"),
    "books": ("books", "hindawi-passages.jsonl.xz"),
}


def log(msg):
    print("bench-indexer: " + msg, file=sys.stderr, flush=True)


def corpus_path(name):
    p = os.path.join(paths.work_dir("corpora", name), "docs.jsonl")
    if os.path.exists(p) and os.path.getsize(p) > 0:
        return p
    sub, xz = SOURCES[name]
    src = paths.require_shared_file(os.path.join(sub, xz))
    log("unpacking %s -> %s" % (src, p))
    tmp = p + ".part-%d" % os.getpid()
    with open(tmp, "wb") as out:
        rc = subprocess.call(["xz", "-dc", src], stdout=out)
    if rc != 0:
        os.unlink(tmp)
        sys.exit("xz -dc %s failed (rc=%d)" % (src, rc))
    os.rename(tmp, p)
    return p


def count_lines(path):
    n = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 24), b""):
            n += block.count(b"\n")
    return n


def med(xs):
    return statistics.median(xs) if xs else None


def run_fahras(indexer, corpus, path, runs, mem, threads, fields):
    idx = paths.work_dir("indexer-bench", corpus)
    res = []
    for i in range(runs):
        shutil.rmtree(idx, ignore_errors=True)
        cmd = [indexer, "build", "--index", idx, "--mem", str(mem), "--fields", fields]
        if threads:
            cmd += ["--threads", str(threads)]
        cmd.append(path)
        logp = os.path.join(paths.work_dir("indexer-bench"), "%s-run%d.log" % (corpus, i))
        t = runutil.timed_run(cmd, logp)
        t["index_bytes"] = os.path.getsize(os.path.join(idx, "index.mdb"))
        t["loadavg"] = list(os.getloadavg())
        with open(logp, errors="replace") as f:
            t["summary"] = [l.strip() for l in f if l.startswith("fahras-indexer:")]
        log("fahras %s run %d: %.2f s wall, %.2f s cpu, %.0f MB RSS, load %.1f" % (
            corpus, i + 1, t["wall_s"], t["cpu_s"], t["max_rss_mb"], t["loadavg"][0]))
        res.append(t)
    return res


def run_sphinx(corpus, runs):
    script = os.path.join(BENCH, "peers", "sphinx", "run_sphinx.py")
    if not os.path.exists(script) or not shutil.which("indexer"):
        log("Sphinx not available (bench/peers/sphinx/run_sphinx.py, indexer): skipped")
        return []
    res = []
    for i in range(runs):
        subprocess.check_call([sys.executable, script, "index", corpus])
        with open(os.path.join(paths.work_dir("results"), "sphinx-index-%s.json" % corpus)) as f:
            r = json.load(f)
        r["loadavg"] = list(os.getloadavg())
        log("sphinx %s run %d: %.2f s wall, %.2f s cpu" % (corpus, i + 1, r["wall_s"], r["cpu_s"]))
        res.append(r)
    return res


def summarize(rs):
    return {
        "wall_s": med([r["wall_s"] for r in rs]),
        "cpu_s": med([r["cpu_s"] for r in rs]),
        "max_rss_mb": med([r["max_rss_mb"] for r in rs]),
        "index_mb": med([r["index_bytes"] / 1e6 for r in rs]),
        "load": med([r["loadavg"][0] for r in rs]),
        "n": len(rs),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--indexer", default=os.environ.get("FAHRAS_INDEXER"),
                    help="the fahras-indexer to time (default $FAHRAS_INDEXER)")
    ap.add_argument("--corpora", default="news,books", help="default %(default)s")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--mem", type=int, default=1024)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--fields", default="text",
                    help="fields Fahras analyzes (default text: what Sphinx's tsvpipe indexes)")
    ap.add_argument("--sphinx", action="store_true")
    ap.add_argument("--no-fahras", action="store_true")
    a = ap.parse_args()
    bad = [c for c in a.corpora.split(",") if c not in SOURCES]
    if bad:
        ap.error("unknown corpus %s (known: %s)" % (", ".join(bad), ",".join(SOURCES)))
    if a.runs < 1:
        ap.error("--runs must be at least 1")
    if not a.no_fahras and not a.indexer:
        sys.exit("no fahras-indexer: pass --indexer or set FAHRAS_INDEXER")
    if not a.no_fahras and not (os.path.isfile(a.indexer) and os.access(a.indexer, os.X_OK)):
        sys.exit("%s: not an executable fahras-indexer (--indexer or FAHRAS_INDEXER)" % a.indexer)
    rows = []
    for corpus in a.corpora.split(","):
        path = corpus_path(corpus)
        docs = count_lines(path)
        out = {"corpus": corpus, "docs": docs, "input_bytes": os.path.getsize(path),
               "mem_mb": a.mem, "nproc": os.cpu_count(),
               "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        if not a.no_fahras:
            fr = run_fahras(a.indexer, corpus, path, a.runs, a.mem, a.threads, a.fields)
            out["fahras_runs"] = fr
            out["fahras"] = summarize(fr)
            out["fahras"]["cmd"] = fr[0]["cmd"]
        if a.sphinx:
            sr = run_sphinx(corpus, a.runs)
            if sr:
                out["sphinx_runs"] = sr
                out["sphinx"] = summarize(sr)
        runutil.write_json(os.path.join(paths.work_dir("results"),
                                        "indexer-bench-%s.json" % corpus), out)
        rows.append(out)
    print("| corpus | engine | docs | wall s | CPU s | peak RSS MB | index MB | docs/s | "
          "vs Sphinx (docs/s) | load avg |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        sph = r.get("sphinx")
        for eng in ("fahras", "sphinx"):
            s = r.get(eng)
            if not s:
                continue
            dps = r["docs"] / s["wall_s"]
            ratio = ""
            if sph and eng == "fahras":
                ratio = "%.2fx" % (sph["wall_s"] / s["wall_s"])
            print("| %s | %s | %d | %.2f | %.2f | %.0f | %.1f | %.0f | %s | %.1f |" % (
                r["corpus"], eng, r["docs"], s["wall_s"], s["cpu_s"], s["max_rss_mb"],
                s["index_mb"], dps, ratio, s["load"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
