/* loadgen.c — fahras-loadgen: a closed-loop load generator for fahras-searchd.
 *
 * N connections each keep D requests in flight (D = 1: strict request/reply;
 * D > 1: pipelining). Every reply line completes the oldest request of its
 * connection and immediately sends the next query of the file, cycling. The
 * run is a warmup followed by a measured window of --duration seconds, or of
 * --count replies; a reply is counted when it arrives in the window, whenever
 * its request was sent (the peers' drivers count the same way); latencies of
 * replies received in the window go into a
 * log-bucketed histogram (hist.h). Reports throughput, p50/p90/p95/p99/p99.9/
 * max latency and errors as text on stdout and as JSON (--json FILE, "-" for
 * stdout).
 *
 * It must not: run without a bound (every run has a hard deadline), target a
 * non-loopback address without --allow-remote, grow memory without bound (the
 * query pool and each reply line have caps), or hide an error (a reply that
 * starts with {"error", a failed connect, a dropped connection and a request
 * timeout are all counted). One thread, one libevent base.
 */
#include "hist.h"

#include "fahras/buf.h"
#include "fahras/err.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#define LG_VERSION "1"
#define LG_MAX_CONNS 4096u
#define LG_MAX_DEPTH 1024u
#define LG_MAX_LINE (64u * 1024u)                 /* the daemon's request line cap */
#define LG_MAX_POOL ((size_t)1 << 30)             /* all request lines together */
#define LG_MAX_QUERIES 10000000u
#define LG_RECONNECT_US 100000                    /* pause before a reconnect */
#define LG_ERROR_PREFIX "{\"error\""

enum phase { PH_WARMUP, PH_MEASURE, PH_DONE };

/* Counters. Errors are counted over the whole run (warmup included); replies,
 * bytes and latencies only inside the measured window. A copy taken when the
 * window opens (lg.at_window) gives the errors of the window itself. */
typedef struct lg_counts {
    uint64_t replies;          /* reply lines in the window (ok + error replies) */
    uint64_t ok;               /* ... of which not an error reply */
    uint64_t bytes_in;         /* reply bytes in the window, newlines included */
    uint64_t sent;             /* requests written in the window */
    uint64_t error_replies;    /* whole run: reply lines starting with {"error" */
    uint64_t connect_failures; /* whole run: connects that failed */
    uint64_t disconnects;      /* whole run: established connections that dropped */
    uint64_t timeouts;         /* whole run: connections with no reply for --timeout */
    uint64_t lost;             /* whole run: in-flight requests on dropped connections */
    uint64_t unexpected;       /* whole run: reply lines with no request in flight */
    uint64_t overlong;         /* whole run: replies longer than --max-reply */
} lg_counts;

typedef struct lg_config {
    const char *host;
    const char *port;
    const char *queries_path;
    const char *tmpl;          /* "{q}" is replaced by the query text */
    const char *json_path;
    unsigned conns;
    unsigned depth;
    double duration_s;
    double warmup_s;
    uint64_t count;            /* 0: time-bounded run */
    double timeout_s;          /* per-connection reply timeout */
    double max_time_s;         /* hard deadline of the whole run */
    size_t max_reply;          /* bytes of one reply line */
    long watch_pid;            /* sample /proc/PID/status VmRSS every second; 0: off */
    const char *rss_log;       /* optional "seconds rss_kb" series */
    bool allow_remote;
    bool quiet;
} lg_config;

struct lg;

typedef struct lg_conn {
    struct lg *lg;
    unsigned id;
    struct bufferevent *bev;
    struct event *retry;       /* reconnect timer */
    uint64_t *sent_ns;         /* ring of send times, capacity depth */
    unsigned head;             /* oldest in flight */
    unsigned inflight;
    bool connected;
} lg_conn;

typedef struct lg {
    lg_config cfg;
    struct event_base *base;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char addr_text[128];

    fh_buf pool;               /* request lines, each ending in '\n' */
    size_t *line_off;          /* nq + 1 offsets into pool */
    size_t nq;
    size_t cursor;             /* next query (global, so the file is replayed in order) */

    lg_conn *conns;
    enum phase phase;
    uint64_t t0_ns, measure_start_ns, measure_end_ns;
    lg_counts c;
    lg_counts at_window; /* c when the measured window opened */
    fh_hist hist;

    struct event *ev_warmup, *ev_end, *ev_deadline, *ev_rss, *ev_sigint, *ev_sigterm, *ev_tick;
    bool interrupted;
    bool deadline_hit;
    bool unreachable;          /* no connection and no reply for --timeout: gave up */
    uint64_t last_progress_ns; /* last connect or reply */

    /* memory sampling of another process (fahras-searchd) */
    FILE *rss_fp;
    FILE *json_fp; /* --json, opened before the run: a bad path costs no measurement */
    long rss_start_kb, rss_max_kb, rss_end_kb, rss_min_kb, hwm_end_kb;
    uint64_t rss_samples;
} lg;

