/* analyze.c — decode, normalize, split and stem UTF-8 text in one pass.
 *
 * Owns the character tables (ASCII and U+0600-U+06FF: class + normalized
 * UTF-8, built once per analyzer), the presentation-form expansions (NFKC,
 * computed with ICU when the analyzer is created, never per character), and
 * the per-thread scratch (tokens and their strings). The hot loop never calls
 * ICU; only other scripts and non-ASCII Latin reach u_charType/u_foldCase
 * (and, for Latin letters, the NFD lookup of latin_base).
 * Rules and examples: docs/ANALYSIS.md. */
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>

#define XXH_INLINE_ALL /* short keys: let the compiler inline XXH3 */
#include <xxhash.h>

#include "analyze_int.h"
#include "fahras/analyze.h"
#include "fahras/bigmem.h"
#include "fahras/err.h"
#include "fahras/utf8.h"

/* Bump on ANY change that alters a token (normalization, splitting, stemming,
 * stop list, lexicon). The index refuses a mismatch. */
#define FH_ANALYZER_VERSION "1.36"

/* Character classes */
enum {
    C_SEP = 0, /* ends a word */
    C_DROP,    /* ignorable: tashkeel, tatweel, format chars; part of the word's span */
    C_ALNUM,   /* letter or digit; `kind` says which */
    C_HAMZA,   /* U+0654 hamza above: composes ي/و into ئ/ؤ, else dropped */
    C_MARK,    /* combining mark: dropped after Arabic and Latin letters, else kept */
    C_REPL,    /* U+FFFD from invalid input: stays inside the word it interrupts */
    C_SINGLE,  /* Han/Kana ideograph: a word by itself */
    C_HYPHEN,  /* - joins alnum runs into a mixed token */
    C_UNDER,   /* _ same */
    C_DOT,     /* . between Latin letters/digits */
    C_COMMA,   /* , between digits */
    C_DECSEP,  /* ٫ between digits, normalized to '.' */
    C_THOUSEP, /* ٬ between digits, normalized to ',' */
    C_PCT,     /* % ٪ after digits: kept in the whole token */
    C_MADDA,   /* آ: a letter, normalized ا, but آ again before ل (madda_fix) */
};

/* Part kinds: a change of kind inside a word starts a new part. */
enum { K_NONE = 0, K_AR, K_LAT, K_OTHER, K_DIGIT };

typedef struct cpent {
    uint8_t cls;
    uint8_t kind;
    uint8_t nlen;   /* normalized UTF-8 length (0 for non-alnum) */
    char u8[4];     /* normalized UTF-8 */
} cpent;

/* Compatibility forms, read through their NFKC expansions: the alphabetic
 * presentation forms FB00-FB4F (Latin ligatures ﬁ ﬂ ﬆ, Armenian, Hebrew; 1.9),
 * Arabic presentation forms FB50-FDFF and FE70-FEFF, and the halfwidth and
 * fullwidth forms FF00-FFEF (ＡＢＣ, ｗｗｗ; 1.9). */
#define PRES_A_LO 0xFB00u
#define PRES_A_HI 0xFDFFu
#define PRES_B_LO 0xFE70u
#define PRES_B_HI 0xFEFFu
#define PRES_C_LO 0xFF00u
#define PRES_C_HI 0xFFEFu
#define PRES_N                                                                                     \
    ((PRES_A_HI - PRES_A_LO + 1) + (PRES_B_HI - PRES_B_LO + 1) + (PRES_C_HI - PRES_C_LO + 1))
#define PRES_MAXEXP 20 /* U+FDFA expands to 18 code points */

#define MAX_PARTS 32 /* a longer chain of joined parts is cut into several tokens */

struct fh_analyzer {
    fh_stemmer_kind stemmer;
    bool guard;
    bool alt;       /* alt_stems */
    const char *name;
    cpent ascii[128];
    cpent arab[256];
    uint16_t pres_off[PRES_N]; /* into pres_cp */
    uint8_t pres_len[PRES_N];
    uint32_t *pres_cp; /* owned */
    fh_strset stop;
    fh_strset protect;
    fh_strset fem; /* (1.34) fh_light10_fem_add's entries; empty unless guard */
    fh_strset clitic;
    fh_strset lex; /* light10 stems of lexicon words; empty unless guard */
    fh_strset wawlex; /* suffix stems of lexicon words starting with و; idem */
    /* the stems of a country's name and of its adjective (fh_countries_ar,
       fh_analyzer_country_adjective): n_country pairs, owned; guard only */
    size_t n_country;
    char (*country)[2][FH_TOKEN_MAX + 1];
    fh_strset maksura;     /* (1.24) fh_maksura_ar normalized (its ى as ي), and with و, ف */
    fh_strset maksura_bare; /* the same without و, ف */
    size_t mk_min, mk_max; /* the shortest and longest entry of maksura, in bytes */
};

typedef struct part {
    uint32_t start, end;
    uint8_t kind;
    uint16_t len;
    char norm[FH_TOKEN_MAX + 1];
} part;

typedef struct tokoff {
    uint32_t norm, stem, alt;
    uint32_t stem_slot; /* 0: stemmed already; else pending for stem_pass():
                         * its stem-cache slot + 1, or STEM_NOSLOT */
    bool hamza_alef;    /* the word's final ا was written أ إ or آ (rule 11) */
} tokoff;

/* alt stems are Snowball's, three times slower than light10: a direct-mapped
 * cache of recent words (Arabic text is Zipfian) makes them nearly free. */
#define ALTC_N 8192u /* entries, a power of two */
#define ALTC_W 46u   /* bytes of a cached word or stem (23 letters) */
typedef struct altc {
    uint8_t nlen, slen; /* nlen 0: empty */
    char norm[ALTC_W];
    char stem[ALTC_W];
} altc;

/* The primary stem and the stop flag of recent words, the same idea for every
 * token: most tokens of a text are words seen a moment ago, and a hit skips
 * the stemmer's decode, affix rules and lexicon lookups and the stop-set
 * probe. Direct-mapped, keyed by the normalized word; one cache line each. */
#define STEMC_N 262144u /* entries, a power of two: 16 MiB, touched lazily */
#define STEMC_W 30u   /* bytes of a cached word or stem (15 Arabic letters) */
typedef struct stemc {
    uint8_t nlen, slen; /* nlen 0: empty */
    uint8_t stop;       /* the word is a stop word */
    char norm[STEMC_W];
    char stem[STEMC_W];
    char pad_;
} stemc;
_Static_assert(sizeof(stemc) == 64, "a stem cache entry is one cache line");
#define STEM_NOSLOT (STEMC_N + 1u) /* pending, but not cacheable */
#define STEM_AHEAD 8u              /* tokens whose cache line is prefetched ahead */

struct fh_analysis {
    const fh_analyzer *a;
    struct sb_stemmer *sb; /* Snowball needs per-thread state */
    bool alt_on;           /* fill token.alt (alt_stems analyzers) */
    altc *altc;            /* alt-stem cache, allocated on first use */
    stemc *stemc;          /* stem + stop cache, allocated on first use */
    bool pending;          /* some tokens wait for stem_pass() */

    fh_token *toks;
    tokoff *offs;
    size_t ntoks, tcap;
    const unsigned char *text; /* the text fh_analyze is reading (rule 11) */
    char *arena;
    size_t alen, acap;
    uint32_t pos;

    /* current part */
    bool in_part;
    bool prepl; /* the open part holds only U+FFFD so far (step, C_REPL) */
    uint8_t pkind;
    uint32_t pstart, pend;
    size_t plen, plimit;
    char pbuf[FH_TOKEN_MAX + 8]; /* the slack: part_add copies 4 bytes at a time */
    uint8_t nmadda;              /* offsets in pbuf of the ا written for an آ */
    uint8_t madda[8];

    /* current compound (word made of one or more parts) */
    bool in_comp;
    bool pct;
    bool pct_lead; /* (1.19) its % came before the number: %15 */
    uint32_t cstart, cend;
    size_t nparts;
    part parts[MAX_PARTS];
    size_t wlen;
    bool wtrunc;
    char wbuf[FH_TOKEN_MAX + 8];

    size_t tlen; /* the length of text (1.19: per_cent_after) */
};

/* ------------------------------------------------------------------ */
/* UTF-8                                                               */

/* Decode one code point at p[0..n) (n >= 1). Invalid input yields U+FFFD and
 * consumes the maximal valid prefix (at least one byte), as Unicode advises. */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned b = p[0];
    uint32_t c;
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        need = 1;
        c = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2;
        c = b & 0x0F;
        if (b == 0xE0)
            lo = 0xA0;
        else if (b == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3;
        c = b & 0x07;
        if (b == 0xF0)
            lo = 0x90;
        else if (b == 0xF4)
            hi = 0x8F;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i <= need; i++) {
        if (i >= n || p[i] < lo || p[i] > hi) {
            *cp = 0xFFFD;
            return i;
        }
        c = (c << 6) | (p[i] & 0x3Fu);
        lo = 0x80;
        hi = 0xBF;
    }
    *cp = c;
    return need + 1;
}

/* ------------------------------------------------------------------ */
/* Tables                                                              */

static cpent mk(uint8_t cls, uint8_t kind, uint32_t norm)
{
    cpent e;
    memset(&e, 0, sizeof e);
    e.cls = cls;
    e.kind = kind;
    if (cls == C_ALNUM || cls == C_MARK || cls == C_REPL || cls == C_SINGLE || cls == C_MADDA)
        e.nlen = (uint8_t)fh_utf8_encode(norm, e.u8);
    return e;
}

static void build_ascii(fh_analyzer *a)
{
    for (uint32_t c = 0; c < 128; c++) {
        cpent e = mk(C_SEP, K_NONE, 0);
        if (c >= 'a' && c <= 'z')
            e = mk(C_ALNUM, K_LAT, c);
        else if (c >= 'A' && c <= 'Z')
            e = mk(C_ALNUM, K_LAT, c + 32);
        else if (c >= '0' && c <= '9')
            e = mk(C_ALNUM, K_DIGIT, c);
        else if (c == '-')
            e = mk(C_HYPHEN, K_NONE, 0);
        else if (c == '_')
            e = mk(C_UNDER, K_NONE, 0);
        else if (c == '.')
            e = mk(C_DOT, K_NONE, 0);
        else if (c == ',')
            e = mk(C_COMMA, K_NONE, 0);
        else if (c == '%')
            e = mk(C_PCT, K_NONE, 0);
        a->ascii[c] = e;
    }
}

/* The normalization rules for U+0600-U+06FF live here, in one place. */
static cpent arab_entry(uint32_t c)
{
    if (c >= 0x0660 && c <= 0x0669)
        return mk(C_ALNUM, K_DIGIT, '0' + (c - 0x0660)); /* Arabic-Indic digits */
    if (c >= 0x06F0 && c <= 0x06F9)
        return mk(C_ALNUM, K_DIGIT, '0' + (c - 0x06F0)); /* extended digits */
    if (c == 0x0654)
        return mk(C_HAMZA, K_NONE, 0);
    if ((c >= 0x064B && c <= 0x065F) || c == 0x0670 || (c >= 0x0610 && c <= 0x061A) ||
        c == 0x0640 || c == 0x061C)
        return mk(C_DROP, K_NONE, 0); /* tashkeel, superscript alef, tatweel, ALM */
    if (c >= 0x06D6 && c <= 0x06ED) {
        if (c == 0x06DD || c == 0x06DE || c == 0x06E9)
            return mk(C_SEP, K_NONE, 0); /* end of ayah, rub el hizb, sajdah: symbols */
        return mk(C_DROP, K_NONE, 0);     /* Quranic annotation marks */
    }
    if (c == 0x066B)
        return mk(C_DECSEP, K_NONE, 0);
    if (c == 0x066C)
        return mk(C_THOUSEP, K_NONE, 0);
    if (c == 0x066A)
        return mk(C_PCT, K_NONE, 0);
    if (c == 0x0622) /* آ */
        return mk(C_MADDA, K_AR, 0x0627);
    switch (c) {
    case 0x0623: /* أ */
    case 0x0625: /* إ */
    case 0x0671: /* ٱ wasla */
    case 0x0672:
    case 0x0673:
    case 0x0675:
        return mk(C_ALNUM, K_AR, 0x0627);
    case 0x0649: /* ى */
    case 0x06CC: /* ی Persian yeh */
        return mk(C_ALNUM, K_AR, 0x064A);
    case 0x0629: /* ة */
    case 0x06BE: /* (1.18) ھ heh doachashmee, ہ heh goal, ۀ heh with yeh, ە ae */
    case 0x06C0:
    case 0x06C1:
    case 0x06D5:
        return mk(C_ALNUM, K_AR, 0x0647);
    case 0x06D2: /* (1.18) ے yeh barree, ې yeh with two dots */
    case 0x06D0:
        return mk(C_ALNUM, K_AR, 0x064A);
    case 0x06A9: /* ک Persian keheh */
    case 0x06AA:
        return mk(C_ALNUM, K_AR, 0x0643);
    default:
        break;
    }
    if ((c >= 0x0620 && c <= 0x063F) || (c >= 0x0641 && c <= 0x064A) || c == 0x066E ||
        c == 0x066F || (c >= 0x0671 && c <= 0x06D3) || c == 0x06D5 || c == 0x06EE ||
        c == 0x06EF || (c >= 0x06FA && c <= 0x06FC) || c == 0x06FF)
        return mk(C_ALNUM, K_AR, c);
    return mk(C_SEP, K_NONE, 0); /* punctuation ، ؛ ؟ ٭ ۔, number signs, symbols */
}

