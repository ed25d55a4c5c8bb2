/* ix_input.c — plain/gzip/xz byte sources and input detection (see ix_input.h).
 * Owns nothing but the file descriptor and the decompressor state; it does not
 * split lines (the reader thread in ix_build.c does). */
#include "ix_input.h"

#include "fahras/err.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define RAW_CAP (256u * 1024u)

/* SRC_ZSTD, SRC_BZIP2 and SRC_UTF16 are recognized only to be refused by
 * name. */
typedef enum { SRC_UNKNOWN, SRC_PLAIN, SRC_GZIP, SRC_XZ, SRC_ZSTD, SRC_BZIP2, SRC_UTF16 } src_kind;

#define SNIFF_LEN 10 /* the longest magic: bzip2's "BZh", level, block or end magic */

struct fh_src {
    int fd;
    bool own_fd;
    bool may_block;            /* not a regular file: reads may wait for ever */
    const atomic_bool *cancel; /* fh_src_set_cancel, or NULL */
    src_kind kind;
    bool raw_eof;
    bool stream_end; /* the decompressor reported the end of all data */
    uint64_t raw_pos;
    unsigned char *raw; /* compressed bytes not yet consumed: [raw_off, raw_len) */
    size_t raw_off, raw_len;
    z_stream z;
    bool z_init;
    lzma_stream x;
    bool x_init;
};

/* A source reading fd (closed by fh_src_close() when own_fd). */
static int src_new(int fd, bool own_fd, fh_src **out)
{
    fh_src *s = calloc(1, sizeof *s);
    if (!s)
        return FH_ENOMEM;
    s->raw = malloc(RAW_CAP);
    if (!s->raw) {
        free(s);
        return FH_ENOMEM;
    }
    s->fd = fd;
    s->own_fd = own_fd;
    struct stat st;
    s->may_block = fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode);
    *out = s;
    return 0;
}

