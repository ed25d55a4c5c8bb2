/* commands.c — run one parsed request against the worker's searcher and
 * write its JSON reply (SEARCH, GET, KEYWORDS, STATS, PING, QUIT).
 *
 * Runs on a worker thread between two reads of its connections: it may use
 * only that worker's searcher and buffers, and reads other workers' stats
 * through relaxed atomics. It does no I/O and never closes a connection.
 */
#include <stdio.h>
#include <string.h>

#include "fahras/err.h"
#include "server_int.h"

#ifndef FAHRAS_VERSION
#define FAHRAS_VERSION "0.0.0"
#endif

/* Turn an engine failure into an error reply. w->reply is as before the call
 * (the engine restores it) and w->errmsg may hold its message. */
static int engine_error(fh_worker *w, int rc)
{
    const char *msg = w->errmsg.len ? w->errmsg.data : fh_strerror(rc);
    if (rc == FH_ETIMEOUT)
        fh_stat_add(&w->stats->timeouts, 1);
    if (rc == FH_ENOMEM && !w->errmsg.len)
        msg = "out of memory, or the reply would exceed max-reply bytes";
    fh_buf_reset(&w->reply);
    fh_proto_error_json(&w->reply, fh_errcode(rc), msg);
    return -1;
}

static int no_index(fh_worker *w)
{
    fh_buf_reset(&w->reply);
    fh_proto_error_json(&w->reply, fh_errcode(FH_EINTERNAL), "no index is open on this worker");
    return -1;
}

static int do_search(fh_worker *w, const fh_request *req)
{
    const fh_srv_config *cfg = &w->srv->cfg;
    fh_search_opts o;
    fh_search_opts_default(&o);
    o.max_terms = cfg->max_terms;
    o.max_prefix_expansions = cfg->max_prefix_expansions;
    o.time_budget_us = (uint64_t)cfg->query_budget_ms * 1000u;
    o.exact_total = cfg->exact_totals != 0;
    if (req->set & FH_OPT_LIMIT)
        o.limit = req->limit;
    if (req->set & FH_OPT_OFFSET)
        o.offset = req->offset;
    if (req->set & FH_OPT_SNIPPETS)
        o.snippets = req->snippets;
    if (req->set & FH_OPT_SNIPPET_LEN)
        o.snippet_len = req->snippet_len;
    if (req->set & FH_OPT_SNIPPET_COUNT)
        o.snippet_count = req->snippet_count;
    if (req->set & FH_OPT_HL_OPEN)
        o.hl_open = req->hl_open;
    if (req->set & FH_OPT_HL_CLOSE)
        o.hl_close = req->hl_close;
    if (req->set & FH_OPT_ESCAPE)
        o.escape_html = req->escape_html;
    if (req->set & FH_OPT_SNIPPET_FIELD)
        o.snippet_field = req->snippet_field;
    if (req->set & FH_OPT_EXACT_TOTAL)
        o.exact_total = req->exact_total;
    const char *names[FH_PROTO_MAX_FIELDS];
    if (req->set & FH_OPT_FIELDS) {
        for (uint32_t i = 0; i < req->n_fields; i++)
            names[i] = req->fields[i];
        o.fields = names;
        o.n_fields = req->n_fields;
        o.return_fields = req->n_fields ? (uint32_t)((1u << req->n_fields) - 1u) : 0u;
    }
    int rc = fh_search(w->searcher, &o, req->arg, req->arg_len, &w->reply, &w->errmsg);
    if (rc)
        return engine_error(w, rc);
    if (fh_searcher_timed_out(w->searcher))
        fh_stat_add(&w->stats->timeouts, 1); /* a partial answer, not an error */
    return 0;
}

static int add_u64(fh_buf *b, const char *name, uint64_t v, bool comma)
{
    return fh_buf_addf(b, "%s\"%s\":%llu", comma ? "," : "", name, (unsigned long long)v);
}

/* STATS: counters summed over every worker, latency percentiles, connection
 * figures and the facts of this worker's index generation. */
