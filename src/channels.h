/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * channels.h — an account's direct channels (channels.c): its TCP listener,
 * a channel (channel.h) to each reachable device of its active contacts,
 * who may connect, when to dial, what a channel says about presence (status
 * 2, notes, a device gone), and the note we publish.
 *
 * Rules (docs/architecture.md, "Direct channels"):
 *  - only active, non-banned contacts get a channel, both ways; we dial only
 *    addresses that a contact's device gave us (rendezvous.h) or that one of
 *    them was reached at before (saved, dialled first at a start);
 *  - one channel per pair of devices: when two are open, both sides keep the
 *    one dialled by the smaller device id;
 *  - a device with no channel is dialled while it is present on the DHT,
 *    with a back-off, and at once when it appears again;
 *  - status 2 while a channel to one of the buddy's devices is open; a
 *    channel that died of silence, a crash or a goodbye makes its device
 *    absent until it is back (presence.h).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "account-types.h"
#include "dht/dht.h"

/* Caps, per account: a peer cannot make us hold more. */
#define PB_CHANNELS_MAX 4096 /* channels, open or being set up */
#define PB_HANDSHAKES_MAX 64 /* being set up (TCP, TLS, the mux), each way */

/* Reads the note and the port setting (at load). */
int pb_channels_load(pb_account *a);
/* The node is up: opens the listener and dials the devices of contacts
 * reached before at their saved addresses. */
void pb_channels_start(pb_account *a);
/* Announced: listens for rendezvous requests. */
void pb_channels_listen(pb_account *a);
/* The node is gone (its rendezvous listen with it). */
void pb_channels_node_gone(pb_account *a);
/* We stop: every channel gets a goodbye, then closes; the listener closes. */
void pb_channels_stop(pb_account *a);
void pb_channels_free(pb_account *a);

/* A rendezvous value on our key. */
void pb_channels_handle_value(pb_account *a, const struct pb_item *item);
/* A device of buddy `account` appeared on the DHT: dial it now. */
void pb_channels_device_appeared(pb_account *a, const pb_hash *account, const pb_hash *device);
/* `account` is no longer an active contact: its channels close now. */
void pb_channels_contact_gone(pb_account *a, const pb_hash *account);
/* Another device of our account said it is online (or goodbye): while it
 * is, it gets a channel as a contact's device does, with a sync channel in
 * it (own_devices.c tells). */
void pb_channels_own_device(pb_account *a, const pb_hash *device, bool online);
/* The machine's addresses changed: every open channel is checked with a
 * beacon now (a dead one is gone within PB_CHAN_ANSWER_MS), and every device
 * that should have a channel is dialled again without waiting for its
 * back-off (our rendezvous requests then offer the new addresses). */
void pb_channels_connectivity_changed(pb_account *a);
/* Sends a DeviceSync to our device `device` over its channel: 0, or
 * -ENOTCONN when there is no sync channel to it (then use the DHT). */
int pb_channels_send_sync(pb_account *a, const pb_hash *device, const uint8_t *data, size_t len);
/* A device was found revoked (revoke.c): its channels close; new ones are
 * refused (peer_crl.h). */
void pb_channels_device_revoked(pb_account *a, const pb_hash *device);

/* Timers, and channels closed meanwhile freed; returns the next deadline. */
uint64_t pb_channels_tick(pb_account *a, uint64_t now);

/* The port setting: 0 any (then kept), -1 none, else a port. Restarts the
 * listener. */
int pb_channels_set_port(pb_account *a, int32_t port);

/* Saves our note and sends it to every contact device with an open channel
 * (and on each new one). -EINVAL when it is not UTF-8 or too long. */
int pb_channels_publish(pb_account *a, const char *note);

struct pb_channels_info {
        int32_t port_config;
        uint16_t port;
        uint64_t open, refused, dropped;
        const char *note;
};
void pb_channels_info(const pb_account *a, struct pb_channels_info *ret);
