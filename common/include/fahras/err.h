/* err.h — Fahras error codes, shared by every module.
 *
 * Functions that can fail return int: 0 on success, a negative FH_E* code on
 * failure. The codes sit in -1..-99, clear of errno values (positive) and of
 * LMDB's MDB_* codes (-30800..-30780), so a caller can tell them apart.
 * The list is an X-macro so the enum, the stable protocol code names and the
 * human messages can never drift apart. */
#ifndef FAHRAS_ERR_H
#define FAHRAS_ERR_H

/* X(NAME, value, stable_code, message) */
#define FH_ERRORS(X)                                                                               \
    X(FH_ENOMEM, -1, "out_of_memory", "out of memory")                                             \
    X(FH_EINVAL, -2, "bad_request", "invalid argument")                                            \
    X(FH_EIO, -3, "io_error", "input/output error")                                                \
    X(FH_ECORRUPT, -4, "corrupt_index", "index data is corrupt")                                   \
    X(FH_ENOTFOUND, -5, "not_found", "not found")                                                  \
    X(FH_EVERSION, -6, "index_version", "index format version not supported")                      \
    X(FH_EANALYZER, -7, "analyzer_mismatch", "index was built with another analyzer")              \
    X(FH_ELIMIT, -8, "limit_exceeded", "a configured limit was exceeded")                          \
    X(FH_ESYNTAX, -9, "syntax_error", "syntax error")                                              \
    X(FH_ELMDB, -10, "storage_error", "LMDB storage error")                                        \
    X(FH_ETIMEOUT, -11, "timeout", "time budget exceeded")                                         \
    X(FH_EINPUT, -12, "bad_input", "malformed input")                                              \
    X(FH_EEXIST, -13, "exists", "already exists")                                                  \
    X(FH_EINTERNAL, -14, "internal_error", "internal error")                                       \
    X(FH_EEMPTY, -15, "empty_query", "empty query")

enum fh_err {
    FH_OK = 0,
#define FH_ERR_ENUM_(name, value, code, msg) name = (value),
    FH_ERRORS(FH_ERR_ENUM_)
#undef FH_ERR_ENUM_
};

/* Human-readable message for an FH_E* code (or "unknown error"). The returned
 * string is static; do not free it. */
const char *fh_strerror(int err);

/* Stable machine-readable code name for an FH_E* code, as used in protocol
 * error replies ("bad_request", "not_found", ...). Static string. */
const char *fh_errcode(int err);

#endif /* FAHRAS_ERR_H */
