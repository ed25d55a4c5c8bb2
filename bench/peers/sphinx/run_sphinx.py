#!/usr/bin/python3
"""Sphinx 2.2.11 as the peer: index, serve, relevance runs and load runs.

  run_sphinx.py setup                          apt-get install sphinxsearch etc. if missing; build the load driver
  run_sphinx.py index [CORPUS...]              indexer under /usr/bin/time -v (default: news qa)
  run_sphinx.py start | stop | status          searchd on 127.0.0.1:$FAHRAS_SPHINX_PORT (default 9306)
  run_sphinx.py relevance [SET...]             TREC runs + metrics (default: news-dev news-short qa-arcd)
  run_sphinx.py speed [--corpus books] [--sets two-word,headline] [--conns 1,4,16] [--seconds 10]
  run_sphinx.py all [CORPUS...]                index, relevance for the sets of those corpora, stop

Options common to index/relevance/speed: --morph stem_ar|none|libstemmer_ar (default stem_ar;
index name = corpus for stem_ar, corpus_<morph> otherwise).
relevance and speed start searchd when it is not running and stop it again afterwards.
Everything is written under $FAHRAS_BENCH_WORK/sphinx (config, indexes, logs, pid file,
load driver), runs/ (TREC files) and results/ (JSON). See ../README.md.
"""
import argparse
import importlib.util
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
BENCH = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, BENCH)
from lib import corpus, paths, runutil, textutil  # noqa: E402
import eval_metrics  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
HOST = "127.0.0.1"
PORT = int(os.environ.get("FAHRAS_SPHINX_PORT", "9306"))
MEM_LIMIT = os.environ.get("FAHRAS_SPHINX_MEM_LIMIT", "512M")

# Per PEERS.md: Sphinx's default charset drops all Arabic, and 2.2 has no non_cjk alias.
CHARSET_TABLE = ("0..9, A..Z->a..z, a..z, U+0621..U+063A, U+0641..U+064A, "
                 "U+0660..U+0669, U+066E..U+06D3")
IGNORE_CHARS = "U+0640, U+064B..U+0652"   # tatweel, harakat (fathatan .. sukun)

RANKERS = {
    # name: SphinxQL OPTION ranker=...
    "bm25a": "expr('bm25a(1.2,0.75)*1000000')",  # BM25 with length normalization; x1e6 or all weights round to 0
    "bm25": "bm25",                               # k1=1.2, no length normalization; fastest
    "proximity_bm25": "proximity_bm25",           # Sphinx's default
}
MORPHS = ("stem_ar", "none", "libstemmer_ar")


def log(msg):
    print("sphinx: " + msg, file=sys.stderr, flush=True)


def sdir(*p):
    return paths.work_dir("sphinx", *p)


def conf_path():
    return os.path.join(sdir(), "sphinx.conf")


def pid_path():
    return os.path.join(sdir(), "searchd.pid")


def index_name(corp, morph):
    return corp if morph == "stem_ar" else "%s_%s" % (corp, morph)


def index_prefix(name):
    return os.path.join(sdir("idx"), name)


def index_exists(name):
    return os.path.exists(index_prefix(name) + ".sph")


def index_files(name):
    d = sdir("idx")
    return [os.path.join(d, f) for f in os.listdir(d)
            if f.startswith(name + ".") and not f.endswith((".spl", ".tmp"))]


# ---------------------------------------------------------------- setup


def setup():
    need = []
    if not shutil.which("indexer") or not shutil.which("searchd"):
        need.append("sphinxsearch")
    if importlib.util.find_spec("pymysql") is None:
        need.append("python3-pymysql")
    if not shutil.which("pkg-config") or subprocess.call(
            ["pkg-config", "--exists", "libmariadb"], stderr=subprocess.DEVNULL) != 0:
        need += ["libmariadb-dev", "pkg-config"]
    if not shutil.which("cc"):
        need.append("gcc")
    if not os.path.exists("/usr/bin/time"):
        need.append("time")
    if need:
        runutil.apt_install(need)
    return build_driver()


def build_driver():
    out = os.path.join(sdir("bin"), "sphinxql_load")
    src = os.path.join(HERE, "sphinxql_load.c")
    if os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(src):
        return out
    log("building %s" % out)
    subprocess.check_call(["make", "-s", "-C", HERE, "OUT=" + out])
    return out


# ---------------------------------------------------------------- config


