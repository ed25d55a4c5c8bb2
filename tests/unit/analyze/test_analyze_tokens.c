/* test_analyze_tokens.c — word splitting: offsets that slice the ORIGINAL
 * bytes, positions, mixed tokens (whole + parts), stop flags, invalid UTF-8,
 * NUL bytes, truncation of very long words, other scripts. */
#include "an_helpers.h"
#include "fahras/err.h"

#include <stdio.h>
#include <stdlib.h>

/* Every token's [offset, offset+length) must be exactly `surfaces[i]`. */
static void check_surfaces(an_ctx *c, const char *text, const char *const *surfaces, size_t n)
{
    an_run(c, text);
    assert_int_equal(c->n, n);
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(surfaces[i]);
        if (c->t[i].length != l || memcmp(text + c->t[i].offset, surfaces[i], l) != 0) {
            print_error("token %zu: got '%.*s' want '%s'\n", i, (int)c->t[i].length,
                        text + c->t[i].offset, surfaces[i]);
            fail();
        }
    }
}

static void test_offsets_with_diacritics(void **state)
{
    (void)state;
    an_ctx c;
    an_open(&c, FH_STEM_LIGHT10, false);
    const char *text = "وَقَالَ الْمُدِيرُ: إِنَّ الشَّرِكَةَ ٱلۡكُبۡرَىٰ";
    const char *want[] = {"وَقَالَ", "الْمُدِيرُ", "إِنَّ", "الشَّرِكَةَ", "ٱلۡكُبۡرَىٰ"};
    check_surfaces(&c, text, want, 5);
    assert_string_equal(c.t[3].norm, "الشركه");
    assert_string_equal(c.t[4].norm, "الكبري");
    /* a mark before any letter is not part of a word */
    const char *text2 = " َكتب ـ ";
    const char *want2[] = {"كتب"};
    check_surfaces(&c, text2, want2, 1);
    an_close(&c);
}

static void test_offsets_with_tatweel_and_presentation_forms(void **state)
{
    (void)state;
    an_ctx c;
    an_open(&c, FH_STEM_LIGHT10, false);
    const char *text = "الـعـربـيـة ﻻ شيء ﷲ ﺍﻟﺴﻼﻡ، ﻷن";
    const char *want[] = {"الـعـربـيـة", "ﻻ", "شيء", "ﷲ", "ﺍﻟﺴﻼﻡ", "ﻷن"};
    check_surfaces(&c, text, want, 6);
    assert_string_equal(c.t[1].norm, "لا");
    assert_string_equal(c.t[3].norm, "الله");
    assert_string_equal(c.t[4].norm, "السلام");
    assert_string_equal(c.t[5].norm, "لان");
    /* a ligature that expands to several words: each word spans the ligature */
    an_run(&c, "ﷺ");
    assert_int_equal(c.n, 4);
    for (size_t i = 0; i < c.n; i++) {
        assert_int_equal(c.t[i].offset, 0);
        assert_int_equal(c.t[i].length, 3);
        assert_int_equal(c.t[i].position, i);
    }
    an_close(&c);
}

typedef struct exp_tok {
    const char *surface;
    const char *norm;
    uint32_t position;
    uint32_t flags; /* checked bits: WHOLE PART LATIN NUMERIC */
} exp_tok;

static void check_tokens(an_ctx *c, const char *text, const exp_tok *want, size_t n)
{
    const uint32_t mask = FH_TOK_WHOLE | FH_TOK_PART | FH_TOK_LATIN | FH_TOK_NUMERIC;
    an_run(c, text);
    if (c->n != n) {
        print_error("'%s': %zu tokens, want %zu\n", text, c->n, n);
        fail();
    }
    for (size_t i = 0; i < n; i++) {
        const fh_token *t = &c->t[i];
        size_t l = strlen(want[i].surface);
        if (t->length != l || memcmp(text + t->offset, want[i].surface, l) != 0 ||
            strcmp(t->norm, want[i].norm) != 0 || t->position != want[i].position ||
            (t->flags & mask) != want[i].flags) {
            print_error("'%s' token %zu: '%.*s' '%s' pos %u flags %x; want '%s' '%s' %u %x\n",
                        text, i, (int)t->length, text + t->offset, t->norm, t->position,
                        t->flags & mask, want[i].surface, want[i].norm, want[i].position,
                        want[i].flags);
            fail();
        }
    }
}

