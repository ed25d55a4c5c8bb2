/* jsondoc.h — how a stored document (one JSON object, as the indexer stores
 * it) is read with jansson, the same way by the indexer (records, `check`)
 * and by the daemon (hits, feedback, focus), so that no component refuses a
 * document another one accepted.
 *
 * The rule is jansson's, with two allowances: strings may hold NUL (\u0000),
 * and an integer beyond 64 bits is no error — the text is then read again
 * with every integer as a real (JSON_DECODE_INT_AS_REAL), and every real
 * that holds an integer below 2^53 (exact) made an integer again; so only
 * the integers of 2^53 and more stay reals, rounded (the stored text keeps
 * them exact). A number beyond a double's range (1e400) stays an error. */
#ifndef FAHRAS_JSONDOC_H
#define FAHRAS_JSONDOC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The tree of text[0..len), or NULL with *err set (err may be NULL). The
 * caller owns the tree (json_decref). */
json_t *fh_json_load_doc(const char *text, size_t len, json_error_t *err);

#endif /* FAHRAS_JSONDOC_H */
