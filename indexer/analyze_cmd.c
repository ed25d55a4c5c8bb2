/* analyze_cmd.c — `fahras-indexer analyze [--stemmer S] [TEXT...]`.
 *
 * Prints one token per line: offset, length, surface, norm, stem, position,
 * flags (tab-separated); with light10+sb, a second line flagged alt for each
 * word's alternative stem. Offsets count bytes from the start of TEXT, or of
 * standard input. Standard input is read in bounded chunks, line by line, so
 * an endless stream runs in constant memory. A line longer than the chunk is
 * analyzed in pieces that give the tokens of the whole line: the chunk is
 * cut at the start of a token in its first half where the analyzer, asked
 * about the two sides apart, gives the chunk's own tokens (stable_cut: no
 * join such as 15 % or عبد الله, no number or mixed token spans it, nothing
 * before it looks past it); the rest is carried into the next chunk, and
 * positions go on from the piece before. Only where no such cut exists (a
 * word longer than half the chunk) is the chunk cut at a space, else at a
 * character boundary (cut_point). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_cmd.h"
#include "ix_cli.h"
#include "fahras/analyze.h"
#include "fahras/err.h"
#include "fahras/stdfd.h"
#include "fahras/utf8.h"

#define CHUNK_MAX (1u << 20) /* longest piece analyzed at once from stdin */
#define CUT_TRIES 8          /* token starts stable_cut() tries before giving up */

