/* utf8.c — strict UTF-8 validation and U+FFFD repair (see utf8.h).
 * The hot case is Arabic text: fh_utf8_valid() checks 16-byte chunks of
 * ASCII and two-byte sequences with SSE2 where available; the scalar loop
 * (fh_utf8_check) skips ASCII runs 8 bytes at a time and takes a short path
 * for two-byte sequences (all of U+0080..U+07FF). */
#include "fahras/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t fh_utf8_seq_len(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2)
        return 0; /* continuation byte or overlong 2-byte lead */
    if (c < 0xE0)
        return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        if (avail < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && p[1] < 0xA0)
            return 0; /* overlong */
        if (c == 0xED && p[1] > 0x9F)
            return 0; /* surrogate */
        return 3;
    }
    if (c < 0xF5) {
        if (avail < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
            (p[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && p[1] < 0x90)
            return 0; /* overlong */
        if (c == 0xF4 && p[1] > 0x8F)
            return 0; /* past U+10FFFF */
        return 4;
    }
    return 0;
}

size_t fh_utf8_check(const char *s, size_t n)
{
    const unsigned char *start = (const unsigned char *)s;
    const unsigned char *p = start;
    const unsigned char *end = p + n;
    while (p < end) {
        unsigned c = *p;
        if (c < 0x80) {
            p++;
            while (end - p >= 8) { /* ASCII runs, 8 bytes at a time */
                uint64_t w;
                memcpy(&w, p, 8);
                if (w & 0x8080808080808080ull)
                    break;
                p += 8;
            }
            continue;
        }
        if (c - 0xC2u < 0x1Eu && end - p >= 2 && (p[1] & 0xC0) == 0x80) {
            p += 2; /* two-byte form: Arabic, most Latin */
            continue;
        }
        size_t l = fh_utf8_seq_len(p, (size_t)(end - p));
        if (!l)
            return (size_t)(p - start);
        p += l;
    }
    return n;
}

#ifdef __SSE2__
#include <emmintrin.h>

/* Validate 16-byte chunks of ASCII and 2-byte sequences (Arabic text) with
 * SSE2, from a sequence boundary. Stops before a chunk holding any other
 * byte (3/4-byte leads, C0/C1, F5+), and backs up to a 2-byte lead left
 * open at the end of the last chunk, so the scalar loop resumes on a
 * boundary. false if an ill-formed 1/2-byte sequence was seen. */
static bool valid_simd(const unsigned char **pp, const unsigned char *end)
{
    const unsigned char *p = *pp;
    unsigned carry = 0; /* the previous chunk ended with a 2-byte lead */
    const __m128i m64 = _mm_set1_epi8(-64), m63 = _mm_set1_epi8(-63), m32 = _mm_set1_epi8(-32);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned hi = (unsigned)_mm_movemask_epi8(v); /* non-ASCII bytes */
        if (hi == 0) {
            if (carry)
                return false; /* a lead followed by ASCII */
            p += 16;
            continue;
        }
        /* as signed bytes: continuation 80..BF = -128..-65, lead C2..DF = -62..-33 */
        unsigned c = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(v, m64));
        unsigned l = (unsigned)_mm_movemask_epi8(
            _mm_and_si128(_mm_cmpgt_epi8(v, m63), _mm_cmplt_epi8(v, m32)));
        if (hi & ~(c | l))
            break; /* another kind of byte: the scalar loop decides */
        if (c != (((l << 1) | carry) & 0xFFFFu))
            return false;
        carry = l >> 15;
        p += 16;
    }
    *pp = p - carry;
    return true;
}
#endif

bool fh_utf8_valid(const char *s, size_t n)
{
#ifdef __SSE2__
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + n;
    while (p < end) {
        if (!valid_simd(&p, end))
            return false;
        /* a stretch of scalar checking (3/4-byte forms), then back to vectors */
        size_t stretch = end - p > 64 ? 64 : (size_t)(end - p);
        size_t ok = fh_utf8_check((const char *)p, stretch);
        if (ok < stretch) {
            /* a sequence may straddle the stretch's end: judge it whole */
            size_t l = fh_utf8_seq_len(p + ok, (size_t)(end - p - (ptrdiff_t)ok));
            if (!l)
                return false;
            ok += l;
        }
        p += ok;
    }
    return true;
#else
    return fh_utf8_check(s, n) == n;
#endif
}

long fh_utf8_repair(const char *s, size_t n, fh_buf *out)
{
    long fixed = 0;
    int rc;
    while (n > 0) {
        size_t ok = fh_utf8_check(s, n);
        if ((rc = fh_buf_add(out, s, ok)) != 0)
            return rc;
        if (ok == n)
            break;
        if ((rc = fh_buf_add(out, "\xEF\xBF\xBD", 3)) != 0)
            return rc;
        fixed++;
        s += ok + 1;
        n -= ok + 1;
    }
    return fixed;
}

/* The next character of a report's text p[0, avail) (avail >= 1) as
 * fh_report_text() writes it, into u; *used gets the input bytes it took.
 * Returns its length. */
static size_t report_char(const unsigned char *p, size_t avail, char u[8], size_t *used)
{
    size_t k = p[0] < 0x80 ? 1 : fh_utf8_seq_len(p, avail);
    uint32_t cp;
    if (k == 0 || (k == 1 && (p[0] < 0x20 || p[0] == 0x7F))) {
        *used = 1;
        return (size_t)snprintf(u, 8, "\\x%02x", p[0]);
    }
    *used = k;
    if ((cp = fh_utf8_line_break_like(p, avail)) != 0)
        return (size_t)snprintf(u, 8, "\\u%04x", (unsigned)cp);
    memcpy(u, p, k);
    return k;
}

char *fh_report_text(char *out, size_t cap, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    char u[8];
    size_t used, total = 0;
    for (size_t i = 0; i < n; i += used)
        total += report_char(p + i, n - i, u, &used);
    size_t room = total < cap ? cap - 1 : cap - 4; /* "..." when cut */
    size_t at = 0;
    for (size_t i = 0; i < n; i += used) {
        size_t k = report_char(p + i, n - i, u, &used);
        if (at + k > room) {
            memcpy(out + at, "...", 3);
            at += 3;
            break;
        }
        memcpy(out + at, u, k);
        at += k;
    }
    out[at] = '\0';
    return out;
}

char *fh_report_dup(const char *s)
{
    size_t n = strlen(s), cap = n * 4 + 4; /* each byte \xNN at most */
    char *out = malloc(cap);
    return out ? fh_report_text(out, cap, s, n) : NULL;
}
