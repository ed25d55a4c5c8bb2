/* snippet.c — highlighted fragments of a stored field.
 *
 * How a fragment is chosen. The stored text is run through the same analyzer
 * as the index, which gives every word its stem and its byte span in the
 * ORIGINAL text. A word "matches" when its stem equals a query term's stem
 * (or is one of the terms a prefix* term expanded to in the search, not
 * any word that begins with the prefix); for a mixed token such as
 * DeepSeek-R1 a match of any of its parts counts for the whole token. A
 * mixed query word (R1) matches by its whole term, or by its parts at
 * consecutive positions, as the search matches them: among a mixed token's
 * parts (DeepSeek-R1), as words (R 1), or both (R 1.5, X-R 1); typed with a
 * '*' (R1*), its last part matches by that part's expansions. The
 * unit of a fragment is the whole word, so a fragment can never start or end
 * inside a word or inside a UTF-8 sequence, and a highlight always covers the
 * whole surface word, clitics included: والشركات is marked whole because its
 * stem شرك matches, never a bare ال.
 *
 * The candidate windows, found with two pointers in one pass: for each word,
 * the longest run of words from it whose text fits in `max_chars`
 * characters, and that run cut at its last clause end. A window's score is
 *   the sum over the DISTINCT query terms it shows of the term's idf,
 *   then, worth together less than the lightest term, points for starting
 *   and for ending at a clause edge (each more than all the others
 *   together) and for a term already shown or repeated (1 for each second
 *   and third occurrence),
 * so showing one more query term always beats repeating one, however rare,
 * and among windows that show the same terms a readable clause wins.
 * A clause edge is the text's start or end, or a boundary character between
 * two words: ، ؛ ؟ … and line breaks, or . ! ? ; : with a space after them
 * (not 10:30, nor a URL's dots). Ties go to the earlier window.
 * A window that falls short of max_chars (it ends at the text's end, at a
 * fragment already chosen, or at a clause end) takes in the words before it
 * that fit, from a clause start when that leaves it half of max_chars or
 * more.
 * With several fragments requested, each next window is chosen among those
 * that do not overlap the chosen ones, a term already shown counting only
 * as a point (so a term not yet shown wins), and the fragments are printed
 * in text order. Every fragment shows a query word: a window without one is
 * never chosen (except the text's beginning when nothing matches at all), so
 * fewer fragments than asked for may come back. Every word of the text is a
 * candidate, however long the text.
 *
 * Output: one JSON string. Text between words is copied as it is, also
 * between two fragments that touch (no word between them) unless it is longer
 * than max_chars characters; "…" marks text elided before, between and after
 * fragments; the highlight markers wrap
 * each matching word. When nothing matches (the hit matched in another field)
 * the fragment is the text's beginning.
 */
#include <stdlib.h>
#include <string.h>

#include <unicode/ubrk.h>
#include <unicode/utext.h>

#include "engine_int.h"

typedef struct unit {
    uint32_t off, end;    /* bytes in the original text */
    uint32_t c0, c1;      /* characters: [c0, c1) */
    int32_t term;         /* matching hl term, or -1 */
    bool clause_before;   /* a clause boundary right before the word */
    bool clause_after;
} unit;

/* A prefix matches no stop word, as its expansions hold none (exec.c). */
static bool hl_match(const fh_hlterm *h, const char *stem, size_t len, bool stop)
{
    if (h->prefix)
        return !stop && fh_expansion_find(h->exps, h->nexps, stem, len);
    return len == h->len && memcmp(stem, h->term, len) == 0;
}

/* Of two matching terms (-1: none), the one a word counts as: the heavier,
 * the first on a tie. */
static int32_t heavier(const fh_hlterm *hl, int32_t a, int32_t b)
{
    return b >= 0 && (a < 0 || hl[b].weight > hl[a].weight) ? b : a;
}

static int32_t match_term(const fh_hlterm *hl, size_t nhl, const char *stem, size_t len, bool stop)
{
    int32_t best = -1;
    for (size_t j = 0; j < nhl; j++)
        if (hl_match(&hl[j], stem, len, stop))
            best = heavier(hl, best, (int32_t)j);
    return best;
}

