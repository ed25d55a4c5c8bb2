/* relevance.c — run a query set through the engine in-process and write a TREC
 * run file; the ranking parameters come from the command line so tune.py can
 * sweep them without a daemon.
 *
 *   fh-relevance --index DIR --queries Q.tsv --run OUT [option]...
 *
 * The options are the table opts[] below, which both the parser and --help
 * read: --help prints each with its default (read from fh_rank_params_default
 * at run time) and the range accepted. Q.tsv: "qid\tquery" lines.
 * OUT: "qid Q0 docid rank score fahras" lines. --focus-dump writes the focus
 * model's training data instead of a run (focus.c, focus_fit.py): for each
 * query and its relevant document in --qrels ("qid 0 docid rel"), one line per
 * distinct stem of the first --focus-len words of the document's body,
 * "qid<TAB>label<TAB>tf<TAB>first<TAB>lead<TAB>words", label 1 when the stem
 * is a word of the query. --latency also runs every query as the server would
 * (fh_search, top 10 with snippets, JSON reply) and prints p50/p99 latency and
 * single-thread QPS. The queries are analyzed as the index's documents were
 * (--stemmer auto, read from the index's meta); another --stemmer is an error.
 * An output file that cannot be written whole (a full disk) is exit 2.
 * Exit status: 0 ok, 1 usage, 2 I/O or no query in Q.tsv, 3 engine error.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_int.h"
#include "fahras/index.h"
#include "fahras/stdfd.h"

#define MAX_FIELD_OPTS 16 /* --weight and --fb, each */

/* The FIELD=X values of one repeatable option (--weight, --fb). */
typedef struct field_opts {
    const char *v[MAX_FIELD_OPTS];
    int n;
} field_opts;

/* Everything the command line sets. */
typedef struct cli {
    const char *index, *queries, *run, *stem, *stats, *focus_dump, *qrels;
    const char *replies, *latfile;
    uint32_t depth, repeat;
    bool timing, latency, exact_total;
    field_opts fw, fb;
    fh_rank_params rp;
} cli;

typedef enum { O_FLAG, O_STR, O_U32, O_FLOAT, O_BOOL, O_FIELD } opt_type;
enum { G_RUN, G_RANK, G_LAT, N_GROUPS };

/* One option: its name, its value's name (NULL for a flag), where it goes in
 * cli, the range accepted (lo..hi; lo NAN: not checked; the ranking ones are
 * fh_engine_open's) and one line of help, after which --help prints the
 * default read from a default cli (--weight's and --fb's are in the line). */
typedef struct option {
    const char *name, *arg;
    opt_type type;
    int group;
    size_t off;
    double lo, hi;
    const char *help;
} option;

#define C(m) offsetof(cli, m)
#define R(m) offsetof(cli, rp.m)
#define ANY NAN, NAN
#define GE0 0, INFINITY
#define UPTO(n) 0, (double)(n)

