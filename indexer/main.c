/* main.c — the fahras-indexer command line: option parsing, help texts and
 * exit codes; dispatches to build (ix_build.c), check and dump-terms
 * (ix_check.c) and analyze (analyze_cmd.c, owned by the analyzer module).
 * Nothing here touches an index directly. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "analyze_cmd.h"
#include "ix_build.h"
#include "ix_check.h"
#include "ix_cli.h"

#include "fahras/analyze.h"
#include "fahras/err.h"
#include "fahras/index.h"
#include "fahras/stdfd.h"
#include "fahras/utf8.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static const char usage_main[] =
    "usage: fahras-indexer COMMAND [OPTIONS] ...\n"
    "\n"
    "Commands:\n"
    "  build       build (or rebuild) an index from JSON Lines, TSV or a folder of .txt files\n"
    "  check       decode a whole index, verify its invariants, print size statistics\n"
    "  dump-terms  print every term with df, cf and a hash of its postings (for diffs)\n"
    "  dump-docs   print every document: docid, id, field lengths, stored JSON\n"
    "  analyze     show how the analyzer tokenizes and stems text\n"
    "\n"
    "`fahras-indexer COMMAND --help` describes each command; `fahras-indexer --version`\n"
    "prints the version, the index format and the analyzer version.\n"
    "Exit codes: 0 ok, 1 usage error, 2 input error, 3 index or I/O error.\n";

static const char usage_build[] =
    "usage: fahras-indexer build --index DIR [OPTIONS] INPUT...\n"
    "\n"
    "Builds an index of the INPUTs beside the live index DIR/index.mdb and publishes it\n"
    "atomically (rename); a failed or killed build leaves the live index untouched.\n"
    "\n"
    "INPUT is a file, a directory of .txt files, or - for standard input. Format by name:\n"
    "  *.jsonl (anything else)  JSON Lines: one object per line with an \"id\" (string or\n"
    "                           integer); an analyzed field's text is a string (another\n"
    "                           value is stored, not analyzed, with a warning); the whole\n"
    "                           object is stored and returned by GET; a key given twice\n"
    "                           takes its last value (id too); JSON the parser refuses\n"
    "                           (nesting deeper than 2048, \\u0000 in a key, a number\n"
    "                           beyond a double's range) is a malformed line\n"
    "  *.tsv                    TSV with a header line naming the columns, one of them \"id\";\n"
    "                           values may escape \\t \\n \\r \\\\ (no quoting: a quote is part\n"
    "                           of its value, a tab or newline in a value must be written\n"
    "                           \\t or \\n); stored as a JSON object.\n"
    "                           The extension in any case (.TSV), also before .gz or .xz\n"
    "  a directory              every *.txt file: id = file name without .txt, first line =\n"
    "                           title, the rest = text (a name that is not UTF-8 is a bad\n"
    "                           id, skipped; invalid UTF-8 in a JSONL or TSV id is\n"
    "                           repaired to U+FFFD)\n"
    "  gzip and xz compression is recognized by content and decompressed on the fly, in a\n"
    "  folder's *.txt files too; zstd and bzip2 are recognized and refused (an input error;\n"
    "  a folder's file is skipped as unreadable): decompress them first. Text is UTF-8:\n"
    "  a file that starts with a UTF-16 byte order mark is refused likewise.\n"
    "\n"
    "Options:\n"
    "  --index DIR          index directory (created if missing)             [required]\n"
    "  --fields A,B,...     fields to analyze, in index order (max 8)        [title,text]\n"
    "  --weights A=W,...    BM25F field weights recorded in the index  [title=2, others 1]\n"
    "                       (fields of --fields, each at most once; W a decimal number\n"
    "                       from 0.01 to 1000, as 0.5 or 2: no sign, exponent or hex)\n"
    "  --format F           jsonl or tsv: every file input, whatever its name (a folder\n"
    "                       is still a folder); dir: every input is a folder (not -)\n"
    "  --threads N          analyzer threads (0 = the default: the CPUs this process may\n"
    "                       run on, at most 64; fewer, with a notice, when\n"
    "                       --mem is below about 246 + 46.5 x N MB)   [CPUs, at most 64]\n"
    "  --mem MB             memory budget; term tables past their share are spilled as\n"
    "                       sorted runs to DIR/.spill-PID and merged            [1024]\n"
    "  --max-doc-mb MB      larger records are skipped and reported        [16, max 256]\n"
    "  --strict             stop at the first reported record (skip or warning), exit 2\n"
    "  --quiet              no progress line and no summary (reports still print)\n"
    "  --progress           force the progress line even when stderr is not a terminal\n"
    "                       (--quiet wins over it)\n"
    "  --stemmer S          light10 (default), light10+sb, light10-noguard, snowball or none\n"
    "  --help\n"
    "\n";
/* build --help, continued (one literal would pass the 4095 bytes C requires) */
static const char usage_build_reports[] =
    "Bad records never vanish silently: each is reported on stderr as FILE:LINE: reason (a\n"
    "folder's file as FILE: reason; one line, a control byte or invalid UTF-8 in a name (DIR\n"
    "too) or quoted input shown as \\xNN) and counted in the summary (read = indexed + skipped).\n"
    "Skipped: malformed JSON/TSV row, missing or bad id (also one with a control character or\n"
    "an outer space, which GET could not name), duplicate id (the first is kept), oversized (as\n"
    "read or as stored, or a field of more than 2^28 word positions), a folder's unreadable\n"
    "*.txt file (or one that is no regular file, such as a named pipe: never opened; or\n"
    "compressed with zstd or bzip2, or corrupt gzip or xz data).\n"
    "Indexed with a warning: invalid UTF-8 and a JSON escape of a lone surrogate such as\n"
    "\\ud800 (replaced by U+FFFD), an analyzed field that is not a string (not analyzed), no\n"
    "text to analyze (found by id only).\n"
    "A --fields name that no indexed document holds as a string (a misspelled key) is warned\n"
    "about once the input is read, with the first document's keys (a TSV header without the\n"
    "column at once, with its columns); the build still exits 0, --strict too.\n"
    "Blank lines are ignored (before a TSV header too). Every token is indexed, stop words\n"
    "included. A folder input reads the *.txt files directly in it (any case; not hidden\n"
    "files, not subfolders, nor other names: a.txt.gz is not read, a gzip a.txt is).\n"
    "\n"
    "Exit codes: 0 index published; 1 usage error; 2 input error (an input cannot be read,\n"
    "a TSV header without id or with a bad column name (empty, repeated, not UTF-8, with a\n"
    "NUL byte), a reported record under --strict, nothing indexed); 3 index or I/O error\n"
    "(cannot write DIR, another build running in DIR, storage error, out of memory,\n"
    "interrupted).\n";

