/* config.h — fahras-searchd settings: defaults, command-line flags, config file.
 *
 * One option table drives both sources: `--name VALUE` / `--name=VALUE` on the
 * command line and `name = value` lines in the file given by --config (the
 * same names; '_' and '-' are interchangeable; '#' starts a comment at the
 * start of a line or after a blank; a value may be quoted, see
 * fh_srv_config_parse_text()). Flags override the file. Values are
 * range-checked here (--listen included) so the server never sees an
 * out-of-range setting. No I/O besides reading the config file.
 */
#ifndef FAHRAS_SEARCHD_CONFIG_H
#define FAHRAS_SEARCHD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define FH_SRV_PATH_MAX 4096

typedef struct fh_srv_config {
    char index_dir[FH_SRV_PATH_MAX];
    char listen[256]; /* HOST:PORT, [IPv6]:PORT */
    char port_file[FH_SRV_PATH_MAX];
    char config_file[FH_SRV_PATH_MAX];
    char stemmer[32]; /* auto | light10 | light10+sb | light10-noguard | snowball | none */
    uint32_t threads; /* 0 = online cores */
    fh_log_level log_level;
    uint32_t max_connections;
    uint32_t idle_timeout_s;   /* idle / stalled-reader timeout (server.c); 0 = never */
    uint32_t max_line;         /* bytes */
    uint32_t max_reply_bytes;  /* one reply */
    uint32_t max_output_bytes; /* unread replies per connection before reading pauses */
    uint32_t max_total_output_bytes; /* unread replies over all connections, see server.c */
    uint32_t query_budget_ms;  /* 0 = unlimited */
    uint32_t exact_totals;     /* 1: SEARCH's exact_total defaults to on (0 or 1) */
    uint32_t max_terms;
    uint32_t max_prefix_expansions;
    uint32_t reload_interval_ms; /* 0 = no hot reload */
    uint32_t drain_timeout_s;    /* SIGTERM/INT/HUP: longest wait for replies to flush */
    double k1, b;                /* < 0: the engine's default */
    double prox_weight;          /* < 0: the engine's default */
    double lead_weight;          /* < 0: the engine's default */
    double lead_title;           /* < 0: the engine's default */
    double order_weight;         /* < 0: the engine's default */
    double prf_weight;           /* < 0: the engine's default */
    double prf_question_weight;  /* < 0: the engine's default */
    double tense_weight;         /* < 0: the engine's default */
    double answer_type_weight;   /* < 0: the engine's default */
    uint32_t prf_docs, prf_terms; /* 0: the engine's default */
    double cover_weight;         /* < 0: the engine's default */
    double focus_weight;         /* < 0: the engine's default */
    double exact_weight;         /* < 0: the engine's default */
    double exact_pair_weight;    /* < 0: the engine's default */
    bool help;
    bool version; /* --version */
} fh_srv_config;

/* Fill *c with the defaults. */
void fh_srv_config_default(fh_srv_config *c);

/* Apply argv (argv[0] is skipped): first --config FILE is read, if given, then
 * every flag. Returns 0, or -1 with a one-line message in err (errlen bytes).
 * --help sets c->help and stops. */
int fh_srv_config_parse(fh_srv_config *c, int argc, char **argv, char *err, size_t errlen);

/* Apply one `name = value` text (the contents of a config file); `origin` names
 * it in messages. Lines: blank, or a comment when the first non-blank
 * character is '#'; elsewhere '#' starts a comment only after a space or tab.
 * A value starting with " or ' ends at the same quote and is taken as written
 * (no escapes; only blanks and a comment, its '#' glued to the quote or not,
 * may follow); other values are
 * trimmed. Returns 0 or -1 with err filled. */
int fh_srv_config_parse_text(fh_srv_config *c, const char *text, size_t len, const char *origin,
                             char *err, size_t errlen);

/* Split a --listen value, "HOST:PORT" or "[IPv6]:PORT", into host (copied
 * into host[hostlen], NUL-terminated) and *port. HOST is not empty and has
 * no ':' unless bracketed (::1:7700 is refused: which colon ends the
 * address?); what is in brackets must be an IPv6 literal, with an optional
 * %zone ([127.0.0.1]:80 is refused); PORT is decimal digits only, 0..65535 (no sign, no
 * wrap-around). Returns 0, or -1 if malformed. */
int fh_srv_listen_split(const char *spec, char *host, size_t hostlen, unsigned *port);

/* Print the usage text, every option with its default as `d` holds it, to
 * `out` (a FILE *). `d` is fh_srv_config_default's, with the engine's
 * ranking defaults in place of "the engine's" (-1, 0) where the caller can
 * reach the engine (fh_srv_rank_defaults). */
void fh_srv_config_usage(void *out, const char *prog, const fh_srv_config *d);

#endif /* FAHRAS_SEARCHD_CONFIG_H */
