/* analyze.h — the Arabic text analyzer shared by the indexer and the daemon.
 *
 * UTF-8 text in, tokens out. The same analyzer (same name, same version) must
 * run at index time and at query time; the index records fh_analyzer_name()
 * and fh_analyzer_version() and a reader refuses a mismatch (FH_EANALYZER).
 *
 * Pipeline (docs/ANALYSIS.md has the full rules, with examples):
 *   1. decode UTF-8; an invalid sequence becomes U+FFFD (never an error);
 *   2. normalize: NFKC, one character at a time, for presentation forms
 *      and ligatures only: Arabic (FB50-FDFF, FE70-FEFF) and, since 1.9,
 *      Latin and the other alphabetic ones (FB00-FB4F) and halfwidth and
 *      fullwidth forms (FF00-FFEF); drop tashkeel (064B-065F, 0610-061A,
 *      0670, Quranic marks 06D6-06ED) and tatweel, alef forms -> ا,
 *      ى -> ي (but على, also after و or ف, keeps it: fh_maksura_ar), ة -> ه,
 *      ک -> ك, ی -> ي, Arabic-Indic and extended digits -> 0-9, Latin case
 *      folding and Latin diacritics dropped (É -> e);
 *   3. split into words; Arabic punctuation separates words; mixed tokens
 *      (DeepSeek-R1, H800, 5.6, 4%) yield the whole token AND its parts;
 *   4. stem (light10 family by default, Snowball or none as options);
 *   5. flag stop words (the caller decides whether to drop them).
 *
 * Ownership and threads: an fh_analyzer is immutable after fh_analyzer_new()
 * and may be shared by any number of threads. Each thread analyzes through
 * its own fh_analysis (scratch space, reused between calls, never shared).
 */
#ifndef FAHRAS_ANALYZE_H
#define FAHRAS_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fh_analyzer fh_analyzer;  /* immutable, thread-safe */
typedef struct fh_analysis fh_analysis;  /* per-thread scratch */

typedef enum fh_stemmer_kind {
    FH_STEM_LIGHT10 = 0,  /* the project's light stemmer (default) */
    FH_STEM_SNOWBALL = 1, /* libstemmer's Snowball Arabic */
    FH_STEM_NONE = 2      /* normalized form only */
} fh_stemmer_kind;

/* Options; a zeroed struct (or NULL) means the defaults. */
typedef struct fh_analyzer_opts {
    fh_stemmer_kind stemmer;
    /* light10 only: turn OFF the lexicon-guarded single-letter proclitic rule
     * (لشركات -> شرك). Exists for the conflation bench; changes the name. */
    bool no_proclitic_guard;
    /* light10 only: also give every stemmed (Arabic) word a second, more
     * aggressive stem, fh_token.alt: FH_ALT_PREFIX + Snowball's stem of the
     * normalized word (Snowball's errors differ from light10's, so the two
     * complement each other; see bench/RESULTS.md "Relevance experiments").
     * The indexer indexes it as a term of its own (a separate namespace: the
     * prefix byte never occurs in text) and the engine scores it with a lower
     * weight. Changes the analyzer name (suffix "+sb"). */
    bool alt_stems;
} fh_analyzer_opts;

/* The names `--stemmer` takes in fahras-indexer (build, analyze) and
 * fahras-searchd, NULL-terminated, in the order searchd's `auto` tries them
 * against an index: light10, light10+sb, light10-noguard, snowball, none. */
extern const char *const fh_stemmer_names[];

/* Set o->stemmer, o->no_proclitic_guard and o->alt_stems for one of
 * fh_stemmer_names (other fields untouched). 0, or FH_EINVAL for any other
 * name (o untouched). */
int fh_analyzer_opts_by_name(const char *name, fh_analyzer_opts *o);

/* The fh_stemmer_names entry whose analyzer has the fh_analyzer_name() name
 * (e.g. "fahras-ar-light10g+sb" -> "light10+sb"), or NULL when this build
 * has no analyzer of that name (an index's recorded name: whether this build
 * can read it; its version is fh_analyzer_version(NULL)'s question). */
const char *fh_stemmer_for_analyzer(const char *name);

/* The fh_stemmer_names entry that analyzes as an index whose meta records
 * analyzer `name` at `version` did, or NULL when this build cannot: only the
 * analyzers of fh_analyzer_version(NULL) are built (the daemon and
 * fh-relevance pick their query analyzer with it). */
