/* log.c — stderr logging with level and UTC timestamp (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static _Atomic int log_level = FH_LOG_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void fh_log_set_level(fh_log_level l)
{
    atomic_store_explicit(&log_level, (int)l, memory_order_relaxed);
}

fh_log_level fh_log_get_level(void)
{
    return (fh_log_level)atomic_load_explicit(&log_level, memory_order_relaxed);
}

int fh_log_parse_level(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, level_names[i]) == 0)
            return i;
    if (strcmp(s, "warning") == 0)
        return FH_LOG_WARN;
    return -1;
}

const char *fh_log_level_name(fh_log_level l)
{
    return (unsigned)l < 4 ? level_names[l] : "?";
}

void fh_log(fh_log_level l, const char *fmt, ...)
{
    if ((int)l > atomic_load_explicit(&log_level, memory_order_relaxed))
        return;
    static const char *const tags[] = {"ERROR", "WARN ", "INFO ", "DEBUG"};
    char line[1024];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    int k = snprintf(line + n, sizeof line - n, ".%03ldZ %s ", ts.tv_nsec / 1000000L,
                     tags[(unsigned)l < 4 ? l : 0]);
    if (k > 0)
        n += (size_t)k;
    va_list ap;
    va_start(ap, fmt);
    k = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
    va_end(ap);
    if (k > 0)
        n += (size_t)k < sizeof line - n - 1 ? (size_t)k : sizeof line - n - 2;
    line[n++] = '\n';
    const char *p = line;
    while (n) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w <= 0)
            break;
        p += w;
        n -= (size_t)w;
    }
}
