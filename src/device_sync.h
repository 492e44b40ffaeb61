/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * device_sync.h — Jami's DeviceSync: what the devices of one account tell each
 * other (their names, the contacts, the pending requests), as Jami 2023
 * (Debian 12's jami-daemon 20230206) writes and reads it, so that a Jami
 * device of the account understands ours and we understand its own.
 *
 * The value is Jami's `DeviceSync` (src/jamidht/jami_contact.h at jami-daemon
 * cbca28f59b), a msgpack map written by msgpack-c's MSGPACK_DEFINE_MAP, keys
 * in this order:
 *
 *   date            uint (nanoseconds since the epoch: system_clock ticks; at
 *                   most INT64_MAX, as Jami reads it into a signed duration)
 *   device_name     str (Jami leaves it empty; so do we)
 *   devices_known   map bin20 -> str (legacy: device SHA-1 -> name; Jami 2023
 *                   writes it empty)
 *   devices         map bin32 (PkId: SHA-256 of the device key) ->
 *                   {name: str, sha1: bin20}
 *   peers           map bin20 (account) -> Contact {added: int, removed: int,
 *                   confirmed: bool, banned: bool, conversationId: str}
 *                   (times in seconds)
 *   trust_requests  map bin20 (account) -> {device: bin (DER public key) or
 *                   nil, conversationId: str, received: int, payload: bin}
 *
 * Maps are written in key order (std::map's: bytewise), integers in their
 * shortest msgpack form (msgpack-c's pack of int64/uint64: positive fixint or
 * uint8..64, so a time is always an unsigned format), booleans as msgpack
 * booleans; payloads are always empty (Jami strips them).
 *
 * The decoder takes untrusted bytes (after the DHT's decryption and signature
 * check, or from a channel): it checks every type and size, skips unknown
 * keys (later Jami adds addedMs, removedMs, receivedMs...), and returns
 * -EBADMSG for a wrong type, a duplicate key, a negative time, a conversation
 * id too long or not UTF-8, a missing date, or anything msgpack rejects; -ENOMEM when it cannot
 * allocate. It is stricter than Jami in two ways Jami never sends: strings
 * must be msgpack str (Jami also takes bin), and duplicate keys are refused
 * (Jami keeps one).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dht/dht.h"
#include "store.h"

#ifndef PEERBOOK_DEVICE_NAME_MAX
#define PEERBOOK_DEVICE_NAME_MAX 64 /* a device name's length in bytes, NUL excluded */
#endif

#define PB_LONG_ID_LEN 32 /* Jami's PkId: SHA-256 of the device's public key */

/* Caps. The encoder refuses more devices or peers than these (-EINVAL); the
 * decoder keeps the first ones as they come (Jami writes them in key order)
 * and drops the rest, counting them in n_dropped (64 KB hold at most ~2,800
 * peers: only the devices' and the requests' caps can be reached). A value
 * is at most 64 KB (OpenDHT's limit, and the most Jami 2023 reads from one
 * channel message), which holds about 500 contacts with conversation ids:
 * the encoder says -EMSGSIZE past it. */
#define PB_SYNC_DEVICES_MAX 64
#define PB_SYNC_PEERS_MAX 10000
/* Requests: Jami sends at most 20 (MAX_TRUST_REQUESTS, contact_list.cpp), so
 * does the encoder, given any number: when there are more, a window of 20
 * consecutive ones (in key order) from a random one, wrapping around, as
 * Jami chooses them, so that every request travels sooner or later. The
 * decoder keeps up to 64. */
#define PB_SYNC_REQUESTS_SEND_MAX 20
#define PB_SYNC_REQUESTS_MAX 64

struct pb_sync_device {
        uint8_t long_id[PB_LONG_ID_LEN]; /* zeros when legacy */
        pb_hash id;                      /* SHA-1 of the device key */
        /* From devices_known (old Jami): the long id is unknown, find the
         * device by id. Encoded back into devices_known. */
        bool legacy;
        /* A name longer than the buffer is cut at a UTF-8 character boundary,
         * one with a NUL byte at the NUL: Jami takes any string, and a long
         * name must not cost the whole sync. */
        char name[PEERBOOK_DEVICE_NAME_MAX + 1];
};

struct pb_sync_request {
        pb_hash from;       /* the requesting account */
        uint8_t *device_pk; /* DER; NULL when Jami sent nil (no device known) */
        size_t device_pk_len;
        char conversation_id[128];
        int64_t received; /* seconds */
};

struct pb_device_sync {
        uint64_t date; /* nanoseconds since the epoch; strictly increasing per sender */
        struct pb_sync_device *devices;
        unsigned n_devices;
        /* uri (40 lowercase hex), added, removed, confirmed, banned,
         * conversation_id; request_id is not on the wire (0 when decoded). */
        struct pb_contact_row *peers;
        unsigned n_peers;
        struct pb_sync_request *requests;
        unsigned n_requests;
        unsigned
                n_dropped; /* decode: entries past the caps, or keyed by zeros (Jami skips those) */
};

/* Encodes s (left unchanged; its arrays in any order) into a malloc()ed
 * buffer. -EINVAL for a NULL array with a count, more devices or peers than
 * the caps, a peer uri that is not 40 hex characters, a duplicate key, a
 * negative time, an unterminated string, a device key over 2,048 bytes;
 * -EMSGSIZE when the encoding exceeds 64 KB; -ENOMEM. */
int pb_device_sync_encode(const struct pb_device_sync *s, uint8_t **ret, size_t *ret_len);
/* Decodes into *ret (written only on success; free with pb_device_sync_clear).
 * Each array is sorted by its key (devices: legacy ones last, by id). */
int pb_device_sync_decode(const uint8_t *data, size_t len, struct pb_device_sync *ret);
/* Frees what decode allocated and zeroes *s; NULL is fine. */
void pb_device_sync_clear(struct pb_device_sync *s);
