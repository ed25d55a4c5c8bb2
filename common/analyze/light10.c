/* light10.c — the project's Arabic light stemmer (Larkey et al. light10 family).
 *
 * Works on an already-normalized word (ة is ه, ى is ي, no tashkeel), so the
 * published suffix list collapses: ية = يه and ة = ه are tried once each.
 * Owns no state; every table is static and read-only, so it is thread-safe.
 * The rules and the minimum stem lengths are documented in docs/ANALYSIS.md. */
#include <string.h>

#include "analyze_int.h"
#include "fahras/utf8.h"

enum {
    AR_MADDA = 0x0622, /* آ: kept before ل by the analyzer (آلاف, آلية, آل) */
    AR_ALEF = 0x0627,
    AR_BEH = 0x0628,
    AR_TEH = 0x062A,
    AR_SEEN = 0x0633,
    AR_FEH = 0x0641,
    AR_KAF = 0x0643,
    AR_LAM = 0x0644,
    AR_MEEM = 0x0645,
    AR_NOON = 0x0646,
    AR_HEH = 0x0647,
    AR_WAW = 0x0648,
    AR_YEH = 0x064A,
};

/* Longest word handled, in characters (FH_TOKEN_MAX bytes of 2-byte letters). */
#define L10_MAXCH FH_TOKEN_MAX

typedef struct affix {
    uint8_t n;     /* letters */
    uint16_t c[3]; /* the letters */
    uint8_t min;   /* suffixes: letters that must remain after stripping */
    bool taa;      /* suffixes: ة is written ت before it (a pronoun, the dual) */
    bool nun;      /* suffixes: ان ون ين, which leave 2 letters of short_nun_stem */
} affix;

/* Definite articles, combined forms first (longest match wins). */
static const affix k_articles[] = {
    {3, {AR_WAW, AR_ALEF, AR_LAM}, 2, false, false},
    {3, {AR_BEH, AR_ALEF, AR_LAM}, 2, false, false},
    {3, {AR_KAF, AR_ALEF, AR_LAM}, 2, false, false},
    {3, {AR_FEH, AR_ALEF, AR_LAM}, 2, false, false},
    {2, {AR_LAM, AR_LAM, 0}, 2, false, false},
    {2, {AR_ALEF, AR_LAM, 0}, 2, false, false},
};

/* Suffixes, tried once each in this order. First the attached pronouns
 * هما كما هم هن كم كن نا (an addition to light10: they must leave 3 letters,
 * so أسهم and تفهم stay whole), then light10's own list ها ان ات ون ين يه ية
 * ه ة ي (2 letters must remain; since 1.26, 3 after ان ون ين but for the
 * stems of short_nun_stem: حسين, ديون, مكون are no حس, دي, مك). */
static const affix k_suffixes[] = {
    {3, {AR_HEH, AR_MEEM, AR_ALEF}, 3, true, false},
    {3, {AR_KAF, AR_MEEM, AR_ALEF}, 3, true, false},
    {2, {AR_HEH, AR_MEEM, 0}, 3, true, false},
    {2, {AR_HEH, AR_NOON, 0}, 3, true, false},
    {2, {AR_KAF, AR_MEEM, 0}, 3, true, false},
    {2, {AR_KAF, AR_NOON, 0}, 3, true, false},
    {2, {AR_NOON, AR_ALEF, 0}, 3, true, false},
    {2, {AR_HEH, AR_ALEF, 0}, 2, true, false},
    {2, {AR_ALEF, AR_NOON, 0}, 3, true, true},
    {2, {AR_ALEF, AR_TEH, 0}, 2, false, false},
    {2, {AR_WAW, AR_NOON, 0}, 3, false, true},
    {2, {AR_YEH, AR_NOON, 0}, 3, true, true},
    {2, {AR_YEH, AR_HEH, 0}, 2, false, false},
    {1, {AR_HEH, 0, 0}, 2, true, false},
    {1, {AR_YEH, 0, 0}, 2, true, false},
};

/* Minimum characters left after stripping: و needs 3 left, articles 2,
 * suffixes as listed in k_suffixes (2 or 3). */
