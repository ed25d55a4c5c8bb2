/* ix_json.c — the fast path for JSON Lines records (see ix_json.h).
 *
 * A strict single-pass scanner over one line that is already valid UTF-8: it
 * checks the whole JSON grammar but only materializes the top-level "id" and
 * the analyzed string fields (zero-copy unless they contain escapes). It
 * accepts a subset of what jansson accepts and declines everything unusual
 * (a number too long to judge, an escaped key, a wanted key repeated after a
 * string or integer value, a lone surrogate, deep nesting, a non-string
 * non-integer id...), in which case the caller parses the line with jansson,
 * which also words the error message. A wanted key repeated after any other
 * value is handled here, as jansson does: its last value counts. */
#include "ix_json.h"

#include <stdbool.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 256

typedef struct scan {
    const unsigned char *p, *end;
    fh_buf *esc;
} scan;

static void ws(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* Any byte in v equal to '"' or '\\' or below 0x20? */
static inline uint64_t special8(uint64_t v)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');
    uint64_t zq = (q - ones) & ~q, zb = (b - ones) & ~b, lt = (v - ones * 0x20) & ~v;
    return (zq | zb | lt) & high;
}

static int hex4(const unsigned char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Scan a string at s->p (on the opening quote). On success (*off, *len) give the
 * contents: raw bytes in the line if *in_esc is false, else bytes appended to
 * s->esc (only when want is true; escapes in unwanted strings are only
 * validated). Returns 0 or -1 (decline). */
static int string(scan *s, bool want, size_t *off, size_t *len, bool *in_esc)
{
    const unsigned char *p = s->p + 1, *start = p;
    *in_esc = false;
    for (;;) {
        while (s->end - p >= 8) {
            uint64_t v;
            memcpy(&v, p, 8);
            if (special8(v))
                break;
            p += 8;
        }
        if (p >= s->end)
            return -1;
        unsigned char c = *p;
        if (c == '"')
            break;
        if (c < 0x20)
            return -1;
        if (c != '\\') {
            p++;
            continue;
        }
        /* an escape: from here on, copy into esc */
        if (want && !*in_esc) {
            *in_esc = true;
            *off = s->esc->len;
            if (fh_buf_add(s->esc, start, (size_t)(p - start)))
                return -1;
        } else if (want && fh_buf_add(s->esc, start, (size_t)(p - start))) {
            return -1;
        }
        if (s->end - p < 2)
            return -1;
        char out[4];
        size_t on = 1;
        switch (p[1]) {
        case '"':
        case '\\':
        case '/':
            out[0] = (char)p[1];
            break;
        case 'b':
            out[0] = '\b';
            break;
        case 'f':
            out[0] = '\f';
            break;
        case 'n':
            out[0] = '\n';
            break;
        case 'r':
            out[0] = '\r';
            break;
        case 't':
            out[0] = '\t';
            break;
        case 'u': {
            uint32_t u, lo;
            if (s->end - p < 6 || hex4(p + 2, &u))
                return -1;
            if (u >= 0xDC00 && u <= 0xDFFF)
                return -1; /* lone low surrogate */
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (s->end - p < 12 || p[6] != '\\' || p[7] != 'u' || hex4(p + 8, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return -1;
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            if (u < 0x80) {
                out[0] = (char)u;
            } else if (u < 0x800) {
                out[0] = (char)(0xC0 | (u >> 6));
                out[1] = (char)(0x80 | (u & 0x3F));
                on = 2;
            } else if (u < 0x10000) {
                out[0] = (char)(0xE0 | (u >> 12));
                out[1] = (char)(0x80 | ((u >> 6) & 0x3F));
                out[2] = (char)(0x80 | (u & 0x3F));
                on = 3;
            } else {
                out[0] = (char)(0xF0 | (u >> 18));
                out[1] = (char)(0x80 | ((u >> 12) & 0x3F));
                out[2] = (char)(0x80 | ((u >> 6) & 0x3F));
                out[3] = (char)(0x80 | (u & 0x3F));
                on = 4;
            }
            p += 4;
            break;
        }
        default:
            return -1;
        }
        if (want && fh_buf_add(s->esc, out, on))
            return -1;
        p += 2;
        start = p;
    }
    if (*in_esc) {
        if (fh_buf_add(s->esc, start, (size_t)(p - start)))
            return -1;
        *len = s->esc->len - *off;
    } else {
        *off = 0; /* the caller knows where the raw contents start */
        *len = (size_t)(p - (s->p + 1));
    }
    s->p = p + 1;
    return 0;
}

/* A number; sets *is_int. An id (strict) is declined past 15 digits or with
 * a 3-digit exponent, so that every id it accepts is exact in a double too
 * (fh_json_load_doc, fahras/jsondoc.h) and jansson's range errors stay
 * jansson's to report. Any other number is only validated and skipped: it is
 * declined only when its magnitude may exceed a double's (about 10^308),
 * which jansson reports as an overflow even when it reads integers as
 * reals. */
static int number(scan *s, bool *is_int, bool strict)
{
    const unsigned char *p = s->p, *b = p;
    *is_int = true;
    if (p < s->end && *p == '-')
        p++;
    if (p >= s->end)
        return -1;
    const unsigned char *ib = p;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < s->end && *p >= '0' && *p <= '9')
            p++;
    } else {
        return -1;
    }
    long mag = (long)(p - ib) - 1; /* decimal exponent of the leading digit */
    if (p < s->end && *p == '.') {
        *is_int = false;
        p++;
        if (p >= s->end || *p < '0' || *p > '9')
            return -1;
        while (p < s->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < s->end && (*p == 'e' || *p == 'E')) {
        *is_int = false;
        p++;
        bool neg = false;
        if (p < s->end && (*p == '+' || *p == '-'))
            neg = *p++ == '-';
        const unsigned char *e = p;
        if (p >= s->end || *p < '0' || *p > '9')
            return -1;
        long ev = 0;
        while (p < s->end && *p >= '0' && *p <= '9') {
            if (ev < 1000000)
                ev = ev * 10 + (*p - '0');
            p++;
        }
        if (strict && p - e > 2)
            return -1; /* |exponent| >= 100: jansson may call it an overflow */
        mag += neg ? -ev : ev;
    }
    if (strict ? p - b > 16 || mag > 14 : mag > 307)
        return -1;
    s->p = p;
    return 0;
}

static int literal(scan *s, const char *w, size_t n)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0)
        return -1;
    s->p += n;
    return 0;
}

