/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * opendht_ext.h — what Debian's OpenDHT 2.4.12 C binding lacks, in its style.
 *
 * Private to src/dht/. The handles are the binding's own (dht_value*,
 * dht_runner*, dht_privatekey*, dht_certificate*): in 2.4.12 they point at
 * std::shared_ptr<...> / dht::DhtRunner objects, which opendht_ext.cpp relies
 * on. Pinned to that version: re-check c/opendht.cpp before upgrading.
 *
 * No function here throws; errors are negative errno values.
 */
#pragma once

#include <sys/socket.h>

#include <opendht/opendht_c.h>

#ifdef __cplusplus
extern "C" {
#endif

/* dht.h has no C++ guards of its own. */
#include "dht/dht.h"

/* An identity is the binding's two handles; both always set. */
struct pb_identity {
        dht_privatekey *key;
        dht_certificate *cert;
};

/* The node's runner, for the test-only puts of src/testing/node.c. */
dht_runner *pb_node_runner(pb_node *node);

/* Builds a dht_value* (release with dht_value_unref()). */
int pb_ext_value_new(uint16_t type, uint64_t id, const uint8_t *data, size_t len, dht_value **ret);
/* Unpacks a dht::Value packing; it must be signed and its signature must
 * verify (-EBADMSG otherwise). */
int pb_ext_value_unpack(const uint8_t *packed, size_t len, dht_value **ret);
/* Fills a view of v; the view borrows v's data. */
void pb_ext_value_view(const dht_value *v, struct pb_value_view *view);

/* DhtRunner::put without (re-)signing; `done` is called exactly once, with
 * false when the runner drops the operation on shutdown. */
int pb_ext_runner_put(dht_runner *r, const pb_hash *key, const dht_value *v, bool permanent,
                      pb_done_cb done, void *userdata);
/* DhtRunner::putEncrypted() to a DER/PEM public key; same `done` contract. */
int pb_ext_runner_put_encrypted(dht_runner *r, const pb_hash *key, const uint8_t *pubkey,
                                size_t pubkey_len, const dht_value *v, pb_done_cb done,
                                void *userdata);
/* DhtRunner::findCertificate() plus the issuer check; see pb_node_find_device_cert(). */
int pb_ext_runner_find_device_cert(dht_runner *r, const pb_hash *device, pb_cert_cb cb,
                                   void *userdata);
/* Signs with `signer`, encrypts to the DER/PEM key, puts; same `done` contract. */
int pb_ext_runner_put_encrypted_as(dht_runner *r, const pb_hash *key, const pb_identity *signer,
                                   const uint8_t *pubkey, size_t pubkey_len, uint16_t type,
                                   const uint8_t *data, size_t len, pb_done_cb done,
                                   void *userdata);
/* Puts id's certificate as a CERTIFICATE_TYPE value at its key id. */
int pb_ext_runner_publish_cert(dht_runner *r, const pb_identity *id, pb_done_cb done,
                               void *userdata);
/* Asks the key's storage nodes for the ids and sequence numbers of its
 * values, and drops the answer. A get would be answered out of a listen's
 * cache; this goes out to the nodes of the search that the key's listens
 * share, so that the search finds out which of them died and moves its
 * listens to living ones, which then send what changed. */
int pb_ext_runner_probe(dht_runner *r, const pb_hash *key);
/* DhtRunner::connectivityChanged(): the node's addresses changed, so it
 * forgets what it learnt of its public address, checks its nodes again and
 * re-sends its puts and listens. */
int pb_ext_runner_connectivity_changed(dht_runner *r);
/* Registers `type` with OpenDHT's default policies (10-minute expiry, no
 * edits), except that this node stores values of it only up to max_size. */
int pb_ext_runner_cap_type(dht_runner *r, uint16_t type, size_t max_size);
/* Good nodes known (IPv4 + IPv6); 0 when the runner is not running. */
unsigned pb_ext_runner_good_nodes(dht_runner *r);

/* Copies the addresses of up to `max` good nodes (those that answered
 * lately), the closest to our own id first; returns how many. */
size_t pb_ext_runner_good_peers(dht_runner *r, struct sockaddr_storage *out, size_t max);

#ifdef __cplusplus
}
#endif