static const option opts[] = {
    {"--index", "DIR", O_STR, G_RUN, C(index), ANY,
     "the index directory (holds index.mdb); required"},
    {"--queries", "Q.tsv", O_STR, G_RUN, C(queries), ANY,
     "the queries, one qid<TAB>query per line; required"},
    {"--run", "OUT", O_STR, G_RUN, C(run), ANY,
     "the TREC run to write (qid Q0 docid rank score fahras lines); required"},
    {"--depth", "N", O_U32, G_RUN, C(depth), 1, FH_ENGINE_MAX_LIMIT, "hits per query in the run"},
    {"--stemmer", "NAME", O_STR, G_RUN, C(stem), ANY,
     "the query analyzer, the index's: auto (read from the index) or"},
    {"--stats", "FILE", O_STR, G_RUN, C(stats), ANY,
     "write per query qid<TAB>candidates<TAB>total<TAB>estimate (1: total estimated)"},
    {"--exact-total", NULL, O_FLAG, G_RUN, C(exact_total), ANY,
     "count every match as SEARCH exact_total=1 does (no total estimated), in both passes"},
    {"--time", NULL, O_FLAG, G_RUN, C(timing), ANY,
     "print the query count, refusals, seconds and candidates per query on stderr"},
    {"--focus-dump", "FILE", O_STR, G_RUN, C(focus_dump), ANY,
     "write the focus model's training data, not a run (needs --qrels; focus_fit.py)"},
    {"--qrels", "QRELS", O_STR, G_RUN, C(qrels), ANY,
     "with --focus-dump: the relevant documents (qid 0 docid rel lines)"},

    {"--k1", "X", O_FLOAT, G_RANK, R(k1), GE0, "BM25 term-frequency saturation"},
    {"--b", "X", O_FLOAT, G_RANK, R(b), 0, 1, "BM25 length normalization of every field"},
    {"--weight", "FIELD=W", O_FIELD, G_RANK, C(fw), ANY,
     "BM25F weight of FIELD, repeatable [the index's, from fahras-indexer build]"},
    {"--fb", "FIELD=B", O_FIELD, G_RANK, C(fb), ANY,
     "length normalization b of FIELD alone, repeatable (outside 0..1: --b) [--b]"},
    {"--prox", "W", O_FLOAT, G_RANK, R(prox_weight), ANY,
     "proximity bonus for query words close together, 0 = off"},
    {"--prox-depth", "N", O_U32, G_RANK, R(prox_depth), UPTO(FH_PROX_DEPTH_MAX),
     "hits re-ranked (proximity, lead, passage, order, cover, sdm)"},
    {"--prox-depth-short", "N", O_U32, G_RANK, R(prox_depth_short), ANY,
     "hits re-ranked for a query of at most two words (0: --prox-depth)"},
    {"--prox-window", "N", O_U32, G_RANK, R(prox_window), ANY,
     "positions: the widest gap between two query words earning --prox"},
    {"--lead", "W", O_FLOAT, G_RANK, R(lead_weight), ANY,
     "bonus for query words early in a field, 0 = off"},
    {"--lead-len", "N", O_U32, G_RANK, R(lead_len), ANY,
     "positions: the lead bonus halves at this position"},
    {"--lead-title", "X", O_FLOAT, G_RANK, R(lead_title), ANY,
     "multiplies the lead bonus of a title match (0: other fields only)"},
    {"--cover", "W", O_FLOAT, G_RANK, R(cover_weight), ANY,
     "bonus for the idf share of the query words present, 0 = off"},
    {"--sdm-o", "W", O_FLOAT, G_RANK, R(sdm_o_weight), ANY,
     "sequential dependence: adjacent query words in order within --sdm-ow, 0 = off"},
    {"--sdm-ow", "N", O_U32, G_RANK, R(sdm_o_window), ANY, "positions: the window of --sdm-o"},
    {"--sdm-u", "W", O_FLOAT, G_RANK, R(sdm_u_weight), ANY,
     "sequential dependence: adjacent query words in any order within --sdm-uw, 0 = off"},
    {"--sdm-uw", "N", O_U32, G_RANK, R(sdm_u_window), ANY, "positions: the window of --sdm-u"},
    {"--pass", "W", O_FLOAT, G_RANK, R(pass_weight), ANY,
     "best passage: idf sum of the distinct query words within --pass-window, 0 = off"},
    {"--pass-window", "N", O_U32, G_RANK, R(pass_window), ANY, "positions: the passage of --pass"},
    {"--len-prior", "W", O_FLOAT, G_RANK, R(len_weight), ANY,
     "document length prior, W x log(1 + body length / mean), 0 = off"},
    {"--order", "W", O_FLOAT, G_RANK, R(order_weight), ANY,
     "bonus for query words first met in the query's order (not questions), 0 = off"},
    {"--idf-pow", "P", O_FLOAT, G_RANK, R(idf_pow), ANY, "idf raised to P (1 = BM25's idf)"},
    {"--alt", "W", O_FLOAT, G_RANK, R(alt_weight), ANY,
     "alternative stems (light10+sb indexes) score idf x W, 0 = off"},
    {"--alt-rerank", "0|1", O_BOOL, G_RANK, R(alt_rerank), ANY,
     "1: alternative stems only in the re-rank; 0: as OR clauses in retrieval"},
    {"--alt-pos", "0|1", O_BOOL, G_RANK, R(alt_pos), ANY,
     "1: the re-rank sees a word by its alternative stem where its own is missing"},
    {"--tense", "W", O_FLOAT, G_RANK, R(tense_weight), ANY,
     "present-tense words also match their past form at this weight, 0 = off"},
    {"--answer-type", "W", O_FLOAT, G_RANK, R(answer_type_weight), 0, 1,
     "weight of a question's words asking for a name or number (اسم، عدد), 1 = off"},
    {"--prf", "W", O_FLOAT, G_RANK, R(prf_weight), GE0,
     "pseudo-relevance feedback for queries that are not questions, 0 = off"},
    {"--prf-q", "W", O_FLOAT, G_RANK, R(prf_question_weight), GE0,
     "pseudo-relevance feedback for questions, 0 = off"},
    {"--prf-docs", "N", O_U32, G_RANK, R(prf_docs), UPTO(FH_PRF_MAX_DOCS),
     "feedback: best hits whose bodies give the expansion terms"},
    {"--prf-terms", "N", O_U32, G_RANK, R(prf_terms), UPTO(FH_PRF_MAX_TERMS),
     "feedback: expansion terms"},
    {"--prf-len", "N", O_U32, G_RANK, R(prf_len), UPTO(FH_PRF_MAX_LEN),
     "feedback: words read from the start of each of those bodies"},
    {"--prf-depth", "N", O_U32, G_RANK, R(prf_depth), ANY,
     "feedback: best hits re-scored (beyond --prox-depth: no effect)"},
    {"--focus", "W", O_FLOAT, G_RANK, R(focus_weight), GE0,
     "focus: a hit loses for prominent words the query leaves out, 0 = off"},
    {"--focus-depth", "N", O_U32, G_RANK, R(focus_depth), UPTO(FH_FOCUS_MAX_DEPTH),
     "focus and exact forms: best hits re-scored"},
    {"--focus-len", "N", O_U32, G_RANK, R(focus_len), UPTO(FH_FOCUS_MAX_LEN),
     "focus, exact forms, --focus-dump: words read from each body's start"},
    {"--focus-min", "N", O_U32, G_RANK, R(focus_min_words), ANY,
     "focus: fewest distinct query words (not stop words) to get it"},
    {"--exact", "W", O_FLOAT, G_RANK, R(exact_weight), GE0,
     "exact forms: each query word found as typed adds W x its idf, 0 = off"},
    {"--exact-pair", "W", O_FLOAT, G_RANK, R(exact_pair_weight), GE0,
     "exact forms: a pair typed and found side by side adds W x mean idf, 0 = off"},
    {"--exact-q", "0|1", O_BOOL, G_RANK, R(exact_questions), ANY,
     "1: exact forms for questions too"},

    {"--latency", NULL, O_FLAG, G_LAT, C(latency), ANY,
     "then time each query as the server runs it (top 10, snippets; 1 thread): p50, p99, QPS"},
    {"--replies", "FILE", O_STR, G_LAT, C(replies), ANY,
     "write each JSON reply, a line per query, took_us zeroed (compare two builds)"},
    {"--repeat", "N", O_U32, G_LAT, C(repeat), ANY, "latency passes (0 counts as 1)"},
    {"--lat-file", "FILE", O_STR, G_LAT, C(latfile), ANY,
     "write per query qid<TAB>cpu_us<TAB>wall_us, the least over the passes"},
};
#define N_OPTS (sizeof opts / sizeof opts[0])

