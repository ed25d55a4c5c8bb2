#!/usr/bin/python3
"""Relevance of a running fahras-searchd: a query set in, a TREC run and four metrics out.

  eval.py --queries Q.tsv --qrels QRELS --run OUT.trec [HOST:PORT | --port-file F]
          [--limit 100] [--template T] [--raw] [--chunk 64] [--json OUT.json]

Queries: lines "id<TAB>text". Each is sent as one request line over ONE TCP connection,
  SEARCH limit=100 snippets=0 <text>          (--template, {q} = the text)
pipelined in chunks of --chunk requests (write the chunk, then read its replies in order),
so the run measures ranking, not round trips. By default the text is first reduced to its
words (bench/lib/textutil.sanitize_query: punctuation and query-syntax characters such as
" - + * : dropped, tatweel and harakat deleted, Latin lowercased) -- the very string the
peers (Sphinx, Xapian) receive, so all three systems answer the same queries. --raw sends
the text as it is (tabs and newlines collapsed to spaces).

Run file: "qid Q0 docid rank score fahras" (docid = the document's external "id").
Metrics: MRR@10, nDCG@10, Recall@10, Recall@100 by bench/eval_metrics.py. A query whose
reply is an error ({"error":...}) or whose text is empty after sanitizing gets an empty
ranking (scores 0) and is counted in the summary.

Only loopback targets unless --allow-remote. Every socket read has a timeout (--timeout).
Exit status: 0 ok; 1 connection or protocol failure, an unreadable or malformed queries, qrels
or output file, no query in the queries file or no relevant document in the qrels, or an error
reply to every query; 2 usage error.
"""
import argparse
import ipaddress
import json
import os
import socket
import sys
import time

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__

BENCH = os.path.dirname(os.path.abspath(__file__))
if BENCH not in sys.path:
    sys.path.insert(0, BENCH)
import eval_metrics  # noqa: E402
from lib import textutil  # noqa: E402

DEFAULT_TEMPLATE = "SEARCH limit={limit} snippets=0 {q}"
MAX_REPLY = 64 << 20


class EvalError(Exception):
    pass


def read_queries(path):
    """[(qid, text)] from an "id<TAB>text" file (blank lines skipped)."""
    out = []
    for n, line in eval_metrics.text_lines(path):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        if "\t" not in line:
            raise EvalError("%s:%d: expected 'id<TAB>text'" % (path, n))
        qid, text = line.split("\t", 1)
        out.append((qid.strip(), text))
    return out


def query_text(text, raw):
    if raw:
        return " ".join(text.split())
    return textutil.sanitize_query(text)