static const char usage_check[] =
    "usage: fahras-indexer check DIR\n"
    "\n"
    "Opens DIR/index.mdb read-only, decodes every term's postings and positions, every\n"
    "stored document and both id maps, and verifies: term order, df/cf/max tf/min length\n"
    "per term against the decoded postings, docids strictly increasing and below N,\n"
    "positions count = tf, ascending and below the field length, each document's field\n"
    "length = the sum of its terms' tfs (not counting the alternative-stem terms of a\n"
    "light10+sb index, which sum to at most the length), mean field lengths, the id map\n"
    "both ways, stored documents are JSON objects with the same id; and every term and\n"
    "stored document is held to the bytes the writer writes (docs/FORMAT.md,\n"
    "\"Exactness\"). Prints size statistics per LMDB database.\n"
    "\n"
    "It checks structure, not content: the file holds no checksums, so a changed byte\n"
    "that still decodes (a letter of a stored document, a docid within its block's\n"
    "bounds) is not found. The walk runs in a child process: LMDB trusts its own\n"
    "pages, and a damaged one can crash it, which is reported as damage (as are the\n"
    "dumps).\n"
    "\n"
    "Exit codes: 0 sound; 1 usage error; 3 cannot open, a violation (listed on stderr), or\n"
    "the output cannot be written.\n";

