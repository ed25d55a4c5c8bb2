/* analyze_cmd.c — `fahras-indexer analyze [--stemmer S] [TEXT...]`.
 *
 * Prints one token per line: offset, length, surface, norm, stem, position,
 * flags (tab-separated); with light10+sb, a second line flagged alt for each
 * word's alternative stem. Offsets count bytes from the start of TEXT, or of
 * standard input. Standard input is read in bounded chunks, line by line, so
 * an endless stream runs in constant memory; a line longer than the chunk is
 * cut at a space (or a character boundary) and analyzed in pieces, whose
 * positions go on from the piece before (as the line's would). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_cmd.h"
#include "fahras/analyze.h"
#include "fahras/err.h"

#define CHUNK_MAX (1u << 20) /* longest piece analyzed at once from stdin */

/* Exit statuses, the same as the other fahras-indexer commands'. */
enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_INPUT = 2, EXIT_IO = 3 };

static void usage(FILE *f)
{
    fputs("usage: fahras-indexer analyze [--stemmer S] [--no-guard] [TEXT...]\n"
          "\n"
          "Analyze TEXT (or standard input, line by line) and print one token per line:\n"
          "  offset<TAB>length<TAB>surface<TAB>normalized<TAB>stem<TAB>position<TAB>flags\n"
          "offset/length are bytes in the original input (TEXT arguments are one text,\n"
          "joined by spaces; standard input is counted from its first byte across\n"
          "lines); position counts words, from 0 on each line of standard input (a line\n"
          "longer than 1 MiB is analyzed in pieces cut at a space, its positions counted on\n"
          "across them; only a word longer than 512 KiB is cut, in two);\n"
          "flags: stop whole part latin num alt, or -.\n"
          "\n"
          "Options:\n"
          "  --stemmer S   light10 (default), light10+sb, light10-noguard, snowball or none,\n"
          "                as for build. With light10+sb each word that has an alternative\n"
          "                stem is followed by a second line, flagged alt, with that stem in\n"
          "                the stem column: the index holds it as the term 0x01 + stem, at\n"
          "                the same position (the field length counts the word once)\n"
          "  --no-guard    without the guarded proclitic rule (as light10-noguard)\n"
          "  --help\n"
          "\n"
          "Exit codes: 0 ok; 1 usage error; 2 standard input cannot be read; 3 the output\n"
          "cannot be written, or out of memory.\n",
          f);
}

static void print_flags(FILE *f, uint32_t fl, bool alt)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {{FH_TOK_STOP, "stop"},   {FH_TOK_WHOLE, "whole"},  {FH_TOK_PART, "part"},
                 {FH_TOK_LATIN, "latin"}, {FH_TOK_NUMERIC, "num"}};
    bool any = false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (fl & names[i].bit) {
            fprintf(f, "%s%s", any ? "," : "", names[i].name);
            any = true;
        }
    }
    if (alt)
        fprintf(f, "%salt", any ? "," : "");
    else if (!any)
        fputc('-', f);
}

/* Analyze text and print its tokens, offsets counted from `base` and
 * positions from `pos`; *next_pos (may be NULL) gets the position after the
 * last token's, where a piece that continues the text starts counting. */
static int run(fh_analysis *s, const char *text, size_t len, uint64_t base, uint64_t pos,
               uint64_t *next_pos, FILE *out)
{
    const fh_token *t;
    size_t n;
    int rc = fh_analyze(s, text, len, &t, &n);
    if (rc != 0)
        return rc;
    if (next_pos) {
        *next_pos = pos;
        for (size_t i = 0; i < n; i++) /* a whole mixed token shares its first part's */
            if (pos + t[i].position + 1 > *next_pos)
                *next_pos = pos + t[i].position + 1;
    }
    for (size_t i = 0; i < n; i++) {
        /* the word, then (light10+sb) the word again under its alt term,
         * shown without the FH_ALT_PREFIX byte and flagged alt */
        for (int alt = 0; alt <= (t[i].alt_len > 0); alt++) {
            fprintf(out, "%llu\t%u\t", (unsigned long long)(base + t[i].offset), t[i].length);
            fwrite(text + t[i].offset, 1, t[i].length, out);
            unsigned long long p = pos + t[i].position;
            if (alt)
                fprintf(out, "\t%s\t%.*s\t%llu\t", t[i].norm, t[i].alt_len - 1, t[i].alt + 1, p);
            else
                fprintf(out, "\t%s\t%s\t%llu\t", t[i].norm, t[i].stem, p);
            print_flags(out, t[i].flags, alt);
            fputc('\n', out);
        }
    }
    return ferror(out) ? FH_EIO : 0;
}

/* Where to cut a piece of `len` bytes that has no newline: after the last
 * ASCII space, else at the last UTF-8 character boundary. */
static size_t cut_point(const char *buf, size_t len)
{
    for (size_t i = len; i > len / 2; i--)
        if (buf[i - 1] == ' ' || buf[i - 1] == '\t')
            return i;
    size_t i = len;
    while (i > 0 && ((unsigned char)buf[i - 1] & 0xC0) == 0x80)
        i--;
    if (i > 0 && (unsigned char)buf[i - 1] >= 0xC0)
        i--; /* do not end on a lead byte either */
    return i > 0 ? i : len;
}

