/* server.c — listener, worker threads, connections, hot reload, shutdown.
 *
 * Threads and hand-off: the main thread runs one event base with the
 * listener, the signal events and the reload timer. Accepted sockets are
 * passed round-robin to N workers by writing the fd into the worker's pipe;
 * each worker runs its own event base and owns its connections from then on.
 * We chose one listener plus pipes over an evconnlistener per worker with
 * SO_REUSEPORT because (1) the kernel's SO_REUSEPORT spreads by a hash of the
 * peer address, not by load, so a few clients can pile up on one worker;
 * (2) the connection cap is then checked in exactly one place, without a race
 * between listeners; (3) stopping on SIGTERM is one evconnlistener_free(), and
 * port 0 needs no second bind to the port the first listener drew. The pipe
 * costs one 4-byte write per connection, not per request.
 *
 * Connections: a request is read, framed (proto.h), executed and answered
 * within one read callback, so replies are in order and no request is ever
 * half-done when a worker looks at its pipe. Memory per connection is bounded:
 * the input by the read high-water mark plus the framer's one line, the
 * output by max_output (reading pauses above it until the client catches up).
 * Over all connections, unread replies are bounded by max_total_output
 * (out_account_cb, conn_over_budget): many clients that stop reading cannot
 * add up to more memory than the budget plus one reply each.
 * A client that sends half a line and waits holds only its own buffers.
 * What a connection that held a large backlog leaves in the heap is given
 * back to the system shortly after it closes (worker_trim_cb).
 * The replies of a turn are written at its end (conn_flush), without waiting
 * for the next poll; only what the socket does not take is left to the
 * bufferevent's write event.
 *
 * Timeouts (--idle-timeout, conn_idle_cb): a connection with no reply on its
 * way and no request to answer is closed when it has been idle that long
 * since its last complete request line or its last delivered reply, so bytes
 * trickled without a newline do not keep it open; one with replies on their
 * way is closed only if its client acknowledged none of their bytes for that
 * long: one that stopped reading is closed, and so can be a reader too slow
 * to reopen its TCP window within that time (see conn_idle_cb).
 *
 * Hot reload: see fh_worker_refresh() and reload_cb().
 */
#include "server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#ifdef __linux__
#include <linux/sockios.h> /* SIOCOUTQ */
#endif
#ifdef __GLIBC__
#include <malloc.h> /* malloc_trim */
#endif
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "fahras/err.h"
#include "fahras/index.h"
#include "log.h"
#include "server_int.h"

#define READ_HIGH_WATER (64u * 1024u)
/* One connection's turn on its worker: at most this many requests or this
 * much time (at least one request), then the others get theirs. */
#define TURN_MAX_LINES 64u
#define TURN_MAX_US 2000u
#define REPLY_KEEP (1u << 20) /* bytes of reply buffer a worker keeps between requests */
#define NOTIFY_WAKE (-1)      /* pipe message: look at want_refresh / want_drain */
#define LINGER_US 2000000u    /* conn_linger: how long a closed connection discards input */
/* A connection that once held this many unread reply bytes makes its worker
 * trim the heap TRIM_DELAY_US after it closes (worker_trim_cb). */
#define TRIM_PEAK_BYTES (1 << 20)
#define TRIM_DELAY_US 200000u

struct fh_conn {
    fh_worker *w;
    struct bufferevent *bev;
    struct event *ev_resume; /* continues a deep pipeline after other clients */
    fh_framer fr;
    fh_conn *prev, *next;
    bool paused;  /* reading stopped until the output drains */
    bool closing; /* QUIT, EOF or drain: free once the output is flushed */
    bool eof;     /* the client closed its side: answer what is buffered, then close */
    bool lingering;                   /* replies sent and the write side shut: see conn_linger */
    bool input_left;                  /* conn_finish discarded input (past QUIT): linger */
    struct event *ev_linger;          /* ends the lingering */
    struct evbuffer_cb_entry *out_cb; /* keeps out_queued in step with the output buffer */
    struct evbuffer_cb_entry *in_cb;  /* counts the bytes read (in_count_cb) */
    int64_t out_accounted;            /* this connection's share of srv->out_queued */
    int64_t out_peak;                 /* the most unread reply bytes it ever held */
    /* --idle-timeout (conn_idle_cb); ev_idle is NULL with --idle-timeout 0 */
    struct event *ev_idle;
    uint64_t active_us;   /* last complete request line, or when the output last emptied */
    uint64_t out_written; /* reply bytes handed to the kernel, ever */
    uint64_t received;    /* out_written minus the kernel's unacked bytes, at progress_us */
    uint64_t progress_us; /* last check that found the client had received more */
    bool busy;            /* the last check found replies or requests pending */
};

uint64_t fh_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ------------------------------------------------------------ generations */

/* A reference to analyzer a, which it takes over (freed if out of memory). */
static fh_analyzer_ref *an_ref_new(fh_analyzer *a)
{
    fh_analyzer_ref *r = calloc(1, sizeof *r);
    if (!r) {
        fh_analyzer_free(a);
        return NULL;
    }
    r->an = a;
    atomic_init(&r->refs, 1);
    return r;
}

static void an_ref_release(fh_analyzer_ref *r)
{
    if (r && atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) == 1) {
        fh_analyzer_free(r->an);
        free(r);
    }
}

/* Generation `generation` of engine e, opened with analyzer ar: both are
 * taken over (freed and released if out of memory, returning NULL). */
static fh_engine_ref *ref_new(fh_engine *e, fh_analyzer_ref *ar, uint64_t generation)
{
    fh_engine_ref *r = calloc(1, sizeof *r);
    if (!r) {
        fh_engine_free(e);
        an_ref_release(ar);
        return NULL;
    }
    r->engine = e;
    r->an = ar;
    atomic_init(&r->refs, 1);
    r->generation = generation;
    r->index_id = fh_engine_index_id(e);
    return r;
}

static void ref_release(fh_engine_ref *r)
{
    if (!r)
        return;
    if (atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) == 1) {
        FH_LOG_INFO("index generation %llu closed", (unsigned long long)r->generation);
        fh_engine_free(r->engine);
        an_ref_release(r->an);
        free(r);
    }
}

/* Pin the current generation. The lock makes "load current, take a
 * reference" atomic with respect to reload_cb()'s "swap, drop the server's
 * reference", so a generation is never freed between the two steps. It is
 * taken only when the generation moved, not per request. */
static fh_engine_ref *ref_acquire_current(fh_server *s)
{
    pthread_mutex_lock(&s->ref_lock);
    fh_engine_ref *r = atomic_load_explicit(&s->current, memory_order_relaxed);
    if (r)
        atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&s->ref_lock);
    return r;
}

void fh_worker_refresh(fh_worker *w)
{
    fh_server *s = w->srv;
    if (atomic_load_explicit(&s->generation, memory_order_acquire) == w->gen && w->searcher)
        return;
    fh_engine_ref *r = ref_acquire_current(s);
    if (!r)
        return;
    if (r == w->ref) {
        w->gen = r->generation;
        ref_release(r);
        return;
    }
    fh_searcher *se = NULL;
    int rc = fh_searcher_new(r->engine, &se);
    if (rc) {
        /* keep serving the previous generation; try again at the next one */
        FH_LOG_ERR("worker %u: cannot open a searcher on generation %llu: %s", w->id,
                   (unsigned long long)r->generation, fh_strerror(rc));
        w->gen = r->generation;
        ref_release(r);
        return;
    }
    fh_searcher_free(w->searcher);
    ref_release(w->ref);
    w->searcher = se;
    w->ref = r;
    w->gen = r->generation;
    FH_LOG_DEBUG("worker %u: now on generation %llu", w->id, (unsigned long long)w->gen);
}

static void worker_wake(fh_worker *w)
{
    int msg = NOTIFY_WAKE;
    /* EAGAIN: the pipe is full, so the worker will wake up anyway */
    ssize_t n = write(w->pipe_wr, &msg, sizeof msg);
    (void)n;
}

/* The analyzer an index was built with, as its meta records it. */
typedef struct built_an {
    char name[sizeof(((fh_index_meta *)0)->analyzer_name)];
    char version[sizeof(((fh_index_meta *)0)->analyzer_version)];
} built_an;

/* The analyzer the index in dir was built with, into *out. Returns 0 or the
 * error of opening the index (*out is then all empty strings). */
static int index_analyzer(const char *dir, built_an *out)
{
    memset(out, 0, sizeof *out);
    fh_index *ix = NULL;
    int rc = fh_index_open(dir, NULL, NULL, &ix);
    if (rc != 0)
        return rc;
    const fh_index_meta *m = fh_index_get_meta(ix);
    snprintf(out->name, sizeof out->name, "%s", m->analyzer_name);
    snprintf(out->version, sizeof out->version, "%s", m->analyzer_version);
    fh_index_close(ix);
    return 0;
}

/* The analyzer of a --stemmer name (fh_stemmer_names). */
static int make_analyzer(const char *name, fh_analyzer **out)
{
    fh_analyzer_opts ao;
    memset(&ao, 0, sizeof ao);
    int rc = fh_analyzer_opts_by_name(name, &ao);
    return rc ? rc : fh_analyzer_new(&ao, out);
}

/* A new analyzer like the one the index in dir was built with, into *out
 * (the caller's), and what the index records of it into *built. Returns 0,
 * FH_EANALYZER when this build has none of that name and version, or the
 * error of opening the index. */
static int analyzer_for_index(const char *dir, fh_analyzer **out, built_an *built)
{
    *out = NULL;
    int rc = index_analyzer(dir, built);
    if (rc != 0)
        return rc;
    const char *stemmer = fh_stemmer_for_index(built->name, built->version);
    return stemmer ? make_analyzer(stemmer, out) : FH_EANALYZER;
}

