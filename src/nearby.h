/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * nearby.h — an account on the LAN (lan.c carries the packets): what it
 * announces (its node, for PEERBOOK_LAN_DHT; its ID and alias, for
 * PEERBOOK_LAN_PUBLISH), the LAN's nodes it joins, and the accounts it
 * heard (Jami's "jami" service, for PEERBOOK_LAN_NEARBY): a table of hints, each gone PB_NEARBY_EXPIRY_MS after its last
 * notice, reported as PEERBOOK_EVENT_NEARBY when first heard and when gone.
 *
 * Anyone on the LAN can claim any account: an entry is never presence. A
 * contact heard nearby only gets its DHT presence checked at once (a probe),
 * which is what confirms it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "account-types.h"
#include "dht/dht.h"
#include "lan_wire.h"

#define PB_NEARBY_EXPIRY_MS 60000 /* Jami's PEER_DISCOVERY_EXPIRATION */
#define PB_NEARBY_MAX 256         /* entries per account: a flood of forged IDs stops here */

#define PB_LAN_PINGS_PER_S 20 /* LAN nodes pinged, per account */
#define PB_LAN_KNOWN (PEERBOOK_LAN_DHT | PEERBOOK_LAN_NEARBY | PEERBOOK_LAN_PUBLISH)

/* Whether the account runs and wants the LAN; *changed is set when what it
 * announces changed since the last call. */
bool pb_nearby_wanted(pb_account *a, bool *changed);

/* Sets the account's PEERBOOK_LAN_* (saved). Turning PEERBOOK_LAN_NEARBY off
 * forgets the accounts heard. */
int pb_nearby_set_flags(pb_account *a, uint32_t lan);
/* Our notice for the LAN on `family` (the node's port differs by family):
 * false when there is nothing to announce. */
bool pb_nearby_notice(pb_account *a, int family, struct pb_lan_msg *ret);
/* A notice heard from `from`: the LAN's node is pinged (PEERBOOK_LAN_DHT),
 * the account noted (PEERBOOK_LAN_NEARBY). false when it was refused (a
 * full table, over the ping rate): the LAN counts it as dropped. */
bool pb_nearby_on_notice(pb_account *a, const struct pb_lan_msg *m, const struct sockaddr *from,
                         uint64_t now);

/* A notice for `account` (not ours) named `name`, from `from`: added or
 * refreshed. -ENOSPC when the table is full (the notice is dropped). */
int pb_nearby_heard(pb_account *a, const pb_hash *account, const char *name,
                    const struct sockaddr *from, uint64_t now);
/* Drops the entries unheard for PB_NEARBY_EXPIRY_MS (reported gone);
 * returns when the next one expires, UINT64_MAX for none. */
uint64_t pb_nearby_tick(pb_account *a, uint64_t now);
/* Forgets every entry, each reported gone (discovery turned off). */
void pb_nearby_clear(pb_account *a);
void pb_nearby_free(pb_account *a);
void pb_nearby_emit(pb_account *a, const struct pb_item *item);
unsigned pb_nearby_count(const pb_account *a);
/* Calls each() with a struct peerbook_nearby_peer view of every entry. */
int pb_nearby_each(const pb_account *a, pb_each_cb each, void *userdata);
