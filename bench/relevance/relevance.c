/* relevance.c — run a query set through the engine in-process and write a TREC
 * run file; the ranking parameters come from the command line so tune.py can
 * sweep them without a daemon.
 *
 *   fh-relevance --index DIR --queries Q.tsv --run OUT [--depth 100]
 *                [--k1 X] [--b X] [--weight FIELD=W]... [--fb FIELD=B]...
 *                [--prox W] [--prox-depth N] [--prox-window N] [--time] [--latency]
 * --latency: also run every query as the server would (fh_search, top 10 with
 * snippets, JSON reply) and print p50/p99 latency and single-thread QPS.
 * --replies FILE: with --latency, write each JSON reply (one line per query,
 * "took_us" zeroed) to FILE, so two builds can be compared byte for byte.
 * --stats FILE: per query of the run pass, "qid<TAB>candidates<TAB>total<TAB>estimate".
 * --focus-dump FILE --qrels QRELS: instead of a run, the focus model's training
 * data (focus.c): for each query and its relevant document in QRELS ("qid 0
 * docid rel"), one line per distinct stem of the first --focus-len words of the
 * document's body, "qid<TAB>label<TAB>tf<TAB>first<TAB>lead<TAB>words", label 1
 * when the stem is a word of the query (bench/relevance/focus_fit.py).
 * --repeat N: with --latency, run the latency pass N times (profiling).
 * --lat-file FILE: with --latency, per query "qid<TAB>cpu_us<TAB>wall_us", the
 * smallest thread CPU time and wall time over the repeats (finds slow queries
 * on a busy machine, where wall time alone is noise).
 * Q.tsv: "qid\tquery" lines. OUT: "qid Q0 docid rank score fahras" lines.
 * Exit status: 0 ok, 1 usage, 2 I/O or no query in Q.tsv, 3 engine error.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_int.h"
#include "fahras/index.h"

static int usage(FILE *f)
{
    fputs("usage: fh-relevance --index DIR --queries Q.tsv --run OUT [--depth N] [--k1 X] [--b X]\n"
          "       [--weight FIELD=W]... [--fb FIELD=B]... [--prox W] [--prox-depth N]\n"
          "       [--prox-depth-short N]\n"
          "       [--prox-window N] [--lead W] [--lead-len N] [--lead-title X] [--cover W]\n"
          "       [--sdm-o W] [--sdm-ow N] [--sdm-u W] [--sdm-uw N]\n"
          "       [--pass W] [--pass-window N] [--len-prior W] [--alt W] [--alt-rerank 0|1]\n"
          "       [--alt-pos 0|1] [--tense W] [--answer-type W] [--idf-pow P] [--order W]\n"
          "       [--prf W] [--prf-q W] [--prf-docs N] [--prf-terms N] [--prf-len N]\n"
          "       [--prf-depth N] [--focus W] [--focus-depth N] [--focus-len N] [--focus-min N]\n"
          "       [--exact W] [--exact-pair W] [--exact-q 0|1]\n"
          "       [--focus-dump FILE --qrels QRELS]\n"
          "       [--stemmer light10|light10+sb|light10-noguard|snowball|none] [--time]\n"
          "       [--stats FILE] [--latency [--replies FILE] [--repeat N] [--lat-file FILE]]\n",
          f);
    return f == stdout ? 0 : 1;
}

/* The value of a numeric option, or exit 1 with a message: a typo must not
 * silently become 0 and run a whole evaluation with the wrong parameter. */
static uint32_t opt_u32(const char *opt, const char *v)
{
    char *end;
    errno = 0;
    unsigned long x = strtoul(v, &end, 10);
    if (*v == '\0' || *v == '-' || *end != '\0' || errno != 0 || x > UINT32_MAX) {
        fprintf(stderr, "fh-relevance: %s wants a whole number, not '%s'\n", opt, v);
        exit(1);
    }
    return (uint32_t)x;
}

