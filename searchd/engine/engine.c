/* engine.c — engine and searcher lifetimes, and the JSON replies of SEARCH,
 * GET, KEYWORDS and STATS. Parsing is in query.c, retrieval and ranking in
 * exec.c, fragments in snippet.c. Nothing here does network I/O or logs.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_int.h"
#include "fahras/jsondoc.h"

void fh_rank_params_default(fh_rank_params *p)
{
    memset(p, 0, sizeof *p);
    p->k1 = 1.2f;
    p->b = 0.75f;
    for (unsigned f = 0; f < FH_MAX_FIELDS; f++) {
        p->field_b[f] = -1.0f;
        p->field_weight[f] = -1.0f;
    }
    p->prox_weight = 0.25f;
    p->prox_depth = 100;
    p->prox_depth_short = 30;
    p->prox_window = 8;
    p->lead_weight = 1.5f;
    p->lead_len = 50;
    p->lead_title = 0.25f;
    p->cover_weight = 0.0f;
    p->sdm_o_weight = 0.0f;
    p->sdm_o_window = 2;
    p->sdm_u_weight = 0.0f;
    p->sdm_u_window = 8;
    p->pass_weight = 0.5f;
    p->pass_window = 24;
    p->len_weight = 0.0f;
    p->order_weight = 0.3f;
    p->idf_pow = 1.0f;
    p->alt_weight = 0.5f;
    p->alt_rerank = true;
    p->alt_pos = true;
    p->tense_weight = 0.5f;
    p->answer_type_weight = 0.25f;
    p->prf_weight = 0.0f;
    p->prf_question_weight = 1.0f;
    p->prf_docs = 3;
    p->prf_terms = 20;
    p->prf_len = 50;
    p->prf_depth = 30;
    p->focus_weight = 2.0f;
    p->focus_depth = 10;
    p->focus_len = 400;
    p->focus_min_words = 3;
    p->exact_weight = 0.5f;
    p->exact_pair_weight = 1.0f;
    p->exact_questions = true;
}

void fh_search_opts_default(fh_search_opts *o)
{
    memset(o, 0, sizeof *o);
    o->limit = 10;
    o->offset = 0;
    o->snippets = true;
    o->snippet_len = 160;
    o->snippet_count = 1;
    o->snippet_field = NULL;
    o->hl_open = "<b>";
    o->hl_close = "</b>";
    o->return_fields = 0;
    o->fields = NULL;
    o->n_fields = 0;
    o->max_terms = 64;
    o->max_prefix_expansions = 64;
    o->time_budget_us = 2000000;
    o->exact_total = false;
}

uint64_t fh_engine_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ------------------------------------------------------------- engine */

