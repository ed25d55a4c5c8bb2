/* fuzz_util.h — what the fuzz targets share: a hard invariant check, a
 * strict UTF-8 checker and a small JSON validator, written independently of
 * the code under test so a bug there cannot hide itself. */
#ifndef FAHRAS_FUZZ_UTIL_H
#define FAHRAS_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* libFuzzer entry points (the replay main calls them the same way). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Abort with a message when an invariant does not hold: libFuzzer and the
 * replay program both treat the abort as a failure and keep the input. */
#define FZ_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fz_fail(__FILE__, __LINE__, #cond);                                                    \
    } while (0)

_Noreturn void fz_fail(const char *file, int line, const char *what);

/* True if s[0..n) is well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF). */
bool fz_utf8_ok(const char *s, size_t n);

/* True if s[0..n) is exactly one JSON value (RFC 8259), optionally surrounded
 * by white space, with every string valid UTF-8. Nesting is capped at 256. */
bool fz_json_ok(const char *s, size_t n);

/* A cursor over the fuzz input, for targets that carve parameters out of it. */
typedef struct fz_in {
    const uint8_t *p;
    size_t n;
} fz_in;

uint8_t fz_u8(fz_in *in);     /* 0 once the input is used up */
uint32_t fz_u32(fz_in *in);   /* little-endian, zero-padded */

#endif
