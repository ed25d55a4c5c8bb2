"""Several clients at once, on several worker threads: every client gets the
same answers it would get alone, in order."""

import os
import threading
import unittest

import fhtest
from fhtest import Daemon, TempDir, build_index, error_code, hit_ids

QUERIES = ["النفط", "الذكاء الاصطناعي", "كرة القدم", "الشركات الصينية", "DeepSeek",
           "أسعار", "الطقس", "\"الذكاء الاصطناعي\"", "title:النفط", "رقا*"]


class ConcurrencyTest(unittest.TestCase):
    def test_concurrent_clients(self):
        with TempDir() as root:
            index = os.path.join(root, "sample")
            build_index(index, fhtest.SAMPLE)
            with Daemon(index, workdir=root, threads=4) as d:
                expected = {}
                with d.client() as c:
                    for q in QUERIES:
                        r = c.request("SEARCH limit=10 " + q)
                        self.assertIsNone(error_code(r), (q, r))
                        expected[q] = (r["total"], hit_ids(r),
                                       [h.get("snippet") for h in r["hits"]])
                    docs = {}
                    for i in range(1, 46):
                        doc_id = "sample-%03d" % i
                        docs[doc_id] = c.request("GET " + doc_id)

                failures = []
                n_threads, rounds = 8, 25

                def worker(k):
                    try:
                        with d.client() as c:
                            for n in range(rounds):
                                q = QUERIES[(k + n) % len(QUERIES)]
                                doc_id = "sample-%03d" % ((k * 7 + n) % 45 + 1)
                                # pipeline a search and a GET, then read both
                                c.send("SEARCH limit=10 " + q)
                                c.send("GET " + doc_id)
                                r = c.read_json()
                                g = c.read_json()
                                got = (r["total"], hit_ids(r),
                                       [h.get("snippet") for h in r["hits"]])
                                if got != expected[q]:
                                    failures.append((k, q, got, expected[q]))
                                if g != docs[doc_id]:
                                    failures.append((k, doc_id, g))
                    except Exception as e:  # noqa: BLE001 - reported below
                        failures.append((k, repr(e)))

                threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(timeout=120)
                    self.assertFalse(t.is_alive(), "a client thread hung")
                self.assertEqual(failures, [])
                with d.client() as c:
                    s = c.request("STATS")
                    self.assertGreaterEqual(s["commands"]["search"], n_threads * rounds)
                    self.assertGreaterEqual(s["connections"]["accepted"], n_threads + 1)
                self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    fhtest.main()
