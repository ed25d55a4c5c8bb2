#!/usr/bin/python3
"""Corpora and query sets for the benchmarks, prepared once into the work dir.

For each corpus (news, qa, books) this writes under $FAHRAS_BENCH_WORK/corpora/<name>/:
  docs.jsonl  the unpacked JSON lines (news, books; qa is read in place from shared data)
  docs.tsv    Sphinx tsvpipe input: "<numid>\t<text>\n", numid = 1.. in file order,
              tabs/CR/LF/NUL in the text replaced by spaces
  ids.tsv     "<numid>\t<external id>\n" (the id field of the JSON line)
Only the `text` field is indexed, for every corpus: news per the data README (known-item
headline queries must not match the title), qa for parity with news (the paragraph titles
are Wikipedia article names that many questions repeat, which would make qa a title
lookup), books because the title is the book/chapter name shared by hundreds of passages.
The corpus qa_tt (relevance set qa-arcd-tt, on request only) indexes title + " " + text as one
field: that is what PEERS.md's ARCD figures (Sphinx 0.628, Xapian 0.742) correspond to.

Query sets, one query per line as "id\ttext", under $FAHRAS_BENCH_WORK/queries/:
  news-dev.tsv        the 2,134 dev headlines (= shared news/dev-queries.tsv)
  news-short.tsv      2-3 content words per dev headline; news-short-qrels.txt = the dev
                      qrels of the queries kept. Rule (see derive_short_queries):
                        content words = tokens with >= 3 characters, not all digits, not in
                        textutil.STOP_WORDS, first occurrence only;
                        headlines with < 2 content words are dropped;
                        k = 3 if the headline has >= 6 content words, else 2;
                        words ranked by news-text document frequency ascending (rarest
                        first), words absent from every news text (df 0) last, ties by
                        length descending then position; the top k are written in
                        headline order.
  qa-arcd.tsv         the 1,395 ARCD questions (= shared qa/arcd-queries.tsv)
  books-two-word.tsv  1,000 distinct pairs of content words from the books' `title` field
                      (book — chapter names): random.Random(20261123) picks a title among
                      the distinct titles (sorted) with >= 2 content words, then 2 of its
                      content words, kept in title order; id "b2w-NNNN".
  books-headline.tsv  the news dev headlines (~9 words) again, for speed on books.

CLI:  corpus.py prepare [news qa books] [--no-queries]     (default: news qa)
      corpus.py info                                        (paths as JSON)
Exit status 2 with "shared data not found at ..." when the shared data is absent.
"""
import json
import os
import random
import subprocess
import sys

if __package__ in (None, ""):
    sys.dont_write_bytecode = True
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from lib import paths, textutil  # noqa: E402

CORPORA = {
    # name: (source path relative to shared data, compressed?, JSON fields joined into the text)
    "news": ("news/saudinewsnet-docs.jsonl.xz", True, ("text",)),
    "qa": ("qa/docs.jsonl", False, ("text",)),
    "qa_tt": ("qa/docs.jsonl", False, ("title", "text")),   # variant: title + " " + text
    "books": ("books/hindawi-passages.jsonl.xz", True, ("text",)),
}

# Relevance sets: name -> (corpus, queries file, qrels file). Paths resolved by query_set().
REL_SETS = {
    "news-dev": ("news", "news-dev.tsv", "news/dev-qrels.txt"),
    "news-short": ("news", "news-short.tsv", "@news-short-qrels.txt"),
    "qa-arcd": ("qa", "qa-arcd.tsv", "qa/arcd-qrels.txt"),
    "qa-arcd-tt": ("qa_tt", "qa-arcd.tsv", "qa/arcd-qrels.txt"),   # not in DEFAULT_REL_SETS
}
DEFAULT_REL_SETS = ("news-dev", "news-short", "qa-arcd")
SPEED_SETS = {"two-word": "books-two-word.tsv", "headline": "books-headline.tsv"}

TWO_WORD_SEED = 20261123
TWO_WORD_COUNT = 1000
_TSV_BAD = str.maketrans({"\t": " ", "\n": " ", "\r": " ", "\0": " "})


def _log(msg):
    print("corpus: " + msg, file=sys.stderr, flush=True)


def corpus_dir(name):
    return paths.work_dir("corpora", name)


def source_jsonl(name):
    """Path of the plain JSON-lines file of a corpus, unpacking it first if needed."""
    rel, compressed, _fields = CORPORA[name]
    src = paths.require_shared_file(rel)
    if not compressed:
        return src
    out = os.path.join(corpus_dir(name), "docs.jsonl")
    if os.path.exists(out):
        return out
    _log("unpacking %s -> %s" % (src, out))
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        rc = subprocess.call(["xz", "-dc", src], stdout=f)
    if rc != 0:
        os.unlink(tmp)
        sys.exit("xz -dc %s failed (rc=%d)" % (src, rc))
    os.replace(tmp, out)
    return out


def tsv_paths(name):
    d = corpus_dir(name)
    return os.path.join(d, "docs.tsv"), os.path.join(d, "ids.tsv")


