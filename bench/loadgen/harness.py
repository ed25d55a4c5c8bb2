#!/usr/bin/python3
"""The bench harness behind bench/run.sh: every measurement, then bench/RESULTS.md.

  harness.py news|qa|qa_tt|books|all [...] [--quick] [--no-peers] [--only STEPS] [--reps N]
             [--seconds S] [--mem-seconds S] [--build-dir DIR]

Steps (--only index,relevance,speed,memory; default all):
  index      Fahras (fahras-indexer build --fields text; title,text for qa_tt) and the peers
             (bench/peers scripts; for qa_tt title + " " + text as their one field) index each
             corpus; wall, CPU, peak RSS (/usr/bin/time -v), index size; median
             and min-max of --index-reps builds.
  relevance  news-dev, news-short (news), qa-arcd (qa) and qa-arcd-tt (qa_tt): Fahras
             through bench/eval.py against fahras-searchd, Sphinx and Xapian through their
             scripts; MRR@10, nDCG@10, Recall@10, Recall@100.
  speed      top-10 with and without snippets, 1/4/16 connections, on books (two-word and
             headline sets) or, when books is not selected, on news (news-short and news-dev);
             Fahras through fahras-loadgen, Sphinx through its SphinxQL driver, Xapian
             in-process. Each point is measured --reps times: median and min-max.
  memory     a fresh fahras-searchd under a sustained 16-connection load with snippets;
             VmRSS sampled from /proc/PID/status every second (start, max, end).

Every fahras-searchd listens on 127.0.0.1, port 0 (--port-file), is recorded in
$WORK/fahras/searchd.pids and stopped by pid (SIGTERM, SIGKILL after 15 s) when its step
ends, on error and on SIGINT/SIGTERM. Results: $WORK/results/fahras-*.json, the whole run in
$WORK/results/harness.json, and the "## Harness results" section of bench/RESULTS.md
(between <!-- harness:begin --> and <!-- harness:end -->; nothing else in the file is touched).
Exit status 0 when every requested step produced its figures; 3 when one failed, was skipped
for lack of inputs (no index), measured error replies, or a requested peer was not measured:
the notes say which, and bench/RESULTS.md is then left as it is (the section goes to
$WORK/results/harness-incomplete.md; an explicit --results-md file is written either way,
with the notes); 2 when the shared data is absent or on bad usage (an unknown corpus or
step); 1 when a program is not built or --render-only finds no earlier results.
"""
import argparse
import datetime
import importlib.util
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)
from lib import corpus, paths, runutil, textutil  # noqa: E402


