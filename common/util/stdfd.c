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

int fh_output_finish(FILE *out, FILE *err, const char *who, int seen)
{
    errno = 0;
    if (fflush(out) == 0 && !ferror(out))
        return 0;
    if (errno)
        seen = errno;
    fprintf(err, "%s: cannot write the output: %s\n", who, seen ? strerror(seen) : "write error");
    return -1;
}

int fh_stdout_finish(const char *prog)
{
    return fh_output_finish(stdout, stderr, prog, errno);
}
