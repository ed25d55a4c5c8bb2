/* num.c — numbers as users write them (see num.h). */
#include "num.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "fahras/err.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int fh_num_uint(const char *p, size_t n, uint64_t max, uint64_t *out)
{
    uint64_t x = 0;
    bool big = false;
    if (n == 0)
        return FH_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(p[i]))
            return FH_EINVAL;
        /* past max, keep reading: a letter later still makes it malformed */
        uint64_t d = (uint64_t)(p[i] - '0');
        big = big || x > max / 10 || d > max - x * 10;
        if (!big)
            x = x * 10 + d;
    }
    if (big)
        return FH_ELIMIT;
    *out = x;
    return 0;
}

int fh_num_port(const char *p, size_t n, unsigned *out)
{
    uint64_t x;
    if (n == 0 || n > 5 || (n > 1 && p[0] == '0') || fh_num_uint(p, n, 65535, &x) != 0)
        return FH_EINVAL;
    *out = (unsigned)x;
    return 0;
}

int fh_num_decimal(const char *s, double *out)
{
    size_t i = 0, digits = 0;
    for (; is_digit(s[i]); i++)
        digits++;
    if (s[i] == '.')
        for (i++; is_digit(s[i]); i++)
            digits++;
    if (digits == 0)
        return FH_EINVAL;
    if (s[i] == 'e' || s[i] == 'E') {
        i++;
        if (s[i] == '+' || s[i] == '-')
            i++;
        size_t e0 = i;
        while (is_digit(s[i]))
            i++;
        if (i == e0)
            return FH_EINVAL;
    }
    if (s[i])
        return FH_EINVAL;
    char *end;
    double x = strtod(s, &end); /* an overflow is HUGE_VAL; an underflow stays */
    if (*end || !isfinite(x))
        return FH_EINVAL;
    *out = x;
    return 0;
}
