/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * netwatch.h — the machine's addresses changing (netwatch.c): a netlink
 * socket in the context's epoll set that hears addresses and links come and
 * go, as Jami's daemon hears them to call connectivityChanged(). A burst of
 * changes (an interface going down takes several messages) is reported
 * once, PB_NETWATCH_SETTLE_MS after the last of them.
 */
#pragma once

#include <stdint.h>

#include "pollset.h"

#define PB_NETWATCH_SETTLE_MS 300

struct pb_netwatch {
        struct pb_watch watch; /* first: the poll handler is given it */
        uint64_t due;          /* pb_now_ms() when to report a change; 0: none */
};

/* Opens the netlink socket and adds it to p. A machine without netlink (a
 * sandbox) is not an error: the watch then stays closed (fd -1). */
int pb_netwatch_open(struct pb_netwatch *w, pb_poll *p);
void pb_netwatch_close(struct pb_netwatch *w, pb_poll *p);
/* Whether a change is due at `now` (then cleared): the caller tells the
 * accounts. */
bool pb_netwatch_take(struct pb_netwatch *w, uint64_t now);
