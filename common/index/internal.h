/* internal.h — what the index writer and reader share and nobody else sees:
 * database names, meta keys, byte-order helpers, the term dictionary value
 * codec and LMDB error mapping. The layout itself is in docs/FORMAT.md.
 */
#ifndef FAHRAS_INDEX_INTERNAL_H
#define FAHRAS_INDEX_INTERNAL_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fahras/codec.h"
#include "fahras/index.h"

enum fh_db {
    FH_DB_META,
    FH_DB_TERMS,
    FH_DB_POSTINGS,
    FH_DB_POSITIONS,
    FH_DB_LENGTHS,
    FH_DB_DOCS,
    FH_DB_IDS,
    FH_DB_COUNT
};

extern const char *const fh_db_names[FH_DB_COUNT];

/* Longest key LMDB accepts with its default 4 KiB pages (mdb_env_get_maxkeysize). */
#define FH_MAX_KEY 511u
/* Postings lists whose encoded bytes (skip table + blocks) fit this many bytes
 * are stored inside the term's dictionary value. */
#define FH_INLINE_MAX 96u

/* Dictionary value flags. */
#define FH_TERM_INLINE 0x01u  /* postings follow in the dictionary value */
#define FH_TERM_HAS_POS 0x02u /* the positions database holds this term */

/* Stored document flags. */
#define FH_DOC_ZSTD 0x01u  /* a zstd frame follows the raw length */
#define FH_DOC_ZDICT 0x02u /* ... compressed with meta "zstd_dict" */
/* A stored document is compressed when it has at least FH_DOC_ZSTD_MIN bytes
 * and its frame is more than FH_DOC_ZSTD_GAIN bytes shorter; else it is raw. */
#define FH_DOC_ZSTD_MIN 32u
#define FH_DOC_ZSTD_GAIN 5u

/* Bytes of one skip entry for nf fields. */
#define FH_SKIP_ENTRY(nf) (8u + 4u * (nf))

static inline uint32_t fh_ld32le(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return le32toh(v);
}
static inline uint16_t fh_ld16le(const void *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return le16toh(v);
}
static inline uint64_t fh_ld64le(const void *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return le64toh(v);
}
static inline void fh_st32le(void *p, uint32_t v)
{
    v = htole32(v);
    memcpy(p, &v, 4);
}
static inline void fh_st16le(void *p, uint16_t v)
{
    v = htole16(v);
    memcpy(p, &v, 2);
}
static inline void fh_st64le(void *p, uint64_t v)
{
    v = htole64(v);
    memcpy(p, &v, 8);
}
static inline void fh_st32be(void *p, uint32_t v)
{
    v = htobe32(v);
    memcpy(p, &v, 4);
}

/* A decoded dictionary value. */
typedef struct fh_dict_entry {
    unsigned flags;
    uint32_t term_id;
    fh_term_info ti;
    const uint8_t *blob; /* inline postings, or NULL */
    size_t blob_len;
} fh_dict_entry;

/* Encode the fixed part of a dictionary value (everything but an inline
 * blob) into dst, which must hold FH_DICT_HEAD_MAX bytes; returns its length. */
#define FH_DICT_HEAD_MAX (1u + 3u * FH_VARINT_MAX + 3u * FH_VARINT_MAX * FH_MAX_FIELDS)
size_t fh_dict_encode(uint8_t *dst, unsigned flags, uint32_t term_id, const fh_term_info *ti,
                      unsigned nf);
/* Decode and sanity-check a dictionary value. FH_ECORRUPT if it does not decode. */
int fh_dict_decode(const uint8_t *v, size_t len, unsigned nf, uint64_t n_terms, fh_dict_entry *out);

/* Map an LMDB return code to an FH_E* code. */
int fh_lmdb_err(int rc);

#endif /* FAHRAS_INDEX_INTERNAL_H */