/* Main thread: the file id's open (or vet) failed; for_good when it is not
 * to be tried again (only a new file is). A passing failure is tried again
 * after fh_vet_retry_delay_us(failed_times): 5 s after the first, twice as
 * long after each further one, up to 5 min (each try walks the whole file).
 * Returns whether to log it: the file's first failure (counted once in
 * reload_failures), a retry of a passing failure that now fails for good, or
 * the retry whose failure brings the delay to its cap (once: the retries go
 * on from then at that pace); other retries fail silently. */
static bool reload_failed(fh_server *s, uint64_t id, bool for_good)
{
    bool retried = id == s->failed_id;
    bool became_final = retried && for_good && !s->failed_for_good;
    s->failed_id = id;
    s->failed_at_us = fh_now_us();
    s->failed_for_good = for_good;
    if (retried) {
        if (for_good)
            return became_final; /* a passing failure, now final: say why */
        if (fh_vet_retry_delay_us(s->failed_times) == FH_VET_RETRY_MAX_US)
            return false; /* retried at the cap's pace, silently */
        s->failed_times++;
        return fh_vet_retry_delay_us(s->failed_times) == FH_VET_RETRY_MAX_US; /* reached it */
    }
    s->failed_times = 1;
    atomic_fetch_add_explicit(&s->reload_failures, 1, memory_order_relaxed);
    return true;
}

/* For the log line of a passing failure (reload_failed): when the file is
 * tried again, as "; tried again in 5 s", into buf. */
static const char *retry_note(const fh_server *s, char *buf, size_t size)
{
    const uint64_t delay = fh_vet_retry_delay_us(s->failed_times);
    if (delay == FH_VET_RETRY_MAX_US)
        snprintf(buf, size, "; failed %u times in a row, tried again every %llu s from now",
                 s->failed_times, (unsigned long long)(delay / 1000000u));
    else
        snprintf(buf, size, "; tried again in %llu s", (unsigned long long)(delay / 1000000u));
    return buf;
}

/* Main thread, every reload_interval_ms: a new DIR/index.mdb (the indexer
 * renamed a new file into place) becomes the next generation. Requests in
 * flight finish on the generation they started on; each worker moves to the
 * new one before its next request (or at once, when woken), and the old
 * engine is closed by whoever drops the last reference. A new file is walked
 * in a child process first (vet.h): the open waits for the walk, which
 * SIGCHLD (child_cb) or the next tick reports, and a damaged file is never
 * opened here. */
static void reload_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    fh_server *s = arg;
    uint64_t id = fh_index_file_id(s->cfg.index_dir);
    fh_engine_ref *cur = atomic_load_explicit(&s->current, memory_order_relaxed);
    fh_vet_reap(&s->vet);
    if (s->vet.pid > 0 && s->vet.file_id != id)
        fh_vet_cancel(&s->vet); /* its file is gone, replaced or back to the served one */
    if (id == 0) {
        /* Deleted or moved away: keep serving what is mapped, and say so once. */
        if (!s->index_missing) {
            s->index_missing = true;
            char path[FH_SRV_PATH_MAX + 16];
            snprintf(path, sizeof path, "%s/" FH_INDEX_FILE, s->cfg.index_dir);
            struct stat st;
            FH_LOG_WARN("%s cannot be read (%s); still serving generation %llu, and the next "
                        "index published there is picked up",
                        path, stat(path, &st) != 0 ? strerror(errno) : "not a regular file",
                        (unsigned long long)(cur ? cur->generation : 0));
        }
        return;
    }
    if (s->index_missing) {
        s->index_missing = false;
        if (cur && id == cur->index_id)
            FH_LOG_INFO("%s/" FH_INDEX_FILE " is back: the file of generation %llu",
                        s->cfg.index_dir, (unsigned long long)cur->generation);
    }
    if (cur && id == cur->index_id)
        return;
    /* A file that failed to open for good (corrupt, another format or
     * analyzer) is not tried again: only a new file is. One that failed for a
     * passing reason (memory, descriptors) is retried less and less often
     * (reload_failed). */
    const uint64_t wait_us = fh_vet_retry_delay_us(s->failed_times);
    if (id == s->failed_id && (s->failed_for_good || fh_now_us() - s->failed_at_us < wait_us))
        return;
    if (!cur)
        return; /* not before generation 1 */
    if (s->vet.pid == 0) {
        int vrc = fh_vet_start(&s->vet, s->cfg.index_dir, id);
        char again[96];
        if (vrc && reload_failed(s, id, false))
            FH_LOG_WARN("re-published index in %s not opened: cannot start the process that "
                        "vets it (%s)%s; still serving generation %llu",
                        s->cfg.index_dir, fh_strerror(vrc), retry_note(s, again, sizeof again),
                        (unsigned long long)cur->generation);
        return;
    }
    fh_vet_result vr;
    fh_vet_poll(&s->vet, 0, &vr);
    if (vr.state == FH_VET_RUNNING)
        return;
    if (vr.state == FH_VET_DAMAGED || vr.state == FH_VET_FAILED) {
        const bool damaged = vr.state == FH_VET_DAMAGED;
        if (fh_index_file_id(s->cfg.index_dir) != id)
            return; /* replaced while it was walked: the next check walks the newest */
        if (reload_failed(s, id, damaged)) {
            char again[96];
            if (damaged)
                FH_LOG_WARN("re-published index in %s not opened: the file is damaged (%s); "
                            "build it again; still serving generation %llu",
                            s->cfg.index_dir, vr.why, (unsigned long long)cur->generation);
            else
                FH_LOG_WARN("re-published index in %s not opened: vetting it failed (%s)%s; "
                            "still serving generation %llu",
                            s->cfg.index_dir, vr.why, retry_note(s, again, sizeof again),
                            (unsigned long long)cur->generation);
        }
        return;
    }
    /* FH_VET_OK, or FH_VET_UNOPENED: the open below says why */
    /* The analyzer of the current generation, or with --stemmer auto the one
     * a re-published index of another analyzer was built with. */
    fh_engine *e = NULL;
    uint64_t t0 = fh_now_us();
    fh_analyzer_ref *ar = cur->an;
    atomic_fetch_add_explicit(&ar->refs, 1, memory_order_relaxed);
    int rc = fh_engine_open(s->cfg.index_dir, ar->an, &s->rank, &e);
    built_an built = {0};
    const bool follow = strcmp(s->cfg.stemmer, "auto") == 0;
    if (rc == FH_EANALYZER && follow) {
        fh_analyzer *a = NULL;
        int rc2 = analyzer_for_index(s->cfg.index_dir, &a, &built);
        if (rc2 == 0) {
            fh_analyzer_ref *nr = an_ref_new(a);
            if (nr) {
                an_ref_release(ar);
                ar = nr;
                rc = fh_engine_open(s->cfg.index_dir, ar->an, &s->rank, &e);
            } else {
                rc = FH_ENOMEM;
            }
        } else if (rc2 != FH_EANALYZER) {
            rc = rc2;
        }
    }
    if (rc) {
        an_ref_release(ar);
        if (fh_index_file_id(s->cfg.index_dir) != id) {
            /* re-published again while this one was opened (with --stemmer
               auto the file is read up to three times): the failure may be
               a mix of two files; the next check tries the newest */
            FH_LOG_DEBUG("re-published index in %s replaced while it was opened (%s)",
                         s->cfg.index_dir, fh_strerror(rc));
            return;
        }
        const bool for_good = rc == FH_ECORRUPT || rc == FH_EVERSION || rc == FH_EANALYZER;
        if (!reload_failed(s, id, for_good))
            return; /* counted once per file, logged as reload_failed says */
        if (rc == FH_EANALYZER &&
            (built.name[0] || index_analyzer(s->cfg.index_dir, &built) == 0)) {
            if (follow)
                FH_LOG_WARN("re-published index in %s not opened: built with analyzer %s %s, "
                            "which this build lacks (its analyzers are version %s; rebuild the "
                            "index with this version's fahras-indexer build); still serving "
                            "generation %llu",
                            s->cfg.index_dir, built.name, built.version, fh_analyzer_version(NULL),
                            (unsigned long long)cur->generation);
            else
                FH_LOG_WARN("re-published index in %s not opened: built with analyzer %s %s, "
                            "while --stemmer %s is %s %s (--stemmer auto follows the index); "
                            "still serving generation %llu",
                            s->cfg.index_dir, built.name, built.version, s->cfg.stemmer,
                            fh_analyzer_name(ar->an), fh_analyzer_version(ar->an),
                            (unsigned long long)cur->generation);
        } else {
            char why[256], again[96];
            FH_LOG_WARN("re-published index in %s not opened (%s)%s; still serving generation %llu",
                        s->cfg.index_dir,
                        fh_index_open_reason(rc, s->cfg.index_dir, why, sizeof why),
                        for_good ? "" : retry_note(s, again, sizeof again),
                        (unsigned long long)(cur ? cur->generation : 0));
        }
        return;
    }
    if (fh_engine_index_id(e) != id) {
        /* another file was renamed in after the walk: not vetted, not served;
           the next check walks it */
        fh_engine_free(e);
        an_ref_release(ar);
        return;
    }
    fh_engine_ref *r = ref_new(e, ar, cur->generation + 1);
    if (!r)
        return;
    if (ar != cur->an)
        FH_LOG_INFO("re-published index in %s was built with analyzer %s %s (generation %llu: "
                    "%s %s): queries of the new generation are analyzed alike",
                    s->cfg.index_dir, fh_analyzer_name(ar->an), fh_analyzer_version(ar->an),
                    (unsigned long long)cur->generation, fh_analyzer_name(cur->an->an),
                    fh_analyzer_version(cur->an->an));
    pthread_mutex_lock(&s->ref_lock);
    atomic_store_explicit(&s->current, r, memory_order_relaxed);
    atomic_store_explicit(&s->generation, r->generation, memory_order_release);
    pthread_mutex_unlock(&s->ref_lock);
    ref_release(cur);
    /* a file refused before this one is a new file if it comes back (moved
       away and back): counted, logged and retried from the first delay */
    s->failed_id = 0;
    s->failed_times = 0;
    s->failed_for_good = false;
    atomic_fetch_add_explicit(&s->reloads, 1, memory_order_relaxed);
    const fh_index_meta *m = fh_engine_meta(e);
    FH_LOG_INFO("index re-published: generation %llu, %u documents, opened in %llu us",
                (unsigned long long)r->generation, m ? m->n_docs : 0u,
                (unsigned long long)(fh_now_us() - t0));
    for (uint32_t i = 0; i < s->n_workers; i++) {
        atomic_store_explicit(&s->workers[i]->want_refresh, true, memory_order_relaxed);
        worker_wake(s->workers[i]);
    }
}

