/* common.c — pieces of the index format used by both writer and reader:
 * database names, the dictionary value codec, LMDB error mapping. */
#include "internal.h"

#include <errno.h>
#include <lmdb.h>

#include "fahras/err.h"

const char *const fh_db_names[FH_DB_COUNT] = {
    [FH_DB_META] = "meta",         [FH_DB_TERMS] = "terms",     [FH_DB_POSTINGS] = "postings",
    [FH_DB_POSITIONS] = "positions", [FH_DB_LENGTHS] = "lengths", [FH_DB_DOCS] = "docs",
    [FH_DB_IDS] = "ids",
};

size_t fh_dict_encode(uint8_t *dst, unsigned flags, uint32_t term_id, const fh_term_info *ti,
                      unsigned nf)
{
    size_t k = 0;
    dst[k++] = (uint8_t)flags;
    k += fh_varint_put(dst + k, term_id);
    k += fh_varint_put(dst + k, ti->df);
    k += fh_varint_put(dst + k, ti->cf);
    for (unsigned f = 0; f < nf; f++) {
        k += fh_varint_put(dst + k, ti->df_field[f]);
        k += fh_varint_put(dst + k, ti->max_tf[f]);
        k += fh_varint_put(dst + k, ti->min_len[f]);
    }
    return k;
}

int fh_dict_decode(const uint8_t *v, size_t len, unsigned nf, uint64_t n_terms, fh_dict_entry *out)
{
    const uint8_t *p = v, *end = v + len;
    memset(out, 0, sizeof *out);
    if (len < 1 || nf == 0 || nf > FH_MAX_FIELDS)
        return FH_ECORRUPT;
    out->flags = *p++;
    if (out->flags & ~(unsigned)(FH_TERM_INLINE | FH_TERM_HAS_POS))
        return FH_ECORRUPT;
    int rc;
    if ((rc = fh_varint_get32(&p, end, &out->term_id)) || (rc = fh_varint_get32(&p, end, &out->ti.df)) ||
        (rc = fh_varint_get(&p, end, &out->ti.cf)))
        return rc;
    if (out->term_id >= n_terms || out->ti.df == 0 || out->ti.cf < out->ti.df)
        return FH_ECORRUPT;
    for (unsigned f = 0; f < nf; f++) {
        if ((rc = fh_varint_get32(&p, end, &out->ti.df_field[f])) ||
            (rc = fh_varint_get32(&p, end, &out->ti.max_tf[f])) ||
            (rc = fh_varint_get32(&p, end, &out->ti.min_len[f])))
            return rc;
        if (out->ti.df_field[f] > out->ti.df)
            return FH_ECORRUPT;
    }
    if (out->flags & FH_TERM_INLINE) {
        out->blob = p;
        out->blob_len = (size_t)(end - p);
    } else if (p != end) {
        return FH_ECORRUPT;
    }
    return 0;
}

int fh_lmdb_err(int rc)
{
    if (rc > 0)
        errno = rc; /* a system error: FH_EIO callers may print strerror(errno) */
    switch (rc) {
    case MDB_SUCCESS:
        return 0;
    case MDB_NOTFOUND:
        return FH_ENOTFOUND;
    case MDB_KEYEXIST:
        return FH_EEXIST;
    case MDB_MAP_FULL:
    case MDB_TXN_FULL:
    case MDB_BAD_VALSIZE:
        return FH_ELIMIT;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
        return FH_ECORRUPT;
    case MDB_VERSION_MISMATCH:
        return FH_EVERSION;
    case ENOMEM:
        return FH_ENOMEM;
    case ENOENT:
        return FH_ENOTFOUND;
    case EIO:
    case EACCES:
    case ENOSPC:
    case EROFS:
        return FH_EIO;
    default:
        return rc > 0 ? FH_EIO : FH_ELMDB;
    }
}