def _load_eval():
    spec = importlib.util.spec_from_file_location("fahras_eval", os.path.join(BENCH, "eval.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


fh_eval = _load_eval()

RESULTS_MD = os.path.join(BENCH, "RESULTS.md")
BEGIN, END = "<!-- harness:begin -->", "<!-- harness:end -->"
SECTION = "## Harness results"
SPHINX = os.path.join(BENCH, "peers", "sphinx", "run_sphinx.py")
XAPIAN = os.path.join(BENCH, "peers", "xapian", "run_xapian.py")
DEBIAN_PY = "/usr/bin/python3"

REL_SETS = {"news": ["news-dev", "news-short"], "qa": ["qa-arcd"], "qa_tt": ["qa-arcd-tt"],
            "books": []}
# ARCD is measured both ways: text only (qa, as the news set must be) and with the
# paragraph's title (qa_tt: the setup PEERS.md's ARCD figures were measured with). Asking
# for qa gives both.
EXPAND = {"all": ["news", "qa", "qa_tt", "books"], "qa": ["qa", "qa_tt"]}
# speed corpus -> {label: (query file resolver arg, kind)}
SPEED_SETS = {"books": ["two-word", "headline"], "news": ["news-short", "news-dev"]}
SNIPPET_CHARS = 200     # Fahras snippet_len and Sphinx CALL SNIPPETS limit (characters)


def log(msg):
    print("harness: " + msg, file=sys.stderr, flush=True)


class Harness:
    def __init__(self, a):
        self.a = a
        self.work = paths.work_dir()
        self.fdir = paths.work_dir("fahras")
        self.rdir = paths.work_dir("results")
        self.bin = {n: find_program(a.build_dir, n)
                    for n in ("fahras-indexer", "fahras-searchd", "fahras-loadgen")}
        self.pidfile = os.path.join(self.fdir, "searchd.pids")
        self.daemons = {}
        self.commands = []          # (kind, command line) of everything run
        self.out = {"argv": sys.argv[1:], "corpora": a.corpora, "quick": a.quick,
                    "settings": {}, "index": [], "relevance": [], "speed": [], "memory": None,
                    "notes": [], "failed": [], "peers": {}}
        self.sphinx_port = None

    # ------------------------------------------------------------ utilities

    def note(self, msg):
        log("NOTE: " + msg)
        self.out["notes"].append(msg)

    def fail(self, msg):
        """A requested figure is missing or not valid: noted, and the run is incomplete
        (non-zero exit, bench/RESULTS.md left as it is)."""
        self.note(msg)
        self.out["failed"].append(msg)

    def record(self, kind, cmd):
        self.commands.append((kind, shlex.join(str(c) for c in cmd)))

    def call(self, kind, cmd, timeout, env=None, capture=False):
        """Run a child with a timeout; returns (rc, stdout or None)."""
        self.record(kind, cmd)
        log("+ " + " ".join(str(c) for c in cmd))
        try:
            p = subprocess.run([str(c) for c in cmd], timeout=timeout, env=env,
                               stdout=subprocess.PIPE if capture else None, text=True)
        except subprocess.TimeoutExpired:
            self.note("%s timed out after %d s: %s" % (kind, timeout, " ".join(map(str, cmd))))
            return None, None
        return p.returncode, p.stdout

    # ------------------------------------------------------------ fahras-searchd

    def _pids_write(self):
        with open(self.pidfile + ".tmp", "w") as f:
            for pid in self.daemons:
                f.write("%d\n" % pid)
        os.replace(self.pidfile + ".tmp", self.pidfile)

    def start_daemon(self, index_dir, name):
        port_file = os.path.join(self.fdir, "searchd-%s.port" % name)
        if os.path.exists(port_file):
            os.unlink(port_file)
        logf = open(os.path.join(self.fdir, "searchd-%s.log" % name), "w")
        cmd = [self.bin["fahras-searchd"], "--index", index_dir, "--listen", "127.0.0.1:0",
               "--port-file", port_file, "--log-level", "warn"]
        if self.a.searchd_threads:
            cmd += ["--threads", str(self.a.searchd_threads)]
        self.record("fahras-searchd", cmd)
        log("+ " + " ".join(cmd))
        proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT)
        self.daemons[proc.pid] = (proc, logf)
        self._pids_write()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.stop_daemon(proc.pid)
                raise RuntimeError("fahras-searchd exited with %s; see %s" % (
                    proc.returncode, logf.name))
            try:
                with open(port_file) as f:
                    txt = f.read().split()
                if txt and txt[0].isdigit():
                    return proc.pid, int(txt[0])
            except OSError:
                pass
            time.sleep(0.05)
        self.stop_daemon(proc.pid)
        raise RuntimeError("fahras-searchd wrote no port within 60 s")

    def stop_daemon(self, pid):
        proc, logf = self.daemons.pop(pid, (None, None))
        if proc is None:
            return
        if proc.poll() is None:
            os.kill(pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.note("fahras-searchd pid %d ignored SIGTERM for 15 s; killed" % pid)
                os.kill(pid, signal.SIGKILL)
                proc.wait(timeout=15)
        rc = proc.returncode
        if rc not in (0, -signal.SIGTERM):
            self.note("fahras-searchd pid %d %s (log: %s)" % (
                pid, ("was killed by signal %d (%s)" % (-rc, signal.Signals(-rc).name))
                if rc < 0 else "exited with status %d" % rc, logf.name))
        logf.close()
        self._pids_write()

    def stop_all(self):
        for pid in list(self.daemons):
            self.stop_daemon(pid)

    # ------------------------------------------------------------ loadgen

    def check_alive(self, pid, what):
        proc, _logf = self.daemons.get(pid, (None, None))
        if proc is not None and proc.poll() is not None:
            rc = proc.returncode
            how = ("killed by signal %d (%s)" % (-rc, signal.Signals(-rc).name)) if rc < 0 \
                else "exited with status %d" % rc
            raise RuntimeError("fahras-searchd pid %d %s during %s; see %s" % (
                pid, how, what, _logf.name))

    def loadgen(self, port, qfile, template, conns, seconds, warmup, depth=1, watch_pid=None,
                rss_log=None, daemon_pid=None):
        out = os.path.join(self.fdir, "loadgen.json")
        cmd = [self.bin["fahras-loadgen"], "--queries", qfile, "--prefix", template,
               "--conns", conns, "--depth", depth, "--duration", seconds, "--warmup", warmup,
               "--json", out, "--quiet", "127.0.0.1:%d" % port]
        if watch_pid:
            cmd += ["--watch-pid", watch_pid]
        if rss_log:
            cmd += ["--rss-log", rss_log]
        if os.path.exists(out):
            os.unlink(out)
        rc, _ = self.call("fahras-loadgen", cmd, timeout=seconds + warmup + 60)
        if daemon_pid:
            self.check_alive(daemon_pid, "fahras-loadgen %s, %d conns, %s" % (
                os.path.basename(qfile), conns, template))
        if rc is None or not os.path.exists(out):
            raise RuntimeError("fahras-loadgen failed (rc=%s)" % rc)
        with open(out) as f:
            return json.load(f)

    # ------------------------------------------------------------ machine

    def machine(self):
        m = {"nproc": os.cpu_count(), "kernel": platform.release(),
             "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")}
        try:
            with open("/proc/meminfo") as f:
                for line in f:
                    if line.startswith("MemTotal:"):
                        m["mem_gib"] = round(int(line.split()[1]) / 1048576.0, 1)
        except OSError:
            pass
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name"):
                        m["cpu"] = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        try:
            with open("/proc/loadavg") as f:
                m["loadavg_start"] = " ".join(f.read().split()[:3])
        except OSError:
            pass
        try:
            head = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                                  stdout=subprocess.PIPE, text=True, timeout=10).stdout.strip()
            dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--",
                                    "common", "indexer", "searchd"],
                                   stdout=subprocess.PIPE, text=True, timeout=10).stdout.strip()
            m["fahras_commit"] = head + (" (+ uncommitted changes in common/ indexer/ searchd/)"
                                         if dirty else "")
        except (OSError, subprocess.SubprocessError):
            pass
        return m

    # ------------------------------------------------------------ index

    def fahras_index_dir(self, corp):
        return os.path.join(self.fdir, "idx", corp)

    def fahras_input(self, corp):
        return corpus.source_jsonl(corp)

    def index_fahras(self, corp, reps):
        src = self.fahras_input(corp)
        _tsv, ids = corpus.prepare_tsv(corp)
        with open(ids) as f:
            docs = sum(1 for _ in f)
        runs = []
        final = self.fahras_index_dir(corp)
        for rep in range(reps):
            parent = os.path.join(self.fdir, "idx-build")
            shutil.rmtree(parent, ignore_errors=True)
            os.makedirs(parent)
            d = os.path.join(parent, corp)
            fields = ",".join(corpus.CORPORA[corp][2])
            cmd = [self.bin["fahras-indexer"], "build", "--index", d, "--fields", fields, "--quiet"]
            if self.a.indexer_threads:
                cmd += ["--threads", str(self.a.indexer_threads)]
            if self.a.fahras_stemmer:
                cmd += ["--stemmer", self.a.fahras_stemmer]
            cmd.append(src)
            self.record("fahras-indexer", ["/usr/bin/time", "-v"] + cmd)
            log("+ /usr/bin/time -v " + " ".join(cmd))
            t = runutil.timed_run(cmd, os.path.join(self.fdir, "indexer-%s-%d.log" % (corp, rep)))
            t["index_bytes"] = runutil.path_size(d)
            runs.append(t)
            log("fahras %s build %d/%d: %.1f s wall, %.1f s CPU, %.0f MB RSS, %.1f MB index" % (
                corp, rep + 1, reps, t["wall_s"], t["cpu_s"], t.get("max_rss_mb", 0),
                t["index_bytes"] / 1e6))
            if rep == reps - 1:
                shutil.rmtree(final, ignore_errors=True)
                os.makedirs(os.path.dirname(final), exist_ok=True)
                os.replace(d, final)
                # an index published with a symlink keeps its versions beside it
                for extra in os.listdir(parent):
                    os.replace(os.path.join(parent, extra),
                               os.path.join(os.path.dirname(final), extra))
        e = summarize_index("fahras", corp, docs, runs)
        runutil.write_json(os.path.join(self.rdir, "fahras-index-%s.json" % corp), e)
        return e

    def index_peer(self, peer, script, corp, reps, timeout, env=None):
        """reps builds of corp by a peer's script (which writes results/PEER-index-CORP.json)."""
        runs = []
        for rep in range(reps):
            rc, _ = self.call(peer, [DEBIAN_PY, script, "index", corp], timeout=timeout, env=env)
            path = os.path.join(self.rdir, "%s-index-%s.json" % (peer, corp))
            if rc != 0 or not os.path.exists(path):
                self.fail("%s indexing of %s failed (rc=%s)" % (peer.capitalize(), corp, rc))
                return None
            with open(path) as f:
                runs.append(json.load(f))
        return summarize_index(peer, corp, runs[0]["docs"], runs, version=runs[0].get("version"))

    def index_sphinx(self, corp, reps):
        return self.index_peer("sphinx", SPHINX, corp, reps, 3600, env=self.sphinx_env())

    def index_xapian(self, corp, reps):
        if reps <= 0:
            # --xapian-books-reps 0: keep the Xapian index already in the work dir
            # (its speed is still measured); no indexing figure for it in this run.
            self.note("Xapian %s index reused from an earlier run, not re-measured" % corp)
            return None
        return self.index_peer("xapian", XAPIAN, corp, reps, 7200)

    def step_index(self):
        for corp in self.a.corpora:
            reps = self.a.index_reps
            self.out["index"].append(self.index_fahras(corp, reps))
            if self.peer_ok("sphinx"):
                e = self.index_sphinx(corp, reps)
                if e:
                    self.out["index"].append(e)
            if self.peer_ok("xapian"):
                # Xapian takes ~10 min on books (PEERS.md): one build there unless asked.
                xr = reps if corp != "books" or self.a.xapian_books_reps is None \
                    else self.a.xapian_books_reps
                e = self.index_xapian(corp, xr)
                if e:
                    self.out["index"].append(e)

    # ------------------------------------------------------------ relevance

    def step_relevance(self):
        failed = []
        for corp in self.a.corpora:
            sets = REL_SETS[corp]
            if not sets:
                continue
            idx = self.fahras_index_dir(corp)
            if not os.path.isdir(idx):
                self.fail("no Fahras index of %s (run the index step): relevance skipped" % corp)
                continue
            pid, port = self.start_daemon(idx, "rel-" + corp)
            try:
                for s in sets:
                    _c, qpath, qrels = corpus.query_set(s)
                    run = os.path.join(paths.work_dir("runs"), "fahras-%s.trec" % s)
                    self.record("eval.py", [DEBIAN_PY, os.path.join(BENCH, "eval.py"),
                                            "127.0.0.1:%d" % port, "--queries", qpath,
                                            "--qrels", qrels, "--run", run])
                    log("fahras relevance %s" % s)
                    r = fh_eval.evaluate("127.0.0.1", port, qpath, qrels, run)
                    r.update({"system": "fahras", "set": s})
                    log("fahras %-10s MRR@10 %.4f nDCG@10 %.4f R@10 %.4f R@100 %.4f "
                        "(error replies %d, empty queries %d)" % (
                            s, r["MRR@10"], r["nDCG@10"], r["Recall@10"], r["Recall@100"],
                            r.get("errors", 0), r.get("empty", 0)))
                    self.out["relevance"].append(r)
                    if r.get("errors"):
                        # an error reply scores as an empty ranking: the figures of this set
                        # are not the engine's; the row stays (with its count), the step fails
                        codes = ", ".join("%s %d" % kv for kv in
                                          sorted((r.get("error_codes") or {}).items()))
                        failed.append("%s: %d of %d queries got an error reply from "
                                      "fahras-searchd (%s), scored as empty rankings" % (
                                          s, r["errors"], r.get("queries_sent", 0), codes))
            finally:
                self.stop_daemon(pid)
            runutil.write_json(os.path.join(self.rdir, "fahras-relevance-%s.json" % corp),
                               [r for r in self.out["relevance"] if r["set"] in sets])
            if self.peer_ok("sphinx"):
                rc, _ = self.call("sphinx", [DEBIAN_PY, SPHINX, "relevance"] + sets, timeout=3600,
                                  env=self.sphinx_env())
                p = os.path.join(self.rdir, "sphinx-relevance-stem_ar.json")
                if rc == 0 and os.path.exists(p):
                    with open(p) as f:
                        for r in json.load(f)["results"]:
                            if r["set"] in sets:
                                r["system"] = "sphinx (%s)" % r.get("ranker", "?")
                                self.out["relevance"].append(r)
                else:
                    self.fail("Sphinx relevance on %s failed (rc=%s)" % (corp, rc))
            if self.peer_ok("xapian"):
                rc, _ = self.call("xapian", [DEBIAN_PY, XAPIAN, "relevance"] + sets, timeout=3600)
                p = os.path.join(self.rdir, "xapian-relevance.json")
                if rc == 0 and os.path.exists(p):
                    with open(p) as f:
                        for r in json.load(f)["results"]:
                            if r["set"] in sets:
                                r["system"] = "xapian"
                                self.out["relevance"].append(r)
                else:
                    self.fail("Xapian relevance on %s failed (rc=%s)" % (corp, rc))
        if failed:
            raise RuntimeError("Fahras relevance figures are not valid: " + "; ".join(failed))

    # ------------------------------------------------------------ speed

    def speed_corpus(self):
        return "books" if "books" in self.a.corpora else "news"

    def speed_query_file(self, set_name):
        """Sanitized query file for the loadgen: the words textutil.sanitize_query keeps,
        which is the string both peers receive."""
        src = corpus.speed_queries(set_name) if set_name in corpus.SPEED_SETS \
            else corpus.query_set(set_name)[1]
        out = os.path.join(self.fdir, "load-%s.tsv" % set_name)
        with open(out + ".tmp", "w", encoding="utf-8") as f:
            for qid, text in corpus.read_queries(src):
                w = textutil.sanitize_query(text)
                if w:
                    f.write("%s\t%s\n" % (qid, w))
        os.replace(out + ".tmp", out)
        return out

    def step_speed(self):
        corp = self.speed_corpus()
        if corp not in self.a.corpora:
            self.note("speed and memory are measured on books or news, neither of which is "
                      "in this run")
            return
        sets = SPEED_SETS[corp]
        idx = self.fahras_index_dir(corp)
        if not os.path.isdir(idx):
            self.fail("no Fahras index of %s (run the index step): speed skipped" % corp)
            return
        a = self.a
        conns = a.conns
        entries = []
        try:
            self.speed_fahras(corp, sets, idx, entries)
        except RuntimeError as e:
            self.fail("Fahras speed run stopped: %s" % e)
        res = {"system": "fahras", "corpus": corp, "results": entries, "template_snippets":
               "SEARCH limit=10 snippets=1 snippet_len=%d {q}" % SNIPPET_CHARS,
               "seconds": a.seconds, "warmup": a.warmup, "reps": a.reps}
        runutil.write_json(os.path.join(self.rdir, "fahras-speed-%s.json" % corp), res)
        self.out["speed"].extend(entries)
        self.speed_peers(corp, sets, conns)
        for e in self.out["speed"]:
            if e["errors"]:
                self.note("%s %s, snippets %s, %d %s: %d errors over %d repeat(s); QPS counts "
                          "the successful replies only" % (
                              e["system"], e["set"], "on" if e["snippets"] else "off",
                              e["conns"], "processes" if e["system"] == "xapian" else "conns",
                              e["errors"], e["reps"]))

    def speed_fahras(self, corp, sets, idx, entries):
        a = self.a
        conns = a.conns
        pid, port = self.start_daemon(idx, "speed-" + corp)
        try:
            for s in sets:
                qfile = self.speed_query_file(s)
                for snip in (False, True):
                    tmpl = "SEARCH limit=10 snippets=%d %s{q}" % (
                        int(snip), ("snippet_len=%d " % SNIPPET_CHARS) if snip else "")
                    for c in conns:
                        runs = []
                        for rep in range(a.reps):
                            r = self.loadgen(port, qfile, tmpl, c, a.seconds, a.warmup,
                                             daemon_pid=pid)
                            runs.append(r)
                            log("fahras %s %-10s snippets=%d conns=%-2d QPS %8.1f p50 %7.3f "
                                "p99 %7.3f ms errors %d" % (corp, s, snip, c, ok_qps(r),
                                                            r["p50_ms"], r["p99_ms"], r["errors"]))
                        entries.append(speed_entry("fahras", s, snip, c, runs))
        finally:
            self.stop_daemon(pid)

    def speed_peers(self, corp, sets, conns):
        a = self.a
        common = ["--corpus", corp, "--sets", ",".join(sets), "--seconds", str(a.seconds),
                  "--warmup", str(a.warmup), "--repeat", str(a.reps), "--snippets", "off,on"]
        if self.peer_ok("sphinx"):
            rc, _ = self.call("sphinx", [DEBIAN_PY, SPHINX, "speed", "--conns",
                                         ",".join(map(str, conns))] + common,
                              timeout=7200, env=self.sphinx_env())
            p = os.path.join(self.rdir, "sphinx-speed-%s-bm25.json" % corp)
            if rc == 0 and os.path.exists(p):
                with open(p) as f:
                    for e in json.load(f)["results"]:
                        self.out["speed"].append(peer_speed_entry("sphinx", e, e["conns"]))
            else:
                self.fail("Sphinx speed run failed (rc=%s)" % rc)
        if self.peer_ok("xapian"):
            procs = sorted({1, os.cpu_count() or 1})
            rc, _ = self.call("xapian", [DEBIAN_PY, XAPIAN, "speed", "--procs",
                                         ",".join(map(str, procs))] + common, timeout=7200)
            p = os.path.join(self.rdir, "xapian-speed-%s.json" % corp)
            if rc == 0 and os.path.exists(p):
                with open(p) as f:
                    for e in json.load(f)["results"]:
                        self.out["speed"].append(peer_speed_entry("xapian", e, e["procs"]))
            else:
                self.fail("Xapian speed run failed (rc=%s)" % rc)

    # ------------------------------------------------------------ memory

    def step_memory(self):
        corp = self.speed_corpus()
        idx = self.fahras_index_dir(corp)
        if corp not in self.a.corpora:
            if "speed" not in self.a.only:
                self.note("memory is measured on books or news, neither of which is in this run")
            return
        if not os.path.isdir(idx):
            self.fail("no Fahras index of %s (run the index step): memory skipped" % corp)
            return
        s = SPEED_SETS[corp][0]
        qfile = self.speed_query_file(s)
        pid, port = self.start_daemon(idx, "memory-" + corp)
        rss_log = os.path.join(self.fdir, "memory-rss.txt")
        try:
            time.sleep(0.5)
            start_kb = read_rss_kb(pid)
            conns = max(self.a.conns)
            r = self.loadgen(port, qfile, "SEARCH limit=10 snippets=1 snippet_len=%d {q}"
                             % SNIPPET_CHARS, conns, self.a.mem_seconds, 0, watch_pid=pid,
                             rss_log=rss_log, daemon_pid=pid)
        finally:
            self.stop_daemon(pid)
        rss = r.get("rss", {})
        series = []
        with open(rss_log) as f:
            for line in f:
                t, kb = line.split()
                series.append((float(t), int(kb)))
        # drift: RSS over the last quarter of the run against the second quarter
        q = len(series) // 4
        drift = None
        if q >= 1:
            mid = statistics.median(kb for _t, kb in series[q:2 * q])
            last = statistics.median(kb for _t, kb in series[-q:])
            drift = round((last - mid) / 1024.0, 1)
        self.out["memory"] = {"corpus": corp, "set": s, "conns": conns,
                              "seconds": self.a.mem_seconds, "idle_kb": start_kb,
                              "start_kb": rss.get("start_kb"), "max_kb": rss.get("max_kb"),
                              "end_kb": rss.get("end_kb"), "hwm_kb": rss.get("hwm_end_kb"),
                              "samples": rss.get("samples"), "drift_mb": drift,
                              "qps": ok_qps(r), "errors": r["errors"], "rss_log": rss_log}
        log("memory: RSS start %.1f MB, max %.1f MB, end %.1f MB over %d s (%.0f QPS)" % (
            (rss.get("start_kb") or 0) / 1024.0, (rss.get("max_kb") or 0) / 1024.0,
            (rss.get("end_kb") or 0) / 1024.0, self.a.mem_seconds, ok_qps(r)))
        if r["errors"]:
            self.note("memory run: %d errors; its QPS counts the successful replies only"
                      % r["errors"])

    # ------------------------------------------------------------ peers

    def peer_ok(self, name):
        st = self.out["peers"].get(name)
        return st is not None and st.get("ok")

    def sphinx_env(self):
        env = dict(os.environ)
        env["FAHRAS_SPHINX_PORT"] = str(self.sphinx_port)
        return env

    def setup_peers(self):
        if self.a.no_peers:
            self.out["peers"] = {"sphinx": {"ok": False, "why": "--no-peers"},
                                 "xapian": {"ok": False, "why": "--no-peers"}}
            return
        if os.path.exists(SPHINX):
            self.sphinx_port = free_port()
            rc, _ = self.call("sphinx", [DEBIAN_PY, SPHINX, "setup"], timeout=1800,
                              env=self.sphinx_env())
            self.out["peers"]["sphinx"] = {"ok": rc == 0, "why": "" if rc == 0 else
                                           "run_sphinx.py setup failed (rc=%s)" % rc}
        else:
            self.out["peers"]["sphinx"] = {"ok": False, "why": "%s not found" % SPHINX}
        if os.path.exists(XAPIAN):
            rc = subprocess.call([DEBIAN_PY, "-c", "import xapian"], stderr=subprocess.DEVNULL)
            if rc != 0:
                runutil.apt_install(["python3-xapian"])
                rc = subprocess.call([DEBIAN_PY, "-c", "import xapian"])
            self.out["peers"]["xapian"] = {"ok": rc == 0, "why": "" if rc == 0 else
                                           "python3-xapian not importable"}
        else:
            self.out["peers"]["xapian"] = {"ok": False, "why": "%s not found" % XAPIAN}
        for name, st in self.out["peers"].items():
            if not st["ok"]:
                self.fail("%s not measured: %s" % (name, st["why"]))

    # ------------------------------------------------------------ main

    def run(self):
        a = self.a
        self.out["machine"] = self.machine()
        self.out["settings"] = {"index_reps": a.index_reps, "reps": a.reps, "seconds": a.seconds,
                                "warmup": a.warmup, "conns": a.conns,
                                "mem_seconds": a.mem_seconds, "steps": a.only,
                                "snippet_chars": SNIPPET_CHARS}
        for n, p in self.bin.items():
            if not os.access(p, os.X_OK):
                sys.exit("%s not found at %s (build first, or pass --build-dir)" % (n, p))
        log("preparing corpora and query sets: %s" % " ".join(a.corpora))
        self.record("corpus", [DEBIAN_PY, os.path.join(BENCH, "lib", "corpus.py"), "prepare"]
                    + a.corpora)
        for c in a.corpora:
            corpus.prepare_tsv(c)
        corpus.prepare_queries(a.corpora)
        self.setup_peers()
        steps = [("index", self.step_index), ("relevance", self.step_relevance),
                 ("speed", self.step_speed), ("memory", self.step_memory)]
        for name, fn in steps:
            if name not in a.only:
                continue
            log("=== %s ===" % name)
            t0 = time.monotonic()
            try:
                fn()
            except (RuntimeError, OSError, ValueError, KeyError, fh_eval.EvalError) as e:
                self.fail("step %s failed: %s" % (name, e))
            finally:
                self.stop_all()
            log("=== %s done in %.0f s ===" % (name, time.monotonic() - t0))
        self.out["commands"] = self.commands
        runutil.write_json(os.path.join(self.rdir, "harness.json"), self.out)
        return publish(self.out, self.commands, a.results_md)


