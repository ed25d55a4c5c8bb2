/*
 * sphinxql_load: closed-loop load driver for Sphinx searchd over SphinxQL (MySQL protocol).
 * Each of --conns threads owns one connection and issues its next query as soon as the
 * previous one returned; queries are taken round-robin from the file by a shared counter.
 * With --snippets, every SELECT is followed by CALL SNIPPETS over the returned documents'
 * texts, which this client keeps in memory (Sphinx stores no text); one request = both.
 * A request is counted when it completes inside the measured window [end of warm-up,
 * deadline], whenever it started: the rule of fahras-loadgen and run_xapian.py too.
 * Prints one JSON object (QPS, latency percentiles in ms) on stdout. Bench tool, not Fahras.
 *
 * Query file: one request per line, "<snippet words>\t<SELECT statement>"; the SELECT's
 * first column must be the numeric document id (the id of the --texts TSV).
 *
 * Build: cc -O2 -Wall -Wextra -o sphinxql_load sphinxql_load.c \
 *            $(pkg-config --cflags --libs libmariadb) -lpthread
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <mysql.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct query {
    const char *words; /* snippet query (plain words) */
    const char *sql;   /* SELECT ... */
};

struct text {
    const char *p;
    size_t len;
};

struct opts {
    const char *host;
    unsigned port;
    const char *queries;
    const char *texts;
    const char *index;
    const char *snippet_opts;
    int conns;
    double seconds;
    double warmup;
    int snippets;
    size_t max_requests_per_thread;
};

struct worker {
    pthread_t tid;
    int id;
    uint32_t *lat_us; /* latencies of counted requests */
    size_t n, cap;
    uint64_t errors, rows, uncounted;
    char first_error[256];
    char *buf; /* CALL SNIPPETS statement */
    size_t buf_cap;
};

static struct opts O = {"127.0.0.1", 9306, NULL, NULL, NULL, "200 AS limit", 1, 10.0, 1.0, 0, 0};
static struct query *Q;
static size_t NQ;
static struct text *T; /* T[numid] */
static size_t NT;
static atomic_size_t next_q;
static double t_measure, t_end; /* CLOCK_MONOTONIC seconds */
static pthread_barrier_t connected_barrier, start_barrier;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *msg)
{
    fprintf(stderr, "sphinxql_load: %s\n", msg);
    exit(1);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "sphinxql_load: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    if (fseek(f, 0, SEEK_END) != 0)
        die("fseek");
    long sz = ftell(f);
    if (sz < 0)
        die("ftell");
    rewind(f);
    char *b = malloc((size_t)sz + 1);
    if (!b)
        die("out of memory");
    if (fread(b, 1, (size_t)sz, f) != (size_t)sz)
        die("short read");
    b[sz] = '\0';
    fclose(f);
    *len = (size_t)sz;
    return b;
}

static void load_queries(const char *path)
{
    size_t len, cap = 1024;
    char *b = slurp(path, &len);
    Q = malloc(cap * sizeof *Q);
    for (char *line = b; line < b + len;) {
        char *nl = memchr(line, '\n', (size_t)(b + len - line));
        char *end = nl ? nl : b + len;
        *end = '\0';
        char *tab = strchr(line, '\t');
        if (tab && tab[1]) {
            *tab = '\0';
            if (NQ == cap) {
                cap *= 2;
                Q = realloc(Q, cap * sizeof *Q);
                if (!Q)
                    die("out of memory");
            }
            Q[NQ].words = line;
            Q[NQ].sql = tab + 1;
            NQ++;
        }
        line = end + 1;
    }
    if (NQ == 0)
        die("no queries (expected lines '<words>\\t<SELECT ...>')");
}

static void load_texts(const char *path)
{
    size_t len, cap = 1 << 16;
    char *b = slurp(path, &len);
    T = calloc(cap, sizeof *T);
    for (char *line = b; line < b + len;) {
        char *nl = memchr(line, '\n', (size_t)(b + len - line));
        char *end = nl ? nl : b + len;
        *end = '\0';
        char *tab = strchr(line, '\t');
        if (tab) {
            unsigned long long id = strtoull(line, NULL, 10);
            if (id >= cap) {
                size_t ncap = cap;
                while (ncap <= id)
                    ncap *= 2;
                T = realloc(T, ncap * sizeof *T);
                if (!T)
                    die("out of memory");
                memset(T + cap, 0, (ncap - cap) * sizeof *T);
                cap = ncap;
            }
            T[id].p = tab + 1;
            T[id].len = (size_t)(end - tab - 1);
            if (id + 1 > NT)
                NT = id + 1;
        }
        line = end + 1;
    }
}

