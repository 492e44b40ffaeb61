/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static uint64_t clock_ms(clockid_t id) {
        struct timespec ts;
        clock_gettime(id, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t pb_now_ms(void) {
        return clock_ms(CLOCK_MONOTONIC);
}

uint64_t pb_wall_ms(void) {
        return clock_ms(CLOCK_REALTIME);
}

uint64_t pb_random_u64(void) {
        uint64_t v = 0;
        /* getrandom() of 8 bytes from an initialised pool cannot be short. */
        if (getrandom(&v, sizeof(v), 0) != sizeof(v))
                v = pb_wall_ms() ^ ((uint64_t)getpid() << 32);
        return v;
}

char *pb_path_join(const char *dir, const char *name) {
        size_t a = strlen(dir), b = strlen(name);
        char *p = malloc(a + b + 2);
        if (!p)
                return NULL;
        memcpy(p, dir, a);
        p[a] = '/';
        memcpy(p + a + 1, name, b + 1);
        return p;
}

/* Refuses what is not a regular file: a FIFO would block the caller's thread
 * until someone writes to it (so the open never blocks), a device or a
 * directory is never what a caller meant. */
static int regular_only(const struct stat *st) {
        if (S_ISREG(st->st_mode))
                return 0;
        return S_ISDIR(st->st_mode) ? -EISDIR : -EBADFD;
}

int pb_file_read(const char *path, size_t max_len, uint8_t **ret, size_t *ret_len) {
        int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        struct stat st;
        int r = fstat(fd, &st) < 0 ? -errno : regular_only(&st);
        if (r < 0) {
                close(fd);
                return r;
        }
        if ((uint64_t)st.st_size > max_len) {
                close(fd);
                return -EFBIG;
        }
        size_t len = (size_t)st.st_size;
        uint8_t *buf = malloc(len + 1); /* +1: callers may treat text as a C string */
        if (!buf) {
                close(fd);
                return -ENOMEM;
        }
        size_t got = 0;
        while (got < len) {
                ssize_t n = read(fd, buf + got, len - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        r = n < 0 ? -errno : -EIO;
                        free(buf);
                        close(fd);
                        return r;
                }
                got += (size_t)n;
        }
        close(fd);
        buf[len] = 0;
        *ret = buf;
        *ret_len = len;
        return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len) {
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

int pb_dir_sync(const char *path) {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = fsync(fd) < 0 ? -errno : 0;
        close(fd);
        return r;
}

/* Creates a temporary beside path under a random name, exclusively and
 * never through a link: a symlink planted at a predictable name cannot
 * redirect the write to another file. */
static int create_temp(const char *path, char **ret_tmp) {
        size_t n = strlen(path) + 32;
        _cleanup_free_ char *tmp = malloc(n);
        if (!tmp)
                return -ENOMEM;
        for (int tries = 0; tries < 16; tries++) {
                snprintf(tmp, n, "%s.%016llx.tmp", path, (unsigned long long)pb_random_u64());
                int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd >= 0) {
                        *ret_tmp = TAKE_PTR(tmp);
                        return fd;
                }
                if (errno != EEXIST)
                        return -errno;
        }
        return -EEXIST;
}

int pb_file_write(const char *path, const void *data, size_t len) {
        /* rename() replaces a symlink at path, never its target; anything else
         * that is not a regular file (a device, /proc/self/mem) is refused. */
        struct stat st;
        if (lstat(path, &st) == 0 && !S_ISLNK(st.st_mode) && regular_only(&st) < 0)
                return regular_only(&st);
        _cleanup_free_ char *tmp = NULL;
        int fd = create_temp(path, &tmp);
        if (fd < 0)
                return fd;
        int r = write_all(fd, data, len);
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                unlink(tmp);
                return r;
        }
        /* The rename is durable only once the directory entry is. */
        _cleanup_free_ char *dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        char *slash = strrchr(dir, '/');
        if (slash)
                *slash = 0;
        return pb_dir_sync(slash ? dir : ".");
}

int pb_file_private(const char *path, bool create) {
        int fd = open(path, O_RDWR | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | (create ? O_CREAT : 0),
                      0600);
        if (fd < 0)
                return -errno;
        struct stat st;
        int r = fstat(fd, &st) < 0 ? -errno : regular_only(&st);
        if (r == 0 && (st.st_mode & 0077) && fchmod(fd, 0600) < 0)
                r = -errno;
        close(fd);
        return r;
}

int pb_mkdir_p(const char *path) {
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = 0;
                if (mkdir(p, 0700) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, 0700) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int pb_rmtree(const char *path) {
        DIR *d = opendir(path);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        struct dirent *e;
        int r = 0;
        while ((e = readdir(d))) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                        continue;
                if (unlinkat(dirfd(d), e->d_name, 0) < 0 && r == 0)
                        r = -errno;
        }
        closedir(d);
        if (rmdir(path) < 0 && r == 0)
                r = -errno;
        return r;
}

bool pb_bucket_take(struct pb_bucket *b, double burst, double rate, uint64_t now) {
        if (b->at == 0)
                b->tokens = burst;
        else
                b->tokens += (double)(now - b->at) / 1000.0 * rate;
        if (b->tokens > burst)
                b->tokens = burst;
        b->at = now;
        if (b->tokens < 1.0)
                return false;
        b->tokens -= 1.0;
        return true;
}
