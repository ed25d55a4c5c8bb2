/* config.c — option table, flag and config-file parsing (see config.h). */
#include "config.h"

#include "fahras/analyze.h"
#include "num.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum opt_type { T_STR, T_LISTEN, T_U32, T_DBL, T_LEVEL, T_FLAG };

typedef struct opt {
    const char *name; /* long flag without "--" */
    enum opt_type type;
    size_t off;      /* offset in fh_srv_config */
    size_t size;     /* T_STR: buffer size */
    double min, max; /* T_U32 / T_DBL range */
    const char *arg; /* placeholder in --help */
    const char *help;
} opt;

#define OFF(f) offsetof(fh_srv_config, f)
#define STR(f) OFF(f), sizeof(((fh_srv_config *)0)->f)

static const opt opts[] = {
    {"index", T_STR, STR(index_dir), 0, 0, "DIR", "index directory (holds index.mdb); required"},
    {"listen", T_LISTEN, STR(listen), 0, 0, "HOST:PORT",
     "address to listen on: HOST:PORT, or [IPV6]:PORT for an IPv6 address (PORT 0..65535; 0 "
     "picks one)"},
    {"threads", T_U32, OFF(threads), 0, 0, 256, "N", "worker threads (0 = online cores)"},
    {"config", T_STR, STR(config_file), 0, 0, "FILE", "read `name = value` settings from FILE"},
    {"log-level", T_LEVEL, OFF(log_level), 0, 0, 0, "LEVEL",
     "error | warn (or warning) | info | debug"},
    {"port-file", T_STR, STR(port_file), 0, 0, "FILE", "write the bound port to FILE once serving"},
    {"max-connections", T_U32, OFF(max_connections), 0, 1, 1000000, "N",
     "open connections at most; more, and any past the descriptor limit (ulimit -n), are "
     "refused with an error line"},
    {"idle-timeout", T_U32, OFF(idle_timeout_s), 0, 0, 86400, "SEC",
     "close a connection idle for SEC (no complete request line, no reply on its way), or "
     "whose client's TCP acknowledges none of its reply bytes for SEC (a client reading "
     "slower than roughly a few tens of KiB per SEC may count as not reading; 0 = never; "
     "docs/PROTOCOL.md)"},
    {"max-line", T_U32, OFF(max_line), 0, 16, 16777216, "BYTES", "request line cap"},
    {"max-reply", T_U32, OFF(max_reply_bytes), 0, 4096, 1073741824, "BYTES",
     "largest single reply"},
    {"max-output", T_U32, OFF(max_output_bytes), 0, 4096, 1073741824, "BYTES",
     "unread replies buffered per connection before its input pauses"},
    {"max-total-output", T_U32, OFF(max_total_output_bytes), 0, 65536, 4294967295.0, "BYTES",
     "unread replies buffered over all connections; above it, clients that are not reading pause"},
    {"query-budget-ms", T_U32, OFF(query_budget_ms), 0, 0, 3600000, "N",
     "time budget per query (0 = unlimited)"},
    {"exact-totals", T_U32, OFF(exact_totals), 0, 0, 1, "0|1",
     "1: every SEARCH counts all its matches, as with exact_total=1, unless it says "
     "exact_total=0 (0 = totals of long pure-OR queries are estimated)"},
    {"max-terms", T_U32, OFF(max_terms), 0, 1, 256, "N",
     "words per query (phrase words and prefixes count); more is an error"},
    {"max-prefix-expansions", T_U32, OFF(max_prefix_expansions), 0, 1, 1024, "N",
     "terms a prefix* expands to"},
    {"reload-interval-ms", T_U32, OFF(reload_interval_ms), 0, 0, 3600000, "N",
     "how often to look for a re-published index (0 = never)"},
    {"drain-timeout", T_U32, OFF(drain_timeout_s), 0, 0, 3600, "SEC",
     "on SIGTERM, SIGINT or SIGHUP, longest wait for replies to flush (0: none)"},
    {"stemmer", T_STR, STR(stemmer), 0, 0, "NAME",
     "query analyzer: auto (the index's, read at start and at each re-publish) or the"
     " index's own name:"
     " light10 | light10+sb | light10-noguard | snowball | none"},
    {"k1", T_DBL, OFF(k1), 0, 0, 100, "X", "BM25 k1"},
    {"b", T_DBL, OFF(b), 0, 0, 1, "X", "BM25 length normalization b"},
    {"prox-weight", T_DBL, OFF(prox_weight), 0, 0, 1000, "X",
     "term proximity bonus weight, 0 = off"},
    {"lead-weight", T_DBL, OFF(lead_weight), 0, 0, 1000, "X",
     "bonus for query terms early in a field, 0 = off"},
    {"order-weight", T_DBL, OFF(order_weight), 0, 0, 1000, "X",
     "bonus for query terms whose first occurrences keep the query's order, 0 = off"},
    {"lead-title", T_DBL, OFF(lead_title), 0, 0, 1000, "X",
     "lead bonus of a match in the title field, times its usual size"},
    {"tense-weight", T_DBL, OFF(tense_weight), 0, 0, 1000, "X",
     "present-tense words (يعلن) also match their past form (أعلن) at this weight, 0 = off"},
    {"answer-type-weight", T_DBL, OFF(answer_type_weight), 0, 0, 1, "X",
     "in a question, words asking for a name or a number (اسم، عدد، يسمى) weigh this much, "
     "1 = off"},
    {"prf-weight", T_DBL, OFF(prf_weight), 0, 0, 1000, "X",
     "pseudo-relevance feedback for queries that are not questions, 0 = off"},
    {"prf-question-weight", T_DBL, OFF(prf_question_weight), 0, 0, 1000, "X",
     "feedback weight for questions (an interrogative among the first two words), 0 = off"},
    {"focus-weight", T_DBL, OFF(focus_weight), 0, 0, 1000, "X",
     "focus re-rank: the best 10 hits lose for prominent words of theirs the query leaves "
     "out, 0 = off; for queries of 3+ words that are not questions"},
    {"exact-weight", T_DBL, OFF(exact_weight), 0, 0, 1000, "X",
     "exact forms, over the best 10 hits of a query of 3+ words or a question: each query "
     "word found as typed (the same clitics and spelling) adds this x its idf, 0 = off"},
    {"exact-pair-weight", T_DBL, OFF(exact_pair_weight), 0, 0, 1000, "X",
     "exact forms: each pair of query words typed side by side and found so adds this x "
     "their mean idf, 0 = off"},
    {"prf-docs", T_U32, OFF(prf_docs), 0, 0, 50, "N",
     "feedback: best hits whose text gives expansion terms (0 = the default)"},
    {"prf-terms", T_U32, OFF(prf_terms), 0, 0, 100, "N",
     "feedback: expansion terms (0 = the default)"},
    {"cover-weight", T_DBL, OFF(cover_weight), 0, 0, 1000, "X",
     "bonus for the share of query terms present, 0 = off"},
    {"help", T_FLAG, OFF(help), 0, 0, 0, NULL, "print this help and exit"},
    {"version", T_FLAG, OFF(version), 0, 0, 0, NULL,
     "print the version (program, index format, analyzer) and exit"},
};

