/* ix_record.c — record parsing for JSON Lines, TSV and text files
 * (see ix_record.h). Owns the per-thread scratch (repaired bytes, unescaped
 * TSV values, the last jansson tree); never analyzes and never stores. */
#include "ix_record.h"
#include "ix_json.h"
#include "fahras/jsondoc.h"
#include "fahras/utf8.h"

#include "fahras/err.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct fh_recparser {
    fh_fieldset fs;
    size_t max_doc;
    fh_buf fix;    /* repaired input bytes */
    fh_buf vals;   /* unescaped TSV values; unescaped JSON strings (fast path) */
    fh_json_fields jf;
    char *dumped;  /* json_dumps output of the last TSV/text record */
    json_t *root;  /* the last parsed/built object */
    char idbuf[32];
    size_t *voff;  /* TSV value offsets into vals */
    size_t *vlen;
    size_t vcap;
};

const char *fh_rec_status_name(fh_rec_status s)
{
    switch (s) {
    case FH_REC_OK:
        return "ok";
    case FH_REC_BLANK:
        return "blank";
    case FH_REC_MALFORMED:
        return "malformed";
    case FH_REC_NOID:
        return "missing or bad id";
    case FH_REC_DUPLICATE:
        return "duplicate id";
    case FH_REC_OVERSIZED:
        return "oversized";
    case FH_REC_UNREADABLE:
        return "unreadable";
    default:
        return "?";
    }
}

int fh_recparser_new(const fh_fieldset *fs, size_t max_doc, fh_recparser **out)
{
    fh_recparser *p = calloc(1, sizeof *p);
    if (!p)
        return FH_ENOMEM;
    p->fs = *fs;
    p->max_doc = max_doc;
    /* repairs at most triple the size (1 byte -> 3) */
    fh_buf_init(&p->fix, max_doc * 3 + 16);
    fh_buf_init(&p->vals, max_doc * 3 + 16);
    *out = p;
    return 0;
}

static void drop(fh_recparser *p)
{
    if (p->root) {
        json_decref(p->root);
        p->root = NULL;
    }
    free(p->dumped);
    p->dumped = NULL;
}

void fh_recparser_free(fh_recparser *p)
{
    if (!p)
        return;
    drop(p);
    fh_buf_free(&p->fix);
    fh_buf_free(&p->vals);
    free(p->voff);
    free(p->vlen);
    free(p);
}

static void rec_init(fh_record *r)
{
    memset(r, 0, sizeof *r);
}

/* Only white space (a tab counts as white space unless it separates TSV
 * columns: a row of empty columns is a record, with an empty id). */
static bool blank(const char *s, size_t n, bool tab_is_space)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && (s[i] != '\t' || !tab_is_space) && s[i] != '\r' && s[i] != '\f' &&
            s[i] != '\v')
            return false;
    return true;
}

/* Drop a UTF-8 byte order mark at the start of s[0, *n). */
static void skip_bom(const char **s, size_t *n)
{
    if (*n >= 3 && memcmp(*s, "\xEF\xBB\xBF", 3) == 0) {
        *s += 3;
        *n -= 3;
    }
}

/* The length of a line (a TSV line, a text file's title) without the CR of
 * a CRLF line end: one CR only,
 * as any CR before it is data (y\r\r\n ends in the value y\r). */
static size_t crlf_end(const char *line, size_t len)
{
    return len && line[len - 1] == '\r' ? len - 1 : len;
}

/* The part of a line (without its newline) that a record is read from: of
 * a TSV line (a row or the header) the line less the CR of a CRLF end and a
 * leading BOM; of a JSON line also less the spaces and tabs around it. */
static void trim_line(const char **line, size_t *len, bool tsv)
{
    if (tsv) {
        *len = crlf_end(*line, *len);
        skip_bom(line, len);
        return;
    }
    while (*len &&
           ((*line)[*len - 1] == '\r' || (*line)[*len - 1] == ' ' || (*line)[*len - 1] == '\t'))
        (*len)--;
    skip_bom(line, len); /* on any line */
    while (*len && ((*line)[0] == ' ' || (*line)[0] == '\t'))
        (*line)++, (*len)--;
}

/* What trim_line() trims from a JSON line's end (any run of these), or,
 * tsv, from a TSV line's (one CR, counted apart in fh_rec_meter_size). */
static bool end_trimmed(char c, bool tsv)
{
    return !tsv && (c == '\r' || c == ' ' || c == '\t');
}

