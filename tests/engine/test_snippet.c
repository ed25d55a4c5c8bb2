/* test_snippet.c — fragments: whole-word highlight of clitic-carrying words,
 * no cut inside a word or a UTF-8 sequence, ellipses, clause boundaries,
 * configurable (and escaped) markers, titles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "tutil.h"

typedef struct fx {
    tu_index ix;
    fh_buf out;
} fx;

static const char *const LONG =
    "بدأ الاجتماع في الصباح الباكر وناقش الحضور قضايا كثيرة لا صلة لها بالموضوع، "
    "والشركات الصينية تعلن نموذجا جديدا للذكاء الاصطناعي. "
    "ثم انتقل الحديث إلى الطقس والرياضة والسفر وأمور أخرى كثيرة جدا لا تهم القارئ، "
    "وفي النهاية عاد المتحدث إلى الشركات مرة أخرى قبل أن ينتهي اللقاء.";

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    static const char *const fn[2] = {"title", "text"};
    tu_doc docs[] = {{"d0", {"والشركات الصينية في السوق", LONG}}};
    if (!f || tu_index_build(&f->ix, NULL, 2, fn, NULL, docs, 1, NULL) ||
        tu_index_open(&f->ix, NULL))
        return -1;
    fh_buf_init(&f->out, 1 << 20);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    tu_index_free(&f->ix);
    fh_buf_free(&f->out);
    free(f);
    return 0;
}

/* Snippet of text for the stems, decoded from its JSON string; static. */
static const char *snip(fx *f, const char *text, const fh_hlterm *hl, size_t nhl,
                        uint32_t max_chars, uint32_t count, const char *ho, const char *hc)
{
    static char res[8192];
    fh_search_opts o;
    fh_search_opts_default(&o);
    if (ho) {
        o.hl_open = ho;
        o.hl_close = hc;
    }
    fh_buf_reset(&f->out);
    assert_int_equal(
        fh_snippet(f->ix.s, text, strlen(text), hl, nhl, &o, max_chars, count, &f->out), 0);
    json_t *j = json_loadb(f->out.data, f->out.len, JSON_DECODE_ANY, NULL);
    assert_non_null(j);
    assert_true(json_is_string(j));
    snprintf(res, sizeof res, "%s", json_string_value(j));
    json_decref(j);
    return res;
}

static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* Remove markers and ellipses; every remaining piece must be a substring of
 * text that starts and ends on word boundaries. */
static void check_pieces(const char *snippet, const char *text, const char *ho, const char *hc)
{
    char buf[8192], *w = buf;
    const char *p = snippet;
    size_t hol = strlen(ho), hcl = strlen(hc);
    while (*p) {
        if (strncmp(p, ho, hol) == 0)
            p += hol;
        else if (strncmp(p, hc, hcl) == 0)
            p += hcl;
        else
            *w++ = *p++;
    }
    *w = '\0';
    char *piece = buf;
    while (piece) {
        char *next = strstr(piece, "\xE2\x80\xA6");
        if (next) {
            *next = '\0';
            next += 3;
        }
        while (*piece == ' ')
            piece++;
        size_t n = strlen(piece);
        while (n && piece[n - 1] == ' ')
            piece[--n] = '\0';
        if (!n) {
            piece = next;
            continue;
        }
        const char *at = strstr(text, piece);
        assert_non_null(at);
        if (at > text)
            assert_true(at[-1] == ' ' || at[-1] == '\n');
        char after = at[n];
        if (!(after == '\0' || after == ' ' || after == '\n'))
            fail_msg("piece [%s] of [%s] ends inside a word", piece, snippet);
        piece = next;
    }
}

