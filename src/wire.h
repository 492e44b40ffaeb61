/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * wire.h — the msgpack formats peerbook puts on the DHT, on disk and inside
 * channel frames (channel_wire.h).
 *
 * Every decoder here takes untrusted bytes: it checks the top-level type,
 * every field's type and size, rejects duplicate keys and trailing bytes,
 * ignores unknown map keys (as Jami's decoder does), and returns -EBADMSG for
 * anything else. Decoded structs own their bytes (fixed buffers), so they
 * outlive the input.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dht/dht.h"
#include "peerbook/peerbook.h"

/* OpenDHT value types (see protocol-notes.md). */
#define PB_TYPE_USER_DATA 0     /* DeviceAnnouncement: what Jami reads */
#define PB_TYPE_TRUST_REQUEST 4 /* kept 7 days by storage nodes */
/* peerbook's device state (online/goodbye). A type of our own, so that Jami's
 * typed listener filters it out before decoding; storage nodes that do not
 * know it keep it as user data (10 minutes). */
#define PB_TYPE_DEVICE_STATE 0x7062
/* The largest device state our nodes store (OpenDHT's Value::size(): data and
 * signature): a state is ~60 bytes, an RSA-8192 signature 1,024. */
#define PB_DEVICE_STATE_MAX 2048

#define PB_VALUE_MAX 65536                  /* OpenDHT's largest value */
#define PB_PUBKEY_MAX 2048                  /* DER of an RSA-8192 key fits */
#define PB_PAYLOAD_MAX PEERBOOK_PAYLOAD_MAX /* the public limit, defined once */
#define PB_CONVERSATION_MAX 128
#define PB_SERVICE_MAX 64

/* Jami's DeviceAnnouncement {dev, pk}: a map, signed by the account key. */
struct pb_announcement {
        pb_hash dev;
        size_t pk_len; /* 0: no pk (old Jami devices) */
        uint8_t pk[PB_PUBKEY_MAX];
};
int pb_announcement_encode(const pb_hash *dev, const uint8_t *pk, size_t pk_len, uint8_t **ret,
                           size_t *ret_len);
int pb_announcement_decode(const uint8_t *data, size_t len, struct pb_announcement *ret);

/* peerbook's device state, signed by the device key: an array (never a map,
 * so that even a Jami decoder that ignored the type could not read it as an
 * announcement): ["peerbook/ds", 1, dev, seq, online]. A higher seq wins. */
struct pb_device_state {
        pb_hash dev;
        uint64_t seq;
        bool online;
};
int pb_device_state_encode(const struct pb_device_state *s, uint8_t **ret, size_t *ret_len);
int pb_device_state_decode(const uint8_t *data, size_t len, struct pb_device_state *ret);

/* An exported account: {format, version, alias, key, cert}. */
#define PB_ARCHIVE_FIELD_MAX 16384
struct pb_archive {
        char alias[PEERBOOK_ALIAS_MAX];
        size_t key_len, cert_len;
        uint8_t key[PB_ARCHIVE_FIELD_MAX];  /* PEM PKCS#8, encrypted with the archive password */
        uint8_t cert[PB_ARCHIVE_FIELD_MAX]; /* PEM */
};
int pb_archive_encode(const struct pb_archive *a, uint8_t **ret, size_t *ret_len);
int pb_archive_decode(const uint8_t *data, size_t len, struct pb_archive *ret);

/* Jami's TrustRequest {service, conversationId, payload, confirm}. The
 * payload is borrowed by encode; decode copies it into a malloc()ed buffer
 * that the caller frees (payload may be NULL when payload_len is 0). */
struct pb_trust_request {
        char service[PB_SERVICE_MAX];
        char conversation_id[PB_CONVERSATION_MAX];
        uint8_t *payload;
        size_t payload_len;
        bool confirm;
        /* peerbook's own key "pbid" (Jami ignores it): one id per request the
         * user sent, the same on its automatic re-sends; 0 when absent. */
        uint64_t request_id;
};
int pb_trust_request_encode(const struct pb_trust_request *r, uint8_t **ret, size_t *ret_len);
int pb_trust_request_decode(const uint8_t *data, size_t len, struct pb_trust_request *ret);

/* Jami's ChannelRequest [name, channel, state], the data of a frame on the
 * control channel (channel_wire.h): REQUEST asks the peer to open a named
 * channel under that number; the peer answers with the same name and number
 * and ACCEPT or DECLINE. Channels 0 and 0xffff are reserved: the format
 * allows them, a peer declines them (as Jami does). */
enum pb_channel_state {
        PB_CHANNEL_REQUEST = 0,
        PB_CHANNEL_ACCEPT = 1,
        PB_CHANNEL_DECLINE = 2,
};
/* Jami's longest names seen, "data-transfer://<conversation>/<device>/<id>",
 * take under 150 bytes: room for what later versions add. */
#define PB_CHANNEL_NAME_MAX 512
struct pb_channel_request {
        char name[PB_CHANNEL_NAME_MAX]; /* no NUL inside; may be empty */
        uint16_t channel;
        enum pb_channel_state state;
};
int pb_channel_request_encode(const struct pb_channel_request *q, uint8_t **ret, size_t *ret_len);
int pb_channel_request_decode(const uint8_t *data, size_t len, struct pb_channel_request *ret);

/* The data of a frame on the protocol channel: a map whose first key names
 * its type, as Jami reads it: {"v": version} (each side sends its version
 * first; beacons only to a peer with v >= 1) or {"p": true} (a beacon: answer
 * it) / {"p": false} (the answer). Other keys are ignored. A well-formed map
 * whose first key is another is PB_PROTOCOL_OTHER: a later Jami's message,
 * which the caller ignores as Jami does, not a reason to close. */
#define PB_PROTOCOL_VERSION_CURRENT 1 /* Jami's MULTIPLEXED_SOCKET_VERSION */
enum pb_protocol_kind {
        PB_PROTOCOL_OTHER,
        PB_PROTOCOL_VERSION,
        PB_PROTOCOL_BEACON,
};
struct pb_protocol_msg {
        enum pb_protocol_kind kind;
        uint32_t version; /* VERSION: at most INT32_MAX (an int in Jami) */
        bool ping;        /* BEACON: true asks for an answer, false is one */
};
int pb_protocol_msg_encode(const struct pb_protocol_msg *m, uint8_t **ret, size_t *ret_len);
int pb_protocol_msg_decode(const uint8_t *data, size_t len, struct pb_protocol_msg *ret);

/* A device's request for a direct channel, and its answer: peerbook's own
 * value, encrypted to the target device and signed by the sender's. A map
 * {"id": uint, "addrs": [str...], "answer": bool}. Unlike Jami's formats it
 * is decoded strictly: exactly these three keys (a later format is a new
 * value type). Each address is pb_addr_format()'s text; the decoder skips
 * the ones that parse but are not usable (a peer may list an address we
 * cannot use) and refuses one that does not parse. */
#define PB_RDV_ADDRS_MAX 8
#define PB_RDV_MAX 1024 /* the largest encoding decoded; a full one takes ~480 */
struct pb_rendezvous {
        uint64_t id; /* request id, random, nonzero; an answer repeats it */
        bool answer;
        unsigned n_addrs;
        /* where the sender's listener may be reached */
        struct sockaddr_storage addrs[PB_RDV_ADDRS_MAX];
};
/* -EINVAL for id 0, more than PB_RDV_ADDRS_MAX addresses or one that is not
 * usable (pb_addr_usable()): the caller gives out only what a peer may dial. */
int pb_rendezvous_encode(const struct pb_rendezvous *r, uint8_t **ret, size_t *ret_len);
/* -EBADMSG for a missing, extra or ill-typed key, more than PB_RDV_ADDRS_MAX
 * addresses, one that does not parse, id 0, or more than PB_RDV_MAX bytes;
 * -ENOMEM when msgpack cannot allocate. */
int pb_rendezvous_decode(const uint8_t *data, size_t len, struct pb_rendezvous *ret);
