#!/usr/bin/python3
"""Relevance metrics for one TREC run file against qrels.

  eval_metrics.py RUN QRELS [--json] [--per-query]
  eval_metrics.py --selftest

run:   "qid Q0 docid rank score tag" lines; a query's documents are taken in ascending
       `rank` order (ties keep file order; the score column is not used), a repeated
       docid counts only at its first position.
qrels: "qid 0 docid rel"; rel > 0 is relevant, and rel is the gain for nDCG. A document
       judged twice for one query with different grades gets the higher one, with a
       warning on stderr (a repeated identical line is silent).
The query set is the qrels' queries with at least one relevant document; a query absent
from the run scores 0 on every metric; run queries absent from the qrels are ignored.

MRR@10     1/rank of the first relevant document within the top 10, else 0
nDCG@10    DCG@10 / ideal DCG@10, DCG = sum over ranks i of gain_i / log2(i + 1) (linear gain)
Recall@k   relevant documents in the top k / relevant documents (k = 10, 100)
Each is the mean over the query set.
Exit status: 0 ok; 1 an unreadable or malformed file, or no query with a relevant document;
2 usage error.
"""
import argparse
import json
import math
import sys


def text_lines(path):
    """(line number, line) of a UTF-8 text file; a byte that is not UTF-8 is a ValueError
    naming the file and line (not the codec's message alone)."""
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                yield n, raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ValueError("%s:%d: not UTF-8 text (byte %d: %s)"
                                 % (path, n, e.start + 1, e.reason)) from None


def read_qrels(path, warn=None):
    """{qid: {docid: rel}}. Conflicting grades of one (qid, docid): the higher one is kept
    and warn(message) is called (default: print to stderr)."""
    if warn is None:
        def warn(msg):
            print("eval_metrics.py: warning: " + msg, file=sys.stderr)
    qrels, where, conflicts = {}, {}, 0
    for n, line in text_lines(path):
        p = line.split()
        if not p:
            continue
        if len(p) != 4 or not p[3].lstrip("-").isdigit():
            raise ValueError("%s:%d: expected 'qid 0 docid rel' (rel an integer)" % (path, n))
        rels, rel = qrels.setdefault(p[0], {}), int(p[3])
        old = rels.get(p[2])
        if old is not None and old != rel:
            conflicts += 1
            if conflicts <= 10:
                warn("%s:%d: query %s, document %s judged %d at line %d and %d here; "
                     "the higher grade, %d, is kept" % (path, n, p[0], p[2], old,
                                                        where[(p[0], p[2])], rel,
                                                        max(old, rel)))
            rel = max(old, rel)
        rels[p[2]] = rel
        where[(p[0], p[2])] = n
    if conflicts > 10:
        warn("%s: %d conflicting judgements in all (the first 10 shown)" % (path, conflicts))
    return qrels


def read_run(path):
    """{qid: [docid, ...]} in rank order."""
    rows = {}
    for n, line in text_lines(path):
        p = line.split()
        if not p:
            continue
        if len(p) < 5 or not p[3].lstrip("-").isdigit():
            raise ValueError("%s:%d: expected 'qid Q0 docid rank score tag' (rank an integer)"
                             % (path, n))
        rows.setdefault(p[0], []).append((int(p[3]), n, p[2]))
    run = {}
    for qid, hits in rows.items():
        seen, docs = set(), []
        for _rank, _n, doc in sorted(hits):
            if doc not in seen:
                seen.add(doc)
                docs.append(doc)
        run[qid] = docs
    return run


def query_metrics(ranked, rels):
    """Metrics for one query: ranked = docids best first, rels = {docid: rel}."""
    relevant = {d for d, r in rels.items() if r > 0}
    rr = 0.0
    for i, d in enumerate(ranked[:10], 1):
        if d in relevant:
            rr = 1.0 / i
            break
    dcg = sum(rels.get(d, 0) / math.log2(i + 1) for i, d in enumerate(ranked[:10], 1)
              if rels.get(d, 0) > 0)
    ideal = sorted((r for r in rels.values() if r > 0), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 1) for i, g in enumerate(ideal, 1))
    return {
        "MRR@10": rr,
        "nDCG@10": dcg / idcg if idcg > 0 else 0.0,
        "Recall@10": len(relevant.intersection(ranked[:10])) / len(relevant),
        "Recall@100": len(relevant.intersection(ranked[:100])) / len(relevant),
    }


METRICS = ("MRR@10", "nDCG@10", "Recall@10", "Recall@100")


def evaluate(run, qrels):
    """(means, per_query) over the qrels' queries that have a relevant document."""
    per = {}
    for qid, rels in qrels.items():
        if not any(r > 0 for r in rels.values()):
            continue
        per[qid] = query_metrics(run.get(qid, []), rels)
    n = len(per)
    means = {m: (sum(v[m] for v in per.values()) / n if n else 0.0) for m in METRICS}
    means["queries"] = n
    means["queries_in_run"] = sum(1 for q in per if q in run)
    return means, per


def evaluate_files(run_path, qrels_path):
    return evaluate(read_run(run_path), read_qrels(qrels_path))