static bool same_stem(const fh_token *t, const fh_qelem *e)
{
    return t->stem_len == e->len && memcmp(t->stem, e->term, e->len) == 0;
}

/* Whether token t is part k of mixed-word term h: its stem, or for the last
 * part of a word typed with a '*', one of that part's expansions. */
static bool part_match(const fh_hlterm *h, size_t k, const fh_token *t)
{
    if (h->exps && k + 1 == h->nparts)
        return fh_expansion_find(h->exps, h->nexps, t->stem, t->stem_len);
    return same_stem(t, &h->parts[k]);
}

/* Mark in mt[] (one entry per token, -1 for none) the words and mixed-token
 * parts that spell a mixed-word term's parts in a row, as the search matches
 * them: at consecutive positions, whether among one mixed token's parts
 * (DeepSeek-R1 for R1), as words (R 1), or both (R 1.5, GPT 4o, X-R 1). A
 * whole mixed token holds no position of its own (it shares its first
 * part's), so only words and parts are walked. A token in several matches
 * keeps the heaviest term. */
static void mark_parts(const fh_hlterm *hl, size_t nhl, const fh_token *t, size_t nt, int32_t *mt)
{
    for (size_t i = 0; i < nt; i++)
        mt[i] = -1;
    for (size_t i = 0; i < nt; i++) {
        if (t[i].flags & FH_TOK_WHOLE)
            continue;
        for (size_t j = 0; j < nhl; j++) {
            const fh_hlterm *h = &hl[j];
            if (h->nparts == 0)
                continue;
            size_t k = 0, at = i;
            while (k < h->nparts) {
                while (at < nt && (t[at].flags & FH_TOK_WHOLE))
                    at++;
                if (at == nt || t[at].position != t[i].position + k || !part_match(h, k, &t[at]))
                    break;
                k++;
                at++;
            }
            if (k < h->nparts)
                continue;
            for (size_t x = i; x < at; x++) /* a whole met on the way: its first part's */
                mt[x] = heavier(hl, mt[x], (int32_t)j);
        }
    }
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Is there a clause boundary in the gap text[a, b) between two words? The
 * Arabic marks ، ؛ ؟, an ellipsis and line breaks (\n \r U+0085 U+2028
 * U+2029) always are; the ASCII . ! ? ; : only when a space follows them in
 * the gap, so 10:30, 3.5 or a URL's :// and . are not clause ends. */
static bool has_boundary(const char *t, uint32_t a, uint32_t b)
{
    bool ascii_mark = false; /* an ASCII mark not yet followed by a space */
    for (uint32_t i = a; i < b; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c == '\n' || c == '\r' || (ascii_mark && is_space(c)))
            return true;
        if (c == '.' || c == '!' || c == '?' || c == ';' || c == ':')
            ascii_mark = true;
        /* ، U+060C = D8 8C; ؛ U+061B = D8 9B; ؟ U+061F = D8 9F; U+0085 = C2 85 */
        if ((c == 0xD8 || c == 0xC2) && i + 1 < b) {
            unsigned char d = (unsigned char)t[i + 1];
            if (c == 0xD8 ? d == 0x8C || d == 0x9B || d == 0x9F : d == 0x85)
                return true;
        }
        /* … U+2026 = E2 80 A6; U+2028 = E2 80 A8; U+2029 = E2 80 A9 */
        if (c == 0xE2 && i + 2 < b && (unsigned char)t[i + 1] == 0x80) {
            unsigned char d = (unsigned char)t[i + 2];
            if (d == 0xA6 || d == 0xA8 || d == 0xA9)
                return true;
        }
    }
    return false;
}

/* Is the gap text[a, b) between two words one apostrophe (' U+2019 U+02BC)? */
static bool apostrophe_gap(const char *t, uint32_t a, uint32_t b)
{
    if (b == a + 1)
        return t[a] == '\'';
    return b == a + 3 ? memcmp(t + a, "\xE2\x80\x99", 3) == 0
                      : b == a + 2 && memcmp(t + a, "\xCA\xBC", 2) == 0;
}

