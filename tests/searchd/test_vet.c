/* test_vet.c — how the vet (searchd/vet.h) judges the end of its child: a
 * crash or a walk past its time limit is damage, the child's exit statuses
 * map to their states, a stop signal is a passing failure, an ended child is
 * reaped, and a killed one is left for fh_vet_reap (never waited for); and
 * how long a file that failed for a passing reason waits to be tried again.
 * Children here stand in for the walk (fork + what a walk of a damaged file
 * may do); tests/searchd/test_vet.py vets real damaged files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vet.h"

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

enum { EXIT_WITH, CRASH, HANG, STOP };

/* A child that ends as `how` says, as the vet's own child would. */
static fh_vet fake(int how, int status, uint64_t timeout_us)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        switch (how) {
        case CRASH:
            signal(SIGSEGV, SIG_DFL); /* not a sanitizer's report: the signal itself */
            kill(getpid(), SIGSEGV);
            break;
        case HANG:
            for (;;)
                pause();
        case STOP:
            signal(SIGTERM, SIG_DFL);
            kill(getpid(), SIGTERM);
            break;
        default:
            break;
        }
        _exit(status);
    }
    fh_vet v = {.pid = pid, .file_id = 1, .started_us = now_us(), .timeout_us = timeout_us};
    return v;
}

static void expect(int how, int status, fh_vet_state want, const char *why_has)
{
    fh_vet v = fake(how, status, 60u * 1000000u);
    pid_t pid = v.pid;
    fh_vet_result r;
    fh_vet_poll(&v, 30u * 1000000u, &r);
    assert_int_equal(r.state, want);
    assert_non_null(strstr(r.why, why_has));
    assert_int_equal(v.pid, 0);
    assert_int_equal(waitpid(pid, NULL, WNOHANG), -1); /* reaped */
    assert_int_equal(errno, ECHILD);
}

static void test_statuses(void **state)
{
    (void)state;
    expect(EXIT_WITH, 0, FH_VET_OK, "");
    expect(EXIT_WITH, 3, FH_VET_UNOPENED, "");
    expect(EXIT_WITH, 4, FH_VET_DAMAGED, "its pages are inconsistent");
    expect(EXIT_WITH, 5, FH_VET_FAILED, "the walk failed (status 5)");
    expect(EXIT_WITH, 6, FH_VET_FAILED, "replaced while it was walked");
}

static void test_crash_is_damage(void **state)
{
    (void)state;
    expect(CRASH, 0, FH_VET_DAMAGED, "reading it crashed: Segmentation fault");
}

static void test_stop_signal_is_passing(void **state)
{
    (void)state;
    expect(STOP, 0, FH_VET_FAILED, "ended by signal 15");
}

/* A killed child: cancel did not wait for it (it is still there to be
 * waited for, WNOWAIT leaves it so), and fh_vet_reap collects it once it
 * has ended, leaving no zombie. */
static void reaped_later(fh_vet *v, pid_t pid)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
    assert_int_equal(si.si_pid, pid);
    assert_int_equal(si.si_status, SIGKILL);
    assert_int_equal(fh_vet_reap(v), 0);
    assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
    for (size_t i = 0; i < FH_VET_KILLED_MAX; i++)
        assert_int_equal(v->killed[i], 0);
}

/* fh_vet_reap never waits: a killed child that has not ended yet stays
 * remembered; past FH_VET_KILLED_MAX the oldest is forgotten. */
