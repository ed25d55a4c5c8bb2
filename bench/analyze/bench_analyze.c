/* bench_analyze.c — analyzer benches (not CI; bench/analyze/run.sh drives it).
 *
 *   fh_bench_analyze speed  [--stemmer S] [--no-guard] [--runs N] DOCS.jsonl
 *       single-thread throughput over title+text of every document, MB/s
 *       per run and the median (JSON parsing is done before timing);
 *   fh_bench_analyze stems  WORD_STEM_ROOT.tsv
 *       pairwise conflation against the gold stems, for every stemmer;
 *   fh_bench_analyze quran  VERSES.jsonl
 *       every verse analyzes without error and yields no U+FFFD.
 * Owns nothing shared; prints plain text for RESULTS.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "fahras/analyze.h"
#include "fahras/err.h"

typedef struct doc {
    char *text;
    size_t len;
} doc;

typedef struct docs {
    doc *v;
    size_t n, cap;
    size_t bytes;
} docs;

static int docs_push(docs *d, const char *a, size_t al, const char *b, size_t bl)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 1024;
        doc *nv = realloc(d->v, cap * sizeof *nv);
        if (nv == NULL)
            return FH_ENOMEM;
        d->v = nv;
        d->cap = cap;
    }
    char *t = malloc(al + bl + 2);
    if (t == NULL)
        return FH_ENOMEM;
    memcpy(t, a, al);
    t[al] = '\n';
    memcpy(t + al + 1, b, bl);
    t[al + 1 + bl] = '\0';
    d->v[d->n].text = t;
    d->v[d->n].len = al + 1 + bl;
    d->bytes += al + 1 + bl;
    d->n++;
    return 0;
}

static void docs_free(docs *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->v[i].text);
    free(d->v);
}

/* Load title + "\n" + text of every JSON line (either field may be absent).
 * A failure is said on stderr, naming the file. */
static int load_jsonl(const char *path, docs *d)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        return FH_EIO;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
        json_error_t err;
        json_t *o = json_loadb(line, (size_t)n, 0, &err);
        if (o == NULL) {
            fprintf(stderr, "%s: bad JSON line: %s\n", path, err.text);
            rc = FH_EINPUT;
            break;
        }
        json_t *ti = json_object_get(o, "title"), *tx = json_object_get(o, "text");
        const char *a = json_is_string(ti) ? json_string_value(ti) : "";
        const char *b = json_is_string(tx) ? json_string_value(tx) : "";
        size_t al = json_is_string(ti) ? json_string_length(ti) : 0;
        size_t bl = json_is_string(tx) ? json_string_length(tx) : 0;
        rc = docs_push(d, a, al, b, bl);
        json_decref(o);
        if (rc != 0)
            fprintf(stderr, "%s: %s\n", path, fh_strerror(rc));
    }
    free(line);
    fclose(f);
    return rc;
}

/* load_jsonl, and an input without a line is a failure too ("PATH: no
 * WHAT"): 0, or -1 once said, with *d freed. */
static int load_some(const char *path, docs *d, const char *what)
{
    int rc = load_jsonl(path, d);
    if (rc == 0 && d->n == 0)
        fprintf(stderr, "%s: no %s\n", path, what);
    if (rc == 0 && d->n > 0)
        return 0;
    docs_free(d);
    return -1;
}