int fh_engine_open(const char *index_dir, const fh_analyzer *a, const fh_rank_params *p,
                   fh_engine **out)
{
    fh_engine *e = NULL;
    int rc;
    if (!index_dir || !a || !out)
        return FH_EINVAL;
    if (strlen(index_dir) >= sizeof e->dir)
        return FH_EINVAL;
    bool text_seen = false; /* a field named text is the body */
    e = calloc(1, sizeof *e);
    if (!e)
        return FH_ENOMEM;
    snprintf(e->dir, sizeof e->dir, "%s", index_dir);
    e->an = a;
    if (p)
        e->rp = *p;
    else
        fh_rank_params_default(&e->rp);
    if (!(e->rp.k1 >= 0.0f) || !(e->rp.b >= 0.0f && e->rp.b <= 1.0f) ||
        e->rp.prox_depth > FH_PROX_DEPTH_MAX || !(e->rp.prf_weight >= 0.0f) ||
        !(e->rp.prf_question_weight >= 0.0f) ||
        !(e->rp.answer_type_weight >= 0.0f && e->rp.answer_type_weight <= 1.0f) ||
        e->rp.prf_docs > FH_PRF_MAX_DOCS || e->rp.prf_terms > FH_PRF_MAX_TERMS ||
        e->rp.prf_len > FH_PRF_MAX_LEN || !(e->rp.focus_weight >= 0.0f) ||
        e->rp.focus_depth > FH_FOCUS_MAX_DEPTH || e->rp.focus_len > FH_FOCUS_MAX_LEN ||
        !(e->rp.exact_weight >= 0.0f) || !(e->rp.exact_pair_weight >= 0.0f)) {
        rc = FH_EINVAL;
        goto out;
    }
    rc = fh_index_open(index_dir, fh_analyzer_name(a), fh_analyzer_version(a), &e->ix);
    if (rc)
        goto out;
    e->meta = fh_index_get_meta(e->ix);
    e->n_docs = e->meta->n_docs;
    e->n_fields = e->meta->n_fields;
    if (e->n_fields == 0 || e->n_fields > FH_MAX_FIELDS) {
        rc = FH_ECORRUPT;
        goto out;
    }
    e->title_field = -1;
    e->body_field = -1;
    for (unsigned f = 0; f < e->n_fields; f++) {
        float w = e->rp.field_weight[f];
        if (w < 0)
            w = e->meta->field_weights[f] > 0 ? e->meta->field_weights[f] : 1.0f;
        e->weight[f] = w;
        float b = e->rp.field_b[f];
        e->bf[f] = (b >= 0 && b <= 1) ? b : e->rp.b;
        double avg = e->meta->avg_field_len[f];
        e->avg[f] = avg >= 1.0 ? (float)avg : 1.0f;
        const char *name = e->meta->field_names[f];
        /* the body: the field named text, else the longest other than title */
        if (strcmp(name, "title") == 0) {
            e->title_field = (int)f;
        } else if (strcmp(name, "text") == 0) {
            e->body_field = (int)f;
            text_seen = true;
        } else if (!text_seen &&
                   (e->body_field < 0 || avg > e->meta->avg_field_len[e->body_field])) {
            e->body_field = (int)f;
        }
        const uint32_t *lens = fh_index_field_lengths(e->ix, f);
        if (!lens) {
            rc = FH_ECORRUPT;
            goto out;
        }
        e->lens[f] = lens;
        e->wnorm[f] = malloc(sizeof(float) * (e->n_docs ? e->n_docs : 1u));
        if (!e->wnorm[f]) {
            rc = FH_ENOMEM;
            goto out;
        }
        for (uint32_t d = 0; d < e->n_docs; d++) {
            float nm = 1.0f - e->bf[f] + e->bf[f] * (float)lens[d] / e->avg[f];
            e->wnorm[f][d] = nm > 1e-6f ? w / nm : w / 1e-6f;
        }
    }
    if ((rc = fh_query_answer_stems(e)) != 0)
        goto out;
    *out = e;
    return 0;
out:
    fh_engine_free(e);
    return rc;
}

void fh_engine_free(fh_engine *e)
{
    if (!e)
        return;
    for (unsigned f = 0; f < FH_MAX_FIELDS; f++)
        free(e->wnorm[f]);
    if (e->ix)
        fh_index_close(e->ix);
    free(e);
}

uint64_t fh_engine_index_id(const fh_engine *e)
{
    return fh_index_id(e->ix);
}

const fh_index_meta *fh_engine_meta(const fh_engine *e)
{
    return e->meta;
}

