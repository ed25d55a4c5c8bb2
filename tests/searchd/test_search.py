"""SEARCH, GET and KEYWORDS through the real daemon: ranking order on crafted
documents, highlight of clitic-carrying words, phrase, exclusion, required,
field and prefix queries, and the SEARCH options (limit, offset, snippets,
markers, fields)."""

import json
import os
import re
import subprocess
import unittest

import fhtest
from fhtest import (Daemon, TempDir, build_docs, build_index, error_code, hit_ids,
                    stop_class)

# Crafted collection: each group isolates one feature of the query language.
DOCS = [
    # ranking: tf and length normalization (same field, same term)
    {"id": "rank-3", "title": "تقرير زراعي",
     "text": "الزيتون والزيتون وزيتون الجبل في الحقول"},
    {"id": "rank-1", "title": "تقرير موسمي",
     "text": "بدأ موسم الحصاد في السهول الواسعة وجمع المزارعون المحاصيل من الحقول "
             "البعيدة ثم نقلوها إلى الأسواق المحلية حيث بيع الزيتون بأسعار مرتفعة "
             "هذا العام بعد موسم ممطر طويل أسعد القرى كلها"},
    {"id": "rank-0", "title": "تقرير عن القمح", "text": "القمح والشعير في الحقول"},
    # title weighs more than body
    {"id": "title-hit", "title": "البرتقال", "text": "ثمار الموسم في المزارع الساحلية"},
    {"id": "body-hit", "title": "ثمار الموسم", "text": "البرتقال في المزارع الساحلية"},
    # phrase
    {"id": "phrase-yes", "title": "تقنية",
     "text": "تطور الذكاء الاصطناعي بسرعة كبيرة هذا العام"},
    {"id": "phrase-no", "title": "تقنية",
     "text": "الاصطناعي من المواد وليس الذكاء وحده ما يهم"},
    # exclusion / required
    {"id": "ex-1", "title": "طاقة", "text": "إنتاج النفط الخام في الحقول البحرية"},
    {"id": "ex-2", "title": "طاقة", "text": "أسعار النفط ترتفع في الأسواق"},
    # field
    {"id": "field-title", "title": "الكمبيوتر المحمول", "text": "جهاز جديد للطلاب"},
    {"id": "field-text", "title": "جهاز جديد", "text": "الكمبيوتر المحمول للطلاب"},
    # prefix (Latin words: stems are the words themselves)
    {"id": "px-1", "title": "Kubernetes", "text": "Kubernetes cluster upgrade"},
    {"id": "px-2", "title": "Kubeflow", "text": "Kubeflow pipelines release"},
    {"id": "px-3", "title": "Docker", "text": "Docker images and registries"},
    # clitics and highlight
    {"id": "hl-1", "title": "الشركات الناشئة",
     "text": "قال المستثمرون والشركات الكبرى إن للشركات دورا في الاقتصاد",
     "date": "2026-02-01", "source": "Test Wire"},
    # line and paragraph separators, a C1 control, written raw in the input
    {"id": "sep\u2028id", "title": "فاصل\u2028السطور",
     "text": "نص\u0085الفواصل\u2029نهاية", "note": ["a\u2028b", {"k\u2029": 1}]},
]


class SearchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        root = cls.tmp.__enter__()
        cls.crafted = os.path.join(root, "crafted")
        cls.sample = os.path.join(root, "sample")
        build_docs(cls.crafted, DOCS, os.path.join(root, "in"))
        build_index(cls.sample, fhtest.SAMPLE)
        cls.d = Daemon(cls.crafted, workdir=root)
        cls.d.__enter__()
        cls.ds = Daemon(cls.sample, workdir=root)
        cls.ds.__enter__()
        cls.c = cls.d.client()
        cls.cs = cls.ds.client()

    @classmethod
    def tearDownClass(cls):
        stop_class(cls.tmp, (cls.d, cls.ds), (cls.c, cls.cs))

    def search(self, line, client=None):
        r = (client or self.c).request(line)
        self.assertIsNone(error_code(r), "%s -> %r" % (line, r))
        self.assertIn("total", r)
        self.assertIn("took_us", r)
        self.assertIsInstance(r["hits"], list)
        return r

    # ---------------------------------------------------------- ranking

    def test_ranking_order_tf_and_length(self):
        r = self.search("SEARCH snippets=0 زيتون")
        self.assertEqual(hit_ids(r), ["rank-3", "rank-1"])
        self.assertEqual(r["total"], 2)
        s = [h["score"] for h in r["hits"]]
        self.assertGreater(s[0], s[1])

    def test_title_above_body(self):
        r = self.search("SEARCH snippets=0 البرتقال")
        self.assertEqual(hit_ids(r), ["title-hit", "body-hit"])

    # ---------------------------------------------------------- highlight

    def test_highlight_whole_clitic_word(self):
        r = self.search("SEARCH الشركات")
        self.assertEqual(hit_ids(r), ["hl-1"])
        snip = r["hits"][0]["snippet"]
        self.assertIn("<b>والشركات</b>", snip)
        self.assertIn("<b>للشركات</b>", snip)
        self.assertNotIn("<b>ال</b>", snip)
        self.assertNotIn("و<b>", snip)

    def test_highlight_on_sample_corpus(self):
        r = self.search("SEARCH limit=20 snippet_len=400 الشركات", self.cs)
        self.assertGreater(r["total"], 0)
        snippets = " ".join(h.get("snippet", "") for h in r["hits"])
        self.assertIn("<b>والشركات</b>", snippets)

    def test_custom_markers(self):
        r = self.search("SEARCH hl=[[,]] الشركات")
        self.assertIn("[[والشركات]]", r["hits"][0]["snippet"])
        self.assertNotIn("<b>", r["hits"][0]["snippet"])
        r = self.search("SEARCH hl_open=« hl_close=» الشركات")
        self.assertIn("«والشركات»", r["hits"][0]["snippet"])
        # both empty: no marks; one empty beside the other: refused
        r = self.search("SEARCH hl=, الشركات")
        self.assertIn("والشركات", r["hits"][0]["snippet"])
        self.assertNotIn("<b>", r["hits"][0]["snippet"])
        for opt in ("hl_open=", "hl_close=", "hl_open= hl_close=]"):
            r = self.c.request("SEARCH %s الشركات" % opt)
            self.assertEqual(error_code(r), "bad_request", opt)
            self.assertIn("empty", r["error"]["message"])

    # ---------------------------------------------------------- query language

    def test_phrase(self):
        r = self.search('SEARCH snippets=0 "الذكاء الاصطناعي"')
        self.assertEqual(hit_ids(r), ["phrase-yes"])
        r = self.search("SEARCH snippets=0 الذكاء الاصطناعي")
        self.assertEqual(sorted(hit_ids(r)), ["phrase-no", "phrase-yes"])

    def test_exclusion_and_required(self):
        r = self.search("SEARCH snippets=0 النفط -أسعار")
        self.assertEqual(hit_ids(r), ["ex-1"])
        r = self.search("SEARCH snippets=0 +النفط +أسعار")
        self.assertEqual(hit_ids(r), ["ex-2"])

    def test_field(self):
        r = self.search("SEARCH snippets=0 title:الكمبيوتر")
        self.assertEqual(hit_ids(r), ["field-title"])
        r = self.search("SEARCH snippets=0 text:الكمبيوتر")
        self.assertEqual(hit_ids(r), ["field-text"])
        r = self.search("SEARCH snippets=0 الكمبيوتر")
        self.assertEqual(sorted(hit_ids(r)), ["field-text", "field-title"])
        # the operator after the field; a field with no word after it is an error
        r = self.search("SEARCH snippets=0 الكمبيوتر title:-الكمبيوتر")
        self.assertEqual(hit_ids(r), ["field-text"])
        for q in ("+title:", "الكمبيوتر title:", "title: الكمبيوتر"):
            r = self.c.request("SEARCH " + q)
            self.assertEqual(error_code(r), "syntax_error", q)
            self.assertIn("title:word", r["error"]["message"])

    def test_conflicts_are_errors(self):
        # a prefix quoted alone is the prefix; in a phrase, both operators on a
        # word, two fields: a syntax_error that the connection survives
        self.assertEqual(sorted(hit_ids(self.search('SEARCH snippets=0 "kube*"'))),
                         ["px-1", "px-2"])
        for q, says in (('"الذكاء الاصط*"', 'a prefix (word*) inside a "phrase" of 2 words'),
                        ("+-الكمبيوتر", "'+-' asks for a word both required (+) and excluded"),
                        ("-title:+الكمبيوتر", "'-title:+' asks for a word both required"),
                        ("title:text:الكمبيوتر", "'title:text:' gives a word two fields")):
            r = self.c.request("SEARCH " + q)
            self.assertEqual(error_code(r), "syntax_error", q)
            self.assertIn(says, r["error"]["message"], q)
        self.assertEqual(hit_ids(self.search("SEARCH snippets=0 title:الكمبيوتر")),
                         ["field-title"])

    def test_field_word_scores_only_in_its_field(self):
        # field-text has الكمبيوتر in its text only: title:الكمبيوتر earns it
        # nothing, neither BM25F nor the re-rank's lead and proximity bonus
        def score(line):
            return {h["id"]: h["score"] for h in self.search(line)["hits"]}["field-text"]
        self.assertEqual(score("SEARCH snippets=0 title:الكمبيوتر المحمول"),
                         score("SEARCH snippets=0 المحمول"))
        self.assertGreater(score("SEARCH snippets=0 text:الكمبيوتر المحمول"),
                           score("SEARCH snippets=0 المحمول"))

    def test_prefix(self):
        r = self.search("SEARCH snippets=0 kube*")
        self.assertEqual(sorted(hit_ids(r)), ["px-1", "px-2"])
        r = self.search("SEARCH snippets=0 kubernetes")
        self.assertEqual(hit_ids(r), ["px-1"])

    def test_no_match_is_not_an_error(self):
        r = self.search("SEARCH كلمةغيرموجودةابدا")
        self.assertEqual(r["total"], 0)
        self.assertEqual(r["hits"], [])

    # ---------------------------------------------------------- options

    def test_limit_offset(self):
        full = self.search("SEARCH limit=20 snippets=0 الحقول")
        ids = hit_ids(full)
        self.assertGreaterEqual(len(ids), 4)
        self.assertEqual(full["total"], len(ids))
        r = self.search("SEARCH limit=2 snippets=0 الحقول")
        self.assertEqual(hit_ids(r), ids[:2])
        self.assertEqual(r["total"], full["total"])
        r = self.search("SEARCH limit=2 offset=2 snippets=0 الحقول")
        self.assertEqual(hit_ids(r), ids[2:4])
        r = self.search("SEARCH limit=0 الحقول")
        self.assertEqual(r["hits"], [])

    def test_snippets_off_and_fields(self):
        r = self.search("SEARCH snippets=0 الشركات")
        self.assertNotIn("snippet", r["hits"][0])
        r = self.search("SEARCH fields=date,source الشركات")
        h = r["hits"][0]
        self.assertEqual(h.get("date"), "2026-02-01")
        self.assertEqual(h.get("source"), "Test Wire")
        self.assertIn("snippet", h)
        # snippets from the title: the whole short title, highlighted as the title is
        for opts in ("", "fields=date "):
            r = self.search("SEARCH limit=5 snippet_len=400 snippet_field=title %sالشركات" % opts)
            for h in r["hits"]:
                self.assertEqual(h["snippet"], h["title"], h)
            self.assertIn("<b>", r["hits"][0]["snippet"])

    def test_fields_never_repeat_hit_keys(self):
        # asking for the hit's own keys must not put a key twice in one object
        def no_dup(pairs):
            keys = [k for k, _ in pairs]
            self.assertEqual(len(keys), len(set(keys)), keys)
            return dict(pairs)
        self.c.send_raw("SEARCH limit=3 fields=title,id,score,snippet,date الشركات\n".encode())
        r = json.loads(self.c.read_line().decode("utf-8"), object_pairs_hook=no_dup)
        self.assertTrue(r["hits"])
        for h in r["hits"]:
            self.assertIn("<b>", h["title"] + h["snippet"])  # still the highlighted versions
            self.assertEqual(h.get("date"), "2026-02-01")

    def test_snippet_len(self):
        r = self.search("SEARCH limit=5 snippet_len=40 الاقتصاد", self.cs)
        self.assertTrue(r["hits"], r)
        for h in r["hits"]:
            text = h["snippet"].replace("<b>", "").replace("</b>", "")
            self.assertLessEqual(len(text), 40 + 10, text)

    # ---------------------------------------------------------- GET, KEYWORDS

    def test_get(self):
        r = self.c.request("GET hl-1")
        self.assertIsNone(error_code(r), r)
        self.assertEqual(r["id"], "hl-1")
        self.assertEqual(r["doc"]["source"], "Test Wire")
        self.assertEqual(error_code(self.c.request("GET no-such-doc")), "not_found")

    def test_line_separators_escaped(self):
        # raw in the stored document; escaped in every reply (one line to any
        # reader), with the same values
        seps = (b"\xe2\x80\xa8", b"\xe2\x80\xa9", b"\xc2\x85")
        for line in ("SEARCH fields=note الفواصل", "GET sep\u2028id"):
            self.c.send(line)
            raw = self.c.read_line()
            for sep in seps:
                self.assertNotIn(sep, raw, line)
            r = json.loads(raw.decode("utf-8"))
            self.assertEqual(len(raw.decode("utf-8").splitlines()), 1)
            if line.startswith("GET"):
                self.assertEqual(r["id"], "sep\u2028id")
                doc = r["doc"]
            else:
                self.assertEqual(hit_ids(r), ["sep\u2028id"])
                doc = r["hits"][0]
                self.assertEqual(doc["title"], "فاصل\u2028السطور")
                self.assertIn("\u0085<b>الفواصل</b>\u2029", doc["snippet"])
            self.assertEqual(doc["note"], ["a\u2028b", {"k\u2029": 1}])
        self.assertIn(b"\\u2028", raw)

    def test_readme_example(self):
        # README.md's example reply is what the daemon answers on the sample
        # corpus (took_us aside): the first thing a user compares against
        readme = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")
        with open(readme, encoding="utf-8") as f:
            text = f.read()
        m = re.search(r"printf '(SEARCH [^'\\]*)\\n' \| nc[^\n]*\n\s*(\{.*\})\n", text)
        self.assertIsNotNone(m, "README.md has no SEARCH example with its reply")
        want = json.loads(m.group(2))
        got = self.search(m.group(1), self.cs)
        want.pop("took_us")
        got.pop("took_us")
        self.assertEqual(got, want)

    def test_keywords(self):
        r = self.c.request("KEYWORDS والشركات")
        self.assertIsNone(error_code(r), r)
        toks = r["tokens"]
        self.assertEqual(len(toks), 1)
        t = toks[0]
        self.assertEqual(t["token"], "والشركات")
        self.assertEqual(t["normalized"], "والشركات")
        self.assertEqual(t["stem"], "شرك")  # و, ال and ات off (docs/ANALYSIS.md)
        self.assertGreaterEqual(t["df"], 1)