static int parse_stemmer(const char *v, fh_stemmer_kind *k)
{
    if (strcmp(v, "light10") == 0)
        *k = FH_STEM_LIGHT10;
    else if (strcmp(v, "snowball") == 0)
        *k = FH_STEM_SNOWBALL;
    else if (strcmp(v, "none") == 0)
        *k = FH_STEM_NONE;
    else
        return FH_EINVAL;
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmd_speed(int argc, char **argv)
{
    fh_analyzer_opts o = {.stemmer = FH_STEM_LIGHT10};
    int runs = 7;
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--stemmer") == 0 && i + 1 < argc) {
            if (parse_stemmer(argv[++i], &o.stemmer) != 0) {
                fprintf(stderr, "speed: --stemmer light10, snowball or none, not '%s'\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--no-guard") == 0) {
            o.no_proclitic_guard = true;
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else {
            path = argv[i];
        }
    }
    if (path == NULL || runs < 1 || runs > 100) {
        fputs("speed: wants DOCS.jsonl, and --runs 1..100\n", stderr);
        return 2;
    }
    docs d = {0};
    if (load_some(path, &d, "documents") != 0)
        return 1;
    fh_analyzer *a = NULL;
    fh_analysis *s = NULL;
    double *mbs = calloc((size_t)runs * 2, sizeof *mbs), *cpu = mbs ? mbs + runs : NULL;
    size_t tokens = 0;
    int rc = mbs != NULL ? fh_analyzer_new(&o, &a) : FH_ENOMEM;
    if (rc == 0)
        rc = fh_analysis_new(a, &s);
    if (rc != 0)
        goto out;
    for (int r = 0; r < runs && rc == 0; r++) {
        tokens = 0;
        double t0 = now_s(), c0 = cpu_s();
        for (size_t i = 0; i < d.n; i++) {
            const fh_token *t;
            size_t n;
            rc = fh_analyze(s, d.v[i].text, d.v[i].len, &t, &n);
            if (rc != 0)
                break;
            tokens += n;
        }
        double dt = now_s() - t0, dc = cpu_s() - c0;
        mbs[r] = (double)d.bytes / 1e6 / dt;
        cpu[r] = (double)d.bytes / 1e6 / dc;
        printf("run %d: %.1f MB/s wall (%.3f s), %.1f MB/s of thread CPU time\n", r + 1, mbs[r],
               dt, cpu[r]);
    }
    qsort(mbs, (size_t)runs, sizeof *mbs, cmp_double);
    qsort(cpu, (size_t)runs, sizeof *cpu, cmp_double);
    printf("analyzer %s %s: %zu docs, %.1f MB, %zu tokens; median over %d runs: %.1f MB/s wall, "
           "%.1f MB/s per CPU-second\n",
           fh_analyzer_name(a), fh_analyzer_version(a), d.n, (double)d.bytes / 1e6, tokens, runs,
           mbs[runs / 2], cpu[runs / 2]);
out:
    free(mbs);
    if (rc != 0)
        fprintf(stderr, "speed: %s\n", fh_strerror(rc));
    fh_analysis_free(s);
    fh_analyzer_free(a);
    docs_free(&d);
    return rc == 0 ? 0 : 1;
}

/* ---- stems: pairwise conflation ---- */

typedef struct wrow {
    char word[FH_TOKEN_MAX + 1];
    char gold[FH_TOKEN_MAX + 1];
    char ours[FH_TOKEN_MAX * 2 + 2];
} wrow;

static int cmp_gold_ours(const void *a, const void *b)
{
    const wrow *x = a, *y = b;
    int c = strcmp(x->gold, y->gold);
    return c ? c : strcmp(x->ours, y->ours);
}

static int cmp_ours(const void *a, const void *b)
{
    return strcmp(((const wrow *)a)->ours, ((const wrow *)b)->ours);
}

static int cmp_word(const void *a, const void *b)
{
    return strcmp(((const wrow *)a)->word, ((const wrow *)b)->word);
}

static double pairs(size_t n)
{
    return (double)n * (double)(n - 1) / 2.0;
}

/* Sum of C(run, 2) over runs of equal keys in a sorted array. */
static double sum_pairs(const wrow *v, size_t n, int (*eq)(const void *, const void *))
{
    double s = 0;
    size_t i = 0;
    while (i < n) {
        size_t j = i + 1;
        while (j < n && eq(&v[i], &v[j]) == 0)
            j++;
        s += pairs(j - i);
        i = j;
    }
    return s;
}

static int cmp_gold(const void *a, const void *b)
{
    return strcmp(((const wrow *)a)->gold, ((const wrow *)b)->gold);
}

/* News-style noun families (the unit tests' list): fraction of the pairs
 * inside a family that get one stem. */
static const char *const k_families[][10] = {
    {"كتاب", "الكتاب", "والكتاب", "بالكتاب", "للكتاب", "فالكتاب", NULL},
    {"شركة", "الشركة", "الشركات", "والشركات", "لشركات", "بالشركات", "كشركة", "شركات", NULL},
    {"الأمريكية", "الأمريكي", "أمريكية", "أمريكي", NULL},
    {"المعلمون", "المعلمين", "معلم", "والمعلمون", "للمعلمين", NULL},
    {"مدرسة", "المدرسة", "مدارس", "لمدرسة", "بالمدرسة", NULL},
    {"لبنان", "اللبناني", "اللبنانية", "لبناني", NULL},
    {"الحكومة", "حكومة", "والحكومة", "للحكومة", "بحكومة", "حكومات", NULL},
};

static double family_rate(fh_analysis *s)
{
    double ok = 0, all = 0;
    for (size_t f = 0; f < sizeof k_families / sizeof k_families[0]; f++) {
        char st[10][FH_TOKEN_MAX + 1];
        size_t n = 0;
        for (; k_families[f][n] != NULL; n++) {
            const fh_token *t;
            size_t nt;
            st[n][0] = '\0';
            if (fh_analyze(s, k_families[f][n], strlen(k_families[f][n]), &t, &nt) == 0 && nt > 0)
                snprintf(st[n], sizeof st[n], "%s", t[0].stem);
        }
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++) {
                all += 1;
                ok += strcmp(st[i], st[j]) == 0;
            }
    }
    return all > 0 ? ok / all : 0;
}