#define W FH_TOK_WHOLE
#define P FH_TOK_PART
#define L FH_TOK_LATIN
#define N FH_TOK_NUMERIC

static void test_mixed_tokens(void **state)
{
    (void)state;
    an_ctx c;
    an_open(&c, FH_STEM_LIGHT10, false);
    const exp_tok deepseek[] = {
        {"أطلقت", "اطلقت", 0, 0},
        {"DeepSeek-R1", "deepseek-r1", 1, W | L},
        {"DeepSeek", "deepseek", 1, P | L},
        {"R", "r", 2, P | L},
        {"1", "1", 3, P | N},
        {"اليوم", "اليوم", 4, 0},
    };
    check_tokens(&c, "أطلقت DeepSeek-R1 اليوم", deepseek, 6);
    const exp_tok h800[] = {
        {"H800", "h800", 0, W | L}, {"H", "h", 0, P | L}, {"800", "800", 1, P | N},
    };
    check_tokens(&c, "H800", h800, 3);
    const exp_tok openai[] = {
        {"OpenAI-o1-1217", "openai-o1-1217", 0, W | L},
        {"OpenAI", "openai", 0, P | L},
        {"o", "o", 1, P | L},
        {"1", "1", 2, P | N},
        {"1217", "1217", 3, P | N},
    };
    check_tokens(&c, "OpenAI-o1-1217", openai, 5);
    const exp_tok gpt[] = {
        {"GPT-4o", "gpt-4o", 0, W | L}, {"GPT", "gpt", 0, P | L},
        {"4", "4", 1, P | N},           {"o", "o", 2, P | L},
        {"COVID-19", "covid-19", 3, W | L}, {"COVID", "covid", 3, P | L},
        {"19", "19", 4, P | N},
    };
    check_tokens(&c, "GPT-4o (COVID-19)", gpt, 7);
    const exp_tok nums[] = {
        {"5.6", "5.6", 0, W | N}, {"5", "5", 0, P | N}, {"6", "6", 1, P | N},
        {"4%", "4%", 2, W | N},   {"4", "4", 2, P | N},
        {"٣٫٥٪", "3.5%", 3, W | N}, {"٣", "3", 3, P | N}, {"٥", "5", 4, P | N},
        {"2026", "2026", 5, N},
    };
    check_tokens(&c, "5.6 4% ٣٫٥٪ 2026.", nums, 9);
    /* a clitic glued to a Latin word or a number is a word of its own */
    const exp_tok clitic[] = {
        {"و", "و", 0, 0},          {"OpenAI", "openai", 1, L}, {"الـ", "ال", 2, 0},
        {"5G", "5g", 3, W | L},    {"5", "5", 3, P | N},       {"G", "g", 4, P | L},
        {"بنسبة", "بنسبه", 5, 0},  {"17%", "17%", 6, W | N},   {"17", "17", 6, P | N},
    };
    check_tokens(&c, "وOpenAI الـ5G بنسبة 17%", clitic, 9);
    /* a sentence-final period, a dash between spaces and a comma in Arabic
     * text do not join */
    const exp_tok sep[] = {
        {"Nvidia", "nvidia", 0, L}, {"قال", "قال", 1, 0}, {"2025", "2025", 2, N},
        {"وقال", "وقال", 3, 0},
    };
    check_tokens(&c, "Nvidia. قال - 2025.وقال", sep, 4);
    an_close(&c);
}

/* (1.19) Words written apart that are one word: a percentage with a space
 * or its sign in front (RTL text), and a compound name with عبد. Each reads
 * as the word written joined, spanning the space; nothing else joins. */