void fh_rec_meter_start(fh_rec_meter *m, const char *s, size_t n, bool tsv)
{
    memset(m, 0, sizeof *m);
    m->tsv = tsv;
    const char *t = s;
    size_t k = n;
    skip_bom(&t, &k);
    m->lead = (uint64_t)(t - s);
    m->n = m->lead;
    m->lead_open = !tsv;
    m->blank = true;
    fh_rec_meter_add(m, t, k);
}

void fh_rec_meter_add(fh_rec_meter *m, const char *s, size_t n)
{
    size_t run = 0;
    while (run < n && end_trimmed(s[n - 1 - run], m->tsv))
        run++;
    m->trail = run == n ? m->trail + run : run;
    size_t k = 0;
    while (m->lead_open && k < n && (s[k] == ' ' || s[k] == '\t'))
        k++;
    m->lead += k;
    m->lead_open = m->lead_open && k == n;
    m->blank = m->blank && blank(s, n, !m->tsv);
    m->n += n;
    if (n)
        m->last = s[n - 1];
}

uint64_t fh_rec_meter_size(const fh_rec_meter *m)
{
    uint64_t cut = m->lead + (m->tsv ? (uint64_t)(m->last == '\r') : m->trail);
    return cut < m->n ? m->n - cut : 0;
}

bool fh_rec_meter_blank(const fh_rec_meter *m)
{
    return m->blank;
}

bool fh_rec_blank(const char *line, size_t len, bool tsv)
{
    trim_line(&line, &len, tsv);
    return blank(line, len, !tsv);
}

/* Repair invalid UTF-8 into p->fix if needed; updates the span (s, n). */
static int repair(fh_recparser *p, const char **s, size_t *n, fh_record *r)
{
    if (fh_utf8_valid(*s, *n))
        return 0;
    fh_buf_reset(&p->fix);
    long k = fh_utf8_repair(*s, *n, &p->fix);
    if (k < 0)
        return (int)k;
    r->repaired = true;
    *s = p->fix.data;
    *n = p->fix.len;
    return 0;
}

void fh_rec_oversized_msg(char *msg, size_t cap, const char *what, size_t n, bool at_least,
                          size_t max)
{
    snprintf(msg, cap, "%s of %s%zu bytes exceeds --max-doc-mb (%zu bytes)", what,
             at_least ? "at least " : "", n, max);
}

/* The cap applies to what is stored too, so that a GET reply of any stored
 * document stays within what the daemon is sized for: repairs (1 byte -> 3)
 * and the JSON escaping of TSV and text records can grow a record past it. */
static bool oversized_stored(const fh_recparser *p, size_t n, fh_record *r)
{
    if (n <= p->max_doc)
        return false;
    fh_rec_oversized_msg(r->msg, sizeof r->msg, "stored document", n, false, p->max_doc);
    size_t at = strlen(r->msg);
    snprintf(r->msg + at, sizeof r->msg - at, " after UTF-8 repair and JSON escaping");
    r->status = FH_REC_OVERSIZED;
    return true;
}

/* What every record goes through once its line ends are trimmed: a blank
 * line is no record, one over max_doc is skipped (`what` names it in the
 * message), invalid UTF-8 is repaired. Returns 1 to go on parsing, 0 when
 * r->status already says what became of the line, or a negative FH_E*. */
static int admit(fh_recparser *p, const char **line, size_t *len, fh_record *r, const char *what,
                 bool tsv)
{
    if (blank(*line, *len, !tsv)) {
        r->status = FH_REC_BLANK;
        return 0;
    }
    if (*len > p->max_doc) {
        fh_rec_oversized_msg(r->msg, sizeof r->msg, what, *len, false, p->max_doc);
        r->status = FH_REC_OVERSIZED;
        return 0;
    }
    int rc = repair(p, line, len, r);
    if (rc)
        return rc;
    return oversized_stored(p, *len, r) ? 0 : 1;
}

/* The rules every id follows, whatever the input format: not empty, at most
 * FH_ID_MAX bytes, and nameable by `GET <id>` on one protocol line, which
 * trims spaces and tabs around its argument: no control character (NUL, tab,
 * line breaks, DEL...) and no space at either end. Sets r->status and
 * r->msg and returns -1 when the id breaks one. */