static const char *const group_title[N_GROUPS] = {
    "Index, queries and run output:",
    "Ranking parameters (the engine's defaults, fh_rank_params_default):",
    "Latency mode:",
};

static void cli_default(cli *c)
{
    memset(c, 0, sizeof *c);
    c->stem = "auto";
    c->depth = 100;
    c->repeat = 1;
    fh_rank_params_default(&c->rp);
}

/* The short usage, for an error (stderr, exit 1). */
static int usage_error(void)
{
    fputs("usage: fh-relevance --index DIR --queries Q.tsv --run OUT [option]...\n"
          "(fh-relevance --help explains the options)\n",
          stderr);
    return 1;
}

/* --help: every option of opts[] with its default and range, to stdout; 0,
 * or 2 when it cannot be written. */
static int help(void)
{
    cli d;
    cli_default(&d);
    const char *base = (const char *)&d;
    printf("usage: fh-relevance --index DIR --queries Q.tsv --run OUT [option]...\n"
           "\n"
           "Runs the queries of Q.tsv through the engine in this process (no daemon) and\n"
           "writes the TREC run OUT; bench/relevance/tune.py sweeps the ranking parameters\n"
           "with it. Exit status: 0 ok; 1 a usage error; 2 a file that cannot be read or\n"
           "written, or no query in Q.tsv; 3 the index cannot be opened or the engine fails.\n"
           "Each option: what it does [default] {range accepted}; N is a whole number, X,\n"
           "P and W (a weight) are numbers.\n");
    for (int g = 0; g < N_GROUPS; g++) {
        printf("\n%s\n", group_title[g]);
        for (size_t i = 0; i < N_OPTS; i++) {
            const option *o = &opts[i];
            if (o->group != g)
                continue;
            char left[40], def[48] = "", range[48] = "";
            snprintf(left, sizeof left, "%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
            const void *p = base + o->off;
            switch (o->type) {
            case O_STR:
                if (*(const char *const *)p)
                    snprintf(def, sizeof def, " [%s]", *(const char *const *)p);
                break;
            case O_U32:
                snprintf(def, sizeof def, " [%u]", (unsigned)*(const uint32_t *)p);
                break;
            case O_FLOAT:
                snprintf(def, sizeof def, " [%g]", (double)*(const float *)p);
                break;
            case O_BOOL:
                snprintf(def, sizeof def, " [%d]", *(const bool *)p ? 1 : 0);
                break;
            case O_FIELD:
            case O_FLAG:
                break;
            }
            if (!isnan(o->lo) && isinf(o->hi))
                snprintf(range, sizeof range, " {>= %g}", o->lo);
            else if (!isnan(o->lo))
                snprintf(range, sizeof range, " {%g..%g}", o->lo, o->hi);
            printf("  %-22s %s", left, o->help);
            if (o->off == C(stem))
                for (size_t k = 0; fh_stemmer_names[k]; k++)
                    printf("%s%s", k ? " | " : " ", fh_stemmer_names[k]);
            printf("%s%s\n", def, range);
        }
    }
    printf("\n  %-22s print this help and exit\n", "--help, -h");
    return fh_stdout_finish("fh-relevance") == 0 ? 0 : 2;
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

/* Close an output file written with stdio: 0, or -1 after a message naming
 * the file when a write failed (a full disk: fh_output_finish) or the close
 * did; such a file is not what it should be. */
static int close_output(FILE *f, const char *path)
{
    char who[512];
    snprintf(who, sizeof who, "fh-relevance: %s", path);
    int rc = fh_output_finish(f, stderr, who, 0);
    if (fclose(f) != 0 && rc == 0) {
        fprintf(stderr, "%s: %s\n", who, strerror(errno));
        rc = -1;
    }
    return rc;
}

/* --focus-dump: the focus model's training rows (see the top of the file).
 * Every exit closes the three files and frees what was read; a dump cut
 * short (no memory, an unreadable document) is reported and exit 2 or 3. */
static int dump_focus(fh_searcher *s, const char *queries, const char *qrels, const char *path)
{
    FILE *qf = fopen(qrels, "r"), *in = qf ? fopen(queries, "r") : NULL;
    FILE *out = in ? fopen(path, "w") : NULL;
    if (!out) {
        perror(!qf ? qrels : !in ? queries : path);
        if (in)
            fclose(in);
        if (qf)
            fclose(qf);
        return 2;
    }
    qrel *rel = NULL;
    size_t nrel = 0, crel = 0;
    char a[256], d[256];
    int r, status = 0;
    while (status == 0 && fscanf(qf, "%255s %*s %255s %d", a, d, &r) == 3) {
        if (r <= 0)
            continue;
        if (nrel == crel) {
            size_t nc = crel ? crel * 2 : 1024;
            qrel *nr = realloc(rel, sizeof *rel * nc);
            if (!nr) {
                status = 2;
                break;
            }
            rel = nr;
            crel = nc;
        }
        rel[nrel].qid = strdup(a);
        rel[nrel].doc = strdup(d);
        nrel++;
        if (!rel[nrel - 1].qid || !rel[nrel - 1].doc)
            status = 2;
    }
    if (status)
        fprintf(stderr, "fh-relevance: %s: %s\n", qrels, strerror(ENOMEM));
    else
        qsort(rel, nrel, sizeof *rel, qrel_cmp);
    static fh_query q;
    fh_buf err;
    fh_buf_init(&err, 4096);
    char *line = NULL;
    size_t cap = 0;
    const char *qtext;
    unsigned nq = 0;
    while (status == 0 && (qtext = next_query(in, &line, &cap)) != NULL) {
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
            status = 3;
            break;
        }
        for (uint32_t i = 0; i < nt; i++)
            fprintf(out, "%s\t%d\t%u\t%u\t%u\t%u\n", line,
                    fh_query_has_stem(&q, t[i].stem, t[i].len), t[i].tf, t[i].first, t[i].lead, nw);
        nq++;
    }
    free(line);
    fh_buf_free(&err);
    for (size_t i = 0; i < nrel; i++) {
        free(rel[i].qid);
        free(rel[i].doc);
    }
    free(rel);
    fclose(qf);
    fclose(in);
    if (close_output(out, path) != 0 && status == 0)
        status = 2;
    if (status == 0)
        fprintf(stderr, "fh-relevance: focus data of %u queries in %s\n", nq, path);
    return status;
}

/* The stemmer the queries are analyzed with: *out = asked, or with "auto"
 * the --stemmer name of the analyzer the index in dir was built with. 0, or
 * exit status 3 after a message when the index cannot be opened, this build
 * has no analyzer of that name and version, or one was asked that is not
 * the index's (the engine would refuse it; the message names both). */
static int index_stemmer(const char *dir, const char *asked, const char **out)
{
    *out = asked;
    fh_index *ix = NULL;
    int rc = fh_index_open(dir, NULL, NULL, &ix);
    if (rc) {
        char why[512];
        fprintf(stderr, "fh-relevance: cannot open the index in %s: %s\n", dir,
                fh_index_open_reason(rc, dir, why, sizeof why));
        return 3;
    }
    const fh_index_meta *m = fh_index_get_meta(ix);
    const char *own = fh_stemmer_for_index(m->analyzer_name, m->analyzer_version);
    int status = 0;
    if (!own)
        fprintf(stderr,
                "fh-relevance: the index in %s was built with analyzer %s %s, which this "
                "build does not have (its analyzers are of version %s): rebuild the index\n",
                dir, m->analyzer_name, m->analyzer_version, fh_analyzer_version(NULL));
    else if (strcmp(asked, "auto") == 0)
        *out = own;
    else if (strcmp(asked, own) != 0)
        fprintf(stderr,
                "fh-relevance: the index in %s was built with analyzer %s (--stemmer %s), not "
                "with --stemmer %s's\n",
                dir, m->analyzer_name, own, asked);
    if (!own || strcmp(*out, own) != 0)
        status = 3;
    fh_index_close(ix);
    return status;
}

/* fh_engine_open, saying what failed: the index could not be opened (why:
 * fh_index_open_reason), or the engine refused the ranking parameters (the
 * options out of the ranges of opts[]). 0, or exit status 3. */
static int open_engine(const char *index, const fh_analyzer *an, const fh_rank_params *rp,
                       fh_engine **e)
{
    int rc = fh_engine_open(index, an, rp, e);
    if (rc == 0)
        return 0;
    cli c; /* the offsets of opts[] are into a cli */
    memset(&c, 0, sizeof c);
    c.rp = *rp;
    int n = 0;
    for (size_t i = 0; i < N_OPTS && rc == FH_EINVAL; i++) {
        const option *o = &opts[i];
        const char *p = (const char *)&c + o->off;
        if (o->off < C(rp) || o->off >= C(rp) + sizeof c.rp || isnan(o->lo))
            continue;
        double x = o->type == O_FLOAT ? (double)*(const float *)p
                   : o->type == O_U32 ? (double)*(const uint32_t *)p
                                      : o->lo;
        if (x >= o->lo && x <= o->hi)
            continue;
        fprintf(stderr, "%s %s %g (",
                n++ ? "," : "fh-relevance: ranking parameters out of the engine's range:", o->name,
                x);
        if (isinf(o->hi))
            fprintf(stderr, ">= %g)", o->lo);
        else
            fprintf(stderr, "%g..%g)", o->lo, o->hi);
    }
    if (n) {
        fputc('\n', stderr);
    } else {
        char why[512];
        fprintf(stderr, "fh-relevance: cannot open the index in %s: %s\n", index,
                fh_index_open_reason(rc, index, why, sizeof why));
    }
    return 3;
}

/* --latency: the nq queries of in again, each as the server runs it
 * (fh_search: top 10, snippets, JSON reply), repeat times; prints p50, p99
 * and QPS, and writes --replies and --lat-file. Returns 0, or 2 when a file
 * cannot be written or memory runs out. */
static int run_latency(fh_searcher *s, FILE *in, unsigned nq, unsigned repeat, bool exact_total,
                       const char *replies, const char *latfile)
{
    char *line = NULL;
    size_t cap = 0;
    const char *q;
    fh_buf err;
    fh_buf_init(&err, 4096);
    fh_search_opts so;
    fh_search_opts_default(&so);
    so.exact_total = exact_total;
    fh_buf reply;
    fh_buf_init(&reply, (size_t)16 << 20);
    int status = 0;
    unsigned k = 0;
    struct timespec a, b, c0, c1, qa, qb;
    double cpu, sum = 0;
    if (repeat == 0)
        repeat = 1;
    double *lat = malloc(sizeof(double) * (nq ? nq : 1) * repeat);
    /* per query: best CPU and wall time over the repeats, and its id */
    double *qcpu = calloc(nq ? nq : 1, sizeof(double));
    double *qwall = calloc(nq ? nq : 1, sizeof(double));
    char **qid = calloc(nq ? nq : 1, sizeof(char *));
    FILE *rf = NULL;
    if (!lat || !qcpu || !qwall || !qid) {
        fputs("fh-relevance: out of memory\n", stderr);
        status = 2;
        goto out;
    }
    if (replies && !(rf = fopen(replies, "w"))) {
        perror(replies);
        status = 2;
        goto out;
    }
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
            lat[k++] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
            double cu =
                (double)(qb.tv_sec - qa.tv_sec) * 1e6 + (double)(qb.tv_nsec - qa.tv_nsec) / 1e3;
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
                    fprintf(rf, "%s\t%s\t%.*s0%s\n", line, q, (int)(v - reply.data), reply.data,
                            e2);
                } else {
                    fprintf(rf, "%s\t%s\terror %d %s\n", line, q, qrc, err.data ? err.data : "");
                }
            }
        }
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
    if (rf && close_output(rf, replies) != 0)
        status = 2;
    rf = NULL;
    if (latfile) {
        FILE *lf = fopen(latfile, "w");
        if (!lf) {
            perror(latfile);
            status = 2;
            goto out;
        }
        for (unsigned i = 0; i < nq; i++)
            if (qid[i])
                fprintf(lf, "%s\t%.0f\t%.0f\n", qid[i], qcpu[i], qwall[i]);
        if (close_output(lf, latfile) != 0)
            status = 2;
    }
    for (unsigned i = 0; i < k; i++)
        sum += lat[i];
    qsort(lat, k, sizeof *lat, dbl_cmp);
    if (k)
        fprintf(stderr,
                "fh-relevance: top-10 + snippets, 1 thread: p50 %.3f ms, p99 %.3f ms, "
                "max %.3f ms, %.0f QPS (%.0f per CPU second)\n",
                lat[k / 2], lat[(size_t)((double)k * 0.99)], lat[k - 1], (double)k / (sum / 1e3),
                cpu > 0 ? (double)k / cpu : 0.0);
