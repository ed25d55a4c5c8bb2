/* tutil.h — helpers for the engine tests: temporary directories and tiny
 * indexes built with the real analyzer through the fh_index_writer API. */
#ifndef FAHRAS_TEST_ENGINE_TUTIL_H
#define FAHRAS_TEST_ENGINE_TUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "fahras/analyze.h"

typedef struct tu_doc {
    const char *id;
    const char *field[4]; /* analyzed fields, in the index's field order */
} tu_doc;

/* mkdtemp under $TMPDIR or /tmp; the path is static until the next call. */
char *tu_tmpdir(void);
/* rm -rf dir */
void tu_rmrf(const char *dir);
/* Build dir/index.mdb from docs, fields named fnames with weights fw (NULL =
 * 1.0), analyzing with a. Every token (stop words included) is indexed at its
 * position (and, with an alt_stems analyzer, again under its alt term); field length = tokens that are not parts of a mixed token.
 * Stored document: {"id":..,<fname>:<text>,...}. Returns 0 or an FH_E* code. */
int tu_build(const char *dir, const fh_analyzer *a, unsigned nf, const char *const *fnames,
             const float *fw, const tu_doc *docs, size_t n);
/* tu_build, with stored[d] (when stored and stored[d] are not NULL) as
 * document d's stored JSON text, verbatim, instead of the one built from its
 * fields (which are still what is indexed). */
int tu_build_stored(const char *dir, const fh_analyzer *a, unsigned nf, const char *const *fnames,
                    const float *fw, const tu_doc *docs, size_t n, const char *const *stored);

#endif