# Ranking knobs through the daemon: the same index served with the defaults and
# with --order-weight 0 --lead-title 1 --prf-question-weight 0 --focus-weight 0. "reversed" and
# "ordered" hold the query's two words (equal idf) at mirrored places, so only
# the query-order bonus separates them; without it the lower docid wins.
ORDER_DOCS = [
    {"id": "reversed", "title": "تقرير", "text": "المطر غزير في الجبال ثم الثلج"},
    {"id": "ordered", "title": "تقرير", "text": "الثلج غزير في الجبال ثم المطر"},
    {"id": "filler", "title": "مدرسة", "text": "مدرسة جديدة في الحي الشمالي"},
    # focus: the query's words at the same places, bodies of one length; only
    # the focus re-rank separates them ("few" has fewer distinct other words)
    {"id": "many", "title": "تقرير", "text": "البركان الجزيرة المدرسة الحديقة السوق المكتبة"},
    {"id": "few", "title": "تقرير", "text": "البركان الجزيرة المدرسة المدرسة الحديقة الحديقة"},
    # exact forms: the same stems at the same places; only "form-typed" has
    # the query's وللشركة as typed
    {"id": "form-plain", "title": "تقرير", "text": "الشركة الكبرى تعلن نتائجها"},
    {"id": "form-typed", "title": "تقرير", "text": "وللشركة الكبرى تعلن نتائجها"},
]


class RankKnobsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        root = cls.tmp.__enter__()
        index = os.path.join(root, "order")
        build_docs(index, ORDER_DOCS, os.path.join(root, "in"))
        cls.dd = Daemon(index, workdir=root)
        cls.dd.__enter__()
        cls.dk = Daemon(index, "--order-weight", "0", "--lead-title", "1",
                        "--prf-question-weight", "0", "--focus-weight", "0",
                        "--exact-weight", "0", "--exact-pair-weight", "0",
                        "--tense-weight", "0", "--answer-type-weight", "1",
                        "--cover-weight", "0.5", workdir=root)
        cls.dk.__enter__()
        cls.cd = cls.dd.client()
        cls.ck = cls.dk.client()

    @classmethod
    def tearDownClass(cls):
        stop_class(cls.tmp, (cls.dd, cls.dk), (cls.cd, cls.ck))

    def test_rank_in_stats(self):
        rd = self.cd.request("STATS")["index"]["facts"]["rank"]
        rk = self.ck.request("STATS")["index"]["facts"]["rank"]
        self.assertAlmostEqual(rd["order_weight"], 0.3, places=5)
        self.assertAlmostEqual(rd["lead_title"], 0.25, places=5)
        self.assertEqual(rd["prf_weight"], 0)
        self.assertEqual(rd["prf_question_weight"], 1)
        self.assertEqual(rk["order_weight"], 0)
        self.assertEqual(rk["lead_title"], 1)
        self.assertEqual(rk["prf_question_weight"], 0)
        self.assertAlmostEqual(rd["focus_weight"], 2, places=5)
        self.assertEqual(rd["focus_depth"], 10)
        self.assertEqual(rd["prox_depth"], 100)
        self.assertEqual(rd["prox_depth_short"], 30)
        self.assertEqual(rd["focus_len"], 400)
        self.assertEqual(rd["focus_min_words"], 3)
        self.assertEqual(rk["focus_weight"], 0)
        self.assertAlmostEqual(rd["exact_weight"], 0.5, places=5)
        self.assertAlmostEqual(rd["exact_pair_weight"], 1, places=5)
        self.assertIs(rd["exact_questions"], True)
        self.assertEqual(rk["exact_weight"], 0)
        self.assertEqual(rk["exact_pair_weight"], 0)
        # every ranking knob with a flag is shown
        self.assertAlmostEqual(rd["tense_weight"], 0.5, places=5)
        self.assertAlmostEqual(rd["answer_type_weight"], 0.25, places=5)
        self.assertEqual(rd["cover_weight"], 0)
        self.assertEqual(rk["tense_weight"], 0)
        self.assertEqual(rk["answer_type_weight"], 1)
        self.assertAlmostEqual(rk["cover_weight"], 0.5, places=5)

    def test_help_shows_rank_defaults(self):
        # --help gives each ranking flag's default as the engine has it: the
        # default daemon's STATS shows the same values
        r = subprocess.run([fhtest.SEARCHD, "--help"], stdout=subprocess.PIPE, timeout=10)
        self.assertEqual(r.returncode, 0)
        shown = dict(re.findall(r"^  --([a-z0-9-]+) [XN] .*\[([0-9.]+)\] \{", r.stdout.decode(),
                                re.M))
        rd = self.cd.request("STATS")["index"]["facts"]["rank"]
        flags = {"k1": "k1", "b": "b", "prox-weight": "prox_weight", "lead-weight": "lead_weight",
                 "order-weight": "order_weight", "lead-title": "lead_title",
                 "tense-weight": "tense_weight", "answer-type-weight": "answer_type_weight",
                 "prf-weight": "prf_weight", "prf-question-weight": "prf_question_weight",
                 "focus-weight": "focus_weight", "prf-docs": "prf_docs",
                 "exact-weight": "exact_weight", "exact-pair-weight": "exact_pair_weight",
                 "prf-terms": "prf_terms", "cover-weight": "cover_weight"}
        for flag, key in flags.items():
            self.assertIn(flag, shown)
            self.assertAlmostEqual(float(shown[flag]), rd[key], places=5, msg=flag)

    def test_focus(self):
        # الرماد is in no document: three words, the least that gets focus
        q = "SEARCH snippets=0 البركان الجزيرة الرماد"
        self.assertEqual([h["id"] for h in self.cd.request(q)["hits"]], ["few", "many"])
        self.assertEqual([h["id"] for h in self.ck.request(q)["hits"]], ["many", "few"])
        # not for a question nor two words: the tie stands, lower docid first
        for q in ("SEARCH snippets=0 ما البركان الجزيرة الرماد",
                  "SEARCH snippets=0 البركان الجزيرة"):
            self.assertEqual([h["id"] for h in self.cd.request(q)["hits"]], ["many", "few"])

    def test_exact_forms(self):
        # three words: the query is long enough for the exact-form re-rank
        q = "SEARCH snippets=0 وللشركة الكبرى تعلن"
        self.assertEqual(hit_ids(self.cd.request(q)), ["form-typed", "form-plain"])
        r = self.ck.request(q)  # --exact-weight 0 --exact-pair-weight 0: the tie stands
        self.assertEqual(hit_ids(r), ["form-plain", "form-typed"])
        self.assertEqual(r["hits"][0]["score"], r["hits"][1]["score"])

    def test_query_order(self):
        r = self.cd.request("SEARCH snippets=0 الثلج المطر")
        self.assertEqual(hit_ids(r), ["ordered", "reversed"])
        r = self.ck.request("SEARCH snippets=0 الثلج المطر")
        self.assertEqual(hit_ids(r), ["reversed", "ordered"])
        # a question gets no order bonus
        r = self.cd.request("SEARCH snippets=0 متى الثلج المطر")
        self.assertEqual(hit_ids(r), ["reversed", "ordered"])