static int do_stats(fh_worker *w)
{
    fh_server *s = w->srv;
    fh_buf *b = &w->reply;
    uint64_t requests = 0, errors = 0, timeouts = 0, too_long = 0, in = 0, out = 0;
    uint64_t open = 0, accepted = 0, idle = 0;
    uint64_t by_cmd[FH_CMD_COUNT_] = {0};
    static _Thread_local fh_lathist_snap all, search; /* ~10 KiB each: keep off the stack */
    memset(&all, 0, sizeof all);
    memset(&search, 0, sizeof search);
    for (uint32_t i = 0; i < s->n_workers; i++) {
        fh_wstats *st = s->workers[i]->stats;
        requests += fh_stat_get(&st->requests);
        errors += fh_stat_get(&st->errors);
        timeouts += fh_stat_get(&st->timeouts);
        too_long += fh_stat_get(&st->line_too_long);
        in += fh_stat_get(&st->bytes_in);
        out += fh_stat_get(&st->bytes_out);
        open += fh_stat_get(&st->connections);
        accepted += fh_stat_get(&st->accepted);
        idle += fh_stat_get(&st->idle_closed);
        for (unsigned c = 0; c < FH_CMD_COUNT_; c++)
            by_cmd[c] += fh_stat_get(&st->by_cmd[c]);
        fh_lathist_snap_add(&all, &st->lat_all);
        fh_lathist_snap_add(&search, &st->lat_search);
    }
    uint64_t now = fh_now_us();
    int rc = fh_buf_addf(b, "{\"version\":\"%s\",\"uptime_s\":%.3f,\"started\":%lld,\"threads\":%u",
                         FAHRAS_VERSION, (double)(now - s->started_mono_us) / 1e6,
                         (long long)s->started_wall, (unsigned)s->n_workers);
    rc = rc ? rc : add_u64(b, "requests", requests, true);
    rc = rc ? rc : add_u64(b, "errors", errors, true);
    rc = rc ? rc : add_u64(b, "timeouts", timeouts, true);
    rc = rc ? rc : add_u64(b, "line_too_long", too_long, true);
    rc = rc ? rc : fh_buf_adds(b, ",\"commands\":{");
    for (unsigned c = 0; c < FH_CMD_COUNT_ && !rc; c++)
        rc = add_u64(b, fh_cmd_name((fh_cmd)c), by_cmd[c], c > 0);
    rc = rc ? rc : fh_buf_adds(b, "},\"connections\":{");
    rc = rc ? rc : add_u64(b, "current", open, false);
    rc = rc ? rc : add_u64(b, "accepted", accepted, true);
    rc =
        rc ? rc
           : add_u64(b, "rejected", atomic_load_explicit(&s->rejected, memory_order_relaxed), true);
    rc = rc ? rc : add_u64(b, "idle_closed", idle, true);
    rc = rc ? rc : add_u64(b, "max", s->cfg.max_connections, true);
    int64_t queued = atomic_load_explicit(&s->out_queued, memory_order_relaxed);
    rc = rc ? rc : add_u64(b, "output_queued", queued > 0 ? (uint64_t)queued : 0, true);
    rc = rc ? rc : fh_buf_adds(b, "},\"bytes\":{");
    rc = rc ? rc : add_u64(b, "in", in, false);
    rc = rc ? rc : add_u64(b, "out", out, true);
    rc = rc ? rc : fh_buf_adds(b, "},\"latency_us\":{");
    rc = rc ? rc : fh_lathist_snap_json(b, "all", &all);
    rc = rc ? rc : fh_buf_addc(b, ',');
    rc = rc ? rc : fh_lathist_snap_json(b, "search", &search);
    rc = rc ? rc : fh_buf_adds(b, "},\"index\":{\"dir\":");
    rc = rc ? rc : fh_buf_add_json_str(b, s->cfg.index_dir, strlen(s->cfg.index_dir));
    rc = rc ? rc
            : add_u64(b, "generation", atomic_load_explicit(&s->generation, memory_order_relaxed),
                      true);
    rc = rc ? rc : add_u64(b, "worker_generation", w->gen, true);
    rc = rc ? rc
            : add_u64(b, "reloads", atomic_load_explicit(&s->reloads, memory_order_relaxed), true);
    rc = rc ? rc
            : add_u64(b, "reload_failures",
                      atomic_load_explicit(&s->reload_failures, memory_order_relaxed), true);
    if (!rc && w->ref) {
        rc = fh_buf_adds(b, ",\"facts\":");
        rc = rc ? rc : fh_engine_stats(w->ref->engine, b);
    }
    rc = rc ? rc : fh_buf_adds(b, "}}");
    if (rc) {
        fh_buf_reset(b);
        fh_proto_error_json(b, fh_errcode(rc), "could not build the STATS reply");
        return -1;
    }
    return 0;
}

int fh_cmd_execute(fh_worker *w, const fh_request *req, bool *quit)
{
    fh_buf_reset(&w->errmsg);
    switch (req->cmd) {
    case FH_CMD_PING:
        return fh_buf_adds(&w->reply, "{\"ok\":true,\"pong\":true}") ? -1 : 0;
    case FH_CMD_QUIT:
        *quit = true;
        return fh_buf_adds(&w->reply, "{\"ok\":true,\"bye\":true}") ? -1 : 0;
    case FH_CMD_STATS:
        fh_worker_refresh(w);
        return do_stats(w);
    case FH_CMD_SEARCH:
    case FH_CMD_GET:
    case FH_CMD_KEYWORDS:
        break;
    case FH_CMD_COUNT_:
        return no_index(w);
    }
    fh_worker_refresh(w);
    if (!w->searcher)
        return no_index(w);
    int rc;
    if (req->cmd == FH_CMD_SEARCH)
        return do_search(w, req);
    if (req->cmd == FH_CMD_GET)
        rc = fh_get(w->searcher, req->arg, req->arg_len, &w->reply, &w->errmsg);
    else
        rc = fh_keywords(w->searcher, req->arg, req->arg_len, &w->reply, &w->errmsg);
    return rc ? engine_error(w, rc) : 0;
}
