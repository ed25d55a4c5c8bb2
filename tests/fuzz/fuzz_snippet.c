/* fuzz_snippet.c — fh_snippet() on arbitrary text and terms.
 *
 * Input: a few parameter bytes (fragment length, count, HTML escaping, how
 * many terms), then for each term a byte that picks one of the text's own
 * stems (so terms match often), a weight byte and a byte that may make it a
 * mixed word of the next token's stem as well; the rest is the text, used
 * only when it is valid UTF-8 (stored text always is).
 *
 * Checks: fh_snippet() returns 0 and appends exactly one JSON string; the
 * markers are balanced and never nested; with the markers taken out, every
 * piece between ellipses is a piece of the text, but for the directional
 * closers (PDF, PDI) appended where text was elided after it, and such a
 * piece leaves no embedding or isolate open; a whole text (length 0) comes
 * back as it is, with the markers only. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "fahras/err.h"
#include "fuzz_util.h"
#include "tutil.h"

#define MAX_TERMS 8u

static tu_index ix;

static const char OPEN[] = "\xE2\x9F\xA6";  /* ⟦ */
static const char CLOSE[] = "\xE2\x9F\xA7"; /* ⟧ */
static const char ELL[] = "\xE2\x80\xA6";   /* … */

static void cleanup(void)
{
    tu_index_free(&ix);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    atexit(cleanup);
    static const char *const fn[2] = {"title", "text"};
    tu_doc docs[] = {{"d0", {"عنوان", "والشركات الصينية"}}};
    if (tu_index_build(&ix, NULL, 2, fn, NULL, docs, 1, NULL) != 0 ||
        tu_index_open(&ix, NULL) != 0) {
        fprintf(stderr, "fuzz_snippet: cannot build an index\n");
        abort();
    }
    return 0;
}

static const char PDF[] = "\xE2\x80\xAC";
static const char PDI[] = "\xE2\x81\xA9";

/* The embeddings and isolates p[0, n) leaves open (UAX #9: PDF closes the
 * innermost embedding unless an isolate is innermost, PDI the innermost
 * isolate and all it holds); -1 when they nest past UAX #9's 125 levels.
 * *stray counts the closers that close nothing. */
static int bidi_open(const char *p, size_t n, int *stray)
{
    char st[126];
    int d = 0;
    *stray = 0;
    for (size_t i = 0; i + 3 <= n; i++) {
        const unsigned char *c = (const unsigned char *)p + i;
        if (c[0] != 0xE2)
            continue;
        if ((c[1] == 0x80 && c[2] >= 0xAA && c[2] <= 0xAE && c[2] != 0xAC) ||
            (c[1] == 0x81 && c[2] >= 0xA6 && c[2] <= 0xA8)) {
            if (d == 125)
                return -1;
            st[d++] = c[1] == 0x80 ? 'e' : 'i';
        } else if (c[1] == 0x80 && c[2] == 0xAC) {
            if (d > 0 && st[d - 1] == 'e')
                d--;
            else
                ++*stray;
        } else if (c[1] == 0x81 && c[2] == 0xA9) {
            int k = d;
            while (k > 0 && st[k - 1] != 'i')
                k--;
            if (k > 0)
                d = k - 1;
            else
                ++*stray;
        }
    }
    return d;
}

/* The length of the openers (LRE RLE LRO RLO LRI RLI FSI) p[0, n) starts with. */
static size_t lead_openers(const char *p, size_t n)
{
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        const unsigned char *c = (const unsigned char *)p + i;
        if (!(c[0] == 0xE2 && ((c[1] == 0x80 && c[2] >= 0xAA && c[2] <= 0xAE && c[2] != 0xAC) ||
                               (c[1] == 0x81 && c[2] >= 0xA6 && c[2] <= 0xA8))))
            break;
    }
    return i;
}

/* Every piece of `plain` (the snippet without markers) between ellipses,
 * blanks trimmed, occurs in `text`; one after an ellipsis may start with
 * added openers (those in effect where it starts), one followed by an
 * ellipsis may end in added closers, and leaves nothing open. When the text
 * has no closer that closes nothing, no piece has one either (a closer whose
 * opener was elided is matched by an added opener). */