# ---------------------------------------------------------------- summaries


def med_spread(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "n": len(vals)}


def summarize_index(system, corp, docs, runs, version=None):
    e = {"system": system, "corpus": corp, "docs": docs, "reps": len(runs), "version": version}
    for k in ("wall_s", "cpu_s", "max_rss_mb", "index_bytes"):
        e[k] = med_spread([r.get(k) for r in runs])
    e["docs_per_s"] = round(docs / e["wall_s"]["median"], 1) if e["wall_s"] else None
    e["runs"] = runs
    return e


def ok_qps(r):
    """Successful replies per second of a fahras-loadgen result (its `qps` counts error
    replies too; the Sphinx driver's and Xapian's count successful requests only)."""
    return r["ok_qps"] if r.get("ok_qps") is not None else r.get("qps")


def speed_entry(system, set_name, snip, conns, runs):
    # errors: fahras-loadgen's whole-run count (warmup included), the stricter one
    e = {"system": system, "set": set_name, "snippets": bool(snip), "conns": conns,
         "reps": len(runs), "errors": sum(r.get("errors", 0) for r in runs)}
    e["qps"] = med_spread([ok_qps(r) for r in runs])
    for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms"):
        e[k] = med_spread([r.get(k) for r in runs])
    e["runs"] = runs
    return e