static float opt_f(const char *opt, const char *v)
{
    char *end;
    errno = 0;
    float x = strtof(v, &end);
    if (*v == '\0' || *end != '\0' || errno != 0 || !isfinite(x)) {
        fprintf(stderr, "fh-relevance: %s wants a number, not '%s'\n", opt, v);
        exit(1);
    }
    return x;
}

static int field_of(const fh_engine *e, const char *name, size_t n)
{
    const fh_index_meta *m = fh_engine_meta(e);
    for (unsigned f = 0; f < m->n_fields; f++)
        if (strlen(m->field_names[f]) == n && memcmp(m->field_names[f], name, n) == 0)
            return (int)f;
    return -1;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : (x > y);
}

/* Non-empty lines next_query() skipped for want of a tab (reported once). */
static unsigned no_tab_lines;

/* The next "qid<TAB>query" line of in (lines without a tab are skipped and
 * counted): the qid is cut at the tab, NUL-terminated in *line, and the
 * query returned; NULL at the end of the file. */
static const char *next_query(FILE *in, char **line, size_t *cap)
{
    ssize_t n;
    while ((n = getline(line, cap, in)) > 0) {
        char *l = *line;
        while (n > 0 && (l[n - 1] == '\n' || l[n - 1] == '\r'))
            l[--n] = '\0';
        char *tab = strchr(l, '\t');
        if (!tab) {
            no_tab_lines += n > 0;
            continue;
        }
        *tab = '\0';
        return tab + 1;
    }
    return NULL;
}

typedef struct qrel {
    char *qid, *doc;
} qrel;

static int qrel_cmp(const void *a, const void *b)
{
    return strcmp(((const qrel *)a)->qid, ((const qrel *)b)->qid);
}

/* --focus-dump: the focus model's training rows (see the top of the file). */
static int dump_focus(fh_searcher *s, const char *queries, const char *qrels, const char *path)
{
    FILE *qf = fopen(qrels, "r"), *in = fopen(queries, "r"), *out = fopen(path, "w");
    if (!qf || !in || !out) {
        perror(!qf ? qrels : !in ? queries : path);
        return 2;
    }
    qrel *rel = NULL;
    size_t nrel = 0, crel = 0;
    char a[256], d[256];
    int r;
    while (fscanf(qf, "%255s %*s %255s %d", a, d, &r) == 3) {
        if (r <= 0)
            continue;
        if (nrel == crel) {
            crel = crel ? crel * 2 : 1024;
            qrel *nr = realloc(rel, sizeof *rel * crel);
            if (!nr)
                return 2;
            rel = nr;
        }
        rel[nrel].qid = strdup(a);
        rel[nrel].doc = strdup(d);
        if (!rel[nrel].qid || !rel[nrel].doc)
            return 2;
        nrel++;
    }
    qsort(rel, nrel, sizeof *rel, qrel_cmp);
    static fh_query q;
    fh_buf err;
    fh_buf_init(&err, 4096);
    char *line = NULL;
    size_t cap = 0;
    const char *qtext;
    unsigned nq = 0;
    while ((qtext = next_query(in, &line, &cap)) != NULL) {
        qrel key = {line, NULL};
        const qrel *k = bsearch(&key, rel, nrel, sizeof *rel, qrel_cmp);
        uint32_t doc;
        fh_buf_reset(&err);
        if (!k || fh_doc_lookup(s->rd, k->doc, strlen(k->doc), &doc) != 0 ||
            fh_query_parse(s, qtext, strlen(qtext), FH_ENGINE_MAX_TERMS, &q, &err) != 0)
            continue;
        const fh_focus_term *t;
        uint32_t nt, nw;
        int rc = fh_focus_read(s, doc, s->e->rp.focus_len, &t, &nt, &nw);
        if (rc) {
            fprintf(stderr, "fh-relevance: %s: %s\n", k->doc, fh_strerror(rc));
            return 3;
        }
        for (uint32_t i = 0; i < nt; i++)
            fprintf(out, "%s\t%d\t%u\t%u\t%u\t%u\n", line,
                    fh_query_has_stem(&q, t[i].stem, t[i].len), t[i].tf, t[i].first, t[i].lead,
                    nw);
        nq++;
    }
    fprintf(stderr, "fh-relevance: focus data of %u queries in %s\n", nq, path);
    free(line);
    fh_buf_free(&err);
    for (size_t i = 0; i < nrel; i++) {
        free(rel[i].qid);
        free(rel[i].doc);
    }
    free(rel);
    fclose(qf);
    fclose(in);
    return fclose(out) == 0 ? 0 : 2;
}

