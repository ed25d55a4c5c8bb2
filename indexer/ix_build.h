/* ix_build.h — `fahras-indexer build`: the whole pipeline from input files to
 * a published index.
 *
 *   reader thread ──batches of lines──> N analyzer threads ──results──> main
 *   (decompress, split)                 (parse, analyze, own term table,   (in input order:
 *                                        spill sorted runs past budget)     ids, duplicates,
 *                                                                           stored docs)
 *   then: k-way merge of runs + tables -> fh_index_writer_term_* -> atomic publish.
 *
 * Docids follow input order whatever the thread count: every line (or text
 * file) gets an ordinal from the reader, and the main thread maps ordinals to
 * docids as it commits batches in sequence. */
#ifndef FAHRAS_IX_BUILD_H
#define FAHRAS_IX_BUILD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fahras/analyze.h"
#include "ix_input.h"
#include "ix_record.h"

typedef struct fh_build_opts {
    const char *index_dir;
    const char *const *inputs; /* "-" is standard input */
    size_t n_inputs;
    fh_informat format; /* FH_IN_AUTO: by extension / directory */
    fh_fieldset fields;
    float weights[FH_MAX_FIELDS];
    unsigned threads;     /* analyzer threads, >= 1 */
    size_t mem_bytes;     /* memory budget */
    size_t max_doc_bytes; /* larger records are skipped */
    size_t batch_bytes;   /* input bytes per batch (0: default) */
    bool strict;          /* stop at the first reported problem */
    bool progress;        /* progress line on stderr */
    fh_stemmer_kind stemmer;
    bool no_guard;        /* light10 without the guarded proclitic rule */
    bool alt_stems;       /* light10 + a Snowball term per word (analyzer "+sb") */
    FILE *log; /* reports and progress; stderr */
} fh_build_opts;

typedef struct fh_build_stats {
    uint64_t read;                       /* records seen (blank lines excluded) */
    uint64_t indexed;
    uint64_t skipped[FH_REC_NSTATUS];    /* by fh_rec_status */
    uint64_t skipped_total;
    uint64_t warn_utf8, warn_empty;      /* indexed anyway */
    uint64_t warn_nonstr;                /* an analyzed field held no string */
    uint32_t fields_held;                /* bit f: an indexed document held field f as a
                                            string (a --fields name no bit covers is
                                            warned about) */
    uint64_t bytes_in;                   /* decompressed input bytes */
    uint64_t terms, postings, positions;
    uint64_t spills;
    uint64_t index_bytes;
    double wall_s, merge_s;
    double analyze_s;     /* until the last batch was committed */
    double commit_busy_s; /* CPU time of the committer (ids, stored docs) */
    long peak_rss_kb;
    bool published;
} fh_build_stats;

/* Set from a signal handler: the build stops, nothing is published. */
extern volatile sig_atomic_t fh_build_interrupted;

/* Run a build. Returns 0 when an index was published, FH_EINPUT for input
 * problems (an input that cannot be read, a TSV header without id, a bad
 * record under --strict, nothing indexed), FH_ETIMEOUT when interrupted, or
 * another FH_E* code for an index/output failure. On any error the live
 * index is untouched. `st` is filled in either case. */
int fh_build(const fh_build_opts *o, fh_build_stats *st);

/* Print the final summary (several lines) to f. */
void fh_build_print_summary(FILE *f, const fh_build_opts *o, const fh_build_stats *st);

#endif /* FAHRAS_IX_BUILD_H */
