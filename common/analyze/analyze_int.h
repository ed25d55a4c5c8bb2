/* analyze_int.h — private declarations shared by the analyzer's .c files.
 *
 * Not installed, not included outside common/analyze/. Holds the string set
 * used for the stop list, the lexicon guard and the protected words, and the
 * light10 stemmer entry point. Nothing here allocates behind the caller's back
 * except fh_strset_add (documented below). */
#ifndef FAHRAS_ANALYZE_INT_H
#define FAHRAS_ANALYZE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fahras/analyze.h"

/* ---- fh_strset: an immutable-after-build set of short byte strings ----
 * Open addressing keyed by XXH3-64; the strings live in one pool owned by the
 * set. Build with fh_strset_add (single thread), then fh_strset_has may be
 * called from any number of threads. */
typedef struct fh_strset_slot {
    uint64_t hash;
    uint32_t off; /* into pool */
    uint32_t len; /* 0 = empty slot (the empty string is never stored) */
} fh_strset_slot;

typedef struct fh_strset {
    fh_strset_slot *slots; /* owned; capacity is a power of two */
    size_t mask;           /* capacity - 1 */
    size_t count;
    size_t max_len; /* longest key: longer lookups fail without hashing */
    char *pool;     /* owned */
    size_t pool_len, pool_cap;
} fh_strset;

void fh_strset_init(fh_strset *set);
void fh_strset_fini(fh_strset *set);
/* Add a copy of s[0..n) (n > 0). Duplicates are ignored. 0 or FH_ENOMEM. */
int fh_strset_add(fh_strset *set, const char *s, size_t n);
bool fh_strset_has(const fh_strset *set, const char *s, size_t n);

/* ---- light10 ----
 * Stem the normalized word norm[0..n) into out (FH_TOKEN_MAX + 1 bytes,
 * NUL-terminated); returns the stem length. `lex` is the guard lexicon (set of
 * light10 stems of known words) or NULL to disable the guarded ب/ل/ك rule;
 * `wawlex` holds the suffix-stripped forms of known words that begin with و
 * (وزير, وزاره, وكاله): such a word keeps its و (NULL: light10's plain و rule);
 * an entry added by fh_light10_add_whole (1.12: وضعا, the dual of a
 * و-verb) matches the whole word only, never a suffix-stripped one (وصلاة is
 * و + صلاة);
 * `protect` holds words whose final ان/ين/ا is not a suffix (may be NULL),
 * and the entries of fh_light10_taa_add; `fem` (1.34, may be NULL) the
 * entries of fh_light10_fem_add, kept apart so that `protect`, read for
 * most words, stays small. */
size_t fh_light10_stem(const fh_strset *lex, const fh_strset *wawlex, const fh_strset *protect,
                       const fh_strset *fem, const char *norm, size_t n, char *out);
/* The same with the proclitic rules only (no suffix removed). */
size_t fh_light10_prefix_stem(const fh_strset *lex, const fh_strset *wawlex,
                              const fh_strset *protect, const char *norm, size_t n, char *out);
/* Add the normalized word norm[0..n) to wawlex or (1.27) lex as a
 * whole-word entry (see fh_light10_stem): it matches the word as it stands,
 * never a suffix stem. Returns 0, or fh_strset_add's error; a word of
 * FH_TOKEN_MAX bytes or more is not added. */
int fh_light10_add_whole(fh_strset *set, const char *norm, size_t n);
/* (1.18) Add to `protect` the suffix stem stem[0..n) of a known word that
 * ends in ة (حكوم for حكومة): the stem of a word that ends in that stem + ت
 * + a suffix loses the ت (حكومتها -> حكوم). (1.30) With `ya`, stem[0..n) is
 * what comes before ية in a known word that ends in ية (جمع for جمعية): a
 * stem that ends in it + يت loses both (جمعيتها -> جمع). Returns 0 or
 * fh_strset_add's error; a stem of FH_TOKEN_MAX bytes or more is not added. */
int fh_light10_taa_add(fh_strset *protect, const char *stem, size_t n, bool ya);
/* (1.34) Add to `fem` a known word stem[0..n) that light10 leaves whole
 * (مجموع), or (`ya`) one in ي less its ي (جنس for جنسي): the final stem
 * of a word that ends in it + ت (+ يت) + a pronoun or the dual loses those
 * letters (مجموعتها -> مجموع, جنسيته -> جنس), as its ة (ية) form does.
 * Returns 0 or fh_strset_add's error. */
int fh_light10_fem_add(fh_strset *fem, const char *stem, size_t n, bool ya);
/* (1.33) Add to `protect` the normalized plural norm[0..n) in ات (بنات):
 * before a pronoun its ات stays a plural's even where a known word in اة
 * (بناة) would read it as that word's ة. Returns 0 or fh_strset_add's
 * error. */
int fh_light10_at_plural_add(fh_strset *protect, const char *norm, size_t n);
/* (1.32) Whether stem[0..n) was added with `ya`: what comes before ية in a
 * known word. */
bool fh_light10_ya_known(const fh_strset *protect, const char *stem, size_t n);
/* Bytes of the definite article light10 strips (وال بال كال فال لل ال, the
 * first that fits) at the start of norm[0..n), or 0; whether enough letters
 * follow for a stem is not asked. */
size_t fh_light10_article_len(const char *norm, size_t n);
/* Only the suffix rules of light10 (no proclitic removed): the key of wawlex. */
size_t fh_light10_suffix_stem(const fh_strset *protect, const char *norm, size_t n, char *out);

/* ---- data ----
 * The stop list in natural spelling (normalized at load), NULL-terminated. */
extern const char *const fh_stopwords_ar[];
/* (1.24) Stop words whose final ى stays ى: written with ي they are another,
 * content word (على, علي the name). Natural spelling, NULL-terminated. */
extern const char *const fh_maksura_ar[];
/* (1.27) Guard-lexicon words known as they stand only, never by a suffix
 * stem (بدين: بدينه is ب + دينه). Natural spelling, NULL-terminated. */
extern const char *const fh_whole_words_ar[];
/* (1.30) Verb forms X + يت (رأيت) that the ية rule must not read as X + ية
 * + a suffix; known words of the guard lexicon. Natural spelling. */
extern const char *const fh_ya_verbs_ar[];
/* (1.33) Plurals in ات that a rare known word in اة would claim before a
 * pronoun (بنات beside بناة). Natural spelling. */
extern const char *const fh_at_plurals_ar[];
/* Proclitics split off a following Latin/digit run, natural spelling. */
extern const char *const fh_clitics_ar[];
/* Proper nouns light10 keeps whole (لبنان, درعا), natural spelling; their
 * stems are words of the guard lexicon too. */
extern const char *const fh_protected_ar[];
extern const char *const fh_countries_ar[];
/* Verbs whose own first letter is و (وصل, وافق), past-tense base in natural
 * spelling; with their subject suffixes they join the و guard (wawlex). */
extern const char *const fh_waw_verbs_ar[];
/* The guard lexicon: newline-separated words in natural spelling, '#' lines
 * are comments (data/lexicon_ar.txt, compiled in by embed.cmake). */
extern const unsigned char fh_lexicon_ar_data[];
extern const size_t fh_lexicon_ar_data_size;

#endif /* FAHRAS_ANALYZE_INT_H */