static void test_words_joined_across_a_space(void **state)
{
    (void)state;
    an_ctx c;
    an_open(&c, FH_STEM_LIGHT10, false);
    const exp_tok pct[] = {
        {"15 %", "15%", 0, W | N}, {"15", "15", 0, P | N},   {"15\xC2\xA0٪", "15%", 1, W | N},
        {"15", "15", 1, P | N},    {"%15", "15%", 2, W | N}, {"%15", "15", 2, P | N},
        {"٪١٢", "12%", 3, W | N},  {"٪١٢", "12", 3, P | N},  {"%97.2", "97.2%", 4, W | N},
        {"%97", "97", 4, P | N},   {"2", "2", 5, P | N},     {"%7%", "7%", 6, W | N},
        {"%7", "7", 6, P | N},
    };
    check_tokens(&c, "15 % 15\xC2\xA0٪ %15 ٪١٢ %97.2. %7%", pct, 13);
    /* not joined: two spaces, a % that leads the next number, a % inside a
     * word (a URL escape) */
    const exp_tok apart[] = {
        {"15", "15", 0, N},      {"15", "15", 1, N},        {"%20", "20%", 2, W | N},
        {"%20", "20", 2, P | N}, {"not", "not", 3, L},      {"20yet", "20yet", 4, W | L},
        {"20", "20", 4, P | N},  {"yet", "yet", 5, P | L},  {"%15", "15%", 6, W | N},
        {"%15", "15", 6, P | N}, {"15 %", "15%", 7, W | N}, {"15", "15", 7, P | N},
    };
    /* a decimal, a grouped number and one after a proclitic join too */
    const exp_tok more[] = {
        {"2.5 %", "2.5%", 0, W | N},    {"2", "2", 0, P | N},        {"5", "5", 1, P | N},
        {"1,250 %", "1250%", 2, W | N}, {"1,250", "1250", 2, P | N}, {"و", "و", 3, 0},
        {"15 %", "15%", 4, W | N},      {"15", "15", 4, P | N},
    };
    check_tokens(&c, "2.5 % 1,250 % و15 %", more, 8);
    /* ... and a number that has its % in front takes no second one */
    check_tokens(&c, "15  % 15 %20 not%20yet %15 % 15 %", apart, 12);
    const exp_tok abd[] = {
        {"قال", "قال", 0, 0},
        {"عبد الله", "عبدالله", 1, 0},
        {"وعبد العزيز", "وعبدالعزيز", 2, 0},
        {"عبدُ\xC2\xA0الرحمن", "عبدالرحمن", 3, 0},
        {"عبدالله", "عبدالله", 4, 0},
        {"عبد", "عبد", 5, 0},
        {"الله", "الله", 6, 0},
        {"عبد", "عبد", 7, 0},
        {"الله", "الله", 8, 0},
        {"عبده", "عبده", 9, 0},
        {"الله", "الله", 10, 0},
        {"عبد", "عبد", 11, 0},
        {"ال", "ال", 12, 0},
    };
    check_tokens(
        &c,
        "قال عبد الله وعبد العزيز عبدُ\xC2\xA0الرحمن عبدالله عبد  الله عبد\nالله عبده الله عبد ال",
        abd, 13);
    /* per cent in words: the number gives the tokens of 15%, and the words
     * stay words of their own */
    const exp_tok words[] = {
        {"15", "15%", 0, W | N},
        {"15", "15", 0, P | N},
        {"في", "في", 1, 0},
        {"المائة", "المائه", 2, 0},
        {"2.5", "2.5%", 3, W | N},
        {"2", "2", 3, P | N},
        {"5", "5", 4, P | N},
        {"بالمئة", "بالمئه", 5, 0},
        {"و", "و", 6, 0},
        {"١٠", "10%", 7, W | N},
        {"١٠", "10", 7, P | N},
        {"فى", "في", 8, 0},
        {"المئة", "المئه", 9, 0},
        {"15", "15", 10, N},
        {"في", "في", 11, 0},
        {"المائتين", "المائتين", 12, 0},
        {"15", "15", 13, N},
        {"في", "في", 14, 0},
        {"المائة", "المائه", 15, 0},
    };
    check_tokens(&c, "15 في المائة 2.5 بالمئة و١٠ فى المئة 15 في المائتين 15 في  المائة", words,
                 19);
    /* vocalized text: ٱ, a sukun on the lam, tatweel; not after ل ب ك ف,
     * whose name light10 would keep whole (لعبدالله) */
    const exp_tok voc[] = {
        {"عَبْدُ ٱللَّهِ", "عبدالله", 0, 0},  {"عبد الْعزيز", "عبدالعزيز", 1, 0},
        {"عبد الـله", "عبدالله", 2, 0}, {"لعبد", "لعبد", 3, 0},
        {"الله", "الله", 4, 0},
    };
    check_tokens(&c, "عَبْدُ ٱللَّهِ عبد الْعزيز عبد الـله لعبد الله", voc, 5);
    /* a sign first after an Arabic word leads its number; not after a Latin
     * letter or = (URL escapes), nor before a number with a letter after it;
     * the fullwidth ％ is a sign too */
    const exp_tok lead[] = {
        {"بنسبة", "بنسبه", 0, 0}, {"%15", "15%", 1, W | N}, {"%15", "15", 1, P | N},
        {"و", "و", 2, 0},         {"%3", "3%", 3, W | N},   {"%3", "3", 3, P | N},
        {"q", "q", 4, L},         {"20", "20", 5, N},       {"20b", "20b", 6, W | L},
        {"20", "20", 6, P | N},   {"b", "b", 7, P | L},     {"15", "15", 8, N},
        {"％5", "5%", 9, W | N},  {"％5", "5", 9, P | N},
    };
    check_tokens(&c, "بنسبة%15 و%3 q=%20& %20b 15 ％5", lead, 14);
    /* the joined word stems as the word written joined */
    an_run(&c, "عبد الله عبدالله");
    assert_int_equal(c.n, 2);
    assert_int_equal(c.t[0].stem_len, c.t[1].stem_len);
    assert_memory_equal(c.t[0].stem, c.t[1].stem, c.t[0].stem_len);
    an_close(&c);
}

