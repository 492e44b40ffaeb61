/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store.h — an account's database: settings, subscriptions, contacts,
 * requests, the devices of others and our own. One SQLite file per account,
 * WAL journal, synchronous=FULL: every call that changes something commits
 * one transaction before it returns, so a killed process or a power cut
 * loses nothing that was acknowledged. The only file that includes <sqlite3.h>.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pb_store pb_store;

/* Opens and migrates the database at path (mode 0600). With create, a
 * missing or empty file becomes a new database; without, it is an error that
 * leaves the file as it is: -ENOENT missing, -EBADMSG empty or not a database.
 * Other failures carry the system's errno (-EACCES, -EROFS, -ENOSPC). */
int pb_store_open(const char *path, bool create, pb_store **ret);
pb_store *pb_store_close(pb_store *s);

/* A setting; -ENOENT when unset, -ENOBUFS when it does not fit in size. */
int pb_store_get(pb_store *s, const char *key, char *buf, size_t size);
int pb_store_set(pb_store *s, const char *key, const char *value);

/* Adds (on = true) or removes a subscription; idempotent. */
int pb_store_subscription_set(pb_store *s, const char *uri, bool on);
/* Calls cb for each subscription, oldest first; a negative return stops. */
int pb_store_subscriptions(pb_store *s, int (*cb)(const char *uri, void *userdata), void *userdata);

/* ---- transactions: several changes that must land together ------------- */
int pb_store_begin(pb_store *s);
int pb_store_commit(pb_store *s);
void pb_store_rollback(pb_store *s);

/* ---- contacts ------------------------------------------------------------ */

struct pb_contact_row {
        char uri[41];
        int64_t added, removed; /* seconds; active while added > removed */
        bool confirmed, banned;
        char conversation_id[128];
        uint64_t request_id; /* of the request we last sent it; see wire.h */
};

/* Inserts or replaces a contact; payload is what we send it in requests. */
int pb_store_contact_put(pb_store *s, const struct pb_contact_row *c, const uint8_t *payload,
                         size_t payload_len);
/* The payload saved with a contact; *ret malloc()ed (NULL when none). */
int pb_store_contact_payload(pb_store *s, const char *uri, uint8_t **ret, size_t *ret_len);
int pb_store_contacts(pb_store *s, int (*cb)(const struct pb_contact_row *c, void *userdata),
                      void *userdata);

/* ---- pending requests ----------------------------------------------------- */

struct pb_request_row {
        char sender[41];
        int64_t received;
        char conversation_id[128];
        char device[41];
        const uint8_t *payload; /* borrowed: valid during a callback or until freed */
        size_t payload_len;
        const uint8_t *device_pk;
        size_t device_pk_len;
        char fingerprint[41]; /* tells a re-send of this request from a new one */
};

int pb_store_request_put(pb_store *s, const struct pb_request_row *r);
int pb_store_request_count(pb_store *s, size_t *ret);
/* -ENOENT when there is none. */
int pb_store_request_delete(pb_store *s, const char *sender);
/* Calls cb for every pending request (or only `sender`'s when not NULL). */
int pb_store_requests(pb_store *s, const char *sender,
                      int (*cb)(const struct pb_request_row *r, void *userdata), void *userdata);

/* ---- devices seen of other accounts ------------------------------------------ */

int pb_store_device_put(pb_store *s, const char *account, const char *device, const uint8_t *pk,
                        size_t pk_len);
int pb_store_devices(pb_store *s, const char *account,
                     int (*cb)(const char *device, const uint8_t *pk, size_t pk_len,
                               void *userdata),
                     void *userdata);

/* ---- request values already handled ---------------------------------------- */

/* ---- requests the user discarded (so that their re-sends stay silent) ---- */

int pb_store_discarded_add(pb_store *s, const char *sender, const char *fingerprint, int64_t now);
/* 1 when (sender, fingerprint) was discarded, 0 when not. */
int pb_store_discarded_has(pb_store *s, const char *sender, const char *fingerprint);
int pb_store_discarded_prune(pb_store *s, int64_t before);

/* 1 when value_id was handled before, 0 when not. */
int pb_store_handled_has(pb_store *s, uint64_t value_id);
/* 1 when value_id was new (and is now recorded), 0 when it was handled before. */
int pb_store_handled_add(pb_store *s, uint64_t value_id, int64_t now);
/* Forgets the ones older than `before` (the DHT has dropped them too). */
int pb_store_handled_prune(pb_store *s, int64_t before);

/* ---- the account's own devices (ours among them) ------------------------------ */

#define PB_OWN_DEVICE_NAME_MAX 65 /* PEERBOOK_DEVICE_NAME_MAX (64 bytes) and a NUL */
#define PB_OWN_DEVICE_PK_MAX 2048 /* = PB_PUBKEY_MAX: an RSA-8192 key's DER */

struct pb_own_device_row {
        char device[41];  /* SHA-1 of the device key, 40 lowercase hex */
        char long_id[65]; /* SHA-256 of the device key (Jami's PkId), 64 hex */
        char name[PB_OWN_DEVICE_NAME_MAX];
        uint8_t pk[PB_OWN_DEVICE_PK_MAX]; /* DER public key */
        size_t pk_len;
        uint64_t last_sync; /* ns date of the last sync accepted from it; 0: none */
        bool revoked;
        int64_t seen; /* seconds: when we last learned of it */
};

/* Inserts or replaces the device's row (every field); -EINVAL for a key over
 * PB_OWN_DEVICE_PK_MAX or a last_sync past INT64_MAX. */
int pb_store_own_device_put(pb_store *s, const struct pb_own_device_row *d);
/* -ENOENT when the device is not there. */
int pb_store_own_device_get(pb_store *s, const char *device, struct pb_own_device_row *ret);
/* Calls cb for each device, by device id; a negative return stops. */
int pb_store_own_devices(pb_store *s, int (*cb)(const struct pb_own_device_row *d, void *userdata),
                         void *userdata);
/* -ENOENT when there is none. */
int pb_store_own_device_delete(pb_store *s, const char *device);
/* Accepts a sync dated date from the device, in one statement: 1 when it is
 * newer than the last one accepted (now recorded), 0 when it is not or the
 * device is revoked (drop it), -ENOENT for a device not ours. */
int pb_store_own_device_synced(pb_store *s, const char *device, uint64_t date);

/* The date (ns) for our next sync: max(now_ns, the last one + 1), saved
 * (meta "sync_date") before it is returned, so dates strictly increase across
 * restarts and clock steps back; -EOVERFLOW past INT64_MAX. */
int pb_store_sync_next_date(pb_store *s, uint64_t now_ns, uint64_t *ret);