def prepare_tsv(name):
    """Write docs.tsv and ids.tsv for a corpus (skipped when both exist). Returns their paths.
    For books the distinct `title` values are written to titles.txt in the same pass."""
    tsv, ids = tsv_paths(name)
    titles_path = os.path.join(corpus_dir(name), "titles.txt")
    need_titles = name == "books" and not os.path.exists(titles_path)
    if os.path.exists(tsv) and os.path.exists(ids) and not need_titles:
        return tsv, ids
    src = source_jsonl(name)
    fields = CORPORA[name][2]
    _log("writing %s and %s" % (tsv, ids))
    titles = set()
    with open(src, encoding="utf-8") as fin, \
            open(tsv + ".tmp", "w", encoding="utf-8") as ft, \
            open(ids + ".tmp", "w", encoding="utf-8") as fi:
        n = 0
        for line in fin:
            if not line.strip():
                continue
            d = json.loads(line)
            n += 1
            text = " ".join(d.get(f) or "" for f in fields)
            ft.write("%d\t%s\n" % (n, text.translate(_TSV_BAD)))
            fi.write("%d\t%s\n" % (n, d["id"]))
            if need_titles and d.get("title"):
                titles.add(d["title"].translate(_TSV_BAD))
    os.replace(tsv + ".tmp", tsv)
    os.replace(ids + ".tmp", ids)
    if need_titles:
        with open(titles_path + ".tmp", "w", encoding="utf-8") as f:
            for t in sorted(titles):
                f.write(t + "\n")
        os.replace(titles_path + ".tmp", titles_path)
    _log("%s: %d documents" % (name, n))
    return tsv, ids


def load_ids(name):
    """List ext_ids with ext_ids[numid] = external id (index 0 unused)."""
    _tsv, ids = prepare_tsv(name)
    out = [None]
    with open(ids, encoding="utf-8") as f:
        for line in f:
            num, ext = line.rstrip("\n").split("\t", 1)
            assert int(num) == len(out), "ids.tsv out of order at %s" % num
            out.append(ext)
    return out


def iter_tsv(name):
    """Yield (numid, text) from docs.tsv."""
    tsv, _ids = prepare_tsv(name)
    with open(tsv, encoding="utf-8") as f:
        for line in f:
            num, text = line.rstrip("\n").split("\t", 1)
            yield int(num), text