static void check_pieces(const char *plain, const char *text)
{
    int text_stray;
    bool nested = bidi_open(text, strlen(text), &text_stray) < 0;
    const char *p = plain;
    bool after = false; /* the piece follows an ellipsis */
    for (;;) {
        const char *e = strstr(p, ELL);
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const char *a = p;
        while (n > 0 && *a == ' ') {
            a++;
            n--;
        }
        while (n > 0 && a[n - 1] == ' ')
            n--;
        int stray;
        int open = bidi_open(a, n, &stray);
        if (e)
            FZ_CHECK(open <= 0);
        if (!nested && open >= 0 && text_stray == 0)
            FZ_CHECK(stray == 0);
        bool found = n == 0;
        size_t lead = after ? lead_openers(a, n) : 0;
        for (size_t skip = 0; !found && skip <= lead; skip += 3) {
            size_t m = n - skip;
            for (;;) {
                for (const char *t = text; !found && *t; t++)
                    found = strncmp(t, a + skip, m) == 0;
                if (found || !e || m < 3 ||
                    (memcmp(a + skip + m - 3, PDF, 3) != 0 &&
                     memcmp(a + skip + m - 3, PDI, 3) != 0))
                    break;
                m -= 3; /* an added closer */
            }
        }
        FZ_CHECK(found);
        if (!e)
            break;
        p = e + strlen(ELL);
        after = true;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = {data, size};
    uint32_t max_chars = fz_u8(&in);
    if (max_chars >= 200)
        max_chars = 0; /* the whole text, as for a title */
    uint32_t count = 1 + fz_u8(&in) % 4;
    bool html = fz_u8(&in) & 1;
    size_t nterms = fz_u8(&in) % (MAX_TERMS + 1);
    uint8_t pick[MAX_TERMS][3];
    for (size_t i = 0; i < nterms; i++)
        for (size_t k = 0; k < 3; k++)
            pick[i][k] = fz_u8(&in);
    const char *text = (const char *)in.p;
    size_t len = in.n;
    if (!fz_utf8_ok(text, len) || memchr(text, '\0', len))
        return 0;
    char *t0 = malloc(len + 1);
    if (!t0)
        abort();
    memcpy(t0, text, len);
    t0[len] = '\0';

    /* terms: stems of the text's own tokens, copied (the analysis is redone
     * by fh_snippet) */
    static char stems[MAX_TERMS][FH_TOKEN_MAX + 1];
    static fh_qelem parts[MAX_TERMS][2];
    fh_hlterm hl[MAX_TERMS];
    size_t nhl = 0;
    const fh_token *tok;
    size_t nt;
    if (nterms > 0 && fh_analyze(ix.s->an, t0, len, &tok, &nt) == 0 && nt > 0) {
        for (size_t i = 0; i < nterms; i++) {
            const fh_token *a = &tok[pick[i][0] % nt];
            memcpy(stems[nhl], a->stem, a->stem_len);
            stems[nhl][a->stem_len] = '\0';
            hl[nhl] = (fh_hlterm){stems[nhl], a->stem_len, false, 0.1f + (float)pick[i][1] / 16.0f,
                                  NULL, 0, NULL, 0};
            size_t nx = (size_t)(a - tok) + 1;
            if ((pick[i][2] & 3) == 0 && nx < nt) { /* a mixed word: this stem and the next */
                const fh_token *b = &tok[nx];
                memcpy(parts[nhl][0].term, a->stem, a->stem_len);
                parts[nhl][0].len = a->stem_len;
                memcpy(parts[nhl][1].term, b->stem, b->stem_len);
                parts[nhl][1].len = b->stem_len;
                parts[nhl][0].stop = parts[nhl][1].stop = false;
                parts[nhl][0].rel = 0;
                parts[nhl][1].rel = 1;
                hl[nhl].parts = parts[nhl];
                hl[nhl].nparts = 2;
            }
            nhl++;
        }
    }

    fh_textcache_reset(&ix.s->tcache); /* as at the start of a query */
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.hl_open = OPEN;
    o.hl_close = CLOSE;
    o.escape_html = html;
    fh_buf out;
    fh_buf_init(&out, 1u << 24);
    FZ_CHECK(fh_buf_addc(&out, 'x') == 0); /* what was there before stays */
    int rc = fh_snippet(ix.s, t0, len, hl, nhl, &o, max_chars, count, &out);
    FZ_CHECK(rc == 0);
    FZ_CHECK(out.len >= 3 && out.data[0] == 'x' && out.data[1] == '"');
    FZ_CHECK(fz_json_ok(out.data + 1, out.len - 1));
    json_t *j = json_loadb(out.data + 1, out.len - 1, JSON_DECODE_ANY, NULL);
    FZ_CHECK(j && json_is_string(j));
    const char *s = json_string_value(j);
    /* markers balanced, never nested; take them out */
    size_t sl = strlen(s);
    char *plain = malloc(sl + 1);
    if (!plain)
        abort();
    size_t w = 0;
    bool open = false;
    bool own = strstr(t0, OPEN) || strstr(t0, CLOSE); /* the text has them itself */
    for (size_t i = 0; i < sl;) {
        if (!own && strncmp(s + i, OPEN, 3) == 0) {
            FZ_CHECK(!open);
            open = true;
            i += 3;
        } else if (!own && strncmp(s + i, CLOSE, 3) == 0) {
            FZ_CHECK(open);
            open = false;
            i += 3;
        } else {
            plain[w++] = s[i++];
        }
    }
    plain[w] = '\0';
    FZ_CHECK(!open);
    if (!own && !html) {
        if (max_chars == 0 && len > 0)
            FZ_CHECK(strcmp(plain, t0) == 0);
        else if (!strstr(t0, ELL))
            check_pieces(plain, t0);
    }
    if (nhl == 0 && !own)
        FZ_CHECK(strstr(s, OPEN) == NULL);
    free(plain);
    json_decref(j);
    fh_buf_free(&out);
    free(t0);
    return 0;
}