int fh_engine_stats(const fh_engine *e, fh_buf *out)
{
    const fh_index_meta *m = e->meta;
    size_t mark = out->len;
    /* the index served, not what DIR/index.mdb is now (a re-publish the
       daemon refused, a removed file) */
    long long bytes = (long long)fh_index_file_bytes(e->ix);
    int rc = fh_buf_addf(out, "{\"docs\":%u,\"terms\":%llu,\"postings\":%llu,\"fields\":[",
                         m->n_docs, (unsigned long long)m->n_terms,
                         (unsigned long long)m->n_postings);
    for (unsigned f = 0; f < e->n_fields && !rc; f++) {
        rc = fh_buf_adds(out, f ? ",{\"name\":" : "{\"name\":");
        if (!rc)
            rc = fh_buf_add_json_str(out, m->field_names[f], strlen(m->field_names[f]));
        if (!rc)
            rc = fh_buf_addf(out, ",\"weight\":%g,\"b\":%g,\"avg_len\":%.2f}", (double)e->weight[f],
                             (double)e->bf[f], m->avg_field_len[f]);
    }
    if (!rc)
        rc = fh_buf_adds(out, "],\"analyzer\":{\"name\":");
    if (!rc)
        rc = fh_buf_add_json_str(out, m->analyzer_name, strlen(m->analyzer_name));
    if (!rc)
        rc = fh_buf_adds(out, ",\"version\":");
    if (!rc)
        rc = fh_buf_add_json_str(out, m->analyzer_version, strlen(m->analyzer_version));
    if (!rc)
        rc = fh_buf_addf(
            out,
            "},\"format\":%u,\"build_time\":%lld,\"file_bytes\":%lld,"
            "\"index_id\":\"%016llx\",\"rank\":{\"k1\":%g,\"b\":%g,\"prox_weight\":%g,"
            "\"prox_depth\":%u,\"prox_depth_short\":%u,\"prox_window\":%u,\"lead_weight\":%g,"
            "\"lead_title\":%g,\"order_weight\":%g,\"prf_weight\":%g,"
            "\"prf_question_weight\":%g,\"prf_docs\":%u,"
            "\"prf_terms\":%u,\"focus_weight\":%g,\"focus_depth\":%u,"
            "\"focus_len\":%u,\"focus_min_words\":%u,\"exact_weight\":%g,"
            "\"exact_pair_weight\":%g,\"exact_questions\":%s,\"tense_weight\":%g,"
            "\"answer_type_weight\":%g,\"cover_weight\":%g}}",
            m->format_version, (long long)m->build_time, bytes,
            (unsigned long long)fh_index_id(e->ix), (double)e->rp.k1, (double)e->rp.b,
            (double)e->rp.prox_weight, e->rp.prox_depth, e->rp.prox_depth_short, e->rp.prox_window,
            (double)e->rp.lead_weight, (double)e->rp.lead_title, (double)e->rp.order_weight,
            (double)e->rp.prf_weight, (double)e->rp.prf_question_weight, e->rp.prf_docs,
            e->rp.prf_terms, (double)e->rp.focus_weight, e->rp.focus_depth, e->rp.focus_len,
            e->rp.focus_min_words, (double)e->rp.exact_weight, (double)e->rp.exact_pair_weight,
            e->rp.exact_questions ? "true" : "false", (double)e->rp.tense_weight,
            (double)e->rp.answer_type_weight, (double)e->rp.cover_weight);
    if (rc) {
        out->len = mark;
        if (out->data)
            out->data[mark] = '\0';
    }
    return rc;
}

/* ------------------------------------------------------------- searcher */

#define SCRATCH_MAX ((size_t)512 << 20)
#define SCRATCH_KEEP ((size_t)1 << 20) /* bytes a scratch buffer keeps between requests */

void fh_searcher_trim(fh_searcher *s)
{
    fh_buf *b[] = {&s->doc, &s->tmp, &s->jstr, &s->body};
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        if (b[i]->cap > SCRATCH_KEEP)
            fh_buf_free(b[i]);
}

int fh_searcher_new(fh_engine *e, fh_searcher **out)
{
    fh_searcher *s = calloc(1, sizeof *s);
    int rc;
    if (!s)
        return FH_ENOMEM;
    s->e = e;
    /* caps, not allocations: a stored document (the indexer's --max-doc-mb
       is at most 256 MiB) and its decoded strings fit; the hits of a reply
       are capped by the reply's own buffer (fh_search) */
    fh_buf_init(&s->doc, SCRATCH_MAX);
    fh_buf_init(&s->tmp, SCRATCH_MAX);
    fh_buf_init(&s->jstr, SCRATCH_MAX);
    fh_buf_init(&s->body, SCRATCH_MAX);
    s->hits_cap = FH_ENGINE_MAX_LIMIT + FH_PROX_DEPTH_MAX;
    s->hits = malloc(sizeof *s->hits * s->hits_cap);
    if (!s->hits) {
        rc = FH_ENOMEM;
        goto out;
    }
    if ((rc = fh_analysis_new(e->an, &s->an)) != 0)
        goto out;
    fh_analysis_set_alt(s->an, false); /* on only while a query is parsed */
    if ((rc = fh_reader_open(e->ix, &s->rd)) != 0)
        goto out;
    if ((rc = fh_exec_scratch_new(&s->xs)) != 0)
        goto out;
    *out = s;
    return 0;
out:
    fh_searcher_free(s);
    return rc;
}

