/* analyze_cmd.h — `fahras-indexer analyze`: print the analyzer's tokens.
 *
 * A debugging aid for "why did this document (not) match": one token per line,
 * tab-separated offset, length, original surface, normalized form, stem, flags.
 * Owned by the analyzer module; indexer/main.c only dispatches to it. */
#ifndef FAHRAS_INDEXER_ANALYZE_CMD_H
#define FAHRAS_INDEXER_ANALYZE_CMD_H

#include <stdbool.h>

/* argv holds the arguments after the word "analyze" (argv[0] is the first of
 * them; argc may be 0). TEXT is the non-option arguments joined by spaces
 * (options may follow them; every argument after "--" is TEXT), or standard
 * input read line by line when there are none (a line longer than 1 MiB in
 * pieces cut where they give the tokens of the whole line, see
 * analyze_cmd.c). The surface column is valid UTF-8: a byte of invalid UTF-8
 * is written as U+FFFD. Options: --stemmer
 * light10|light10+sb|light10-noguard|snowball|none, --no-guard (with light10
 * only), --help. stdin_closed: standard input was closed when the process
 * started (the caller has put /dev/null there), so it cannot be read.
 * Returns a process exit status, as the other commands do: 0 ok, 1 usage
 * error, 2 standard input cannot be read (or is closed), 3 the output
 * (--help's too) cannot be written or another error (out of memory). */
int fh_cmd_analyze(int argc, char **argv, bool stdin_closed);

#endif /* FAHRAS_INDEXER_ANALYZE_CMD_H */