static void build_arab(fh_analyzer *a)
{
    for (uint32_t i = 0; i < 256; i++)
        a->arab[i] = arab_entry(0x0600 + i);
}

static bool is_pres(uint32_t c)
{
    return (c >= PRES_A_LO && c <= PRES_A_HI) || (c >= PRES_B_LO && c <= PRES_B_HI) ||
           (c >= PRES_C_LO && c <= PRES_C_HI);
}

static size_t pres_index(uint32_t c)
{
    if (c <= PRES_A_HI)
        return c - PRES_A_LO;
    if (c <= PRES_B_HI)
        return (PRES_A_HI - PRES_A_LO + 1) + (c - PRES_B_LO);
    return (PRES_A_HI - PRES_A_LO + 1) + (PRES_B_HI - PRES_B_LO + 1) + (c - PRES_C_LO);
}

/* NFKC of every presentation form, once. A form that expands to a space and a
 * mark (isolated harakat FE70-FE7F) keeps only the mark. */
static int build_pres(fh_analyzer *a)
{
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&err);
    if (U_FAILURE(err))
        return FH_EINTERNAL;
    a->pres_cp = malloc(PRES_N * PRES_MAXEXP * sizeof *a->pres_cp);
    if (a->pres_cp == NULL)
        return FH_ENOMEM;
    size_t used = 0;
    for (uint32_t c = PRES_A_LO; c <= PRES_C_HI; c++) {
        if (!is_pres(c))
            continue;
        size_t idx = pres_index(c);
        UChar src[2] = {(UChar)c, 0};
        UChar dst[64];
        err = U_ZERO_ERROR;
        int32_t n = unorm2_normalize(nfkc, src, 1, dst, 64, &err);
        if (U_FAILURE(err) || n <= 0)
            n = 0;
        uint32_t cps[PRES_MAXEXP];
        size_t k = 0;
        for (int32_t i = 0; i < n && k < PRES_MAXEXP;) {
            uint32_t u = dst[i++];
            if (u >= 0xD800 && u <= 0xDBFF && i < n && dst[i] >= 0xDC00 && dst[i] <= 0xDFFF)
                u = 0x10000 + ((u - 0xD800) << 10) + (uint32_t)(dst[i++] - 0xDC00);
            cps[k++] = u;
        }
        if (k == 2 && cps[0] == 0x20 && u_getCombiningClass((UChar32)cps[1]) != 0) {
            cps[0] = cps[1];
            k = 1;
        }
        if (k == 1 && cps[0] == c)
            k = 0; /* maps to itself (BOM, unassigned, nonchar): handled by the slow path */
        a->pres_off[idx] = (uint16_t)used;
        a->pres_len[idx] = (uint8_t)k;
        memcpy(a->pres_cp + used, cps, k * sizeof cps[0]);
        used += k;
    }
    return 0;
}

/* A Latin letter with diacritics is its base letter (1.5): é è ê ë -> e,
 * Ç -> c, ǖ -> u, İ -> i. The first code point of its canonical
 * decomposition, when everything after it is a combining mark; letters
 * without one (ø ß æ ł đ) stay as they are. */
static UChar32 latin_base(UChar32 c)
{
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfd = unorm2_getNFDInstance(&err);
    UChar d[16];
    int32_t n = U_SUCCESS(err) ? unorm2_getDecomposition(nfd, c, d, 16, &err) : 0;
    if (U_FAILURE(err) || n <= 0)
        return c;
    /* Latin letters and the marks that decompose them are all in the BMP */
    for (int32_t i = 0; i < n; i++) {
        if ((d[i] & 0xF800u) == 0xD800u)
            return c; /* a surrogate */
        UChar32 u = d[i];
        if (i > 0 && u_getCombiningClass(u) == 0 && u_charType(u) != U_NON_SPACING_MARK)
            return c;
    }
    return d[0];
}

/* Anything outside ASCII, U+0600-06FF and the presentation forms. */
static cpent classify_slow(uint32_t c)
{
    if (c == 0xFFFD)
        return mk(C_REPL, K_OTHER, c);
    if (c == 0x2010 || c == 0x2011)
        return mk(C_HYPHEN, K_NONE, 0);
    if (c == 0x2030)
        return mk(C_SEP, K_NONE, 0);
    if (c < 0xA0)
        return mk(C_SEP, K_NONE, 0); /* C1 controls */
    int8_t t = u_charType((UChar32)c);
    switch (t) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER: {
        UErrorCode err = U_ZERO_ERROR;
        UScriptCode sc = uscript_getScript((UChar32)c, &err);
        if (sc == USCRIPT_HAN || sc == USCRIPT_HIRAGANA || sc == USCRIPT_KATAKANA)
            return mk(C_SINGLE, K_OTHER, c);
        if (sc == USCRIPT_ARABIC)
            return mk(C_ALNUM, K_AR, c);
        UChar32 b = sc == USCRIPT_LATIN ? latin_base((UChar32)c) : (UChar32)c;
        uint32_t f = (uint32_t)u_foldCase(b, U_FOLD_CASE_DEFAULT);
        return mk(C_ALNUM, sc == USCRIPT_LATIN ? K_LAT : K_OTHER, f);
    }
    case U_DECIMAL_DIGIT_NUMBER: {
        int32_t v = u_charDigitValue((UChar32)c);
        if (v >= 0 && v <= 9)
            return mk(C_ALNUM, K_DIGIT, '0' + (uint32_t)v);
        return mk(C_SEP, K_NONE, 0);
    }
    case U_NON_SPACING_MARK:
    case U_ENCLOSING_MARK:
    case U_COMBINING_SPACING_MARK:
        return mk(C_MARK, K_NONE, c);
    case U_FORMAT_CHAR:
        if (c == 0x200B)
            return mk(C_SEP, K_NONE, 0); /* (1.18) zero width space: a word break */
        return mk(C_DROP, K_NONE, 0);    /* ZWJ, ZWNJ, bidi marks, soft hyphen */
    default:
        return mk(C_SEP, K_NONE, 0);
    }
}

/* Class of any code point, presentation forms by their first expansion. */
static cpent classify_any(const fh_analyzer *a, uint32_t c)
{
    if (c < 0x80)
        return a->ascii[c];
    if (c >= 0x0600 && c <= 0x06FF)
        return a->arab[c - 0x0600];
    if (is_pres(c)) {
        size_t idx = pres_index(c);
        if (a->pres_len[idx] > 0)
            return classify_any(a, a->pres_cp[a->pres_off[idx]]);
    }
    return classify_slow(c);
}

/* ------------------------------------------------------------------ */
/* Tokens                                                              */

static int reserve_arena(fh_analysis *s, size_t extra)
{
    if (s->alen + extra <= s->acap)
        return 0;
    size_t cap = s->acap ? s->acap : 4096;
    while (cap < s->alen + extra) {
        if (cap > SIZE_MAX / 2)
            return FH_ENOMEM;
        cap *= 2;
    }
    char *na = realloc(s->arena, cap);
    if (na == NULL)
        return FH_ENOMEM;
    s->arena = na;
    s->acap = cap;
    return 0;
}

static int reserve_toks(fh_analysis *s)
{
    if (s->ntoks < s->tcap)
        return 0;
    size_t cap = s->tcap ? s->tcap * 2 : 256;
    if (cap > SIZE_MAX / sizeof(fh_token))
        return FH_ENOMEM;
    fh_token *nt = realloc(s->toks, cap * sizeof *nt);
    if (nt == NULL)
        return FH_ENOMEM;
    s->toks = nt;
    tokoff *no = realloc(s->offs, cap * sizeof *no);
    if (no == NULL)
        return FH_ENOMEM;
    s->offs = no;
    s->tcap = cap;
    return 0;
}

/* Snowball's stem of w[0..n) into out (FH_TOKEN_MAX + 1 bytes); w itself when
 * the stemmer fails. */
static size_t sb_stem(fh_analysis *s, const char *w, size_t n, char *out)
{
    const sb_symbol *r = sb_stemmer_stem(s->sb, (const sb_symbol *)w, (int)n);
    size_t m = n;
    if (r != NULL) {
        int rl = sb_stemmer_length(s->sb);
        m = rl > 0 ? (size_t)rl : 0;
        if (m > FH_TOKEN_MAX) {
            m = FH_TOKEN_MAX;
            while (m > 0 && ((unsigned char)r[m] & 0xC0) == 0x80)
                m--;
        }
    } else {
        r = (const sb_symbol *)w;
    }
    memmove(out, r, m);
    out[m] = '\0';
    return m;
}

/* Slot hash of a short word for the caches below. */
static inline uint64_t word_hash(const char *w, size_t n)
{
    uint64_t h = XXH3_64bits(w, n);
    return h ^ (h >> 29);
}

/* Snowball's stem of w through the cache (same result as sb_stem). */
static size_t alt_stem(fh_analysis *s, const char *w, size_t n, char *out)
{
    if (n > ALTC_W)
        return sb_stem(s, w, n, out);
    if (s->altc == NULL && (s->altc = calloc(ALTC_N, sizeof *s->altc)) == NULL)
        return sb_stem(s, w, n, out);
    altc *c = &s->altc[word_hash(w, n) & (ALTC_N - 1u)];
    if (c->nlen == n && memcmp(c->norm, w, n) == 0) {
        memcpy(out, c->stem, c->slen);
        out[c->slen] = '\0';
        return c->slen;
    }
    size_t m = sb_stem(s, w, n, out);
    c->nlen = 0;
    if (m <= ALTC_W) {
        memcpy(c->norm, w, n);
        memcpy(c->stem, out, m);
        c->nlen = (uint8_t)n;
        c->slen = (uint8_t)m;
    }
    return m;
}

/* The seat of a hamza (1.4). In a light10 stem of four or more letters, ؤ
 * and ئ are written ء, and a final يء drops its ي: the seat changes with
 * the spelling and with the grammatical case, so مسؤول مسئول, أبناؤهم
 * أبنائهم أبناءهم, كهرباء كهربائي, الطوارئ الطواريء, مبادئ مبادىء, بريء
 * بريئة share a stem. Shorter stems keep their seats: there the letters
 * tell words apart (ماء مائي, شؤون شيء, بئر بؤر, مرء مرئي). Applied to
 * the finished stem only, so the proclitic guard and the lexicon it
 * consults see the same unfolded stems as before. */
#define SEAT_MIN_LETTERS 4 /* the shortest stem whose seats are folded */

/* ؤ U+0624 and ئ U+0626 (D8 A4, D8 A6) in s[0..n) -> ء U+0621 (D8 A1);
 * true if one was. */
static bool fold_seats(char *s, size_t n)
{
    bool any = false;
    for (size_t i = 0; i + 1 < n; i++) {
        if ((unsigned char)s[i] == 0xD8 &&
            ((unsigned char)s[i + 1] == 0xA4 || (unsigned char)s[i + 1] == 0xA6)) {
            s[i + 1] = (char)0xA1;
            any = true;
        }
    }
    return any;
}

static size_t hamza_seat(char *out, size_t sl)
{
    if (fh_utf8_chars(out, sl) < SEAT_MIN_LETTERS)
        return sl;
    fold_seats(out, sl);
    static const char yeh_hamza[] = "\xD9\x8A\xD8\xA1"; /* يء */
    if (memcmp(out + sl - 4, yeh_hamza, 4) == 0) {
        memcpy(out + sl - 4, yeh_hamza + 2, 2);
        sl -= 2;
        out[sl] = '\0';
    }
    return sl;
}

/* Whether the stem out[0..sl) is the end of the normalized word norm[0..n):
 * no suffix went (rules 9, 10 and 11 ask). */
static bool stem_ends_word(const char *norm, size_t n, const char *out, size_t sl)
{
    return n >= sl && memcmp(norm + n - sl, out, sl) == 0;
}

/* Two words spelled two ways (1.5), joined on the light10 stem before
 * hamza_seat:
 * - the silent alif of مائة (hundred), which the modern spelling drops: مائة
 *   بالمائة خمسمائة مائتان مائتا are stemmed as مئة بالمئة خمسمئة مئتان مئتا
 *   (their stems then meet مئات, hundreds). Only when the stem is مائ, or a
 *   unit ثلاث..تسع + مائ, and the word ends in مائة (so مائي, watery, and
 *   أسمائه, his names, keep theirs), or when the stem is the dual's مائت or
 *   مائتا;
 * - شيء (thing) written شئ or شيئ, and شؤون (affairs) written شئون: a stem
 *   شئ is شيء when it is the end of the word (شئ الشئ), شؤ when a suffix
 *   went (شئها). شئون and شؤون themselves are protected words (1.21), so
 *   their ون stays and the seat is folded: شئون الشئون شئونها -> شءون.
 * `out` holds the stem, sl bytes; returns the new length. */