/* Analyzes text and asserts that exactly the tokens whose normalized form is
 * in stops[0..n) carry FH_TOK_STOP, and that each listed form occurs once. */
static void check_stops(an_ctx *c, const char *text, const char *const *stops, size_t n)
{
    an_run(c, text);
    size_t nstop = 0;
    for (size_t i = 0; i < c->n; i++) {
        bool want = false;
        for (size_t k = 0; k < n; k++)
            want = want || strcmp(c->t[i].norm, stops[k]) == 0;
        assert_int_equal(!!(c->t[i].flags & FH_TOK_STOP), want);
        nstop += want;
    }
    assert_int_equal(nstop, n);
}

static void test_stop_words_flagged(void **state)
{
    (void)state;
    an_ctx c;
    an_open(&c, FH_STEM_LIGHT10, false);
    const char *const stops[] = {"الي", "في", "وفي", "مع", "الذين", "هناك"};
    check_stops(&c, "ذهب إلى الشركة في الصباح وفي المساء مع الذين عملوا هناك", stops,
                sizeof stops / sizeof stops[0]);
    /* positions are kept for stop words: phrases still need them */
    assert_int_equal(c.t[c.n - 1].position, c.n - 1);
    assert_true(fh_analyzer_is_stopword(c.a, "الذي", strlen("الذي")));
    assert_true(fh_analyzer_is_stopword(c.a, "على", strlen("على"))); /* (1.24) ى kept */
    assert_false(fh_analyzer_is_stopword(c.a, "الشركه", strlen("الشركه")));
    /* interrogatives, with the joined spellings questions use (ARCD) */
    const char *q[] = {"كم", "ماهي", "ماهو", "بماذا", "متي", "لماذا", "باي", "لاي", "وباي"};
    for (size_t k = 0; k < sizeof q / sizeof q[0]; k++)
        assert_true(fh_analyzer_is_stopword(c.a, q[k], strlen(q[k])));
    assert_false(fh_analyzer_is_stopword(c.a, "", 0));
    /* a preposition joined to a demonstrative, relative or pronoun (1.3) */
    const char *j[] = {"لذلك", "بهذا", "فيما", "مما", "لديه", "بان", "وبانه"};
    for (size_t k = 0; k < sizeof j / sizeof j[0]; k++)
        assert_true(fh_analyzer_is_stopword(c.a, j[k], strlen(j[k])));
    /* through the analyzer: the relatives misspelled with a doubled lam and
     * أي after a preposition are stop words, the content words are not */
    const char *const qs[] = {"ما", "اللتي", "وباي", "اللذي", "لاي"};
    check_stops(&c, "ما المدينة اللتى زارها وبأيّ عام؟ اللذى لأي سبب", qs,
                sizeof qs / sizeof qs[0]);
    an_close(&c);
}