def peer_speed_entry(system, e, conns):
    runs = e.get("runs") or []
    out = {"system": system, "set": e["set"], "snippets": bool(e["snippets"]), "conns": conns,
           "reps": len(runs), "errors": sum(r.get("errors", 0) or 0 for r in runs)}
    for k in ("qps", "p50_ms", "p95_ms", "p99_ms", "max_ms"):
        out[k] = med_spread([r.get(k) for r in runs]) if runs else \
            {"median": e["median"][k], "min": None, "max": None, "n": 1}
    if system == "xapian":
        out["procs"] = conns
    return out


def find_program(build_dir, name):
    """The built program `name` under build_dir (its usual subdirectory first)."""
    usual = {"fahras-indexer": "indexer", "fahras-searchd": "searchd",
             "fahras-loadgen": os.path.join("bench", "loadgen")}
    p = os.path.join(build_dir, usual[name], name)
    if os.access(p, os.X_OK):
        return p
    for root, dirs, files in os.walk(build_dir):
        dirs[:] = [d for d in dirs if d != "CMakeFiles"]
        if name in files and os.access(os.path.join(root, name), os.X_OK):
            return os.path.join(root, name)
    return p


def read_rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- report


def fnum(v, nd=1):
    if v is None:
        return "–"
    if isinstance(v, float) and nd == 0:
        return "{:,.0f}".format(v)
    return ("{:,.%df}" % nd).format(v)


