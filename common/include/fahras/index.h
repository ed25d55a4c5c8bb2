/* index.h — the on-disk inverted index: writer (indexer) and reader (daemon).
 *
 * An index lives in a directory DIR. The live index is the single LMDB file
 * DIR/index.mdb (opened with MDB_NOSUBDIR). It is immutable once published:
 * a build writes DIR/.build-<pid>-<seq>.mdb beside it and publishes with
 * rename(2), which is atomic, so a crash at any moment leaves the previous
 * index.mdb intact and no reader can ever open a half-written index.
 * Readers open the file read-only without a lock file (MDB_RDONLY |
 * MDB_NOLOCK), which is safe because nothing ever writes a published file.
 * docs/FORMAT.md documents every database, key and value byte by byte.
 *
 * Threads: an fh_index is immutable after open and shared by all threads.
 * An fh_reader (one LMDB read transaction plus cursors) belongs to one thread.
 * An fh_postings iterator belongs to the reader it was opened from and must
 * be freed before that reader is closed or reset.
 *
 * Corruption: every decoder checks its bounds; corrupt data is reported as
 * FH_ECORRUPT, never read past, never assert()ed.
 */
#ifndef FAHRAS_INDEX_H
#define FAHRAS_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fahras/buf.h"

#define FH_FORMAT_VERSION 1u
#define FH_MAX_FIELDS 8u        /* analyzed fields per document */
#define FH_FIELD_NAME_MAX 31u   /* bytes, excluding NUL */

/* Whether c may be part of a field name a query writes as name:word
 * (searchd's query parser): ASCII letters, digits and '_'. A field with
 * another name is searched with the others only (the indexer notes it). */
static inline bool fh_field_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
#define FH_DOC_END UINT32_MAX   /* docid of an exhausted iterator */
#define FH_INDEX_FILE "index.mdb"

/* ------------------------------------------------------------------ meta */

typedef struct fh_index_meta {
    uint32_t format_version;
    char analyzer_name[64];
    char analyzer_version[16];
    uint32_t n_docs;                      /* docids are 0 .. n_docs-1 */
    uint32_t n_fields;                    /* analyzed fields, 1..FH_MAX_FIELDS */
    char field_names[FH_MAX_FIELDS][FH_FIELD_NAME_MAX + 1];
    float field_weights[FH_MAX_FIELDS];   /* default BM25F weights chosen at build */
    double avg_field_len[FH_MAX_FIELDS];  /* mean tokens per field over all docs */
    uint64_t n_terms;                     /* distinct terms */
    uint64_t n_postings;                  /* (term, doc) pairs */
    int64_t build_time;                   /* Unix seconds */
} fh_index_meta;

/* ---------------------------------------------------------------- writer */

typedef struct fh_index_writer fh_index_writer;

#define FH_INDEX_MAP_DEFAULT ((size_t)1 << 30) /* initial map without a hint; grown on demand */

/* A failed growth of the writer's map, for the caller's message: the map
 * is grown between transactions as the index needs, and the larger mapping
 * can be refused (RLIMIT_AS, no address space left). */
typedef struct fh_index_grow_failure {
    size_t map_size; /* bytes the writer tried to map; 0 while no growth failed */
    int err;         /* mmap's errno (ENOMEM) for that try */
} fh_index_grow_failure;

typedef struct fh_index_build_info {
    const char *analyzer_name;
    const char *analyzer_version;
    uint32_t n_fields;
    const char *field_names[FH_MAX_FIELDS];
    float field_weights[FH_MAX_FIELDS];
    size_t map_size_hint; /* initial map bytes, >= 1 MiB; 0 = FH_INDEX_MAP_DEFAULT (1 GiB) */
    /* NULL, or the caller's record of a failed map growth: zeroed by
     * fh_index_writer_open(), filled when a write (commit's too) fails with
     * FH_ENOMEM because the map could not grow. It must outlive the writer. */
    fh_index_grow_failure *grow_failed;
} fh_index_build_info;

/* Start a new index beside the live one in DIR (created if missing):
 * DIR/.build-<pid>-<seq>.mdb. The writer holds DIR's build lock (flock on
 * the directory) until commit or abort, so one writer at a time builds in
 * DIR: FH_EEXIST when another holds it (another process, or another writer
 * of this one). With the lock held every .build-<pid>-* file found is a
 * dead build's and is removed, whatever its pid; where the file system has
 * no flock (some NFS) the writer goes on unlocked and removes only those
 * whose process is gone (docs/FORMAT.md, "Cleanup"). On FH_EIO, here and
 * from fh_index_writer_commit, errno says why (ENOSPC for a write that found
 * the disk full). */