int fh_searcher_warm(fh_searcher *s)
{
    return fh_analysis_prefault(s->an);
}

void fh_searcher_free(fh_searcher *s)
{
    if (!s)
        return;
    fh_exec_scratch_free(s->xs);
    fh_stemtab_free(&s->prf);
    fh_stemtab_free(&s->focus);
    fh_textcache_free(&s->tcache);
    if (s->rd)
        fh_reader_close(s->rd);
    if (s->an)
        fh_analysis_free(s->an);
    fh_buf_free(&s->doc);
    fh_buf_free(&s->tmp);
    fh_buf_free(&s->jstr);
    fh_buf_free(&s->body);
    free(s->hits);
    fh_snippet_free(s);
    free(s->snip);
    free(s);
}

/* ------------------------------------------------------------- search */

static void restore(fh_buf *b, size_t mark)
{
    b->len = mark;
    if (b->data)
        b->data[mark] = '\0';
}

static int fail(fh_buf *errmsg, int rc, const char *msg)
{
    if (errmsg && msg)
        fh_buf_adds(errmsg, msg);
    return rc;
}

/* Highlight terms of the clauses that can match in field f. */
static size_t build_hl(fh_searcher *s, const fh_query *q, int field, fh_hlterm *hl, size_t cap)
{
    size_t n = 0;
    uint32_t bit = field >= 0 ? 1u << (unsigned)field : UINT32_MAX;
    for (uint32_t i = 0; i < q->n_cl && n < cap; i++) {
        const fh_clause *c = &q->cl[i];
        if (c->occur == FH_OCC_NOT || !(c->field_mask & bit) || (c->is_alt && !c->is_spell))
            continue;
        if (c->kind == FH_CL_PHRASE) {
            /* its stop words only when it has nothing else ("من أجل" is not
               marked as every من of the text, "من" alone is) */
            bool all_stop = true;
            for (uint32_t k = 0; k < c->n_el; k++)
                all_stop &= q->el[c->first_el + k].stop;
            for (uint32_t k = 0; k < c->n_el && n < cap; k++) {
                const fh_qelem *el = &q->el[c->first_el + k];
                if ((el->stop && !all_stop) || el->len == 0)
                    continue;
                hl[n++] = (fh_hlterm){
                    .term = el->term, .len = el->len, .weight = q->el_idf[c->first_el + k]};
            }
            continue;
        }
        float w = q->idf[i] / (float)(c->qtf ? c->qtf : 1u);
        hl[n] = (fh_hlterm){.term = c->term,
                            .len = c->len,
                            .prefix = c->kind == FH_CL_PREFIX,
                            .weight = w > 0 ? w : 0.01f};
        if (c->kind == FH_CL_MIXED) { /* and its parts in a row */
            hl[n].parts = &q->el[c->first_el];
            hl[n].nparts = c->n_el;
        }
        /* a prefix marks the words it expanded to, not every word it begins
           (those past the expansion cap did not match) */
        if (c->kind == FH_CL_PREFIX || (c->kind == FH_CL_MIXED && c->last_prefix))
            hl[n].nexps = fh_exec_expansions(s, i, &hl[n].exps);
        n++;
    }
    return n;
}

static bool want_field(const fh_search_opts *o, uint32_t i)
{
    return i < 32 && (o->return_fields & (1u << i));
}

/* The rest of a hit object from the strings the strict reader found:
 * v[0] title, v[1] the snippet field, v[2] "text" (the body's fallback, not
 * read when snippet_field= named the field) — the same output as the jansson
 * path of emit_hit. */
