"""The vet: fahras-searchd walks an index file in a child process before it
serves it, at start and on every re-publish (searchd/vet.h). A file whose
LMDB pages are damaged is refused with a clear message, and a re-published
one never replaces the generation being served, whether the damage makes
LMDB report corruption or makes a reader crash."""

import os
import shutil
import struct
import subprocess
import time
import unittest

import fhtest
from fhtest import Daemon, TempDir, build_docs, hit_ids

PS = 4096  # LMDB's page size on this platform (the writer's default)


def docs(n=300, word="تقرير"):
    return [{"id": "d%03d" % i, "title": "%s رقم %d" % (word, i),
             "text": "%s عن الطقس والزراعة في المنطقة %d" % (word, i)} for i in range(n)]


# ------------------------------------------- reading and damaging an LMDB file

def _flags(d, pg):
    return struct.unpack_from("<H", d, pg * PS + 10)[0]


def _nodes(d, pg):
    off = pg * PS
    lower = struct.unpack_from("<H", d, off + 12)[0]
    return [off + struct.unpack_from("<H", d, off + 16 + 2 * i)[0]
            for i in range((lower - 16) // 2)]


def _child(d, node):
    lo, hi, fl = struct.unpack_from("<HHH", d, node)
    return lo | hi << 16 | fl << 32


def _db_root(d, name):
    """The root page of the named database (LMDB's meta pages 0 and 1: the
    newer one's main database holds each named database's record)."""
    best = None
    for p in (0, 1):
        off = p * PS + 16
        assert struct.unpack_from("<I", d, off)[0] == 0xBEEFC0DE, "not an LMDB file"
        main_root = struct.unpack_from("<Q", d, off + 24 + 48 + 40)[0]
        txnid = struct.unpack_from("<Q", d, off + 24 + 96 + 8)[0]
        if best is None or txnid > best[0]:
            best = (txnid, main_root)
    pg = best[1]
    while _flags(d, pg) & 1:
        pg = _child(d, _nodes(d, pg)[0])
    for n in _nodes(d, pg):
        ks = struct.unpack_from("<H", d, n + 6)[0]
        if bytes(d[n + 8:n + 8 + ks]) == name:
            return struct.unpack_from("<Q", d, n + 8 + ks + 40)[0]
    raise KeyError(name)


def damaged_copy(src_dir, dst_dir, how):
    """dst_dir/index.mdb: src_dir's file with the `docs` database damaged.
    "size": its first leaf's values claim 2 GiB each (LMDB hands such a size
    over unchecked; the reader holds it to the file's end, and the value is
    never read); "past": one value claims a size that ends 1 byte past the
    file (beyond the map: unmapped memory, or another mapping of the
    process); "dup": a node of that leaf is flagged F_DUPDATA in a database
    without duplicates (LMDB follows a null pointer: the walk crashes);
    "flags": that leaf's page flags say neither branch nor leaf (LMDB
    notices: MDB_CORRUPTED). None is read when the index is opened."""
    with open(os.path.join(src_dir, "index.mdb"), "rb") as f:
        d = bytearray(f.read())
    pg = _db_root(d, b"docs")
    while _flags(d, pg) & 1:
        pg = _child(d, _nodes(d, pg)[0])
    assert _flags(d, pg) & 2, "not a leaf"
    nodes = _nodes(d, pg)
    assert nodes, "an empty leaf"
    if how == "size":
        for n in nodes:
            struct.pack_into("<HH", d, n, 0xFFF0, 0x7FFF)
    elif how == "past":
        n = nodes[-1]
        ks = struct.unpack_from("<H", d, n + 6)[0]
        size = len(d) - (n + 8 + ks) + 1
        struct.pack_into("<HH", d, n, size & 0xFFFF, size >> 16)
    elif how == "dup":
        struct.pack_into("<H", d, nodes[0] + 4, 0x04)  # F_DUPDATA
    else:
        struct.pack_into("<H", d, pg * PS + 10, 0)  # neither branch nor leaf
    os.makedirs(dst_dir, exist_ok=True)
    tmp = os.path.join(dst_dir, ".new.mdb")
    with open(tmp, "wb") as f:
        f.write(d)
    os.rename(tmp, os.path.join(dst_dir, "index.mdb"))  # published as the indexer does


def wait_for(pred, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


class VetTest(unittest.TestCase):
    def test_damaged_file_refused_at_start(self):
        with TempDir() as root:
            good = os.path.join(root, "good")
            build_docs(good, docs(), os.path.join(root, "in"))
            for how, why in (("size", "its pages are inconsistent"),
                             ("past", "its pages are inconsistent"),
                             ("dup", "reading it crashed"),
                             ("flags", "its pages are inconsistent")):
                bad = os.path.join(root, "bad-" + how)
                damaged_copy(good, bad, how)
                p = subprocess.run([fhtest.SEARCHD, "--index", bad, "--listen", "127.0.0.1:0",
                                    "--threads", "1"], capture_output=True, timeout=150)
                err = p.stderr.decode("utf-8", "replace")
                self.assertEqual(p.returncode, 1, err)
                self.assertIn("cannot open the index in %s: the file is damaged (%s" % (bad, why),
                              err)
                self.assertIn("build it again", err)

    def test_damaged_republish_keeps_serving(self):
        with TempDir() as root:
            index = os.path.join(root, "ix")
            build_docs(index, docs(), os.path.join(root, "in"))
            good2 = os.path.join(root, "good2")
            build_docs(good2, docs(350, "زراعة"), os.path.join(root, "in2"))
            with Daemon(index, workdir=root, threads=2, log_level="info") as d:
                with d.client() as c:
                    before = c.request("SEARCH تقرير limit=3")
                    self.assertEqual(before["total"], 300, before)
                    fails = 0
                    for how, why in (("size", "its pages are inconsistent"),
                                     ("dup", "reading it crashed"),
                                     ("past", "its pages are inconsistent"),
                                     ("flags", "its pages are inconsistent")):
                        damaged_copy(good2, index, how)
                        fails += 1
                        self.assertTrue(wait_for(
                            lambda: d.logtext().count("the file is damaged") == fails),
                            d.logtext())
                        self.assertIn("re-published index in %s not opened: the file is damaged "
                                      "(%s" % (index, why), d.logtext())
                        s = c.request("STATS")
                        self.assertEqual(s["index"]["generation"], 1, s)
                        self.assertEqual(s["index"]["reload_failures"], fails, s)
                        # still the first file, whole: its documents and their text
                        r = c.request("SEARCH تقرير limit=3")
                        self.assertEqual(r["total"], 300, r)
                        self.assertEqual(hit_ids(r), hit_ids(before))
                        g = c.request("GET d007")
                        self.assertIn("المنطقة 7", g["doc"]["text"], g)
                    # a sound file published after them is served
                    tmp = os.path.join(index, ".new.mdb")
                    shutil.copyfile(os.path.join(good2, "index.mdb"), tmp)
                    os.rename(tmp, os.path.join(index, "index.mdb"))
                    self.assertTrue(wait_for(
                        lambda: c.request("STATS")["index"]["generation"] == 2), d.logtext())
                    r = c.request("SEARCH زراعة limit=3")
                    self.assertEqual(r["total"], 350, r)
                self.assertEqual(d.stop(), 0)

    def test_damaged_document_is_an_error_not_a_broken_line(self):
        # The vet walks pages; a stored document's bytes carry no checksum (LMDB
        # none, a small document is stored raw). One damaged into a raw newline
        # or invalid UTF-8 is a corrupt_index error for GET, never a reply cut
        # in two that pairs every later reply with the wrong request.
        with TempDir() as root:
            index = os.path.join(root, "ix")
            build_docs(index, [{"id": "a", "text": "XYZW كتاب"}, {"id": "b", "text": "QRST كتاب"},
                               {"id": "c", "text": "MNOP كتاب"}], os.path.join(root, "in"))
            path = os.path.join(index, "index.mdb")
            with open(path, "rb") as f:
                data = bytearray(f.read())
            for mark, bad in ((b"XYZW", b'X\n"W'), (b"QRST", b"Q\xffST")):
                self.assertEqual(data.count(mark), 1, mark)
                i = data.find(mark)
                data[i:i + 4] = bad
            with open(path, "wb") as f:
                f.write(data)
            with Daemon(index, workdir=root, threads=1) as d:
                with d.client() as c:
                    c.send_raw("GET a\nPING\nGET b\nGET c\nSEARCH snippets=0 كتاب\n"
                               .encode("utf-8"))
                    replies = [c.read_json() for _ in range(5)]
                    for k in (0, 2):
                        self.assertEqual(replies[k].get("error", {}).get("code"), "corrupt_index",
                                         replies)
                        self.assertIn("stored document is damaged", replies[k]["error"]["message"])
                    self.assertEqual(replies[1], {"ok": True, "pong": True}, replies)
                    self.assertEqual(replies[3]["doc"], {"id": "c", "text": "MNOP كتاب"}, replies)
                    self.assertEqual(replies[4]["total"], 3, replies)
                self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    fhtest.main()