static size_t spelling_variant(const char *norm, size_t n, char *out, size_t sl)
{
    static const char mia[] = "\xD9\x85\xD8\xA7\xD8\xA6";          /* مائ */
    static const char miah[] = "\xD9\x85\xD8\xA7\xD8\xA6\xD9\x87"; /* مائه */
    static const char miat[] = "\xD9\x85\xD8\xA7\xD8\xA6\xD8\xAA"; /* مائت */
    static const char *const units[] = {
        "\xD8\xAB\xD9\x84\xD8\xA7\xD8\xAB",         /* ثلاث */
        "\xD8\xA7\xD8\xB1\xD8\xA8\xD8\xB9",         /* اربع */
        "\xD8\xAE\xD9\x85\xD8\xB3",                 /* خمس */
        "\xD8\xB3\xD8\xAA",                         /* ست */
        "\xD8\xB3\xD8\xA8\xD8\xB9",                 /* سبع */
        "\xD8\xAB\xD9\x85\xD8\xA7\xD9\x86",         /* ثمان */
        "\xD8\xAB\xD9\x85\xD8\xA7\xD9\x86\xD9\x8A", /* ثماني */
        "\xD8\xAA\xD8\xB3\xD8\xB9",                 /* تسع */
    };
    const size_t ml = sizeof mia - 1, hl = sizeof miah - 1, tl = sizeof miat - 1;
    size_t at = SIZE_MAX; /* where the مائ to shorten starts in out */
    if (sl >= ml && n >= hl && memcmp(out + sl - ml, mia, ml) == 0 &&
        memcmp(norm + n - hl, miah, hl) == 0) {
        if (sl == ml)
            at = 0;
        for (size_t u = 0; at == SIZE_MAX && u < sizeof units / sizeof units[0]; u++) {
            size_t ul = strlen(units[u]);
            if (sl == ml + ul && memcmp(out, units[u], ul) == 0)
                at = ul;
        }
    } else if (sl >= tl && memcmp(out, miat, tl) == 0 &&
               (sl == tl || (sl == tl + 2 && memcmp(out + tl, "\xD8\xA7", 2) == 0))) {
        at = 0; /* مائت, مائتا */
    } else if (sl == ml && memcmp(out, mia, ml) == 0) {
        /* (1.18) the dual مائتان, مائتي, whose ت the ة rule took (light10.c):
           مئت, as مئتان gives */
        for (size_t i = 0; i + tl <= n; i += 2) {
            if (memcmp(norm + i, miat, tl) == 0) {
                memcpy(out, "\xD9\x85\xD8\xA6\xD8\xAA", 7); /* مئت */
                return 6;
            }
        }
    }
    if (at != SIZE_MAX) {
        memmove(out + at + 2, out + at + 4, sl - at - 4); /* م ا ئ -> م ئ */
        sl -= 2;
        out[sl] = '\0';
        return sl;
    }
    static const char shay[] = "\xD8\xB4\xD9\x8A\xD8\xA1";                    /* شيء */
    static const char shu[] = "\xD8\xB4\xD8\xA4";                             /* شؤ */
    bool ends = stem_ends_word(norm, n, out, sl);
    if (sl == 6 && ends && memcmp(out, "\xD8\xB4\xD9\x8A\xD8\xA6", 6) == 0) { /* شيئ */
        memcpy(out, shay, sizeof shay);
        return sizeof shay - 1;
    }
    if (sl == 4 && memcmp(out, "\xD8\xB4\xD8\xA6", 4) == 0) { /* شئ */
        if (ends) {
            memcpy(out, shay, sizeof shay);
            return sizeof shay - 1;
        }
        memcpy(out, shu, sizeof shu); /* شئون is شؤون (affairs), not a thing */
        return sizeof shu - 1;
    }
    return sl;
}

/* The tanween alif after a final hamza (1.8, rule 10): the accusative
 * ending -ًا is written with an alif after a word's final hamza (شيئا جزءا
 * بدءا سوءا هادئا عبئا), and light10 strips no final alif, so the stem kept
 * it: شيئا was شيءا, not شيء. When the stem ends in ء ؤ or ئ + ا, is the end
 * of the word (no suffix went) and has three letters or more, the alif goes
 * and the word is taken to end before it (*n: for rule 9's checks). Without
 * the alif the hamza ends the word, where a hamza after a consonant sits on
 * the line: a three-letter stem left with a final ؤ or ئ after a letter other
 * than و or ي writes it ء (عبئا كفؤا بطئا → عبء كفء بطء, as in the
 * nominative); after و or ي the seat stays (سيئا → سيئ, as سيئة). Longer
 * stems are left to rule 8. `out` holds the stem, sl bytes; returns the new
 * length. */
static size_t tanween_alif(const char *norm, size_t *n, char *out, size_t sl)
{
    if (sl < 6 || !stem_ends_word(norm, *n, out, sl) || memcmp(out + sl - 2, "\xD8\xA7", 2) != 0 ||
        (unsigned char)out[sl - 4] != 0xD8)
        return sl;
    unsigned char h = (unsigned char)out[sl - 3];
    if (h != 0xA1 && h != 0xA4 && h != 0xA6) /* ء ؤ ئ */
        return sl;
    sl -= 2;
    *n -= 2;
    out[sl] = '\0';
    if (sl == 6 && h != 0xA1 && memcmp(out + 2, "\xD9\x88", 2) != 0 &&
        memcmp(out + 2, "\xD9\x8A", 2) != 0)
        out[5] = (char)0xA1;
    return sl;
}

/* The tanween alif of any word (1.11, rule 11; guarded light10 only): the
 * accusative ending -ًا is written with an alif (عاما كبيرا قتيلا رسميا),
 * which light10 keeps, so عاما was not عام. When the stem ends in ا, is the
 * end of the word (no suffix went), has four letters or more, is not the
 * stem of a known word (the guard lexicon: أمريكا, سوريا, قضايا, أيضا
 * keep their alif) and the stem without the alif, suffix-stripped as
 * light10 would strip the word without it, is a known word's stem of three
 * letters or more, that stem is taken: عاما = عام, رسميا = رسمي (رسم),
 * قتيلا = قتيل. A word whose final ا was written with a hamza (تبدأ,
 * نقرأ: the caller says so) and a stem the stop-word back-off gave (لكننا)
 * never get here, nor rule 10's alif after a hamza. `out` holds the stem,
 * sl bytes; returns the new length. */
static size_t tanween_alif_known(const fh_analyzer *a, const char *norm, size_t n, char *out,
                                 size_t sl)
{
    if (sl < 8 || !stem_ends_word(norm, n, out, sl) || memcmp(out + sl - 2, "\xD8\xA7", 2) != 0)
        return sl;
    const unsigned char b0 = (unsigned char)out[sl - 4], b1 = (unsigned char)out[sl - 3];
    if ((b0 == 0xD8 && (b1 == 0xA7 || b1 == 0xA1)) || (b0 == 0xD9 && (b1 == 0x88 || b1 == 0x86)))
        return sl; /* اا; ءا is rule 10's; وا and نا: the plural verb's alif, the pronoun */
    if (sl == 8 && (unsigned char)out[0] == 0xD8 && (unsigned char)out[1] == 0xAA)
        return sl; /* (1.13) ت + three letters: تبدأ, تملأ, تهدأ typed with a bare ا */
    for (size_t i = 0; i < sl; i += 2)
        if ((unsigned char)out[i] != 0xD8 && (unsigned char)out[i] != 0xD9)
            return sl; /* Arabic letters only */
    if (fh_strset_has(&a->lex, out, sl))
        return sl;
    char base[FH_TOKEN_MAX + 1];
    size_t bl = fh_light10_suffix_stem(&a->protect, out, sl - 2, base);
    if (bl < 6 || !fh_strset_has(&a->lex, base, bl))
        return sl;
    memcpy(out, base, bl + 1);
    return bl;
}

/* Whether r[0..n) is one of the endings a word X + ي takes as X + ية: ة
 * (normalized ه), ات, ات + a pronoun, or ت + a pronoun, the dual's ين or
 * ان, or ي. */
static bool ya_ending(const char *r, size_t n)
{
    static const char *const after[] = {"ه",   "ها", "هم", "هما", "هن", "كم",
                                        "كما", "كن", "نا", "ي",   "ين", "ان"};
    if (n == 2 && memcmp(r, "ه", 2) == 0)
        return true;
    size_t ll = n >= 4 && memcmp(r, "ات", 4) == 0 ? 4 : n >= 2 && memcmp(r, "ت", 2) == 0 ? 2 : 0;
    if (ll == 0)
        return false;
    r += ll;
    n -= ll;
    if (n == 0)
        return ll == 4; /* ات; ت alone is no ending */
    for (size_t i = 0; i < sizeof after / sizeof after[0]; i++)
        if (n == strlen(after[i]) && memcmp(r, after[i], n) == 0)
            return ll == 2 || i < 10; /* no dual after ات */
    return false;
}

/* (1.31) A word X + ية whose light10 stem X is a stop word (كمية → كم,
 * هوية → هو, ولاية → ولا, كلية → كل) has the back-off's stem, the whole
 * word (كميه), and so do its plural and pronoun forms (كميات, هويته,
 * الولايات, كلياتها), which the back-off gave stems of their own. The
 * light10 stem is X itself when X is a stop word, or X + يت when light10
 * took a pronoun or the dual (هويته → هويت): ya_taa_x finds X in the
 * latter, before the caller pays for the proclitic stem. */

/* The length of X when out[0..sl), which is no stop word, is X + يت with X
 * one, and (1.35) X + يت is no known word's stem (السوفيتي: سوفيت, not
 * سوف + ية; فليته: فليت); else 0. */
static size_t ya_taa_x(const fh_analyzer *a, const char *out, size_t sl)
{
    static const char yt[] = "\xD9\x8A\xD8\xAA"; /* يت */
    if (sl < 8 || memcmp(out + sl - 4, yt, 4) != 0 || !fh_strset_has(&a->stop, out, sl - 4) ||
        fh_strset_has(&a->lex, out, sl))
        return 0;
    return sl - 4;
}

/* out[0..xl) is X; `pre` is the word with only its proclitics taken, pl
 * bytes. Returns the length of X + يه, written to out, or 0 when the word
 * is not X + ي + an ending of the ية word or X + يه is a stop word. */
static size_t ya_of_stop(const fh_analyzer *a, char *out, size_t xl, const char *pre, size_t pl)
{
    static const char yeh[] = "\xD9\x8A", yh[] = "\xD9\x8A\xD9\x87";
    if (xl < 4 || xl + 4 > FH_TOKEN_MAX || pl < xl + 2 || memcmp(pre, out, xl) != 0 ||
        memcmp(pre + xl, yeh, 2) != 0 || !ya_ending(pre + xl + 2, pl - xl - 2))
        return 0;
    /* (1.32) X may be a proclitic + such a stop word, the proclitic left
       on because X as a whole is one (وكيفية: وكيف; لولاية: لولا): it goes
       when the rest + ية is a known word (كيفية, ولاية; not لاية, so ولاية
       keeps its و), but for أن/إن + ية: فانية (mortal) and الألبانية are no
       ف, ب + آنية (vessels) */
    size_t skip = 0;
    unsigned char c0 = (unsigned char)out[0], c1 = (unsigned char)out[1];
    bool clitic = (c0 == 0xD9 && (c1 == 0x88 || c1 == 0x81 || c1 == 0x84 || c1 == 0x83)) ||
                  (c0 == 0xD8 && c1 == 0xA8); /* و ف ل ك ب */
    if (clitic && xl >= 6 && !(xl == 6 && memcmp(out + 2, "\xD8\xA7\xD9\x86", 4) == 0) &&
        fh_strset_has(&a->stop, out + 2, xl - 2) &&
        fh_light10_ya_known(&a->protect, out + 2, xl - 2))
        skip = 2;
    char xyh[FH_TOKEN_MAX + 1];
    memcpy(xyh, out + skip, xl - skip);
    memcpy(xyh + xl - skip, yh, 4);
    if (fh_strset_has(&a->stop, xyh, xl - skip + 4))
        return 0;
    memcpy(out, xyh, xl - skip + 4);
    out[xl - skip + 4] = '\0';
    return xl - skip + 4;
}

/* (1.36) Rule 6's test: the stem is a stop word's form, but not one of the
 * clitic strings that end in the article (وكال, بال, وال, وبال, فال, كال:
 * fh_clitics_ar), which the stop list holds for detached conjunctions and
 * split clitics. As a stem such a string is a word whose letters only spell
 * clitics (وكالة, البال, الوالي), not a stop word whose frequency it would
 * share; backing off on it split the word's forms (وكالة, وكالات, وكالته
 * and وكالتها were four stems). The shorter ones (ال, لل, ول, فب) stay stop
 * forms: as stems they come from words cut too far (إله, لله, وولي, فبات). */
static bool stop_stem(const fh_analyzer *a, const char *stem, size_t n)
{
    static const char al[] = "\xD8\xA7\xD9\x84"; /* ال */
    if (!fh_strset_has(&a->stop, stem, n))
        return false;
    return n < 6 || memcmp(stem + n - 4, al, 4) != 0 || !fh_strset_has(&a->clitic, stem, n);
}

