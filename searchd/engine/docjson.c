/* docjson.c — a strict, allocation-free reader of the stored document's
 * top-level string values, so a hit's title and body do not go through a
 * full jansson parse (jansson builds a hash table and copies every value:
 * 13% of a two-word query's CPU with snippets).
 *
 * It must never disagree with jansson, which stays the reference: it accepts
 * only a subset of what json_loadb(..., 0) accepts — a top-level object,
 * valid UTF-8 (checked inside strings; elsewhere only ASCII parses), no raw
 * control characters in strings, valid escapes whose \u code points are not
 * NUL and pair their surrogates, keys without escapes, plain numbers of at
 * most 15 characters without an exponent, nesting of at most 64 — and
 * returns "use jansson" for anything else. Among duplicate keys the last one
 * wins, as in jansson.
 *
 * fh_doc_texts() (at the end) reads a stored document's body and title
 * through it, with jansson as the fallback: the text that feedback and focus
 * analyze again. The fallbacks (here and in engine.c's emit_hit) read the
 * document as the indexer did (fh_json_load_doc): a stored string may hold
 * \u0000 and an integer may pass 64 bits, both left to jansson by the strict
 * reader.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "fahras/jsondoc.h"

#define DJ_MAX_DEPTH 64
#define DJ_MAX_NUM 15

typedef struct dj {
    const char *p, *end;
    fh_buf *out;
} dj;

static void ws(dj *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int hex4(const char *p, uint32_t *v)
{
    uint32_t x = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        x <<= 4;
        if (c >= '0' && c <= '9')
            x |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            x |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            x |= (uint32_t)(c - 'A' + 10);
        else
            return -1;
    }
    *v = x;
    return 0;
}

/* A string at j->p (the opening quote). On success (*s, *n) is the raw content
 * (between the quotes) and *esc tells whether it holds escapes. decode: when
 * it does, append the decoded value to j->out and set *off to where it
 * starts. Returns 0, or -1 for "not for the fast path". */
static int str(dj *j, const char **s, size_t *n, bool *has_esc, bool decode, size_t *off)
{
    const char *p = j->p + 1;
    *has_esc = false;
    *s = p;
    while (p < j->end && *p != '"') {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20)
            return -1;
        if (c >= 0x80) {
            /* jansson's UTF-8 rules are fh_utf8_seq_len's; bytes >= 0x80
             * outside strings fail the grammar anyway, so validating the
             * strings validates the document. Two-byte forms (Arabic) inline. */
            size_t k =
                c - 0xC2u < 0x1Eu && j->end - p >= 2 && ((unsigned char)p[1] & 0xC0u) == 0x80u
                    ? 2
                    : fh_utf8_seq_len((const unsigned char *)p, (size_t)(j->end - p));
            if (k == 0)
                return -1;
            p += k;
            continue;
        }
        if (c == '\\') {
            *has_esc = true;
            if (p + 1 >= j->end)
                return -1;
            if (p[1] == 'u') {
                uint32_t v, w;
                if (p + 6 > j->end || hex4(p + 2, &v) != 0 || v == 0)
                    return -1;
                p += 6;
                if (v >= 0xDC00 && v <= 0xDFFF)
                    return -1;
                if (v >= 0xD800 && v <= 0xDBFF) {
                    if (p + 6 > j->end || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &w) != 0 ||
                        w < 0xDC00 || w > 0xDFFF)
                        return -1;
                    p += 6;
                }
                continue;
            }
            if (!strchr("\"\\/bfnrt", p[1]) || p[1] == '\0')
                return -1;
            p += 2;
            continue;
        }
        p++;
    }
    if (p >= j->end)
        return -1;
    *n = (size_t)(p - *s);
    j->p = p + 1;
    if (!*has_esc || !decode)
        return 0;
    *off = j->out->len;
    const char *q = *s, *e = p;
    while (q < e) {
        const char *bs = memchr(q, '\\', (size_t)(e - q));
        size_t run = bs ? (size_t)(bs - q) : (size_t)(e - q);
        if (run && fh_buf_add(j->out, q, run) != 0)
            return -1;
        if (!bs)
            break;
        q = bs;
        char c = q[1];
        int rc = 0;
        if (c == 'u') {
            uint32_t v = 0, w = 0;
            (void)hex4(q + 2, &v);
            q += 6;
            if (v >= 0xD800 && v <= 0xDBFF) {
                (void)hex4(q + 2, &w);
                q += 6;
                v = 0x10000 + ((v - 0xD800) << 10) + (w - 0xDC00);
            }
            char u[4];
            rc = fh_buf_add(j->out, u, fh_utf8_encode(v, u));
        } else {
            char d = c == 'b'   ? '\b'
                     : c == 'f' ? '\f'
                     : c == 'n' ? '\n'
                     : c == 'r' ? '\r'
                     : c == 't' ? '\t'
                                : c;
            rc = fh_buf_addc(j->out, d);
            q += 2;
        }
        if (rc)
            return -1;
    }
    return 0;
}