/* Main thread, on SIGCHLD: a vet may have ended; go on with its reload. */
static void child_cb(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    fh_server *s = arg;
    if (s->vet.pid > 0 && !atomic_load_explicit(&s->stopping, memory_order_relaxed))
        reload_cb(-1, what, s); /* reaps too */
    else
        fh_vet_reap(&s->vet); /* a walk killed earlier (cancelled, or past its limit) */
}

/* ------------------------------------------------------------ connections */

static void conn_free(fh_conn *c)
{
    fh_worker *w = c->w;
    if (c->prev)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->ev_resume)
        event_free(c->ev_resume);
    if (c->ev_idle)
        event_free(c->ev_idle);
    if (c->ev_linger)
        event_free(c->ev_linger);
    if (c->out_cb)
        evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->out_cb);
    if (c->in_cb)
        evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->in_cb);
    atomic_fetch_sub_explicit(&w->srv->out_queued, c->out_accounted, memory_order_relaxed);
    if (c->out_peak >= TRIM_PEAK_BYTES && w->ev_trim) {
        /* (re)armed: a burst of such closes ends in one trim */
        struct timeval tv = {0, TRIM_DELAY_US};
        evtimer_add(w->ev_trim, &tv);
    }
    bufferevent_free(c->bev); /* closes the socket */
    fh_framer_fini(&c->fr);
    free(c);
    fh_stat_add(&w->stats->connections, (uint64_t)-1);
    atomic_fetch_sub_explicit(&w->srv->conns, 1, memory_order_relaxed);
    if (w->draining && !w->conns)
        event_base_loopexit(w->base, NULL);
}

/* Output buffer callback: every byte added to or written out of a connection's
 * output moves srv->out_queued, the server-wide total of unread replies. The
 * moment the output runs empty starts the idle clock (conn_idle_cb). Bytes
 * leave the output only when written to the socket, so they count in STATS
 * bytes.out then: a reply dropped at a close is never counted as sent. */
static void out_account_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    (void)buf;
    fh_conn *c = arg;
    int64_t d = (int64_t)info->n_added - (int64_t)info->n_deleted;
    if (d) {
        c->out_accounted += d;
        if (c->out_accounted > c->out_peak)
            c->out_peak = c->out_accounted;
        atomic_fetch_add_explicit(&c->w->srv->out_queued, d, memory_order_relaxed);
    }
    if (info->n_deleted) {
        c->out_written += info->n_deleted;
        fh_stat_add(&c->w->stats->bytes_out, info->n_deleted);
        if (info->orig_size + info->n_added == info->n_deleted)
            c->active_us = fh_now_us();
    }
}

/* Input buffer callback: STATS bytes.in counts every byte read from the
 * socket, whether a request line, the discarded rest of an over-long line,
 * input past QUIT or what a lingering connection discards. */
static void in_count_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    (void)buf;
    fh_conn *c = arg;
    if (info->n_added)
        fh_stat_add(&c->w->stats->bytes_in, info->n_added);
}

/* Whether c must stop answering until its client reads: its own unread
 * replies reached max_output, or it has unread replies while the server as a
 * whole holds max_total_output of them. A client that keeps reading (empty
 * output) is never held back by the others, and one that stopped reading
 * adds at most one more reply once the total is over its budget. */
static bool conn_over_budget(const fh_conn *c, size_t olen)
{
    const fh_srv_config *cfg = &c->w->srv->cfg;
    if (olen >= cfg->max_output_bytes)
        return true;
    return olen > 0 && atomic_load_explicit(&c->w->srv->out_queued, memory_order_relaxed) >=
                           (int64_t)cfg->max_total_output_bytes;
}

/* Append one reply line (w->reply + "\n") to the connection's output. */
static void conn_reply(fh_conn *c, bool is_error, uint64_t t0, bool search)
{
    fh_worker *w = c->w;
    if (fh_buf_addc(&w->reply, '\n') != 0) {
        /* at max: the reply cannot be terminated, send an error instead */
        fh_buf_reset(&w->reply);
        fh_proto_error_json(&w->reply, fh_errcode(FH_ELIMIT), "reply too large");
        fh_buf_addc(&w->reply, '\n');
        is_error = true;
    }
    struct evbuffer *out = bufferevent_get_output(c->bev);
    if (evbuffer_add(out, w->reply.data, w->reply.len) != 0)
        FH_LOG_WARN("worker %u: cannot queue a reply (out of memory)", w->id);
    fh_wstats *st = w->stats;
    fh_stat_add(&st->requests, 1);
    if (is_error)
        fh_stat_add(&st->errors, 1);
    uint64_t dt = fh_now_us() - t0;
    fh_lathist_record(&st->lat_all, dt);
    if (search)
        fh_lathist_record(&st->lat_search, dt);
}

static void conn_line(fh_conn *c, const char *line, size_t len)
{
    fh_worker *w = c->w;
    /* STATS latency is service time: from here, not from the line's arrival
     * (the wait behind earlier lines or a full output is not in it) */
    uint64_t t0 = fh_now_us();
    c->active_us = t0; /* a complete request: not idle */
    fh_request req;
    fh_proto_error perr;
    bool quit = false, is_error, search;
    fh_buf_reset(&w->reply);
    bool parsed = fh_request_parse(line, len, &w->srv->limits, &req, &perr) == 0;
    /* counted per verb, errors included: a SEARCH refused for an option is
     * a search like one the engine refuses (before it runs: a STATS counts
     * itself) */
    if (req.cmd < FH_CMD_COUNT_)
        fh_stat_add(&w->stats->by_cmd[req.cmd], 1);
    search = req.cmd == FH_CMD_SEARCH;
    if (!parsed) {
        fh_proto_error_json(&w->reply, perr.code, perr.message);
        is_error = true;
    } else {
        is_error = fh_cmd_execute(w, &req, &quit) != 0;
    }
    conn_reply(c, is_error, t0, search);
    if (w->reply.cap > REPLY_KEEP)
        fh_buf_free(&w->reply); /* one huge reply does not pin its memory */
    if (w->searcher)
        fh_searcher_trim(w->searcher); /* nor the documents it was made of */
    if (quit)
        c->closing = true;
}

/* Send the queued replies now, not after the next poll. The write event is
 * enabled only while the socket has not taken everything (conn_write_cb turns
 * it off once the output is empty), so a reply that fits the socket, nearly
 * every one, costs a single writev: no epoll_ctl to watch for "writable" and
 * back, and no extra wakeup. A failed write is left to the bufferevent, which
 * meets the error again and reports it to conn_event_cb. */
static void conn_flush(fh_conn *c)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    /* with EV_WRITE on, the socket was full at the last flush and the write
     * callback sends the rest once it has room: a write now would only meet
     * EAGAIN (after a pause, or in conn_finish, then in conn_process) */
    if (evbuffer_get_length(out) == 0 || (bufferevent_get_enabled(c->bev) & EV_WRITE))
        return;
    /* a bufferevent keeps its output's front frozen; its own write callback
     * thaws it the same way around each write */
    evbuffer_unfreeze(out, 1);
    (void)evbuffer_write(out, bufferevent_getfd(c->bev));
    evbuffer_freeze(out, 1);
    if (evbuffer_get_length(out) > 0)
        bufferevent_enable(c->bev, EV_WRITE);
}

static void conn_linger_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    conn_free(arg);
}

/* Close c, whose replies are all handed to the kernel, without losing them.
 * Closing a socket that still holds unread input makes the kernel send a
 * reset, and a reset makes the client's kernel drop the replies its
 * application has not read yet: a client that pipelined requests past QUIT,
 * or was still sending when SIGTERM came, would lose answered requests. So
 * when input is waiting, the write side is shut (the client reads every
 * reply, then end of stream) and the input is read and discarded until the
 * client closes or LINGER_US passes (conn_finish, conn_event_cb). Input
 * already read past QUIT counts too (input_left): the kernel's buffer may be
 * empty now, but a client that pipelined past QUIT is likely still sending.
 * Returns true if c was freed now. */
static bool conn_linger(fh_conn *c)
{
    evutil_socket_t fd = bufferevent_getfd(c->bev);
    int unread = 0;
    if (c->eof || ioctl(fd, FIONREAD, &unread) != 0 || (unread <= 0 && !c->input_left) ||
        shutdown(fd, SHUT_WR) != 0 ||
        (c->ev_linger = evtimer_new(c->w->base, conn_linger_cb, c)) == NULL) {
        conn_free(c);
        return true;
    }
    const struct timeval tv = {(time_t)(LINGER_US / 1000000u), (suseconds_t)(LINGER_US % 1000000u)};
    evtimer_add(c->ev_linger, &tv);
    c->lingering = true;
    bufferevent_enable(c->bev, EV_READ);
    return false;
}

/* Stop answering and close the connection once its output is flushed (while
 * lingering: discard what was read). Returns true if it was freed now. */
static bool conn_finish(fh_conn *c)
{
    c->closing = true;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    if (evbuffer_get_length(in) > 0 && !c->lingering)
        c->input_left = true;
    evbuffer_drain(in, evbuffer_get_length(in));
    if (c->lingering)
        return false;
    bufferevent_disable(c->bev, EV_READ);
    conn_flush(c);
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
        return conn_linger(c);
    return false;
}

static void conn_resume_cb(evutil_socket_t fd, short what, void *arg);

