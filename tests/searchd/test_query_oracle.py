"""The query language against an oracle: which documents SEARCH matches.

A differential test of the query semantics of docs/PROTOCOL.md (section
"SEARCH": the query-language table and the paragraphs after it, and the
reply's `total`, `hits` and paging). For a few fixed seeds it

 1. builds a random collection of a few hundred documents (Arabic words with
    clitics and suffixes, stop words, Latin words, numbers, mixed words such
    as DeepSeek-R1, percentages and compound names written apart, repeated
    phrases), indexes it with the real fahras-indexer and starts the real
    fahras-searchd;
 2. reads every document as the index holds it: KEYWORDS on each title and
    text gives each token's stem and position. The oracle never stems by
    itself, so what is tested is the query language, not the analyzer; the
    document frequency KEYWORDS reports for each stem must equal the
    oracle's count, which checks that view of the index;
 3. generates queries from the documents' own words (plain, +required,
    -excluded, "phrases", prefix*, title:/text: fields with either operator
    placement, words written apart, repeated and contradictory items, stop
    words), evaluates each with QueryModel, a Python model of the language,
    and compares with SEARCH limit=1000: the set of ids, `total`, no hit
    twice, scores in descending order, and syntax_error for a query with no
    positive word;
 4. for some queries, walks the hits in pages of mixed sizes and compares
    every page with its slice of the full list; for others, checks fields=
    against the stored documents.

On a mismatch the failing query is shrunk (items dropped while the mismatch
stays) and the message shows the seed, the query as sent, the expected and
the returned ids, the oracle's clauses and the disputed documents.

Run one seed alone: ctest -R searchd_query_oracle shows the command line;
append QueryOracleTest.test_seed2 (say) to it. Each run prints what it
covered (clauses by kind and occurrence, joins, pages...) to stderr, and
fails if that falls under assert_coverage's minimums.

What only orders hits is not modelled (BM25F, proximity, tense and country
readings, feedback, focus, exact forms): PROTOCOL.md says none of it adds a
hit. The corpus holds no word with a madda, so the madda readings (which do
add hits) never apply.
"""

import json
import os
import random
import sys
import unittest
from collections import Counter, namedtuple

import fhtest
from fhtest import Daemon, TempDir, build_docs, error_code

# --------------------------------------------------------------- the runs

# (seed, documents, queries, --max-prefix-expansions). A corpus of a few
# hundred documents has a few hundred stems: the default cap of 64 is rarely
# reached, so one run uses a cap of 6, where prefixes are cut to their most
# frequent expansions and the exact terms kept over the cap decide.
RUNS = {
    "seed1": (1, 300, 1000, 64),
    "seed2": (2, 500, 1000, 64),
    "seed3_cap6": (3, 300, 1000, 6),
}
FIELDS = ("title", "text")  # the analyzed fields fahras-indexer builds by default
PAGE_SHARE = 0.15           # queries whose hits are also walked page by page
FIELDS_SHARE = 0.05         # queries whose hits are also fetched with fields=
PIPELINE = 64               # requests sent before their replies are read
SHOW_FAILURES = 3           # failures shrunk and shown in full

# --------------------------------------------------------------- the corpus

NOUNS = ["كتاب", "مدرسة", "مدرسه", "شركة", "شركه", "سيارة", "بيت", "مدينة", "حكومة", "رئيس",
         "وزير", "طالب", "معلم", "جامعة", "سوق", "اقتصاد", "نفط", "بحر", "جبل", "شمس", "قمر",
         "نهر", "ماء", "طعام", "مطار", "مستشفى", "مصطفى", "موسى", "علي", "أمير", "امير", "إمارة",
         "أحمد", "احمد", "إسلام", "اسلام", "أرض", "ارض", "إنتاج", "انتاج", "ملعب", "لاعب", "فريق",
         "مباراة", "هدف", "علم", "عالم", "عمل", "عامل", "مصنع", "صناعة", "قرية", "شارع", "باب",
         "ليل", "صباح", "مساء", "سنة", "شهر", "مجلس", "كهرباء", "قطار", "طريق", "كتب", "كاتب",
         "مكتبة", "مكتب", "بنك", "بنوك", "قوة", "قوات", "ذكي", "ذكى"]
VERBS = ["يكتب", "يعلن", "أعلن", "تطلق", "أطلقت", "يلعب", "لعب", "تعمل"]
COUNTRIES = ["روسيا", "الروسية", "مصر", "المصرية"]
STOPS = ["في", "من", "على", "إلى", "عن", "أن", "هذا", "التي", "هو", "مع", "ما", "كيف"]
LATIN = ["google", "Apple", "Python", "data", "Server", "api", "GPT"]
NUMBERS = ["2024", "15", "7", "300", "1999", "4"]
# mixed words (docs/ANALYSIS.md), percentages and names written joined or apart
MIXED = ["R1", "DeepSeek-R1", "GPT-4o", "COVID-19", "كوفيد-19", "5.6", "openai.com", "R 1",
         "R10", "DeepSeek-R10", "R2", "4%", "4 %", "%4", "4 في المائة", "15%", "15 بالمائة",
         "عبد الله", "عبدالله", "ال-R1", "وR1", "GPT-4", "gpt 4o", "R-الشركات", "R-القوات",
         "عبد الرحمن", "عبدالرحمن"]