static size_t stem_into(fh_analysis *s, const char *norm, size_t n, bool hamza_alef, char *out)
{
    const fh_analyzer *a = s->a;
    if (a->stemmer == FH_STEM_LIGHT10 && a->guard && fh_strset_has(&a->stop, norm, n)) {
        /* A stop word is its own stem (1.3): stemmed, 116 of the 642 stop
         * forms landed on a content word (اليهم -> يهم, ولدى -> ولد, فعلى ->
         * فعل) and lent it their occurrences. */
        memcpy(out, norm, n);
        out[n] = '\0';
        return n;
    }
    if (a->stemmer == FH_STEM_LIGHT10) {
        size_t sl;
        bool backed_off = false;
        if (!a->guard) {
            sl = fh_light10_stem(NULL, NULL, &a->protect, &a->fem, norm, n, out);
        } else {
            sl = fh_light10_stem(&a->lex, &a->wawlex, &a->protect, &a->fem, norm, n, out);
            /* A word that is not a stop word never takes a stop word's form
             * as its stem (الله -> له, كليه -> كل, امين -> ام): such a stem
             * would share the stop word's huge document frequency. Back off
             * to the proclitic rules only, then to the normalized word;
             * (1.31) but a ية word's forms take X + يه (ya_of_stop). */
            bool stop = stop_stem(a, out, sl);
            size_t xl = stop ? sl : ya_taa_x(a, out, sl);
            if (xl > 0) {
                char pre[FH_TOKEN_MAX + 1];
                size_t pl = fh_light10_prefix_stem(&a->lex, &a->wawlex, &a->protect, norm, n, pre);
                size_t yl = ya_of_stop(a, out, xl, pre, pl);
                if (yl > 0) {
                    sl = yl;
                } else if (stop) {
                    backed_off = true;
                    memcpy(out, pre, pl + 1);
                    sl = pl;
                    if (fh_strset_has(&a->stop, out, sl)) {
                        memcpy(out, norm, n);
                        out[n] = '\0';
                        sl = n;
                    }
                }
            }
        }
        /* rules 10, 9, then (with the guard, when neither changed the
           stem) 11, then 8, on the finished stem; with the guard, their
           folding never yields a stop word's form (1.10: إزائه, ازاءا are
           not the stop word إزاء): then the stem before them is kept */
        char before[FH_TOKEN_MAX + 1];
        size_t bl = sl <= FH_TOKEN_MAX ? sl : 0;
        memcpy(before, out, bl);
        size_t m = spelling_variant(norm, n, out, tanween_alif(norm, &n, out, sl));
        if (a->guard && !backed_off && !hamza_alef && bl == m && memcmp(out, before, m) == 0)
            m = tanween_alif_known(a, norm, n, out, m);
        m = hamza_seat(out, m);
        if (a->guard && bl == sl && (m != sl || memcmp(out, before, sl) != 0) &&
            stop_stem(a, out, m)) {
            memcpy(out, before, bl);
            out[bl] = '\0';
            m = bl;
        }
        return m;
    }
    if (a->stemmer == FH_STEM_SNOWBALL && s->sb != NULL)
        return sb_stem(s, norm, n, out);
    memcpy(out, norm, n);
    out[n] = '\0';
    return n;
}

/* The stem-cache slot of a word (+ 1), or STEM_NOSLOT. */
static uint32_t stem_slot_of(const fh_analysis *s, const char *norm, size_t n)
{
    if (s->stemc == NULL || n > STEMC_W)
        return STEM_NOSLOT;
    return (uint32_t)(word_hash(norm, n) & (STEMC_N - 1u)) + 1u;
}

/* stem_into() and the stop flag of norm[0..n) through the stem cache entry
 * `slot` (from stem_slot_of): the same results, since both depend only on the
 * word and the analyzer. */
static size_t stem_stop(fh_analysis *s, uint32_t slot, const char *norm, size_t n, bool hamza_alef,
                        char *out, bool *stop)
{
    stemc *c = slot != STEM_NOSLOT ? &s->stemc[slot - 1u] : NULL;
    if (c != NULL && c->nlen == n && memcmp(c->norm, norm, n) == 0) {
        memcpy(out, c->stem, c->slen);
        out[c->slen] = '\0';
        *stop = c->stop != 0;
        return c->slen;
    }
    size_t m = stem_into(s, norm, n, hamza_alef, out);
    *stop = fh_strset_has(&s->a->stop, norm, n);
    if (c != NULL) {
        c->nlen = 0;
        if (m <= STEMC_W) {
            memcpy(c->norm, norm, n);
            memcpy(c->stem, out, m);
            c->nlen = (uint8_t)n;
            c->slen = (uint8_t)m;
            c->stop = *stop;
        }
    }
    return m;
}

/* The code point of the text that ends at *i (reading back no further than
 * lo); *i moves to its first byte. */
static uint32_t cp_before(const fh_analysis *s, size_t lo, size_t *i)
{
    size_t b = *i - 1;
    while (b > lo && *i - b < 4 && (s->text[b] & 0xC0) == 0x80)
        b--;
    uint32_t c;
    utf8_decode(s->text + b, *i - b, &c);
    *i = b;
    return c;
}

/* Whether normalization drops the code point c after a letter (a mark, a
 * format character, tatweel): the text read backwards steps over those. */
static bool dropped_after_letter(const fh_analysis *s, uint32_t c)
{
    const int cls = classify_any(s->a, c).cls;
    return cls == C_DROP || cls == C_MARK; /* (1.13) a mark after an Arabic letter too */
}

/* Whether the normalized word norm[0..n), whose text ends at `end`, ends in
 * an ا that was written with a hamza or a madda (أ إ آ ٲ ٳ ٵ, their
 * presentation forms, a lam-alef ligature with one, or ا + a combining hamza
 * or madda): تبدأ and نقرأ end in a hamza, عاما and كبيرا in the tanween alif
 * (rule 11). The text is read backwards over the characters and marks
 * normalization drops. */
static bool ends_in_hamza_alef(const fh_analysis *s, const char *norm, size_t n, uint32_t end)
{
    if (n < 2 || (unsigned char)norm[n - 2] != 0xD8 || (unsigned char)norm[n - 1] != 0xA7)
        return false;
    size_t i = end;
    while (i > 0) {
        uint32_t c = cp_before(s, 0, &i);
        if (c == 0x0622 || c == 0x0623 || c == 0x0625 || (c >= 0x0653 && c <= 0x0655) ||
            c == 0x0672 || c == 0x0673 || c == 0x0675 ||
            (c >= 0xFE81 && c <= 0xFE88 && c != 0xFE85 && c != 0xFE86) ||
            (c >= 0xFEF5 && c <= 0xFEFA))
            return true; /* آ أ إ ٲ ٳ ٵ, a combining madda or hamza, presentation forms, لآ لأ لإ */
        if (!dropped_after_letter(s, c))
            return false;
    }
    return false;
}

/* ى (U+0649) or one of its presentation forms; or the Persian ی (U+06CC,
 * and its isolated and final forms), which a Persian keyboard types for ى
 * and ي alike: a final ی is ى's far more often (news: على 130,032 times,
 * علي 3,790, علی 66, as in دماء علی شال). */
static bool is_maksura(uint32_t c)
{
    return c == 0x0649 || c == 0xFEEF || c == 0xFEF0 || c == 0x06CC || c == 0xFBFC || c == 0xFBFD;
}

/* (1.24) norm[0..n), a word whose last letter was written ى: when it is one
 * of fh_maksura_ar (على, وعلى, فعلى), its final ي goes back to ى, so that it
 * is not the word written with ي (علي, the name). */
static void keep_maksura(const fh_analyzer *a, char *norm, size_t n)
{
    if (n >= 2 && (unsigned char)norm[n - 2] == 0xD9 && (unsigned char)norm[n - 1] == 0x8A &&
        fh_strset_has(&a->maksura, norm, n))
        norm[n - 1] = (char)0x89;
}

/* How the text of a word, text[start, end), ends: in ى (MK_ALEF), the marks
 * and dropped characters after it aside (عَلَى, علىٰ, علـى); (1.25) in ي with
 * a shadda after it and neither a kasra nor a tanween in the word (MK_SHADDA:
 * عليّ, عَلَيَّ, "on me", 40 of 40 news uses sampled, not the name عَلِيّ,
 * عليٌّ); or otherwise (MK_NONE). */
enum { MK_NONE, MK_ALEF, MK_SHADDA };
__attribute__((noinline)) static int word_ending(const fh_analysis *s, uint32_t start, uint32_t end)
{
    size_t i = end;
    bool shadda = false;
    while (i > start) {
        uint32_t c = cp_before(s, start, &i);
        if (is_maksura(c))
            return MK_ALEF;
        if (c == 0x064A && shadda) {
            /* no kasra (عَلِيّ) and no tanween (عليٌّ) anywhere in the word:
               U+064B..U+064D and U+0650 are D9 8B..8D and D9 90 */
            for (size_t k = start; k + 1 < end; k++) {
                const unsigned char c0 = s->text[k], c1 = s->text[k + 1];
                if (c0 == 0xD9 && ((c1 >= 0x8B && c1 <= 0x8D) || c1 == 0x90))
                    return MK_NONE;
            }
            return MK_SHADDA;
        }
        if (!dropped_after_letter(s, c))
            return MK_NONE;
        shadda |= c == 0x0651;
    }
    return MK_NONE;
}

/* Append one token. `stem_it`: the token is an Arabic word for the stemmer;
 * its stem, alt stem and stop flag are then left to stem_pass(). */
static int emit(fh_analysis *s, uint32_t start, uint32_t end, const char *norm, size_t n,
                bool stem_it, uint32_t flags, uint32_t position)
{
    int rc = reserve_toks(s);
    if (rc != 0)
        return rc;
    rc = reserve_arena(s, n + 1);
    if (rc != 0)
        return rc;
    size_t noff = s->alen;
    memcpy(s->arena + noff, norm, n);
    s->arena[noff + n] = '\0';
    s->alen += n + 1;
    tokoff *o = &s->offs[s->ntoks];
    o->norm = o->stem = (uint32_t)noff;
    o->alt = (uint32_t)(noff + n); /* "" */
    o->stem_slot = 0;
    o->hamza_alef = false;
    if (stem_it && s->a->stemmer != FH_STEM_NONE) {
        /* a word that ends in a hamza on alif is stemmed outside the cache,
           which is keyed by the normalized word alone (rule 11) */
        o->hamza_alef = s->a->guard && ends_in_hamza_alef(s, norm, n, end);
        o->stem_slot = o->hamza_alef ? STEM_NOSLOT : stem_slot_of(s, norm, n);
        s->pending = true;
    } else if (fh_strset_has(&s->a->stop, norm, n)) {
        flags |= FH_TOK_STOP;
    }
    fh_token *t = &s->toks[s->ntoks];
    t->offset = start;
    t->length = end - start;
    t->position = position;
    t->flags = flags;
    t->norm = NULL;
    t->stem = NULL;
    t->norm_len = (uint16_t)n;
    t->stem_len = (uint16_t)n;
    t->alt_len = 0;
    s->ntoks++;
    return 0;
}

/* Stem the tokens emit() left pending, in order, through the stem cache. The
 * cache is far larger than L1 and shares the caches with the caller's term
 * table, so most probes would miss: they are prefetched STEM_AHEAD tokens
 * ahead, and the misses of consecutive words overlap instead of queueing. */
static int stem_pass(fh_analysis *s)
{
    if (!s->pending)
        return 0;
    s->pending = false;
    size_t ahead = 0;
    for (size_t k = 0; k < s->ntoks; k++) {
        for (; ahead < s->ntoks && ahead < k + STEM_AHEAD; ahead++) {
            uint32_t sl = s->offs[ahead].stem_slot;
            if (sl != 0 && sl != STEM_NOSLOT)
                __builtin_prefetch(&s->stemc[sl - 1u]);
        }
        tokoff *o = &s->offs[k];
        if (o->stem_slot == 0)
            continue;
        int rc = reserve_arena(s, 2 * (FH_TOKEN_MAX + 2));
        if (rc != 0)
            return rc;
        fh_token *t = &s->toks[k];
        const char *norm = s->arena + o->norm;
        size_t n = t->norm_len;
        bool stop;
        o->stem = (uint32_t)s->alen;
        size_t sl = stem_stop(s, o->stem_slot, norm, n, o->hamza_alef, s->arena + o->stem, &stop);
        s->alen += sl + 1;
        t->stem_len = (uint16_t)sl;
        if (stop)
            t->flags |= FH_TOK_STOP;
        if (s->a->alt && s->alt_on) {
            o->alt = (uint32_t)s->alen;
            s->arena[o->alt] = FH_ALT_PREFIX;
            size_t al = 1 + alt_stem(s, norm, n, s->arena + o->alt + 1);
            s->alen += al + 1;
            t->alt_len = (uint16_t)al;
        }
        o->stem_slot = 0;
    }
    return 0;
}

static uint32_t kind_flags(uint8_t kind)
{
    if (kind == K_LAT)
        return FH_TOK_LATIN;
    if (kind == K_DIGIT)
        return FH_TOK_NUMERIC;
    return 0;
}

