/* ix_utf8.h — strict UTF-8 validation and repair for input records.
 *
 * jansson refuses a JSON text with invalid UTF-8, and the index must never
 * lose a document over a bad byte, so the indexer repairs a record before it
 * parses it: every byte that does not start a well-formed sequence (overlong
 * forms, surrogates and code points past U+10FFFF are ill-formed) becomes
 * U+FFFD. Validation follows RFC 3629, the same rules jansson applies. */
#ifndef FAHRAS_IX_UTF8_H
#define FAHRAS_IX_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "fahras/buf.h"

/* True if [s, s+n) is well-formed UTF-8. */
bool fh_utf8_valid(const char *s, size_t n);

/* Append [s, s+n) to out with each ill-formed byte replaced by U+FFFD
 * (EF BF BD). Returns the number of replacements, or a negative FH_E* code
 * (FH_ELIMIT / FH_ENOMEM from the buffer). */
long fh_utf8_repair(const char *s, size_t n, fh_buf *out);

#endif /* FAHRAS_IX_UTF8_H */