# Mixed words, stored strings with NUL (through the real indexer), a prefix
# whose most frequent term sorts late, the phrase cap.
MIXED_DOCS = [
    {"id": "ds", "title": "نموذج جديد",
     "text": "مقارنة بين OpenAI-o1-1217 و DeepSeek-R1 في الرياضيات"},
    {"id": "alone", "title": "خبر", "text": "الإصدار R1 متاح"},
    {"id": "gpt", "title": "نموذج جديد", "text": "نموذج GPT-4o للمحادثة"},
    {"id": "o1", "title": "نموذج جديد", "text": "نموذج OpenAI-o1-1217 للمحادثة"},
    # analyzer 1.5: grouped numbers, Latin diacritics, the silent alif of مائة
    {"id": "num-grouped", "title": "حصيلة", "text": "بلغ عدد المصابين 1,250 شخصا"},
    {"id": "num-indic", "title": "حصيلة", "text": "بلغ عدد المصابين ١٬٢٥٠ شخصا"},
    {"id": "num-plain", "title": "حصيلة", "text": "بلغ عدد المصابين 1250 شخصا"},
    {"id": "num-other", "title": "حصيلة", "text": "بلغ المؤشر 1,25 نقطة"},
    # analyzer 1.14: two dot groups or more are thousands groups, one is not
    {"id": "mil-dots", "title": "ميزانية", "text": "بلغت الميزانية 7.200.000 ريال"},
    {"id": "mil-commas", "title": "ميزانية", "text": "بلغت الميزانية 7,200,000 ريال"},
    {"id": "mil-one-dot", "title": "رقم", "text": "سجل العداد 7.200 درجة"},
    {"id": "latin-acc", "title": "Café Müller", "text": "عرض في Café Müller"},
    {"id": "latin-nfd", "title": "مقهى", "text": "عرض في Cafe\u0301 Mu\u0308ller"},
    {"id": "mia-old", "title": "نسبة", "text": "ارتفع التضخم إلى خمسة بالمائة"},
    {"id": "mia-new", "title": "نسبة", "text": "ارتفع التضخم إلى ستة في المئة"},
    {"id": "mia-water", "title": "موارد", "text": "الثروة المائية في البلاد"},
    # +/- on a clitic glued to a Latin word constrain the word, not the clitic
    {"id": "clitic-latin", "title": "جوال", "text": "أطلقت آبل والـiPhone الجديد"},
    {"id": "plain-latin", "title": "جوال", "text": "جوال iPhone جديد"},
    {"id": "clitic-other", "title": "شبكة", "text": "جوال يدعم وال5G"},
    # analyzer 1.6: آلية (mechanism) is a word, not the stop word إليه
    {"id": "madda-yes", "title": "خطة", "text": "آلية التنفيذ الجديدة للخطة"},
    {"id": "madda-no", "title": "خطة", "text": "التنفيذ يعود إليه وحده"},
    # a word typed without its madda (الاف, الاليات) also finds its madda form
    {"id": "alaf-madda", "title": "تبرع", "text": "جمع المتطوعون آلاف الكتب"},
    {"id": "alaf-plain", "title": "تبرع", "text": "جمع المتطوعون الاف الدفاتر"},
    {"id": "greece", "title": "سفر", "text": "زار الوفد اليونان في الربيع"},
] + [{"id": "now-%d" % i, "title": "موعد", "text": "وصل الوفد الآن إلى المطار"}
     for i in range(6)] + [
    {"id": "alain", "title": "ممثل", "text": "الممثل آلان ديلون في المطار"},
    # typed with a hamza, الإله (the god) is no madda-less الآلة (the machine)
    {"id": "god-1", "title": "عقيدة", "text": "الإيمان بالإله الواحد"},
    {"id": "god-2", "title": "عقيدة", "text": "صفات الإله في الكتب"},
    {"id": "machine-1", "title": "مصنع", "text": "تعطلت الآلة في المصنع"},
    {"id": "machine-2", "title": "مصنع", "text": "أصلح العامل الآلة"},
    # a title or body without a word comes back as stored
    {"id": "stars-title", "title": "★★★ ***", "text": "نجوم لامعة"},
    {"id": "stars-text", "title": "نجوم", "text": "*** ### ***"},
    # escape=html
    {"id": "html", "title": "وسم <script>alert('x')</script> & \"نص\"",
     "text": "نص فيه <b>وسم</b> & رموز"},
    {"id": "nul-title", "title": "عنوان\u0000 النفط", "text": "نص عن النفط", "s": "x"},
    {"id": "nul-text", "title": "عنوان النفط", "text": "نص \u0000عن النفط", "s": "x"},
    {"id": "nul-field", "title": "عنوان النفط", "text": "نص عن النفط", "s": "nul \u0000 x"},
    {"id": "big-int", "title": "عنوان النفط", "text": "نص عن النفط", "s": 10 ** 20,
     "year": 2015, "n": [7, 2.5]},
    {"id": "numbers", "title": "أرقام", "text": "أرقام مخزنة",
     "i53": 2 ** 53 + 1, "u64": 2 ** 64 - 1, "f": 0.1, "e": 1e20,
     "nest": {"a b": [1.25, "x , y"], "k": -0.0}, 'q"k': 2.5},  # an escaped key too
] + [{"id": "pa%d" % i, "title": "", "text": "pa%c%c%c" % (97 + i // 676, 97 + i // 26 % 26,
                                                          97 + i % 26)} for i in range(600)] \
  + [{"id": "pz%d" % i, "title": "", "text": "pz"} for i in range(50)]


class OneIndexTest(unittest.TestCase):
    """A class of tests over one daemon serving DOCS, built with BUILD_ARGS."""
    DOCS = []
    BUILD_ARGS = ()

    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        root = cls.tmp.__enter__()
        index = os.path.join(root, "ix")
        build_docs(index, cls.DOCS, os.path.join(root, "in"), args=cls.BUILD_ARGS)
        cls.d = Daemon(index, workdir=root)
        cls.d.__enter__()
        cls.c = cls.d.client()

    @classmethod
    def tearDownClass(cls):
        stop_class(cls.tmp, (cls.d,), (cls.c,))