/* Append to the whole-token buffer, cutting at a character boundary. */
static void whole_add(fh_analysis *s, const char *p, size_t n)
{
    if (s->wtrunc)
        return;
    if (s->wlen + n > FH_TOKEN_MAX) {
        size_t m = FH_TOKEN_MAX - s->wlen;
        while (m > 0 && m < n && ((unsigned char)p[m] & 0xC0) == 0x80)
            m--;
        n = m < n ? m : n;
        s->wtrunc = true;
    }
    memcpy(s->wbuf + s->wlen, p, n);
    s->wlen += n;
}

/* An آ followed by ل stays آ in the normalized word (1.6): آلاف آلية آل
 * آلي are not the article ال + اف/يه/(nothing)/ي, which light10 would strip
 * (آلاف -> اف) and the stop list would take for إليه, ال and إلى. Any other
 * آ is ا (آخر = اخر). Rewrites the part's recorded ا's before a ل. */
static void madda_fix(char *w, size_t n, const uint8_t *at, size_t nat)
{
    for (size_t i = 0; i < nat; i++) {
        size_t o = at[i];
        if (o + 4 <= n && (unsigned char)w[o] == 0xD8 && (unsigned char)w[o + 1] == 0xA7 &&
            (unsigned char)w[o + 2] == 0xD9 && (unsigned char)w[o + 3] == 0x84)
            w[o + 1] = (char)0xA2;
    }
}

/* madda_fix() on the open part, now complete (its next letter is known). */
static void part_madda_fix(fh_analysis *s)
{
    if (s->nmadda) {
        madda_fix(s->pbuf, s->plen, s->madda, s->nmadda);
        s->nmadda = 0;
    }
}

/* (1.24) keep_maksura() on the open part, now complete: an Arabic word of
 * fh_maksura_ar's length whose text ends in ى, or (1.25) the bare word (علي)
 * whose text ends in ي with a shadda (عليّ, on me: word_ending). Done on the
 * part (1.25), so a mixed token's whole term keeps the ى too (علىGoogle).
 * One that ends in ي as the text writes it, the common case, is settled by
 * its last bytes. */
__attribute__((noinline)) static void part_maksura_slow(fh_analysis *s)
{
    const fh_analyzer *a = s->a;
    size_t n = s->plen;
    if (s->pkind != K_AR ||
        (s->pend - s->pstart >= 2 && s->text[s->pend - 1] == 0x8A && s->text[s->pend - 2] == 0xD9))
        return;
    int how = word_ending(s, s->pstart, s->pend);
    if (how == MK_ALEF || (how == MK_SHADDA && fh_strset_has(&a->maksura_bare, s->pbuf, n)))
        keep_maksura(a, s->pbuf, n);
}

static inline void part_maksura_fix(fh_analysis *s)
{
    size_t n = s->plen;
    if (n >= s->a->mk_min && n <= s->a->mk_max && (unsigned char)s->pbuf[n - 1] == 0x8A)
        part_maksura_slow(s);
}

static void close_part(fh_analysis *s)
{
    part_madda_fix(s);
    part_maksura_fix(s);
    part *pt = &s->parts[s->nparts++];
    pt->start = s->pstart;
    pt->end = s->pend;
    pt->kind = s->pkind;
    pt->len = (uint16_t)s->plen;
    memcpy(pt->norm, s->pbuf, s->plen);
    pt->norm[s->plen] = '\0';
    whole_add(s, s->pbuf, s->plen);
    s->cend = s->pend;
    s->in_part = false;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* 1,000 and ١٬٠٠٠ are 1000 (1.5). In a whole number token whose commas all
 * separate groups of three digits after a first group of one to three
 * (1,000 12,500,000 1,250.75 2,000%), the commas go, so the number is found
 * written either way. Other uses of the comma (1,5 12,34 3,4,5) stay.
 * Since 1.14 dots group too when there are two groups or more, and a comma
 * after them is the decimal point (7.200.000 = 7200000, 1.250.000,75 =
 * 1250000.75); one dot group (1.000, 2.500) may be a decimal and stays.
 * Rewrites w[0..n) in place; returns the new length. */
static size_t ungroup_digits(char *w, size_t n)
{
    size_t i = 0;
    while (i < n && is_digit(w[i]))
        i++;
    if (i == 0 || i > 3 || i == n || (w[i] != ',' && w[i] != '.') || w[0] == '0')
        return n; /* 0,500 is a decimal comma */
    const char sep = w[i], dec = sep == ',' ? '.' : ',';
    size_t groups = 0;
    while (i < n && w[i] == sep) {
        size_t g = ++i;
        while (i < n && is_digit(w[i]))
            i++;
        if (i - g != 3)
            return n;
        groups++;
    }
    if (sep == '.' && groups < 2)
        return n;
    if (i < n && w[i] == dec) {
        size_t g = ++i;
        while (i < n && is_digit(w[i]))
            i++;
        if (i == g)
            return n;
    }
    if (i < n && w[i] == '%')
        i++;
    if (i != n)
        return n;
    size_t o = 0;
    for (i = 0; i < n; i++)
        if (w[i] != sep)
            w[o++] = w[i] == dec ? '.' : w[i];
    return o;
}

/* A grouped number, ungrouped (u[0..n): 1250, 1250.75, 2000%), emitted as
 * the same tokens as the number written without commas, so a phrase or a
 * proximity sees 1,250 and 1250 alike: a plain token when it is digits only;
 * else the whole token and its integer and decimal parts. The thousands
 * groups are not parts of their own. */
static int emit_ungrouped(fh_analysis *s, size_t first, const char *u, size_t n)
{
    const part *p0 = &s->parts[first], *pl = &s->parts[s->nparts - 1];
    const char *dot = memchr(u, '.', n);
    bool pct = n > 0 && u[n - 1] == '%';
    if (!dot && !pct)
        return emit(s, p0->start, s->cend, u, n, false, FH_TOK_NUMERIC, s->pos++);
    int rc = emit(s, p0->start, s->cend, u, n, false, FH_TOK_WHOLE | FH_TOK_NUMERIC, s->pos);
    size_t il = dot ? (size_t)(dot - u) : n - 1; /* the integer digits */
    uint32_t iend = dot ? s->parts[s->nparts - 2].end : pl->end;
    if (rc == 0)
        rc = emit(s, p0->start, iend, u, il, false, FH_TOK_PART | FH_TOK_NUMERIC, s->pos++);
    if (rc == 0 && dot)
        rc = emit(s, pl->start, pl->end, pl->norm, pl->len, false, FH_TOK_PART | FH_TOK_NUMERIC,
                  s->pos++);
    return rc;
}

/* Is text[cs, ce) one space between words: U+0020, a no-break space
 * (U+00A0, U+202F) or a thin space (U+2009)? */
static bool one_space(const char *text, uint32_t cs, uint32_t ce)
{
    const unsigned char *p = (const unsigned char *)text + cs;
    switch (ce - cs) {
    case 1:
        return p[0] == ' ';
    case 2:
        return p[0] == 0xC2 && p[1] == 0xA0;
    case 3:
        return p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xAF || p[2] == 0x89);
    default:
        return false;
    }
}

/* The normalized letters of the word at text[at] (at most FH_TOKEN_MAX
 * bytes into out, *n), skipping what normalization drops; returns where the
 * word ends. */
static size_t word_at(const fh_analysis *s, size_t at, char *out, size_t *n)
{
    *n = 0;
    while (at < s->tlen) {
        uint32_t c;
        size_t k = utf8_decode(s->text + at, s->tlen - at, &c);
        cpent e = classify_any(s->a, c);
        if (e.cls == C_DROP || e.cls == C_MARK) {
            at += k;
            continue;
        }
        if ((e.cls != C_ALNUM && e.cls != C_MADDA) || e.kind != K_AR || *n + e.nlen > FH_TOKEN_MAX)
            break;
        memcpy(out + *n, e.u8, e.nlen);
        *n += e.nlen;
        at += k;
    }
    return at;
}

/* The length of the one space at text[at] (one_space), 0 if none. */
static size_t space_at(const fh_analysis *s, size_t at)
{
    for (size_t l = 1; l <= 3 && at + l <= s->tlen; l++)
        if (one_space((const char *)s->text, (uint32_t)at, (uint32_t)(at + l)))
            return l;
    return 0;
}

/* (1.19) Whether "في المائة" (per cent, or في المئة, بالمائة, بالمئة, one
 * space apart) follows the number that ends at text[end]: the number then
 * gives the tokens of the number written with %, so 15% finds 15 في المائة,
 * the way most news text writes it. */
__attribute__((noinline)) static bool per_cent_after(const fh_analysis *s, size_t end)
{
    static const char *const PER[] = {
        "\xD8\xA8\xD8\xA7\xD9\x84\xD9\x85\xD8\xA7\xD8\xA6\xD9\x87", /* بالمائه */
        "\xD8\xA8\xD8\xA7\xD9\x84\xD9\x85\xD8\xA6\xD9\x87"};        /* بالمئه */
    char w[FH_TOKEN_MAX + 8];
    size_t n, sp = space_at(s, end);
    if (sp == 0 || end + sp + 2 > s->tlen)
        return false;
    const unsigned char *p = s->text + end + sp;
    if (!(p[0] == 0xD9 && p[1] == 0x81) && !(p[0] == 0xD8 && p[1] == 0xA8))
        return false; /* not ف or ب: the common case, cheaply */
    size_t at = word_at(s, end + sp, w, &n);
    if (n == 4 && memcmp(w, "\xD9\x81\xD9\x8A", 4) == 0) { /* في */
        if ((sp = space_at(s, at)) == 0)
            return false;
        word_at(s, at + sp, w, &n);
        return (n == 12 && memcmp(w, PER[0] + 2, 12) == 0) ||
               (n == 10 && memcmp(w, PER[1] + 2, 10) == 0);
    }
    return (n == 14 && memcmp(w, PER[0], 14) == 0) || (n == 12 && memcmp(w, PER[1], 12) == 0);
}

/* Whether the open compound is a number: digits, with connectors (2.5,
 * 1,250), after a proclitic if any (و15). */
static bool comp_is_number(const fh_analysis *s)
{
    if (s->in_part && s->pkind != K_DIGIT)
        return false;
    size_t i = 0;
    if (s->nparts > 0 && s->parts[0].kind == K_AR &&
        fh_strset_has(&s->a->clitic, s->parts[0].norm, s->parts[0].len))
        i = 1;
    if (i == s->nparts && !s->in_part)
        return false;
    for (; i < s->nparts; i++)
        if (s->parts[i].kind != K_DIGIT)
            return false;
    return true;
}

static int close_comp(fh_analysis *s)
{
    int rc = 0;
    if (s->in_part && s->nparts == 0 && !s->pct) {
        /* the common case, a word of one part: emitted from pbuf, without
         * the copies into parts[] and the whole-token buffer */
        part_madda_fix(s);
        part_maksura_fix(s);
        s->in_part = false;
        s->in_comp = false;
        s->cend = s->pend;
        return emit(s, s->pstart, s->pend, s->pbuf, s->plen, s->pkind == K_AR,
                    kind_flags(s->pkind), s->pos++);
    }
    if (s->in_part)
        close_part(s);
    s->in_comp = false;
    if (s->nparts == 0)
        return 0;
    size_t first = 0, wskip = 0;
    /* وOpenAI, الـ5G: the Arabic clitic is a word of its own */
    if (s->nparts >= 2 && s->parts[0].kind == K_AR && s->parts[1].kind != K_AR &&
        s->parts[1].start == s->parts[0].end &&
        fh_strset_has(&s->a->clitic, s->parts[0].norm, s->parts[0].len)) {
        part *pt = &s->parts[0];
        rc = emit(s, pt->start, pt->end, pt->norm, pt->len, false, 0, s->pos++);
        if (rc != 0)
            return rc;
        first = 1;
        wskip = pt->len;
    }
    if (s->nparts - first == 1 && !s->pct) {
        part *pt = &s->parts[first];
        return emit(s, pt->start, pt->end, pt->norm, pt->len, pt->kind == K_AR,
                    kind_flags(pt->kind), s->pos++);
    }
    uint32_t fl = FH_TOK_WHOLE, numeric = FH_TOK_NUMERIC;
    for (size_t i = first; i < s->nparts; i++) {
        fl |= s->parts[i].kind == K_LAT ? FH_TOK_LATIN : 0;
        if (s->parts[i].kind != K_DIGIT)
            numeric = 0;
    }
    if (s->pct_lead && numeric && (s->wlen == 0 || s->wbuf[s->wlen - 1] != '%'))
        whole_add(s, "%", 1); /* %15 is 15% (a trailing % is in already: %15%) */
    if (wskip > s->wlen)
        wskip = s->wlen; /* the whole was truncated inside the clitic: cannot happen */
    size_t wl = s->wlen - wskip;
    if (numeric && !s->wtrunc) {
        size_t ul = ungroup_digits(s->wbuf + wskip, wl);
        if (ul != wl)
            return emit_ungrouped(s, first, s->wbuf + wskip, ul);
    }
    rc = emit(s, s->parts[first].start, s->cend, s->wbuf + wskip, wl, false, fl | numeric, s->pos);
    for (size_t i = first; rc == 0 && i < s->nparts; i++) {
        part *pt = &s->parts[i];
        rc = emit(s, pt->start, pt->end, pt->norm, pt->len, pt->kind == K_AR,
                  FH_TOK_PART | kind_flags(pt->kind), s->pos++);
    }
    return rc;
}

