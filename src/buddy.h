/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * buddy.h — tracking the presence of other accounts (buddy.c): one DHT
 * listen per buddy, tracked while it is subscribed or an
 * active contact.
 */
#pragma once

#include <stdbool.h>

#include "account-types.h"
#include "devices.h"
#include "presence.h"

struct pb_buddy {
        pb_hash id;
        bool subscribed;      /* asked for with subscribeBuddy (saved) */
        bool contact;         /* tracked because it is an active contact */
        struct pb_peer *peer; /* its known devices (devices.c) */
        char uri[PEERBOOK_ID_SIZE];
        struct pb_buddy_presence presence;
        enum peerbook_status reported;
        pb_listen *listen; /* its announcements and device states */
        /* channels.c: its devices with a live direct channel, and the note
         * they last sent ("" once none is connected) */
        unsigned connected;
        char line_status[PEERBOOK_NOTE_MAX + 1];
        uint64_t next_check; /* pb_now_ms() of its next re-check; 0 = none due */
};

/* The saved subscriptions, at start. */
int pb_buddies_load(pb_account *a);
void pb_buddies_free(pb_account *a);
/* Listens to every buddy (the node's listens start once we announced). */
void pb_buddies_listen(pb_account *a);
/* Starts the re-checks that are due (see buddy.c); returns the next one's
 * time, UINT64_MAX when none is needed. */
uint64_t pb_buddies_tick(pb_account *a, uint64_t now);
/* The node is gone, and every listen with it. */
void pb_buddies_node_gone(pb_account *a);
struct pb_buddy *pb_buddy_find(const pb_account *a, const pb_hash *id);
/* A hint that buddy `id` may be online (heard on the LAN, nearby.c): when
 * it is tracked and offline, its hash is probed on the DHT now, which is
 * what may show it online. */
void pb_buddy_hint(pb_account *a, const pb_hash *id);
/* An active contact is a tracked buddy: starts (on) or stops tracking uri. */
int pb_buddy_track_contact(pb_account *a, const char *uri, bool on);

/* Applies a value seen on a buddy's hash; returns how many of its known
 * devices appeared, with their ids in `appeared`. Reports nothing: the
 * caller then calls pb_buddy_report(). */
unsigned pb_buddy_handle_value(pb_account *a, const struct pb_item *item,
                               pb_hash appeared[PB_KNOWN_DEVICES_MAX]);
/* Emits the buddy's status if it changed, or always. */
void pb_buddy_report(pb_account *a, const pb_hash *id, bool always);
/* The same from the next peerbook_ctx_process() (where the account is
 * pinned): for what the channels learn inside the poll dispatch. */
void pb_buddy_queue_report(pb_account *a, const pb_hash *id, bool always);

/* The API's subscriptions (peerbook_buddy_subscribe/_unsubscribe/_list). */
int pb_account_subscribe(pb_account *a, const char *uri, bool flag);
int pb_account_buddies(const pb_account *a, pb_each_cb each, void *userdata);
