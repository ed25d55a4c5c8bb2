/* buf.h — a growable byte buffer with a hard maximum size.
 *
 * Every growable buffer in Fahras has a cap (see STYLE.md): appending past
 * `max` fails with FH_ELIMIT and leaves the buffer unchanged, so network input
 * or a pathological document can never grow memory without bound.
 * The contents are always NUL-terminated (the NUL is not counted in len), so
 * they can be handed to C string functions. A zeroed struct is NOT valid;
 * call fh_buf_init first. */
#ifndef FAHRAS_BUF_H
#define FAHRAS_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct fh_buf {
    char *data;   /* owned; NULL until the first append */
    size_t len;   /* bytes used, excluding the terminating NUL */
    size_t cap;   /* bytes allocated */
    size_t max;   /* maximum len allowed */
} fh_buf;

/* Prepare an empty buffer that may hold at most `max` bytes. Allocates nothing. */
void fh_buf_init(fh_buf *b, size_t max);
/* Release the memory; the buffer is empty afterwards and may be reused. */
void fh_buf_free(fh_buf *b);
/* Forget the contents but keep the allocation. */
void fh_buf_reset(fh_buf *b);
/* Make room for `extra` more bytes. FH_ELIMIT past max, FH_ENOMEM. */
int fh_buf_reserve(fh_buf *b, size_t extra);
/* Append bytes / a C string / one byte / printf-formatted text. 0 or FH_ELIMIT/FH_ENOMEM. */
int fh_buf_add(fh_buf *b, const void *p, size_t n);
int fh_buf_adds(fh_buf *b, const char *s);
int fh_buf_addc(fh_buf *b, char c);
int fh_buf_addf(fh_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int fh_buf_vaddf(fh_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Append `n` bytes of well-formed UTF-8 (the caller's guarantee) JSON-escaped,
 * without quotes: " \ and the control characters, and the characters
 * fh_utf8_line_break_like() names (U+0080-U+009F, U+2028, U+2029), so the
 * output is one line to every reader. On error what was appended stays. */
int fh_buf_add_json_chars(fh_buf *b, const char *s, size_t n);
/* Append `n` bytes of UTF-8 as a JSON string literal, quotes included.
 * Control characters and " \ are escaped, and so are the characters
 * fh_utf8_line_break_like() names (U+0080-U+009F, U+2028, U+2029), so the
 * output is one line to every reader; invalid UTF-8 becomes U+FFFD so the
 * output is always valid JSON. All or nothing on error. */
int fh_buf_add_json_str(fh_buf *b, const char *s, size_t n);
/* Append `n` bytes of valid JSON text (a stored document's token) as they
 * stand, except the characters fh_utf8_line_break_like() names, written as
 * \uXXXX: JSON allows them raw only inside strings, where the escape keeps
 * the value. All or nothing on error. */
int fh_buf_add_json_raw(fh_buf *b, const char *s, size_t n);
/* True if s[0..n) can be copied verbatim into a JSON string: no quote,
 * backslash or ASCII control character (C0 or DEL). searchd holds highlight
 * markers and field names (fields=, snippet_field=) to it. */
bool fh_json_verbatim(const char *s, size_t n);
/* Give the caller the heap block (NUL-terminated) and leave b empty.
 * The caller frees it with free(). Returns NULL if b was never appended to. */
char *fh_buf_take(fh_buf *b, size_t *len);

#endif /* FAHRAS_BUF_H */