static void test_whole_word_highlight(void **state)
{
    fx *f = *state;
    fh_hlterm hl[] = {{"شرك", 6, false, 2.0f, NULL, 0, NULL, 0}};
    const char *s = snip(f, "قالت والشركات الكبرى إن الشركة لشركاتها خطط", hl, 1, 0, 1, NULL, NULL);
    assert_non_null(strstr(s, "<b>والشركات</b>"));
    assert_non_null(strstr(s, "<b>الشركة</b>"));
    assert_null(strstr(s, "<b>ال</b>"));
    assert_null(strstr(s, "و<b>"));
    assert_null(strstr(s, "ال<b>"));
    /* a prefix term marks whole words too: those whose stem is one of the
     * terms it expanded to (كبر), not every word it begins (الكبريت) */
    fh_expansion kx[] = {{"كبر", 6, 1}};
    fh_hlterm pre[] = {{"كبر", 6, true, 1.0f, NULL, 0, kx, 1}};
    s = snip(f, "قالت والشركات الكبرى إن الكبريت", pre, 1, 0, 1, NULL, NULL);
    assert_non_null(strstr(s, "<b>الكبرى</b>"));
    assert_null(strstr(s, "<b>الكبريت</b>"));
    /* expansions in byte order, as fh_exec_expansions gives them */
    fh_expansion kx2[] = {{"كبر", 6, 1}, {"كبريت", 10, 1}};
    pre[0].exps = kx2;
    pre[0].nexps = 2;
    s = snip(f, "قالت والشركات الكبرى إن الكبريت", pre, 1, 0, 1, NULL, NULL);
    assert_non_null(strstr(s, "<b>الكبرى</b>"));
    assert_non_null(strstr(s, "<b>الكبريت</b>"));
    /* a mixed word typed as a prefix (R1*): its last part by its expansions,
     * in a mixed token (DeepSeek-R10) or as words (R 10) */
    fh_qelem rp[] = {{"r", 1, false, 0}, {"1", 1, false, 1}};
    fh_expansion rx[] = {{"1", 1, 9}, {"10", 2, 3}};
    fh_hlterm mp[] = {{"r1", 2, false, 1.0f, rp, 2, rx, 2}};
    s = snip(f, "نماذج DeepSeek-R10 و R 10 وR2 وR1", mp, 1, 0, 1, NULL, NULL);
    assert_non_null(strstr(s, "<b>DeepSeek-R10</b>"));
    assert_non_null(strstr(s, "<b>R</b> <b>10</b>"));
    assert_non_null(strstr(s, "<b>وR1</b>"));
    assert_null(strstr(s, "<b>وR2</b>"));
    /* a mixed word's parts in a row across a word and a mixed token, as the
     * search matches them (positions): R then 1.5's first part, GPT then
     * 4o's two parts, X-R's last part then the word 1; never R 2.5, nor
     * R and 1 with a word between them */
    fh_hlterm m1[] = {{"r1", 2, false, 1.0f, rp, 2, NULL, 0}};
    s = snip(f, "الإصدار R 1.5 متاح و R 2.5 و R هنا 1", m1, 1, 0, 1, NULL, NULL);
    assert_non_null(strstr(s, "<b>R</b> <b>1.5</b> متاح"));
    assert_non_null(strstr(s, "و R 2.5 و R هنا 1"));
    s = snip(f, "نموذج X-R 1 جديد", m1, 1, 0, 1, NULL, NULL);
    assert_string_equal(s, "نموذج <b>X-R</b> <b>1</b> جديد");
    fh_qelem gp[] = {{"gpt", 3, false, 0}, {"4", 1, false, 1}, {"o", 1, false, 2}};
    fh_hlterm g4[] = {{"gpt-4o", 6, false, 1.0f, gp, 3, NULL, 0}};
    s = snip(f, "نموذج GPT 4o وGPT 4 و GPT-4o", g4, 1, 0, 1, NULL, NULL);
    assert_string_equal(s, "نموذج <b>GPT</b> <b>4o</b> وGPT 4 و <b>GPT-4o</b>");
    /* mixed token: matching a part marks the whole token */
    fh_hlterm mx[] = {{"deepseek", 8, false, 1.0f, NULL, 0, NULL, 0}};
    s = snip(f, "أطلقت نموذج DeepSeek-R1 أمس", mx, 1, 0, 1, NULL, NULL);
    assert_non_null(strstr(s, "<b>DeepSeek-R1</b>"));
    /* a proclitic written onto a Latin word: the analyzer makes two tokens of
     * والiPhone, the snippet one surface word, never a bare وال */
    fh_hlterm ip[] = {{"iphone", 6, false, 1.0f, NULL, 0, NULL, 0}};
    s = snip(f, "الشركات والiPhone جديد", ip, 1, 0, 1, NULL, NULL);
    assert_non_null(strstr(s, "<b>والiPhone</b>"));
    fh_hlterm cn[] = {{"صين", 6, false, 1.0f, NULL, 0, NULL, 0}};
    for (uint32_t len = 8; len <= 30; len++) {
        s = snip(f, "قديم جدا جدا جدا جدا جدا جدا جدا جدا جدا جدا بالFahras الصينية", cn, 1, len, 1,
                 NULL, NULL);
        assert_non_null(strstr(s, "<b>الصينية</b>"));
        if (strstr(s, "Fahras") && !strstr(s, "بالFahras"))
            fail_msg("window of %u cuts بالFahras: [%s]", len, s);
    }
    s = snip(f, "الشركات والiPhone جديد", hl, 1, 12, 1, NULL, NULL);
    if (strstr(s, "وال") && !strstr(s, "والiPhone"))
        fail_msg("a bare proclitic ends the fragment: [%s]", s);
    /* an apostrophe alone between two words joins them into one surface
     * word (the analyzer splits O'Neil): marked whole, never cut */
    fh_hlterm ne[] = {{"neil", 4, false, 1.0f, NULL, 0, NULL, 0}};
    s = snip(f, "قال السيد O'Neil إن وO\xE2\x80\x99Neil و O' Neil", ne, 1, 0, 1, NULL, NULL);
    assert_string_equal(s, "قال السيد <b>O'Neil</b> إن <b>وO\xE2\x80\x99Neil</b> و O' <b>Neil</b>");
    /* joined so, it counts as its heaviest term (neil), not its first (o) */
    fh_hlterm on[] = {{"neil", 4, false, 5.0f, NULL, 0, NULL, 0},
                      {"o", 1, false, 0.1f, NULL, 0, NULL, 0},
                      {"smith", 5, false, 3.0f, NULL, 0, NULL, 0}};
    s = snip(f, "O'Neil said hello. kalam kalam kalam kalam kalam kalam. Smith came", on, 3, 20, 1,
             NULL, NULL);
    assert_non_null(strstr(s, "<b>O'Neil</b>"));
    for (uint32_t len = 1; len <= 12; len++) {
        s = snip(f, "كلام كثير جدا عن السيد O'Neil هنا", ne, 1, len, 1, NULL, NULL);
        assert_non_null(strstr(s, "<b>O'Neil</b>"));
    }
    /* diacritics stay inside the highlighted surface word */
    s = snip(f, "قالت الشَّرِكَاتُ شيئا", hl, 1, 0, 1, NULL, NULL);
    assert_non_null(strstr(s, "<b>الشَّرِكَاتُ</b>"));
}

