"""Hot reload, retried: a re-published index that cannot be opened for a
passing reason (here: the daemon is out of descriptors) is tried again 5 s
after the first failure, then 10 s after that one, 20 s ... (the rule is
fh_vet_retry_delay_us, unit-tested in test_vet.c; this is the daemon's reload
path keeping to it). The old generation keeps answering meanwhile, and the
new file is served once a retry finds a descriptor.

The daemon's descriptor limit is lowered once it serves (prlimit, relative
to what it holds then, so whatever a sanitizer holds open counts too), and
clients fill it until one is refused with too_many_connections. The
descriptors come free 7.5 s after the first failure: after the first retry
(+5 s), before a retry 5 s after that one (+10 s) would find them free. So
the new index is served about 15 s after the first failure; a fixed 5 s
retry would serve it at about 10 s."""

import os
import re
import resource
import time
import unittest
from datetime import datetime, timezone

import fhtest
from fhtest import Daemon, TempDir, build_docs, error_code, hit_ids, version_docs

FREE_AT = 7.5  # s after the first failure: the descriptors come free
EARLY = 13.5   # s after the first failure: not published before (5 + 10, less slack)
LATE = 20.0    # s after the first failure: published by then (not 5 + 20)
SPARE = 8      # descriptors above what the idle daemon holds: clients that fit


def log_time(log, text):
    """The timestamp (s since the epoch) of the first log line holding text."""
    for line in log.splitlines():
        if text in line:
            m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z ", line)
            assert m, line
            t = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f")
            return t.replace(tzinfo=timezone.utc).timestamp()
    raise AssertionError("%r not in the log:\n%s" % (text, log))


class ReloadRetryTest(unittest.TestCase):
    def test_retries_slow_down(self):
        with TempDir() as root:
            index = os.path.join(root, "ix")
            inputs = os.path.join(root, "in")
            build_docs(index, version_docs(1), inputs)
            # a reload check every 100 ms: a retry is due within 0.1 s of its time
            with Daemon(index, "--reload-interval-ms", "100", workdir=root, threads=2) as d:
                pid = d.proc.pid
                idle = len(os.listdir("/proc/%d/fd" % pid))
                limit = idle + SPARE
                resource.prlimit(pid, resource.RLIMIT_NOFILE, (limit, limit))
                # fill the descriptors: clients are served until one is
                # refused (the daemon's spare descriptor makes room for that)
                clients, refused = [], None  # clients[0] asks the daemon throughout
                try:
                    for _ in range(SPARE + 20):
                        c = d.client()
                        r = c.request("PING")
                        if error_code(r) is not None:
                            refused = r
                            c.close()
                            break
                        clients.append(c)
                    self.assertIsNotNone(refused, "no client refused under %d descriptors"
                                         % limit)
                    self.assertEqual(error_code(refused), "too_many_connections", refused)
                    self.assertIn("descriptor limit", refused["error"]["message"])
                    # one to ask, the others to hold the descriptors until FREE_AT
                    self.assertGreater(len(clients), 1)
                    q, held, freed = clients[0], clients[1:], None

                    def serving():
                        r = q.request("SEARCH limit=3 snippets=0 تقرير")
                        self.assertIsNone(error_code(r), r)
                        return r["total"], {i.split("-")[0] for i in hit_ids(r)}

                    def generation():
                        s = q.request("STATS")["index"]
                        return s["generation"], s["reloads"], s["reload_failures"]

                    self.assertEqual(serving(), (40, {"v1"}))
                    build_docs(index, version_docs(2), inputs)  # the atomic swap
                    failed = "re-published index in %s not opened (" % index
                    d.wait_log(failed)
                    # when it failed, on this clock: the log line's time, not
                    # when it was seen
                    t_failed = time.monotonic() - max(0.0, time.time() - log_time(d.logtext(),
                                                                                  failed))
                    # until the descriptors come free, and after, until the
                    # retry that comes 10 s after the first retry: the old
                    # generation answers, with the new file refused once
                    while time.monotonic() < t_failed + EARLY - 1:
                        if held and time.monotonic() >= t_failed + FREE_AT:
                            for c in held:
                                c.close()
                            held = []
                            freed = time.monotonic() - t_failed
                            # free: a new client is served, once the workers
                            # have seen the closes and closed their ends (a
                            # client that comes first is still refused)
                            def pong():
                                with d.client() as c:
                                    return c.request("PING") == {"ok": True, "pong": True}

                            fhtest.wait_until(pong, "no client served with the descriptors free",
                                              timeout=1.5)
                        when = "%.1f s after the first failure" % (time.monotonic() - t_failed)
                        self.assertEqual(serving(), (40, {"v1"}), "not the old index " + when)
                        self.assertEqual(generation(), (1, 0, 1),
                                         "(generation, reloads, reload_failures) " + when)
                        time.sleep(0.25)
                    # before a retry 5 s after the first one could find them free
                    self.assertIsNotNone(freed, "the descriptors were not freed")
                    self.assertLess(freed, 9.5, "freed too late to tell the delays apart")
                    d.wait_log("index re-published: generation 2",
                               timeout=max(1.0, t_failed + LATE - time.monotonic()))
                    self.assertEqual(serving(), (80, {"v2"}))
                    self.assertEqual(q.request("GET v2-079")["id"], "v2-079")
                    self.assertEqual(error_code(q.request("GET v1-000")), "not_found")
                    with d.client() as c:
                        s = c.request("STATS")["index"]
                        self.assertEqual((s["generation"], s["reloads"], s["reload_failures"]),
                                         (2, 1, 1), s)
                        self.assertEqual(s["facts"]["docs"], 80, s)
                finally:
                    for c in clients:
                        c.close()
                self.assertEqual(d.stop(), 0)
                log = d.logtext()
                lines = [l for l in log.splitlines() if failed in l]
                # logged once, with why and when it is tried again; the
                # retries that fail again are silent
                self.assertEqual(len(lines), 1, log)
                self.assertIn("index.mdb: Too many open files", lines[0])
                self.assertIn("; tried again in 5 s; still serving generation 1", lines[0])
                dt = (log_time(log, "index re-published: generation 2")
                      - log_time(log, failed))
                self.assertGreaterEqual(dt, EARLY, "published %.1f s after the first failure: "
                                        "not retried 5 s, then 10 s later" % dt)
                self.assertLess(dt, LATE, "published %.1f s after the first failure" % dt)


if __name__ == "__main__":
    fhtest.main()
