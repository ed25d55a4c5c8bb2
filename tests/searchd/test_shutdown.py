"""SIGTERM / SIGINT / SIGHUP: stop accepting, answer the requests already
received, flush, exit 0 (SIGHUP stays ignored if it was ignored at start)."""

import json
import os
import signal
import stat
import subprocess
import time
import unittest

import fhtest
from fhtest import Client, Daemon, TempDir, build_index, error_code


def non_reader(d):
    """A client that pipelines searches and never reads their replies (a small
    receive buffer): it holds a drain until the drain timeout. The caller
    closes it."""
    c = d.client(timeout=2, rcvbuf=4096)
    try:
        for _ in range(20):
            c.send_raw("SEARCH limit=50 snippet_len=500 النفط\n".encode() * 200)
    except OSError:  # the server stopped reading: its output is full
        pass
    return c


class ShutdownTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.root = cls.tmp.__enter__()
        cls.index = os.path.join(cls.root, "sample")
        build_index(cls.index, fhtest.SAMPLE)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.__exit__(None, None, None)

    def test_sigterm_finishes_in_flight_requests(self):
        with Daemon(self.index, workdir=self.root, threads=2) as d:
            with d.client() as a, d.client() as b:
                self.assertEqual(a.request("PING"), {"ok": True, "pong": True})
                self.assertEqual(b.request("PING"), {"ok": True, "pong": True})
                a.send("SEARCH limit=50 snippets_count=4 النفط")
                batch = "".join("SEARCH limit=10 %s\n" % q
                                for q in ["الشركات", "النفط", "الطقس"] * 30)
                b.send_raw(batch.encode("utf-8"))
                time.sleep(0.05)  # let the requests reach the server
                d.signal(signal.SIGTERM)
                r = a.read_json()
                self.assertIsNone(error_code(r), r)
                self.assertGreater(r["total"], 0)
                for _ in range(90):
                    r = b.read_json()
                    self.assertIsNone(error_code(r), r)
                # then the server closes both
                self.assertTrue(a.at_eof(10))
                self.assertTrue(b.at_eof(10))
            code = d.proc.wait(timeout=20)
            self.assertEqual(code, 0, d.logtext())
            port = d.port
        # no longer accepting
        with self.assertRaises(OSError):
            Client(port, timeout=2).request("PING")

    def test_sigterm_while_client_still_sends_loses_no_reply(self):
        # a slow reader keeps pipelining searches when SIGTERM comes: it gets
        # the replies to what the server had received, each whole and in
        # order, then end of stream; never a reset that would make its
        # kernel drop the replies it has not read yet
        n = 3000
        qs = ["النفط", "الشركات", "الطقس"]
        data = "".join("SEARCH limit=%d snippet_len=400 snippets_count=8 %s\n" %
                       (i % 40 + 1, qs[i % 3]) for i in range(n)).encode("utf-8")
        with Daemon(self.index, "--max-output", "4096", workdir=self.root, threads=1) as d:
            with d.client(rcvbuf=4096) as c:
                t = c.send_in_background(data)
                time.sleep(0.5)
                d.signal(signal.SIGTERM)
                time.sleep(0.3)
                got = 0
                while True:
                    line = c.read_line()  # a reset raises ConnectionResetError
                    if not line:
                        break
                    r = json.loads(line.decode("utf-8"))  # never a cut line
                    self.assertIsNone(error_code(r), r)
                    self.assertEqual(len(r["hits"]), min(got % 40 + 1, r["total"]), got)
                    got += 1
                self.assertGreater(got, 0)
                t.join(10)
            self.assertEqual(d.proc.wait(timeout=20), 0, d.logtext())

    def test_sighup_drains_like_sigterm(self):
        # SIGHUP is a graceful stop too: requests already received are
        # answered, the server logs why it stops, and it exits 0
        with Daemon(self.index, workdir=self.root, threads=2) as d:
            with d.client() as c:
                self.assertEqual(c.request("PING"), {"ok": True, "pong": True})
                batch = "".join("SEARCH limit=10 %s\n" % q for q in ["النفط", "الشركات"] * 40)
                c.send_raw(batch.encode("utf-8"))
                time.sleep(0.05)  # let the requests reach the server
                d.signal(signal.SIGHUP)
                for _ in range(80):
                    r = c.read_json()
                    self.assertIsNone(error_code(r), r)
                self.assertTrue(c.at_eof(10))
            self.assertEqual(d.proc.wait(timeout=20), 0, d.logtext())
            log = d.logtext()
            self.assertIn("SIGHUP: no longer accepting", log)
            self.assertIn("stopped: all workers drained", log)

    def test_sighup_ignored_at_start_stays_ignored(self):
        # started with SIGHUP ignored (as under nohup): it stays ignored
        d = Daemon(self.index, workdir=self.root, threads=1)
        old = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # inherited across exec
        try:
            d.__enter__()  # stops the daemon itself if the start fails
        finally:
            signal.signal(signal.SIGHUP, old)
        try:
            d.signal(signal.SIGHUP)
            time.sleep(0.3)
            self.assertIsNone(d.proc.poll(), d.logtext())
            with d.client() as c:
                self.assertEqual(c.request("PING"), {"ok": True, "pong": True})
            self.assertEqual(d.stop(), 0)
            self.assertIn("SIGHUP was ignored at start", d.logtext())
            self.assertIn("SIGTERM: no longer accepting", d.logtext())
        finally:
            d.__exit__(None, None, None)

    def test_sigint_idle_server_exits_zero(self):
        with Daemon(self.index, workdir=self.root) as d:
            with d.client() as c:
                self.assertEqual(c.request("PING"), {"ok": True, "pong": True})
                c.send_raw(b"SEARCH half a li")  # a partial line is not in flight
                self.assertTrue(os.path.exists(d.port_file))
                d.signal(signal.SIGINT)
                self.assertTrue(c.at_eof(10))
            self.assertEqual(d.proc.wait(timeout=20), 0, d.logtext())
            # a clean exit removes the port file, so a restart's is not confused with it
            self.assertFalse(os.path.exists(d.port_file))
        # ... unless it no longer holds this server's port (another took it over)
        with Daemon(self.index, workdir=self.root) as d:
            with open(d.port_file, "w") as f:
                f.write("1\n")
            d.signal(signal.SIGTERM)
            self.assertEqual(d.proc.wait(timeout=20), 0, d.logtext())
            with open(d.port_file) as f:
                self.assertEqual(f.read(), "1\n")
        # ... or is another file now, even one naming this server's port
        with Daemon(self.index, workdir=self.root) as d:
            other = d.port_file + ".other"
            with open(other, "w") as f:
                f.write("%d\n" % d.port)
            os.replace(other, d.port_file)
            self.assertEqual(d.stop(), 0)
            with open(d.port_file) as f:
                self.assertEqual(f.read(), "%d\n" % d.port)
            os.unlink(d.port_file)

    def test_closed_standard_descriptors_get_dev_null(self):
        # started with 0, 1 and 2 closed (or only 2), the daemon puts /dev/null
        # there before it opens anything: the index, the listening socket and
        # libevent's pipes do not land on them, and no log line is written
        # into one of its own descriptors; it serves and stops as usual
        for closed in ((0, 1, 2), (2,)):
            with Daemon(self.index, workdir=self.root, threads=1, closed_fds=closed) as d:
                for fd in closed:
                    self.assertEqual(os.readlink("/proc/%d/fd/%d" % (d.proc.pid, fd)),
                                     "/dev/null", (closed, fd))
                with d.client() as c:
                    r = c.request("SEARCH النفط")
                    self.assertIsNone(error_code(r), r)
                    self.assertGreater(r["total"], 0)
                    r = c.request("STATS")
                    self.assertIsNone(error_code(r), r)
                    self.assertGreaterEqual(r["requests"], 1, r)
                self.assertEqual(d.stop(), 0, closed)
                if closed == (2,):  # stdout is the log file: the log did not go there
                    self.assertEqual(d.logtext(), "")

    def start_fails(self, port_file):
        """Start searchd with --port-file port_file, expecting it to give up:
        returns its stderr (exit status 1 asserted; killed after 20 s)."""
        p = subprocess.Popen([fhtest.SEARCHD, "--index", self.index, "--listen", "127.0.0.1:0",
                              "--threads", "1", "--port-file", port_file],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _, err = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate(timeout=10)
        self.assertEqual(p.returncode, 1, err)
        self.assertFalse(os.path.exists(port_file + ".tmp"))
        return err.decode("utf-8", "replace")

    def test_port_file_must_be_a_regular_file(self):
        # what is at the path is refused and left in place, never replaced
        # (a FIFO stands for a device such as /dev/null: nothing here touches /dev)
        fifo = os.path.join(self.root, "fifo-port")
        os.mkfifo(fifo)
        folder = os.path.join(self.root, "dir-port")
        os.mkdir(folder)
        for path, kind in ((fifo, "a FIFO"), (folder, "a directory")):
            err = self.start_fails(path)
            self.assertIn("ERROR cannot write --port-file %s: it is %s; it must be a regular "
                          "file or not exist" % (path, kind), err)
            self.assertNotIn("listening on", err)
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode))
        self.assertTrue(stat.S_ISDIR(os.lstat(folder).st_mode))
        # a symbolic link is refused too: neither the link nor its target is written
        target = os.path.join(self.root, "link-target")
        with open(target, "w") as f:
            f.write("x\n")
        link = os.path.join(self.root, "link-port")
        os.symlink(target, link)
        err = self.start_fails(link)
        self.assertIn("ERROR cannot write --port-file %s: it is a symbolic link" % link, err)
        self.assertEqual(os.readlink(link), target)
        with open(target) as f:
            self.assertEqual(f.read(), "x\n")
        # a regular file is replaced, also a PATH.tmp a killed server left behind
        d = Daemon(self.index, workdir=self.root, threads=1)
        for name in (d.port_file, d.port_file + ".tmp"):
            open(name, "w").close()  # empty: Daemon waits for a number
        with d:
            with open(d.port_file) as f:
                self.assertEqual(f.read(), "%d\n" % d.port)
            self.assertFalse(os.path.exists(d.port_file + ".tmp"))
            self.assertEqual(d.stop(), 0)
        self.assertFalse(os.path.exists(d.port_file))

    def test_port_file_in_a_read_only_directory(self):
        if os.geteuid() == 0:
            self.skipTest("root writes any directory: the case needs a normal user")
        ro = os.path.join(self.root, "read-only")
        os.mkdir(ro)
        port = os.path.join(ro, "port")
        with open(port, "w") as f:
            f.write("\n")
        os.chmod(port, 0o666)
        os.chmod(ro, 0o555)
        try:
            err = self.start_fails(port)
        finally:
            os.chmod(ro, 0o755)
        self.assertIn("ERROR cannot write --port-file %s: its directory %s is not writable "
                      "(Permission denied); the port is written to %s.tmp first, then renamed "
                      "over the file" % (port, ro, port), err)

    def test_sigterm_with_unread_replies_respects_drain_timeout(self):
        with Daemon(self.index, "--drain-timeout", "1", "--max-output", "65536",
                    workdir=self.root, threads=1) as d:
            hog = non_reader(d)
            try:
                t0 = time.monotonic()
                d.signal(signal.SIGTERM)
                self.assertEqual(d.proc.wait(timeout=20), 0, d.logtext())
                took = time.monotonic() - t0
                # it waited for the client (the 1 s drain timeout), then gave up on it
                self.assertGreaterEqual(took, 0.9, d.logtext())
                self.assertLess(took, 8)
                self.assertIn("drain timeout", d.logtext())
                self.assertIn("stopped: 1 connection closed before every reply was sent",
                              d.logtext())
                self.assertNotIn("all workers drained", d.logtext())
            finally:
                hog.close()

    def test_requests_still_in_the_socket_are_answered(self):
        # the requests reach the server's socket while it is stopped, so none
        # has been read when SIGTERM comes: the drain reads them and answers
        # every one
        n = 5000
        with Daemon(self.index, workdir=self.root, threads=1) as d:
            with d.client() as c:
                self.assertEqual(c.request("PING"), {"ok": True, "pong": True})
                d.signal(signal.SIGSTOP)
                try:
                    c.send_raw(b"PING\n" * n)  # 25 KB: fits the socket buffers
                    time.sleep(0.1)
                    d.signal(signal.SIGTERM)
                finally:
                    d.signal(signal.SIGCONT)
                for i in range(n):
                    self.assertEqual(c.read_json(), {"ok": True, "pong": True}, i)
                self.assertTrue(c.at_eof(10))
            self.assertEqual(d.proc.wait(timeout=20), 0, d.logtext())

    def test_drain_waits_for_a_reader_past_max_output(self):
        # the replies to the requests already received exceed --max-output:
        # the drain waits for the client to read them, as the server does
        # at any other time, instead of dropping the rest
        # (every document, ~18 MB of replies to 30 KB of requests: more than
        # the kernel's socket buffers take, so most wait in the server;
        # --drain-timeout 120, not the default 10 s, so that a slow build
        # (ThreadSanitizer runs these queries 10x slower) still drains in time)
        n = 200
        line = ("SEARCH limit=45 snippet_len=1000 snippets_count=2 " +
                " ".join(ch + "*" for ch in "ابتثجحخدذرزسشصضطظعغفقكلمنهوي") +
                "\n").encode("utf-8")
        with Daemon(self.index, "--max-output", "8192", "--drain-timeout", "120",
                    workdir=self.root, threads=1) as d:
            with d.client(rcvbuf=4096) as c:
                c.send_raw(line * n)
                time.sleep(0.3)  # received; most replies wait for the client
                d.signal(signal.SIGTERM)
                for i in range(n):
                    r = c.read_json()
                    self.assertIsNone(error_code(r), (i, r))
                self.assertTrue(c.at_eof(10))
            self.assertEqual(d.proc.wait(timeout=20), 0, d.logtext())

    def test_repeated_signal_within_a_second_is_one_request(self):
        # `timeout` and other supervisors send the same signal twice (to the
        # child, then to its process group): a repeat within 1 s is the same
        # stop request and does not cut the drain short, so a client that
        # reads its replies late still gets every one
        # (every document, ~9 MB of replies to 15 KB of requests: more than
        # the kernel's socket buffers take, so most wait in the server)
        n = 100
        line = ("SEARCH limit=45 snippet_len=1000 snippets_count=2 " +
                " ".join(ch + "*" for ch in "ابتثجحخدذرزسشصضطظعغفقكلمنهوي") +
                "\n").encode("utf-8")
        with Daemon(self.index, "--drain-timeout", "60", "--max-output", "8192",
                    workdir=self.root, threads=1) as d:
            with d.client(rcvbuf=4096) as c:
                c.send_raw(line * n)
                time.sleep(0.3)  # received; the server waits for the client to read
                d.signal(signal.SIGTERM)
                time.sleep(0.1)  # two deliveries, not one pending signal
                d.signal(signal.SIGTERM)
                time.sleep(0.5)  # the client reads late
                for i in range(n):
                    r = c.read_json()
                    self.assertIsNone(error_code(r), (i, r))
                self.assertTrue(c.at_eof(10))
            self.assertEqual(d.proc.wait(timeout=20), 0, d.logtext())
            self.assertNotIn("second signal", d.logtext())
            self.assertIn("SIGTERM again within 1 s of the first", d.logtext())
            self.assertIn("all workers drained", d.logtext())

    def test_second_signal_cuts_the_drain_short(self):
        # a client that never reads would hold the drain for --drain-timeout
        # (60 s here); the same signal again, more than 1 s after the first,
        # ends it at once
        with Daemon(self.index, "--drain-timeout", "60", "--max-output", "65536",
                    workdir=self.root, threads=2) as d:
            hog = non_reader(d)
            try:
                d.signal(signal.SIGTERM)
                time.sleep(2)  # past the 1 s in which a repeat is the same request
                self.assertIsNone(d.proc.poll(), "exited before the second signal")
                t0 = time.monotonic()
                d.signal(signal.SIGTERM)
                self.assertEqual(d.proc.wait(timeout=20), 0, d.logtext())
                self.assertLess(time.monotonic() - t0, 5)
                self.assertIn("second signal", d.logtext())
                # the log says the drain was cut, not that it completed
                self.assertIn("stopped: 1 connection closed before every reply was sent",
                              d.logtext())
                self.assertNotIn("all workers drained", d.logtext())
            finally:
                hog.close()

    def test_drain_timeout_bounds_slow_requests(self):
        # clients keep a worker busy with pipelined queries of many prefix
        # expansions when SIGTERM comes, more work than the drain timeout
        # (1 s) allows: answering them yields to the event loop between
        # turns, so the drain still ends on time
        q = ("SEARCH limit=1 snippets=0 " +
             " ".join(ch + "*" for ch in "ابتثجحخدذرزسشصضطظعغفقكلمنهوي") + " " +
             " ".join("ال" + ch + "*" for ch in "ابتثجحخدذرزسشصضطظعغفقكلمنهوي") +
             "\n").encode("utf-8")
        per_conn = 65536 // len(q)  # what the drain takes in from each socket
        with Daemon(self.index, "--drain-timeout", "1", workdir=self.root, threads=1) as d:
            with d.client() as c:  # how long one takes on this build and machine
                t0 = time.monotonic()
                for _ in range(10):
                    self.assertIsNone(error_code(c.request(q.decode("utf-8").strip())))
                each = (time.monotonic() - t0) / 10
            # ~8 s of work even counting only the first 16 KB of each client's
            # requests (what libevent takes in with one read)
            n = min(200, max(2, int(8.0 / (each * (16384 // len(q)))) + 1))
            # (their replies, ~50 KB each, fit the sockets: no client is
            # held back for not reading)
            hogs = [d.client(timeout=2) for _ in range(n)]
            try:
                for h in hogs:
                    h.sock.setblocking(False)
                    try:
                        h.sock.send(q * per_conn)
                    except BlockingIOError:
                        pass
                time.sleep(0.2)
                t0 = time.monotonic()
                d.signal(signal.SIGTERM)
                self.assertEqual(d.proc.wait(timeout=60), 0, d.logtext())
                self.assertLess(time.monotonic() - t0, 4, "%d clients" % n)
                self.assertIn("drain timeout", d.logtext())
                self.assertRegex(d.logtext(),
                                 r"stopped: \d+ connections? closed before every reply was sent")
                self.assertNotIn("all workers drained", d.logtext())
            finally:
                for h in hogs:
                    h.close()

if __name__ == "__main__":
    fhtest.main()
