#!/usr/bin/python3
"""Smoke test of the bench harness on the sample corpus (fast, no peers, no ../shared).

  smoke_bench.py --indexer BIN --searchd BIN --loadgen BIN --source-dir DIR

1. fahras-indexer builds an index of data/sample/news.jsonl in a temporary directory;
2. fahras-searchd serves it on 127.0.0.1, port 0 (--port-file);
3. fahras-loadgen runs ~1 s with 2 connections x pipelining depth 4: the JSON report must
   show a non-zero throughput and zero errors;
4. bench/eval.py runs tests/bench/data/queries.tsv against tests/bench/data/qrels.txt:
   MRR@10 >= 0.5 and Recall@100 >= 0.75, every metric in [0, 1];
5. bench/eval_metrics.py --selftest, when that file exists;
6. bad arguments to eval.py are usage errors, an unwritable fahras-loadgen --json a setup
   error found before any load (exit 2); fh_bench_analyze stems (--bench-analyze) on a
   file that is not word<TAB>stem<TAB>root fails instead of printing -nan%; fh-relevance
   (--relevance) writes a run of the sample index, says what is missing or empty, names a
   ranking parameter the engine refuses with its range, and its --help explains every
   option its parser takes, with the engine's defaults and ranges;
7. without the shared data (FAHRAS_SHARED_DATA an empty directory), the bench entry points
   say "shared data not found" and exit 2, with no traceback; run_xapian.py --help works
   without xapian, and the peers' bad arguments are usage errors (exit 2);
8. the daemon is stopped by its pid (SIGTERM, then SIGKILL after 10 s) in every case.
Every child has a timeout, so the test always ends.
"""
import argparse
import json
import lzma
import os
import re
import signal
import subprocess
import sys
import tempfile
import time


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)


def run(cmd, timeout, **kw):
    print("+ " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, timeout=timeout, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, **kw)
    if p.stdout:
        sys.stdout.write(p.stdout)
    if p.returncode != 0:
        fail("exit status %d: %s" % (p.returncode, " ".join(cmd)))
    return p.stdout


def expect_fail(cmd, status, needle, timeout=60, env=None, absent="Traceback"):
    """cmd must exit with status and say needle on its output, without absent (a traceback)."""
    print("+ " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, timeout=timeout, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, env=env)
    if p.returncode != status or needle not in p.stdout or absent in p.stdout:
        sys.stdout.write(p.stdout)
        fail("expected exit status %d and %r (no %r), got %d: %s"
             % (status, needle, absent, p.returncode, " ".join(cmd)))


def c_body(text, head):
    """The body of the C function whose definition starts with head, in text."""
    i = text.find(head)
    if i < 0:
        fail("no %r in the C source" % head)
    return text[i:text.index("\n}\n", i)]


