#!/usr/bin/env python3
"""stress_searchd.py — hammer a fahras-searchd for a bounded time and check it survives.

Starts the daemon itself (127.0.0.1, port 0, --port-file) on an existing index,
then runs many client threads until --duration runs out. Each client picks a
scenario at random:

  valid     pipelined batches of SEARCH / GET / KEYWORDS / STATS / PING with
            random options and queries made of corpus words and operators
            (+ - "phrase" prefix* field:), every reply read and checked
  heavy     limit=1000, 8 snippets of 4096 chars, hundreds of terms, 60 KB
            queries, lines over --max-line
  junk      random bytes with newlines (one reply per newline expected)
  half      part of a line, then close
  abort     many heavy requests pipelined, a few bytes read, then a reset
            (SO_LINGER 0) in the middle of the replies
  stall     pipeline a lot without reading for a while, then read or close

Checks: the daemon process stays alive, every reply is one line of JSON (an
object), replies come back one per request line and in order (the verb of a
success matches the request), and the daemon exits 0 on SIGTERM at the end.
Standard library only. Exit 0 when everything held, 1 otherwise.

  stress_searchd.py --searchd BUILD/searchd/fahras-searchd --index DIR \
      --corpus data/sample/news.jsonl --duration 120 --clients 24
"""
import argparse
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

FIELDS = ["title", "text", "date", "source", "id", "url", "nope", "x" * 63]
OPTS_BOOL = ["0", "1", "true", "false", "on", "off", "yes", "no", "maybe"]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.c = {}
        self.failures = []

    def add(self, key, n=1):
        with self.lock:
            self.c[key] = self.c.get(key, 0) + n

    def fail(self, msg):
        with self.lock:
            self.c["FAIL"] = self.c.get("FAIL", 0) + 1
            if len(self.failures) < 50:
                self.failures.append(msg)


def load_corpus(path, max_lines=3000):
    words, ids = set(), []
    with open(path, encoding="utf-8", errors="replace") as f:
        for i, line in enumerate(f):
            if i >= max_lines:
                break
            try:
                d = json.loads(line)
            except ValueError:
                continue
            ids.append(str(d.get("id")))
            for k in ("title", "text"):
                v = d.get(k)
                if isinstance(v, str):
                    for w in v.split()[:80]:
                        w = w.strip(".,:;!?()[]{}\"'«»،؛؟")
                        if w and len(w) < 40:
                            words.add(w)
    return sorted(words), ids


