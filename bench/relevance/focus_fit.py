#!/usr/bin/python3
"""Fit the focus re-rank's model (searchd/engine/focus.c) and evaluate the shipped one.

  focus_fit.py [--build BUILD_DIR] [--work DIR] [--index DIR] [--focus-len N] [--skip-eval]

The training queries are SaudiNewsNet's own titles: every article that is not
a dev qrels document, whose title is non-empty, unique in the corpus and not a
dev query; 6,000 of them (random.seed(7)), query id "snt-" + the digits of the
doc id, split by qid order into a "fit" half (even positions) and a "lambda"
half (odd positions), written under --work (bench/work/focus) as
train-{fit,lambda}-queries.tsv / -qrels.txt. The index is --index, else built
under --work/news with `fahras-indexer build` (tune.py's build_index).

`fh-relevance --focus-dump` gives, for each fit query, one row per distinct
stem of the first --focus-len words of its article; a logistic regression
(Newton / IRLS on standardized features, L2 1e-3, numpy) of "the title uses the
stem" on focus.c's six features is printed as FOCUS_B / FOCUS_C, ready to paste
into focus.c, with the mean log-likelihood per term (and that of focus.c's own
coefficients on the same rows). Then, unless --skip-eval, MRR@10 and Recall@100
of `fh-relevance --focus W` on the lambda half and the dev queries for each W;
the engine uses its compiled-in coefficients, so this evaluates the shipped
model, not the one just fitted. Needs numpy (Debian's python3-numpy, hence
/usr/bin/python3). The data: $FAHRAS_SHARED_DATA, default ../shared/data beside the
repository. Exit status 0 ok, 1 numpy missing or a tool failed, 2 the shared data is absent
(or a usage error).
"""
import argparse
import json
import lzma
import os
import random
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tune import ROOT, SETS, build_index, data, metrics, read_qrels  # noqa: E402
from lib.paths import require_shared_file  # noqa: E402  (tune put bench/ on the path)

try:
    import numpy as np
except ImportError:
    np = None

CORPUS, DEV_QUERIES, DEV_QRELS = (data("news", i) for i in (0, 2, 3))  # in the shared data
N_TRAIN = 6000
SEED = 7
WEIGHTS = [0, 1, 1.5, 2, 2.5, 3]
COMMENTS = ["log(1 + tf)", "log(1 + first)", "first < 10", "first < 30",
            "log(1 + words read)",
            "log(1 + occurrences among the first FH_FOCUS_LEAD words)"]


def train_queries():
    """(qid, title, docid) of the 6,000 training queries, sorted by doc id."""
    dev_docs = {d for ds in read_qrels(DEV_QRELS).values() for d in ds}
    with open(DEV_QUERIES) as f:
        dev_text = {line.rstrip("\n").split("\t", 1)[1] for line in f if "\t" in line}
    docs, count = [], {}
    with lzma.open(CORPUS, "rt") as f:
        for line in f:
            d = json.loads(line)
            title = re.sub(r"[\t\r\n]", " ", d.get("title") or "")
            count[title] = count.get(title, 0) + 1
            docs.append((d["id"], title))
    cand = [(i, t) for i, t in docs if i not in dev_docs and t.strip() and t not in dev_text
            and count[t] == 1]
    random.seed(SEED)
    random.shuffle(cand)
    return sorted(("snt-" + re.sub(r"\D", "", i), t, i) for i, t in cand[:N_TRAIN])


def write_set(work, name, qs):
    qpath = os.path.join(work, "train-%s-queries.tsv" % name)
    rpath = os.path.join(work, "train-%s-qrels.txt" % name)
    with open(qpath, "w") as fq, open(rpath, "w") as fr:
        for qid, title, doc in qs:
            fq.write("%s\t%s\n" % (qid, title))
            fr.write("%s 0 %s 1\n" % (qid, doc))
    return qpath, rpath


def shipped_model():
    """FOCUS_B and FOCUS_C as compiled into the engine (read from focus.c)."""
    with open(os.path.join(ROOT, "searchd", "engine", "focus.c")) as f:
        src = f.read()
    b = float(re.search(r"FOCUS_B = (\S+);", src).group(1))
    arr = re.search(r"FOCUS_C\[6\] = \{(.*?)\};", src, re.S).group(1)
    c = [float(x) for x in re.findall(r"^\s*(-?[\d.]+),", arr, re.M)]
    return b, np.array(c)


def features(rows):
    """The six features of focus.c's focus_z from the dump's (tf, first, lead, words)."""
    tf, first, lead, words = rows.T
    return np.column_stack([np.log1p(tf), np.log1p(first), (first < 10).astype(float),
                            (first < 30).astype(float), np.log1p(words), np.log1p(lead)])


