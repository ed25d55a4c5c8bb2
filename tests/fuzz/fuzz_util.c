/* fuzz_util.c — see fuzz_util.h. */
#include "fuzz_util.h"

#include <stdio.h>
#include <stdlib.h>

void fz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, what);
    fflush(stderr);
    abort();
}

/* Length of the well-formed UTF-8 sequence at s[0..n), 0 if there is none. */
static size_t u8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

bool fz_utf8_ok(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t l = u8_seq(u + i, n - i);
        if (l == 0)
            return false;
        i += l;
    }
    return true;
}

/* ------------------------------------------------------------------ JSON */

typedef struct jp {
    const unsigned char *p;
    size_t n, i;
    unsigned depth;
} jp;

static void ws(jp *j)
{
    while (j->i < j->n &&
           (j->p[j->i] == ' ' || j->p[j->i] == '\t' || j->p[j->i] == '\n' || j->p[j->i] == '\r'))
        j->i++;
}

static bool lit(jp *j, const char *w)
{
    for (size_t k = 0; w[k]; k++, j->i++)
        if (j->i >= j->n || j->p[j->i] != (unsigned char)w[k])
            return false;
    return true;
}

static bool hex4(jp *j, unsigned *v)
{
    *v = 0;
    for (int k = 0; k < 4; k++, j->i++) {
        if (j->i >= j->n)
            return false;
        unsigned c = j->p[j->i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return false;
        *v = *v * 16 + d;
    }
    return true;
}

static bool string(jp *j)
{
    if (j->i >= j->n || j->p[j->i] != '"')
        return false;
    j->i++;
    while (j->i < j->n) {
        unsigned c = j->p[j->i];
        if (c == '"') {
            j->i++;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c == '\\') {
            j->i++;
            if (j->i >= j->n)
                return false;
            c = j->p[j->i++];
            if (c == 'u') {
                unsigned v;
                if (!hex4(j, &v))
                    return false;
                if (v >= 0xD800 && v <= 0xDBFF) { /* a high surrogate needs its low half */
                    if (!lit(j, "\\u") || !hex4(j, &v) || v < 0xDC00 || v > 0xDFFF)
                        return false;
                } else if (v >= 0xDC00 && v <= 0xDFFF) {
                    return false;
                }
            } else if (c != '"' && c != '\\' && c != '/' && c != 'b' && c != 'f' && c != 'n' &&
                       c != 'r' && c != 't') {
                return false;
            }
            continue;
        }
        size_t l = u8_seq(j->p + j->i, j->n - j->i);
        if (l == 0)
            return false;
        j->i += l;
    }
    return false;
}

static bool digits(jp *j)
{
    size_t s = j->i;
    while (j->i < j->n && j->p[j->i] >= '0' && j->p[j->i] <= '9')
        j->i++;
    return j->i > s;
}

static bool number(jp *j)
{
    if (j->i < j->n && j->p[j->i] == '-')
        j->i++;
    if (j->i < j->n && j->p[j->i] == '0')
        j->i++;
    else if (!digits(j))
        return false;
    if (j->i < j->n && j->p[j->i] == '.') {
        j->i++;
        if (!digits(j))
            return false;
    }
    if (j->i < j->n && (j->p[j->i] == 'e' || j->p[j->i] == 'E')) {
        j->i++;
        if (j->i < j->n && (j->p[j->i] == '+' || j->p[j->i] == '-'))
            j->i++;
        if (!digits(j))
            return false;
    }
    return true;
}

static bool value(jp *j)
{
    ws(j);
    if (j->i >= j->n)
        return false;
    unsigned c = j->p[j->i];
    if (c == '{' || c == '[') {
        if (++j->depth > 256)
            return false;
        unsigned close = c == '{' ? '}' : ']';
        j->i++;
        ws(j);
        if (j->i < j->n && j->p[j->i] == close) {
            j->i++;
            j->depth--;
            return true;
        }
        for (;;) {
            if (c == '{') {
                ws(j);
                if (!string(j))
                    return false;
                ws(j);
                if (j->i >= j->n || j->p[j->i] != ':')
                    return false;
                j->i++;
            }
            if (!value(j))
                return false;
            ws(j);
            if (j->i >= j->n)
                return false;
            if (j->p[j->i] == ',') {
                j->i++;
                continue;
            }
            if (j->p[j->i] != close)
                return false;
            j->i++;
            j->depth--;
            return true;
        }
    }
    if (c == '"')
        return string(j);
    if (c == 't')
        return lit(j, "true");
    if (c == 'f')
        return lit(j, "false");
    if (c == 'n')
        return lit(j, "null");
    return number(j);
}

bool fz_json_ok(const char *s, size_t n)
{
    jp j = {(const unsigned char *)s, n, 0, 0};
    if (!value(&j))
        return false;
    ws(&j);
    return j.i == n;
}

uint8_t fz_u8(fz_in *in)
{
    if (in->n == 0)
        return 0;
    uint8_t v = in->p[0];
    in->p++;
    in->n--;
    return v;
}

uint32_t fz_u32(fz_in *in)
{
    uint32_t v = 0;
    for (unsigned k = 0; k < 4; k++)
        v |= (uint32_t)fz_u8(in) << (8 * k);
    return v;
}