static const char usage_dump[] =
    "usage: fahras-indexer dump-terms DIR\n"
    "\n"
    "Prints TERM<TAB>df<TAB>cf<TAB>hash-of-postings-and-positions for every term in byte\n"
    "order, then #fields<TAB>NAME=WEIGHT for each field (its recorded BM25F weight),\n"
    "then #docs<TAB>N<TAB>hash-of-ids-documents-and-lengths: two indexes with the same\n"
    "content and field weights print the same text.\n"
    "\n"
    "Exit codes: 0 ok; 1 usage error; 3 cannot open or decode the index, or the output\n"
    "cannot be written.\n";

static const char usage_dump_docs[] =
    "usage: fahras-indexer dump-docs DIR\n"
    "\n"
    "Prints docid<TAB>id<TAB>length of each field (TAB-separated)<TAB>stored JSON, one\n"
    "document per line in docid order. The id and the JSON are as stored: U+2028,\n"
    "U+2029 or U+0085 in them stay raw (lines end at \\n only).\n"
    "\n"
    "Exit codes: 0 ok; 1 usage error; 3 cannot open or decode the index, or the output\n"
    "cannot be written.\n";

static void on_signal(int sig)
{
    (void)sig;
    fh_build_interrupted = 1;
}

/* An argument a message echoes, as a report shows it (fh_report_text: one
 * line of valid UTF-8, a long one cut), in buf. */
static const char *shown_arg(char buf[ARG_SHOWN], const char *arg)
{
    return fh_report_text(buf, ARG_SHOWN, arg, strlen(arg));
}

/* The usage error of command cmd's bad option arg (the word getopt_long
 * stopped at, or check's): `missing`, its value is missing; else it is
 * unknown, ambiguous (an abbreviation of two) or given a value it does not
 * take. getopt's own messages would echo it raw. */
static void bad_option(const char *cmd, const char *arg, bool missing)
{
    char buf[ARG_SHOWN];
    if (missing)
        fprintf(stderr, "fahras-indexer: %s: option %s needs a value\n", cmd, shown_arg(buf, arg));
    else
        fprintf(stderr,
                "fahras-indexer: %s: bad option %s (unknown, ambiguous, or given a value it "
                "does not take)\n",
                cmd, shown_arg(buf, arg));
    fprintf(stderr, "fahras-indexer %s --help for usage\n", cmd);
}

/* The exit status after --help or --version wrote to standard output:
 * EXIT_OK, or EXIT_INDEX (said on stderr) when it could not be written, as
 * for any command's output (> /dev/full). */
static int stdout_status(void)
{
    return fh_stdout_finish("fahras-indexer") == 0 ? EXIT_OK : EXIT_INDEX;
}

/* The default --threads: the CPUs this process may run on (its affinity
 * mask, which taskset and cpusets narrow), or the online ones when the mask
 * cannot be read; at most 64. */
static unsigned default_thread_count(void)
{
    cpu_set_t set;
    long n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set)
                                                         : sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)(n > 64 ? 64 : n) : 1;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Whether a field name can name a key of the input: valid UTF-8 (JSON keys
 * and TSV headers are) and no control character (a JSON key would have
 * escaped it, and the name goes into replies and messages as it is). */
static bool field_name_ok(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return false;
    return fh_utf8_valid(s, strlen(s));
}

/* Whether `name:word` in a query can name the field (fh_field_name_char). */
static bool field_name_queryable(const char *s)
{
    for (const char *p = s; *p; p++)
        if (!fh_field_name_char(*p))
            return false;
    return true;
}

/* Split "a,b,c" into fs (names point into the strdup'd copy kept in *keep).
 * An empty name (",a", "a,,b", "a,") is an error, not skipped, and so is a
 * name that cannot be an input's key (field_name_ok): FH_EINVAL; FH_ENOMEM
 * when the copy cannot be made. */
static int parse_fields(const char *s, fh_fieldset *fs, char **keep)
{
    char *copy = strdup(s);
    if (!copy)
        return FH_ENOMEM;
    *keep = copy;
    fs->n = 0;
    for (char *tok = copy, *comma;; tok = comma + 1) {
        comma = strchr(tok, ',');
        if (comma)
            *comma = '\0';
        if (fs->n == FH_MAX_FIELDS || strlen(tok) > FH_FIELD_NAME_MAX || !*tok ||
            !field_name_ok(tok))
            return FH_EINVAL;
        for (unsigned i = 0; i < fs->n; i++)
            if (strcmp(fs->names[i], tok) == 0)
                return FH_EINVAL;
        fs->names[fs->n++] = tok;
        if (!comma)
            return 0;
    }
}