static int value(scan *s, int depth);

static int skip_string(scan *s)
{
    size_t off, len;
    bool e;
    return string(s, false, &off, &len, &e);
}

static int container(scan *s, int depth, bool obj)
{
    if (depth > MAX_DEPTH)
        return -1;
    s->p++;
    ws(s);
    char close = obj ? '}' : ']';
    if (s->p < s->end && *s->p == close) {
        s->p++;
        return 0;
    }
    for (;;) {
        if (obj) {
            if (s->p >= s->end || *s->p != '"' || skip_string(s))
                return -1;
            ws(s);
            if (s->p >= s->end || *s->p != ':')
                return -1;
            s->p++;
            ws(s);
        }
        if (value(s, depth + 1))
            return -1;
        ws(s);
        if (s->p >= s->end)
            return -1;
        if (*s->p == ',') {
            s->p++;
            ws(s);
            continue;
        }
        if (*s->p == close) {
            s->p++;
            return 0;
        }
        return -1;
    }
}

static int value(scan *s, int depth)
{
    bool is_int;
    if (s->p >= s->end)
        return -1;
    switch (*s->p) {
    case '"':
        return skip_string(s);
    case '{':
        return container(s, depth, true);
    case '[':
        return container(s, depth, false);
    case 't':
        return literal(s, "true", 4);
    case 'f':
        return literal(s, "false", 5);
    case 'n':
        return literal(s, "null", 4);
    default:
        return number(s, &is_int, false);
    }
}