static void test_window_bounds_and_ellipses(void **state)
{
    fx *f = *state;
    fh_hlterm hl[] = {{"صين", 6, false, 3.0f, NULL, 0, NULL, 0},
                      {"شرك", 6, false, 2.0f, NULL, 0, NULL, 0}};
    for (uint32_t len = 10; len <= 200; len += 7) {
        const char *s = snip(f, LONG, hl, 2, len, 1, NULL, NULL);
        check_pieces(s, LONG, "<b>", "</b>");
        /* the text part respects the length unless one word is longer */
        char tmp[8192];
        snprintf(tmp, sizeof tmp, "%s", s);
        assert_non_null(strstr(s, "<b>"));
        (void)tmp;
    }
    const char *s = snip(f, LONG, hl, 2, 60, 1, NULL, NULL);
    /* elided on both sides */
    assert_memory_equal(s, "\xE2\x80\xA6 ", 4);
    assert_non_null(strstr(s, " \xE2\x80\xA6"));
    /* a short text fits whole: no ellipsis */
    s = snip(f, "الشركات الصينية", hl, 2, 60, 1, NULL, NULL);
    assert_null(strstr(s, "\xE2\x80\xA6"));
    assert_string_equal(s, "<b>الشركات</b> <b>الصينية</b>");
    /* no match: the beginning, elided after */
    fh_hlterm none[] = {{"غيرموجود", 16, false, 1.0f, NULL, 0, NULL, 0}};
    s = snip(f, LONG, none, 1, 40, 1, NULL, NULL);
    assert_memory_equal(s, "بدأ الاجتماع", strlen("بدأ الاجتماع"));
    assert_true(chars(s) <= 40 + 2);
    /* several fragments, in text order, separated by an ellipsis */
    s = snip(f, LONG, hl, 2, 40, 2, NULL, NULL);
    check_pieces(s, LONG, "<b>", "</b>");
    const char *first = strstr(s, "<b>والشركات</b>");
    const char *second = strstr(s, "<b>الشركات</b> مرة");
    assert_non_null(first);
    assert_non_null(second);
    assert_true(first < second);
}

static void test_utf8_never_cut(void **state)
{
    fx *f = *state;
    /* one very long word: the window is that word, never a part of it */
    char text[4096];
    strcpy(text, "كلمة ");
    for (int i = 0; i < 100; i++)
        strcat(text, "ب");
    strcat(text, " الشركات نهاية");
    fh_hlterm hl[] = {{"شرك", 6, false, 1.0f, NULL, 0, NULL, 0}};
    for (uint32_t len = 1; len < 30; len += 3) {
        const char *s = snip(f, text, hl, 1, len, 1, NULL, NULL);
        check_pieces(s, text, "<b>", "</b>");
        json_t *j = json_string(s); /* jansson rejects invalid UTF-8 */
        assert_non_null(j);
        json_decref(j);
    }
    /* the runs of non-words cut to a few characters around a fragment are
     * cut between grapheme clusters: never between a flag's two regional
     * indicators (🇸🇦 cut after 🇸 showed 🇸🇦🇸🇦 as 🇦🇸, another flag) nor
     * inside an emoji ZWJ sequence (👨‍👩‍👧‍👦) */
#define SA "\xF0\x9F\x87\xB8\xF0\x9F\x87\xA6"
#define FAMILY                                                                                     \
    "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7\xE2\x80\x8D\xF0\x9F" \
    "\x91"                                                                                         \
    "\xA6"
    fh_hlterm wz[] = {{"وزير", 8, false, 1.0f, NULL, 0, NULL, 0}};
    const char *s = snip(f, "قال الوزير!" SA SA SA SA " ثم مضى بعيدا عن القاعة الكبرى", wz, 1, 10,
                         1, NULL, NULL);
    assert_string_equal(s, "قال <b>الوزير</b>!" SA SA SA " \xE2\x80\xA6");
    s = snip(f, SA SA SA SA SA " الوزير قال", wz, 1, 10, 1, NULL, NULL);
    assert_string_equal(s, "\xE2\x80\xA6 " SA SA SA " <b>الوزير</b> قال");
    s = snip(f, "قال الوزير!!" FAMILY " ثم مضى بعيدا عن القاعة الكبرى", wz, 1, 10, 1, NULL, NULL);
    assert_string_equal(s, "قال <b>الوزير</b>!! \xE2\x80\xA6");
    /* a text without words, cut at max_chars */
    s = snip(f, SA SA SA SA SA SA, wz, 1, 5, 1, NULL, NULL);
    assert_string_equal(s, SA SA "\xE2\x80\xA6");
    /* a run of any length: 200 flags before the word are cut at a flag's
     * start (a cut decided from the 256 bytes before it paired them
     * wrongly: 🇦🇸🇦🇸), and a mark's base carrying 300 marks is one cluster
     * (a cut from the middle of the marks showed the base and 70 of them) */
    char *long_text = malloc(200 * 8 + 64);
    assert_non_null(long_text);
    long_text[0] = '\0';
    for (int i = 0; i < 200; i++)
        strcat(long_text, SA);
    strcat(long_text, " الوزير قال");
    s = snip(f, long_text, wz, 1, 10, 1, NULL, NULL);
    assert_string_equal(s, "\xE2\x80\xA6 " SA SA SA " <b>الوزير</b> قال");
    strcpy(long_text, "!");
    for (int i = 0; i < 300; i++)
        strcat(long_text, "\xCC\x81"); /* U+0301 */
    s = snip(f, long_text, wz, 1, 200, 1, NULL, NULL);
    assert_string_equal(s, "\xE2\x80\xA6");
    free(long_text);
#undef SA
#undef FAMILY
}

