/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * devices.h — the known devices of other accounts (devices.c): each device's
 * id and public key, learned from the account's announcements (signed by that
 * account) or from a verified certificate. Requests are encrypted to these
 * keys, and a request's signer is mapped to its account through them. Kept
 * for each tracked buddy; saved only when the caller says so (contacts), so
 * that a request reaches a contact's device that is offline now.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "account-types.h"
#include "dht/dht.h"
#include "presence.h"

#define PB_KNOWN_DEVICES_MAX 16

struct pb_known_device {
        pb_hash id;
        size_t pk_len;
        uint8_t *pk;
        bool present; /* as last marked by pb_devices_mark_present() */
};

/* One tracked account's devices. Only devices.c changes it; others read. */
struct pb_peer {
        pb_hash account;
        char uri[PEERBOOK_ID_SIZE];
        struct pb_known_device *known; /* oldest first; realloc()ed as devices are learned */
        unsigned n_known;
        bool loaded; /* the saved devices were read from the store */
};

/* Starts or stops keeping the devices of `account` (a tracked buddy). */
struct pb_peer *pb_devices_track(pb_account *a, const pb_hash *account);
void pb_devices_untrack(pb_account *a, struct pb_peer *p);
void pb_devices_free(pb_account *a);

/* The tracked peer of `account`, or NULL. Its saved devices are read when
 * first needed, not at start (an account may have thousands of contacts):
 * pb_devices_get() reads them, pb_devices_find_peer() does not. */
struct pb_peer *pb_devices_find_peer(const pb_account *a, const pb_hash *account);
struct pb_peer *pb_devices_get(pb_account *a, const pb_hash *account);
const struct pb_known_device *pb_devices_find(const struct pb_peer *p, const pb_hash *dev);

/* Learns a device and its key (the oldest is forgotten past the cap), saving
 * it when `keep`. Pointers into p->known stay valid until the next learn. */
const struct pb_known_device *pb_devices_learn(pb_account *a, struct pb_peer *p, const pb_hash *dev,
                                               const uint8_t *pk, size_t pk_len, bool keep);

/* The account of a device known from a tracked peer (loaded devices only). */
bool pb_devices_find_signer(const pb_account *a, const pb_hash *dev, struct pb_device_cert *ret);

/* Marks p's devices present or not from the buddy's presence; returns how
 * many appeared since the last call and their ids in `appeared`. */
unsigned pb_devices_mark_present(struct pb_peer *p, const struct pb_buddy_presence *presence,
                                 pb_hash appeared[PB_KNOWN_DEVICES_MAX]);
