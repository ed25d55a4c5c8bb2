/* tutil.h — helpers for the engine tests: temporary directories and tiny
 * indexes built with the real analyzer through the fh_index_writer API. */
#ifndef FAHRAS_TEST_ENGINE_TUTIL_H
#define FAHRAS_TEST_ENGINE_TUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
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

/* A test index and what serves it: the analyzer, the temporary directory
 * holding index.mdb, and (after tu_index_open) an engine and a searcher over
 * it. The struct owns all four; tu_index_free releases them. */
typedef struct tu_index {
    char dir[512]; /* "" until a directory is made */
    fh_analyzer *a;
    fh_engine *e;
    fh_searcher *s;
} tu_index;

/* Zero t, make the analyzer (options ao, NULL: the defaults) and a fresh
 * temporary directory. Returns 0 or -1 (t is then free of everything). */
int tu_index_init(tu_index *t, const fh_analyzer_opts *ao);
/* tu_index_init, then the index of docs (tu_build_stored; stored may be
 * NULL) in t->dir. Returns 0, -1 or an FH_E* code (t is then freed). */
int tu_index_build(tu_index *t, const fh_analyzer_opts *ao, unsigned nf, const char *const *fnames,
                   const float *fw, const tu_doc *docs, size_t n, const char *const *stored);
/* The engine over t->dir with ranking parameters rp (NULL: the defaults) and
 * a searcher. Returns 0 or an FH_E* code (t->e and t->s then stay NULL). */
int tu_index_open(tu_index *t, const fh_rank_params *rp);
/* Free the searcher and the engine (t->e and t->s NULL again). */
void tu_index_shut(tu_index *t);
/* tu_index_shut, then the analyzer and the directory; t is zeroed. Safe on a
 * zeroed t and on one where any step failed. */
void tu_index_free(tu_index *t);

#endif
