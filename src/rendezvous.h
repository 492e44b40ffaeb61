/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rendezvous.h — asking a contact's device for a direct channel over the
 * DHT (rendezvous.c), as Jami's PeerConnectionRequest does but at a key of
 * our own, InfoHash("peerbook:" + device id), so that Jami daemons never
 * try to answer it.
 *
 * A request carries an id, the addresses of our TCP listener and whether it
 * is an answer; it is signed by our device key and encrypted to the target
 * device's key (OpenDHT's putEncrypted). A request counts only when it comes
 * from a known device of an active, non-banned contact, within that device's
 * rate; every other one is dropped and counted by the caller. Addresses are
 * checked by the decoder (wire.h): no multicast, broadcast or port 0.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "account-types.h"
#include "devices.h"
#include "wire.h"

/* Requests acted on per sending device per minute. */
#define PB_RENDEZVOUS_PER_MINUTE 30

struct pb_rendezvous_in {
        struct pb_rendezvous msg;
        pb_hash account;                     /* the contact */
        pb_hash device;                      /* its device that sent it */
        const struct pb_known_device *known; /* its key; valid until devices change */
        /* When the sender is a device of our own account: its key, which
         * `known` then points into. */
        struct pb_known_device own;
        struct pb_own_device_row own_row;
};

/* Listens on our device's rendezvous key (once the node announced). */
int pb_rendezvous_listen(pb_account *a);
/* The node is gone, and the listen with it. */
void pb_rendezvous_node_gone(pb_account *a);
void pb_rendezvous_free(pb_account *a);

/* Puts a request (or an answer, with the request's id) for `dev`, listing
 * our listener's addresses on `port` (none when 0: we only dial out). */
int pb_rendezvous_send(pb_account *a, const struct pb_known_device *dev, uint64_t id, bool answer,
                       uint16_t port);

/* A value seen on our key: 0 and *ret when it is to be acted on; -EBADMSG
 * (malformed, not encrypted to us), -EPERM (not from an active contact's
 * known device), -EBUSY (over the sender's rate), -EALREADY (seen). */
int pb_rendezvous_receive(pb_account *a, const struct pb_item *item, struct pb_rendezvous_in *ret);
