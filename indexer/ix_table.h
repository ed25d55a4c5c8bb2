/* ix_table.h — one analyzer thread's in-memory inverted index.
 *
 * term (the token stem) -> postings, where a posting is (record ordinal,
 * per-field tf, positions). The table is an open-addressing hash keyed by
 * XXH3 over the term bytes (each term is hashed once per token, never again:
 * growth rehashes from the stored hash); terms and postings live in an arena
 * of 1 MiB pages, postings as chains of growing slices, so adding a token
 * never calls malloc. Ordinals must increase from document to document.
 *
 * Posting list bytes (in memory, in spill runs and as handed to ix_merge.c):
 *   repeated { varint(ord + 1 - prev)   prev = previous ord + 1, initially 0
 *              varint(tf[f]) for f in 0..n_fields-1
 *              for each f with tf[f] > 0: varint(first position),
 *                                         tf[f]-1 x varint(delta) }
 * A run file is "FHRUN01\n", then per term in byte order
 * { varint(len) term varint(nbytes) postings }, then a single 0 byte. */
#ifndef FAHRAS_IX_TABLE_H
#define FAHRAS_IX_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "fahras/analyze.h"

#define FH_RUN_MAGIC "FHRUN01\n"
#define FH_POS_BITS 28u                       /* position bits in a packed token */
#define FH_POS_MAX ((1u << FH_POS_BITS) - 1u) /* largest position a field may hold */

typedef struct fh_ttab fh_ttab;

int fh_ttab_new(unsigned n_fields, fh_ttab **out);
void fh_ttab_free(fh_ttab *t);

/* Accumulate one document: begin, then its tokens field by field (fields in
 * ascending order, positions ascending within a field), then end. Positions
 * above FH_POS_MAX are refused with FH_ELIMIT. */
int fh_ttab_doc_begin(fh_ttab *t, uint32_t ord);
int fh_ttab_add(fh_ttab *t, unsigned field, const char *term, size_t len, uint32_t pos);
int fh_ttab_doc_end(fh_ttab *t);
/* Instead of fh_ttab_doc_end: forget the current document, as if it had
 * never begun (its tokens, and its terms that no other document has). */
void fh_ttab_doc_abort(fh_ttab *t);
/* Add a field's tokens at once (the hot path: table misses are prefetched).
 * Tokens with an empty stem are skipped; *added counts the others. */
int fh_ttab_add_tokens(fh_ttab *t, unsigned field, const fh_token *toks, size_t n,
                       uint32_t *added);

/* Bytes in use (arena, entries, slots, scratch); memory kept for reuse
 * after a spill is not counted. */
size_t fh_ttab_mem(const fh_ttab *t);
size_t fh_ttab_nterms(const fh_ttab *t);

/* Write the table as a sorted run to `path` and empty it (the memory is kept
 * for reuse). FH_EIO on a write error. */
int fh_ttab_spill(fh_ttab *t, const char *path);

/* Sort the terms for iteration; after this the table must not be added to. */
int fh_ttab_sort(fh_ttab *t);
/* The i-th term in byte order (i < fh_ttab_nterms). *post points to the
 * posting bytes, either inside the table or copied to *scratch (grown with
 * realloc; the caller frees it). Valid until the next call. */
int fh_ttab_sorted_term(fh_ttab *t, size_t i, const char **term, size_t *len,
                        const uint8_t **post, size_t *nbytes, uint8_t **scratch,
                        size_t *scratch_cap);

#endif /* FAHRAS_IX_TABLE_H */
