/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * presence.h — what peerbook believes about one buddy's devices.
 *
 * Pure state, no I/O: fed with the values seen on the buddy's account hash
 * (already decoded and checked for their signer), it answers the buddy's
 * status. Rules (docs/presence.md):
 *  - a device is backed by the announcement value ids seen for it, counted,
 *    so that an old value expiring does not hide a live one;
 *  - a peerbook device also publishes a device state (online / goodbye) with
 *    a sequence number; the highest sequence wins, whatever the arrival order;
 *  - a device is present while its latest state, if any, is not a goodbye,
 *    and it has a live announcement or, once an announcement has vouched
 *    for it, a live "online" state of its own. Jami devices publish no state.
 *    (OpenDHT may report a value expired when a node that held it goes
 *    away; a restarted device re-puts the same announcement, which does not
 *    notify anyone, but always a new online state, which does.)
 * Everything a peer can grow is capped: devices per buddy, values per device.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "dht/dht.h"

#define PB_DEVICES_MAX 32      /* devices tracked per buddy */
#define PB_DEVICE_VALUES_MAX 8 /* live announcement values per device */

struct pb_device {
        pb_hash id;
        unsigned n_values;
        uint64_t values[PB_DEVICE_VALUES_MAX]; /* live announcement value ids */
        bool verified;                         /* an announcement signed by the account named it */
        bool has_state;
        bool state_online;
        bool state_live; /* the value carrying the latest state has not expired */
        uint64_t state_seq;
        uint64_t state_value_id;
        uint64_t touched; /* a logical clock, to evict the stalest record */
        /* Its direct channel died of silence or a crash, or it said goodbye
         * over it: absent, whatever its values on the DHT say, until it shows
         * it is back with a state newer than gone_seq (or a new channel). */
        bool gone;
        uint64_t gone_seq;
};

/* Devices are allocated as they appear: most buddies have one or two, and
 * an account may track thousands of buddies. */
struct pb_buddy_presence {
        unsigned n_devices, cap_devices;
        struct pb_device *devices;
        uint64_t clock;
};

void pb_presence_init(struct pb_buddy_presence *p);
void pb_presence_clear(struct pb_buddy_presence *p);

/* An announcement value for `dev` appeared (expired = false) or expired.
 * Returns -ENOSPC when the value was dropped because a cap was reached,
 * -ENOMEM when memory ran out. */
int pb_presence_announcement(struct pb_buddy_presence *p, const pb_hash *dev, uint64_t value_id,
                             bool expired);

/* A device state value, already checked to be signed by `dev` itself. */
int pb_presence_state(struct pb_buddy_presence *p, const pb_hash *dev, uint64_t seq, bool online,
                      uint64_t value_id);
/* A device state value expired. A goodbye stays a goodbye (it must keep the
 * device offline even if its expiry is seen before that of the announcement
 * it followed); an online state only stops counting as a sign of life. */
void pb_presence_state_expired(struct pb_buddy_presence *p, const pb_hash *dev, uint64_t value_id);

bool pb_presence_device_present(const struct pb_device *d);
/* What the device's direct channel said (channels.c): gone (true) until a
 * newer state, or back (false) when a channel to it opened. */
int pb_presence_device_gone(struct pb_buddy_presence *p, const pb_hash *dev, bool gone);
/* Number of present devices. */
unsigned pb_presence_count(const struct pb_buddy_presence *p);
/* Whether `dev` published a device state: a peerbook device (Jami's publish
 * none, and have no direct channel to offer). */
bool pb_presence_has_state(const struct pb_buddy_presence *p, const pb_hash *dev);
/* Whether `dev` has a live announcement (so that its own state may be trusted). */
bool pb_presence_is_announced(const struct pb_buddy_presence *p, const pb_hash *dev);