static void usage(FILE *f)
{
    fputs("usage: fahras-indexer analyze [--stemmer S] [--no-guard] [TEXT...]\n"
          "\n"
          "Analyze TEXT (or standard input, line by line) and print one token per line:\n"
          "  offset<TAB>length<TAB>surface<TAB>normalized<TAB>stem<TAB>position<TAB>flags\n"
          "offset/length are bytes in the original input (the surface shows each byte of\n"
          "invalid UTF-8 in it as U+FFFD; TEXT arguments are one text,\n"
          "joined by spaces; standard input is counted from its first byte across\n"
          "lines); position counts words, from 0 on each line of standard input (a line\n"
          "longer than 1 MiB is analyzed in pieces, cut between words where the pieces\n"
          "give the tokens of the whole line; only a word longer than 512 KiB is cut);\n"
          "flags: stop whole part latin num alt, or -.\n"
          "\n"
          "Options may come before or after TEXT; every argument after -- is TEXT (one\n"
          "that starts with -- too: analyze -- --x).\n"
          "\n"
          "Options:\n"
          "  --stemmer S   light10 (default), light10+sb, light10-noguard, snowball or none,\n"
          "                as for build. With light10+sb each word that has an alternative\n"
          "                stem is followed by a second line, flagged alt, with that stem in\n"
          "                the stem column: the index holds it as the term 0x01 + stem, at\n"
          "                the same position (the field length counts the word once)\n"
          "  --no-guard    without the guarded proclitic rule: light10 as light10-noguard\n"
          "                (with another stemmer a usage error: no index has it)\n"
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

/* Where to cut a piece of `len` bytes that has no newline and no
 * stable_cut: after the last ASCII space in its last half, else at the last
 * UTF-8 character boundary. */
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

/* The position after the last of tokens t[0..n), counted from `pos`: where a
 * piece that continues their text starts counting. */
static uint64_t next_position(const fh_token *t, size_t n, uint64_t pos)
{
    uint64_t next = pos;
    for (size_t i = 0; i < n; i++) /* a whole mixed token shares its first part's */
        if (pos + t[i].position + 1 > next)
            next = pos + t[i].position + 1;
    return next;
}

/* Write the surface s[0..n) as valid UTF-8: the bytes as they are, each one
 * that does not start a well-formed sequence as U+FFFD (as build repairs
 * a record). */
static void write_surface(const char *s, size_t n, FILE *out)
{
    const unsigned char *p = (const unsigned char *)s;
    while (n > 0) {
        size_t k = fh_utf8_check((const char *)p, n);
        fwrite(p, 1, k, out);
        if (k == n)
            break;
        fputs("\xEF\xBF\xBD", out);
        p += k + 1;
        n -= k + 1;
    }
}

/* Print tokens t[0..n) of `text` (their offsets count from it), offsets
 * counted from `base` and positions from `pos`. */
static int print_tokens(const fh_token *t, size_t n, const char *text, uint64_t base, uint64_t pos,
                        FILE *out)
{
    for (size_t i = 0; i < n; i++) {
        /* the word, then (light10+sb) the word again under its alt term,
         * shown without the FH_ALT_PREFIX byte and flagged alt */
        for (int alt = 0; alt <= (t[i].alt_len > 0); alt++) {
            fprintf(out, "%llu\t%u\t", (unsigned long long)(base + t[i].offset), t[i].length);
            write_surface(text + t[i].offset, t[i].length, out);
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

/* Analyze text and print its tokens, offsets counted from `base` and
 * positions from `pos`; *next_pos (may be NULL) gets next_position(). */
static int run(fh_analysis *s, const char *text, size_t len, uint64_t base, uint64_t pos,
               uint64_t *next_pos, FILE *out)
{
    const fh_token *t;
    size_t n;
    int rc = fh_analyze(s, text, len, &t, &n);
    if (rc != 0)
        return rc;
    if (next_pos)
        *next_pos = next_position(t, n, pos);
    return print_tokens(t, n, text, base, pos, out);
}

/* Whether token a is token b, whose text starts `off` bytes and whose
 * positions start `pos` words further on. */
static bool same_token(const fh_token *a, const fh_token *b, uint32_t off, uint32_t pos)
{
    return a->offset + off == b->offset && a->length == b->length &&
           a->position + pos == b->position && a->flags == b->flags && a->norm_len == b->norm_len &&
           a->stem_len == b->stem_len && a->alt_len == b->alt_len &&
           memcmp(a->norm, b->norm, a->norm_len) == 0 &&
           memcmp(a->stem, b->stem, a->stem_len) == 0 && memcmp(a->alt, b->alt, a->alt_len) == 0;
}

/* Whether fh_analyze() of text[from, to) gives tokens w[0..n) (tokens of a
 * text that holds it at offset `from`), positions counted from `pos`. */
static int gives(fh_analysis *s, const char *text, size_t from, size_t to, const fh_token *w,
                 size_t n, uint32_t pos, bool *same)
{
    const fh_token *t;
    size_t nt;
    int rc = fh_analyze(s, text + from, to - from, &t, &nt);
    *same = rc == 0 && nt == n;
    for (size_t i = 0; *same && i < n; i++)
        *same = same_token(&t[i], &w[i], (uint32_t)from, pos);
    return rc;
}

/* A cut of buf[0..len), whose tokens are w->toks, that analyzing the two
 * sides apart does not change: the start of a token in the first half (the
 * last of CUT_TRIES that qualify), before which [0, cut) gives the tokens
 * w->toks[0..*nbefore) and after which [cut, len) gives the others. Joins
 * and lookahead reach a few words at most, so what follows buf cannot reach
 * back across the half behind the cut. 0 when there is none. */
static int stable_cut(fh_analysis *s, const char *buf, size_t len, const fh_token_copy *w,
                      size_t *cut, size_t *nbefore)
{
    const fh_token *t = w->toks;
    size_t k = w->ntoks, tries = 0;
    *cut = 0;
    while (k > 0 && t[k - 1].offset > len / 2)
        k--;
    for (; k > 0 && tries < CUT_TRIES; k--) {
        size_t at = t[k - 1].offset, i = k - 1;
        if (at == 0 || (i > 0 && t[i - 1].offset == at))
            continue; /* not the first token at its offset */
        tries++;
        bool same;
        int rc = gives(s, buf, 0, at, t, i, 0, &same);
        if (rc == 0 && same) {
            uint64_t pos = next_position(t, i, 0);
            rc = gives(s, buf, at, len, t + i, w->ntoks - i, (uint32_t)pos, &same);
        }
        if (rc != 0)
            return rc;
        if (same) {
            *cut = at;
            *nbefore = i;
            return 0;
        }
    }
    return 0;
}

/* Analyze and print the first piece of buf[0..len), a part of a longer line
 * whose positions count from *pos: up to a stable_cut, else up to
 * cut_point(). *used gets the piece's length, *pos where the rest counts from. */
static int run_piece(fh_analysis *s, const char *buf, size_t len, uint64_t base, uint64_t *pos,
                     fh_token_copy *w, size_t *used, FILE *out)
{
    const fh_token *t;
    size_t n, cut, nbefore = 0; /* set with a cut (cut > 0) */
    int rc = fh_analyze(s, buf, len, &t, &n);
    if (rc == 0)
        rc = fh_analysis_copy(s, w);
    if (rc == 0)
        rc = stable_cut(s, buf, len, w, &cut, &nbefore);
    if (rc != 0)
        return rc;
    if (cut == 0) {
        *used = cut_point(buf, len);
        return run(s, buf, *used, base, *pos, pos, out);
    }
    *used = cut;
    rc = print_tokens(w->toks, nbefore, buf, base, *pos, out);
    *pos = next_position(w->toks, nbefore, *pos);
    return rc;
}

static int run_stdin(fh_analysis *s, FILE *in, FILE *out)
{
    char *buf = malloc(CHUNK_MAX);
    fh_token_copy whole = {0}; /* a cut line's chunk, while stable_cut() asks about it */
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
        if (start == 0 && eof && have > 0) {
            rc = run(s, buf, have, base, pos, &pos, out);
            start = have;
        } else if (start == 0 && have == CHUNK_MAX) {
            rc = run_piece(s, buf, have, base, &pos, &whole, &start, out);
        }
        if (rc != 0)
            goto out;
        memmove(buf, buf + start, have - start);
        have -= start;
        base += start;
    }
out:
    fh_token_copy_free(&whole);
    free(buf);
    return rc;
}

/* parse_args() results */
enum { ARGS_OK, ARGS_HELP, ARGS_BAD };

/* Append word to the TEXT joined so far in text[0..*len) (*nwords words),
 * a space between two words. */
static void add_word(char *text, size_t *len, int *nwords, const char *word)
{
    size_t l = strlen(word);
    if ((*nwords)++ > 0)
        text[(*len)++] = ' ';
    memcpy(text + *len, word, l);
    *len += l;
}

/* Read the arguments: options into *opts, the words of TEXT joined by
 * spaces into text (room for every argument and a byte after each), their
 * length in *len and their count in *nwords. Options may follow TEXT, as
 * build's follow its INPUTs (getopt permutes so), and every argument after
 * "--" is TEXT, one that starts with "--" too. ARGS_OK, ARGS_HELP, or
 * ARGS_BAD once a usage error is said. */
static int parse_args(int argc, char **argv, fh_analyzer_opts *opts, char *text, size_t *len,
                      int *nwords)
{
    bool no_guard = false, options = true;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (!options) {
            add_word(text, len, nwords, arg);
        } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            return ARGS_HELP;
        } else if (strcmp(arg, "--stemmer") == 0 || strncmp(arg, "--stemmer=", 10) == 0) {
            if (arg[9] == '\0' && i + 1 == argc) {
                fprintf(stderr, "analyze: option --stemmer needs a value\n");
                usage(stderr);
                return ARGS_BAD;
            }
            /* the names of `build --stemmer` (and fahras-searchd's); --stemmer=NAME
               as build takes it */
            const char *v = arg[9] == '=' ? arg + 10 : argv[++i];
            if (fh_analyzer_opts_by_name(v, opts) != 0) {
                char shown[ARG_SHOWN];
                fprintf(stderr,
                        "analyze: unknown stemmer '%s' (light10, light10+sb, "
                        "light10-noguard, snowball or none)\n",
                        fh_report_text(shown, sizeof shown, v, strlen(v)));
                usage(stderr);
                return ARGS_BAD;
            }
        } else if (strcmp(arg, "--no-guard") == 0) {
            no_guard = true;
        } else if (strcmp(arg, "--") == 0) {
            options = false;
        } else if (arg[0] == '-' && arg[1] == '-') {
            char shown[ARG_SHOWN];
            fprintf(stderr, "analyze: unknown option '%s'\n",
                    fh_report_text(shown, sizeof shown, arg, strlen(arg)));
            usage(stderr);
            return ARGS_BAD;
        } else {
            add_word(text, len, nwords, arg);
        }
    }
    opts->no_proclitic_guard = opts->no_proclitic_guard || no_guard;
    if (no_guard && (opts->stemmer != FH_STEM_LIGHT10 || opts->alt_stems)) {
        /* light10+sb without the guard is no index's analyzer; snowball and
           none have no guard to turn off */
        fprintf(stderr, "analyze: --no-guard goes with light10 only (as light10-noguard)\n");
        usage(stderr);
        return ARGS_BAD;
    }
    return ARGS_OK;
}

int fh_cmd_analyze(int argc, char **argv, bool stdin_closed)
{
    fh_analyzer_opts opts = {.stemmer = FH_STEM_LIGHT10};
    fh_analyzer *a = NULL;
    fh_analysis *s = NULL;
    size_t room = 1, len = 0;
    int nwords = 0, status = EXIT_INDEX, rc;

    for (int k = 0; k < argc; k++)
        room += strlen(argv[k]) + 1;
    char *text = malloc(room);
    if (text == NULL) {
        rc = FH_ENOMEM;
        goto out;
    }
    switch (parse_args(argc, argv, &opts, text, &len, &nwords)) {
    case ARGS_HELP:
        usage(stdout);
        rc = 0;
        goto flush; /* > /dev/full is an output error here too */
    case ARGS_BAD:
        free(text);
        return EXIT_USAGE;
    }
    rc = fh_analyzer_new(&opts, &a);
    if (rc == 0)
        rc = fh_analysis_new(a, &s);
    if (rc != 0)
        goto out;
    if (nwords > 0)
        rc = run(s, text, len, 0, 0, NULL, stdout);
    else if (stdin_closed) /* what is there now is /dev/null: no input */
        rc = FH_EINPUT;
    else
        rc = run_stdin(s, stdin, stdout);
flush:
    if (rc == 0 || rc == FH_EIO) {
        /* FH_EIO: run() saw a write fail (stdio dropped the buffer); this says it */
        if (fh_output_finish(stdout, stderr, "analyze", rc ? errno : 0) == 0)
            status = EXIT_OK;
        goto done;
    }
out:
    if (rc == FH_EINPUT) {
        fprintf(stderr, "analyze: cannot read standard input: %s\n",
                stdin_closed ? "it is closed" : strerror(errno));
        status = EXIT_INPUT;
    } else {
        fprintf(stderr, "analyze: %s\n", fh_strerror(rc));
    }
done:
    free(text);
    fh_analysis_free(s);
    fh_analyzer_free(a);
    return status;
}