/* ------------------------------------------------------------- helpers */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct timeval tv_of(double s)
{
    struct timeval tv;
    if (s < 0)
        s = 0;
    tv.tv_sec = (time_t)s;
    tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
    return tv;
}

static void die_usage(const char *msg)
{
    fprintf(stderr, "fahras-loadgen: %s (try --help)\n", msg);
    exit(2);
}

static double parse_double(const char *s, const char *what, double lo, double hi)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi)) {
        fprintf(stderr, "fahras-loadgen: bad %s '%s' (want %g..%g)\n", what, s, lo, hi);
        exit(2);
    }
    return v;
}

static uint64_t parse_u64(const char *s, const char *what, uint64_t lo, uint64_t hi)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-' || v < lo || v > hi) {
        fprintf(stderr, "fahras-loadgen: bad %s '%s' (want %llu..%llu)\n", what, s,
                (unsigned long long)lo, (unsigned long long)hi);
        exit(2);
    }
    return (uint64_t)v;
}

/* ------------------------------------------------------------- queries */

/* Append one request line built from the template and the query text. */
static int add_request(lg *g, const char *q, size_t qlen)
{
    const char *t = g->cfg.tmpl;
    const char *hole = strstr(t, "{q}");
    size_t start = g->pool.len;
    int rc;
    if (hole) {
        rc = fh_buf_add(&g->pool, t, (size_t)(hole - t));
        if (!rc)
            rc = fh_buf_add(&g->pool, q, qlen);
        if (!rc)
            rc = fh_buf_adds(&g->pool, hole + 3);
    } else {
        rc = fh_buf_adds(&g->pool, t);
        if (!rc)
            rc = fh_buf_add(&g->pool, q, qlen);
    }
    if (!rc)
        rc = fh_buf_addc(&g->pool, '\n');
    if (rc)
        return rc;
    if (g->pool.len - start > LG_MAX_LINE) {
        g->pool.len = start; /* drop it: the daemon would refuse it */
        return 1;
    }
    return 0;
}

/* Read lines "id<TAB>text" or "text"; empty lines are skipped. */
static int load_queries(lg *g)
{
    FILE *f = strcmp(g->cfg.queries_path, "-") ? fopen(g->cfg.queries_path, "r") : stdin;
    if (!f) {
        fprintf(stderr, "fahras-loadgen: %s: %s\n", g->cfg.queries_path, strerror(errno));
        return -1;
    }
    int ret = -1;
    char *line = NULL;
    size_t cap = 0, offcap = 1024, skipped = 0;
    ssize_t n;
    fh_buf_init(&g->pool, LG_MAX_POOL);
    g->line_off = malloc(offcap * sizeof *g->line_off);
    if (!g->line_off)
        goto out;
    g->line_off[0] = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        size_t len = (size_t)n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        const char *q = line;
        const char *tab = memchr(line, '\t', len);
        if (tab) {
            len -= (size_t)(tab + 1 - line);
            q = tab + 1;
        }
        while (len && (*q == ' ' || *q == '\t')) {
            q++;
            len--;
        }
        if (len == 0 || memchr(q, '\0', len))
            continue;
        if (g->nq >= LG_MAX_QUERIES) {
            fprintf(stderr, "fahras-loadgen: more than %u queries; using the first ones\n",
                    LG_MAX_QUERIES);
            break;
        }
        int rc = add_request(g, q, len);
        if (rc == 1) {
            skipped++;
            continue;
        }
        if (rc) {
            fprintf(stderr, "fahras-loadgen: query pool: %s\n", fh_strerror(rc));
            goto out;
        }
        if (g->nq + 2 > offcap) {
            offcap *= 2;
            size_t *p = realloc(g->line_off, offcap * sizeof *p);
            if (!p)
                goto out;
            g->line_off = p;
        }
        g->line_off[++g->nq] = g->pool.len;
    }
    if (ferror(f)) {
        fprintf(stderr, "fahras-loadgen: %s: read error\n", g->cfg.queries_path);
        goto out;
    }
    if (skipped)
        fprintf(stderr, "fahras-loadgen: skipped %zu request lines over %u bytes\n", skipped,
                LG_MAX_LINE);
    if (g->nq == 0) {
        fprintf(stderr, "fahras-loadgen: %s: no queries\n", g->cfg.queries_path);
        goto out;
    }
    ret = 0;
