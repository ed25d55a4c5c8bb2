"""fhtest — helpers for the fahras-searchd integration tests (stdlib only).

Builds indexes with the real fahras-indexer, starts the real fahras-searchd on
127.0.0.1 with port 0 (the port comes back through --port-file), talks the line
protocol, and always stops every daemon it started, by pid, even when a test
fails. Every wait is bounded.

A test script calls fhtest.main(), which takes the binaries' paths from the
command line (CMake passes them) and runs the script's unittest cases:
    test_x.py --searchd PATH --indexer PATH --sample data/sample/news.jsonl
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

SEARCHD = None
INDEXER = None
SAMPLE = None

START_TIMEOUT = 20.0  # seconds for the daemon to write its port file
IO_TIMEOUT = 15.0     # seconds for any single socket read
WAIT_TIMEOUT = 30.0   # seconds wait_until() waits for a condition: bounds a hang only


def main():
    global SEARCHD, INDEXER, SAMPLE
    ap = argparse.ArgumentParser()
    ap.add_argument("--searchd", required=True)
    ap.add_argument("--indexer", required=True)
    ap.add_argument("--sample", required=True)
    args, rest = ap.parse_known_args()
    SEARCHD, INDEXER, SAMPLE = args.searchd, args.indexer, args.sample
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


def wait_until(cond, what, timeout=WAIT_TIMEOUT, step=0.05):
    """Poll cond() every `step` s until it returns a true value, which is
    returned; raise AssertionError naming `what` (a string, or a function
    that returns one) after `timeout` s. For a state the test needs before
    its next step, instead of a fixed sleep: the deadline is generous since
    only a failure waits for it."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("%s (waited %.0f s)" % (what() if callable(what) else what,
                                                          timeout))
        time.sleep(step)


# --------------------------------------------------------------- indexes

