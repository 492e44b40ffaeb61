/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * events.h — the one place where OpenDHT's threads meet the owner's thread.
 *
 * Design (redis bio.c, sd-bus): OpenDHT callbacks only copy what they were
 * given into a pb_item, append it to a locked list and write the eventfd.
 * The owner's loop sees the fd readable and calls peerbook_ctx_process(),
 * which takes the whole list at once (wakeups coalesce) and handles every
 * item on its own thread. Only the list and the fd are shared.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dht/dht.h"

enum pb_item_kind {
        PB_ITEM_VALUE,        /* a value (or its expiry) seen by a listen */
        PB_ITEM_PUT_DONE,     /* a put finished */
        PB_ITEM_NOTIFY,       /* report a buddy's current status (subscribe) */
        PB_ITEM_REGISTRATION, /* report a registration change; data = detail */
        PB_ITEM_CONTACT,      /* report a contact change: tag = event type, key = uri */
        PB_ITEM_CERT,         /* a device certificate look-up ended; data = pb_device_cert */
        PB_ITEM_JOB_DONE,     /* an account creation ended; data = its pb_create_job pointer */
        PB_ITEM_DEVICES,      /* report that the account's device list changed */
        PB_ITEM_NEARBY,       /* report an account heard on the LAN or gone: key, flag =
                                 gone, data = its name */
};

struct pb_item {
        struct pb_item *next;
        enum pb_item_kind kind;
        uint64_t account_serial;    /* which account (serials are never reused) */
        uint64_t generation;        /* which start of its node, for what a node reports */
        uint32_t tag;               /* listen or put purpose, set by the account */
        pb_hash key;                /* the hash listened on / the buddy */
        bool flag;                  /* expired (VALUE) or ok (PUT_DONE) */
        int code;                   /* REGISTRATION: 0 or a negative errno */
        struct pb_value_view value; /* VALUE only; value.data points into data[] */
        uint8_t data[];
};

typedef struct pb_queue pb_queue;

int pb_queue_new(pb_queue **ret);
pb_queue *pb_queue_free(pb_queue *q);
int pb_queue_fd(const pb_queue *q);

/* Any thread. Allocates an item with room for `len` data bytes. */
struct pb_item *pb_item_new(enum pb_item_kind kind, size_t len);
/* Any thread: an item holding a copy of a listened value (NULL when out of
 * memory or when the value is larger than any OpenDHT value). */
struct pb_item *pb_item_from_value(uint64_t account_serial, uint32_t tag, const pb_hash *key,
                                   const struct pb_value_view *v, bool expired);
/* Any thread: appends and wakes the owner. Takes ownership of the item. */
void pb_queue_push(pb_queue *q, struct pb_item *item);
/* Owner thread: takes every queued item, oldest first, and clears the fd. */
struct pb_item *pb_queue_take_all(pb_queue *q);
/* Owner thread: puts items taken by pb_queue_take_all() back in front of the
 * queue, in their order, and wakes the owner again. */
void pb_queue_requeue(pb_queue *q, struct pb_item *list);
/* Frees a list of items. */
void pb_items_free(struct pb_item *list);

/* Where a callback of the node (on an OpenDHT thread) sends what it got:
 * the account's queue, stamped with the account's serial and the node's
 * generation, so that what an old node reports after a restart is dropped. */
struct pb_origin {
        pb_queue *queue;
        uint64_t serial, generation;
};

/* Any thread: stamps the item and queues it. */
static inline void pb_origin_push(const struct pb_origin *o, struct pb_item *it) {
        it->account_serial = o->serial;
        it->generation = o->generation;
        pb_queue_push(o->queue, it);
}

/* Listens on key, queueing each value seen (not expiries) as a PB_ITEM_VALUE
 * with `tag` and the origin's stamps: an inbox of ours. */
int pb_origin_listen(pb_node *node, const pb_hash *key, const struct pb_origin *o, uint32_t tag,
                     pb_listen **ret);