const char *fh_stemmer_for_index(const char *name, const char *version);

/* First byte of every alternative-stem term: a control character, which the
 * analyzer never puts in a stem, so the namespaces cannot collide. */
#define FH_ALT_PREFIX '\x01'

/* Token flags */
#define FH_TOK_STOP 0x01u     /* the normalized form is a stop word */
#define FH_TOK_WHOLE 0x02u    /* a whole mixed token (e.g. "deepseek-r1") emitted besides its parts */
#define FH_TOK_PART 0x04u     /* one part of a mixed token (e.g. "deepseek", "r1") */
#define FH_TOK_LATIN 0x08u    /* contains Latin letters */
#define FH_TOK_NUMERIC 0x10u  /* digits only (any script, as 0-9): a digit run, or a
                                 token whose parts are all digits, with their
                                 connectors (5.6, 4%, 1,250 as 1250, 2,000-3,000) */

/* Longest normalized form or stem kept, in bytes; longer words are truncated
 * at a character boundary (they are not dropped). */
#define FH_TOKEN_MAX 128

typedef struct fh_token {
    uint32_t offset;   /* byte offset of the token in the ORIGINAL text */
    uint32_t length;   /* byte length in the ORIGINAL text (diacritics, tatweel included) */
    uint32_t position; /* word position, 0-based. A whole mixed token shares the
                          position of its first part; parts take consecutive positions. */
    uint32_t flags;    /* FH_TOK_* */
    const char *norm;  /* normalized surface form, UTF-8, NUL-terminated */
    const char *stem;  /* stem (the indexed term), UTF-8, NUL-terminated */
    uint16_t norm_len; /* bytes, excluding NUL; <= FH_TOKEN_MAX */
    uint16_t stem_len; /* bytes, excluding NUL; <= FH_TOKEN_MAX */
    uint16_t alt_len;  /* bytes of alt, 0 when there is none */
    const char *alt;   /* alt_stems analyzers: FH_ALT_PREFIX + the aggressive stem of
                          a stemmed Arabic word (<= FH_TOKEN_MAX + 1 bytes), else "" */
} fh_token;

/* Create an analyzer. opts may be NULL for the defaults. On success *out owns
 * the analyzer; free it with fh_analyzer_free(). Returns 0 or FH_ENOMEM /
 * FH_EINVAL. */
int fh_analyzer_new(const fh_analyzer_opts *opts, fh_analyzer **out);

/* The fh_analyzer_name() an analyzer of these options (NULL: the defaults)
 * would have, without building one; NULL when fh_analyzer_new() would refuse
 * the stemmer. Static string. */
const char *fh_analyzer_opts_name(const fh_analyzer_opts *opts);
void fh_analyzer_free(fh_analyzer *a);

/* Name and version the index records, e.g. "fahras-ar-light10g" and "1.36".
 * Any change to normalization, splitting, stemming or the stop list that
 * changes a token MUST bump the version. Static strings. Every analyzer of a
 * build shares one version, so fh_analyzer_version() also accepts NULL. */
const char *fh_analyzer_name(const fh_analyzer *a);
const char *fh_analyzer_version(const fh_analyzer *a);

/* Per-thread scratch bound to analyzer `a` (which must outlive it). */
int fh_analysis_new(const fh_analyzer *a, fh_analysis **out);
void fh_analysis_free(fh_analysis *s);

/* alt_stems analyzers: whether fh_analyze() on this scratch fills
 * fh_token.alt (on by default; other analyzers ignore it). A searcher turns it
 * off for snippets, which never need the Snowball stem. */
void fh_analysis_set_alt(fh_analysis *s, bool on);

/* Allocate the scratch's stem cache now (fh_analyze() otherwise does it on
 * its first call) and write to every page of it, so that no later
 * fh_analyze() pays for the page faults. A daemon calls it before it serves:
 * the first touches of a fresh 16 MiB cache take tens of milliseconds on
 * some virtual machines, which its first query would otherwise wait for.
 * Returns 0, or FH_ENOMEM when the cache cannot be had (the scratch then
 * stems without it, as fh_analyze() would). A no-op for the `none` stemmer,
 * which has no cache. */
int fh_analysis_prefault(fh_analysis *s);

/* Analyze `len` bytes of `text` (any bytes: invalid UTF-8 and NUL are handled).
 * On success *toks points to *ntoks tokens in text order. The tokens and their
 * strings live inside `s` and stay valid only until the next fh_analyze() on
 * `s` or fh_analysis_free(s); do not free them. Returns 0, FH_ENOMEM, or
 * FH_ELIMIT if len exceeds UINT32_MAX. */
