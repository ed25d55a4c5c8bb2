"""Hot reload: fahras-indexer re-publishes into the directory the daemon
serves while clients query without pause. Every reply stays valid and comes
from one index version (never a mix, never an error), and the new data is
picked up by a reload check (every 500 ms by default). Waits are for the
state itself (a reply, STATS, a log line), bounded by fhtest.WAIT_TIMEOUT
against a hang; the only sleeps are the time a behaviour must outlast."""

import os
import subprocess
import threading
import time
import unittest

import fhtest
from fhtest import Daemon, TempDir, build_docs, error_code, hit_ids, version_docs, wait_until


class ReloadTest(unittest.TestCase):
    def test_republish_while_querying(self):
        with TempDir() as root:
            index = os.path.join(root, "ix")
            inputs = os.path.join(root, "in")
            build_docs(index, version_docs(1), inputs)
            # the default reload interval (500 ms)
            with Daemon(index, workdir=root, threads=2) as d:
                stop = threading.Event()
                seen = []
                problems = []

                def loop(k):
                    try:
                        with d.client() as c:
                            while not stop.is_set():
                                c.send("SEARCH limit=5 snippets=0 تقرير")
                                c.send("PING")
                                r = c.read_json()
                                p = c.read_json()
                                if error_code(r) or p != {"ok": True, "pong": True}:
                                    problems.append((k, r, p))
                                    continue
                                ids = hit_ids(r)
                                versions = {i.split("-")[0] for i in ids}
                                # one reply, one version; total matches that version
                                if len(versions) != 1:
                                    problems.append((k, "mixed", ids))
                                    continue
                                v = int(versions.pop()[1:])
                                if r["total"] != 40 * v:
                                    problems.append((k, "total", v, r["total"]))
                                seen.append(v)
                    except Exception as e:  # noqa: BLE001 - reported below
                        problems.append((k, repr(e)))

                threads = [threading.Thread(target=loop, args=(k,)) for k in range(3)]
                for t in threads:
                    t.start()
                try:
                    # the query threads answered on each version before the next
                    wait_until(lambda: 1 in seen or problems, "no reply on version 1")
                    for version in (2, 3):
                        build_docs(index, version_docs(version), inputs)
                        marker = {2: "جديد", 3: "ثالث"}[version]
                        with d.client() as c:
                            def visible():
                                r = c.request("SEARCH snippets=0 " + marker)
                                self.assertIsNone(error_code(r), r)
                                return r["total"] == 40 * version
                            wait_until(visible, "re-published index not visible")
                        wait_until(lambda: version in seen or problems,
                                   "no reply on version %d" % version)
                finally:
                    stop.set()
                    for t in threads:
                        t.join(timeout=30)
                self.assertEqual(problems, [])
                self.assertEqual(sorted(set(seen)), [1, 2, 3])
                with d.client() as c:
                    s = c.request("STATS")
                    self.assertEqual(s["index"]["generation"], 3)
                    self.assertEqual(s["index"]["reloads"], 2)
                    self.assertEqual(s["index"]["facts"]["docs"], 120)
                    r = c.request("GET v1-000")
                    self.assertEqual(error_code(r), "not_found")
                    self.assertEqual(c.request("GET v3-000")["id"], "v3-000")
                self.assertEqual(d.stop(), 0)
                self.assertIn("generation 3", d.logtext())

    def test_refused_files(self):
        """A copy cut short, then an index of another analyzer, renamed in:
        each is refused once (logged, counted once, not retried), the old
        index keeps serving, and the next good file is picked up."""
        with TempDir() as root:
            index = os.path.join(root, "ix")
            inputs = os.path.join(root, "in")
            build_docs(index, version_docs(1), inputs)
            other = os.path.join(root, "other")
            build_docs(other, version_docs(3), inputs)
            with open(os.path.join(other, "index.mdb"), "rb") as f:
                data = f.read()
            sb = os.path.join(root, "sb")
            path = os.path.join(inputs, "sb.jsonl")
            fhtest.write_jsonl(path, version_docs(2))
            r = subprocess.run([fhtest.INDEXER, "build", "--stemmer", "snowball", "--index", sb,
                                path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=120)
            self.assertEqual(r.returncode, 0, r.stdout)
            # an explicit --stemmer: the server keeps to that analyzer
            with Daemon(index, "--stemmer", "light10", workdir=root, threads=2) as d:
                def install(blob):
                    tmp = os.path.join(index, ".new.mdb")
                    with open(tmp, "wb") as f:
                        f.write(blob)
                    os.rename(tmp, os.path.join(index, "index.mdb"))

                def serving(c):
                    r = c.request("SEARCH snippets=0 تقرير")
                    self.assertIsNone(error_code(r), r)
                    return r["total"]

                def refused(c, n):
                    return c.request("STATS")["index"]["reload_failures"] >= n

                with d.client() as c:
                    self.assertEqual(serving(c), 40)
                    served = os.path.getsize(os.path.join(index, "index.mdb"))
                    install(data[:len(data) // 2 // 4096 * 4096])  # an interrupted copy
                    wait_until(lambda: refused(c, 1), "the cut copy was not refused")
                    self.assertEqual(serving(c), 40)
                    # renamed in with a second link kept, to bring the same file back
                    sb_file = os.path.join(index, ".sb.mdb")
                    sb_kept = os.path.join(root, "sb-kept.mdb")
                    with open(os.path.join(sb, "index.mdb"), "rb") as f:
                        blob = f.read()
                    with open(sb_file, "wb") as f:
                        f.write(blob)
                    os.link(sb_file, sb_kept)
                    os.rename(sb_file, os.path.join(index, "index.mdb"))
                    wait_until(lambda: refused(c, 2), "the other analyzer's index was not refused")
                    refused_at = time.monotonic()
                    self.assertEqual(serving(c), 40)
                    # not retried: a file refused for a passing reason is first tried
                    # again after 5 s; 6 s after this refusal it is still counted once
                    time.sleep(max(0.0, refused_at + 6 - time.monotonic()))
                    s = c.request("STATS")
                    self.assertEqual(s["index"]["reload_failures"], 2, s["index"])
                    self.assertEqual(s["index"]["generation"], 1)
                    # the facts are those of the index served, not of the refused file
                    self.assertEqual(s["index"]["facts"]["file_bytes"], served, s["index"])
                    install(data)
                    wait_until(lambda: serving(c) == 120, "good file not picked up")
                    # the refused file back (the same file: device, inode, size,
                    # mtime): refused, counted and logged again, not ignored while
                    # the file on disk is no longer the one served
                    os.rename(sb_kept, os.path.join(index, "index.mdb"))
                    wait_until(lambda: refused(c, 3), "the refused file, back, was ignored")
                    self.assertEqual(serving(c), 120)
                    self.assertEqual(c.request("STATS")["index"]["generation"], 2)
                self.assertEqual(d.stop(), 0)
                log = d.logtext()
                self.assertIn("index data is corrupt", log)
                self.assertEqual(log.count("built with analyzer fahras-ar-snowball"), 2, log)
                self.assertIn("--stemmer auto follows the index", log)
                self.assertEqual(log.count("not opened"), 3, log)  # once per refusal

    def test_other_analyzer_followed(self):
        """With --stemmer auto (the default), an index re-published with
        another analyzer is served with that analyzer, without a restart and
        without a failed query; the analyzer it replaced is freed with the
        last request on its generation (a leak fails the ASan run at exit)."""
        with TempDir() as root:
            index = os.path.join(root, "ix")
            inputs = os.path.join(root, "in")
            build_docs(index, version_docs(1), inputs)

            def build(stemmer, version):
                out = os.path.join(root, "%s-%d" % (stemmer, version))
                path = os.path.join(inputs, "%s-%d.jsonl" % (stemmer, version))
                fhtest.write_jsonl(path, version_docs(version))
                r = subprocess.run([fhtest.INDEXER, "build", "--stemmer", stemmer, "--index",
                                    out, path], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, timeout=120)
                self.assertEqual(r.returncode, 0, r.stdout)
                return os.path.join(out, "index.mdb")

            snowball, light = build("snowball", 2), build("light10", 3)
            with Daemon(index, workdir=root, threads=2) as d:
                stop = threading.Event()
                problems = []

                answered = []

                def loop():
                    try:
                        with d.client() as c:
                            while not stop.is_set():
                                r = c.request("SEARCH limit=3 snippets=1 تقرير")
                                if error_code(r) or not r["hits"]:
                                    problems.append(r)
                                answered.append(1)
                    except Exception as e:  # noqa: BLE001 - reported below
                        problems.append(repr(e))

                t = threading.Thread(target=loop)
                t.start()
                try:
                    with d.client() as c:
                        def publish(path, total, analyzer):
                            tmp = os.path.join(index, ".new.mdb")
                            with open(path, "rb") as src, open(tmp, "wb") as dst:
                                dst.write(src.read())
                            os.rename(tmp, os.path.join(index, "index.mdb"))
                            wait_until(lambda: c.request("SEARCH snippets=0 تقرير")["total"]
                                       == total, "not picked up")
                            s = c.request("STATS")["index"]
                            self.assertEqual(s["facts"]["analyzer"]["name"], analyzer, s)
                            self.assertEqual(s["reload_failures"], 0, s)

                        def stem(word):
                            return c.request("KEYWORDS " + word)["tokens"][0]["stem"]

                        light_stem = stem("والزراعة")
                        publish(snowball, 80, "fahras-ar-snowball")
                        sb_stem = stem("والزراعة")
                        self.assertNotEqual(sb_stem, light_stem)
                        r = c.request("SEARCH snippets=1 والزراعة")
                        self.assertEqual(r["total"], 80)
                        self.assertIn("<b>والزراعة</b>", r["hits"][0]["snippet"])
                        publish(light, 120, "fahras-ar-light10g")
                        self.assertEqual(stem("والزراعة"), light_stem)
                finally:
                    stop.set()
                    t.join(timeout=30)
                self.assertFalse(t.is_alive(), "the query thread did not stop")
                self.assertEqual(problems, [])
                self.assertGreater(len(answered), 0, "the query thread answered nothing")
                self.assertEqual(d.stop(), 0)
                log = d.logtext()
                self.assertIn("was built with analyzer fahras-ar-snowball", log)
                self.assertIn("generation 3", log)
                self.assertNotIn("not opened", log)

    def test_file_removed(self):
        """index.mdb deleted or moved away: the mapped index keeps serving, the
        log says so once (not every 500 ms), and the next file published there
        is picked up. A relative --index is shown absolute in STATS, not
        otherwise cleaned."""
        with TempDir() as root:
            index = os.path.join(root, "ix")
            inputs = os.path.join(root, "in")
            build_docs(index, version_docs(1), inputs)
            live = os.path.join(index, "index.mdb")
            aside = os.path.join(root, "aside.mdb")
            with Daemon("./ix", workdir=root, threads=2, cwd=root) as d:
                with d.client() as c:
                    s = c.request("STATS")
                    self.assertEqual(s["index"]["dir"],
                                     os.path.join(os.path.realpath(root), "ix"))
                    missing = "index.mdb cannot be read (No such file"
                    os.rename(live, aside)
                    d.wait_log(missing, 1)
                    # two more reload checks with the file away: logged once
                    # (counted at the end)
                    time.sleep(1.1)
                    r = c.request("SEARCH snippets=0 تقرير")
                    self.assertEqual(r["total"], 40, r)
                    os.rename(aside, live)  # the same file back: nothing to reload
                    d.wait_log("index.mdb is back", 1)
                    s = c.request("STATS")
                    self.assertEqual(s["index"]["generation"], 1)
                    os.unlink(live)
                    d.wait_log(missing, 2)
                    build_docs(index, version_docs(2), inputs)
                    wait_until(lambda: c.request("SEARCH snippets=0 تقرير")["total"] == 80,
                               "new file not picked up")
                self.assertEqual(d.stop(), 0)
                log = d.logtext()
                self.assertEqual(log.count("index.mdb cannot be read (No such file"), 2, log)
                self.assertEqual(log.count("index.mdb is back"), 1, log)
                self.assertIn("index re-published: generation 2", log)
            # ... and not otherwise cleaned: '..' and a trailing '/' stay, as
            # the path is reopened as written at each re-publish check
            with Daemon("./in/../ix/", workdir=root, threads=1, cwd=root) as d:
                with d.client() as c:
                    self.assertEqual(c.request("STATS")["index"]["dir"],
                                     os.path.join(os.path.realpath(root), "in/../ix/"))
                self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    fhtest.main()