static uint32_t count_chars(const char *t, uint32_t a, uint32_t b)
{
    return (uint32_t)fh_utf8_chars(t + a, b - a);
}

/* Characters of the text around a fragment that are not words (leading
 * quotes, closing punctuation, the text's own ending) shown at most: a run
 * of 3,000 '=' must not make a 40-character snippet 3,000 long. */
#define GAP_CHARS 8u

/* The byte after at most n characters of t[a, b). */
static size_t chars_end(const char *t, size_t a, size_t b, size_t n)
{
    size_t c = 0;
    for (size_t i = a; i < b; i++)
        if (((unsigned char)t[i] & 0xC0) != 0x80 && c++ == n)
            return i;
    return b;
}

/* The first byte of the last (at most) GAP_CHARS characters of t[a, b). */
static uint32_t gap_start(const char *t, uint32_t a, uint32_t b)
{
    uint32_t n = 0;
    for (uint32_t i = b; i > a; i--)
        if (((unsigned char)t[i - 1] & 0xC0) != 0x80 && ++n == GAP_CHARS)
            return i - 1;
    return a;
}

void fh_snippet_free(fh_searcher *s)
{
    if (s->gbrk)
        ubrk_close(s->gbrk);
    s->gbrk = NULL;
}

/* A cut at byte `at` of t[a, b) (t[a] starts a cluster) moved, if it falls
 * inside a grapheme cluster (UAX #29: a flag's two regional indicators, an
 * emoji ZWJ sequence, a character and its marks), to the cluster's start
 * (up = false) or end (up = true). ICU's character break iterator answers
 * over the whole range: it backs up from `at` only as far as the rules need
 * (to the start of a run of regional indicators, to a mark's base), so a
 * run of any length is cut between clusters. When ICU cannot answer (no
 * memory), the cut stays where it was. */
static size_t grapheme_cut(fh_searcher *s, const char *t, size_t a, size_t b, size_t at, bool up)
{
    if (at <= a || at >= b)
        return at;
    unsigned char p = (unsigned char)t[at - 1], n = (unsigned char)t[at];
    if (p < 0x80 && n < 0x80 && !(p == '\r' && n == '\n'))
        return at; /* two ASCII characters: two clusters */
    UErrorCode st = U_ZERO_ERROR;
    if (!s->gbrk) {
        s->gbrk = ubrk_open(UBRK_CHARACTER, "", NULL, 0, &st);
        if (U_FAILURE(st)) {
            s->gbrk = NULL;
            return at;
        }
    }
    UText ut = UTEXT_INITIALIZER;
    utext_openUTF8(&ut, t + a, (int64_t)(b - a), &st);
    ubrk_setUText(s->gbrk, &ut, &st);
    size_t r = at;
    if (U_SUCCESS(st) && !ubrk_isBoundary(s->gbrk, (int32_t)(at - a))) {
        int32_t k = up ? ubrk_following(s->gbrk, (int32_t)(at - a))
                       : ubrk_preceding(s->gbrk, (int32_t)(at - a));
        if (k != UBRK_DONE)
            r = a + (size_t)k;
    }
    utext_close(&ut);
    return r;
}

/* The explicit directional formatting characters (UAX #9): embeddings and
 * overrides LRE RLE LRO RLO closed by PDF, isolates LRI RLI FSI closed by
 * PDI. Their 3-byte UTF-8 forms are E2 80 AA..AE and E2 81 A6..A9. */
#define BIDI_DEPTH 125 /* UAX #9's max_depth; deeper openers are not counted */

/* The embeddings and isolates open at byte `at` of a text, outermost first:
 * op[i] is the last byte of the opener's UTF-8 form (AA AB AD AE an
 * embedding or override, A6 A7 A8 an isolate; the values do not overlap). */
typedef struct bidi_st {
    size_t at, depth, over; /* over: openers past BIDI_DEPTH, not kept */
    unsigned char op[BIDI_DEPTH];
} bidi_st;

