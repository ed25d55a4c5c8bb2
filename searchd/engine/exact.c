/* exact.c — the exact-form re-rank: the query's words as they were typed.
 *
 * Stems let والشركات find الشركة; but among documents that match the same
 * stems, the one written with the query's own word forms — the same clitics,
 * number and spelling (للشركات, not الشركة; أمريكا, not امريكا) — and with
 * the query's words side by side in the same forms is more likely the one the
 * query was written for: a headline repeats its article's wording, a question
 * its paragraph's. So each hit the focus pass reads again (focus.c: the best
 * rp.focus_depth hits, the first rp.focus_len words of title and body) gains
 *   exact_weight      * sum over the distinct forms f of the query found in
 *                       its text of w(f)
 *   + exact_pair_weight * sum over the pairs of forms typed side by side
 *                       (f, g) found side by side, in that order, of
 *                       (w(f) + w(g)) / 2,
 * w the idf of the form's stem as the query ranks it (0 for a stop word the
 * ranking dropped), never negative. bench/RESULTS.md ("Relevance
 * experiments", part 41) has the figures. A word the query restricts to
 * fields (title:word) is found only in those, as it scores only there
 * (fh_exact_field); typed again without the field (title:word word), the
 * form is found anywhere, and still counts once.
 *
 * A form is a token's original bytes without the characters normalization
 * drops (tashkeel, tatweel, format characters: fh_analyzer_drops_char) and
 * without white space (a word written in two, عبد الله or 15 %, is one token,
 * which a query may have joined), ASCII letters in lower case; hamza seats,
 * ى and ة are kept as written. A document
 * word is compared with the query's forms only when its normalized form is
 * one of theirs, so most words cost one hash.
 *
 * Owns nothing: fh_exact lives in the caller's frame; the query's forms are
 * fh_query.form (query.c fills them).
 */
#include <string.h>

#include "engine_int.h"

