/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dht.h — the one seam between peerbook and OpenDHT.
 *
 * Everything OpenDHT (keys, certificates, signed values, the node) is reached
 * through this header; only the files under src/dht/ include <opendht_c.h> or
 * OpenDHT's C++ headers. The rest of peerbook speaks these types.
 *
 * Threads: pb_node runs OpenDHT's own threads. Listen and put-done callbacks
 * below are called on those threads: they must only copy and enqueue (see
 * events.c), never call back into pb_node_* or run product logic.
 *
 * Errors: 0 or a negative errno. -EINVAL bad argument, -ENOMEM, -EBADMSG
 * corrupt/unparsable input, -EKEYREJECTED wrong password, -EIO anything
 * OpenDHT threw that has no better name.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define PB_HASH_LEN 20
#define PB_HEX_LEN 40
/* The DHT network ID: Jami's public network is 0, and so are we (a node of
 * another network ignores ours). */
#define PB_DHT_NETWORK 0

typedef struct pb_hash {
        uint8_t d[PB_HASH_LEN];
} pb_hash;

/* SHA-1 of data, i.e. OpenDHT's InfoHash::get(). */
pb_hash pb_hash_of(const void *data, size_t len);
/* A device's DHT inbox, Jami's InfoHash("inbox:" + device id in hex): trust
 * requests and our other devices' syncs are put there, encrypted to it. */
pb_hash pb_inbox_key(const pb_hash *device);
/* 40 lowercase hex chars + NUL into out. */
void pb_hash_to_hex(const pb_hash *h, char out[PB_HEX_LEN + 1]);
/* Parses exactly 40 hex chars (either case); -EINVAL otherwise. */
int pb_hash_from_hex(const char *hex, pb_hash *ret);
bool pb_hash_equal(const pb_hash *a, const pb_hash *b);

/* ---- identities: a private key and its certificate ---------------------- */

typedef struct pb_identity pb_identity;

/* Generates an RSA key of `bits` (>= 2048) and a certificate with common name
 * `name`. issuer == NULL: a self-signed CA certificate (an account).
 * Otherwise the certificate is issued and signed by `issuer` (a device). */
int pb_identity_generate(const char *name, const pb_identity *issuer, unsigned bits,
                         pb_identity **ret);

/* Loads a key (PEM or DER, PKCS#8, encrypted when password is non-empty) and a
 * certificate (PEM or DER). -EKEYREJECTED: wrong or missing password.
 * -EBADMSG: corrupt key or certificate, or key and certificate do not match. */
int pb_identity_load(const uint8_t *key, size_t key_len, const char *password, const uint8_t *cert,
                     size_t cert_len, pb_identity **ret);

/* Exports the private key as PEM PKCS#8, encrypted when password is non-empty.
 * *ret is malloc()ed, the caller frees it. */
int pb_identity_export_key(const pb_identity *id, const char *password, uint8_t **ret,
                           size_t *ret_len);
/* Exports the certificate as PEM; *ret malloc()ed. */
int pb_identity_export_cert(const pb_identity *id, uint8_t **ret, size_t *ret_len);
/* Exports the public key as DER (what Jami's DeviceAnnouncement.pk carries). */
int pb_identity_export_pubkey(const pb_identity *id, uint8_t **ret, size_t *ret_len);

/* InfoHash of the public key: an account ID or a device ID. */
pb_hash pb_identity_id(const pb_identity *id);

/* 0 when `id`'s certificate was issued by `issuer`'s certificate and its
 * signature verifies; -EBADMSG otherwise. */
int pb_identity_check_issued_by(const pb_identity *id, const pb_identity *issuer);

pb_identity *pb_identity_free(pb_identity *id);

/* InfoHash of a DER public key blob (e.g. a DeviceAnnouncement's pk);
 * -EBADMSG when it does not parse as a public key. */
int pb_pubkey_id(const uint8_t *der, size_t len, pb_hash *ret);

/* ---- signed values ------------------------------------------------------ */

/* Builds a dht::Value with the given type, id and data, signed by `signer`
 * (which need not be the node's identity), and returns its msgpack packing
 * (dht::Value::getPacked()), malloc()ed. Such a blob can be stored and put
 * later by any node with pb_node_put_packed(). */
int pb_value_sign(const pb_identity *signer, uint16_t type, uint64_t value_id, const uint8_t *data,
                  size_t len, uint8_t **ret, size_t *ret_len);

/* ---- the node ----------------------------------------------------------- */

typedef struct pb_node pb_node;
typedef struct pb_listen pb_listen;

struct pb_node_config {
        const pb_identity *identity; /* the device identity the node runs with; copied */
        uint16_t port;               /* 0 = any free port */
        const char *bootstrap;       /* "host:port;host:port", NULL or "" = standalone */
        const char *cache_path;      /* node cache kept across restarts; NULL = none */
        uint16_t capped_type;        /* values of this type (0: none) are stored by this */
        size_t capped_size;          /* node only up to this size, packed */
};

/* Starts a node: binds, loads the node cache, bootstraps. Returns at once. */
int pb_node_start(const struct pb_node_config *config, pb_node **ret);

/* Stops the node (bounded wait, at most ~2 s), saving its node cache. */
pb_node *pb_node_free(pb_node *node);

uint16_t pb_node_port(const pb_node *node); /* the bound UDP port (IPv4) */
/* The bound UDP port of one family (AF_INET, AF_INET6), 0 when none. */
uint16_t pb_node_port_of(const pb_node *node, int family);
/* The node's ID on the DHT (OpenDHT derives it from the device key). */
pb_hash pb_node_id(const pb_node *node);
/* Pings a node at sa: when it answers, OpenDHT adds it to its routing
 * table (a node heard on the LAN joins us this way). */
