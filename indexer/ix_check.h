/* ix_check.h — verify a published index, or dump it in a comparable form. */
#ifndef FAHRAS_IX_CHECK_H
#define FAHRAS_IX_CHECK_H

#include <stdio.h>

/* Decode everything in DIR's index and verify its invariants; statistics go
 * to out, violations to err. 0 if the index is sound, FH_ECORRUPT on any
 * violation, another FH_E* code if it cannot be opened. */
int fh_check_index(const char *dir, FILE *out, FILE *err);

/* One line per term: term TAB df TAB cf TAB hash(decoded postings and
 * positions), then "#fields" and TAB name=weight for each field (the weight
 * in the fewest digits that read back as the stored float), then "#docs" TAB
 * N TAB hash(ids, stored documents, lengths). */
int fh_dump_terms(const char *dir, FILE *out, FILE *err);

/* One line per document in docid order: docid TAB id TAB field lengths
 * (TAB-separated) TAB stored JSON. */
int fh_dump_docs(const char *dir, FILE *out, FILE *err);

#endif /* FAHRAS_IX_CHECK_H */