static int run_stdin(fh_analysis *s, FILE *in, FILE *out)
{
    char *buf = malloc(CHUNK_MAX);
    size_t have = 0;
    uint64_t base = 0, pos = 0; /* pos: where the rest of a cut line counts from */
    int rc = 0;
    bool eof = false;
    if (buf == NULL)
        return FH_ENOMEM;
    while (!eof || have > 0) {
        if (!eof && have < CHUNK_MAX) {
            size_t got = fread(buf + have, 1, CHUNK_MAX - have, in);
            have += got;
            if (got == 0) {
                if (ferror(in)) {
                    rc = FH_EINPUT; /* errno says why */
                    goto out;
                }
                eof = true;
            }
        }
        size_t start = 0;
        for (;;) {
            char *nl = memchr(buf + start, '\n', have - start);
            if (nl == NULL)
                break;
            size_t l = (size_t)(nl - (buf + start));
            rc = run(s, buf + start, l, base + start, pos, NULL, out);
            if (rc != 0)
                goto out;
            start += l + 1;
            pos = 0;
        }
        if (start == 0 && (have == CHUNK_MAX || (eof && have > 0))) {
            size_t cut = eof ? have : cut_point(buf, have);
            rc = run(s, buf, cut, base, pos, &pos, out);
            if (rc != 0)
                goto out;
            start = cut;
        }
        memmove(buf, buf + start, have - start);
        have -= start;
        base += start;
    }
out:
    free(buf);
    return rc;
}

int fh_cmd_analyze(int argc, char **argv)
{
    fh_analyzer_opts opts = {.stemmer = FH_STEM_LIGHT10};
    bool no_guard = false;
    fh_analyzer *a = NULL;
    fh_analysis *s = NULL;
    char *text = NULL;
    int i = 0, status = EXIT_IO, rc;

    for (; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return EXIT_OK;
        } else if (strcmp(arg, "--stemmer") == 0 || strncmp(arg, "--stemmer=", 10) == 0) {
            if (arg[9] == '\0' && i + 1 == argc) {
                fprintf(stderr, "analyze: option --stemmer needs a value\n");
                usage(stderr);
                return EXIT_USAGE;
            }
            /* the names of `build --stemmer` (and fahras-searchd's); --stemmer=NAME
               as build takes it */
            const char *v = arg[9] == '=' ? arg + 10 : argv[++i];
            if (fh_analyzer_opts_by_name(v, &opts) != 0) {
                fprintf(stderr,
                        "analyze: unknown stemmer '%s' (light10, light10+sb, "
                        "light10-noguard, snowball or none)\n",
                        v);
                usage(stderr);
                return EXIT_USAGE;
            }
        } else if (strcmp(arg, "--no-guard") == 0) {
            no_guard = true;
        } else if (strcmp(arg, "--") == 0) {
            i++;
            break;
        } else if (arg[0] == '-' && arg[1] == '-') {
            fprintf(stderr, "analyze: unknown option '%s'\n", arg);
            usage(stderr);
            return EXIT_USAGE;
        } else {
            break;
        }
    }
    opts.no_proclitic_guard = opts.no_proclitic_guard || no_guard;
    rc = fh_analyzer_new(&opts, &a);
    if (rc == 0)
        rc = fh_analysis_new(a, &s);
    if (rc != 0)
        goto out;
    if (i < argc) {
        size_t total = 0;
        for (int k = i; k < argc; k++)
            total += strlen(argv[k]) + 1;
        text = malloc(total);
        if (text == NULL) {
            rc = FH_ENOMEM;
            goto out;
        }
        size_t o = 0;
        for (int k = i; k < argc; k++) {
            size_t l = strlen(argv[k]);
            if (k > i)
                text[o++] = ' ';
            memcpy(text + o, argv[k], l);
            o += l;
        }
        rc = run(s, text, o, 0, 0, NULL, stdout);
    } else {
        rc = run_stdin(s, stdin, stdout);
    }
    if (rc == 0 || rc == FH_EIO) {
        int seen = rc ? errno : 0; /* run() saw a write fail; stdio dropped the buffer */
        errno = 0;
        if (fflush(stdout) != 0 || ferror(stdout))
            rc = FH_EIO;
        if (!errno)
            errno = seen;
    }
out:
    if (rc == 0) {
        status = EXIT_OK;
    } else if (rc == FH_EINPUT) {
        fprintf(stderr, "analyze: cannot read standard input: %s\n", strerror(errno));
        status = EXIT_INPUT;
    } else if (rc == FH_EIO) {
        fprintf(stderr, "analyze: cannot write the output: %s\n",
                errno ? strerror(errno) : "write error");
    } else {
        fprintf(stderr, "analyze: %s\n", fh_strerror(rc));
    }
    free(text);
    fh_analysis_free(s);
    fh_analyzer_free(a);
    return status;
}