/* Whether s is a weight: a plain decimal number (digits, at most one point,
 * at least one digit: no sign, exponent, hex, space) from 0.01 to 1000, judged exactly from its
 * digits (strtof would round 1000.00000000001 to 1000 first). */
static bool weight_ok(const char *s)
{
    size_t ni = strspn(s, "0123456789");
    const char *frac = s[ni] == '.' ? s + ni + 1 : s + ni;
    size_t nf = strspn(frac, "0123456789");
    if (ni + nf == 0 || frac[nf] != '\0')
        return false;
    while (ni > 0 && *s == '0') /* leading zeros */
        s++, ni--;
    bool frac_zero = strspn(frac, "0") == nf;
    if (ni > 4 ||
        (ni == 4 && (memcmp(s, "1000", 4) > 0 || (memcmp(s, "1000", 4) == 0 && !frac_zero))))
        return false; /* over 1000 */
    /* at least 0.01: an integer part, or a non-zero first two decimals */
    return ni > 0 || (nf > 0 && frac[0] != '0') || (nf > 1 && frac[1] != '0');
}

/* Parse "a=1.5,b=0.5" into w (indexed as fs). A weight is over 0: the
 * daemon reads a recorded 0 as the default 1 (FORMAT.md), so "title=0"
 * would be served as 1; and at least 0.01, which check shows (with two
 * decimals) as other than 0. Like --fields, an empty item
 * (",a=1", "a=1,,b=2", "a=1,", "") is an error, not skipped, and so is a
 * field named twice (reported here: the second value would silently win). */
static int parse_weights(const char *s, const fh_fieldset *fs, float *w)
{
    char *copy = strdup(s);
    bool set[FH_MAX_FIELDS] = {false};
    int rc = -1;
    if (!copy)
        return -1;
    for (char *tok = copy, *comma;; tok = comma + 1) {
        comma = strchr(tok, ',');
        if (comma)
            *comma = '\0';
        char *eq = strchr(tok, '=');
        if (!eq || eq == tok)
            goto out;
        *eq = '\0';
        if (!weight_ok(eq + 1)) /* "title=" is no weight */
            goto out;
        float v = strtof(eq + 1, NULL);
        unsigned f = 0;
        while (f < fs->n && strcmp(fs->names[f], tok) != 0)
            f++;
        char buf[ARG_SHOWN];
        if (f == fs->n) {
            fprintf(stderr, "fahras-indexer: --weights names \"%s\", not in --fields\n",
                    shown_arg(buf, tok));
            goto out;
        }
        if (set[f]) {
            fprintf(stderr, "fahras-indexer: --weights names \"%s\" twice\n", shown_arg(buf, tok));
            goto out;
        }
        set[f] = true;
        w[f] = v;
        if (!comma)
            break;
    }
    rc = 0;
out:
    free(copy);
    return rc;
}

/* build: stdin_closed, standard input was closed (fh_std_fds_guard), so
 * that `-` cannot be read. */