out:
    free(line);
    if (f != stdin)
        fclose(f);
    return ret;
}

/* ------------------------------------------------------------- target */

static bool is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127u;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    return false;
}

static int resolve_target(lg *g)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int rc = getaddrinfo(g->cfg.host, g->cfg.port, &hints, &res);
    if (rc || !res) {
        fprintf(stderr, "fahras-loadgen: cannot resolve %s:%s: %s\n", g->cfg.host, g->cfg.port,
                gai_strerror(rc));
        return -1;
    }
    if (!is_loopback(res->ai_addr) && !g->cfg.allow_remote) {
        fprintf(stderr,
                "fahras-loadgen: %s is not a loopback address; pass --allow-remote to load "
                "another machine\n",
                g->cfg.host);
        freeaddrinfo(res);
        return -1;
    }
    memcpy(&g->addr, res->ai_addr, res->ai_addrlen);
    g->addrlen = (socklen_t)res->ai_addrlen;
    snprintf(g->addr_text, sizeof g->addr_text, "%s:%s", g->cfg.host, g->cfg.port);
    freeaddrinfo(res);
    return 0;
}

/* ------------------------------------------------------------- connections */

static void conn_start(lg_conn *c);

static void finish(lg *g)
{
    if (g->phase == PH_DONE)
        return;
    if (g->phase == PH_MEASURE)
        g->measure_end_ns = now_ns();
    else {
        g->measure_start_ns = g->measure_end_ns = now_ns(); /* nothing measured */
        g->at_window = g->c;                                /* an empty window */
    }
    g->phase = PH_DONE;
    event_base_loopbreak(g->base);
}

static void send_one(lg_conn *c)
{
    lg *g = c->lg;
    size_t i = g->cursor;
    g->cursor = (g->cursor + 1 == g->nq) ? 0 : g->cursor + 1;
    const char *p = g->pool.data + g->line_off[i];
    size_t len = g->line_off[i + 1] - g->line_off[i];
    if (bufferevent_write(c->bev, p, len) != 0)
        return; /* out of memory in libevent: the timeout will catch the stall */
    unsigned slot = (c->head + c->inflight) % g->cfg.depth;
    c->sent_ns[slot] = now_ns();
    c->inflight++;
    if (g->phase == PH_MEASURE)
        g->c.sent++;
}

static void conn_drop(lg_conn *c, bool reconnect)
{
    lg *g = c->lg;
    if (c->bev) {
        bufferevent_free(c->bev);
        c->bev = NULL;
    }
    if (g->phase != PH_DONE)
        g->c.lost += c->inflight;
    c->inflight = 0;
    c->head = 0;
    c->connected = false;
    if (reconnect && g->phase != PH_DONE) {
        struct timeval tv = {0, LG_RECONNECT_US};
        evtimer_add(c->retry, &tv);
    }
}

static void on_read(struct bufferevent *bev, void *arg)
{
    lg_conn *c = arg;
    lg *g = c->lg;
    struct evbuffer *in = bufferevent_get_input(bev);
    uint64_t t = now_ns();
    for (;;) {
        if (g->phase == PH_DONE)
            return;
        size_t eol_len = 0;
        struct evbuffer_ptr pos = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
        if (pos.pos < 0) {
            if (evbuffer_get_length(in) > g->cfg.max_reply) {
                g->c.overlong++;
                conn_drop(c, true);
            }
            return;
        }
        size_t line_len = (size_t)pos.pos;
        char head[sizeof LG_ERROR_PREFIX];
        size_t want = sizeof LG_ERROR_PREFIX - 1;
        ev_ssize_t got = evbuffer_copyout(in, head, line_len < want ? line_len : want);
        bool is_error = got == (ev_ssize_t)want && memcmp(head, LG_ERROR_PREFIX, want) == 0;
        evbuffer_drain(in, line_len + eol_len);

        if (c->inflight == 0) {
            g->c.unexpected++;
            continue;
        }
        g->last_progress_ns = t;
        uint64_t sent = c->sent_ns[c->head];
        c->head = (c->head + 1) % g->cfg.depth;
        c->inflight--;
        if (is_error)
            g->c.error_replies++;
        if (g->phase == PH_MEASURE) {
            g->c.replies++;
            g->c.bytes_in += line_len + eol_len;
            if (!is_error)
                g->c.ok++;
            fh_hist_add(&g->hist, t > sent ? t - sent : 0);
            if (g->cfg.count && g->c.replies >= g->cfg.count) {
                finish(g);
                return;
            }
        }
        send_one(c);
    }
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    lg_conn *c = arg;
    lg *g = c->lg;
    if (what & BEV_EVENT_CONNECTED) {
        c->connected = true;
        g->last_progress_ns = now_ns();
        int one = 1;
        evutil_socket_t fd = bufferevent_getfd(bev);
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        for (unsigned i = 0; i < g->cfg.depth && g->phase != PH_DONE; i++)
            send_one(c);
        return;
    }
    if (what & BEV_EVENT_TIMEOUT) {
        g->c.timeouts++;
        conn_drop(c, true);
        return;
    }
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        if (c->connected)
            g->c.disconnects++;
        else
            g->c.connect_failures++;
        conn_drop(c, true);
    }
}

