#!/usr/bin/python3
"""Relevance tuning of the engine's ranking, in-process (no daemon).

  tune.py [--build BUILD_DIR] [--work DIR] [--quick] [--only news|qa] [--no-index]
          [--stemmer S] [--qa-fields title,text] [--param '--opt value']... [--ascent]

Builds the news (text field only, per the data README) and qa (ARCD paragraphs,
text field only, as bench/lib/corpus.py does) indexes under bench/work/eng/ with
`fahras-indexer build`, runs the dev queries through fh-relevance
(bench/relevance/relevance.c, linked with fahras_engine) for each parameter set,
writes TREC run files under bench/work/eng/runs/ and prints MRR@10 and
Recall@100 (one relevant document per query; a query whose relevant document is
not in the top 100 scores 0 on both). bench/eval_metrics.py gives the same
figures from the run files, plus nDCG.

The sweep: plain BM25 (k1 1.2, b 0.75, no re-rank feature, no feedback) as the baseline, then a
grid over k1 and b, then the proximity weight/window and the lead-of-field
bonus (lead weight / length) at the best k1, b. The data: $FAHRAS_SHARED_DATA, default
../shared/data beside the repository. Exit status 2 when the shared data is absent, 1 when
a program is missing or fails.
"""
import argparse
import itertools
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT + "/bench")
import eval_metrics  # noqa: E402
from lib import paths  # noqa: E402

SHARED = paths.shared_data_dir()

SETS = {
    # name: (corpus input, fields, queries, qrels), the files relative to the shared data
    "news": ("news/saudinewsnet-docs.jsonl.xz", "text", "news/dev-queries.tsv",
             "news/dev-qrels.txt"),
    "qa": ("qa/docs.jsonl", "text", "qa/arcd-queries.tsv", "qa/arcd-qrels.txt"),
}


def data(name, i):
    """Path of SETS[name][i] (0 corpus, 2 queries, 3 qrels) in the shared data."""
    return os.path.join(SHARED, SETS[name][i])


def read_qrels(path):
    rel = {}
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) == 4 and int(p[3]) > 0:
                rel.setdefault(p[0], set()).add(p[2])
    return rel


def metrics(run_path, rel):
    """(MRR@10, Recall@100) of a run over rel = {qid: set(relevant docids)}, by
    bench/eval_metrics.py's rules: rank order with ties in file order, a repeated
    docid counted once, a query without hits scoring 0."""
    run = eval_metrics.read_run(run_path)
    mrr = rec = 0.0
    for qid, docs in rel.items():
        m = eval_metrics.query_metrics(run.get(qid, []), {d: 1 for d in docs})
        mrr += m["MRR@10"]
        rec += m["Recall@100"]
    n = len(rel) or 1
    return mrr / n, rec / n


def build_index(indexer, name, work, stemmer, fields=None):
    out = os.path.join(work, name)
    subprocess.run([indexer, "build", "--index", out, "--fields", fields or SETS[name][1],
                    "--stemmer", stemmer, "--quiet", data(name, 0)], check=True)
    return out


STEMMER = "light10"


def run(driver, index, name, work, params, rel):
    queries = data(name, 2)
    tag = "_".join("%s%s" % (k.strip("-").replace("-", ""), v) for k, v in params)
    runf = os.path.join(work, "runs", "%s_%s.run" % (name, (tag or "default").replace("/", "")))
    cmd = [driver, "--index", index, "--queries", queries, "--run", runf, "--stemmer", STEMMER]
    for k, v in params:
        cmd += [k, str(v)]
    subprocess.run(cmd, check=True)
    m, r = metrics(runf, rel)
    print("%-5s %-60s MRR@10 %.4f  R@100 %.4f" % (name, tag or "default", m, r), flush=True)
    return m, r


# Coordinate ascent (--ascent): start from the engine's defaults, try each value
# of each parameter in turn on news dev, keep a change that lifts news MRR@10 by
# more than 0.0005, two rounds; ARCD is printed alongside as the held-out check.
ASCENT_GRID = [
    ("--alt", [0, 0.25, 0.5, 0.75]), ("--lead", [0.75, 1.5, 2.5, 4]),
    ("--lead-len", [15, 30, 50, 100]), ("--prox", [0, 0.25, 0.5]),
    ("--sdm-o", [0, 0.25, 0.5, 1]), ("--sdm-ow", [1, 2, 3]), ("--sdm-u", [0, 0.25, 0.5]),
    ("--pass", [0, 0.25, 0.5, 1]), ("--pass-window", [12, 24, 48]), ("--k1", [0.9, 1.2, 1.6]),
    ("--b", [0.6, 0.75, 0.9]), ("--order", [0, 0.15, 0.3, 0.5]),
]
ASCENT_START = {"--alt": 0.5, "--lead": 1.5, "--lead-len": 50, "--prox": 0.25, "--sdm-o": 0,
                "--sdm-ow": 2, "--sdm-u": 0, "--pass": 0.5, "--pass-window": 24, "--k1": 1.2,
                "--b": 0.75, "--order": 0.3}