class MixedNulTest(OneIndexTest):
    DOCS = MIXED_DOCS

    def search(self, line):
        r = self.c.request(line)
        self.assertIsNone(error_code(r), "%s -> %r" % (line, r))
        return r

    def test_mixed_words_by_their_parts(self):
        r = self.search("SEARCH R1")
        self.assertEqual(sorted(hit_ids(r)), ["alone", "ds"])
        snip = [h for h in r["hits"] if h["id"] == "ds"][0]["snippet"]
        self.assertIn("<b>DeepSeek-R1</b>", snip)
        self.assertNotIn("<b>OpenAI-o1-1217</b>", snip)
        self.assertEqual(hit_ids(self.search("SEARCH snippets=0 4o")), ["gpt"])
        r = self.search("SEARCH snippets=0 +R1 نموذج")
        self.assertEqual(sorted(hit_ids(r)), ["alone", "ds"])
        r = self.search("SEARCH snippets=0 -R1 نموذج")
        self.assertEqual(sorted(hit_ids(r)), ["gpt", "o1"])

    def test_mixed_word_quoted_alone_and_as_prefix(self):
        # "R1" is R1; R1* is r 1*, its last part a prefix (not o1-1217's 1)
        for q in ('"R1"', "R1*"):
            self.assertEqual(sorted(hit_ids(self.search("SEARCH snippets=0 " + q))),
                             ["alone", "ds"], q)
        r = self.search('SEARCH snippets=0 -"R1" نموذج')
        self.assertEqual(sorted(hit_ids(r)), ["gpt", "o1"])
        r = self.search("SEARCH o1*")
        self.assertEqual(sorted(hit_ids(r)), ["ds", "o1"])
        for h in r["hits"]:
            self.assertIn("<b>OpenAI-o1-1217</b>", h["snippet"])
            self.assertNotIn("<b>DeepSeek-R1</b>", h["snippet"])
        self.assertEqual(hit_ids(self.search("SEARCH snippets=0 GPT-4*")), ["gpt"])

    def test_one_word_written_several_ways(self):
        # 1,250 ١٬٢٥٠ 1250 are one number; 1,25 is not 1250
        for q in ("1250", "1,250", "١٢٥٠", "١٬٢٥٠"):
            r = self.search("SEARCH limit=20 %s" % q)
            self.assertEqual(sorted(hit_ids(r)), ["num-grouped", "num-indic", "num-plain"], q)
            # in a phrase too: 1,250 takes one position, as 1250 does
            r = self.search('SEARCH snippets=0 "المصابين %s شخصا"' % q)
            self.assertEqual(sorted(hit_ids(r)), ["num-grouped", "num-indic", "num-plain"], q)
        snips = {h["id"]: h["snippet"] for h in self.search("SEARCH 1250")["hits"]}
        self.assertIn("<b>1,250</b>", snips["num-grouped"])
        self.assertIn("<b>١٬٢٥٠</b>", snips["num-indic"])
        for q in ("7200000", "7,200,000", "7.200.000", "٧٬٢٠٠٬٠٠٠"):
            r = self.search("SEARCH limit=20 %s" % q)
            self.assertEqual(sorted(hit_ids(r)), ["mil-commas", "mil-dots"], q)
            r = self.search('SEARCH snippets=0 "الميزانية %s ريال"' % q)
            self.assertEqual(sorted(hit_ids(r)), ["mil-commas", "mil-dots"], q)
        snips = {h["id"]: h["snippet"] for h in self.search("SEARCH 7200000")["hits"]}
        self.assertIn("<b>7.200.000</b>", snips["mil-dots"])
        self.assertNotIn("mil-dots", hit_ids(self.search("SEARCH snippets=0 7200")))
        # accents on Latin letters, composed or not, and none at all
        for q in ("cafe muller", "Café Müller", "CAFE\u0301"):
            r = self.search("SEARCH %s" % q)
            self.assertEqual(sorted(hit_ids(r)), ["latin-acc", "latin-nfd"], q)
        r = self.search("SEARCH muller")
        hit = [h for h in r["hits"] if h["id"] == "latin-acc"][0]
        self.assertIn("<b>Müller</b>", hit["title"])
        # مائة and مئة are one word; مائية (watery) is another
        for q in ("المائة", "مئة", "بالمئة"):
            r = self.search("SEARCH snippets=0 %s" % q)
            self.assertEqual(sorted(hit_ids(r)), ["mia-new", "mia-old"], q)
        r = self.search("SEARCH snippets=0 مائي")
        self.assertEqual(hit_ids(r), ["mia-water"])

    def test_required_clitic_word(self):
        for q in ("+والـiPhone", "+iPhone", "+والiPhone جديد"):
            r = self.search("SEARCH snippets=0 %s" % q)
            self.assertEqual(sorted(hit_ids(r)), ["clitic-latin", "plain-latin"], q)
        r = self.search("SEARCH snippets=0 -والـiPhone جوال")
        self.assertEqual(hit_ids(r), ["clitic-other"])

    def test_madda_before_lam(self):
        for q in ("+آلية التنفيذ", "+الآليات التنفيذ"):
            r = self.search("SEARCH %s" % q)
            self.assertEqual(hit_ids(r), ["madda-yes"], q)
        self.assertIn("<b>آلية</b>", r["hits"][0]["snippet"])
        r = self.search("SEARCH آلية التنفيذ")
        self.assertEqual(hit_ids(r)[0], "madda-yes")
        no = [h for h in r["hits"] if h["id"] == "madda-no"][0]
        self.assertNotIn("<b>إليه</b>", no["snippet"])

    def test_madda_dropped_in_query(self):
        # الاف: the article + اف, and the madda reading آلاف, which is
        # highlighted; the form typed still matches
        r = self.search("SEARCH الاف")
        self.assertEqual(sorted(hit_ids(r)), ["alaf-madda", "alaf-plain"])
        hits = {h["id"]: h for h in r["hits"]}
        self.assertIn("<b>آلاف</b>", hits["alaf-madda"]["snippet"])
        self.assertIn("<b>الاف</b>", hits["alaf-plain"]["snippet"])
        # at full weight: the two documents are alike but for the spelling
        self.assertAlmostEqual(hits["alaf-madda"]["score"], hits["alaf-plain"]["score"],
                               places=3)
        # the same stem typed twice, the madda-less word second
        r = self.search("SEARCH اف الاف")
        self.assertEqual(sorted(hit_ids(r)), ["alaf-madda", "alaf-plain"])
        r = self.search("SEARCH بالاف الكتب")
        self.assertEqual(hit_ids(r)[0], "alaf-madda")
        # the madda reading after the article: الاليات -> الآليات (آلي)
        r = self.search("SEARCH الاليات التنفيذ")
        self.assertEqual(hit_ids(r)[0], "madda-yes")
        self.assertIn("<b>آلية</b>", r["hits"][0]["snippet"])
        # typed with the madda, the word matches that form only
        self.assertEqual(hit_ids(self.search("SEARCH آلاف")), ["alaf-madda"])
        # a reading shorter than the word typed is no reading: آليونان
        # would stem to آلي (آلية) by its suffixes
        self.assertEqual(hit_ids(self.search("SEARCH اليونان")), ["greece"])
        # a reading far rarer than the word typed is not taken: الان is
        # الآن (now, 6 documents), not آلان (Alain, 1)
        r = self.search("SEARCH limit=20 الان")
        self.assertEqual(sorted(hit_ids(r)), ["now-%d" % i for i in range(6)])
        # a required word needs the form typed
        self.assertEqual(hit_ids(self.search("SEARCH +الاف")), ["alaf-plain"])
        # an ا typed with a hamza takes no madda: الإله, بالإله find the god
        # only; typed bare, الالة reads both
        for q in ("الإله", "بالإله"):
            r = self.search("SEARCH limit=20 snippets=0 %s" % q)
            self.assertEqual(sorted(hit_ids(r)), ["god-1", "god-2"], q)
        r = self.search("SEARCH limit=20 snippets=0 الالة")
        self.assertEqual(sorted(hit_ids(r)), ["god-1", "god-2", "machine-1", "machine-2"])
        # what normalization drops does not move the letters: an Arabic
        # letter mark (U+061C), a small high sign (U+0610), tatweel, a fatha
        for q in ("ال\u061cالة", "ال\u0610الة", "\u061cال\u061cالة", "ال\ufeffالة",
                  "ال\ufe0fالة", "الـالة", "الاَلة"):
            r = self.search("SEARCH limit=20 snippets=0 %s" % q)
            self.assertEqual(sorted(hit_ids(r)), ["god-1", "god-2", "machine-1", "machine-2"],
                             ascii(q))
        # an ا with a combining hamza below (U+0655) or above (U+0654) is
        # إ or أ: typed so, الإله is the god only
        for q in ("ال\u0627\u0655له", "بال\u0627\u0654له", "ال\u0627\u064e\u0655له"):
            r = self.search("SEARCH limit=20 snippets=0 %s" % q)
            self.assertEqual(sorted(hit_ids(r)), ["god-1", "god-2"], ascii(q))

    def test_text_without_words(self):
        hits = {h["id"]: h for h in self.search("SEARCH snippet_len=5 نجوم")["hits"]}
        self.assertEqual(hits["stars-title"]["title"], "★★★ ***")
        self.assertEqual(hits["stars-text"]["snippet"], "*** #…")
        hits = {h["id"]: h for h in self.search("SEARCH نجوم")["hits"]}
        self.assertEqual(hits["stars-text"]["snippet"], "*** ### ***")

    def test_escape_html(self):
        r = self.search("SEARCH escape=html وسم")
        h = r["hits"][0]
        self.assertEqual(h["id"], "html")
        self.assertEqual(h["title"], "<b>وسم</b> &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
                                     " &amp; &quot;نص&quot;")
        self.assertEqual(h["snippet"], "نص فيه &lt;b&gt;<b>وسم</b>&lt;/b&gt; &amp; رموز")
        # the default is the text as stored; escape=none says so explicitly
        for opt in ("", "escape=none "):
            h = self.search("SEARCH %sوسم" % opt)["hits"][0]
            self.assertEqual(h["snippet"], "نص فيه <b><b>وسم</b></b> & رموز")
        # other markers are not escaped either
        h = self.search("SEARCH escape=html hl=<mark>,</mark> وسم")["hits"][0]
        self.assertIn("&lt;b&gt;<mark>وسم</mark>&lt;/b&gt;", h["snippet"])

    def test_nul_in_stored_strings(self):
        r = self.search("SEARCH limit=20 fields=s النفط")
        hits = {h["id"]: h for h in r["hits"]}
        self.assertEqual(sorted(hits), ["big-int", "nul-field", "nul-text", "nul-title"])
        for h in hits.values():
            self.assertIn("<b>النفط</b>", h["title"])
            self.assertIn("<b>النفط</b>", h["snippet"])
            self.assertIn("s", h)
        self.assertIn("\u0000", hits["nul-title"]["title"])
        self.assertIn("\u0000", hits["nul-text"]["snippet"])
        self.assertEqual(hits["nul-field"]["s"], "nul \u0000 x")
        self.assertEqual(hits["big-int"]["s"], 1e20)
        # beside an integer past 64 bits, the other integers stay integers
        self.c.send("SEARCH limit=20 snippets=0 fields=year,n النفط")
        raw = self.c.read_line()
        self.assertIn(b'"year":2015,', raw)
        self.assertIn(b'"n":[7,2.5]', raw)
        # numbers as stored, not through a double: 2^53 + 1, 2^64 - 1, 0.1, 1e+20
        self.c.send("SEARCH snippets=0 fields=i53,u64,f,e,nest,absent مخزنة")
        raw = self.c.read_line()
        self.assertIn(b'"i53":9007199254740993,"u64":18446744073709551615,"f":0.1,'
                      b'"e":1e+20,"nest":{"a b":[1.25,"x , y"],"k":-0.0}}', raw)
        self.assertNotIn(b'"absent"', raw)
        # GET returns the stored line byte for byte
        r = self.c.request("GET big-int")
        self.assertEqual(r["doc"]["s"], 10 ** 20)

    def test_prefix_reaches_frequent_late_term(self):
        r = self.search("SEARCH snippets=0 limit=200 p*")
        self.assertEqual(r["total"], 50 + 63)
        self.assertEqual(sum(i.startswith("pz") for i in hit_ids(r)), 50)

    def test_phrase_cap(self):
        words = " ".join("w%s" % chr(97 + i % 26) for i in range(33))
        r = self.c.request('SEARCH "%s"' % words)
        self.assertEqual(error_code(r), "limit_exceeded")
        self.assertIn("32 words", r["error"]["message"])
        words = " ".join("w%s" % chr(97 + i % 26) for i in range(32))
        self.search('SEARCH "%s"' % words)


