/* stdfd.h — descriptors 0, 1 and 2: at program start, and standard output
 * at the end of a command that writes its answer there.
 *
 * A program started with standard input, output or error closed would have
 * the first files it opens land on those numbers: the index read as standard
 * input, log lines written into a socket or an internal pipe. Both programs
 * call fh_std_fds_guard() first thing in main(), before anything is opened.
 * No ownership: the /dev/null descriptors it opens stay open for the life of
 * the process, as standard descriptors do. */
#ifndef FAHRAS_STDFD_H
#define FAHRAS_STDFD_H

#include <stdbool.h>
#include <stdio.h>

/* Put /dev/null on each of descriptors 0, 1 and 2 that is closed. All three
 * are opened read-only: a write to standard output or error still fails with
 * EBADF, as it would on the closed descriptor, so a program that reports a
 * failed write (a dump into a closed output) keeps doing so. *stdin_closed
 * (may be NULL) says whether 0 was closed, for a command that reads it to say
 * so rather than read /dev/null's empty input. Not thread-safe: call it before
 * any thread starts. Returns 0, or -1 (errno set) when /dev/null cannot be
 * opened or does not land on the closed descriptor. */
int fh_std_fds_guard(bool *stdin_closed);

/* Flush out and tell whether everything written to it arrived: 0, or -1
 * after "WHO: cannot write the output: REASON" on err (a closed pipe, a full
 * disk), so that --help or a dump redirected to a file that could not take
 * it does not exit as a success. seen: the errno of an earlier failed write,
 * or 0 (stdio drops its buffer when a write fails, so the flush may succeed
 * with the stream's error flag set). REASON is the flush's errno, else seen,
 * else "write error". Neither stream is closed. */
int fh_output_finish(FILE *out, FILE *err, const char *who, int seen);

/* fh_output_finish(stdout, stderr, prog, errno): for a program that writes
 * a few lines and notes no errno of its own (the last failed write's is
 * still in errno when nothing ran since). */
int fh_stdout_finish(const char *prog);

#endif /* FAHRAS_STDFD_H */
