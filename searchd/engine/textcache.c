/* textcache.c — the analyzed texts of one query, for a second reader.
 *
 * A query's re-rank reads its best hits (focus.c: the title and the first
 * rp.focus_len words of the body) and its reply then analyzes the same hits'
 * title and body for their snippets (snippet.c). When the re-rank read a text
 * whole (a book passage, a short article), the snippet's analysis is the same
 * work on the same bytes. So the re-rank keeps a copy of the tokens of each
 * whole text it analyzes, and a later analysis of identical bytes within the
 * same query takes that copy instead of running the analyzer. The tokens are
 * a function of the text, the engine's analyzer and whether it fills alt
 * stems (fh_analysis_alt), so the copy is the analysis when those agree; a
 * lookup compares the text's bytes and that flag, never a doc id.
 *
 * Memory: a query keeps at most FH_TEXTCACHE_N texts and FH_TEXTCACHE_BYTES
 * of texts and tokens; the entries' buffers are reused by the next query,
 * unless together they hold more than FH_TEXTCACHE_HOLD, when
 * fh_textcache_reset frees them.
 *
 * Owns the entries' buffers (fh_searcher.tcache).
 */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

/* Bytes an entry has allocated. */
static size_t held(const fh_textcache_ent *e)
{
    return e->text_cap + e->tc.tok_cap * sizeof(fh_token) + e->tc.arena_cap;
}

void fh_textcache_free(fh_textcache *c)
{
    for (uint32_t i = 0; i < FH_TEXTCACHE_N; i++) {
        free(c->ent[i].text);
        fh_token_copy_free(&c->ent[i].tc);
    }
    memset(c, 0, sizeof *c);
}

void fh_textcache_reset(fh_textcache *c)
{
    size_t sum = 0;
    for (uint32_t i = 0; i < FH_TEXTCACHE_N; i++)
        sum += held(&c->ent[i]);
    if (sum > FH_TEXTCACHE_HOLD)
        fh_textcache_free(c);
    c->n = 0;
    c->hits = 0;
    c->bytes = 0;
}

/* Keep a copy of text and of the analysis just made of it, when there is
 * room; without room, or memory, nothing is kept (the caller has its tokens
 * anyway). */
static void keep(fh_textcache *c, const fh_analysis *an, const char *text, size_t len)
{
    if (c->n == FH_TEXTCACHE_N || len > FH_TEXTCACHE_BYTES - c->bytes)
        return;
    fh_textcache_ent *e = &c->ent[c->n];
    if (len > e->text_cap) {
        char *t = realloc(e->text, len);
        if (t == NULL)
            return;
        e->text = t;
        e->text_cap = len;
    }
    if (fh_analysis_copy(an, &e->tc) != 0)
        return;
    size_t bytes = len + e->tc.ntoks * sizeof(fh_token) + e->tc.arena_len;
    if (bytes > FH_TEXTCACHE_BYTES - c->bytes)
        return; /* over the query's budget: not kept (the buffers are) */
    if (len > 0)
        memcpy(e->text, text, len);
    e->len = len;
    c->bytes += bytes;
    c->n++;
}

int fh_text_analyze(fh_searcher *s, const char *text, size_t len, bool keep_copy,
                    const fh_token **toks, size_t *ntoks)
{
    fh_textcache *c = &s->tcache;
    const bool alt = fh_analysis_alt(s->an);
    for (uint32_t i = 0; i < c->n; i++) {
        const fh_textcache_ent *e = &c->ent[i];
        if (e->len == len && e->tc.alt == alt && (len == 0 || memcmp(e->text, text, len) == 0)) {
            *toks = e->tc.toks;
            *ntoks = e->tc.ntoks;
            c->hits++;
            return 0;
        }
    }
    int rc = fh_analyze(s->an, text, len, toks, ntoks);
    if (rc == 0 && keep_copy)
        keep(c, s->an, text, len);
    return rc;
}