def write_conf(builds):
    """sphinx.conf with one source+index per (corpus, morph) in `builds` plus every index
    already on disk (so searchd serves them all). Returns the path."""
    entries = set(builds)
    for corp in corpus.CORPORA:
        for m in MORPHS:
            if index_exists(index_name(corp, m)):
                entries.add((corp, m))
    blocks = []
    for corp, morph in sorted(entries):
        name = index_name(corp, morph)
        tsv, _ids = corpus.tsv_paths(corp)
        blocks.append("""source src_%(name)s
{
    type             = tsvpipe
    tsvpipe_command  = cat %(tsv)s
    tsvpipe_field    = text
}

index %(name)s
{
    source           = src_%(name)s
    path             = %(path)s
    docinfo          = none
    dict             = keywords
    charset_table    = %(charset)s
    ignore_chars     = %(ignore)s
    morphology       = %(morph)s
    min_word_len     = 1
    html_strip       = 0
}
""" % {"name": name, "tsv": tsv, "path": index_prefix(name), "charset": CHARSET_TABLE,
       "ignore": IGNORE_CHARS, "morph": morph})
    conf = """# Written by bench/peers/sphinx/run_sphinx.py -- do not edit, it is regenerated.
%(blocks)s
indexer
{
    mem_limit        = %(mem)s
}

searchd
{
    listen           = %(host)s:%(port)d:mysql41
    log              = %(dir)s/searchd.log
    pid_file         = %(pid)s
    binlog_path      =
    workers          = threads
    max_children     = 64
    listen_backlog   = 64
    read_timeout     = 30
    client_timeout   = 300
    max_packet_size  = 32M
    preopen_indexes  = 1
    seamless_rotate  = 0
    unlink_old       = 1
}
""" % {"blocks": "\n".join(blocks), "mem": MEM_LIMIT, "host": HOST, "port": PORT,
       "dir": sdir(), "pid": pid_path()}
    path = conf_path()
    with open(path + ".tmp", "w") as f:
        f.write(conf)
    os.replace(path + ".tmp", path)
    return path


# ---------------------------------------------------------------- searchd


def searchd_pid():
    try:
        with open(pid_path()) as f:
            pid = int(f.read().strip() or 0)
    except (OSError, ValueError):
        return None
    if pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    try:
        with open("/proc/%d/comm" % pid) as f:
            if "searchd" not in f.read():
                return None
    except OSError:
        return None
    return pid


def port_open():
    try:
        with socket.create_connection((HOST, PORT), timeout=0.5):
            return True
    except OSError:
        return False


def start():
    pid = searchd_pid()
    if pid:
        log("searchd already running (pid %d)" % pid)
        return False
    if port_open():
        sys.exit("port %s:%d is in use by something else; set FAHRAS_SPHINX_PORT" % (HOST, PORT))
    write_conf([])
    subprocess.check_call(["searchd", "--config", conf_path()], stdout=open(
        os.path.join(sdir(), "searchd.stdout"), "w"), stderr=subprocess.STDOUT)
    for _ in range(300):
        if searchd_pid() and port_open():
            log("searchd pid %d on %s:%d" % (searchd_pid(), HOST, PORT))
            return True
        time.sleep(0.1)
    sys.exit("searchd did not come up; see %s/searchd.log and searchd.stdout" % sdir())


def stop():
    pid = searchd_pid()
    if not pid:
        return
    os.kill(pid, signal.SIGTERM)
    for _ in range(300):
        if searchd_pid() is None:
            log("searchd pid %d stopped" % pid)
            return
        time.sleep(0.1)
    log("searchd pid %d did not exit after SIGTERM within 30 s" % pid)


def searchd_mem():
    pid = searchd_pid()
    out = {}
    if pid:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0] + "_mb"] = round(int(line.split()[1]) / 1024.0, 1)
    return out


class Served:
    """Context: searchd running for the block; stopped after it if this block started it."""

    def __enter__(self):
        self.started = start()
        return self

    def __exit__(self, *exc):
        if self.started:
            stop()


def connect():
    import pymysql
    return pymysql.connect(host=HOST, port=PORT, user="", password="", autocommit=True)


# ---------------------------------------------------------------- index


def index(corpora, morph):
    results = []
    for corp in corpora:
        corpus.prepare_tsv(corp)
    conf = write_conf([(c, morph) for c in corpora])
    was_running = searchd_pid() is not None
    stop()  # plain indexes: rebuild offline rather than --rotate
    for corp in corpora:
        name = index_name(corp, morph)
        tsv, ids = corpus.tsv_paths(corp)
        for f in index_files(name):
            os.unlink(f)
        log("indexing %s" % name)
        t = runutil.timed_run(["indexer", "--config", conf, name],
                              os.path.join(sdir(), "indexer-%s.log" % name))
        with open(ids) as f:
            docs = sum(1 for _ in f)
        r = {"peer": "sphinx", "version": sphinx_version(), "corpus": corp, "index": name,
             "morphology": morph, "mem_limit": MEM_LIMIT, "docs": docs,
             "tsv_bytes": os.path.getsize(tsv), "index_bytes": runutil.path_size(*index_files(name)),
             "host": runutil.host_info()}
        r.update(t)
        r["docs_per_s"] = round(docs / r["wall_s"], 1) if r["wall_s"] else None
        r["tsv_mb_per_s"] = round(r["tsv_bytes"] / 1e6 / r["wall_s"], 2) if r["wall_s"] else None
        runutil.write_json(os.path.join(paths.work_dir("results"), "sphinx-index-%s.json" % name), r)
        log("%s: %d docs, %.1f s wall, %.1f s cpu, %.0f MB peak RSS, %.1f MB index" % (
            name, docs, r["wall_s"], r["cpu_s"], r["max_rss_mb"], r["index_bytes"] / 1e6))
        results.append(r)
    if was_running:
        start()
    return results