static int eval_stemmer(wrow *v, size_t n, fh_stemmer_kind k, bool no_guard)
{
    fh_analyzer_opts o = {.stemmer = k, .no_proclitic_guard = no_guard};
    fh_analyzer *a = NULL;
    fh_analysis *s = NULL;
    double same_gold, same_both, same_ours, diff_gold;
    size_t classes = 0;
    int rc = fh_analyzer_new(&o, &a);
    if (rc == 0)
        rc = fh_analysis_new(a, &s);
    if (rc != 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        const fh_token *t;
        size_t nt;
        rc = fh_analyze(s, v[i].word, strlen(v[i].word), &t, &nt);
        if (rc != 0)
            goto out;
        v[i].ours[0] = '\0';
        if (nt > 0)
            snprintf(v[i].ours, sizeof v[i].ours, "%s", t[0].stem);
    }
    qsort(v, n, sizeof *v, cmp_gold);
    same_gold = sum_pairs(v, n, cmp_gold);
    qsort(v, n, sizeof *v, cmp_gold_ours);
    same_both = sum_pairs(v, n, cmp_gold_ours);
    qsort(v, n, sizeof *v, cmp_ours);
    same_ours = sum_pairs(v, n, cmp_ours);
    diff_gold = pairs(n) - same_gold;
    for (size_t i = 0; i < n; i++)
        classes += i == 0 || strcmp(v[i].ours, v[i - 1].ours) != 0;
    printf("| %-22s | %6.1f%% | %7.3f%% | %5zu | %6.1f%% |\n", fh_analyzer_name(a),
           100.0 * same_both / same_gold, 100.0 * (same_ours - same_both) / diff_gold, classes,
           100.0 * family_rate(s));
out:
    fh_analysis_free(s);
    fh_analyzer_free(a);
    return rc;
}

