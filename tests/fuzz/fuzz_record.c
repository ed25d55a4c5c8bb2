/* fuzz_record.c — the indexer's record parsers (indexer/ix_record.c,
 * ix_json.c) on arbitrary input: JSON lines, a TSV header and rows, a text
 * file, or one line measured in pieces, as the first byte picks; the second
 * picks the analyzed fields and the --max-doc-mb cap (a small one reaches
 * the oversized paths).
 *
 * - JSON Lines, valid UTF-8: whatever fh_json_fast takes, jansson (the
 *   indexer's rule, fh_json_load_doc) takes as an object with the same id and
 *   the same field strings, and the same fields present but not strings.
 * - A line too long to hold, measured in pieces (fh_rec_meter): the size and
 *   the blankness the parser finds in it whole.
 * - Every parser: a record is either taken — its id 1..FH_ID_MAX bytes of
 *   UTF-8 with no control character and no space at either end, its stored
 *   document a JSON object whose string fields are the record's analyzed
 *   texts byte for byte (and whose id is the record's), every text valid
 *   UTF-8 — or skipped with a one-line UTF-8 reason; never FH_ENOMEM here. */
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fahras/buf.h"
#include "fahras/err.h"
#include "fahras/jsondoc.h"
#include "fuzz_util.h"
#include "ix_json.h"
#include "ix_record.h"

static const fh_fieldset FIELDSETS[] = {
    {2, {"title", "text"}},
    {1, {"text"}},
    {3, {"title", "text", "id"}},
    {2, {"body", "title"}},
};
#define N_FIELDSETS (sizeof FIELDSETS / sizeof FIELDSETS[0])

/* fh_json_fast against jansson, as tests/indexer/test_ix_units.c has it. */
static void fast_same_as_jansson(const char *line, size_t len, const fh_fieldset *fs)
{
    if (!fz_utf8_ok(line, len))
        return; /* its precondition: the parser repairs a line first */
    fh_buf esc, keys;
    fh_buf_init(&esc, (size_t)1 << 24);
    fh_buf_init(&keys, (size_t)1 << 24);
    fh_json_fields jf;
    int ok = fh_json_fast(line, len, fs, &esc, &jf);
    FZ_CHECK(ok == 0 || ok == 1);
    if (ok == 1) {
        json_t *j = fh_json_load_doc(line, len, NULL);
        FZ_CHECK(json_is_object(j));
        json_t *id = json_object_get(j, "id");
        if (json_is_string(id)) {
            FZ_CHECK(json_string_length(id) == jf.id_len);
            FZ_CHECK(memcmp(json_string_value(id), jf.id, jf.id_len) == 0);
        } else {
            char tmp[32];
            int k = fh_json_number_id(id, line, len, &keys, tmp, sizeof tmp);
            FZ_CHECK(k >= 0 && (size_t)k == jf.id_len && memcmp(tmp, jf.id, jf.id_len) == 0);
        }
        for (unsigned f = 0; f < fs->n; f++) {
            json_t *v = json_object_get(j, fs->names[f]);
            if (strcmp(fs->names[f], "id") == 0) {
                /* the id as stored: its text, or an integer's decimal text */
                FZ_CHECK(jf.text[f] != NULL && jf.text_len[f] == jf.id_len &&
                         memcmp(jf.text[f], jf.id, jf.id_len) == 0);
                continue;
            }
            if (json_is_string(v)) {
                FZ_CHECK(jf.text[f] != NULL && jf.text_len[f] == json_string_length(v));
                FZ_CHECK(memcmp(jf.text[f], json_string_value(v), jf.text_len[f]) == 0);
            } else {
                FZ_CHECK(jf.text[f] == NULL);
            }
            FZ_CHECK(!!(jf.nonstr & (1u << f)) == (v && !json_is_string(v) && !json_is_null(v)));
        }
        json_decref(j);
    }
    fh_buf_free(&keys);
    fh_buf_free(&esc);
}

/* A record as the committer receives it: taken whole and consistent, or
 * skipped with a reason fit for a one-line report. */
static void check_record(int rc, const fh_record *r, const fh_fieldset *fs)
{
    FZ_CHECK(rc == 0);
    if (r->status == FH_REC_BLANK)
        return;
    if (r->status != FH_REC_OK) {
        size_t n = strlen(r->msg);
        FZ_CHECK(n > 0 && fz_utf8_ok(r->msg, n));
        for (size_t i = 0; i < n; i++)
            FZ_CHECK((unsigned char)r->msg[i] >= 0x20 && r->msg[i] != 0x7f);
        return;
    }
    const unsigned char *id = (const unsigned char *)r->id;
    FZ_CHECK(r->id_len >= 1 && r->id_len <= FH_ID_MAX && fz_utf8_ok(r->id, r->id_len));
    FZ_CHECK(id[0] != ' ' && id[r->id_len - 1] != ' ');
    for (size_t i = 0; i < r->id_len; i++)
        FZ_CHECK(id[i] >= 0x20 && id[i] != 0x7f);
    json_t *doc = fh_json_load_doc(r->doc, r->doc_len, NULL);
    FZ_CHECK(json_is_object(doc));
    json_t *jid = json_object_get(doc, "id");
    if (json_is_string(jid))
        FZ_CHECK(json_string_length(jid) == r->id_len &&
                 memcmp(json_string_value(jid), r->id, r->id_len) == 0);
    else
        FZ_CHECK(json_is_number(jid)); /* an integer id: its decimal text */
    for (unsigned f = 0; f < fs->n; f++) {
        json_t *v = json_object_get(doc, fs->names[f]);
        if (r->text[f]) {
            FZ_CHECK(fz_utf8_ok(r->text[f], r->text_len[f]));
            if (strcmp(fs->names[f], "id") == 0) {
                FZ_CHECK(r->text_len[f] == r->id_len &&
                         memcmp(r->text[f], r->id, r->id_len) == 0);
                continue;
            }
            FZ_CHECK(json_is_string(v) && json_string_length(v) == r->text_len[f] &&
                     memcmp(json_string_value(v), r->text[f], r->text_len[f]) == 0);
        } else if (strcmp(fs->names[f], "id") != 0) {
            FZ_CHECK(!json_is_string(v));
            FZ_CHECK(!!(r->nonstr & (1u << f)) == (v && !json_is_null(v)));
        }
    }
    json_decref(doc);
}

