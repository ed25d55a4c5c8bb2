/* utf8.h — strict UTF-8 validation, U+FFFD repair and encoding, shared by every module.
 *
 * Well-formed means RFC 3629: no overlong forms, no surrogates (D800-DFFF),
 * nothing past U+10FFFF, no truncated sequence. The indexer repairs input
 * records with it, the daemon rejects bad request lines with it, the engine
 * checks query text, and fh_buf_add_json_str() uses it so that every JSON
 * string Fahras emits is valid. fh_utf8_decode() reads a sequence that
 * fh_utf8_seq_len() measured. The analyzer has its own decoder (it needs
 * code points and offsets in one pass) but applies the same rules. */
#ifndef FAHRAS_UTF8_H
#define FAHRAS_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fahras/buf.h"

/* Length (1..4) of the well-formed sequence at p, which has `avail` >= 1
 * readable bytes, or 0 if the byte at p does not start one. */
size_t fh_utf8_seq_len(const unsigned char *p, size_t avail);

/* Offset of the first byte of [s, s+n) that does not start a well-formed
 * sequence, or n if the whole span is well-formed. */
size_t fh_utf8_check(const char *s, size_t n);

/* True if [s, s+n) is well-formed UTF-8. */
bool fh_utf8_valid(const char *s, size_t n);

/* Append [s, s+n) to out with each ill-formed byte replaced by U+FFFD
 * (EF BF BD). Returns the number of replacements, or a negative FH_E* code
 * (FH_ELIMIT / FH_ENOMEM from the buffer; what was appended stays). */
long fh_utf8_repair(const char *s, size_t n, fh_buf *out);

/* Characters (code points) of the well-formed UTF-8 s[0..n): its bytes
 * that are not continuation bytes. Eight bytes at a time: a continuation
 * byte (10xxxxxx) is one whose bit 7 is set and whose bit 6, shifted into
 * bit 7, is clear; the per-byte flags are summed by a multiply (snippets
 * count every word and gap of a stored text, most of them a few bytes). */
static inline size_t fh_utf8_chars(const char *s, size_t n)
{
    size_t k = n, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        uint64_t cont = (x & ~(x << 1) & 0x8080808080808080u) >> 7;
        k -= (size_t)((cont * 0x0101010101010101u) >> 56);
    }
    for (; i < n; i++)
        k -= ((unsigned char)s[i] & 0xC0u) == 0x80u;
    return k;
}

/* Encode code point cp (at most U+10FFFF, not checked) into out[0..4).
 * Returns the number of bytes written, 1..4. */
static inline size_t fh_utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The code point of the well-formed sequence p[0..len), len (1..4) from
 * fh_utf8_seq_len(). */
static inline uint32_t fh_utf8_decode(const unsigned char *p, size_t len)
{
    static const unsigned char lead_bits[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    uint32_t cp = p[0] & lead_bits[len];
    for (size_t k = 1; k < len; k++)
        cp = (cp << 6) | (p[k] & 0x3Fu);
    return cp;
}

/* The code point of the character at p (`avail` >= 1 bytes, well-formed)
 * when it is one that JSON lets a string hold raw but that line-oriented
 * readers take for a line end or a control: U+0080-U+009F (the C1
 * controls, U+0085 NEXT LINE among them; C2 80..C2 9F), U+2028 LINE
 * SEPARATOR and U+2029 PARAGRAPH SEPARATOR (E2 80 A8, E2 80 A9); else 0.
 * Every JSON string Fahras writes has them as \uXXXX, so that a reply is
 * one line to any reader (Python's str.splitlines, JavaScript before
 * ES2019). Its length is 2 when the code point is under 0x100, else 3. */
static inline uint32_t fh_utf8_line_break_like(const unsigned char *p, size_t avail)
{
    if (avail >= 2 && p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
        return p[1];
    if (avail >= 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))
        return 0x2000u + (p[2] - 0x80u);
    return 0;
}

/* s[0, n) as a report shows it (fahras-indexer's reports and messages that
 * quote input or arguments), on one line and as valid UTF-8, into out
 * (cap >= 4 bytes, NUL-terminated): each control byte (below 0x20, DEL) and
 * each byte of invalid UTF-8 as \xNN, a C1 control, U+2028 and U+2029 as
 * \uXXXX, the rest as it is. What does not fit is cut before a character
 * (never inside one or an escape), the cut marked "...". Returns out. */
char *fh_report_text(char *out, size_t cap, const char *s, size_t n);

/* The string s as fh_report_text() shows it, whole (never cut), in memory
 * the caller frees; NULL when out of memory. For paths named on the command
 * line (--index DIR), which a report shows the way it shows an input's; also
 * any argument a message echoes (a --stemmer name, a command). */
char *fh_report_dup(const char *s);

#endif /* FAHRAS_UTF8_H */
