/* proto.h — the fahras-searchd line protocol, without sockets and without the engine.
 *
 * Owns: cutting a byte stream into request lines under a hard length cap
 * (fh_framer), checking a line (UTF-8, NUL), parsing it into a command and its
 * options (fh_request_parse), and the JSON error reply. It never allocates
 * more than one line's worth of memory per connection, never does I/O, and
 * knows nothing of the index: the server maps fh_request to engine calls.
 * docs/PROTOCOL.md is the contract this file implements.
 */
#ifndef FAHRAS_SEARCHD_PROTO_H
#define FAHRAS_SEARCHD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fahras/buf.h"

#define FH_PROTO_MAX_LINE 65536u /* default request line cap, bytes */
#define FH_PROTO_MARKER_MAX 64u  /* bytes of a highlight marker */
#define FH_PROTO_MAX_FIELDS 16u  /* names in fields=... */
#define FH_PROTO_FIELD_MAX 63u   /* bytes of one field name */
#define FH_PROTO_MSG_MAX 256u    /* bytes of an error message */

/* Protocol error codes that are not fh_errcode() names (see err.h for those). */
#define FH_PCODE_UNKNOWN_COMMAND "unknown_command"
#define FH_PCODE_LINE_TOO_LONG "line_too_long"
#define FH_PCODE_BAD_UTF8 "bad_utf8"
#define FH_PCODE_EMPTY_QUERY "empty_query"
#define FH_PCODE_TOO_MANY_CONNECTIONS "too_many_connections"

/* ------------------------------------------------------------------ framer */

/* Splits a byte stream into lines ending in "\n" (a "\r" before it is
 * stripped). A line longer than max_line bytes (newline and CR excluded) is
 * reported once as FH_FRAME_TOO_LONG as soon as that is known: with its
 * (max_line + 1)th byte, unless that byte is a "\r" that the next byte may
 * show to end a CRLF. Its remaining bytes are dropped up to and including the
 * next newline, so an endless line costs no memory beyond max_line + 1 bytes. */
typedef struct fh_framer {
    fh_buf part; /* start of a line split across chunks */
    size_t max_line;
    bool discarding; /* inside an over-long line */
    bool emitted;    /* `part` holds the line returned last: reset on next feed */
} fh_framer;

typedef enum fh_frame_ev {
    FH_FRAME_MORE = 0, /* all input consumed, no complete line yet */
    FH_FRAME_LINE,     /* *line, *len: one complete line */
    FH_FRAME_TOO_LONG, /* a line exceeded max_line; the rest of it will be discarded */
    FH_FRAME_NOMEM     /* out of memory; the connection cannot continue */
} fh_frame_ev;

/* Prepare a framer; allocates nothing until a line spans two chunks. */
void fh_framer_init(fh_framer *f, size_t max_line);
void fh_framer_fini(fh_framer *f);

/* Feed up to n bytes of `data`. Returns an event and sets *consumed to the
 * bytes used (the caller passes the rest again later). For FH_FRAME_LINE,
 * *line and *len point either into `data` or into the framer; they stay valid
 * until the next call on f or until the caller releases `data`. */
fh_frame_ev fh_framer_feed(fh_framer *f, const char *data, size_t n, size_t *consumed,
                           const char **line, size_t *len);

/* True when a partial line (or the tail of an over-long one) is pending. */
bool fh_framer_pending(const fh_framer *f);

/* ---------------------------------------------------------------- requests */

typedef enum fh_cmd {
    FH_CMD_SEARCH = 0,
    FH_CMD_GET,
    FH_CMD_KEYWORDS,
    FH_CMD_STATS,
    FH_CMD_PING,
    FH_CMD_QUIT,
    FH_CMD_COUNT_
} fh_cmd;

/* Bits of fh_request.set: which SEARCH options the request gave. */
#define FH_OPT_LIMIT 0x01u
#define FH_OPT_OFFSET 0x02u
#define FH_OPT_SNIPPETS 0x04u
#define FH_OPT_SNIPPET_LEN 0x08u
#define FH_OPT_SNIPPET_COUNT 0x10u
#define FH_OPT_HL_OPEN 0x20u
#define FH_OPT_HL_CLOSE 0x40u
#define FH_OPT_FIELDS 0x80u
#define FH_OPT_ESCAPE 0x100u
#define FH_OPT_SNIPPET_FIELD 0x200u
#define FH_OPT_EXACT_TOTAL 0x400u

/* Hard caps the parser enforces on option values (the engine's). */
typedef struct fh_proto_limits {
    uint32_t max_limit;         /* limit + offset */
    uint32_t max_snippet_len;   /* characters */
    uint32_t max_snippet_count; /* fragments per hit */
    uint32_t max_marker;        /* bytes, at most FH_PROTO_MARKER_MAX */
} fh_proto_limits;

typedef struct fh_request {
    fh_cmd cmd;
    /* SEARCH: the query text; GET: the id; KEYWORDS: the text; else empty.
     * Borrowed from the line passed to fh_request_parse(). */
    const char *arg;
    size_t arg_len;
    uint32_t set; /* FH_OPT_* */
    uint32_t limit, offset, snippet_len, snippet_count;
    bool snippets;
    bool escape_html; /* escape=html (FH_OPT_ESCAPE) */
    bool exact_total; /* exact_total= (FH_OPT_EXACT_TOTAL) */
    char hl_open[FH_PROTO_MARKER_MAX + 1];
    char hl_close[FH_PROTO_MARKER_MAX + 1];
    uint32_t n_fields;
    char fields[FH_PROTO_MAX_FIELDS][FH_PROTO_FIELD_MAX + 1];
    char snippet_field[FH_PROTO_FIELD_MAX + 1]; /* snippet_field= (FH_OPT_SNIPPET_FIELD) */
} fh_request;

typedef struct fh_proto_error {
    const char *code; /* stable code, static string */
    char message[FH_PROTO_MSG_MAX];
} fh_proto_error;

/* Parse one request line (newline already stripped). Checks UTF-8 and NUL
 * bytes, finds the verb (case-insensitive; a Unicode space separator around
 * it is a space, a BOM before it nothing) in the command table, parses the
 * SEARCH options and checks them against `lim`. Returns 0 and fills *req, or
 * -1 and fills *err; then req->cmd is the verb's command when the verb was
 * recognized (its arguments or options were refused), else FH_CMD_COUNT_.
 * Never reads outside line[0..len). */
int fh_request_parse(const char *line, size_t len, const fh_proto_limits *lim, fh_request *req,
                     fh_proto_error *err);

/* Name of a command as written in STATS ("search", "get", ...). Static. */
const char *fh_cmd_name(fh_cmd c);

/* ------------------------------------------------------------------ helpers */

/* Append {"error":{"code":code,"message":message}} (no newline). */
int fh_proto_error_json(fh_buf *out, const char *code, const char *message);

/* Fill *err (printf-style message, truncated to FH_PROTO_MSG_MAX - 1 bytes). */
void fh_proto_seterr(fh_proto_error *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* FAHRAS_SEARCHD_PROTO_H */
