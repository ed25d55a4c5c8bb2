/* log.h — leveled, timestamped log lines on stderr for fahras-searchd.
 *
 * Each line is written with one write(2) so lines from different threads never
 * interleave. The level is set once at startup, before threads start, and is
 * only read afterwards.
 */
#ifndef FAHRAS_SEARCHD_LOG_H
#define FAHRAS_SEARCHD_LOG_H

typedef enum fh_log_level {
    FH_LOG_ERROR = 0,
    FH_LOG_WARN = 1,
    FH_LOG_INFO = 2,
    FH_LOG_DEBUG = 3
} fh_log_level;

void fh_log_set_level(fh_log_level l);
fh_log_level fh_log_get_level(void);
/* "error", "warn", "info", "debug" -> level; -1 if unknown. */
int fh_log_parse_level(const char *s);
const char *fh_log_level_name(fh_log_level l);

/* Format and write one line: "2026-01-20T10:00:00.123Z INFO  message". */
void fh_log(fh_log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define FH_LOG_ERR(...) fh_log(FH_LOG_ERROR, __VA_ARGS__)
#define FH_LOG_WARN(...) fh_log(FH_LOG_WARN, __VA_ARGS__)
#define FH_LOG_INFO(...) fh_log(FH_LOG_INFO, __VA_ARGS__)
#define FH_LOG_DEBUG(...)                                                                          \
    do {                                                                                           \
        if (fh_log_get_level() >= FH_LOG_DEBUG)                                                    \
            fh_log(FH_LOG_DEBUG, __VA_ARGS__);                                                     \
    } while (0)

#endif /* FAHRAS_SEARCHD_LOG_H */