/* (1.24) The preposition على keeps its ى and stays a stop word; علي, the
 * name, is a content word with a stem of its own. Every spelling of the
 * preposition (marks, tatweel, presentation forms, the Persian ی) and its
 * و/ف forms keep the ى; elsewhere ى is still ي (مستشفى, إلى). The same for
 * every stemmer, and the stems of the two words never meet. */
static void test_ala_and_ali(void **state)
{
    (void)state;
    static const char ala[] = "\xD8\xB9\xD9\x84\xD9\x89"; /* على */
    static const fh_stemmer_kind kinds[] = {FH_STEM_LIGHT10, FH_STEM_SNOWBALL, FH_STEM_NONE};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        an_ctx c;
        an_open(&c, kinds[k], false);
        /* every spelling of the preposition, and (1.25) on me: ي with a
           shadda and no kasra or tanween */
        const char *const prep[] = {
            "على",        "عَلَى", "علىٰ", "علـى", "\xEF\xBB\x8B\xEF\xBB\xA0\xEF\xBB\xB0",
            "عل\xDB\x8C", "عليّ", "عَلَيَّ", "عليَّ"};
        for (size_t i = 0; i < sizeof prep / sizeof prep[0]; i++) {
            an_run(&c, prep[i]);
            assert_int_equal(c.n, 1);
            assert_string_equal(c.t[0].norm, ala);
            assert_true(c.t[0].flags & FH_TOK_STOP);
        }
        assert_true(fh_analyzer_is_stopword(c.a, ala, strlen(ala)));
        an_run(&c, "وعلى فعلى");
        assert_int_equal(c.n, 2);
        assert_string_equal(c.t[0].norm, "وعلى");
        assert_string_equal(c.t[1].norm, "فعلى");
        assert_true((c.t[0].flags & c.t[1].flags) & FH_TOK_STOP);
        /* the name, with or without a proclitic or article */
        an_run(&c, "علي");
        assert_string_equal(c.t[0].norm, "علي");
        assert_false(c.t[0].flags & FH_TOK_STOP);
        assert_false(fh_analyzer_is_stopword(c.a, "علي", strlen("علي")));
        char name[64];
        snprintf(name, sizeof name, "%s", c.t[0].stem);
        assert_string_not_equal(name, an_stem1(&c, "على"));
        assert_string_not_equal(name, an_stem1(&c, "عليكم"));
        if (kinds[k] == FH_STEM_LIGHT10) {
            /* the name is its own stem, with a proclitic or article too;
               العلة (a cause), عله and العليا (supreme) are other words */
            assert_string_equal(name, "علي");
            assert_string_equal(an_stem1(&c, "وعلي"), name);
            assert_string_equal(an_stem1(&c, "العلي"), name);
            assert_string_not_equal(an_stem1(&c, "العلة"), name);
            assert_string_not_equal(an_stem1(&c, "عله"), name);
            assert_string_not_equal(an_stem1(&c, "العليا"), name);
        }
        /* the name vocalized (عَلِيّ, عليٌّ) stays the name */
        const char *const named[] = {"عَلِيّ", "عليٌّ", "وعليّ"};
        for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
            an_run(&c, named[i]);
            assert_false(c.t[0].flags & FH_TOK_STOP);
        }
        /* in a mixed token, the whole term keeps the ى too */
        an_run(&c, "علىGoogle عليGoogle");
        assert_int_equal(c.n, 6);
        assert_string_equal(c.t[0].norm, "علىgoogle");
        assert_string_equal(c.t[1].norm, ala);
        assert_string_equal(c.t[3].norm, "عليgoogle");
        assert_string_equal(c.t[4].norm, "علي");
        /* على with a pronoun: stop words like عليه, not the name */
        const char *const pron[] = {"عليك", "عليكم", "عليكما", "عليهما", "عليهن", "عليكن"};
        for (size_t i = 0; i < sizeof pron / sizeof pron[0]; i++) {
            an_run(&c, pron[i]);
            assert_true(c.t[0].flags & FH_TOK_STOP);
        }
        /* only على: ى is ي elsewhere */
        assert_string_equal(an_norm1(&c, "مستشفى"), "مستشفي");
        assert_string_equal(an_norm1(&c, "إلى"), an_norm1(&c, "إلي"));
        assert_string_equal(an_norm1(&c, "فى"), "في");
        /* a word that merely ends like it keeps the rule of its own */
        assert_string_equal(an_norm1(&c, "أعلى"), "اعلي");
        an_close(&c);
    }
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    an_ctx c;
    an_open(&c, FH_STEM_LIGHT10, false);
    /* a stray byte inside a word stays in the word as U+FFFD */
    const char t1[] = "كت\xff" "اب";
    an_runn(&c, t1, sizeof t1 - 1);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.t[0].offset, 0);
    assert_int_equal(c.t[0].length, sizeof t1 - 1);
    assert_string_equal(c.t[0].norm, "كت\xef\xbf\xbd" "اب");
    /* ... and before its first letter too: no bogus كتاب (1.3) */
    const char t0[] = "\xff"
                      "كتاب \xff\xff"
                      "ab";
    an_runn(&c, t0, sizeof t0 - 1);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.t[0].norm, "\xef\xbf\xbd"
                                     "كتاب");
    assert_string_equal(c.t[0].stem, "\xef\xbf\xbd"
                                     "كتاب");
    assert_string_equal(c.t[1].norm, "\xef\xbf\xbd\xef\xbf\xbd"
                                     "ab");
    /* overlong, surrogate, truncated sequences, lone continuation bytes */
    const char t2[] = "a\xc0\xaf" "b \xed\xa0\x80 \x80\x80 ok \xe2\x82";
    an_runn(&c, t2, sizeof t2 - 1);
    assert_true(c.n >= 3);
    for (size_t i = 0; i < c.n; i++)
        assert_true(c.t[i].offset + c.t[i].length <= sizeof t2 - 1);
    assert_string_equal(c.t[c.n - 2].norm, "ok");
    assert_string_equal(c.t[c.n - 1].norm, "\xef\xbf\xbd");
    /* a truncated Arabic letter at the very end */
    const char t3[] = "سلام \xd8";
    an_runn(&c, t3, sizeof t3 - 1);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.t[0].norm, "سلام");
    /* random bytes: never a crash, every span inside the input, norms bounded */
    srand(12345);
    char buf[512];
    for (int round = 0; round < 2000; round++) {
        size_t n = (size_t)(rand() % (int)sizeof buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)(rand() % 4 == 0 ? (0xD8 + rand() % 4) : rand());
        an_runn(&c, buf, n);
        uint32_t last = 0;
        for (size_t i = 0; i < c.n; i++) {
            assert_true((size_t)c.t[i].offset + c.t[i].length <= n);
            assert_true(c.t[i].length > 0);
            assert_true(c.t[i].norm_len > 0 && c.t[i].norm_len <= FH_TOKEN_MAX);
            assert_true(c.t[i].stem_len <= FH_TOKEN_MAX);
            assert_int_equal(strlen(c.t[i].norm), c.t[i].norm_len);
            assert_int_equal(strlen(c.t[i].stem), c.t[i].stem_len);
            assert_true(c.t[i].position >= last);
            last = c.t[i].position;
        }
    }
    an_close(&c);
}