int fh_index_writer_open(const char *dir, const fh_index_build_info *info,
                         fh_index_writer **out);
/* errno e after a failed write into DIR, read with the disk in mind: EIO
 * becomes ENOSPC when DIR's file system has under 4 MiB left (LMDB reports
 * the short write of a full disk as EIO); any other e is returned as is.
 * Ask before the failed file is removed, which frees the space. */
int fh_index_write_errno(const char *dir, int e);
/* Whether w holds DIR's build lock: then no other build is running in DIR,
 * and whatever else a build leaves there (the indexer's .spill-* runs) is a
 * dead build's. */
bool fh_index_writer_dir_locked(const fh_index_writer *w);
/* The process id in the name of a build's leftover: name is prefix, then
 * <pid> in decimal digits only (no sign, no space) from 1 to 2^31-1, then
 * the byte stop ('\0' for the end of the name). 0 for any other name, which
 * the cleanup leaves alone (docs/FORMAT.md, "Cleanup"). The writer reads
 * ".build-<pid>-..." with it, fahras-indexer ".spill-<pid>". */
long fh_index_leftover_pid(const char *name, const char *prefix, char stop);

/* Documents, in strictly increasing docid order starting at 0 with no gaps.
 * A document must be added before any term_add() names it (its field lengths
 * feed the per-block min_len bounds); adding all documents first is simplest.
 * ext_id: the external id (unique; the caller checks duplicates), 1..511 bytes
 * (LMDB's key limit); FH_EINVAL otherwise. A duplicate makes commit fail
 * with FH_EEXIST.
 * field_lens: tokens per analyzed field (info->n_fields entries).
 * stored: the document as a JSON object (UTF-8), returned verbatim by GET.
 * All buffers are copied before return. */
int fh_index_writer_add_doc(fh_index_writer *w, uint32_t docid, const char *ext_id,
                            size_t ext_id_len, const uint32_t *field_lens,
                            const char *stored, size_t stored_len);

/* Stored documents encoded off the writer's thread.
 *
 * The writer compresses stored documents with zstd (level 3) and a
 * dictionary it trains on the first 4 MiB of documents (docs/FORMAT.md,
 * "docs"). To take compression off the thread that calls the writer, an
 * indexer can encode documents on its own threads once the writer has its
 * codec:
 *
 *   const fh_doc_codec *c = fh_index_writer_doc_codec(w); // NULL until trained
 *   fh_doc_encoder *e; fh_doc_encoder_new(c, &e);         // one per thread
 *   fh_doc_encode(e, json, len, &buf);                    // any thread
 *   fh_index_writer_add_doc_encoded(w, docid, id, idlen, lens, buf.data, buf.len);
 *
 * Documents added with fh_index_writer_add_doc() before the codec exists
 * wait in the writer. The add_doc() call that completes the training sample
 * starts the training on a thread of the writer's own and returns at once;
 * a later add_doc() or fh_index_writer_doc_codec() that finds it finished
 * writes the waiting documents (commit waits for it; for a small collection
 * commit trains on everything). After that both add calls may be mixed
 * freely, and the stored values are byte for byte what add_doc() alone
 * would have written.
 *
 * Threads: an fh_doc_codec is immutable and may be shared by any number of
 * threads; an fh_doc_encoder belongs to one thread at a time. The writer's
 * codec stays valid until the writer is committed or aborted: free every
 * encoder made from it before that. */
typedef struct fh_doc_codec fh_doc_codec;
typedef struct fh_doc_encoder fh_doc_encoder;

/* The writer's codec, or NULL while documents still wait for the training
 * (or after an error, which is sticky: the next call reports it). Polls the
 * training: once it has finished, writes the waiting documents first. Owned
 * by the writer; call this on the writer's thread and hand the pointer to
 * the other threads. */
const fh_doc_codec *fh_index_writer_doc_codec(fh_index_writer *w);

/* A standalone codec trained on n sample documents (concatenated in
 * `samples`, sizes[i] bytes each): with a zstd dictionary when there are at
 * least 256 samples averaging 8 bytes or more and training succeeds, plain
 * zstd otherwise. (The writer uses the same function on its sample.) */
int fh_doc_codec_train(const void *samples, const size_t *sizes, size_t n, fh_doc_codec **out);
void fh_doc_codec_free(fh_doc_codec *c);

int fh_doc_encoder_new(const fh_doc_codec *c, fh_doc_encoder **out);
void fh_doc_encoder_free(fh_doc_encoder *e);