static int emit_fast(fh_searcher *s, const fh_search_opts *o, const fh_jstr *v, fh_buf *out)
{
    const fh_engine *e = s->e;
    int rc;
    if (v[0].found) {
        size_t n = e->title_field >= 0
                       ? build_hl(s, &s->q, e->title_field, s->hl, sizeof s->hl / sizeof s->hl[0])
                       : 0;
        if ((rc = fh_buf_adds(out, ",\"title\":")) != 0 ||
            (rc = fh_snippet(s, v[0].p ? v[0].p : "", v[0].len, s->hl, n, o, 0, 1, out)) != 0)
            return rc;
    }
    if (o->snippets) {
        const fh_jstr *body = strcmp(s->snip_key, "title") == 0 ? &v[0]
                              : v[1].found || s->snip_asked     ? &v[1]
                                                                : &v[2];
        if ((rc = fh_buf_adds(out, ",\"snippet\":")) != 0)
            return rc;
        if (body->found) {
            size_t n = build_hl(s, &s->q, s->snip_field, s->hl, sizeof s->hl / sizeof s->hl[0]);
            rc = fh_snippet(s, body->p ? body->p : "", body->len, s->hl, n, o, o->snippet_len,
                            o->snippet_count, out);
        } else {
            rc = fh_buf_adds(out, "\"\"");
        }
        if (rc)
            return rc;
    }
    return fh_buf_addc(out, '}');
}

/* One hit object. */
static int emit_hit(fh_searcher *s, const fh_search_opts *o, const fh_hit *h, fh_buf *out)
{
    const fh_engine *e = s->e;
    const char *id;
    size_t idlen;
    json_t *doc = NULL;
    int rc = fh_doc_ext_id(s->rd, h->doc, &id, &idlen);
    if (rc)
        return rc;
    if ((rc = fh_buf_adds(out, "{\"id\":")) || (rc = fh_buf_add_json_str(out, id, idlen)) ||
        (rc = fh_buf_addf(out, ",\"score\":%.4f", (double)h->score)))
        return rc;
    /* The document is read when the reply needs it: snippets, fields=, or
     * an analyzed title. Reading it for every hit only to find whether a
     * title-less index's documents have a stored title cost 13 % of the
     * two-word throughput without snippets on the book index (session 16);
     * PROTOCOL.md says when such a title comes. */
    bool need_doc = o->snippets || o->return_fields || e->title_field >= 0;
    if (need_doc) {
        fh_buf_reset(&s->doc);
        if ((rc = fh_doc_get(s->rd, h->doc, &s->doc)) != 0)
            return rc;
        if (!o->return_fields) {
            /* title and body only: the strict reader, jansson if it declines */
            const char *keys[3] = {"title", s->snip_key, "text"};
            fh_jstr v[3];
            if (fh_docjson_strings(s->doc.data, s->doc.len, keys, s->snip_asked ? 2 : 3, v,
                                   &s->jstr) == 1)
                return emit_fast(s, o, v, out);
        }
        /* as the indexer read it: strings with \u0000, integers past 64 bits */
        doc = fh_json_load_doc(s->doc.data, s->doc.len, NULL);
    }
    if (json_is_object(doc)) {
        json_t *title = json_object_get(doc, "title");
        if (json_is_string(title)) {
            size_t n = s->e->title_field >= 0 ? build_hl(s, &s->q, e->title_field, s->hl,
                                                        sizeof s->hl / sizeof s->hl[0])
                                              : 0;
            if ((rc = fh_buf_adds(out, ",\"title\":")) != 0 ||
                (rc = fh_snippet(s, json_string_value(title), json_string_length(title), s->hl,
                                 n, o, 0, 1, out)) != 0)
                goto out;
        }
        if (o->snippets) {
            json_t *body = json_object_get(doc, s->snip_key);
            if (!json_is_string(body) && !s->snip_asked)
                body = json_object_get(doc, "text");
            if ((rc = fh_buf_adds(out, ",\"snippet\":")) != 0)
                goto out;
            if (json_is_string(body)) {
                size_t n = build_hl(s, &s->q, s->snip_field, s->hl, sizeof s->hl / sizeof s->hl[0]);
                rc = fh_snippet(s, json_string_value(body), json_string_length(body), s->hl, n, o,
                                o->snippet_len, o->snippet_count, out);
            } else {
                rc = fh_buf_adds(out, "\"\"");
            }
            if (rc)
                goto out;
        }
        uint32_t nf = o->fields ? o->n_fields : e->n_fields;
        for (uint32_t i = 0; i < nf && o->return_fields; i++) {
            if (!want_field(o, i))
                continue;
            const char *name = o->fields ? o->fields[i] : e->meta->field_names[i];
            /* the hit's own keys are never repeated: JSON objects must not
             * hold a key twice (title is already there, highlighted) */
            if (!name || strcmp(name, "id") == 0 || strcmp(name, "score") == 0 ||
                strcmp(name, "title") == 0 || strcmp(name, "snippet") == 0)
                continue;
            json_t *v = json_object_get(doc, name);
            if (!v)
                continue;
            if ((rc = fh_buf_addc(out, ',')) || (rc = fh_buf_add_json_str(out, name, strlen(name))) ||
                (rc = fh_buf_addc(out, ':')))
                goto out;
            if (json_is_string(v)) {
                rc = fh_buf_add_json_str(out, json_string_value(v), json_string_length(v));
            } else if ((rc = fh_docjson_copy_raw(s->doc.data, s->doc.len, name, strlen(name),
                                                 out)) == 0) {
                /* numbers as stored (0: not found raw, which cannot happen) */
                char *js = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
                rc = js ? fh_buf_add_json_raw(out, js, strlen(js)) : FH_ENOMEM;
                free(js);
            } else if (rc == 1) {
                rc = 0;
            }
            if (rc)
                goto out;
        }
    }
    rc = fh_buf_addc(out, '}');
out:
    json_decref(doc);
    return rc;
}