static void conn_start(lg_conn *c)
{
    lg *g = c->lg;
    if (g->phase == PH_DONE)
        return;
    c->bev = bufferevent_socket_new(g->base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (!c->bev) {
        g->c.connect_failures++;
        conn_drop(c, true);
        return;
    }
    bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
    struct timeval to = tv_of(g->cfg.timeout_s);
    bufferevent_set_timeouts(c->bev, &to, &to);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&g->addr, (int)g->addrlen) != 0) {
        /* immediate failure; the event callback may not run */
        if (c->bev) {
            g->c.connect_failures++;
            conn_drop(c, true);
        }
    }
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    conn_start(arg);
}

/* ------------------------------------------------------------- timers */

static void on_warmup_end(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    lg *g = arg;
    if (g->phase != PH_WARMUP)
        return;
    g->phase = PH_MEASURE;
    g->measure_start_ns = now_ns();
    g->at_window = g->c;
    if (g->cfg.count == 0) {
        struct timeval tv = tv_of(g->cfg.duration_s);
        evtimer_add(g->ev_end, &tv);
    }
}

static void on_end(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    finish(arg);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    lg *g = arg;
    g->deadline_hit = true;
    fprintf(stderr, "fahras-loadgen: hard deadline of %.1f s reached; stopping\n",
            g->cfg.max_time_s);
    finish(g);
}

/* Give up when the target has been unreachable for --timeout: no connection is up and
 * nothing was connected or answered in that time (a dead daemon must not keep a
 * --count run reconnecting until the hard deadline). */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    lg *g = arg;
    if (g->phase == PH_DONE)
        return;
    for (unsigned i = 0; i < g->cfg.conns; i++)
        if (g->conns[i].connected)
            return;
    if ((double)(now_ns() - g->last_progress_ns) / 1e9 > g->cfg.timeout_s) {
        g->unreachable = true;
        fprintf(stderr, "fahras-loadgen: %s unreachable for %.1f s; stopping\n", g->addr_text,
                g->cfg.timeout_s);
        finish(g);
    }
}

static void on_signal(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    lg *g = arg;
    g->interrupted = true;
    finish(g);
}