static bool bidi_embedding(unsigned char op)
{
    return op >= 0xAA;
}

/* Advance st from st->at to `to` (both on character boundaries) over t. */
static void bidi_scan(bidi_st *st, const char *t, size_t to)
{
    for (size_t i = st->at; i + 2 < to; i++) {
        if ((unsigned char)t[i] != 0xE2)
            continue;
        unsigned char c1 = (unsigned char)t[i + 1], c2 = (unsigned char)t[i + 2];
        if ((c1 == 0x80 && c2 >= 0xAA && c2 <= 0xAE && c2 != 0xAC) ||
            (c1 == 0x81 && c2 >= 0xA6 && c2 <= 0xA8)) {
            if (st->depth < BIDI_DEPTH)
                st->op[st->depth++] = c2;
            else
                st->over++;
        } else if (c1 == 0x80 && c2 == 0xAC) { /* PDF: the innermost embedding */
            if (st->over > 0)
                st->over--;
            else if (st->depth > 0 && bidi_embedding(st->op[st->depth - 1]))
                st->depth--;
        } else if (c1 == 0x81 && c2 == 0xA9) { /* PDI: the innermost isolate and */
            size_t k = st->depth;              /* what it holds */
            while (k > 0 && bidi_embedding(st->op[k - 1]))
                k--;
            if (k > 0) {
                st->depth = k - 1;
                st->over = 0;
            }
        }
    }
    if (to > st->at)
        st->at = to;
}

/* Before a fragment that follows elided text: the openers in effect where
 * it starts (outermost first), so it shows in the direction it has in the
 * document, and a closer in it whose opener was elided closes what it
 * closes there rather than something around the snippet. */
static int bidi_reopen(fh_buf *out, const bidi_st *st)
{
    int rc = 0;
    for (size_t i = 0; i < st->depth && !rc; i++) {
        const unsigned char c[3] = {0xE2, bidi_embedding(st->op[i]) ? 0x80 : 0x81, st->op[i]};
        rc = fh_buf_add(out, (const char *)c, sizeof c);
    }
    return rc;
}

/* Before the ellipsis after a fragment: the closers of what is open where it
 * ends, innermost first, so that text elided after it cannot leave the
 * ellipsis and the next fragment in the fragment's direction (an RLE whose
 * PDF was cut off). With bidi_reopen at the fragment's start, what is open
 * there is what the fragment's output opened. */
static int bidi_close(fh_buf *out, const bidi_st *st)
{
    int rc = 0;
    for (size_t i = st->depth; i > 0 && !rc; i--)
        rc = fh_buf_adds(out, bidi_embedding(st->op[i - 1]) ? "\xE2\x80\xAC" : "\xE2\x81\xA9");
    return rc;
}

/* The document's text (valid UTF-8: stored text is validated JSON) into the
 * JSON string: fh_buf_add_json_chars(), or with html first the
 * HTML escape of & < > " ' (escape=html; the markers are not text). */
static int esc_text(fh_buf *b, const char *p, size_t n, bool html)
{
    if (!html)
        return fh_buf_add_json_chars(b, p, n);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *r;
        switch (p[i]) {
        case '&':
            r = "&amp;";
            break;
        case '<':
            r = "&lt;";
            break;
        case '>':
            r = "&gt;";
            break;
        case '"':
            r = "&quot;";
            break;
        case '\'':
            r = "&#39;";
            break;
        default:
            continue;
        }
        int rc = fh_buf_add_json_chars(b, p + run, i - run);
        if (rc == 0)
            rc = fh_buf_adds(b, r);
        if (rc)
            return rc;
        run = i + 1;
    }
    return fh_buf_add_json_chars(b, p + run, n - run);
}

typedef struct win {
    uint32_t a, b; /* units [a, b) */
    double score;
} win;

/* The running sums of a window being slid over the units: `prim` the weight
 * of the distinct terms not yet shown it holds; `sec` its lesser points (a
 * term already shown 1, the second and third occurrence of a term 1 each);
 * `nm` its matching words; cnt[j] the occurrences of term j. */