/* Append the encoded body of one stored document (a JSON object) to `out`:
 * a flags byte, then varint raw length + zstd frame, or the raw bytes
 * (docs/FORMAT.md, "docs", without the id). FH_ELIMIT above 4 GiB. */
int fh_doc_encode(fh_doc_encoder *e, const char *stored, size_t stored_len, fh_buf *out);

/* fh_index_writer_add_doc() with the stored document already encoded by an
 * encoder of fh_index_writer_doc_codec(w). FH_EINVAL before the writer has
 * its codec, or for a body whose flags do not match that codec. */
int fh_index_writer_add_doc_encoded(fh_index_writer *w, uint32_t docid, const char *ext_id,
                                    size_t ext_id_len, const uint32_t *field_lens,
                                    const void *enc, size_t enc_len);

/* Postings, term by term in strictly increasing byte order (memcmp, shorter
 * first), each term's documents in strictly increasing docid order.
 * Terms are 1..511 bytes (LMDB's key limit): longer ones are FH_EINVAL, so
 * the caller caps token length. A term_begin/term_end pair with no
 * term_add in between records nothing.
 * tfs: n_fields term frequencies (0 where the term is absent from a field;
 * not all zero).
 * pos: the term's positions, field by field in field order, each field's list
 * ascending; npos = sum of tfs. npos = 0 (pos may be NULL) stores no
 * positions, and must then hold for every document of that term.
 * Buffers are copied before return.
 * FH_EINVAL for a call out of order or bad arguments leaves the writer
 * usable; any other error is sticky and commit will fail with it. */
int fh_index_writer_term_begin(fh_index_writer *w, const char *term, size_t len);
int fh_index_writer_term_add(fh_index_writer *w, uint32_t docid, const uint32_t *tfs,
                             const uint32_t *pos, size_t npos);
int fh_index_writer_term_end(fh_index_writer *w);
/* term_add() with the positions already in the stored encoding
 * (docs/FORMAT.md "positions"): for each field with tf > 0, tfs[f] LEB128
 * varints, the first position as is, then the differences; exactly vlen > 0
 * bytes, each value and each field's running sum within 32 bits (else
 * FH_EINVAL). The bytes are copied as they are, so an indexer whose tables
 * hold that encoding skips decoding and re-encoding. May be mixed with
 * term_add() calls that carry positions. */
int fh_index_writer_term_add_vpos(fh_index_writer *w, uint32_t docid, const uint32_t *tfs,
                                  const void *vpos, size_t vlen);

/* Write metadata, sync, and publish atomically as DIR/index.mdb. On success
 * the writer is freed. On failure the build file is removed, the live index
 * is untouched, and the writer is freed too. */
int fh_index_writer_commit(fh_index_writer *w);
/* Abandon the build: remove the build file, free the writer. */
void fh_index_writer_abort(fh_index_writer *w);

/* ---------------------------------------------------------------- reader */

typedef struct fh_index fh_index;
typedef struct fh_reader fh_reader;
typedef struct fh_postings fh_postings;

/* Open DIR/index.mdb read-only. FH_ENOTFOUND if there is none, FH_EVERSION
 * for another format version, FH_ECORRUPT if the metadata does not decode.
 * If expect_analyzer_name/version are non-NULL and differ from the index's,
 * FH_EANALYZER. */
int fh_index_open(const char *dir, const char *expect_analyzer_name,
                  const char *expect_analyzer_version, fh_index **out);
/* Why fh_index_open(dir) failed with rc, for a message after "cannot open
 * the index in DIR: ". For FH_ENOTFOUND and FH_EIO it looks at the file
 * system and names the path's problem (no such directory, not a directory,
 * no index.mdb in it, permission denied, an empty index.mdb); for
 * FH_EVERSION the format this build reads and the file's; otherwise, or when it finds
 * none, fh_strerror(rc). For FH_EVERSION it also reads the file's format
 * again (opening it read-only) to name it, and whether a newer or an older
 * fahras-indexer made it. Returns buf (written, at most n bytes) or a static
 * string; call it right after the failure. */
const char *fh_index_open_reason(int rc, const char *dir, char *buf, size_t n);
void fh_index_close(fh_index *ix);
/* Valid until fh_index_close(). */
const fh_index_meta *fh_index_get_meta(const fh_index *ix);
/* The descriptor of the index file ix opened (LMDB's own): borrowed, never
 * to be closed or moved, valid until fh_index_close(). A tool that opens the
 * same file a second time (fahras-indexer check's statistics) opens
 * /proc/self/fd/N, not DIR/index.mdb: a publish may have renamed another
 * file to that name since ix was opened. -1 if LMDB does not say. */