static void test_reap_never_waits(void **state)
{
    (void)state;
    pid_t pids[FH_VET_KILLED_MAX + 1];
    fh_vet v = {0};
    for (size_t i = 0; i < FH_VET_KILLED_MAX + 1; i++) {
        fh_vet f = fake(HANG, 0, 60u * 1000000u);
        pids[i] = f.pid;
        v.pid = f.pid;
        fh_vet_cancel(&v);
        assert_int_equal(v.pid, 0);
    }
    for (size_t i = 0; i < FH_VET_KILLED_MAX; i++)
        assert_int_equal(v.killed[i], pids[i + 1]);
    /* once they have all ended, one call reaps every remembered one */
    for (size_t i = 0; i < FH_VET_KILLED_MAX + 1; i++) {
        siginfo_t si;
        assert_int_equal(waitid(P_PID, (id_t)pids[i], &si, WEXITED | WNOWAIT), 0);
    }
    assert_int_equal(fh_vet_reap(&v), 0);
    for (size_t i = 1; i < FH_VET_KILLED_MAX + 1; i++) {
        assert_int_equal(waitpid(pids[i], NULL, WNOHANG), -1);
        assert_int_equal(errno, ECHILD);
    }
    assert_int_equal(waitpid(pids[0], NULL, 0), pids[0]); /* forgotten: still a zombie */
    /* children that have not ended are counted and kept, oldest first and
       packed, so the next one killed goes after them */
    pid_t live1 = fake(HANG, 0, 60u * 1000000u).pid;
    fh_vet ended = fake(HANG, 0, 60u * 1000000u);
    pid_t live2 = fake(HANG, 0, 60u * 1000000u).pid;
    v.killed[0] = live1;
    v.pid = ended.pid;
    fh_vet_cancel(&v);
    v.killed[2] = live2;
    siginfo_t si;
    assert_int_equal(waitid(P_PID, (id_t)ended.pid, &si, WEXITED | WNOWAIT), 0);
    assert_int_equal(fh_vet_reap(&v), 2);
    assert_int_equal(v.killed[0], live1);
    assert_int_equal(v.killed[1], live2);
    assert_int_equal(v.killed[2], 0);
    pid_t next = fake(HANG, 0, 60u * 1000000u).pid;
    v.pid = next; /* the next one killed goes last */
    fh_vet_cancel(&v);
    assert_int_equal(v.killed[2], next);
    kill(live1, SIGKILL);
    kill(live2, SIGKILL);
    assert_int_equal(waitid(P_PID, (id_t)live1, &si, WEXITED | WNOWAIT), 0);
    assert_int_equal(waitid(P_PID, (id_t)live2, &si, WEXITED | WNOWAIT), 0);
    assert_int_equal(waitid(P_PID, (id_t)next, &si, WEXITED | WNOWAIT), 0);
    assert_int_equal(fh_vet_reap(&v), 0);
    for (size_t i = 0; i < FH_VET_KILLED_MAX; i++)
        assert_int_equal(v.killed[i], 0);
}

static void test_running_then_time_limit(void **state)
{
    (void)state;
    fh_vet v = fake(HANG, 0, 300u * 1000u);
    pid_t pid = v.pid;
    fh_vet_result r;
    fh_vet_poll(&v, 0, &r); /* no wait: still running */
    assert_int_equal(r.state, FH_VET_RUNNING);
    assert_int_equal(v.pid, pid);
    uint64_t t0 = now_us();
    fh_vet_poll(&v, 30u * 1000000u, &r); /* the limit (0.3 s) ends it, not the wait */
    assert_int_equal(r.state, FH_VET_DAMAGED);
    assert_non_null(strstr(r.why, "did not end within 0 s"));
    assert_true(now_us() - t0 < 20u * 1000000u);
    assert_int_equal(v.pid, 0);
    assert_int_equal(v.killed[0], pid);
    reaped_later(&v, pid);
}

static void test_cancel(void **state)
{
    (void)state;
    fh_vet v = fake(HANG, 0, 60u * 1000000u);
    pid_t pid = v.pid;
    fh_vet_cancel(&v);
    assert_int_equal(v.pid, 0);
    assert_int_equal(v.killed[0], pid);
    reaped_later(&v, pid);
    fh_vet_cancel(&v); /* none: nothing */
    for (size_t i = 0; i < FH_VET_KILLED_MAX; i++)
        assert_int_equal(v.killed[i], 0);
    fh_vet_result r;
    fh_vet_poll(&v, 0, &r);
    assert_int_equal(r.state, FH_VET_FAILED);
}

/* The wait before a file that failed for a passing reason is tried again:
 * 5 s, doubled after each further failure, 300 s at most, for any count. */
static void test_retry_delay(void **state)
{
    (void)state;
    assert_int_equal(FH_VET_RETRY_MIN_US, 5000000u);
    assert_int_equal(FH_VET_RETRY_MAX_US, 300000000u);
    assert_int_equal(fh_vet_retry_delay_us(0), 0); /* nothing failed: no wait */
    static const uint64_t want_s[] = {5, 10, 20, 40, 80, 160, 300, 300};
    for (unsigned i = 0; i < sizeof want_s / sizeof want_s[0]; i++)
        assert_int_equal(fh_vet_retry_delay_us(i + 1), want_s[i] * 1000000u);
    /* a count whose doubling would overflow 64 bits stays at the cap */
    for (unsigned n = 60; n < 70; n++)
        assert_int_equal(fh_vet_retry_delay_us(n), FH_VET_RETRY_MAX_US);
    assert_int_equal(fh_vet_retry_delay_us(1000), FH_VET_RETRY_MAX_US);
    assert_int_equal(fh_vet_retry_delay_us(UINT_MAX), FH_VET_RETRY_MAX_US);
    /* never shorter than the one before */
    for (unsigned n = 1; n < 100; n++)
        assert_true(fh_vet_retry_delay_us(n) <= fh_vet_retry_delay_us(n + 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_crash_is_damage),
        cmocka_unit_test(test_stop_signal_is_passing),
        cmocka_unit_test(test_running_then_time_limit),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_reap_never_waits),
        cmocka_unit_test(test_retry_delay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
