/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "netwatch.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

/* Drains the socket: what changed does not matter, only that something did
 * (the node and the channels then look again at everything). */
static void on_netlink(struct pb_watch *watch, uint32_t events) {
        (void)events;
        struct pb_netwatch *w = (struct pb_netwatch *)watch;
        char buf[8192];
        bool any = false;
        for (int i = 0; i < 64; i++) { /* bounded: the rest at the next process */
                ssize_t n = recv(watch->fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (n <= 0)
                        break;
                for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
                     h = NLMSG_NEXT(h, n))
                        any |= h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_DELADDR ||
                               h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK;
        }
        if (any)
                w->due = pb_now_ms() + PB_NETWATCH_SETTLE_MS;
}

int pb_netwatch_open(struct pb_netwatch *w, pb_poll *p) {
        *w = (struct pb_netwatch){ .watch = { .fd = -1, .cb = on_netlink } };
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0)
                return 0;
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
                                  .nl_groups =
                                          RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR };
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                close(fd);
                return 0;
        }
        w->watch.fd = fd;
        int r = pb_watch_add(p, &w->watch, EPOLLIN);
        if (r < 0) {
                close(fd);
                w->watch.fd = -1;
        }
        return r;
}

void pb_netwatch_close(struct pb_netwatch *w, pb_poll *p) {
        if (w->watch.fd < 0)
                return;
        int fd = w->watch.fd;
        pb_watch_del(p, &w->watch);
        close(fd);
        w->watch.fd = -1;
}

bool pb_netwatch_take(struct pb_netwatch *w, uint64_t now) {
        if (!w->due || now < w->due)
                return false;
        w->due = 0;
        return true;
}