def sphinx_version():
    p = subprocess.run(["indexer", "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    return p.stdout.splitlines()[0].strip() if p.stdout else "?"


# ---------------------------------------------------------------- queries


def match_expr(words):
    """MATCH() argument for an OR query over sanitized words: '"w1 w2 w3"/1' (quorum 1).
    Words come from textutil.sanitize_query: letters and digits only, so nothing in them
    needs escaping for the query syntax or the SQL string; checked anyway."""
    assert not any(c in words for c in "'\\\"/"), words
    return "'\"%s\"/1'" % words


def select_sql(index_name_, words, ranker, limit, max_matches=None):
    return ("SELECT id, WEIGHT() AS w FROM %s WHERE MATCH(%s) LIMIT %d "
            "OPTION ranker=%s, max_matches=%d" % (index_name_, match_expr(words), limit,
                                                  RANKERS[ranker], max_matches or limit))


def relevance(sets, morph, rankers):
    out = []
    with Served():
        conn = connect()
        cur = conn.cursor()
        for set_name in sets:
            corp, qpath, qrels = corpus.query_set(set_name)
            name = index_name(corp, morph)
            if not index_exists(name):
                sys.exit("index %s missing: run_sphinx.py index %s%s" % (
                    name, corp, "" if morph == "stem_ar" else " --morph " + morph))
            ext = corpus.load_ids(corp)
            queries = corpus.read_queries(qpath)
            for ranker in rankers:
                tag = "sphinx-%s-%s" % (name, ranker)
                results, t0, empty = [], time.monotonic(), 0
                for qid, text in queries:
                    words = textutil.sanitize_query(text)
                    if not words:
                        empty += 1
                        results.append((qid, []))
                        continue
                    cur.execute(select_sql(name, words, ranker, 100))
                    results.append((qid, [(ext[int(r[0])], r[1]) for r in cur.fetchall()]))
                secs = time.monotonic() - t0
                run_path = os.path.join(paths.work_dir("runs"), "%s-%s.trec" % (tag, set_name))
                runutil.write_trec(run_path, results, tag)
                means, _per = eval_metrics.evaluate_files(run_path, qrels)
                r = {"peer": "sphinx", "set": set_name, "index": name, "morphology": morph,
                     "ranker": ranker, "ranker_option": RANKERS[ranker], "run": run_path,
                     "qrels": qrels, "empty_queries": empty, "seconds": round(secs, 2)}
                r.update({k: (round(v, 4) if isinstance(v, float) else v) for k, v in means.items()})
                log("%-10s %-14s %-6s MRR@10 %.4f nDCG@10 %.4f R@10 %.4f R@100 %.4f (%d q, %.1f s)" % (
                    set_name, name, ranker, r["MRR@10"], r["nDCG@10"], r["Recall@10"],
                    r["Recall@100"], r["queries"], secs))
                out.append(r)
        conn.close()
    path = os.path.join(paths.work_dir("results"), "sphinx-relevance-%s.json" % morph)
    old = []
    if os.path.exists(path):
        with open(path) as f:
            old = json.load(f).get("results", [])
    keep = [o for o in old if (o["set"], o["ranker"]) not in {(r["set"], r["ranker"]) for r in out}]
    runutil.write_json(path, {"peer": "sphinx", "morphology": morph, "host": runutil.host_info(),
                              "results": keep + out})
    return out


# ---------------------------------------------------------------- speed


def speed(corp, sets, conns_list, seconds, warmup, ranker, morph, snippets_modes, repeat,
          snippet_opts):
    driver = build_driver()
    name = index_name(corp, morph)
    if not index_exists(name):
        sys.exit("index %s missing: run_sphinx.py index %s" % (name, corp))
    tsv, _ids = corpus.tsv_paths(corp)
    entries = []
    with Served():
        for set_name in sets:
            qsrc = corpus.speed_queries(set_name) if set_name in corpus.SPEED_SETS \
                else corpus.query_set(set_name)[1]
            qfile = os.path.join(sdir(), "load-%s-%s-%s.txt" % (name, set_name, ranker))
            with open(qfile + ".tmp", "w") as f:
                for _qid, text in corpus.read_queries(qsrc):
                    words = textutil.sanitize_query(text)
                    if words:
                        f.write("%s\t%s\n" % (words, select_sql(name, words, ranker, 10)))
            os.replace(qfile + ".tmp", qfile)
            for snip in snippets_modes:
                for conns in conns_list:
                    runs = []
                    for rep in range(repeat):
                        cmd = [driver, "--host", HOST, "--port", str(PORT), "--queries", qfile,
                               "--conns", str(conns), "--seconds", str(seconds),
                               "--warmup", str(warmup)]
                        if snip:
                            cmd += ["--snippets", "--texts", tsv, "--index", name,
                                    "--snippet-opts", snippet_opts]
                        p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
                        if p.returncode != 0:
                            sys.exit("load driver failed: %s" % " ".join(cmd))
                        res = json.loads(p.stdout)
                        res.update(searchd_mem())
                        runs.append(res)
                        log("%s %-9s conns=%-2d snippets=%-5s QPS %8.1f p50 %7.2f p95 %7.2f p99 %7.2f max %7.2f ms%s" % (
                            name, set_name, conns, snip, res["qps"], res["p50_ms"], res["p95_ms"],
                            res["p99_ms"], res["max_ms"],
                            " errors=%d" % res["errors"] if res["errors"] else ""))
                    med = {k: round(statistics.median(r[k] for r in runs), 3)
                           for k in ("qps", "p50_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms")}
                    entries.append({"set": set_name, "conns": conns, "snippets": snip,
                                    "ranker": ranker, "median": med, "runs": runs})
        mem = searchd_mem()
    r = {"peer": "sphinx", "corpus": corp, "index": name, "morphology": morph,
         "ranker_option": RANKERS[ranker], "top_k": 10, "seconds": seconds, "warmup": warmup,
         "snippet_opts": snippet_opts, "searchd_mem_at_end": mem, "host": runutil.host_info(),
         "results": entries}
    path = os.path.join(paths.work_dir("results"), "sphinx-speed-%s-%s.json" % (name, ranker))
    runutil.write_json(path, r)
    log("wrote %s" % path)
    return r


# ---------------------------------------------------------------- main


def main(argv):
    ap = argparse.ArgumentParser(description="Sphinx 2.2.11 peer for the Fahras benchmarks")
    ap.add_argument("cmd", choices=["setup", "index", "start", "stop", "status", "relevance",
                                    "speed", "all"])
    ap.add_argument("args", nargs="*", help="corpora (index, all) or relevance sets")
    ap.add_argument("--morph", default="stem_ar", choices=MORPHS)
    ap.add_argument("--rankers", default="bm25a,bm25", help="relevance rankers (%s)" % ",".join(RANKERS))
    ap.add_argument("--ranker", default="bm25", help="speed ranker")
    ap.add_argument("--corpus", default="books", help="speed corpus")
    ap.add_argument("--sets", default="two-word,headline", help="speed query sets")
    ap.add_argument("--conns", default="1,4,16")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--snippets", default="off,on", help="off, on or off,on")
    ap.add_argument("--snippet-opts", default="200 AS limit",
                    help="CALL SNIPPETS options (limit in characters)")
    a = ap.parse_args(argv)
    corpus.check_peer_args(ap, a, "--conns", a.conns)
    if a.cmd not in ("stop", "status"):  # stopping a daemon needs no data
        paths.require_shared_data()
    corpus.require_peer_sources(a)
    if a.cmd != "status" and a.cmd != "stop":
        setup()
    if a.cmd == "setup":
        return 0
    if a.cmd == "start":
        start()
    elif a.cmd == "stop":
        stop()
    elif a.cmd == "status":
        pid = searchd_pid()
        print("searchd %s" % ("running, pid %d, %s" % (pid, searchd_mem()) if pid else "not running"))
    elif a.cmd == "index":
        index(a.args or ["news", "qa"], a.morph)
    elif a.cmd == "relevance":
        relevance(a.args or list(corpus.DEFAULT_REL_SETS), a.morph, a.rankers.split(","))
    elif a.cmd == "speed":
        speed(a.corpus, a.sets.split(","), [int(c) for c in a.conns.split(",")], a.seconds,
              a.warmup, a.ranker, a.morph, [s == "on" for s in a.snippets.split(",")], a.repeat,
              a.snippet_opts)
    elif a.cmd == "all":
        corpora = a.args or ["news", "qa"]
        index(corpora, a.morph)
        sets = [s for s, v in corpus.REL_SETS.items() if v[0] in corpora]
        if sets:
            relevance(sets, a.morph, a.rankers.split(","))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