static void start_part(fh_analysis *s, uint8_t kind, uint32_t cs)
{
    if (!s->in_comp) {
        s->in_comp = true;
        s->pct = s->pct_lead = false;
        s->cstart = cs;
        s->nparts = 0;
        s->wlen = 0;
        s->wtrunc = false;
    }
    s->in_part = true;
    s->prepl = false;
    s->nmadda = 0;
    s->pkind = kind;
    s->pstart = cs;
    s->plen = 0;
    s->plimit = FH_TOKEN_MAX;
}

static inline void part_add(fh_analysis *s, const cpent *e, uint32_t ce)
{
    size_t n = e->nlen;
    if (s->plen + n <= s->plimit) {
        /* all four bytes of u8, a fixed-size copy (no memcpy call per
         * character): pbuf has 8 bytes of slack past FH_TOKEN_MAX */
        memcpy(s->pbuf + s->plen, e->u8, sizeof e->u8);
        s->plen += n;
    } else {
        s->plimit = s->plen; /* truncated: nothing more fits */
    }
    s->pend = ce;
}

/* Does connector `cls` after a part of kind `prev` join with `next`? */
static bool joins(int cls, uint8_t prev, cpent next)
{
    if (next.cls != C_ALNUM && next.cls != C_MADDA)
        return false;
    switch (cls) {
    case C_HYPHEN:
    case C_UNDER:
        return true;
    case C_DOT:
        return (prev == K_LAT || prev == K_DIGIT) && (next.kind == K_LAT || next.kind == K_DIGIT);
    case C_COMMA:
    case C_DECSEP:
    case C_THOUSEP:
        return prev == K_DIGIT && next.kind == K_DIGIT;
    default:
        return false;
    }
}

/* The class of the character at text[at] (a separator past the end), and
 * in *n its bytes (0 past the end). */
static cpent peek_n(const fh_analyzer *a, const char *text, size_t len, size_t at, size_t *n)
{
    *n = 0;
    if (at >= len)
        return mk(C_SEP, K_NONE, 0);
    uint32_t c;
    *n = utf8_decode((const unsigned char *)text + at, len - at, &c);
    return classify_any(a, c);
}

static cpent peek(const fh_analyzer *a, const char *text, size_t len, size_t at)
{
    size_t n;
    return peek_n(a, text, len, at, &n);
}

/* Whether p[0..n) is U+FFFD only (the hot loop may have added letters of
 * the part's kind after the flag `prepl` was set). */
static bool only_repl(const char *p, size_t n)
{
    for (size_t i = 0; i + 3 <= n; i += 3)
        if (memcmp(p + i, "\xEF\xBF\xBD", 3) != 0)
            return false;
    return n % 3 == 0;
}

/* عبد, or وعبد, the first half of a compound name written apart: عبد الله,
 * وعبد العزيز. Not after ب ل ك ف: light10 keeps those on a name it does not
 * know (لعبدالله stays whole), so لعبد الله joined would lose the name; as
 * two words, لعبد is عبد and الله stays. */
static bool is_abd(const char *w, size_t n)
{
    static const char ABD[] = "\xD8\xB9\xD8\xA8\xD8\xAF";
    if (n == 8)
        return (unsigned char)w[0] == 0xD9 && (unsigned char)w[1] == 0x88 &&
               memcmp(w + 2, ABD, 6) == 0; /* و */
    return n == 6 && memcmp(w, ABD, 6) == 0;
}

/* (1.19) The word open before the separator text[cs, ce), a number or a
 * word of three or four letters (the caller's cheap tests), at one space:
 * returns whether the word goes on after it, the space inside its span:
 * - a number, one space and % or ٪ (15 %: the tokens of 15%), unless
 *   the number has its % in front already or the % has digits after it;
 * - عبد (is_abd, a word of one part), one space and ال + an Arabic letter:
 *   a compound name written apart (عبد الله, عبد العزيز) is the word
 *   written joined (عبدالله, عبدالعزيز), which the news writes three
 *   times in four.
 * A number that does not go on but is followed by في المائة (per_cent_after)
 * is marked a percentage here, for close_comp: 15 في المائة is 15%. */
__attribute__((noinline)) static bool word_at_space(fh_analysis *s, const char *text, size_t len,
                                                    uint32_t cs, uint32_t ce)
{
    if (!one_space(text, cs, ce))
        return false;
    if (s->pkind == K_DIGIT) {
        if (s->pct_lead || !comp_is_number(s))
            return false;
        size_t pl;
        if (peek_n(s->a, text, len, ce, &pl).cls == C_PCT) {
            /* not 15 %20, whose % goes with the other number (% ٪ ％ are
               one to three bytes) */
            cpent after = peek(s->a, text, len, ce + pl);
            return after.cls != C_ALNUM || after.kind != K_DIGIT;
        }
        if (per_cent_after(s, cs)) {
            close_part(s);
            whole_add(s, "%", 1);
            s->pct = true;
        }
        return false;
    }
    if (s->pkind != K_AR || s->nparts > 0 || !is_abd(s->pbuf, s->plen))
        return false;
    /* the next word as normalization reads it: ٱ is ا, marks and tatweel
       go (عبدُ ٱللَّه, عبد الْعزيز, عبد الـله) */
    char w[FH_TOKEN_MAX + 8];
    size_t n;
    word_at(s, ce, w, &n);
    return n >= 6 && memcmp(w, "\xD8\xA7\xD9\x84", 4) == 0;
}

/* (1.19) A % at text[cs, ce), outside a word or right after an Arabic one
 * (بنسبة%15): before a number (%15, ٪١٢, the sign first as right-to-left
 * text puts it) it goes with the number. Not after a Latin letter, a digit
 * or ASCII punctuation other than ( [ " ' (a URL's q=%20, a%20b), nor when
 * a letter follows the number (%20b, %20يوم): no percentage. */
__attribute__((noinline)) static void lead_pct(fh_analysis *s, const char *text, size_t len,
                                               uint32_t cs, uint32_t ce)
{
    if (cs > 0) {
        const unsigned char b = (unsigned char)text[cs - 1];
        if (b < 0x80 && b > ' ' && b != '(' && b != '[' && b != '"' && b != '\'')
            return;
    }
    size_t at = ce, k;
    cpent next = peek_n(s->a, text, len, at, &k), e = next;
    while (k > 0 && (e.cls == C_ALNUM ? e.kind == K_DIGIT
                                      : e.cls == C_DOT || e.cls == C_COMMA || e.cls == C_DECSEP ||
                                            e.cls == C_THOUSEP)) {
        at += k;
        e = peek_n(s->a, text, len, at, &k);
    }
    if ((e.cls == C_ALNUM || e.cls == C_MADDA) && e.kind != K_DIGIT)
        return; /* %20b, %20يوم */
    if (next.cls == C_ALNUM && next.kind == K_DIGIT) {
        /* the number's part opens at the sign: its span takes the sign in */
        start_part(s, K_DIGIT, cs);
        s->pct = s->pct_lead = true;
    }
}

/* A separator text[cs, ce): the end of the open word, unless the word goes
 * on after one space (word_at_space; the cheap tests first, ordered to be
 * predictable: this runs at the end of every word. ع (D8 B9) is the first
 * letter of a three-letter word, or the second of a four-letter one). */
static inline int at_separator(fh_analysis *s, const char *text, size_t len, uint32_t cs,
                               uint32_t ce)
{
    if (!s->in_comp)
        return 0;
    if (s->in_part &&
        (s->pkind == K_DIGIT ||
         (s->pkind == K_AR && s->plen >= 6 && (unsigned char)s->pbuf[s->plen - 5] == 0xB9 &&
          s->plen <= 8 && s->plen != 7)) &&
        word_at_space(s, text, len, cs, ce))
        return 0;
    return close_comp(s);
}

/* Everything but the hot cases handled inline in fh_analyze. */
static int step(fh_analysis *s, const cpent *e, uint32_t cs, uint32_t ce, const char *text,
                size_t len)
{
    int rc = 0;
    switch (e->cls) {
    case C_MADDA: {
        cpent alef = *e;
        alef.cls = C_ALNUM;
        int rc2 = step(s, &alef, cs, ce, text, len);
        /* where its ا went, if it went in (a truncated part takes no more) */
        if (rc2 == 0 && s->in_part && s->plen >= 2 && s->plen <= s->plimit &&
            s->nmadda < sizeof s->madda && s->plen - 2 <= UINT8_MAX &&
            memcmp(s->pbuf + s->plen - 2, "\xD8\xA7", 2) == 0)
            s->madda[s->nmadda++] = (uint8_t)(s->plen - 2);
        return rc2;
    }
    case C_ALNUM:
        if (s->in_part && s->pkind == e->kind) {
            part_add(s, e, ce);
            return 0;
        }
        if (s->in_part && s->prepl && only_repl(s->pbuf, s->plen)) {
            /* U+FFFD before the word's first letter: it stays inside the
             * word (§1), which takes the letter's kind */
            s->pkind = e->kind;
            s->prepl = false;
            part_add(s, e, ce);
            return 0;
        }
        if (s->in_part) {
            close_part(s);
            if (s->nparts >= MAX_PARTS)
                rc = close_comp(s);
        }
        start_part(s, e->kind, cs);
        part_add(s, e, ce);
        return rc;
    case C_DROP:
        if (s->in_part)
            s->pend = ce;
        return 0;
    case C_HAMZA:
        if (s->in_part && s->pkind == K_AR && s->plen >= 2 && s->plen <= s->plimit) {
            char *l = s->pbuf + s->plen - 2;
            if ((unsigned char)l[0] == 0xD9 && (unsigned char)l[1] == 0x8A)
                l[0] = (char)0xD8, l[1] = (char)0xA6; /* ي + hamza -> ئ */
            else if ((unsigned char)l[0] == 0xD9 && (unsigned char)l[1] == 0x88)
                l[0] = (char)0xD8, l[1] = (char)0xA4; /* و + hamza -> ؤ */
        }
        if (s->in_part)
            s->pend = ce;
        return 0;
    case C_MARK:
        if (!s->in_part)
            return 0;
        if (s->pkind == K_AR || s->pkind == K_LAT)
            s->pend = ce; /* tashkeel; a Latin diacritic (e + U+0301 is e, 1.5) */
        else
            part_add(s, e, ce);
        return 0;
    case C_REPL:
        if (!s->in_part) {
            start_part(s, K_OTHER, cs);
            s->prepl = true;
        }
        part_add(s, e, ce);
        return 0;
    case C_SINGLE:
        if (s->in_comp)
            rc = close_comp(s);
        if (rc == 0) {
            start_part(s, e->kind, cs);
            part_add(s, e, ce);
            rc = close_comp(s);
        }
        return rc;
    case C_HYPHEN:
    case C_UNDER:
    case C_DOT:
    case C_COMMA:
    case C_DECSEP:
    case C_THOUSEP:
        if (s->in_part && s->nparts + 1 < MAX_PARTS &&
            joins(e->cls, s->pkind, peek(s->a, text, len, ce))) {
            static const char conn[] = {'-', '_', '.', ',', '.', ','};
            char c = conn[e->cls - C_HYPHEN];
            close_part(s);
            whole_add(s, &c, 1);
            return 0;
        }
        return s->in_comp ? close_comp(s) : 0;
    case C_PCT:
        if (s->in_part && s->pkind == K_DIGIT) {
            close_part(s);
            whole_add(s, "%", 1);
            s->pct = true;
            s->cend = ce;
            return close_comp(s);
        }
        if (s->in_comp) {
            /* the word before ends here; after an Arabic word the sign may
               still lead a number (بنسبة%15, و%3) */
            bool arabic = s->in_part && s->pkind == K_AR;
            int rc2 = close_comp(s);
            if (rc2 != 0 || !arabic)
                return rc2;
        }
        lead_pct(s, text, len, cs, ce); /* may open the number's part */
        return 0;
    default: /* C_SEP */
        return at_separator(s, text, len, cs, ce);
    }
}

