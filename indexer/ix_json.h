/* ix_json.h — fast extraction of "id" and the analyzed fields from one JSON
 * Lines record, without building a jansson tree.
 *
 * It validates the complete JSON grammar of the line but declines (returns 0)
 * anything it does not handle exactly like jansson; the caller then falls
 * back to jansson (fh_json_load_doc, fahras/jsondoc.h), so results and error
 * messages never depend on which path ran. The line must already be valid
 * UTF-8 (see fahras/utf8.h). */
#ifndef FAHRAS_IX_JSON_H
#define FAHRAS_IX_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fahras/buf.h"
#include "ix_record.h"

typedef struct fh_json_fields {
    const char *id; /* string contents, or the decimal form of an integer id */
    size_t id_len;
    char idbuf[24];
    const char *text[FH_MAX_FIELDS]; /* NULL when absent or not a string */
    size_t text_len[FH_MAX_FIELDS];
    uint32_t nonstr; /* bit f: field f holds a number, boolean, array or object */
} fh_json_fields;

/* 1: parsed; pointers go into `line` or into `esc` (unescaped strings) and
 * stay valid while both are unchanged. An analyzed field named "id" gets the
 * id as stored: a string's text, an integer's decimal text (as
 * fh_rec_jsonl gives it on the jansson path). 0: declined — use jansson. A missing
 * id is declined too (jansson words the report). */
int fh_json_fast(const char *line, size_t len, const fh_fieldset *fs, fh_buf *esc,
                 fh_json_fields *out);

/* In a line jansson read as an object: the text of the value of its last
 * top-level "id" member (escaped keys decoded, in esc) in (*txt, *n),
 * pointing into line. 0, or -1 when there is none. */
int fh_json_id_text(const char *line, size_t len, fh_buf *esc, const char **txt, size_t *n);

/* The decimal text of a JSON number num[0..n) when it is an integer below
 * 2^53 in magnitude, judged from its digits, fraction and exponent (never
 * from a rounded double: 1.0000000000000001 and 1e-400 are not integers;
 * 1.0, 1e3 and 250e-1 are "1", "1000" and "25"; -0.0 is "0"). Written to out like
 * snprintf; returns its length, or -1 when the number is not such an
 * integer. */
int fh_json_int_text(const char *num, size_t n, char *out, size_t cap);

/* The id a JSON number names, as the indexer names it (docs/FORMAT.md,
 * "ids"): id is the number jansson read (fh_json_load_doc) as the "id" of
 * the object line[0..len). An integer as written (no fraction, no exponent)
 * that jansson read as one: its decimal text, exact to 64 bits; any other
 * number -- a real, or an integer of a line holding an integer beyond 64
 * bits, which jansson reads as a real -- as fh_json_int_text judges its text
 * in the line (fh_json_id_text, esc its scratch), never from a rounded
 * double. Written to out like snprintf; returns its length, or -1 when the
 * number is no id (or id is no number). The indexer names a record's id by
 * it, and `check` compares a stored document's id with the id map by it. */
int fh_json_number_id(const json_t *id, const char *line, size_t len, fh_buf *esc, char *out,
                      size_t cap);

/* Rewrite in line[0..len), in place, each \uD800-\uDFFF escape inside a
 * string that is not half of a pair (a high surrogate then a low one) as
 * \uFFFD, the same six bytes: jansson refuses a line with a lone surrogate,
 * and reads it once rewritten. Escaped backslashes and valid pairs are left
 * alone. Returns how many escapes were rewritten. */
size_t fh_json_fix_lone_surrogates(char *line, size_t len);

#endif /* FAHRAS_IX_JSON_H */