static int check_opts(const fh_search_opts *o, fh_buf *errmsg)
{
    if ((uint64_t)o->limit + o->offset > FH_ENGINE_MAX_LIMIT) {
        if (errmsg)
            fh_buf_addf(errmsg, "limit + offset must not exceed %u", FH_ENGINE_MAX_LIMIT);
        return FH_ELIMIT;
    }
    if (o->snippet_len > FH_ENGINE_MAX_SNIPPET_LEN) {
        if (errmsg)
            fh_buf_addf(errmsg, "snippet length must not exceed %u", FH_ENGINE_MAX_SNIPPET_LEN);
        return FH_ELIMIT;
    }
    if (o->snippet_count > FH_ENGINE_MAX_SNIPPETS) {
        if (errmsg)
            fh_buf_addf(errmsg, "snippet count must not exceed %u", FH_ENGINE_MAX_SNIPPETS);
        return FH_ELIMIT;
    }
    if (o->max_terms > FH_ENGINE_MAX_TERMS || o->max_prefix_expansions > FH_ENGINE_MAX_EXPANSIONS) {
        if (errmsg)
            fh_buf_addf(errmsg, "max terms must not exceed %u and prefix expansions %u",
                        FH_ENGINE_MAX_TERMS, FH_ENGINE_MAX_EXPANSIONS);
        return FH_ELIMIT;
    }
    if ((o->hl_open && strlen(o->hl_open) > FH_ENGINE_MAX_MARKER) ||
        (o->hl_close && strlen(o->hl_close) > FH_ENGINE_MAX_MARKER)) {
        if (errmsg)
            fh_buf_addf(errmsg, "highlight markers must not exceed %u bytes", FH_ENGINE_MAX_MARKER);
        return FH_ELIMIT;
    }
    return 0;
}

int fh_search_run(fh_searcher *s, const fh_search_opts *o, const char *q, size_t qlen,
                  bool proximity, fh_hit **hits, uint32_t *nhits, fh_exec_stats *st,
                  fh_buf *errmsg)
{
    int rc = fh_query_parse(s, q, qlen, o->max_terms ? o->max_terms : 64u, &s->q, errmsg);
    if (rc)
        return rc;
    return fh_exec_topk(s, &s->q, o, o->limit + o->offset, false, proximity, hits, nhits, st,
                        errmsg);
}

/* The field snippets come from, for this search: o->snippet_field, else the
 * engine's body. A name that is no analyzed field of the index, or that
 * holds a quote, backslash or ASCII control character (the protocol's rule
 * for field names, docs/PROTOCOL.md, checked here so that the message can
 * list the index's fields), is FH_EINVAL, and the message lists the fields
 * it has. */