void pb_node_ping(pb_node *node, const struct sockaddr *sa);

/* Asks for `bytes` of receive (and send) buffer on this process's UDP sockets
 * bound to port_a or port_b (0: none): OpenDHT's, which it does not expose
 * (udp_buffers.c says why). Looks once through the process's descriptors.
 * Returns how many sockets were found, or a negative errno. */
int pb_udp_grow_buffers(uint16_t port_a, uint16_t port_b, int bytes);

/* true once the node can be expected to put and get: it has at least one good
 * peer, or it is standalone (no bootstrap configured). While it is not, a call
 * also pings the bootstrap nodes again, at most once a second. */
bool pb_node_is_connected(pb_node *node);
/* How many peers answered recently (OpenDHT's "good" nodes, IPv4 and IPv6). */
unsigned pb_node_good_nodes(pb_node *node);
/* 1 with a sentence in out when a name of the bootstrap list did not resolve
 * at the last look (names are looked up again at each retry), else 0. */
int pb_node_bootstrap_problem(pb_node *node, char *out, size_t len);

/* The addresses other nodes saw this node's packets come from (OpenDHT's
 * public address: behind a NAT, its outside address), most reported first,
 * without duplicates, each with port 0 (the caller sets its own port), only
 * those that pb_addr_usable() would take with a port; at most max of them.
 * None before a peer answered this node (OpenDHT learns it from answers). */
int pb_node_public_addresses(pb_node *node, struct sockaddr_storage *out, unsigned max,
                             unsigned *ret_n);

/* Called once on an OpenDHT thread with the put's outcome. May be NULL. */
typedef void (*pb_done_cb)(bool ok, void *userdata);

/* A value as a listener sees it. Borrowed for the duration of the callback. */
struct pb_value_view {
        uint64_t id;
        uint16_t type;
        uint16_t seq;
        bool is_signed;    /* owner is set only then; OpenDHT checked the signature */
        pb_hash owner;     /* InfoHash of the signer's public key */
        bool is_encrypted; /* was encrypted to us and decrypted by OpenDHT */
        const uint8_t *data;
        size_t len;
};

/* Called on an OpenDHT thread, for each value, then again with expired=true
 * when a stored value expires. */
typedef void (*pb_listen_cb)(const struct pb_value_view *v, bool expired, void *userdata);
/* Called once, on an OpenDHT thread or inside pb_node_cancel_listen() /
 * pb_node_free(), when no more callbacks will come: free userdata there. */
typedef void (*pb_listen_done_cb)(void *userdata);

int pb_node_listen(pb_node *node, const pb_hash *key, pb_listen_cb cb, pb_listen_done_cb done,
                   void *userdata, pb_listen **ret);
void pb_node_cancel_listen(pb_node *node, pb_listen *listen);
/* The machine's addresses changed (pb_ext_runner_connectivity_changed()). */
int pb_node_connectivity_changed(pb_node *node);
/* Makes the listens on key check their storage nodes now, instead of at
 * OpenDHT's next refresh (opendht_ext.h, pb_ext_runner_probe()). */
int pb_node_probe(pb_node *node, const pb_hash *key);

/* Puts a value packed by pb_value_sign(). permanent: the node keeps it stored
 * (refreshed before expiry) until pb_node_cancel_put(). */
int pb_node_put_packed(pb_node *node, const pb_hash *key, const uint8_t *packed, size_t len,
                       bool permanent, pb_done_cb done, void *userdata);
/* Puts a value of the given type signed by the node's identity and encrypted
 * to the holder of `to_pubkey` (a DER public key, as announced), as OpenDHT's
 * putEncrypted() would. Not permanent: re-sending is the caller's decision. */
int pb_node_put_encrypted(pb_node *node, const pb_hash *key, const uint8_t *to_pubkey,
                          size_t to_pubkey_len, uint16_t type, const uint8_t *data, size_t len,
                          pb_done_cb done, void *userdata);
void pb_node_cancel_put(pb_node *node, const pb_hash *key, uint64_t value_id);
/* Puts an unsigned value (authenticated by its content, as Jami's
 * revocation lists are) with a fixed id (0: OpenDHT picks one), so that a
 * re-put replaces it. */
int pb_node_put_unsigned(pb_node *node, const pb_hash *key, uint16_t type, uint64_t value_id,
                         const uint8_t *data, size_t len, bool permanent, pb_done_cb done,
                         void *userdata);

/* What a device certificate found on the DHT says, once checked. */
struct pb_device_cert {
        pb_hash device;  /* the certificate's key id (asked for) */
        pb_hash account; /* the issuer's key id: the account */
        size_t pk_len;
        uint8_t pk[2048]; /* the device public key, DER */
        /* The certificate's serial (revocation lists name it; leading zeros
         * stripped, RFC 5280's 20 octets plus GnuTLS's sign byte) and the
         * issuer's certificate, DER (what an account's list is checked
         * against). */
        size_t serial_len;
        uint8_t serial[21];
        size_t issuer_len;
        uint8_t issuer[4096];
};
/* Called once, on an OpenDHT thread (or inside pb_node_free()): result 0 and
 * the checked certificate, -ENOENT when none was found, -EBADMSG when the
 * one found is not issued by a CA certificate whose signature verifies,
 * -ECANCELED when the node stopped first. */
typedef void (*pb_cert_cb)(int result, const struct pb_device_cert *cert, void *userdata);

/* Finds the certificate that a node publishes for its identity (OpenDHT's
 * findCertificate(), cached by OpenDHT) and checks its issuer chain: the
 * certificate of `device` must be signed by its issuer, a CA certificate
 * (an account). This maps a request's signer to its account. */
int pb_node_find_device_cert(pb_node *node, const pb_hash *device, pb_cert_cb cb, void *userdata);