class Gen:
    def __init__(self, rnd, words, ids):
        self.r = rnd
        self.words = words
        self.ids = ids

    def word(self):
        r = self.r
        w = r.choice(self.words)
        x = r.random()
        if x < 0.08:
            w = w[: max(1, len(w) // 2)] + "*"
        elif x < 0.14:
            w = r.choice(["title:", "text:", "TITLE:", "nope:", "date:"]) + w
        if r.random() < 0.15:
            w = r.choice("+-") + w
        return w

    def query(self, nmin=1, nmax=6):
        r = self.r
        parts = []
        for _ in range(r.randint(nmin, nmax)):
            x = r.random()
            if x < 0.12:
                n = r.randint(1, 5)
                ph = " ".join(r.choice(self.words) for _ in range(n))
                pre = r.choice(["", "", "+", "-", "title:", "+text:"])
                parts.append(pre + '"' + ph + ('"' if r.random() < 0.9 else ""))
            elif x < 0.16:
                parts.append(r.choice(["*", "**", "+", "-", '""', '"', ":", "title:", "a*",
                                       "DeepSeek-R1", "H800", "5.6%", "٣٫١٤", "e-mail",
                                       "ﻻ", "مُحَمَّدٌ", "+-x", "-+", "--", "x:y:z"]))
            else:
                parts.append(self.word())
        return " ".join(parts)

    def options(self):
        r = self.r
        o = []
        if r.random() < 0.4:
            lim = r.choice([0, 1, 5, 10, 50, 100, 1000, 1001, 99999999999])
            o.append("limit=%d" % lim)
        if r.random() < 0.25:
            o.append("offset=%d" % r.choice([0, 1, 10, 500, 999, 1000, 2000]))
        if r.random() < 0.3:
            o.append("snippets=" + r.choice(OPTS_BOOL))
        if r.random() < 0.3:
            o.append("snippet_len=%d" % r.choice([0, 1, 2, 20, 160, 1000, 4096, 4097]))
        if r.random() < 0.25:
            o.append(r.choice(["snippet_count", "snippets_count"]) + "=%d" % r.randint(0, 9))
        if r.random() < 0.25:
            o.append(r.choice(["hl=<em>,</em>", "hl=,", "hl=[[,]]", "hl=«,»", "hl=x",
                               "hl_open=<mark>", "hl_close=</mark>", "hl=" + "y" * 65 + ",z",
                               'hl_open="', "hl=<b>,</b>,<i>"]))
        if r.random() < 0.3:
            n = r.randint(0, 18)
            o.append("fields=" + ",".join(r.choice(FIELDS) for _ in range(n)))
        if r.random() < 0.2:
            o.append(r.choice(["escape=html", "escape=none", "escape=HTML", "escape=xml"]))
        if r.random() < 0.03:
            o.append(r.choice(["bogus=1", "LIMIT=3", "Offset=1", "--"]))
        r.shuffle(o)
        return o

    def request(self):
        """(line bytes, expected verb or None when the reply may be an error)."""
        r = self.r
        x = r.random()
        if x < 0.62:
            verb = r.choice(["SEARCH", "search", "Search"])
            q = self.query()
            line = " ".join([verb] + self.options() + [q])
            return line.encode(), "search"
        if x < 0.77:
            i = r.choice(self.ids) if r.random() < 0.8 else "no-such-%d" % r.randint(0, 999)
            return ("GET " + i).encode(), "get"
        if x < 0.90:
            return ("KEYWORDS " + self.query(1, 12)).encode(), "keywords"
        if x < 0.95:
            return b"STATS", "stats"
        if x < 0.98:
            return b"PING", "ping"
        return r.choice([b"", b"   ", b"FOO", b"GET", b"SEARCH", b"SEARCH limit=3",
                         b"STATS now", b"\xff\xfe", b"SEARCH a\x00b"]), None

    def heavy(self):
        r = self.r
        x = r.random()
        if x < 0.3:
            q = self.query(2, 6)
            return ("SEARCH limit=1000 snippets=1 snippet_len=4096 snippet_count=8 "
                    "fields=title,text,date,source " + q).encode(), "search"
        if x < 0.5:
            n = r.choice([64, 65, 100, 256, 300, 1000])
            q = " ".join(r.choice(self.words) for _ in range(n))
            return ("SEARCH " + q).encode(), None
        if x < 0.65:
            q = " ".join(self.word() for _ in range(r.randint(5, 60)))
            return ("SEARCH limit=100 " + q).encode(), "search"
        if x < 0.8:
            n = r.choice([30000, 60000, 65530, 65536, 65537, 70000, 200000])
            body = ("KEYWORDS " if r.random() < 0.3 else "SEARCH ").encode()
            q = b""
            while len(q) < n:
                q += r.choice(self.words).encode() + b" "
            return body + q[:n], None
        if x < 0.9:
            # prefix-heavy
            q = " ".join(r.choice(self.words)[:1] + "*" for _ in range(r.randint(1, 40)))
            return ("SEARCH limit=1000 " + q).encode(), None
        return ('SEARCH "' + " ".join(r.choice(self.words) for _ in range(r.randint(2, 40)))
                + '"').encode(), None


def connect(port, timeout=30):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def reset_close(s):
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    s.close()


class Reader:
    def __init__(self, s, max_line=64 << 20):
        self.s = s
        self.buf = bytearray()
        self.max_line = max_line

    def line(self):
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                ln = bytes(self.buf[:i])
                del self.buf[: i + 1]
                return ln
            if len(self.buf) > self.max_line:
                raise ValueError("reply line over %d bytes" % self.max_line)
            d = self.s.recv(1 << 20)
            if not d:
                return None
            self.buf += d


def check_reply(st, ln, verb, req):
    try:
        obj = json.loads(ln.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        st.fail("bad JSON reply (%s) to %r: %r" % (e, req[:200], ln[:300]))
        return
    if not isinstance(obj, dict):
        st.fail("reply is not an object: %r" % ln[:200])
        return
    if "error" in obj:
        err = obj["error"]
        if not (isinstance(err, dict) and isinstance(err.get("code"), str)):
            st.fail("malformed error reply %r" % ln[:200])
        else:
            st.add("err:" + err["code"])
            if err["code"] in ("internal_error", "corrupt_index", "storage_error", "out_of_memory"):
                st.fail("server-side error %s to %r: %r" % (err["code"], req[:200], ln[:300]))
        return
    st.add("ok:" + (verb or "?"))
    if verb == "search" and not ("hits" in obj and "total" in obj):
        st.fail("SEARCH reply without hits/total: %r" % ln[:200])
    elif verb == "get" and "doc" not in obj:
        st.fail("GET reply without doc: %r" % ln[:200])
    elif verb == "keywords" and "tokens" not in obj:
        st.fail("KEYWORDS reply without tokens: %r" % ln[:200])
    elif verb == "stats" and "requests" not in obj:
        st.fail("STATS reply without requests: %r" % ln[:200])
    elif verb == "ping" and not obj:
        pass


def send_batch(s, reqs):
    data = b"".join(r + (b"\r\n" if i % 7 == 3 else b"\n") for i, (r, _) in enumerate(reqs))
    # dribble sometimes, to split lines at arbitrary points
    if len(data) < 4096 and random.random() < 0.2:
        i = 0
        while i < len(data):
            k = random.randint(1, 64)
            s.sendall(data[i:i + k])
            i += k
    else:
        s.sendall(data)


def scenario_valid(st, port, g, heavy=False):
    s = connect(port)
    try:
        rd = Reader(s)
        for _ in range(g.r.randint(1, 8)):
            n = g.r.randint(1, 60 if not heavy else 6)
            reqs = [g.heavy() if heavy else g.request() for _ in range(n)]
            # writer thread so a big pipelined batch cannot deadlock on full buffers
            t = threading.Thread(target=send_batch, args=(s, reqs), daemon=True)
            t.start()
            for req, verb in reqs:
                ln = rd.line()
                if ln is None:
                    st.fail("connection closed with replies missing (after %r)" % req[:100])
                    return
                st.add("replies")
                if ln.startswith(b'{"error":{"code":"too_many_connections"'):
                    st.add("rejected")  # refused at accept: one line, then close
                    return
                check_reply(st, ln, verb, req)
            t.join()
            st.add("requests", n)
    finally:
        s.close()


def scenario_junk(st, port, g):
    r = g.r
    s = connect(port)
    try:
        rd = Reader(s)
        n_lines = r.randint(1, 30)
        data = bytearray()
        for _ in range(n_lines):
            k = r.choice([0, 1, 5, 50, 500, 5000])
            junk = bytes(r.getrandbits(8) for _ in range(k))
            junk = junk.replace(b"\n", b" ")
            if r.random() < 0.3:
                junk = b"SEARCH " + junk
            data += junk + b"\n"
        send = threading.Thread(target=s.sendall, args=(bytes(data),), daemon=True)
        send.start()
        for _ in range(n_lines):
            ln = rd.line()
            if ln is None:
                st.fail("junk: connection closed early")
                return
            if ln.startswith(b'{"error":{"code":"too_many_connections"'):
                st.add("rejected")
                return
            st.add("replies")
            check_reply(st, ln, None, b"<junk>")
        send.join()
        st.add("requests", n_lines)
    finally:
        s.close()


def scenario_half(st, port, g):
    s = connect(port)
    req, _ = g.request() if g.r.random() < 0.7 else g.heavy()
    s.sendall(req[: g.r.randint(0, len(req))])
    if g.r.random() < 0.5:
        time.sleep(g.r.random() * 0.05)
    if g.r.random() < 0.5:
        reset_close(s)
    else:
        try:
            s.shutdown(socket.SHUT_WR)
            s.settimeout(2)
            s.recv(1024)
        except OSError:
            pass
        s.close()
    st.add("half")


def scenario_abort(st, port, g):
    s = connect(port)
    reqs = [g.heavy() for _ in range(g.r.randint(1, 30))]
    try:
        s.sendall(b"".join(r + b"\n" for r, _ in reqs))
        if g.r.random() < 0.7:
            s.settimeout(5)
            s.recv(g.r.randint(1, 50000))
    except OSError:
        pass
    reset_close(s)
    st.add("aborts")


def scenario_stall(st, port, g):
    s = connect(port)
    s.settimeout(3)
    reqs = [g.request() for _ in range(g.r.randint(100, 2000))]
    data = b"".join(r + b"\n" for r, _ in reqs)
    try:
        sent = 0
        end = time.time() + 1.0
        while sent < len(data) and time.time() < end:
            try:
                sent += s.send(data[sent:sent + 65536])
            except socket.timeout:
                break
        time.sleep(g.r.random())
        if g.r.random() < 0.5:
            s.settimeout(10)
            rd = Reader(s)
            for _ in range(min(50, len(reqs))):
                if rd.line() is None:
                    break
    except OSError:
        pass
    reset_close(s)
    st.add("stalls")


def client(st, port, seed, deadline, words, ids, alive):
    g = Gen(random.Random(seed), words, ids)
    while time.time() < deadline and alive[0]:
        x = g.r.random()
        try:
            if x < 0.55:
                scenario_valid(st, port, g)
            elif x < 0.67:
                scenario_valid(st, port, g, heavy=True)
            elif x < 0.77:
                scenario_junk(st, port, g)
            elif x < 0.87:
                scenario_half(st, port, g)
            elif x < 0.95:
                scenario_abort(st, port, g)
            else:
                scenario_stall(st, port, g)
        except ConnectionRefusedError:
            st.fail("connection refused (daemon gone?)")
            time.sleep(0.5)
        except (socket.timeout, TimeoutError):
            st.add("client_timeouts")
        except (ConnectionResetError, BrokenPipeError) as e:
            st.add("client_resets")
            st.add("reset:" + type(e).__name__)
        except OSError as e:
            st.add("oserror:" + str(e.errno))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--searchd", required=True)
    ap.add_argument("--index", required=True)
    ap.add_argument("--corpus", required=True, help="JSON Lines with id/title/text")
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--clients", type=int, default=24)
    ap.add_argument("--threads", type=int, default=4, help="daemon worker threads")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--loadgen", help="also run fahras-loadgen -c 16 -D 64 alongside")
    ap.add_argument("--log", default=None, help="daemon stderr file (default: temp)")
    ap.add_argument("--extra", default="", help="extra daemon flags, space separated")
    a = ap.parse_args()
    a.duration = min(a.duration, 180.0)
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    print("seed", seed, flush=True)
    words, ids = load_corpus(a.corpus)
    tmp = "/tmp/fh-stress-%d" % os.getpid()
    os.makedirs(tmp, exist_ok=True)
    port_file = os.path.join(tmp, "port")
    log_path = a.log or os.path.join(tmp, "searchd.log")
    cmd = [a.searchd, "--index", a.index, "--listen", "127.0.0.1:0", "--port-file", port_file,
           "--threads", str(a.threads), "--log-level", "warn"] + a.extra.split()
    logf = open(log_path, "wb")
    proc = subprocess.Popen(cmd, stderr=logf, stdout=logf)
    port = None
    for _ in range(300):
        if proc.poll() is not None:
            break
        try:
            with open(port_file) as f:
                port = int(f.read().strip())
            break
        except (OSError, ValueError):
            time.sleep(0.05)
    if port is None:
        print("daemon did not start; log:", log_path)
        proc.kill()
        return 1
    print("daemon pid", proc.pid, "port", port, "log", log_path, flush=True)

    st = Stats()
    alive = [True]
    deadline = time.time() + a.duration
    lg = None
    if a.loadgen:
        qf = os.path.join(tmp, "queries.txt")
        g = Gen(random.Random(seed ^ 1), words, ids)
        with open(qf, "w", encoding="utf-8") as f:
            for _ in range(5000):
                f.write(g.query(1, 8).replace("\t", " ") + "\n")
        lg = subprocess.Popen([a.loadgen, "--queries", qf, "-c", "16", "-D", "64", "-w", "1",
                               "-d", str(max(1, int(a.duration) - 5)),
                               "-p", "SEARCH limit=20 snippets=1 {q}", "-j",
                               os.path.join(tmp, "loadgen.json"), "--quiet",
                               "127.0.0.1:%d" % port])
    threads = [threading.Thread(target=client, daemon=True,
                                args=(st, port, seed * 1000 + i, deadline, words, ids, alive))
               for i in range(a.clients)]
    for t in threads:
        t.start()
    while time.time() < deadline:
        time.sleep(0.5)
        if proc.poll() is not None:
            st.fail("daemon exited with status %s during the run" % proc.returncode)
            alive[0] = False
            break
    for t in threads:
        t.join(timeout=60)
    if lg:
        try:
            lg.wait(timeout=60)
        except subprocess.TimeoutExpired:
            lg.kill()
        try:
            with open(os.path.join(tmp, "loadgen.json")) as f:
                lj = json.load(f)
            print("loadgen:", json.dumps(lj)[:600])
        except (OSError, ValueError) as e:
            print("loadgen: no result (%s), exit %s" % (e, lg.returncode))
    if proc.poll() is None:
        try:
            s = connect(port, 10)
            s.sendall(b"STATS\n")
            ln = Reader(s).line()
            s.close()
            print("final STATS:", (ln or b"")[:800].decode("utf-8", "replace"))
            json.loads(ln)
        except Exception as e:  # noqa: BLE001 - any failure here is a finding
            st.fail("final STATS failed: %r" % e)
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            st.fail("daemon did not exit within 60 s of SIGTERM")
            proc.kill()
            rc = proc.wait()
        if rc != 0:
            st.fail("daemon exit status %d after SIGTERM" % rc)
    logf.close()
    print("counts:", json.dumps(dict(sorted(st.c.items()))))
    for f in st.failures:
        print("FAIL:", f)
    print("RESULT:", "FAIL" if st.c.get("FAIL") else "OK")
    return 1 if st.c.get("FAIL") else 0


if __name__ == "__main__":
    sys.exit(main())
