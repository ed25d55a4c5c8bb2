/* fuzz_docjson.c — the daemon's stored-document reader (searchd/engine/
 * docjson.c) against jansson, on arbitrary bytes.
 *
 * - fh_docjson_strings: when it takes a document (1), jansson's plain
 *   json_loadb() takes it too, as an object, and every asked key's value is
 *   jansson's string byte for byte, or absent / not a string in both. Asked:
 *   title, text, body and the document's own first keys (escaped ones too).
 * - On a document the indexer would store (fh_json_load_doc takes it as an
 *   object, NUL in strings and integers past 64 bits included):
 *   fh_docjson_copy_raw finds every key and its copy reads back (through the
 *   same rule) as jansson's value, without a line break; a key the document
 *   lacks is not found; fh_docjson_copy_doc's copy reads back as the same
 *   object with each top-level key once, on one line.
 * - On anything else (never stored): both return a documented code and read
 *   nothing past the input (an exact-size copy, so ASan sees an overread). */
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "fahras/buf.h"
#include "fahras/err.h"
#include "fahras/jsondoc.h"
#include "fuzz_util.h"

#define MAX_OWN_KEYS (FH_DOCJSON_MAX_KEYS - 3u)

/* The tree of a copied value, read by the indexer's rule: wrapped in an
 * object, as fh_json_load_doc reads objects and arrays only. */
static json_t *read_back(const char *p, size_t n)
{
    char *w = malloc(n + 6);
    FZ_CHECK(w != NULL);
    memcpy(w, "{\"v\":", 5);
    memcpy(w + 5, p, n);
    w[n + 5] = '}';
    json_t *o = fh_json_load_doc(w, n + 6, NULL);
    free(w);
    json_t *v = json_incref(json_object_get(o, "v"));
    json_decref(o);
    return v;
}

/* json_equal, but a number equals another of the same double value: with
 * an integer past 64 bits anywhere in a document, the indexer's rule reads
 * all of its integers as reals, so one copied alone reads back otherwise. */
static bool same(json_t *a, json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    if (json_is_array(a) && json_is_array(b)) {
        if (json_array_size(a) != json_array_size(b))
            return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!same(json_array_get(a, i), json_array_get(b, i)))
                return false;
        return true;
    }
    if (json_is_object(a) && json_is_object(b)) {
        if (json_object_size(a) != json_object_size(b))
            return false;
        const char *key;
        json_t *v;
        json_object_foreach(a, key, v)
        {
            json_t *w = json_object_get(b, key);
            if (!w || !same(v, w))
                return false;
        }
        return true;
    }
    return json_equal(a, b);
}

/* The members of the compact object s[0..n) at its top level: its commas
 * there (outside strings and nested values), plus one unless it is {}. */
static size_t top_members(const char *s, size_t n)
{
    size_t members = 0, depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
            members += depth == 1 && members == 0; /* the first key */
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        } else if (c == ',' && depth == 1) {
            members++;
        }
    }
    return members;
}

static void check_strings(const char *doc, size_t size, json_t *stored)
{
    const char *keys[FH_DOCJSON_MAX_KEYS] = {"title", "text", "body"};
    size_t nk = 3;
    const char *key;
    json_t *v;
    if (json_is_object(stored)) {
        json_object_foreach(stored, key, v)
        {
            if (nk == 3u + MAX_OWN_KEYS)
                break;
            bool dup = false; /* a key asked twice is answered once */
            for (size_t k = 0; k < nk; k++)
                dup = dup || strcmp(keys[k], key) == 0;
            if (!dup)
                keys[nk++] = key;
        }
    }
    fh_buf scratch;
    fh_buf_init(&scratch, (size_t)1 << 24);
    fh_jstr vals[FH_DOCJSON_MAX_KEYS];
    int ok = fh_docjson_strings(doc, size, keys, nk, vals, &scratch);
    FZ_CHECK(ok == 0 || ok == 1);
    if (ok == 1) {
        json_t *j = json_loadb(doc, size, 0, NULL);
        FZ_CHECK(json_is_object(j));
        for (size_t k = 0; k < nk; k++) {
            json_t *s = json_object_get(j, keys[k]);
            FZ_CHECK(vals[k].found == json_is_string(s));
            if (vals[k].found) {
                FZ_CHECK(vals[k].len == json_string_length(s));
                FZ_CHECK(vals[k].len == 0 ||
                         memcmp(vals[k].p, json_string_value(s), vals[k].len) == 0);
            }
        }
        json_decref(j);
    }
    fh_buf_free(&scratch);
}

static void check_copies(const char *doc, size_t size, json_t *stored)
{
    fh_buf out;
    fh_buf_init(&out, (size_t)1 << 24);
    if (!json_is_object(stored)) {
        int rc = fh_docjson_copy_raw(doc, size, "text", 4, &out);
        FZ_CHECK(rc == 0 || rc == 1 || rc == FH_ELIMIT);
        fh_buf_reset(&out);
        rc = fh_docjson_copy_doc(doc, size, &out);
        FZ_CHECK(rc == 0 || rc == FH_ELIMIT);
        fh_buf_free(&out);
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach(stored, key, v)
    {
        fh_buf_reset(&out);
        FZ_CHECK(fh_docjson_copy_raw(doc, size, key, strlen(key), &out) == 1);
        FZ_CHECK(memchr(out.data, '\n', out.len) == NULL);
        json_t *back = read_back(out.data, out.len);
        FZ_CHECK(back != NULL && same(back, v));
        json_decref(back);
    }
    static const char absent[] = "\x01no such key";
    if (!json_object_get(stored, absent)) {
        fh_buf_reset(&out);
        FZ_CHECK(fh_docjson_copy_raw(doc, size, absent, sizeof absent - 1, &out) == 0);
    }
    fh_buf_reset(&out);
    FZ_CHECK(fh_docjson_copy_doc(doc, size, &out) == 0);
    FZ_CHECK(memchr(out.data, '\n', out.len) == NULL && memchr(out.data, '\r', out.len) == NULL);
    /* the same object, each top-level key once (nested objects are copied
       as they are, a repeated key and all) */
    json_t *whole = fh_json_load_doc(out.data, out.len, NULL);
    FZ_CHECK(json_is_object(whole) && json_object_size(whole) == top_members(out.data, out.len));
    FZ_CHECK(same(whole, stored));
    json_decref(whole);
    fh_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *doc = malloc(size ? size : 1);
    FZ_CHECK(doc != NULL);
    if (size)
        memcpy(doc, data, size);
    json_t *stored = fh_json_load_doc(doc, size, NULL);
    check_strings(doc, size, stored);
    check_copies(doc, size, stored);
    json_decref(stored);
    free(doc);
    return 0;
}
