/* vet.h — walking an index file in a child process before it is served.
 *
 * LMDB keeps no checksums and trusts its page pointers: a file damaged inside
 * (a failing disk, a copy with flipped bits) can make any reader crash or
 * loop when it reaches the damaged page. Before fahras-searchd serves a file
 * (at start and on every re-publish), a forked child opens it and reads every
 * entry of every database (fh_index_walk); a crash, a loop (the walk outlives
 * its limit, below), an inconsistency LMDB notices or an entry past the
 * file's end is the child's, and the
 * daemon refuses the file instead of dying on it later, in a request.
 *
 * The child closes every descriptor above 2 first (client sockets the daemon
 * closes meanwhile are not held open), takes the default action for the stop
 * signals, and ends with _exit. An fh_vet belongs to the thread that started
 * it (the main thread); it holds no memory, only pids: the running child's
 * and those of killed children not yet reaped. Nothing here waits for a
 * killed child (one stuck in uninterruptible disk I/O would stall the main
 * thread): fh_vet_reap collects them once they have ended.
 */
#ifndef FAHRAS_SEARCHD_VET_H
#define FAHRAS_SEARCHD_VET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* A walk that has not ended after FH_VET_TIMEOUT_US plus 1 s per
 * FH_VET_BYTES_PER_S of the file (a large index read cold from a slow disk)
 * is taken for a page cycle. */
#define FH_VET_TIMEOUT_US (120u * 1000000u)
#define FH_VET_BYTES_PER_S (20u * 1000u * 1000u)

/* A re-published file whose vet or open failed for a passing reason (no
 * process, a killed walk, memory, descriptors) is walked again after
 * FH_VET_RETRY_MIN_US, then after twice as long each time it fails again, up
 * to FH_VET_RETRY_MAX_US: each try reads the whole file, and a failure that
 * persists must not cost a walk every few seconds for ever. */
#define FH_VET_RETRY_MIN_US (5u * 1000000u)
#define FH_VET_RETRY_MAX_US (300u * 1000000u)

/* Killed children remembered for reaping; past this many still unreaped,
 * the oldest is forgotten (a zombie until the daemon exits). */
#define FH_VET_KILLED_MAX 8

typedef enum fh_vet_state {
    FH_VET_RUNNING,  /* the child has not ended */
    FH_VET_OK,       /* opened and walked */
    FH_VET_UNOPENED, /* fh_index_open failed in the child: open it to learn why */
    FH_VET_DAMAGED,  /* the walk crashed, did not end, or found damage */
    FH_VET_FAILED,   /* a passing failure (no process, memory, a stop signal) */
} fh_vet_state;

typedef struct fh_vet {
    pid_t pid;           /* the child, 0 when none runs */
    uint64_t file_id;    /* fh_index_file_id of the file being walked */
    uint64_t started_us; /* CLOCK_MONOTONIC at fork */
    uint64_t timeout_us; /* the walk's limit (FH_VET_TIMEOUT_US and the size) */
    pid_t killed[FH_VET_KILLED_MAX]; /* killed, not yet reaped, oldest first; then 0s */
} fh_vet;

/* What an ended vet found: why (for a log line, "" when OK), static or in
 * the struct. */
typedef struct fh_vet_result {
    fh_vet_state state;
    char why[96];
} fh_vet_result;

/* Fork the child that walks DIR/index.mdb, whose file id is file_id.
 * v->pid must be 0. Returns 0, or FH_ENOMEM / FH_EIO when no process could
 * be made (v->pid stays 0). */
int fh_vet_start(fh_vet *v, const char *dir, uint64_t file_id);

/* Whether the child has ended (without waiting when wait_us is 0, else up to
 * wait_us), into *res; a child past v->timeout_us since it started is
 * killed and DAMAGED. Once it has ended, v->pid is 0 again. */
void fh_vet_poll(fh_vet *v, uint64_t wait_us, fh_vet_result *res);

/* Kill a running child (SIGKILL) without waiting for it: v->pid is 0 at
 * once, and the child is reaped by a later fh_vet_reap. Nothing if none. */
void fh_vet_cancel(fh_vet *v);

/* Reap the killed children that have ended, never waiting. Returns how
 * many are still unreaped. Call it on SIGCHLD and now and then (the server:
 * on SIGCHLD and on each re-publish check). */
unsigned fh_vet_reap(fh_vet *v);

/* How long to wait before trying a file again after `failures` passing
 * failures in a row: 0 for none, FH_VET_RETRY_MIN_US for one, doubled for
 * each further one up to FH_VET_RETRY_MAX_US (whatever the count). */
uint64_t fh_vet_retry_delay_us(unsigned failures);

#endif