/* VmRSS and VmHWM of a process in kB; -1 when it is gone. */
static long read_status_kb(long pid, const char *key)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long v = -1;
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            v = strtol(line + klen + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

static void sample_rss(lg *g)
{
    long kb = read_status_kb(g->cfg.watch_pid, "VmRSS");
    if (kb < 0)
        return;
    if (g->rss_samples == 0) {
        g->rss_start_kb = kb;
        g->rss_min_kb = kb;
    }
    if (kb > g->rss_max_kb)
        g->rss_max_kb = kb;
    if (kb < g->rss_min_kb)
        g->rss_min_kb = kb;
    g->rss_end_kb = kb;
    g->rss_samples++;
    if (g->rss_fp)
        fprintf(g->rss_fp, "%.3f %ld\n", (double)(now_ns() - g->t0_ns) / 1e9, kb);
}

static void on_rss(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sample_rss(arg);
}

/* ------------------------------------------------------------- report */

static double ms(uint64_t ns)
{
    return (double)ns / 1e6;
}

static uint64_t total_errors(const lg_counts *c)
{
    return c->error_replies + c->connect_failures + c->disconnects + c->timeouts +
           c->unexpected + c->overlong;
}

/* Errors inside the measured window, the window of `replies`. */
static uint64_t window_errors(const lg *g)
{
    return total_errors(&g->c) - total_errors(&g->at_window);
}

static void json_str(FILE *f, const char *s)
{
    fh_buf b;
    fh_buf_init(&b, 1u << 20);
    if (fh_buf_add_json_str(&b, s, strlen(s)) == 0)
        fputs(b.data, f);
    else
        fputs("\"\"", f);
    fh_buf_free(&b);
}

static void report_json(const lg *g, FILE *f, double secs)
{
    const fh_hist *h = &g->hist;
    const lg_counts *c = &g->c;
    fprintf(f, "{\"tool\":\"fahras-loadgen\",\"version\":" LG_VERSION ",\"target\":");
    json_str(f, g->addr_text);
    fprintf(f, ",\"queries_file\":");
    json_str(f, g->cfg.queries_path);
    fprintf(f, ",\"template\":");
    json_str(f, g->cfg.tmpl);
    fprintf(f,
            ",\"queries\":%zu,\"conns\":%u,\"depth\":%u,\"warmup_s\":%.3f,\"duration_s\":%.3f,"
            "\"count\":%llu,\"timeout_s\":%.3f,\"seconds\":%.6f,"
            "\"requests\":%llu,\"ok\":%llu,\"sent\":%llu,\"bytes_in\":%llu,"
            "\"qps\":%.3f,\"ok_qps\":%.3f,\"mb_in_per_s\":%.3f,"
            "\"p50_ms\":%.4f,\"p90_ms\":%.4f,\"p95_ms\":%.4f,\"p99_ms\":%.4f,"
            "\"p999_ms\":%.4f,\"max_ms\":%.4f,\"min_ms\":%.4f,\"mean_ms\":%.4f,"
            "\"errors\":%llu,\"error_replies\":%llu,\"connect_failures\":%llu,"
            "\"disconnects\":%llu,\"timeouts\":%llu,\"lost\":%llu,\"unexpected\":%llu,"
            "\"overlong\":%llu,\"window_errors\":%llu,\"window_error_replies\":%llu,"
            "\"interrupted\":%s,\"deadline_hit\":%s,\"unreachable\":%s",
            g->nq, g->cfg.conns, g->cfg.depth, g->cfg.warmup_s, g->cfg.duration_s,
            (unsigned long long)g->cfg.count, g->cfg.timeout_s, secs,
            (unsigned long long)c->replies, (unsigned long long)c->ok, (unsigned long long)c->sent,
            (unsigned long long)c->bytes_in, secs > 0 ? (double)c->replies / secs : 0.0,
            secs > 0 ? (double)c->ok / secs : 0.0,
            secs > 0 ? (double)c->bytes_in / 1e6 / secs : 0.0, ms(fh_hist_percentile(h, 50)),
            ms(fh_hist_percentile(h, 90)), ms(fh_hist_percentile(h, 95)),
            ms(fh_hist_percentile(h, 99)), ms(fh_hist_percentile(h, 99.9)), ms(h->max_ns),
            h->n ? ms(h->min_ns) : 0.0, fh_hist_mean(h) / 1e6, (unsigned long long)total_errors(c),
            (unsigned long long)c->error_replies, (unsigned long long)c->connect_failures,
            (unsigned long long)c->disconnects, (unsigned long long)c->timeouts,
            (unsigned long long)c->lost, (unsigned long long)c->unexpected,
            (unsigned long long)c->overlong, (unsigned long long)window_errors(g),
            (unsigned long long)(c->replies - c->ok), g->interrupted ? "true" : "false",
            g->deadline_hit ? "true" : "false", g->unreachable ? "true" : "false");
    if (g->cfg.watch_pid > 0)
        fprintf(f,
                ",\"rss\":{\"pid\":%ld,\"samples\":%llu,\"start_kb\":%ld,\"min_kb\":%ld,"
                "\"max_kb\":%ld,\"end_kb\":%ld,\"hwm_end_kb\":%ld}",
                g->cfg.watch_pid, (unsigned long long)g->rss_samples, g->rss_start_kb,
                g->rss_min_kb, g->rss_max_kb, g->rss_end_kb, g->hwm_end_kb);
    fprintf(f, "}\n");
}

static void report_text(const lg *g, FILE *f, double secs)
{
    const fh_hist *h = &g->hist;
    const lg_counts *c = &g->c;
    fprintf(f, "target      %s, %u conns x depth %u, %zu queries from %s\n", g->addr_text,
            g->cfg.conns, g->cfg.depth, g->nq, g->cfg.queries_path);
    fprintf(f, "window      %.3f s after %.1f s warmup%s%s%s\n", secs, g->cfg.warmup_s,
            g->interrupted ? " (interrupted)" : "", g->deadline_hit ? " (deadline hit)" : "",
            g->unreachable ? " (target unreachable)" : "");
    fprintf(f,
            "replies     %llu in the window (%llu ok, %llu error replies), %.1f ok/s "
            "(%.1f replies/s), %.2f MB/s in\n",
            (unsigned long long)c->replies, (unsigned long long)c->ok,
            (unsigned long long)(c->replies - c->ok), secs > 0 ? (double)c->ok / secs : 0.0,
            secs > 0 ? (double)c->replies / secs : 0.0,
            secs > 0 ? (double)c->bytes_in / 1e6 / secs : 0.0);
    fprintf(f, "latency ms  p50 %.3f  p90 %.3f  p95 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  mean %.3f\n",
            ms(fh_hist_percentile(h, 50)), ms(fh_hist_percentile(h, 90)),
            ms(fh_hist_percentile(h, 95)), ms(fh_hist_percentile(h, 99)),
            ms(fh_hist_percentile(h, 99.9)), ms(h->max_ns), fh_hist_mean(h) / 1e6);
    fprintf(f,
            "errors      %llu in the window; whole run, warmup included: %llu (error replies "
            "%llu, connect failures %llu, disconnects %llu, timeouts %llu, unexpected %llu, "
            "overlong %llu; lost in flight %llu)\n",
            (unsigned long long)window_errors(g), (unsigned long long)total_errors(c),
            (unsigned long long)c->error_replies, (unsigned long long)c->connect_failures,
            (unsigned long long)c->disconnects, (unsigned long long)c->timeouts,
            (unsigned long long)c->unexpected, (unsigned long long)c->overlong,
            (unsigned long long)c->lost);
    if (g->cfg.watch_pid > 0)
        fprintf(f, "rss pid %ld  start %.1f MB  max %.1f MB  end %.1f MB  (%llu samples)\n",
                g->cfg.watch_pid, (double)g->rss_start_kb / 1024.0,
                (double)g->rss_max_kb / 1024.0, (double)g->rss_end_kb / 1024.0,
                (unsigned long long)g->rss_samples);
}

/* ------------------------------------------------------------- main */

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: fahras-loadgen [options] --queries FILE [HOST:PORT]\n"
        "Closed-loop load against fahras-searchd's line protocol (default target 127.0.0.1:7700).\n"
        "\n"
        "  -q, --queries FILE     lines 'id<TAB>text' or 'text' ('-' = stdin); replayed in order, "
        "cycling\n"
        "  -p, --prefix TEMPLATE  request template; {q} is replaced by the text, else the text\n"
        "                         is appended (default 'SEARCH {q}'), e.g.\n"
        "                         'SEARCH limit=10 snippets=1 {q}'\n"
        "  -c, --conns N          connections (default 1, max %u)\n"
        "  -D, --depth D          requests in flight per connection (pipelining; default 1, max "
        "%u)\n"
        "  -d, --duration S       measured window in seconds (default 10)\n"
        "  -w, --warmup S         unmeasured warmup before it (default 1)\n"
        "  -n, --count N          measure N replies instead of a duration\n"
        "  -t, --timeout S        a connection with no reply for S seconds is dropped and\n"
        "                         counted as a timeout; the run stops when no connection\n"
        "                         could be made for S seconds (default 10)\n"
        "      --max-time S       hard deadline of the whole run (default: warmup + duration\n"
        "                         + timeout + 5, or 600 with --count)\n"
        "      --max-reply BYTES  longest reply line accepted (default 24 MiB, searchd's own)\n"
        "  -j, --json FILE        also write the result as one JSON object ('-' = stdout)\n"
        "      --watch-pid PID    sample VmRSS of PID from /proc every second (start/min/max/end)\n"
        "      --rss-log FILE     write the samples there as 'seconds kB' lines\n"
        "      --allow-remote     allow a non-loopback target\n"
        "      --quiet            no text report\n"
        "  -h, --help\n"
        "\n"
        "Errors: reply lines starting with {\"error\", failed connects, dropped connections,\n"
        "timeouts. Exit status: 0 when the window measured at least one reply, 1 when it\n"
        "measured none, 2 on a usage or setup error.\n",
        LG_MAX_CONNS, LG_MAX_DEPTH);
}