#define L10_MIN_AFTER_WAW 3
#define L10_MIN_STEM 2
/* The guarded single-letter proclitic rule needs this many characters in the
 * stem it would produce, so short words are never cut. */
#define L10_MIN_GUARDED 3

static size_t decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, k = 0;
    while (i < n && k < L10_MAXCH) {
        unsigned b = p[i];
        if (b < 0x80) {
            cp[k++] = b;
            i += 1;
        } else if ((b & 0xE0) == 0xC0 && i + 1 < n) {
            cp[k++] = ((b & 0x1Fu) << 6) | (p[i + 1] & 0x3Fu);
            i += 2;
        } else if ((b & 0xF0) == 0xE0 && i + 2 < n) {
            cp[k++] = ((b & 0x0Fu) << 12) | ((p[i + 1] & 0x3Fu) << 6) | (p[i + 2] & 0x3Fu);
            i += 3;
        } else if ((b & 0xF8) == 0xF0 && i + 3 < n) {
            cp[k++] = ((b & 0x07u) << 18) | ((p[i + 1] & 0x3Fu) << 12) |
                      ((p[i + 2] & 0x3Fu) << 6) | (p[i + 3] & 0x3Fu);
            i += 4;
        } else {
            cp[k++] = 0xFFFD; /* cannot happen on analyzer output; be safe */
            i += 1;
        }
    }
    return k;
}

static size_t encode(const uint32_t *cp, size_t b, size_t e, char *out)
{
    size_t o = 0;
    for (size_t i = b; i < e; i++) {
        if (o + 4 <= FH_TOKEN_MAX) { /* room for any code point: encode in place */
            o += fh_utf8_encode(cp[i], out + o);
            continue;
        }
        char u[4];
        size_t need = fh_utf8_encode(cp[i], u);
        if (o + need > FH_TOKEN_MAX)
            break;
        memcpy(out + o, u, need);
        o += need;
    }
    out[o] = '\0';
    return o;
}