def fit(x, y, l2=1e-3):
    """Logistic regression by Newton / IRLS on standardized features; (B, C) raw."""
    mu, sd = x.mean(0), x.std(0) + 1e-9
    xs = np.column_stack([np.ones(len(y)), (x - mu) / sd])
    w = np.zeros(xs.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-xs @ w))
        g = xs.T @ (y - p) - l2 * w
        h = (xs * (p * (1 - p))[:, None]).T @ xs + l2 * np.eye(len(w))
        step = np.linalg.solve(h, g)
        w += step
        if np.abs(step).max() < 1e-9:
            break
    c = w[1:] / sd
    return w[0] - (c * mu).sum(), c


def loglik(b, c, x, y):
    p = np.clip(1 / (1 + np.exp(-(b + x @ c))), 1e-12, 1 - 1e-12)
    return float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--work", default=os.path.join(ROOT, "bench", "work", "focus"))
    ap.add_argument("--index", help="an existing news index (text field); default: build one")
    ap.add_argument("--focus-len", type=int, default=400, help="words of each article read")
    ap.add_argument("--skip-eval", action="store_true", help="fit only, no --focus runs")
    a = ap.parse_args()
    for i in (0, 2, 3):  # exit 2 naming a file that is absent, as tune.py does
        require_shared_file(SETS["news"][i])
    if np is None:
        print("numpy is missing: apt-get install python3-numpy and run with /usr/bin/python3",
              file=sys.stderr)
        return 1
    driver = os.path.join(a.build, "bench", "relevance", "fh-relevance")
    os.makedirs(os.path.join(a.work, "runs"), exist_ok=True)

    qs = train_queries()
    fit_q, fit_r = write_set(a.work, "fit", qs[::2])
    lam_q, lam_r = write_set(a.work, "lambda", qs[1::2])
    print("training queries: %d (fit %d, lambda %d) in %s" % (len(qs), len(qs[::2]),
                                                              len(qs[1::2]), a.work))
    index = a.index or build_index(os.path.join(a.build, "indexer", "fahras-indexer"),
                                   "news", a.work, "light10")

    dump = os.path.join(a.work, "focus-fit.tsv")
    subprocess.run([driver, "--index", index, "--queries", fit_q, "--qrels", fit_r,
                    "--focus-dump", dump, "--focus-len", str(a.focus_len)], check=True)
    rows = np.loadtxt(dump, delimiter="\t", usecols=(1, 2, 3, 4, 5), ndmin=2)
    y, x = rows[:, 0], features(rows[:, 1:])
    b, c = fit(x, y)
    print("%d terms of %d queries, %.4f of them title words" %
          (len(y), len({line.split("\t", 1)[0] for line in open(dump)}), y.mean()))
    print("\n/* p(t) = 1 / (1 + exp(-(B + sum C_i * x_i))), fitted by focus_fit.py */")
    print("static const double FOCUS_B = %.6f;" % b)
    print("static const double FOCUS_C[6] = {")
    for ci, com in zip(c, COMMENTS):
        print("    %-10s /* %s */" % ("%.6f," % ci, com))
    print("};\n")
    sb, sc = shipped_model()
    print("log-likelihood per term: fitted %.6f, focus.c's %.6f" %
          (loglik(b, c, x, y), loglik(sb, sc, x, y)))
    if a.skip_eval:
        return 0

    print("\nfocus weight sweep: the engine uses focus.c's compiled-in coefficients "
          "(B %.6f), not the ones fitted above" % sb)
    sets = [("lambda", lam_q, read_qrels(lam_r)), ("dev", DEV_QUERIES, read_qrels(DEV_QRELS))]
    best = None
    for w in WEIGHTS:
        out = []
        for name, queries, rel in sets:
            run = os.path.join(a.work, "runs", "%s_focus%s.run" % (name, w))
            subprocess.run([driver, "--index", index, "--queries", queries, "--run", run,
                            "--focus", str(w)], check=True)
            out.append(metrics(run, rel))
        (lm, lr), (dm, dr) = out
        print("focus %-4s lambda MRR@10 %.4f R@100 %.4f   dev MRR@10 %.4f R@100 %.4f" %
              (w, lm, lr, dm, dr), flush=True)
        if best is None or lm > best[0]:
            best = (lm, w, dm)
    print("best focus weight on the lambda half: %s (lambda MRR@10 %.4f, dev %.4f)" %
          (best[1], best[0], best[2]))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (subprocess.CalledProcessError, OSError) as e:
        print("focus_fit.py: %s" % e, file=sys.stderr)
        sys.exit(1)