static int value(dj *j, int depth);

static int skip_number(dj *j)
{
    const char *p = j->p, *s = p;
    if (p < j->end && *p == '-')
        p++;
    if (p >= j->end || *p < '0' || *p > '9')
        return -1;
    if (*p == '0')
        p++;
    else
        while (p < j->end && *p >= '0' && *p <= '9')
            p++;
    if (p < j->end && *p == '.') {
        p++;
        if (p >= j->end || *p < '0' || *p > '9')
            return -1;
        while (p < j->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < j->end && (*p == 'e' || *p == 'E'))
        return -1; /* exponents can overflow in jansson: leave them to it */
    if (p - s > DJ_MAX_NUM)
        return -1;
    j->p = p;
    return 0;
}

static int lit(dj *j, const char *w, size_t n)
{
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
        return -1;
    j->p += n;
    return 0;
}

/* Skip any value (nested ones included). */
static int value(dj *j, int depth)
{
    const char *s;
    size_t n, off;
    bool e;
    if (depth > DJ_MAX_DEPTH || j->p >= j->end)
        return -1;
    switch (*j->p) {
    case '"':
        return str(j, &s, &n, &e, false, &off);
    case '{':
    case '[': {
        char close = *j->p == '{' ? '}' : ']';
        bool obj = close == '}';
        j->p++;
        ws(j);
        if (j->p < j->end && *j->p == close) {
            j->p++;
            return 0;
        }
        for (;;) {
            if (obj) {
                if (j->p >= j->end || *j->p != '"' || str(j, &s, &n, &e, false, &off) != 0)
                    return -1;
                ws(j);
                if (j->p >= j->end || *j->p != ':')
                    return -1;
                j->p++;
                ws(j);
            }
            if (value(j, depth + 1) != 0)
                return -1;
            ws(j);
            if (j->p >= j->end)
                return -1;
            if (*j->p == ',') {
                j->p++;
                ws(j);
                continue;
            }
            if (*j->p != close)
                return -1;
            j->p++;
            return 0;
        }
    }
    case 't':
        return lit(j, "true", 4);
    case 'f':
        return lit(j, "false", 5);
    case 'n':
        return lit(j, "null", 4);
    default:
        return skip_number(j);
    }
}

int fh_docjson_strings(const char *doc, size_t len, const char *const *keys, size_t nkeys,
                       fh_jstr *vals, fh_buf *scratch)
{
    dj j = {doc, doc + len, scratch};
    size_t offs[FH_DOCJSON_MAX_KEYS];
    bool inbuf[FH_DOCJSON_MAX_KEYS];
    if (nkeys > FH_DOCJSON_MAX_KEYS || !doc)
        return 0;
    fh_buf_reset(scratch);
    for (size_t k = 0; k < nkeys; k++) {
        vals[k] = (fh_jstr){NULL, 0, false};
        inbuf[k] = false;
    }
    ws(&j);
    if (j.p >= j.end || *j.p != '{')
        return 0;
    j.p++;
    ws(&j);
    if (j.p < j.end && *j.p == '}') {
        j.p++;
    } else {
        for (;;) {
            const char *ks, *vs;
            size_t kn, vn, off = 0;
            bool ke, ve;
            if (j.p >= j.end || *j.p != '"' || str(&j, &ks, &kn, &ke, false, &off) != 0 || ke)
                return 0;
            ws(&j);
            if (j.p >= j.end || *j.p != ':')
                return 0;
            j.p++;
            ws(&j);
            size_t k = 0;
            while (k < nkeys && !(strlen(keys[k]) == kn && memcmp(keys[k], ks, kn) == 0))
                k++;
            if (k < nkeys && j.p < j.end && *j.p == '"') {
                if (str(&j, &vs, &vn, &ve, true, &off) != 0)
                    return 0;
                vals[k].found = true;
                inbuf[k] = ve;
                if (ve) {
                    offs[k] = off;
                    vals[k].len = scratch->len - off;
                } else {
                    vals[k].p = vs;
                    vals[k].len = vn;
                }
            } else {
                if (k < nkeys) {
                    vals[k].found = false; /* the last one wins: not a string */
                    inbuf[k] = false;
                }
                if (value(&j, 1) != 0)
                    return 0;
            }
            ws(&j);
            if (j.p >= j.end)
                return 0;
            if (*j.p == ',') {
                j.p++;
                ws(&j);
                continue;
            }
            if (*j.p != '}')
                return 0;
            j.p++;
            break;
        }
    }
    ws(&j);
    if (j.p != j.end)
        return 0; /* trailing bytes: jansson refuses them */
    for (size_t k = 0; k < nkeys; k++) {
        if (!vals[k].found) {
            vals[k].p = NULL;
            vals[k].len = 0;
        } else if (inbuf[k]) {
            vals[k].p = scratch->data + offs[k];
        }
    }
    return 1;
}

/* The end of the string that starts at p ('"'), past its closing quote;
 * NULL if it has none before end (never in a document the indexer stored). */
static const char *raw_str_end(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

static bool raw_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The end of the value that starts at p, in a document known to be valid. */
static const char *raw_value_end(const char *p, const char *end)
{
    if (p >= end)
        return end;
    if (*p == '"') {
        const char *q = raw_str_end(p, end);
        return q ? q : end;
    }
    if (*p != '{' && *p != '[') {
        while (p < end && !raw_ws(*p) && *p != ',' && *p != '}' && *p != ']')
            p++;
        return p;
    }
    size_t depth = 0;
    while (p < end) {
        char c = *p;
        if (c == '"') {
            p = raw_str_end(p, end);
            if (!p)
                return end;
            continue;
        }
        p++;
        if (c == '{' || c == '[')
            depth++;
        else if ((c == '}' || c == ']') && --depth == 0)
            return p;
    }
    return end;
}

/* Append [vs, ve), a JSON value, without the white space outside its strings. */
static int copy_compact(const char *vs, const char *ve, fh_buf *out)
{
    while (vs < ve && raw_ws(*vs))
        vs++;
    while (vs < ve) {
        const char *q = vs;
        if (*vs == '"') {
            q = raw_str_end(vs, ve);
            if (!q)
                q = ve;
        } else
            while (q < ve && !raw_ws(*q) && *q != '"')
                q++;
        int rc = fh_buf_add_json_raw(out, vs, (size_t)(q - vs));
        if (rc)
            return rc;
        vs = q;
        while (vs < ve && raw_ws(*vs))
            vs++;
    }
    return 0;
}

/* A top-level member of a stored document: its key (the bytes between the
 * quotes, escapes as stored) and its value [vs, ve). */
typedef struct raw_member {
    const char *ks, *vs, *ve;
    size_t kl;
    char *dec;  /* the key decoded, when it has escapes (malloc'd), else NULL */
    size_t dl;  /* its length (kl when not escaped) */
    size_t ord; /* place in the document */
} raw_member;

/* Where the members of the object doc[0, len) start (past its '{'), NULL
 * when it is not an object. */
static const char *raw_members(const char *doc, size_t len)
{
    const char *p = doc, *end = doc + len;
    while (p < end && raw_ws(*p))
        p++;
    return p < end && *p == '{' ? p + 1 : NULL;
}

/* The member that starts at or after *p (past separators) into r's ks, kl,
 * vs, ve, and *p past it: 1; 0 at the object's end; -1 at a key without
 * its closing quote (never in a stored document). */
static int raw_member_next(const char **p, const char *end, raw_member *r)
{
    const char *q = *p;
    while (q < end && (raw_ws(*q) || *q == ','))
        q++;
    if (q >= end || *q != '"')
        return 0; /* '}' */
    const char *ke = raw_str_end(q, end);
    if (!ke)
        return -1;
    r->ks = q + 1;
    r->kl = (size_t)(ke - 1 - r->ks);
    q = ke;
    while (q < end && (raw_ws(*q) || *q == ':'))
        q++;
    r->vs = q;
    r->ve = *p = raw_value_end(q, end);
    return 1;
}

/* Member r's key decoded into r->dec (malloc'd; r->dl its length) when it
 * has escapes ("k\u0065y"), by jansson; else r->dec stays NULL, r->dl = r->kl.
 * A decoding that fails leaves the key as stored. */
static void raw_key_decode(raw_member *r)
{
    r->dec = NULL;
    r->dl = r->kl;
    if (!memchr(r->ks, '\\', r->kl))
        return;
    json_t *k = json_loadb(r->ks - 1, r->kl + 2, JSON_DECODE_ANY, NULL);
    if (json_is_string(k) && (r->dec = malloc(json_string_length(k) + 1)) != NULL) {
        r->dl = json_string_length(k);
        memcpy(r->dec, json_string_value(k), r->dl + 1);
    }
    json_decref(k);
}

static const char *member_key(const raw_member *m)
{
    return m->dec ? m->dec : m->ks;
}

int fh_docjson_copy_raw(const char *doc, size_t len, const char *key, size_t klen, fh_buf *out)
{
    const char *p = raw_members(doc, len), *end = doc + len, *vs = NULL, *ve = NULL;
    raw_member r;
    int more;
    while (p && (more = raw_member_next(&p, end, &r)) != 0) {
        if (more < 0)
            return 0; /* unterminated: never in a stored document */
        raw_key_decode(&r);
        if (r.dl == klen && memcmp(member_key(&r), key, klen) == 0) {
            vs = r.vs;
            ve = r.ve;
        }
        free(r.dec);
    }
    if (vs == NULL)
        return 0;
    int rc = copy_compact(vs, ve, out);
    return rc ? rc : 1;
}

/* Byte order of the decoded keys. */
static int member_key_cmp(const raw_member *x, const raw_member *y)
{
    int d = memcmp(member_key(x), member_key(y), x->dl < y->dl ? x->dl : y->dl);
    return d ? d : (x->dl > y->dl) - (x->dl < y->dl);
}

/* By decoded key, then by place: a key's last occurrence ends its run. */
static int member_cmp(const void *a, const void *b)
{
    const raw_member *x = a, *y = b;
    int d = member_key_cmp(x, y);
    return d ? d : (x->ord > y->ord) - (x->ord < y->ord);
}

static int member_ord_cmp(const void *a, const void *b)
{
    const raw_member *x = a, *y = b;
    return (x->ord > y->ord) - (x->ord < y->ord);
}

int fh_docjson_copy_doc(const char *doc, size_t len, fh_buf *out)
{
    const char *p = raw_members(doc, len), *end = doc + len;
    if (!p)
        return copy_compact(doc, end, out); /* never stored: the indexer keeps objects */
    raw_member *m = NULL, r;
    size_t n = 0, cap = 0;
    int rc = 0;
    while (raw_member_next(&p, end, &r) > 0) { /* (< 0: never in a stored document) */
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            raw_member *nm = realloc(m, nc * sizeof *nm);
            if (!nm) {
                for (size_t i = 0; i < n; i++)
                    free(m[i].dec);
                free(m);
                return FH_ENOMEM;
            }
            m = nm;
            cap = nc;
        }
        raw_key_decode(&r);
        r.ord = n;
        m[n++] = r;
    }
    /* each key once, its last value (as jansson, hence SEARCH, reads it), in
       the order of those last occurrences */
    if (n > 1)
        qsort(m, n, sizeof *m, member_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && member_key_cmp(&m[i], &m[i + 1]) == 0) {
            free(m[i].dec);
            continue;
        }
        m[k++] = m[i];
    }
    if (k > 1)
        qsort(m, k, sizeof *m, member_ord_cmp);
    n = k;
    rc = fh_buf_addc(out, '{');
    for (size_t i = 0; i < n && !rc; i++) {
        if ((i && (rc = fh_buf_addc(out, ',')) != 0) || (rc = fh_buf_addc(out, '"')) != 0 ||
            (rc = fh_buf_add_json_raw(out, m[i].ks, m[i].kl)) != 0 ||
            (rc = fh_buf_adds(out, "\":")) != 0)
            break;
        rc = copy_compact(m[i].vs, m[i].ve, out);
    }
    if (!rc)
        rc = fh_buf_addc(out, '}');
    for (size_t i = 0; i < n; i++)
        free(m[i].dec);
    free(m);
    return rc;
}