static int check_id(fh_record *r)
{
    const unsigned char *id = (const unsigned char *)r->id;
    size_t n = r->id_len;
    const char *why = NULL;
    if (n > FH_ID_MAX) {
        snprintf(r->msg, sizeof r->msg, "the id is longer than %d bytes", FH_ID_MAX);
        r->status = FH_REC_NOID;
        return -1;
    }
    if (n == 0)
        why = "is empty";
    else if (id[0] == ' ' || id[n - 1] == ' ')
        why = "begins or ends with a space (GET could not name it)";
    for (size_t i = 0; !why && i < n; i++)
        if (id[i] < 0x20 || id[i] == 0x7f)
            why = "contains a control character such as NUL, tab or a line break (GET could not "
                  "name it)";
    if (!why)
        return 0;
    snprintf(r->msg, sizeof r->msg, "the id %s", why);
    r->status = FH_REC_NOID;
    return -1;
}

static int set_id_from_json(fh_recparser *p, json_t *id, const char *line, size_t len, fh_record *r)
{
    if (!id) {
        snprintf(r->msg, sizeof r->msg, "no \"id\" field");
        r->status = FH_REC_NOID;
        return 0;
    }
    int k;
    if (json_is_string(id)) {
        r->id = json_string_value(id);
        r->id_len = json_string_length(id);
    } else if ((k = fh_json_number_id(id, line, len, &p->vals, p->idbuf, sizeof p->idbuf)) >= 0) {
        /* a number, judged from its text in the line: a double cannot tell
           1.0000000000000001 from 1, nor 1e-400 from 0 */
        r->id = p->idbuf;
        r->id_len = (size_t)k;
    } else {
        snprintf(r->msg, sizeof r->msg,
                 json_is_number(id) ? "\"id\" must be a string or an integer (a real is one only "
                                      "when integral and below 2^53, and so is an integer id of a "
                                      "line holding an integer beyond 64 bits)"
                                    : "\"id\" must be a string or an integer");
        r->status = FH_REC_NOID;
        return 0;
    }
    check_id(r);
    return 0;
}

int fh_rec_jsonl(fh_recparser *p, const char *line, size_t len, fh_record *r)
{
    rec_init(r);
    drop(p);
    trim_line(&line, &len, false);
    int rc = admit(p, &line, &len, r, "document", false);
    if (rc <= 0)
        return rc;
    if (fh_json_fast(line, len, &p->fs, &p->vals, &p->jf) == 1) {
        r->id = p->jf.id;
        r->id_len = p->jf.id_len;
        check_id(r);
        if (r->status != FH_REC_OK)
            return 0;
        for (unsigned f = 0; f < p->fs.n; f++) {
            r->text[f] = p->jf.text[f];
            r->text_len[f] = p->jf.text_len[f];
        }
        r->nonstr = p->jf.nonstr;
        r->doc = line;
        r->doc_len = len;
        return 0;
    }
    json_error_t err;
    p->root = fh_json_load_doc(line, len, &err);
    if (!p->root) {
        /* a lone surrogate escape (\ud800): repaired like invalid UTF-8, in
           p->fix (where the line already is after a UTF-8 repair) */
        if (line != p->fix.data) {
            fh_buf_reset(&p->fix);
            if (fh_buf_add(&p->fix, line, len) != 0)
                return FH_ENOMEM;
            line = p->fix.data;
        }
        if (fh_json_fix_lone_surrogates(p->fix.data, len) > 0 &&
            (p->root = fh_json_load_doc(line, len, &err)) != NULL)
            r->surrogates = true;
    }
    if (!p->root) {
        char near[sizeof r->msg - 40]; /* with the rest of the message, fits r->msg */
        fh_report_text(near, sizeof near, err.text, strlen(err.text));
        snprintf(r->msg, sizeof r->msg, "malformed JSON: %s (column %d)", near, err.column);
        r->status = FH_REC_MALFORMED;
        return 0;
    }
    if (!json_is_object(p->root)) {
        snprintf(r->msg, sizeof r->msg, "malformed: the line is not a JSON object");
        r->status = FH_REC_MALFORMED;
        return 0;
    }
    set_id_from_json(p, json_object_get(p->root, "id"), line, len, r);
    if (r->status != FH_REC_OK)
        return 0;
    for (unsigned f = 0; f < p->fs.n; f++) {
        json_t *v = json_object_get(p->root, p->fs.names[f]);
        if (strcmp(p->fs.names[f], "id") == 0) { /* an integer id as its decimal text */
            r->text[f] = r->id;
            r->text_len[f] = r->id_len;
        } else if (json_is_string(v)) {
            r->text[f] = json_string_value(v);
            r->text_len[f] = json_string_length(v);
        } else if (v && !json_is_null(v)) {
            r->nonstr |= 1u << f;
        }
    }
    r->doc = line;
    r->doc_len = len;
    return 0;
}