int main(int argc, char **argv)
{
    const char *index = NULL, *queries = NULL, *run = NULL, *stem = "light10";
    const char *replies = NULL, *stats = NULL, *latfile = NULL;
    const char *focus_dump = NULL, *qrels = NULL;
    unsigned repeat = 1;
    const char *fw[16], *fb[16];
    int nfw = 0, nfb = 0;
    uint32_t depth = 100;
    bool timing = false, latency = false;
    fh_rank_params rp;
    fh_rank_params_default(&rp);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--time") == 0) {
            timing = true;
            continue;
        }
        if (strcmp(a, "--latency") == 0) {
            latency = true;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return usage(stdout);
        if (!v) {
            fprintf(stderr, "fh-relevance: %s wants a value\n", a);
            return usage(stderr);
        }
        i++;
        if (strcmp(a, "--index") == 0)
            index = v;
        else if (strcmp(a, "--queries") == 0)
            queries = v;
        else if (strcmp(a, "--run") == 0)
            run = v;
        else if (strcmp(a, "--depth") == 0)
            depth = opt_u32(a, v);
        else if (strcmp(a, "--k1") == 0)
            rp.k1 = opt_f(a, v);
        else if (strcmp(a, "--b") == 0)
            rp.b = opt_f(a, v);
        else if (strcmp(a, "--prox") == 0)
            rp.prox_weight = opt_f(a, v);
        else if (strcmp(a, "--prox-depth") == 0)
            rp.prox_depth = opt_u32(a, v);
        else if (strcmp(a, "--prox-window") == 0)
            rp.prox_window = opt_u32(a, v);
        else if (strcmp(a, "--lead") == 0)
            rp.lead_weight = opt_f(a, v);
        else if (strcmp(a, "--lead-len") == 0)
            rp.lead_len = opt_u32(a, v);
        else if (strcmp(a, "--order") == 0)
            rp.order_weight = opt_f(a, v);
        else if (strcmp(a, "--prf") == 0)
            rp.prf_weight = opt_f(a, v);
        else if (strcmp(a, "--prf-q") == 0)
            rp.prf_question_weight = opt_f(a, v);
        else if (strcmp(a, "--prf-docs") == 0)
            rp.prf_docs = opt_u32(a, v);
        else if (strcmp(a, "--prf-terms") == 0)
            rp.prf_terms = opt_u32(a, v);
        else if (strcmp(a, "--prf-depth") == 0)
            rp.prf_depth = opt_u32(a, v);
        else if (strcmp(a, "--prf-len") == 0)
            rp.prf_len = opt_u32(a, v);
        else if (strcmp(a, "--focus") == 0)
            rp.focus_weight = opt_f(a, v);
        else if (strcmp(a, "--focus-depth") == 0)
            rp.focus_depth = opt_u32(a, v);
        else if (strcmp(a, "--focus-min") == 0)
            rp.focus_min_words = opt_u32(a, v);
        else if (strcmp(a, "--focus-len") == 0)
            rp.focus_len = opt_u32(a, v);
        else if (strcmp(a, "--prox-depth-short") == 0)
            rp.prox_depth_short = opt_u32(a, v);
        else if (strcmp(a, "--exact") == 0)
            rp.exact_weight = opt_f(a, v);
        else if (strcmp(a, "--exact-pair") == 0)
            rp.exact_pair_weight = opt_f(a, v);
        else if (strcmp(a, "--exact-q") == 0)
            rp.exact_questions = opt_u32(a, v) != 0;
        else if (strcmp(a, "--focus-dump") == 0)
            focus_dump = v;
        else if (strcmp(a, "--qrels") == 0)
            qrels = v;
        else if (strcmp(a, "--lead-title") == 0)
            rp.lead_title = opt_f(a, v);
        else if (strcmp(a, "--cover") == 0)
            rp.cover_weight = opt_f(a, v);
        else if (strcmp(a, "--sdm-o") == 0)
            rp.sdm_o_weight = opt_f(a, v);
        else if (strcmp(a, "--sdm-ow") == 0)
            rp.sdm_o_window = opt_u32(a, v);
        else if (strcmp(a, "--sdm-u") == 0)
            rp.sdm_u_weight = opt_f(a, v);
        else if (strcmp(a, "--sdm-uw") == 0)
            rp.sdm_u_window = opt_u32(a, v);
        else if (strcmp(a, "--pass") == 0)
            rp.pass_weight = opt_f(a, v);
        else if (strcmp(a, "--pass-window") == 0)
            rp.pass_window = opt_u32(a, v);
        else if (strcmp(a, "--len-prior") == 0)
            rp.len_weight = opt_f(a, v);
        else if (strcmp(a, "--idf-pow") == 0)
            rp.idf_pow = opt_f(a, v);
        else if (strcmp(a, "--alt") == 0)
            rp.alt_weight = opt_f(a, v);
        else if (strcmp(a, "--tense") == 0)
            rp.tense_weight = opt_f(a, v);
        else if (strcmp(a, "--answer-type") == 0)
            rp.answer_type_weight = opt_f(a, v);
        else if (strcmp(a, "--alt-pos") == 0)
            rp.alt_pos = opt_u32(a, v) != 0;
        else if (strcmp(a, "--alt-rerank") == 0)
            rp.alt_rerank = opt_u32(a, v) != 0;
        else if (strcmp(a, "--stemmer") == 0)
            stem = v;
        else if (strcmp(a, "--replies") == 0)
            replies = v;
        else if (strcmp(a, "--stats") == 0)
            stats = v;
        else if (strcmp(a, "--lat-file") == 0)
            latfile = v;
        else if (strcmp(a, "--repeat") == 0)
            repeat = opt_u32(a, v);
        else if (strcmp(a, "--weight") == 0 && nfw < 16)
            fw[nfw++] = v;
        else if (strcmp(a, "--fb") == 0 && nfb < 16)
            fb[nfb++] = v;
        else {
            fprintf(stderr, "fh-relevance: unknown option %s (or more than 16 of it)\n", a);
            return usage(stderr);
        }
    }
    if (focus_dump && qrels && index && queries)
        run = focus_dump; /* no run pass */
    char bad[80] = "";
    if (!index)
        snprintf(bad, sizeof bad, "--index DIR is required");
    else if (!queries)
        snprintf(bad, sizeof bad, "--queries Q.tsv is required");
    else if (focus_dump && !qrels)
        snprintf(bad, sizeof bad, "--focus-dump wants --qrels QRELS");
    else if (!run)
        snprintf(bad, sizeof bad, "--run OUT is required");
    else if (depth == 0 || depth > FH_ENGINE_MAX_LIMIT)
        snprintf(bad, sizeof bad, "--depth %u is out of range (1..%u)", (unsigned)depth,
                 (unsigned)FH_ENGINE_MAX_LIMIT);
    if (bad[0]) {
        fprintf(stderr, "fh-relevance: %s\n", bad);
        return usage(stderr);
    }
    fh_analyzer_opts ao;
    memset(&ao, 0, sizeof ao);
    /* a typo must not silently run another analyzer */
    if (fh_analyzer_opts_by_name(stem, &ao) != 0) {
        fprintf(stderr, "fh-relevance: unknown --stemmer '%s'\n", stem);
        return usage(stderr);
    }
    fh_analyzer *an = NULL;
    fh_engine *e = NULL;
    fh_searcher *s = NULL;
    int rc = fh_analyzer_new(&ao, &an);
    if (rc == 0)
        rc = fh_engine_open(index, an, &rp, &e);
    /* field weights / b by name need the field list: reopen with them */
    if (rc == 0 && (nfw || nfb)) {
        for (int i = 0; i < nfw; i++) {
            const char *eq = strchr(fw[i], '=');
            int f = eq ? field_of(e, fw[i], (size_t)(eq - fw[i])) : -1;
            if (f < 0) {
                fprintf(stderr, "fh-relevance: --weight %s: no such field in %s\n", fw[i], index);
                return usage(stderr);
            }
            rp.field_weight[f] = opt_f("--weight", eq + 1);
        }
        for (int i = 0; i < nfb; i++) {
            const char *eq = strchr(fb[i], '=');
            int f = eq ? field_of(e, fb[i], (size_t)(eq - fb[i])) : -1;
            if (f < 0) {
                fprintf(stderr, "fh-relevance: --fb %s: no such field in %s\n", fb[i], index);
                return usage(stderr);
            }
            rp.field_b[f] = opt_f("--fb", eq + 1);
        }
        fh_engine_free(e);
        e = NULL;
        rc = fh_engine_open(index, an, &rp, &e);
    }
    if (rc == 0)
        rc = fh_searcher_new(e, &s);
    if (rc) {
        char why[512];
        fprintf(stderr, "fh-relevance: cannot open the index in %s: %s\n", index,
                fh_index_open_reason(rc, index, why, sizeof why));
        fh_engine_free(e);
        fh_analyzer_free(an);
        return 3;
    }
    if (focus_dump)
        return dump_focus(s, queries, qrels, focus_dump);
    FILE *in = fopen(queries, "r"), *out = fopen(run, "w");
    FILE *sf = stats ? fopen(stats, "w") : NULL;
    if (!in || !out || (stats && !sf)) {
        perror(!in ? queries : !out ? run : stats);
        return 2;
    }
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.limit = depth;
    o.snippets = false;
    o.time_budget_us = 0;
    fh_buf err;
    fh_buf_init(&err, 4096);
    char *line = NULL;
    size_t cap = 0;
    const char *q;
    unsigned nq = 0, nerr = 0;
    uint64_t ncand = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while ((q = next_query(in, &line, &cap)) != NULL) {
        fh_hit *hits;
        uint32_t nh;
        fh_exec_stats st;
        fh_buf_reset(&err);
        nq++;
        rc = fh_search_run(s, &o, q, strlen(q), true, &hits, &nh, &st, &err);
        if (rc) {
            nerr++;
            continue;
        }
        ncand += st.candidates;
        if (sf)
            fprintf(sf, "%s\t%llu\t%llu\t%d\n", line, (unsigned long long)st.candidates,
                    (unsigned long long)st.total, st.total_estimate);
        for (uint32_t i = 0; i < nh; i++) {
            const char *id;
            size_t idl;
            if (fh_doc_ext_id(s->rd, hits[i].doc, &id, &idl) != 0)
                continue;
            fprintf(out, "%s Q0 %.*s %u %.6f fahras\n", line, (int)idl, id, i + 1,
                    (double)hits[i].score);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (no_tab_lines > 0)
        fprintf(stderr,
                "fh-relevance: %s %u non-empty line%s of %s without a tab (a "
                "line is qid<TAB>query)\n",
                nq ? "warning: skipped" : "no query:", no_tab_lines, no_tab_lines == 1 ? "" : "s",
                queries);
    else if (nq == 0)
        fprintf(stderr, "fh-relevance: %s: no query (a line is qid<TAB>query)\n", queries);
    int status = 0;
    if (nq == 0) { /* an empty run would score 0 as if the engine had found nothing */
        status = 2;
        goto done;
    }
    if (latency) {
        fh_search_opts so;
        fh_search_opts_default(&so);
        fh_buf reply;
        fh_buf_init(&reply, (size_t)16 << 20);
        FILE *rf = replies ? fopen(replies, "w") : NULL;
        if (replies && !rf) {
            perror(replies);
            return 2;
        }
        if (repeat == 0)
            repeat = 1;
        double *lat = malloc(sizeof(double) * (nq ? nq : 1) * repeat);
        /* per query: best CPU and wall time over the repeats, and its id */
        double *qcpu = calloc(nq ? nq : 1, sizeof(double));
        double *qwall = calloc(nq ? nq : 1, sizeof(double));
        char **qid = calloc(nq ? nq : 1, sizeof(char *));
        if (!lat || !qcpu || !qwall || !qid) {
            fputs("fh-relevance: out of memory\n", stderr);
            return 2;
        }
        unsigned k = 0;
        struct timespec a, b, c0, c1, qa, qb;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
        for (unsigned r = 0; r < repeat; r++) {
            rewind(in);
            unsigned kq = 0;
            while (kq < nq && (q = next_query(in, &line, &cap)) != NULL) {
                kq++;
                fh_buf_reset(&reply);
                fh_buf_reset(&err);
                clock_gettime(CLOCK_THREAD_CPUTIME_ID, &qa);
                clock_gettime(CLOCK_MONOTONIC, &a);
                int qrc = fh_search(s, &so, q, strlen(q), &reply, &err);
                clock_gettime(CLOCK_MONOTONIC, &b);
                clock_gettime(CLOCK_THREAD_CPUTIME_ID, &qb);
                lat[k++] =
                    (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
                double cu = (double)(qb.tv_sec - qa.tv_sec) * 1e6 +
                            (double)(qb.tv_nsec - qa.tv_nsec) / 1e3;
                unsigned qi = kq - 1;
                if (r == 0 || cu < qcpu[qi])
                    qcpu[qi] = cu;
                if (r == 0 || lat[k - 1] * 1e3 < qwall[qi])
                    qwall[qi] = lat[k - 1] * 1e3;
                if (r == 0)
                    qid[qi] = strdup(line);
                if (rf && r == 0) {
                    /* zero took_us so replies of two builds compare equal */
                    char *t = reply.data ? strstr(reply.data, "\"took_us\":") : NULL;
                    if (t) {
                        char *v = t + 10, *e2 = v;
                        while (*e2 >= '0' && *e2 <= '9')
                            e2++;
                        fprintf(rf, "%s\t%s\t%.*s0%s\n", line, q, (int)(v - reply.data),
                                reply.data, e2);
                    } else {
                        fprintf(rf, "%s\t%s\terror %d %s\n", line, q, qrc,
                                err.data ? err.data : "");
                    }
                }
            }
        }
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
        double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
        if (rf)
            fclose(rf);
        if (latfile) {
            FILE *lf = fopen(latfile, "w");
            if (!lf) {
                perror(latfile);
                return 2;
            }
            for (unsigned i = 0; i < nq; i++)
                if (qid[i])
                    fprintf(lf, "%s\t%.0f\t%.0f\n", qid[i], qcpu[i], qwall[i]);
            fclose(lf);
        }
        for (unsigned i = 0; i < nq; i++)
            free(qid[i]);
        free(qid);
        free(qcpu);
        free(qwall);
        double sum = 0;
        for (unsigned i = 0; i < k; i++)
            sum += lat[i];
        qsort(lat, k, sizeof *lat, dbl_cmp);
        if (k)
            fprintf(stderr,
                    "fh-relevance: top-10 + snippets, 1 thread: p50 %.3f ms, p99 %.3f ms, "
                    "max %.3f ms, %.0f QPS (%.0f per CPU second)\n",
                    lat[k / 2], lat[(size_t)((double)k * 0.99)], lat[k - 1], (double)k / (sum / 1e3),
                    cpu > 0 ? (double)k / cpu : 0.0);
        free(lat);
        fh_buf_free(&reply);
    }
    if (timing)
        fprintf(stderr, "fh-relevance: %u queries (%u refused) in %.3f s, %.0f candidates/query\n",
                nq, nerr, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
                nq ? (double)ncand / nq : 0.0);
done:
    free(line);
    if (sf)
        fclose(sf);
    fclose(in);
    fclose(out);
    fh_buf_free(&err);
    fh_searcher_free(s);
    fh_engine_free(e);
    fh_analyzer_free(an);
    return status;
}
