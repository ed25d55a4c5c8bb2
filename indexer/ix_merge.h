/* ix_merge.h — k-way merge of sorted term sources (spilled runs and sorted
 * in-memory tables) into one posting stream in term byte order.
 *
 * Terms come from a heap ordered by bytes; for a term present in several
 * sources their postings are merged by record ordinal (each ordinal lives in
 * exactly one source). Ordinals are mapped to final docids through `remap`
 * (FH_REMAP_NONE drops the record: a duplicate id, say); a term none of whose
 * records survive is not emitted. The sink receives what
 * fh_index_writer_term_* expects. */
#ifndef FAHRAS_IX_MERGE_H
#define FAHRAS_IX_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "ix_table.h"

#define FH_REMAP_NONE UINT32_MAX

typedef struct fh_msrc fh_msrc;

/* A source over a table already sorted with fh_ttab_sort() (borrowed). */
int fh_msrc_table(fh_ttab *t, fh_msrc **out);
/* A source over a run file written by fh_ttab_spill(), read through a
 * buffer of buf_bytes (at least FH_RUN_BUF_MIN; it grows for a term whose
 * postings are longer). The file is opened for each refill and closed
 * again, so a merge of any number of runs needs one descriptor at a time.
 * FH_EIO (errno set) if it cannot be read, FH_ECORRUPT if it is no run. */
#define FH_RUN_BUF_MIN ((size_t)64 << 10)
int fh_msrc_run(const char *path, size_t buf_bytes, fh_msrc **out);
void fh_msrc_free(fh_msrc *s);

typedef struct fh_post_sink {
    void *ctx;
    int (*term_begin)(void *ctx, const char *term, size_t len);
    int (*term_add)(void *ctx, uint32_t docid, const uint32_t *tfs, const uint32_t *pos,
                    size_t npos);
    int (*term_end)(void *ctx);
    /* Optional: when set, it replaces term_add and receives the positions
     * still encoded as the tables hold them, which is the index's own
     * positions encoding (docs/FORMAT.md "positions": per field with tf > 0,
     * LEB128 varints, the first position as is, then differences): vpos
     * holds npos varints in vlen bytes, counted but not decoded. */
    int (*term_add_vpos)(void *ctx, uint32_t docid, const uint32_t *tfs, const uint8_t *vpos,
                         size_t vlen, size_t npos);
} fh_post_sink;

typedef struct fh_merge_stats {
    uint64_t n_terms;
    uint64_t n_postings;
    uint64_t n_positions;
} fh_merge_stats;

/* Merge; FH_ECORRUPT if a source does not decode, else the sink's errors.
 * `progress` (may be NULL) is called every 64k terms with the term count. */
int fh_merge(fh_msrc **srcs, size_t n, unsigned n_fields, const uint32_t *remap, size_t n_remap,
             const fh_post_sink *sink, fh_merge_stats *st,
             void (*progress)(void *ctx, uint64_t terms), void *progress_ctx);

#endif /* FAHRAS_IX_MERGE_H */