def read_port_file(path, wait_s=10.0):
    """The port written by fahras-searchd --port-file (first integer in the file)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            with open(path) as f:
                txt = f.read().strip()
            for tok in txt.replace(":", " ").split():
                if tok.isdigit():
                    return int(tok)
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise EvalError("no port in %s after %.0f s" % (path, wait_s))
        time.sleep(0.05)


def check_loopback(host, allow_remote):
    if allow_remote:
        return
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise EvalError("cannot resolve %s: %s" % (host, e))
    for info in infos:
        if not ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback:
            raise EvalError("%s is not a loopback address (pass --allow-remote)" % host)


class Client:
    """One connection to fahras-searchd; request lines out, JSON lines back, in order."""

    def __init__(self, host, port, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rf = self.sock.makefile("rb")

    def batch(self, lines):
        """Send the request lines (str, no newline) in one write; return their parsed replies."""
        if not lines:
            return []
        self.sock.sendall("".join(l + "\n" for l in lines).encode("utf-8"))
        out = []
        for _ in lines:
            reply = self.rf.readline(MAX_REPLY + 1)
            if not reply:
                raise EvalError("connection closed by the daemon")
            if not reply.endswith(b"\n"):
                raise EvalError("reply longer than %d bytes" % MAX_REPLY)
            try:
                out.append(json.loads(reply))
            except ValueError as e:
                raise EvalError("reply is not JSON (%s): %r" % (e, reply[:200]))
        return out

    def close(self):
        try:
            self.sock.sendall(b"QUIT\n")
        except OSError:
            pass
        self.rf.close()
        self.sock.close()


def run_queries(host, port, queries, limit=100, template=DEFAULT_TEMPLATE, raw=False,
                chunk=64, timeout=60.0):
    """Send every query; returns (results, stats) with results = [(qid, [(docid, score)])]."""
    client = Client(host, port, timeout)
    results, stats = [], {"queries_sent": len(queries), "empty": 0, "errors": 0, "error_codes": {},
                          "hits": 0}
    t0 = time.monotonic()
    try:
        for i in range(0, len(queries), chunk):
            part = queries[i:i + chunk]
            texts = [query_text(t, raw) for _q, t in part]
            lines = [template.format(limit=limit, q=t) for t in texts if t]
            replies = iter(client.batch(lines))
            for (qid, _t), text in zip(part, texts):
                if not text:
                    stats["empty"] += 1
                    results.append((qid, []))
                    continue
                r = next(replies)
                if "error" in r:
                    stats["errors"] += 1
                    code = (r["error"] or {}).get("code", "?") if isinstance(r["error"], dict) else "?"
                    stats["error_codes"][code] = stats["error_codes"].get(code, 0) + 1
                    results.append((qid, []))
                    continue
                hits = [(h["id"], h.get("score", 0.0)) for h in r.get("hits", [])]
                stats["hits"] += len(hits)
                results.append((qid, hits))
    finally:
        client.close()
    secs = time.monotonic() - t0
    stats["seconds"] = round(secs, 3)
    stats["qps"] = round(len(queries) / secs, 1) if secs > 0 else None
    return results, stats


def write_run(path, results, tag="fahras"):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for qid, hits in results:
            for rank, (docid, score) in enumerate(hits, 1):
                f.write("%s Q0 %s %d %s %s\n" % (qid, docid, rank, score, tag))
    os.replace(tmp, path)


def evaluate(host, port, queries_path, qrels_path, run_path, limit=100,
             template=DEFAULT_TEMPLATE, raw=False, chunk=64, timeout=60.0, tag="fahras"):
    """Run a query set against the daemon, write the run file, return one result dict."""
    check_loopback(host, False)
    queries = read_queries(queries_path)
    results, stats = run_queries(host, port, queries, limit, template, raw, chunk, timeout)
    write_run(run_path, results, tag)
    means, _per = eval_metrics.evaluate_files(run_path, qrels_path)
    out = {"system": tag, "queries_file": queries_path, "qrels": qrels_path, "run": run_path,
           "template": template.format(limit=limit, q="<text>"),
           "query_text": "raw" if raw else "sanitized"}
    out.update(stats)
    out.update({k: (round(v, 4) if isinstance(v, float) else v) for k, v in means.items()})
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("target", nargs="?", default=None, help="HOST:PORT (default 127.0.0.1:7700)")
    ap.add_argument("--port-file", help="read the port from this file (fahras-searchd --port-file)")
    ap.add_argument("--queries", required=True)
    ap.add_argument("--qrels", required=True)
    ap.add_argument("--run", required=True, help="TREC run file to write")
    ap.add_argument("--tag", default="fahras")
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--template", default=DEFAULT_TEMPLATE,
                    help="request line; {q} = query text, {limit} = --limit (default %(default)r)")
    ap.add_argument("--raw", action="store_true", help="send the query text unsanitized")
    ap.add_argument("--chunk", type=int, default=64, help="requests per pipelined write")
    ap.add_argument("--timeout", type=float, default=60.0, help="socket timeout in seconds")
    ap.add_argument("--json", help="write the result as JSON to this file ('-' = stdout)")
    ap.add_argument("--allow-remote", action="store_true")
    a = ap.parse_args(argv)
    if not 1 <= a.limit <= 1000 or not 1 <= a.chunk <= 4096:
        ap.error("--limit must be 1..1000 and --chunk 1..4096")
    if not a.timeout > 0:
        ap.error("--timeout must be more than 0 seconds")
    try:
        a.template.format(limit=a.limit, q="")
    except (KeyError, IndexError, ValueError) as e:
        ap.error("--template: %r is not a request template ({q}, {limit}): %s" % (a.template, e))
    if a.target and a.port_file:
        ap.error("give HOST:PORT or --port-file, not both (the port file's port would win)")
    host, port = "127.0.0.1", 7700
    if a.target:
        host, _, p = a.target.rpartition(":")
        if not host or not p.isdigit() or not 1 <= int(p) <= 65535:
            ap.error("target must be HOST:PORT (PORT 1..65535)")
        host, port = host.strip("[]"), int(p)
    try:
        # the input files first: a bad qrels file must not cost a whole run
        queries = read_queries(a.queries)
        if not queries:
            raise EvalError("%s: no queries" % a.queries)
        qrels = eval_metrics.read_qrels(a.qrels)
        if not any(r > 0 for rels in qrels.values() for r in rels.values()):
            raise EvalError("%s: no relevant document (qrels lines: 'qid 0 docid rel', rel > 0)"
                            % a.qrels)
        if a.port_file:
            port = read_port_file(a.port_file)
        check_loopback(host, a.allow_remote)
        try:
            results, stats = run_queries(host, port, queries, a.limit, a.template, a.raw,
                                         a.chunk, a.timeout)
        except OSError as e:
            raise EvalError("%s:%d: %s" % (host, port, e))
        write_run(a.run, results, a.tag)
        means, _per = eval_metrics.evaluate(eval_metrics.read_run(a.run), qrels)
    except (EvalError, OSError, ValueError) as e:
        print("eval.py: %s" % e, file=sys.stderr)
        return 1
    out = {"system": a.tag, "target": "%s:%d" % (host, port), "queries_file": a.queries,
           "qrels": a.qrels, "run": a.run, "template": a.template.format(limit=a.limit, q="<text>"),
           "query_text": "raw" if a.raw else "sanitized"}
    out.update(stats)
    out.update({k: (round(v, 4) if isinstance(v, float) else v) for k, v in means.items()})
    print("%-12s %d (in run: %d; empty %d, error replies %d, %.1f q/s)" % (
        "queries", means["queries"], means["queries_in_run"], stats["empty"], stats["errors"],
        stats["qps"] or 0.0))
    for m in eval_metrics.METRICS:
        print("%-12s %.4f" % (m, means[m]))
    if a.json:
        txt = json.dumps(out, ensure_ascii=False, indent=2) + "\n"
        if a.json == "-":
            sys.stdout.write(txt)
        else:
            try:
                with open(a.json, "w", encoding="utf-8") as f:
                    f.write(txt)
            except OSError as e:
                print("eval.py: %s" % e, file=sys.stderr)
                return 1
    if stats["errors"]:
        codes = ", ".join("%s %d" % kv for kv in sorted(stats["error_codes"].items()))
        print("eval.py: %d error replies (%s), scored as empty rankings" % (stats["errors"], codes),
              file=sys.stderr)
        if stats["errors"] == stats["queries_sent"] - stats["empty"]:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
