/* fuzz_proto.c — the fahras-searchd protocol layer (searchd/proto.h) and the
 * config-file parser (searchd/config.h) on arbitrary bytes.
 *
 * Protocol mode: the input is a byte stream cut into chunks at points drawn
 * from its first bytes and fed to an fh_framer with a small or the default
 * line cap. The events must be exactly those of a reference framer that sees
 * the whole stream at once (one LINE or one TOO_LONG per line, pending tail
 * reported), whatever the cuts. Every line then goes through
 * fh_request_parse(); a success must respect the limits, a failure must
 * produce a valid JSON error reply.
 * Config mode: fh_srv_config_parse_text() on the bytes; a success leaves
 * every setting in its documented range. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fahras/buf.h"
#include "proto.h"
#include "fuzz_util.h"

/* ------------------------------------------------------------ reference */

typedef struct ev {
    int kind; /* FH_FRAME_LINE or FH_FRAME_TOO_LONG */
    size_t off, len;  /* LINE: the content in the stream */
} ev;

typedef struct evs {
    ev *v;
    size_t n, cap;
} evs;

static void ev_push(evs *e, int kind, size_t off, size_t len)
{
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 64;
        e->v = realloc(e->v, e->cap * sizeof *e->v);
        if (!e->v)
            abort();
    }
    e->v[e->n++] = (ev){kind, off, len};
}

static bool reference(const char *s, size_t n, size_t max_line, evs *out)
{
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(s + i, '\n', n - i);
        if (!nl) {
            /* too long once it holds max_line + 1 bytes, unless the last of
             * them is a CR (a CRLF's, maybe: the framer waits for the next) */
            size_t t = n - i;
            if (t > max_line + 1 || (t == max_line + 1 && s[n - 1] != '\r'))
                ev_push(out, FH_FRAME_TOO_LONG, i, 0);
            return true; /* a pending tail */
        }
        size_t l = (size_t)(nl - (s + i));
        size_t c = l && s[i + l - 1] == '\r' ? l - 1 : l;
        if (c > max_line)
            ev_push(out, FH_FRAME_TOO_LONG, i, 0);
        else
            ev_push(out, FH_FRAME_LINE, i, c);
        i += l + 1;
    }
    return false;
}

/* ------------------------------------------------------------ requests */

static bool json_plain(const char *s)
{
    /* a marker or field name is pasted between quotes unescaped */
    size_t n = strlen(s);
    char buf[FH_PROTO_MARKER_MAX + 3];
    if (n > FH_PROTO_MARKER_MAX)
        return false;
    buf[0] = '"';
    memcpy(buf + 1, s, n);
    buf[n + 1] = '"';
    return fz_json_ok(buf, n + 2);
}

static void check_request(const char *line, size_t len, const fh_proto_limits *lim)
{
    fh_request req;
    fh_proto_error err;
    memset(&err, 0, sizeof err);
    int rc = fh_request_parse(line, len, lim, &req, &err);
    FZ_CHECK(rc == 0 || rc == -1);
    if (rc == 0) {
        FZ_CHECK(req.cmd < FH_CMD_COUNT_);
        FZ_CHECK(strcmp(fh_cmd_name(req.cmd), "unknown") != 0);
        FZ_CHECK(req.arg_len == 0 || (req.arg >= line && req.arg + req.arg_len <= line + len));
        if (req.cmd == FH_CMD_SEARCH || req.cmd == FH_CMD_GET || req.cmd == FH_CMD_KEYWORDS)
            FZ_CHECK(req.arg_len > 0);
        FZ_CHECK(fz_utf8_ok(req.arg, req.arg_len));
        if (req.set & FH_OPT_LIMIT)
            FZ_CHECK(req.limit <= lim->max_limit);
        if (req.set & FH_OPT_OFFSET)
            FZ_CHECK(req.offset <= lim->max_limit);
        if ((req.set & FH_OPT_LIMIT) && (req.set & FH_OPT_OFFSET))
            FZ_CHECK((uint64_t)req.limit + req.offset <= lim->max_limit);
        if (req.set & FH_OPT_SNIPPET_LEN)
            FZ_CHECK(req.snippet_len >= 1 && req.snippet_len <= lim->max_snippet_len);
        if (req.set & FH_OPT_SNIPPET_COUNT)
            FZ_CHECK(req.snippet_count >= 1 && req.snippet_count <= lim->max_snippet_count);
        FZ_CHECK(memchr(req.hl_open, '\0', sizeof req.hl_open) != NULL);
        FZ_CHECK(memchr(req.hl_close, '\0', sizeof req.hl_close) != NULL);
        FZ_CHECK(strlen(req.hl_open) <= lim->max_marker && strlen(req.hl_close) <= lim->max_marker);
        FZ_CHECK(json_plain(req.hl_open) && json_plain(req.hl_close));
        FZ_CHECK(req.n_fields <= FH_PROTO_MAX_FIELDS);
        for (uint32_t f = 0; f < req.n_fields; f++) {
            FZ_CHECK(memchr(req.fields[f], '\0', sizeof req.fields[f]) != NULL);
            FZ_CHECK(strlen(req.fields[f]) >= 1 && json_plain(req.fields[f]));
            for (uint32_t g = 0; g < f; g++) /* a repeated name is kept once */
                FZ_CHECK(strcmp(req.fields[g], req.fields[f]) != 0);
        }
        if (req.set & FH_OPT_SNIPPET_FIELD) {
            FZ_CHECK(memchr(req.snippet_field, '\0', sizeof req.snippet_field) != NULL);
            /* its characters are the engine's to check (it lists the index's fields) */
            FZ_CHECK(strlen(req.snippet_field) >= 1);
            FZ_CHECK(strchr(req.snippet_field, ',') == NULL);
        }
    } else {
        FZ_CHECK(req.cmd <= FH_CMD_COUNT_); /* FH_CMD_COUNT_: no verb recognized */
        FZ_CHECK(err.code != NULL);
        FZ_CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
        fh_buf out;
        fh_buf_init(&out, 1u << 16);
        FZ_CHECK(fh_proto_error_json(&out, err.code, err.message) == 0);
        FZ_CHECK(fz_json_ok(out.data, out.len));
        fh_buf_free(&out);
    }
}

