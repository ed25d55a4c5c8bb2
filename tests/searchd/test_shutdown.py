"""SIGTERM / SIGINT / SIGHUP: stop accepting, answer the requests already
received, flush, exit 0 (SIGHUP stays ignored if it was ignored at start)."""

import json
import os
import signal
import socket
import time
import unittest

import fhtest
from fhtest import Client, Daemon, TempDir, build_index, error_code


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

    def test_sigterm_with_unread_replies_respects_drain_timeout(self):
        with Daemon(self.index, "--drain-timeout", "1", "--max-output", "65536",
                    workdir=self.root, threads=1) as d:
            hog = d.client(timeout=2)
            try:
                hog.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                try:
                    for _ in range(20):
                        hog.send_raw("SEARCH limit=50 snippet_len=500 النفط\n".encode() * 200)
                except OSError:
                    pass
                t0 = time.monotonic()
                d.signal(signal.SIGTERM)
                self.assertEqual(d.proc.wait(timeout=20), 0, d.logtext())
                self.assertLess(time.monotonic() - t0, 8)
            finally:
                hog.close()


if __name__ == "__main__":
    fhtest.main()
