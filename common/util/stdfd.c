/* stdfd.c — see stdfd.h. */
#include "fahras/stdfd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int fh_std_fds_guard(bool *stdin_closed)
{
    bool in_closed = false;
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        /* open() takes the lowest free descriptor: fd, those below are open */
        int got = open("/dev/null", O_RDONLY);
        if (got < 0)
            return -1;
        if (got != fd) { /* not reached: some other descriptor was free first */
            close(got);
            errno = EBADF;
            return -1;
        }
        in_closed = in_closed || fd == 0;
    }
    if (stdin_closed)
        *stdin_closed = in_closed;
    return 0;
}

int fh_stdout_finish(const char *prog)
{
    if (fflush(stdout) == 0 && !ferror(stdout))
        return 0;
    /* errno: the failed write's, fputs()'s or fflush()'s */
    fprintf(stderr, "%s: cannot write the output: %s\n", prog, strerror(errno));
    return -1;
}