typedef struct run {
    double prim;
    uint32_t sec, nm;
    uint16_t *cnt;
} run;

static void run_reset(run *r, size_t nhl)
{
    r->prim = 0;
    r->sec = r->nm = 0;
    memset(r->cnt, 0, nhl * sizeof *r->cnt);
}

/* Add (d = 1) or drop (d = -1) unit x. */
static void run_step(run *r, const unit *x, const fh_hlterm *hl, size_t nhl, const bool *covered,
                     int d)
{
    if (x->term < 0 || (size_t)x->term >= nhl)
        return;
    uint32_t j = (uint32_t)x->term;
    uint32_t c = d > 0 ? r->cnt[j]++ : --r->cnt[j]; /* occurrences besides x */
    r->nm += (uint32_t)d;
    if (c == 0 && !covered[j])
        r->prim += d * (double)hl[j].weight;
    else if (c <= 2) /* a term already shown, or its second or third occurrence */
        r->sec += (uint32_t)d;
}

/* Best window of units whose characters fit max_chars, avoiding `taken`
 * windows; `covered` marks the terms already shown. A window's score is
 * the weight of the query terms it shows that no chosen fragment shows yet,
 * then (worth together less than the lightest term, minw) points: for each
 * clause edge it starts or ends at more than all the rest together, 1 for
 * each term already shown, 1 for each second and third occurrence. So
 * one more term not yet shown always wins, and among windows that show the
 * same ones a clause wins over repeats. The candidates: for each first unit,
 * the longest window that fits, and the one that ends at the last clause end
 * inside it. Only a window that shows a query word counts; {0, 0, -1} when
 * none is left. */
static win best_window(const unit *u, uint32_t nu, const fh_hlterm *hl, size_t nhl,
                       uint32_t max_chars, const win *taken, uint32_t ntaken, const bool *covered,
                       uint16_t *cnt, float minw)
{
    win best = {0, 0, -1.0};
    /* a clause edge outweighs every lesser point of a window together (at
       most 3 a term: shown already, or repeated twice), and all the points
       together weigh less than the lightest term */
    const uint32_t ep = 3u * (uint32_t)nhl + 1u;
    const double eps = (double)minw / (2.0 * ep + 3.0 * (double)nhl + 1.0);
    run full = {.cnt = cnt}, cl = {.cnt = cnt + nhl}; /* [a, b) and [a, e) */
    run_reset(&full, nhl);
    run_reset(&cl, nhl);
    uint32_t b = 0, e = 0;
    uint32_t lastc = 0; /* 1 + the last unit in [0, b) that ends a clause, or 0 */
    for (uint32_t a = 0; a < nu; a++) {
        if (b < a + 1) {
            /* window empty: restart at a */
            run_reset(&full, nhl);
            run_reset(&cl, nhl);
            b = e = a;
        }
        while (b < nu && (b == a || u[b].c1 - u[a].c0 <= max_chars)) {
            bool clash = false;
            for (uint32_t t = 0; t < ntaken && !clash; t++)
                clash = b >= taken[t].a && b < taken[t].b;
            if (clash)
                break;
            run_step(&full, &u[b], hl, nhl, covered, 1);
            if (u[b].clause_after)
                lastc = b + 1;
            b++;
        }
        if (b > a) {
            uint32_t edge = u[a].clause_before ? ep : 0;
            double sc = full.prim + eps * (full.sec + edge + (u[b - 1].clause_after ? ep : 0));
            if (full.nm > 0 && sc > best.score)
                best = (win){a, b, sc};
            /* the window cut at its last clause end, when that is shorter and
             * could win: it shows no more than the whole, so its score is at
             * most the whole's with the end bonus (its sums are brought up
             * to date only then; e only moves forward) */
            if (lastc > a && lastc < b && full.prim + eps * (full.sec + edge + ep) > best.score) {
                if (e < a) {
                    run_reset(&cl, nhl);
                    e = a;
                }
                while (e < lastc)
                    run_step(&cl, &u[e++], hl, nhl, covered, 1);
                sc = cl.prim + eps * (cl.sec + edge + ep);
                if (cl.nm > 0 && sc > best.score)
                    best = (win){a, lastc, sc};
            }
            run_step(&full, &u[a], hl, nhl, covered, -1);
            if (e > a)
                run_step(&cl, &u[a], hl, nhl, covered, -1);
        } else {
            b = e = a + 1; /* unit a is inside a taken window */
            run_reset(&full, nhl);
            run_reset(&cl, nhl);
        }
    }
    return best;
}