/* Answer the complete requests in the input, in order, until the output
 * holds max_output bytes (then pause reading until the client catches up) or
 * this connection's turn is over. Returns true if c was freed. */
static bool conn_answer(fh_conn *c)
{
    fh_worker *w = c->w;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    struct evbuffer *out = bufferevent_get_output(c->bev);
    unsigned lines = 0;
    uint64_t turn_start = fh_now_us();
    while (!c->closing) {
        if (lines && (lines >= TURN_MAX_LINES || fh_now_us() - turn_start >= TURN_MAX_US)) {
            /* fairness: a deep pipeline yields to the worker's other
             * connections. A zero timeout runs after the next poll, so
             * sockets that became readable meanwhile go first (an
             * event_active() or deferred callback would run in this same
             * pass, before any poll). While draining too: the drain
             * deadline and a second signal act between turns. */
            static const struct timeval now = {0, 0};
            if (!c->ev_resume)
                c->ev_resume = evtimer_new(w->base, conn_resume_cb, c);
            if (c->ev_resume && evtimer_add(c->ev_resume, &now) == 0)
                return false;
        }
        if (conn_over_budget(c, evbuffer_get_length(out)))
            conn_flush(c); /* the client may have room for it now */
        if (conn_over_budget(c, evbuffer_get_length(out))) {
            /* while draining too: the requests already taken in wait for
               the client to read (conn_write_cb resumes), up to the drain
               deadline */
            if (!c->paused) {
                c->paused = true;
                bufferevent_disable(c->bev, EV_READ);
            }
            return false;
        }
        struct evbuffer_iovec v;
        if (evbuffer_peek(in, -1, NULL, &v, 1) < 1 || v.iov_len == 0)
            break;
        size_t used = 0, len = 0;
        const char *line = NULL;
        fh_frame_ev ev = fh_framer_feed(&c->fr, v.iov_base, v.iov_len, &used, &line, &len);
        switch (ev) {
        case FH_FRAME_LINE:
            conn_line(c, line, len);
            lines++;
            break;
        case FH_FRAME_TOO_LONG: {
            uint64_t t0 = fh_now_us();
            char msg[96];
            snprintf(msg, sizeof msg, "request line longer than %zu bytes", c->fr.max_line);
            fh_buf_reset(&w->reply);
            fh_proto_error_json(&w->reply, FH_PCODE_LINE_TOO_LONG, msg);
            fh_stat_add(&w->stats->line_too_long, 1);
            conn_reply(c, true, t0, false);
            break;
        }
        case FH_FRAME_NOMEM:
            FH_LOG_WARN("worker %u: out of memory framing a request; closing", w->id);
            conn_free(c);
            return true;
        case FH_FRAME_MORE:
            break;
        }
        evbuffer_drain(in, used);
    }
    /* here the input holds no complete line */
    if (c->closing || w->draining || c->eof)
        return conn_finish(c);
    return false;
}

/* conn_answer, then send the replies (conn_flush). Returns true if c was
 * freed. */
static bool conn_process(fh_conn *c)
{
    if (conn_answer(c))
        return true;
    conn_flush(c);
    return false;
}

static void conn_resume_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    fh_conn *c = arg;
    if (!c->paused)
        conn_process(c);
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    conn_process(arg);
}

/* Output drained to the low-water mark (or empty). */
static void conn_write_cb(struct bufferevent *bev, void *arg)
{
    fh_conn *c = arg;
    const bool drained = evbuffer_get_length(bufferevent_get_output(bev)) == 0;
    if (drained)
        bufferevent_disable(bev, EV_WRITE); /* until conn_flush meets a full socket */
    if (c->closing) {
        if (drained)
            conn_finish(c);
        return;
    }
    if (c->paused) {
        c->paused = false;
        if (!c->eof && !c->w->draining) /* a drain answers what it took in */
            bufferevent_enable(bev, EV_READ);
        conn_process(c); /* lines may already be waiting in the input */
    }
}

/* Reply bytes the kernel holds for c that the client has not yet received
 * (SIOCOUTQ: unsent or unacknowledged). 0 where it cannot tell. */
static size_t conn_kernel_unacked(const fh_conn *c)
{
#ifdef SIOCOUTQ
    int n = 0;
    if (ioctl(bufferevent_getfd(c->bev), SIOCOUTQ, &n) == 0 && n > 0)
        return (size_t)n;
#else
    (void)c;
#endif
    return 0;
}

/* The idle timer, one per connection (--idle-timeout SEC, here `limit`).
 *
 * A connection is busy while a reply of it waits to be delivered (in its
 * output buffer, or sent but not yet received by the client's kernel) or a
 * complete request of it waits to be answered (paused, or its turn yielded).
 * Otherwise it is idle, and it is closed once it has been idle for SEC: the
 * clock starts at its last complete request line, at the moment its output
 * buffer last ran empty, or at the first check that found it no longer busy,
 * whichever is latest (never early). Bytes of a line that is not complete
 * (trickled, or the discarded rest of an over-long line) do not count.
 *
 * A busy connection is closed only if its client acknowledged none of its
 * reply bytes for SEC (it stopped reading). The poll's "writable" is not used
 * for that, as the kernel reports it only once a third of the send buffer is
 * free, which a slow reader may take longer than SEC to make. The client's
 * acknowledgements are all this side can see: one that reads a few KiB at a
 * time reopens its receive window only every few tens of KiB, so a reader
 * slower than that per SEC looks stopped and is closed (PROTOCOL.md says so).
 *
 * The timer looks every SEC/4 (or when the time left runs out, if sooner),
 * so a request never has to move it; a change of state is seen at most SEC/4
 * late, which only ever delays a close: a stalled client is closed between
 * SEC and 1.25 SEC after its last progress. */
static void conn_idle_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    fh_conn *c = arg;
    const uint64_t limit = (uint64_t)c->w->srv->cfg.idle_timeout_s * 1000000u;
    uint64_t now = fh_now_us(), left;
    size_t unacked = conn_kernel_unacked(c);
    bool busy = c->paused || unacked > 0 ||
                evbuffer_get_length(bufferevent_get_output(c->bev)) > 0 ||
                (c->ev_resume && evtimer_pending(c->ev_resume, NULL));
    if (busy) {
        /* bytes the client's kernel took; it grows only if the client reads */
        uint64_t received = c->out_written > unacked ? c->out_written - unacked : 0;
        if (!c->busy || received != c->received) {
            c->busy = true;
            c->received = received;
            c->progress_us = now;
        } else if (now - c->progress_us >= limit) {
            FH_LOG_DEBUG("worker %u: closing a connection whose client has read none of its "
                         "replies for %u s",
                         c->w->id, (unsigned)c->w->srv->cfg.idle_timeout_s);
            fh_stat_add(&c->w->stats->idle_closed, 1);
            conn_free(c);
            return;
        }
        left = c->progress_us + limit - now;
    } else {
        if (c->busy) {
            c->busy = false;
            if (c->active_us < now)
                c->active_us = now;
        }
        uint64_t idle = now > c->active_us ? now - c->active_us : 0;
        if (idle >= limit) {
            FH_LOG_DEBUG("worker %u: closing an idle connection", c->w->id);
            fh_stat_add(&c->w->stats->idle_closed, 1);
            conn_free(c);
            return;
        }
        left = limit - idle;
    }
    uint64_t next = left < limit / 4 ? left : limit / 4;
    struct timeval tv = {(time_t)(next / 1000000u), (suseconds_t)(next % 1000000u)};
    evtimer_add(c->ev_idle, &tv);
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    fh_conn *c = arg;
    if (c->lingering) {
        conn_free(c); /* the client closed (or reset) after reading the replies */
        return;
    }
    if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
        /* the client closed its side: answer the complete requests still
         * buffered (possibly over several turns), flush, then close */
        c->eof = true;
        bufferevent_disable(c->bev, EV_READ);
        if (!c->paused)
            conn_process(c);
        return;
    }
    conn_free(c);
}

static void conn_new(fh_worker *w, int fd)
{
    fh_server *s = w->srv;
    fh_conn *c = calloc(1, sizeof *c);
    struct bufferevent *bev = c ? bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE) : NULL;
    if (!bev) {
        FH_LOG_WARN("worker %u: out of memory accepting a connection", w->id);
        free(c);
        close(fd);
        atomic_fetch_sub_explicit(&s->conns, 1, memory_order_relaxed);
        return;
    }
    c->w = w;
    c->bev = bev;
    fh_framer_init(&c->fr, s->cfg.max_line);
    c->next = w->conns;
    if (w->conns)
        w->conns->prev = c;
    w->conns = c;
    fh_stat_add(&w->stats->connections, 1);
    fh_stat_add(&w->stats->accepted, 1);
    c->out_cb = evbuffer_add_cb(bufferevent_get_output(bev), out_account_cb, c);
    c->in_cb = evbuffer_add_cb(bufferevent_get_input(bev), in_count_cb, c);
    bufferevent_setcb(bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
    bufferevent_setwatermark(bev, EV_READ, 0, READ_HIGH_WATER);
    bufferevent_setwatermark(bev, EV_WRITE, s->cfg.max_output_bytes / 2, 0);
    c->active_us = fh_now_us();
    if (s->cfg.idle_timeout_s) {
        /* not bufferevent_set_timeouts(): its read timeout restarts on
         * every byte received, its write timeout on every "writable" */
        uint64_t quarter = (uint64_t)s->cfg.idle_timeout_s * 250000u;
        struct timeval tv = {(time_t)(quarter / 1000000u), (suseconds_t)(quarter % 1000000u)};
        c->ev_idle = evtimer_new(w->base, conn_idle_cb, c);
        if (!c->ev_idle || evtimer_add(c->ev_idle, &tv) != 0) {
            FH_LOG_WARN("worker %u: out of memory accepting a connection", w->id);
            conn_free(c);
            return;
        }
    }
    /* a new bufferevent starts with EV_WRITE enabled: see conn_flush */
    bufferevent_disable(bev, EV_WRITE);
    bufferevent_enable(bev, EV_READ);
}