static void test_nul_bytes(void **state)
{
    (void)state;
    an_ctx c;
    an_open(&c, FH_STEM_LIGHT10, false);
    const char t[] = "abc\0def\0\0كتاب";
    an_runn(&c, t, sizeof t - 1);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.t[0].norm, "abc");
    assert_int_equal(c.t[1].offset, 4);
    assert_string_equal(c.t[1].norm, "def");
    assert_int_equal(c.t[2].offset, 9);
    assert_string_equal(c.t[2].norm, "كتاب");
    an_runn(&c, "", 0);
    assert_int_equal(c.n, 0);
    an_runn(&c, "\0", 1);
    assert_int_equal(c.n, 0);
    an_close(&c);
}

static void test_long_word_truncated(void **state)
{
    (void)state;
    an_ctx c;
    an_open(&c, FH_STEM_LIGHT10, false);
    char buf[1000];
    size_t n = 0;
    for (int i = 0; i < 300; i++) {
        memcpy(buf + n, "ب", 2);
        n += 2;
    }
    buf[n++] = 'x'; /* a different part kind at the end */
    an_runn(&c, buf, n);
    assert_true(c.n >= 1);
    assert_int_equal(c.t[0].offset, 0);
    assert_true(c.t[0].norm_len <= FH_TOKEN_MAX);
    assert_int_equal(c.t[0].norm_len % 2, 0); /* cut on a character boundary */
    /* long Latin chains of joined parts are cut into several tokens */
    n = 0;
    for (int i = 0; i < 200; i++) {
        buf[n++] = 'a';
        buf[n++] = '-';
    }
    buf[n++] = 'z';
    an_runn(&c, buf, n);
    assert_true(c.n > 200);
    for (size_t i = 0; i < c.n; i++)
        assert_true(c.t[i].offset + c.t[i].length <= n);
    an_close(&c);
}