def read_queries(path):
    """[(qid, text)] from an id<TAB>text file."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            qid, text = line.split("\t", 1)
            out.append((qid, text))
    return out


def _write_queries(path, queries):
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        for qid, text in queries:
            f.write("%s\t%s\n" % (qid, " ".join(text.split())))
    os.replace(path + ".tmp", path)


def _copy_queries(src_rel, dst):
    if os.path.exists(dst):
        return
    _write_queries(dst, read_queries(paths.require_shared_file(src_rel)))


def news_df(words):
    """Document frequency in the news `text` fields of each word in `words` (bench tokens)."""
    want = set(words)
    df = dict.fromkeys(want, 0)
    for _num, text in iter_tsv("news"):
        for t in want.intersection(textutil.tokens(text)):
            df[t] += 1
    return df


def derive_short_queries(headlines, df):
    """The news-short rule (module docstring). headlines: [(qid, text)] -> [(qid, text)]."""
    out = []
    for qid, text in headlines:
        cw = textutil.content_words(text)
        if len(cw) < 2:
            continue
        k = 3 if len(cw) >= 6 else 2
        order = sorted(range(len(cw)),
                       key=lambda i: (df.get(cw[i], 0) == 0, df.get(cw[i], 0), -len(cw[i]), i))
        keep = sorted(order[:k])
        out.append((qid, " ".join(cw[i] for i in keep)))
    return out


def derive_two_word(titles, seed=TWO_WORD_SEED, count=TWO_WORD_COUNT):
    """The books-two-word rule (module docstring). titles: sorted distinct titles."""
    rng = random.Random(seed)
    pool = [cw for cw in (textutil.content_words(t) for t in titles) if len(cw) >= 2]
    out, seen = [], set()
    tries = 0
    while len(out) < count and tries < count * 50:
        tries += 1
        cw = rng.choice(pool)
        i, j = sorted(rng.sample(range(len(cw)), 2))
        q = cw[i] + " " + cw[j]
        if q in seen:
            continue
        seen.add(q)
        out.append(("b2w-%04d" % len(out), q))
    return out


def queries_dir():
    return paths.work_dir("queries")


def prepare_queries(corpora):
    qd = queries_dir()
    if "news" in corpora:
        paths.require_shared_file("news/dev-qrels.txt")   # the relevance step reads it: absent, stop now
        _copy_queries("news/dev-queries.tsv", os.path.join(qd, "news-dev.tsv"))
        short = os.path.join(qd, "news-short.tsv")
        if not os.path.exists(short):
            heads = read_queries(os.path.join(qd, "news-dev.tsv"))
            words = {w for _q, t in heads for w in textutil.content_words(t)}
            _log("news-short: document frequencies of %d headline words" % len(words))
            qs = derive_short_queries(heads, news_df(words))
            keep = {q for q, _t in qs}
            src = paths.require_shared_file("news/dev-qrels.txt")
            qrels = os.path.join(qd, "news-short-qrels.txt")
            with open(src) as fin, open(qrels + ".tmp", "w") as fout:
                for line in fin:
                    if line.split() and line.split()[0] in keep:
                        fout.write(line)
            os.replace(qrels + ".tmp", qrels)
            _write_queries(short, qs)
            _log("news-short: %d of %d headlines" % (len(qs), len(heads)))
    if "qa" in corpora or "qa_tt" in corpora:
        paths.require_shared_file("qa/arcd-qrels.txt")
        _copy_queries("qa/arcd-queries.tsv", os.path.join(qd, "qa-arcd.tsv"))
    if "books" in corpora:
        _copy_queries("news/dev-queries.tsv", os.path.join(qd, "books-headline.tsv"))
        tw = os.path.join(qd, "books-two-word.tsv")
        if not os.path.exists(tw):
            prepare_tsv("books")
            with open(os.path.join(corpus_dir("books"), "titles.txt"), encoding="utf-8") as f:
                titles = [t.rstrip("\n") for t in f if t.strip()]
            _write_queries(tw, derive_two_word(titles))


def query_set(name):
    """Relevance set -> (corpus, queries path, qrels path); prepares what is missing."""
    corpus, qfile, qrels = REL_SETS[name]
    prepare_queries([corpus])
    qpath = os.path.join(queries_dir(), qfile)
    if qrels.startswith("@"):
        qrels_path = os.path.join(queries_dir(), qrels[1:])
    else:
        qrels_path = paths.require_shared_file(qrels)
    return corpus, qpath, qrels_path


def speed_queries(name):
    """Speed set (two-word, headline) -> queries path (books)."""
    prepare_queries(["books"])
    return os.path.join(queries_dir(), SPEED_SETS[name])


def check_peer_args(ap, a, count_opt, counts):
    """Usage errors (ap.error, exit 2) of a peer script's arguments, found before anything is
    installed, read or started: unknown corpora or sets, counts that are not numbers."""
    def bad(names, known, what):
        unknown = [n for n in names if n not in known]
        if unknown:
            ap.error("unknown %s %s (known: %s)" % (what, ", ".join(unknown), " ".join(known)))
    if a.cmd in ("index", "all"):
        bad(a.args, CORPORA, "corpus")
    elif a.cmd == "relevance":
        bad(a.args, REL_SETS, "relevance set")
    elif a.args:
        ap.error("%s takes no arguments (got %s)" % (a.cmd, " ".join(a.args)))
    if a.cmd == "speed":
        bad([a.corpus], CORPORA, "corpus")
        bad(a.sets.split(","), list(SPEED_SETS) + list(REL_SETS), "query set")
        bad(a.snippets.split(","), ("off", "on"), "--snippets value")
        try:
            if not all(int(c) > 0 for c in counts.split(",")):
                raise ValueError
        except ValueError:
            ap.error("%s wants positive whole numbers such as 1,4,16, not %r" % (count_opt, counts))


def require_sources(corpora):
    """Exit 2 with paths' message unless the shared data holds these corpora's sources:
    the peers check this before installing or starting anything."""
    for name in corpora:
        paths.require_shared_file(CORPORA[name][0])


def require_peer_sources(a):
    """require_sources for what a peer script's command a.cmd reads: the corpora to index
    (index, all; default news and qa), those of the relevance sets, or the speed corpus."""
    if a.cmd in ("index", "all"):
        require_sources(a.args or ["news", "qa"])
    elif a.cmd == "relevance":
        require_sources(sorted({REL_SETS[s][0] for s in a.args or DEFAULT_REL_SETS}))
    elif a.cmd == "speed":
        require_sources([a.corpus])


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare", help="unpack, write TSV/ids and query sets")
    p.add_argument("corpora", nargs="*", help="news qa books (default: news qa)")
    p.add_argument("--no-queries", action="store_true")
    sub.add_parser("info", help="print the paths as JSON")
    a = ap.parse_args(argv)
    if a.cmd == "prepare":
        paths.require_shared_data()
        corpora = a.corpora or ["news", "qa"]
        bad = [c for c in corpora if c not in CORPORA]
        if bad:
            ap.error("unknown corpus %s (known: %s)" % (", ".join(bad), " ".join(CORPORA)))
        for c in corpora:
            prepare_tsv(c)
        if not a.no_queries:
            prepare_queries(corpora)
        _log("ready in %s" % paths.work_dir())
    else:
        info = {"shared_data": paths.shared_data_dir(), "work": paths.work_dir(create=False),
                "corpora": {c: dict(zip(("tsv", "ids"), tsv_paths(c))) for c in CORPORA},
                "rel_sets": list(REL_SETS), "speed_sets": SPEED_SETS}
        print(json.dumps(info, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