static int cmd_build(int argc, char **argv, bool stdin_closed)
{
    enum { O_INDEX = 256, O_FIELDS, O_WEIGHTS, O_FORMAT, O_THREADS, O_MEM, O_MAXDOC, O_STRICT,
           O_QUIET, O_PROGRESS, O_STEMMER, O_BATCHKB, O_HELP };
    static const struct option lo[] = {
        {"index", required_argument, NULL, O_INDEX},
        {"fields", required_argument, NULL, O_FIELDS},
        {"weights", required_argument, NULL, O_WEIGHTS},
        {"format", required_argument, NULL, O_FORMAT},
        {"threads", required_argument, NULL, O_THREADS},
        {"mem", required_argument, NULL, O_MEM},
        {"max-doc-mb", required_argument, NULL, O_MAXDOC},
        {"strict", no_argument, NULL, O_STRICT},
        {"quiet", no_argument, NULL, O_QUIET},
        {"progress", no_argument, NULL, O_PROGRESS},
        {"stemmer", required_argument, NULL, O_STEMMER},
        {"batch-kb", required_argument, NULL, O_BATCHKB}, /* undocumented: tests, tuning */
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    fh_build_opts o;
    memset(&o, 0, sizeof o);
    o.log = stderr;
    o.mem_bytes = (size_t)1024 << 20;
    o.max_doc_bytes = (size_t)16 << 20;
    const unsigned default_threads = default_thread_count();
    o.threads = default_threads;
    o.stemmer = FH_STEM_LIGHT10;
    char *fields_keep = NULL;
    const char *weights = NULL;
    bool quiet = false, force_progress = false;
    int rc = EXIT_USAGE, brc;
    unsigned long v;
    unsigned nstdin = 0;
    struct sigaction sa;
    fh_build_stats st;

    fh_fieldset def = {2, {"title", "text"}};
    o.fields = def;
    optind = 1;
    opterr = 0; /* bad_option() says it */
    int c;
    while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
        switch (c) {
        case O_INDEX:
            o.index_dir = optarg;
            break;
        case O_FIELDS:
            free(fields_keep);
            fields_keep = NULL;
            int frc; /* no initializer: the later cases jump over it */
            frc = parse_fields(optarg, &o.fields, &fields_keep);
            if (frc == FH_ENOMEM) {
                fprintf(stderr, "fahras-indexer: out of memory\n");
                rc = EXIT_INDEX;
                goto out;
            }
            if (frc) {
                fprintf(stderr,
                        "fahras-indexer: --fields: 1 to %u distinct non-empty names of at most "
                        "%u bytes of UTF-8 without control characters, comma-separated\n",
                        FH_MAX_FIELDS, FH_FIELD_NAME_MAX);
                goto out;
            }
            char buf[ARG_SHOWN];
            for (unsigned f = 0; f < o.fields.n; f++)
                if (!field_name_queryable(o.fields.names[f]))
                    fprintf(stderr,
                            "fahras-indexer: note: field \"%s\" is searched with the others, "
                            "but a query cannot name it alone (name:word takes ASCII letters, "
                            "digits and _)\n",
                            shown_arg(buf, o.fields.names[f]));
            break;
        case O_WEIGHTS:
            weights = optarg;
            break;
        case O_FORMAT:
            if (strcmp(optarg, "jsonl") == 0)
                o.format = FH_IN_JSONL;
            else if (strcmp(optarg, "tsv") == 0)
                o.format = FH_IN_TSV;
            else if (strcmp(optarg, "dir") == 0)
                o.format = FH_IN_DIR;
            else {
                fprintf(stderr, "fahras-indexer: --format jsonl|tsv|dir\n");
                goto out;
            }
            break;
        case O_THREADS:
            if (parse_uint(optarg, 256, &v)) {
                fprintf(stderr, "fahras-indexer: --threads: 0..256 (0 = the CPUs it may run on)\n");
                goto out;
            }
            /* 0: the default, the CPUs of the affinity mask */
            o.threads = v > 0 ? (unsigned)v : default_threads;
            break;
        case O_MEM:
            if (parse_uint(optarg, 1u << 20, &v) || v == 0) {
                fprintf(stderr, "fahras-indexer: --mem: megabytes, 1..%u\n", 1u << 20);
                goto out;
            }
            o.mem_bytes = (size_t)v << 20;
            break;
        case O_MAXDOC:
            if (parse_uint(optarg, 256, &v) || v == 0) {
                fprintf(stderr, "fahras-indexer: --max-doc-mb: 1..256\n");
                goto out;
            }
            o.max_doc_bytes = (size_t)v << 20;
            break;
        case O_BATCHKB:
            if (parse_uint(optarg, 1u << 16, &v) || v == 0) {
                fprintf(stderr, "fahras-indexer: --batch-kb: 1..65536\n");
                goto out;
            }
            o.batch_bytes = (size_t)v << 10;
            break;
        case O_STRICT:
            o.strict = true;
            break;
        case O_QUIET:
            quiet = true;
            break;
        case O_PROGRESS:
            force_progress = true;
            break;
        case O_STEMMER: {
            fh_analyzer_opts ao;
            memset(&ao, 0, sizeof ao);
            if (fh_analyzer_opts_by_name(optarg, &ao) != 0) {
                fprintf(stderr, "fahras-indexer: --stemmer light10|light10+sb|light10-noguard|snowball|none\n");
                goto out;
            }
            o.stemmer = ao.stemmer;
            o.no_guard = ao.no_proclitic_guard;
            o.alt_stems = ao.alt_stems;
            break;
        }
        case 'h':
        case O_HELP:
            fputs(usage_build, stdout);
            fputs(usage_build_reports, stdout);
            rc = stdout_status();
            goto out;
        default: /* '?' or ':' */
            bad_option("build", argv[optind - 1], c == ':');
            goto out;
        }
    }
    if (!o.index_dir || !*o.index_dir || optind >= argc) {
        fputs(!o.index_dir    ? "fahras-indexer: build needs --index DIR\n"
              : !*o.index_dir ? "fahras-indexer: --index DIR: the directory's name is empty\n"
                              : "fahras-indexer: build needs at least one INPUT (- for stdin)\n",
              stderr);
        fputs("fahras-indexer build --help for usage\n", stderr);
        goto out;
    }
    for (unsigned f = 0; f < o.fields.n; f++)
        o.weights[f] = strcmp(o.fields.names[f], "title") == 0 ? 2.0f : 1.0f;
    if (weights && parse_weights(weights, &o.fields, o.weights)) {
        fprintf(stderr, "fahras-indexer: --weights FIELD=W,... (non-empty items, each field of "
                        "--fields at most once), W a decimal number from 0.01 to 1000 (a\n"
                        "field not to be scored is one left out of --fields)\n");
        goto out;
    }
    for (int i = optind; i < argc; i++)
        nstdin += strcmp(argv[i], "-") == 0;
    if (nstdin > 1) {
        fprintf(stderr, "fahras-indexer: standard input (-) may be named only once\n");
        goto out;
    }
    if (nstdin && o.format == FH_IN_DIR) {
        fprintf(stderr, "fahras-indexer: --format dir reads folders; standard input (-) is "
                        "JSON Lines or TSV\n");
        goto out;
    }
    if (nstdin && stdin_closed) { /* an input error, said before any index is touched */
        fprintf(stderr, "fahras-indexer: <stdin>: standard input is closed\n");
        rc = EXIT_INPUT;
        goto out;
    }
    o.inputs = (const char *const *)(argv + optind);
    o.n_inputs = (size_t)(argc - optind);
    o.progress = !quiet && (force_progress || isatty(STDERR_FILENO));

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

#ifdef __GLIBC__
    /* Batches, chunks and table pages are large and recycled all the time:
     * keep them on the heap instead of mmap/munmap (and fresh zeroed pages)
     * for every one. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    /* One arena for every thread. The hot path does not allocate (3,743
     * allocations for 10,000 book passages), so per-thread arenas avoid no
     * contention; but a batch allocated by the reader's arena and freed by
     * the writer let that arena's extra heaps empty out and go back to the
     * kernel, then fault in as fresh zeroed pages for the next batches:
     * 0.4 s of system time on the books corpus (bench/RESULTS.md). */
    mallopt(M_ARENA_MAX, 1);
#endif
    brc = fh_build(&o, &st);
    if (!quiet && brc != FH_EEXIST) /* refused (another build runs): no summary of nothing */
        fh_build_print_summary(stderr, &o, &st);
    rc = brc == 0 ? EXIT_OK : brc == FH_EINPUT ? EXIT_INPUT : EXIT_INDEX;
out:
    free(fields_keep);
    return rc;
}

