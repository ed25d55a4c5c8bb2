/* test_vet.c — how the vet (searchd/vet.h) judges the end of its child: a
 * crash or a walk past its time limit is damage, the child's exit statuses
 * map to their states, a stop signal is a passing failure, and an ended child
 * is reaped. Children here stand in for the walk (fork + what a walk of a
 * damaged file may do); tests/searchd/test_vet.py vets real damaged files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
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
    expect(EXIT_WITH, 4, FH_VET_DAMAGED, "LMDB found a page inconsistent");
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
    assert_int_equal(waitpid(pid, NULL, WNOHANG), -1); /* killed and reaped */
    assert_int_equal(errno, ECHILD);
}

static void test_cancel(void **state)
{
    (void)state;
    fh_vet v = fake(HANG, 0, 60u * 1000000u);
    pid_t pid = v.pid;
    fh_vet_cancel(&v);
    assert_int_equal(v.pid, 0);
    assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
    fh_vet_cancel(&v); /* none: nothing */
    fh_vet_result r;
    fh_vet_poll(&v, 0, &r);
    assert_int_equal(r.state, FH_VET_FAILED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_crash_is_damage),
        cmocka_unit_test(test_stop_signal_is_passing),
        cmocka_unit_test(test_running_then_time_limit),
        cmocka_unit_test(test_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