#define N_OPTS (sizeof opts / sizeof opts[0])

void fh_srv_config_default(fh_srv_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->listen, sizeof c->listen, "127.0.0.1:7700");
    snprintf(c->stemmer, sizeof c->stemmer, "auto");
    c->threads = 0;
    c->log_level = FH_LOG_INFO;
    c->max_connections = 1024;
    c->idle_timeout_s = 300;
    c->max_line = 65536;
    c->max_reply_bytes = 24u << 20; /* a GET of the largest document the indexer takes (16 MiB) fits */
    c->max_output_bytes = 4u << 20;
    c->max_total_output_bytes = 256u << 20;
    c->query_budget_ms = 2000;
    c->max_terms = 64;
    c->max_prefix_expansions = 64;
    c->reload_interval_ms = 500;
    c->drain_timeout_s = 10;
    c->k1 = -1;
    c->b = -1;
    c->prox_weight = -1;
    c->lead_weight = -1;
    c->lead_title = -1;
    c->order_weight = -1;
    c->prf_weight = -1;
    c->tense_weight = -1;
    c->answer_type_weight = -1;
    c->prf_question_weight = -1;
    c->cover_weight = -1;
    c->focus_weight = -1;
    c->exact_weight = -1;
    c->exact_pair_weight = -1;
}

