/* ix_record.h — one input record (a JSON line, a TSV row, a text file) into
 * what the index needs: external id, stored JSON document, and the text of
 * each analyzed field.
 *
 * The parser repairs invalid UTF-8 before anything else (a warning, not a
 * skip), and reports every reason to skip a record in `msg`. It does not
 * check duplicate ids (that needs input order; the committer does it) and it
 * does not analyze. One fh_recparser per thread; results point into the
 * parser or into the caller's input and stay valid until the next call. */
#ifndef FAHRAS_IX_RECORD_H
#define FAHRAS_IX_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fahras/index.h"
#include "fahras/utf8.h" /* fh_report_text(), fh_report_dup() */

#define FH_ID_MAX 256 /* bytes; longer external ids are refused */

typedef enum fh_rec_status {
    FH_REC_OK = 0,
    FH_REC_BLANK,      /* empty or whitespace-only line: not a record */
    FH_REC_MALFORMED,  /* not valid JSON / not an object / wrong TSV column count */
    FH_REC_NOID,       /* id missing, empty, too long or of the wrong type */
    FH_REC_DUPLICATE,  /* (set by the committer) id seen before; the first wins */
    FH_REC_OVERSIZED,  /* larger than --max-doc-mb */
    FH_REC_UNREADABLE, /* a file of a folder input that cannot be read */
    FH_REC_NSTATUS
} fh_rec_status;

const char *fh_rec_status_name(fh_rec_status s);

/* Which fields are analyzed, by name, in index field order. */
typedef struct fh_fieldset {
    unsigned n;
    const char *names[FH_MAX_FIELDS];
} fh_fieldset;

/* A parsed TSV header (immutable, shared by the threads reading its file). */
typedef struct fh_tsv_header {
    size_t ncols;
    char **names;
    size_t id_col;
    long field_col[FH_MAX_FIELDS]; /* column of each analyzed field, -1 if absent */
} fh_tsv_header;

/* Parse the header line (without its newline). FH_EINPUT with a message in
 * msg (msg_cap bytes) when it has no id column, a column is repeated, or a
 * column name is empty, not UTF-8 or holds a NUL byte. */
int fh_tsv_header_parse(const char *line, size_t len, const fh_fieldset *fs,
                        fh_tsv_header **out, char *msg, size_t msg_cap);
void fh_tsv_header_free(fh_tsv_header *h);

/* Whether a line (without its newline) of JSON Lines (tsv: of a TSV file) is
 * blank: no record, as fh_rec_jsonl (fh_rec_tsv) would find it, and before
 * a TSV file's header no header either. */
bool fh_rec_blank(const char *line, size_t len, bool tsv);

/* The reason a record over the --max-doc-mb cap (max bytes) is skipped,
 * into msg (cap bytes): "WHAT of N bytes exceeds --max-doc-mb (MAX bytes)",
 * "of at least N bytes" when at_least (its full size not known). */
void fh_rec_oversized_msg(char *msg, size_t cap, const char *what, size_t n, bool at_least,
                          size_t max);

/* The size of a line too long to hold, read in pieces and not kept, as
 * fh_rec_jsonl (fh_rec_tsv) would measure it whole: its bytes less those
 * trimmed from its ends (see fh_rec_blank). start() takes the first piece
 * (the line's start, at least 3 bytes: where a BOM would be), add() each
 * further one up to, not including, the newline; size() is the result. */
typedef struct fh_rec_meter {
    uint64_t n;     /* bytes so far */
    uint64_t trail; /* of them, the trimmable ones at the end (JSON Lines) */
    uint64_t lead;  /* a BOM and, JSON Lines, the spaces and tabs after it */
    bool lead_open; /* all bytes after the BOM are spaces and tabs so far */
    bool tsv;
    bool blank; /* every byte after the BOM is white space so far (fh_rec_blank) */
    char last;  /* the last byte so far */
} fh_rec_meter;
void fh_rec_meter_start(fh_rec_meter *m, const char *s, size_t n, bool tsv);
void fh_rec_meter_add(fh_rec_meter *m, const char *s, size_t n);
uint64_t fh_rec_meter_size(const fh_rec_meter *m);
/* Whether the line is blank as fh_rec_blank would find it whole: no record. */
bool fh_rec_meter_blank(const fh_rec_meter *m);

/* The "s" of a plural after count n: "1 column", "0 columns", "2 columns". */
static inline const char *fh_plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

typedef struct fh_record {
    fh_rec_status status;
    char msg[200];    /* why it was skipped */
    bool repaired;    /* invalid UTF-8 replaced by U+FFFD */
    bool surrogates;  /* a lone \uD800-\uDFFF escape rewritten \uFFFD (JSON Lines) */
    uint32_t nonstr;  /* bit f: analyzed field f is present but not a string (nor null) */
    const char *id;
    size_t id_len;
    const char *doc;  /* the stored JSON object */
    size_t doc_len;
    const char *text[FH_MAX_FIELDS]; /* analyzed field f when it is a string, empty or
                                        not; NULL when absent or not a string */
    size_t text_len[FH_MAX_FIELDS];
} fh_record;

typedef struct fh_recparser fh_recparser;

int fh_recparser_new(const fh_fieldset *fs, size_t max_doc, fh_recparser **out);
void fh_recparser_free(fh_recparser *p);

/* Parse one line (no newline; a trailing CR and a leading UTF-8 BOM are
 * dropped) of JSON Lines input.
 * Returns 0 (look at r->status) or FH_ENOMEM. */
int fh_rec_jsonl(fh_recparser *p, const char *line, size_t len, fh_record *r);
/* One TSV row under header h (a trailing CR and a leading UTF-8 BOM are
 * dropped, as on a JSON line). Values are unescaped: \t \n \r \\. */
int fh_rec_tsv(fh_recparser *p, const fh_tsv_header *h, const char *line, size_t len,
               fh_record *r);
/* One text file: id = name without ".txt", first line = title, rest = text. */
int fh_rec_txt(fh_recparser *p, const char *name, const char *data, size_t len, fh_record *r);

#endif /* FAHRAS_IX_RECORD_H */
