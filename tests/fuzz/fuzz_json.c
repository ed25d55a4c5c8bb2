/* fuzz_json.c — fh_buf_add_json_str() on arbitrary bytes: the literal must
 * be one valid JSON string (checked by fuzz_util's own validator) that
 * decodes back to the input wherever the input was valid UTF-8, appended
 * whole or not at all when the buffer's cap is hit. */
#include <string.h>

#include "fahras/buf.h"
#include "fahras/err.h"
#include "fahras/utf8.h"
#include "fuzz_util.h"

/* Decode the JSON string literal s[0..n) (known valid) into out; returns its length. */
static size_t unescape(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 1; i + 1 < n; i++) {
        if (s[i] != '\\') {
            out[o++] = s[i];
            continue;
        }
        char c = s[++i];
        switch (c) {
        case 'n':
            out[o++] = '\n';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'b':
            out[o++] = '\b';
            break;
        case 'f':
            out[o++] = '\f';
            break;
        case 'u': {
            unsigned v = 0;
            for (int k = 0; k < 4; k++) {
                char d = s[++i];
                v = v * 16 + (unsigned)(d <= '9' ? d - '0' : (d | 0x20) - 'a' + 10);
            }
            /* only the controls and what readers take for a line end */
            char enc[4];
            size_t el = fh_utf8_encode(v, enc);
            FZ_CHECK(v < 0x20 || fh_utf8_line_break_like((const unsigned char *)enc, el));
            memcpy(out + o, enc, el);
            o += el;
            break;
        }
        default:
            out[o++] = c;
            break;
        }
    }
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1u << 16)
        return 0;
    const char *s = (const char *)data;
    fh_buf b;
    fh_buf_init(&b, 1u << 20);
    FZ_CHECK(fh_buf_adds(&b, "[") == 0);
    FZ_CHECK(fh_buf_add_json_str(&b, s, size) == 0);
    FZ_CHECK(fh_buf_adds(&b, "]") == 0);
    FZ_CHECK(fz_json_ok(b.data, b.len));
    FZ_CHECK(strlen(b.data) == b.len);
    for (size_t i = 0; i < b.len; i++) /* one line to every reader */
        FZ_CHECK(!fh_utf8_line_break_like((const unsigned char *)b.data + i, b.len - i));
    if (fz_utf8_ok(s, size)) {
        static char dec[1u << 20];
        size_t dl = unescape(b.data + 1, b.len - 2, dec);
        FZ_CHECK(dl == size && memcmp(dec, s, size) == 0);
    }
    /* a cap that cuts the literal: nothing is appended */
    size_t full = b.len - 2;
    fh_buf_free(&b);
    if (full > 2) {
        fh_buf c;
        fh_buf_init(&c, 1 + (full - 1) * (size % 7 + 1) / 8);
        FZ_CHECK(fh_buf_adds(&c, "[") == 0);
        int rc = fh_buf_add_json_str(&c, s, size);
        FZ_CHECK(rc == FH_ELIMIT);
        FZ_CHECK(c.len == 1 && c.data[1] == '\0');
        fh_buf_free(&c);
    }
    return 0;
}
