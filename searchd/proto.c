/* proto.c — line framing, request parsing and error replies (see proto.h).
 *
 * Everything here treats the request as untrusted bytes: lengths are explicit,
 * scans are memchr/bounded loops, and nothing is NUL-terminated that did not
 * come from us. No I/O, no engine, no global state.
 */
#include "proto.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fahras/err.h"
#include "fahras/utf8.h"
#include "num.h"

/* ------------------------------------------------------------------ framer */

#define FH_FRAMER_KEEP 4096u /* bytes of line buffer kept between lines */

void fh_framer_init(fh_framer *f, size_t max_line)
{
    /* + 1: the CR of a CRLF is held until the LF shows it was one */
    fh_buf_init(&f->part, max_line + 1);
    f->max_line = max_line;
    f->discarding = false;
    f->emitted = false;
}

void fh_framer_fini(fh_framer *f)
{
    fh_buf_free(&f->part);
}

bool fh_framer_pending(const fh_framer *f)
{
    return f->discarding || (!f->emitted && f->part.len > 0);
}

fh_frame_ev fh_framer_feed(fh_framer *f, const char *data, size_t n, size_t *consumed,
                           const char **line, size_t *len)
{
    if (f->emitted) {
        /* an idle connection keeps at most a small buffer, not its longest line */
        if (f->part.cap > FH_FRAMER_KEEP)
            fh_buf_free(&f->part);
        else
            fh_buf_reset(&f->part);
        f->emitted = false;
    }
    size_t off = 0;
    for (;;) {
        if (off == n) {
            *consumed = n;
            return FH_FRAME_MORE;
        }
        const char *p = data + off;
        size_t rem = n - off;
        const char *nl = memchr(p, '\n', rem);
        if (f->discarding) {
            if (!nl) {
                *consumed = n;
                return FH_FRAME_MORE;
            }
            off += (size_t)(nl - p) + 1;
            f->discarding = false;
            continue;
        }
        if (!nl) {
            /* too long once the line holds max_line + 1 bytes, unless that
             * last byte is a CR the next byte may show to be a CRLF's */
            size_t have = f->part.len + rem;
            if (have > f->max_line + 1 || (have == f->max_line + 1 && p[rem - 1] != '\r')) {
                fh_buf_free(&f->part);
                f->discarding = true;
                *consumed = n;
                return FH_FRAME_TOO_LONG;
            }
            if (fh_buf_add(&f->part, p, rem) != 0) {
                *consumed = off;
                return FH_FRAME_NOMEM;
            }
            *consumed = n;
            return FH_FRAME_MORE;
        }
        size_t seg = (size_t)(nl - p);
        size_t total = f->part.len + seg;
        size_t content = total;
        char last = seg ? p[seg - 1] : (f->part.len ? f->part.data[f->part.len - 1] : '\0');
        if (total && last == '\r')
            content--;
        *consumed = off + seg + 1;
        if (content > f->max_line) {
            fh_buf_free(&f->part);
            return FH_FRAME_TOO_LONG;
        }
        if (f->part.len == 0) {
            *line = p;
            *len = content;
            return FH_FRAME_LINE;
        }
        if (fh_buf_add(&f->part, p, seg) != 0) {
            *consumed = off;
            return FH_FRAME_NOMEM;
        }
        f->emitted = true;
        *line = f->part.data;
        *len = content;
        return FH_FRAME_LINE;
    }
}

/* ------------------------------------------------------------------ helpers */

int fh_proto_error_json(fh_buf *out, const char *code, const char *message)
{
    size_t mark = out->len;
    int rc = fh_buf_adds(out, "{\"error\":{\"code\":");
    if (!rc)
        rc = fh_buf_add_json_str(out, code, strlen(code));
    if (!rc)
        rc = fh_buf_adds(out, ",\"message\":");
    if (!rc)
        rc = fh_buf_add_json_str(out, message, strlen(message));
    if (!rc)
        rc = fh_buf_adds(out, "}}");
    if (rc) {
        out->len = mark;
        if (out->data)
            out->data[mark] = '\0';
    }
    return rc;
}