static void do_proto(fz_in *in)
{
    uint8_t m = fz_u8(in);
    size_t max_line = (m & 0x80) ? FH_PROTO_MAX_LINE : 1u + (m & 0x7Fu);
    fh_proto_limits lim = {1000, 4096, 8, FH_PROTO_MARKER_MAX};
    uint8_t l = fz_u8(in);
    if (l & 1)
        lim = (fh_proto_limits){(uint32_t)(l >> 1), (uint32_t)(l >> 2), (uint32_t)(l >> 5),
                                (uint32_t)(l >> 3)};
    uint32_t seed = fz_u32(in);
    const char *s = (const char *)in->p;
    size_t n = in->n;

    evs want = {0}, got = {0};
    bool tail = reference(s, n, max_line, &want);

    fh_framer f;
    fh_framer_init(&f, max_line);
    size_t off = 0;
    while (off < n) {
        seed = seed * 1103515245u + 12345u;
        size_t chunk = 1 + (seed >> 16) % ((seed & 0x100u) ? 7u : 200u);
        if (chunk > n - off)
            chunk = n - off;
        const char *c = s + off;
        size_t cl = chunk, co = 0;
        for (;;) {
            size_t consumed = 0, len = 0;
            const char *line = NULL;
            fh_frame_ev e = fh_framer_feed(&f, c + co, cl - co, &consumed, &line, &len);
            FZ_CHECK(consumed <= cl - co);
            FZ_CHECK(e != FH_FRAME_NOMEM);
            FZ_CHECK(f.part.len <= max_line + 1);
            co += consumed;
            if (e == FH_FRAME_MORE) {
                FZ_CHECK(co == cl);
                break;
            }
            FZ_CHECK(consumed > 0 || e == FH_FRAME_TOO_LONG);
            if (e == FH_FRAME_LINE) {
                FZ_CHECK(len <= max_line);
                size_t k = got.n;
                FZ_CHECK(k < want.n && want.v[k].kind == FH_FRAME_LINE && want.v[k].len == len);
                FZ_CHECK(len == 0 || memcmp(line, s + want.v[k].off, len) == 0);
                ev_push(&got, FH_FRAME_LINE, want.v[k].off, len);
                check_request(line, len, &lim);
            } else {
                FZ_CHECK(e == FH_FRAME_TOO_LONG);
                FZ_CHECK(got.n < want.n && want.v[got.n].kind == FH_FRAME_TOO_LONG);
                ev_push(&got, FH_FRAME_TOO_LONG, 0, 0);
            }
            if (co == cl && e == FH_FRAME_LINE)
                break;
        }
        off += chunk;
    }
    FZ_CHECK(got.n == want.n);
    FZ_CHECK(fh_framer_pending(&f) == tail);
    fh_framer_fini(&f);
    free(want.v);
    free(got.v);
}

/* ------------------------------------------------------------ config */

static bool cstr_ok(const char *s, size_t cap)
{
    const char *z = memchr(s, '\0', cap);
    return z != NULL && z > s;
}

static void do_config(fz_in *in)
{
    fh_srv_config c;
    fh_srv_config_default(&c);
    char err[256];
    memset(err, 0x55, sizeof err);
    int rc = fh_srv_config_parse_text(&c, (const char *)in->p, in->n, "fuzz.conf", err, sizeof err);
    FZ_CHECK(rc == 0 || rc == -1);
    if (rc) {
        FZ_CHECK(memchr(err, '\0', sizeof err) != NULL);
        return;
    }
    FZ_CHECK(cstr_ok(c.listen, sizeof c.listen) && cstr_ok(c.stemmer, sizeof c.stemmer));
    FZ_CHECK(memchr(c.index_dir, '\0', sizeof c.index_dir) != NULL);
    FZ_CHECK(memchr(c.port_file, '\0', sizeof c.port_file) != NULL);
    FZ_CHECK(c.threads <= 256);
    FZ_CHECK(c.max_connections >= 1 && c.max_connections <= 1000000);
    FZ_CHECK(c.max_line >= 16 && c.max_line <= 16777216);
    FZ_CHECK(c.max_reply_bytes >= 4096 && c.max_output_bytes >= 4096);
    FZ_CHECK(c.max_terms >= 1 && c.max_terms <= 256);
    FZ_CHECK(c.max_prefix_expansions >= 1 && c.max_prefix_expansions <= 1024);
    FZ_CHECK(c.log_level <= FH_LOG_DEBUG);
    FZ_CHECK(c.k1 == -1 || (c.k1 >= 0 && c.k1 <= 100));
    FZ_CHECK(c.b == -1 || (c.b >= 0 && c.b <= 1));
    FZ_CHECK(!c.help);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = {data, size};
    if (size > 1u << 18)
        return 0;
    if (fz_u8(&in) % 4u == 3u)
        do_config(&in);
    else
        do_proto(&in);
    return 0;
}