int fh_doc_texts(fh_searcher *s, uint32_t doc, const char **title, size_t *tlen,
                 const char **body, size_t *blen)
{
    const fh_engine *e = s->e;
    bool want_title = title && e->title_field >= 0;
    *body = "";
    *blen = 0;
    if (title) {
        *title = "";
        *tlen = 0;
    }
    fh_buf_reset(&s->doc);
    int rc = fh_doc_get(s->rd, doc, &s->doc);
    if (rc)
        return rc;
    const char *bname = fh_engine_body_name(e);
    const char *keys[3] = {bname, "text", "title"};
    fh_jstr v[3];
    if (fh_docjson_strings(s->doc.data, s->doc.len, keys, want_title ? 3 : 2, v, &s->jstr) == 1) {
        const fh_jstr *b = v[0].found ? &v[0] : &v[1];
        if (b->found && b->p) {
            *body = b->p;
            *blen = b->len;
        }
        if (want_title && v[2].found && v[2].p) {
            *title = v[2].p;
            *tlen = v[2].len;
        }
        return 0;
    }
    json_t *j = fh_json_load_doc(s->doc.data, s->doc.len, NULL);
    json_t *b = json_is_object(j) ? json_object_get(j, bname) : NULL;
    json_t *t = want_title && json_is_object(j) ? json_object_get(j, "title") : NULL;
    if (!json_is_string(b) && json_is_object(j))
        b = json_object_get(j, "text");
    fh_buf_reset(&s->body); /* the body, then the title: pointers taken once both are in */
    size_t bl = json_is_string(b) ? json_string_length(b) : 0;
    size_t tl = json_is_string(t) ? json_string_length(t) : 0;
    if (bl)
        rc = fh_buf_add(&s->body, json_string_value(b), bl);
    if (!rc && tl)
        rc = fh_buf_add(&s->body, json_string_value(t), tl);
    if (!rc && s->body.data) {
        *body = s->body.data;
        *blen = bl;
        if (want_title) {
            *title = s->body.data + bl;
            *tlen = tl;
        }
    }
    json_decref(j);
    return rc;
}
