/* vet.c — walking an index file in a child process (vet.h). */
#define _GNU_SOURCE /* close_range */
#include "vet.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fahras/err.h"
#include "fahras/index.h"

/* The child's exit statuses. */
enum {
    VET_EXIT_OK = 0,
    VET_EXIT_UNOPENED = 3,
    VET_EXIT_CORRUPT = 4,
    VET_EXIT_FAILED = 5,
    VET_EXIT_OTHER_FILE = 6, /* DIR/index.mdb was another file by the time it was opened */
};

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* In the child: open, walk, end. Only _exit leaves it. */
static void __attribute__((noreturn)) child(const char *dir, uint64_t file_id, pid_t parent)
{
    /* never outlive the daemon (killed, or crashed meanwhile) */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(VET_EXIT_FAILED);
    /* the daemon's sockets: a connection it closes must not stay open here */
    if (close_range(3, ~0u, 0) != 0) {
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
            close((int)fd);
    }
    static const int stops[] = {SIGTERM, SIGINT, SIGHUP};
    sigset_t none;
    sigemptyset(&none);
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
        signal(stops[i], SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    fh_index *ix = NULL;
    int rc = fh_index_open(dir, NULL, NULL, &ix);
    if (rc)
        _exit(VET_EXIT_UNOPENED);
    if (fh_index_id(ix) != file_id)
        _exit(VET_EXIT_OTHER_FILE);
    rc = fh_index_walk(ix);
    /* not closed: the process ends, and a damaged file's close may crash too */
    _exit(rc == 0 ? VET_EXIT_OK : rc == FH_ECORRUPT ? VET_EXIT_CORRUPT : VET_EXIT_FAILED);
}

int fh_vet_start(fh_vet *v, const char *dir, uint64_t file_id)
{
    char path[4096];
    struct stat st;
    uint64_t bytes = 0;
    if ((size_t)snprintf(path, sizeof path, "%s/" FH_INDEX_FILE, dir) < sizeof path &&
        stat(path, &st) == 0 && st.st_size > 0)
        bytes = (uint64_t)st.st_size;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        return errno == ENOMEM ? FH_ENOMEM : FH_EIO;
    if (pid == 0)
        child(dir, file_id, parent);
    v->pid = pid;
    v->file_id = file_id;
    v->started_us = mono_us();
    v->timeout_us = FH_VET_TIMEOUT_US + bytes / FH_VET_BYTES_PER_S * 1000000u;
    return 0;
}

static void judge(int st, fh_vet_result *res)
{
    res->why[0] = '\0';
    if (WIFEXITED(st)) {
        switch (WEXITSTATUS(st)) {
        case VET_EXIT_OK:
            res->state = FH_VET_OK;
            return;
        case VET_EXIT_UNOPENED:
            res->state = FH_VET_UNOPENED;
            return;
        case VET_EXIT_CORRUPT:
            res->state = FH_VET_DAMAGED;
            snprintf(res->why, sizeof res->why, "its pages are inconsistent");
            return;
        case VET_EXIT_OTHER_FILE:
            res->state = FH_VET_FAILED;
            snprintf(res->why, sizeof res->why, "the file was replaced while it was walked");
            return;
        default:
            res->state = FH_VET_FAILED;
            snprintf(res->why, sizeof res->why, "the walk failed (status %d)", WEXITSTATUS(st));
            return;
        }
    }
    int sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    if (fh_index_crash_signal(sig)) {
        res->state = FH_VET_DAMAGED;
        snprintf(res->why, sizeof res->why, "reading it crashed: %s", strsignal(sig));
    } else { /* SIGKILL by someone else, SIGTERM to the process group... */
        res->state = FH_VET_FAILED;
        snprintf(res->why, sizeof res->why, "the walk was ended by signal %d", sig);
    }
}

void fh_vet_poll(fh_vet *v, uint64_t wait_us, fh_vet_result *res)
{
    res->state = FH_VET_RUNNING;
    res->why[0] = '\0';
    if (v->pid <= 0) {
        res->state = FH_VET_FAILED;
        snprintf(res->why, sizeof res->why, "no walk runs");
        return;
    }
    const uint64_t until = mono_us() + wait_us;
    for (;;) {
        int st;
        pid_t r = waitpid(v->pid, &st, WNOHANG);
        if (r == v->pid) {
            v->pid = 0;
            judge(st, res);
            return;
        }
        if (r < 0 && errno != EINTR) { /* not our child any more (reaped elsewhere) */
            v->pid = 0;
            res->state = FH_VET_FAILED;
            snprintf(res->why, sizeof res->why, "waiting for the walk: %s", strerror(errno));
            return;
        }
        uint64_t now = mono_us();
        if (now - v->started_us >= v->timeout_us) {
            uint64_t limit_s = v->timeout_us / 1000000u;
            fh_vet_cancel(v);
            res->state = FH_VET_DAMAGED;
            snprintf(res->why, sizeof res->why, "reading it did not end within %llu s",
                     (unsigned long long)limit_s);
            return;
        }
        if (now >= until)
            return;
        struct timespec ts = {0, 2 * 1000 * 1000}; /* 2 ms */
        nanosleep(&ts, NULL);
    }
}

void fh_vet_cancel(fh_vet *v)
{
    if (v->pid <= 0)
        return;
    kill(v->pid, SIGKILL);
    size_t n = 0; /* oldest first, packed (fh_vet_reap keeps them so) */
    while (n < FH_VET_KILLED_MAX && v->killed[n] > 0)
        n++;
    if (n == FH_VET_KILLED_MAX) { /* the oldest is forgotten */
        memmove(v->killed, v->killed + 1, (FH_VET_KILLED_MAX - 1) * sizeof v->killed[0]);
        n--;
    }
    v->killed[n] = v->pid;
    v->pid = 0;
}

unsigned fh_vet_reap(fh_vet *v)
{
    unsigned left = 0;
    for (size_t i = 0; i < FH_VET_KILLED_MAX && v->killed[i] > 0; i++) {
        pid_t r;
        while ((r = waitpid(v->killed[i], NULL, WNOHANG)) < 0 && errno == EINTR)
            ;
        if (r == 0) /* not ended yet: kept, in order */
            v->killed[left++] = v->killed[i];
        /* else reaped, or no longer our child */
    }
    for (size_t i = left; i < FH_VET_KILLED_MAX; i++)
        v->killed[i] = 0;
    return left;
}

uint64_t fh_vet_retry_delay_us(unsigned failures)
{
    if (failures == 0)
        return 0;
    uint64_t d = FH_VET_RETRY_MIN_US;
    for (unsigned i = 1; i < failures && d < FH_VET_RETRY_MAX_US; i++) /* ends at the cap */
        d *= 2;
    return d < FH_VET_RETRY_MAX_US ? d : FH_VET_RETRY_MAX_US;
}
