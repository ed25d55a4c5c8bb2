/* jsondoc.c — reading a stored document with jansson (see fahras/jsondoc.h). */
#include "fahras/jsondoc.h"

json_t *fh_json_load_doc(const char *text, size_t len, json_error_t *err)
{
    json_error_t local;
    if (!err)
        err = &local;
    json_t *j = json_loadb(text ? text : "", len, JSON_ALLOW_NUL, err);
    if (!j && json_error_code(err) == json_error_numeric_overflow)
        j = json_loadb(text ? text : "", len, JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, err);
    return j;
}

bool fh_json_exact_int(const json_t *v, long long *out)
{
    if (json_is_integer(v)) {
        *out = (long long)json_integer_value(v);
        return true;
    }
    if (!json_is_real(v))
        return false;
    double d = json_real_value(v);
    if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) || d != (double)(long long)d)
        return false;
    *out = (long long)d;
    return true;
}
