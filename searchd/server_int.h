/* server_int.h — structures shared by server.c (network) and commands.c
 * (request execution). Private to fahras-searchd; nothing outside searchd/
 * includes it.
 *
 * Threads: the main thread owns the listener, the signals and the reload
 * timer; worker i owns its event base, its connections, its fh_searcher and
 * the fh_wstats it writes. Cross-thread state is limited to the atomics and
 * the ref_lock below.
 */
#ifndef FAHRAS_SEARCHD_SERVER_INT_H
#define FAHRAS_SEARCHD_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "engine.h"
#include "fahras/buf.h"
#include "proto.h"
#include "stats.h"
#include "vet.h"

struct event_base;
struct event;
struct evconnlistener;
struct bufferevent;

/* An analyzer and the generations opened with it: each holds a reference,
 * and the last release frees it. The one chosen at start serves until a
 * re-published index built with another analyzer brings its own (--stemmer
 * auto). */
/* A warning that may recur many times a second, logged at most once per
 * 10 s with the number of times it happened since (rate_log_due). */
typedef struct fh_rate_log {
    uint64_t logged_us; /* when it was last logged; 0: never */
    uint64_t unlogged;  /* times it happened since, this one included */
} fh_rate_log;

typedef struct fh_analyzer_ref {
    fh_analyzer *an;
    _Atomic uint32_t refs;
} fh_analyzer_ref;

/* One open index. The server holds a reference to the current generation;
 * every worker holds one to the generation its searcher was made on. The
 * last release frees the engine, then drops its analyzer's reference. */
typedef struct fh_engine_ref {
    fh_engine *engine;
    fh_analyzer_ref *an; /* the analyzer the engine was opened with */
    _Atomic uint32_t refs;
    uint64_t generation; /* 1, 2, ... */
    uint64_t index_id;   /* fh_engine_index_id() */
} fh_engine_ref;

typedef struct fh_conn fh_conn;
typedef struct fh_worker fh_worker;

typedef struct fh_server {
    fh_srv_config cfg;
    fh_rank_params rank;
    fh_proto_limits limits;

    struct event_base *base; /* main thread */
    struct evconnlistener *listener;
    /* ev_hup is NULL when SIGHUP was ignored at start (nohup) */
    struct event *ev_term, *ev_int, *ev_hup, *ev_reload, *ev_relisten;
    struct event *ev_child; /* SIGCHLD: the vet of a re-published file ended */
    int spare_fd;        /* reserve descriptor, or -1 (server.c: refuse_past_limit) */
    char bound[128];     /* "127.0.0.1:7700" as actually bound */
    unsigned bound_port; /* the port drawn for port 0 */
    /* the --port-file this server wrote: only that file is removed at exit */
    dev_t port_file_dev;
    ino_t port_file_ino;

    uint32_t n_workers;
    fh_worker **workers;
    uint32_t next_worker;

    _Atomic uint64_t conns;    /* open connections over all workers */
    _Atomic uint64_t rejected; /* refused by the connection cap */
    _Atomic int64_t out_queued; /* reply bytes in output buffers over all connections */

    /* Generations: `current` and `generation` change together under
     * ref_lock; workers read `generation` lock-free between requests and take
     * the lock only when it moved, to pin the new current with a reference. */
    pthread_mutex_t ref_lock;
    fh_engine_ref *_Atomic current;
    _Atomic uint64_t generation;
    _Atomic uint64_t reloads, reload_failures;
    uint64_t failed_id;    /* index id whose open failed (main thread only) */
    uint64_t failed_at_us; /* when */
    unsigned failed_times; /* its failures in a row, counted up to the retry delay's cap */
    bool failed_for_good;  /* corrupt, other format or analyzer: not retried */
    bool index_missing;    /* DIR/index.mdb was gone at the last check (logged once) */
    fh_vet vet;            /* the walk of a re-published file (main thread only) */
    unsigned engine_fds;   /* descriptors a generation holds open (fit_fd_limit) */

    /* connections refused by the cap, and accept() failures (no descriptors
       left; those refused through spare_fd among them): each logged at most
       once per 10 s (main thread only) */
    fh_rate_log rejects, accept_errors;

    int64_t started_wall;     /* Unix seconds */
    uint64_t started_mono_us; /* monotonic */
    _Atomic bool stopping;
    int stop_sig;                  /* the signal that started the stop (main thread only) */
    uint64_t stop_sig_us;          /* when it was handled, monotonic */
    _Atomic uint32_t workers_done; /* worker threads that have finished */
    _Atomic uint32_t conns_cut;    /* connections closed at the end with replies
                                      not all sent (drain timeout, second signal) */

    /* start-up handshake with the workers */
    pthread_mutex_t start_lock;
    pthread_cond_t start_cond;
    uint32_t started, start_failed;
} fh_server;

struct fh_worker {
    fh_server *srv;
    unsigned id;
    pthread_t thread;
    bool thread_started;
    struct event_base *base;
    int pipe_rd, pipe_wr; /* main -> worker: accepted fds and wake-ups */
    struct event *ev_notify, *ev_drain_deadline;
    struct event *ev_trim; /* gives a closed backlog's heap back (server.c) */
    _Atomic bool want_refresh, want_drain;
    bool draining;

    fh_engine_ref *ref; /* generation of `searcher` */
    fh_searcher *searcher;
    uint64_t gen;

    fh_buf reply;   /* one reply, reused */
    fh_buf errmsg;  /* engine error message, reused */
    fh_conn *conns; /* doubly linked list of open connections */
    fh_wstats *stats;
};

/* commands.c: execute one parsed request, append its reply (one JSON object,
 * no newline) to w->reply. Returns 0 for a normal reply, -1 when the reply is
 * an error object. Sets *quit for QUIT. */
int fh_cmd_execute(fh_worker *w, const fh_request *req, bool *quit);

/* server.c: make sure w->searcher is on the current generation (between
 * requests only). */
void fh_worker_refresh(fh_worker *w);

uint64_t fh_now_us(void);

#endif /* FAHRAS_SEARCHD_SERVER_INT_H */