class OtherFieldNamesTest(OneIndexTest):
    """An index of fields headline,body: the snippet comes from body, the
    longer one, not from the first field."""
    DOCS = [{"id": "hb-%d" % i, "headline": "خبر عن الطيران رقم %d" % i,
             "title": "عنوان مخزن رقم %d" % i,
             "body": "قالت شركات الطيران إن الرحلات عادت إلى مواعيدها بعد العاصفة "
                     "وإن المسافرين تلقوا تعويضات عن التأخير رقم %d" % i}
            for i in range(3)]
    BUILD_ARGS = ("--fields", "headline,body")

    def test_stored_title_without_a_title_field(self):
        # title is not analyzed here: a hit carries the stored title,
        # unhighlighted, whenever the reply reads the document (snippets on,
        # or fields=); with snippets=0 alone it is not read (PROTOCOL.md)
        for opts in ("", "snippets=0 fields=headline "):
            r = self.c.request("SEARCH limit=3 %sتعويضات" % opts)
            self.assertIsNone(error_code(r), r)
            self.assertEqual(len(r["hits"]), 3)
            for h in r["hits"]:
                self.assertEqual(h.get("title"), "عنوان مخزن رقم " + h["id"][-1], (opts, h))
        r = self.c.request("SEARCH limit=3 snippets=0 تعويضات")
        self.assertEqual([sorted(h) for h in r["hits"]], [["id", "score"]] * 3, r)

    def test_snippet_from_the_longer_field(self):
        r = self.c.request("SEARCH limit=1 snippet_len=60 تعويضات")
        self.assertIsNone(error_code(r), r)
        self.assertEqual(r["total"], 3)
        snip = r["hits"][0]["snippet"]
        self.assertIn("<b>تعويضات</b>", snip)
        self.assertNotIn("خبر", snip)
        # a word of the headline only: the body's beginning, unhighlighted
        snip = self.c.request("SEARCH limit=1 snippet_len=30 خبر")["hits"][0]["snippet"]
        self.assertTrue(snip.startswith("قالت شركات"), snip)
        self.assertNotIn("<b>", snip)


