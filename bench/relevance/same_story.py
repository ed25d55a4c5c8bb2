#!/usr/bin/python3
"""How much of a known-item set's MRR@10 loss is other copies of the judged document.

  same_story.py RUN QRELS DOCS [--field text] [--thresholds 0.5,0.6,0.8]

A known-item set judges one document per query (the news set: the article whose own
headline is the query). When the collection holds the same story from another outlet,
or the same outlet's article twice, the engine may rank that other copy first, and the
query loses as much as if it had ranked an unrelated article there. This measures it.

Two documents are copies at threshold t when the Jaccard overlap of their word sets
(maximal runs of Unicode word characters of the DOCS field, as written, no analysis)
is at least t. For each t, over the qrels' queries whose first relevant document is
not at rank 1:
  top1       queries whose rank-1 document is a copy of a relevant one
  loss       the MRR@10 those queries lose (1 - their reciprocal rank), over all queries
  MRR@10     the run's MRR@10 if a copy counted as the judged document (a query's
             reciprocal rank is that of its first relevant document or copy)
  first      over the queries whose top 10 holds a relevant document and k >= 1 of
             its copies: how many rank the relevant one above all its copies, and
             how many would by chance (the sum of 1/(k+1)). Close to each other,
             the ranking neither favours nor disfavours the judged copy; the
             count of rank-1 copies alone overstates that (with two copies, the
             judged one is first a third of the time)

RUN and QRELS as bench/eval_metrics.py reads them; DOCS is JSON Lines (.xz read as xz)
with "id" and the field. Only the documents a query judges or ranks in its top 10
are kept in memory. Exit status: 0; 1 an unreadable or malformed file; 2 usage.
"""
import argparse
import json
import lzma
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from eval_metrics import read_qrels, read_run  # noqa: E402

WORD = re.compile(r"\w+")
DEPTH = 10


def words(text):
    return frozenset(WORD.findall(text))


def jaccard(a, b):
    u = len(a | b)
    return len(a & b) / u if u else 0.0


def read_docs(path, field, wanted):
    """{id: word set} of the documents in wanted, from a JSON Lines file."""
    opener = lzma.open if path.endswith(".xz") else open
    out = {}
    with opener(path, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                did = d["id"]
            except (ValueError, KeyError, TypeError):
                raise ValueError("%s:%d: not a JSON object with an \"id\"" % (path, n)) from None
            if did in wanted:
                v = d.get(field)
                out[did] = words(v if isinstance(v, str) else "")
    return out


def measure(run, qrels, docs, thresholds):
    """(strict MRR@10, query count,
    [(t, top1, loss, MRR@10 with copies, first, contested, first by chance)])."""
    queries = {q: {d for d, r in rels.items() if r > 0} for q, rels in qrels.items()}
    queries = {q: rel for q, rel in queries.items() if rel}
    n = len(queries)
    strict = 0.0
    rows = []
    # qid -> ([(rank, max overlap with a relevant document, relevant)] of its top 10,
    #         the rank of its first relevant document or None)
    best = {}
    for q, rel in queries.items():
        ranked = run.get(q, [])[:DEPTH]
        ov = []
        for i, d in enumerate(ranked, 1):
            if d in rel:
                ov.append((i, 1.0, True))
                continue
            w = docs.get(d, frozenset())
            ov.append((i, max((jaccard(w, docs.get(r, frozenset())) for r in rel), default=0.0),
                       False))
        judged = next((i for i, _o, hit in ov if hit), None)
        best[q] = ov, judged
        strict += 1.0 / judged if judged else 0.0
    for t in thresholds:
        top1 = loss = mrr = chance = 0.0
        first = contested = 0
        for ov, judged in best.values():
            rr = 1.0 / judged if judged else 0.0
            rr_copy = next((1.0 / i for i, o, hit in ov if hit or o >= t), 0.0)
            if ov and not ov[0][2] and ov[0][1] >= t:
                top1 += 1
                loss += 1.0 - rr
            mrr += rr_copy
            copies = [i for i, o, hit in ov if not hit and o >= t]
            if judged and copies:
                contested += 1
                first += judged < copies[0]
                chance += 1.0 / (len(copies) + 1)
        rows.append((t, int(top1), loss / n if n else 0.0, mrr / n if n else 0.0, first,
                     contested, chance))
    return (strict / n if n else 0.0), n, rows


def main(argv):
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="See the top of this file for what each column means.")
    ap.add_argument("run")
    ap.add_argument("qrels")
    ap.add_argument("docs", help="JSON Lines documents (.xz read as xz)")
    ap.add_argument("--field", default="text", help="the field compared (default text)")
    ap.add_argument("--thresholds", default="0.5,0.6,0.8",
                    help="Jaccard thresholds, comma-separated, each in (0, 1] (default 0.5,0.6,0.8)")
    a = ap.parse_args(argv)
    try:
        ts = [float(x) for x in a.thresholds.split(",")]
    except ValueError:
        ts = []
    if not ts or any(not 0.0 < t <= 1.0 for t in ts):
        ap.error("--thresholds wants numbers in (0, 1], comma-separated: %r" % a.thresholds)
    try:
        qrels = read_qrels(a.qrels)
        run = read_run(a.run)
        wanted = {d for rels in qrels.values() for d in rels}
        wanted.update(d for q in qrels for d in run.get(q, [])[:DEPTH])
        docs = read_docs(a.docs, a.field, wanted)
    except (OSError, ValueError, EOFError, lzma.LZMAError) as e:
        print("same_story.py: %s" % e, file=sys.stderr)
        return 1
    missing = sorted(wanted - docs.keys())
    if missing:
        print("same_story.py: warning: %d judged or ranked documents are not in %s (first: %s);"
              " they count as sharing no word" % (len(missing), a.docs, missing[0]),
              file=sys.stderr)
    strict, n, rows = measure(run, qrels, docs, ts)
    print("queries %d, MRR@10 %.4f (copies not counted)" % (n, strict))
    print("| Jaccard >= | rank 1 is a copy | MRR@10 loss | MRR@10 counting copies"
          " | judged above its copies | by chance |")
    print("|---:|---:|---:|---:|---:|---:|")
    for t, top1, loss, mrr, first, contested, chance in rows:
        print("| %.2f | %d | %.4f | %.4f | %d of %d | %.1f |"
              % (t, top1, loss, mrr, first, contested, chance))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