def write_jsonl(path, docs):
    with open(path, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")


def build_index(index_dir, input_path, timeout=120, args=()):
    """Run `fahras-indexer build --index DIR [ARGS] INPUT`; raise with its output on failure."""
    r = subprocess.run([INDEXER, "build", "--index", index_dir] + list(args) + [input_path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError("indexer failed (%d): %s" % (r.returncode,
                                                        r.stdout.decode("utf-8", "replace")))
    return r


def build_docs(index_dir, docs, workdir, args=()):
    """Write docs (a list of dicts) as JSONL in workdir and index them into index_dir
    (args: more fahras-indexer build options)."""
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, "docs-%d.jsonl" % time.monotonic_ns())
    write_jsonl(path, docs)
    return build_index(index_dir, path, args=args)


def version_docs(version, n=40):
    """n documents that all contain the word 'تقرير'; `version` is written
    into every id and into one marker word, so a reply tells its version
    (the hot-reload tests: test_reload.py, test_reload_retry.py)."""
    marker = {1: "قديم", 2: "جديد", 3: "ثالث"}[version]
    docs = []
    for i in range(n * version):  # versions differ in size too
        docs.append({"id": "v%d-%03d" % (version, i),
                     "title": "تقرير رقم %d" % i,
                     "text": "تقرير %s عن الطقس والزراعة في المنطقة %d" % (marker, i)})
    return docs


class TempDir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="fh-searchd-test-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)
        return False


def stop_class(tmp, daemons, clients=()):
    """tearDownClass of a test class that started daemons in setUpClass:
    close the clients, stop every daemon, remove tmp (a TempDir), then
    assert that each daemon exited with status 0."""
    for c in clients:
        c.close()
    codes = []
    for d in daemons:
        codes.append(d.stop())
        d.__exit__(None, None, None)
    tmp.__exit__(None, None, None)
    assert codes == [0] * len(codes), "searchd exit statuses %r" % codes


# --------------------------------------------------------------- the daemon

class Daemon:
    """A fahras-searchd process on 127.0.0.1:<port 0>. Use as a context
    manager; stop() sends SIGTERM and returns the exit status, and the context
    exit kills the process (by pid) if it is still running. index_dir None
    leaves --index to a --config file among `extra`; closed_fds are closed in
    the child before the exec (its log then goes nowhere)."""

    def __init__(self, index_dir, *extra, workdir=None, threads=2, cwd=None, log_level="debug",
                 closed_fds=()):
        self.index_dir = index_dir
        self.closed_fds = tuple(closed_fds)
        self.log_level = log_level  # None: no --log-level flag (a --config file's, or info)
        self.cwd = cwd
        self.extra = list(extra)
        self.threads = threads
        self.own_dir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="fh-searchd-run-")
        self.port_file = os.path.join(self.workdir, "port-%d" % time.monotonic_ns())
        self.log_path = self.port_file + ".log"
        self.proc = None
        self.port = None

    def start(self):
        cmd = [SEARCHD] + (["--index", self.index_dir] if self.index_dir is not None else []) + [
            "--listen", "127.0.0.1:0", "--port-file", self.port_file,
            "--threads", str(self.threads)] + (
                ["--log-level", self.log_level] if self.log_level else []) + self.extra
        self.log = open(self.log_path, "wb")
        closed = self.closed_fds
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     cwd=self.cwd,
                                     preexec_fn=(lambda: [os.close(fd) for fd in closed])
                                     if closed else None)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("searchd exited with %d at start:\n%s"
                                   % (self.proc.returncode, self.logtext()))
            try:
                with open(self.port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    break
            except (FileNotFoundError, ValueError):
                pass
            time.sleep(0.02)
        if self.port is None:
            self.kill()
            raise RuntimeError("searchd did not start:\n" + self.logtext())
        # the port file is written before the workers start: wait for a PING
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with self.client() as c:
                    r = c.request("PING")
                    if r.get("pong"):
                        return self
                    self.kill()
                    raise RuntimeError("searchd answered PING with %r:\n%s"
                                       % (r, self.logtext()))
            except (OSError, EOFError):
                if time.monotonic() > deadline:
                    self.kill()
                    raise
                time.sleep(0.05)

    def wait_log(self, text, count=1, timeout=WAIT_TIMEOUT):
        """Wait until the log holds `text` at least `count` times."""
        wait_until(lambda: self.logtext().count(text) >= count,
                   lambda: "%r not logged %d times; the log:\n%s" % (text, count, self.logtext()),
                   timeout)

    def logtext(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def client(self, timeout=IO_TIMEOUT, rcvbuf=None):
        return Client(self.port, timeout, rcvbuf)

    def signal(self, sig):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, sig)

    def stop(self, timeout=20.0):
        """SIGTERM, wait; returns the exit status (kills on timeout and fails)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
            if code != 0:  # show why (sanitizer report, error log) in ctest output
                sys.stderr.write("searchd exited with %d; its log:\n%s\n"
                                 % (code, self.logtext()))
            return code
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("searchd did not exit within %.0f s of SIGTERM:\n%s"
                                 % (timeout, self.logtext()))

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def __exit__(self, *exc):
        self.kill()
        if getattr(self, "log", None):
            self.log.close()
        if self.own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return False


# --------------------------------------------------------------- the client

class Client:
    """One TCP connection speaking the line protocol."""

    def __init__(self, port, timeout=IO_TIMEOUT, rcvbuf=None):
        if rcvbuf is None:
            self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        else:  # a small receive buffer, set before connecting: a slow reader
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            self.sock.settimeout(timeout)
            self.sock.connect(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, line):
        self.sock.sendall(line.encode("utf-8") + b"\n")

    def send_in_background(self, data):
        """Send data from another thread while this one reads (a client that
        keeps sending); a send the server refuses once it has closed ends
        quietly. Returns the thread."""
        def run():
            try:
                self.sock.sendall(data)
            except OSError:
                pass
        t = threading.Thread(target=run, daemon=True)
        t.start()
        return t

    def read_line(self):
        """One reply line (bytes, without the newline); b"" at EOF."""
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                rest, self.buf = self.buf, b""
                return rest
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def read_json(self):
        line = self.read_line()
        if not line:
            raise EOFError("connection closed by the server")
        return json.loads(line.decode("utf-8"))

    def request(self, line):
        self.send(line)
        return self.read_json()

    def at_eof(self, timeout):
        """True if the server closes the connection within `timeout` seconds."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def error_code(reply):
    """The error code of a reply, or None for a normal reply."""
    if isinstance(reply, dict) and "error" in reply:
        return reply["error"]["code"]
    return None


def hit_ids(reply):
    return [h["id"] for h in reply["hits"]]