/* ------------------------------------------------------------ workers */

static void drain_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    fh_worker *w = arg;
    FH_LOG_WARN("worker %u: drain timeout; dropping the connections still open", w->id);
    event_base_loopexit(w->base, NULL);
}

/* A stop signal: answer what every client has already sent, flush, close. */
static void worker_drain(fh_worker *w)
{
    if (w->draining)
        return;
    w->draining = true;
    if (!w->conns) {
        event_base_loopexit(w->base, NULL);
        return;
    }
    /* armed first: answering the requests below yields to the event loop
     * between turns (conn_answer), so the deadline bounds that work too */
    struct timeval tv = {(time_t)w->srv->cfg.drain_timeout_s, 0};
    w->ev_drain_deadline = evtimer_new(w->base, drain_deadline_cb, w);
    if (w->ev_drain_deadline)
        evtimer_add(w->ev_drain_deadline, &tv);
    /* Take in what is already in each socket: those requests count as in
     * flight and get their replies. Nothing is read after this. A
     * bufferevent keeps its input's end frozen (it thaws it around its own
     * reads), so it is thawed for these reads as conn_flush does its output. */
    for (fh_conn *c = w->conns; c; c = c->next) {
        if (c->closing)
            continue;
        struct evbuffer *in = bufferevent_get_input(c->bev);
        evutil_socket_t fd = bufferevent_getfd(c->bev);
        evbuffer_unfreeze(in, 0);
        while (evbuffer_get_length(in) < READ_HIGH_WATER &&
               evbuffer_read(in, fd, (int)READ_HIGH_WATER) > 0)
            ;
        evbuffer_freeze(in, 0);
        bufferevent_disable(c->bev, EV_READ);
    }
    /* conn_process and conn_finish may free c: its successor is taken first */
    fh_conn *c = w->conns;
    while (c) {
        fh_conn *next = c->next;
        if (!c->closing) {
            c->paused = false;
            conn_process(c);
        } else {
            conn_finish(c);
        }
        c = next;
    }
}

static void worker_notify_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    fh_worker *w = arg;
    int msgs[64];
    for (;;) {
        ssize_t n = read(fd, msgs, sizeof msgs);
        if (n <= 0)
            break;
        for (size_t i = 0; i < (size_t)n / sizeof msgs[0]; i++) {
            if (msgs[i] < 0)
                continue;
            if (w->draining) {
                close(msgs[i]);
                atomic_fetch_sub_explicit(&w->srv->conns, 1, memory_order_relaxed);
            } else {
                conn_new(w, msgs[i]);
            }
        }
        if ((size_t)n < sizeof msgs)
            break;
    }
    if (atomic_exchange_explicit(&w->want_refresh, false, memory_order_relaxed))
        fh_worker_refresh(w);
    if (atomic_load_explicit(&w->want_drain, memory_order_relaxed))
        worker_drain(w);
}

static void *worker_main(void *arg)
{
    fh_worker *w = arg;
    fh_server *s = w->srv;
    fh_worker_refresh(w); /* the searcher is made on the thread that uses it */
    /* fault in its caches before the server listens, not in the first query;
     * a searcher made for a re-published index fills its cache lazily (made
     * before the old one is freed, it starts cold: docs/ANALYSIS.md §6) */
    if (w->searcher && fh_searcher_warm(w->searcher) != 0)
        FH_LOG_WARN("worker %u: no memory for the analyzer's cache; stemming without it", w->id);
    pthread_mutex_lock(&s->start_lock);
    s->started++;
    if (!w->searcher)
        s->start_failed++;
    pthread_cond_broadcast(&s->start_cond);
    pthread_mutex_unlock(&s->start_lock);
    if (w->searcher)
        event_base_dispatch(w->base);
    /* what is left: lingering connections (every reply sent) and, after a
       drain timeout or a second signal, those cut short */
    uint32_t cut = 0;
    for (fh_conn *c = w->conns; c; c = c->next)
        cut += !c->lingering;
    atomic_fetch_add_explicit(&s->conns_cut, cut, memory_order_relaxed);
    while (w->conns)
        conn_free(w->conns);
    fh_searcher_free(w->searcher);
    w->searcher = NULL;
    ref_release(w->ref);
    w->ref = NULL;
    /* the last worker out ends the main loop, which after a stop signal
       stayed up only to take a second one */
    if (atomic_fetch_add_explicit(&s->workers_done, 1, memory_order_acq_rel) + 1 == s->n_workers)
        event_base_loopexit(s->base, NULL);
    return NULL;
}

/* The replies a client left unread (up to --max-output each, up to
 * --max-total-output in all) are freed when it closes, but glibc keeps the
 * freed pages: after a burst of such clients the daemon stayed over 100 MB
 * above its resident size before it. malloc_trim hands them back; it runs
 * once a burst of closes is over, never on the path of a request. */
static void worker_trim_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
#ifdef __GLIBC__
    (void)malloc_trim(0);
#endif
}

static void worker_free(fh_worker *w)
{
    if (!w)
        return;
    if (w->ev_notify)
        event_free(w->ev_notify);
    if (w->ev_trim)
        event_free(w->ev_trim);
    if (w->ev_drain_deadline)
        event_free(w->ev_drain_deadline);
    if (w->base)
        event_base_free(w->base);
    if (w->pipe_rd >= 0)
        close(w->pipe_rd);
    if (w->pipe_wr >= 0)
        close(w->pipe_wr);
    fh_buf_free(&w->reply);
    fh_buf_free(&w->errmsg);
    free(w->stats);
    free(w);
}

static int worker_new(fh_server *s, unsigned id, fh_worker **out)
{
    fh_worker *w = calloc(1, sizeof *w);
    if (!w)
        return FH_ENOMEM;
    w->srv = s;
    w->id = id;
    w->pipe_rd = w->pipe_wr = -1;
    fh_buf_init(&w->reply, s->cfg.max_reply_bytes);
    fh_buf_init(&w->errmsg, 1024);
    /* own cache lines: workers never write each other's counters */
    size_t sz = (sizeof(fh_wstats) + 63u) & ~(size_t)63u;
    w->stats = aligned_alloc(64, sz);
    int fds[2];
    if (!w->stats || pipe(fds) != 0)
        goto fail;
    memset(w->stats, 0, sz);
    w->pipe_rd = fds[0];
    w->pipe_wr = fds[1];
    for (int i = 0; i < 2; i++) {
        fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    }
    w->base = event_base_new();
    if (!w->base)
        goto fail;
    w->ev_notify = event_new(w->base, w->pipe_rd, EV_READ | EV_PERSIST, worker_notify_cb, w);
    if (!w->ev_notify || event_add(w->ev_notify, NULL) != 0)
        goto fail;
    w->ev_trim = evtimer_new(w->base, worker_trim_cb, w); /* NULL: no trim */
    *out = w;
    return 0;
fail:
    worker_free(w);
    return FH_ENOMEM;
}

/* ------------------------------------------------------------ listener */

/* Refuse a connection with one error line, then close: over the cap, or
 * (fds) past the descriptor limit. The line is tiny and the socket buffer
 * empty, so a non-blocking send suffices. */
static void reject(fh_server *s, int fd, bool fds)
{
    atomic_fetch_add_explicit(&s->rejected, 1, memory_order_relaxed);
    char why[64], msg[192];
    if (fds)
        snprintf(why, sizeof why, "%llu open: the server's descriptor limit",
                 (unsigned long long)atomic_load_explicit(&s->conns, memory_order_relaxed));
    else
        snprintf(why, sizeof why, "max %u", (unsigned)s->cfg.max_connections);
    int n = snprintf(msg, sizeof msg,
                     "{\"error\":{\"code\":\"%s\",\"message\":\"too many connections (%s)\"}}\n",
                     FH_PCODE_TOO_MANY_CONNECTIONS, why);
    if (n > 0) {
        ssize_t k = send(fd, msg, (size_t)n, MSG_NOSIGNAL);
        (void)k;
    }
    shutdown(fd, SHUT_WR);
    close(fd);
}

/* Count one occurrence of r's warning; true when it is due (the first, or
 * 10 s after the last logged), with *n the occurrences it stands for. */
static bool rate_log_due(fh_rate_log *r, uint64_t *n)
{
    r->unlogged++;
    uint64_t now = fh_now_us();
    if (r->logged_us != 0 && now - r->logged_us < 10000000u)
        return false;
    *n = r->unlogged;
    r->logged_us = now;
    r->unlogged = 0;
    return true;
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg)
{
    (void)l;
    (void)sa;
    (void)salen;
    fh_server *s = arg;
    if (atomic_load_explicit(&s->conns, memory_order_relaxed) >= s->cfg.max_connections) {
        /* An operator needs to know the cap is being hit, but a flood of
         * refusals must not flood the log: one line per 10 s at most. */
        uint64_t n;
        if (rate_log_due(&s->rejects, &n))
            FH_LOG_WARN("connection refused: %u connections open (--max-connections); "
                        "%llu refused since the last such message",
                        (unsigned)s->cfg.max_connections, (unsigned long long)n);
        reject(s, fd, false);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* one small line per reply */
    atomic_fetch_add_explicit(&s->conns, 1, memory_order_relaxed);
    fh_worker *w = s->workers[s->next_worker++ % s->n_workers];
    int msg = fd;
    if (write(w->pipe_wr, &msg, sizeof msg) != (ssize_t)sizeof msg) {
        FH_LOG_WARN("worker %u is not taking connections; closing one", w->id);
        close(fd);
        atomic_fetch_sub_explicit(&s->conns, 1, memory_order_relaxed);
    }
}

static void relisten_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    fh_server *s = arg;
    if (s->listener)
        evconnlistener_enable(s->listener);
}

/* The descriptor kept in reserve, so that a connection past the descriptor
 * limit can still be accepted and refused (refuse_past_limit). */