static void test_clause_boundaries(void **state)
{
    fx *f = *state;
    fh_hlterm hl[] = {{"صين", 6, false, 1.0f, NULL, 0, NULL, 0}};
    const char *clause = "والشركات الصينية تعلن نموذجا جديدا للذكاء الاصطناعي.";
    const char *s = snip(f, LONG, hl, 1, (uint32_t)chars(clause), 1, NULL, NULL);
    /* the window is exactly the clause between "،" and "." */
    assert_non_null(strstr(s, "والشركات <b>الصينية</b> تعلن نموذجا جديدا للذكاء الاصطناعي."));
    assert_memory_equal(s, "\xE2\x80\xA6 والشركات", strlen("\xE2\x80\xA6 والشركات"));
    /* the colon of 10:30 and a URL's :// and dots are not clause ends (a
     * fragment began at "30" and at "example.com"); a colon or a full stop
     * followed by a space is, and so are U+2028 and U+0085 */
    fh_hlterm mz[] = {{"ميزان", 10, false, 1.0f, NULL, 0, NULL, 0}};
    static const char *const t1 = "افتتحت الجلسة العامة في الساعة 10:30 صباحا وناقش النواب "
                                  "الميزانية الجديدة للدولة طوال اليوم";
    s = snip(f, t1, mz, 1, 60, 1, NULL, NULL);
    assert_string_equal(s, "\xE2\x80\xA6 10:30 صباحا وناقش النواب <b>الميزانية</b> "
                           "الجديدة للدولة طوال اليوم");
    static const char *const t2 = "نشر الموقع https://www.example.com/news/page ثم ناقش "
                                  "النواب الميزانية الجديدة للدولة طوال اليوم";
    s = snip(f, t2, mz, 1, 60, 1, NULL, NULL);
    assert_null(strstr(s, "\xE2\x80\xA6 example"));
    assert_null(strstr(s, "\xE2\x80\xA6 www"));
    static const char *const t3 = "افتتحت الجلسة العامة في الساعة العاشرة: صباحا وناقش "
                                  "النواب الميزانية الجديدة للدولة طوال اليوم وحتى ساعة "
                                  "متأخرة من الليل";
    s = snip(f, t3, mz, 1, 60, 1, NULL, NULL);
    assert_memory_equal(s, "\xE2\x80\xA6 صباحا", strlen("\xE2\x80\xA6 صباحا"));
    static const char *const seps[] = {"\xE2\x80\xA8", "\xC2\x85"};
    for (size_t i = 0; i < 2; i++) {
        char t4[512];
        snprintf(t4, sizeof t4,
                 "افتتحت الجلسة العامة في الساعة العاشرة%s صباحا وناقش النواب "
                 "الميزانية الجديدة للدولة طوال اليوم وحتى ساعة متأخرة من الليل",
                 seps[i]);
        s = snip(f, t4, mz, 1, 60, 1, NULL, NULL);
        assert_memory_equal(s, "\xE2\x80\xA6 صباحا", strlen("\xE2\x80\xA6 صباحا"));
    }
}

static void test_markers_and_title(void **state)
{
    fx *f = *state;
    fh_hlterm hl[] = {{"شرك", 6, false, 1.0f, NULL, 0, NULL, 0}};
    const char *s = snip(f, "الشركات \"الكبرى\"\n", hl, 1, 0, 1, "[[", "]]");
    assert_string_equal(s, "[[الشركات]] \"الكبرى\"\n");
    /* markers with JSON specials are escaped: the output parses */
    s = snip(f, "الشركات", hl, 1, 0, 1, "<em class=\"q\">", "</em>");
    assert_string_equal(s, "<em class=\"q\">الشركات</em>");
    /* through fh_search: the title is highlighted too */
    fh_buf out, err;
    fh_buf_init(&out, 1 << 20);
    fh_buf_init(&err, 1024);
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.hl_open = "{";
    o.hl_close = "}";
    assert_int_equal(fh_search(f->ix.s, &o, "الشركات", strlen("الشركات"), &out, &err), 0);
    json_t *j = json_loadb(out.data, out.len, 0, NULL);
    assert_non_null(j);
    json_t *h = json_array_get(json_object_get(j, "hits"), 0);
    assert_string_equal(json_string_value(json_object_get(h, "title")),
                        "{والشركات} الصينية في السوق");
    const char *sn = json_string_value(json_object_get(h, "snippet"));
    if (!strstr(sn, "{والشركات}") && !strstr(sn, "{الشركات}"))
        fail_msg("snippet without highlight: %s", sn);
    json_decref(j);
    fh_buf_free(&out);
    fh_buf_free(&err);
}

/* A whole text with nothing to mark (a title when the index has no title
 * field) skips the analysis: the output must be byte for byte what the
 * analysed path gives for a term that matches nothing, in both escapes. */