class TypeAheadTest(OneIndexTest):
    """Search as you type: a prefix* finds the word at every letter typed,
    through the article the analyzer keeps on short words and stop words'
    forms (الأم*, المع*), a suffix begun (القوا*: القوات is قو), and the
    hamza seat folded in longer stems (المؤت*: المؤتمر is مءتمر); stop words
    are neither expansions nor highlighted."""
    WORDS = ["الأمم", "القوات", "المعلمون", "المؤتمر", "ألمانيا", "الإمارات", "الشركات"]
    DOCS = [{"id": "ta-%d" % i, "text": "خبر عن %s في العاصمة" % w} for i, w in enumerate(WORDS)] \
        + [{"id": "ta-noise", "text": "قال إن الأمر في المدينة إلى حد ما"}]

    def test_every_letter_typed(self):
        for i, word in enumerate(self.WORDS):
            for n in range(3, len(word) + 1):
                r = self.c.request("SEARCH limit=10 snippet_len=80 %s*" % word[:n])
                self.assertIsNone(error_code(r), r)
                self.assertIn("ta-%d" % i, hit_ids(r), "%s* (typing %s): %r" % (word[:n], word, r))
                snip = next(h["snippet"] for h in r["hits"] if h["id"] == "ta-%d" % i)
                self.assertIn("<b>%s</b>" % word, snip, word[:n])
                for h in r["hits"]:  # في, إن, إلى: never marked
                    for stop in ("<b>في</b>", "<b>إن</b>", "<b>إلى</b>", "<b>عن</b>"):
                        self.assertNotIn(stop, h["snippet"], (word[:n], h))


class WrittenApartTest(OneIndexTest):
    """Analyzer 1.19: a percentage written 15%, 15 %, %15 (the sign first,
    as right-to-left text puts it) or 15 في المائة, and a compound name
    written عبدالعزيز or عبد العزيز, are found by every spelling, and the
    highlight covers the word as written."""
    DOCS = [{"id": "pct-joined", "text": "ارتفعت الصادرات 15% هذا العام"},
            {"id": "pct-space", "text": "ارتفعت الصادرات 15 % هذا العام"},
            {"id": "pct-first", "text": "ارتفعت الصادرات %15 هذا العام"},
            {"id": "pct-words", "text": "ارتفعت الصادرات 15 في المائة هذا العام"},
            {"id": "pct-other", "text": "ارتفعت الصادرات 15 ضعفا و20% هذا العام"},
            {"id": "pct-after-word", "text": "ارتفعت الصادرات بنسبة%15 هذا العام"},
            {"id": "abd-joined", "text": "افتتح الأمير عبدالعزيز المعرض"},
            {"id": "abd-apart", "text": "افتتح الأمير عبد العزيز المعرض"},
            {"id": "abd-vocalized", "text": "افتتح الأمير عَبْدُ الْعَزِيزِ المعرض"},
            {"id": "abd-other", "text": "افتتح العزيز عبد المعرض"}]
    PCT = {"pct-joined", "pct-space", "pct-first", "pct-words", "pct-after-word"}
    ABD = {"abd-joined", "abd-apart", "abd-vocalized"}

    def test_percent_every_spelling(self):
        for q in ("15%", "15 %", "%15", "٪١٥", "+15%", '"الصادرات 15%"'):
            r = self.c.request("SEARCH limit=10 snippet_len=60 " + q)
            self.assertIsNone(error_code(r), r)
            # the phrase: not where بنسبة stands between
            want = self.PCT - {"pct-after-word"} if q.startswith('"') else self.PCT
            self.assertEqual(set(hit_ids(r)), want, (q, r))
        snips = {h["id"]: h["snippet"]
                 for h in self.c.request("SEARCH limit=10 snippet_len=60 15%")["hits"]}
        self.assertIn("<b>15 %</b>", snips["pct-space"])
        self.assertIn("<b>%15</b>", snips["pct-first"])
        self.assertIn("<b>15</b> في المائة", snips["pct-words"])
        # the bare number still finds them all, and excluding 15% leaves the rest
        self.assertEqual(set(hit_ids(self.c.request("SEARCH limit=10 15"))),
                         self.PCT | {"pct-other"})
        r = self.c.request("SEARCH limit=10 الصادرات -15%")
        self.assertEqual(hit_ids(r), ["pct-other"], r)

    def test_compound_name_either_way(self):
        for q in ("عبدالعزيز", "عبد العزيز", "+عبد العزيز", '"الأمير عبد العزيز"',
                  '"الأمير عبدالعزيز"', "عبد  العزيز", "عبد\tالعزيز", "+عبد +العزيز",
                  "عبد الع*", "عَبْدُ الْعَزِيزِ"):
            r = self.c.request("SEARCH limit=10 snippet_len=60 " + q)
            self.assertIsNone(error_code(r), r)
            self.assertEqual(set(hit_ids(r)), self.ABD, (q, r))
        snips = {h["id"]: h["snippet"]
                 for h in self.c.request("SEARCH limit=10 عبد العزيز")["hits"]}
        self.assertIn("<b>عبد العزيز</b>", snips["abd-apart"])
        self.assertIn("<b>عبدالعزيز</b>", snips["abd-joined"])
        self.assertIn("<b>عَبْدُ الْعَزِيزِ</b>", snips["abd-vocalized"])
        # KEYWORDS shows the one word
        r = self.c.request("KEYWORDS عبد العزيز")
        self.assertEqual([t["token"] for t in r["tokens"]], ["عبد العزيز"], r)
        self.assertEqual(r["tokens"][0]["df"], 3, r)


