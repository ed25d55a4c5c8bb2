/* test_analyze_normalize.c — the normalization table: every rule of
 * docs/ANALYSIS.md with real (often vowelled) words, checked on the normalized
 * form with the stemmer off so only normalization is under test. */
#include "an_helpers.h"

#include "fahras/utf8.h"

typedef struct norm_case {
    const char *rule;
    const char *in;
    const char *want;
} norm_case;

static const norm_case k_cases[] = {
    /* tashkeel 064B-065F */
    {"fatha damma kasra", "كَتَبَ", "كتب"},
    {"shadda sukun tanween", "مُدَرِّسٌ", "مدرس"},
    {"tanween fath", "كِتَابًا", "كتابا"},
    {"sukun", "قُلْ", "قل"},
    /* Quranic marks and superscript alef */
    {"U+0670 superscript alef", "ٱلرَّحۡمَٰنِ", "الرحمن"},
    {"U+0670 inside word", "مَٰلِكِ", "ملك"},
    {"U+06E1 small high dotless khah", "ٱلۡحَمۡدُ", "الحمد"},
    {"U+06E2 small high meem", "مِنۢ", "من"},
    {"U+06DA small high jeem", "رَيۡبَۛ", "ريب"},
    {"U+0657 inverted damma", "هُزُوٗا", "هزوا"},
    /* tatweel */
    {"tatweel", "جميـــل", "جميل"},
    {"tatweel between letters", "الـعـربـيـة", "العربيه"},
    /* alef forms */
    {"hamza above", "أَحْمَد", "احمد"},
    {"hamza below", "إِسْلَام", "اسلام"},
    {"madda", "آمَنَ", "امن"},
    {"madda before lam kept", "آلاف", "آلاف"},
    {"madda before lam, article", "الآلية", "الآليه"},
    {"madda before lam, presentation forms", "\xef\xba\x81\xef\xbb\xbb\xef\xbb\x91", "آلاف"},
    {"madda elsewhere", "القرآن", "القران"},
    {"wasla", "ٱسۡم", "اسم"},
    /* alef maqsura, taa marbuta */
    {"alef maqsura", "مُسْتَشْفَى", "مستشفي"},
    {"taa marbuta", "مَدْرَسَةٌ", "مدرسه"},
    /* Persian / Urdu letters */
    {"keheh", "کتاب", "كتاب"},
    {"farsi yeh", "ایران", "ايران"},
    {"heh goal (1.18)", "ہاتف", "هاتف"},
    {"heh with yeh (1.18)", "مدرسۀ", "مدرسه"},
    {"heh doachashmee (1.18)", "ھذا", "هذا"},
    {"ae (1.18)", "مدرسە", "مدرسه"},
    {"yeh barree (1.18)", "کے", "كي"},
    /* digits */
    {"Arabic-Indic digits", "٢٠٢٦", "2026"},
    {"extended digits", "۱۴۰۲", "1402"},
    /* presentation forms via NFKC */
    {"lam-alef ligature", "ﻻ", "لا"},
    {"lam-alef hamza ligature", "ﻷ", "لا"},
    {"allah ligature", "ﷲ", "الله"},
    {"presentation forms B", "ﺍﻟﺴﻼﻡ", "السلام"},
    {"presentation forms A", "ﭖﺎﮐ", "پاك"},
    /* Latin and other scripts, case folding */
    {"ASCII case", "DeepSeek", "deepseek"},
    {"Latin-1 case and accent", "ÉCOLE", "ecole"},
    {"Latin diacritics", "ñandú", "nandu"},
    {"Latin stacked diacritics", "Ǖ", "u"},
    {"Latin decomposed", "nai\xcc\x88ve", "naive"},
    {"Latin letters without a base", "Łódź", "łodz"},
    {"Greek case", "ΕΛΛΆΔΑ", "ελλάδα"},
    {"Cyrillic case", "МОСКВА", "москва"},
    /* compatibility forms via NFKC (1.9) */
    {"Latin ligature fi", "\xef\xac\x81nance", "finance"},
    {"Latin ligature st", "po\xef\xac\x86", "post"},
    {"fullwidth Latin", "\xef\xbc\xa7\xef\xbd\x8f\xef\xbd\x8f\xef\xbd\x87\xef\xbd\x8c\xef\xbd\x85",
     "google"},
    {"fullwidth digits", "\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x96", "2026"},
    {"halfwidth katakana", "\xef\xbd\xb6", "\xe3\x82\xab"},
    /* composition of a decomposed hamza, format characters */
    {"yeh + hamza above", "شي\xd9\x94", "شئ"},
    {"waw + hamza above", "مو\xd9\x94من", "مؤمن"},
    {"ZWNJ inside a word", "می\xe2\x80\x8cخواهم", "ميخواهم"},
};