static void test_whole_text_unmarked(void **state)
{
    fx *f = *state;
    static const char *const texts[] = {
        "",
        "***",
        "«الشركات» \"الكبرى\" & <b>النفط</b>\n",
        "  \t(قال) الرئيس: نعم؛ لا!  ",
        "a\x01b\\c\r\n\x1f د",
        "DeepSeek-R1 و٧٬٢٠٠٬٠٠٠ ريال…",
        "عاجل: انهيار الأسواق!!!!!!!!!!!!",
        "■■■■■■■■■■ الأسواق ■■■■■■■■■■",
    };
    fh_hlterm none[] = {{"زززز", 8, false, 1.0f, NULL, 0, NULL, 0}};
    fh_buf other;
    fh_buf_init(&other, 1 << 20);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        for (int html = 0; html < 2; html++) {
            fh_search_opts o;
            fh_search_opts_default(&o);
            o.escape_html = html;
            const char *t = texts[i];
            fh_buf_reset(&f->out);
            fh_buf_reset(&other);
            assert_int_equal(fh_snippet(f->ix.s, t, strlen(t), NULL, 0, &o, 0, 1, &f->out), 0);
            assert_int_equal(fh_snippet(f->ix.s, t, strlen(t), none, 1, &o, 0, 1, &other), 0);
            if (f->out.len != other.len || memcmp(f->out.data, other.data, other.len) != 0)
                fail_msg("text %zu, html %d: %.*s against %.*s", i, html, (int)f->out.len,
                         f->out.data, (int)other.len, other.data);
            json_t *j = json_loadb(f->out.data, f->out.len, JSON_DECODE_ANY, NULL);
            assert_non_null(j);
            if (!html)
                assert_string_equal(json_string_value(j), t);
            json_decref(j);
        }
    }
    fh_buf_free(&other);
    /* a whole text with a match: the text as it is, with the markers, however
     * long the runs of non-words around the words */
    fh_hlterm hl[] = {{"اسواق", 10, false, 1.0f, NULL, 0, NULL, 0}};
    assert_string_equal(snip(f, texts[6], hl, 1, 0, 1, NULL, NULL),
                        "عاجل: انهيار <b>الأسواق</b>!!!!!!!!!!!!");
    assert_string_equal(snip(f, texts[7], hl, 1, 0, 1, NULL, NULL),
                        "■■■■■■■■■■ <b>الأسواق</b> ■■■■■■■■■■");
}

/* Each fragment of several must show a query word: a clause-bounded window
 * without one never beats a word already shown, and none is added when no
 * other match is left. */
static void test_every_fragment_shows_a_query_word(void **state)
{
    fx *f = *state;
    const char *text = "حذرت شركات طيران كبرى من ارتفاع أسعار الوقود خلال موسم الصيف. "
                       "وقال مسؤول في إحدى الشركات إن الأسعار سترتفع قريبا.";
    fh_hlterm hl[] = {{"شرك", 6, false, 2.0f, NULL, 0, NULL, 0}};
    for (uint32_t len = 12; len <= 40; len += 4) {
        const char *s = snip(f, text, hl, 1, len, 2, NULL, NULL);
        check_pieces(s, text, "<b>", "</b>");
        char buf[8192];
        snprintf(buf, sizeof buf, "%s", s);
        unsigned nfrag = 0;
        for (char *piece = buf, *next; piece; piece = next) {
            next = strstr(piece, "\xE2\x80\xA6");
            if (next) {
                *next = '\0';
                next += 3;
            }
            if (strspn(piece, " ") == strlen(piece))
                continue;
            nfrag++;
            if (!strstr(piece, "<b>"))
                fail_msg("len %u: a fragment without a query word: [%s] in %s", len, piece, s);
        }
        assert_int_equal(nfrag, 2);
    }
    /* one match in the text: one fragment, although two were asked for */
    fh_hlterm fuel[] = {{"وقود", 8, false, 2.0f, NULL, 0, NULL, 0}};
    const char *s = snip(f, text, fuel, 1, 20, 2, NULL, NULL);
    assert_non_null(strstr(s, "<b>الوقود</b>"));
    assert_null(strstr(s, "\xE2\x80\xA6 \xE2\x80\xA6"));
    assert_null(strstr(s, "حذرت"));
    assert_null(strstr(s, "قريبا"));
}

/* Fragments that touch (no word between them) keep the text between them
 * as it stands: a guillemet, a dash, a comma were replaced by one space
 * (بعنوان «مرحبا became بعنوان مرحبا), and a long run of non-words went
 * unmarked. A gap longer than a fragment is elided with an ellipsis. */
