#!/usr/bin/python3
"""gen_protected.py — the words of fh_protected_ar (common/analyze/stopwords.c)
whose ان, ين or ون ending is their own (analyzer 1.21; docs/ANALYSIS.md §4,
rule 5).

light10 strips ان (the dual), ين and ون (the dual's and the sound plural's
other case, the verb's plural) from every word that keeps two letters, so
بيان was بي, قانون قان, سلمان سلم, while their plurals kept the ending
(بيانات -> بيان). This script picks, from word counts, the words where that
reading is wrong: a word W = X + ending whose dual or plural reading would
come with other forms that the corpus does not have.

Counting: every run of Arabic letters of the corpus's `text` field,
normalized as the analyzer does for this purpose (marks and tatweel dropped,
أ إ آ ٱ -> ا, ى -> ي, ة -> ه), an article (وال بال كال فال لل ال) taken off
when three letters stay. A word W of four letters or more is a candidate
when it is seen at least MIN times (100 in news, 800 in books: the book
corpus is eight times larger) and
  - W = X + ان:  X + ين is seen at most 5 % as often (a dual has both cases:
                 طرفان, طرفين);
  - W = X + ين:  X, X + ون, X + ان and X + ي together at most 5 % (مرشحين
                 has مرشح, ساعين has ساعي);
  - W = X + ون:  X, X + ين and X + ي together at most 5 % (يعملون has يعمل,
                 ينتمون has ينتمي);
  - and for ان and ين after a ت, X without its ت + ه (ة) is counted too
    (ساعتين is the dual of ساعة).
A word that begins with و ب ل ف or ك and whose rest is a candidate (of
either corpus), a word of the list before 1.21, or seen at least five times
as often, is that word with a proclitic (وتحسين, لضمان, بلسان, وتأمين),
which the analyzer takes off (analyzer 1.22: also when the whole word would
land on another known word), so it is not a candidate; nor is a word that
starts with ال, which the analyzer reads as an article + word (ألوان,
ألمان). Then the script drops the words the analyzer's stop list has
(fahras-indexer analyze marks them), the words of the list before 1.21,
and, decided by reading the candidates once (EXCLUDED below), verb forms
(سيكون, يتكون, تبين) and words of no use as terms (بشأن, ما بين, عشان).

(1.26) The rule cannot see a word whose X is another common word, since X
is counted as the singular: تأمين (تام, complete), كربون (كرب), زيتون
(زيت), فرعون (فرع), مسكين (مسك). INCLUDED holds those, read once (not
by this script) from the words light10 cut to a three-letter stem, seen at
least 60 times in news or 120 times in the first 100,000 book passages:
names and nouns, not duals, plurals (مصلين, آمنين), broken plurals
(أعوان, أطنان) or verbs; (1.27) بروتين, which روتين would otherwise
strip of its ب; and (1.28) the month شعبان and the name نسرين, which the
reading had let by as the dual of شعب, نسر. They are printed after the rule's words, marked "read",
with their counts over both corpora. A two-letter X
needs no entry: since 1.26 light10 leaves three letters after these
endings (حسين, ديون, مكون). The tens (1.29: عشرين … تسعين, whose X is the
unit) are listed by hand in stopwords.c, not printed here.

Output: the words, news first then the books' own, each with its count,
one per line; the list in stopwords.c holds the same words in natural
spelling (hamza written), which the analyzer normalizes.

Usage: gen_protected.py [--shared DIR] [--indexer PATH]
  DIR: the shared data (default ../shared/data beside the repository);
  PATH: a built fahras-indexer (default build/release/indexer/fahras-indexer).
Reading the book corpus (900 MB) takes a few minutes.
"""
import argparse
import collections
import json
import lzma
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))))
CORPORA = [("news/saudinewsnet-docs.jsonl.xz", 100), ("books/hindawi-passages.jsonl.xz", 800)]
SHARE = 0.05
ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")
# The words of fh_protected_ar before 1.21, normalized.
OLDER = set("""لبنان ايران اليابان يابان السودان سودان عمان البحرين بحرين فلسطين الصين صين
باكستان افغانستان اذربيجان كازاخستان اوزبكستان طاجيكستان تركمانستان قيرغيزستان كردستان
هندوستان داغستان الفلبين فلبين ارجنتين الارجنتين طهران يريفان ميلان اليونان يونان اسوان
تطوان وهران تلمسان جازان نجران حلوان""".split())
# A word that begins with one of these and whose rest is a candidate, a word of the older
# list, or a word seen at least five times as often, is that word with a proclitic
# (وتحسين, لضمان, بلسان, وتأمين), which the analyzer takes off.
PROCLITICS = "وبلفك"
# (1.26) Read once and added: the rule's near misses whose X is another word.
INCLUDED = """تامين كربون مخزون ايفون ياسين تحصين براون برقان زيتون تموين عيبان تعدين تمرين
رغدان هرمون لوران تقنين حسبان عليان جيزان تلوين قلمون روتين ميسان تدوين جبران جبرين سرحان بركان
عجلان خلدون كرتون مامون طولون بارون مسكين فرعون مجنون بستان هارون ريحان حوران دارون سعدون ماسون
مرجان زيدان سكران حمدون قحطان غفران كلدان دهقان تلحين فرمان سمعان ايوان شيرين خلكان سحبان
شيبان بروتين شعبان نسرين""".split()
# Read once and left out: verb forms, no use as a term.
EXCLUDED = set("""سيكون وسيكون ستكون وستكون لتكون ليكون يتكون تتكون ويتكون اكون نكون اكان
يتعين تبين وتبين يتبين بشان مابين عشان""".split())

