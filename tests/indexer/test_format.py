#!/usr/bin/env python3
"""docs/FORMAT.md against the bytes: an independent decoder of index.mdb.

  test_format.py --indexer BIN --source-dir DIR --case NAME   (or --case all; see ixcase.py)

Each case writes crafted documents, builds them with the real `fahras-indexer
build`, reads every named database raw with `mdb_dump` (lmdb-utils) and
decodes it following docs/FORMAT.md only: meta, terms (dictionary entries,
inlined lists), postings (skip tables, bit-packed blocks), positions
(varints), lengths, docs (raw or zstd frames, with the trained dictionary)
and ids. It asserts the invariants FORMAT.md states, then compares the
decoded index with ground truth that does not come from the decoder: the
input documents, the analyzer's tokens (`fahras-indexer analyze`, one field
per line) turned into term -> doc -> (tfs, positions), and `dump-terms` /
`dump-docs`, and runs `check`. zstd frames are decompressed with libzstd
through ctypes. The `exact` case changes copies of an index (mdb_dump, then
mdb_load) in ways the reader accepts but the writer never produces, and
expects `check` to refuse each; `number_ids` rewrites the number ids of
stored documents likewise and expects `check` to name each as the writer
does. Standard library only.
"""
import bisect
import ctypes
import ctypes.util
import json
import os
import random
import re
import struct
import subprocess
import sys
import time

from ixcase import Fail, expect, parse_args, run_cases

A = None  # parsed arguments
DBS = ["docs", "ids", "lengths", "meta", "positions", "postings", "terms"]
META_KEYS = {"format_version", "analyzer_name", "analyzer_version", "n_docs", "block_docs",
             "fields", "n_terms", "n_postings", "build_time"}
BLOCK = 128
INLINE_MAX = 96
F_INLINE, F_HAS_POS = 1, 2
D_ZSTD, D_DICT = 1, 2
ALT = b"\x01"


def run(args, input_bytes=None, ok=(0,)):
    p = subprocess.run(args, input=input_bytes, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=300)
    if ok is not None and p.returncode not in ok:
        raise Fail("%s -> exit %d\nstdout: %s\nstderr: %s"
                   % (args[:4], p.returncode, p.stdout[-2000:].decode("utf-8", "replace"),
                      p.stderr[-4000:].decode("utf-8", "replace")))
    return p.returncode, p.stdout, p.stderr


def ix(args, input_bytes=None, ok=(0,)):
    return run([A.indexer] + args, input_bytes=input_bytes, ok=ok)


# ---------------------------------------------------------------- raw LMDB

def mdb_dump(path):
    """{db name: [(key, value)]} of every named database, in LMDB order."""
    _, out, _ = run(["mdb_dump", "-n", "-l", path])
    names = out.decode().split()
    expect(names == DBS, "named databases %s, FORMAT.md lists %s" % (names, DBS))
    _, out, _ = run(["mdb_dump", "-n", "-a", path])
    dbs, lines, i = {}, out.decode("ascii").split("\n"), 0
    while i < len(lines) and lines[i]:
        head = {}
        while lines[i] != "HEADER=END":
            k, _, v = lines[i].partition("=")
            head[k] = v
            i += 1
        i += 1
        name = head.get("database")
        expect(name in DBS and name not in dbs, "unexpected database %r" % name)
        expect(head.get("format") == "bytevalue" and head.get("type") == "btree", head)
        # default flags: mdb_dump prints duplicates=1, integerkey=1, ... otherwise
        flags = set(head) - {"VERSION", "format", "database", "type", "mapsize", "maxreaders",
                             "db_pagesize"}
        expect(not flags, "%s: non-default database flags %s" % (name, flags))
        rows = []
        while lines[i] != "DATA=END":
            expect(lines[i].startswith(" ") and lines[i + 1].startswith(" "), lines[i])
            rows.append((bytes.fromhex(lines[i][1:]), bytes.fromhex(lines[i + 1][1:])))
            i += 2
        i += 1
        keys = [k for k, _ in rows]
        expect(keys == sorted(keys) and len(set(keys)) == len(keys), "%s: key order" % name)
        expect(all(1 <= len(k) <= 511 for k in keys), "%s: key length outside 1..511" % name)
        dbs[name] = rows
    expect(sorted(dbs) == DBS, "mdb_dump -a gave %s" % sorted(dbs))
    return dbs


# ---------------------------------------------------------------- codecs

class Buf:
    """A cursor over one value; every read is bounds-checked."""

    def __init__(self, data, what):
        self.d, self.p, self.what = data, 0, what

    def take(self, n):
        expect(n >= 0 and self.p + n <= len(self.d),
               "%s: %d bytes wanted at %d of %d" % (self.what, n, self.p, len(self.d)))
        b = self.d[self.p:self.p + n]
        self.p += n
        return b

    def fixed(self, fmt):
        return struct.unpack("<" + fmt, self.take(struct.calcsize(fmt)))[0]

    def varint(self, bits=32):
        """Unsigned LEB128 in its shortest form, at most 5 bytes for a u32, 10 for a u64."""
        v, shift, n = 0, 0, 0
        while True:
            b = self.take(1)[0]
            n += 1
            expect(n <= (5 if bits == 32 else 10), "%s: varint too long" % self.what)
            v |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        expect(v < 1 << bits, "%s: varint overflows u%d" % (self.what, bits))
        expect(n == 1 or b, "%s: varint not in its shortest form" % self.what)
        return v

    def rest(self):
        return self.take(len(self.d) - self.p)

    def left(self):
        return len(self.d) - self.p

    def end(self):
        expect(self.p == len(self.d), "%s: %d trailing bytes" % (self.what, self.left()))


def unpack_bits(data, n, w):
    """n values of w bits, value i at bits [i*w, (i+1)*w), LSB-first within bytes."""
    expect(len(data) == (n * w + 7) // 8, "packed array of %d bytes for %dx%d bits"
           % (len(data), n, w))
    big = int.from_bytes(data, "little")
    expect(big >> (n * w) == 0, "packed array: padding bits set")
    mask = (1 << w) - 1
    return [(big >> (i * w)) & mask for i in range(n)]


def width(values):
    return max(values).bit_length() if values else 0


# ---------------------------------------------------------------- decoder