/* Option names compare with '_' == '-'. */
static const opt *find_opt(const char *name, size_t n)
{
    for (size_t i = 0; i < N_OPTS; i++) {
        const char *o = opts[i].name;
        if (strlen(o) != n)
            continue;
        size_t k = 0;
        while (k < n && (o[k] == name[k] || (o[k] == '-' && name[k] == '_')))
            k++;
        if (k == n)
            return &opts[i];
    }
    return NULL;
}

/* Whether [p, p + n) is an IPv6 address literal, with an optional %zone
 * (fe80::1%eth0, which getaddrinfo() takes). */
static bool is_ipv6_literal(const char *p, size_t n)
{
    const char *pct = memchr(p, '%', n);
    size_t an = pct ? (size_t)(pct - p) : n;
    if (pct && an + 1 == n)
        return false; /* an empty zone */
    char a[INET6_ADDRSTRLEN];
    struct in6_addr in6;
    if (an == 0 || an >= sizeof a)
        return false;
    memcpy(a, p, an);
    a[an] = '\0';
    return inet_pton(AF_INET6, a, &in6) == 1;
}

int fh_srv_listen_split(const char *spec, char *host, size_t hostlen, unsigned *port)
{
    const char *colon = strrchr(spec, ':');
    if (!colon)
        return -1;
    const char *h = spec;
    size_t hn = (size_t)(colon - spec);
    if (hn >= 2 && h[0] == '[' && h[hn - 1] == ']') {
        h++;
        hn -= 2;
        if (!is_ipv6_literal(h, hn))
            return -1; /* [127.0.0.1] or [localhost]: brackets are for IPv6 */
    } else if (memchr(h, ':', hn)) {
        return -1; /* an IPv6 address needs its brackets: ::1:7700 is ambiguous */
    }
    if (hn == 0 || hn >= hostlen)
        return -1;
    /* decimal digits only (num.h): no sign, no blanks, no leading zero, and
     * no wrap-around modulo 65536 as getaddrinfo() would do */
    if (fh_num_port(colon + 1, strlen(colon + 1), port) != 0)
        return -1;
    memcpy(host, h, hn);
    host[hn] = '\0';
    return 0;
}

static int set_opt(fh_srv_config *c, const opt *o, const char *v, char *err, size_t errlen)
{
    char *base = (char *)c;
    switch (o->type) {
    case T_STR:
    case T_LISTEN: {
        size_t n = strlen(v);
        if (n == 0 || n >= o->size) {
            snprintf(err, errlen, "%s: value must be 1..%zu bytes", o->name, o->size - 1);
            return -1;
        }
        char host[256];
        unsigned port;
        if (o->type == T_LISTEN && fh_srv_listen_split(v, host, sizeof host, &port) != 0) {
            snprintf(err, errlen,
                     "%s: expected HOST:PORT or [IPv6]:PORT with PORT in 0..65535 (no "
                     "leading zero), got '%s'",
                     o->name, v);
            return -1;
        }
        fh_analyzer_opts ao;
        if (strcmp(o->name, "stemmer") == 0 && strcmp(v, "auto") != 0 &&
            fh_analyzer_opts_by_name(v, &ao) != 0) {
            /* here, so that a config file's bad value has its file:line */
            snprintf(err, errlen,
                     "stemmer: expected auto, light10, light10+sb, light10-noguard, snowball or "
                     "none, not '%s'",
                     v);
            return -1;
        }
        memcpy(base + o->off, v, n + 1);
        return 0;
    }
    case T_U32: {
        uint64_t x = 0;
        if (fh_num_uint(v, strlen(v), (uint64_t)o->max, &x) != 0 || (double)x < o->min) {
            snprintf(err, errlen, "%s: expected an integer in %.0f..%.0f, got '%s'", o->name,
                     o->min, o->max, v);
            return -1;
        }
        uint32_t u = (uint32_t)x;
        memcpy(base + o->off, &u, sizeof u);
        return 0;
    }
    case T_DBL: {
        double x = 0;
        if (fh_num_decimal(v, &x) != 0 || x < o->min || x > o->max) {
            snprintf(err, errlen, "%s: expected a number in %g..%g, got '%s'", o->name, o->min,
                     o->max, v);
            return -1;
        }
        memcpy(base + o->off, &x, sizeof x);
        return 0;
    }
    case T_LEVEL: {
        int l = fh_log_parse_level(v);
        if (l < 0) {
            snprintf(err, errlen, "%s: expected error, warn (or warning), info or debug, got '%s'",
                     o->name, v);
            return -1;
        }
        fh_log_level lv = (fh_log_level)l;
        memcpy(base + o->off, &lv, sizeof lv);
        return 0;
    }
    case T_FLAG: {
        bool t = true;
        memcpy(base + o->off, &t, sizeof t);
        return 0;
    }
    }
    return -1;
}

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Where a comment starts in [p, end): the first '#' that follows a space or
 * a tab, as --help says (not a '\r': only a CRLF line end is taken as a
 * blank, and that is trimmed before this is called). `p[-1]` is readable and
 * is what precedes p on the line. */