int fh_analyze(fh_analysis *s, const char *text, size_t len, const fh_token **toks,
               size_t *ntoks);

/* A copy of one fh_analyze() result that stays valid after the scratch's next
 * call: the tokens and the strings they point to. Zero-initialize it; it owns
 * its buffers (grown as needed, reused by the next fh_analysis_copy() into
 * it) until fh_token_copy_free(). */
typedef struct fh_token_copy {
    fh_token *toks; /* ntoks tokens, their strings in arena */
    size_t ntoks;
    char *arena;
    size_t arena_len;          /* bytes of arena in use */
    size_t tok_cap, arena_cap; /* allocated */
    bool alt;                  /* the analysis filled fh_token.alt (fh_analysis_alt) */
} fh_token_copy;

/* Copy into *dst the tokens of the last fh_analyze() on `s` (none after a
 * failed one). The previous content of *dst is replaced. Returns 0 or
 * FH_ENOMEM (then *dst holds no tokens). */
int fh_analysis_copy(const fh_analysis *s, fh_token_copy *dst);
void fh_token_copy_free(fh_token_copy *c);

/* Whether fh_analyze() on `s` fills fh_token.alt now: an alt_stems analyzer
 * with fh_analysis_set_alt on. The tokens of a text depend on its bytes, the
 * analyzer and this alone. */
bool fh_analysis_alt(const fh_analysis *s);

/* Stem one already-normalized word (as found in fh_token.norm) into out
 * (at least FH_TOKEN_MAX + 1 bytes). Returns the stem length. Thread-safe
 * for light10 and none; Snowball needs the scratch, hence `s`. It is the
 * token's stem, except for a word whose final ا was written with a hamza or
 * a madda (أ إ آ ٲ ٳ ٵ, a presentation form, ا + a combining hamza or madda):
 * the normalized word no longer says so, and it is stemmed as if written bare
 * (docs/ANALYSIS.md §4, rule 11: نقرأ gives نقرا through fh_analyze, نقر
 * here). */
size_t fh_analysis_stem(fh_analysis *s, const char *norm, size_t norm_len, char *out);

/* True if the normalized word is in the stop list. Thread-safe. */
bool fh_analyzer_is_stopword(const fh_analyzer *a, const char *norm, size_t norm_len);

/* Bytes of a definite article, alone or after a proclitic (وال بال كال فال
 * لل ال: the ones light10 strips), at the start of the normalized word
 * norm[0..n), or 0. Whether it would be stripped (enough letters must
 * follow) is not asked. Thread-safe. */
size_t fh_analyzer_article_len(const char *norm, size_t n);

/* For a stem too short to have its hamza seats folded (light10, rule 8:
 * ؤ ئ are written ء in stems of four letters or more), the form those
 * letters take in the longer stems it begins: مؤت -> مءت, the start of
 * مءتمر. Written to out (at least FH_TOKEN_MAX + 1 bytes); returns its
 * length, or 0 when there is no such form (no seat, a stem long enough, or
 * an analyzer that does not fold). Thread-safe. */
size_t fh_analyzer_seat_prefix(const fh_analyzer *a, const char *stem, size_t n, char *out);

/* For the stem of a country's name that its adjective drops the ending of
 * (روسيا; the list is fh_countries_ar), the adjective's stem (روس, as
 * الروسية and الروسي stem). Written to out (at least FH_TOKEN_MAX + 1
 * bytes); returns its length, or 0 when stem is no such name (and always
 * for analyzers without the guard). The index keeps the two apart; the
 * query side reads the name's adjective as a variant. Thread-safe. */
size_t fh_analyzer_country_adjective(const fh_analyzer *a, const char *stem, size_t n, char *out);

/* True if normalization leaves nothing of the code point cp inside an Arabic
 * word: tashkeel, tatweel, Quranic marks, format characters (ZWNJ, ZWJ, the
 * Arabic letter mark, bidi marks, soft hyphen), other combining marks, and a
 * combining hamza (which turns a ي or و before it into ئ ؤ). Such characters
 * are still inside the token's span in the original text. Thread-safe. */
bool fh_analyzer_drops_char(const fh_analyzer *a, uint32_t cp);

#endif /* FAHRAS_ANALYZE_H */