int fh_src_open(const char *path, fh_src **out)
{
    if (strcmp(path, "-") == 0)
        return src_new(STDIN_FILENO, false, out);
    /* O_NONBLOCK: opening a named pipe would otherwise wait in open(2) for a
     * writer, where no cancel reaches it; the wait happens in src_read_fd's
     * poll instead. Reads are blocking again after. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    int fl = fd < 0 ? -1 : fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        errno = e;
        return FH_EIO;
    }
#ifdef POSIX_FADV_SEQUENTIAL
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    int rc = src_new(fd, true, out);
    if (rc)
        close(fd);
    return rc;
}

int fh_src_take_fd(int fd, fh_src **out)
{
    return src_new(fd, true, out);
}

void fh_src_set_cancel(fh_src *s, const atomic_bool *cancel)
{
    s->cancel = cancel;
}

/* read(2) that gives up once the source is cancelled: FH_ETIMEOUT. */
static ssize_t src_read_fd(fh_src *s, void *buf, size_t n)
{
    for (;;) {
        if (s->cancel && atomic_load(s->cancel))
            return FH_ETIMEOUT;
        if (s->may_block) {
            /* also without a cancel: a named pipe opened before its writer
               reads end of file until one comes, and poll waits for it */
            struct pollfd pf = {.fd = s->fd, .events = POLLIN};
            int k = poll(&pf, 1, s->cancel ? 100 : -1);
            if (k == 0 || (k < 0 && errno == EINTR))
                continue;
            if (k < 0)
                return FH_EIO;
        }
        ssize_t r = read(s->fd, buf, n);
        if (r < 0 && errno == EINTR)
            continue;
        return r < 0 ? FH_EIO : r;
    }
}

/* Refill the raw buffer (keeping unconsumed bytes). Returns 0, FH_EIO or
 * FH_ETIMEOUT (cancelled). */
static int raw_fill(fh_src *s)
{
    if (s->raw_off > 0) {
        memmove(s->raw, s->raw + s->raw_off, s->raw_len - s->raw_off);
        s->raw_len -= s->raw_off;
        s->raw_off = 0;
    }
    while (!s->raw_eof && s->raw_len < RAW_CAP) {
        ssize_t n = src_read_fd(s, s->raw + s->raw_len, RAW_CAP - s->raw_len);
        if (n < 0)
            return (int)n;
        if (n == 0) {
            s->raw_eof = true;
            break;
        }
        s->raw_len += (size_t)n;
        s->raw_pos += (uint64_t)n;
        break; /* one read is enough: keep latency low on pipes */
    }
    return 0;
}

static int sniff(fh_src *s)
{
    while (!s->raw_eof && s->raw_len < SNIFF_LEN) {
        int rc = raw_fill(s);
        if (rc)
            return rc;
    }
    const unsigned char *r = s->raw;
    if (s->raw_len >= 2 && r[0] == 0x1f && r[1] == 0x8b) {
        s->kind = SRC_GZIP;
        memset(&s->z, 0, sizeof s->z);
        if (inflateInit2(&s->z, 15 + 32) != Z_OK)
            return FH_ENOMEM;
        s->z_init = true;
    } else if (s->raw_len >= 6 && memcmp(r, "\xFD" "7zXZ\0", 6) == 0) {
        s->kind = SRC_XZ;
        lzma_stream init = LZMA_STREAM_INIT;
        s->x = init;
        if (lzma_stream_decoder(&s->x, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
            return FH_ENOMEM;
        s->x_init = true;
    } else if (s->raw_len >= 4 && memcmp(r, "\x28\xB5\x2F\xFD", 4) == 0) {
        s->kind = SRC_ZSTD; /* not valid UTF-8: no text starts so */
    } else if (s->raw_len >= 10 && memcmp(r, "BZh", 3) == 0 && r[3] >= '1' && r[3] <= '9' &&
               (memcmp(r + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0 ||
                memcmp(r + 4, "\x17\x72\x45\x38\x50\x90", 6) == 0)) {
        s->kind = SRC_BZIP2; /* the block (or end) magic too: a TSV header may start BZh1 */
    } else if (s->raw_len >= 2 &&
               ((r[0] == 0xFF && r[1] == 0xFE) || (r[0] == 0xFE && r[1] == 0xFF))) {
        s->kind = SRC_UTF16; /* a byte order mark (UTF-32's LE one too): no UTF-8 has FF or FE */
    } else {
        s->kind = SRC_PLAIN;
    }
    return 0;
}

static ssize_t read_plain(fh_src *s, unsigned char *buf, size_t n)
{
    if (s->raw_off < s->raw_len) { /* bytes kept from sniffing */
        size_t k = s->raw_len - s->raw_off;
        if (k > n)
            k = n;
        memcpy(buf, s->raw + s->raw_off, k);
        s->raw_off += k;
        return (ssize_t)k;
    }
    if (s->raw_eof)
        return 0;
    ssize_t k = src_read_fd(s, buf, n);
    if (k < 0)
        return k;
    if (k == 0)
        s->raw_eof = true;
    s->raw_pos += (uint64_t)k;
    return k;
}

/* After a gzip member: 0 when more input follows (another member), 1 at the
 * end of the input. Zero bytes after the last member are padding, skipped
 * as gzip(1) does (tapes and some tools pad); anything after them is
 * corrupt (FH_EINPUT). Or FH_EIO / FH_ETIMEOUT from the read. */
static int gzip_after_member(fh_src *s)
{
    bool padding = false;
    for (;;) {
        if (s->raw_off == s->raw_len) {
            if (s->raw_eof)
                return 1;
            int rc = raw_fill(s);
            if (rc)
                return rc;
            continue;
        }
        if (s->raw[s->raw_off] != 0)
            return padding ? FH_EINPUT : 0;
        padding = true;
        s->raw_off++;
    }
}

static ssize_t read_gzip(fh_src *s, unsigned char *buf, size_t n)
{
    if (n > UINT32_MAX)
        n = UINT32_MAX;
    s->z.next_out = buf;
    s->z.avail_out = (uInt)n;
    while (s->z.avail_out == n && !s->stream_end) {
        if (s->raw_off == s->raw_len) {
            int rc = raw_fill(s);
            if (rc)
                return rc;
            if (s->raw_len == 0 && s->raw_eof)
                return FH_EINPUT; /* truncated stream */
        }
        s->z.next_in = s->raw + s->raw_off;
        s->z.avail_in = (uInt)(s->raw_len - s->raw_off);
        int zr = inflate(&s->z, Z_NO_FLUSH);
        s->raw_off = s->raw_len - s->z.avail_in;
        if (zr == Z_STREAM_END) {
            /* concatenated members: continue if more input follows */
            int rc = gzip_after_member(s);
            if (rc < 0)
                return rc;
            if (rc == 1)
                s->stream_end = true;
            else if (inflateReset(&s->z) != Z_OK)
                return FH_EINPUT;
        } else if (zr == Z_BUF_ERROR) {
            if (s->raw_eof && s->raw_off == s->raw_len)
                return FH_EINPUT;
        } else if (zr != Z_OK) {
            return FH_EINPUT;
        }
    }
    return (ssize_t)(n - s->z.avail_out);
}

static ssize_t read_xz(fh_src *s, unsigned char *buf, size_t n)
{
    s->x.next_out = buf;
    s->x.avail_out = n;
    while (s->x.avail_out == n && !s->stream_end) {
        if (s->raw_off == s->raw_len && !s->raw_eof) {
            int rc = raw_fill(s);
            if (rc)
                return rc;
        }
        s->x.next_in = s->raw + s->raw_off;
        s->x.avail_in = s->raw_len - s->raw_off;
        lzma_action act = (s->raw_eof && s->raw_off == s->raw_len) ? LZMA_FINISH : LZMA_RUN;
        lzma_ret xr = lzma_code(&s->x, act);
        s->raw_off = s->raw_len - s->x.avail_in;
        if (xr == LZMA_STREAM_END)
            s->stream_end = true;
        else if (xr != LZMA_OK)
            return FH_EINPUT;
        else if (act == LZMA_FINISH && s->x.avail_out == n)
            return FH_EINPUT; /* no progress at the end: truncated */
    }
    return (ssize_t)(n - s->x.avail_out);
}

int fh_src_sniff(fh_src *s)
{
    return s->kind == SRC_UNKNOWN ? sniff(s) : 0;
}

ssize_t fh_src_read(fh_src *s, void *buf, size_t n)
{
    if (n == 0)
        return 0;
    int rc = fh_src_sniff(s);
    if (rc)
        return rc;
    switch (s->kind) {
    case SRC_GZIP:
        return read_gzip(s, buf, n);
    case SRC_XZ:
        return read_xz(s, buf, n);
    case SRC_ZSTD:
    case SRC_BZIP2:
    case SRC_UTF16:
        return FH_EINPUT; /* fh_src_unsupported() names it */
    default:
        return read_plain(s, buf, n);
    }
}

uint64_t fh_src_raw_pos(const fh_src *s)
{
    return s->raw_pos;
}

const char *fh_src_kind(const fh_src *s)
{
    return s->kind == SRC_GZIP    ? "gzip"
           : s->kind == SRC_XZ    ? "xz"
           : s->kind == SRC_ZSTD  ? "zstd"
           : s->kind == SRC_BZIP2 ? "bzip2"
           : s->kind == SRC_UTF16 ? "UTF-16"
                                  : "plain";
}

const char *fh_src_unsupported(const fh_src *s)
{
    return s->kind == SRC_ZSTD || s->kind == SRC_BZIP2 || s->kind == SRC_UTF16 ? fh_src_kind(s)
                                                                               : NULL;
}

void fh_src_close(fh_src *s)
{
    if (!s)
        return;
    if (s->z_init)
        inflateEnd(&s->z);
    if (s->x_init)
        lzma_end(&s->x);
    if (s->own_fd)
        close(s->fd);
    free(s->raw);
    free(s);
}

/* Whether s[0, n) ends with suf, in any case (.TSV, .Gz), as folder inputs
 * take .TXT. */
static bool ends_with(const char *s, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n >= k && strncasecmp(s + n - k, suf, k) == 0;
}

int fh_input_detect(const char *path, fh_informat *out)
{
    if (strcmp(path, "-") == 0) {
        *out = FH_IN_JSONL;
        return 0;
    }
    struct stat st;
    if (stat(path, &st) != 0)
        return FH_EIO;
    if (S_ISDIR(st.st_mode)) {
        *out = FH_IN_DIR;
        return 0;
    }
    size_t n = strlen(path);
    if (ends_with(path, n, ".gz"))
        n -= 3;
    else if (ends_with(path, n, ".xz"))
        n -= 3;
    *out = ends_with(path, n, ".tsv") ? FH_IN_TSV : FH_IN_JSONL;
    return 0;
}

const char *fh_informat_name(fh_informat f)
{
    switch (f) {
    case FH_IN_JSONL:
        return "jsonl";
    case FH_IN_TSV:
        return "tsv";
    case FH_IN_DIR:
        return "dir";
    default:
        return "auto";
    }
}

uint64_t fh_input_size(const char *path)
{
    struct stat st;
    if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    return (uint64_t)st.st_size;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int fh_txtdir_list(const char *dir, char ***names, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return FH_EIO;
    char **v = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t k = strlen(e->d_name);
        if (k <= 4 || strcasecmp(e->d_name + k - 4, ".txt") != 0 || e->d_name[0] == '.')
            continue;
        /* subfolders are not read; anything else is listed, and what is not
           a regular file (after links) is reported when read */
        struct stat st;
        if (e->d_type == DT_DIR ||
            (e->d_type == DT_UNKNOWN &&
             fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)))
            continue;
        if (len == cap) {
            size_t nc = cap ? cap * 2 : 64;
            char **nv = realloc(v, nc * sizeof *nv);
            if (!nv) {
                rc = FH_ENOMEM;
                goto out;
            }
            v = nv;
            cap = nc;
        }
        v[len] = strdup(e->d_name);
        if (!v[len]) {
            rc = FH_ENOMEM;
            goto out;
        }
        len++;
    }
    if (len)
        qsort(v, len, sizeof *v, cmp_names);
out:
    closedir(d);
    if (rc) {
        fh_txtdir_free(v, len);
        return rc;
    }
    *names = v;
    *n = len;
    return 0;
}

void fh_txtdir_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