static void test_normalization_table(void **state)
{
    (void)state;
    an_ctx c;
    an_open(&c, FH_STEM_NONE, false);
    for (size_t i = 0; i < sizeof k_cases / sizeof k_cases[0]; i++) {
        an_run(&c, k_cases[i].in);
        if (c.n != 1 || strcmp(c.t[0].norm, k_cases[i].want) != 0) {
            print_error("rule '%s': '%s' -> %zu tokens, first '%s', want '%s'\n",
                        k_cases[i].rule, k_cases[i].in, c.n, c.n ? c.t[0].norm : "",
                        k_cases[i].want);
            fail();
        }
        assert_int_equal(c.t[0].norm_len, strlen(k_cases[i].want));
        /* stemmer none: the stem is the normalized form */
        assert_string_equal(c.t[0].stem, c.t[0].norm);
    }
    an_close(&c);
}

/* The same word written five ways normalizes to one form. */
static void test_spellings_converge(void **state)
{
    (void)state;
    an_ctx c;
    an_open(&c, FH_STEM_NONE, false);
    const char *forms[] = {"إِلَى", "إلى", "الى", "الي", "ٱلَىٰ"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        assert_string_equal(an_norm1(&c, forms[i]), "الي");
    an_close(&c);
}

/* (1.18) A zero width space is a word break (UAX #29), unlike ZWNJ and ZWJ:
 * web copy joins words with it. */
static void test_zero_width_space_separates(void **state)
{
    (void)state;
    an_ctx c;
    an_open(&c, FH_STEM_NONE, false);
    an_run(&c, "الحكومة\xe2\x80\x8bالجديدة Apple\xe2\x80\x8biPhone");
    assert_int_equal(c.n, 4);
    assert_string_equal(c.t[0].norm, "الحكومه");
    assert_string_equal(c.t[1].norm, "الجديده");
    assert_string_equal(c.t[2].norm, "apple");
    assert_string_equal(c.t[3].norm, "iphone");
    an_close(&c);
}

static void test_arabic_punctuation_separates(void **state)
{
    (void)state;
    an_ctx c;
    an_open(&c, FH_STEM_NONE, false);
    an_run(&c, "نعم،لا؛ربما؟أكيد«قال»الشركة٭غدا۔انتهى");
    const char *want[] = {"نعم", "لا", "ربما", "اكيد", "قال", "الشركه", "غدا", "انتهي"};
    assert_int_equal(c.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < c.n; i++) {
        assert_string_equal(c.t[i].norm, want[i]);
        assert_int_equal(c.t[i].position, i);
    }
    an_close(&c);
}

static void test_name_and_version(void **state)
{
    (void)state;
    an_ctx c;
    an_open(&c, FH_STEM_LIGHT10, false);
    assert_string_equal(fh_analyzer_name(c.a), "fahras-ar-light10g");
    assert_true(strlen(fh_analyzer_version(c.a)) > 0);
    an_close(&c);
    an_open(&c, FH_STEM_LIGHT10, true);
    assert_string_equal(fh_analyzer_name(c.a), "fahras-ar-light10");
    an_close(&c);
    an_open(&c, FH_STEM_SNOWBALL, false);
    assert_string_equal(fh_analyzer_name(c.a), "fahras-ar-snowball");
    an_close(&c);
    an_open(&c, FH_STEM_NONE, false);
    assert_string_equal(fh_analyzer_name(c.a), "fahras-ar-none");
    an_close(&c);
    fh_analyzer *a = NULL;
    fh_analyzer_opts bad = {.stemmer = (fh_stemmer_kind)42};
    assert_int_equal(fh_analyzer_new(&bad, &a), -2 /* FH_EINVAL */);
    assert_null(a);
    assert_int_equal(fh_analyzer_new(NULL, &a), 0);
    assert_string_equal(fh_analyzer_name(a), "fahras-ar-light10g");
    assert_string_equal(fh_analyzer_opts_name(NULL), "fahras-ar-light10g");
    assert_null(fh_analyzer_opts_name(&bad));
    fh_analyzer_free(a);
    /* the name without building the analyzer is the built one's, for every
       --stemmer name (fahras-searchd's auto matches an index by it) */
    for (size_t i = 0; fh_stemmer_names[i] != NULL; i++) {
        fh_analyzer_opts o = {0};
        assert_int_equal(fh_analyzer_opts_by_name(fh_stemmer_names[i], &o), 0);
        assert_int_equal(fh_analyzer_new(&o, &a), 0);
        assert_string_equal(fh_analyzer_opts_name(&o), fh_analyzer_name(a));
        /* and an index recording that name at this version maps back to it */
        assert_string_equal(fh_stemmer_for_index(fh_analyzer_name(a), fh_analyzer_version(a)),
                            fh_stemmer_names[i]);
        fh_analyzer_free(a);
    }
    /* another version, an unknown name or none: this build has no such analyzer */
    assert_null(fh_stemmer_for_index("fahras-ar-light10g", "0.9"));
    assert_null(fh_stemmer_for_index("fahras-ar-light10g", NULL));
    assert_null(fh_stemmer_for_index("fahras-ar-other", fh_analyzer_version(NULL)));
    assert_null(fh_stemmer_for_index(NULL, fh_analyzer_version(NULL)));
}

/* fh_analyzer_drops_char says what analysing a character inside a word
 * shows: كت + c + ب is the one word كتب exactly when c is dropped. */
static void test_drops_char_matches_analysis(void **state)
{
    (void)state;
    an_ctx c;
    an_open(&c, FH_STEM_NONE, false);
    static const uint32_t ranges[][2] = {
        {0x00A0, 0x00B0}, {0x0300, 0x036F},   {0x0600, 0x06FF},   {0x0750, 0x077F},
        {0x08A0, 0x08FF}, {0x200B, 0x206F},   {0xFB50, 0xFDFF},   {0xFE00, 0xFE0F},
        {0xFE70, 0xFEFF}, {0x1D167, 0x1D169}, {0xE0100, 0xE0102},
    };
    unsigned dropped = 0;
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
        for (uint32_t cp = ranges[r][0]; cp <= ranges[r][1]; cp++) {
            char text[16] = "\xd9\x83\xd8\xaa"; /* كت */
            size_t n = 4 + fh_utf8_encode(cp, text + 4);
            memcpy(text + n, "\xd8\xa8", 2); /* ب */
            an_runn(&c, text, n + 2);
            bool one_word = c.n == 1 && strcmp(c.t[0].norm, "كتب") == 0 &&
                            c.t[0].offset == 0 && c.t[0].length == n + 2;
            if (one_word != fh_analyzer_drops_char(c.a, cp))
                fail_msg("U+%04X: analysed as %s, fh_analyzer_drops_char says %d", (unsigned)cp,
                         one_word ? "dropped" : "kept", !one_word);
            dropped += one_word;
        }
    }
    assert_true(dropped > 150); /* tashkeel, Quranic marks, combining marks, format characters */
    assert_true(fh_analyzer_drops_char(c.a, 0x061C));  /* Arabic letter mark */
    assert_true(fh_analyzer_drops_char(c.a, 0x0654));  /* combining hamza above */
    assert_true(fh_analyzer_drops_char(c.a, 0xFEFF));  /* zero-width no-break space */
    assert_true(fh_analyzer_drops_char(c.a, 0xFE71));  /* tatweel with fathatan above */
    assert_false(fh_analyzer_drops_char(c.a, 0x0627)); /* ا */
    assert_false(fh_analyzer_drops_char(c.a, 'a'));
    an_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalization_table),
        cmocka_unit_test(test_spellings_converge),
        cmocka_unit_test(test_arabic_punctuation_separates),
        cmocka_unit_test(test_zero_width_space_separates),
        cmocka_unit_test(test_name_and_version),
        cmocka_unit_test(test_drops_char_matches_analysis),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
