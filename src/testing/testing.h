/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * testing.h — hooks for tests and benchmarks. Compiled into the static
 * archive peerbook_internal only: the shipped libpeerbook.so has none of
 * them, so no program can lean on them.
 */
#pragma once

#include <stdint.h>

#include "account.h"
#include "dht/dht.h"
#include "peerbook/peerbook.h"

/* pb_now_ms() (CLOCK_MONOTONIC) when the account last started announcing. */
uint64_t pb_ctx_announced_at(peerbook_ctx *ctx, const char *account_id);

/* The next n confirmations the account sends are lost. */
int pb_ctx_drop_confirmations(peerbook_ctx *ctx, const char *account_id, unsigned n);

/* The account keeps running when it finds this device revoked, as a device
 * that does not look (a Jami device, or a hostile one) would: tests use it
 * to see what its peers refuse. */
int pb_ctx_ignore_revocation(peerbook_ctx *ctx, const char *account_id);

/* Other request limits than the defaults (see trust.c). */
int pb_ctx_set_request_limits(peerbook_ctx *ctx, const char *account_id,
                              const struct pb_request_limits *limits);

/* How many DeviceSyncs the account sent to its other devices over a direct
 * channel, and through the DHT. */
int pb_ctx_syncs_sent(peerbook_ctx *ctx, const char *account_id, uint64_t *ret_channel,
                      uint64_t *ret_dht);

/* The id of the account's DHT node (zero while it has none): tests compare
 * it with a key to know which nodes store that key. */
int pb_ctx_node_id(peerbook_ctx *ctx, const char *account_id, pb_hash *ret);

/* Puts an unsigned value of the given type (tests use it to send garbage). */
int pb_node_put_plain(pb_node *node, const pb_hash *key, uint16_t type, const uint8_t *data,
                      size_t len, pb_done_cb done, void *userdata);

/* Puts a value of the given type signed by `signer` (not the node's identity)
 * and encrypted to `to_pubkey`. With pb_node_publish_cert(), this lets one
 * node speak for many devices: tests and benchmarks use it to play crowds. */
int pb_node_put_encrypted_as(pb_node *node, const pb_hash *key, const pb_identity *signer,
                             const uint8_t *to_pubkey, size_t to_pubkey_len, uint16_t type,
                             const uint8_t *data, size_t len, pb_done_cb done, void *userdata);

/* Publishes `id`'s certificate (with its issuer) where OpenDHT's
 * findCertificate() looks for it, as every node does for its own. */
int pb_node_publish_cert(pb_node *node, const pb_identity *id, pb_done_cb done, void *userdata);