static void buf_need(struct worker *w, size_t more, size_t used)
{
    if (used + more + 1 <= w->buf_cap)
        return;
    size_t cap = w->buf_cap ? w->buf_cap : 1 << 16;
    while (cap < used + more + 1)
        cap *= 2;
    w->buf = realloc(w->buf, cap);
    if (!w->buf)
        die("out of memory");
    w->buf_cap = cap;
}

/* Append s as the body of a single-quoted SphinxQL string: ' and \ get a backslash. */
static size_t put_quoted(struct worker *w, size_t used, const char *s, size_t n)
{
    buf_need(w, 2 * n + 2, used);
    char *d = w->buf + used;
    *d++ = '\'';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'' || s[i] == '\\')
            *d++ = '\\';
        *d++ = s[i];
    }
    *d++ = '\'';
    return (size_t)(d - w->buf);
}

static size_t put_raw(struct worker *w, size_t used, const char *s)
{
    size_t n = strlen(s);
    buf_need(w, n, used);
    memcpy(w->buf + used, s, n);
    return used + n;
}

static void record_error(struct worker *w, MYSQL *c)
{
    if (w->errors++ == 0)
        snprintf(w->first_error, sizeof w->first_error, "%s", mysql_error(c));
}

/* One request: SELECT, then (optionally) CALL SNIPPETS. Returns 0 on success. */
static int one_request(struct worker *w, MYSQL *c, const struct query *q)
{
    if (mysql_query(c, q->sql) != 0) {
        record_error(w, c);
        return -1;
    }
    MYSQL_RES *res = mysql_store_result(c);
    if (!res) {
        record_error(w, c);
        return -1;
    }
    size_t used = 0;
    int ndocs = 0;
    if (O.snippets)
        used = put_raw(w, 0, "CALL SNIPPETS((");
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(res)) != NULL) {
        w->rows++;
        if (!O.snippets || !row[0])
            continue;
        unsigned long long id = strtoull(row[0], NULL, 10);
        const char *p = "";
        size_t n = 0;
        if (id < NT && T[id].p) {
            p = T[id].p;
            n = T[id].len;
        }
        if (ndocs++)
            used = put_raw(w, used, ",");
        used = put_quoted(w, used, p, n);
    }
    mysql_free_result(res);
    if (!O.snippets || ndocs == 0)
        return 0;
    used = put_raw(w, used, "),");
    used = put_quoted(w, used, O.index, strlen(O.index));
    used = put_raw(w, used, ",");
    used = put_quoted(w, used, q->words, strlen(q->words));
    if (O.snippet_opts && *O.snippet_opts) {
        used = put_raw(w, used, ",");
        used = put_raw(w, used, O.snippet_opts);
    }
    used = put_raw(w, used, ")");
    if (mysql_real_query(c, w->buf, (unsigned long)used) != 0) {
        record_error(w, c);
        return -1;
    }
    res = mysql_store_result(c);
    if (!res) {
        record_error(w, c);
        return -1;
    }
    while (mysql_fetch_row(res) != NULL)
        ;
    mysql_free_result(res);
    return 0;
}

