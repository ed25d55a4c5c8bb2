/* ix_input.h — byte sources for the indexer: a file or standard input, with
 * gzip (zlib) and xz (liblzma) decompressed transparently, plus input-format
 * detection and the listing of a folder of .txt files.
 *
 * Compression is recognized by its magic bytes, not by the file name, so a
 * compressed standard input works too. Concatenated gzip members are read
 * one after the other; zero bytes after the last are padding, as gzip(1)
 * takes them, and any other trailing bytes are corrupt data. zstd and
 * bzip2, and UTF-16 text (its byte order mark), are recognized only to be
 * refused (fh_src_unsupported). A source belongs to one thread. */
#ifndef FAHRAS_IX_INPUT_H
#define FAHRAS_IX_INPUT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum fh_informat {
    FH_IN_AUTO = 0,
    FH_IN_JSONL,
    FH_IN_TSV,
    FH_IN_DIR
} fh_informat;

typedef struct fh_src fh_src;

/* Open `path` ("-" is standard input, which is not closed). A named pipe is
 * opened without waiting for a writer: the first read waits for one (and
 * sees a cancel meanwhile, below). On failure returns FH_EIO with errno set
 * and *out untouched. */
int fh_src_open(const char *path, fh_src **out);
/* A source reading the open file descriptor fd, which it takes: on success
 * fh_src_close() closes it; on failure (FH_ENOMEM) it is still the caller's. */
int fh_src_take_fd(int fd, fh_src **out);
/* Find out what the source holds (fh_src_kind(), fh_src_unsupported())
 * before reading: its first bytes are read and kept for fh_src_read(). 0,
 * FH_EIO (errno set), FH_ETIMEOUT once cancelled, or FH_ENOMEM. */
int fh_src_sniff(fh_src *s);
/* Read up to n decompressed bytes. Returns the count, 0 at the end, or a
 * negative FH_E* code (FH_EIO, FH_EINPUT for a corrupt compressed stream or
 * one compressed by a program it cannot undo, see fh_src_unsupported(),
 * FH_ETIMEOUT once cancelled, below). */
ssize_t fh_src_read(fh_src *s, void *buf, size_t n);
/* Make reads give up with FH_ETIMEOUT once *cancel is true. A pipe, FIFO,
 * terminal or socket can leave read(2) waiting for ever, so on those the
 * source polls in slices of 100 ms and looks at *cancel in between; a
 * regular file never waits. `cancel` must outlive the source (the caller's). */
void fh_src_set_cancel(fh_src *s, const atomic_bool *cancel);
/* Bytes consumed from the underlying file so far (compressed bytes). */
uint64_t fh_src_raw_pos(const fh_src *s);
/* "plain", "gzip", "xz", "zstd", "bzip2" or "UTF-16" (valid after the first
 * read or fh_src_sniff()). */
const char *fh_src_kind(const fh_src *s);
/* "zstd" or "bzip2" when the data is compressed so (recognized by its magic
 * bytes, which no text begins with), which the source does not decompress,
 * or "UTF-16" when it starts with a UTF-16 byte order mark (FF FE or FE FF,
 * bytes UTF-8 never holds), which it does not convert: its reads fail with
 * FH_EINPUT. NULL otherwise (valid after the first read). */
const char *fh_src_unsupported(const fh_src *s);
void fh_src_close(fh_src *s);

/* Format of an input path: FH_IN_DIR for a directory, FH_IN_TSV for names
 * ending .tsv (before an optional .gz/.xz; each in any case, .TSV.GZ too),
 * FH_IN_JSONL otherwise (also for "-"). Returns FH_EIO if the path cannot be
 * stat'ed. */
int fh_input_detect(const char *path, fh_informat *out);
const char *fh_informat_name(fh_informat f);

/* Size on disk (0 for standard input or when unknown). */
uint64_t fh_input_size(const char *path);

/* Sorted names (not paths) of the *.txt entries in `dir` (the extension in
 * any case; not hidden ones, not subfolders, not in subfolders). Everything
 * else is listed, symbolic links, named pipes and devices too: the reader
 * checks what each is (after links) and reports what it cannot read. On
 * success
 * *names is a malloc'd array of malloc'd strings; free with
 * fh_txtdir_free(). */
int fh_txtdir_list(const char *dir, char ***names, size_t *n);
void fh_txtdir_free(char **names, size_t n);

#endif /* FAHRAS_IX_INPUT_H */