static void parse_target(lg_config *cfg, char *t)
{
    char *colon = strrchr(t, ':');
    if (!colon || colon == t || !colon[1])
        die_usage("target must be HOST:PORT");
    *colon = '\0';
    cfg->host = t;
    cfg->port = colon + 1;
    if (*cfg->host == '[') { /* [::1]:7700 */
        size_t n = strlen(cfg->host);
        if (n < 3 || cfg->host[n - 1] != ']')
            die_usage("bad IPv6 target");
        t[n - 1] = '\0';
        cfg->host++;
    }
    (void)parse_u64(cfg->port, "port", 1, 65535);
}

int main(int argc, char **argv)
{
    static lg g; /* large (histogram): static storage */
    lg_config *cfg = &g.cfg;
    cfg->host = "127.0.0.1";
    cfg->port = "7700";
    cfg->tmpl = "SEARCH {q}";
    cfg->conns = 1;
    cfg->depth = 1;
    cfg->duration_s = 10;
    cfg->warmup_s = 1;
    cfg->timeout_s = 10;
    cfg->max_reply = 24u << 20;

    enum { O_MAX_TIME = 1000, O_MAX_REPLY, O_WATCH, O_RSS_LOG, O_REMOTE, O_QUIET };
    static const struct option opts[] = {
        {"queries", required_argument, NULL, 'q'},
        {"prefix", required_argument, NULL, 'p'},
        {"template", required_argument, NULL, 'p'},
        {"conns", required_argument, NULL, 'c'},
        {"depth", required_argument, NULL, 'D'},
        {"duration", required_argument, NULL, 'd'},
        {"warmup", required_argument, NULL, 'w'},
        {"count", required_argument, NULL, 'n'},
        {"timeout", required_argument, NULL, 't'},
        {"json", required_argument, NULL, 'j'},
        {"max-time", required_argument, NULL, O_MAX_TIME},
        {"max-reply", required_argument, NULL, O_MAX_REPLY},
        {"watch-pid", required_argument, NULL, O_WATCH},
        {"rss-log", required_argument, NULL, O_RSS_LOG},
        {"allow-remote", no_argument, NULL, O_REMOTE},
        {"quiet", no_argument, NULL, O_QUIET},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "q:p:c:D:d:w:n:t:j:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'q': cfg->queries_path = optarg; break;
        case 'p': cfg->tmpl = optarg; break;
        case 'c': cfg->conns = (unsigned)parse_u64(optarg, "--conns", 1, LG_MAX_CONNS); break;
        case 'D': cfg->depth = (unsigned)parse_u64(optarg, "--depth", 1, LG_MAX_DEPTH); break;
        case 'd': cfg->duration_s = parse_double(optarg, "--duration", 0.01, 86400); break;
        case 'w': cfg->warmup_s = parse_double(optarg, "--warmup", 0, 3600); break;
        case 'n': cfg->count = parse_u64(optarg, "--count", 1, UINT64_C(1) << 40); break;
        case 't': cfg->timeout_s = parse_double(optarg, "--timeout", 0.01, 3600); break;
        case 'j': cfg->json_path = optarg; break;
        case O_MAX_TIME: cfg->max_time_s = parse_double(optarg, "--max-time", 0.1, 86400); break;
        case O_MAX_REPLY:
            cfg->max_reply = (size_t)parse_u64(optarg, "--max-reply", 64, UINT64_C(1) << 32);
            break;
        case O_WATCH: cfg->watch_pid = (long)parse_u64(optarg, "--watch-pid", 1, 1u << 30); break;
        case O_RSS_LOG: cfg->rss_log = optarg; break;
        case O_REMOTE: cfg->allow_remote = true; break;
        case O_QUIET: cfg->quiet = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc)
        parse_target(cfg, argv[optind++]);
    if (optind < argc)
        die_usage("too many arguments");
    if (!cfg->queries_path)
        die_usage("--queries FILE is required");
    if (strchr(cfg->tmpl, '\n') || strchr(cfg->tmpl, '\r'))
        die_usage("the template must be one line");
    if (cfg->max_time_s == 0)
        cfg->max_time_s = cfg->count ? 600.0
                                     : cfg->warmup_s + cfg->duration_s + cfg->timeout_s + 5.0;

    int ret = 2;
    struct timeval tv;
    double secs;
    fh_hist_reset(&g.hist);
    if (load_queries(&g) != 0 || resolve_target(&g) != 0)
        goto out;
    if (cfg->rss_log && !(g.rss_fp = fopen(cfg->rss_log, "w"))) {
        fprintf(stderr, "fahras-loadgen: %s: %s\n", cfg->rss_log, strerror(errno));
        goto out;
    }
    if (cfg->watch_pid > 0 && read_status_kb(cfg->watch_pid, "VmRSS") < 0) {
        fprintf(stderr, "fahras-loadgen: --watch-pid %ld: no such process (or no VmRSS)\n",
                cfg->watch_pid);
        goto out;
    }
    if (cfg->json_path) {
        g.json_fp = strcmp(cfg->json_path, "-") ? fopen(cfg->json_path, "w") : stdout;
        if (!g.json_fp) {
            fprintf(stderr, "fahras-loadgen: %s: %s\n", cfg->json_path, strerror(errno));
            goto out;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    g.base = event_base_new();
    g.conns = calloc(cfg->conns, sizeof *g.conns);
    if (!g.base || !g.conns)
        goto out;
    g.ev_warmup = evtimer_new(g.base, on_warmup_end, &g);
    g.ev_end = evtimer_new(g.base, on_end, &g);
    g.ev_deadline = evtimer_new(g.base, on_deadline, &g);
    g.ev_sigint = evsignal_new(g.base, SIGINT, on_signal, &g);
    g.ev_sigterm = evsignal_new(g.base, SIGTERM, on_signal, &g);
    g.ev_tick = event_new(g.base, -1, EV_PERSIST, on_tick, &g);
    if (!g.ev_warmup || !g.ev_end || !g.ev_deadline || !g.ev_sigint || !g.ev_sigterm ||
        !g.ev_tick)
        goto out;
    evsignal_add(g.ev_sigint, NULL);
    evsignal_add(g.ev_sigterm, NULL);
    if (cfg->watch_pid > 0) {
        g.ev_rss = event_new(g.base, -1, EV_PERSIST, on_rss, &g);
        if (!g.ev_rss)
            goto out;
        struct timeval one = {1, 0};
        event_add(g.ev_rss, &one);
    }
    for (unsigned i = 0; i < cfg->conns; i++) {
        lg_conn *c = &g.conns[i];
        c->lg = &g;
        c->id = i;
        c->sent_ns = calloc(cfg->depth, sizeof *c->sent_ns);
        c->retry = evtimer_new(g.base, on_retry, c);
        if (!c->sent_ns || !c->retry)
            goto out;
    }

    g.t0_ns = now_ns();
    g.last_progress_ns = g.t0_ns;
    tv.tv_sec = 0;
    tv.tv_usec = 250000;
    event_add(g.ev_tick, &tv);
    if (cfg->watch_pid > 0)
        sample_rss(&g);
    g.phase = PH_WARMUP;
    tv = tv_of(cfg->warmup_s);
    evtimer_add(g.ev_warmup, &tv);
    tv = tv_of(cfg->max_time_s);
    evtimer_add(g.ev_deadline, &tv);
    for (unsigned i = 0; i < cfg->conns; i++)
        conn_start(&g.conns[i]);

    event_base_dispatch(g.base);
    finish(&g);
    if (cfg->watch_pid > 0) {
        sample_rss(&g);
        g.hwm_end_kb = read_status_kb(cfg->watch_pid, "VmHWM");
    }

    secs = (double)(g.measure_end_ns - g.measure_start_ns) / 1e9;
    if (!cfg->quiet)
        report_text(&g, stdout, secs);
    if (g.json_fp) {
        FILE *f = g.json_fp;
        g.json_fp = NULL;
        report_json(&g, f, secs);
        if (f != stdout && fclose(f) != 0) {
            fprintf(stderr, "fahras-loadgen: %s: write failed\n", cfg->json_path);
            goto out;
        }
    }
    fflush(stdout);
    ret = g.c.replies > 0 ? 0 : 1;
    if (ret)
        fprintf(stderr, "fahras-loadgen: no reply measured (%llu connect failures)\n",
                (unsigned long long)g.c.connect_failures);
out:
    if (g.conns) {
        for (unsigned i = 0; i < cfg->conns; i++) {
            lg_conn *c = &g.conns[i];
            if (c->bev)
                bufferevent_free(c->bev);
            if (c->retry)
                event_free(c->retry);
            free(c->sent_ns);
        }
        free(g.conns);
    }
    struct event *evs[] = {g.ev_warmup, g.ev_end, g.ev_deadline, g.ev_rss, g.ev_sigint,
                           g.ev_sigterm, g.ev_tick};
    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
        if (evs[i])
            event_free(evs[i]);
    if (g.base)
        event_base_free(g.base);
    if (g.rss_fp)
        fclose(g.rss_fp);
    if (g.json_fp && g.json_fp != stdout)
        fclose(g.json_fp);
    free(g.line_off);
    fh_buf_free(&g.pool);
    return ret;
}