static int snippet_field(fh_searcher *s, const fh_search_opts *o, fh_buf *errmsg)
{
    const fh_engine *e = s->e;
    s->snip_field = e->body_field;
    s->snip_key = fh_engine_body_name(e);
    s->snip_asked = o->snippet_field != NULL;
    if (!s->snip_asked)
        return 0;
    bool plain = fh_json_verbatim(o->snippet_field, strlen(o->snippet_field));
    for (unsigned f = 0; f < e->n_fields && plain; f++) {
        if (strcmp(e->meta->field_names[f], o->snippet_field) == 0) {
            s->snip_field = (int)f;
            s->snip_key = e->meta->field_names[f];
            return 0;
        }
    }
    if (errmsg) {
        /* the name as given, cut at 63 bytes on a character boundary */
        size_t nl = strlen(o->snippet_field);
        if (nl > 63) {
            nl = 63;
            while (nl > 0 && ((unsigned char)o->snippet_field[nl] & 0xC0u) == 0x80u)
                nl--;
        }
        int rc = plain
                     ? fh_buf_addf(errmsg,
                                   "snippet_field: the index has no analyzed field '%.*s' (it has",
                                   (int)nl, o->snippet_field)
                     : fh_buf_adds(errmsg, "snippet_field: a name may not contain quotes, "
                                           "backslashes or control characters (the index has");
        for (unsigned f = 0; f < e->n_fields && rc == 0; f++)
            rc = fh_buf_addf(errmsg, "%s %s", f ? "," : "", e->meta->field_names[f]);
        if (rc == 0)
            fh_buf_adds(errmsg, ")");
    }
    return FH_EINVAL;
}

int fh_search(fh_searcher *s, const fh_search_opts *o, const char *q, size_t qlen, fh_buf *out,
              fh_buf *errmsg)
{
    fh_search_opts defo;
    uint64_t t0 = fh_engine_now_us();
    size_t mark = out->len;
    fh_hit *hits;
    uint32_t nhits;
    fh_exec_stats st;
    int rc;
    if (!o) {
        fh_search_opts_default(&defo);
        o = &defo;
    }
    if (!q)
        return fail(errmsg, FH_EINVAL, "no query");
    if ((rc = check_opts(o, errmsg)) != 0 || (rc = snippet_field(s, o, errmsg)) != 0)
        return rc;
    s->timed_out = false;
    if ((rc = fh_search_run(s, o, q, qlen, true, &hits, &nhits, &st, errmsg)) != 0)
        return rc;
    fh_buf_reset(&s->tmp);
    s->tmp.max = out->max; /* the hits go into out: its cap is theirs */
    for (uint32_t i = o->offset; i < nhits; i++) {
        if (i > o->offset && (rc = fh_buf_addc(&s->tmp, ',')) != 0)
            goto out;
        if ((rc = emit_hit(s, o, &hits[i], &s->tmp)) != 0)
            goto out;
    }
    rc = fh_buf_addf(out, "{\"total\":%llu,\"took_us\":%llu,", (unsigned long long)st.total,
                     (unsigned long long)(fh_engine_now_us() - t0));
    if (!rc && st.total_estimate)
        rc = fh_buf_adds(out, "\"total_is_estimate\":true,");
    if (!rc && st.timed_out)
        rc = fh_buf_adds(out, "\"timed_out\":true,");
    if (!rc)
        rc = fh_buf_adds(out, "\"hits\":[");
    if (!rc && s->tmp.len)
        rc = fh_buf_add(out, s->tmp.data, s->tmp.len);
    if (!rc)
        rc = fh_buf_adds(out, "]}");
    if (!rc)
        s->timed_out = st.timed_out;
out:
    if (rc) {
        restore(out, mark);
        if (errmsg && errmsg->len == 0)
            fh_buf_adds(errmsg, rc == FH_ELIMIT ? "reply too large" : fh_strerror(rc));
    }
    return rc;
}

bool fh_searcher_timed_out(const fh_searcher *s)
{
    return s->timed_out;
}

/* 0 when a stored document reads back as the JSON object the indexer
 * stored (the strict reader, else jansson, as the SEARCH path reads it),
 * FH_ECORRUPT when it does not, FH_ENOMEM when jansson ran out of memory.
 * LMDB keeps no checksums and a small zstd frame none either (FORMAT.md), so
 * a damaged document can decompress to a raw newline or invalid UTF-8, which
 * fh_docjson_copy_doc (made for what the indexer wrote) would pass on into
 * the reply line. */