def decode_meta(rows):
    m = {k.decode("ascii"): v for k, v in rows}
    expect(set(m) - {"zstd_dict"} == META_KEYS, "meta keys %s" % sorted(m))

    def one(key, fmt):
        b = Buf(m[key], "meta " + key)
        v = b.fixed(fmt)
        b.end()
        return v

    out = {"format_version": one("format_version", "I")}
    expect(out["format_version"] == 1, "format_version %d" % out["format_version"])
    for key, hi in (("analyzer_name", 63), ("analyzer_version", 15)):
        v = m[key]
        expect((1 if key == "analyzer_name" else 0) <= len(v) <= hi and b"\0" not in v,
               "meta %s = %r" % (key, v))
        out[key] = v.decode("utf-8")
    out["n_docs"] = one("n_docs", "I")
    expect(out["n_docs"] < 0xFFFFFFFF, "n_docs")
    out["block_docs"] = one("block_docs", "I")
    expect(out["block_docs"] == BLOCK, "block_docs %d" % out["block_docs"])
    b = Buf(m["fields"], "meta fields")
    nf = b.fixed("B")
    expect(1 <= nf <= 8, "nf %d" % nf)
    out["fields"] = []
    for _ in range(nf):
        ln = b.fixed("B")
        expect(1 <= ln <= 31, "field name length %d" % ln)
        name = b.take(ln).decode("utf-8")
        wgt, avg = b.fixed("f"), b.fixed("d")
        expect(wgt >= 0 and wgt != float("inf"), "weight %r" % wgt)
        out["fields"].append((name, wgt, avg))
    b.end()
    out["n_terms"] = one("n_terms", "Q")
    out["n_postings"] = one("n_postings", "Q")
    expect(out["n_terms"] < 1 << 32, "n_terms")
    out["build_time"] = one("build_time", "q")
    out["zstd_dict"] = m.get("zstd_dict")
    if out["zstd_dict"] is not None:
        d = out["zstd_dict"]
        expect(0 < len(d) <= 110 * 1024, "zstd_dict of %d bytes" % len(d))
        expect(d[:4] == struct.pack("<I", 0xEC30A437), "zstd_dict lacks the dictionary magic")
    return out


def decode_term(key, val, nf):
    b = Buf(val, "terms %r" % key)
    t = {"flags": b.fixed("B")}
    expect(t["flags"] & ~(F_INLINE | F_HAS_POS) == 0, "terms %r: flags %#x" % (key, t["flags"]))
    t["id"], t["df"], t["cf"] = b.varint(), b.varint(), b.varint(64)
    expect(t["df"] >= 1 and t["cf"] >= t["df"], "terms %r: df %d cf %d" % (key, t["df"], t["cf"]))
    t["fields"] = []
    for _ in range(nf):
        dff, mtf, mln = b.varint(), b.varint(), b.varint()
        expect(dff <= t["df"], "terms %r: df_field > df" % key)
        expect(dff or (mtf == 0 and mln == 0), "terms %r: df_field 0 with max_tf/min_len" % key)
        t["fields"].append((dff, mtf, mln))
    t["inline"] = b.rest() if t["flags"] & F_INLINE else None
    if t["inline"] is None:
        b.end()
    return t