int fh_index_file_fd(const fh_index *ix);
/* Identity of the published file (device and inode of DIR/index.mdb): a
 * daemon compares fh_index_file_id(dir) with fh_index_id(ix) to notice a
 * re-publish. 0 if DIR has no index. */
uint64_t fh_index_file_id(const char *dir);
uint64_t fh_index_id(const fh_index *ix);
/* The size in bytes of the file ix opened (the index it serves, whatever
 * has been published over DIR/index.mdb since). */
uint64_t fh_index_file_bytes(const fh_index *ix);
/* Read every entry of every database of ix (each key and value's first and
 * last byte), so that every page of the file is reached the way lookups
 * reach it. Returns 0, FH_ECORRUPT when LMDB finds a page inconsistent or a
 * key or value runs past the file's end, or another error. LMDB trusts its page pointers: in a
 * damaged file the walk may crash (SIGSEGV, SIGBUS) or, on a page cycle, not end. Run it in a
 * process of its own (fahras-searchd vets every index it opens that way,
 * docs/PROTOCOL.md). Reads the whole file into the page cache. */
int fh_index_walk(const fh_index *ix);
/* Whether a process that read an index and ended by signal sig crashed on
 * it (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT: the file's pages are
 * damaged) rather than being stopped (SIGTERM, SIGKILL, SIGPIPE...). The
 * one rule for fahras-indexer check's walk and fahras-searchd's vet. */
bool fh_index_crash_signal(int sig);

/* The file's bytes where LMDB mapped them, for a tool that reads an index
 * file through LMDB itself (fahras-indexer check's statistics) and must hold
 * what LMDB returns to them as the reader does: LMDB hands over the place
 * and size a node claims unchecked, so in a damaged file a key or value may
 * lie past the file's end, in unmapped memory or another mapping. */
typedef struct fh_index_map {
    uintptr_t lo, hi; /* [lo, hi); 0 and UINTPTR_MAX: unbounded */
} fh_index_map;
struct MDB_txn;
/* The map of the file that txn's environment opened read-only: the mapping
 * in /proc/self/maps that holds the first key of LMDB's main database, less
 * its file offset, up to the smaller of the file's size (fstat of LMDB's
 * descriptor) and the map size. Unbounded when the size is unknown, /proc
 * cannot be read or names no file mapping there. *out holds plain addresses:
 * nothing to free; they stay valid until the environment is closed. 0,
 * FH_ECORRUPT for an empty main database, or another error. */
int fh_index_map_find(struct MDB_txn *txn, fh_index_map *out);
/* Whether the n bytes at p lie within the file's bytes in m. */
static inline bool fh_index_map_holds(const fh_index_map *m, const void *p, size_t n)
{
    uintptr_t a = (uintptr_t)p;
    return a >= m->lo && a <= m->hi && n <= m->hi - a;
}

int fh_reader_open(fh_index *ix, fh_reader **out);
void fh_reader_close(fh_reader *r);

typedef struct fh_term_info {
    uint32_t df;                      /* documents containing the term (any field) */
    uint32_t df_field[FH_MAX_FIELDS]; /* documents containing it in each field */
    uint64_t cf;                      /* total occurrences */
    uint32_t max_tf[FH_MAX_FIELDS];   /* largest tf per field over the whole list */
    uint32_t min_len[FH_MAX_FIELDS];  /* smallest field length among docs with tf>0 there */
} fh_term_info;

/* Look up an exact term. FH_ENOTFOUND if absent. */
int fh_term_get(fh_reader *r, const char *term, size_t len, fh_term_info *out);

/* Visit terms starting with `prefix` in byte order, at most `max` of them.
 * The callback returns 0 to continue, non-zero to stop (that value is
 * returned). term/ti are valid only during the call. */
typedef int (*fh_term_cb)(void *ctx, const char *term, size_t len, const fh_term_info *ti);
int fh_term_prefix(fh_reader *r, const char *prefix, size_t len, size_t max, fh_term_cb cb,
                   void *ctx);

/* Postings iterator over one term. After open it is positioned on the first
 * document; fh_postings_docid() is FH_DOC_END when exhausted. FH_ENOTFOUND
 * (and *out = NULL) for a term that is not in the index. Open allocates
 * nothing in the steady state: freed iterators are kept by their reader
 * (as many as were ever open at once, until fh_reader_close) and reused by the
 * next open. */
int fh_postings_open(fh_reader *r, const char *term, size_t len, fh_postings **out);
void fh_postings_free(fh_postings *p);
/* Iterators r has allocated: those open and those kept for reuse. */
size_t fh_reader_iterators(const fh_reader *r);
uint32_t fh_postings_docid(const fh_postings *p);
/* Advance to the next document. 0 or FH_ECORRUPT. */
int fh_postings_next(fh_postings *p);
/* Advance to the first document >= target (no-op if already there). Skips
 * whole blocks through the skip table (galloping search) without decoding
 * them. 0 or FH_ECORRUPT. */
