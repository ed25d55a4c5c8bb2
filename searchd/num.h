/* num.h — the one way fahras-searchd reads a number written by a user: in a
 * flag, in the config file and in a SEARCH option (docs/PROTOCOL.md,
 * "Numbers"). No sign anywhere (an exponent's excepted), no blanks, no hex,
 * no inf or nan; leading zeros are allowed (007 is 7) except in a port,
 * where 00080 more likely hides a typing error than means 80.
 */
#ifndef FAHRAS_SEARCHD_NUM_H
#define FAHRAS_SEARCHD_NUM_H

#include <stddef.h>
#include <stdint.h>

/* An integer: [p, p + n) is one or more ASCII digits and nothing else.
 * Returns 0 and sets *out; FH_EINVAL when the text is not of that form;
 * FH_ELIMIT when it is but its value exceeds max (*out untouched). */
int fh_num_uint(const char *p, size_t n, uint64_t max, uint64_t *out);

/* A TCP port: 1 to 5 digits without a leading zero ("0" itself is port 0),
 * at most 65535. Returns 0 and sets *out, or FH_EINVAL. */
int fh_num_port(const char *p, size_t n, unsigned *out);

/* A decimal, NUL-terminated: digits with an optional fraction and an
 * optional exponent (1, 0.25, .5, 1., 5e-1, 2E3), at least one digit before
 * the exponent. Returns 0 and sets *out (finite; an underflow such as
 * 1e-400 reads as the value near 0 it is), or FH_EINVAL (including an
 * overflow). The caller checks the range. */
int fh_num_decimal(const char *s, double *out);

#endif