static void test_touching_fragments(void **state)
{
    fx *f = *state;
    const char *text = "أطلق المهرجان حملة بعنوان «مرحبا بكم» في المدينة — (بيتا) «جاما» ، دلتا";
    fh_hlterm hl[] = {{"عنوان", 10, false, 2.0f, NULL, 0, NULL, 0},
                      {"مرحب", 8, false, 2.0f, NULL, 0, NULL, 0},
                      {"بيت", 6, false, 1.0f, NULL, 0, NULL, 0},
                      {"جام", 6, false, 1.0f, NULL, 0, NULL, 0},
                      {"دلتا", 8, false, 1.0f, NULL, 0, NULL, 0}};
    const char *s = snip(f, text, hl, 2, 10, 2, "[", "]");
    assert_non_null(strstr(s, "[بعنوان] «[مرحبا]"));
    s = snip(f, text, hl + 2, 3, 6, 3, "[", "]");
    assert_non_null(strstr(s, "[بيتا]) «[جاما]» ، [دلتا]"));
    /* every piece between ellipses, markers taken out, is the text's own */
    for (uint32_t len = 4; len <= 24; len += 2) {
        for (uint32_t count = 1; count <= 5; count++) {
            char buf[8192];
            snprintf(buf, sizeof buf, "%s", snip(f, text, hl, 5, len, count, "[", "]"));
            char *w = buf;
            for (const char *p = buf; *p; p++)
                if (*p != '[' && *p != ']')
                    *w++ = *p;
            *w = '\0';
            for (char *piece = buf, *next; piece; piece = next) {
                if ((next = strstr(piece, "\xE2\x80\xA6")) != NULL) {
                    *next = '\0';
                    next += 3;
                }
                piece += strspn(piece, " ");
                size_t n = strlen(piece);
                while (n && piece[n - 1] == ' ')
                    piece[--n] = '\0';
                if (n && !strstr(text, piece))
                    fail_msg("len %u count %u: [%s] is not in the text", len, count, piece);
            }
        }
    }
    /* a run of non-words longer than a fragment between two that touch */
    char longer[1024];
    int n = snprintf(longer, sizeof longer, "كلمة أولى ");
    for (int i = 0; i < 100; i++)
        n += snprintf(longer + n, sizeof longer - (size_t)n, "- ");
    snprintf(longer + n, sizeof longer - (size_t)n, "مرحبا أخيرة");
    fh_hlterm both[] = {{"اول", 6, false, 1.0f, NULL, 0, NULL, 0},
                        {"مرحب", 8, false, 1.0f, NULL, 0, NULL, 0}};
    s = snip(f, longer, both, 2, 10, 2, "[", "]");
    assert_non_null(strstr(s, "[أولى] \xE2\x80\xA6 [مرحبا]"));
    assert_null(strstr(s, "- -"));
}

/* Non-word text around a fragment (a leading run, closing punctuation, the
 * text's own ending) shows a few characters, never thousands. */
static void test_long_runs_of_non_words(void **state)
{
    fx *f = *state;
    fh_hlterm hl[] = {{"شرك", 6, false, 2.0f, NULL, 0, NULL, 0}};
    static char text[8192];
    static const char *const runs[][3] = {
        {"", "=", " الشركات الصينية تعلن"},
        {"الشركات الصينية تعلن", "!", ""},
        {"كلمة كلمة كلمة كلمة كلمة الشركات", "\xE2\x80\x94", "أخرى كلمة كلمة كلمة"}};
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        int n = snprintf(text, sizeof text, "%s", runs[r][0]);
        for (int i = 0; i < 2000; i++)
            n += snprintf(text + n, sizeof text - (size_t)n, "%s", runs[r][1]);
        snprintf(text + n, sizeof text - (size_t)n, "%s", runs[r][2]);
        const char *s = snip(f, text, hl, 1, 40, 1, NULL, NULL);
        assert_non_null(strstr(s, "<b>الشركات</b>"));
        size_t chars = fh_utf8_chars(s, strlen(s));
        if (chars > 40 + 30)
            fail_msg("run %zu: a %zu-character snippet for snippet_len 40: [%.200s]", r, chars, s);
    }
}

/* A text of more words than any limit on the analysis's units: the match
 * near its end is found and shown in a window of snippet_len characters,
 * elided on both sides. */
static void test_match_deep_in_a_long_text(void **state)
{
    fx *f = *state;
    const size_t nwords = 250000, at = 240000;
    const char *filler = "حشو ", *word = "الشركات ";
    char *text = malloc(nwords * strlen(word) + 1), *w = text;
    assert_non_null(text);
    for (size_t i = 0; i < nwords; i++) {
        const char *x = i == at ? word : filler;
        memcpy(w, x, strlen(x));
        w += strlen(x);
    }
    w[-1] = '.';
    *w = '\0';
    fh_hlterm hl[] = {{"شرك", 6, false, 2.0f, NULL, 0, NULL, 0}};
    const char *s = snip(f, text, hl, 1, 40, 1, NULL, NULL);
    assert_non_null(strstr(s, "<b>الشركات</b>"));
    assert_memory_equal(s, "\xE2\x80\xA6 ", 4);
    assert_non_null(strstr(s, " \xE2\x80\xA6"));
    assert_true(chars(s) <= 40 + 4 + 7);
    free(text);
}

/* A mixed token whose parts match several terms counts as its heaviest (as a
 * word matching several terms does), whichever part comes first: here the
 * window holding alpha-beta and alpha covers beta (3) and alpha (1), and
 * beats the later window that holds beta alone. */
static void test_mixed_token_counts_its_heaviest_part(void **state)
{
    fx *f = *state;
    static const char *const text = "قال alpha-beta ثم alpha وذهب بعيدا عن البيت "
                                    "في الصباح الباكر جدا قبل أن يعود ومعه beta";
    fh_hlterm hl[] = {{"alpha", 5, false, 1.0f, NULL, 0, NULL, 0},
                      {"beta", 4, false, 3.0f, NULL, 0, NULL, 0}};
    const char *s = snip(f, text, hl, 2, 24, 1, NULL, NULL);
    check_pieces(s, text, "<b>", "</b>");
    assert_non_null(strstr(s, "<b>alpha-beta</b> ثم <b>alpha</b>"));
    assert_null(strstr(s, "ومعه"));
}

/* A window that shows one more query term wins over one that repeats a term,
 * however rare that term: coverage first, then clause edges, then repeats;
 * a later fragment prefers a term not yet shown. */