int fh_postings_seek(fh_postings *p, uint32_t target);
/* Per-field term frequencies of the current document (n_fields entries),
 * valid until the iterator moves. */
const uint32_t *fh_postings_tfs(const fh_postings *p);
/* Batch access (an addition to the per-document calls): the rest of the
 * current decoded block, starting at the current document. Returns n (0 when
 * exhausted); (*docs)[0..n) are the docids and (*tfs)[i * n_fields + f] the
 * frequencies, valid until the iterator moves. A scorer can run over them
 * without a call per document, then continue with
 * fh_postings_seek(p, (*docs)[n - 1] + 1). */
size_t fh_postings_batch(const fh_postings *p, const uint32_t **docs, const uint32_t **tfs);

/* Block-max bound for dynamic pruning: describes the block that holds the
 * first document >= target, WITHOUT decoding it (shallow). max_tf[f] is the
 * largest tf in field f in that block and min_len[f] the smallest length of
 * field f among its documents, so for any k1 >= 0, b in [0,1] and weights
 * >= 0 a BM25F score computed from (max_tf, min_len) bounds every document
 * of the block. last_docid is the block's last document; FH_DOC_END if no
 * block holds a document >= target. The stored per-block values are 16-bit:
 * a block max_tf >= 65535 is reported as the term's max_tf, a min_len above
 * 65535 as 65535, so both stay valid bounds. Fields without the term in the
 * block report max_tf 0 and min_len 0. */
typedef struct fh_block_bound {
    uint32_t last_docid;
    uint32_t max_tf[FH_MAX_FIELDS];
    uint32_t min_len[FH_MAX_FIELDS];
} fh_block_bound;
int fh_postings_block_bound(fh_postings *p, uint32_t target, fh_block_bound *out);

/* Positions of the current document in `field` (ascending), read from the
 * separate positions store on first use. Valid until the iterator moves.
 * *n = 0 for a term indexed without positions. FH_EINVAL if field >=
 * n_fields or the iterator is exhausted. */
int fh_postings_positions(fh_postings *p, unsigned field, const uint32_t **pos, size_t *n);

/* Field lengths: a pointer to n_docs uint32 values for `field`, valid until
 * fh_index_close(). NULL if field >= n_fields. */
const uint32_t *fh_index_field_lengths(const fh_index *ix, unsigned field);

/* Size statistics of one named database (an addition for `fahras-indexer
 * check` and STATS). name is static; bytes = pages * page size. */
typedef struct fh_index_db_stat {
    const char *name;
    uint64_t entries;
    uint64_t pages; /* branch + leaf + overflow */
    uint64_t bytes;
} fh_index_db_stat;
#define FH_INDEX_N_DBS 7u
/* Fill out[0 .. FH_INDEX_N_DBS) with meta, terms, postings, positions,
 * lengths, docs, ids in that order. */
int fh_index_db_stats(fh_reader *r, fh_index_db_stat out[FH_INDEX_N_DBS]);

/* Exactness (an addition for `fahras-indexer check`; no query path calls
 * them): whether the stored bytes are exactly those the writer produces for
 * what they decode to (docs/FORMAT.md, "Exactness"), beyond the checks of
 * the calls above. fh_term_verify covers the term's dictionary value,
 * postings list (skip entries, blocks, nothing after the last) and
 * positions; fh_doc_verify the `docs` value of docid (shortest varints, one
 * zstd frame as the writer makes it). 0; FH_ECORRUPT with the first
 * difference described in why (n bytes, NUL-terminated); or another error
 * (FH_ENOTFOUND for a term the index lacks, FH_ENOMEM). */
int fh_term_verify(fh_reader *r, const char *term, size_t len, char *why, size_t n);
int fh_doc_verify(fh_reader *r, uint32_t docid, char *why, size_t n);

/* The stored document (JSON object, UTF-8) appended to `out`. */
int fh_doc_get(fh_reader *r, uint32_t docid, fh_buf *out);
/* External id of docid; *id valid until the reader is closed. */
int fh_doc_ext_id(fh_reader *r, uint32_t docid, const char **id, size_t *len);
/* Docid of an external id. FH_ENOTFOUND if absent. */
int fh_doc_lookup(fh_reader *r, const char *ext_id, size_t len, uint32_t *docid);

#endif /* FAHRAS_INDEX_H */