/* 1.5, 1.7, 1.14: a number whose commas (or two dots or more) separate
 * groups of three gives the tokens of the same number written without them
 * (1,000 is 1000: one token, one position, so phrases and proximity see both
 * alike) */
static void test_grouped_numbers(void **state)
{
    (void)state;
    an_ctx c;
    an_open(&c, FH_STEM_LIGHT10, false);
    const exp_tok one[] = {
        {"1,000", "1000", 0, N},
        {"١٬٢٥٠٬٠٠٠", "1250000", 1, N},
        {"x", "x", 2, L},
    };
    check_tokens(&c, "1,000 ١٬٢٥٠٬٠٠٠ x", one, 3);
    const exp_tok dec[] = {
        {"12,500.75%", "12500.75%", 0, W | N},
        {"12,500", "12500", 0, P | N},
        {"75", "75", 1, P | N},
        {"x", "x", 2, L},
    };
    check_tokens(&c, "12,500.75% x", dec, 4);
    const exp_tok plain[] = {
        {"12500.75%", "12500.75%", 0, W | N},
        {"12500", "12500", 0, P | N},
        {"75", "75", 1, P | N},
        {"x", "x", 2, L},
    };
    check_tokens(&c, "12500.75% x", plain, 4);
    const exp_tok clitic[] = {{"و", "و", 0, 0}, {"1,000", "1000", 1, N}};
    check_tokens(&c, "و1,000", clitic, 2);
    /* 1.14: two dot groups or more are groups too, a comma after them the
       decimal point */
    const exp_tok dots[] = {
        {"7.200.000", "7200000", 0, N},
        {"١٫٠٠٠٫٠٠٠٫٠٠٠", "1000000000", 1, N}, /* the Arabic decimal separator */
        {"x", "x", 2, L},
    };
    check_tokens(&c, "7.200.000 ١٫٠٠٠٫٠٠٠٫٠٠٠ x", dots, 3);
    const exp_tok dotdec[] = {
        {"1.250.000,75", "1250000.75", 0, W | N},
        {"1.250.000", "1250000", 0, P | N},
        {"75", "75", 1, P | N},
    };
    check_tokens(&c, "1.250.000,75", dotdec, 3);
    /* not groups of three, or a decimal comma: the comma stays; one dot
       group may be a decimal point; mixed or uneven groups are not groups */
    const char *const kept[] = {"1,5",       "12,34",     "1,0000",       "1000,000", "1,000,00",
                                "3,4,5",     "0,500",     "01,000",       "1.000",    "2.500",
                                "12.500.75", "0.500.000", "1.250,000.75", "10.20.300"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        an_run(&c, kept[i]);
        assert_true(c.n >= 3);
        assert_true(c.t[0].flags & FH_TOK_WHOLE);
        assert_string_equal(c.t[0].norm, kept[i]);
    }
    an_close(&c);
}

static void test_other_scripts(void **state)
{
    (void)state;
    an_ctx c;
    an_open(&c, FH_STEM_LIGHT10, false);
    const exp_tok t[] = {
        {"東", "東", 0, 0},     {"京", "京", 1, 0}, {"Москва", "москва", 2, 0},
        {"café", "cafe", 3, L}, {"١٢", "12", 4, N},
    };
    check_tokens(&c, "東京 Москва, café! ١٢", t, 5);
    /* 1.5: a combining mark after a Latin letter is dropped but stays in the
     * word's span; Cyrillic keeps its marks */
    const exp_tok nfd[] = {
        {"Cafe\xcc\x81", "cafe", 0, L},
        {"Mu\xcc\x88ller", "muller", 1, L},
        {"и\xcc\x86", "и\xcc\x86", 2, 0},
    };
    check_tokens(&c, "Cafe\xcc\x81 Mu\xcc\x88ller и\xcc\x86", nfd, 3);
    an_close(&c);
}