# query items typed as words written apart (a trailing * makes a prefix item)
SPLITS = [["عبد", "الله"], ["4", "%"], ["15", "في", "المائة"], ["4", "بالمائة"], ["عبد", "ال*"],
          ["عبد", "الرح*"], ["R", "1"], ["15", "%"], ["15", "المائة"]]
PROCLITICS = ["", "", "", "", "و", "ال", "ال", "وال", "بال", "لل", "كال", "فال", "ب", "ل", "ف", "ك"]
SUFFIXES = ["", "", "", "", "", "ها", "هم", "ات", "ون", "ين", "ه", "ي"]
PHRASES = [["رئيس", "الحكومة"], ["وزير", "النفط"], ["سوق", "المدينة"], ["في", "المدرسة"],
           ["google", "data"], ["سنة", "2024"], ["فريق", "الجامعة", "الأول"],
           ["مطار", "القاهرة"], ["شمس", "و", "قمر"], ["على", "الطريق"], ["بنك", "مصر"]]
ABSENT = "زرافة"  # a word no document has


def is_arabic(ch):
    return "\u0600" <= ch <= "\u06ff"


def surface(rng, word):
    """The word as a text may write it: with proclitics and a suffix, some of
    the time (an Arabic word only; no second article)."""
    if rng.random() < 0.45 or not is_arabic(word[0]):
        return word
    pre, suf = rng.choice(PROCLITICS), rng.choice(SUFFIXES)
    if word.startswith("ال") and pre in ("ال", "وال", "بال", "لل", "كال", "فال"):
        pre = ""
    return pre + word + suf


def random_word(rng):
    r = rng.random()
    if r < 0.60:
        return surface(rng, rng.choice(NOUNS))
    if r < 0.68:
        return rng.choice(VERBS)
    if r < 0.72:
        return rng.choice(COUNTRIES)
    if r < 0.86:
        return rng.choice(STOPS)
    if r < 0.92:
        return rng.choice(LATIN)
    if r < 0.96:
        return rng.choice(MIXED)
    return rng.choice(NUMBERS)


def random_text(rng, n):
    """n words: random words, some repeated, and some common phrases."""
    out = []
    while len(out) < n:
        if rng.random() < 0.12:
            out += [surface(rng, w) if rng.random() < 0.3 else w for w in rng.choice(PHRASES)]
        else:
            w = random_word(rng)
            out.append(w)
            if rng.random() < 0.08:
                out.append(w)
    return " ".join(out[:n])


def make_corpus(rng, n):
    """n documents d000...: most with a title and a text (some with one of
    them, a few with an empty text), some with stored-only fields for the
    fields= check (a date, a number beyond a double's precision, an array)."""
    docs = []
    for i in range(n):
        d = {"id": "d%03d" % i}
        r = rng.random()
        if r > 0.05:
            d["title"] = random_text(rng, rng.randint(1, 6))
        if r < 0.93:
            d["text"] = random_text(rng, rng.randint(0 if r < 0.1 else 3, 25))
        if rng.random() < 0.3:
            d["date"] = "2024-%02d-%02d" % (rng.randint(1, 12), rng.randint(1, 28))
        if rng.random() < 0.2:
            d["n"] = rng.choice([1, 2.5, 9007199254740993, -3])
        if rng.random() < 0.15:
            d["tags"] = [rng.choice(LATIN), {"k": rng.randint(0, 9)}]
        docs.append(d)
    return docs

# --------------------------------------------------------------- the queries

# One query item: occ "should" (plain), "must" (+) or "not" (-); field None
# (all fields), "title" or "text"; kind "term", "prefix" (text*) or "phrase"
# ("text"); text without its operator, field, quotes or *.
Item = namedtuple("Item", "occ field kind text")
OPERATOR = {"should": "", "must": "+", "not": "-"}


def render(item, rng):
    """The item as typed: the operator before the field or after it
    (-title:x, title:-x), the field name sometimes capitalized (Title:x;
    names compare ASCII case-insensitively)."""
    op = OPERATOR[item.occ]
    body = ('"%s"' % item.text if item.kind == "phrase"
            else item.text + ("*" if item.kind == "prefix" else ""))
    if not item.field:
        return op + body
    name = item.field if rng.random() < 0.8 else item.field.capitalize()
    if op and rng.random() < 0.4:
        return "%s:%s%s" % (name, op, body)
    return "%s%s:%s" % (op, name, body)