static const char *comment_start(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p == '#' && (p[-1] == ' ' || p[-1] == '\t'))
            return p;
    return end;
}

/* The config-file line rule (the same words are in --help): a line that is
 * blank or whose first non-blank character is '#' is skipped; elsewhere '#'
 * starts a comment only after a space or a tab, so `/srv/a#1` keeps its '#'. A value
 * that starts with " or ' runs to the same quote and is taken as written
 * (blanks and '#' included, no escapes); only blanks and a comment (its '#'
 * glued to the quote or after a space or a tab) may follow it. Any other value is taken without
 * the blanks around it. A setting given twice is an error. */
int fh_srv_config_parse_text(fh_srv_config *c, const char *text, size_t len, const char *origin,
                             char *err, size_t errlen)
{
    size_t lineno = 0, i = 0;
    size_t first[sizeof opts / sizeof opts[0]] = {0}; /* line that set each */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        i = 3; /* a byte order mark, as some editors write */
    while (i < len) {
        lineno++;
        const char *ln = text + i;
        const char *nl = memchr(ln, '\n', len - i);
        size_t n = nl ? (size_t)(nl - ln) : len - i;
        i += n + (nl ? 1 : 0);
        if (memchr(ln, '\0', n)) {
            snprintf(err, errlen, "%s:%zu: a NUL byte in the line", origin, lineno);
            return -1;
        }
        while (n && is_blank(ln[0])) {
            ln++;
            n--;
        }
        while (n && is_blank(ln[n - 1]))
            n--;
        if (n == 0 || ln[0] == '#')
            continue;
        const char *end = ln + n;
        const char *eq = memchr(ln, '=', n);
        if (!eq || comment_start(ln + 1, eq) != eq) {
            snprintf(err, errlen, "%s:%zu: expected `name = value`", origin, lineno);
            return -1;
        }
        size_t kn = (size_t)(eq - ln);
        while (kn && is_blank(ln[kn - 1]))
            kn--;
        const char *v = eq + 1;
        while (v < end && is_blank(*v))
            v++;
        size_t vn;
        if (v < end && (*v == '"' || *v == '\'')) {
            const char *close = memchr(v + 1, *v, (size_t)(end - v - 1));
            if (!close) {
                snprintf(err, errlen, "%s:%zu: no closing %c", origin, lineno, *v);
                return -1;
            }
            const char *after = close + 1;
            while (after < end && is_blank(*after))
                after++;
            /* a comment's '#' is glued to the quote or follows a space or a
               tab, as comment_start() has it: not a lone '\r' ("x"\r#c) */
            if (after < end && (*after != '#' || (after > close + 1 && after[-1] == '\r'))) {
                snprintf(err, errlen, "%s:%zu: text after the closing %c", origin, lineno, *v);
                return -1;
            }
            v++;
            vn = (size_t)(close - v);
        } else {
            const char *stop = comment_start(v, end);
            while (stop > v && is_blank(stop[-1]))
                stop--;
            vn = (size_t)(stop - v);
        }
        const opt *o = find_opt(ln, kn);
        if (!o || o->type == T_FLAG || strcmp(o->name, "config") == 0) {
            snprintf(err, errlen, "%s:%zu: unknown setting '%.*s'", origin, lineno, (int)kn, ln);
            return -1;
        }
        size_t k = (size_t)(o - opts);
        if (first[k]) { /* which one was meant? */
            snprintf(err, errlen, "%s:%zu: '%s' is set again (first on line %zu)", origin, lineno,
                     o->name, first[k]);
            return -1;
        }
        first[k] = lineno;
        char val[FH_SRV_PATH_MAX];
        if (vn >= sizeof val) {
            snprintf(err, errlen, "%s:%zu: value too long", origin, lineno);
            return -1;
        }
        memcpy(val, v, vn);
        val[vn] = '\0';
        char sub[512];
        if (set_opt(c, o, val, sub, sizeof sub) != 0) {
            snprintf(err, errlen, "%s:%zu: %s", origin, lineno, sub);
            return -1;
        }
    }
    return 0;
}