def fms(ms_, nd=1):
    """median (min–max) of a med_spread dict."""
    if not ms_:
        return "–"
    m = fnum(ms_["median"], nd)
    if ms_.get("min") is None or ms_["n"] < 2:
        return m
    return "%s (%s–%s)" % (m, fnum(ms_["min"], nd), fnum(ms_["max"], nd))


def ratio(a, b, nd=2):
    if a is None or b in (None, 0):
        return "–"
    return ("%." + str(nd) + "f×") % (a / b)


def spread_pct(ms_):
    """(max−min)/median in %, or None without two repeats to compare."""
    if not ms_ or ms_.get("min") is None or ms_.get("n", 0) < 2 or not ms_["median"]:
        return None
    return 100.0 * (ms_["max"] - ms_["min"]) / ms_["median"]


def render(out, commands):
    L = []
    # the command as typed (every option: a figure must say how it was made)
    cmdline = "bench/run.sh " + (shlex.join(out["argv"]) if out.get("argv") else "%s%s" % (
        " ".join(out["corpora"]), " --quick" if out["quick"] else ""))
    m = out["machine"]
    L.append(SECTION)
    L.append(BEGIN)
    L.append("")
    L.append("Written by `%s` (bench/loadgen/harness.py) on %s. Medians of "
             "repeated runs, with min–max in parentheses; ratios are Fahras ÷ peer (above 1 "
             "means Fahras is ahead for throughput and quality, behind for time, memory and "
             "size)." % (cmdline, m.get("date", "?")))
    L.append("")
    L.append("Machine: %s CPUs (nproc), %s GiB RAM, %s, Linux %s; load average at start %s. "
             "Fahras %s." % (m.get("nproc"), m.get("mem_gib"), m.get("cpu", "?"), m.get("kernel"),
                             m.get("loadavg_start", "?"), m.get("fahras_commit", "?")))
    st = out["settings"]
    L.append("Settings: %d build(s) per index; speed points %d × %g s after %.1f s warmup; "
             "connections %s; snippets %d characters; memory run %d s."
             % (st["index_reps"], st["reps"], st["seconds"], st["warmup"],
                "/".join(map(str, st["conns"])), st["snippet_chars"], st["mem_seconds"]))
    peers = out.get("peers", {})
    missing = ["%s (%s)" % (n, p["why"]) for n, p in peers.items() if not p.get("ok")]
    if missing:
        L.append("")
        L.append("**Not measured in this run:** " + "; ".join(missing) + ".")
    if out.get("failed"):
        L.append("")
        L.append("**Incomplete run** (exit status %d): %s." % (EXIT_INCOMPLETE,
                                                              "; ".join(out["failed"])))
    L.append("")

    # indexing
    if out["index"]:
        L.append("### Indexing")
        L.append("")
        L.append("| corpus | system | docs | wall s | CPU s | peak RSS MB | index MB | docs/s "
                 "| Fahras docs/s ÷ peer | Fahras index ÷ peer |")
        L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        fah = {e["corpus"]: e for e in out["index"] if e["system"] == "fahras"}
        for e in out["index"]:
            f = fah.get(e["corpus"])
            size = {k: (v / 1e6 if v is not None else None) for k, v in e["index_bytes"].items()} \
                if e["index_bytes"] else None
            r1 = r2 = ""
            if e["system"] != "fahras" and f:
                r1 = ratio(f["docs_per_s"], e["docs_per_s"])
                r2 = ratio(f["index_bytes"]["median"] if f["index_bytes"] else None,
                           e["index_bytes"]["median"] if e["index_bytes"] else None)
            L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                e["corpus"], e["system"], "{:,}".format(e["docs"]), fms(e["wall_s"], 2),
                fms(e["cpu_s"], 1), fms(e["max_rss_mb"], 0), fms(size, 1),
                fnum(e["docs_per_s"], 0), r1, r2))
        L.append("")
        L.append("Index MB is the whole index directory. Fahras's holds the stored documents "
                 "(compressed; snippets and GET read them), Sphinx's and Xapian's hold none "
                 "(their clients keep the texts), so the size ratio overstates Fahras's "
                 "postings; the Indexing section of this file breaks the size down.")
        L.append("")

    # relevance
    if out["relevance"]:
        L.append("### Relevance")
        L.append("")
        L.append("Every system gets the same query string: the words of the query "
                 "(bench/lib/textutil.sanitize_query). Top 100 per query.")
        if any(r["set"] == "qa-arcd-tt" for r in out["relevance"]):
            L.append("")
            L.append("qa-arcd indexes the ARCD paragraphs' text only; qa-arcd-tt adds each "
                     "paragraph's title (the Wikipedia article's name): Fahras as its title "
                     "field, Sphinx and Xapian as title + \" \" + text in their one field, the "
                     "setup PEERS.md's ARCD figures were measured with.")
        L.append("")
        L.append("| set | system | queries | empty | errors | MRR@10 | nDCG@10 | Recall@10 "
                 "| Recall@100 | Fahras MRR@10 ÷ system |")
        L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        fah = {r["set"]: r for r in out["relevance"] if r["system"] == "fahras"}
        bad = []
        for r in out["relevance"]:
            f = fah.get(r["set"])
            empty = r.get("empty", r.get("empty_queries"))
            errors = r.get("errors")
            if errors:
                bad.append("%s %s: %d" % (r["set"], r["system"], errors))
            L.append("| %s | %s | %s | %s | %s | %.4f | %.4f | %.4f | %.4f | %s |" % (
                r["set"], r["system"], r.get("queries"), "–" if empty is None else empty,
                "–" if errors is None else ("**%d**" % errors if errors else "0"),
                r["MRR@10"], r["nDCG@10"], r["Recall@10"], r["Recall@100"],
                ratio(f["MRR@10"], r["MRR@10"]) if f and r["system"] != "fahras" else ""))
        L.append("")
        L.append("empty: queries with no word left after sanitizing (scored 0). errors: error "
                 "replies from fahras-searchd (scored as empty rankings; '–' for the peers, "
                 "whose scripts stop on an error).")
        L.append("")
        if bad:
            L.append("**Not valid: error replies** (%s). Those queries scored 0, so these "
                     "figures understate the engine; the relevance step failed." % "; ".join(bad))
            L.append("")

    # speed
    if out["speed"]:
        corp = "books" if "books" in out["corpora"] else "news"
        L.append("### Query speed (%s, top 10)" % corp)
        L.append("")
        L.append("Closed loop: each connection sends its next query when the previous reply "
                 "arrives (Fahras: fahras-loadgen, depth 1; Sphinx: SphinxQL driver, one thread "
                 "per connection, bm25 ranker, snippets = SELECT + CALL SNIPPETS; Xapian: "
                 "in-process, 'conns' = worker processes). All three count a request when "
                 "its reply completes inside the measured window, whenever it was sent. "
                 "QPS counts successful replies only "
                 "(fahras-loadgen's ok_qps); errors are every error of the repeats, warmup "
                 "included. QPS and latency are medians of the repeats with min–max.")
        L.append("")
        if any(e["system"] == "xapian" for e in out["speed"]):
            L.append("Xapian at 1 process is compared with Fahras at 1 connection; at %s "
                     "processes (its best on this machine) its QPS is compared with Fahras's "
                     "best QPS over the connection counts." % (out["machine"].get("nproc") or "n"))
            L.append("")
        L.append("| set | snippets | conns | system | QPS | p50 ms | p99 ms | errors "
                 "| Fahras QPS ÷ system | system p99 ÷ Fahras p99 |")
        L.append("|---|---|---:|---|---:|---:|---:|---:|---:|---:|")
        fah = {(e["set"], e["snippets"], e["conns"]): e for e in out["speed"]
               if e["system"] == "fahras"}
        fmax = {}
        for e in out["speed"]:
            if e["system"] == "fahras":
                k = (e["set"], e["snippets"])
                if k not in fmax or e["qps"]["median"] > fmax[k]["qps"]["median"]:
                    fmax[k] = e
        order = sorted(out["speed"], key=lambda e: (e["set"], e["snippets"], e["conns"],
                                                    e["system"]))
        for e in order:
            f = fah.get((e["set"], e["snippets"], e["conns"]))
            best = False
            if e["system"] == "xapian" and e["conns"] > 1:
                # several in-process workers: its best throughput on this machine, against
                # Fahras's best over the connection counts (latencies are not comparable)
                f, best = fmax.get((e["set"], e["snippets"])), True
            r1 = r2 = ""
            if e["system"] != "fahras" and f:
                r1 = ratio(f["qps"]["median"], e["qps"]["median"])
                if best:
                    r1 += " (Fahras best, %d conns)" % f["conns"]
                else:
                    r2 = ratio(e["p99_ms"]["median"], f["p99_ms"]["median"])
            L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                e["set"], "on" if e["snippets"] else "off",
                e["conns"] if e["system"] != "xapian" else "%d proc" % e["conns"], e["system"],
                fms(e["qps"], 0), fms(e["p50_ms"], 2), fms(e["p99_ms"], 2), e["errors"], r1, r2))
        L.append("")
        errs = [e for e in out["speed"] if e["errors"]]
        if errs:
            L.append("**Errors in %d of %d speed points** (%d in all; see the notes): their "
                     "QPS counts the successful replies only (and Fahras's latencies include the "
                     "error replies)." % (len(errs), len(out["speed"]),
                                         sum(e["errors"] for e in errs)))
            L.append("")
        noisy = [(e, spread_pct(e["qps"])) for e in out["speed"]]
        noisy = [(e, p) for e, p in noisy if p is not None]
        if noisy:
            worst = max(noisy, key=lambda x: x[1])
            L.append("Noise: the QPS spread (max−min)/median over the repeats is %.0f %% at "
                     "the median point and %.0f %% at worst (%s %s, snippets %s, %s conns)." % (
                         statistics.median(p for _e, p in noisy), worst[1], worst[0]["system"],
                         worst[0]["set"], "on" if worst[0]["snippets"] else "off",
                         worst[0]["conns"]))
            L.append("")

    mem = out.get("memory")
    if mem:
        L.append("### Memory (fahras-searchd)")
        L.append("")
        kb = lambda v: "–" if v is None or v < 0 else "%.1f MB" % (v / 1024.0)
        L.append("Fresh daemon on the %s index, %d connections with snippets (%s queries) for "
                 "%d s at %.0f QPS (%d errors); VmRSS sampled every second (%s samples): "
                 "idle %s, start %s, max %s, end %s, VmHWM %s; RSS drift from the second to the "
                 "last quarter of the run: %s MB. The index is memory-mapped, so its pages count "
                 "in RSS as they are touched." % (
                     mem["corpus"], mem["conns"], mem["set"], mem["seconds"], mem["qps"],
                     mem["errors"], mem["samples"], kb(mem["idle_kb"]), kb(mem["start_kb"]),
                     kb(mem["max_kb"]), kb(mem["end_kb"]), kb(mem["hwm_kb"]),
                     "–" if mem["drift_mb"] is None else "%+.1f" % mem["drift_mb"]))
        L.append("")

    if out["notes"]:
        L.append("### Notes from this run")
        L.append("")
        for n in out["notes"]:
            L.append("- " + n)
        L.append("")

    L.append("### Commands")
    L.append("")
    L.append("```")
    L.append(cmdline)
    seen = {}
    for kind, cmd in commands:
        seen.setdefault(kind, []).append(cmd)
    for kind, cmds in seen.items():
        if len(cmds) <= 8:
            L.append("# %s" % kind)
            shown = list(dict.fromkeys(cmds))
        else:
            L.append("# %s: %d commands, e.g." % (kind, len(cmds)))
            shown = list(dict.fromkeys(cmds[:2]))
        for c in shown:
            L.append(c.replace(REPO + "/", ""))
    L.append("```")
    L.append("")
    L.append("Raw figures: $FAHRAS_BENCH_WORK/results/harness.json (and the per-system "
             "JSON files beside it).")
    L.append("")
    L.append(END)
    return "\n".join(L) + "\n"