MARKS = re.compile("[\u064B-\u065F\u0670\u0640]")
WORD = re.compile("[\u0621-\u064A\u0671\u064B-\u065F\u0670\u0640]+")


def norm(w):
    w = MARKS.sub("", w)
    w = re.sub("[\u0623\u0625\u0622\u0671]", "\u0627", w)
    return w.replace("\u0649", "\u064A").replace("\u0629", "\u0647")


def unarticled(w):
    for a in ARTICLES:
        if w.startswith(a) and len(w) - len(a) >= 3:
            return w[len(a):]
    return w


def count(path):
    c = collections.Counter()
    with lzma.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            text = json.loads(line).get("text") or ""
            for w in WORD.findall(text):
                c[unarticled(norm(w))] += 1
    return c


def candidates(c, least):
    n = c.get
    out = []
    for w, k in c.items():
        if k < least or len(w) < 4 or w.startswith("ال"):
            continue
        x, end = w[:-2], w[-2:]
        if end == "ان":
            other = n(x + "ين", 0)
        elif end == "ين":
            other = n(x, 0) + n(x + "ون", 0) + n(x + "ان", 0) + n(x + "ي", 0)
        elif end == "ون":
            other = n(x, 0) + n(x + "ين", 0) + n(x + "ي", 0)
        else:
            continue
        if end != "ون" and x.endswith("ت"):
            other += n(x[:-1] + "ه", 0)
        if w[0] in PROCLITICS and n(w[1:], 0) >= 5 * k:
            continue
        if other <= SHARE * k:
            out.append((k, w))
    out.sort(key=lambda t: (-t[0], t[1]))
    return out


def stop_words(indexer, words):
    """The words fahras-indexer analyze flags as stop words."""
    stop = set()
    for i in range(0, len(words), 400):
        r = subprocess.run([indexer, "analyze", " ".join(words[i:i + 400])],
                           capture_output=True, text=True, check=True)
        for line in r.stdout.splitlines():
            f = line.split("\t")
            if len(f) >= 7 and "stop" in f[6].split(","):
                stop.add(f[3])
    return stop


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=os.environ.get(
        "FAHRAS_SHARED_DATA", os.path.join(os.path.dirname(ROOT), "shared", "data")))
    ap.add_argument("--indexer", default=os.path.join(ROOT, "build", "release", "indexer",
                                                      "fahras-indexer"))
    a = ap.parse_args()
    rows, counts = [], collections.Counter()
    for rel, least in CORPORA:
        path = os.path.join(a.shared, rel)
        if not os.path.exists(path):
            print("gen_protected: %s not found" % path, file=sys.stderr)
            return 2
        print("gen_protected: counting %s" % path, file=sys.stderr)
        c = count(path)
        counts.update(c)
        rows.append(candidates(c, least))
    every = {w for part in rows for _, w in part} | OLDER
    seen, out = set(), []
    for part in rows:
        for k, w in part:
            if w not in seen and not (w[0] in PROCLITICS and w[1:] in every):
                seen.add(w)
                out.append((w, k))
    words = [w for w, _ in out if w not in OLDER and w not in EXCLUDED]
    stop = stop_words(a.indexer, words)
    for w, k in out:
        if w in words and w not in stop:
            print("%s\t%d" % (w, k))
    for w in INCLUDED:
        if w not in seen:
            print("%s\t%d\tread" % (w, counts[w]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
