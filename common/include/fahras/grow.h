/* grow.h — grow a heap array of uint32_t by doubling.
 *
 * For scratch arrays whose length the caller already bounds (positions of one
 * document, tokens of one document, a merge-pipe chunk): unlike fh_buf there
 * is no cap here, so never feed `need` from unchecked input.
 *
 * Ownership: *a is the caller's heap block (malloc family; NULL when empty),
 * released with free(). */
#ifndef FAHRAS_GROW_H
#define FAHRAS_GROW_H

#include <stddef.h>
#include <stdint.h>

/* Make *a hold at least `need` elements. *cap is its current capacity in
 * elements; a growth starts at `first` (> 0) when *cap is 0 and doubles until
 * `need` fits. The contents are kept; new elements are uninitialized.
 * 0, or FH_ENOMEM with *a and *cap untouched. */
int fh_grow_u32(uint32_t **a, size_t *cap, size_t need, size_t first);

#endif /* FAHRAS_GROW_H */
