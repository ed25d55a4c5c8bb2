/* analyze_main.c — stand-alone `fahras-analyze` driver for the analyzer
 * debugging command, so the bench scripts do not depend on fahras-indexer.
 * Same arguments and output as `fahras-indexer analyze`. */
#include "analyze_cmd.h"

int main(int argc, char **argv)
{
    return fh_cmd_analyze(argc - 1, argv + 1, false); /* a bench: its stdin is open */
}
