/* test_analyze_threads.c — one shared fh_analyzer, one fh_analysis per thread:
 * two threads analyzing concurrently get exactly the single-thread tokens. */
#include "an_helpers.h"

#include <pthread.h>
#include <stdio.h>

static const char *const k_texts[] = {
    "أعلنت شركة DeepSeek الصينية عن نموذجها الجديد DeepSeek-R1 المتخصص في الاستدلال.",
    "تراجعت أسهم شركة Nvidia بنسبة 17% في جلسة واحدة، وقال محللون إن الطلب على H800 قوي.",
    "ٱلۡحَمۡدُ لِلَّهِ رَبِّ ٱلۡعَٰلَمِينَ ﷲ ﻻ ٢٠٢٦ COVID-19 لشركات بالكتاب",
};
#define NTEXTS (sizeof k_texts / sizeof k_texts[0])
#define ROUNDS 300

typedef struct job {
    const fh_analyzer *a;
    char ref[NTEXTS][8192]; /* expected dump of each text */
    int failures;
} job;

static void dump(const fh_token *t, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o < cap; i++) {
        int w = snprintf(out + o, cap - o, "%u:%u:%u:%x:%s:%s|", t[i].offset, t[i].length,
                         t[i].position, t[i].flags, t[i].norm, t[i].stem);
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

static void *worker(void *arg)
{
    job *j = arg;
    fh_analysis *s = NULL;
    char got[8192];
    if (fh_analysis_new(j->a, &s) != 0) {
        j->failures++;
        return NULL;
    }
    for (int r = 0; r < ROUNDS; r++) {
        for (size_t k = 0; k < NTEXTS; k++) {
            const fh_token *t;
            size_t n;
            if (fh_analyze(s, k_texts[k], strlen(k_texts[k]), &t, &n) != 0) {
                j->failures++;
                continue;
            }
            dump(t, n, got, sizeof got);
            if (strcmp(got, j->ref[k]) != 0)
                j->failures++;
        }
    }
    fh_analysis_free(s);
    return NULL;
}

static void run_threads(fh_stemmer_kind kind)
{
    an_ctx c;
    an_open(&c, kind, false);
    static job jobs[2];
    for (size_t k = 0; k < NTEXTS; k++) {
        an_run(&c, k_texts[k]);
        assert_true(c.n > 5);
        dump(c.t, c.n, jobs[0].ref[k], sizeof jobs[0].ref[k]);
        memcpy(jobs[1].ref[k], jobs[0].ref[k], sizeof jobs[0].ref[k]);
    }
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        jobs[i].a = c.a;
        jobs[i].failures = 0;
        assert_int_equal(pthread_create(&th[i], NULL, worker, &jobs[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(jobs[i].failures, 0);
    }
    an_close(&c);
}

static void test_two_threads_light10(void **state)
{
    (void)state;
    run_threads(FH_STEM_LIGHT10);
}

static void test_two_threads_snowball(void **state)
{
    (void)state;
    run_threads(FH_STEM_SNOWBALL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_threads_light10),
        cmocka_unit_test(test_two_threads_snowball),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