static int open_spare(void)
{
    return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* accept() failed for want of a descriptor (EMFILE, ENFILE) with a client
 * waiting: give the spare descriptor's place to that client, refuse it with
 * too_many_connections, and take the spare back, so that clients past the
 * limit are answered and closed rather than left in the listen queue. One
 * client per call: the listener stays readable while more wait. If a
 * descriptor came free meanwhile (the spare could be taken back while the
 * client's is open), the client is served instead. Main thread only, like
 * reload_cb, which therefore never takes the spare's place; workers open no
 * descriptors. Returns 1 when a client was refused, 0 when none was (it was
 * served, or gave up, or none waits any more), -1 when it could not make
 * room (no spare: the caller pauses accepting). */
static int refuse_past_limit(fh_server *s, struct evconnlistener *l)
{
    if (s->spare_fd < 0 && (s->spare_fd = open_spare()) < 0)
        return -1;
    close(s->spare_fd);
    int fd = accept(evconnlistener_get_fd(l), NULL, NULL);
    int err = errno;
    s->spare_fd = open_spare();
    if (fd < 0) { /* none waiting any more, or one that gave up: nothing to pause for */
        bool gone = err == EAGAIN || err == ECONNABORTED || err == EINTR;
#if EWOULDBLOCK != EAGAIN
        gone = gone || err == EWOULDBLOCK;
#endif
        return gone ? 0 : -1;
    }
    if (evutil_make_socket_nonblocking(fd) != 0) {
        close(fd);
        return 0;
    }
    evutil_make_socket_closeonexec(fd);
    if (s->spare_fd >= 0) {
        accept_cb(l, fd, NULL, 0, s);
        return 0;
    }
    reject(s, fd, true);
    s->spare_fd = open_spare(); /* if this fails, the next call retries it */
    return 1;
}

/* accept() failed. Out of descriptors, the client is refused through the
 * spare descriptor (refuse_past_limit); otherwise, or without a spare, pause
 * accepting for 100 ms rather than spin on a listener that stays readable. */
static void accept_error_cb(struct evconnlistener *l, void *arg)
{
    fh_server *s = arg;
    int err = EVUTIL_SOCKET_ERROR();
    /* out of descriptors, it recurs for every client past the limit (or
       every 100 ms): one line per 10 s at most */
    bool fds = err == EMFILE || err == ENFILE;
    int refused = fds ? refuse_past_limit(s, l) : -1;
    if (refused >= 0) {
        uint64_t n;
        if (refused && rate_log_due(&s->accept_errors, &n))
            FH_LOG_WARN("accept: %s; refusing new clients with too_many_connections at %llu "
                        "open (%llu refused this way since the last such message; raise the "
                        "descriptor limit or lower --max-connections)",
                        evutil_socket_error_to_string(err),
                        (unsigned long long)atomic_load_explicit(&s->conns, memory_order_relaxed),
                        (unsigned long long)n);
        return;
    }
    uint64_t n;
    if (rate_log_due(&s->accept_errors, &n))
        FH_LOG_WARN("accept: %s; pausing for 100 ms (%llu such failures since the last such "
                    "message; new clients wait in the listen queue)",
                    evutil_socket_error_to_string(err), (unsigned long long)n);
    evconnlistener_disable(l);
    struct timeval tv = {0, 100000};
    evtimer_add(s->ev_relisten, &tv);
}

/* What is at a path, for the messages that refuse it. */
static const char *file_kind(mode_t m)
{
    if (S_ISLNK(m))
        return "a symbolic link";
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a regular file";
}

/* Publish the port in --port-file: written to PATH.tmp, then renamed over
 * PATH, so a reader never sees part of a number. Only a regular file (or
 * nothing) at PATH is replaced: a device, FIFO, directory or socket there is
 * refused, and so is a symbolic link (the rename would replace the link, not
 * write where it points; and a root server must not be steered by a link).
 * The file's device and inode are kept in s for remove_port_file(). Logs
 * why on failure. */
static int write_port_file(fh_server *s)
{
    const char *path = s->cfg.port_file;
    char tmp[FH_SRV_PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    struct stat st;
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        FH_LOG_ERR("cannot write --port-file %s: it is %s; it must be a regular file or not "
                   "exist (it is replaced, never written through)",
                   path, file_kind(st.st_mode));
        return -1;
    }
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
    int fd = open(tmp, flags, 0666);
    /* a regular PATH.tmp is one a killed server left behind */
    if (fd < 0 && errno == EEXIST && lstat(tmp, &st) == 0 && S_ISREG(st.st_mode) &&
        unlink(tmp) == 0)
        fd = open(tmp, flags, 0666);
    if (fd < 0) {
        int err = errno;
        const char *slash = strrchr(path, '/');
        int dir_len = !slash ? 1 : slash == path ? 1 : (int)(slash - path);
        const char *dir = slash ? path : ".";
        if (err == EACCES || err == EPERM || err == EROFS)
            FH_LOG_ERR("cannot write --port-file %s: its directory %.*s is not writable (%s); "
                       "the port is written to %s first, then renamed over the file",
                       path, dir_len, dir, strerror(err), tmp);
        else
            FH_LOG_ERR("cannot write --port-file %s: cannot create %s: %s", path, tmp,
                       strerror(err));
        return -1;
    }
    char num[16];
    int len = snprintf(num, sizeof num, "%u\n", s->bound_port);
    errno = EIO; /* a short write sets none; a close that succeeds keeps errno */
    bool ok = write(fd, num, (size_t)len) == len && fstat(fd, &st) == 0;
    if (close(fd) != 0)
        ok = false;
    if (!ok || rename(tmp, path) != 0) {
        FH_LOG_ERR("cannot write --port-file %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    s->port_file_dev = st.st_dev;
    s->port_file_ino = st.st_ino;
    return 0;
}

/* Remove the port file at a clean exit only if it is still the file this
 * server wrote (the same device and inode) and still names its port: one
 * put there since, or rewritten by another server, is left alone. */
static void remove_port_file(const fh_server *s)
{
    const char *path = s->cfg.port_file;
    char want[16], got[16] = {0};
    snprintf(want, sizeof want, "%u\n", s->bound_port);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    bool ours = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_dev == s->port_file_dev &&
                st.st_ino == s->port_file_ino;
    ssize_t n = ours ? read(fd, got, sizeof got - 1) : -1;
    close(fd);
    if (n == (ssize_t)strlen(want) && memcmp(got, want, (size_t)n) == 0 && unlink(path) != 0)
        FH_LOG_WARN("cannot remove --port-file %s: %s", path, strerror(errno));
}

/* Descriptors the server may open beyond those of an idle server (its spare
 * descriptor included) and its connections: the one a connection over
 * --max-connections holds while it is refused, and the index opened to read
 * its analyzer at a re-publish (--stemmer auto), besides the new
 * generation's own (engine_fds). */
#define FD_SLACK 2u

/* The descriptors open in this process, or -1 if it cannot tell: the entries
 * of /proc/self/fd less the one reading it, else a probe of every descriptor
 * below the limit (if the limit is under 2^20). */
static long count_open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        long n = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            n += e->d_name[0] != '.';
        closedir(d);
        return n > 0 ? n - 1 : -1;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur > (1u << 20))
        return -1;
    long n = 0;
    for (rlim_t fd = 0; fd < rl.rlim_cur; fd++)
        n += fcntl((int)fd, F_GETFD) != -1;
    return n;
}

/* --max-connections must fit the descriptor limit, or clients past it are
 * refused with too_many_connections (refuse_past_limit) before the cap is
 * reached. Called once the server is ready (listening, every worker started,
 * nothing accepted yet): what is open then is what an idle server holds, the
 * spare descriptor (spare_fd) among them, so the connections that fit are the
 * limit less that. Each connection adds one; a re-publish adds the new
 * generation's (engine_fds) while the old one is still open, and FD_SLACK
 * covers the rest. Raises the soft limit towards the hard one, and warns when
 * that is not enough. */
static void fit_fd_limit(fh_server *s)
{
    struct rlimit rl;
    long open_now = count_open_fds();
    if (open_now < 0 || getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    const rlim_t idle = (rlim_t)open_now, republish = s->engine_fds + FD_SLACK;
    rlim_t need = (rlim_t)s->cfg.max_connections + idle + republish;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        struct rlimit nl = rl;
        nl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
        if (nl.rlim_cur > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &nl) == 0)
            rl = nl;
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        rlim_t fit = rl.rlim_cur > idle ? rl.rlim_cur - idle : 0;
        FH_LOG_WARN("the descriptor limit (ulimit -n) is %llu, the hard limit %llu; the idle "
                    "server holds %llu: about %llu connections fit (%llu while a re-published "
                    "index is opened), not the %u of --max-connections; the clients past them "
                    "are refused with too_many_connections (raise the limit or lower "
                    "--max-connections)",
                    (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max,
                    (unsigned long long)idle, (unsigned long long)fit,
                    (unsigned long long)(fit > republish ? fit - republish : 0),
                    (unsigned)s->cfg.max_connections);
    }
}

static int open_listener(fh_server *s)
{
    char host[256], port[8];
    unsigned portnum;
    if (fh_srv_listen_split(s->cfg.listen, host, sizeof host, &portnum) != 0) {
        FH_LOG_ERR("--listen %s: expected HOST:PORT with PORT in 0..65535", s->cfg.listen);
        return FH_EINVAL;
    }
    snprintf(port, sizeof port, "%u", portnum);
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai != 0) {
        FH_LOG_ERR("--listen %s: %s", s->cfg.listen, gai_strerror(gai));
        return FH_EINVAL;
    }
    s->listener = evconnlistener_new_bind(
        s->base, accept_cb, s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
        1024, ai->ai_addr, (int)ai->ai_addrlen);
    freeaddrinfo(ai);
    if (!s->listener) {
        FH_LOG_ERR("cannot listen on %s: %s", s->cfg.listen, strerror(errno));
        return FH_EIO;
    }
    evconnlistener_set_error_cb(s->listener, accept_error_cb);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    unsigned bound_port = 0;
    char addr[INET6_ADDRSTRLEN] = "?";
    if (getsockname(evconnlistener_get_fd(s->listener), (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *in = (struct sockaddr_in *)&ss;
            bound_port = ntohs(in->sin_port);
            inet_ntop(AF_INET, &in->sin_addr, addr, sizeof addr);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
            bound_port = ntohs(in6->sin6_port);
            inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof addr);
        }
    }
    snprintf(s->bound, sizeof s->bound, ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr,
             bound_port);
    s->bound_port = bound_port;
    return 0;
}

/* ------------------------------------------------------------ signals */

/* A supervisor may send one stop request twice: GNU timeout signals its
 * child and then the child's process group, systemd the main process and then
 * its control group. Those copies come microseconds apart, but they are timed
 * here, when the main loop gets to them, which a loaded machine can delay by
 * a good fraction of a second; an operator who watches a drain hang and
 * signals again takes longer than a second. So the same signal again within
 * this window is the same request; after it, or another stop signal, cuts
 * the drain short. */
#define STOP_REPEAT_US 1000000u

static const char *signal_name(int sig)
{
    return sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "SIGINT";
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    fh_server *s = arg;
    uint64_t now = fh_now_us();
    if (atomic_exchange_explicit(&s->stopping, true, memory_order_relaxed)) {
        if (sig == s->stop_sig && now - s->stop_sig_us < STOP_REPEAT_US) {
            FH_LOG_INFO("%s again within 1 s of the first: the same request (a signal "
                        "after that stops waiting for clients)",
                        signal_name(sig));
            return;
        }
        FH_LOG_WARN("second signal: exiting without waiting for clients");
        for (uint32_t i = 0; i < s->n_workers; i++)
            event_base_loopexit(s->workers[i]->base, NULL);
        return;
    }
    s->stop_sig = sig;
    s->stop_sig_us = now;
    FH_LOG_INFO("%s: no longer accepting; answering requests in flight", signal_name(sig));
    if (s->listener) {
        evconnlistener_free(s->listener);
        s->listener = NULL;
    }
    if (s->ev_reload)
        event_del(s->ev_reload);
    if (s->ev_child)
        event_del(s->ev_child);
    fh_vet_cancel(&s->vet);
    for (uint32_t i = 0; i < s->n_workers; i++) {
        atomic_store_explicit(&s->workers[i]->want_drain, true, memory_order_relaxed);
        worker_wake(s->workers[i]);
    }
    /* the main loop keeps running for a second signal; the last worker to
       finish ends it (worker_main) and fh_server_run joins */
}

/* ------------------------------------------------------------ server */

/* Walk DIR/index.mdb in a child process before it is served (vet.h), and
 * wait for the walk. Returns FH_ECORRUPT (logged) when the file is damaged,
 * else 0, with *vetted the file id walked (0 when no walk ran or it could not
 * open the file: the open that follows says why, or a vet that could not run,
 * which is logged, and the file is served unvetted). */
static int vet_at_start(fh_server *s, uint64_t *vetted)
{
    *vetted = 0;
    uint64_t id = fh_index_file_id(s->cfg.index_dir);
    if (id == 0)
        return 0; /* the open reports the missing file */
    fh_vet *v = &s->vet; /* a walk killed past its limit is reaped later, by the main loop */
    int vrc = fh_vet_start(v, s->cfg.index_dir, id);
    if (vrc) {
        FH_LOG_WARN("cannot start the process that vets the index in %s (%s): serving it unvetted",
                    s->cfg.index_dir, fh_strerror(vrc));
        return 0;
    }
    fh_vet_result vr;
    fh_vet_poll(v, v->timeout_us + 1000000u, &vr);
    if (vr.state == FH_VET_DAMAGED) {
        FH_LOG_ERR("cannot open the index in %s: the file is damaged (%s); build it again",
                   s->cfg.index_dir, vr.why);
        return FH_ECORRUPT;
    }
    if (vr.state == FH_VET_FAILED)
        FH_LOG_WARN("vetting the index in %s failed (%s): serving it unvetted", s->cfg.index_dir,
                    vr.why);
    /* the wait outlasts the walk's own limit, so no walk runs now, whatever
       the state (one killed may not be reaped yet) */
    if (vr.state == FH_VET_OK)
        *vetted = id;
    return 0;
}

/* The analyzer of generation 1, into *out: the one named by --stemmer, or
 * with "auto" the one the index in DIR was built with, so the query side
 * always matches it. */
static int choose_analyzer(fh_server *s, fh_analyzer_ref **out)
{
    fh_analyzer *a = NULL;
    int rc;
    *out = NULL;
    if (strcmp(s->cfg.stemmer, "auto") != 0) {
        /* a name fh_srv_config_parse() accepted */
        rc = make_analyzer(s->cfg.stemmer, &a);
        if (rc)
            FH_LOG_ERR("--stemmer %s: cannot create the analyzer: %s", s->cfg.stemmer,
                       fh_strerror(rc));
    } else {
        built_an built;
        rc = analyzer_for_index(s->cfg.index_dir, &a, &built);
        if (rc == FH_EANALYZER)
            FH_LOG_ERR("the index in %s was built with analyzer %s %s, which this build lacks "
                       "(its analyzers are version %s): rebuild it with this version's "
                       "fahras-indexer build",
                       s->cfg.index_dir, built.name, built.version, fh_analyzer_version(NULL));
        else if (rc) {
            char why[256];
            FH_LOG_ERR("cannot open the index in %s: %s", s->cfg.index_dir,
                       fh_index_open_reason(rc, s->cfg.index_dir, why, sizeof why));
        }
    }
    if (rc)
        return rc;
    *out = an_ref_new(a);
    return *out ? 0 : FH_ENOMEM;
}

/* Open the index as generation 1, with analyzer ar, whose reference it takes
 * over (released on failure). */
static int open_first_generation(fh_server *s, fh_analyzer_ref *ar)
{
    fh_engine *e = NULL;
    int rc = fh_engine_open(s->cfg.index_dir, ar->an, &s->rank, &e);
    built_an built;
    if (rc == FH_EANALYZER && index_analyzer(s->cfg.index_dir, &built) == 0) {
        FH_LOG_ERR("cannot open the index in %s: built with analyzer %s %s, while --stemmer %s "
                   "is %s %s (--stemmer auto follows the index)",
                   s->cfg.index_dir, built.name, built.version, s->cfg.stemmer,
                   fh_analyzer_name(ar->an), fh_analyzer_version(ar->an));
        an_ref_release(ar);
        return rc;
    }
    if (rc) {
        char why[256];
        FH_LOG_ERR("cannot open the index in %s: %s", s->cfg.index_dir,
                   fh_index_open_reason(rc, s->cfg.index_dir, why, sizeof why));
        an_ref_release(ar);
        return rc;
    }
    fh_engine_ref *r = ref_new(e, ar, 1);
    if (!r)
        return FH_ENOMEM;
    atomic_store(&s->current, r);
    atomic_store(&s->generation, 1);
    const fh_index_meta *m = fh_engine_meta(e);
    FH_LOG_INFO("index %s: %u documents, %llu terms, analyzer %s %s", s->cfg.index_dir,
                m ? m->n_docs : 0u, (unsigned long long)(m ? m->n_terms : 0u),
                m ? m->analyzer_name : "?", m ? m->analyzer_version : "?");
    return 0;
}

static int start_workers_objects(fh_server *s)
{
    uint32_t n = s->cfg.threads;
    if (n == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        n = cores > 0 ? (uint32_t)cores : 1u;
    }
    s->workers = calloc(n, sizeof *s->workers);
    if (!s->workers)
        return FH_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        int rc = worker_new(s, i, &s->workers[i]);
        if (rc)
            return rc;
        s->n_workers++;
    }
    return 0;
}