def random_item(rng, docs):
    occ = rng.choices(["should", "must", "not"], [5, 2, 2])[0]
    field = rng.choices([None, "title", "text"], [6, 1, 1])[0]
    kind = rng.choices(["term", "phrase", "prefix"], [6, 2, 2])[0]
    doc = rng.choice(docs)
    texts = [(f, doc[f].split()) for f in FIELDS if isinstance(doc.get(f), str) and doc[f].split()]
    if kind == "phrase":
        if texts and rng.random() < 0.8:
            # words in a row from a document, their clitics sometimes changed
            f, words = rng.choice(texts)
            n = rng.choice([2, 2, 3])
            i = rng.randint(0, max(0, len(words) - n))
            words = words[i:i + n]
            if rng.random() < 0.3:
                words = [surface(rng, w) if rng.random() < 0.5 else w for w in words]
            if rng.random() < 0.3:
                field = f
        else:
            words = [random_word(rng) for _ in range(rng.choice([1, 2, 3]))]
        return Item(occ, field, kind, " ".join(words))
    if texts and rng.random() < 0.7:
        w = rng.choice(rng.choice(texts)[1])
    else:
        w = random_word(rng)
    r = rng.random()
    if r < 0.05:
        w = rng.choice(["و", "ال", "ب"]) + rng.choice(LATIN)  # one item, two words
    elif r < 0.08:
        w = ABSENT
    elif r < 0.14:
        w = rng.choice(MIXED)
    w = w.replace(" ", "")
    if kind == "prefix" and len(w) > 1:
        w = w[:rng.randint(1, len(w))]
    return Item(occ, field, kind, w)


def random_query(rng, docs):
    """1-6 random items, and sometimes: an item repeated, an item both
    required and excluded, a stop word, or a word written apart (SPLITS)
    whose later pieces may carry their own operator."""
    items = [random_item(rng, docs) for _ in range(rng.choices(range(1, 7), [3, 4, 4, 3, 2, 1])[0])]
    r = rng.random()
    if r < 0.08:
        items.append(rng.choice(items))
    elif r < 0.14:
        it = rng.choice(items)
        items += [it._replace(occ="must"), it._replace(occ="not")]
    elif r < 0.18:
        items.append(Item("should", None, "term", rng.choice(STOPS)))
    elif r < 0.30:
        pieces = rng.choice(SPLITS)
        occ = rng.choice(["should", "must", "not"])
        field = rng.choice([None, None, "title", "text"])
        group = []
        for k, w in enumerate(pieces):
            o = occ if k == 0 or rng.random() < 0.5 else rng.choice(["should", "must", "not"])
            group.append(Item(o, field if k == 0 else None,
                              "prefix" if w.endswith("*") else "term", w.rstrip("*")))
        rng.shuffle(items)
        at = rng.randint(0, len(items))
        items[at:at] = group
        return items
    rng.shuffle(items)
    return items

# --------------------------------------------------------------- the daemon

def pipeline(client, lines):
    """Send lines in batches of PIPELINE and return their replies, in order."""
    out = []
    for i in range(0, len(lines), PIPELINE):
        batch = lines[i:i + PIPELINE]
        client.send_raw(b"".join(l.encode("utf-8") + b"\n" for l in batch))
        out += [client.read_json() for _ in batch]
    return out


def search_line(query, **opts):
    o = {"limit": 1000, "snippets": 0}
    o.update(opts)
    return "SEARCH %s -- %s" % (" ".join("%s=%s" % kv for kv in o.items()), query)


class Analyzer:
    """The engine's analysis of any text, through KEYWORDS (PROTOCOL.md,
    "KEYWORDS"), cached: per token its surface `token`, `normalized` form,
    `stem`, `stop`, `position` and `kind` (word; whole, then its parts, for a
    mixed word)."""

    def __init__(self, client):
        self.client = client
        self.cache = {}

    def prefetch(self, texts):
        todo = sorted({t for t in texts if t not in self.cache})
        for t, r in zip(todo, pipeline(self.client, ["KEYWORDS " + t for t in todo])):
            self.cache[t] = r
        return [self.cache[t] for t in texts]

    def reply(self, text):
        if text not in self.cache:
            self.cache[text] = self.client.request("KEYWORDS " + text)
        return self.cache[text]

    def tokens(self, text):
        return self.reply(text)["tokens"]

    def stem(self, word):
        """The stem of a text the analyzer reads as one token, else None."""
        toks = self.tokens(word)
        return toks[0]["stem"] if len(toks) == 1 else None


class IndexModel:
    """The index as the oracle sees it: for each analyzed field and stem, the
    documents holding it and at which positions (KEYWORDS of the stored
    title and text, every token with a stem: words, stop words, a mixed
    word's whole form and its parts), each stem's document frequency, and
    whether a dictionary term is a stop word (prefixes skip those)."""

    def __init__(self, docs, an):
        self.ids = [d["id"] for d in docs]
        self.positions = {}  # (field, stem) -> {doc number: set of positions}
        texts = [(i, f, d[f]) for i, d in enumerate(docs) for f in FIELDS
                 if isinstance(d.get(f), str) and d[f].strip()]
        for (i, f, _), r in zip(texts, an.prefetch([t for _, _, t in texts])):
            for t in r["tokens"]:
                if t["stem"]:
                    self.positions.setdefault((f, t["stem"]), {}).setdefault(i, set()).add(
                        t["position"])
        holders = {}
        for (f, stem), by_doc in self.positions.items():
            holders.setdefault(stem, set()).update(by_doc)
        self.df = {stem: len(ds) for stem, ds in holders.items()}
        # a term's stop status: the analyzer's, when the term reads as itself
        self.stop = {}
        self.df_seen = {}  # the df KEYWORDS gives for a term that is its own stem
        terms = sorted(self.df)
        for term, r in zip(terms, an.prefetch(terms)):
            toks = r["tokens"]
            if toks and toks[0]["normalized"] == term:
                self.stop[term] = toks[0]["stop"]
                if toks[0]["stem"] == term:
                    self.df_seen[term] = toks[0]["df"]

    def docs_with(self, field, stem):
        return self.positions.get((field, stem), {}).keys()

    def at(self, doc, field, stem):
        return self.positions.get((field, stem), {}).get(doc, ())