EXIT_INCOMPLETE = 3


def publish(out, commands, results_md):
    """Write the section; 0, or EXIT_INCOMPLETE when a requested figure is missing. An
    incomplete run never replaces the published section of bench/RESULTS.md: its section
    goes to $WORK/results/harness-incomplete.md instead (an explicit --results-md file
    gets it, notes included)."""
    md = render(out, commands)
    failed = out.get("failed") or []
    if failed and os.path.realpath(results_md) == os.path.realpath(RESULTS_MD):
        side = os.path.join(paths.work_dir("results"), "harness-incomplete.md")
        write_section(md, side)
        log("incomplete run (%d problem(s): %s); %s left as it is, this run's section is in %s"
            % (len(failed), "; ".join(failed), results_md, side))
        return EXIT_INCOMPLETE
    write_section(md, results_md)
    log("wrote %s (section %r) and %s" % (results_md, SECTION,
                                           os.path.join(paths.work_dir("results"),
                                                        "harness.json")))
    if failed:
        log("incomplete run (%d problem(s)): %s" % (len(failed), "; ".join(failed)))
        return EXIT_INCOMPLETE
    return 0


def write_section(md, results_md=RESULTS_MD):
    """Replace the harness span of bench/RESULTS.md (or add the section at the end)."""
    text = ""
    if os.path.exists(results_md):
        with open(results_md, encoding="utf-8") as f:
            text = f.read()
    if BEGIN in text and END in text and text.index(BEGIN) < text.index(END):
        i = text.index(BEGIN)
        j = text.index(END) + len(END)
        # the heading just before the span belongs to us too
        h = text.rfind(SECTION, 0, i)
        if h != -1 and text[h:i].strip() == SECTION:
            i = h
        new = text[:i] + md.rstrip("\n") + text[j:]
    else:
        if not text:
            text = "# Fahras benchmark results\n\nEach section is written by its own tool.\n"
        new = text.rstrip("\n") + "\n\n" + md
    with open(results_md + ".tmp", "w", encoding="utf-8") as f:
        f.write(new)
    os.replace(results_md + ".tmp", results_md)