static int main_events(fh_server *s)
{
    s->base = event_base_new();
    if (!s->base)
        return FH_ENOMEM;
    s->ev_relisten = evtimer_new(s->base, relisten_cb, s);
    s->ev_term = evsignal_new(s->base, SIGTERM, signal_cb, s);
    s->ev_int = evsignal_new(s->base, SIGINT, signal_cb, s);
    if (!s->ev_relisten || !s->ev_term || !s->ev_int || event_add(s->ev_term, NULL) != 0 ||
        event_add(s->ev_int, NULL) != 0)
        return FH_ENOMEM;
    /* SIGHUP stops the server like SIGTERM (users may expect "reload"; there
     * is nothing to reload, and dying on the spot would drop the replies in
     * flight). A SIGHUP ignored at start (nohup) stays ignored, so closing
     * the terminal of a nohup'ed server does not stop it. */
    struct sigaction hup;
    if (sigaction(SIGHUP, NULL, &hup) == 0 && hup.sa_handler == SIG_IGN) {
        FH_LOG_DEBUG("SIGHUP was ignored at start; it stays ignored");
    } else {
        s->ev_hup = evsignal_new(s->base, SIGHUP, signal_cb, s);
        if (!s->ev_hup || event_add(s->ev_hup, NULL) != 0)
            return FH_ENOMEM;
    }
    uint32_t ms = s->cfg.reload_interval_ms;
    if (ms) {
        s->ev_reload = event_new(s->base, -1, EV_PERSIST, reload_cb, s);
        struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
        if (!s->ev_reload || event_add(s->ev_reload, &tv) != 0)
            return FH_ENOMEM;
        s->ev_child = evsignal_new(s->base, SIGCHLD, child_cb, s);
        if (!s->ev_child || event_add(s->ev_child, NULL) != 0)
            return FH_ENOMEM;
    }
    return 0;
}

/* Make a relative --index absolute against the working directory, which the
 * server never changes: the same directory, but logs and STATS name it
 * unambiguously. Symbolic links are kept (not resolved), so a link switched
 * to another directory is followed at reload as before. */