/* The one DIR of check, dump-terms or dump-docs (argv[0] the command) in
 * *dir: "--" ends the options, as getopt takes it (`check -- -d-` names the
 * folder -d-); before it, a word that starts with '-' is a bad option, and a
 * lone '-' is said not to be a folder (it reads as standard input elsewhere).
 * Returns 0, or EXIT_USAGE once the error is said. */
static int dir_operand(int argc, char **argv, const char *usage, const char **dir)
{
    bool options = true;
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (options && strcmp(argv[i], "--") == 0) {
            options = false;
        } else if (options && strcmp(argv[i], "-") == 0) {
            fprintf(stderr,
                    "fahras-indexer: %s: '-' (standard input) is not an index folder; a folder "
                    "named - is ./-\n"
                    "fahras-indexer %s --help for usage\n",
                    argv[0], argv[0]);
            return EXIT_USAGE;
        } else if (options && argv[i][0] == '-') {
            bad_option(argv[0], argv[i], false);
            return EXIT_USAGE;
        } else {
            *dir = argv[i];
            n++;
        }
    }
    if (n != 1) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    if (**dir == '\0') {
        fprintf(stderr,
                "fahras-indexer: %s DIR: the directory's name is empty\n"
                "fahras-indexer %s --help for usage\n",
                argv[0], argv[0]);
        return EXIT_USAGE;
    }
    return 0;
}