static void *run_worker(void *arg)
{
    struct worker *w = arg;
    MYSQL *c = mysql_init(NULL);
    if (!c)
        die("mysql_init");
    unsigned timeout = 30;
    mysql_options(c, MYSQL_OPT_READ_TIMEOUT, &timeout);
    mysql_options(c, MYSQL_OPT_WRITE_TIMEOUT, &timeout);
    if (!mysql_real_connect(c, O.host, "", "", NULL, O.port, NULL, 0)) {
        fprintf(stderr, "sphinxql_load: connect %s:%u: %s\n", O.host, O.port, mysql_error(c));
        exit(1);
    }
    pthread_barrier_wait(&connected_barrier);
    pthread_barrier_wait(&start_barrier);
    for (;;) {
        double t0 = now_s();
        if (t0 >= t_end)
            break;
        size_t i = atomic_fetch_add(&next_q, 1) % NQ;
        int rc = one_request(w, c, &Q[i]);
        double t1 = now_s();
        if (rc != 0) {
            if (mysql_errno(c) >= 2000) /* client-side error: connection is gone */
                break;
            continue;
        }
        if (t1 < t_measure || t1 > t_end) { /* completed outside the window */
            w->uncounted++;
            continue;
        }
        if (w->n == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 1 << 14;
            w->lat_us = realloc(w->lat_us, w->cap * sizeof *w->lat_us);
            if (!w->lat_us)
                die("out of memory");
        }
        double us = (t1 - t0) * 1e6;
        w->lat_us[w->n++] = us > 4e9 ? 4000000000u : (uint32_t)us;
    }
    mysql_close(c);
    return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile, q in 0..100. */
static double pct_ms(const uint32_t *v, size_t n, double q)
{
    if (n == 0)
        return 0.0;
    size_t k = (size_t)(q / 100.0 * (double)n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return v[k - 1] / 1000.0;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: sphinxql_load --queries FILE [--host H] [--port P] [--conns N] [--seconds S]\n"
            "                     [--warmup S] [--snippets --texts TSV --index NAME"
            " [--snippet-opts '200 AS limit']]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--snippets")) {
            O.snippets = 1;
            continue;
        }
        if (!v)
            usage();
        if (!strcmp(a, "--host"))
            O.host = v;
        else if (!strcmp(a, "--port"))
            O.port = (unsigned)atoi(v);
        else if (!strcmp(a, "--queries"))
            O.queries = v;
        else if (!strcmp(a, "--texts"))
            O.texts = v;
        else if (!strcmp(a, "--index"))
            O.index = v;
        else if (!strcmp(a, "--snippet-opts"))
            O.snippet_opts = v;
        else if (!strcmp(a, "--conns"))
            O.conns = atoi(v);
        else if (!strcmp(a, "--seconds"))
            O.seconds = atof(v);
        else if (!strcmp(a, "--warmup"))
            O.warmup = atof(v);
        else
            usage();
        i++;
    }
    if (!O.queries || O.conns < 1 || O.seconds <= 0 || O.warmup < 0)
        usage();
    if (O.snippets && (!O.texts || !O.index))
        die("--snippets needs --texts and --index");
    load_queries(O.queries);
    if (O.snippets)
        load_texts(O.texts);
    if (mysql_library_init(0, NULL, NULL))
        die("mysql_library_init");

    struct worker *ws = calloc((size_t)O.conns, sizeof *ws);
    pthread_barrier_init(&connected_barrier, NULL, (unsigned)O.conns + 1);
    pthread_barrier_init(&start_barrier, NULL, (unsigned)O.conns + 1);
    for (int i = 0; i < O.conns; i++) {
        ws[i].id = i;
        if (pthread_create(&ws[i].tid, NULL, run_worker, &ws[i]) != 0)
            die("pthread_create");
    }
    pthread_barrier_wait(&connected_barrier); /* every connection is up */
    t_measure = now_s() + O.warmup;
    t_end = t_measure + O.seconds;
    pthread_barrier_wait(&start_barrier);
    size_t total = 0;
    uint64_t errors = 0, rows = 0, uncounted = 0;
    const char *first_error = "";
    for (int i = 0; i < O.conns; i++) {
        pthread_join(ws[i].tid, NULL);
        total += ws[i].n;
        errors += ws[i].errors;
        rows += ws[i].rows;
        uncounted += ws[i].uncounted;
        if (ws[i].errors && !*first_error)
            first_error = ws[i].first_error;
    }
    uint32_t *all = malloc((total ? total : 1) * sizeof *all);
    size_t k = 0;
    for (int i = 0; i < O.conns; i++) {
        if (ws[i].n)
            memcpy(all + k, ws[i].lat_us, ws[i].n * sizeof *all);
        k += ws[i].n;
    }
    qsort(all, total, sizeof *all, cmp_u32);
    double sum = 0;
    for (size_t i = 0; i < total; i++)
        sum += all[i];
    printf("{\"conns\": %d, \"seconds\": %.3f, \"warmup\": %.3f, \"snippets\": %s, "
           "\"queries_in_file\": %zu, \"requests\": %zu, \"errors\": %" PRIu64 ", "
           "\"qps\": %.1f, \"p50_ms\": %.3f, \"p95_ms\": %.3f, \"p99_ms\": %.3f, "
           "\"max_ms\": %.3f, \"mean_ms\": %.3f, \"rows_per_select\": %.2f",
           O.conns, O.seconds, O.warmup, O.snippets ? "true" : "false", NQ, total, errors,
           (double)total / O.seconds, pct_ms(all, total, 50), pct_ms(all, total, 95),
           pct_ms(all, total, 99), total ? all[total - 1] / 1000.0 : 0.0,
           total ? sum / (double)total / 1000.0 : 0.0,
           (total + uncounted) ? (double)rows / (double)(total + uncounted) : 0.0);
    if (errors) {
        printf(", \"first_error\": \"");
        for (const char *p = first_error; *p; p++)
            if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
                putchar(*p);
        printf("\"");
    }
    printf("}\n");
    mysql_library_end();
    return errors && total == 0 ? 1 : 0;
}
