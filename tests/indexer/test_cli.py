#!/usr/bin/env python3
"""CLI tests of fahras-indexer: inputs, bad-input reports and counts, --strict,
atomic publish under kill -9, determinism across threads and spills.

  test_cli.py --indexer BIN --source-dir DIR --case NAME   (or --case all)

Each case builds indexes in its own temporary directory and compares them
through `dump-terms` / `dump-docs` (canonical text forms) and `check`.
Standard library only.
"""
import bz2
import gzip
import json
import lzma
import os
import re
import signal
import struct
import subprocess
import sys
import time

from ixcase import Fail, Skip, expect, parse_args, run_cases

A = None  # parsed arguments
SUMMARY = re.compile(
    r"(\d+) documents? read: (\d+) (?:indexed|analyzed \(not published\)), (\d+) skipped \(malformed (\d+), missing or bad id "
    r"(\d+), duplicate id (\d+), oversized (\d+), unreadable (\d+)\); warnings: invalid UTF-8 "
    r"repaired (\d+), empty (\d+), field not a string (\d+)")
KEYS = ["read", "indexed", "skipped", "malformed", "noid", "duplicate", "oversized", "unreadable",
        "utf8", "empty", "nonstr"]


def run(args, stdin=None, input_bytes=None, ok=(0,), cwd=None):
    p = subprocess.run([A.indexer] + args, stdin=stdin, input=input_bytes, cwd=cwd,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    if ok is not None and p.returncode not in ok:
        raise Fail("%s -> exit %d\nstdout: %s\nstderr: %s" % (args, p.returncode, out[-2000:],
                                                              err[-4000:]))
    return p.returncode, out, err


def summary(err):
    m = SUMMARY.search(err)
    expect(m, "no summary line in: " + err[-1500:])
    return dict(zip(KEYS, (int(x) for x in m.groups())))


def build(idx, inputs, extra=(), ok=(0,), stdin=None, input_bytes=None):
    return run(["build", "--index", idx] + list(extra) + list(inputs), stdin=stdin,
               input_bytes=input_bytes, ok=ok)


def dump(idx):
    _, terms, _ = run(["dump-terms", idx])
    _, docs, _ = run(["dump-docs", idx])
    return terms, docs


def check(idx):
    rc, out, err = run(["check", idx], ok=None)
    expect(rc == 0, "check failed (%d): %s %s" % (rc, out, err))
    expect("check: OK" in out, "check did not say OK: " + out)
    return out


def data(*p):
    return os.path.join(A.source_dir, "tests", "indexer", "data", *p)


def sample():
    return os.path.join(A.source_dir, "data", "sample", "news.jsonl")


def big_input(path, copies):
    """The sample corpus repeated with fresh ids (deterministic)."""
    with open(sample(), encoding="utf-8") as f:
        docs = [json.loads(l) for l in f if l.strip()]
    with open(path, "w", encoding="utf-8") as f:
        for c in range(copies):
            for d in docs:
                e = dict(d)
                e["id"] = "%s-c%04d" % (d["id"], c)
                f.write(json.dumps(e, ensure_ascii=False) + "\n")
    return path


# ---------------------------------------------------------------- cases

def case_sample(tmp):
    idx = os.path.join(tmp, "ix")
    _, _, err = build(idx, [sample()])
    s = summary(err)
    expect(s["read"] == 45 and s["indexed"] == 45 and s["skipped"] == 0, s)
    out = check(idx)
    expect("45 documents" in out, out)
    terms, docs = dump(idx)
    expect(len(docs.splitlines()) == 45, "45 docs expected")
    # stored documents are the input lines, verbatim
    with open(sample(), encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    stored = [d.split("\t", 4)[4] for d in docs.splitlines()]
    expect(stored == lines, "stored documents differ from the input lines")
    expect(os.listdir(idx) == ["index.mdb"], os.listdir(idx))


def case_bad_input(tmp):
    idx = os.path.join(tmp, "ix")
    rc, _, err = build(idx, [data("bad.jsonl")])
    expect(rc == 0, rc)
    s = summary(err)
    want = dict(read=10, indexed=5, skipped=5, malformed=2, noid=2, duplicate=1, oversized=0,
                unreadable=0, utf8=1, empty=1, nonstr=0)
    expect(s == want, "summary %s != %s" % (s, want))
    expect(s["read"] == s["indexed"] + s["skipped"], "read != indexed + skipped")
    bad = data("bad.jsonl")
    for line, what in [(2, "malformed JSON"), (3, 'no "id"'), (4, "duplicate id"),
                       (5, "invalid UTF-8"), (6, "no text"), (7, "not a JSON object"),
                       (9, '"id" must be a string or an integer')]:
        expect("%s:%d: " % (bad, line) in err and what in err,
               "missing report %s:%d: %s in\n%s" % (bad, line, what, err))
    expect("%s:8:" % bad not in err, "blank line reported")
    check(idx)
    _, docs = dump(idx)
    ids = [l.split("\t")[1] for l in docs.splitlines()]
    expect(ids == ["b1", "b5", "b6", "42", "b11"], ids)
    rows = {l.split("\t")[1]: l.split("\t") for l in docs.splitlines()}
    expect("\ufffd" in rows["b5"][4], "U+FFFD missing in the repaired document")
    expect(json.loads(rows["b5"][4])["id"] == "b5", "repaired document is not JSON")
    expect(rows["b6"][2:4] == ["0", "0"], "empty document has non-zero lengths")
    expect(json.loads(rows["b1"][4])["year"] == 2020, "other fields not stored as-is")
    # the first b1 is kept
    expect(json.loads(rows["b1"][4])["title"] != "duplicate", "duplicate replaced the first")
    # escaped strings are analyzed unescaped
    terms, _ = dump(idx)
    expect(any(t.startswith("quoted\t") for t in terms.splitlines()), "escaped text not indexed")
    # oversized line, with a small cap
    big = os.path.join(tmp, "big.jsonl")
    with open(big, "w", encoding="utf-8") as f:
        f.write('{"id": "small", "text": "قبل"}\n')
        f.write('{"id": "huge", "text": "%s"}\n' % ("كلمة " * 300000))
        f.write('{"id": "after", "text": "بعد"}\n')
    _, _, err = build(os.path.join(tmp, "ix2"), [big], ["--max-doc-mb", "1"])
    s = summary(err)
    expect(s["read"] == 3 and s["indexed"] == 2 and s["oversized"] == 1, s)
    expect("%s:2: " % big in err and "max-doc-mb" in err, err)
    # a UTF-8 BOM on the first line and CRLF line ends are not errors
    crlf = os.path.join(tmp, "crlf.jsonl")
    with open(crlf, "wb") as f:
        f.write(b'\xef\xbb\xbf{"id": "c1", "text": "\xd9\x86\xd8\xb5"}\r\n{"id": "c2"}\r\n')
    _, _, err = build(os.path.join(tmp, "ix4"), [crlf])
    s = summary(err)
    expect(s["indexed"] == 2 and s["skipped"] == 0 and s["empty"] == 1, s)
    # nothing indexable: exit 2, no index published
    only_bad = os.path.join(tmp, "onlybad.jsonl")
    with open(only_bad, "w") as f:
        f.write('{"title": "x"}\nnot json\n')
    rc, _, err = build(os.path.join(tmp, "ix3"), [only_bad], ok=(2,))
    expect(not os.path.exists(os.path.join(tmp, "ix3", "index.mdb")), "published nothing?")


def case_strict(tmp):
    idx = os.path.join(tmp, "ix")
    build(idx, [sample()])
    before = dump(idx)
    rc, _, err = build(idx, [data("bad.jsonl")], ["--strict"], ok=(2,))
    expect("%s:2: " % data("bad.jsonl") in err, err)
    expect("%s:3: " % data("bad.jsonl") not in err, "did not stop at the first problem")
    expect("untouched" in err, err)
    # the summary does not call what was analyzed "indexed"
    expect(re.search(r"documents? read: \d+ analyzed \(not published\), ", err), err)
    expect(" indexed, " not in err, err)
    expect(dump(idx) == before, "--strict changed the live index")
    check(idx)
    expect(sorted(os.listdir(idx)) == ["index.mdb"], os.listdir(idx))
    # a clean input under --strict publishes
    build(idx, [data("txt")], ["--strict", "--quiet"])
    expect(dump(idx) != before, "a clean --strict build did not publish")


def case_tsv(tmp):
    idx = os.path.join(tmp, "ix")
    _, _, err = build(idx, [data("docs.tsv")])
    s = summary(err)
    want = dict(read=4, indexed=3, skipped=1, malformed=1, noid=0, duplicate=0, oversized=0,
                unreadable=0, utf8=0, empty=1, nonstr=0)
    expect(s == want, "summary %s != %s" % (s, want))
    expect("%s:4: " % data("docs.tsv") in err, err)
    check(idx)
    _, docs = dump(idx)
    rows = [l.split("\t", 4) for l in docs.splitlines()]
    expect([r[1] for r in rows] == ["t1", "t2", "t4"], rows)
    d1 = json.loads(rows[0][4])
    expect(d1 == {"id": "t1", "title": "عنوان أول", "text": "نص الوثيقة الأولى\nسطر ثان",
                  "source": "site-a"}, d1)
    expect(json.loads(rows[1][4])["text"] == "نص بعلامة \t تبويب", rows[1])
    # a file larger than a read buffer: the header is parsed out of a full
    # buffer (no NUL after it; ASan's strict_string_checks caught a strndup)
    many = write(os.path.join(tmp, "many.tsv"),
                 "id\ttext\r\n" + "".join("r%d\tكلمة%d\r\n" % (i, i) for i in range(400)))
    _, _, err = build(os.path.join(tmp, "ixm"), [many], ["--batch-kb", "1"])
    expect(summary(err)["indexed"] == 400, err)
    # the extension in any case, before a compression suffix too
    with open(data("docs.tsv"), "rb") as f:
        raw = f.read()
    for name, content in (("UP.TSV", raw), ("up.Tsv.GZ", gzip.compress(raw)),
                          ("up.tsv.Xz", lzma.compress(raw))):
        path = write(os.path.join(tmp, name), content)
        _, _, err2 = build(os.path.join(tmp, "ix-" + name), [path])
        expect(summary(err2) == want and dump(os.path.join(tmp, "ix-" + name)) == dump(idx),
               "%s was not read as TSV: %s" % (name, err2))
    # only the CR of a CRLF line end is dropped: a CR before it is data, in
    # a row as in the header
    cr = write(os.path.join(tmp, "cr.tsv"),
               b"id\ttitle\ttext\r\nr1\tx\ty\r\r\nr2\tx\ty\r\nr3\tx\ty\\r\r\nr4\tx\ty\n")
    build(os.path.join(tmp, "ixcr"), [cr])
    _, docs = dump(os.path.join(tmp, "ixcr"))
    expect([json.loads(l.split("\t", 4)[4])["text"] for l in docs.splitlines()] ==
           ["y\r", "y", "y\r", "y"], docs)
    crh = write(os.path.join(tmp, "crh.tsv"), b"id\ttext\r\r\nr1\ty\r\n")
    build(os.path.join(tmp, "ixcrh"), [crh], ["--quiet"])
    _, docs = dump(os.path.join(tmp, "ixcrh"))
    expect(json.loads(docs.split("\t", 4)[4]) == {"id": "r1", "text\r": "y"}, docs)
    # a UTF-8 BOM is dropped at the start of any row, as on any JSON line
    bom = write(os.path.join(tmp, "bom.tsv"),
                b"\xef\xbb\xbfid\ttitle\n\xef\xbb\xbf1\ta\n2\t\xef\xbb\xbfb\n")
    build(os.path.join(tmp, "ixbom"), [bom])
    _, docs = dump(os.path.join(tmp, "ixbom"))
    expect([json.loads(l.split("\t", 4)[4]) for l in docs.splitlines()] ==
           [{"id": "1", "title": "a"}, {"id": "2", "title": "\ufeffb"}], docs)
    # a header without id is an input error
    noid = os.path.join(tmp, "noid.tsv")
    with open(noid, "w") as f:
        f.write("title\ttext\nx\ty\n")
    rc, _, err = build(os.path.join(tmp, "ix2"), [noid], ok=(2,))
    expect('no "id" column' in err, err)
    # a NUL in a column name is refused by name (it ended the name early, and
    # the UTF-8 check then read past the copy)
    nul = os.path.join(tmp, "nul.tsv")
    with open(nul, "wb") as f:
        f.write(b"id\tti\x00tle\ttext\n1\ta\tb\n")
    rc, _, err = build(os.path.join(tmp, "ix3"), [nul], ok=(2,))
    expect("%s:1: TSV header column 2 contains a NUL byte" % nul in err, err)


def case_missing_field(tmp):
    """A --fields name no document holds (a typo: txt for text) leaves that
    text stored but unsearched: the build says so on stderr, naming the
    field and the first document's keys (a TSV header's columns as soon as
    it is read), and still publishes (exit 0, --quiet and --strict too)."""
    warn = re.compile(r'warning: no document has a string field "([^"]*)" \(--fields\), so it is '
                      r'not indexed(?:; the first document has ([^;]*))?; --fields names JSON keys')
    # JSON Lines: the typo, named with the keys the documents do have
    for extra in ([], ["--quiet"], ["--strict"]):
        _, _, err = build(os.path.join(tmp, "ixj"), [sample()], ["--fields", "title,txt"] + extra)
        found = warn.findall(err)
        expect(found == [("txt", '"id", "title", "text", "date", "source"')],
               "%s: %r in %s" % (extra, found, err))
    # a field held by one document only (here written with an escape, which
    # the fast JSON path leaves to jansson), or as "" only, is no warning;
    # one held as a number only (warned per record) or as null is
    j = write(os.path.join(tmp, "m.jsonl"),
              '{"id": "a", "title": "x"}\n{"id": "b", "title": "y", "bo\\u0064y": "z"}\n'
              '{"id": "c", "title": "y", "empty": "", "num": 5, "nul": null}\n')
    _, _, err = build(os.path.join(tmp, "ixm"), [j],
                      ["--fields", "title,body,empty,num,nul,id", "--threads", "2",
                       "--batch-kb", "1"])
    expect([f for f, _ in warn.findall(err)] == ["num", "nul"], err)
    expect('the first document has "id", "title";' in err, err)
    # no warning when every field is there, whatever the input
    for inputs in ([sample()], [data("docs.tsv")], [data("txt")]):
        _, _, err = build(os.path.join(tmp, "ixok"), inputs, ["--fields", "title,text"])
        expect(not warn.findall(err) and "header has no column" not in err,
               "%s: %s" % (inputs, err))
    # TSV: the header without the column is said at once, with its columns,
    # then the summary warning; a second file with the column clears the latter
    t = write(os.path.join(tmp, "f2.tsv"), "id\ttitle\ttext\na\tعنوان\tنص طويل\n")
    t2 = write(os.path.join(tmp, "g.tsv"), "id\tbody\nb\tنص\n")
    _, _, err = build(os.path.join(tmp, "ixt"), [t], ["--fields", "title,body", "--quiet"])
    expect('%s:1: warning: the header has no column "body" of --fields, so no row of this file '
           'has that field to analyze (the columns: "id", "title", "text")' % t in err, err)
    expect(warn.findall(err) == [("body", '"id", "title", "text"')], err)
    _, _, err = build(os.path.join(tmp, "ixt2"), [t, t2], ["--fields", "title,body"])
    expect('%s:1: warning: the header has no column "body"' % t in err and
           '%s:1: warning: the header has no column "title"' % t2 in err and
           not warn.findall(err), err)
    expect(summary(err)["indexed"] == 2, err)
    # a folder: title and text only
    _, _, err = build(os.path.join(tmp, "ixd"), [data("txt")], ["--fields", "title,body"])
    expect([f for f, _ in warn.findall(err)] == ["body"], err)


def case_dir(tmp):
    idx = os.path.join(tmp, "ix")
    _, _, err = build(idx, [data("txt")])
    s = summary(err)
    expect(s["read"] == 3 and s["indexed"] == 3 and s["empty"] == 0, s)
    check(idx)
    _, docs = dump(idx)
    rows = [l.split("\t", 4) for l in docs.splitlines()]
    expect([r[1] for r in rows] == ["lib-001", "title-only", "weather-002"], rows)
    d = json.loads(rows[0][4])
    expect(d["title"] == "المكتبة العامة" and d["text"].startswith("تضم"), d)
    expect(rows[1][3] == "0" and rows[1][2] != "0", "title-only: title tokens, no text")
    # the title line loses the CR of a CRLF line end, and only that one
    crd = os.path.join(tmp, "cr")
    os.makedirs(crd)
    write(os.path.join(crd, "a.txt"), b"t\r\r\nx\r\n")
    write(os.path.join(crd, "b.txt"), b"t\r\nx")
    build(os.path.join(tmp, "ixcr"), [crd])
    _, docs = dump(os.path.join(tmp, "ixcr"))
    expect([json.loads(l.split("\t", 4)[4]) for l in docs.splitlines()] ==
           [{"id": "a", "title": "t\r", "text": "x\r\n"},
            {"id": "b", "title": "t", "text": "x"}], docs)
    # a folder's *.txt file of gzip or xz data is decompressed, as an input
    # file is; zstd, bzip2 and corrupt data are skipped as unreadable, each
    # named; a.txt.gz is no *.txt name, not read
    cz = os.path.join(tmp, "cz")
    os.makedirs(cz)
    write(os.path.join(cz, "g.txt"), gzip.compress("عنوان\nنص".encode()))
    write(os.path.join(cz, "x.txt"), lzma.compress(b"xz title\nxz text"))
    write(os.path.join(cz, "b.txt"), bz2.compress(b"b\nb"))
    write(os.path.join(cz, "z.txt"), b"\x28\xb5\x2f\xfd\x00")
    write(os.path.join(cz, "t.txt"), gzip.compress(b"cut\nshort")[:-4])
    write(os.path.join(cz, "n.txt.gz"), gzip.compress(b"n\nn"))
    write(os.path.join(cz, "u.txt"), "title\ntext".encode("utf-16"))
    _, _, err = build(os.path.join(tmp, "ixcz"), [cz])
    s = summary(err)
    expect(s["read"] == 6 and s["indexed"] == 2 and s["unreadable"] == 4 and s["utf8"] == 0,
           (s, err))
    for name, why in (("b", "bzip2 compression is not supported (gzip and xz are)"),
                      ("z", "zstd compression is not supported (gzip and xz are)"),
                      ("t", "corrupt gzip data"),
                      ("u", "UTF-16 text is not supported: convert it to UTF-8 first")):
        expect("%s: %s" % (os.path.join(cz, name + ".txt"), why) in err, err)
    _, docs = dump(os.path.join(tmp, "ixcz"))
    expect([json.loads(l.split("\t", 4)[4]) for l in docs.splitlines()] ==
           [{"id": "g", "title": "عنوان", "text": "نص"},
            {"id": "x", "title": "xz title", "text": "xz text"}], docs)
    # --max-doc-mb (at least 1) holds for a file's text, not its size on
    # disk: a gzip or xz bomb is skipped as oversized, decompressed no
    # further than the cap (200 MiB of text do not fill the memory); a gzip
    # file over the cap on disk (zero padding after its member) whose text
    # fits is indexed; a plain file over it is skipped unread, its size exact
    cap = os.path.join(tmp, "cap")
    os.makedirs(cap)
    write(os.path.join(cap, "bomb.txt"), gzip.compress(b"t\n" + b"a " * (1 << 19)) * 200)
    write(os.path.join(cap, "xbomb.txt"), lzma.compress(b"t\n" + b"b " * (1 << 20)))
    write(os.path.join(cap, "pad.txt"), gzip.compress(b"pad title\npad text") + bytes(1 << 20))
    write(os.path.join(cap, "plain.txt"), b"t\n" + b"c " * (1 << 19))
    _, _, err = build(os.path.join(tmp, "ixcap"), [cap], ["--max-doc-mb", "1", "--threads", "1"])
    s = summary(err)
    expect(s["read"] == 4 and s["indexed"] == 1 and s["oversized"] == 3, (s, err))
    over = "%s: file of %s bytes exceeds --max-doc-mb (1048576 bytes): skipped"
    for name, size in (("bomb", "at least 1048577"), ("xbomb", "at least 1048577"),
                       ("plain", str(2 + (1 << 20)))):
        expect(over % (os.path.join(cap, name + ".txt"), size) in err, (name, err))
    rss = re.search(r"peak RSS (\d+) MB", err)
    expect(rss and int(rss.group(1)) < 150, err)
    _, docs = dump(os.path.join(tmp, "ixcap"))
    expect([json.loads(l.split("\t", 4)[4]) for l in docs.splitlines()] ==
           [{"id": "pad", "title": "pad title", "text": "pad text"}], docs)


def case_stdin_gz(tmp):
    ref = os.path.join(tmp, "ref")
    build(ref, [sample()])
    want = dump(ref)
    with open(sample(), "rb") as f:
        raw = f.read()
    build(os.path.join(tmp, "stdin"), ["-"], input_bytes=raw)
    expect(dump(os.path.join(tmp, "stdin")) == want, "stdin index differs")
    gz = os.path.join(tmp, "news.jsonl.gz")
    with gzip.open(gz, "wb") as f:
        f.write(raw)
    build(os.path.join(tmp, "gz"), [gz])
    expect(dump(os.path.join(tmp, "gz")) == want, ".gz index differs")
    xz = os.path.join(tmp, "news.jsonl.xz")
    with lzma.open(xz, "wb") as f:
        f.write(raw)
    build(os.path.join(tmp, "xz"), [xz])
    expect(dump(os.path.join(tmp, "xz")) == want, ".xz index differs")
    build(os.path.join(tmp, "gzstdin"), ["-"], input_bytes=gzip.compress(raw))
    expect(dump(os.path.join(tmp, "gzstdin")) == want, "gzip on stdin differs")
    # zero bytes after the last gzip member are padding, as gzip takes them;
    # other trailing bytes, also after zeros, are corrupt data
    gzraw = gzip.compress(raw)
    for name, tail, ok in (("pad", b"\0" * 512, True), ("padjunk", b"\0" * 512 + b"x", False),
                           ("junk", b"junk", False)):
        path = write(os.path.join(tmp, name + ".jsonl.gz"), gzraw + tail)
        rc, _, err = build(os.path.join(tmp, name), [path], ok=(0,) if ok else (2,))
        expect(dump(os.path.join(tmp, name)) == want if ok else "corrupt compressed data" in err,
               "%s: %s" % (name, err))
    # zstd and bzip2 are recognized by their magic bytes and refused in one
    # line, not read as text (a "malformed JSON" report per line); only
    # zstd's magic is looked at, and bzip2's block magic: a TSV header may
    # start BZh1
    for name, content in (("z.jsonl.zst", b"\x28\xb5\x2f\xfd" + b"\0" * 64),
                          ("z.jsonl.bz2", bz2.compress(raw))):
        for src in ([write(os.path.join(tmp, name), content)], ["-"]):
            rc, _, err = build(os.path.join(tmp, "unsup"), src, input_bytes=content, ok=(2,))
            kind = "zstd" if name.endswith("zst") else "bzip2"
            expect(err.count("%s compression is not supported" % kind) == 1
                   and "malformed" not in err.replace("malformed 0", ""), err)
    # UTF-16 (a byte order mark, either order) too: one line saying so, not
    # a malformed line each or a TSV header "with a NUL byte"
    text = raw.decode("utf-8").splitlines(True)[:3]
    for name, content in (("u.jsonl", "".join(text).encode("utf-16")),
                          ("u.tsv", "\ufeffid\ttitle\nx\tعنوان\n".encode("utf-16-be"))):
        for src in ([write(os.path.join(tmp, name), content)], ["-"]):
            rc, _, err = build(os.path.join(tmp, "unsup"), src, input_bytes=content, ok=(2,))
            expect(err.count("UTF-16 text (a byte order mark FF FE or FE FF) is not supported: "
                             "convert it to UTF-8 first") == 1
                   and "malformed" not in err.replace("malformed 0", "") and "NUL" not in err,
                   err)
    bzh = write(os.path.join(tmp, "bzh.tsv"), "BZh1\tid\ttitle\nx\t1\tعنوان\n")
    _, _, err = build(os.path.join(tmp, "bzh"), [bzh])
    expect(summary(err)["indexed"] == 1, err)
    # a truncated compressed file is an input error, not a silent short index
    with open(gz, "rb") as f:
        cut = f.read()[: len(raw) // 8]
    bad = os.path.join(tmp, "cut.jsonl.gz")
    with open(bad, "wb") as f:
        f.write(cut)
    rc, _, err = build(os.path.join(tmp, "cut"), [bad], ok=(2,))
    expect("corrupt compressed data" in err, err)
    # ... also when the data ends while a line longer than --max-doc-mb is skipped
    long_line = b'{"id": "b", "text": "' + b"".join(b"w%d " % i for i in range(1000000)) + b'"}\n'
    z = gzip.compress(b'{"id": "a", "text": "x"}\n' + long_line + b'{"id": "c", "text": "y"}\n')
    write(bad, z[: len(z) * 3 // 4])
    rc, _, err = build(os.path.join(tmp, "cut"), [bad], ["--max-doc-mb", "1"], ok=(2,))
    expect("%s:2: document of at least " % bad in err
           and "%s: corrupt compressed data" % bad in err, err)


def case_threads_spill(tmp):
    big = big_input(os.path.join(tmp, "big.jsonl"), 60)
    dumps = {}
    for name, extra in [("t1", ["--threads", "1"]), ("t2", ["--threads", "2"]),
                        ("t3", ["--threads", "3", "--batch-kb", "16"]),
                        ("spill", ["--threads", "2", "--mem", "1", "--batch-kb", "32"])]:
        idx = os.path.join(tmp, name)
        _, _, err = build(idx, [big], extra)
        s = summary(err)
        expect(s["indexed"] == 45 * 60, s)
        m = re.search(r"(\d+) spilled runs", err)
        expect(m, err)
        if name == "spill":
            expect(int(m.group(1)) >= 2, "tiny --mem did not spill: " + err)
            # a 1 MB budget holds one analyzer thread, and the build says so
            expect("a 1 MB budget holds 1 analyzer thread, not 2 (--mem " in err, err)
        else:
            expect(int(m.group(1)) == 0, "spilled without need: " + err)
        dumps[name] = dump(idx)
        expect(not [n for n in os.listdir(idx) if n.startswith(".spill")], "spill dir left")
    check(os.path.join(tmp, "spill"))
    for name in ("t2", "t3", "spill"):
        expect(dumps[name] == dumps["t1"], "%s index differs from --threads 1" % name)


def case_many_runs(tmp):
    # More spilled runs than the descriptor limit: the merge opens one run at a
    # time (it failed with "cannot read spill runs" once runs outnumbered it)
    import random
    import resource
    rnd = random.Random(7)
    letters = [chr(c) for c in range(0x628, 0x64B) if not 0x63B <= c < 0x641]
    vocab = ["".join(rnd.choices(letters, k=rnd.randint(3, 7))) for _ in range(40000)]
    src = os.path.join(tmp, "random.jsonl")
    with open(src, "w", encoding="utf-8") as f:
        for i in range(3000):
            f.write(json.dumps({"id": "r%d" % i, "text": " ".join(rnd.choices(vocab, k=120))},
                               ensure_ascii=False) + "\n")
    whole = os.path.join(tmp, "whole")
    build(whole, [src], ["--threads", "1"])
    runs = os.path.join(tmp, "runs")
    p = subprocess.run([A.indexer, "build", "--index", runs, "--threads", "1", "--mem", "1",
                        "--batch-kb", "16", src], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=300, preexec_fn=lambda: resource.setrlimit(
                           resource.RLIMIT_NOFILE, (40, 40)))
    err = p.stderr.decode("utf-8", "replace")
    expect(p.returncode == 0, err)
    m = re.search(r"(\d+) spilled runs", err)
    expect(m and int(m.group(1)) > 40, "fewer runs than descriptors: " + err)
    expect(dump(runs) == dump(whole), "the index built from runs differs")
    check(runs)


def case_crash(tmp):
    idx = os.path.join(tmp, "ix")
    build(idx, [sample()])
    before = dump(idx)
    big = big_input(os.path.join(tmp, "big.jsonl"), 400)
    cmd = [A.indexer, "build", "--mem", "1", "--batch-kb", "64", "--quiet", big]
    # How long a whole build of `big` takes on this machine, so that the kills
    # below land inside a build however fast or loaded the machine is.
    t0 = time.time()
    subprocess.run(cmd[:2] + ["--index", os.path.join(tmp, "timing")] + cmd[2:], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    full = time.time() - t0
    after = dump(os.path.join(tmp, "timing"))  # what a completed build publishes
    expect(after != before, "the big build should differ from the sample index")
    killed = 0
    for frac in (0.1, 0.35, 0.6, 0.85):
        # Kill at this fraction of a full build; if the build won the race
        # (other work on the machine sped this one up relative to the timing
        # run), restore the index and try again with half the delay.
        delay = frac * full
        for _ in range(8):
            p = subprocess.Popen(cmd[:2] + ["--index", idx] + cmd[2:], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            time.sleep(delay)
            finished = p.poll() is not None
            if not finished:
                os.kill(p.pid, signal.SIGKILL)
            p.wait()
            check(idx)
            now = dump(idx)
            # atomic publish: the live index is the old one or the whole new one
            expect(now in (before, after),
                   "a build killed after %.3f s left a mixed index" % delay)
            if finished or now == after:
                # the build got to its publish (rename) before the kill: it won
                # the race; restore the old index and try again sooner
                build(idx, [sample()], ["--quiet"])
                expect(dump(idx) == before, "restoring the index failed")
                delay /= 2
                continue
            killed += 1
            break
    expect(killed == 4, "only %d of 4 builds were killed mid-build" % killed)
    # the next build removes the leftovers of dead builds
    build(idx, [sample()], ["--quiet"])
    left = [n for n in os.listdir(idx) if n != "index.mdb"]
    expect(not left, "stale files left: %s" % left)
    expect(dump(idx) == before, "rebuild differs")


def case_disk_full(tmp):
    """A build that fills its disk: exit 3, a message that says the disk is
    full (LMDB reports the short write as EIO), the previous index intact.
    Needs a small tmpfs: skipped (and says so) where it cannot be mounted."""
    mnt = os.path.join(tmp, "small")
    os.mkdir(mnt)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise Skip("cannot mount a tmpfs (%s)" % r.stdout.decode().strip())
    try:
        idx = os.path.join(mnt, "ix")
        build(idx, [sample()])
        before = dump(idx)
        big = big_input(os.path.join(tmp, "big.jsonl"), 300)  # a 4 MB index
        rc, _, err = build(idx, [big], ok=(3,))
        expect("no space left on the device of %s" % idx in err, err)
        expect(dump(idx) == before, "the previous index changed")
        out = check(idx)
        expect("45 documents" in out, out)
        expect(os.listdir(idx) == ["index.mdb"], os.listdir(idx))
    finally:
        subprocess.run(["umount", mnt])


def case_usage(tmp):
    rc, out, _ = run(["build", "--help"])
    expect("Exit codes" in out and "--strict" in out, out)
    for cmd in (["check", "--help"], ["dump-terms", "--help"], ["--help"], ["build", "-h"],
                ["check", "-h"], ["-h"]):
        rc, out, _ = run(cmd)
        expect("Exit codes" in out, out)
    rc, out, _ = run(["--version"])
    expect(re.fullmatch(r"fahras-indexer \d+\.\d+\.\d+ \(index format \d+, analyzer version "
                        r"\d+\.\d+\)\n", out), out)
    run([], ok=(1,))
    run(["build", os.path.join(tmp, "x")], ok=(1,))
    run(["build", "--index", os.path.join(tmp, "x")], ok=(1,))
    # an empty directory name is a usage error (1), not an index error (3)
    for args in (["build", "--index", "", sample()], ["build", "--index=", sample()],
                 ["check", ""], ["dump-terms", ""], ["dump-docs", ""]):
        rc, _, err = run(args, ok=(1,))
        expect("DIR: the directory's name is empty" in err, (args, err))
    for bad in ("257", "-1", "x", ""):
        rc, _, err = run(["build", "--index", os.path.join(tmp, "x"), "--threads", bad,
                          sample()], ok=(1,))
        expect("--threads: 0..256" in err, err)
    # --mem names its range, the upper bound too
    for bad in ("0", "1048577", "2000000", "-1", "x", ""):
        rc, _, err = run(["build", "--index", os.path.join(tmp, "x"), "--mem", bad, sample()],
                         ok=(1,))
        expect("--mem: megabytes, 1..1048576\n" in err, (bad, err))
    # the budget --threads N needs, as build --help gives it, is what the
    # build's notice says (its rule: fixed_for_threads, mem_for_threads)
    _, out, _ = run(["build", "--help"])
    expect("--mem is below about 246 + 46.5 x N MB" in out, out)
    for n in (2, 16, 64, 256):
        _, _, err = build(os.path.join(tmp, "m"), [sample()],
                          ["--quiet", "--mem", "1", "--threads", str(n)])
        m = re.search(r"holds 1 analyzer thread, not %d \(--mem (\d+) would hold them\)" % n,
                      err)
        expect(m and abs(int(m.group(1)) - (246 + 46.5 * n)) <= 1 + n / 50, (n, err))
    # 0 = the CPUs the process may run on (its affinity mask), even after
    # another --threads; one CPU under taskset gives one thread
    cpus = sorted(os.sched_getaffinity(0))
    for mask in (None, cpus[-1:]):
        p = subprocess.run([A.indexer, "build", "--index", os.path.join(tmp, "t0"), "--threads",
                            "3", "--threads", "0", "--quiet", sample()], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=300,
                           env=dict(os.environ, FAHRAS_INDEXER_TIMING="1"),
                           preexec_fn=mask and (lambda: os.sched_setaffinity(0, mask)))
        workers = p.stderr.decode().count("timing: worker ")
        expect(p.returncode == 0 and workers == min(len(mask or cpus), 64),
               (mask, p.returncode, workers, p.stderr[-800:]))
    run(["build", "--index", os.path.join(tmp, "x"), "--weights", "nope=2", sample()], ok=(1,))
    # standard input is no folder
    rc, _, err = run(["build", "--index", os.path.join(tmp, "x"), "--format", "dir", "-"],
                     input_bytes=b"", ok=(1,))
    expect("--format dir reads folders" in err, err)
    run(["nosuch"], ok=(1,))
    # no index there: exit 3 and the path's problem named, for each reading command
    os.mkdir(os.path.join(tmp, "empty"))
    with open(os.path.join(tmp, "plain"), "w") as f:
        f.write("not an index\n")
    os.mkdir(os.path.join(tmp, "zero"))
    write(os.path.join(tmp, "zero", "index.mdb"), b"")
    for name, why in (("nothing", "no such directory"), ("empty", "no index.mdb in it"),
                      ("plain", "not a directory"),
                      ("zero", "index.mdb in it is empty (0 bytes), not an index")):
        for cmd in ("check", "dump-terms", "dump-docs"):
            path = os.path.join(tmp, name)
            rc, _, err = run([cmd, path], ok=(3,))
            expect("%s: cannot open the index in %s: %s" % (cmd, path, why) in err, err)
    rc, _, err = build(os.path.join(tmp, "y"), [os.path.join(tmp, "missing.jsonl")], ok=(2,))
    expect("cannot" in err or "No such file" in err, err)
    rc, out, _ = run(["analyze", "الكتاب"], ok=None)
    expect(rc == 0 and out.strip(), "analyze dispatch failed")
    # "--" ends the options of every command, as getopt has it: a name that
    # starts with '-' is then an operand (DIR, INPUT, TEXT)
    build(os.path.join(tmp, "-ix"), ["--", sample()], ["--quiet"])
    for cmd in ("check", "dump-terms", "dump-docs"):
        _, want, _ = run([cmd, os.path.join(tmp, "-ix")])
        _, out, _ = run([cmd, "--", "-ix"], cwd=tmp)
        # check's statistics name the folder as given
        expect(out.replace("-ix", os.path.join(tmp, "-ix")) == want if cmd == "check"
               else out == want and out, (cmd, out[-300:]))
        for args in (["--"], ["--", "-ix", "-ix"], ["ix", "--", "-ix"]):
            rc, out, err = run([cmd] + args, cwd=tmp, ok=(1,))
            expect("usage: fahras-indexer" in err and not out, (cmd, args, err))
        rc, _, err = run([cmd, "--", ""], ok=(1,))
        expect("DIR: the directory's name is empty" in err, (cmd, err))
        rc, _, err = run([cmd, "-ix", "--"], cwd=tmp, ok=(1,))
        expect("%s: bad option -ix" % cmd in err, (cmd, err))
        # a lone '-' is no folder (not "bad option -"); after "--" it is one
        rc, out, err = run([cmd, "-"], cwd=tmp, ok=(1,))
        expect("fahras-indexer: %s: '-' (standard input) is not an index folder" % cmd in err
               and not out, (cmd, err))
        rc, _, err = run([cmd, "--", "-"], cwd=tmp, ok=(3,))
        expect("cannot open the index in -: no such directory" in err, (cmd, err))
    _, out, _ = run(["analyze", "--", "-text-"])
    expect(out == "1\t4\ttext\ttext\ttext\t0\tlatin\n", out)


def case_tools(tmp):
    """check of a light10+sb index (its alternative-stem terms are not part of
    the field length) and of a corrupted one; dump-*, check and analyze into
    a full disk; analyze's stemmer names and usage errors; empty names in
    --fields and --weights."""
    idx = os.path.join(tmp, "sb")
    build(idx, [sample()], ["--stemmer", "light10+sb", "--quiet"])
    check(idx)
    _, terms, _ = run(["dump-terms", idx])
    # the same documents with other field weights: only the #fields line differs
    wx = os.path.join(tmp, "sbw")
    build(wx, [sample()],
          ["--stemmer", "light10+sb", "--quiet", "--weights", "title=1.0000001"])
    _, wterms, _ = run(["dump-terms", wx])
    diff = [(a, b) for a, b in zip(terms.splitlines(), wterms.splitlines()) if a != b]
    expect(len(terms.splitlines()) == len(wterms.splitlines())
           and diff == [("#fields\ttitle=2\ttext=1", "#fields\ttitle=1.0000001\ttext=1")],
           "dump-terms with other weights: %s" % diff[:3])
    terms = {l.split("\t")[0] for l in terms.splitlines()}
    expect(any(t.startswith("\x01") for t in terms), "no alternative-stem terms in the index")
    # corrupted copies: (1) doc 0's title one token longer, doc 1's one shorter
    # (the mean stays); (2) the analyzer renamed to one without alt stems
    _, docs, _ = run(["dump-docs", idx])
    lens = [int(l.split("\t")[2]) for l in docs.splitlines()]
    with open(os.path.join(idx, "index.mdb"), "rb") as f:
        mdb = f.read()
    packed = struct.pack("<%dI" % len(lens), *lens)
    name = re.search(rb"fahras-ar-light10g?\+sb", mdb)
    expect(mdb.count(packed) == 1 and name and mdb.count(name.group(0)) == 1,
           "title lengths or analyzer name not found once in index.mdb")
    bad_len = mdb.replace(packed, struct.pack("<%dI" % len(lens), lens[0] + 1, lens[1] - 1,
                                              *lens[2:]))
    bad_name = mdb.replace(name.group(0), name.group(0)[:-2] + b"xx")
    for n, content, want in (
            ("badlen", bad_len, "doc 0 field 0: length %d but its terms' tfs sum to %d"
             % (lens[0] + 1, lens[0])),
            ("badname", bad_name, "an alternative stem, but analyzer")):
        os.mkdir(os.path.join(tmp, n))
        with open(os.path.join(tmp, n, "index.mdb"), "wb") as f:
            f.write(content)
        rc, out, err = run(["check", os.path.join(tmp, n)], ok=None)
        expect(rc == 3 and want in err and "check: OK" not in out,
               "%s: check exit %d, want 3 and \"%s\": %s" % (n, rc, want, err[-2000:]))
    # output that cannot be written is an I/O error (3), not a success
    with open("/dev/full", "wb") as full:
        for args in (["dump-terms", idx], ["dump-docs", idx], ["check", idx],
                     ["analyze", "الكتاب"], ["--help"], ["--version"], ["build", "--help"],
                     ["check", "--help"], ["dump-docs", "-h"], ["analyze", "--help"]):
            p = subprocess.run([A.indexer] + args, stdout=full, stderr=subprocess.PIPE,
                               timeout=300)
            err = p.stderr.decode("utf-8", "replace")
            # said once, with the write's own reason (not a stale errno)
            expect(p.returncode == 3 and err.count("cannot write the output") == 1 and
                   err.endswith(": cannot write the output: No space left on device\n"),
                   "%s > /dev/full: exit %d, %s" % (args[0], p.returncode, err[-500:]))
    # analyze: usage errors exit 1 like every command's; unreadable stdin is 2
    for args, want in ((["--bogus", "x"], "unknown option"), (["--stemmer"], "needs a value"),
                       (["--stemmer", "light11", "x"], "unknown stemmer"),
                       # no index has these analyzers
                       (["--stemmer", "light10+sb", "--no-guard", "x"], "light10 only"),
                       (["--no-guard", "--stemmer", "snowball", "x"], "light10 only"),
                       (["--no-guard", "--stemmer", "none", "x"], "light10 only")):
        rc, out, err = run(["analyze"] + args, ok=(1,))
        expect(want in err and not out, "analyze %s: %s" % (args, err))
    # an argument a message echoes is shown as reports show file names (one
    # line of valid UTF-8); a bad option is named, by check too
    x = os.path.join(tmp, "x")
    for args, want in ((["analyze", "--stemmer", "x\x1by"], "unknown stemmer 'x\\x1by'"),
                       (["analyze", b"--\xff"], "unknown option '--\\xff'"),
                       (["cmd\x1b"], 'unknown command "cmd\\x1b"'),
                       (["build", "--index", x, "--weights", "a\x1b=1", sample()],
                        '--weights names "a\\x1b", not in --fields'),
                       (["build", "--index", x, "--bo\x1bgus", sample()],
                        "build: bad option --bo\\x1bgus (unknown"),
                       (["build", "--index"], "build: option --index needs a value"),
                       (["check", "--bogus", x], "check: bad option --bogus (unknown")):
        p = subprocess.run([A.indexer] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=300)
        err = p.stderr.decode("utf-8")  # valid UTF-8, or this raises
        expect(p.returncode == 1 and want in err and "\x1b" not in err, (args, p.returncode, err))
    _, _, err = build(os.path.join(tmp, "c1"), [sample()], ["--fields", "ti\u2028tle,text"])
    expect('note: field "ti\\u2028tle" is searched' in err, err)
    # analyze's surface column is valid UTF-8: a bad byte as U+FFFD
    p = subprocess.run([A.indexer, "analyze", "كت".encode() + b"\xff" + "اب".encode()],
                       stdout=subprocess.PIPE, timeout=300)
    cols = p.stdout.decode("utf-8").split("\t")
    expect(p.returncode == 0 and cols[1:3] == ["9", "كت\ufffdاب"], p.stdout)
    fd = os.open(tmp, os.O_RDONLY)  # a directory: read() fails
    try:
        rc, _, err = run(["analyze"], stdin=fd, ok=(2,))
    finally:
        os.close(fd)
    expect("cannot read standard input" in err, err)
    # a closed standard descriptor gets /dev/null at start, so that no file
    # a command opens lands there; a closed standard input is then said to
    # be closed, not read as an empty input (nor as the index's folder, which
    # took descriptor 0); a closed output stays an output error
    def closed(args, *fds):
        p = subprocess.run([A.indexer] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=300, preexec_fn=lambda: [os.close(fd) for fd in fds])
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode()
    ci = os.path.join(tmp, "closed")
    rc, _, err = closed(["build", "--index", ci, "-"], 0)
    expect(rc == 2 and "fahras-indexer: <stdin>: standard input is closed\n" in err
           and not os.path.exists(ci), (rc, err))
    rc, out, err = closed(["analyze"], 0)
    expect(rc == 2 and "analyze: cannot read standard input: it is closed\n" in err
           and not out, (rc, err))
    rc, out, _ = closed(["analyze", "x"], 0)
    expect(rc == 0 and out == "0\t1\tx\tx\tx\t0\tlatin\n", (rc, out))
    for fd in (0, 2):
        rc, _, err = closed(["build", "--index", ci, "--quiet", sample()], fd)
        expect(rc == 0, (fd, rc, err))
        check(ci)
    rc, out, _ = closed(["dump-terms", idx], 1)
    expect(rc == 3 and not out, rc)
    # analyze takes build's stemmer names; light10+sb adds an alt line per
    # word, whose stem is the Snowball stem that the index holds as 0x01 + stem
    word = "والشركات"

    def stems(stemmer, *more):
        _, out, _ = run(["analyze", "--stemmer", stemmer] + list(more) + [word])
        return [l.split("\t") for l in out.splitlines()]

    light, sb, snow = stems("light10"), stems("light10+sb"), stems("snowball")
    expect(len(light) == 1 and len(snow) == 1 and len(sb) == 2, (light, sb, snow))
    expect(sb[0] == light[0] and sb[1][:4] == light[0][:4] and sb[1][5] == light[0][5]
           and sb[1][6] == "alt" and sb[1][4] == snow[0][4], "light10+sb lines: %s" % sb)
    expect("\x01" + sb[1][4] in terms and light[0][4] in terms,
           "%s: its stems %s are not terms of the light10+sb index" % (word, sb))
    expect(stems("light10-noguard") == stems("light10", "--no-guard"), "light10-noguard")
    expect(stems("none")[0][4] == word, "none")
    # --stemmer=NAME as build takes it
    _, out, _ = run(["analyze", "--stemmer=snowball", word])
    expect([l.split("\t") for l in out.splitlines()] == snow, "--stemmer=snowball: %r" % out)
    # options after TEXT are options, as build's after INPUT; after "--"
    # every argument is TEXT
    for args in ([word, "--stemmer", "snowball"], [word, "--stemmer=snowball", "--"]):
        _, out, _ = run(["analyze"] + args)
        expect([l.split("\t") for l in out.splitlines()] == snow, (args, out))
    _, out, _ = run(["analyze", word, "--", "--stemmer", "none"])
    expect([l.split("\t")[2] for l in out.splitlines()] == [word, "stemmer", "none"], out)
    rc, out, err = run(["analyze", word, "--bogus"], ok=(1,))
    expect("unknown option '--bogus'" in err and not out, err)
    # empty names are usage errors, not skipped or read as weight 0
    x = os.path.join(tmp, "x")
    for extra in (["--weights", "title="], ["--weights", "title=,text=1"], ["--weights", ""],
                  ["--weights", ","], ["--weights", "title=2,,text=1"], ["--weights", "title=2,"],
                  ["--weights", "=2"], ["--fields", ",title,,text,"], ["--fields", "title,"],
                  ["--fields", ""], ["--fields", "ti\x01tle,text"], ["--fields", b"\xff,text"],
                  ["--fields", "title,te\x7fxt"]):
        rc, _, err = build(x, [sample()], extra, ok=(1,))
        expect("--weights" in err or "--fields" in err, "%s: %s" % (extra, err))
    # a name a query cannot write as name:word is taken, with a note
    _, _, err = build(os.path.join(tmp, "sp"), [sample()], ["--fields", "my title,text,عنوان"])
    expect('field "my title" is searched with the others' in err and
           'field "عنوان" is searched' in err and 'field "text"' not in err, err)
    # a field weighted twice is an error too, not the last value silently
    rc, _, err = build(x, [sample()], ["--weights", "title=2,text=1,title=5"], ok=(1,))
    expect('--weights names "title" twice' in err, err)
    expect(not os.path.exists(os.path.join(x, "index.mdb")), "a usage error built an index")
    # a weight of 0 is refused: the daemon would read it as 1
    # a weight is a plain decimal number from 0.01 (which check shows as
    # 0.01, not 0.00) to 1000, judged from its digits before any rounding
    for w in ("title=0,text=1.5", "title=-0", "title=1001", "title=nan", "title=1000.00000000001",
              "title=0x10", "title= 5", "title=5 ", "title=1e-30", "title=1e2", "title=+5",
              "title=0.009", "title=0.00999999", "title=inf", "title=."):
        rc, _, err = build(x, [sample()], ["--weights", w], ok=(1,))
        expect("W a decimal number from 0.01 to 1000" in err, "%s: %s" % (w, err))
    for w, shown in (("title=0.01,text=1.5", ("0.01", "1.50")), ("title=1000.000,text=.5",
                                                                  ("1000.00", "0.50")),
                     ("title=0100.25,text=7.", ("100.25", "7.00"))):
        build(x, [sample()], ["--quiet", "--fields", "title,text", "--weights", w])
        out = check(x)
        expect(re.findall(r"weight (\S+),", out) == list(shown), (w, out))


def analyze_lines(input_bytes, args=()):
    """analyze's lines for standard input `input_bytes`, split into columns."""
    _, out, _ = run(["analyze"] + list(args), input_bytes=input_bytes)
    return [l.split("\t") for l in out.splitlines()]


def case_analyze_long_line(tmp):
    """analyze cuts a line longer than its 1 MiB chunk only where the pieces
    give the tokens of the whole line: no word cut in two when words are
    separated by ، alone, no join (15 %, عبد الله) split where the chunk ends
    in it. The lines repeat a unit whose tokens (checked to repeat unchanged
    in a short line) give the whole line's; a short line follows."""
    chunk = 1 << 20
    for text, join, pad_at in (("كتاب،", None, 0), ("قال 15 % كتاب ", "15 %", 2),
                               ("جاء عبد الله ثم ", "عبد الله", 7)):
        u = text.encode()
        one = analyze_lines(u + b"\n")
        npos = max(int(t[5]) for t in one) + 1

        def shifted(j, pad):
            return [[str(int(t[0]) + pad + j * len(u))] + t[1:5] + [str(int(t[5]) + j * npos)]
                    + t[6:] for t in one]

        expect(analyze_lines(u * 3 + b"\n") == shifted(0, 0) + shifted(1, 0) + shifted(2, 0),
               "%s: not a unit that repeats" % text)
        pad = 0
        if join:
            # spaces in front put the join's space pad_at bytes before the
            # chunk's end: its last space, where a cut at a space would fall
            space = u.index(join.encode()) + len(join.split(" ")[0].encode())
            pad = (chunk - pad_at - space) % len(u)
        copies = (2 * chunk + len(u) // 3) // len(u)
        line = b" " * pad + u * copies
        got = analyze_lines(line + b"\n" + u + b"\n")
        want = [t for j in range(copies) for t in shifted(j, pad)] + shifted(0, len(line) + 1)
        bad = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w), min(len(got),
                                                                                len(want)))
        expect(got == want, "%s: token %d of %d is %s, not %s" % (
            text, bad, len(want), got[bad:bad + 2], want[bad:bad + 2]))


def sanitized():
    """Whether the indexer runs under ASan or TSan, whose shadow memory needs
    far more address space than any RLIMIT_AS a test could set."""
    with open(A.indexer, "rb") as f:
        exe = f.read()
    return b"__asan_init" in exe or b"__tsan_init" in exe


def case_address_space(tmp):
    """build under an address-space limit (RLIMIT_AS): the index's map starts
    at a quarter of it, not at 1 GiB, so a small build runs under 1.1 GB (and
    256 MB); a map that cannot be had is named with its size and the limit."""
    if sanitized():
        raise Skip("a sanitizer's shadow memory needs more address space than the limit")
    import resource
    doc = os.path.join(tmp, "one.jsonl")
    write(doc, b'{"id":"a","title":"\xd9\x83\xd8\xaa\xd8\xa7\xd8\xa8"}\n')
    for limit, want in ((1074 << 20, 0), (256 << 20, 0), (64 << 20, 3)):
        idx = os.path.join(tmp, "ix%d" % (limit >> 20))
        p = subprocess.run([A.indexer, "build", "--quiet", "--threads", "1", "--mem", "64",
                            "--index", idx, doc], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=300,
                           preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS,
                                                                 (limit, limit)))
        err = p.stderr.decode("utf-8", "replace")
        expect(p.returncode == want, "ulimit -v %d MiB: exit %d, %s" % (limit >> 20, p.returncode,
                                                                         err[-1000:]))
        if want:
            expect(re.search(r"cannot start the index in %s: out of address space: its map takes "
                             r"64 MiB, the address-space limit \(RLIMIT_AS, ulimit -v\) is 64 MiB, "
                             r"([1-9]\d*) MiB of it in use already \(libraries, threads, "
                             r"buffers\)\n" % re.escape(idx), err), err)
        else:
            check(idx)
    # whatever the limit, a build that fails says why on its last line (a
    # worker's or a report's own failed allocation used to end it silently):
    # from the lowest limit the program loads under (below it the dynamic
    # loader refuses, exit 127) up, in steps of 4 MiB
    import itertools
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    pool = ["".join(w) for w in itertools.islice(itertools.product(letters, repeat=3), 5000)]
    mid = os.path.join(tmp, "mid.jsonl")
    with open(mid, "w", encoding="utf-8") as f:
        for i in range(3000):
            f.write(json.dumps({"id": "d%d" % i, "text": " ".join(
                pool[(i * 7919 + k * 104729) % len(pool)] for k in range(80))},
                ensure_ascii=False) + "\n")
    failed = 0
    for mib in range(24, 164, 4):
        idx = os.path.join(tmp, "as%d" % mib)
        p = subprocess.run([A.indexer, "build", "--quiet", "--fields", "text", "--index", idx, mid],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300,
                           preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS,
                                                                 (mib << 20, mib << 20)))
        err = p.stderr.decode("utf-8", "replace")
        if p.returncode == 127 and not failed and "error while loading shared libraries" in err:
            continue
        expect(p.returncode in (0, 3), "ulimit -v %d MiB: exit %d, %s" % (mib, p.returncode, err))
        if p.returncode == 3:
            failed += 1
            last = err.rstrip("\n").rsplit("\n", 1)[-1]
            expect(re.match(r"fahras-indexer: .*out of (memory|address space)", last),
                   "ulimit -v %d MiB: exit 3, last line %r" % (mib, last))
            expect(not os.path.exists(os.path.join(idx, "index.mdb")), "an index was published")
    expect(failed >= 3, "only %d limits made the build fail" % failed)
    # a map that cannot grow mid-build is named the same way, with the size
    # tried: under 256 MiB the map starts at 64 MiB, and 800,000 distinct
    # words (about 50 MB of index) need it larger, at least 256 MiB more
    words = map("".join, itertools.product(letters, repeat=5))
    many = os.path.join(tmp, "many.jsonl")
    with open(many, "w", encoding="utf-8") as f:
        for i in range(800):
            f.write(json.dumps({"id": "d%d" % i, "text": " ".join(itertools.islice(words, 1000))},
                               ensure_ascii=False) + "\n")
    idx = os.path.join(tmp, "grow")
    p = subprocess.run([A.indexer, "build", "--quiet", "--threads", "1", "--mem", "64",
                        "--fields", "text", "--index", idx, many], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=300,
                       preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS,
                                                             (256 << 20, 256 << 20)))
    err = p.stderr.decode("utf-8", "replace")
    m = re.search(r"fahras-indexer: (?:merging postings|writing document \"d\d+\"|publishing "
                  r"the index): out of address space: growing the index's map to (\d+) MiB "
                  r"failed, the address-space limit \(RLIMIT_AS, ulimit -v\) is 256 MiB\n", err)
    expect(p.returncode == 3 and m and int(m.group(1)) > 256, (p.returncode, err[-1000:]))
    expect(not os.path.exists(os.path.join(idx, "index.mdb")), "an index was published")


def case_damaged(tmp):
    # A damaged LMDB page: the duplicate-data flag (F_DUPDATA, 0x04) set on
    # the first node of a leaf page of a database that has no duplicates.
    # LMDB trusts its pages and crashes reading it; check and the dumps walk
    # in a child process and report the damage (exit 3).
    idx = os.path.join(tmp, "ix")
    build(idx, [sample()], ["--quiet"])
    with open(os.path.join(idx, "index.mdb"), "rb") as f:
        mdb = bytearray(f.read())
    ps = os.sysconf("SC_PAGESIZE")
    leaves = []
    for pg in range(2, len(mdb) // ps):
        pgno, _, flags, lower, _ = struct.unpack_from("<QHHHH", mdb, pg * ps)
        if pgno == pg and flags == 0x02 and lower > 16:  # P_LEAF, with nodes
            leaves.append(pg * ps)
    expect(len(leaves) >= 2, "fewer than two leaf pages")
    node = leaves[1] + struct.unpack_from("<H", mdb, leaves[1] + 16)[0]
    mdb[node + 4] |= 0x04
    bad = os.path.join(tmp, "bad")
    os.mkdir(bad)
    with open(os.path.join(bad, "index.mdb"), "wb") as f:
        f.write(mdb)
    env = dict(os.environ)
    # under ASan the crash must stay a signal, as in a release build
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":handle_segv=0:handle_sigbus=0"
    for cmd in ("check", "dump-terms"):  # dump-docs reads no page of that database
        p = subprocess.run([A.indexer, cmd, bad], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120, env=env)
        err = p.stderr.decode("utf-8", "replace")
        expect(p.returncode == 3, "%s: exit %d: %s" % (cmd, p.returncode, err))
        expect("page structure is damaged" in err, "%s: %s" % (cmd, err))
    check(idx)


def case_check_quoted_terms(tmp):
    """check quotes a damaged term as reports show bytes: a newline or ESC in
    the dictionary (LMDB keeps no checksums) is \\xNN in one line of UTF-8,
    never a raw byte that splits the violation line or reaches a terminal."""
    src = os.path.join(tmp, "in.jsonl")
    write(src, '{"id":"a","text":"ZZZQQQ كتاب"}\n{"id":"b","text":"YYYWWW كتاب"}\n'
          .encode("utf-8"))
    idx = os.path.join(tmp, "ix")
    build(idx, [src], ["--quiet", "--fields", "text"])
    path = os.path.join(idx, "index.mdb")
    with open(path, "rb") as f:
        mdb = bytearray(f.read())
    expect(mdb.count(b"zzzqqq") == 1, "the term zzzqqq is not stored once")
    i = mdb.find(b"zzzqqq")
    mdb[i:i + 2] = b"\n\x1b"  # now sorts before yyywww
    with open(path, "wb") as f:
        f.write(mdb)
    p = subprocess.run([A.indexer, "check", idx], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=300)
    expect(p.returncode == 3, "check of a damaged term: exit %d" % p.returncode)
    for name, data in (("stdout", p.stdout), ("stderr", p.stderr)):
        text = data.decode("utf-8")  # raises on invalid UTF-8
        expect(not re.search(r"[\x00-\x09\x0b-\x1f\x7f]", text), "%s holds a control: %r"
               % (name, text))
    expect('check: VIOLATION: term 1 "\\x0a\\x1bzqqq" is not after "yyywww"\n'
           in p.stderr.decode("utf-8"), p.stderr.decode("utf-8"))


def case_damaged_db_list(tmp):
    """LMDB's main database, the list of named databases that check reads
    for its statistics, given an eighth entry whose name lies past the file's
    end: "size", a node in the list's page whose name claims 65535 bytes;
    "place", a node in the last 8 bytes of a page appended to the file, its
    name just beyond them. The reader never looks that name up, so the index
    opens; check holds each name to the file's bytes and reports the damage
    (exit 3), neither crashing on it nor listing bytes from past the file."""
    idx = os.path.join(tmp, "ix")
    build(idx, [sample()], ["--quiet"])
    out = check(idx)
    names = ["docs", "ids", "lengths", "meta", "positions", "postings", "terms"]

    def listed(out):  # the names in check's statistics table
        rows = out.split("\ndatabase ", 1)[1].split("\n(all)", 1)[0].splitlines()[1:]
        return [r.split()[0] for r in rows]

    expect(listed(out) == names, out)
    with open(os.path.join(idx, "index.mdb"), "rb") as f:
        sound = f.read()
    ps = struct.unpack_from("<I", sound, 16 + 24)[0]  # meta: the free database's md_pad
    # the main database's root, in the newer meta page (the higher txnid)
    metas = [struct.unpack_from("<Q", sound, p * ps + 16 + 24 + 96 + 8)[0] for p in (0, 1)]
    meta = (0 if metas[0] > metas[1] else 1) * ps + 16
    pg = struct.unpack_from("<Q", sound, meta + 24 + 48 + 40)[0] * ps
    flags, lower, upper = struct.unpack_from("<HHH", sound, pg + 10)
    nodes = (lower - 16) // 2
    expect(flags == 0x02 and nodes == len(names), "the main database is not one leaf of seven")
    for how in ("size", "place"):
        mdb, top = bytearray(sound), upper
        if how == "size":
            node = top = upper - (8 + 4 + 48)  # name "zzzz" and a 48-byte record, then damaged
            struct.pack_into("<HHHH4s", mdb, pg + node, 48, 0, 0x02, 0xFFFF, b"zzzz")
            expect(pg + node + 8 + 0xFFFF > len(mdb), "the name does not reach past the file")
        else:
            mdb += bytes(ps)
            node = len(mdb) - 8 - pg
            expect(node < 0x10000, "the main database's page is too far from the file's end")
            struct.pack_into("<HHHH", mdb, pg + node, 48, 0, 0x02, 32)  # F_SUBDATA
        struct.pack_into("<H", mdb, pg + 16 + 2 * nodes, node)
        struct.pack_into("<HH", mdb, pg + 12, lower + 2, top)
        bad = os.path.join(tmp, "bad-" + how)
        os.mkdir(bad)
        with open(os.path.join(bad, "index.mdb"), "wb") as f:
            f.write(mdb)
        rc, out, err = run(["check", bad], ok=None)
        expect(rc == 3 and "page structure is damaged" not in err and "check: OK" not in out,
               "%s: exit %d: %s %s" % (how, rc, out[-1500:], err[-1500:]))
        expect("check: VIOLATION: the list of databases (LMDB's main database), entry 7: its "
               "name (%d bytes) lies outside the file" % (0xFFFF if how == "size" else 32) in err
               and "check: 1 violation in %s" % bad in err, "%s: %s" % (how, err))
        expect(listed(out) == names, "%s: %s" % (how, out))


def cpu_ticks(pid):
    """utime + stime of a process, in clock ticks (/proc/PID/stat)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def case_check_publish(tmp):
    """A publish while check runs: check describes the file it opened, to the
    end. Its walk is stopped (SIGSTOP) as soon as it has mapped the index file of
    36,000 documents, a 45-document build is published into the same folder,
    and it goes on: its database statistics must still count 36,000 (they
    once reopened DIR/index.mdb by name, found the new file there and called
    the sound index damaged: "docs has 45 entries for 36000 documents")."""
    idx = os.path.join(tmp, "ix")
    big = big_input(os.path.join(tmp, "big.jsonl"), 800)
    build(idx, [big], ["--quiet"])
    n = 45 * 800
    t0 = time.monotonic()
    whole = check(idx)
    took = time.monotonic() - t0

    def entries(out, db):  # a database's entries in check's statistics table
        m = re.search(r"^%s +(\d+) " % db, out, re.M)
        expect(m, "no %s row in: %s" % (db, out[-1500:]))
        return int(m.group(1))

    expect(entries(whole, "docs") == n and entries(whole, "ids") == n, whole[-1500:])
    path = os.path.join(idx, "index.mdb")
    st = os.stat(path)
    inode = "%02x:%02x %d " % (os.major(st.st_dev), os.minor(st.st_dev), st.st_ino)
    p = subprocess.Popen([A.indexer, "check", idx], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        walker = None  # check walks the index in a child process
        deadline = time.monotonic() + max(30.0, 20 * took)
        while walker is None and p.poll() is None and time.monotonic() < deadline:
            try:
                with open("/proc/%d/task/%d/children" % (p.pid, p.pid)) as f:
                    for kid in f.read().split():
                        with open("/proc/%s/maps" % kid) as m:
                            if any(inode in line for line in m):
                                walker = int(kid)
            except OSError:
                pass
        if walker is not None:
            os.kill(walker, signal.SIGSTOP)
        expect(walker is not None, "check never mapped %s (exit %s)" % (path, p.poll()))
        at_stop = cpu_ticks(walker)
        build(idx, [sample()], ["--quiet"])
        expect(os.stat(path).st_ino != st.st_ino, "the build did not publish a new file")
        os.kill(walker, signal.SIGCONT)
        out, err = p.communicate(timeout=300)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    out, err = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    total = max(1, int(took * os.sysconf("SC_CLK_TCK")))
    # stopped early in the walk, long before the statistics at its end
    # (else the test would pass whatever check reopens)
    expect(at_stop * 2 < total, "check was stopped late: %d of about %d ticks" % (at_stop, total))
    expect(p.returncode == 0 and "check: OK" in out and "VIOLATION" not in err,
           "exit %d: %s %s" % (p.returncode, out[-1500:], err[-1500:]))
    expect(entries(out, "docs") == n and entries(out, "ids") == n, out[-1500:])
    expect(out.startswith("index ") and "%d documents" % n in out.splitlines()[0], out[:300])
    expect(entries(check(idx), "docs") == 45, "the published index is not the new build")


def case_analyzer_version(tmp):
    """An index from another analyzer version or name still checks sound, and
    check says that fahras-searchd will not serve it until it is rebuilt; one
    of another format version is refused, naming the format this build reads."""
    idx = os.path.join(tmp, "ix")
    build(idx, [sample()])
    rc, out, err = run(["check", idx], ok=None)
    expect(rc == 0 and "check: OK" in out and "note:" not in err, (rc, out, err))
    path = os.path.join(idx, "index.mdb")
    with open(path, "rb") as f:
        mdb = f.read()
    m = re.search(rb"analyzer_version(\d+\.\d+)", mdb)
    expect(m and mdb.count(b"analyzer_version") == 1, "no single analyzer_version in the file")
    cur = m.group(1).decode()
    old = b"0." + b"0" * (len(m.group(1)) - 2)  # same length: LMDB pages keep their layout
    with open(path, "wb") as f:
        f.write(mdb[:m.start(1)] + old + mdb[m.end(1):])
    rc, out, err = run(["check", idx], ok=None)
    expect(rc == 0 and "check: OK" in out, "a sound index must still check OK: %s %s" % (out, err))
    expect("analyzer version %s" % old.decode() in err and "is %s" % cur in err
           and "rebuilt" in err, "no rebuild note: " + err)
    # a rebuild over it clears the note
    build(idx, [sample()])
    rc, out, err = run(["check", idx], ok=None)
    expect(rc == 0 and "note:" not in err, err)
    # an analyzer name this build lacks: sound, and the same note
    with open(path, "rb") as f:
        mdb = f.read()
    expect(mdb.count(b"fahras-ar-light10g") == 1, "no single analyzer name in the file")
    with open(path, "wb") as f:
        f.write(mdb.replace(b"fahras-ar-light10g", b"fahras-ar-lightXXg"))
    rc, out, err = run(["check", idx], ok=None)
    expect(rc == 0 and "check: OK" in out and "analyzer fahras-ar-lightXXg, which this build "
           "lacks" in err and "rebuilt" in err, (rc, out, err))
    # another format version: refused, and the format this build reads named
    m = re.search(rb"format_version(\x01\x00\x00\x00)", mdb)
    expect(m and mdb.count(b"format_version") == 1, "no single format_version in the file")
    with open(path, "wb") as f:
        f.write(mdb[:m.start(1)] + b"\x02\x00\x00\x00" + mdb[m.end(1):])
    for cmd in ("check", "dump-docs"):
        rc, out, err = run([cmd, idx], ok=(3,))
        expect("index format version not supported: the index is format 2 (made by a newer "
               "fahras-indexer), this build reads format 1" in err, err)
    # another format may have other databases: format_version is read before
    # the others are required (FORMAT.md, *meta*), so an index of format 2
    # without a `positions` database is still "rebuild", not corrupt. The
    # database's name in the main database is renamed, in its key order (in
    # every copy: pages of earlier transactions may hold old ones; the format
    # 1 case below shows the live one renamed).
    with open(path, "rb") as f:
        mdb = f.read()
    expect(b"positions" in mdb, "no database name positions in the file")
    gone = mdb.replace(b"positions", b"positionr")
    with open(path, "wb") as f:
        f.write(gone)
    for cmd in ("check", "dump-docs"):
        rc, out, err = run([cmd, idx], ok=(3,))
        expect("index format version not supported: the index is format 2 (made by a newer "
               "fahras-indexer), this build reads format 1" in err, err)
    # the same with format 1: a database missing is corruption
    m = re.search(rb"format_version(\x02\x00\x00\x00)", gone)
    expect(m, "no format_version 2 in the file")
    with open(path, "wb") as f:
        f.write(gone[:m.start(1)] + b"\x01\x00\x00\x00" + gone[m.end(1):])
    rc, out, err = run(["check", idx], ok=(3,))
    expect("cannot open the index in %s: index data is corrupt" % idx in err, err)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def docs_of(idx):
    _, docs = dump(idx)
    return {l.split("\t")[1]: l.split("\t", 4) for l in docs.splitlines()}


def case_input_edges(tmp):
    """Records that are valid but unusual are kept, and what cannot be kept
    is reported and counted, never dropped silently or fatal to the build."""
    # numbers beyond 64 bits or a double's exponent range, in fields that are
    # neither id nor text, on the fast path and on the jansson path (escaped key)
    nums = write(os.path.join(tmp, "nums.jsonl"),
                 '{"id": "n1", "text": "نص", "hash": 123456789012345678901234567890}\n'
                 '{"id": "n2", "t\\u0065xt": "x", "hash": 123456789012345678901234567890}\n'
                 '{"id": 7, "text": "y", "hash": 99999999999999999999, "tiny": 1e-400}\n'
                 '{"id": "n4", "text": "z", "inf": 1e400}\n'
                 '{"id": 12345678901234567890, "text": "too big an id"}\n')
    idx = os.path.join(tmp, "ix")
    _, _, err = build(idx, [nums])
    s = summary(err)
    expect(s["indexed"] == 3 and s["malformed"] == 1 and s["noid"] == 1, (s, err))
    expect("%s:4: " % nums in err and "overflow" in err, err)
    expect("%s:5: " % nums in err and "2^53" in err, err)
    rows = docs_of(idx)
    expect(sorted(rows) == ["7", "n1", "n2"], rows)
    expect('123456789012345678901234567890' in rows["n1"][4], "the line is not stored verbatim")
    check(idx)

    # a lone surrogate escape: stored as \ufffd and indexed with a warning (jansson
    # refuses the line as written); a pair, an escaped backslash and a line
    # malformed besides are left as they are
    sur = write(os.path.join(tmp, "sur.jsonl"),
                '{"id": "u1", "text": "a \\ud800 b \\ud83d\\ude00 c \\\\ud800 d \\udc00"}\n'
                '{"id": "u\\ud800", "text": "the id too"}\n'
                '{"id": "u3", "text": "\\ud800" x}\n'
                '{"id": "u4", "text": "\\ud83d\\ude00 ok"}\n')
    _, _, err = build(os.path.join(tmp, "ixs"), [sur])
    s = summary(err)
    expect(s["indexed"] == 3 and s["malformed"] == 1 and s["utf8"] == 2, (s, err))
    expect("%s:1: a lone \\uD800-\\uDFFF escape replaced by \\uFFFD" % sur in err, err)
    expect("%s:3: malformed JSON" % sur in err and "%s:4:" % sur not in err, err)
    rows = docs_of(os.path.join(tmp, "ixs"))
    expect(sorted(rows) == ["u1", "u4", "u\ufffd"], rows)
    expect(rows["u1"][4] == '{"id": "u1", "text": "a \\ufffd b \\ud83d\\ude00 c \\\\ud800 d '
           '\\ufffd"}', rows["u1"][4])
    check(os.path.join(tmp, "ixs"))

    # an integer id past 2^53 is read exactly, except in a line that also holds
    # an integer beyond 64 bits: refused then, never indexed under a rounded id
    ids53 = write(os.path.join(tmp, "ids53.jsonl"),
                  '{"id": 9007199254740993, "text": "a"}\n'
                  '{"id": 9007199254740995, "text": "b", "big": 123456789012345678901234567890}\n'
                  '{"id": 9007199254740991, "text": "c", "big": 123456789012345678901234567890}\n')
    _, _, err = build(os.path.join(tmp, "ix53"), [ids53])
    s = summary(err)
    expect(s["indexed"] == 2 and s["noid"] == 1 and "%s:2: " % ids53 in err, (s, err))
    expect(sorted(docs_of(os.path.join(tmp, "ix53"))) == ["9007199254740991", "9007199254740993"],
           docs_of(os.path.join(tmp, "ix53")))

    # an analyzed field that is not a string: indexed with a warning (not null)
    ns = write(os.path.join(tmp, "ns.jsonl"),
               '{"id": "s1", "title": 2024, "text": "نص"}\n'
               '{"id": "s2", "title": null, "text": "نص"}\n'
               '{"id": "s3", "title": ["قائمة"], "t\\u0065xt": {"a": 1}}\n')
    _, _, err = build(os.path.join(tmp, "ix2"), [ns])
    s = summary(err)
    expect(s["indexed"] == 3 and s["nonstr"] == 2 and s["skipped"] == 0, (s, err))
    expect('%s:1: not a string, so not analyzed: "title"' % ns in err, err)
    expect('%s:3: not a string, so not analyzed: "title", "text"' % ns in err, err)
    expect("%s:2: " % ns not in err, "a null field was reported")
    build(os.path.join(tmp, "ix2"), [ns], ["--strict"], ok=(2,))
    # the warning names every such field, however long the eight names are
    long_names = ["f%d" % i + "x" * 29 for i in range(8)]
    many = write(os.path.join(tmp, "many.jsonl"), json.dumps(
        dict([("id", "m1")] + [(n, 1) for n in long_names])) + "\n")
    _, _, err = build(os.path.join(tmp, "ixm"), [many], ["--fields", ",".join(long_names)])
    expect("%s:1: not a string, so not analyzed: %s (document indexed" % (
        many, ", ".join('"%s"' % n for n in long_names)) in err, err)
    # a key given twice takes its last value, the id too, on either parsing path
    # (the escaped key sends the second line to jansson)
    dup = write(os.path.join(tmp, "dup.jsonl"),
                '{"id": "d1", "title": 5, "title": null, "text": "x"}\n'
                '{"id": "d2", "title": 5, "ti\\u0074le": null, "text": "x"}\n'
                '{"id": "first", "text": "y", "id": "d3"}\n')
    build(os.path.join(tmp, "ixd"), [dup], ["--strict"])
    expect(sorted(docs_of(os.path.join(tmp, "ixd"))) == ["d1", "d2", "d3"],
           docs_of(os.path.join(tmp, "ixd")))

    # --fields id,...: the id is analyzed on either parsing path, an integer
    # id (or an integral real) as its decimal text, with no warning
    fid = write(os.path.join(tmp, "fid.jsonl"),
                '{"id": "alpha", "title": "x"}\n{"id": "beta", "ti\\u0074le": "y"}\n'
                '{"id": 42, "title": "x"}\n{"id": 43, "ti\\u0074le": "y"}\n'
                '{"id": 4.4e1, "title": "z"}\n')
    ix3 = os.path.join(tmp, "ix3")
    build(ix3, [fid], ["--fields", "id,title", "--strict"])
    rows = docs_of(ix3)
    expect(all(rows[i][2] == "1" for i in ("alpha", "beta", "42", "43", "44")), rows)
    terms, _ = dump(ix3)
    names = {t.split("\t")[0] for t in terms.splitlines()}
    expect({"alpha", "beta", "42", "43", "44"} <= names, "ids not analyzed on both paths")

    # ids that GET could not name are refused, with the reason
    ids = write(os.path.join(tmp, "ids.jsonl"),
                '{"id": " pad", "text": "a"}\n{"id": "tab\\there", "text": "b"}\n'
                '{"id": "nl\\n", "text": "c"}\n{"id": "ok id", "text": "d"}\n')
    _, _, err = build(os.path.join(tmp, "ix4"), [ids])
    s = summary(err)
    expect(s["indexed"] == 1 and s["noid"] == 3, (s, err))
    expect("%s:1: the id begins or ends with a space" % ids in err, err)
    expect("%s:2: the id contains a control character" % ids in err, err)

    # the size cap holds for what is stored: invalid UTF-8 grows 1 -> 3 bytes
    grow = write(os.path.join(tmp, "grow.jsonl"),
                 b'{"id": "g1", "text": "' + b"\xff" * 600000 + b'"}\n{"id": "g2", "text": "ok"}\n')
    _, _, err = build(os.path.join(tmp, "ix5"), [grow], ["--max-doc-mb", "1"])
    s = summary(err)
    expect(s["indexed"] == 1 and s["oversized"] == 1, (s, err))
    expect("%s:1: stored document of" % grow in err, err)

    # TSV: a row of empty columns is a record with an empty id, not a blank line;
    # an empty TSV file is nothing to read, like an empty JSON Lines file
    tsv = write(os.path.join(tmp, "t.tsv"), "id\ttitle\ttext\nt1\tx\ty\n\t\t\n\nt2\tz\tw\n")
    empty = write(os.path.join(tmp, "empty.tsv"), "")
    empty_jl = write(os.path.join(tmp, "empty.jsonl"), "")
    _, _, err = build(os.path.join(tmp, "ix6"), [empty, tsv, empty_jl])
    s = summary(err)
    expect(s["read"] == 3 and s["indexed"] == 2 and s["noid"] == 1, (s, err))
    expect("%s:3: the id is empty" % tsv in err, err)
    expect("%s: empty TSV input" % empty in err, err)
    expect("%s: empty input: nothing read" % empty_jl in err, err)
    expect("%s: empty" % tsv not in err, err)
    # a build that publishes nothing removes the directories it made for
    # DIR (empty ones only), not those that were there
    rc, _, err = build(os.path.join(tmp, "new", "a", "b"), [empty_jl], ok=(2,))
    expect("nothing indexed" in err and not os.path.exists(os.path.join(tmp, "new")), err)
    os.makedirs(os.path.join(tmp, "old"))
    build(os.path.join(tmp, "old", "x", "y") + "/", [empty_jl], ok=(2,))
    expect(os.listdir(os.path.join(tmp, "old")) == [], os.listdir(os.path.join(tmp, "old")))
    # also when DIR names some of them through "." or ".." (nd2/x/../idx makes
    # nd2, nd2/x and nd2/idx)
    for d in (os.path.join("nd1", ".", "idx"), os.path.join("nd2", "x", "..", "idx"),
              os.path.join("nd3", "x", ".", "..", "y", "idx", ".")):
        build(os.path.join(tmp, d), [empty_jl], ok=(2,))
        expect(not os.path.exists(os.path.join(tmp, d.split(os.sep)[0])),
               (d, os.listdir(tmp)))
    # one record: "1 document read", "0 spilled runs"
    _, _, err = build(os.path.join(tmp, "ix6b"), [empty_jl, write(
        os.path.join(tmp, "one.jsonl"), '{"id": "o1", "text": "x"}\n')])
    expect(" 1 document read: 1 indexed" in err and " 0 spilled runs;" in err, err)

    # a folder: unreadable entries are skipped and counted, .TXT counts, and a
    # folder without any *.txt file says so
    d = os.path.join(tmp, "dir")
    os.makedirs(os.path.join(d, "sub"))
    write(os.path.join(d, "a.txt"), "عنوان\nنص")
    write(os.path.join(d, "B.TXT"), "title\nbody")
    write(os.path.join(d, "sub", "deep.txt"), "x\ny")
    os.symlink("nowhere.txt", os.path.join(d, "dangling.txt"))
    os.symlink("sub", os.path.join(d, "subdir.txt"))
    # a named pipe and a link to it: reported, never opened (that would block);
    # a subfolder named *.txt is a subfolder (not read)
    os.mkfifo(os.path.join(d, "pipe.txt"))
    os.symlink("pipe.txt", os.path.join(d, "topipe.txt"))
    os.mkdir(os.path.join(d, "folder.txt"))
    _, _, err = build(os.path.join(tmp, "ix7"), [d])
    s = summary(err)
    expect(s["read"] == 6 and s["indexed"] == 2 and s["unreadable"] == 4, (s, err))
    expect("%s/dangling.txt: cannot read: No such file" % d in err, err)
    expect("%s/subdir.txt: cannot read: Is a directory" % d in err, err)
    for n in ("pipe.txt", "topipe.txt"):
        expect("%s/%s: not a regular file (a named pipe): skipped" % (d, n) in err, err)
    expect("folder.txt" not in err, err)
    expect(sorted(docs_of(os.path.join(tmp, "ix7"))) == ["B", "a"], "folder documents")
    nodir = os.path.join(tmp, "none")
    os.makedirs(nodir)
    write(os.path.join(nodir, "readme.md"), "x")
    rc, _, err = build(os.path.join(tmp, "ix9"), [nodir], ok=(2,))
    expect("no *.txt file in this folder" in err, err)
    # a file is read to its end, not to the size stat() gave: a /proc file
    # says 0 bytes (as a file growing during the build says too few)
    if os.path.exists("/proc/version"):
        pd = os.path.join(tmp, "procdir")
        os.makedirs(pd)
        os.symlink("/proc/version", os.path.join(pd, "version.txt"))
        _, _, err = build(os.path.join(tmp, "ixp"), [pd])
        expect(summary(err)["indexed"] == 1, err)
        with open("/proc/version", encoding="utf-8", errors="replace") as f:
            first = f.read().split()[0]
        expect(first in docs_of(os.path.join(tmp, "ixp"))["version"][4], "cut at the stat size")

    # an index file cut short (an interrupted copy): refused, not a SIGBUS
    ixc = os.path.join(tmp, "ixc")
    build(ixc, [sample()])
    with open(os.path.join(ixc, "index.mdb"), "rb") as f:
        blob = f.read()
    write(os.path.join(ixc, "index.mdb"), blob[:len(blob) // 2 // 4096 * 4096])
    for cmd in ("check", "dump-terms", "dump-docs"):
        rc, _, err = run([cmd, ixc], ok=None)
        expect(rc == 3 and "corrupt" in err, (cmd, rc, err))

    # an index path that is a file: the reason, not a generic I/O error
    afile = write(os.path.join(tmp, "afile"), "x")
    rc, _, err = build(afile, [sample()], ok=(3,))
    expect("Not a directory" in err or "File exists" in err, err)


def case_input_reports(tmp):
    """Inputs at the edges of their formats: blank lines before a TSV header,
    files that hold no record, and what a report line says of them."""
    # blank lines (a BOM-only one too) before a TSV header are skipped, the
    # header is the first line that is not blank, and reports keep the file's
    # real line numbers; the other inputs given with it are indexed
    tsv = write(os.path.join(tmp, "h.tsv"), b"\n\xef\xbb\xbf\r\n \nid\ttitle\nx\ty\nz\n")
    one = write(os.path.join(tmp, "one.jsonl"), '{"id": "o1", "text": "x"}\n')
    ix = os.path.join(tmp, "ix1")
    _, _, err = build(ix, [tsv, one])
    s = summary(err)
    expect(s["read"] == 3 and s["indexed"] == 2 and s["malformed"] == 1, (s, err))
    expect("%s:6: malformed TSV row: 1 column, the header has 2" % tsv in err, err)
    expect(sorted(docs_of(ix)) == ["o1", "x"], docs_of(ix))
    # a count of 1 takes the singular, in build's reports and check's
    ix1 = os.path.join(tmp, "ix1one")
    _, _, err = build(ix1, [one], ["--fields", "text", "--threads", "1", "--progress"])
    for want in ("1 document read", "1 distinct term, 1 posting, 1 position;",
                 "0 spilled runs;", "\r\033[K1 document, ", "merging 1 sorted table into"):
        expect(want in err, (want, err))
    out = check(ix1)
    for want in (", 1 document, 1 field\n", "\n1 term, 1 posting, 1 position, 1 document\n"):
        expect(want in out, (want, out))
    # a bad header is reported at its own line
    bad = write(os.path.join(tmp, "bad.tsv"), "\n\nID\ttitle\nx\ty\n")
    _, _, err = build(os.path.join(tmp, "ix2"), [bad], ok=(2,))
    expect('%s:3: TSV header has no "id" column' % bad in err, err)
    # the --fields warning of a header names its line too
    _, _, err = build(os.path.join(tmp, "ix3"), [tsv])
    expect('%s:4: warning: the header has no column "text"' % tsv in err, err)
    # a TSV file of blank lines only has no header: said, like an empty file
    blank = write(os.path.join(tmp, "blank.tsv"), b"\xef\xbb\xbf\n \n\r")
    _, _, err = build(os.path.join(tmp, "ix4"), [blank, one])
    expect("%s: empty TSV input (no header line): nothing read" % blank in err, err)

    # every file that yields no record says so, as an empty one does: only a
    # BOM, only blank lines, a TSV header and blank rows; also under gzip
    quiet = {"bom.jsonl": b"\xef\xbb\xbf", "blanks.jsonl": b"\n\n \t\r\n\xef\xbb\xbf\n  ",
             "hdr.tsv": b"id\ttitle\n\n\r\n", "bl.jsonl.gz": gzip.compress(b"\n \n")}
    files = [write(os.path.join(tmp, n), b) for n, b in sorted(quiet.items())]
    _, _, err = build(os.path.join(tmp, "ix5"), files + [one])
    expect(summary(err)["read"] == 1, err)
    for f in files:
        what = "empty TSV input (a header, no record)" if f.endswith(".tsv") else "empty input"
        expect("%s: %s: nothing read" % (f, what) in err, (f, err))
    # a line that is a record, even a bad one, is something read
    _, _, err = build(os.path.join(tmp, "ix6"), [write(os.path.join(tmp, "bad.jsonl"),
                                                       b"\n\xef\xbb\xbf\xef\xbb\xbf\n"), one])
    expect(summary(err)["malformed"] == 1 and "nothing read" not in err, err)

    # a report is one line of valid UTF-8 whatever the names and the bytes in
    # it: control bytes and invalid UTF-8 as \xNN, C1 controls and U+2028 as
    # \uXXXX, in folder file names, input paths, jansson's near-text, TSV
    # column names and the first document's keys
    d = os.path.join(tmp, "names")
    os.makedirs(d)
    for n in (b"new\nline.txt", b"bad\xffname.txt", b"ok.txt"):
        write(os.path.join(os.fsencode(d), n), "t\nx")
    write(os.path.join(os.fsencode(d), b"nel\xc2\x85.txt"), "")  # a valid id, no text
    esc = write(os.path.join(tmp, "e\x1bsc.jsonl"),
                b'{"id": "a", "title": "x"}\x1b[31mRED\n{"id": "b", "ti\\u001btle": 1}\n'
                b'{"id": "b2", "title": "y"}\xe2\x80\xa8\n')
    rep = write(os.path.join(tmp, "rep.tsv"), b"id\tc\x1b\tc\x1b\n")
    p = subprocess.run([A.indexer, "build", "--index", os.path.join(tmp, "ix7"), d, esc, rep],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    expect(p.returncode == 2, p)
    raw = p.stderr
    expect(not re.search(rb"[\x00-\x09\x0b-\x1f\x7f]", raw), raw)
    err = raw.decode("utf-8")  # strict: no invalid UTF-8
    expect(not re.search("[\x80-\x9f\u2028\u2029]", err), err)
    for line in err.splitlines():
        expect(line.startswith((d + "/", esc.replace("\x1b", "\\x1b") + ":", rep + ":",
                                "fahras-indexer: ")), (line, err))
    for want in ("/new\\x0aline.txt: the id contains a control character",
                 "/bad\\xffname.txt: file name is not UTF-8",
                 "/nel\\u0085.txt: no text to analyze",
                 "e\\x1bsc.jsonl:1: malformed JSON: end of file expected near '\\x1b'",
                 "e\\x1bsc.jsonl:3: malformed JSON: end of file expected near '\\u2028'",
                 'rep.tsv:1: TSV header repeats the column "c\\x1b"'):
        expect(want in err, (want, err))
    _, _, err = build(os.path.join(tmp, "ix8"), [esc], ["--fields", "text"])
    expect('the first document has "id", "ti\\x1btle"' in err, err)
    # an oversized record is reported in one wording and with its exact
    # size, whether the reader's buffer held it whole or skipped to its end
    # counting: the line less what a record's trimming drops (a BOM, of JSON
    # the blanks around it, of TSV a CRLF's CR); a line whose blanks alone
    # took it past the buffer, with its raw size
    pad = b'{"id": "p", "text": "x"}' + b" " * 1100000
    big = write(os.path.join(tmp, "big.jsonl"),
                b'{"id": "a", "text": "' + b"x" * 3000000 + b'"}\n'
                + b'{"id": "b", "text": "' + b"y" * (1048577 - 23) + b'"}\n'
                + b'{"id": "c", "text": "z"}\n'
                + b'\xef\xbb\xbf \t{"id": "d", "text": "' + b"w" * 2000000 + b'"} \t\r \r\n'
                + pad + b"\n"
                + b'{"id": "e", "text": "' + b"v" * 1500000 + b'"}')  # no newline at the end
    bigt = write(os.path.join(tmp, "big.tsv"), b"id\ttext\nr\t" + b"x" * 3000000 + b"\ns\tz\n"
                 + b"q\t" + b"u" * 2000000 + b" \r\n")
    _, _, err = build(os.path.join(tmp, "ix10"), [big, bigt], ["--max-doc-mb", "1"])
    s = summary(err)
    expect(s["oversized"] == 7 and s["indexed"] == 2, (s, err))
    over = "%s:%d: %s of %d bytes exceeds --max-doc-mb (1048576 bytes): skipped"
    for f, line, what, size in ((big, 1, "document", 3000023), (big, 2, "document", 1048577),
                                (big, 4, "document", 2000023), (big, 5, "document", len(pad)),
                                (big, 6, "document", 1500023), (bigt, 2, "row", 3000002),
                                (bigt, 4, "row", 2000003)):
        expect(over % (f, line, what, size) in err, (over % (f, line, what, size), err))
    expect("at least" not in err and "line longer than" not in err, err)
    # a line of white space only is no record however long: skipped as a
    # short blank line is, and the lines after it keep their numbers
    blanks = write(os.path.join(tmp, "blanks.jsonl"),
                   b'{"id": "a", "text": "x"}\n' + b" \t\r\f\v" * 400000 + b"\n"
                   + b'{"id": "b", "text": "y"}\n{"id": 7}\n')
    blankt = write(os.path.join(tmp, "blanks.tsv"),
                   b"id\ttext\nr\tx\n" + b" \r\f" * 700000 + b"\ns\ty\n" + b"\t" * 2000000 + b"\n")
    _, _, err = build(os.path.join(tmp, "ix11"), [blanks, blankt], ["--max-doc-mb", "1"])
    s = summary(err)
    expect(s["read"] == 6 and s["indexed"] == 5 and s["oversized"] == 1, (s, err))
    expect("%s:4: no text to analyze" % blanks in err, err)
    expect(over % (blankt, 5, "row", 2000000) in err, err)
    # before a TSV header too: skipped and counted; a file of nothing else
    # is empty; a header line that is not blank and too long is refused
    lead = write(os.path.join(tmp, "lead.tsv"),
                 b" \r" * 1200000 + b"\n\nid\ttext\nr\tx\n\nq\t\xff\n")
    only = write(os.path.join(tmp, "only.tsv"), b" " * 3000000 + b"\n" + b"\r\f" * 800000)
    _, _, err = build(os.path.join(tmp, "ix12"), [lead, only], ["--max-doc-mb", "1"])
    s = summary(err)
    expect(s["read"] == 2 and s["indexed"] == 2 and s["utf8"] == 1, (s, err))
    expect("%s:6: " % lead in err and "%s:5" % lead not in err, err)
    expect("%s: empty TSV input (no header line): nothing read" % only in err, err)
    longh = write(os.path.join(tmp, "longh.tsv"), b" " * 1500000 + b"id\ttext\nr\tx\n")
    _, _, err = build(os.path.join(tmp, "ix13"), [longh], ["--max-doc-mb", "1"], ok=(2,))
    expect("%s:1: TSV header line too long" % longh in err, err)
    # a folder given with a trailing slash: its files are named D/a.txt, not D//a.txt
    _, _, err = build(os.path.join(tmp, "ix9"), [d + "/"])
    expect("%s/bad\\xffname.txt: file name is not UTF-8" % d in err and "//" not in err, err)
    expect(summary(err)["indexed"] == 2, err)


def case_index_path_reports(tmp):
    """The --index DIR (and check's DIR) in a message is shown as an input's
    name is: one line of valid UTF-8, control bytes and invalid UTF-8 as \\xNN,
    in build's errors, check's header and every command's cannot-open error."""
    name, shown = b"i\nx\xff\x1b\xc2\x85", "i\\x0ax\\xff\\x1b\\u0085"
    tb = os.fsencode(tmp)
    one = write(os.path.join(tmp, "one.jsonl"), '{"id": "a", "text": "x"}\n')

    def raw(args, ok):
        p = subprocess.run([A.indexer] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=300)
        expect(p.returncode in ok, (args, p))
        for text in (p.stdout, p.stderr):
            expect(not re.search(rb"[\x00-\x09\x0b-\x1f\x7f]", text), text)
            expect(not re.search("[\x80-\x9f\u2028\u2029]", text.decode("utf-8")), text)
        return p.stdout.decode("utf-8"), p.stderr.decode("utf-8")

    # build: DIR cannot be made (a regular file on its path)
    f = write(os.path.join(tb, b"f" + name), b"")
    bad = os.path.join(f, b"sub" + name)
    _, err = raw(["build", "--index", bad, one], (3,))
    want = "cannot create %s/f%s/sub%s: " % (tmp, shown, shown)
    expect(want in err, (want, err))
    # check, dump-terms, dump-docs: no such directory
    for cmd in ("check", "dump-terms", "dump-docs"):
        _, err = raw([cmd, os.path.join(tb, b"no" + name)], (3,))
        want = "%s: cannot open the index in %s/no%s: no such directory" % (cmd, tmp, shown)
        expect(want in err, (want, err))
    # a good build into such a DIR; check names its index.mdb the same way
    idx = os.path.join(tb, name)
    raw(["build", "--index", idx, one], (0,))
    out, _ = raw(["check", idx], (0,))
    want = "index %s/%s/index.mdb: format " % (tmp, shown)
    expect(out.startswith(want), (want, out))



def case_id_reports(tmp):
    """A document id in a report (a duplicate's) is shown as an input's name
    is, on one line: ids hold no control byte (refused), but a C1 control and
    U+2028/U+2029 (line breaks to some readers) are shown as \\uXXXX; the
    longest id (256 bytes) is shown whole."""
    idx = os.path.join(tmp, "ix")
    long_id = "\u0085" * 128  # 256 bytes of C1 controls: 768 bytes shown
    lines = [json.dumps({"id": "a\u0085b\u2028c\u2029", "text": t}) for t in "xy"] + [
        json.dumps({"id": long_id, "text": t}) for t in "xy"]
    inp = write(os.path.join(tmp, "ids.jsonl"), "\n".join(lines) + "\n")
    _, _, err = build(idx, [inp])
    expect(not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]", err), err)
    want = '%s:2: duplicate id "a\\u0085b\\u2028c\\u2029": skipped' % inp
    expect(want in err, (want, err))
    want = '%s:4: duplicate id "%s": skipped' % (inp, "\\u0085" * 128)
    expect(want in err, (want, err))
    expect(summary(err)["duplicate"] == 2, err)
    # ids that differ only in invalid bytes or lone surrogate escapes are one
    # id once those are replaced by U+FFFD: the duplicate's report says so;
    # a plain duplicate (its U+FFFD typed, or a repair elsewhere) does not
    note = "ids that differed only there are one id now"
    raw = [b'{"id": "caf\xe9", "text": "a"}', b'{"id": "caf\xe8", "text": "b"}',
           b'{"id": "s\\ud800", "text": "c"}', b'{"id": "s\\udbff", "text": "d"}',
           '{"id": "t\ufffd", "text": "e"}'.encode(), '{"id": "t\ufffd", "text": "f"}'.encode(),
           b'{"id": "u", "text": "g"}', b'{"id": "u", "text": "\xff"}']
    inp = os.path.join(tmp, "fffd.jsonl")
    with open(inp, "wb") as f:
        f.write(b"\n".join(raw) + b"\n")
    _, _, err = build(os.path.join(tmp, "ix2"), [inp])
    reports = [l for l in err.splitlines() if ": duplicate id" in l]
    expect(len(reports) == 4 and summary(err)["duplicate"] == 4, err)
    for line, noted in zip(reports, (True, True, False, False)):
        expect((note in line) == noted, (noted, line))
    expect(reports[0].startswith('%s:2: duplicate id "caf\ufffd": skipped, the first one is '
                                 "kept (this record's invalid UTF-8" % inp), reports[0])


def wait_input_wait(p, what, timeout=30.0):
    """Wait until the build p is in the state the interrupt cases mean to
    signal: its SIGINT and SIGTERM handlers installed (SigCgt in
    /proc/PID/status) and every thread asleep, one of them in poll(2) for its
    input (its wchan, where the kernel shows one), seen twice 20 ms apart.
    A fixed sleep instead could signal a build that has not yet installed
    its handlers (killed outright) on a loaded machine. Fail (naming `what`)
    if p exits first; `timeout` only bounds a hang. Without /proc: 0.5 s."""
    status = "/proc/%d/status" % p.pid
    if not os.path.exists(status):
        time.sleep(0.5)
        return
    handlers = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1))
    deadline = time.monotonic() + timeout
    streak = 0
    while streak < 2:
        expect(p.poll() is None, "%s: exited with %s" % (what, p.returncode))
        expect(time.monotonic() < deadline, "%s: not waiting for input after %.0f s"
               % (what, timeout))
        time.sleep(0.02)
        try:
            with open(status) as f:
                cgt = [int(line.split()[1], 16) for line in f if line.startswith("SigCgt:")]
            states, chans = [], []
            task = "/proc/%d/task" % p.pid
            for tid in os.listdir(task):
                with open("%s/%s/stat" % (task, tid)) as f:
                    states.append(f.read().rsplit(")", 1)[1].split()[0])
                with open("%s/%s/wchan" % (task, tid)) as f:
                    chans.append(f.read().strip())
        except (OSError, ValueError, IndexError):  # the process or a thread just ended
            streak = 0
            continue
        shown = [c for c in chans if c not in ("", "0")]
        ok = (cgt and cgt[0] & handlers == handlers and all(st == "S" for st in states)
              and (not shown or any("poll" in c for c in shown)))
        streak = streak + 1 if ok else 0


def case_interrupt_idle_input(tmp):
    """SIGTERM and SIGINT stop a build whose input (a FIFO) sends nothing."""
    fifo = os.path.join(tmp, "ff")
    os.mkfifo(fifo)
    for sig in (signal.SIGTERM, signal.SIGINT):
        holder = os.open(fifo, os.O_RDWR)  # a writer that never writes
        try:
            with open(fifo, "rb") as src:
                p = subprocess.Popen([A.indexer, "build", "--index", os.path.join(tmp, "ix"),
                                      "-"], stdin=src, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
            try:
                wait_input_wait(p, sig.name)
            except Fail:
                p.kill()
                p.communicate()
                raise
            t0 = time.time()
            p.send_signal(sig)
            try:
                _, err = p.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
                raise Fail("%s did not stop a build waiting on its input" % sig.name)
            expect(p.returncode == 3, (sig.name, p.returncode, err))
            expect(b"interrupted" in err and b"analyzed (not published)" in err, err)
            # prompt, not at the next input: 10 s is generous on a loaded machine
            expect(time.time() - t0 < 10, "slow to stop: %.1f s" % (time.time() - t0))
        finally:
            os.close(holder)
    expect(not os.path.exists(os.path.join(tmp, "ix", "index.mdb")), "published")



def case_interrupt_fifo_without_writer(tmp):
    """A named pipe given as INPUT that no program has opened for writing:
    the build waits for a writer (one that comes later is read), and a
    signal stops that wait too (it once sat in open(2), beyond a signal)."""
    fifo = os.path.join(tmp, "ff")
    os.mkfifo(fifo)
    p = subprocess.Popen([A.indexer, "build", "--index", os.path.join(tmp, "ix"), fifo],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_input_wait(p, "did not wait for a writer")
        t0 = time.time()
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise Fail("SIGINT did not stop a build waiting for its FIFO's writer")
    except Fail:
        p.kill()
        p.communicate()
        raise
    expect(p.returncode == 3, (p.returncode, err))
    expect(time.time() - t0 < 10, "slow to stop: %.1f s" % (time.time() - t0))
    expect(not os.path.exists(os.path.join(tmp, "ix", "index.mdb")), "published")
    # a writer that opens the pipe a moment after the build started
    p = subprocess.Popen([A.indexer, "build", "--index", os.path.join(tmp, "ix2"), "--quiet",
                          fifo], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_input_wait(p, "did not wait for a writer")  # then the writer comes
        with open(fifo, "wb") as w:
            w.write('{"id": "late", "text": "\u0648\u0627\u062d\u062f"}\n'.encode())
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    expect(p.returncode == 0, (p.returncode, err))
    _, docs, _ = run(["dump-docs", os.path.join(tmp, "ix2")])
    expect(docs.startswith("0\tlate\t") and docs.count("\n") == 1, docs[:300])

def case_build_lock(tmp):
    """One build at a time per index directory: a second build started while
    one runs stops at once (exit 3) and the first publishes; leftovers named
    after a live process (a reused pid) are removed by the next build."""
    idx = os.path.join(tmp, "i\tx")  # reports show it as i\x09x
    build(idx, [sample()], ["--quiet"])
    before = dump(idx)
    fifo = os.path.join(tmp, "ff")
    os.mkfifo(fifo)
    holder = os.open(fifo, os.O_RDWR)  # the first build waits on its input
    try:
        with open(fifo, "rb") as src:
            p = subprocess.Popen([A.indexer, "build", "--index", idx, "--quiet", "-"], stdin=src,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            t0 = time.time()
            while not any(n.startswith(".build-") for n in os.listdir(idx)):
                expect(time.time() - t0 < 10 and p.poll() is None, "the first build did not start")
                time.sleep(0.05)
            rc, _, err = build(idx, [sample()], [], ok=(3,))
            expect(err == "fahras-indexer: another build is running in %s; wait for it to end "
                   "(one build at a time per index directory)\n" % idx.replace("\t", "\\x09"),
                   err)  # that line alone, no summary of nothing read
            expect(dump(idx) == before, "the refused build changed the index")
            os.write(holder, b'{"id": "only", "text": "\u0648\u0627\u062d\u062f"}\n')
        finally:
            os.close(holder)
            holder = -1
        _, err = p.communicate(timeout=60)
        expect(p.returncode == 0, (p.returncode, err))
    finally:
        if holder >= 0:
            os.close(holder)
        if p.poll() is None:
            p.kill()
            p.communicate()
    _, docs, _ = run(["dump-docs", idx])
    expect(docs.startswith("0\tonly\t") and docs.count("\n") == 1, docs[:300])
    # a dead build's files under a live pid (this test's): the lock says no
    # build runs, so they go; the new build spills (--mem 1) into a clean dir
    me = os.getpid()
    junk = [os.path.join(idx, ".build-%d-4.mdb" % me), os.path.join(idx, ".build-%d-4.mdb-lock" % me)]
    os.mkdir(os.path.join(idx, ".spill-%d" % me))
    junk.append(os.path.join(idx, ".spill-%d" % me, "run-0-0"))
    # and those of a pid that no longer exists (a child, reaped)
    dead = subprocess.Popen(["true"])
    dead.wait()
    junk += [os.path.join(idx, ".build-%d-3.mdb" % dead.pid)]
    os.mkdir(os.path.join(idx, ".spill-%d" % dead.pid))
    junk.append(os.path.join(idx, ".spill-%d" % dead.pid, "run-0-1"))
    # FORMAT.md, "Cleanup": <pid> is all digits, 1..2^31-1; other names are
    # left alone, whatever strtol would make of them
    keep = [".build-+1-x", ".build- 1-4.mdb", ".build-2147483648-1.mdb", ".build-0-1.mdb",
            ".spill- 8", ".spill-+8", ".spill-4294967297", ".spill-8x", ".spill-"]
    for k in keep:  # spill directories as the indexer makes them, with a run
        if k.startswith(".spill"):
            os.mkdir(os.path.join(idx, k))
            junk.append(os.path.join(idx, k, "run-0-0"))
        else:
            junk.append(os.path.join(idx, k))
    for j in junk:
        with open(j, "wb") as f:
            f.write(b"x" * 100)
    build(idx, [big_input(os.path.join(tmp, "big.jsonl"), 40)], ["--quiet", "--mem", "1"])
    expect(sorted(os.listdir(idx)) == sorted(["index.mdb"] + keep), os.listdir(idx))
    expect(all(os.listdir(os.path.join(idx, k)) == ["run-0-0"] for k in keep
               if k.startswith(".spill")), "a kept spill directory was emptied")
    check(idx)


def main():
    global A
    A = parse_args()
    return run_cases(globals(), A.case, "fh-ix-")


if __name__ == "__main__":
    sys.exit(main())