def selftest():
    """Tiny handmade example with answers worked out by hand."""
    qrels = {
        "q1": {"a": 1},                # found at rank 1
        "q2": {"b": 1},                # found at rank 3
        "q3": {"c": 1, "d": 2},        # c at rank 2, d at rank 50 (graded)
        "q4": {"e": 1},                # absent from the run
        "q5": {"f": 1, "x": 0},        # f at rank 11; x (rel 0) at rank 1 is not relevant
        "q6": {"g": 0},                # no relevant document: not in the query set
    }
    run = {"q1": ["a", "z"], "q2": ["y", "z", "b"],
           "q3": ["z", "c"] + ["n%d" % i for i in range(47)] + ["d"],
           "q5": ["x"] + ["m%d" % i for i in range(9)] + ["f"],
           "q9": ["a"]}                # not in qrels: ignored
    assert run["q3"].index("d") == 49 and run["q5"].index("f") == 10
    means, per = evaluate(run, qrels)
    l3 = 1 / math.log2(3)
    want = {
        "q1": {"MRR@10": 1.0, "nDCG@10": 1.0, "Recall@10": 1.0, "Recall@100": 1.0},
        "q2": {"MRR@10": 1 / 3, "nDCG@10": 0.5, "Recall@10": 1.0, "Recall@100": 1.0},
        "q3": {"MRR@10": 0.5, "nDCG@10": l3 / (2 + l3), "Recall@10": 0.5, "Recall@100": 1.0},
        "q4": {"MRR@10": 0.0, "nDCG@10": 0.0, "Recall@10": 0.0, "Recall@100": 0.0},
        "q5": {"MRR@10": 0.0, "nDCG@10": 0.0, "Recall@10": 0.0, "Recall@100": 1.0},
    }
    assert set(per) == set(want), per.keys()
    for q, w in want.items():
        for m, v in w.items():
            assert abs(per[q][m] - v) < 1e-12, (q, m, per[q][m], v)
    assert means["queries"] == 5 and means["queries_in_run"] == 4
    for m, v in {"MRR@10": (1 + 1 / 3 + 0.5) / 5, "nDCG@10": (1.5 + l3 / (2 + l3)) / 5,
                 "Recall@10": 2.5 / 5, "Recall@100": 4 / 5}.items():
        assert abs(means[m] - v) < 1e-12, (m, means[m], v)
    # File round trip, with ranks given out of file order and a repeated docid.
    import os
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        rp, qp = os.path.join(d, "run"), os.path.join(d, "qrels")
        with open(rp, "w") as f:
            f.write("q2 Q0 b 3 1.0 t\nq2 Q0 y 1 3.0 t\nq2 Q0 y 2 2.5 t\nq2 Q0 z 4 2.0 t\n")
        with open(qp, "w") as f:
            f.write("q2 0 b 1\n")
        m2, _ = evaluate_files(rp, qp)
        assert abs(m2["MRR@10"] - 0.5) < 1e-12, m2   # y, (y again dropped), b -> b is 2nd
        # conflicting grades of one document: the higher one, whatever the order, and a
        # warning; an identical repeat is silent
        with open(qp, "w") as f:
            f.write("a 0 x 1\na 0 x 0\nb 0 y 0\nb 0 y 2\nc 0 z 1\nc 0 z 1\n")
        warned = []
        q = read_qrels(qp, warn=warned.append)
        assert q == {"a": {"x": 1}, "b": {"y": 2}, "c": {"z": 1}}, q
        assert len(warned) == 2 and ":2:" in warned[0] and ":4:" in warned[1], warned
    print("eval_metrics selftest: ok")
    return 0


def main(argv):
    ap = argparse.ArgumentParser(description="MRR@10, nDCG@10, Recall@10, Recall@100 of a TREC run")
    ap.add_argument("run", nargs="?")
    ap.add_argument("qrels", nargs="?")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--per-query", action="store_true", help="also print per-query values")
    ap.add_argument("--selftest", action="store_true")
    a = ap.parse_args(argv)
    if a.selftest:
        if a.run or a.qrels or a.json or a.per_query:
            ap.error("--selftest takes no other argument")
        return selftest()
    if not a.run or not a.qrels:
        ap.error("RUN and QRELS are required")
    try:
        means, per = evaluate_files(a.run, a.qrels)
    except (OSError, ValueError) as e:
        print("eval_metrics.py: %s" % e, file=sys.stderr)
        return 1
    if not means["queries"]:
        print("eval_metrics.py: %s: no query with a relevant document (rel > 0)" % a.qrels,
              file=sys.stderr)
        return 1
    if a.json:
        out = dict(means, run=a.run, qrels=a.qrels)
        if a.per_query:
            out["per_query"] = per
        print(json.dumps(out, indent=2))
    else:
        print("%-12s %d (in run: %d)" % ("queries", means["queries"], means["queries_in_run"]))
        for m in METRICS:
            print("%-12s %.4f" % (m, means[m]))
        if a.per_query:
            for q in sorted(per):
                print(q, " ".join("%s=%.4f" % (m, per[q][m]) for m in METRICS))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
