/* jsondoc.c — reading a stored document with jansson (see fahras/jsondoc.h). */
#include "fahras/jsondoc.h"

#define EXACT_MAX 9007199254740992.0 /* 2^53: every integer below it is exact in a double */

/* A real that holds an integer below 2^53 in magnitude: its value in *out. */
static bool small_integral(double d, long long *out)
{
    if (!(d > -EXACT_MAX && d < EXACT_MAX) || d != (double)(long long)d)
        return false;
    *out = (long long)d;
    return true;
}

/* After a read with every integer as a real: integers again wherever that is
 * exact, so that only the integers beyond 2^53 stay reals. (A real written
 * with an integral value, 5.0, becomes the integer 5 too: the same number.) */
static void integers_back(json_t *j)
{
    long long v;
    if (json_is_object(j)) {
        for (void *it = json_object_iter(j); it; it = json_object_iter_next(j, it)) {
            json_t *x = json_object_iter_value(it);
            if (json_is_real(x) && small_integral(json_real_value(x), &v))
                json_object_iter_set_new(j, it, json_integer(v));
            else
                integers_back(x);
        }
    } else if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j); i++) {
            json_t *x = json_array_get(j, i);
            if (json_is_real(x) && small_integral(json_real_value(x), &v))
                json_array_set_new(j, i, json_integer(v));
            else
                integers_back(x);
        }
    }
}

json_t *fh_json_load_doc(const char *text, size_t len, json_error_t *err)
{
    json_error_t local;
    if (!err)
        err = &local;
    json_t *j = json_loadb(text ? text : "", len, JSON_ALLOW_NUL, err);
    if (!j && json_error_code(err) == json_error_numeric_overflow) {
        j = json_loadb(text ? text : "", len, JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, err);
        integers_back(j);
    }
    return j;
}