size_t fh_exact_form(const fh_analyzer *a, const char *p, size_t n, char *out)
{
    size_t o = 0, i = 0;
    while (i < n) {
        const unsigned char *u = (const unsigned char *)p + i;
        unsigned char c = *u;
        /* a byte that starts no well-formed sequence is one of its own */
        size_t l = fh_utf8_seq_len(u, n - i);
        uint32_t cp = l ? fh_utf8_decode(u, l) : c;
        if (l == 0)
            l = 1;
        /* the Arabic letters ء..غ and ف..ي are never dropped: no look-up */
        bool space = cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0 ||
                     (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F || cp == 0x3000;
        bool keep = (cp >= 0x621 && cp <= 0x63A) || (cp >= 0x641 && cp <= 0x64A) ||
                    (!space && (cp < 0x80 || !fh_analyzer_drops_char(a, cp)));
        if (keep) {
            if (o + l > FH_TOKEN_MAX)
                return 0;
            if (l == 1)
                out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
            else
                for (size_t k = 0; k < l; k++)
                    out[o++] = p[i + k];
        }
        i += l;
    }
    out[o] = '\0';
    return o;
}

/* w(f) among the clauses of field_mask mask (any clause when all is true). */
static float stem_weight_in(const fh_query *q, const fh_qform *f, uint32_t mask, bool all)
{
    for (uint32_t i = 0; i < q->n_cl; i++) {
        const fh_clause *c = &q->cl[i];
        if ((c->kind == FH_CL_TERM || c->kind == FH_CL_MIXED) && !c->is_alt &&
            c->occur != FH_OCC_NOT && (all || c->field_mask == mask) && c->len == f->stem_len &&
            memcmp(c->term, f->stem, f->stem_len) == 0)
            return q->idf[i] / (float)(c->qtf ? c->qtf : 1u);
    }
    for (uint32_t i = 0; i < q->n_cl; i++) {
        const fh_clause *c = &q->cl[i];
        if (c->kind != FH_CL_PHRASE || c->occur == FH_OCC_NOT || !(all || c->field_mask == mask))
            continue;
        for (uint32_t k = c->first_el; k < c->first_el + c->n_el; k++)
            if (q->el[k].len == f->stem_len && memcmp(q->el[k].term, f->stem, f->stem_len) == 0)
                return q->el_idf[k];
    }
    return 0.0f;
}

/* w(f): the idf the ranking gives the form's stem as a word of a ranked or
 * required clause (a term or mixed word, per occurrence), else as a word of
 * such a phrase; 0 when the ranking dropped it (a stop word). The clauses
 * of the form's own fields first (title:x x: each x its own clause); in a
 * query without fields every clause has the form's mask. */
static float stem_weight(const fh_query *q, const fh_qform *f)
{
    float w = stem_weight_in(q, f, f->field_mask, false);
    return w != 0.0f ? w : stem_weight_in(q, f, 0, true);
}

bool fh_exact_prepare(const fh_query *q, const fh_rank_params *rp, fh_exact *x)
{
    memset(x->slot, 0xFF, sizeof x->slot);
    x->n = q->n_form;
    x->adjacent = 0;
    x->pair_w = rp->exact_pair_weight;
    bool any = false; /* some form weighs more than 0 */
    for (uint32_t i = 0; i < x->n; i++) {
        const fh_qform *f = &q->form[i];
        x->w[i] = stem_weight(q, f);
        if (i + 1 < x->n && q->form[i + 1].seq == f->seq + 1)
            x->adjacent |= 1ull << i;
        x->first[i] = (uint8_t)i;
        for (uint32_t j = 0; j < i; j++)
            if (q->form[j].form_len == f->form_len &&
                memcmp(q->form[j].form, f->form, f->form_len) == 0) {
                x->first[i] = (uint8_t)j;
                break;
            }
        bool dup = x->first[i] != i;
        x->uni_w[i] = dup ? 0.0f : rp->exact_weight * x->w[i];
        any |= x->w[i] > 0;
        /* chain the forms by their normalized form */
        uint32_t h = fh_fnv1a(f->norm, f->norm_len) & (FH_EXACT_SLOTS - 1u);
        x->next[i] = x->slot[h];
        x->slot[h] = (uint8_t)i;
    }
    x->q = q;
    return any && (rp->exact_weight > 0 || (rp->exact_pair_weight > 0 && x->adjacent != 0));
}

void fh_exact_doc_begin(fh_exact *x)
{
    x->found = x->pairs = x->prev = 0;
    x->allow = UINT64_MAX;
}

void fh_exact_field(fh_exact *x, uint32_t bit)
{
    x->prev = 0;
    x->allow = 0;
    for (uint32_t i = 0; i < x->n; i++) {
        uint32_t m = x->q->form[i].field_mask;
        if (m == x->q->all_fields || (m & bit))
            x->allow |= 1ull << i;
    }
}

void fh_exact_token(fh_exact *x, const fh_analyzer *a, const char *text, const fh_token *t)
{
    uint64_t cur = 0;
    if (t->norm_len > 0) {
        uint32_t h = fh_fnv1a(t->norm, t->norm_len) & (FH_EXACT_SLOTS - 1u);
        char form[FH_TOKEN_MAX + 1];
        size_t fl = SIZE_MAX;
        for (uint8_t i = x->slot[h]; i != FH_EXACT_NONE; i = x->next[i]) {
            const fh_qform *f = &x->q->form[i];
            if (f->norm_len != t->norm_len || memcmp(f->norm, t->norm, t->norm_len) != 0)
                continue;
            if (fl == SIZE_MAX)
                fl = fh_exact_form(a, text + t->offset, t->length, form);
            if (fl == f->form_len && memcmp(form, f->form, fl) == 0)
                cur |= 1ull << i;
        }
    }
    cur &= x->allow;
    x->found |= cur;
    /* form i then form i + 1, typed side by side */
    x->pairs |= x->prev & (cur >> 1) & x->adjacent;
    x->prev = cur;
}

float fh_exact_doc_score(const fh_exact *x)
{
    /* a form found earns its weight for the first form typed the same
       (title:x x, x only in the body: the second x's find). Without fields
       the first is found wherever a later one is. */
    uint64_t found = x->found;
    for (uint32_t i = 0; i < x->n; i++)
        if (x->found & (1ull << i))
            found |= 1ull << x->first[i];
    float s = 0;
    for (uint32_t i = 0; i < x->n; i++) {
        if (found & (1ull << i))
            s += x->uni_w[i];
        if (x->pairs & (1ull << i))
            s += x->pair_w * 0.5f * (x->w[i] + x->w[i + 1]);
    }
    return s;
}