/* A window that falls short of max_chars (it meets the text's end or a
 * taken window, or was cut at a clause end: "… نصل إلى الحل." out of 300
 * characters) takes the words before it that fit and are not taken, from the
 * earliest clause start among them (or its own) that leaves it at least half
 * of max_chars; without one, all of them. Returns the new first unit. */
static uint32_t grow_back(const unit *u, win w, uint32_t max_chars, const win *taken,
                          uint32_t ntaken)
{
    uint32_t lo = w.a;
    while (lo > 0 && u[w.b - 1].c1 - u[lo - 1].c0 <= max_chars) {
        bool clash = false;
        for (uint32_t t = 0; t < ntaken && !clash; t++)
            clash = lo - 1 >= taken[t].a && lo - 1 < taken[t].b;
        if (clash)
            break;
        lo--;
    }
    for (uint32_t i = lo; i <= w.a; i++)
        if (u[i].clause_before)
            return u[w.b - 1].c1 - u[i].c0 >= max_chars / 2 ? i : lo;
    return lo;
}

static int win_cmp(const void *x, const void *y)
{
    const win *a = x, *b = y;
    return a->a < b->a ? -1 : (a->a > b->a);
}

int fh_snippet(fh_searcher *s, const char *text, size_t len, const fh_hlterm *hl, size_t nhl,
               const fh_search_opts *o, uint32_t max_chars, uint32_t count, fh_buf *out)
{
    const fh_token *t;
    size_t nt;
    int rc;
    if (len > UINT32_MAX)
        len = UINT32_MAX;
    if (max_chars > FH_ENGINE_MAX_SNIPPET_LEN)
        max_chars = FH_ENGINE_MAX_SNIPPET_LEN; /* best_window's counts are 16 bits */
    if (nhl == 0 && max_chars == 0) {
        /* the whole text and nothing to mark (a title when the index has no
         * title field): the words, gaps and ends below would copy every byte,
         * so the analysis can be skipped */
        if ((rc = fh_buf_addc(out, '"')) == 0 &&
            (rc = esc_text(out, text, len, o->escape_html)) == 0)
            rc = fh_buf_addc(out, '"');
        return rc;
    }
    if ((rc = fh_text_analyze(s, text, len, false, &t, &nt)) != 0)
        return rc;
    /* units: the non-part tokens; a part's match counts for its whole */
    bool mixed = false; /* some term is a mixed word's */
    for (size_t j = 0; j < nhl; j++)
        mixed |= hl[j].nparts > 0;
    size_t need =
        nt * sizeof(unit) + (mixed ? nt * sizeof(int32_t) : 0) + 2 * (nhl + 1) * sizeof(uint16_t);
    if (need > s->tok_cap) {
        void *p = realloc(s->snip, need);
        if (!p)
            return FH_ENOMEM;
        s->snip = p;
        s->tok_cap = need;
    }
    unit *u = s->snip;
    int32_t *mt = (int32_t *)(u + nt); /* mixed terms only: mark_parts */
    uint16_t *cnt = (uint16_t *)(mixed ? mt + nt : mt);
    uint32_t nu = 0, cpos = 0, cchars = 0;
    if (mixed)
        mark_parts(hl, nhl, t, nt, mt);
    for (size_t i = 0; i < nt; i++) {
        int32_t m =
            nhl ? match_term(hl, nhl, t[i].stem, t[i].stem_len, (t[i].flags & FH_TOK_STOP) != 0)
                : -1;
        if (mixed)
            m = heavier(hl, m, mt[i]);
        if (t[i].flags & FH_TOK_PART) {
            if (nu > 0 && t[i].offset >= u[nu - 1].off && t[i].offset < u[nu - 1].end)
                u[nu - 1].term = heavier(hl, u[nu - 1].term, m);
            continue;
        }
        uint32_t toff = t[i].offset, tend = t[i].offset + t[i].length;
        if (tend > len || toff > tend)
            continue; /* never expected from the analyzer; never trusted */
        if (nu > 0 && (toff <= u[nu - 1].end || apostrophe_gap(text, u[nu - 1].end, toff))) {
            /* overlaps or touches the previous word (a proclitic the analyzer
             * split from a Latin or digit word: والiPhone), or an apostrophe
             * alone joins them (O'Neil, Qur'an, which the analyzer splits):
             * one unit, so gaps never run backwards and a fragment never cuts
             * a surface word */
            unit *pv = &u[nu - 1];
            if (tend > pv->end) {
                pv->c1 += count_chars(text, pv->end, tend);
                pv->end = tend;
            }
            pv->term = heavier(hl, pv->term, m);
            continue;
        }
        unit *x = &u[nu++];
        x->off = toff;
        x->end = tend;
        if (x->off < cpos) { /* never expected: offsets are non-decreasing */
            cpos = 0;
            cchars = 0;
        }
        cchars += count_chars(text, cpos, x->off);
        cpos = x->off;
        x->c0 = cchars;
        x->c1 = cchars + count_chars(text, x->off, x->end);
        x->term = m;
    }
    for (uint32_t i = 0; i < nu; i++) {
        /* the gap before a word is the gap after the one before it */
        u[i].clause_before = i == 0 || u[i - 1].clause_after;
        u[i].clause_after =
            i + 1 == nu || has_boundary(text, u[i].end, i + 1 < nu ? u[i + 1].off : (uint32_t)len);
    }
    const char *ho = o->hl_open ? o->hl_open : "<b>";
    const char *hc = o->hl_close ? o->hl_close : "</b>";
    size_t hol = strlen(ho), hcl = strlen(hc);
    bool html = o->escape_html;

    win w[FH_ENGINE_MAX_SNIPPETS];
    uint32_t nw = 0;
    if (count == 0)
        count = 1;
    if (count > FH_ENGINE_MAX_SNIPPETS)
        count = FH_ENGINE_MAX_SNIPPETS;
    if (nu == 0) {
        nw = 0;
    } else if (max_chars == 0) {
        w[0] = (win){0, nu, 0};
        nw = 1;
    } else {
        bool covered[FH_Q_MAX_CLAUSES + FH_Q_MAX_ELEMS];
        size_t nc = nhl < sizeof covered ? nhl : sizeof covered;
        memset(covered, 0, sizeof covered);
        float minw = 0;
        for (size_t j = 0; j < nhl; j++)
            if (j == 0 || hl[j].weight < minw)
                minw = hl[j].weight;
        if (minw <= 0)
            minw = 1;
        bool any = false;
        for (uint32_t i = 0; i < nu && !any; i++)
            any = u[i].term >= 0;
        if (!any) {
            /* nothing to show: the text's beginning */
            uint32_t b = 1;
            while (b < nu && u[b].c1 - u[0].c0 <= max_chars)
                b++;
            w[nw++] = (win){0, b, 0};
        }
        for (uint32_t k = 0; k < count && any; k++) {
            win b = best_window(u, nu, hl, nc, max_chars, w, nw, covered, cnt, minw);
            if (b.b <= b.a)
                break; /* no window left that shows a query word */
            b.a = grow_back(u, b, max_chars, w, nw);
            w[nw++] = b;
            for (uint32_t i = b.a; i < b.b; i++)
                if (u[i].term >= 0 && (size_t)u[i].term < nc)
                    covered[u[i].term] = true;
        }
        qsort(w, nw, sizeof *w, win_cmp);
    }

    if ((rc = fh_buf_addc(out, '"')) != 0)
        return rc;
    static const char ell[] = "\xE2\x80\xA6"; /* … */
    if (nu == 0 && len > 0) {
        /* no word at all (a title of "***"): the text as stored, or its
         * first max_chars characters and an ellipsis */
        size_t cut = max_chars > 0
                         ? grapheme_cut(s, text, 0, len, chars_end(text, 0, len, max_chars), false)
                         : len;
        bidi_st bs = {0};
        bidi_scan(&bs, text, cut);
        if ((rc = esc_text(out, text, cut, html)) == 0 && cut < len &&
            (rc = bidi_close(out, &bs)) == 0)
            rc = fh_buf_adds(out, ell);
        return rc ? rc : fh_buf_addc(out, '"');
    }
    uint32_t shown = 0; /* the byte after the text printed so far */
    bidi_st bs = {0};   /* the directional state of the text up to bs.at */
    for (uint32_t k = 0; k < nw; k++) {
        uint32_t a = w[k].a, b = w[k].b;
        if (k == 0 && a > 0) {
            bidi_scan(&bs, text, u[a].off);
            if ((rc = fh_buf_adds(out, "\xE2\x80\xA6 ")) == 0)
                rc = bidi_reopen(out, &bs);
        } else if (k == 0) { /* leading quotes, brackets: the last few (all: whole text) */
            uint32_t g = 0;
            if (max_chars > 0)
                g = (uint32_t)grapheme_cut(s, text, 0, u[0].off, gap_start(text, 0, u[0].off),
                                           true);
            bidi_scan(&bs, text, g);
            if (g > 0 && (rc = fh_buf_adds(out, "\xE2\x80\xA6 ")) == 0)
                rc = bidi_reopen(out, &bs);
            if (!rc)
                rc = esc_text(out, text + g, u[0].off - g, html);
        } else if (a > w[k - 1].b || count_chars(text, shown, u[a].off) > max_chars) {
            bidi_scan(&bs, text, shown);
            if ((rc = bidi_close(out, &bs)) == 0 &&
                (rc = fh_buf_adds(out, " \xE2\x80\xA6 ")) == 0) {
                bidi_scan(&bs, text, u[a].off);
                rc = bidi_reopen(out, &bs);
            }
        } else /* fragments that touch: the text between them as it stands (« ، —) */
            rc = esc_text(out, text + shown, u[a].off - shown, html);
        if (rc)
            return rc;
        for (uint32_t i = a; i < b; i++) {
            if (i > a &&
                (rc = esc_text(out, text + u[i - 1].end, u[i].off - u[i - 1].end, html)) != 0)
                return rc;
            if (u[i].term >= 0 && (rc = fh_buf_add_json_chars(out, ho, hol)) != 0)
                return rc;
            if ((rc = esc_text(out, text + u[i].off, u[i].end - u[i].off, html)) != 0)
                return rc;
            if (u[i].term >= 0 && (rc = fh_buf_add_json_chars(out, hc, hcl)) != 0)
                return rc;
        }
        /* keep the punctuation that closes the fragment (up to the next space),
         * or the text's own ending: a few characters of it, or all of it when
         * the whole text was asked for (a title) */
        uint32_t e = u[b - 1].end, stop = b < nu ? u[b].off : (uint32_t)len;
        uint32_t x = e;
        if (b == nu)
            x = stop;
        else
            while (x < stop && !is_space((unsigned char)text[x]))
                x++;
        uint32_t xg = x;
        if (max_chars > 0)
            xg = (uint32_t)grapheme_cut(s, text, e, x, chars_end(text, e, x, GAP_CHARS), false);
        if (xg > e && (rc = esc_text(out, text + e, xg - e, html)) != 0)
            return rc;
        shown = xg;
        if (k + 1 == nw && (b < nu || xg < x)) {
            bidi_scan(&bs, text, xg);
            if ((rc = bidi_close(out, &bs)) == 0 && (rc = fh_buf_adds(out, " ")) == 0)
                rc = fh_buf_adds(out, ell);
        }
        if (rc)
            return rc;
    }
    return fh_buf_addc(out, '"');
}