# --------------------------------------------------------------- the oracle

class Clause:
    """One clause of a parsed query (query.c's fh_clause). kind: "term" (a
    stem), "prefix" (any of a set of expansions), "phrase" (elements at
    consecutive positions) or "mixed" (the whole form `term`, or its parts
    `elements` in a row); occ: should, must or not; fields: where it may
    match. An element is (set of stems, position relative to the first)."""

    def __init__(self, kind, occ, fields, term="", stems=(), elements=(), stop=False,
                 last_prefix=False):
        self.kind, self.occ, self.fields = kind, occ, fields
        self.term, self.stems, self.elements, self.stop = term, set(stems), list(elements), stop
        self.last_prefix = last_prefix  # a mixed word typed with a *: its last part a prefix

    def __str__(self):
        def stems(s):
            s = sorted(s)
            return s[0] if len(s) == 1 else "{%s%s}" % (
                " ".join(s[:6]), " +%d" % (len(s) - 6) if len(s) > 6 else "")
        if self.kind == "term":
            what = self.term + (" (stop)" if self.stop else "")
        elif self.kind == "prefix":
            what = stems(self.stems)
        else:
            what = "[%s]" % " ".join("%s@%d" % (stems(s), r) for s, r in self.elements)
            if self.kind == "mixed":
                what = "%s | %s%s" % (self.term, what, "*" if self.last_prefix else "")
        return "%s %s %s in %s" % (self.occ, self.kind, what, ",".join(self.fields))


ARTICLES = ["وال", "بال", "كال", "فال", "لل", "ال"]   # longest first
SUFFIX_AFTER = {"ا": "ات", "و": "ون", "ك": "كم", "ن": "نا"}


def mixed_parts(toks, k):
    """The part tokens after toks[k] when it is the whole of a mixed word
    (two or more parts: R1, DeepSeek-R1), else [] (a plain word; 4%, whose
    one part is the bare number, matches whole only)."""
    n = 0
    while k + 1 + n < len(toks) and toks[k + 1 + n]["kind"] == "part":
        n += 1
    return toks[k + 1:k + 1 + n] if toks[k]["kind"] == "whole" and n >= 2 else []


def reads_as_percent(toks, number):
    """Whether an analysis of "number words..." reads the words as the
    percentage of the number (15 في المائة -> 15%): its first token is the
    number alone, normalized with a % (query.c percent_words)."""
    return bool(toks) and toks[0]["token"] == number and \
        len(toks[0]["normalized"]) > 1 and toks[0]["normalized"].endswith("%")


