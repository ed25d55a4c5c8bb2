/* ix_cli.h — what the command line's two files (main.c and analyze_cmd.c)
 * share, so that each command echoes an argument and exits the same way.
 * Private to indexer/; nothing here touches an index. */
#ifndef FAHRAS_IX_CLI_H
#define FAHRAS_IX_CLI_H

/* Bytes of the buffer in which a message echoes an argument, as
 * fh_report_text() shows it (one line of valid UTF-8; a longer one is cut,
 * marked "..."). */
#define ARG_SHOWN 128

/* Exit statuses of every command (documented in each --help). */
enum {
    EXIT_OK = 0,
    EXIT_USAGE = 1,
    EXIT_INPUT = 2, /* an input (a file, standard input) cannot be read */
    EXIT_INDEX = 3, /* the index, or another I/O error (the output too) */
};

#endif /* FAHRAS_IX_CLI_H */