static void test_coverage_beats_repeats(void **state)
{
    fx *f = *state;
    static const char *const text =
        "ظهر البركان ثم البركان ثم البركان مجددا. كلام عادي لا علاقة له بالموضوع المطروح "
        "هنا ابدا كلام عادي لا علاقة له بالموضوع المطروح هنا ابدا ثم البركان والطقس معا.";
    fh_hlterm hl[] = {{"بركان", 10, false, 4.0f, NULL, 0, NULL, 0},
                      {"طقس", 6, false, 0.2f, NULL, 0, NULL, 0}};
    const char *s = snip(f, text, hl, 2, 45, 1, NULL, NULL);
    check_pieces(s, text, "<b>", "</b>");
    assert_non_null(strstr(s, "<b>البركان</b> <b>والطقس</b> معا."));
    /* two fragments: the second shows the term the first did not */
    static const char *const text2 =
        "ظهر البركان ثم البركان مجددا. كلام عادي لا علاقة له بالموضوع المطروح هنا ابدا "
        "وبعده البركان ثم البركان مرة اخرى. كلام عادي لا علاقة له بالموضوع المطروح هنا "
        "ابدا وتغير الطقس فجأة.";
    s = snip(f, text2, hl, 2, 30, 2, NULL, NULL);
    check_pieces(s, text2, "<b>", "</b>");
    assert_non_null(strstr(s, "<b>الطقس</b>"));
    assert_non_null(strstr(s, "<b>البركان</b>"));
}

/* A fragment may end before max_chars to end at a clause's end: the clause
 * that holds the match, not the end of the one before it. */
static void test_clause_bounded_window(void **state)
{
    fx *f = *state;
    static const char *const text =
        "كلام عادي لا علاقة له بالموضوع المطروح هنا ابدا نهاية الفقرة. ظهر الزلزال في "
        "المدينة. كلام عادي لا علاقة له بالموضوع المطروح هنا ابدا";
    fh_hlterm hl[] = {{"زلزال", 10, false, 1.0f, NULL, 0, NULL, 0}};
    const char *s = snip(f, text, hl, 1, 30, 1, NULL, NULL);
    assert_string_equal(s, "\xE2\x80\xA6 ظهر <b>الزلزال</b> في المدينة. \xE2\x80\xA6");
    /* a clause wins over repeats of the same terms, however many */
    static const char *const t2 = "قمح شعير ذرة. كلام كلام كلام كلام كلام كلام كلام كلام كلام كلام "
                                  "كلام كلام قمح شعير ذرة قمح شعير "
                                  "ذرة قمح شعير ذرة كلام كلام";
    fh_hlterm g[] = {{"قمح", 6, false, 1.0f, NULL, 0, NULL, 0},
                     {"شعير", 8, false, 1.0f, NULL, 0, NULL, 0},
                     {"ذر", 4, false, 1.0f, NULL, 0, NULL, 0}};
    s = snip(f, t2, g, 3, 60, 1, NULL, NULL);
    assert_memory_equal(s, "<b>قمح</b> <b>شعير</b> <b>ذرة</b>.",
                        strlen("<b>قمح</b> <b>شعير</b> <b>ذرة</b>."));
}

/* A match in the text's last short clause: the window cannot run forward
 * past the end, so it takes in the words before it up to the length, from a
 * clause start, instead of the clause alone ("… قبل أن ينتهي اللقاء."). */
/* an embedding or isolate a fragment opens is closed where text is elided
 * after it (an RLE whose PDF was cut off left the ellipsis and the next
 * fragment right to left); a fragment that closes its own is left alone */
static void test_bidi_controls_closed_at_a_cut(void **state)
{
    fx *f = *state;
#define RLE "\xE2\x80\xAB"
#define PDF "\xE2\x80\xAC"
#define RLI "\xE2\x81\xA7"
#define PDI "\xE2\x81\xA9"
    fh_hlterm wz[] = {{"وزير", 8, false, 1.0f, NULL, 0, NULL, 0}};
    const char *s =
        snip(f, "قال " RLE "الوزير كلاما طويلا جدا عن القاعة الكبرى والمدينة" PDF " نهاية", wz, 1,
             20, 1, NULL, NULL);
    assert_string_equal(s, "قال " RLE "<b>الوزير</b> كلاما" PDF " \xE2\x80\xA6");
    /* innermost first: the embedding inside the isolate, then the isolate */
    s = snip(f,
             "قال " RLI "المدير " RLE "الوزير كلاما طويلا جدا عن القاعة الكبرى" PDF " والمدينة" PDI
             " نهاية",
             wz, 1, 20, 1, NULL, NULL);
    assert_string_equal(s, "قال " RLI "المدير " RLE "<b>الوزير</b>" PDF PDI " \xE2\x80\xA6");
    /* closed inside the fragment: nothing added */
    s = snip(f, "قال " RLE "الوزير كلاما" PDF " طويلا جدا عن القاعة الكبرى والمدينة نهاية", wz, 1,
             20, 1, NULL, NULL);
    assert_string_equal(s, "قال " RLE "<b>الوزير</b> كلاما" PDF " \xE2\x80\xA6");
    /* between two fragments: the first is closed before its ellipsis */
    s = snip(f,
             "قال " RLE "الوزير كلاما طويلا جدا عن القاعة الكبرى والمدينة والقرى والجبال والوديان "
             "ثم الوزير" PDF " نهاية",
             wz, 1, 12, 2, NULL, NULL);
    assert_non_null(strstr(s, "<b>الوزير</b>" PDF " \xE2\x80\xA6 "));
    /* a text without words cut at max_chars */
    s = snip(f, RLE "!!!!!!!!!!!!" PDF, wz, 1, 5, 1, NULL, NULL);
    assert_string_equal(s, RLE "!!!!" PDF "\xE2\x80\xA6");
    /* a fragment after elided text starts with the openers in effect there,
       so its own closer closes them, not something around the snippet */
    s = snip(f, "قال " RLE "كلاما طويلا جدا عن القاعة الكبرى والمدينة ثم الوزير" PDF " نهاية", wz,
             1, 12, 1, NULL, NULL);
    /* (a format character belongs to the word before it, UAX #29) */
    assert_string_equal(s, "\xE2\x80\xA6 " RLE "ثم <b>الوزير" PDF "</b> \xE2\x80\xA6");
    s = snip(f,
             "قال " RLI "المدير " RLE "كلاما طويلا جدا عن القاعة الكبرى" PDF " والمدينة الوزير" PDI
             " نهاية",
             wz, 1, 16, 1, NULL, NULL);
    /* only the isolate is open where the fragment starts (the embedding in
       it was closed in the elided text) */
    assert_string_equal(s, "\xE2\x80\xA6 " RLI "<b>الوزير" PDI "</b> نهاية");
#undef RLE
#undef PDF
#undef RLI
#undef PDI
}

