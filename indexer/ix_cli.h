/* ix_cli.h — what the command line's two files (main.c and analyze_cmd.c)
 * share, so that each command echoes an argument the same way. Private to
 * indexer/; nothing here touches an index. */
#ifndef FAHRAS_IX_CLI_H
#define FAHRAS_IX_CLI_H

/* Bytes of the buffer in which a message echoes an argument, as
 * fh_report_text() shows it (one line of valid UTF-8; a longer one is cut,
 * marked "..."). */
#define ARG_SHOWN 128

#endif /* FAHRAS_IX_CLI_H */