/* fh_analysis_copy: a copy equal to the analysis, token by token, that
 * survives the scratch's next calls (a longer text, which grows its arena,
 * and a failed one), and is replaced whole by the next copy into it. */
static bool tok_equal(const fh_token *a, const fh_token *b)
{
    return a->offset == b->offset && a->length == b->length && a->position == b->position &&
           a->flags == b->flags && a->norm_len == b->norm_len && a->stem_len == b->stem_len &&
           a->alt_len == b->alt_len && strcmp(a->norm, b->norm) == 0 &&
           strcmp(a->stem, b->stem) == 0 && strcmp(a->alt, b->alt) == 0;
}

static void test_analysis_copy(void **state)
{
    (void)state;
    an_ctx c; /* light10 with alt stems: every token has three strings */
    fh_analyzer_opts o = {.stemmer = FH_STEM_LIGHT10, .alt_stems = true};
    assert_int_equal(fh_analyzer_new(&o, &c.a), 0);
    assert_int_equal(fh_analysis_new(c.a, &c.s), 0);
    const char *text = "والشركات العربية في DeepSeek-R1 وللمعلمين، ١٢٫٥ ٪ من عبد الله.";
    an_run(&c, text);
    const size_t n = c.n;
    assert_true(n >= 8);
    fh_token *orig = malloc(n * sizeof *orig);
    char(*str)[3][FH_TOKEN_MAX + 2] = malloc(n * sizeof *str);
    assert_non_null(orig);
    assert_non_null(str);
    for (size_t i = 0; i < n; i++) { /* a deep copy made by hand */
        orig[i] = c.t[i];
        strcpy(str[i][0], c.t[i].norm);
        strcpy(str[i][1], c.t[i].stem);
        strcpy(str[i][2], c.t[i].alt);
        orig[i].norm = str[i][0];
        orig[i].stem = str[i][1];
        orig[i].alt = str[i][2];
    }
    fh_token_copy cp = {0};
    assert_int_equal(fh_analysis_copy(c.s, &cp), 0);
    assert_int_equal(cp.ntoks, n);
    /* the next analyses overwrite the scratch, not the copy */
    char big[8192];
    size_t bl = 0;
    while (bl + 40 < sizeof big) {
        memcpy(big + bl, "المملكة والمؤتمرات ", strlen("المملكة والمؤتمرات "));
        bl += strlen("المملكة والمؤتمرات ");
    }
    an_runn(&c, big, bl);
    assert_int_equal(fh_analyze(c.s, "x", (size_t)UINT32_MAX + 1u, &c.t, &c.n), FH_ELIMIT);
    fh_token_copy none = {0}; /* a failed analysis leaves no tokens to copy */
    assert_int_equal(fh_analysis_copy(c.s, &none), 0);
    assert_int_equal(none.ntoks, 0);
    fh_token_copy_free(&none);
    for (size_t i = 0; i < n; i++)
        assert_true(tok_equal(&cp.toks[i], &orig[i]));
    /* a copy of the big text replaces it, whole */
    an_runn(&c, big, bl);
    assert_int_equal(fh_analysis_copy(c.s, &cp), 0);
    assert_int_equal(cp.ntoks, c.n);
    for (size_t i = 0; i < c.n; i++)
        assert_true(tok_equal(&cp.toks[i], &c.t[i]));
    /* and of an empty text: no tokens */
    an_run(&c, "");
    assert_int_equal(fh_analysis_copy(c.s, &cp), 0);
    assert_int_equal(cp.ntoks, 0);
    fh_token_copy_free(&cp);
    assert_null(cp.toks);
    free(orig);
    free(str);
    an_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offsets_with_diacritics),
        cmocka_unit_test(test_offsets_with_tatweel_and_presentation_forms),
        cmocka_unit_test(test_mixed_tokens),
        cmocka_unit_test(test_grouped_numbers),
        cmocka_unit_test(test_words_joined_across_a_space),
        cmocka_unit_test(test_stop_words_flagged),
        cmocka_unit_test(test_ala_and_ali),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_long_word_truncated),
        cmocka_unit_test(test_other_scripts),
        cmocka_unit_test(test_analysis_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
