/* main.c — fahras-searchd: parse the settings, build the server, run it.
 *
 * Exit status: 0 after a clean SIGTERM/SIGINT/SIGHUP shutdown, --help or
 * --version, 2 for a usage error (a bad flag or config file, --listen
 * included), 1 when the server could not start (or a closed standard
 * descriptor could not be given /dev/null, or the output of --help or
 * --version could not be written).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <event2/thread.h>

#include "config.h"
#include "fahras/analyze.h"
#include "fahras/index.h"
#include "fahras/stdfd.h"
#include "log.h"
#include "server.h"

int main(int argc, char **argv)
{
    static fh_srv_config cfg; /* ~12 KiB of paths: not on the stack */
    char err[1024];
    /* before anything is opened: a closed 2 would otherwise be taken by the
     * index or an internal pipe, and every log line written into it */
    if (fh_std_fds_guard(NULL) != 0) {
        fprintf(stderr,
                "fahras-searchd: a standard descriptor is closed and /dev/null cannot "
                "be opened onto it: %s\n",
                strerror(errno));
        return 1;
    }
    fh_srv_config_default(&cfg);
    if (fh_srv_config_parse(&cfg, argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "fahras-searchd: %s\n", err);
        return 2;
    }
    if (cfg.help) {
        fh_srv_config d;
        fh_srv_config_default(&d);
        fh_server_rank_defaults(&d);
        fh_srv_config_usage(stdout, "fahras-searchd", &d);
        return fh_stdout_finish("fahras-searchd") == 0 ? 0 : 1;
    }
    if (cfg.version) {
        printf("fahras-searchd %s (index format %u, analyzer version %s)\n", FAHRAS_VERSION,
               FH_FORMAT_VERSION, fh_analyzer_version(NULL));
        return fh_stdout_finish("fahras-searchd") == 0 ? 0 : 1;
    }
    if (!cfg.index_dir[0]) {
        fprintf(stderr, "fahras-searchd: --index DIR is required (see --help)\n");
        return 2;
    }
    fh_log_set_level(cfg.log_level);
    /* a client that hangs up must not kill the daemon */
    signal(SIGPIPE, SIG_IGN);
    if (evthread_use_pthreads() != 0) {
        FH_LOG_ERR("libevent has no pthreads support");
        return 1;
    }
    fh_server *s = NULL;
    if (fh_server_new(&cfg, &s) != 0)
        return 1;
    int rc = fh_server_run(s);
    fh_server_free(s);
    return rc == 0 ? 0 : 1;
}