class TextFieldTest(OneIndexTest):
    """A field named text is the body even when another field is longer;
    snippet_field= names another."""
    DOCS = [{"id": "tf-%d" % i,
             "summary": "ملخص طويل جدا عن الرحلات والمطارات والمسافرين والتذاكر رقم %d" % i,
             "text": "عادت الرحلات إلى مواعيدها رقم %d" % i} for i in range(3)] \
        + [{"id": "tf-nosummary", "text": "المطارات مزدحمة في الصيف"}]
    BUILD_ARGS = ("--fields", "summary,text")

    def test_snippet_from_text(self):
        r = self.c.request("SEARCH limit=1 الرحلات")
        self.assertIsNone(error_code(r), r)
        self.assertTrue(r["hits"][0]["snippet"].startswith("عادت <b>الرحلات</b>"), r)
        r2 = self.c.request("SEARCH limit=1 snippet_field=text الرحلات")
        self.assertEqual(r2["hits"], r["hits"])

    def test_snippet_field(self):
        # the strict reader and (with fields=) jansson give the same snippet
        for opts in ("", "fields=text "):
            r = self.c.request("SEARCH limit=3 snippet_len=40 snippet_field=summary %sالرحلات"
                               % opts)
            self.assertIsNone(error_code(r), r)
            self.assertEqual(len(r["hits"]), 3)
            for h in r["hits"]:
                self.assertTrue(h["snippet"].startswith("ملخص طويل جدا عن <b>الرحلات</b>"), h)
            # a document without the field: an empty snippet, never the body's
            r = self.c.request("SEARCH limit=10 snippet_field=summary %sالمطارات" % opts)
            by_id = {h["id"]: h["snippet"] for h in r["hits"]}
            self.assertEqual(by_id["tf-nosummary"], "", r)
            self.assertIn("<b>والمطارات</b>", by_id["tf-0"])
            # the words highlighted are those that can match in the snippet's
            # field: summary:الرحلات marks the summary, not the text
            r = self.c.request("SEARCH limit=1 snippet_field=summary %ssummary:الرحلات" % opts)
            self.assertIn("<b>الرحلات</b>", r["hits"][0]["snippet"], r)
            r = self.c.request("SEARCH limit=1 snippet_field=text %ssummary:الرحلات" % opts)
            self.assertTrue(r["hits"][0]["snippet"].startswith("عادت الرحلات"), r)
            self.assertNotIn("<b>", r["hits"][0]["snippet"], r)

    def test_snippet_field_unknown(self):
        for name in ("title", "Summary", "date"):
            r = self.c.request("SEARCH snippet_field=%s الرحلات" % name)
            self.assertEqual(error_code(r), "bad_request", r)
            self.assertIn("'%s'" % name, r["error"]["message"])
            self.assertIn("(it has summary, text)", r["error"]["message"])
        # a name with a character field names may not hold: the fields are listed too
        for name in ('a"b', "c\\d", "e\x01f", "g\x7f"):
            r = self.c.request("SEARCH snippet_field=%s الرحلات" % name)
            self.assertEqual(r["error"], {
                "code": "bad_request",
                "message": "snippet_field: a name may not contain quotes, backslashes or control "
                           "characters (the index has summary, text)"}, name)
        # also with snippets off: the name is still checked
        for name in ("nope", 'a"b'):
            r = self.c.request("SEARCH snippets=0 snippet_field=%s الرحلات" % name)
            self.assertEqual(error_code(r), "bad_request", r)
            self.assertIn("(it has summary, text)" if name == "nope" else
                          "(the index has summary, text)", r["error"]["message"])
        self.assertEqual(error_code(self.c.request("SEARCH snippet_field= الرحلات")),
                         "bad_request")
        # the connection stays usable
        self.assertEqual(self.c.request("PING"), {"ok": True, "pong": True})


def _total_docs():
    """30,000 documents, each holding a few of six words (seeded): four of
    them together hold far more than the 50,000 postings under which a pure
    OR is counted exactly, so its total is estimated unless asked for."""
    import random
    rng = random.Random(11)
    words = ("جبل", "نهر", "بحر", "شمس", "قمر", "نجم")
    docs = []
    for i in range(30000):
        picked = [w for w in words if rng.random() < 0.45] or [words[i % 6]]
        rng.shuffle(picked)
        docs.append({"id": "t%05d" % i, "text": " ".join(picked * rng.randint(1, 3))})
    return docs


class ExactTotalTest(OneIndexTest):
    """exact_total=1 and --exact-totals 1 (PROTOCOL.md, SEARCH, `total`):
    the total a pruned pure OR would estimate is counted, unflagged, with
    the same hits; a + query or a short one was exact already."""
    DOCS = _total_docs()
    BUILD_ARGS = ("--fields", "text")

    def count(self, any_of, none_of=()):
        return sum(1 for d in self.DOCS if set(d["text"].split()) & set(any_of)
                   and not set(d["text"].split()) & set(none_of))

    def test_index_is_as_counted(self):
        for w in ("جبل", "نهر", "بحر", "شمس", "قمر", "نجم"):
            r = self.c.request("KEYWORDS " + w)
            self.assertEqual(r["tokens"][0]["df"], self.count([w]), r)

    def test_exact_total(self):
        for words, none in ((("جبل", "نهر", "بحر", "شمس"), ()),
                            (("جبل", "نهر", "بحر", "شمس", "قمر"), ()),
                            (("جبل", "نهر", "بحر", "شمس", "قمر"), ("نجم",)),
                            (("جبل", "نهر", "بحر"), ("نجم",))):
            q = " ".join(words + tuple("-" + w for w in none))
            est = self.c.request("SEARCH limit=7 snippets=0 " + q)
            self.assertIsNone(error_code(est), est)
            want = self.count(words, none)
            if len(words) > 3:
                # the case exact_total is for: pruning left the total an estimate
                self.assertTrue(est.get("total_is_estimate"), (q, est))
                if not none:  # (-نجم caps the estimate at N - df, here the count itself)
                    self.assertNotEqual(est["total"], want, q)
            for opt in ("exact_total=1", "exact_total=yes", "EXACT_TOTAL=on"):
                r = self.c.request("SEARCH limit=7 snippets=0 %s %s" % (opt, q))
                self.assertNotIn("total_is_estimate", r, (q, r))
                self.assertEqual(r["total"], want, (q, r))
                self.assertEqual(r["hits"], est["hits"], q)  # the same hits, scores and all
            # a page further on: the same total
            r = self.c.request("SEARCH limit=3 offset=20 snippets=0 exact_total=1 " + q)
            self.assertEqual(r["total"], want, (q, r))
            r = self.c.request("SEARCH exact_total=0 limit=7 snippets=0 " + q)
            self.assertEqual(r, dict(est, took_us=r["took_us"]), q)
        # a required word: exact either way
        r = self.c.request("SEARCH snippets=0 +جبل نهر بحر شمس")
        self.assertNotIn("total_is_estimate", r)
        self.assertEqual(r["total"], self.count(["جبل"]), r)
        r = self.c.request("SEARCH exact_total=2 جبل")
        self.assertEqual(r["error"]["code"], "bad_request", r)
        self.assertIn("exact_total must be 1, true, on, yes or 0", r["error"]["message"])

    def test_exact_totals_flag(self):
        """--exact-totals 1 makes it every SEARCH's default; exact_total=0 still estimates."""
        q = "جبل نهر بحر شمس"
        want = self.count(q.split())
        with Daemon(self.d.index_dir, "--exact-totals", "1", workdir=self.tmp.path) as d:
            with d.client() as c:
                r = c.request("SEARCH snippets=0 " + q)
                self.assertNotIn("total_is_estimate", r, r)
                self.assertEqual(r["total"], want, r)
                r = c.request("SEARCH exact_total=0 snippets=0 " + q)
                self.assertTrue(r.get("total_is_estimate"), r)
            self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    fhtest.main()
