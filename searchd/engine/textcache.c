/* textcache.c — the analyzed texts of one query, for a second reader.
 *
 * A query's re-rank reads its best hits (focus.c: the title and the first
 * rp.focus_len words of the body) and its reply then analyzes the same hits'
 * title and body for their snippets (snippet.c). When the re-rank read a text
 * whole (a book passage, a short article), the snippet's analysis is the same
 * work on the same bytes. So the re-rank keeps a copy of the tokens of each
 * text it analyzes, and a later analysis of identical bytes within the same
 * query takes that copy instead of running the analyzer. The tokens are a
 * function of the text and the engine's analyzer alone (fh_analyze), so the
 * copy is the analysis; a lookup compares the text's bytes, never a doc id.
 *
 * Owns the entries' buffers (fh_searcher.tcache), which are kept and reused
 * from query to query; fh_textcache_reset (at the start of each query) only
 * empties the cache.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

void fh_textcache_reset(fh_textcache *c)
{
    c->n = 0;
    c->hits = 0;
}

void fh_textcache_free(fh_textcache *c)
{
    for (uint32_t i = 0; i < FH_TEXTCACHE_N; i++) {
        free(c->ent[i].text);
        fh_token_copy_free(&c->ent[i].tc);
    }
    memset(c, 0, sizeof *c);
}

/* Keep a copy of text and of the analysis just made of it, when there is
 * room; without room, or memory, nothing is kept (the caller has its tokens
 * anyway). */
static void keep(fh_textcache *c, const fh_analysis *an, const char *text, size_t len)
{
    if (c->n == FH_TEXTCACHE_N)
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
    if (len > 0)
        memcpy(e->text, text, len);
    e->len = len;
    c->n++;
}

int fh_text_analyze(fh_searcher *s, const char *text, size_t len, bool keep_copy,
                    const fh_token **toks, size_t *ntoks)
{
    fh_textcache *c = &s->tcache;
    for (uint32_t i = 0; i < c->n; i++) {
        const fh_textcache_ent *e = &c->ent[i];
        if (e->len == len && (len == 0 || memcmp(e->text, text, len) == 0)) {
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