def ascent(driver, work, extra):
    """extra: the --param pairs, passed to every run after the tuned ones."""
    rels = {n: read_qrels(data(n, 3)) for n in ("news", "qa")}
    cache = {}

    def ev(params, name):
        key = (tuple(sorted(params.items())), name)
        if key not in cache:
            cache[key] = run(driver, os.path.join(work, name), name, work,
                             sorted(params.items()) + extra, rels[name])[0]
        return cache[key]

    cur = dict(ASCENT_START)
    best = ev(cur, "news")
    for rnd in range(2):
        for k, vals in ASCENT_GRID:
            for v in vals:
                if v == cur[k]:
                    continue
                t = dict(cur)
                t[k] = v
                m = ev(t, "news")
                if m > best + 0.0005:
                    best, cur = m, t
        print("ascent round %d: %s news %.4f qa %.4f" % (rnd, " ".join(
            "%s %s" % kv for kv in sorted(cur.items())), best, ev(cur, "qa")), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--work", default=os.path.join(ROOT, "bench", "work", "eng"))
    ap.add_argument("--quick", action="store_true", help="baseline and defaults only")
    ap.add_argument("--only", choices=sorted(SETS))
    ap.add_argument("--no-index", action="store_true", help="reuse the indexes in --work")
    ap.add_argument("--stemmer", default="light10",
                    help="light10, light10+sb, light10-noguard, snowball or none (index and "
                         "queries)")
    ap.add_argument("--qa-fields", default=None, help="fields indexed for qa, e.g. title,text")
    ap.add_argument("--ascent", action="store_true",
                    help="coordinate ascent of the re-rank parameters on news (needs the "
                         "indexes: use with --no-index after a --quick run)")
    ap.add_argument("--param", action="append", default=[],
                    help="'--opt value' passed to fh-relevance for every run (repeatable)")
    a = ap.parse_args()
    if a.ascent and a.only:
        ap.error("--ascent tunes on news and reports qa beside it: it takes no --only")
    tuned = {k for k, _ in ASCENT_GRID}
    clash = [p.split(" ", 1)[0] for p in a.param if p.split(" ", 1)[0] in tuned]
    if a.ascent and clash:
        ap.error("--ascent tunes %s itself: leave it out of --param" % ", ".join(clash))
    global STEMMER
    STEMMER = a.stemmer
    extra = []
    for p in a.param:
        k, _, v = p.partition(" ")
        extra.append((k, v))
    names = ["news", "qa"] if a.ascent or not a.only else [a.only]
    for name in names:
        # the corpus is only read to build an index; the queries and qrels always (exit 2
        # when one is missing)
        for i in (2, 3) if a.no_index or a.ascent else (0, 2, 3):
            paths.require_shared_file(SETS[name][i])
    indexer = os.path.join(a.build, "indexer", "fahras-indexer")
    driver = os.path.join(a.build, "bench", "relevance", "fh-relevance")
    if not os.path.exists(driver):
        driver = os.path.join(a.build, "relevance", "fh-relevance")
    for prog in (driver,) if a.no_index or a.ascent else (indexer, driver):
        if not os.access(prog, os.X_OK):
            print("%s not found (build it, or pass --build)" % prog, file=sys.stderr)
            return 1
    os.makedirs(os.path.join(a.work, "runs"), exist_ok=True)
    if a.ascent:
        ascent(driver, a.work, extra)
        return 0
    for name in names:
        rel = read_qrels(data(name, 3))
        index = (os.path.join(a.work, name) if a.no_index else
                 build_index(indexer, name, a.work, a.stemmer,
                             a.qa_fields if name == "qa" else None))
        base = [("--k1", 1.2), ("--b", 0.75), ("--prox", 0), ("--lead", 0), ("--pass", 0),
                ("--alt", 0), ("--tense", 0), ("--answer-type", 1), ("--order", 0), ("--prf-q", 0),
                ("--focus", 0)]
        run(driver, index, name, a.work, base + extra, rel)
        run(driver, index, name, a.work, extra, rel)  # the engine's defaults
        if a.quick:
            continue
        best = None
        for k1, b in itertools.product([0.9, 1.2, 1.5, 2.0], [0.4, 0.6, 0.75, 0.9]):
            m, r = run(driver, index, name, a.work,
                       [("--k1", k1), ("--b", b), ("--prox", 0), ("--lead", 0), ("--pass", 0),
                        ("--alt", 0), ("--tense", 0), ("--answer-type", 1), ("--order", 0),
                        ("--prf-q", 0), ("--focus", 0)], rel)
            if best is None or m > best[0]:
                best = (m, k1, b)
        _, k1, b = best
        for w, win in itertools.product([0.25, 0.5, 1.0], [4, 8, 16]):
            run(driver, index, name, a.work,
                [("--k1", k1), ("--b", b), ("--prox", w), ("--prox-window", win), ("--lead", 0)],
                rel)
        for lw, ll in itertools.product([0.5, 1.0, 1.5, 2.0], [25, 50, 100]):
            run(driver, index, name, a.work,
                [("--k1", k1), ("--b", b), ("--prox", 0.25), ("--lead", lw), ("--lead-len", ll)],
                rel)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (subprocess.CalledProcessError, OSError) as e:
        print("tune.py: %s" % e, file=sys.stderr)
        sys.exit(1)
