/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pollset.h — the context's one file descriptor: an epoll set holding the event
 * queue's eventfd and every socket of every account's direct channels.
 *
 * peerbook_ctx_get_fd() hands out the epoll fd itself, which is readable
 * whenever one of the descriptors in it is (sd-event does the same): the
 * owner's loop keeps polling one fd, and all socket I/O happens on the
 * owner's thread, inside peerbook_ctx_process(), with no lock and no thread
 * of our own. Level-triggered: a handler that leaves data unread is called
 * again at the next process().
 *
 * A handler may close any watch, its own or another's, even one whose
 * event is pending in the same batch: pb_watch_del() only unhooks it, and
 * the memory of a watch is the caller's to free after pb_poll_dispatch()
 * returns (channels.c frees closed channels at its tick).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef struct pb_poll pb_poll;
struct pb_watch;

typedef void (*pb_watch_cb)(struct pb_watch *w, uint32_t events);

struct pb_watch {
        int fd;          /* -1 once deleted */
        uint32_t events; /* EPOLLIN / EPOLLOUT as registered */
        pb_watch_cb cb;
        bool dead; /* deleted during this dispatch: its pending events are skipped */
};

int pb_poll_new(int queue_fd, pb_poll **ret);
pb_poll *pb_poll_free(pb_poll *p);
int pb_poll_fd(const pb_poll *p);

/* Adds w (w->fd, w->cb set) for `events` (EPOLLIN, EPOLLOUT). */
int pb_watch_add(pb_poll *p, struct pb_watch *w, uint32_t events);
/* Changes the events watched; a no-op when unchanged. */
int pb_watch_set(pb_poll *p, struct pb_watch *w, uint32_t events);
/* Removes w from the set (does not close its fd). */
void pb_watch_del(pb_poll *p, struct pb_watch *w);

/* Calls the handlers of the ready watches (the queue's fd is left to the
 * caller: it is readable as part of the set). Never blocks. Returns the
 * number of handlers called. */
int pb_poll_dispatch(pb_poll *p);