#define CONFIG_MAX_BYTES ((size_t)1 << 20) /* a config file over 1 MiB is refused */

static int load_file(fh_srv_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "config %s: %s", path, strerror(errno));
        return -1;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    int rc = -1;
    for (;;) {
        if (len == cap) {
            /* one byte past the cap: a file that fills it is too large */
            size_t ncap = cap ? cap * 2 : 8192;
            if (ncap > CONFIG_MAX_BYTES + 1)
                ncap = CONFIG_MAX_BYTES + 1;
            char *p = realloc(text, ncap);
            if (!p) {
                snprintf(err, errlen, "config %s: out of memory", path);
                goto out;
            }
            text = p;
            cap = ncap;
        }
        errno = 0;
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (len > CONFIG_MAX_BYTES) {
            snprintf(err, errlen, "config %s: larger than 1 MiB (1048576 bytes)", path);
            goto out;
        }
        if (got == 0)
            break;
    }
    if (ferror(f)) { /* errno: EISDIR for a directory */
        snprintf(err, errlen, "config %s: %s", path, errno ? strerror(errno) : "read error");
        goto out;
    }
    rc = fh_srv_config_parse_text(c, text ? text : "", len, path, err, errlen);
out:
    free(text);
    fclose(f);
    return rc;
}

/* Split "--name=value" / "--name value". Returns the option or NULL. */
static const opt *flag_opt(const char *a, const char **inline_val)
{
    if (strncmp(a, "--", 2) != 0)
        return NULL;
    a += 2;
    const char *eq = strchr(a, '=');
    size_t n = eq ? (size_t)(eq - a) : strlen(a);
    *inline_val = eq ? eq + 1 : NULL;
    return find_opt(a, n);
}

int fh_srv_config_parse(fh_srv_config *c, int argc, char **argv, char *err, size_t errlen)
{
    /* pass 0: --help and --version win wherever they stand (a value that
       looks like them, --index --help, is a value) */
    for (int i = 1; i < argc; i++) {
        const char *iv;
        const opt *o = flag_opt(argv[i], &iv);
        if (o && o->type == T_FLAG) {
            if (strcmp(o->name, "version") == 0)
                c->version = true;
            else
                c->help = true;
            return 0;
        }
        if (o && !iv)
            i++; /* its value */
    }
    /* pass 1: --config, so flags can override the file */
    bool have_config = false;
    for (int i = 1; i < argc; i++) {
        const char *iv;
        const opt *o = flag_opt(argv[i], &iv);
        if (o && strcmp(o->name, "config") != 0 && !iv)
            i++; /* its value */
        if (o && strcmp(o->name, "config") == 0) {
            const char *v = iv ? iv : (i + 1 < argc ? argv[++i] : NULL);
            if (!v) {
                snprintf(err, errlen, "--config needs a value");
                return -1;
            }
            if (have_config) {
                /* one file: which of two would win is not for a reader to guess */
                snprintf(err, errlen, "--config given twice (one config file at most)");
                return -1;
            }
            have_config = true;
            if (set_opt(c, o, v, err, errlen) != 0 || load_file(c, v, err, errlen) != 0)
                return -1;
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *iv;
        const opt *o = flag_opt(argv[i], &iv);
        if (!o) {
            snprintf(err, errlen, "unknown argument '%s' (see --help)", argv[i]);
            return -1;
        }
        const char *v = iv;
        if (o->type != T_FLAG && !v) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "--%s needs a value", o->name);
                return -1;
            }
            v = argv[++i];
        }
        if (strcmp(o->name, "config") == 0)
            continue;
        if (set_opt(c, o, v ? v : "", err, errlen) != 0)
            return -1;
    }
    return 0;
}