def decode_postings(data, df, nf, n_docs, lengths, what):
    """[(docid, [tf per field])] and the block sizes, checking the skip table."""
    nb = (df + BLOCK - 1) // BLOCK
    ent = 8 + 4 * nf
    expect(len(data) >= nb * ent, "%s: shorter than its skip table" % what)
    skips = []
    for i in range(nb):
        b = Buf(data[i * ent:(i + 1) * ent], what + " skip")
        last, end = b.fixed("I"), b.fixed("I")
        maxtf = [b.fixed("H") for _ in range(nf)]
        minlen = [b.fixed("H") for _ in range(nf)]
        skips.append((last, end, maxtf, minlen))
    blocks = data[nb * ent:]
    expect(skips[-1][1] == len(blocks), "%s: last end %d, blocks hold %d bytes"
           % (what, skips[-1][1], len(blocks)))
    out, start, prev_last, sizes = [], 0, -1, []
    for bi, (last, end, maxtf, minlen) in enumerate(skips):
        expect(start <= end <= len(blocks), "%s: block %d end %d" % (what, bi, end))
        n = BLOCK if bi < nb - 1 else df - BLOCK * (nb - 1)
        b = Buf(blocks[start:end], "%s block %d" % (what, bi))
        wd = b.fixed("B")
        wt = [b.fixed("B") for _ in range(nf)]
        sizes.append((end - start, wd, wt))
        expect(wd <= 32 and all(w <= 32 for w in wt), "%s: width > 32" % what)
        gaps = unpack_bits(b.take((n * wd + 7) // 8), n, wd)
        tfs = [unpack_bits(b.take((n * w + 7) // 8), n, w) for w in wt]
        b.end()  # the widths account for exactly the block's bytes
        # the writer packs at the smallest width that holds the values
        expect(wd == width(gaps) and wt == [width(t) for t in tfs],
               "%s block %d: widths %d %s for gaps %d %s" % (what, bi, wd, wt, width(gaps),
                                                            [width(t) for t in tfs]))
        base, docs = prev_last + 1, []
        for i in range(n):
            docs.append(base + gaps[i])
            base = docs[-1] + 1
        expect(docs[-1] == last, "%s block %d: last docid %d, skip says %d"
               % (what, bi, docs[-1], last))
        expect(last < n_docs, "%s: docid %d >= n_docs" % (what, last))
        for f in range(nf):
            ft = tfs[f]
            expect(maxtf[f] == min(max(ft), 0xFFFF), "%s block %d field %d: skip max_tf %d, "
                   "block max %d" % (what, bi, f, maxtf[f], max(ft)))
            lens = [lengths[f][d] for d, t in zip(docs, ft) if t > 0]
            want = min(min(lens), 0xFFFF) if lens else 0
            expect(minlen[f] == want, "%s block %d field %d: skip min_len %d, want %d"
                   % (what, bi, f, minlen[f], want))
        for i, d in enumerate(docs):
            row = [tfs[f][i] for f in range(nf)]
            expect(any(row), "%s: doc %d with every tf 0" % (what, d))
            out.append((d, row))
        prev_last, start = last, end
    return out, sizes


def decode_positions(data, postings, nf, what):
    """{docid: [sorted positions per field]} following the block tfs."""
    nb = (len(postings) + BLOCK - 1) // BLOCK
    b = Buf(data, what)
    offs = [b.fixed("I") for _ in range(nb)]
    body = b.rest()
    expect(offs[0] == 0, "%s: first block offset %d" % (what, offs[0]))
    offs.append(len(body))
    expect(offs == sorted(offs), "%s: block offsets decrease: %s" % (what, offs))
    out = {}
    for bi in range(nb):
        pb = Buf(body[offs[bi]:offs[bi + 1]], "%s block %d" % (what, bi))
        for d, tfs in postings[bi * BLOCK:(bi + 1) * BLOCK]:
            per = []
            for f in range(nf):
                pos, p = [], 0
                for k in range(tfs[f]):
                    p = pb.varint() if k == 0 else p + pb.varint()
                    pos.append(p)
                per.append(pos)
            out[d] = per
        pb.end()
    return out


class Zstd:
    """libzstd (a Fahras dependency) through ctypes, only to open stored documents."""

    def __init__(self):
        lib = ctypes.util.find_library("zstd") or "libzstd.so.1"
        z = self.z = ctypes.CDLL(lib)
        sz, vp = ctypes.c_size_t, ctypes.c_void_p
        z.ZSTD_isError.argtypes, z.ZSTD_isError.restype = [sz], ctypes.c_uint
        z.ZSTD_createDCtx.restype = vp
        z.ZSTD_findFrameCompressedSize.argtypes = [ctypes.c_char_p, sz]
        z.ZSTD_findFrameCompressedSize.restype = sz
        z.ZSTD_decompress_usingDict.argtypes = [vp, ctypes.c_char_p, sz, ctypes.c_char_p, sz,
                                                ctypes.c_char_p, sz]
        z.ZSTD_decompress_usingDict.restype = sz
        z.ZSTD_createCCtx.restype = vp
        z.ZSTD_createCDict.argtypes, z.ZSTD_createCDict.restype = [ctypes.c_char_p, sz,
                                                                  ctypes.c_int], vp
        z.ZSTD_CCtx_refCDict.argtypes, z.ZSTD_CCtx_refCDict.restype = [vp, vp], sz
        z.ZSTD_CCtx_setParameter.argtypes = [vp, ctypes.c_int, ctypes.c_int]
        z.ZSTD_CCtx_setParameter.restype = sz
        z.ZSTD_compressBound.argtypes, z.ZSTD_compressBound.restype = [sz], sz
        z.ZSTD_compress2.argtypes = [vp, ctypes.c_char_p, sz, ctypes.c_char_p, sz]
        z.ZSTD_compress2.restype = sz
        self.dctx = z.ZSTD_createDCtx()
        self.cctx = {}

    def frame_size(self, frame):
        r = self.z.ZSTD_findFrameCompressedSize(frame, len(frame))
        return None if self.z.ZSTD_isError(r) else r

    def decompress(self, frame, raw_len, dictionary):
        cap = raw_len + 64
        dst = ctypes.create_string_buffer(cap)
        dic = dictionary or b""
        r = self.z.ZSTD_decompress_usingDict(self.dctx, dst, cap, frame, len(frame), dic,
                                             len(dic))
        return None if self.z.ZSTD_isError(r) else dst.raw[:r]

    def compressed_size(self, raw, dictionary):
        """The frame FORMAT.md describes: level 3 (with the dictionary if any), no
        content size, dictionary id or checksum."""
        z = self.z
        if dictionary not in self.cctx:
            c = z.ZSTD_createCCtx()
            if dictionary:
                self.cdict = z.ZSTD_createCDict(dictionary, len(dictionary), 3)
                z.ZSTD_CCtx_refCDict(c, self.cdict)
            else:
                z.ZSTD_CCtx_setParameter(c, 100, 3)  # ZSTD_c_compressionLevel
            for p in (200, 201, 202):  # ZSTD_c_contentSizeFlag, checksumFlag, dictIDFlag
                expect(not z.ZSTD_isError(z.ZSTD_CCtx_setParameter(c, p, 0)), "zstd param")
            self.cctx[dictionary] = c
        cap = z.ZSTD_compressBound(len(raw))
        dst = ctypes.create_string_buffer(cap)
        r = z.ZSTD_compress2(self.cctx[dictionary], dst, cap, raw, len(raw))
        expect(not z.ZSTD_isError(r), "zstd compression failed")
        return r


ZSTD = None


def zstd_frame_header(frame, what):
    """RFC 8878 frame header: no content size, no dictionary id, no checksum."""
    expect(frame[:4] == b"\x28\xb5\x2f\xfd", "%s: no zstd magic" % what)
    fhd = frame[4]
    expect(fhd >> 6 == 0 and not fhd & 0x20, "%s: frame carries a content size" % what)
    expect(not fhd & 0x04, "%s: frame carries a checksum" % what)
    expect(fhd & 0x03 == 0, "%s: frame carries a dictionary id" % what)


def decode_doc(val, dictionary, what):
    global ZSTD
    b = Buf(val, what)
    flags = b.fixed("B")
    expect(flags & ~(D_ZSTD | D_DICT) == 0, "%s: flags %#x" % (what, flags))
    expect(flags & D_ZSTD or not flags & D_DICT, "%s: DICT without ZSTD" % what)
    n = b.varint()
    expect(1 <= n <= 511, "%s: id length %d" % (what, n))
    ext = b.take(n)
    if not flags & D_ZSTD:
        return ext, b.rest(), None
    raw_len = b.varint(64)
    frame = b.rest()
    zstd_frame_header(frame, what)
    ZSTD = ZSTD or Zstd()
    expect(ZSTD.frame_size(frame) == len(frame), "%s: not exactly one zstd frame" % what)
    expect(not flags & D_DICT or dictionary is not None, "%s: DICT but no zstd_dict" % what)
    raw = ZSTD.decompress(frame, raw_len, dictionary if flags & D_DICT else None)
    expect(raw is not None, "%s: zstd frame does not decompress (flags %d)" % (what, flags))
    expect(len(raw) == raw_len, "%s: raw_len %d, frame gives %d" % (what, raw_len, len(raw)))
    return ext, raw, (flags, len(frame), raw_len)


def decode_index(path):
    """The whole index, decoded from FORMAT.md, with its stated invariants."""
    dbs = mdb_dump(path)
    meta = decode_meta(dbs["meta"])
    nf, n = len(meta["fields"]), meta["n_docs"]
    # lengths
    keys = [k for k, _ in dbs["lengths"]]
    expect(keys == [struct.pack(">I", f) for f in range(nf)], "lengths keys %s" % keys)
    lengths = []
    for f, (_, v) in enumerate(dbs["lengths"]):
        expect(len(v) == 4 * n, "lengths[%d]: %d bytes for %d documents" % (f, len(v), n))
        lengths.append(list(struct.unpack("<%dI" % n, v)))
    for f, (name, _, avg) in enumerate(meta["fields"]):
        want = sum(lengths[f]) / n if n else 0.0
        expect(avg == want, "field %s: average length %r, lengths give %r" % (name, avg, want))
    # docs and ids
    keys = [k for k, _ in dbs["docs"]]
    expect(keys == [struct.pack(">I", d) for d in range(n)], "docs keys are not 0..n_docs-1")
    docs = [decode_doc(v, meta["zstd_dict"], "docs[%d]" % d)
            for d, (_, v) in enumerate(dbs["docs"])]
    ids = {}
    for k, v in dbs["ids"]:
        b = Buf(v, "ids %r" % k)
        ids[k] = b.fixed("I")
        b.end()
        expect(ids[k] < n and docs[ids[k]][0] == k,
               "ids %r -> %d disagrees with docs" % (k, ids[k]))
    expect(len(ids) == n, "ids holds %d entries for %d documents" % (len(ids), n))
    # terms, postings, positions
    postings = {struct.unpack(">I", k)[0]: v for k, v in dbs["postings"]}
    positions = {struct.unpack(">I", k)[0]: v for k, v in dbs["positions"]}
    expect(len(postings) == len(dbs["postings"]), "postings keys")
    terms, used_post, used_pos, n_post = {}, set(), set(), 0
    for tid, (key, val) in enumerate(dbs["terms"]):
        t = decode_term(key, val, nf)
        what = "term %r" % key
        expect(t["id"] == tid, "%s: term_id %d, key order says %d" % (what, t["id"], tid))
        if t["inline"] is not None:
            data = t["inline"]
            expect(tid not in postings, "%s: inlined and in postings" % what)
            expect(len(data) <= INLINE_MAX, "%s: inlined list of %d bytes" % (what, len(data)))
        else:
            expect(tid in postings, "%s: neither inlined nor in postings" % what)
            data = postings[tid]
            used_post.add(tid)
            expect(len(data) > INLINE_MAX, "%s: %d-byte list not inlined" % (what, len(data)))
        plist, sizes = decode_postings(data, t["df"], nf, n, lengths, what)
        docids = [d for d, _ in plist]
        expect(all(a < b for a, b in zip(docids, docids[1:])), "%s: docids not increasing" % what)
        expect(sum(sum(r) for _, r in plist) == t["cf"], "%s: cf %d" % (what, t["cf"]))
        for f in range(nf):
            tf = [r[f] for _, r in plist if r[f]]
            ml = min((lengths[f][d] for d, r in plist if r[f]), default=0)
            expect(t["fields"][f] == (len(tf), max(tf, default=0), ml),
                   "%s field %d: dictionary %s, postings give %s"
                   % (what, f, t["fields"][f], (len(tf), max(tf, default=0), ml)))
        pos = None
        if t["flags"] & F_HAS_POS:
            expect(tid in positions, "%s: HAS_POS but no positions entry" % what)
            used_pos.add(tid)
            pos = decode_positions(positions[tid], plist, nf, "positions of %r" % key)
        t.update(postings=plist, positions=pos, block_sizes=sizes, list_len=len(data))
        terms[key] = t
        n_post += t["df"]
    expect(set(postings) == used_post, "postings entries for no (or an inlined) term")
    expect(set(positions) == used_pos, "positions entries for a term without HAS_POS")
    expect(meta["n_terms"] == len(terms), "n_terms %d, terms holds %d"
           % (meta["n_terms"], len(terms)))
    expect(meta["n_postings"] == n_post, "n_postings %d, sum of df %d"
           % (meta["n_postings"], n_post))
    return {"meta": meta, "lengths": lengths, "docs": docs, "ids": ids, "terms": terms}


# ---------------------------------------------------------------- ground truth

def analyze(texts, stemmer):
    """Per text: [(term bytes, position, is_alt)] from `fahras-indexer analyze`."""
    out = [None] * len(texts)
    lines = [i for i, t in enumerate(texts) if "\n" not in t and "\r" not in t]
    blob, starts = b"", []
    for i in lines:
        starts.append(len(blob))
        blob += texts[i].encode("utf-8") + b"\n"
    for i in lines:
        out[i] = []
    args = ["analyze", "--stemmer", stemmer]
    if lines:
        _, o, _ = ix(args, input_bytes=blob)
        for row in o.decode("utf-8").split("\n")[:-1]:
            c = row.split("\t")
            expect(len(c) == 7, "analyze row %r" % row)
            k = lines[bisect.bisect_right(starts, int(c[0])) - 1]
            out[k].append(token(c))
    for i, t in enumerate(texts):  # a text with line breaks is one text, not several lines
        if out[i] is None:
            _, o, _ = ix(args + ["--", t])
            out[i] = [token(row.split("\t")) for row in o.decode("utf-8").split("\n")[:-1]]
    return out


def token(c):
    alt = "alt" in c[6].split(",")
    return ((ALT if alt else b"") + c[4].encode("utf-8"), int(c[5]), alt)


def expected_index(records, fields, stemmer):
    """term -> {doc: [positions per field]}, and per-field lengths, from the analyzer."""
    texts, where = [], []
    for d, r in enumerate(records):
        for f, name in enumerate(fields):
            v = r["obj"].get(name)
            if isinstance(v, str):
                texts.append(v)
                where.append((d, f))
    toks = analyze(texts, stemmer)
    nf = len(fields)
    lengths = [[0] * len(records) for _ in fields]
    terms = {}
    for (d, f), tl in zip(where, toks):
        for term, p, alt in tl:
            if not alt:
                lengths[f][d] += 1
            terms.setdefault(term, {}).setdefault(d, [[] for _ in range(nf)])[f].append(p)
    for per in terms.values():
        for pl in per.values():
            for p in pl:
                p.sort()
    return terms, lengths


def compare(path, idx, records, fields, weights, stemmer):
    """The decoded index against the inputs, the analyzer and dump-terms/dump-docs."""
    meta = idx["meta"]
    n = len(records)
    expect(meta["n_docs"] == n, "n_docs %d, %d documents written" % (meta["n_docs"], n))
    got = [(f, w) for f, w, _ in meta["fields"]]
    expect(got == list(zip(fields, weights)), "fields %s, want %s"
           % (got, list(zip(fields, weights))))
    # stored documents, ids
    for d, r in enumerate(records):
        ext, raw, _ = idx["docs"][d]
        expect(ext == r["id"].encode(), "docs[%d]: id %r, input %r" % (d, ext, r["id"]))
        expect(raw == r["line"], "docs[%d]: stored %r\n  input %r" % (d, raw[:200], r["line"]))
    expect(sorted(idx["ids"]) == sorted(r["id"].encode() for r in records), "ids keys")
    # postings and positions against the analyzer
    want, wlen = expected_index(records, fields, stemmer)
    expect(idx["lengths"] == wlen, "field lengths differ from the analyzer's token counts")
    terms = idx["terms"]
    missing, extra = sorted(set(want) - set(terms)), sorted(set(terms) - set(want))
    expect(not missing and not extra, "terms missing %s, unexpected %s" % (missing[:5], extra[:5]))
    for key, per in want.items():
        t = terms[key]
        got = [(d, tfs) for d, tfs in t["postings"]]
        exp = [(d, [len(p) for p in per[d]]) for d in sorted(per)]
        expect(got == exp, "term %r: postings %s..., analyzer %s..." % (key, got[:4], exp[:4]))
        expect(t["positions"] is not None, "term %r: no positions" % key)
        for d in per:
            expect(t["positions"][d] == per[d], "term %r doc %d: positions %s, analyzer %s"
                   % (key, d, t["positions"][d], per[d]))
    # dump-terms: term, df, cf; then #fields, #docs
    _, out, _ = ix(["dump-terms", path])
    rows = out.split(b"\n")[:-1]
    expect(rows[-1].split(b"\t")[:2] == [b"#docs", str(n).encode()], rows[-1])
    # #fields: name=weight, the weight the fewest digits that read back as the float32
    shown = [c.decode().rpartition("=") for c in rows[-2].split(b"\t")[1:]]
    expect(rows[-2].split(b"\t")[0] == b"#fields"
           and [(a, struct.unpack("<f", struct.pack("<f", float(w)))[0]) for a, _, w in shown]
           == [(f, w) for f, w, _ in meta["fields"]], rows[-2])
    dt = [r.split(b"\t") for r in rows[:-2]]
    expect([r[0] for r in dt] == list(terms), "dump-terms lists other terms or another order")
    for r in dt:
        t = terms[r[0]]
        expect((int(r[1]), int(r[2])) == (t["df"], t["cf"]),
               "dump-terms %r: df/cf %s/%s, decoded %d/%d" % (r[0], r[1], r[2], t["df"], t["cf"]))
    # dump-docs: docid, id, lengths, stored JSON
    _, out, _ = ix(["dump-docs", path])
    rows = out.split(b"\n")[:-1]
    expect(len(rows) == n, "dump-docs: %d rows" % len(rows))
    for d, row in enumerate(rows):
        c = row.split(b"\t", 2 + len(fields))
        ext, raw, _ = idx["docs"][d]
        want_row = [str(d).encode(), ext] + [str(idx["lengths"][f][d]).encode()
                                             for f in range(len(fields))] + [raw]
        expect(c == want_row, "dump-docs row %d: %r" % (d, row[:200]))


def build_and_check(tmp, records, fields=("title", "text"), weights=None, stemmer="light10"):
    """Writes the records, builds them, decodes the index and compares it.
    weights None: no --weights, the default title=2, others 1."""
    src = os.path.join(tmp, "in.jsonl")
    with open(src, "wb") as f:
        for r in records:
            f.write(r["line"] + b"\n")
    records = [r for r in records if not r.get("skipped")]  # written, not indexed
    path = os.path.join(tmp, "ix")
    args = ["build", "--quiet", "--index", path, "--stemmer", stemmer, "--fields", ",".join(fields)]
    if weights is None:
        weights = [2.0 if f == "title" else 1.0 for f in fields]
    else:
        args += ["--weights", ",".join("%s=%r" % fw for fw in zip(fields, weights))]
    t0 = int(time.time())
    ix(args + [src])
    t1 = int(time.time())
    expect(os.listdir(path) == ["index.mdb"], os.listdir(path))
    idx = decode_index(os.path.join(path, "index.mdb"))
    bt = idx["meta"]["build_time"]
    expect(t0 - 1 <= bt <= t1 + 1, "build_time %d outside [%d, %d]" % (bt, t0, t1))
    compare(path, idx, records, list(fields), list(weights), stemmer)
    # and `check` finds the writer's bytes exact (FORMAT.md, "Exactness")
    rc, out, err = ix(["check", path], ok=None)
    expect(rc == 0 and b"check: OK" in out, "check exit %d: %s" % (rc, err[-2000:]))
    return idx


def rec(obj, ascii_json=False):
    line = json.dumps(obj, ensure_ascii=ascii_json).encode("utf-8")
    return {"obj": obj, "id": str(obj["id"]), "line": line}


# ---------------------------------------------------------------- corpora

AR = ("كتاب الكتاب مكتبة المدرسة مدرسة الطالب الطلاب يكتبون كتب قال وقالت الشركة "
      "شركات للشركات السوق الاقتصاد العربي الحكومة وزير الوزراء اجتماع مؤتمر صحفي "
      "المعلمون معلم في من إلى على عن هذا التي الذي أن إن").split()
MIXED = "DeepSeek-R1 e-mail 2024 ١٢٣ H800 x1 COVID-19".split()


def words(rng, k):
    return [rng.choice(AR if rng.random() < 0.85 else MIXED) for _ in range(k)]


def place(ws, word, times, rng):
    for _ in range(times):
        ws.insert(rng.randrange(len(ws) + 1), word)
    return ws


def case_multi(tmp):
    """Two fields, 300 documents: lists of several blocks (a full last block,
    a 1-document last block, width-0 gaps), the inline boundary at exactly 96
    and 97 bytes, tf >= 65535 (skip max_tf saturated, 17-bit tfs), a field
    longer than 65535 tokens (skip min_len saturated), empty documents, a
    term in one field only, the zstd dictionary (>= 256 documents)."""
    rng = random.Random(1)
    n, huge, short, bare = 300, 200, 120, {120, 150, 151}
    full = set(rng.sample([d for d in range(n) if d not in bare], 256))
    ezra = set(rng.sample([d for d in range(n) if d not in bare], 129))
    objs = []
    for d in range(n):
        title, text = words(rng, rng.randrange(0, 6)), words(rng, rng.randrange(3, 40))
        if d not in bare:
            place(text, "everyx", rng.randrange(1, 4), rng)
        if d < 67 or d == 250:  # 68 documents: gaps 0 and 183, 8-bit gaps -> 96 bytes
            place(text, "inlineaa", 1, rng)
        if d < 68 or d == 250:  # 69 documents -> 97 bytes: in postings
            place(text, "inlinebb", 1, rng)
        if d in full:
            place(text, "blockfull", rng.randrange(1, 5), rng)
            place(title, "blockfull", rng.randrange(0, 3), rng)
        if d in ezra:
            place(title if d % 2 else text, "ezra", rng.randrange(1, 3), rng)
        if d % 37 == 5:
            place(title, "titleonly", 1 + d % 3, rng)
        o = {"id": "doc-%d" % d, "title": " ".join(title), "text": " ".join(text)}
        if d == huge:
            o["text"] += " " + " ".join(["zz"] * 70000 + ["yy"] * 65535 + ["ww"] * 65534)
        elif d == short:
            o = {"id": "s", "text": "x"}  # shorter than 32 bytes: stored raw
        elif d == 150:
            o = {"id": "empty-150", "title": "", "text": " . "}  # no tokens at all
        elif d == 151:
            o = {"id": "empty-151", "note": "no analyzed field"}
        elif d == 10:
            o = {"id": 4242, "title": None, "text": o["text"], "year": 2024, "tags": ["a", 1]}
        elif d == 11:
            o["text"] = o["text"].replace(" ", "\n", 3)  # line breaks inside one field
        elif d == 12:  # tokens cut by the analyzer, keys still <= 511 bytes
            o["text"] += " " + "a" * 600 + " " + "ك" * 300
        objs.append(rec(o, ascii_json=(d == 14)))
        if d == 20:  # neither a duplicate id nor a blank line is a document
            objs.append(dict(rec({"id": "doc-3", "text": "مكرر"}), skipped=True))
            objs.append({"line": b"", "skipped": True})
    idx = build_and_check(tmp, objs)
    t = idx["terms"]
    # the cases above really occur
    bs = t[b"everyx"]["block_sizes"]
    expect(t[b"everyx"]["df"] == 297 and len(bs) == 3 and bs[2][1] == 0,
           "everyx: %d docs, blocks %s (width-0 gaps in the last)" % (t[b"everyx"]["df"], bs))
    expect(t[b"blockfull"]["df"] == 256 and len(t[b"blockfull"]["block_sizes"]) == 2, "blockfull")
    expect(t[b"ezra"]["df"] == 129 and len(t[b"ezra"]["block_sizes"]) == 2, "ezra")
    expect(t[b"inlineaa"]["list_len"] == 96 and t[b"inlineaa"]["inline"] is not None,
           "inlineaa: %d-byte list, inlined %s" % (t[b"inlineaa"]["list_len"],
                                                   t[b"inlineaa"]["inline"] is not None))
    expect(t[b"inlinebb"]["list_len"] == 97 and t[b"inlinebb"]["inline"] is None,
           "inlinebb: %d-byte list" % t[b"inlinebb"]["list_len"])
    expect(t[b"titleonly"]["fields"][1] == (0, 0, 0), "titleonly in text")
    for w, tf in ((b"zz", 70000), (b"yy", 65535), (b"ww", 65534)):
        expect(t[w]["fields"][1][1] == tf and t[w]["postings"] == [(huge, [0, tf])], w)
    expect(idx["lengths"][1][huge] > 0xFFFF, "huge document")
    dic = idx["meta"]["zstd_dict"]
    expect(dic is not None, "300 documents and no zstd_dict")
    kinds = check_compression(idx)
    expect(kinds >= {"raw", "zstd+dict"}, "document kinds %s" % kinds)


def check_compression(idx):
    """Documents under 32 bytes are raw; a compressed one saves more than 5 bytes, and
    compressing a raw one of 32 bytes or more would not."""
    global ZSTD
    ZSTD = ZSTD or Zstd()
    kinds = set()
    dic = idx["meta"]["zstd_dict"]
    for d, (_, raw, z) in enumerate(idx["docs"]):
        if z is None:
            kinds.add("raw")
            if len(raw) >= 32:
                cs = ZSTD.compressed_size(raw, dic)
                expect(cs + 5 >= len(raw), "docs[%d]: stored raw, %d bytes, zstd gives %d"
                       % (d, len(raw), cs))
            continue
        flags, flen, raw_len = z
        kinds.add("zstd+dict" if flags & D_DICT else "zstd")
        expect(raw_len >= 32, "docs[%d]: %d-byte document compressed" % (d, raw_len))
        expect(raw_len - flen > 5, "docs[%d]: compressed %d -> %d" % (d, raw_len, flen))
        expect(idx["meta"]["zstd_dict"] is not None or not flags & D_DICT, d)
    return kinds


def case_single(tmp):
    """One field (`--fields text`), 132 documents: a list of exactly one full
    block and one of 129 (a 1-document last block); no zstd dictionary (< 256
    documents), so documents are zstd without DICT, or raw."""
    rng = random.Random(2)
    objs = []
    for d in range(131):  # d 3 is replaced: 129 and 128 documents hold the two terms
        ws = words(rng, rng.randrange(1, 30))
        if d != 77:
            place(ws, "onetwonine", 1 + d % 5, rng)
        if d not in (0, 77):
            place(ws, "onetwoeight", 1, rng)
        o = {"id": str(1000 - d), "text": " ".join(ws)}
        if d == 3:
            o = {"id": "t", "text": "q"}
        if d == 4:
            o["title"] = "not analyzed in this index"
        objs.append(rec(o))
    objs.append(rec({"id": "only-title", "title": "كتاب", "text": ""}))
    idx = build_and_check(tmp, objs, fields=("text",), weights=(0.75,))
    t = idx["terms"]
    expect(t[b"onetwoeight"]["df"] == 128 and len(t[b"onetwoeight"]["block_sizes"]) == 1, "128")
    expect(t[b"onetwonine"]["df"] == 129 and len(t[b"onetwonine"]["block_sizes"]) == 2, "129")
    expect(idx["meta"]["zstd_dict"] is None, "zstd_dict with 132 documents")
    kinds = check_compression(idx)
    expect(kinds == {"raw", "zstd"}, "document kinds %s" % kinds)


def case_sb(tmp):
    """`--stemmer light10+sb` (alternative-stem terms, 0x01 + stem, at the same
    positions, not counted in field lengths) and three fields."""
    rng = random.Random(3)
    objs = []
    for d in range(40):
        o = {"id": "sb%02d" % d, "title": " ".join(words(rng, rng.randrange(0, 5))),
             "text": " ".join(words(rng, rng.randrange(1, 25))),
             "tags": " ".join(words(rng, rng.randrange(0, 3)))}
        objs.append(rec(o))
    idx = build_and_check(tmp, objs, fields=("title", "text", "tags"), weights=(2.5, 1.0, 0.5),
                          stemmer="light10+sb")
    alts = [k for k in idx["terms"] if k.startswith(ALT)]
    expect(alts and len(alts) < len(idx["terms"]), "no alternative-stem terms")
    check_compression(idx)


def case_sample(tmp):
    """data/sample/news.jsonl, as the project ships it."""
    with open(os.path.join(A.source_dir, "data", "sample", "news.jsonl"), "rb") as f:
        lines = [l.rstrip(b"\n") for l in f if l.strip()]
    objs = [{"obj": json.loads(l), "id": str(json.loads(l)["id"]), "line": l} for l in lines]
    check_compression(build_and_check(tmp, objs))


def mdb_load(dbs, path):
    """Write {db name: [(key, value)]} as a new LMDB file at path (mdb_load)."""
    text = []
    for name in DBS:
        text += ["VERSION=3", "format=bytevalue", "database=" + name, "type=btree",
                 "mapsize=268435456", "HEADER=END"]
        for k, v in dbs[name]:
            text += [" " + k.hex(), " " + v.hex()]
        text.append("DATA=END")
    src = path + ".dump"
    with open(src, "w") as f:
        f.write("\n".join(text) + "\n")
    run(["mdb_load", "-n", "-f", src, path])
    os.unlink(src)
    os.unlink(path + "-lock")


def varint_bytes(v):
    out = b""
    while v >= 0x80:
        out += bytes([v & 0x7F | 0x80])
        v >>= 7
    return out + bytes([v])


def raw_frame(data):
    """One zstd frame of a raw block (RFC 8878): no content size, 128 KiB window."""
    return (b"\x28\xb5\x2f\xfd\x00" + bytes([7 << 3])
            + struct.pack("<I", len(data) << 3 | 1)[:3] + data)


def case_exact(tmp):
    """`check` rejects what FORMAT.md ("Exactness") says the writer never
    produces, though the reader takes it: each change to a copy of a small
    index (dumped with mdb_dump, loaded back with mdb_load) must fail check
    with its message, and the copy loaded back unchanged must pass."""
    rng = random.Random(4)
    objs = []
    for d in range(240):  # "everyx" in 2 documents of 3: two blocks, in postings
        text = words(rng, rng.randrange(8, 30))
        if d % 3:
            place(text, "everyx", rng.randrange(1, 4), rng)
        objs.append(rec({"id": "x%d" % d, "title": " ".join(words(rng, 3)),
                         "text": " ".join(text)}))
    idx = build_and_check(tmp, objs)
    orig = mdb_dump(os.path.join(tmp, "ix", "index.mdb"))
    nf = len(idx["meta"]["fields"])
    every = idx["terms"][b"everyx"]
    tid = struct.pack(">I", every["id"])
    inl = min((k for k, t in idx["terms"].items() if t["inline"] is not None),
              key=lambda k: len(idx["terms"][k]["inline"]))  # one more byte stays inline
    doc = next(d for d, (_, _, z) in enumerate(idx["docs"]) if z)  # a compressed one
    expect(every["inline"] is None and every["flags"] & F_HAS_POS and every["df"] == 160,
           "everyx: not a two-block list in postings")

    def value(dbs, db, key):
        return next(v for k, v in dbs[db] if k == key)

    def put(dbs, db, key, val):
        dbs[db] = [(k, val if k == key else v) for k, v in dbs[db]]

    def post_trailing(dbs):
        put(dbs, "postings", tid, value(dbs, "postings", tid) + b"\0\0")

    def inline_trailing(dbs):
        put(dbs, "terms", inl, value(dbs, "terms", inl) + b"\0")

    def skip_max_tf(dbs):  # block 0's max_tf of the text field, one more
        v = bytearray(value(dbs, "postings", tid))
        struct.pack_into("<H", v, 10, struct.unpack_from("<H", v, 10)[0] + 1)
        put(dbs, "postings", tid, bytes(v))

    def pos_off0(dbs):  # two bytes before block 0's positions, every offset moved
        v = value(dbs, "positions", tid)
        nb = (every["df"] + BLOCK - 1) // BLOCK
        offs = struct.unpack_from("<%dI" % nb, v)
        put(dbs, "positions", tid, struct.pack("<%dI" % nb, *(o + 2 for o in offs))
            + b"\1\1" + v[4 * nb:])

    def pos_trailing(dbs):
        put(dbs, "positions", tid, value(dbs, "positions", tid) + b"\5")

    def pos_long_varint(dbs):  # the last position step as a 2-byte varint
        v = value(dbs, "positions", tid)
        expect(v[-1] < 0x80, "last position step of everyx")
        put(dbs, "positions", tid, v[:-1] + bytes([v[-1] | 0x80, 0]))

    def dict_long_varint(dbs):  # df as a 3-byte varint
        v = value(dbs, "terms", b"everyx")
        head = 1 + len(varint_bytes(every["id"]))
        df = varint_bytes(every["df"])
        longer = bytes(b | 0x80 for b in df) + b"\x80\x00"
        put(dbs, "terms", b"everyx", v[:head] + longer + v[head + len(df):])

    def min_len_absent(dbs):  # min_len 5 in the title field, where everyx is not
        v = bytearray(value(dbs, "terms", b"everyx"))
        b = Buf(bytes(v), "everyx")
        b.fixed("B")
        b.varint()
        b.varint()
        b.varint(64)
        expect(v[b.p:b.p + 3] == b"\0\0\0", "everyx: in the title field")
        v[b.p + 2] = 5
        put(dbs, "terms", b"everyx", bytes(v))

    def add(dbs, db, key, val):  # one more entry, in key order
        dbs[db] = sorted(dbs[db] + [(key, val)])

    def docs_extra(dbs):  # a copy of the last document under docid n_docs
        n = len(dbs["docs"])
        add(dbs, "docs", struct.pack(">I", n), value(dbs, "docs", struct.pack(">I", n - 1)))

    def lengths_extra(dbs):  # a third field's lengths
        add(dbs, "lengths", struct.pack(">I", nf), value(dbs, "lengths", struct.pack(">I", 0)))

    def ids_extra(dbs):  # a second id for docid 0
        add(dbs, "ids", b"zz-extra", struct.pack("<I", 0))

    def id_long_varint(dbs):
        key = struct.pack(">I", doc)
        v = value(dbs, "docs", key)
        expect(v[1] < 0x80, "id length")
        put(dbs, "docs", key, v[:1] + bytes([v[1] | 0x80, 0]) + v[2:])

    def two_frames(dbs):  # the document as two raw frames
        key = struct.pack(">I", doc)
        v = value(dbs, "docs", key)
        ext, raw = idx["docs"][doc][0], idx["docs"][doc][1]
        h = len(raw) // 2
        put(dbs, "docs", key, bytes([v[0]]) + varint_bytes(len(ext)) + ext
            + varint_bytes(len(raw)) + raw_frame(raw[:h]) + raw_frame(raw[h:]))

    def skippable_frame(dbs):
        key = struct.pack(">I", doc)
        put(dbs, "docs", key, value(dbs, "docs", key) + struct.pack("<II", 0x184D2A50, 3) + b"abc")

    def same_names(dbs):  # both fields named "title"
        b = Buf(value(dbs, "meta", b"fields"), "fields")
        n = b.fixed("B")
        out = bytes([n])
        for _ in range(n):
            b.take(b.fixed("B"))
            out += bytes([5]) + b"title" + b.take(12)
        put(dbs, "meta", b"fields", out)

    cases = [
        ("same", None, None),
        ("post_trailing", post_trailing, 'term "everyx": postings: 2 byte(s) after the last block'),
        ("inline_trailing", inline_trailing,
         'term "%s": postings: 1 byte(s) after the last block' % inl.decode()),
        ("skip_max_tf", skip_max_tf, 'term "everyx": postings block 0 field 1: skip entry max_tf'),
        ("pos_off0", pos_off0, 'term "everyx": positions: block 0 starts at 2, not 0'),
        ("pos_trailing", pos_trailing,
         'term "everyx": positions block 1: 1 byte(s) after its documents\' positions'),
        ("pos_long_varint", pos_long_varint,
         'term "everyx": positions block 1: a varint longer than its shortest form'),
        ("dict_long_varint", dict_long_varint,
         'term "everyx": dictionary value: a varint longer than its shortest form'),
        ("min_len_absent", min_len_absent, 'term "everyx" field 0: min length 5, decoded 0'),
        ("docs_extra", docs_extra, "docs has 241 entries for 240 documents"),
        ("lengths_extra", lengths_extra, "lengths has 3 entries for 2 fields"),
        ("ids_extra", ids_extra, "the id map has 241 entries for 240 documents"),
        ("id_long_varint", id_long_varint,
         "doc %d: id length: a varint longer than its shortest form" % doc),
        ("two_frames", two_frames, "doc %d: not exactly one zstd frame" % doc),
        ("skippable_frame", skippable_frame, "doc %d: not exactly one zstd frame" % doc),
        ("same_names", same_names, 'fields 0 and 1 are both named "title"'),
    ]
    expect(nf == 2, "two fields")
    for name, change, want in cases:
        dbs = {k: list(v) for k, v in orig.items()}
        if change:
            change(dbs)
        d = os.path.join(tmp, name)
        os.mkdir(d)
        mdb_load(dbs, os.path.join(d, "index.mdb"))
        rc, out, err = ix(["check", d], ok=None)
        err = err.decode("utf-8", "replace")
        if want is None:
            expect(rc == 0 and b"check: OK" in out, "%s: check exit %d: %s" % (name, rc, err))
            continue
        expect(rc == 3 and "check: VIOLATION: " + want in err and b"check: OK" not in out,
               "%s: check exit %d, want 3 and \"%s\": %s" % (name, rc, want, err[-2000:]))
        nv = err.count("check: VIOLATION: ")
        count = "check: %d violation%s in %s\n" % (nv, "" if nv == 1 else "s", d)
        expect(count in err, "%s: want \"%s\": %s" % (name, count, err[-2000:]))
        # the reader itself takes it: the document or the term still reads
        _, dump, _ = ix(["dump-terms", d], ok=None)
        expect(b"everyx\t" in dump, "%s: dump-terms fails" % name)


def case_number_ids(tmp):
    """`check` names a JSON number id as the writer does (FORMAT.md, *ids*),
    from its text: an integer as written, a real only when its digits make
    it integral and below 2^53 -- not from a double, which rounds
    1.0000000000000001 to 1 and 1e-400 to 0. The writer's names are pinned
    by a build; then, in copies of the index, every stored document's "id" is
    rewritten to one text (the id map left alone), and check must accept
    exactly the documents whose id map holds the name the writer gives that
    text, and report every other one."""
    big = ', "big": 123456789012345678901234567890'  # jansson reads the line's integers as reals
    # (the id as written, other members, the id the writer names it, or None: refused)
    built = [
        ("1", "", "1"), ("5", "", "5"), ("-0.0", "", "0"), ("1e3", "", "1000"),
        ("250e-1", "", "25"), ("9007199254740991", "", "9007199254740991"),
        ("9007199254740993", "", "9007199254740993"), ("-42", big, "-42"),
        ("1.0000000000000001", "", None), ("4.9999999999999999e0", "", None),
        ("1e-400", "", None), ("9007199254740991.0000001", "", None),
        ("9007199254740992.0", "", None), ("9007199254740993", big, None),
        ("12345678901234567890", "", None),
    ]
    more = [("1.0", "", "1"), ("0.5e1", "", "5"), ("-0", "", "0"), ("1000", big, "1000"),
            ("9007199254740991", big, "9007199254740991"), ("-4.2e1", "", "-42"),
            ("9007199254740992", "", "9007199254740992"), ("1e16", "", None)]

    def line(num, extra, d):
        return ('{"id": %s, "text": "w%d"%s}' % (num, d, extra)).encode()

    recs = [{"obj": {"text": "w%d" % d}, "id": name or "", "line": line(num, extra, d),
             "skipped": name is None} for d, (num, extra, name) in enumerate(built)]
    os.mkdir(os.path.join(tmp, "built"))
    idx = build_and_check(os.path.join(tmp, "built"), recs, fields=("text",))
    ids = [e for e, _, _ in idx["docs"]]
    expect(ids == [n.encode() for _, _, n in built if n], "writer ids %s" % ids)
    orig = mdb_dump(os.path.join(tmp, "built", "ix", "index.mdb"))
    for v, (num, extra, name) in enumerate(built + more):
        dbs = {k: list(x) for k, x in orig.items()}
        dbs["docs"] = [(k, b"\0" + varint_bytes(len(ids[d])) + ids[d] + line(num, extra, d))
                       for d, (k, _) in enumerate(dbs["docs"])]
        d = os.path.join(tmp, "v%d" % v)
        os.mkdir(d)
        mdb_load(dbs, os.path.join(d, "index.mdb"))
        rc, out, err = ix(["check", d], ok=None)
        err = err.decode("utf-8", "replace")
        bad = sorted(int(m) for m in re.findall(
            r'check: VIOLATION: doc (\d+): stored "id" differs from the id map', err))
        want = [i for i, e in enumerate(ids) if name is None or e != name.encode()]
        expect(bad == want and (rc == 0) == (not want), "id %s%s: check exit %d, reports docs "
               "%s, want %s: %s" % (num, " (and a big integer)" if extra else "", rc, bad, want,
                                    err[-2000:]))


def main():
    global A
    A = parse_args()
    return run_cases(globals(), A.case, "fh-fmt-")


if __name__ == "__main__":
    sys.exit(main())
