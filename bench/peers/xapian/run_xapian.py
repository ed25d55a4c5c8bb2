#!/usr/bin/python3
"""Xapian 1.4 (Debian python3-xapian) as the second peer: index, relevance runs, in-process speed.

  run_xapian.py index [CORPUS...]        build $FAHRAS_BENCH_WORK/xapian/<corpus> under /usr/bin/time -v
                                         (default: news qa)
  run_xapian.py relevance [SET...]       TREC runs + metrics (default: news-dev news-short qa-arcd)
  run_xapian.py speed [--corpus books] [--sets two-word,headline] [--procs 1] [--seconds 10]
  run_xapian.py all [CORPUS...]          index + relevance for the sets of those corpora

Indexing: TermGenerator with Stem('arabic') (Snowball; default STEM_SOME: stemmed Z-terms
plus unstemmed terms with positions), the `text` field only, Xapian docid = the numeric id of
corpus.py's docs.tsv (so ids.tsv maps it back), no document data stored.
Searching: QueryParser with the same stemmer, STEM_SOME, default op OR, FLAG_DEFAULT, over the
words of textutil.sanitize_query (the same string Sphinx gets); BM25Weight(1.2, 0, 1, 0.75, 0).
Snippets: MSet.snippet(text, --snippet-bytes, the stemmer) for each of the top 10, with the
texts held in memory by the client, as for Sphinx.
Must run under Debian's /usr/bin/python3 (python3-xapian is installed for it).
"""
import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
BENCH = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, BENCH)
from lib import corpus, paths, runutil, textutil  # noqa: E402
import eval_metrics  # noqa: E402

xapian = None  # imported by need_xapian(): --help, a usage error or absent data install nothing


def need_xapian():
    """Import xapian, installing Debian's python3-xapian when it is missing."""
    global xapian
    if xapian is not None:
        return
    try:
        import xapian as x
    except ImportError:
        if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
            sys.exit("run this with /usr/bin/python3 (Debian's python, where python3-xapian "
                     "lives)")
        runutil.apt_install(["python3-xapian"])
        import xapian as x
    xapian = x

BM25 = (1.2, 0.0, 1.0, 0.75, 0.0)   # k1, k2, k3, b, min_normlen


def log(msg):
    print("xapian: " + msg, file=sys.stderr, flush=True)


def db_path(corp):
    return os.path.join(paths.work_dir("xapian"), corp)


def stemmer():
    return xapian.Stem("arabic")


# ---------------------------------------------------------------- index


def build(corp, out):
    """Child process body (timed by /usr/bin/time -v): write the database to out."""
    if os.path.exists(out):
        shutil.rmtree(out)
    db = xapian.WritableDatabase(out, xapian.DB_CREATE_OR_OVERWRITE)
    tg = xapian.TermGenerator()
    tg.set_stemmer(stemmer())
    n = 0
    for numid, text in corpus.iter_tsv(corp):
        doc = xapian.Document()
        tg.set_document(doc)
        tg.index_text(text)
        db.replace_document(numid, doc)
        n += 1
        if n % 100000 == 0:
            log("%s: %d documents" % (corp, n))
    db.commit()
    db.close()


def index(corpora):
    results = []
    for corp in corpora:
        tsv, ids = corpus.prepare_tsv(corp)
        final = db_path(corp)
        tmp = final + ".building"
        log("indexing %s (XAPIAN_FLUSH_THRESHOLD=%s)" % (
            corp, os.environ.get("XAPIAN_FLUSH_THRESHOLD", "default 10000")))
        t = runutil.timed_run([sys.executable, os.path.abspath(__file__), "_build", corp, tmp],
                              os.path.join(paths.work_dir("xapian"), "index-%s.log" % corp))
        if os.path.exists(final):
            shutil.rmtree(final)
        os.replace(tmp, final)
        with open(ids) as f:
            docs = sum(1 for _ in f)
        r = {"peer": "xapian", "version": xapian.version_string(), "corpus": corp,
             "docs": docs, "tsv_bytes": os.path.getsize(tsv),
             "index_bytes": runutil.path_size(final), "host": runutil.host_info(),
             "flush_threshold": os.environ.get("XAPIAN_FLUSH_THRESHOLD", "10000 (default)")}
        r.update(t)
        r["docs_per_s"] = round(docs / r["wall_s"], 1) if r["wall_s"] else None
        runutil.write_json(os.path.join(paths.work_dir("results"), "xapian-index-%s.json" % corp), r)
        log("%s: %d docs, %.1f s wall, %.1f s cpu, %.0f MB peak RSS, %.1f MB index" % (
            corp, docs, r["wall_s"], r["cpu_s"], r["max_rss_mb"], r["index_bytes"] / 1e6))
        results.append(r)
    return results