/* Each line of in[0..n), without its '\n': a TSV row under h, else a JSON
 * line (then also through the fast path against jansson), checked. */
static void each_line(const char *in, size_t n, fh_recparser *p, const fh_tsv_header *h,
                      const fh_fieldset *fs)
{
    while (n > 0) {
        const char *nl = memchr(in, '\n', n);
        size_t len = nl ? (size_t)(nl - in) : n;
        fh_record r;
        int rc = h ? fh_rec_tsv(p, h, in, len, &r) : fh_rec_jsonl(p, in, len, &r);
        check_record(rc, &r, fs);
        if (!h)
            fast_same_as_jansson(in, len, fs);
        if (!nl)
            break;
        in = nl + 1;
        n -= len + 1;
    }
}

/* The meter of a line too long to hold (ix_build.c reads it in pieces)
 * against the parser that sees it whole: the same size as the oversized
 * report of a cap of 0 gives, and blank exactly when the parser finds it so.
 * The pieces: at least 3 bytes first (where a BOM would be), then sizes
 * from step. */
static void check_meter(const char *line, size_t len, bool tsv, unsigned step)
{
    if (len < 3)
        return;
    fh_rec_meter m;
    size_t first = 3 + step % 5 < len ? 3 + step % 5 : len;
    fh_rec_meter_start(&m, line, first, tsv);
    for (size_t at = first, k = 1; at < len; k++) {
        size_t piece = 1 + (step * k) % 11;
        if (piece > len - at)
            piece = len - at;
        fh_rec_meter_add(&m, line + at, piece);
        at += piece;
    }
    static const fh_fieldset fs = {1, {"text"}};
    fh_recparser *p = NULL;
    FZ_CHECK(fh_recparser_new(&fs, 0, &p) == 0);
    fh_tsv_header *h = NULL;
    char msg[200];
    FZ_CHECK(fh_tsv_header_parse("id\ttext", 7, &fs, &h, msg, sizeof msg) == 0);
    fh_record r;
    FZ_CHECK((tsv ? fh_rec_tsv(p, h, line, len, &r) : fh_rec_jsonl(p, line, len, &r)) == 0);
    FZ_CHECK(fh_rec_meter_blank(&m) == (r.status == FH_REC_BLANK));
    FZ_CHECK(fh_rec_blank(line, len, tsv) == (r.status == FH_REC_BLANK));
    if (r.status != FH_REC_BLANK) {
        char want[200];
        fh_rec_oversized_msg(want, sizeof want, tsv ? "row" : "document",
                             (size_t)fh_rec_meter_size(&m), false, 0);
        FZ_CHECK(r.status == FH_REC_OVERSIZED && strcmp(r.msg, want) == 0);
    }
    fh_tsv_header_free(h);
    fh_recparser_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned mode = data[0] % 4;
    const fh_fieldset *fs = &FIELDSETS[data[1] % N_FIELDSETS];
    size_t max_doc = data[1] & 0x80 ? 48 : (size_t)1 << 20;
    size_t n = size - 2;
    char *in = malloc(n ? n : 1); /* exact size: ASan sees an overread */
    FZ_CHECK(in != NULL);
    if (n)
        memcpy(in, data + 2, n);
    fh_recparser *p = NULL;
    FZ_CHECK(fh_recparser_new(fs, max_doc, &p) == 0);
    if (mode == 0) {
        each_line(in, n, p, NULL, fs);
    } else if (mode == 1) {
        const char *nl = memchr(in, '\n', n);
        size_t hlen = nl ? (size_t)(nl - in) : n;
        fh_tsv_header *h = NULL;
        char msg[200];
        int rc = fh_tsv_header_parse(in, hlen, fs, &h, msg, sizeof msg);
        FZ_CHECK(rc == 0 || rc == FH_EINPUT);
        if (rc == 0 && nl)
            each_line(nl + 1, n - hlen - 1, p, h, fs);
        else if (rc != 0)
            FZ_CHECK(msg[0] != '\0' && fz_utf8_ok(msg, strlen(msg)));
        fh_tsv_header_free(h);
    } else if (mode == 3) {
        const char *nl = memchr(in, '\n', n);
        check_meter(in, nl ? (size_t)(nl - in) : n, data[1] & 0x40, data[0] >> 2);
    } else {
        /* a file name up to the first NUL (at most 300 bytes), its bytes after */
        const char *z = memchr(in, '\0', n < 300 ? n : 300);
        char name[301];
        size_t nl = z ? (size_t)(z - in) : 0;
        memcpy(name, in, nl);
        name[nl] = '\0';
        const char *body = z ? z + 1 : in;
        size_t blen = z ? n - nl - 1 : n;
        fh_record r;
        check_record(fh_rec_txt(p, name, body, blen, &r), &r, fs);
    }
    fh_recparser_free(p);
    free(in);
    return 0;
}