/* a line separator, a paragraph separator or a C1 control in the text is
 * written as its escape: the reply stays one line to every reader */
static void test_line_breaks_escaped(void **state)
{
    fx *f = *state;
    fh_hlterm wz[] = {{"وزير", 8, false, 1.0f, NULL, 0, NULL, 0}};
    const char *t = "قال\xE2\x80\xA8الوزير\xC2\x85كلاما\xE2\x80\xA9نهاية";
    const char *s = snip(f, t, wz, 1, 0, 1, NULL, NULL);
    assert_string_equal(s, "قال\xE2\x80\xA8<b>الوزير</b>\xC2\x85كلاما\xE2\x80\xA9نهاية");
    fh_buf_addc(&f->out, '\0');
    assert_string_equal(f->out.data, "\"قال\\u2028<b>الوزير</b>\\u0085كلاما\\u2029نهاية\"");
}

static void test_match_at_the_end_fills_the_length(void **state)
{
    fx *f = *state;
    static const char *const text =
        "وقال الوزير في مؤتمر صحفي عقده مساء أمس في العاصمة بحضور عدد كبير من الصحفيين "
        "والمراسلين إن الحكومة تعمل منذ أشهر على خطة شاملة لإصلاح قطاع الكهرباء وتحسين "
        "الخدمات في المدن والقرى، بالمفاوضات نصل إلى الحل.";
    fh_hlterm hl[] = {{"حل", 4, false, 2.0f, NULL, 0, NULL, 0}};
    /* the last clause alone is 26 characters: the words before it fill the
     * length (no clause start in reach) */
    const char *s = snip(f, text, hl, 1, 120, 1, NULL, NULL);
    check_pieces(s, text, "<b>", "</b>");
    const char *tail = "المدن والقرى، بالمفاوضات نصل إلى <b>الحل</b>.";
    assert_non_null(strstr(s, tail));
    assert_true(chars(s) > 110);
    assert_true(chars(s) <= 120 + 2 + 7 + 1);
    /* a last clause of half the length or more stays alone */
    fh_hlterm hl2[] = {{"لقاء", 8, false, 2.0f, NULL, 0, NULL, 0}};
    s = snip(f, LONG, hl2, 1, 100, 1, NULL, NULL);
    const char *last = "\xE2\x80\xA6 وفي النهاية عاد المتحدث إلى الشركات مرة أخرى قبل أن "
                       "ينتهي <b>اللقاء</b>.";
    assert_string_equal(s, last);
    /* two fragments: the last clause (24 characters) is half of 40 or more */
    fh_hlterm two[] = {{"حل", 4, false, 2.0f, NULL, 0, NULL, 0},
                       {"حكوم", 8, false, 1.0f, NULL, 0, NULL, 0}};
    s = snip(f, text, two, 2, 40, 2, NULL, NULL);
    check_pieces(s, text, "<b>", "</b>");
    const char *a = strstr(s, "<b>الحكومة</b>"), *b = strstr(s, "<b>الحل</b>");
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a < b);
    assert_non_null(strstr(s, " \xE2\x80\xA6 بالمفاوضات نصل إلى <b>الحل</b>."));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_word_highlight),
        cmocka_unit_test(test_window_bounds_and_ellipses),
        cmocka_unit_test(test_utf8_never_cut),
        cmocka_unit_test(test_clause_boundaries),
        cmocka_unit_test(test_markers_and_title),
        cmocka_unit_test(test_whole_text_unmarked),
        cmocka_unit_test(test_every_fragment_shows_a_query_word),
        cmocka_unit_test(test_touching_fragments),
        cmocka_unit_test(test_match_deep_in_a_long_text),
        cmocka_unit_test(test_match_at_the_end_fills_the_length),
        cmocka_unit_test(test_mixed_token_counts_its_heaviest_part),
        cmocka_unit_test(test_coverage_beats_repeats),
        cmocka_unit_test(test_clause_bounded_window),
        cmocka_unit_test(test_long_runs_of_non_words),
        cmocka_unit_test(test_bidi_controls_closed_at_a_cut),
        cmocka_unit_test(test_line_breaks_escaped),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