# ---------------------------------------------------------------- search


class Searcher:
    def __init__(self, corp):
        path = db_path(corp)
        if not os.path.exists(path):
            sys.exit("xapian database %s missing: run_xapian.py index %s" % (path, corp))
        self.db = xapian.Database(path)
        self.stem = stemmer()
        self.qp = xapian.QueryParser()
        self.qp.set_stemmer(self.stem)
        self.qp.set_stemming_strategy(xapian.QueryParser.STEM_SOME)
        self.qp.set_database(self.db)
        self.qp.set_default_op(xapian.Query.OP_OR)
        self.enq = xapian.Enquire(self.db)
        self.enq.set_weighting_scheme(xapian.BM25Weight(*BM25))

    def search(self, words, k):
        self.enq.set_query(self.qp.parse_query(words, xapian.QueryParser.FLAG_DEFAULT))
        return self.enq.get_mset(0, k)


def relevance(sets):
    out = []
    for set_name in sets:
        corp, qpath, qrels = corpus.query_set(set_name)
        s = Searcher(corp)
        ext = corpus.load_ids(corp)
        tag = "xapian-%s-bm25" % corp
        results, empty, t0 = [], 0, time.monotonic()
        for qid, text in corpus.read_queries(qpath):
            words = textutil.sanitize_query(text)
            if not words:
                empty += 1
                results.append((qid, []))
                continue
            mset = s.search(words, 100)
            results.append((qid, [(ext[m.docid], "%.6f" % m.weight) for m in mset]))
        secs = time.monotonic() - t0
        run_path = os.path.join(paths.work_dir("runs"), "%s-%s.trec" % (tag, set_name))
        runutil.write_trec(run_path, results, tag)
        means, _per = eval_metrics.evaluate_files(run_path, qrels)
        r = {"peer": "xapian", "set": set_name, "corpus": corp, "weighting": "BM25Weight%s" % (BM25,),
             "run": run_path, "qrels": qrels, "empty_queries": empty, "seconds": round(secs, 2)}
        r.update({k: (round(v, 4) if isinstance(v, float) else v) for k, v in means.items()})
        log("%-10s MRR@10 %.4f nDCG@10 %.4f R@10 %.4f R@100 %.4f (%d q, %.1f s)" % (
            set_name, r["MRR@10"], r["nDCG@10"], r["Recall@10"], r["Recall@100"], r["queries"], secs))
        out.append(r)
    path = os.path.join(paths.work_dir("results"), "xapian-relevance.json")
    old = []
    if os.path.exists(path):
        with open(path) as f:
            old = json.load(f).get("results", [])
    done = {r["set"] for r in out}
    runutil.write_json(path, {"peer": "xapian", "version": xapian.version_string(),
                              "host": runutil.host_info(),
                              "results": [o for o in old if o["set"] not in done] + out})
    return out


# ---------------------------------------------------------------- speed

_TEXTS = None   # numid -> text, loaded before forking the workers


def load_texts(corp):
    texts = [None]
    for numid, text in corpus.iter_tsv(corp):
        assert numid == len(texts)
        texts.append(text)
    return texts


def _worker(args):
    corp, queries, start, t_measure, t_end, snippets, snippet_bytes = args
    s = Searcher(corp)
    lat, n, rows = [], len(queries), 0
    i = start
    while True:
        t0 = time.monotonic()
        if t0 >= t_end:
            break
        words = queries[i % n]
        i += 1
        mset = s.search(words, 10)
        for m in mset:
            rows += 1
            if snippets:
                mset.snippet(_TEXTS[m.docid], snippet_bytes, s.stem)
        t1 = time.monotonic()
        # counted when it completes inside the window, whenever it started (the rule of
        # fahras-loadgen and sphinxql_load.c too)
        if t_measure <= t1 <= t_end:
            lat.append(int((t1 - t0) * 1e6))
    return lat, rows, i - start