void fh_srv_config_usage(void *out, const char *prog, const fh_srv_config *d)
{
    FILE *f = out;
    fprintf(f,
            "usage: %s --index DIR [options]\n"
            "\n"
            "Serve an Arabic full-text index over the Fahras line protocol\n"
            "(docs/PROTOCOL.md). Settings come from flags and from an optional\n"
            "config file of `name = value` lines with the same names; flags win.\n"
            "\n"
            "Config file: one `name = value` per line ('_' or '-' in names). A line\n"
            "whose first non-blank character is '#' is a comment, and so is the rest\n"
            "of a line from a '#' that follows a space or tab; any other '#' is part\n"
            "of the value (index = /srv/a#1). A value in \"double\" or 'single'\n"
            "quotes is taken as written, spaces and '#' included (no escapes); only\n"
            "a comment may follow it, its '#' right after the quote or after a space\n"
            "or tab.\n"
            "Other values lose the blanks around them. A name given twice is an\n"
            "error. A file over 1 MiB (1048576 bytes) is refused.\n"
            "\n"
            "Numbers, in flags and in the file: digits only, no sign, no blanks;\n"
            "leading zeros are allowed (007), except in a port (--listen: 00080 is\n"
            "refused; 0 is any free port). X settings also take a fraction\n"
            "and an exponent (.5, 2.5, 5e-1).\n"
            "\n"
            "Signals: SIGTERM, SIGINT and SIGHUP all stop the server gracefully: it\n"
            "stops accepting, answers the requests already received, flushes, logs\n"
            "it and exits 0 (a second signal or --drain-timeout cuts the wait short;\n"
            "the same signal again within 1 s is a copy of the first, as supervisors\n"
            "such as timeout send one to the server and one to its process group).\n"
            "SIGHUP does not reload anything (a re-published index is picked up on\n"
            "its own); if it was ignored when the server started (nohup), it stays\n"
            "ignored.\n"
            "\n"
            "Exit status: 0 after --help, --version or a graceful stop; 2 for a usage\n"
            "error (a bad flag, value or config file; one line on stderr); 1 when the\n"
            "server cannot start (no index, an index of another analyzer or format,\n"
            "the address in use, a --port-file that cannot be written), logged; 1\n"
            "also when the text of --help or --version cannot be written.\n"
            "\n"
            "Port file: written as FILE.tmp and renamed over FILE (its directory must\n"
            "be writable); only a regular file there is replaced: a symbolic link,\n"
            "directory, FIFO or device is refused (exit 1). It is removed at a\n"
            "graceful stop if it is still the file this server wrote.\n"
            "\n"
            "options ([default], {accepted range}):\n",
            prog);
    for (size_t i = 0; i < N_OPTS; i++) {
        const opt *o = &opts[i];
        char left[64];
        if (o->arg)
            snprintf(left, sizeof left, "--%s %s", o->name, o->arg);
        else
            snprintf(left, sizeof left, "--%s", o->name);
        char def[128] = "";
        const char *base = (const char *)d;
        switch (o->type) {
        case T_STR:
        case T_LISTEN:
            if (base[o->off])
                snprintf(def, sizeof def, " [%s]", base + o->off);
            break;
        case T_U32: {
            uint32_t u;
            memcpy(&u, base + o->off, sizeof u);
            snprintf(def, sizeof def, " [%u]", (unsigned)u);
            break;
        }
        case T_LEVEL:
            snprintf(def, sizeof def, " [%s]", fh_log_level_name(d->log_level));
            break;
        case T_DBL: {
            double x;
            memcpy(&x, base + o->off, sizeof x);
            if (x >= 0) /* -1: the engine's, which this caller could not reach */
                snprintf(def, sizeof def, " [%g]", x);
            break;
        }
        case T_FLAG:
            break;
        }
        char range[64] = "";
        if (o->type == T_U32 || o->type == T_DBL)
            snprintf(range, sizeof range, " {%.15g..%.15g}", o->min, o->max);
        fprintf(f, "  %-34s %s%s%s\n", left, o->help, def, range);
    }
}