static bool has_prefix(const uint32_t *w, size_t b, size_t e, const affix *a)
{
    if (e - b < a->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (w[b + i] != a->c[i])
            return false;
    return true;
}

static bool has_suffix(const uint32_t *w, size_t b, size_t e, const affix *a)
{
    if (e - b < a->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (w[e - a->n + i] != a->c[i])
            return false;
    return true;
}

static bool in_set(const fh_strset *set, const uint32_t *w, size_t b, size_t e)
{
    char buf[FH_TOKEN_MAX + 1];
    size_t n = encode(w, b, e, buf);
    return n > 0 && fh_strset_has(set, buf, n);
}

size_t fh_light10_article_len(const char *norm, size_t n)
{
    uint32_t w[L10_MAXCH];
    size_t len = decode(norm, n, w);
    for (size_t i = 0; i < sizeof k_articles / sizeof k_articles[0]; i++) {
        if (has_prefix(w, 0, len, &k_articles[i])) {
            char buf[4 * 3 + 1];
            return encode(w, 0, k_articles[i].n, buf);
        }
    }
    return 0;
}

/* A whole-word entry of wawlex or (1.27) lex is the word + this byte, which
 * no normalized word holds, so a suffix stem never meets it. */
#define WHOLE_WORD '\x01'
/* A protect-set entry of this byte after a stem is the suffix stem of a
 * known word that ends in ة (fh_light10_taa_add): حكوم for حكومة. */
#define TAA_STEM '\x02'
/* (1.30) An entry of this byte after a stem is the part before ية of a
 * known word that ends in ية (fh_light10_taa_add, `ya`): جمع for جمعية. */
#define YA_STEM '\x03'
/* (1.33) An entry of this byte after a word is a plural in ات that a known
 * word in اة would otherwise claim (fh_light10_at_plural_add): بنات. */
#define AT_PLURAL '\x04'
/* (1.34) Entries of these bytes after a stem, in their own set (`fem`): a
 * known word light10 leaves whole (مجموع), the stem of its ة form, or one
 * in ي less its ي (جنسي: جنس), the stem of its ية form
 * (fh_light10_fem_add). Only the word's own final stem reads them
 * (strip_suffixes' `fem`), never the proclitic guards nor the اة rule. */
#define FEM_STEM '\x05'
#define FEM_YA '\x06'

/* Add s[0..n) + the byte `mark` to set (a string of FH_TOKEN_MAX bytes or
 * more is not added); in_set_marked looks it up. */
static int add_marked(fh_strset *set, const char *s, size_t n, char mark)
{
    char buf[FH_TOKEN_MAX + 1];
    if (n >= FH_TOKEN_MAX)
        return 0;
    memcpy(buf, s, n);
    buf[n] = mark;
    return fh_strset_add(set, buf, n + 1);
}

int fh_light10_add_whole(fh_strset *set, const char *norm, size_t n)
{
    return add_marked(set, norm, n, WHOLE_WORD);
}

int fh_light10_taa_add(fh_strset *protect, const char *stem, size_t n, bool ya)
{
    return add_marked(protect, stem, n, ya ? YA_STEM : TAA_STEM);
}

/* in_set for an entry marked by the byte `mark` (WHOLE_WORD, TAA_STEM,
 * YA_STEM). */
static bool in_set_marked(const fh_strset *set, const uint32_t *w, size_t b, size_t e, char mark)
{
    char buf[FH_TOKEN_MAX + 2];
    size_t n = encode(w, b, e, buf);
    buf[n] = mark;
    return n > 0 && fh_strset_has(set, buf, n + 1);
}

int fh_light10_fem_add(fh_strset *fem, const char *stem, size_t n, bool ya)
{
    return add_marked(fem, stem, n, ya ? FEM_YA : FEM_STEM);
}

int fh_light10_at_plural_add(fh_strset *protect, const char *norm, size_t n)
{
    return add_marked(protect, norm, n, AT_PLURAL);
}

bool fh_light10_ya_known(const fh_strset *protect, const char *stem, size_t n)
{
    char buf[FH_TOKEN_MAX + 1];
    if (protect == NULL || n >= FH_TOKEN_MAX)
        return false;
    memcpy(buf, stem, n);
    buf[n] = YA_STEM;
    return fh_strset_has(protect, buf, n + 1);
}

/* A word on the protected list (لبنان, فلسطين, درعا, أثينا; since 1.21
 * بيان, قانون, تحسين; since 1.25 علي; since 1.26 تأمين, كربون) keeps its
 * ending. */
static inline bool is_protected(const fh_strset *protect, const uint32_t *w, size_t b, size_t e)
{
    if (protect == NULL || e - b < 3)
        return false;
    /* the list's words end in ان, ين, ون (لبنان, قانون) or ا (درعا,
       أثينا), or are three letters ending in ي (علي): only those are
       looked up */
    if (w[e - 1] != AR_ALEF && (w[e - 1] != AR_YEH || e - b != 3) &&
        (w[e - 1] != AR_NOON || (w[e - 2] != AR_ALEF && w[e - 2] != AR_YEH && w[e - 2] != AR_WAW)))
        return false;
    return in_set(protect, w, b, e);
}

/* (1.26) ان, ين and ون leave three letters (the roots of حسين, ديون,
 * مكونات, بكين end in their ن), except after these two-letter stems, each
 * with the endings its duals, plurals or verb forms take (1.27: per
 * ending, so سنان, the name, and يدون, he writes down, stay whole):
 * w[b..e) is the stem that would be left, `end` the ending's first letter
 * (ا, ي or و). Asked only of a four-letter word with such an ending, so it
 * is kept out of line, off strip_suffixes' loop. */
enum { NUN_AN = 1, NUN_IN = 2, NUN_UN = 4 };
__attribute__((noinline)) static bool short_nun_stem(const uint32_t *w, size_t b, size_t e,
                                                     uint32_t end)
{
    static const struct {
        uint16_t c0, c1;
        uint8_t ends;
    } k[] = {
        {0x064A, 0x062F, NUN_AN | NUN_IN}, /* يد: يدان, يدين (hands) */
        {0x0641, 0x0646, NUN_UN},          /* فن: فنون (arts) */
        {0x0633, 0x0646, NUN_IN | NUN_UN}, /* سن: سنين, سنون (years, as سنة) */
        {0x0644, 0x0635, NUN_AN | NUN_IN}, /* لص: لصين (two thieves, not الصين) */
        /* (1.27) */
        {0x064A, 0x0631, NUN_IN | NUN_UN}, /* ير: يرون (they see) */
        {0x062A, 0x0631, NUN_IN | NUN_UN}, /* تر: ترون, ترين (you see) */
        {0x0638, 0x0646, NUN_UN},          /* ظن: الظنون (suppositions) */
        {0x062E, 0x062F, NUN_AN | NUN_IN}, /* خد: الخدين (cheeks) */
        {0x062D, 0x062F, NUN_AN | NUN_IN}, /* حد: حدين */
        {0x062E, 0x0637, NUN_AN | NUN_IN}, /* خط: خطين */
        {0x0634, 0x0642, NUN_AN | NUN_IN}, /* شق: شقين */
        {0x0646, 0x0635, NUN_AN | NUN_IN}, /* نص: نصين */
        {0x0643, 0x0641, NUN_AN | NUN_IN}, /* كف: كفين */
        {0x062E, 0x0644, NUN_AN},          /* خل: الخلان (close friends) */
        {0x062F, 0x0646, NUN_AN},          /* دن: الدنان (wine jars) */
        {0x0628, 0x0631, NUN_IN},          /* بر: البرين (land and sea) */
    };
    if (e - b != 2)
        return false;
    uint8_t bit = end == AR_ALEF ? NUN_AN : end == AR_YEH ? NUN_IN : NUN_UN;
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (w[b] == k[i].c0 && w[b + 1] == k[i].c1)
            return (k[i].ends & bit) != 0;
    return false;
}

/* (1.29) The tens: عشرون ... تسعون in the nominative, عشرين ... تسعين in the
 * other cases. The ين forms are protected words (fh_protected_ar), so a ten
 * keeps its ending and never meets its unit (ثلاثين was ثلاث, as ثلاثة;
 * ستين ست); a word that is proclitics + a unit + ون is written with ين
 * here, before any rule reads it, so عشرون, والعشرون meet عشرين. Only
 * after proclitics (و, then ب ل ك ال لل بال كال or فال): أستون (Aston, a
 * protected word) keeps its ون. The units, normalized: */
static const struct {
    uint8_t n;
    uint16_t c[4];
} k_units[] = {
    {3, {0x0639, 0x0634, 0x0631, 0}},      /* عشر */
    {4, {0x062B, 0x0644, 0x0627, 0x062B}}, /* ثلاث */
    {4, {0x0627, 0x0631, 0x0628, 0x0639}}, /* اربع */
    {3, {0x062E, 0x0645, 0x0633, 0}},      /* خمس */
    {2, {0x0633, 0x062A, 0, 0}},           /* ست */
    {3, {0x0633, 0x0628, 0x0639, 0}},      /* سبع */
    {4, {0x062B, 0x0645, 0x0627, 0x0646}}, /* ثمان */
    {3, {0x062A, 0x0633, 0x0639, 0}},      /* تسع */
};

/* Whether w[0..n) is proclitics only: و, then nothing or one of these (a
 * lone ف is no proclitic to light10). */
static bool only_proclitics(const uint32_t *w, size_t n)
{
    static const affix k[] = {
        {1, {AR_BEH, 0, 0}, 0, false, false},
        {1, {AR_LAM, 0, 0}, 0, false, false},
        {1, {AR_KAF, 0, 0}, 0, false, false},
        {2, {AR_ALEF, AR_LAM, 0}, 0, false, false},
        {2, {AR_LAM, AR_LAM, 0}, 0, false, false},
        {3, {AR_BEH, AR_ALEF, AR_LAM}, 0, false, false},
        {3, {AR_KAF, AR_ALEF, AR_LAM}, 0, false, false},
        {3, {AR_FEH, AR_ALEF, AR_LAM}, 0, false, false},
    };
    size_t i = n > 0 && w[0] == AR_WAW;
    if (i == n)
        return true;
    for (size_t j = 0; j < sizeof k / sizeof k[0]; j++)
        if (n - i == k[j].n && has_prefix(w, i, n, &k[j]))
            return true;
    return false;
}

static void tens_nominative(uint32_t *w, size_t len)
{
    if (len < 4 || w[len - 1] != AR_NOON || w[len - 2] != AR_WAW)
        return;
    for (size_t i = 0; i < sizeof k_units / sizeof k_units[0]; i++) {
        size_t un = k_units[i].n;
        if (len - 2 < un)
            continue;
        size_t at = len - 2 - un;
        size_t k = 0;
        while (k < un && w[at + k] == k_units[i].c[k])
            k++;
        if (k == un && only_proclitics(w, at)) {
            w[len - 2] = AR_YEH;
            return;
        }
    }
}

/* Strip the suffix list from w[b..e); returns the new end. A protected
 * word loses nothing but (1.22) its tanween alif, and (1.21) stripping
 * stops where what is left is one: بيانها, لبنانها lose ها and keep their
 * ان. A stem that
 * begins with آ (before ل: آلية, آليات, آلي) keeps one letter more than the
 * list asks, so it never shrinks to آل, the family name's word.
 * (1.18) Before a pronoun, the dual's ان/ين and ي, ة is written ت: حكومته,
 * وزارتها, دولتين. When such a suffix went (not ون, ات: كلينتون is no
 * كلين + ة) and the stem ends in ت after three letters or more that are
 * the stem of a known word ending in ة (fh_light10_taa_add), the ت goes
 * too: حكومتها is حكوم as حكومة is, and وزارتها no longer loses its و to
 * become زارت (she visited). بيته, وقتها keep their ت: no بية, وقة.
 * (1.34) With `fem` (the word's final stem only; NULL otherwise), the
 * stems of fh_light10_fem_add count too: مجموعتها is مجموع as مجموعة. */
static size_t strip_suffixes(const fh_strset *protect, const uint32_t *w, size_t b, size_t e,
                             const fh_strset *fem)
{
    if (is_protected(protect, w, b, e))
        return e;
    /* (1.22) a protected word's tanween alif: مليونا, أحيانا, يقينا; the
       pronoun نا would take مليو, احي, يق. (1.25) Not after ي: عليا
       (العليا, supreme) is no tanween of علي */
    if (e - b >= 4 && w[e - 1] == AR_ALEF && w[e - 2] != AR_YEH &&
        is_protected(protect, w, b, e - 1))
        return e - 1;
    size_t more = e > b && w[b] == AR_MADDA;
    const affix *last = NULL; /* the suffix next to the stem */
    unsigned nsuf = 0;        /* suffixes taken */
    for (size_t i = 0; i < sizeof k_suffixes / sizeof k_suffixes[0]; i++) {
        const affix *s = &k_suffixes[i];
        bool fits = e - b >= (size_t)s->n + s->min + more;
        if (!fits && s->nun && e - b == (size_t)s->n + 2 && has_suffix(w, b, e, s))
            fits = short_nun_stem(w, b, e - s->n, s->c[0]);
        if (fits && has_suffix(w, b, e, s)) {
            /* (1.33) ات after a pronoun is the ة of a word in اة written ت
               when what is left + ة is a known word: حياتهم, مباراتها are
               حيا, مبارا as حياة, مباراة (ات took حي, مبار), not plurals;
               but for the plurals of fh_at_plurals_ar (بناتها: بنات, not
               بناة, builders) */
            if (s->n == 2 && s->c[0] == AR_ALEF && s->c[1] == AR_TEH && last != NULL && last->taa &&
                protect != NULL && e - b >= 4 && in_set_marked(protect, w, b, e - 1, TAA_STEM) &&
                !in_set_marked(protect, w, b, e, AT_PLURAL)) {
                e--;
                break;
            }
            e -= s->n;
            last = s;
            nsuf++;
            if (is_protected(protect, w, b, e))
                break;
        }
    }
    /* (1.34) the known base words count after one suffix only, not after
       ا (كلماته, صفاته: a plural's ات + ه; باستيان: ان, then ي), and not
       in ستان (سجستان, روستان: places, not the dual of سجس + ة) */
    if (!(nsuf == 1 && e - b >= 3 && w[e - 2] != AR_ALEF &&
          !(last->c[0] == AR_ALEF && last->c[1] == AR_NOON && w[e - 2] == AR_SEEN)))
        fem = NULL;
    if (last != NULL && last->taa && protect != NULL && e - b >= 4 && w[e - 1] == AR_TEH) {
        if (in_set_marked(protect, w, b, e - 1, TAA_STEM) ||
            (fem != NULL && in_set_marked(fem, w, b, e - 1, FEM_STEM)))
            e--;
        else if (w[e - 2] == AR_YEH && (in_set_marked(protect, w, b, e - 2, YA_STEM) ||
                                        (fem != NULL && in_set_marked(fem, w, b, e - 2, FEM_YA))))
            e -= 2; /* (1.30) the ية of جمعيتها, عمليتين: جمع, عمل as جمعية, عملية */
    }
    return e;
}

/* (1.23) Whether w[b..e) is a protected word of four letters or more that
 * ends in ن (1.21's words, لبنان), the kind a proclitic goes from although
 * the whole word lands on another known word; not the names in ا nor صين,
 * which would take وساما, وجوبا, لصين. */
static bool nun_protected(const fh_strset *protect, const uint32_t *w, size_t b, size_t e)
{
    return e - b >= 4 && w[e - 1] == AR_NOON && is_protected(protect, w, b, e);
}

/* (1.22) Whether w[b..e), suffixes stripped, is such a word (nun_protected):
 * then a proclitic before it goes (لقانون, ولجان, كإنسان), although the
 * whole word, suffixes stripped, may land on another known word (لقان,
 * ولج, كانس). */
static bool rest_protected(const fh_strset *protect, const uint32_t *w, size_t b, size_t e)
{
    return protect != NULL && e - b >= 4 &&
           nun_protected(protect, w, b, strip_suffixes(protect, w, b, e, NULL));
}

size_t fh_light10_suffix_stem(const fh_strset *protect, const char *norm, size_t n, char *out)
{
    uint32_t w[L10_MAXCH];
    size_t len = decode(norm, n, w);
    tens_nominative(w, len);
    return encode(w, 0, strip_suffixes(protect, w, 0, len, NULL), out);
}

/* Whether w[b..e), which begins with و, is a known word that begins with
 * it: its suffix stem is in wawlex; or, since 1.11, it has five letters or
 * more, ends in ا, and what comes before the ا is such a stem as it stands
 * (the tanween alif: وزيرا, واحدا, وصولا keep their و as وزير, واحد, وصول
 * do); or, since 1.12, it is a whole-word entry (the dual of a و-verb of
 * fh_waw_verbs_ar, also a noun's tanween alif: وضعا, وفقا; since 1.27 the
 * words of fh_whole_words_ar, وزين: وزينة is و + زينة). No
 * suffix is stripped before the ا, so وروسيا (and Russia) is not read
 * وروسي + ا; and a four-letter word is و + a verb as often as not (ودعا,
 * وعلا, وتلا: and he called, rose, recited), so only the listed ones keep
 * their و. Always false without wawlex. */
static bool waw_word(const fh_strset *wawlex, const fh_strset *protect, const uint32_t *w, size_t b,
                     size_t e)
{
    if (wawlex == NULL)
        return false;
    /* whole-word entries: the و-verbs' duals end in ا, fh_whole_words_ar's
       words have four letters (build_lexicon holds them to it) */
    if (in_set(wawlex, w, b, strip_suffixes(protect, w, b, e, NULL)) ||
        ((w[e - 1] == AR_ALEF || e - b == 4) && in_set_marked(wawlex, w, b, e, WHOLE_WORD)))
        return true;
    return w[e - 1] == AR_ALEF && e - b >= 2 + L10_MIN_AFTER_WAW && in_set(wawlex, w, b, e - 1);
}

static size_t l10_stem(const fh_strset *lex, const fh_strset *wawlex, const fh_strset *protect,
                       const fh_strset *fem, const char *norm, size_t n, char *out, bool suffixes)
{
    uint32_t w[L10_MAXCH];
    size_t len = decode(norm, n, w);
    size_t b = 0, e = len;
    bool article = false;
    tens_nominative(w, len);

    /* و: removed (light10), except from a known word that begins with it
     * (وزير, وزاره, وكاله stay whole, as الوزير -> وزير already does). */
    /* (No word begins with وآ: وآل is و + آل.) */
    if (e - b >= 2 && w[b] == AR_WAW && w[b + 1] == AR_MADDA)
        b++;
    else if (e - b >= 1 + L10_MIN_AFTER_WAW && w[b] == AR_WAW &&
             (!waw_word(wawlex, protect, w, b, e) ||
              (rest_protected(protect, w, b + 1, e) && !rest_protected(protect, w, b, e))))
        b++;
    for (size_t i = 0; i < sizeof k_articles / sizeof k_articles[0]; i++) {
        const affix *a = &k_articles[i];
        if (e - b >= (size_t)a->n + L10_MIN_STEM && has_prefix(w, b, e, a)) {
            /* (1.22) لل before a protected word that begins with ل is the
               preposition ل alone: للجان is ل + لجان, not لل + جان; (1.23)
               the word as it stands, so للجاني stays لل + جاني */
            bool lam = a->n == 2 && w[b] == AR_LAM && nun_protected(protect, w, b + 1, e) &&
                       !rest_protected(protect, w, b + 2, e);
            b += lam ? 1 : a->n;
            article = true;
            break;
        }
    }
    /* A word whose own letters begin with ال (التزام, إلكتروني, ألبوم: hamza
     * is normalized away) loses them when it stands alone, so it must lose
     * them under an article too: الالتزام = التزام, الألبوم = ألبوم. */
    if (article && e - b >= 2 + L10_MIN_STEM && w[b] == AR_ALEF && w[b + 1] == AR_LAM)
        b += 2;
    /* Guarded single-letter proclitic: لشركات -> شركات only when the word as
     * written is unknown to the lexicon and the rest is a known stem. */
    if (!article && lex != NULL && e - b >= 1 + L10_MIN_GUARDED &&
        (w[b] == AR_BEH || w[b] == AR_LAM || w[b] == AR_KAF)) {
        size_t e_full = strip_suffixes(protect, w, b, e, NULL);
        size_t e_rest = strip_suffixes(protect, w, b + 1, e, NULL);
        /* (1.27) a word of fh_whole_words_ar is known as it stands only:
           بدين (fat) keeps its ب, بدينه is ب + دينه; it is no rest either
           (بلعين, the village, is no ب + لعين) */
        bool rest_known = !in_set(lex, w, b, e_full) &&
                          !(e - b == 4 && in_set_marked(lex, w, b, e, WHOLE_WORD)) &&
                          in_set(lex, w, b + 1, e_rest);
        /* (1.22) or the rest is a protected word and the whole is not one:
           لقانون was لقان (لقانة's stem), لبيان لب, كإنسان كانس */
        if (!rest_known && nun_protected(protect, w, b + 1, e_rest) &&
            !is_protected(protect, w, b, e_full))
            rest_known = true;
        if (e_rest - (b + 1) >= L10_MIN_GUARDED && rest_known)
            b++;
    }
    if (suffixes)
        e = strip_suffixes(protect, w, b, e, fem);
    return encode(w, b, e, out);
}

size_t fh_light10_stem(const fh_strset *lex, const fh_strset *wawlex, const fh_strset *protect,
                       const fh_strset *fem, const char *norm, size_t n, char *out)
{
    return l10_stem(lex, wawlex, protect, fem, norm, n, out, true);
}

size_t fh_light10_prefix_stem(const fh_strset *lex, const fh_strset *wawlex,
                              const fh_strset *protect, const char *norm, size_t n, char *out)
{
    return l10_stem(lex, wawlex, protect, NULL, norm, n, out, false);
}
