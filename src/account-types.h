/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * account-types.h — the names the account core's files share: the account
 * handle, what it needs from its context, the walk callback and the request
 * limits. No functions: every module of the core includes it, so it keeps
 * their include graph free of cycles (account.h is account.c's alone).
 */
#pragma once

#include <stddef.h>

#include "events.h"
#include "peerbook/peerbook.h"

typedef struct pb_account pb_account;

/* What an account needs from its context. */
struct pb_account_env {
        pb_queue *queue;
        struct pb_poll *poll; /* the context's epoll set, for the channels' sockets */
        void (*emit)(void *ctx, const struct peerbook_event *event);
        void *ctx;
};

/* The walks of the core's modules call `each` once per record with a view
 * (the public struct, its pointers borrowed for the call); a negative return
 * stops the walk and is returned. record.h turns views into records. */
typedef int (*pb_each_cb)(const void *view, void *userdata);

/* How many requests may wait, and how fast they may be signalled (trust.c). */
struct pb_request_limits {
        size_t pending_max;
        double burst, rate;               /* all senders: tokens, tokens per second */
        double sender_burst, sender_rate; /* each sender */
};