static void absolute_index_dir(fh_srv_config *cfg)
{
    const char *d = cfg->index_dir;
    if (d[0] == '/' || d[0] == '\0')
        return;
    char cwd[FH_SRV_PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return; /* keep it relative */
    while (d[0] == '.' && d[1] == '/') {
        d += 2;
        while (*d == '/')
            d++;
    }
    if (strcmp(d, ".") == 0 || d[0] == '\0')
        d = "";
    char abs[FH_SRV_PATH_MAX];
    int n = snprintf(abs, sizeof abs, "%s%s%s", cwd, d[0] && strcmp(cwd, "/") ? "/" : "", d);
    if (n > 0 && (size_t)n < sizeof abs)
        memcpy(cfg->index_dir, abs, (size_t)n + 1);
}

/* The ranking settings: a config double (< 0: unset) for a float of
 * fh_rank_params, or a config count (0: unset) for a count. */
static const struct {
    size_t cfg, rank;
    bool count;
} k_rank_settings[] = {
#define RS_F(c, r)                                                                                 \
    {                                                                                              \
        offsetof(fh_srv_config, c), offsetof(fh_rank_params, r), false                             \
    }
#define RS_N(c, r)                                                                                 \
    {                                                                                              \
        offsetof(fh_srv_config, c), offsetof(fh_rank_params, r), true                              \
    }
    RS_F(k1, k1),
    RS_F(b, b),
    RS_F(prox_weight, prox_weight),
    RS_F(lead_weight, lead_weight),
    RS_F(lead_title, lead_title),
    RS_F(order_weight, order_weight),
    RS_F(prf_weight, prf_weight),
    RS_F(prf_question_weight, prf_question_weight),
    RS_N(prf_docs, prf_docs),
    RS_N(prf_terms, prf_terms),
    RS_F(cover_weight, cover_weight),
    RS_F(tense_weight, tense_weight),
    RS_F(answer_type_weight, answer_type_weight),
    RS_F(focus_weight, focus_weight),
    RS_F(exact_weight, exact_weight),
    RS_F(exact_pair_weight, exact_pair_weight),
#undef RS_F
#undef RS_N
};

/* Copy the settings cfg sets into rp (fh_rank_params_default's). */
static void rank_settings(const fh_srv_config *cfg, fh_rank_params *rp)
{
    for (size_t i = 0; i < sizeof k_rank_settings / sizeof k_rank_settings[0]; i++) {
        const char *c = (const char *)cfg + k_rank_settings[i].cfg;
        char *r = (char *)rp + k_rank_settings[i].rank;
        if (k_rank_settings[i].count) {
            uint32_t n;
            memcpy(&n, c, sizeof n);
            if (n > 0)
                memcpy(r, &n, sizeof n);
        } else {
            double x;
            memcpy(&x, c, sizeof x);
            float v = (float)x;
            if (x >= 0)
                memcpy(r, &v, sizeof v);
        }
    }
}

void fh_server_rank_defaults(fh_srv_config *cfg)
{
    fh_rank_params rp;
    fh_rank_params_default(&rp);
    for (size_t i = 0; i < sizeof k_rank_settings / sizeof k_rank_settings[0]; i++) {
        char *c = (char *)cfg + k_rank_settings[i].cfg;
        const char *r = (const char *)&rp + k_rank_settings[i].rank;
        if (k_rank_settings[i].count) {
            uint32_t n;
            memcpy(&n, c, sizeof n);
            if (n == 0)
                memcpy(c, r, sizeof n);
        } else {
            double x;
            float v;
            memcpy(&x, c, sizeof x);
            memcpy(&v, r, sizeof v);
            x = x < 0 ? (double)v : x;
            memcpy(c, &x, sizeof x);
        }
    }
}

int fh_server_new(const fh_srv_config *cfg, fh_server **out)
{
    int rc;
    fh_server *s = calloc(1, sizeof *s);
    if (!s)
        return FH_ENOMEM;
    s->cfg = *cfg;
    s->spare_fd = -1;
    absolute_index_dir(&s->cfg);
    pthread_mutex_init(&s->ref_lock, NULL);
    pthread_mutex_init(&s->start_lock, NULL);
    pthread_cond_init(&s->start_cond, NULL);
    s->started_wall = (int64_t)time(NULL);
    s->started_mono_us = fh_now_us();
    s->limits.max_limit = FH_ENGINE_MAX_LIMIT;
    s->limits.max_snippet_len = FH_ENGINE_MAX_SNIPPET_LEN;
    s->limits.max_snippet_count = FH_ENGINE_MAX_SNIPPETS;
    s->limits.max_marker = FH_ENGINE_MAX_MARKER;
    fh_rank_params_default(&s->rank);
    rank_settings(cfg, &s->rank);

    /* an inherited SIG_IGN would reap the vet's child behind waitpid */
    signal(SIGCHLD, SIG_DFL);
    uint64_t vetted = 0;
    fh_analyzer_ref *ar = NULL;
    rc = vet_at_start(s, &vetted);
    if (!rc)
        rc = choose_analyzer(s, &ar);
    long fds0 = count_open_fds();
    if (!rc)
        rc = open_first_generation(s, ar);
    long fds1 = count_open_fds();
    if (!rc && vetted) {
        /* re-published between the walk and the open: walk what is served */
        uint64_t served = atomic_load(&s->current)->index_id;
        if (vetted != served && (rc = vet_at_start(s, &vetted)) == 0 && vetted != served)
            FH_LOG_WARN("the index in %s was re-published twice during start: the file "
                        "served was not vetted",
                        s->cfg.index_dir);
    }
    /* what a generation holds open; a re-publish opens as many more */
    s->engine_fds = fds0 >= 0 && fds1 > fds0 ? (unsigned)(fds1 - fds0) : 2u;
    if (!rc)
        rc = start_workers_objects(s);
    if (!rc)
        rc = main_events(s);
    if (!rc)
        rc = open_listener(s);
    if (rc)
        goto fail;
    /* opened before fit_fd_limit counts what the idle server holds */
    s->spare_fd = open_spare();
    if (s->spare_fd < 0)
        FH_LOG_WARN("cannot open /dev/null (%s): clients past the descriptor limit, if it is "
                    "reached, wait in the listen queue instead of being refused",
                    strerror(errno));
    *out = s;
    return 0;
fail:
    fh_server_free(s);
    return rc;
}

int fh_server_run(fh_server *s)
{
    /* workers take no signals: they go to the main thread's evsignals */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = 0;
    bool told = false; /* the cause of a failure is in the log already */
    for (uint32_t i = 0; i < s->n_workers; i++) {
        int trc = pthread_create(&s->workers[i]->thread, NULL, worker_main, s->workers[i]);
        if (trc != 0) {
            /* EAGAIN: no room for its stack (an address-space limit, ulimit -v)
               or the thread limit */
            FH_LOG_ERR("cannot start worker thread %u: %s (its stack and arena need address "
                       "space: see ulimit -v and ulimit -u)",
                       i, strerror(trc));
            rc = FH_ENOMEM;
            told = true;
            break;
        }
        s->workers[i]->thread_started = true;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    uint32_t launched = 0;
    for (uint32_t i = 0; i < s->n_workers; i++)
        launched += s->workers[i]->thread_started;
    pthread_mutex_lock(&s->start_lock);
    while (s->started < launched)
        pthread_cond_wait(&s->start_cond, &s->start_lock);
    if (s->start_failed && !rc)
        rc = FH_EINTERNAL;
    pthread_mutex_unlock(&s->start_lock);

    if (rc == 0)
        fit_fd_limit(s);
    /* the port file appears only once every worker is ready to serve */
    if (rc == 0 && s->cfg.port_file[0] && write_port_file(s) != 0) {
        rc = FH_EIO;
        told = true;
    }
    if (rc == 0) {
        FH_LOG_INFO("listening on %s with %u worker thread%s (pid %ld)", s->bound,
                    (unsigned)s->n_workers, s->n_workers == 1 ? "" : "s", (long)getpid());
        event_base_dispatch(s->base);
    } else {
        if (!told)
            FH_LOG_ERR("start-up failed: %s", fh_strerror(rc));
        for (uint32_t i = 0; i < s->n_workers; i++)
            if (s->workers[i]->thread_started)
                event_base_loopexit(s->workers[i]->base, NULL);
    }
    for (uint32_t i = 0; i < s->n_workers; i++) {
        if (s->workers[i]->thread_started) {
            pthread_join(s->workers[i]->thread, NULL);
            s->workers[i]->thread_started = false;
        }
    }
    if (rc == 0 && s->cfg.port_file[0])
        remove_port_file(s);
    uint32_t cut = atomic_load_explicit(&s->conns_cut, memory_order_relaxed);
    if (rc == 0 && cut == 0)
        FH_LOG_INFO("stopped: all workers drained");
    else if (rc == 0)
        FH_LOG_WARN("stopped: %u connection%s closed before every reply was sent (drain timeout "
                    "or a second signal)",
                    cut, cut == 1 ? "" : "s");
    return rc;
}

void fh_server_free(fh_server *s)
{
    if (!s)
        return;
    if (s->listener)
        evconnlistener_free(s->listener);
    fh_vet_cancel(&s->vet);
    if (s->ev_reload)
        event_free(s->ev_reload);
    if (s->ev_child)
        event_free(s->ev_child);
    if (s->ev_relisten)
        event_free(s->ev_relisten);
    if (s->spare_fd >= 0)
        close(s->spare_fd);
    if (s->ev_term)
        event_free(s->ev_term);
    if (s->ev_int)
        event_free(s->ev_int);
    if (s->ev_hup)
        event_free(s->ev_hup);
    for (uint32_t i = 0; i < s->n_workers; i++)
        worker_free(s->workers[i]);
    free(s->workers);
    if (s->base)
        event_base_free(s->base);
    ref_release(atomic_load(&s->current));
    pthread_mutex_destroy(&s->ref_lock);
    pthread_mutex_destroy(&s->start_lock);
    pthread_cond_destroy(&s->start_cond);
    free(s);
}