int fh_json_fast(const char *line, size_t len, const fh_fieldset *fs, fh_buf *esc,
                 fh_json_fields *out)
{
    scan S = {(const unsigned char *)line, (const unsigned char *)line + len, esc};
    scan *s = &S;
    size_t off[FH_MAX_FIELDS + 1], flen[FH_MAX_FIELDS + 1];
    bool fesc[FH_MAX_FIELDS + 1], seen[FH_MAX_FIELDS + 1];
    memset(seen, 0, sizeof seen);
    const unsigned idslot = FH_MAX_FIELDS;
    bool id_int = false;
    const unsigned char *id_num = NULL;
    size_t id_num_len = 0;
    fh_buf_reset(esc);
    memset(out, 0, sizeof *out);

    ws(s);
    if (s->p >= s->end || *s->p != '{')
        return 0;
    s->p++;
    ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
    } else {
        for (;;) {
            if (s->p >= s->end || *s->p != '"')
                return 0;
            /* the key: declined if it has escapes */
            const unsigned char *k = s->p + 1;
            size_t ko, kl;
            bool ke;
            if (string(s, false, &ko, &kl, &ke) || ke)
                return 0;
            const unsigned char *kend = s->p - 1;
            for (const unsigned char *q = k; q < kend; q++)
                if (*q == '\\')
                    return 0;
            kl = (size_t)(kend - k);
            ws(s);
            if (s->p >= s->end || *s->p != ':')
                return 0;
            s->p++;
            ws(s);
            unsigned slot = UINT32_MAX;
            if (kl == 2 && k[0] == 'i' && k[1] == 'd') {
                slot = idslot;
            } else {
                for (unsigned f = 0; f < fs->n; f++)
                    if (strlen(fs->names[f]) == kl && memcmp(fs->names[f], k, kl) == 0)
                        slot = f;
            }
            if (slot != UINT32_MAX) {
                if (seen[slot])
                    return 0; /* repeated key: jansson's rule (last wins) applies */
                seen[slot] = true;
                if (s->p < s->end && *s->p == '"') {
                    const unsigned char *vstart = s->p + 1;
                    if (string(s, true, &off[slot], &flen[slot], &fesc[slot]))
                        return 0;
                    if (!fesc[slot])
                        off[slot] = (size_t)(vstart - (const unsigned char *)line);
                    if (slot != idslot)
                        out->nonstr &= ~(1u << slot);
                } else if (slot == idslot) {
                    id_num = s->p;
                    if (number(s, &id_int, true) || !id_int)
                        return 0; /* not a string or an integer: let jansson say so */
                    id_num_len = (size_t)(s->p - id_num);
                    seen[slot] = true;
                    fesc[slot] = false;
                    flen[slot] = SIZE_MAX; /* marks the integer form */
                } else {
                    /* a non-string field carries no text; the last value of a
                       repeated key decides whether it is a mistake (null is none) */
                    seen[slot] = false;
                    out->nonstr &= ~(1u << slot);
                    if (s->p >= s->end)
                        return 0; /* the line ends after the colon */
                    if (*s->p != 'n')
                        out->nonstr |= 1u << slot;
                    if (value(s, 1))
                        return 0;
                }
            } else if (value(s, 1)) {
                return 0;
            }
            ws(s);
            if (s->p >= s->end)
                return 0;
            if (*s->p == ',') {
                s->p++;
                ws(s);
                continue;
            }
            if (*s->p == '}') {
                s->p++;
                break;
            }
            return 0;
        }
    }
    ws(s);
    if (s->p != s->end || !seen[idslot])
        return 0;
    if (flen[idslot] == SIZE_MAX) {
        char tmp[24];
        memcpy(tmp, id_num, id_num_len);
        tmp[id_num_len] = '\0';
        long long v = strtoll(tmp, NULL, 10);
        int k = snprintf(out->idbuf, sizeof out->idbuf, "%lld", v);
        out->id = out->idbuf;
        out->id_len = (size_t)k;
    } else {
        out->id = (fesc[idslot] ? esc->data : line) + off[idslot];
        out->id_len = flen[idslot];
    }
    for (unsigned f = 0; f < fs->n; f++) {
        if (strcmp(fs->names[f], "id") == 0) { /* an integer id as its decimal text */
            out->text[f] = out->id;
            out->text_len[f] = out->id_len;
            continue;
        }
        if (!seen[f])
            continue;
        out->text[f] = (fesc[f] ? esc->data : line) + off[f];
        out->text_len[f] = flen[f];
    }
    return 1;
}

/* Skip one value of a line jansson accepted, however deep: strings whole,
 * containers by their brackets, any other token up to the next delimiter.
 * Unlike value(), it declines nothing jansson reads (1e308, deep nesting). */
static int skip_lax(scan *s)
{
    int depth = 0;
    do {
        if (s->p >= s->end)
            return -1;
        unsigned char c = *s->p;
        if (c == '"') {
            if (skip_string(s))
                return -1;
        } else if (c == '{' || c == '[') {
            depth++;
            s->p++;
        } else if (c == '}' || c == ']') {
            depth--;
            s->p++;
        } else if (depth > 0) {
            s->p++; /* a delimiter, a space or a byte of a number or literal */
        } else {
            while (s->p < s->end && *s->p != ',' && *s->p != '}' && *s->p != ']' && *s->p != ' ' &&
                   *s->p != '\t' && *s->p != '\n' && *s->p != '\r')
                s->p++;
        }
    } while (depth > 0);
    return depth == 0 ? 0 : -1;
}