static int cmd_dir_only(int argc, char **argv, const char *usage,
                        int (*fn)(const char *, FILE *, FILE *))
{
    const char *dir = NULL;
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return stdout_status();
    }
    if (dir_operand(argc, argv, usage, &dir) != 0)
        return EXIT_USAGE;
    /* The walk runs in a child process. LMDB trusts its own pages: in a
     * damaged file (one node flag bit set, a page cut short under the map)
     * it can read through a null pointer or past the mapping, and the crash
     * is then reported as damage rather than suffered. */
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) /* no process to spare: walk here */
        return fn(dir, stdout, stderr) ? EXIT_INDEX : EXIT_OK;
    if (pid == 0) {
        int rc = fn(dir, stdout, stderr) ? EXIT_INDEX : EXIT_OK;
        if (fflush(stdout) != 0 && rc == EXIT_OK)
            rc = EXIT_INDEX;
        _exit(rc);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "fahras-indexer: waiting for the walk: %s\n", strerror(errno));
            return EXIT_INDEX;
        }
    }
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    int sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    if (fh_index_crash_signal(sig)) {
        char *shown = fh_report_dup(dir); /* one line of valid UTF-8 */
        fprintf(stderr,
                "fahras-indexer: %s/index.mdb: the file's page structure is damaged (reading "
                "it crashed: %s); build the index again\n",
                shown ? shown : "DIR", strsignal(sig));
        free(shown);
    } else if (sig != 0) { /* SIGPIPE (| head), SIGTERM...: end as the walk did */
        signal(sig, SIG_DFL);
        raise(sig);
    }
    return EXIT_INDEX;
}

int main(int argc, char **argv)
{
    bool stdin_closed;
    if (fh_std_fds_guard(&stdin_closed) != 0) {
        fprintf(stderr,
                "fahras-indexer: a standard descriptor is closed and /dev/null cannot "
                "be opened onto it: %s\n",
                strerror(errno));
        return EXIT_INDEX;
    }
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_main, stdout);
        return stdout_status();
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("fahras-indexer %s (index format %u, analyzer version %s)\n", FAHRAS_VERSION,
               FH_FORMAT_VERSION, fh_analyzer_version(NULL));
        return stdout_status();
    }
    if (strcmp(cmd, "build") == 0)
        return cmd_build(argc - 1, argv + 1, stdin_closed);
    if (strcmp(cmd, "check") == 0)
        return cmd_dir_only(argc - 1, argv + 1, usage_check, fh_check_index);
    if (strcmp(cmd, "dump-terms") == 0)
        return cmd_dir_only(argc - 1, argv + 1, usage_dump, fh_dump_terms);
    if (strcmp(cmd, "dump-docs") == 0)
        return cmd_dir_only(argc - 1, argv + 1, usage_dump_docs, fh_dump_docs);
    if (strcmp(cmd, "analyze") == 0)
        return fh_cmd_analyze(argc - 2, argv + 2, stdin_closed);
    char buf[ARG_SHOWN];
    fprintf(stderr, "fahras-indexer: unknown command \"%s\"\n\n%s", shown_arg(buf, cmd),
            usage_main);
    return EXIT_USAGE;
}