static int stored_doc_check(fh_searcher *s)
{
    fh_jstr v;
    static const char *const none[1] = {""};
    if (fh_docjson_strings(s->doc.data, s->doc.len, none, 0, &v, &s->jstr) == 1)
        return 0;
    json_error_t err;
    json_t *j = fh_json_load_doc(s->doc.data, s->doc.len, &err);
    int rc = json_is_object(j)                                         ? 0
             : !j && json_error_code(&err) == json_error_out_of_memory ? FH_ENOMEM
                                                                       : FH_ECORRUPT;
    json_decref(j);
    return rc;
}

int fh_get(fh_searcher *s, const char *id, size_t len, fh_buf *out, fh_buf *errmsg)
{
    size_t mark = out->len;
    uint32_t docid;
    int rc = fh_doc_lookup(s->rd, id, len, &docid);
    if (rc == FH_ENOTFOUND)
        return fail(errmsg, rc, "no document with that id");
    if (rc)
        return fail(errmsg, rc, fh_strerror(rc));
    fh_buf_reset(&s->doc);
    if ((rc = fh_doc_get(s->rd, docid, &s->doc)) == 0 && (rc = stored_doc_check(s)) != 0)
        return fail(errmsg, rc,
                    rc == FH_ECORRUPT ? "the stored document is damaged (not a JSON object); the "
                                        "index needs fahras-indexer check and a rebuild"
                                      : fh_strerror(rc));
    if (rc || (rc = fh_buf_adds(out, "{\"id\":")) ||
        (rc = fh_buf_add_json_str(out, id, len)) || (rc = fh_buf_adds(out, ",\"doc\":")) ||
        (rc = fh_docjson_copy_doc(s->doc.data, s->doc.len, out)) ||
        (rc = fh_buf_addc(out, '}'))) {
        restore(out, mark);
        return fail(errmsg, rc, rc == FH_ELIMIT ? "reply too large" : fh_strerror(rc));
    }
    return 0;
}

int fh_keywords(fh_searcher *s, const char *text, size_t len, fh_buf *out, fh_buf *errmsg)
{
    size_t mark = out->len;
    const fh_token *t;
    size_t nt;
    int rc;
    if (!fh_utf8_valid(text, len))
        return fail(errmsg, FH_EINPUT, "text is not valid UTF-8");
    if (len > 65536)
        return fail(errmsg, FH_ELIMIT, "text longer than 64 KiB");
    if ((rc = fh_analyze(s->an, text, len, &t, &nt)) != 0)
        return fail(errmsg, rc, fh_strerror(rc));
    rc = fh_buf_adds(out, "{\"tokens\":[");
    for (size_t i = 0; i < nt && !rc; i++) {
        fh_term_info ti;
        uint32_t df = 0;
        int r2 = fh_term_get(s->rd, t[i].stem, t[i].stem_len, &ti);
        if (r2 == 0)
            df = ti.df;
        else if (r2 != FH_ENOTFOUND) {
            rc = r2;
            break;
        }
        const char *kind = (t[i].flags & FH_TOK_WHOLE)  ? "whole"
                           : (t[i].flags & FH_TOK_PART) ? "part"
                                                        : "word";
        if ((rc = fh_buf_adds(out, i ? ",{\"token\":" : "{\"token\":")) ||
            (rc = fh_buf_add_json_str(out, text + t[i].offset, t[i].length)) ||
            (rc = fh_buf_adds(out, ",\"normalized\":")) ||
            (rc = fh_buf_add_json_str(out, t[i].norm, t[i].norm_len)) ||
            (rc = fh_buf_adds(out, ",\"stem\":")) ||
            (rc = fh_buf_add_json_str(out, t[i].stem, t[i].stem_len)) ||
            (rc = fh_buf_addf(out, ",\"df\":%u,\"stop\":%s,\"position\":%u,\"kind\":\"%s\"}", df,
                              (t[i].flags & FH_TOK_STOP) ? "true" : "false", t[i].position,
                              kind)))
            break;
    }
    if (!rc)
        rc = fh_buf_adds(out, "]}");
    if (rc) {
        restore(out, mark);
        return fail(errmsg, rc, rc == FH_ELIMIT ? "reply too large" : fh_strerror(rc));
    }
    return 0;
}