int fh_analyze(fh_analysis *s, const char *text, size_t len, const fh_token **toks,
               size_t *ntoks)
{
    const fh_analyzer *a = s->a;
    const unsigned char *p = (const unsigned char *)text;
    int rc = 0;

    *toks = NULL;
    *ntoks = 0;
    s->ntoks = 0;
    if (len > UINT32_MAX)
        return FH_ELIMIT;
    s->text = p;
    s->tlen = len;
    s->alen = 0;
    s->pos = 0;
    s->in_part = false;
    s->in_comp = false;
    s->nparts = 0;
    s->pending = false;
    if (s->stemc == NULL && a->stemmer != FH_STEM_NONE)
        s->stemc = fh_big_calloc(STEMC_N * sizeof *s->stemc); /* NULL: stem without it */

    size_t i = 0;
    while (i < len) {
        const cpent *e;
        cpent tmp;
        size_t n;
        unsigned b = p[i];
        if (b < 0x80) {
            e = &a->ascii[b];
            n = 1;
        } else if (b >= 0xD8 && b <= 0xDB && i + 1 < len && (p[i + 1] & 0xC0) == 0x80) {
            e = &a->arab[((b & 0x03u) << 6) | (p[i + 1] & 0x3Fu)];
            n = 2;
        } else {
            uint32_t c;
            n = utf8_decode(p + i, len - i, &c);
            if (is_pres(c) && a->pres_len[pres_index(c)] > 0) {
                size_t idx = pres_index(c);
                for (size_t k = 0; k < a->pres_len[idx] && rc == 0; k++) {
                    tmp = classify_any(a, a->pres_cp[a->pres_off[idx] + k]);
                    rc = step(s, &tmp, (uint32_t)i, (uint32_t)(i + n), text, len);
                }
                if (rc != 0)
                    goto out;
                i += n;
                continue;
            }
            tmp = classify_slow(c);
            e = &tmp;
        }
        /* hot cases: a letter continuing the current part, a separator between words */
        if (e->cls == C_ALNUM && s->in_part && s->pkind == e->kind) {
            part_add(s, e, (uint32_t)(i + n));
        } else if (e->cls == C_SEP) {
            rc = at_separator(s, text, len, (uint32_t)i, (uint32_t)(i + n));
            if (rc != 0)
                goto out;
        } else {
            rc = step(s, e, (uint32_t)i, (uint32_t)(i + n), text, len);
            if (rc != 0)
                goto out;
        }
        i += n;
    }
    if (s->in_comp)
        rc = close_comp(s);
    if (rc == 0)
        rc = stem_pass(s);
    if (rc != 0)
        goto out;
    for (size_t k = 0; k < s->ntoks; k++) {
        s->toks[k].norm = s->arena + s->offs[k].norm;
        s->toks[k].stem = s->arena + s->offs[k].stem;
        s->toks[k].alt = s->arena + s->offs[k].alt;
    }
    *toks = s->toks;
    *ntoks = s->ntoks;
out:
    if (rc != 0)
        s->ntoks = 0;
    return rc;
}

int fh_analysis_copy(const fh_analysis *s, fh_token_copy *dst)
{
    dst->ntoks = 0;
    dst->arena_len = 0;
    if (s->ntoks > dst->tok_cap) {
        fh_token *t = realloc(dst->toks, s->ntoks * sizeof *t);
        if (t == NULL)
            return FH_ENOMEM;
        dst->toks = t;
        dst->tok_cap = s->ntoks;
    }
    if (s->alen > dst->arena_cap) {
        char *a = realloc(dst->arena, s->alen);
        if (a == NULL)
            return FH_ENOMEM;
        dst->arena = a;
        dst->arena_cap = s->alen;
    }
    if (s->ntoks == 0)
        return 0;
    memcpy(dst->arena, s->arena, s->alen);
    dst->arena_len = s->alen;
    dst->alt = fh_analysis_alt(s);
    for (size_t k = 0; k < s->ntoks; k++) {
        fh_token *t = &dst->toks[k];
        *t = s->toks[k];
        t->norm = dst->arena + s->offs[k].norm;
        t->stem = dst->arena + s->offs[k].stem;
        t->alt = dst->arena + s->offs[k].alt;
    }
    dst->ntoks = s->ntoks;
    return 0;
}

void fh_token_copy_free(fh_token_copy *c)
{
    if (c == NULL)
        return;
    free(c->toks);
    free(c->arena);
    *c = (fh_token_copy){0};
}

/* ------------------------------------------------------------------ */
/* Analyzer, scratch                                                   */

/* Normalize a dictionary word with the table rules (no splitting). */
static size_t normalize_word(const fh_analyzer *a, const char *w, size_t n, char *out)
{
    size_t o = 0, i = 0, nat = 0;
    uint8_t at[8] = {0}; /* at[0..nat) are read */
    uint32_t last = 0;
    while (i < n) {
        uint32_t c;
        size_t k = utf8_decode((const unsigned char *)w + i, n - i, &c);
        i += k;
        cpent e = classify_any(a, c);
        if ((e.cls == C_ALNUM || e.cls == C_MADDA) && o + e.nlen <= FH_TOKEN_MAX) {
            if (e.cls == C_MADDA && nat < sizeof at && o <= UINT8_MAX)
                at[nat++] = (uint8_t)o;
            memcpy(out + o, e.u8, e.nlen);
            o += e.nlen;
            last = c;
        }
    }
    madda_fix(out, o, at, nat);
    if (is_maksura(last))
        keep_maksura(a, out, o);
    out[o] = '\0';
    return o;
}

/* The normalized form of the concatenation x y into out (FH_TOKEN_MAX + 1
 * bytes), its length in *n. FH_EINVAL if x y is longer than a token. */
static int normalize_concat(const fh_analyzer *a, const char *x, const char *y, char *out,
                            size_t *n)
{
    char tmp[FH_TOKEN_MAX + 8];
    size_t xl = strlen(x), yl = strlen(y);
    if (xl + yl > FH_TOKEN_MAX)
        return FH_EINVAL;
    memcpy(tmp, x, xl);
    memcpy(tmp + xl, y, yl);
    *n = normalize_word(a, tmp, xl + yl, out);
    return 0;
}

static int add_normalized(const fh_analyzer *a, fh_strset *set, const char *w, const char *prefix)
{
    char buf[FH_TOKEN_MAX + 1];
    size_t n;
    int rc = normalize_concat(a, prefix, w, buf, &n);
    if (rc != 0)
        return rc;
    return n > 0 ? fh_strset_add(set, buf, n) : 0;
}

/* A known word that begins with و (at least 4 letters: light10 only removes
 * و when 3 remain) goes into wawlex by its suffix stem, or (1.27, `whole`)
 * as a whole-word entry; other words are ignored. */
static int add_waw_word(fh_analyzer *a, const char *norm, size_t n, bool whole)
{
    static const char waw[] = "\xD9\x88"; /* U+0648 */
    char stem[FH_TOKEN_MAX + 1];
    if (n < 8 || memcmp(norm, waw, 2) != 0)
        return 0;
    if (whole)
        return fh_light10_add_whole(&a->wawlex, norm, n);
    size_t sl = fh_light10_suffix_stem(&a->protect, norm, n, stem);
    return fh_strset_add(&a->wawlex, stem, sl);
}

/* (1.30) A known word X + ية (normalized: X + يه) from which light10 takes
 * exactly its ية puts X into protect (fh_light10_taa_add, `ya`), unless X +
 * يت is a known word's stem itself (توقيت, تصويت beside the rare توقية,
 * تصوية; the verb رأيت of fh_ya_verbs_ar beside راية): then جمعيتها,
 * عمليتين lose their يت as جمعية, عملية lose ية. (An X that is a stop word,
 * هو of هوية, then backs off to X + يه: ya_of_stop.) */
static int ya_word(fh_analyzer *a, const char *norm, size_t nn)
{
    static const char ya[] = "\xD9\x8A\xD9\x87", yt[] = "\xD9\x8A\xD8\xAA"; /* يه, يت */
    char stem[FH_TOKEN_MAX + 1];
    if (nn < 8 || memcmp(norm + nn - 4, ya, 4) != 0)
        return 0;
    size_t sl = fh_light10_suffix_stem(&a->protect, norm, nn, stem);
    if (sl + 4 != nn)
        return 0;
    memcpy(stem + sl, yt, 4);
    if (fh_strset_has(&a->lex, stem, sl + 4))
        return 0;
    return fh_light10_taa_add(&a->protect, stem, sl, true);
}

/* (1.34) A known word X that light10 leaves whole, of three letters or
 * more, is the stem of its ة form, and one that ends in ي, less its ي, the
 * stem of its ية form (fh_light10_fem_add): the lexicon lists مجموع, صديق,
 * قاعد, جنسي but not مجموعة, صديقة, قاعدة, جنسية, so 1.18's rule left
 * مجموعتها, صديقته, جنسيته with their ت. Not where X + ت (X + يت) is a
 * known word's stem itself (توقيت), nor (1.35) where X is a stop word
 * (فهم: فهمته would back off to the whole word, apart from فهمت). */
static int base_word(fh_analyzer *a, const char *norm, size_t nn)
{
    static const char t[] = "\xD8\xAA", yeh[] = "\xD9\x8A"; /* ت, ي */
    char stem[FH_TOKEN_MAX + 1];
    if (nn < 6 || nn + 2 > FH_TOKEN_MAX)
        return 0;
    int rc = 0;
    size_t sl = fh_light10_suffix_stem(&a->protect, norm, nn, stem);
    /* (1.35) never a stop word's form: فهمته would back off to itself */
    if (sl == nn && !fh_strset_has(&a->stop, norm, nn)) {
        memcpy(stem + sl, t, 2);
        if (!fh_strset_has(&a->lex, stem, sl + 2))
            rc = fh_light10_fem_add(&a->fem, norm, nn, false);
    }
    if (rc == 0 && memcmp(norm + nn - 2, yeh, 2) == 0 && !fh_strset_has(&a->stop, norm, nn - 2)) {
        memcpy(stem, norm, nn);
        memcpy(stem + nn, t, 2); /* X + ي + ت */
        if (!fh_strset_has(&a->lex, stem, nn + 2))
            rc = fh_light10_fem_add(&a->fem, norm, nn - 2, true);
    }
    return rc;
}

/* One word of the guard lexicon, w[0..l) in natural spelling, in the pass
 * build_lexicon is making: 0 puts a word that begins with و into wawlex
 * (add_waw_word) and the suffix stem of a word that ends in ة into protect
 * (1.18, fh_light10_taa_add), 1 puts its light10 stem, computed with that و
 * guard, into lex, 2 (1.30, once lex is whole) puts the part before ية of a
 * word that ends in it into protect (ya_word). (1.27) A word of `whole`
 * (fh_whole_words_ar, normalized) goes into wawlex and lex as a whole-word
 * entry instead in passes 0 and 1. */
static int lexicon_word(fh_analyzer *a, const fh_strset *whole, int pass, const char *w, size_t l)
{
    static const char taa[] = "\xD8\xA9"; /* ة */
    char norm[FH_TOKEN_MAX + 1], stem[FH_TOKEN_MAX + 1];
    bool ends_taa = l >= 8 && memcmp(w + l - 2, taa, 2) == 0;
    size_t nn = normalize_word(a, w, l, norm);
    if (pass == 2)
        return ends_taa ? ya_word(a, norm, nn) : base_word(a, norm, nn);
    if (nn > 0 && fh_strset_has(whole, norm, nn))
        return pass == 1 ? fh_light10_add_whole(&a->lex, norm, nn)
                         : add_waw_word(a, norm, nn, true);
    if (pass == 0) {
        if (ends_taa) {
            size_t sl = fh_light10_suffix_stem(&a->protect, norm, nn, stem);
            int rc = sl < nn ? fh_light10_taa_add(&a->protect, stem, sl, false) : 0;
            if (rc != 0)
                return rc;
        }
        return add_waw_word(a, norm, nn, false);
    }
    if (nn == 0)
        return 0;
    size_t sl = fh_light10_stem(NULL, &a->wawlex, &a->protect, NULL, norm, nn, stem);
    return fh_strset_add(&a->lex, stem, sl);
}

/* The و-initial verbs of fh_waw_verbs_ar with their subject suffixes, then
 * three passes (lexicon_word) over the lexicon's words and the protected
 * names, which are known words too (1.16: درعا, ناسا keep their ا under rule
 * 11, and بدرعا, لناسا lose their proclitic; 1.17: وهران keeps its و):
 * first the words that begin with و, into wawlex; then every word's stem
 * into lex; then (1.30) the ية words' stems into protect. */