void fh_proto_seterr(fh_proto_error *err, const char *code, const char *fmt, ...)
{
    va_list ap;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------ parsing */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* A span of the request line. */
typedef struct span {
    const char *p;
    size_t n;
} span;

static span trim(span s)
{
    while (s.n && is_space(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n && is_space(s.p[s.n - 1]))
        s.n--;
    return s;
}

/* Split off the first whitespace-delimited token of s (s is trimmed on the
 * left); *rest is what follows, trimmed on the left. */
static span next_token(span s, span *rest)
{
    size_t i = 0;
    while (i < s.n && !is_space(s.p[i]))
        i++;
    span tok = {s.p, i};
    span r = {s.p + i, s.n - i};
    while (r.n && is_space(r.p[0])) {
        r.p++;
        r.n--;
    }
    *rest = r;
    return tok;
}

/* True for the Unicode space separators (category Zs) but U+0020: U+00A0
 * no-break space, U+1680, U+2000-U+200A, U+202F, U+205F, U+3000. */
static bool is_space_separator(uint32_t cp)
{
    return cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

/* Bytes of the white space at s.p[i] (i < s.n, s well-formed UTF-8) that may
 * stand around the verb: an ASCII space (is_space), a Unicode space
 * separator, and with `bom` a byte order mark U+FEFF; 0 if none. A space
 * pasted from a web page or typed on a phone keyboard (U+00A0 after the
 * verb) must not make a known verb unknown. */
static size_t verb_space_len(span s, size_t i, bool bom)
{
    if (is_space(s.p[i]))
        return 1;
    const unsigned char *p = (const unsigned char *)s.p + i;
    size_t k = fh_utf8_seq_len(p, s.n - i);
    if (k < 2)
        return 0;
    uint32_t cp = fh_utf8_decode(p, k);
    return is_space_separator(cp) || (bom && cp == 0xFEFF) ? k : 0;
}

/* s without the white space (verb_space_len) at its start. */
static span skip_verb_space(span s, bool bom)
{
    size_t k;
    while (s.n && (k = verb_space_len(s, 0, bom)) > 0) {
        s.p += k;
        s.n -= k;
    }
    return s;
}

/* Split the verb off s (s starts with it): it ends at white space, ASCII or
 * a Unicode space separator; *rest is what follows, without that white space
 * at its start. */
static span split_verb(span s, span *rest)
{
    size_t i = 0;
    while (i < s.n && verb_space_len(s, i, false) == 0)
        i++;
    *rest = skip_verb_space((span){s.p + i, s.n - i}, false);
    return (span){s.p, i};
}

static bool span_ieq(span s, const char *lit)
{
    size_t n = strlen(lit);
    if (s.n != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = s.p[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (a != lit[i])
            return false;
    }
    return true;
}

/* Bytes of s to quote in a message: at most max, cut at a character start. */
static int quote_len(span s, size_t max)
{
    if (s.n <= max)
        return (int)s.n;
    size_t n = max;
    while (n > 0 && ((unsigned char)s.p[n] & 0xC0) == 0x80)
        n--;
    return (int)n;
}

/* The command table. `args`: what follows the verb. */
enum arg_kind { ARGS_NONE, ARGS_TEXT, ARGS_SEARCH };

static const struct command {
    const char *verb; /* as the protocol spells it in messages; matched in any case */
    fh_cmd cmd;
    enum arg_kind args;
    const char *name; /* for STATS; the verb in lower case */
} commands[] = {
    {"SEARCH", FH_CMD_SEARCH, ARGS_SEARCH, "search"},
    {"GET", FH_CMD_GET, ARGS_TEXT, "get"},
    {"KEYWORDS", FH_CMD_KEYWORDS, ARGS_TEXT, "keywords"},
    {"STATS", FH_CMD_STATS, ARGS_NONE, "stats"},
    {"PING", FH_CMD_PING, ARGS_NONE, "ping"},
    {"QUIT", FH_CMD_QUIT, ARGS_NONE, "quit"},
};

const char *fh_cmd_name(fh_cmd c)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].cmd == c)
            return commands[i].name;
    return "unknown";
}

/* A whole-number option value in min..max (num.h): malformed or under min
 * is bad_request, over max limit_exceeded; both messages give the range. */
static int parse_u32(span key, span v, uint32_t min, uint32_t max, uint32_t *out,
                     fh_proto_error *err)
{
    uint64_t x = 0;
    int rc = fh_num_uint(v.p, v.n, max, &x);
    if (rc == 0 && x < min)
        rc = FH_EINVAL;
    if (rc == 0) {
        *out = (uint32_t)x;
        return 0;
    }
    fh_proto_seterr(err, fh_errcode(rc), "%.*s must be an integer in %u..%u", (int)key.n, key.p,
                    (unsigned)min, (unsigned)max);
    return -1;
}

static int parse_bool(span key, span v, bool *out, fh_proto_error *err)
{
    static const char *const yes[] = {"1", "true", "on", "yes"};
    static const char *const no[] = {"0", "false", "off", "no"};
    for (size_t i = 0; i < 4; i++) {
        if (span_ieq(v, yes[i])) {
            *out = true;
            return 0;
        }
        if (span_ieq(v, no[i])) {
            *out = false;
            return 0;
        }
    }
    fh_proto_seterr(err, fh_errcode(FH_EINVAL),
                    "%.*s must be 1, true, on, yes or 0, false, off, no", (int)key.n, key.p);
    return -1;
}

/* True if the code point is white space or a control character beyond
 * ASCII: the C1 controls U+0080-U+009F, and the Unicode White_Space
 * characters past ASCII (the space separators of is_space_separator(),
 * U+2028, U+2029), plus U+FEFF (zero-width no-break space, the BOM). */
static bool is_wide_space_or_control(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || is_space_separator(cp) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0xFEFF;
}

/* True if s (well-formed UTF-8: the request line was checked) holds a
 * character is_wide_space_or_control() rejects. */
static bool has_wide_space_or_control(span s)
{
    size_t i = 0;
    while (i < s.n) {
        const unsigned char *p = (const unsigned char *)s.p + i;
        size_t k = fh_utf8_seq_len(p, s.n - i);
        if (k == 0)
            return true; /* not reached after fh_utf8_check(); refuse rather than guess */
        if (is_wide_space_or_control(fh_utf8_decode(p, k)))
            return true;
        i += k;
    }
    return false;
}

/* A highlight marker: copied verbatim into JSON strings and into snippets,
 * so no quote, backslash, control character or white space (ASCII white
 * space cannot reach here: it separates the items of the line). */
static int parse_marker(span key, span v, uint32_t max, char *out, fh_proto_error *err)
{
    if (max > FH_PROTO_MARKER_MAX)
        max = FH_PROTO_MARKER_MAX;
    if (v.n > max) {
        fh_proto_seterr(err, fh_errcode(FH_ELIMIT), "%.*s: a marker is at most %u bytes",
                        (int)key.n, key.p, (unsigned)max);
        return -1;
    }
    if (!fh_json_verbatim(v.p, v.n) || has_wide_space_or_control(v)) {
        fh_proto_seterr(err, fh_errcode(FH_EINVAL),
                        "%.*s: a marker may not contain white space, quotes, backslashes or "
                        "control characters",
                        (int)key.n, key.p);
        return -1;
    }
    memcpy(out, v.p, v.n);
    out[v.n] = '\0';
    return 0;
}

/* A field name of option `key` (fields=, snippet_field=): at most
 * FH_PROTO_FIELD_MAX bytes; with `verbatim` (fields=: the names are copied
 * verbatim into JSON keys) no quote, backslash or control character. */
static int check_field_name(span key, span name, bool verbatim, fh_proto_error *err)
{
    if (name.n > FH_PROTO_FIELD_MAX) {
        fh_proto_seterr(err, fh_errcode(FH_ELIMIT), "%.*s: a name is at most %u bytes", (int)key.n,
                        key.p, FH_PROTO_FIELD_MAX);
        return -1;
    }
    if (verbatim && !fh_json_verbatim(name.p, name.n)) {
        fh_proto_seterr(err, fh_errcode(FH_EINVAL),
                        "%.*s: a name may not contain quotes, backslashes or control characters",
                        (int)key.n, key.p);
        return -1;
    }
    return 0;
}

/* snippet_field=NAME: one field name into out, at most FH_PROTO_FIELD_MAX
 * bytes. Its characters are checked by the engine, which knows the index's
 * fields and lists them in the message (fh_search_opts.snippet_field). */
static int parse_field_name(span key, span v, char *out, fh_proto_error *err)
{
    if (v.n == 0) {
        fh_proto_seterr(err, fh_errcode(FH_EINVAL), "%.*s needs a field name", (int)key.n, key.p);
        return -1;
    }
    if (memchr(v.p, ',', v.n)) {
        fh_proto_seterr(err, fh_errcode(FH_EINVAL), "%.*s: one name, without commas", (int)key.n,
                        key.p);
        return -1;
    }
    if (check_field_name(key, v, false, err) != 0)
        return -1;
    memcpy(out, v.p, v.n);
    out[v.n] = '\0';
    return 0;
}

static int parse_fields(span key, span v, fh_request *req, fh_proto_error *err)
{
    req->n_fields = 0;
    size_t i = 0;
    while (i < v.n) {
        size_t j = i;
        while (j < v.n && v.p[j] != ',')
            j++;
        span name = {v.p + i, j - i};
        if (name.n > 0) {
            if (check_field_name(key, name, true, err) != 0)
                return -1;
            /* a repeated name is kept once: each would add the same key to
             * every hit again (duplicate JSON keys, and a reply that grows
             * with the repeats, not with the data asked for) */
            bool dup = false;
            for (uint32_t k = 0; k < req->n_fields && !dup; k++)
                dup = strlen(req->fields[k]) == name.n &&
                      memcmp(req->fields[k], name.p, name.n) == 0;
            if (!dup && req->n_fields == FH_PROTO_MAX_FIELDS) {
                fh_proto_seterr(err, fh_errcode(FH_ELIMIT), "fields: at most %u names",
                                FH_PROTO_MAX_FIELDS);
                return -1;
            }
            if (!dup) {
                memcpy(req->fields[req->n_fields], name.p, name.n);
                req->fields[req->n_fields][name.n] = '\0';
                req->n_fields++;
            }
        }
        i = j + 1;
    }
    return 0;
}

/* A token that looks like an option: [A-Za-z_]+ '=' ... */
static bool option_key(span tok, span *key, span *val)
{
    size_t i = 0;
    while (i < tok.n && ((tok.p[i] >= 'a' && tok.p[i] <= 'z') ||
                         (tok.p[i] >= 'A' && tok.p[i] <= 'Z') || tok.p[i] == '_'))
        i++;
    if (i == 0 || i == tok.n || tok.p[i] != '=')
        return false;
    key->p = tok.p;
    key->n = i;
    val->p = tok.p + i + 1;
    val->n = tok.n - i - 1;
    return true;
}

static int parse_search(span rest, const fh_proto_limits *lim, fh_request *req, fh_proto_error *err)
{
    while (rest.n) {
        span after;
        span tok = next_token(rest, &after);
        if (tok.n == 2 && tok.p[0] == '-' && tok.p[1] == '-') {
            rest = after;
            break;
        }
        span key, v;
        if (!option_key(tok, &key, &v))
            break;
        int rc;
        if (span_ieq(key, "limit")) {
            rc = parse_u32(key, v, 0, lim->max_limit, &req->limit, err);
            req->set |= FH_OPT_LIMIT;
        } else if (span_ieq(key, "offset")) {
            rc = parse_u32(key, v, 0, lim->max_limit, &req->offset, err);
            req->set |= FH_OPT_OFFSET;
        } else if (span_ieq(key, "snippets")) {
            rc = parse_bool(key, v, &req->snippets, err);
            req->set |= FH_OPT_SNIPPETS;
        } else if (span_ieq(key, "snippet_len")) {
            rc = parse_u32(key, v, 1, lim->max_snippet_len, &req->snippet_len, err);
            req->set |= FH_OPT_SNIPPET_LEN;
        } else if (span_ieq(key, "snippets_count") || span_ieq(key, "snippet_count")) {
            rc = parse_u32(key, v, 1, lim->max_snippet_count, &req->snippet_count, err);
            req->set |= FH_OPT_SNIPPET_COUNT;
        } else if (span_ieq(key, "hl")) {
            const char *comma = memchr(v.p, ',', v.n);
            if (!comma) {
                fh_proto_seterr(err, fh_errcode(FH_EINVAL), "hl must be OPEN,CLOSE");
                rc = -1;
            } else {
                span o = {v.p, (size_t)(comma - v.p)};
                span c = {comma + 1, v.n - o.n - 1};
                rc = parse_marker(key, o, lim->max_marker, req->hl_open, err);
                if (!rc)
                    rc = parse_marker(key, c, lim->max_marker, req->hl_close, err);
            }
            req->set |= FH_OPT_HL_OPEN | FH_OPT_HL_CLOSE;
        } else if (span_ieq(key, "hl_open")) {
            rc = parse_marker(key, v, lim->max_marker, req->hl_open, err);
            req->set |= FH_OPT_HL_OPEN;
        } else if (span_ieq(key, "hl_close")) {
            rc = parse_marker(key, v, lim->max_marker, req->hl_close, err);
            req->set |= FH_OPT_HL_CLOSE;
        } else if (span_ieq(key, "fields")) {
            rc = parse_fields(key, v, req, err);
            req->set |= FH_OPT_FIELDS;
        } else if (span_ieq(key, "snippet_field")) {
            rc = parse_field_name(key, v, req->snippet_field, err);
            req->set |= FH_OPT_SNIPPET_FIELD;
        } else if (span_ieq(key, "exact_total")) {
            rc = parse_bool(key, v, &req->exact_total, err);
            req->set |= FH_OPT_EXACT_TOTAL;
        } else if (span_ieq(key, "escape")) {
            rc = 0;
            if (span_ieq(v, "html") || span_ieq(v, "none")) {
                req->escape_html = span_ieq(v, "html");
            } else {
                fh_proto_seterr(err, fh_errcode(FH_EINVAL), "escape must be html or none");
                rc = -1;
            }
            req->set |= FH_OPT_ESCAPE;
        } else {
            fh_proto_seterr(err, fh_errcode(FH_EINVAL),
                            "unknown SEARCH option '%.*s' (put -- before a query that starts "
                            "with name=)",
                            quote_len(key, 32), key.p);
            return -1;
        }
        if (rc)
            return -1;
        rest = after;
    }
    if ((req->set & FH_OPT_LIMIT) && (req->set & FH_OPT_OFFSET) &&
        (uint64_t)req->limit + req->offset > lim->max_limit) {
        /* the engine's words: it reports the same error for offset= alone */
        fh_proto_seterr(err, fh_errcode(FH_ELIMIT), "limit + offset must not exceed %u",
                        (unsigned)lim->max_limit);
        return -1;
    }
    /* one empty marker beside a set one would mark words open-ended
       (hl_open= with the default </b>); both empty is no highlighting */
    bool open_empty = (req->set & FH_OPT_HL_OPEN) && req->hl_open[0] == '\0';
    bool close_empty = (req->set & FH_OPT_HL_CLOSE) && req->hl_close[0] == '\0';
    if (open_empty != close_empty) {
        fh_proto_seterr(err, fh_errcode(FH_EINVAL),
                        "%s is empty but %s is not: give both markers empty (no highlighting) "
                        "or both set",
                        open_empty ? "hl_open" : "hl_close", open_empty ? "hl_close" : "hl_open");
        return -1;
    }
    rest = trim(rest);
    if (rest.n == 0) {
        fh_proto_seterr(err, FH_PCODE_EMPTY_QUERY, "SEARCH needs a query");
        return -1;
    }
    req->arg = rest.p;
    req->arg_len = rest.n;
    return 0;
}

int fh_request_parse(const char *line, size_t len, const fh_proto_limits *lim, fh_request *req,
                     fh_proto_error *err)
{
    memset(req, 0, sizeof *req);
    req->cmd = FH_CMD_COUNT_; /* no verb yet */
    req->arg = line;
    size_t bad = fh_utf8_check(line, len);
    if (bad < len) {
        fh_proto_seterr(err, FH_PCODE_BAD_UTF8, "request is not valid UTF-8 (byte %zu)", bad);
        return -1;
    }
    if (memchr(line, '\0', len)) {
        fh_proto_seterr(err, fh_errcode(FH_EINVAL), "request contains a NUL byte");
        return -1;
    }
    /* before the verb a BOM is nothing and a Unicode space a space; after it
     * (split_verb) a Unicode space too (PROTOCOL.md, "Framing") */
    span s = skip_verb_space(trim((span){line, len}), true);
    if (s.n == 0) {
        fh_proto_seterr(err, fh_errcode(FH_EINVAL), "empty request line");
        return -1;
    }
    span rest;
    span verb = split_verb(s, &rest);
    const struct command *c = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (span_ieq(verb, commands[i].name)) {
            c = &commands[i];
            break;
        }
    }
    if (!c) {
        fh_proto_seterr(err, FH_PCODE_UNKNOWN_COMMAND, "unknown command '%.*s'",
                        quote_len(verb, 32), verb.p);
        return -1;
    }
    req->cmd = c->cmd;
    switch (c->args) {
    case ARGS_NONE:
        if (rest.n) {
            fh_proto_seterr(err, fh_errcode(FH_EINVAL), "%s takes no arguments", c->verb);
            return -1;
        }
        req->arg_len = 0;
        return 0;
    case ARGS_TEXT:
        if (rest.n == 0) {
            if (c->cmd == FH_CMD_GET)
                fh_proto_seterr(err, fh_errcode(FH_EINVAL), "GET needs a document id");
            else
                fh_proto_seterr(err, FH_PCODE_EMPTY_QUERY, "KEYWORDS needs some text");
            return -1;
        }
        req->arg = rest.p;
        req->arg_len = rest.n;
        return 0;
    case ARGS_SEARCH:
        return parse_search(rest, lim, req, err);
    }
    fh_proto_seterr(err, fh_errcode(FH_EINTERNAL), "unhandled command");
    return -1;
}
