/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pollset.c — the context's epoll set (pollset.h). */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "pollset.h"

#define BATCH 64 /* events per epoll_wait(); the rest come at the next call */

struct pb_poll {
        int epfd;
};

int pb_poll_new(int queue_fd, pb_poll **ret) {
        pb_poll *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->epfd = epoll_create1(EPOLL_CLOEXEC);
        /* The queue's eventfd is in the set with a NULL pointer: it is the
         * caller's, drained by pb_queue_take_all(). */
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
        if (p->epfd < 0 || epoll_ctl(p->epfd, EPOLL_CTL_ADD, queue_fd, &ev) < 0) {
                int r = -errno;
                if (p->epfd >= 0)
                        close(p->epfd);
                free(p);
                return r;
        }
        *ret = p;
        return 0;
}

pb_poll *pb_poll_free(pb_poll *p) {
        if (p) {
                close(p->epfd);
                free(p);
        }
        return NULL;
}

int pb_poll_fd(const pb_poll *p) {
        return p->epfd;
}

int pb_watch_add(pb_poll *p, struct pb_watch *w, uint32_t events) {
        struct epoll_event ev = { .events = events, .data.ptr = w };
        if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0)
                return -errno;
        w->events = events;
        w->dead = false;
        return 0;
}

int pb_watch_set(pb_poll *p, struct pb_watch *w, uint32_t events) {
        if (w->fd < 0 || w->dead || w->events == events)
                return 0;
        struct epoll_event ev = { .events = events, .data.ptr = w };
        if (epoll_ctl(p->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
                return -errno;
        w->events = events;
        return 0;
}

void pb_watch_del(pb_poll *p, struct pb_watch *w) {
        if (w->fd >= 0 && !w->dead)
                epoll_ctl(p->epfd, EPOLL_CTL_DEL, w->fd, NULL);
        w->dead = true;
}

int pb_poll_dispatch(pb_poll *p) {
        struct epoll_event ev[BATCH];
        int n = epoll_wait(p->epfd, ev, BATCH, 0);
        int called = 0;
        for (int i = 0; i < n; i++) {
                struct pb_watch *w = ev[i].data.ptr;
                /* A watch deleted by an earlier handler of this batch is
                 * still allocated (poll.h): skip it. */
                if (!w || w->dead)
                        continue;
                w->cb(w, ev[i].events);
                called++;
        }
        return called;
}