def speed(corp, sets, procs_list, seconds, warmup, snippets_modes, repeat, snippet_bytes):
    global _TEXTS
    if any(snippets_modes):
        log("loading %s texts for snippets" % corp)
        _TEXTS = load_texts(corp)
    Searcher(corp)  # fail early if the database is missing
    entries = []
    for set_name in sets:
        qsrc = corpus.speed_queries(set_name) if set_name in corpus.SPEED_SETS \
            else corpus.query_set(set_name)[1]
        queries = [w for w in (textutil.sanitize_query(t) for _q, t in corpus.read_queries(qsrc)) if w]
        for snip in snippets_modes:
            for procs in procs_list:
                runs = []
                for _rep in range(repeat):
                    t_measure = time.monotonic() + 0.5 + warmup   # 0.5 s to fork and open
                    t_end = t_measure + seconds
                    jobs = [(corp, queries, p * len(queries) // procs, t_measure, t_end, snip,
                             snippet_bytes) for p in range(procs)]
                    if procs == 1:
                        outs = [_worker(jobs[0])]
                    else:
                        with multiprocessing.get_context("fork").Pool(procs) as pool:
                            outs = pool.map(_worker, jobs)
                    lat = [v for o in outs for v in o[0]]
                    total = sum(o[2] for o in outs)
                    res = runutil.latency_summary(lat, seconds)
                    res.update({"procs": procs, "snippets": snip,
                                "rows_per_query": round(sum(o[1] for o in outs) / total, 2) if total else 0})
                    runs.append(res)
                    log("%s %-9s procs=%-2d snippets=%-5s QPS %8.1f p50 %7.2f p95 %7.2f p99 %7.2f max %7.2f ms" % (
                        corp, set_name, procs, snip, res["qps"], res["p50_ms"], res["p95_ms"],
                        res["p99_ms"], res["max_ms"]))
                med = {k: round(statistics.median(r[k] for r in runs), 3)
                       for k in ("qps", "p50_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms")}
                entries.append({"set": set_name, "procs": procs, "snippets": snip, "median": med,
                                "runs": runs})
    r = {"peer": "xapian", "version": xapian.version_string(), "corpus": corp, "top_k": 10,
         "weighting": "BM25Weight%s" % (BM25,), "snippet_bytes": snippet_bytes,
         "seconds": seconds, "warmup": warmup, "host": runutil.host_info(), "results": entries}
    path = os.path.join(paths.work_dir("results"), "xapian-speed-%s.json" % corp)
    runutil.write_json(path, r)
    log("wrote %s" % path)
    return r


def main(argv):
    if argv[:1] == ["_build"]:
        need_xapian()
        build(argv[1], argv[2])
        return 0
    ap = argparse.ArgumentParser(description="Xapian 1.4 peer for the Fahras benchmarks")
    ap.add_argument("cmd", choices=["index", "relevance", "speed", "all"])
    ap.add_argument("args", nargs="*", help="corpora (index, all) or relevance sets")
    ap.add_argument("--corpus", default="books", help="speed corpus")
    ap.add_argument("--sets", default="two-word,headline", help="speed query sets")
    ap.add_argument("--procs", default="1", help="speed: worker processes, e.g. 1,2")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--snippets", default="off,on", help="off, on or off,on")
    ap.add_argument("--snippet-bytes", type=int, default=400,
                    help="MSet.snippet length in bytes (400 B ~ Sphinx's 200-character limit in Arabic)")
    a = ap.parse_args(argv)
    corpus.check_peer_args(ap, a, "--procs", a.procs)
    paths.require_shared_data()
    corpus.require_peer_sources(a)
    need_xapian()
    if a.cmd == "index":
        index(a.args or ["news", "qa"])
    elif a.cmd == "relevance":
        relevance(a.args or list(corpus.DEFAULT_REL_SETS))
    elif a.cmd == "speed":
        speed(a.corpus, a.sets.split(","), [int(p) for p in a.procs.split(",")], a.seconds,
              a.warmup, [s == "on" for s in a.snippets.split(",")], a.repeat, a.snippet_bytes)
    elif a.cmd == "all":
        corpora = a.args or ["news", "qa"]
        index(corpora)
        sets = [s for s, v in corpus.REL_SETS.items() if v[0] in corpora]
        if sets:
            relevance(sets)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