out:
    if (rf)
        fclose(rf);
    for (unsigned i = 0; qid && i < nq; i++)
        free(qid[i]);
    free(qid);
    free(qcpu);
    free(qwall);
    free(lat);
    fh_buf_free(&reply);
    free(line);
    fh_buf_free(&err);
    return status;
}

/* The run: each query of c->queries through fh_search_run (top c->depth,
 * no snippets, no time budget) into the TREC run file `run` (and --stats),
 * then --latency's pass. Returns the exit status: 0, or 2 when a file
 * cannot be read or written or there is no query. */
static int run_queries(fh_searcher *s, const cli *c, const char *run)
{
    const char *queries = c->queries, *stats = c->stats;
    FILE *in = fopen(queries, "r"), *out = in ? fopen(run, "w") : NULL;
    FILE *sf = out && stats ? fopen(stats, "w") : NULL;
    if (!in || !out || (stats && !sf)) {
        perror(!in ? queries : !out ? run : stats);
        if (out)
            fclose(out);
        if (in)
            fclose(in);
        return 2;
    }
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.limit = c->depth;
    o.snippets = false;
    o.time_budget_us = 0;
    o.exact_total = c->exact_total;
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
        if (fh_search_run(s, &o, q, strlen(q), true, &hits, &nh, &st, &err) != 0) {
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
    if (c->latency)
        status = run_latency(s, in, nq, c->repeat, c->exact_total, c->replies, c->latfile);
    if (c->timing)
        fprintf(stderr, "fh-relevance: %u queries (%u refused) in %.3f s, %.0f candidates/query\n",
                nq, nerr, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
                nq ? (double)ncand / nq : 0.0);
done:
    free(line);
    fh_buf_free(&err);
    if (sf && close_output(sf, stats) != 0)
        status = 2;
    fclose(in);
    if (close_output(out, run) != 0)
        status = 2;
    return status;
}

int main(int argc, char **argv)
{
    cli c;
    cli_default(&c);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return help();
        const option *o = NULL;
        for (size_t k = 0; k < N_OPTS && !o; k++)
            if (strcmp(a, opts[k].name) == 0)
                o = &opts[k];
        if (!o) {
            fprintf(stderr, "fh-relevance: unknown option %s\n", a);
            return usage_error();
        }
        void *p = (char *)&c + o->off;
        if (o->type == O_FLAG) {
            *(bool *)p = true;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "fh-relevance: %s wants a value\n", a);
            return usage_error();
        }
        const char *v = argv[++i];
        switch (o->type) {
        case O_STR:
            *(const char **)p = v;
            break;
        case O_U32:
            *(uint32_t *)p = opt_u32(a, v);
            break;
        case O_FLOAT:
            *(float *)p = opt_f(a, v);
            break;
        case O_BOOL:
            *(bool *)p = opt_u32(a, v) != 0;
            break;
        case O_FIELD: {
            field_opts *fo = p;
            if (fo->n == MAX_FIELD_OPTS) {
                fprintf(stderr, "fh-relevance: %s given more than %d times\n", a, MAX_FIELD_OPTS);
                return usage_error();
            }
            fo->v[fo->n++] = v;
            break;
        }
        case O_FLAG:
            break;
        }
    }
    const char *index = c.index, *queries = c.queries, *run = c.run, *stem = c.stem;
    const char *focus_dump = c.focus_dump, *qrels = c.qrels;
    const char *const *fw = c.fw.v, *const *fb = c.fb.v;
    int nfw = c.fw.n, nfb = c.fb.n;
    uint32_t depth = c.depth;
    fh_rank_params rp = c.rp;
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
        return usage_error();
    }
    fh_analyzer_opts ao;
    memset(&ao, 0, sizeof ao);
    /* a typo must not silently run another analyzer */
    if (strcmp(stem, "auto") != 0 && fh_analyzer_opts_by_name(stem, &ao) != 0) {
        fprintf(stderr, "fh-relevance: unknown --stemmer '%s'\n", stem);
        return usage_error();
    }
    int st = index_stemmer(index, stem, &stem);
    if (st)
        return st;
    if (fh_analyzer_opts_by_name(stem, &ao) != 0) { /* index_stemmer gives this build's */
        fprintf(stderr, "fh-relevance: no analyzer for --stemmer %s\n", stem);
        return 3;
    }
    fh_analyzer *an = NULL;
    fh_engine *e = NULL;
    fh_searcher *s = NULL;
    int rc = fh_analyzer_new(&ao, &an);
    if (rc) {
        fprintf(stderr, "fh-relevance: cannot create the analyzer (--stemmer %s): %s\n", stem,
                fh_strerror(rc));
        return 3;
    }
    int fail = open_engine(index, an, &rp, &e);
    /* field weights / b by name need the field list: reopen with them */
    for (int i = 0; i < nfw + nfb && fail == 0; i++) {
        bool is_b = i >= nfw;
        const char *fv = is_b ? fb[i - nfw] : fw[i];
        const char *eq = strchr(fv, '=');
        int f = eq ? field_of(e, fv, (size_t)(eq - fv)) : -1;
        if (f < 0) {
            fprintf(stderr, "fh-relevance: %s %s: no such field in %s\n",
                    is_b ? "--fb" : "--weight", fv, index);
            fail = usage_error();
        } else if (is_b) {
            rp.field_b[f] = opt_f("--fb", eq + 1);
        } else {
            rp.field_weight[f] = opt_f("--weight", eq + 1);
        }
    }
    if (fail == 0 && nfw + nfb > 0) {
        fh_engine_free(e);
        e = NULL;
        fail = open_engine(index, an, &rp, &e);
    }
    if (fail == 0 && (rc = fh_searcher_new(e, &s)) != 0) {
        fprintf(stderr, "fh-relevance: cannot create a searcher of the index in %s: %s\n", index,
                fh_strerror(rc));
        fail = 3;
    }
    if (fail) {
        fh_engine_free(e);
        fh_analyzer_free(an);
        return fail;
    }
    int status = focus_dump ? dump_focus(s, queries, qrels, focus_dump) : run_queries(s, &c, run);
    fh_searcher_free(s);
    fh_engine_free(e);
    fh_analyzer_free(an);
    return status;
}