class QueryModel:
    """The query language of PROTOCOL.md ("SEARCH", the query-language table
    and what follows it) over an IndexModel: parse() turns a query's items
    into clauses as searchd/engine/query.c does, matches() gives the ids of
    the documents they match. cap is --max-prefix-expansions."""

    def __init__(self, index, an, cap):
        self.ix, self.an, self.cap = index, an, cap
        self.capped = 0  # prefix walks cut by the cap (coverage)

    # ---------------------------------------------------------- parsing

    def parse(self, items, typed):
        """The clauses of the query whose items are `items`, typed as the
        strings `typed`; and the number of positive (not excluded) clauses
        before the stop-word drop. An item is read as follows:
        - "a phrase": phrase_clauses;
        - a plain item joins the next one or two when they are one word
          written apart (join_written_apart), then word_clauses.
        Last, stop words are dropped from the ranked (should) terms unless
        nothing else positive is left (PROTOCOL.md: "Stop words (في، من،
        على، أن …) are dropped from the ranked, OR-ed words unless nothing
        else is left; inside a phrase, or written +word or -word, they are
        kept")."""
        out = []
        self.joins = 0
        i = 0
        while i < len(items):
            it = items[i]
            fields = (it.field,) if it.field else FIELDS
            if it.kind == "phrase":
                self.phrase_clauses(it.occ, fields, it.text, out)
                i += 1
                continue
            joined = self.join_written_apart(items, typed, i)
            if joined:
                text, used = joined
                self.joins += 1
                prefix = text.endswith("*")
                text = text.rstrip("*")
            else:
                text, used, prefix = it.text, 1, it.kind == "prefix"
            self.word_clauses(it.occ, fields, text, prefix, out)
            i += used
        positive = sum(c.occ != "not" for c in out)
        ranked_stops = sum(c.kind == "term" and c.occ == "should" and c.stop for c in out)
        if 0 < ranked_stops < positive:
            out = [c for c in out if not (c.kind == "term" and c.occ == "should" and c.stop)]
        return out, positive

    def next_joinable(self, items, typed, j, occ):
        """The text of item j if it can be the second half of a word written
        apart after an item of occurrence occ: it opens with an Arabic letter
        or %, after the same operator repeated (+عبد +الله); up to a quote.
        Else None (query.c next_joinable, pair_opener)."""
        if j >= len(items):
            return None
        t = typed[j]
        if occ != "should" and t.startswith(OPERATOR[occ]):
            t = t[1:]
        if not t or not (t[0] == "%" or is_arabic(t[0])):
            return None
        return t.split('"')[0]

    def join_written_apart(self, items, typed, i):
        """Words written apart (PROTOCOL.md, SEARCH: "Since analyzer 1.19 a
        percentage is the same word however it is written, ... and so is a
        compound name written joined or apart ... in a query either spelling,
        even typed as two words, finds both"; query.c joined_item_end).
        A plain item (not a prefix) takes in the next item when the analyzer
        reads the two, one space apart, as one token (عبد الله, 4 %); the
        next may be a prefix being typed (عبد ال*: tried with a letter after
        it), and the joined word is then a prefix. A bare number takes in
        the words of a percentage after it, one item (15 بالمائة) or two (15
        في المائة), as the word 15%. The joined word keeps the first item's
        operator and field. Returns (text, items used) or None."""
        it = items[i]
        if it.kind != "term":
            return None
        second = self.next_joinable(items, typed, i + 1, it.occ)
        if second is None:
            return None
        prefix = second.endswith("*")
        second = second.rstrip("*")
        if not second:
            return None
        pair = it.text + " " + second
        toks = self.an.tokens(pair + ("ب" if prefix else ""))
        if any(" " in t["token"] for t in toks):  # a token across the space
            return it.text + second + ("*" if prefix else ""), 2
        if prefix or not it.text.isdigit() or not toks or toks[0]["token"] != it.text:
            return None
        if reads_as_percent(toks, it.text):
            return it.text + "%", 2
        third = self.next_joinable(items, typed, i + 2, it.occ)
        if third is None or third.endswith("*"):
            return None
        if reads_as_percent(self.an.tokens(pair + " " + third), it.text):
            return it.text + "%", 3
        return None

    def word_clauses(self, occ, fields, text, prefix, out):
        """A plain item (query.c parse_words): each word the analyzer finds
        in it is a clause of the item's occurrence and fields (PROTOCOL.md
        query table):
        - a word: its stem (a word with no stem is nothing);
        - a mixed word (DeepSeek-R1, R1: two or more parts): its whole form
          OR its parts in a row ("A word of two or more parts ... matches
          its whole form or its parts in a row");
        - with a * after the item, its last word is a prefix (`pre*` row;
          expansions), or, for a mixed word, its last part is ("A `*` after
          a mixed word is on its last part"); a * not right after a word
          ("ال-*") makes no prefix (query.c: "A prefix must end where the
          item ends");
        - a +item or -item the analyzer splits into several words constrains
          its content words only: its stop words are dropped unless all are
          ("+والـiPhone → والـ (a stop word), iphone, requires its content
          words only; a stop word alone, +في, is required as asked")."""
        toks = self.an.tokens(text)
        words = [k for k, t in enumerate(toks) if t["kind"] != "part"]
        if not words:
            return
        last = words[-1]
        if prefix and not text.endswith(toks[last]["token"]):
            prefix = False
        stops = sum(toks[k]["stop"] for k in words)
        drop_stops = occ != "should" and len(words) > 1 and stops < len(words)
        for k in words:
            t = toks[k]
            at_star = prefix and k == last
            if drop_stops and t["stop"] and not at_star:
                continue
            parts = mixed_parts(toks, k)
            if parts:
                if t["stem"]:
                    out.append(self.mixed_clause(occ, fields, t, parts, at_star))
            elif at_star:
                term = t["stem"] or t["normalized"]
                out.append(Clause("prefix", occ, fields, term=term,
                                  stems=self.expansions(term, t["normalized"])))
            elif t["stem"]:
                out.append(Clause("term", occ, fields, term=t["stem"], stop=t["stop"]))

    def mixed_clause(self, occ, fields, whole, parts, last_prefix):
        """A mixed word: its whole stem, or its parts at their relative
        positions; a part with no stem is never indexed and matches any
        word there. With last_prefix (R1*) the last part is a prefix whose
        expansions always include the part itself (PROTOCOL.md: "the part
        itself always among the expansions")."""
        p0 = parts[0]["position"]
        elements = []
        for n, p in enumerate(parts):
            rel = p["position"] - p0
            if last_prefix and n == len(parts) - 1:
                term = p["stem"] or p["normalized"]
                elements.append((self.expansions(term, p["normalized"], keep_term=True), rel))
            elif p["stem"]:
                elements.append(({p["stem"]}, rel))
        return Clause("mixed", occ, fields, term=whole["stem"], elements=elements,
                      last_prefix=last_prefix)

    def phrase_clauses(self, occ, fields, text, out):
        """A quoted item (PROTOCOL.md: `"exact phrase"`: "the words at
        consecutive positions in one field"; query.c parse_phrase): each
        word (a mixed word by its whole form: "inside a "phrase" of two or
        more words a mixed word is its whole form") at its position relative
        to the first; a word without a stem matches any word. A phrase of
        one word is that word, kept even if a stop word; a mixed word quoted
        alone ("R1") is the mixed word. A phrase with no word is nothing."""
        toks = self.an.tokens(text)
        words = [k for k, t in enumerate(toks) if t["kind"] != "part"]
        if not words:
            return
        if len(words) == 1:
            k = words[0]
            parts = mixed_parts(toks, k)
            if parts:
                out.append(self.mixed_clause(occ, fields, toks[k], parts, False))
            else:
                out.append(Clause("term", occ, fields, term=toks[k]["stem"]))
            return
        p0 = toks[words[0]]["position"]
        out.append(Clause("phrase", occ, fields, elements=[
            ({toks[k]["stem"]}, toks[k]["position"] - p0) for k in words if toks[k]["stem"]]))

    def expansions(self, term, norm, keep_term=False):
        """The dictionary terms a prefix matches (PROTOCOL.md, the `pre*`
        row; query.c prefix_readings, exec.c walk_prefix and exp_exact):
        - the terms that begin with the stem typed, stop words aside;
        - after an article the analyzer kept (الش*, والم*), the letters after
          it are walked too, into the same set; when they also begin the
          stem (الا*: ا*) theirs is the one walk. An article typed alone
          (ال*) is walked as letters only;
        - else, a stem of under four letters with ؤ or ئ is also walked
          with that letter written ء;
        - of all those, the cap first by document frequency (descending),
          then length in bytes, then bytes;
        - then exact terms, when the index holds them, join the set, each
          taking the place of the last one over the cap: a mixed word's last
          part itself (keep_term), then the completion: when the stem ends
          the typed word (norm) and its last letter begins a suffix (ا ات, و
          ون, ك كم, ن نا), the stem of the word so completed, if shorter than
          the stem and not a stop word (القوا* finds القوات, stem قو)."""
        alt = None
        al = next((len(a) for a in ARTICLES if term.startswith(a)), 0)
        if al and len(term) > al and term[al:] == term[:len(term) - al]:
            term = term[al:]
        elif al and len(term) > al:
            alt = term[al:]
        elif len(term) < 4 and ("ؤ" in term or "ئ" in term):
            alt = term.replace("ؤ", "ء").replace("ئ", "ء")
        completion = None
        if len(term.encode()) >= 2 and norm.endswith(term) and term[-1] in SUFFIX_AFTER:
            stem = self.an.stem(norm[:-1] + SUFFIX_AFTER[term[-1]])
            if stem and len(stem.encode()) < len(term.encode()):
                toks = self.an.tokens(stem)
                if not (toks and toks[0]["normalized"] == stem and toks[0]["stop"]):
                    completion = stem
        walked = [t for t in self.ix.df if t.startswith(term) or (alt and t.startswith(alt))]
        unknown = [t for t in walked if t not in self.ix.stop]
        if unknown:
            raise AssertionError("the oracle cannot tell whether the dictionary terms %s "
                                 "(under the prefix %s) are stop words" % (unknown, term))
        walked = sorted((t for t in walked if not self.ix.stop[t]),
                        key=lambda t: (-self.ix.df[t], len(t.encode()), t.encode()))
        if len(walked) > self.cap:
            self.capped += 1
        best, kept = walked[:self.cap], []  # best[-1]: the first to give way
        for ex in ([term] if keep_term else []) + [completion]:
            if ex is None or ex not in self.ix.df or ex in kept:
                continue
            if ex in best:
                best.remove(ex)
            elif len(best) + len(kept) >= self.cap:
                if not best:
                    continue
                best.pop()
            kept.append(ex)
        return set(best) | set(kept)

    # ---------------------------------------------------------- matching

    def phrase_at(self, elements, doc, field):
        """Whether the elements occur in a row in that field of doc: each at
        its relative position from a start that is a position >= 0."""
        if not elements:
            return False
        stems0, rel0 = elements[0]
        for s in stems0:
            for p in self.ix.at(doc, field, s):
                base = p - rel0
                if base >= 0 and all(any(base + rel in self.ix.at(doc, field, s2) for s2 in ss)
                                     for ss, rel in elements):
                    return True
        return False

    def clause_docs(self, c):
        """The documents clause c matches in any of its fields (a phrase, or
        a mixed word's parts, within one field)."""
        out = set()
        for f in c.fields:
            if c.kind in ("term", "mixed"):
                out.update(self.ix.docs_with(f, c.term))
            if c.kind == "prefix":
                for s in c.stems:
                    out.update(self.ix.docs_with(f, s))
            if c.kind in ("phrase", "mixed") and c.elements:
                cand = set.intersection(*(set().union(*(self.ix.docs_with(f, s) for s in ss))
                                          for ss, _ in c.elements))
                out.update(d for d in cand if self.phrase_at(c.elements, d, f))
        return out

    def matches(self, clauses):
        """The ids of the matching documents (PROTOCOL.md query table):
        those matching every +required clause, or, without one, any ranked
        clause; less those matching any -excluded clause."""
        must = [self.clause_docs(c) for c in clauses if c.occ == "must"]
        if must:
            hits = set.intersection(*must)
        else:
            hits = set().union(*(self.clause_docs(c) for c in clauses if c.occ == "should"))
        for c in clauses:
            if c.occ == "not":
                hits -= self.clause_docs(c)
        return {self.ix.ids[d] for d in hits}