int fh_json_id_text(const char *line, size_t len, fh_buf *esc, const char **txt, size_t *n)
{
    scan S = {(const unsigned char *)line, (const unsigned char *)line + len, esc};
    scan *s = &S;
    *txt = NULL;
    *n = 0;
    ws(s);
    if (s->p >= s->end || *s->p != '{')
        return -1;
    s->p++;
    ws(s);
    while (s->p < s->end && *s->p == '"') {
        const char *raw = (const char *)s->p + 1;
        size_t ko, kl;
        bool ke;
        fh_buf_reset(esc);
        if (string(s, true, &ko, &kl, &ke))
            return -1;
        const char *key = ke ? esc->data + ko : raw; /* "i\u0064" is "id" too */
        bool is_id = kl == 2 && memcmp(key, "id", 2) == 0;
        ws(s);
        if (s->p >= s->end || *s->p != ':')
            return -1;
        s->p++;
        ws(s);
        const unsigned char *v = s->p;
        if (skip_lax(s))
            return -1;
        if (is_id) { /* the last one counts, as in jansson's tree */
            *txt = (const char *)v;
            *n = (size_t)(s->p - v);
        }
        ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            ws(s);
        }
    }
    return *txt ? 0 : -1;
}

int fh_json_int_text(const char *num, size_t n, char *out, size_t cap)
{
    const char *p = num, *end = num + n;
    bool neg = p < end && *p == '-';
    if (neg)
        p++;
    /* the significant digits (first to last nonzero one, at most 16 kept in
     * v), the zeros after them, and the fraction's length */
    uint64_t v = 0;
    size_t sig = 0, zeros = 0, frac = 0;
    bool in_frac = false, digits = false;
    for (; p < end && ((*p >= '0' && *p <= '9') || *p == '.'); p++) {
        if (*p == '.') {
            in_frac = true;
            continue;
        }
        digits = true;
        if (in_frac)
            frac++;
        if (*p == '0') {
            if (sig) /* a leading zero counts for nothing */
                zeros++;
            continue;
        }
        sig += zeros + 1;
        for (; zeros && sig <= 16; zeros--)
            v *= 10;
        if (sig <= 16)
            v = v * 10 + (uint64_t)(*p - '0');
        zeros = 0;
    }
    long long exp = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = p < end && *p == '-';
        if (p < end && (*p == '-' || *p == '+'))
            p++;
        if (p == end)
            return -1;
        for (; p < end && *p >= '0' && *p <= '9'; p++)
            if (exp < 1000000) /* far past any double's range: saturate */
                exp = exp * 10 + (*p - '0');
        exp = eneg ? -exp : exp;
    }
    if (!digits || p != end)
        return -1;
    if (sig == 0) /* zero, however written (-0.0, 0e-400) */
        return snprintf(out, cap, "0");
    /* v's last digit stands for 10^scale */
    long long scale = exp - (long long)frac + (long long)zeros;
    if (scale < 0 || (long long)sig + scale > 16)
        return -1; /* a fraction, or 10^16 or more */
    for (; scale > 0; scale--)
        v *= 10;
    if (v >= (uint64_t)1 << 53)
        return -1;
    return snprintf(out, cap, "%s%" PRIu64, neg ? "-" : "", v);
}

int fh_json_number_id(const json_t *id, const char *line, size_t len, fh_buf *esc, char *out,
                      size_t cap)
{
    const char *t;
    size_t n;
    if (!json_is_number(id) || fh_json_id_text(line, len, esc, &t, &n) != 0)
        return -1;
    /* an integer as written, read as one: exact to 64 bits (in a line
       holding an integer beyond 64 bits it is a real, and the rule for
       reals applies) */
    if (json_is_integer(id) && !memchr(t, '.', n) && !memchr(t, 'e', n) && !memchr(t, 'E', n))
        return snprintf(out, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
    return fh_json_int_text(t, n, out, cap);
}

size_t fh_json_fix_lone_surrogates(char *line, size_t len)
{
    unsigned char *c = (unsigned char *)line, *end = c + len;
    size_t fixed = 0;
    bool in_str = false;
    for (; c < end; c++) {
        if (*c == '"') {
            in_str = !in_str;
            continue;
        }
        if (!in_str || *c != '\\' || c + 1 >= end)
            continue;
        uint32_t u, lo;
        if (end - c < 6 || c[1] != 'u' || hex4(c + 2, &u) || u < 0xD800 || u > 0xDFFF) {
            c++; /* the escaped character */
            continue;
        }
        if (u <= 0xDBFF && end - c >= 12 && c[6] == '\\' && c[7] == 'u' && hex4(c + 8, &lo) == 0 &&
            lo >= 0xDC00 && lo <= 0xDFFF) {
            c += 11; /* a pair: both escapes */
            continue;
        }
        memcpy(c + 2, "fffd", 4);
        fixed++;
        c += 5;
    }
    return fixed;
}