static int cmd_stems(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    size_t n = 0, cap = 2048;
    wrow *v = calloc(cap, sizeof *v);
    char line[1024];
    while (v != NULL && fgets(line, sizeof line, f) != NULL) {
        char *w = strtok(line, "\t\r\n"), *g = strtok(NULL, "\t\r\n");
        if (w == NULL || g == NULL || strlen(w) > FH_TOKEN_MAX || strlen(g) > FH_TOKEN_MAX)
            continue;
        if (n == cap) {
            cap *= 2;
            wrow *nv = realloc(v, cap * sizeof *nv);
            if (nv == NULL) {
                free(v);
                v = NULL;
                break;
            }
            v = nv;
        }
        strcpy(v[n].word, w);
        strcpy(v[n].gold, g);
        n++;
    }
    fclose(f);
    if (v == NULL)
        return 1;
    if (n < 2) {
        fprintf(stderr, "%s: fewer than two 'word<TAB>stem' lines\n", path);
        free(v);
        return 1;
    }
    /* one row per distinct word */
    qsort(v, n, sizeof *v, cmp_word);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || strcmp(v[i].word, v[m - 1].word) != 0)
            v[m++] = v[i];
    qsort(v, m, sizeof *v, cmp_gold);
    size_t golds = 0;
    for (size_t i = 0; i < m; i++)
        golds += i == 0 || strcmp(v[i].gold, v[i - 1].gold) != 0;
    double sg = sum_pairs(v, m, cmp_gold);
    if (sg == 0 || sg == pairs(m)) {
        /* each rate divides by one of these counts */
        fprintf(stderr, "%s: %s; is it 'word<TAB>stem<TAB>root' lines (stem/word_stem_root.tsv)?\n",
                path, sg == 0 ? "no two words share a stem" : "every word has the same stem");
        free(v);
        return 1;
    }
    printf("%zu distinct words, %zu gold stems; %.0f same-stem pairs, %.0f different-stem pairs\n\n",
           m, golds, sg, pairs(m) - sg);
    printf("| analyzer | same-stem pairs conflated | different-stem pairs conflated | stem classes | news noun families conflated |\n");
    printf("|---|---|---|---|---|\n");
    int rc = eval_stemmer(v, m, FH_STEM_LIGHT10, false);
    if (rc == 0)
        rc = eval_stemmer(v, m, FH_STEM_LIGHT10, true);
    if (rc == 0)
        rc = eval_stemmer(v, m, FH_STEM_SNOWBALL, false);
    if (rc == 0)
        rc = eval_stemmer(v, m, FH_STEM_NONE, false);
    free(v);
    return rc == 0 ? 0 : 1;
}

/* ---- quran: every verse analyzes, no U+FFFD from valid input ---- */

static int cmd_quran(const char *path)
{
    docs d = {0};
    if (load_some(path, &d, "verses") != 0)
        return 1;
    fh_analyzer *a = NULL;
    fh_analysis *s = NULL;
    size_t tokens = 0, errors = 0, repl = 0, empty = 0;
    /* the verses are valid UTF-8, so any U+FFFD would be the analyzer's fault */
    int rc = fh_analyzer_new(NULL, &a);
    if (rc == 0)
        rc = fh_analysis_new(a, &s);
    for (size_t i = 0; rc == 0 && i < d.n; i++) {
        const fh_token *t;
        size_t n;
        if (fh_analyze(s, d.v[i].text, d.v[i].len, &t, &n) != 0) {
            errors++;
            continue;
        }
        empty += n < 2; /* the title alone is one token */
        tokens += n;
        for (size_t k = 0; k < n; k++)
            if (strstr(t[k].norm, "\xef\xbf\xbd") != NULL)
                repl++;
    }
    if (rc == 0)
        printf("quran: %zu verses, %zu tokens, %zu errors, %zu tokens with U+FFFD, %zu empty "
               "verses\n",
               d.n, tokens, errors, repl, empty);
    else
        fprintf(stderr, "quran: %s\n", fh_strerror(rc));
    fh_analysis_free(s);
    fh_analyzer_free(a);
    docs_free(&d);
    return rc == 0 && errors == 0 && repl == 0 && empty == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    bool help = argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
    if (argc >= 3 && strcmp(argv[1], "speed") == 0)
        return cmd_speed(argc - 2, argv + 2);
    if (argc == 3 && strcmp(argv[1], "stems") == 0)
        return cmd_stems(argv[2]);
    if (argc == 3 && strcmp(argv[1], "quran") == 0)
        return cmd_quran(argv[2]);
    fprintf(help ? stdout : stderr,
            "usage: fh_bench_analyze speed [--stemmer S] [--no-guard] [--runs N] DOCS.jsonl\n"
            "       fh_bench_analyze stems WORD_STEM_ROOT.tsv\n"
            "       fh_bench_analyze quran VERSES.jsonl\n");
    return help ? 0 : 2;
}