# --------------------------------------------------------------- the checks

def few(ids, n=6):
    ids = sorted(ids)
    return (" ".join(ids[:n]) + (" (+%d more)" % (len(ids) - n) if len(ids) > n else "")) or "-"


def ids_diff(want, got):
    return "expected %d ids, got %d; missing: %s; unexpected: %s" % (
        len(want), len(got), few(want - set(got)), few(set(got) - want))


class QueryOracleTest(unittest.TestCase):
    """One test per entry of RUNS: its own corpus, index and daemon."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.root = cls.tmp.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.__exit__(None, None, None)

    def test_seed1(self):
        self.run_seed("seed1")

    def test_seed2(self):
        self.run_seed("seed2")

    def test_seed3_cap6(self):
        self.run_seed("seed3_cap6")

    # ---------------------------------------------------------- one run

    def run_seed(self, name):
        seed, ndocs, nqueries, cap = RUNS[name]
        self.assertLess(ndocs, 1000, "every match must fit in one limit=1000 reply")
        rng = random.Random(seed)
        docs = make_corpus(rng, ndocs)
        self.docs = {d["id"]: d for d in docs}
        self.where = "seed %d (%d documents, --max-prefix-expansions %d)" % (seed, ndocs, cap)
        index = os.path.join(self.root, name)
        build_docs(index, docs, os.path.join(self.root, "in"))
        with Daemon(index, "--max-prefix-expansions", str(cap), "--query-budget-ms", "0",
                    workdir=self.root, log_level="warn") as d, d.client() as c:
            self.c = c
            an = Analyzer(c)
            ix = IndexModel(docs, an)
            wrong_df = {t: (ix.df[t], n) for t, n in ix.df_seen.items() if n != ix.df[t]}
            self.assertEqual(wrong_df, {}, "%s: document frequencies (the oracle's, KEYWORDS')"
                             % self.where)
            self.model = QueryModel(ix, an, cap)
            cover = Counter()
            failures = []
            for qn in range(nqueries):
                items = random_query(rng, docs)
                typed = [render(it, rng) for it in items]
                problem = self.check_query(items, typed, cover)
                if problem is None and self.full and rng.random() < PAGE_SHARE:
                    problem = self.check_pages(" ".join(typed), rng, cover)
                if problem is None and self.full and rng.random() < FIELDS_SHARE:
                    problem = self.check_fields(" ".join(typed), cover)
                if problem is not None:
                    failures.append((qn, items, typed, problem))
            cover["capped prefixes"] = self.model.capped
            # the repros, while the daemon answers (they shrink the queries)
            report = "\n\n".join(self.describe(*f) for f in failures[:SHOW_FAILURES])
            c.close()
            self.assertEqual(d.stop(), 0, "searchd exit status")
        sys.stderr.write("%s: %d queries; %s\n" % (self.where, nqueries, ", ".join(
            "%s %d" % kv for kv in sorted(cover.items()))))
        if failures:
            self.fail("%d of %d queries disagree with the oracle, %s\n\n%s" % (
                len(failures), nqueries, self.where, report))
        self.assert_coverage(cover, nqueries, cap)

    def assert_coverage(self, cover, nqueries, cap):
        """The run exercised what it claims: a test of nothing cannot fail."""
        for kind in ("term", "prefix", "phrase", "mixed"):
            for occ in ("should", "must", "not"):
                self.assertGreaterEqual(cover["%s %s" % (occ, kind)], 10, (kind, occ, cover))
        for what, least in (("field-restricted clauses", 100), ("joined items", 20),
                            ("syntax_error", 10), ("no match", 50), ("paged", 50),
                            ("fields=", 10), ("last part prefix", 5)):
            self.assertGreaterEqual(cover[what], least, (what, cover))
        self.assertGreaterEqual(cover["matches"], nqueries // 2, cover)
        if cap < 10:
            self.assertGreaterEqual(cover["capped prefixes"], 20, cover)

    # ---------------------------------------------------------- checks

    def check_query(self, items, typed, cover=None):
        """Compare SEARCH limit=1000 with the oracle; return a problem (a
        string) or None. `total` is exact unless total_is_estimate, then
        never below the hits (PROTOCOL.md, SEARCH reply, `total`)."""
        self.full = None  # the reply, when it has hits to page through
        clauses, positive = self.model.parse(items, typed)
        r = self.c.request(search_line(" ".join(typed)))
        if cover is not None:
            for c in clauses:
                cover["%s %s" % (c.occ, c.kind)] += 1
                cover["field-restricted clauses"] += len(c.fields) == 1
                cover["last part prefix"] += c.last_prefix
            cover["joined items"] += self.model.joins
        if positive == 0:
            # "A query of -words only is a syntax_error"; so is one with no word
            if error_code(r) != "syntax_error":
                return "expected a syntax_error (no positive word), got %s" % (
                    json.dumps(r, ensure_ascii=False)[:300])
            if cover is not None:
                cover["syntax_error"] += 1
            return None
        if error_code(r) is not None:
            return "expected hits, got the error %s" % json.dumps(r["error"], ensure_ascii=False)
        want = self.model.matches(clauses)
        got = [h["id"] for h in r["hits"]]
        if cover is not None:
            cover["matches" if want else "no match"] += 1
        if len(set(got)) != len(got):
            return "a hit twice: %s" % few(k for k, n in Counter(got).items() if n > 1)
        if set(got) != want:
            return ids_diff(want, got)
        if cover is not None:
            cover["estimated totals"] += bool(r.get("total_is_estimate"))
        if r.get("total_is_estimate") and r["total"] < len(got):
            return "estimated total %d below the %d hits" % (r["total"], len(got))
        if not r.get("total_is_estimate") and r["total"] != len(want):
            return "total %d, expected %d" % (r["total"], len(want))
        scores = [h["score"] for h in r["hits"]]
        for k in range(len(scores) - 1):
            if scores[k] < scores[k + 1]:
                return "hits not best first: %s %g before %s %g" % (
                    got[k], scores[k], got[k + 1], scores[k + 1])
        self.full = r
        return None

    def check_pages(self, query, rng, cover):
        """Pages of one query neither repeat nor skip a hit (PROTOCOL.md,
        SEARCH, "Ranking": "the pages of one query never repeat or skip a
        hit"): the whole list walked in pages of mixed sizes, and a few pages
        anywhere, each equal to its slice of the limit=1000 list (the last
        reply of check_query), with the same total."""
        full = [h["id"] for h in self.full["hits"]]
        if len(full) < 2:
            return None
        cover["paged"] += 1
        pages, off = [], 0
        while off <= len(full):
            lim = rng.choice([1, 2, 3, 5, 7, 10])
            pages.append((off, lim))
            off += lim
        pages += [(rng.randint(0, len(full)), rng.choice([1, 4, 9, 25])) for _ in range(3)]
        cover["pages"] += len(pages)
        replies = pipeline(self.c, [search_line(query, limit=lim, offset=off)
                                    for off, lim in pages])
        for (off, lim), r in zip(pages, replies):
            if error_code(r) is not None:
                return "offset=%d limit=%d: error %s" % (off, lim, r["error"])
            got = [h["id"] for h in r["hits"]]
            cover["estimated totals"] += bool(r.get("total_is_estimate"))
            if got != full[off:off + lim]:
                return "offset=%d limit=%d gave %s; the full list has %s there" % (
                    off, lim, " ".join(got) or "-", " ".join(full[off:off + lim]) or "-")
            if not r.get("total_is_estimate") and not self.full.get("total_is_estimate") \
                    and r["total"] != self.full["total"]:
                return "offset=%d limit=%d: total %d, %d with limit=1000" % (
                    off, lim, r["total"], self.full["total"])
        return None

    def check_fields(self, query, cover):
        """fields= copies each stored field asked for, as stored, into its
        hit, leaves out one the document lacks, and never repeats the hit's
        own keys id and title (PROTOCOL.md, SEARCH options, `fields`)."""
        cover["fields="] += 1
        r = self.c.request(search_line(query, limit=50, fields="date,n,tags,id,title,missing"))
        if error_code(r) is not None:
            return "fields=: error %s" % r["error"]
        for h in r["hits"]:
            doc = self.docs[h["id"]]
            keys = {"id", "score"} | ({"title"} & set(doc)) | ({"date", "n", "tags"} & set(doc))
            if set(h) != keys:
                return "fields=: %s has the keys %s, expected %s" % (
                    h["id"], sorted(h), sorted(keys))
            for k in ("date", "n", "tags"):
                if k in doc and h[k] != doc[k]:
                    return "fields=: %s of %s is %r, stored %r" % (k, h["id"], h[k], doc[k])
        return None

    # ---------------------------------------------------------- reports

    def shrink(self, items, typed):
        """Drop items one at a time while the query still disagrees with
        the oracle (in any way): a smaller repro of the same failure."""
        done = False
        while not done and len(items) > 1:
            done = True
            for k in range(len(items)):
                i2, t2 = items[:k] + items[k + 1:], typed[:k] + typed[k + 1:]
                if self.check_query(i2, t2) is not None:
                    items, typed, done = i2, t2, False
                    break
        return items, typed

    def describe(self, qn, items, typed, problem):
        """A failure as a readable repro: the seed, the query as sent, what
        differs, the same for the shrunk query with the oracle's clauses, and
        the first disputed documents."""
        lines = ["query %d of %s:" % (qn, self.where),
                 "  " + search_line(" ".join(typed)), "  -> " + problem]
        if not problem.startswith(("offset=", "fields=")):
            small, styped = self.shrink(items, typed)
            sproblem = self.check_query(small, styped)
            if len(small) < len(items):
                lines += ["shrunk to:", "  " + search_line(" ".join(styped)), "  -> " + sproblem]
            clauses, _ = self.model.parse(small, styped)
            lines.append("the oracle's clauses:")
            lines += ["  " + str(c) for c in clauses] or ["  (none)"]
            r = self.c.request(search_line(" ".join(styped)))
            want = self.model.matches(clauses) if clauses else set()
            got = {h["id"] for h in r.get("hits", [])}
            for i in sorted(want ^ got)[:2]:
                doc = self.docs[i]
                lines.append("  %s (%s): title %r, text %r" % (
                    i, "missing" if i in want else "unexpected",
                    doc.get("title", "")[:100], doc.get("text", "")[:160]))
        return "\n".join(lines)


if __name__ == "__main__":
    fhtest.main()
