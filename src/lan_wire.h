/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lan_wire.h — the packets of LAN discovery (lan.c), as OpenDHT 2.4.12's
 * PeerDiscovery and Jami's daemon send them on UDP port 8888 (measured
 * against Debian's jami-daemon: reference/jami-multidevice.md §4):
 *
 *   a query:  the msgpack str "q" (a1 71), to the group; every publisher
 *             answers it, unicast to the querier's address and port
 *   a notice: a msgpack map from a service's name to its payload, all the
 *             services of one socket in one map:
 *               "dht":  [bin20 node ID, uint16 port, uint32 network]
 *                       (OpenDHT's NodeInsertionPack)
 *               "jami": [bin20 account ID, str display name]
 *                       (Jami's AccountPeerInfo)
 *             other services are skipped.
 *
 * Nothing in them is signed: they are hints, checked on the DHT.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dht/dht.h"
#include "peerbook/peerbook.h"

#define PB_LAN_PACKET_MAX 1024 /* ours are < 200 bytes; a larger one is dropped unread */

struct pb_lan_msg {
        bool query;
        bool has_dht;
        pb_hash node;
        uint16_t port;
        uint32_t network;
        bool has_jami;
        pb_hash account;
        char name[PEERBOOK_ALIAS_MAX]; /* UTF-8, "" when none */
};

/* The packet for msg (a query, or a notice of its services) into out: its
 * length, or -EINVAL (nothing to say, a name too long), -ENOBUFS. */
int pb_lan_encode(const struct pb_lan_msg *msg, uint8_t *out, size_t cap);
/* -EBADMSG for anything but a query or a well-formed notice (a map without a
 * service we know is well-formed: it says nothing to us). */
int pb_lan_decode(const uint8_t *data, size_t len, struct pb_lan_msg *ret);