/* -------------------------------------------------------------- TSV */

static size_t split_tabs(const char *s, size_t n, size_t *off, size_t *lens, size_t max)
{
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '\t') {
            if (k < max) {
                off[k] = start;
                lens[k] = i - start;
            }
            k++;
            start = i + 1;
        }
    }
    return k;
}

int fh_tsv_header_parse(const char *line, size_t len, const fh_fieldset *fs,
                        fh_tsv_header **out, char *msg, size_t msg_cap)
{
    trim_line(&line, &len, true);
    size_t n = split_tabs(line, len, NULL, NULL, 0);
    fh_tsv_header *h = calloc(1, sizeof *h);
    size_t *off = malloc(n * sizeof *off), *lens = malloc(n * sizeof *lens);
    int rc = 0;
    if (!h || !off || !lens || !(h->names = calloc(n, sizeof *h->names))) {
        rc = FH_ENOMEM;
        goto out;
    }
    split_tabs(line, len, off, lens, n);
    h->ncols = n;
    h->id_col = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        /* a NUL would end the name early (strcmp) */
        if (memchr(line + off[i], '\0', lens[i])) {
            snprintf(msg, msg_cap, "TSV header column %zu contains a NUL byte", i + 1);
            rc = FH_EINPUT;
            goto out;
        }
        /* not strndup: the line is not NUL-terminated (a slice of the read
           buffer), and ASan's strict_string_checks reads strndup's source
           up to a NUL */
        h->names[i] = malloc(lens[i] + 1);
        if (!h->names[i]) {
            rc = FH_ENOMEM;
            goto out;
        }
        memcpy(h->names[i], line + off[i], lens[i]);
        h->names[i][lens[i]] = '\0';
        if (!fh_utf8_valid(h->names[i], lens[i]) || lens[i] == 0) {
            snprintf(msg, msg_cap, "TSV header column %zu is empty or not UTF-8", i + 1);
            rc = FH_EINPUT;
            goto out;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(h->names[j], h->names[i]) == 0) {
                char name[100];
                snprintf(msg, msg_cap, "TSV header repeats the column \"%s\"",
                         fh_report_text(name, sizeof name, h->names[i], lens[i]));
                rc = FH_EINPUT;
                goto out;
            }
        if (strcmp(h->names[i], "id") == 0)
            h->id_col = i;
    }
    if (h->id_col == SIZE_MAX) {
        snprintf(msg, msg_cap, "TSV header has no \"id\" column");
        rc = FH_EINPUT;
        goto out;
    }
    for (unsigned f = 0; f < fs->n; f++) {
        h->field_col[f] = -1;
        for (size_t i = 0; i < n; i++)
            if (strcmp(h->names[i], fs->names[f]) == 0)
                h->field_col[f] = (long)i;
    }
out:
    free(off);
    free(lens);
    if (rc) {
        fh_tsv_header_free(h);
        return rc;
    }
    *out = h;
    return 0;
}

void fh_tsv_header_free(fh_tsv_header *h)
{
    if (!h)
        return;
    for (size_t i = 0; h->names && i < h->ncols; i++)
        free(h->names[i]);
    free(h->names);
    free(h);
}

static int unescape_into(fh_buf *b, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 == n)
            continue;
        char c = s[i + 1], o;
        switch (c) {
        case 't':
            o = '\t';
            break;
        case 'n':
            o = '\n';
            break;
        case 'r':
            o = '\r';
            break;
        case '\\':
            o = '\\';
            break;
        default:
            continue;
        }
        int rc = fh_buf_add(b, s + run, i - run);
        if (rc || (rc = fh_buf_addc(b, o)) != 0)
            return rc;
        i++;
        run = i + 1;
    }
    return fh_buf_add(b, s + run, n - run);
}

static int dump_root(fh_recparser *p, fh_record *r)
{
    p->dumped = json_dumps(p->root, JSON_COMPACT);
    if (!p->dumped)
        return FH_ENOMEM;
    r->doc = p->dumped;
    r->doc_len = strlen(p->dumped);
    oversized_stored(p, r->doc_len, r);
    return 0;
}

