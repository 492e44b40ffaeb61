/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lines.h — text lines over a pipe, for the benchmarks whose children and
 * parent talk one line per command or report: read without stdio's
 * buffering, so that the descriptor can be polled beside the contexts'.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

struct lines {
        int fd;
        char buf[8192];
        size_t len;
};

/* Reads what is there and calls on_line() with each whole line (without its
 * newline); false at the end of the pipe (or on an error). A line longer
 * than the buffer is no line of ours: dropped. */
static inline bool lines_read(struct lines *l, void (*on_line)(char *line, void *arg), void *arg) {
        ssize_t r = read(l->fd, l->buf + l->len, sizeof(l->buf) - 1 - l->len);
        if (r <= 0)
                return r < 0 && errno == EINTR;
        l->len += (size_t)r;
        l->buf[l->len] = 0;
        char *start = l->buf, *nl;
        while ((nl = strchr(start, '\n'))) {
                *nl = 0;
                on_line(start, arg);
                start = nl + 1;
        }
        l->len -= (size_t)(start - l->buf);
        memmove(l->buf, start, l->len);
        if (l->len == sizeof(l->buf) - 1)
                l->len = 0;
        return true;
}
