/* server.h — the fahras-searchd network server.
 *
 * Owns the listening socket, the worker threads (one libevent base each), the
 * connections, the open index generations and the signal handling. The
 * protocol itself is in proto.h; command execution in commands.c.
 *
 * Life cycle: fh_server_new() opens the index and binds the listener (so a
 * bad address or a missing index fails before anything runs),
 * fh_server_run() starts the workers and blocks until SIGTERM, SIGINT or
 * SIGHUP has been handled and every worker has drained, fh_server_free()
 * releases all.
 */
#ifndef FAHRAS_SEARCHD_SERVER_H
#define FAHRAS_SEARCHD_SERVER_H

#include "config.h"

typedef struct fh_server fh_server;

/* Build a server from a validated config. Returns 0, or a negative FH_E*
 * code after logging why. */
int fh_server_new(const fh_srv_config *cfg, fh_server **out);

/* Serve until SIGTERM, SIGINT or SIGHUP (all three stop the server; SIGHUP
 * is left ignored if it was ignored at start), then stop accepting, answer
 * the requests already received, flush and return 0. A negative FH_E* code
 * if the workers could not start. */
int fh_server_run(fh_server *s);

void fh_server_free(fh_server *s);

/* Fill cfg's ranking settings left unset (k1, the weights: < 0; prf_docs,
 * prf_terms: 0) with the engine's defaults, which fh_server_new would use:
 * for --help, which shows them (config.c cannot reach the engine). */
void fh_server_rank_defaults(fh_srv_config *cfg);

#endif /* FAHRAS_SEARCHD_SERVER_H */
