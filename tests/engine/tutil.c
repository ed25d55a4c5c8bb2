/* tutil.c — see tutil.h. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "tutil.h"

#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fahras/err.h"
#include "fahras/index.h"

char *tu_tmpdir(void)
{
    static char path[512];
    const char *t = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/fh-engine-XXXXXX", t && *t ? t : "/tmp");
    return mkdtemp(path);
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

void tu_rmrf(const char *dir)
{
    nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

typedef struct occ {
    char *term;
    uint32_t doc, field, pos;
} occ;

static int occ_cmp(const void *a, const void *b)
{
    const occ *x = a, *y = b;
    int c = strcmp(x->term, y->term);
    if (c)
        return c;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    if (x->field != y->field)
        return x->field < y->field ? -1 : 1;
    return x->pos < y->pos ? -1 : (x->pos > y->pos);
}

int tu_build(const char *dir, const fh_analyzer *a, unsigned nf, const char *const *fnames,
             const float *fw, const tu_doc *docs, size_t n)
{
    return tu_build_stored(dir, a, nf, fnames, fw, docs, n, NULL);
}

int tu_build_stored(const char *dir, const fh_analyzer *a, unsigned nf, const char *const *fnames,
                    const float *fw, const tu_doc *docs, size_t n, const char *const *stored)
{
    fh_index_build_info info;
    fh_index_writer *w = NULL;
    fh_analysis *an = NULL;
    occ *o = NULL;
    size_t no = 0, co = 0;
    int rc;
    memset(&info, 0, sizeof info);
    info.analyzer_name = fh_analyzer_name(a);
    info.analyzer_version = fh_analyzer_version(a);
    info.n_fields = nf;
    for (unsigned f = 0; f < nf; f++) {
        info.field_names[f] = fnames[f];
        info.field_weights[f] = fw ? fw[f] : 1.0f;
    }
    if ((rc = fh_analysis_new(a, &an)) != 0)
        return rc;
    if ((rc = fh_index_writer_open(dir, &info, &w)) != 0)
        goto out;
    for (size_t d = 0; d < n; d++) {
        uint32_t lens[FH_MAX_FIELDS] = {0};
        json_t *js = json_object();
        json_object_set_new(js, "id", json_string(docs[d].id));
        for (unsigned f = 0; f < nf; f++) {
            const char *t = docs[d].field[f] ? docs[d].field[f] : "";
            json_object_set_new(js, fnames[f], json_string(t));
            const fh_token *tk;
            size_t nt;
            if ((rc = fh_analyze(an, t, strlen(t), &tk, &nt)) != 0)
                goto out;
            for (size_t i = 0; i < nt; i++) {
                if (!(tk[i].flags & FH_TOK_PART))
                    lens[f]++;
                if (no == co) {
                    co = co ? co * 2 : 1024;
                    o = realloc(o, co * sizeof *o);
                }
                o[no].term = strdup(tk[i].stem);
                o[no].doc = (uint32_t)d;
                o[no].field = f;
                o[no].pos = tk[i].position;
                no++;
                if (tk[i].alt_len) { /* the alternative-stem namespace, as the indexer */
                    if (no == co) {
                        co *= 2;
                        o = realloc(o, co * sizeof *o);
                    }
                    o[no].term = malloc((size_t)tk[i].alt_len + 1u);
                    memcpy(o[no].term, tk[i].alt, tk[i].alt_len);
                    o[no].term[tk[i].alt_len] = '\0';
                    o[no].doc = (uint32_t)d;
                    o[no].field = f;
                    o[no].pos = tk[i].position;
                    no++;
                }
            }
        }
        char *s = stored && stored[d] ? NULL : json_dumps(js, JSON_COMPACT);
        const char *sd = s ? s : stored && stored[d] ? stored[d] : "";
        json_decref(js);
        rc = fh_index_writer_add_doc(w, (uint32_t)d, docs[d].id, strlen(docs[d].id), lens, sd,
                                     strlen(sd));
        free(s);
        if (rc)
            goto out;
    }
    qsort(o, no, sizeof *o, occ_cmp);
    for (size_t i = 0; i < no;) {
        size_t j = i;
        while (j < no && strcmp(o[j].term, o[i].term) == 0)
            j++;
        if (o[i].term[0] == '\0') {
            i = j;
            continue;
        }
        if ((rc = fh_index_writer_term_begin(w, o[i].term, strlen(o[i].term))) != 0)
            goto out;
        for (size_t k = i; k < j;) {
            size_t l = k;
            uint32_t tfs[FH_MAX_FIELDS] = {0};
            uint32_t pos[4096];
            size_t np = 0;
            while (l < j && o[l].doc == o[k].doc) {
                /* the same token twice at one position (a whole and its first
                 * part share it) is one occurrence */
                if (!(l > k && o[l - 1].field == o[l].field && o[l - 1].pos == o[l].pos) &&
                    np < 4096) {
                    tfs[o[l].field]++;
                    pos[np++] = o[l].pos;
                }
                l++;
            }
            if ((rc = fh_index_writer_term_add(w, o[k].doc, tfs, pos, np)) != 0)
                goto out;
            k = l;
        }
        if ((rc = fh_index_writer_term_end(w)) != 0)
            goto out;
        i = j;
    }
    rc = fh_index_writer_commit(w);
    w = NULL;
out:
    if (w)
        fh_index_writer_abort(w);
    for (size_t i = 0; i < no; i++)
        free(o[i].term);
    free(o);
    fh_analysis_free(an);
    return rc;
}

int tu_index_init(tu_index *t, const fh_analyzer_opts *ao)
{
    memset(t, 0, sizeof *t);
    const char *d = tu_tmpdir();
    if (!d || fh_analyzer_new(ao, &t->a) != 0) {
        if (d)
            tu_rmrf(d);
        t->a = NULL;
        return -1;
    }
    snprintf(t->dir, sizeof t->dir, "%s", d);
    return 0;
}

int tu_index_build(tu_index *t, const fh_analyzer_opts *ao, unsigned nf, const char *const *fnames,
                   const float *fw, const tu_doc *docs, size_t n, const char *const *stored)
{
    if (tu_index_init(t, ao) != 0)
        return -1;
    int rc = tu_build_stored(t->dir, t->a, nf, fnames, fw, docs, n, stored);
    if (rc)
        tu_index_free(t);
    return rc;
}

int tu_index_open(tu_index *t, const fh_rank_params *rp)
{
    int rc = fh_engine_open(t->dir, t->a, rp, &t->e);
    if (rc == 0 && (rc = fh_searcher_new(t->e, &t->s)) != 0)
        tu_index_shut(t);
    if (rc) {
        t->e = NULL;
        t->s = NULL;
    }
    return rc;
}

void tu_index_shut(tu_index *t)
{
    fh_searcher_free(t->s);
    fh_engine_free(t->e);
    t->s = NULL;
    t->e = NULL;
}

void tu_index_free(tu_index *t)
{
    tu_index_shut(t);
    fh_analyzer_free(t->a);
    if (t->dir[0])
        tu_rmrf(t->dir);
    memset(t, 0, sizeof *t);
}