def relevance_help(prog, src):
    """fh-relevance --help explains every option of the table its parser reads (opts[] in
    bench/relevance/relevance.c; no option is parsed outside it): one line each under its
    group's heading, with text after the option, the default (the ranking ones:
    fh_rank_params_default in searchd/engine/engine.c) and the range of the table; the parser
    takes every option --help lists. --help is on stdout, exit 0 (2 when it cannot be
    written); a usage error is a few lines on stderr, exit 1. Returns [(option, type, range)]
    of the ranking options with a range ("0..50", ">= 0")."""
    def read(*rel):
        with open(os.path.join(src, *rel), encoding="utf-8") as f:
            return f.read()
    rc_src = read("bench", "relevance", "relevance.c")
    caps = {k: v for k, v in re.findall(r"#define (FH_\w+) (\d+)u",
                                        read("searchd", "engine", "engine.h"))}
    # {"--name", "ARG" or NULL, O_TYPE, G_GROUP, C(member) or R(member), range, "help"
    table = re.findall(r'\{"(--[a-z0-9-]+)",\s*(?:"([^"]*)"|NULL),\s*(O_\w+),\s*(G_\w+),\s*'
                       r'([CR])\((\w+)\),\s*([^"]*?),\s*"', rc_src)
    names = [t[0] for t in table]
    if len(table) < 50 or not {"--index", "--k1", "--exact-q", "--latency"} <= set(names):
        fail("relevance.c: cannot read the option table opts[] (%d entries)" % len(table))
    stray = set(re.findall(r'strcmp\(\w+, "(--[a-z0-9-]+)"\)', rc_src)) - set(names) - {"--help"}
    if stray:
        fail("relevance.c parses options outside opts[], so --help misses them: %s"
             % ", ".join(sorted(stray)))
    engine_c = read("searchd", "engine", "engine.c")
    defaults = {m: v for m, v in re.findall(r"p->(\w+) = ([^;]+);", c_body(
        engine_c, "void fh_rank_params_default("))}
    defaults.update(re.findall(r"c->(\w+) = ([^;]+);", c_body(rc_src, "static void cli_default(")))

    p = subprocess.run([prog, "--help"], timeout=60, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode != 0 or p.stderr or not p.stdout.startswith("usage: fh-relevance "):
        fail("fh-relevance --help: exit %d, stderr %r" % (p.returncode, p.stderr))
    lines = p.stdout.splitlines()
    heads = [i for i, l in enumerate(lines) if l in (
        "Index, queries and run output:",
        "Ranking parameters (the engine's defaults, fh_rank_params_default):",
        "Latency mode:")]
    if len(heads) != 3:
        fail("fh-relevance --help lacks a group heading:\n" + p.stdout)
    group_of = {"G_RUN": 0, "G_RANK": 1, "G_LAT": 2}
    ranged = []
    # the parameters fh_engine_open checks have their range in the table
    body = c_body(engine_c, "int fh_engine_open(")
    checked = set(re.findall(r"e->rp\.(\w+)", body[body.index("if (!(e->rp."):
                                                     body.index("rc = FH_EINVAL")]))
    unranged = [t[0] for t in table if t[4] == "R" and t[5] in checked and t[6].strip() == "ANY"]
    if len(checked) < 10 or unranged:
        fail("relevance.c: fh_engine_open checks %s, opts[] gives no range for %s"
             % (sorted(checked), unranged))
    for name, arg, typ, grp, where, member, rng in table:
        left = name + (" " + arg if arg else "")
        at = [i for i, l in enumerate(lines) if re.match(r"  %s {2,}\S" % re.escape(left), l)]
        if len(at) != 1:
            fail("fh-relevance --help: not one line '  %s  <what it does>'" % left)
        line, i = lines[at[0]], at[0]
        g = group_of[grp]
        if not heads[g] < i < (heads[g + 1] if g < 2 else len(lines)):
            fail("fh-relevance --help: %s is not under %r" % (name, lines[heads[g]]))
        words = line[len(left) + 2:].split("[")[0].split()
        if len(words) < 3:
            fail("fh-relevance --help: %s says too little: %r" % (name, line))
        want = {"ANY": None, "GE0": "{>= 0}"}.get(rng.strip())
        m = re.fullmatch(r"UPTO\((\w+)\)|(\w+),\s*(\w+)", rng.strip())
        if m and m.group(1):
            want = "{0..%s}" % caps.get(m.group(1), m.group(1))
        elif m:
            want = "{%s..%s}" % tuple(caps.get(x, x) for x in m.group(2, 3))
        if want and not line.endswith(" " + want) or not want and line.endswith("}"):
            fail("fh-relevance --help: %s should end with the range %s: %r" % (name, want, line))
        if want and where == "R":
            ranged.append((name, typ, want[1:-1]))
        if typ in ("O_FLAG", "O_FIELD") or (where == "C" and member not in defaults):
            continue
        d = defaults.get(member, "0")  # fh_rank_params_default: memset to 0 first
        got = re.search(r" \[([^\]]*)\]( \{[^}]*\})?$", line)
        if not got:
            fail("fh-relevance --help: %s shows no [default]: %r" % (name, line))
        got = got.group(1)
        if typ == "O_STR":
            ok = got == d.strip('"')
        elif typ == "O_BOOL":
            ok = got == {"true": "1", "false": "0"}.get(d, d)
        else:
            ok = (re.fullmatch(r"-?[\d.e+-]+", got)
                  and abs(float(got) - float(d.rstrip("fu"))) < 1e-6)
        if not ok:
            fail("fh-relevance --help: %s shows the default [%s], the code sets %s"
                 % (name, got, d))
    listed = re.findall(r"^  (--[a-z0-9-]+)(?: (\S+))? {2}", p.stdout, re.M)
    if sorted(n for n, _ in listed) != sorted(names):
        fail("fh-relevance --help lists %s, opts[] has %s" % (sorted(n for n, _ in listed),
                                                             sorted(names)))
    # the parser takes every option listed (one value each), then --help: exit 0
    value = {"N": "1", "0|1": "1", "FIELD=W": "text=1", "FIELD=B": "text=0.5", "X": "0.5",
             "W": "0.5", "P": "1"}
    cmd = [prog]
    for n, arg in listed:
        cmd += [n] + ([value.get(arg, "x")] if arg else [])
    p = subprocess.run(cmd + ["--help"], timeout=60, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode != 0 or p.stderr:
        fail("fh-relevance refuses an option its --help lists: %s" % p.stderr)
    # a usage error: a few lines on stderr, none on stdout, exit 1
    p = subprocess.run([prog, "--bogus"], timeout=60, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if (p.returncode != 1 or p.stdout or "unknown option --bogus" not in p.stderr
            or "--help" not in p.stderr or len(p.stderr.splitlines()) > 3):
        fail("fh-relevance --bogus: exit %d, stdout %r, stderr %r"
             % (p.returncode, p.stdout, p.stderr))
    # --help into a pipe nobody reads: said, exit 2 (SIGPIPE ignored, as the shell may leave it)
    r, w = os.pipe()
    os.close(r)
    p = subprocess.run([prog, "--help"], timeout=60, stdout=w, stderr=subprocess.PIPE,
                       text=True, restore_signals=False)
    os.close(w)
    if p.returncode != 2 or "fh-relevance: cannot write the output" not in p.stderr:
        fail("fh-relevance --help into a closed pipe: exit %d, stderr %r"
             % (p.returncode, p.stderr))
    return ranged


def relevance_ranges(rel, run, ranged):
    """rel (fh-relevance --index --queries) runs at the edge of each range --help gives, and
    a value past it is refused by the engine (exit 3), said as that option and its range,
    not as an index that cannot be opened."""
    for name, typ, rng in ranged:
        lo, _, hi = rng.partition("..")
        if rng.startswith(">= "):
            edge, past = rng[3:], "-1"
        elif typ == "O_U32":
            edge, past = hi, str(int(hi) + 1)
        else:
            edge, past = hi, str(float(hi) + 0.5)
        run_ok = subprocess.run(rel + ["--run", run, name, edge], timeout=60,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if run_ok.returncode != 0:
            fail("fh-relevance %s %s (in its range %s): exit %d, %s"
                 % (name, edge, rng, run_ok.returncode, run_ok.stdout))
        expect_fail(rel + ["--run", run, name, past], 3,
                    "fh-relevance: ranking parameters out of the engine's range: %s %s (%s)\n"
                    % (name, past, rng), absent="cannot open the index")


def wait_port(port_file, proc, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            fail("fahras-searchd exited early with status %d" % proc.returncode)
        try:
            with open(port_file) as f:
                txt = f.read().strip()
            if txt and txt.split()[0].isdigit():
                return int(txt.split()[0])
        except OSError:
            pass
        time.sleep(0.05)
    fail("fahras-searchd wrote no port to %s within %.0f s" % (port_file, timeout))


def stop(proc):
    """SIGTERM by pid; SIGKILL if it has not exited within 10 s. Returns the exit status."""
    if proc.poll() is not None:
        return proc.returncode
    os.kill(proc.pid, signal.SIGTERM)
    try:
        return proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        fail("fahras-searchd did not exit within 10 s of SIGTERM")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--indexer", required=True)
    ap.add_argument("--searchd", required=True)
    ap.add_argument("--loadgen", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--relevance", help="fh-relevance, run on the sample index")
    ap.add_argument("--bench-analyze", help="fh_bench_analyze, to check its input errors")
    a = ap.parse_args()
    src = os.path.abspath(a.source_dir)
    data = os.path.join(src, "tests", "bench", "data")
    py = sys.executable or "/usr/bin/python3"

    with tempfile.TemporaryDirectory(prefix="fahras-bench-smoke-") as tmp:
        idx = os.path.join(tmp, "index")
        run([a.indexer, "build", "--index", idx, "--quiet",
             os.path.join(src, "data", "sample", "news.jsonl")], timeout=60)

        if a.relevance:
            # in-process ranking (tune.py's driver): a run, and clear errors
            rel = [a.relevance, "--index", idx, "--queries", os.path.join(data, "queries.tsv")]
            run(rel + ["--run", os.path.join(tmp, "rel.run")], timeout=60)
            if os.path.getsize(os.path.join(tmp, "rel.run")) == 0:
                fail("fh-relevance wrote an empty run")
            expect_fail(rel, 1, "--run OUT is required")
            ranged = relevance_help(a.relevance, src)
            relevance_ranges(rel, os.path.join(tmp, "range.run"), ranged)
            expect_fail([a.relevance, "--index", tmp, "--queries", os.path.join(data, "queries.tsv"),
                         "--run", os.path.join(tmp, "x.run")], 3, "no index.mdb in it")
            expect_fail([a.relevance, "--index", idx, "--queries", os.devnull, "--run",
                         os.path.join(tmp, "empty.run")], 2, "no query")
            # --stemmer auto (the default) is the index's; another is named against it
            run(rel + ["--run", os.path.join(tmp, "l10.run"), "--stemmer", "light10"], timeout=60)
            with open(os.path.join(tmp, "rel.run"), "rb") as f1, \
                    open(os.path.join(tmp, "l10.run"), "rb") as f2:
                if f1.read() != f2.read():
                    fail("fh-relevance: --stemmer auto and light10 differ on a light10 index")
            expect_fail(rel + ["--run", os.path.join(tmp, "sb.run"), "--stemmer", "snowball"], 3,
                        "fh-relevance: the index in %s was built with analyzer fahras-ar-light10g "
                        "(--stemmer light10), not with --stemmer snowball's\n" % idx)
            # a run, stats, replies or latency file that cannot be written whole
            # (a full disk) is an error naming it, never a short file and exit 0
            if os.path.exists("/dev/full"):
                # enough queries that stdio writes (and fails) before the close
                many = os.path.join(tmp, "many.tsv")
                with open(os.path.join(data, "queries.tsv"), encoding="utf-8") as f, \
                        open(many, "w", encoding="utf-8") as out:
                    lines = [ln.rstrip("\n").split("\t", 1) for ln in f if "\t" in ln]
                    for k in range(40):
                        out.writelines("%s-%d\t%s\n" % (q, k, t) for q, t in lines)
                rel_many = [a.relevance, "--index", idx, "--queries", many]
                for extra in (["--run", "/dev/full"],
                              ["--run", os.path.join(tmp, "f.run"), "--stats", "/dev/full"],
                              ["--run", os.path.join(tmp, "f.run"), "--latency", "--replies",
                               "/dev/full"],
                              ["--run", os.path.join(tmp, "f.run"), "--latency", "--lat-file",
                               "/dev/full"]):
                    for cmd in (rel, rel_many):
                        expect_fail(cmd + extra, 2, "fh-relevance: /dev/full: cannot write the "
                                    "output: No space left on device\n")
            # --focus-dump: one row per word read from each relevant body, the
            # query id first; its file on a full disk is exit 2 like the others
            dump = [a.relevance, "--index", idx, "--queries", os.path.join(data, "queries.tsv"),
                    "--qrels", os.path.join(data, "qrels.txt"), "--focus-dump"]
            run(dump + [os.path.join(tmp, "focus.tsv")], timeout=60)
            with open(os.path.join(data, "qrels.txt"), encoding="utf-8") as f:
                judged = {ln.split()[0] for ln in f if ln.strip() and int(ln.split()[3]) > 0}
            with open(os.path.join(tmp, "focus.tsv"), encoding="utf-8") as f:
                rows = [ln.rstrip("\n").split("\t") for ln in f]
            if not rows or any(len(r) != 6 or r[0] not in judged or r[1] not in ("0", "1")
                               for r in rows):
                fail("fh-relevance --focus-dump: %d rows, not all 'qid has tf first lead n' of "
                     "a judged query" % len(rows))
            if not any(r[1] == "1" for r in rows):
                fail("fh-relevance --focus-dump: no row marks a word of its query")
            if os.path.exists("/dev/full"):
                expect_fail(dump + ["/dev/full"], 2, "fh-relevance: /dev/full: cannot write the "
                            "output: No space left on device\n")

        port_file = os.path.join(tmp, "port")
        log = open(os.path.join(tmp, "searchd.log"), "w")
        cmd = [a.searchd, "--index", idx, "--listen", "127.0.0.1:0", "--port-file", port_file,
               "--threads", "2"]
        print("+ " + " ".join(cmd), flush=True)
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        status = None
        try:
            port = wait_port(port_file, proc)
            target = "127.0.0.1:%d" % port

            # Load: 2 connections, pipelining depth 4, about one second.
            lg_json = os.path.join(tmp, "loadgen.json")
            run([a.loadgen, "--queries", os.path.join(data, "queries.tsv"),
                 "--prefix", "SEARCH limit=10 snippets=1 {q}", "--conns", "2", "--depth", "4",
                 "--warmup", "0.2", "--duration", "1", "--timeout", "5",
                 "--watch-pid", str(proc.pid), "--json", lg_json, target], timeout=30)
            with open(lg_json) as f:
                lg = json.load(f)
            if not lg["qps"] > 0 or lg["requests"] <= 0:
                fail("loadgen measured no throughput: %s" % lg)
            if lg["errors"] != 0:
                fail("loadgen counted %d errors: %s" % (lg["errors"], lg))
            if not 0 < lg["p50_ms"] <= lg["p99_ms"] <= lg["max_ms"]:
                fail("latency percentiles out of order: %s" % lg)
            if lg["rss"]["samples"] < 1 or lg["rss"]["max_kb"] <= 0:
                fail("no RSS sample of the daemon: %s" % lg["rss"])
            print("loadgen: %.0f req/s, p50 %.3f ms, p99 %.3f ms, 0 errors" % (
                lg["qps"], lg["p50_ms"], lg["p99_ms"]), flush=True)

            # Relevance: known-item queries over the sample corpus.
            ev_json = os.path.join(tmp, "eval.json")
            run([py, os.path.join(src, "bench", "eval.py"), target,
                 "--queries", os.path.join(data, "queries.tsv"),
                 "--qrels", os.path.join(data, "qrels.txt"),
                 "--run", os.path.join(tmp, "run.trec"), "--chunk", "5", "--timeout", "10",
                 "--json", ev_json], timeout=60)
            with open(ev_json) as f:
                ev = json.load(f)
            for m in ("MRR@10", "nDCG@10", "Recall@10", "Recall@100"):
                if not 0.0 <= ev[m] <= 1.0:
                    fail("%s out of [0, 1]: %s" % (m, ev[m]))
            if ev["errors"]:
                fail("%d error replies during eval: %s" % (ev["errors"], ev["error_codes"]))
            if ev["queries"] != 16 or ev["queries_in_run"] != 16:
                fail("expected 16 evaluated queries: %s" % ev)
            if ev["MRR@10"] < 0.5 or ev["Recall@100"] < 0.75:
                fail("relevance too low on the sample queries: MRR@10 %.4f, Recall@100 %.4f"
                     % (ev["MRR@10"], ev["Recall@100"]))
        finally:
            status = stop(proc)
            log.close()
            if status not in (0, None):
                with open(os.path.join(tmp, "searchd.log")) as f:
                    sys.stdout.write(f.read()[-4000:])
        if status != 0:
            fail("fahras-searchd exited with status %s after SIGTERM" % status)

    selftest = os.path.join(src, "bench", "eval_metrics.py")
    if os.path.exists(selftest):
        run([py, selftest, "--selftest"], timeout=60)

    # Bad arguments: a usage error (exit 2), not a traceback nor a connection error.
    ev = [py, os.path.join(src, "bench", "eval.py"), "--queries", os.path.join(data, "queries.tsv"),
          "--qrels", os.path.join(data, "qrels.txt"), "--run", os.devnull]
    expect_fail(ev + ["127.0.0.1:99999"], 2, "HOST:PORT")
    expect_fail(ev + ["--timeout", "0", "127.0.0.1:1"], 2, "--timeout")
    expect_fail(ev + ["--port-file", os.devnull, "127.0.0.1:1"], 2, "not both")
    if os.path.exists(selftest):  # a run to score is not silently ignored
        expect_fail([py, selftest, "--selftest", "run.trec"], 2, "takes no other argument")
    # a file that is not UTF-8 is named with its line (not the codec's message alone)
    with tempfile.TemporaryDirectory(prefix="fahras-bench-utf8-") as tmp:
        bad = os.path.join(tmp, "latin1.tsv")
        with open(bad, "wb") as f:
            f.write(b"q1\tok\nq2\tcaf\xe9\n")
        expect_fail([py, os.path.join(src, "bench", "eval.py"), "--queries", bad, "--qrels",
                     os.path.join(data, "qrels.txt"), "--run", os.devnull, "127.0.0.1:1"], 1,
                    bad + ":2: not UTF-8 text")
        with open(bad + ".run", "wb") as f:
            f.write(b"q1 Q0 d1 1 1.0 t\nq2 Q0 caf\xe9 1 1.0 t\n")
        expect_fail([py, os.path.join(src, "bench", "eval_metrics.py"), bad + ".run",
                     os.path.join(data, "qrels.txt")], 1, bad + ".run:2: not UTF-8 text")
    # same_story.py: a copy of the judged document ranked first, worked out by hand
    with tempfile.TemporaryDirectory(prefix="fahras-bench-story-") as tmp:
        docs, qrels, runf = (os.path.join(tmp, n) for n in ("d.jsonl", "q.txt", "r.run"))
        with open(docs, "w", encoding="utf-8") as f:
            for did, text in (("d1", "أمير الباحة يواسي أسرة"), ("d2", "أمير الباحة يواسي عائلة"),
                              ("d3", "مهابط جديدة للطيران"),
                              ("d4", "مهابط جديدة للطيران الرياضي")):
                f.write(json.dumps({"id": did, "text": text}, ensure_ascii=False) + "\n")
        with open(qrels, "w") as f:
            f.write("q1 0 d1 1\nq2 0 d3 1\n")
        # q1: the copy d2 (3 of 5 words shared) above d1; q2: d3 above its copy d4 (3 of 4)
        with open(runf, "w") as f:
            f.write("q1 Q0 d2 1 2.0 t\nq1 Q0 d1 2 1.0 t\nq2 Q0 d3 1 1.0 t\nq2 Q0 d4 2 0.5 t\n")
        story = [py, os.path.join(src, "bench", "relevance", "same_story.py"), runf, qrels, docs]
        print("+ " + " ".join(story), flush=True)
        out = subprocess.run(story + ["--thresholds", "0.6,0.61"], timeout=60,
                             stdout=subprocess.PIPE, text=True, check=True).stdout
        want = ("queries 2, MRR@10 0.7500 (copies not counted)\n"
                "| 0.60 | 1 | 0.2500 | 1.0000 | 1 of 2 | 1.0 |\n"
                "| 0.61 | 0 | 0.0000 | 0.7500 | 1 of 1 | 0.5 |\n")
        got = "".join(ln + "\n" for ln in out.splitlines()
                      if ln.startswith("queries") or ln.startswith("| 0."))
        if got != want:
            fail("same_story.py: expected\n%sgot\n%s" % (want, out))
        expect_fail(story + ["--thresholds", "0"], 2, "--thresholds wants numbers in (0, 1]")
        expect_fail(story[:-1] + [os.path.join(tmp, "none.jsonl")], 1, "none.jsonl")
    if a.bench_analyze:
        # a file that is not word<TAB>stem<TAB>root: an error, not a table of -nan%
        expect_fail([a.bench_analyze, "stems", os.path.join(data, "queries.tsv")], 1,
                    "no two words share a stem", absent="nan")
        # a missing file: its own message only (no 0-verse summary, no second error)
        missing = os.path.join(data, "no-such-file.jsonl")
        expect_fail([a.bench_analyze, "quran", missing], 1, "No such file", absent="verses")
        expect_fail([a.bench_analyze, "speed", missing], 1, "No such file",
                    absent="input/output error")
    # an unwritable --json is a setup error found before the load, not after it
    expect_fail([a.loadgen, "--queries", os.path.join(data, "queries.tsv"), "--json",
                 os.path.join(os.devnull, "x.json"), "--warmup", "0", "--duration", "1",
                 "--timeout", "1", "127.0.0.1:1"], 2, "x.json", absent="replies")

    # Without the shared data: a clear message and exit 2, never a traceback.
    with tempfile.TemporaryDirectory(prefix="fahras-bench-noshared-") as tmp:
        env = dict(os.environ, FAHRAS_SHARED_DATA=os.path.join(tmp, "data"),
                   FAHRAS_BENCH_WORK=os.path.join(tmp, "work"))
        os.mkdir(env["FAHRAS_SHARED_DATA"])  # present but empty: each file is checked
        bench = os.path.join(src, "bench")
        tune = [py, os.path.join(bench, "relevance", "tune.py"), "--quick", "--work",
                os.path.join(tmp, "eng")]
        missing = "shared data not found at %s (set FAHRAS_SHARED_DATA)\n"
        shared = env["FAHRAS_SHARED_DATA"]
        expect_fail(tune, 2, missing % os.path.join(shared, "news", "saudinewsnet-docs.jsonl.xz"),
                    env=env)
        # the corpus is only read to build an index: reusing one, the queries are missing first
        expect_fail(tune + ["--no-index"], 2,
                    missing % os.path.join(shared, "news", "dev-queries.tsv"), env=env)
        focus_fit = [py, os.path.join(bench, "relevance", "focus_fit.py"), "--skip-eval",
                     "--work", os.path.join(tmp, "focus"), "--index", os.path.join(tmp, "none")]
        expect_fail(focus_fit, 2,
                    missing % os.path.join(shared, "news", "saudinewsnet-docs.jsonl.xz"), env=env)
        if a.relevance:
            # with the three news files present (five articles, in a shared data folder of
            # their own), focus_fit.py reads them from any working directory and gets as far
            # as fh-relevance (no index: exit 1)
            few = os.path.join(tmp, "few")
            os.makedirs(os.path.join(few, "news"))
            with lzma.open(os.path.join(few, "news", "saudinewsnet-docs.jsonl.xz"), "wt",
                           encoding="utf-8") as f:
                for i in range(5):
                    f.write(json.dumps({"id": "snn-%05d" % i, "title": "عنوان رقم %d" % i,
                                        "text": "نص الخبر رقم %d" % i}, ensure_ascii=False) + "\n")
            with open(os.path.join(few, "news", "dev-queries.tsv"), "w", encoding="utf-8") as f:
                f.write("snq-00000\tعنوان رقم 0\n")
            with open(os.path.join(few, "news", "dev-qrels.txt"), "w") as f:
                f.write("snq-00000 0 snn-00000 1\n")
            build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(a.relevance))))
            p = subprocess.run(focus_fit + ["--build", build], cwd=tmp, timeout=120,
                               env=dict(env, FAHRAS_SHARED_DATA=few),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if p.returncode != 1 or "shared data not found" in p.stdout or \
                    "Traceback" in p.stdout or not ("numpy is missing" in p.stdout or (
                        "training queries: 4 (fit 2, lambda 2)" in p.stdout
                        and "cannot open the index" in p.stdout)):
                sys.stdout.write(p.stdout)
                fail("focus_fit.py with the news files present: exit %d" % p.returncode)
        sphinx = os.path.join(bench, "peers", "sphinx", "run_sphinx.py")
        xapian = os.path.join(bench, "peers", "xapian", "run_xapian.py")
        # the Xapian peer imports (and would apt-get install) xapian only once it has work
        out = run([py, xapian, "--help"], timeout=60, env=env)
        if "usage:" not in out:
            fail("run_xapian.py --help printed no usage")
        expect_fail([py, xapian, "index", "news"], 2, "shared data not found", env=env)
        # relevance and speed check their corpora before Sphinx is set up (apt-get)
        expect_fail([py, sphinx, "relevance", "qa-arcd"], 2, "qa/docs.jsonl", env=env)
        expect_fail([py, sphinx, "speed"], 2, "shared data not found", env=env)
        # bad arguments to the peers: usage errors before any data is read or package installed
        env["FAHRAS_SHARED_DATA"] = os.path.join(tmp, "absent")
        # no shared data at all: the folder is named, not a file in it
        expect_fail(tune, 2, missing % env["FAHRAS_SHARED_DATA"], env=env)
        expect_fail([py, xapian, "index", "bogus"], 2, "unknown corpus", env=env)
        expect_fail(["sh", os.path.join(bench, "analyze", "run.sh"), "--bogus"], 2,
                    "unknown option --bogus", env=env)
        expect_fail([py, os.path.join(bench, "indexer", "bench_indexer.py"), "--indexer",
                     os.path.join(tmp, "no-indexer"), "--corpora", "news"], 1,
                    "no-indexer: not an executable fahras-indexer", env=env)
        expect_fail([py, sphinx, "relevance", "bogus"], 2, "unknown relevance set", env=env)
        expect_fail([py, sphinx, "speed", "--conns", "x"], 2, "--conns", env=env)
    print("bench smoke: ok", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