int fh_rec_tsv(fh_recparser *p, const fh_tsv_header *h, const char *line, size_t len,
               fh_record *r)
{
    rec_init(r);
    drop(p);
    trim_line(&line, &len, true); /* a BOM as on a JSON line */
    int rc = admit(p, &line, &len, r, "row", true);
    if (rc <= 0)
        return rc;
    if (p->vcap < h->ncols) {
        size_t *a = realloc(p->voff, h->ncols * sizeof *a);
        if (!a)
            return FH_ENOMEM;
        p->voff = a;
        size_t *b = realloc(p->vlen, h->ncols * sizeof *b);
        if (!b)
            return FH_ENOMEM;
        p->vlen = b;
        p->vcap = h->ncols;
    }
    size_t n = split_tabs(line, len, p->voff, p->vlen, h->ncols);
    if (n != h->ncols) {
        snprintf(r->msg, sizeof r->msg, "malformed TSV row: %zu column%s, the header has %zu", n,
                 fh_plural(n), h->ncols);
        r->status = FH_REC_MALFORMED;
        return 0;
    }
    fh_buf_reset(&p->vals);
    for (size_t i = 0; i < n; i++) {
        size_t start = p->vals.len;
        if ((rc = unescape_into(&p->vals, line + p->voff[i], p->vlen[i])) != 0)
            return rc;
        p->voff[i] = start;
        p->vlen[i] = p->vals.len - start;
    }
    if (p->vals.len == 0 && (rc = fh_buf_addc(&p->vals, '\0')) != 0)
        return rc; /* make vals.data non-NULL */
    const char *v = p->vals.data;
    r->id = v + p->voff[h->id_col];
    r->id_len = p->vlen[h->id_col];
    if (check_id(r) != 0)
        return 0;
    p->root = json_object();
    if (!p->root)
        return FH_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_stringn_nocheck(v + p->voff[i], p->vlen[i]);
        if (!s || json_object_set_new_nocheck(p->root, h->names[i], s))
            return FH_ENOMEM;
    }
    for (unsigned f = 0; f < p->fs.n; f++) {
        if (h->field_col[f] >= 0) {
            r->text[f] = v + p->voff[h->field_col[f]];
            r->text_len[f] = p->vlen[h->field_col[f]];
        }
    }
    return dump_root(p, r);
}

/* ------------------------------------------------------------ text files */

int fh_rec_txt(fh_recparser *p, const char *name, const char *data, size_t len, fh_record *r)
{
    rec_init(r);
    drop(p);
    size_t nl = strlen(name);
    if (nl > 4 && strcasecmp(name + nl - 4, ".txt") == 0)
        nl -= 4;
    if (len > p->max_doc) {
        fh_rec_oversized_msg(r->msg, sizeof r->msg, "file", len, false, p->max_doc);
        r->status = FH_REC_OVERSIZED;
        return 0;
    }
    r->id = name;
    r->id_len = nl;
    if (!fh_utf8_valid(name, nl)) {
        snprintf(r->msg, sizeof r->msg, "file name is not UTF-8, so not an id");
        r->status = FH_REC_NOID;
        return 0;
    }
    if (check_id(r) != 0)
        return 0;
    int rc = repair(p, &data, &len, r);
    if (rc)
        return rc;
    skip_bom(&data, &len);
    const char *eol = memchr(data, '\n', len);
    size_t tlen = eol ? (size_t)(eol - data) : len;
    const char *text = eol ? eol + 1 : data + len;
    size_t xlen = eol ? len - tlen - 1 : 0;
    size_t tl = crlf_end(data, tlen);
    p->root = json_object();
    json_t *jid = json_stringn_nocheck(name, nl);
    json_t *jt = json_stringn_nocheck(data, tl);
    json_t *jx = json_stringn_nocheck(text, xlen);
    if (!p->root || !jid || !jt || !jx || json_object_set_new_nocheck(p->root, "id", jid) ||
        json_object_set_new_nocheck(p->root, "title", jt) ||
        json_object_set_new_nocheck(p->root, "text", jx))
        return FH_ENOMEM;
    r->id = name;
    r->id_len = nl;
    for (unsigned f = 0; f < p->fs.n; f++) {
        if (strcmp(p->fs.names[f], "id") == 0) {
            r->text[f] = name;
            r->text_len[f] = nl;
        } else if (strcmp(p->fs.names[f], "title") == 0) {
            r->text[f] = data;
            r->text_len[f] = tl;
        } else if (strcmp(p->fs.names[f], "text") == 0) {
            r->text[f] = text;
            r->text_len[f] = xlen;
        }
    }
    return dump_root(p, r);
}
