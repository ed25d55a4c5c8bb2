/* buf.c — bounded growable byte buffer (see buf.h). */
#include "fahras/buf.h"
#include "fahras/err.h"
#include "fahras/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fh_buf_init(fh_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void fh_buf_free(fh_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void fh_buf_reset(fh_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

int fh_buf_reserve(fh_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return FH_ELIMIT;
    size_t need = b->len + extra + 1; /* + NUL */
    if (need <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    if (ncap > b->max + 1)
        ncap = b->max + 1;
    char *p = realloc(b->data, ncap);
    if (!p)
        return FH_ENOMEM;
    b->data = p;
    b->cap = ncap;
    return 0;
}

int fh_buf_add(fh_buf *b, const void *p, size_t n)
{
    int rc = fh_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int fh_buf_adds(fh_buf *b, const char *s)
{
    return fh_buf_add(b, s, strlen(s));
}

int fh_buf_addc(fh_buf *b, char c)
{
    return fh_buf_add(b, &c, 1);
}

int fh_buf_vaddf(fh_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return FH_EINVAL;
    int rc = fh_buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int fh_buf_addf(fh_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = fh_buf_vaddf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int fh_buf_add_json_chars(fh_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0; /* the bytes from run on need no escaping so far */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        uint32_t cp = 0;
        if (c >= 0x20 && c != '"' && c != '\\' &&
            ((c != 0xC2 && c != 0xE2) || (cp = fh_utf8_line_break_like(p + i, n - i)) == 0))
            continue;
        int rc = fh_buf_add(b, p + run, i - run);
        if (rc)
            return rc;
        if (cp) { /* a line separator or C1 control: 2 or 3 bytes */
            if ((rc = fh_buf_addf(b, "\\u%04x", (unsigned)cp)) != 0)
                return rc;
            run = i + (cp < 0x100 ? 2 : 3);
            i = run - 1;
            continue;
        }
        run = i + 1;
        switch (c) {
        case '"':
            rc = fh_buf_adds(b, "\\\"");
            break;
        case '\\':
            rc = fh_buf_adds(b, "\\\\");
            break;
        case '\n':
            rc = fh_buf_adds(b, "\\n");
            break;
        case '\r':
            rc = fh_buf_adds(b, "\\r");
            break;
        case '\t':
            rc = fh_buf_adds(b, "\\t");
            break;
        default:
            rc = fh_buf_addf(b, "\\u%04x", (unsigned)c);
            break;
        }
        if (rc)
            return rc;
    }
    return fh_buf_add(b, p + run, n - run);
}

int fh_buf_add_json_str(fh_buf *b, const char *s, size_t n)
{
    size_t start = b->len;
    int rc = fh_buf_addc(b, '"');
    size_t i = 0;
    while (rc == 0 && i < n) {
        /* a well-formed run, escaped; then a byte that does not start a
           well-formed sequence, as U+FFFD */
        size_t k = fh_utf8_check(s + i, n - i);
        rc = fh_buf_add_json_chars(b, s + i, k);
        i += k;
        if (rc == 0 && i < n) {
            rc = fh_buf_add(b, "\xEF\xBF\xBD", 3);
            i++;
        }
    }
    if (rc == 0)
        rc = fh_buf_addc(b, '"');
    if (rc) { /* all or nothing */
        b->len = start;
        if (b->data)
            b->data[start] = '\0';
    }
    return rc;
}

bool fh_json_verbatim(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F || c == '"' || c == '\\')
            return false;
    }
    return true;
}

int fh_buf_add_json_raw(fh_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t start = b->len, run = 0;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        uint32_t cp = p[i] == 0xC2 || p[i] == 0xE2 ? fh_utf8_line_break_like(p + i, n - i) : 0;
        if (!cp)
            continue;
        if ((rc = fh_buf_add(b, p + run, i - run)) == 0)
            rc = fh_buf_addf(b, "\\u%04x", (unsigned)cp);
        run = i + (cp < 0x100 ? 2 : 3);
        i = run - 1;
    }
    if (rc == 0)
        rc = fh_buf_add(b, p + run, n - run);
    if (rc) { /* all or nothing */
        b->len = start;
        if (b->data)
            b->data[start] = '\0';
    }
    return rc;
}

char *fh_buf_take(fh_buf *b, size_t *len)
{
    char *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
