"""The line protocol over TCP: one JSON line per request line, in order,
pipelining, CRLF, every protocol error (and the connection staying usable
after it), binary junk, QUIT and STATS."""

import json
import os
import random
import time
import unittest

import fhtest
from fhtest import Daemon, TempDir, build_index, error_code, stop_class


class ProtocolTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        root = cls.tmp.__enter__()
        cls.index = os.path.join(root, "sample")
        build_index(cls.index, fhtest.SAMPLE)
        cls.d = Daemon(cls.index, workdir=root)
        cls.d.__enter__()

    @classmethod
    def tearDownClass(cls):
        stop_class(cls.tmp, (cls.d,))

    def setUp(self):
        self.c = self.d.client()

    def tearDown(self):
        self.c.close()

    def assertError(self, reply, code):
        self.assertEqual(error_code(reply), code, reply)
        self.assertEqual(set(reply), {"error"})
        self.assertEqual(set(reply["error"]), {"code", "message"})
        self.assertTrue(reply["error"]["message"])

    def assertUsable(self):
        self.assertEqual(self.c.request("PING"), {"ok": True, "pong": True})

    def test_ping_case_insensitive_and_crlf(self):
        self.assertEqual(self.c.request("PING"), {"ok": True, "pong": True})
        self.assertEqual(self.c.request("ping"), {"ok": True, "pong": True})
        self.c.send_raw(b"PiNg\r\n")
        self.assertEqual(self.c.read_json(), {"ok": True, "pong": True})
        self.c.send_raw(b"search limit=1 snippets=0 \xd8\xa7\xd9\x84\xd9\x86\xd9\x81\xd8\xb7\r\n")
        r = self.c.read_json()
        self.assertIsNone(error_code(r), r)
        self.assertGreater(r["total"], 0)

    def test_unknown_command(self):
        self.assertError(self.c.request("FROBNICATE now"), "unknown_command")
        self.assertUsable()

    def test_unicode_space_around_the_verb(self):
        """A no-break space after the verb (as pasted from a web page), another
        Unicode space separator around it, or a BOM at the start of the line:
        the verb is still known. Inside the query such a space separates words
        as an ASCII space does."""
        plain = self.c.request("SEARCH snippets=0 الشركات الصينية")
        self.assertIsNone(error_code(plain), plain)
        self.assertGreater(plain["total"], 0)
        for sp in ("\u00a0", "\u2009", "\u202f", "\u3000"):
            r = self.c.request("SEARCH" + sp + "snippets=0 الشركات" + sp + "الصينية")
            self.assertIsNone(error_code(r), (sp, r))
            self.assertEqual([h["id"] for h in r["hits"]], [h["id"] for h in plain["hits"]])
            self.assertEqual(r["total"], plain["total"])
            self.assertEqual(self.c.request(sp + "PING" + sp), {"ok": True, "pong": True})
        self.assertEqual(self.c.request("\ufeffPING"), {"ok": True, "pong": True})
        r = self.c.request("FROBNICATE\u00a0now")
        self.assertError(r, "unknown_command")
        self.assertEqual(r["error"]["message"], "unknown command 'FROBNICATE'")
        self.assertUsable()

    def test_empty_query_and_empty_line(self):
        self.assertError(self.c.request("SEARCH"), "empty_query")
        self.assertError(self.c.request("SEARCH limit=3   "), "empty_query")
        self.assertError(self.c.request("KEYWORDS"), "empty_query")
        # white space that is not ASCII, or what the analyzer drops, is empty too
        for q in ("\u00a0", "\u200b", "\u200f", "\ufeff", "limit=1 \u3000 \u00a0"):
            self.assertError(self.c.request("SEARCH " + q), "empty_query")
        # an empty phrase or punctuation is text with no word: a syntax error
        self.assertError(self.c.request('SEARCH ""'), "syntax_error")
        self.assertError(self.c.request("SEARCH ..."), "syntax_error")
        self.assertError(self.c.request(""), "bad_request")
        self.assertError(self.c.request("GET"), "bad_request")
        self.assertError(self.c.request("PING now"), "bad_request")
        self.assertUsable()

    def test_bad_options(self):
        self.assertError(self.c.request("SEARCH limit=x النفط"), "bad_request")
        self.assertError(self.c.request("SEARCH limit=100000 النفط"), "limit_exceeded")
        self.assertError(self.c.request("SEARCH limit=900 offset=900 النفط"), "limit_exceeded")
        self.assertError(self.c.request("SEARCH colour=red النفط"), "bad_request")
        self.assertError(self.c.request("SEARCH snippets=2 النفط"), "bad_request")
        self.assertError(self.c.request("SEARCH snippets_count=99 النفط"), "limit_exceeded")
        self.assertError(self.c.request('SEARCH hl_open=<b"> النفط'), "bad_request")
        self.assertUsable()

    def test_query_errors_from_engine(self):
        self.assertError(self.c.request("SEARCH ، ؛ ؟ ..."), "syntax_error")
        many = " ".join("كلمة%d" % i for i in range(300))
        self.assertError(self.c.request("SEARCH " + many), "limit_exceeded")
        self.assertUsable()

    def test_over_long_line_then_normal_request(self):
        line = b"SEARCH " + b"a" * (65536 + 1 - 7)
        self.assertEqual(len(line), 65537)
        self.c.send_raw(line + b"\n")
        self.assertError(self.c.read_json(), "line_too_long")
        # the same connection still works, and in order
        self.c.send_raw(b"PING\nSEARCH limit=1 snippets=0 \xd8\xa7\xd9\x84\xd9\x86\xd9\x81\xd8\xb7\n")
        self.assertEqual(self.c.read_json(), {"ok": True, "pong": True})
        r = self.c.read_json()
        self.assertIsNone(error_code(r), r)

    def test_line_exactly_at_cap_is_accepted(self):
        pad = 65536 - len("SEARCH snippets=0 النفط ".encode())
        line = "SEARCH snippets=0 النفط " + "x" * pad
        self.assertEqual(len(line.encode()), 65536)
        r = self.c.request(line)
        self.assertIsNone(error_code(r), r)
        self.assertGreaterEqual(r["total"], 1, r)

    def test_line_cap_error_without_waiting_for_more(self):
        # 65,537 bytes and no newline: the cap is passed, the error comes now
        self.c.sock.settimeout(3)
        self.c.send_raw(b"x" * 65537)
        self.assertError(self.c.read_json(), "line_too_long")
        self.c.send_raw(b"\nPING\n")
        self.assertEqual(self.c.read_json(), {"ok": True, "pong": True})
        # unless byte 65,537 is a CR, which may be the start of a CRLF
        self.c.send_raw(b"x" * 65536 + b"\r")
        self.assertFalse(self.c.at_eof(0.3))
        self.assertEqual(self.c.buf, b"")  # no reply yet: the line may still fit
        self.c.sock.settimeout(3)
        self.c.send_raw(b"\n")
        self.assertError(self.c.read_json(), "unknown_command")  # 65,536 bytes: not too long
        self.c.send_raw(b"x" * 65536 + b"\rx")
        self.assertError(self.c.read_json(), "line_too_long")
        self.c.send_raw(b"\nPING\n")
        self.assertEqual(self.c.read_json(), {"ok": True, "pong": True})

    def test_markers_without_white_space_or_controls(self):
        # white space and C1 controls beyond ASCII are refused like ASCII ones
        for cp in [0x80, 0x85, 0x9F, 0xA0, 0x1680, 0x2000, 0x2005, 0x200A, 0x2028, 0x2029,
                   0x202F, 0x205F, 0x3000, 0xFEFF]:
            ch = chr(cp)
            for opt in ("hl_open=<%s>" % ch, "hl_close=%s" % ch, "hl=[%s,]" % ch):
                r = self.c.request("SEARCH %s النفط" % opt)
                self.assertError(r, "bad_request")
                self.assertIn("white space", r["error"]["message"])
        # their neighbours, and other marks, are fine
        for ch in ("\u00a1", "\u200b", "\u2030", "\u00ab", "\u2026"):
            r = self.c.request("SEARCH limit=1 snippets=0 hl_open=%s النفط" % ch)
            self.assertIsNone(error_code(r), (ch, r))
        self.assertUsable()

    def test_limit_plus_offset_one_message(self):
        # the same error whether the parser or the engine sees it first
        a = self.c.request("SEARCH offset=995 النفط")
        b = self.c.request("SEARCH limit=1000 offset=1 النفط")
        self.assertError(a, "limit_exceeded")
        self.assertError(b, "limit_exceeded")
        self.assertEqual(a["error"]["message"], b["error"]["message"])

    def test_huge_line_in_pieces(self):
        # 1 MiB without a newline, sent in pieces: one error, nothing buffered
        for _ in range(16):
            self.c.send_raw(b"x" * 65536)
        self.c.send_raw(b"\nPING\n")
        self.assertError(self.c.read_json(), "line_too_long")
        self.assertEqual(self.c.read_json(), {"ok": True, "pong": True})

    def test_invalid_utf8(self):
        for bad in (b"SEARCH \xff\xfe\n", b"SEARCH \xc0\xaf\n", b"SEARCH \xed\xa0\x80\n",
                    b"GET \xd8\n", b"\xe2\x82\n"):
            self.c.send_raw(bad)
            self.assertError(self.c.read_json(), "bad_utf8")
        self.assertUsable()

    def test_nul_and_binary_junk(self):
        self.c.send_raw(b"PING\x00\n")
        self.assertError(self.c.read_json(), "bad_request")
        rnd = random.Random(7)
        junk = bytes(rnd.randrange(256) for _ in range(20000)).replace(b"\n", b"")
        chunks = [junk[i:i + 997] for i in range(0, len(junk), 997)]
        self.c.send_raw(b"\n".join(chunks) + b"\n")
        for _ in chunks:
            r = self.c.read_json()
            self.assertIn(error_code(r), {"bad_utf8", "bad_request", "unknown_command"}, r)
        self.assertUsable()

    def test_pipelined_100_in_one_write(self):
        ids = ["sample-%03d" % (i % 45 + 1) for i in range(100)]
        lines = []
        for i, doc in enumerate(ids):
            if i % 10 == 3:
                lines.append("PING")
            elif i % 10 == 7:
                lines.append("NOPE%d" % i)
            else:
                lines.append("GET " + doc)
        self.c.send_raw(("\n".join(lines) + "\n").encode("utf-8"))
        for i, doc in enumerate(ids):
            r = self.c.read_json()
            if i % 10 == 3:
                self.assertEqual(r, {"ok": True, "pong": True})
            elif i % 10 == 7:
                self.assertError(r, "unknown_command")
                self.assertIn(str(i), r["error"]["message"])
            else:
                self.assertEqual(r.get("id"), doc, r)

    def test_pipelined_searches_match_single_answers(self):
        queries = ["النفط", "الذكاء الاصطناعي", "كرة القدم", "الشركات", "DeepSeek"]
        single = {}
        for q in queries:
            single[q] = self.c.request("SEARCH limit=5 snippets=0 " + q)
        batch = "".join("SEARCH limit=5 snippets=0 %s\n" % q for q in queries * 20)
        self.c.send_raw(batch.encode("utf-8"))
        for q in queries * 20:
            r = self.c.read_json()
            self.assertEqual([h["id"] for h in r["hits"]],
                             [h["id"] for h in single[q]["hits"]], q)
            self.assertEqual(r["total"], single[q]["total"])

    def test_reply_is_one_line_of_json(self):
        self.c.send_raw("SEARCH limit=50 snippets_count=3 النفط\n".encode())
        line = self.c.read_line()
        self.assertNotIn(b"\r", line)
        r = json.loads(line.decode("utf-8"))
        # a real answer (several snippets, so elided text between them) ...
        self.assertIsNone(error_code(r), r)
        self.assertGreater(r["total"], 0, r)
        self.assertTrue(any("…" in h.get("snippet", "") for h in r["hits"]), r)
        # ... and nothing after its line
        self.assertFalse(self.c.at_eof(0.2))
        self.assertEqual(self.c.buf, b"")

    def test_quit_flushes_then_closes(self):
        self.c.send_raw(b"PING\nQUIT\nPING\n")
        self.assertEqual(self.c.read_json(), {"ok": True, "pong": True})
        self.assertEqual(self.c.read_json(), {"ok": True, "bye": True})
        self.assertTrue(self.c.at_eof(5))
        self.assertEqual(self.c.buf, b"")  # nothing after QUIT

    def test_quit_with_more_input_loses_no_reply(self):
        # a slow reader pipelines searches, QUIT, then keeps sending: the
        # lines after QUIT go unanswered, but every reply before it arrives,
        # then end of stream (a close with that input unread would reset the
        # connection, and the client's kernel would drop unread replies)
        n = 40
        data = ("SEARCH limit=50 snippet_len=400 snippets_count=4 النفط\n" * n + "QUIT\n" +
                "PING\n" * 100000).encode("utf-8")
        with self.d.client(rcvbuf=4096) as c:
            t = c.send_in_background(data)
            time.sleep(0.5)  # the replies fill the socket buffers meanwhile
            for _ in range(n):
                self.assertGreater(c.read_json()["total"], 0)
            self.assertEqual(c.read_json(), {"ok": True, "bye": True})
            self.assertEqual(c.read_line(), b"")  # end of stream, not a reset
            t.join(10)
        self.assertUsable()

    def test_quit_lingers_after_input_read_past_it(self):
        # the lines after QUIT were read with it (one write), the kernel's
        # buffer is empty: the server still shuts its side and lingers, so a
        # client that goes on sending meets no reset (a reset makes its kernel
        # drop replies not yet read)
        with self.d.client() as c:
            c.send_raw(b"PING\nQUIT\nPING\n")
            self.assertEqual(c.read_json(), {"ok": True, "pong": True})
            self.assertEqual(c.read_json(), {"ok": True, "bye": True})
            self.assertTrue(c.at_eof(5))
            try:
                for _ in range(2):  # the first send meets the reset, the second reports it
                    c.sock.sendall(b"PING\n" * 100)
                    time.sleep(0.3)
                got = c.sock.recv(1)
            except (ConnectionResetError, BrokenPipeError) as e:
                self.fail("the connection was reset after QUIT: %r" % e)
            self.assertEqual(got, b"")
        self.assertUsable()

    def test_client_half_close_still_answered(self):
        import socket
        self.c.send_raw(b"PING\nGET sample-002\n")
        self.c.sock.shutdown(socket.SHUT_WR)
        self.assertEqual(self.c.read_json(), {"ok": True, "pong": True})
        self.assertEqual(self.c.read_json()["id"], "sample-002")
        self.assertTrue(self.c.at_eof(5))

    def test_many_requests_then_half_close(self):
        # like `cat requests | nc`: every request is answered before the close
        import socket
        n = 3000
        ids = ["sample-%03d" % (i % 45 + 1) for i in range(n)]
        self.c.send_raw("".join("GET %s\n" % i for i in ids).encode())
        self.c.sock.shutdown(socket.SHUT_WR)
        for i in ids:
            self.assertEqual(self.c.read_json()["id"], i)
        self.assertTrue(self.c.at_eof(5))

    def test_stats(self):
        self.c.request("PING")
        self.c.request("SEARCH snippets=0 النفط")
        self.c.request("BOGUS")
        s = self.c.request("STATS")
        self.assertIsNone(error_code(s), s)
        for key in ("uptime_s", "requests", "errors", "commands", "connections", "latency_us",
                    "index"):
            self.assertIn(key, s)
        self.assertGreaterEqual(s["requests"], 3)
        self.assertGreaterEqual(s["errors"], 1)
        self.assertGreaterEqual(s["commands"]["search"], 1)
        self.assertGreaterEqual(s["connections"]["current"], 1)
        for h in ("all", "search"):
            lat = s["latency_us"][h]
            self.assertGreaterEqual(lat["count"], 1)
            self.assertLessEqual(lat["p50"], lat["p90"])
            self.assertLessEqual(lat["p90"], lat["p99"])
            self.assertLessEqual(lat["p99"], lat["max"])
        self.assertEqual(s["index"]["generation"], 1)
        self.assertEqual(s["index"]["facts"]["docs"], 45)
        self.assertError(self.c.request("STATS please"), "bad_request")

    def test_stats_counts_refused_lines_by_verb(self):
        """commands.<verb> and latency_us.search count a line once its verb
        is known, errors included, wherever it was refused: an option the
        parser refuses as well as a query the engine refuses."""
        before = self.c.request("STATS")
        lines = (("SEARCH limit=abc النفط", "bad_request"),
                 ("SEARCH limit=5000 النفط", "limit_exceeded"),
                 ("SEARCH snippet_field=nope النفط", "bad_request"),
                 ("SEARCH ...", "syntax_error"),
                 ("search limit=1", "empty_query"),
                 ("PING x", "bad_request"),
                 ("BOGUS", "unknown_command"))
        for line, code in lines:
            self.assertError(self.c.request(line), code)
        after = self.c.request("STATS")
        self.assertEqual(after["requests"] - before["requests"], 1 + len(lines))
        self.assertEqual(after["errors"] - before["errors"], len(lines))
        delta = {k: after["commands"][k] - before["commands"][k] for k in after["commands"]}
        self.assertEqual(delta, {"search": 5, "get": 0, "keywords": 0, "stats": 1, "ping": 1,
                                 "quit": 0})
        self.assertEqual(after["latency_us"]["search"]["count"]
                         - before["latency_us"]["search"]["count"], 5)


if __name__ == "__main__":
    fhtest.main()
