/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * util.h — small helpers shared by the library: cleanup attributes, clocks,
 * whole-file I/O done safely (write to a temporary, fsync, rename).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p) {
        free(*(void **)p);
}

/* Moves a pointer out of a cleanup variable: the variable becomes NULL. */
#define TAKE_PTR(p)                        \
        ({                                 \
                __typeof__(p) _tmp_ = (p); \
                (p) = NULL;                \
                _tmp_;                     \
        })

uint64_t pb_now_ms(void);  /* CLOCK_MONOTONIC */
uint64_t pb_wall_ms(void); /* CLOCK_REALTIME, milliseconds since the epoch */
uint64_t pb_random_u64(void);

/* A token bucket: `burst` tokens, refilled at `rate` a second. */
struct pb_bucket {
        double tokens;
        uint64_t at; /* pb_now_ms() of the last refill; 0 = full */
};
/* Refills by elapsed time; takes a token if there is one. */
bool pb_bucket_take(struct pb_bucket *b, double burst, double rate, uint64_t now);

/* Reads a whole regular file of at most max_len bytes, without ever blocking
 * on a FIFO: -EFBIG when larger, -EISDIR for a directory, -EBADFD for any
 * other file that is not a regular one. */
int pb_file_read(const char *path, size_t max_len, uint8_t **ret, size_t *ret_len);
/* Replaces path atomically and durably with data (mode 0600), through a
 * temporary of a random name that is never a link; a symlink at path is
 * replaced, its target left alone; -EISDIR/-EBADFD when path is there and is
 * neither a regular file nor a link. */
int pb_file_write(const char *path, const void *data, size_t len);
/* Makes sure path is a regular file of mode 0600 (narrowing a wider one),
 * creating it empty when missing if create is set, for files that another
 * library then writes (SQLite, OpenDHT's node cache); never through a link. */
int pb_file_private(const char *path, bool create);
/* fsync()s a directory so that a rename inside it is durable. */
int pb_dir_sync(const char *path);
/* mkdir -p with mode 0700. */
int pb_mkdir_p(const char *path);
/* rm -rf of an account folder (one level of plain files). */
int pb_rmtree(const char *path);
/* Joins with '/', malloc()ed; NULL on allocation failure. */
char *pb_path_join(const char *dir, const char *name);