# ---------------------------------------------------------------- main


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("corpora", nargs="+", help="news qa qa_tt books all (qa implies qa_tt)")
    ap.add_argument("--quick", action="store_true",
                    help="1 build per index, 3 × 2 s speed points, 20 s memory run")
    ap.add_argument("--no-peers", action="store_true", help="Fahras only")
    ap.add_argument("--only", default="index,relevance,speed,memory",
                    help="steps to run, comma-separated (default %(default)s)")
    ap.add_argument("--index-reps", type=int, help="builds of each index (default 3; 1 --quick)")
    ap.add_argument("--reps", type=int, help="repeats of each speed point (>= 3 advised)")
    ap.add_argument("--seconds", type=float,
                    help="measured seconds per speed point (default 10; 2 --quick)")
    ap.add_argument("--warmup", type=float, help="warmup seconds (default 2; 0.5 --quick)")
    ap.add_argument("--conns", default="1,4,16", help="connection counts (default %(default)s)")
    ap.add_argument("--mem-seconds", type=int, help="memory run length (default 300; 20 --quick)")
    ap.add_argument("--xapian-books-reps", type=int, default=1,
                    help="Xapian builds of books (about 10 min each; default 1; 0 reuses the index "
                         "already in the work dir, unmeasured)")
    ap.add_argument("--searchd-threads", type=int, default=0, help="0: the daemon's default")
    ap.add_argument("--indexer-threads", type=int, default=0, help="0: the indexer's default")
    ap.add_argument("--fahras-stemmer", default="",
                    help="fahras-indexer --stemmer (e.g. light10+sb); empty: the indexer's default")
    ap.add_argument("--build-dir", default=os.environ.get("FAHRAS_BUILD_DIR",
                                                          os.path.join(REPO, "build", "release")))
    ap.add_argument("--render-only", action="store_true",
                    help="rewrite the RESULTS.md section from $WORK/results/harness.json")
    ap.add_argument("--results-md", default=RESULTS_MD,
                    help="file whose harness section is (re)written (default bench/RESULTS.md)")
    ap.add_argument("--check-usage", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    corpora = []
    for c in a.corpora:
        for x in EXPAND.get(c, [c]):
            if x not in REL_SETS:
                ap.error("unknown corpus %s (news, qa, qa_tt, books, all)" % x)
            if x not in corpora:
                corpora.append(x)
    a.corpora = corpora
    steps = ("index", "relevance", "speed", "memory")
    a.only = [s for s in a.only.split(",") if s]
    if not a.only or any(s not in steps for s in a.only):
        ap.error("--only takes steps among %s, not %r" % (",".join(steps), ",".join(a.only)))
    try:
        a.conns = [int(c) for c in a.conns.split(",")]
    except ValueError:
        a.conns = []
    if not a.conns or min(a.conns) < 1:
        ap.error("--conns wants connection counts such as 1,4,16")
    if a.check_usage:
        return 0  # bench/run.sh: the options are valid, before it spends minutes building
    if a.render_only:
        src = os.path.join(paths.work_dir("results"), "harness.json")
        try:
            with open(src) as f:
                out = json.load(f)
        except (OSError, ValueError) as e:
            log("--render-only needs the results of an earlier run: %s" % e)
            return 1
        return publish(out, [tuple(c) for c in out["commands"]], a.results_md)
    a.build_dir = os.path.abspath(a.build_dir)
    q = a.quick
    a.index_reps = a.index_reps or (1 if q else 3)
    a.reps = a.reps or 3
    a.seconds = a.seconds or (2.0 if q else 10.0)
    a.warmup = a.warmup if a.warmup is not None else (0.5 if q else 2.0)
    a.mem_seconds = a.mem_seconds or (20 if q else 300)
    paths.require_shared_data()

    h = Harness(a)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt("signal %d" % signum)

    signal.signal(signal.SIGTERM, on_signal)
    try:
        return h.run()
    except KeyboardInterrupt:
        log("interrupted; stopping fahras-searchd")
        return 130
    finally:
        h.stop_all()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