static int build_lexicon(fh_analyzer *a)
{
    const char *d = (const char *)fh_lexicon_ar_data;
    size_t n = fh_lexicon_ar_data_size;
    char norm[FH_TOKEN_MAX + 1];
    /* The past-tense subject suffixes: وافق, وصلت, وقعتا, وجدوا, وصلنا, وضعتم. */
    static const char *const subj[] = {"", "ت", "تا", "وا", "نا", "تم"};
    for (size_t i = 0; fh_waw_verbs_ar[i] != NULL; i++) {
        size_t nn;
        int rc = 0;
        for (size_t k = 0; k < sizeof subj / sizeof subj[0] && rc == 0; k++) {
            rc = normalize_concat(a, fh_waw_verbs_ar[i], subj[k], norm, &nn);
            if (rc == 0)
                rc = add_waw_word(a, norm, nn, false);
        }
        /* (1.12) the dual وصلا, which is also a noun's tanween alif (وضعا),
           as a whole-word entry: وصلاة (and prayer) must not match it once
           its ه is stripped */
        if (rc == 0)
            rc = normalize_concat(a, fh_waw_verbs_ar[i], "ا", norm, &nn);
        if (rc == 0)
            rc = add_waw_word(a, norm, nn, true);
        if (rc != 0)
            return rc;
    }
    fh_strset whole;
    fh_strset_init(&whole);
    int rc = 0;
    for (size_t k = 0; fh_whole_words_ar[k] != NULL && rc == 0; k++) {
        /* four Arabic letters each: light10 looks only such words up */
        size_t nn;
        rc = normalize_concat(a, fh_whole_words_ar[k], "", norm, &nn);
        if (rc == 0)
            rc = nn == 8 ? fh_strset_add(&whole, norm, nn) : FH_EINVAL;
    }
    for (int pass = 0; pass < 3 && rc == 0; pass++) {
        /* (1.33) the plurals of fh_at_plurals_ar, before pass 0 */
        for (size_t k = 0; pass == 0 && fh_at_plurals_ar[k] != NULL && rc == 0; k++) {
            size_t nn;
            rc = normalize_concat(a, fh_at_plurals_ar[k], "", norm, &nn);
            if (rc == 0)
                rc = fh_light10_at_plural_add(&a->protect, norm, nn);
        }
        /* (1.30) the verb forms ya_word must not read as X + ية's X + يت
           (رأيت) are known words too, before pass 2 */
        for (size_t k = 0; pass == 2 && fh_ya_verbs_ar[k] != NULL && rc == 0; k++)
            rc = lexicon_word(a, &whole, 1, fh_ya_verbs_ar[k], strlen(fh_ya_verbs_ar[k]));
        size_t i = 0;
        while (i < n && rc == 0) {
            const char *nl = memchr(d + i, '\n', n - i);
            size_t l = nl ? (size_t)(nl - (d + i)) : n - i;
            if (l > 0 && l <= FH_TOKEN_MAX && d[i] != '#')
                rc = lexicon_word(a, &whole, pass, d + i, l);
            i += l + 1;
        }
        for (size_t k = 0; fh_protected_ar[k] != NULL && rc == 0; k++)
            rc = lexicon_word(a, &whole, pass, fh_protected_ar[k], strlen(fh_protected_ar[k]));
    }
    fh_strset_fini(&whole);
    return rc;
}

const char *const fh_stemmer_names[] = {"light10",  "light10+sb", "light10-noguard",
                                        "snowball", "none",       NULL};

int fh_analyzer_opts_by_name(const char *name, fh_analyzer_opts *o)
{
    static const struct {
        fh_stemmer_kind kind;
        bool no_guard, alt_stems;
    } v[] = {
        {FH_STEM_LIGHT10, false, false}, {FH_STEM_LIGHT10, false, true},
        {FH_STEM_LIGHT10, true, false},  {FH_STEM_SNOWBALL, false, false},
        {FH_STEM_NONE, false, false},
    };
    _Static_assert(sizeof v / sizeof v[0] + 1 ==
                       sizeof fh_stemmer_names / sizeof fh_stemmer_names[0],
                   "one analyzer setting per stemmer name");
    for (size_t i = 0; name && fh_stemmer_names[i]; i++) {
        if (strcmp(name, fh_stemmer_names[i]) == 0) {
            o->stemmer = v[i].kind;
            o->no_proclitic_guard = v[i].no_guard;
            o->alt_stems = v[i].alt_stems;
            return 0;
        }
    }
    return FH_EINVAL;
}

const char *fh_stemmer_for_analyzer(const char *name)
{
    for (size_t i = 0; name && fh_stemmer_names[i]; i++) {
        fh_analyzer_opts o;
        memset(&o, 0, sizeof o);
        const char *an = fh_analyzer_opts_by_name(fh_stemmer_names[i], &o) == 0
                             ? fh_analyzer_opts_name(&o)
                             : NULL;
        if (an && strcmp(an, name) == 0)
            return fh_stemmer_names[i];
    }
    return NULL;
}

const char *fh_stemmer_for_index(const char *name, const char *version)
{
    return version && strcmp(version, fh_analyzer_version(NULL)) == 0
               ? fh_stemmer_for_analyzer(name)
               : NULL;
}

const char *fh_analyzer_opts_name(const fh_analyzer_opts *opts)
{
    fh_analyzer_opts o = {0};
    if (opts != NULL)
        o = *opts;
    const bool guard = !o.no_proclitic_guard;
    switch (o.stemmer) {
    case FH_STEM_LIGHT10:
        if (o.alt_stems)
            return guard ? "fahras-ar-light10g+sb" : "fahras-ar-light10+sb";
        return guard ? "fahras-ar-light10g" : "fahras-ar-light10";
    case FH_STEM_SNOWBALL:
        return "fahras-ar-snowball";
    case FH_STEM_NONE:
        return "fahras-ar-none";
    default:
        return NULL;
    }
}

/* The stems of fh_countries_ar's pairs, as this analyzer stems the words
 * (a->country); a pair whose stems meet already (مالطا, مالطي) or that
 * would read a stop word is left out. Call it last: it stems. */
static int build_countries(fh_analyzer *a)
{
    size_t n = 0;
    while (fh_countries_ar[2 * n] != NULL && fh_countries_ar[2 * n + 1] != NULL)
        n++;
    a->country = calloc(n > 0 ? n : 1, sizeof *a->country);
    if (a->country == NULL)
        return FH_ENOMEM;
    fh_analysis *s;
    int rc = fh_analysis_new(a, &s);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        char(*pair)[FH_TOKEN_MAX + 1] = a->country[a->n_country];
        size_t len[2];
        for (size_t k = 0; k < 2; k++) {
            const char *w = fh_countries_ar[2 * i + k];
            char norm[FH_TOKEN_MAX + 1];
            size_t nn = normalize_word(a, w, strlen(w), norm);
            len[k] = fh_analysis_stem(s, norm, nn, pair[k]);
        }
        if (len[0] == 0 || len[1] == 0 ||
            (len[0] == len[1] && memcmp(pair[0], pair[1], len[0]) == 0) ||
            fh_strset_has(&a->stop, pair[0], len[0]) || fh_strset_has(&a->stop, pair[1], len[1]))
            continue;
        a->n_country++;
    }
    fh_analysis_free(s);
    return 0;
}

size_t fh_analyzer_country_adjective(const fh_analyzer *a, const char *stem, size_t n, char *out)
{
    for (size_t i = 0; i < a->n_country; i++) {
        if (strlen(a->country[i][0]) == n && memcmp(a->country[i][0], stem, n) == 0) {
            size_t l = strlen(a->country[i][1]);
            memcpy(out, a->country[i][1], l + 1);
            return l;
        }
    }
    return 0;
}

int fh_analyzer_new(const fh_analyzer_opts *opts, fh_analyzer **out)
{
    fh_analyzer_opts o = {0};
    int rc = 0;
    *out = NULL;
    if (opts != NULL)
        o = *opts;
    const char *name = fh_analyzer_opts_name(&o);
    if (name == NULL)
        return FH_EINVAL;
    fh_analyzer *a = calloc(1, sizeof *a);
    if (a == NULL)
        return FH_ENOMEM;
    fh_strset_init(&a->stop);
    fh_strset_init(&a->protect);
    fh_strset_init(&a->fem);
    fh_strset_init(&a->clitic);
    fh_strset_init(&a->maksura);
    fh_strset_init(&a->maksura_bare);
    fh_strset_init(&a->lex);
    fh_strset_init(&a->wawlex);
    a->stemmer = o.stemmer;
    a->guard = o.stemmer == FH_STEM_LIGHT10 && !o.no_proclitic_guard;
    a->alt = o.stemmer == FH_STEM_LIGHT10 && o.alt_stems;
    a->name = name;
    build_ascii(a);
    build_arab(a);
    rc = build_pres(a);
    if (rc != 0)
        goto out;
    /* before the lists below, whose normalization keeps their ى */
    a->mk_min = SIZE_MAX;
    for (size_t i = 0; fh_maksura_ar[i] != NULL && rc == 0; i++) {
        static const char *const pre[] = {"", "و", "ف"};
        for (size_t k = 0; k < sizeof pre / sizeof pre[0] && rc == 0; k++) {
            char buf[FH_TOKEN_MAX + 1];
            size_t n;
            if ((rc = normalize_concat(a, pre[k], fh_maksura_ar[i], buf, &n)) != 0 ||
                (rc = fh_strset_add(&a->maksura, buf, n)) != 0 ||
                (k == 0 && (rc = fh_strset_add(&a->maksura_bare, buf, n)) != 0))
                break;
            a->mk_min = n < a->mk_min ? n : a->mk_min;
            a->mk_max = n > a->mk_max ? n : a->mk_max;
        }
    }
    for (size_t i = 0; fh_stopwords_ar[i] != NULL && rc == 0; i++) {
        rc = add_normalized(a, &a->stop, fh_stopwords_ar[i], "");
        if (rc == 0)
            rc = add_normalized(a, &a->stop, fh_stopwords_ar[i], "و");
        if (rc == 0)
            rc = add_normalized(a, &a->stop, fh_stopwords_ar[i], "ف");
    }
    for (size_t i = 0; fh_protected_ar[i] != NULL && rc == 0; i++)
        rc = add_normalized(a, &a->protect, fh_protected_ar[i], "");
    for (size_t i = 0; fh_clitics_ar[i] != NULL && rc == 0; i++)
        rc = add_normalized(a, &a->clitic, fh_clitics_ar[i], "");
    if (rc == 0 && a->guard)
        rc = build_lexicon(a);
    if (rc == 0 && a->guard)
        rc = build_countries(a);
out:
    if (rc != 0) {
        fh_analyzer_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

void fh_analyzer_free(fh_analyzer *a)
{
    if (a == NULL)
        return;
    free(a->pres_cp);
    fh_strset_fini(&a->stop);
    fh_strset_fini(&a->protect);
    fh_strset_fini(&a->fem);
    fh_strset_fini(&a->clitic);
    fh_strset_fini(&a->maksura);
    fh_strset_fini(&a->maksura_bare);
    fh_strset_fini(&a->lex);
    fh_strset_fini(&a->wawlex);
    free(a->country);
    free(a);
}

const char *fh_analyzer_name(const fh_analyzer *a)
{
    return a->name;
}

const char *fh_analyzer_version(const fh_analyzer *a)
{
    (void)a;
    return FH_ANALYZER_VERSION;
}

int fh_analysis_new(const fh_analyzer *a, fh_analysis **out)
{
    *out = NULL;
    fh_analysis *s = calloc(1, sizeof *s);
    if (s == NULL)
        return FH_ENOMEM;
    s->a = a;
    s->alt_on = true;
    if (a->stemmer == FH_STEM_SNOWBALL || a->alt) {
        s->sb = sb_stemmer_new("arabic", "UTF_8");
        if (s->sb == NULL) {
            free(s);
            return FH_ENOMEM;
        }
    }
    *out = s;
    return 0;
}

int fh_analysis_prefault(fh_analysis *s)
{
    if (s->a->stemmer == FH_STEM_NONE)
        return 0;
    if (s->stemc == NULL && (s->stemc = fh_big_calloc(STEMC_N * sizeof *s->stemc)) == NULL)
        return FH_ENOMEM;
    /* the mapping reads as zeros until written: the writes are the point */
    memset(s->stemc, 0, STEMC_N * sizeof *s->stemc);
    return 0;
}

void fh_analysis_free(fh_analysis *s)
{
    if (s == NULL)
        return;
    if (s->sb != NULL)
        sb_stemmer_delete(s->sb);
    free(s->altc);
    fh_big_free(s->stemc, STEMC_N * sizeof *s->stemc);
    free(s->toks);
    free(s->offs);
    free(s->arena);
    free(s);
}

size_t fh_analysis_stem(fh_analysis *s, const char *norm, size_t norm_len, char *out)
{
    if (norm_len > FH_TOKEN_MAX)
        norm_len = FH_TOKEN_MAX;
    if (s->a->stemmer == FH_STEM_NONE) {
        memcpy(out, norm, norm_len);
        out[norm_len] = '\0';
        return norm_len;
    }
    return stem_into(s, norm, norm_len, false, out);
}

void fh_analysis_set_alt(fh_analysis *s, bool on)
{
    s->alt_on = on;
}

bool fh_analysis_alt(const fh_analysis *s)
{
    return s->a->alt && s->alt_on;
}

size_t fh_analyzer_article_len(const char *norm, size_t n)
{
    return fh_light10_article_len(norm, n);
}

size_t fh_analyzer_seat_prefix(const fh_analyzer *a, const char *stem, size_t n, char *out)
{
    if (a->stemmer != FH_STEM_LIGHT10 || n > FH_TOKEN_MAX ||
        fh_utf8_chars(stem, n) >= SEAT_MIN_LETTERS)
        return 0;
    memcpy(out, stem, n);
    out[n] = '\0';
    return fold_seats(out, n) ? n : 0;
}

static bool drops_cls(int cls)
{
    return cls == C_DROP || cls == C_MARK || cls == C_HAMZA;
}

bool fh_analyzer_drops_char(const fh_analyzer *a, uint32_t cp)
{
    if (is_pres(cp) && a->pres_len[pres_index(cp)] > 0) {
        /* fh_analyze reads a presentation form as its expansion */
        size_t idx = pres_index(cp);
        for (size_t k = 0; k < a->pres_len[idx]; k++)
            if (!drops_cls(classify_any(a, a->pres_cp[a->pres_off[idx] + k]).cls))
                return false;
        return true;
    }
    return drops_cls(classify_any(a, cp).cls);
}

bool fh_analyzer_is_stopword(const fh_analyzer *a, const char *norm, size_t norm_len)
{
    return fh_strset_has(&a->stop, norm, norm_len);
}
