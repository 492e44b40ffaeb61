/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * peerbook.h — decentralized contact management: the C API.
 *
 * A peerbook_ctx hosts accounts. Each account runs one OpenDHT node with its
 * device identity, announces the device on the DHT and tracks the presence of
 * the buddies it subscribes to.
 *
 * Threads and events. The library runs OpenDHT's threads internally but never
 * calls you from them. Watch peerbook_ctx_get_fd() for POLLIN in your main
 * loop (and wake after peerbook_ctx_get_timeout_ms()), then call
 * peerbook_ctx_process() on your thread: it runs your event callback for every
 * queued event. All functions taking a ctx must be called from one thread at
 * a time (the thread that calls peerbook_ctx_process()).
 *
 * Errors. Every fallible function returns 0 (or a documented non-negative
 * value) on success and a negative errno on failure; out-parameters named
 * ret_* are written only on success. peerbook_strerror() names each code.
 *   -EINVAL      a bad argument (NULL, malformed account ID or URI, bad port)
 *   -ENOENT      no such account / subscription
 *   -EEXIST      the account already exists here
 *   -EKEYREJECTED wrong password
 *   -EBADMSG     a corrupt file or archive
 *   -ENOMEM, -EIO and other errno values from the system
 *
 * Account IDs and device IDs are 40 lowercase hex characters (the InfoHash of
 * the public key). URIs given to the API may carry a "jami:" or "ring:" prefix
 * and upper-case hex; they are normalised.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PEERBOOK_ID_LEN 40
#define PEERBOOK_ID_SIZE (PEERBOOK_ID_LEN + 1)

typedef struct peerbook_ctx peerbook_ctx;

/* A buddy's presence, as Jami's newBuddyNotification reports it. */
enum peerbook_status {
        PEERBOOK_STATUS_OFFLINE = 0,   /* no device found on the DHT */
        PEERBOOK_STATUS_ONLINE = 1,    /* at least one device announced on the DHT */
        PEERBOOK_STATUS_CONNECTED = 2, /* a live direct channel to one of its devices */
};

/* An account's registration, as Jami's Account.registrationStatus names it. */
enum peerbook_registration {
        PEERBOOK_REGISTRATION_INITIALIZING = 0, /* loading keys, starting the node */
        PEERBOOK_REGISTRATION_TRYING = 1,       /* node up, not yet connected/announced */
        PEERBOOK_REGISTRATION_REGISTERED = 2,   /* connected and the announcement is out */
        PEERBOOK_REGISTRATION_ERROR = 3,        /* see the event's code and detail */
};

/* "INITIALIZING", "TRYING", "REGISTERED", "ERROR_GENERIC". Static string. */
const char *peerbook_registration_name(enum peerbook_registration state);

/* A static, human-readable name for a negative errno returned by peerbook. */
const char *peerbook_strerror(int error);

/* ---- context and event loop -------------------------------------------- */

struct peerbook_ctx_options {
        /* Where accounts live, one folder per account. NULL: $XDG_DATA_HOME/peerbook
         * (or ~/.local/share/peerbook). Created if missing. */
        const char *data_dir;
        /* RSA key size for new accounts and devices; 0 = 4096 (Jami's). Minimum 2048. */
        unsigned key_bits;
};

/* Creates a context and loads and starts every account found in data_dir.
 * An account that fails to load is reported by a registration event with
 * PEERBOOK_REGISTRATION_ERROR on the first peerbook_ctx_process(); the others
 * still start. */
int peerbook_ctx_new(const struct peerbook_ctx_options *options, peerbook_ctx **ret_ctx);

/* Stops every account cleanly: each device says goodbye on the DHT (so that
 * peerbook watchers see it offline within seconds), within a bounded time
 * (about 2 s), then frees everything. Accepts NULL; returns NULL. */
peerbook_ctx *peerbook_ctx_free(peerbook_ctx *ctx);

/* A file descriptor that becomes readable when events are queued. Owned by
 * the context: do not close it. */
int peerbook_ctx_get_fd(peerbook_ctx *ctx);

/* Milliseconds until peerbook_ctx_process() has timed work to do (retries,
 * refreshes), or -1 for none. */
int peerbook_ctx_get_timeout_ms(peerbook_ctx *ctx);

/* Drains the event queue and runs due timers; calls the event callback for
 * each event, on this thread. Returns the number of events delivered. */
int peerbook_ctx_process(peerbook_ctx *ctx);

enum peerbook_event_type {
        PEERBOOK_EVENT_REGISTRATION = 1, /* registration state of an account changed */
        PEERBOOK_EVENT_BUDDY = 2,        /* a tracked buddy's status changed */
        PEERBOOK_EVENT_TRUST_REQUEST = 3, /* a new contact request arrived */
        PEERBOOK_EVENT_CONTACT_ADDED = 4, /* a contact was added or confirmed */
        PEERBOOK_EVENT_CONTACT_REMOVED = 5, /* a contact was removed or banned */
};

struct peerbook_event {
        enum peerbook_event_type type;
        const char *account_id; /* the account this event belongs to */
        union {
                struct {
                        enum peerbook_registration state;
                        int code;           /* 0, or a negative errno with ERROR */
                        const char *detail; /* human-readable, never NULL */
                } registration;
                struct {
                        const char *uri;         /* the buddy's account ID */
                        enum peerbook_status status;
                        const char *line_status; /* custom note, "" when none */
                } buddy;
                struct {
                        const char *from;            /* the sender's account ID */
                        const char *conversation_id;
                        const uint8_t *payload;      /* payload_len bytes, may be NULL if 0 */
                        size_t payload_len;
                        uint64_t received;           /* seconds since the epoch */
                } trust_request;
                struct {
                        const char *uri;
                        bool confirmed; /* CONTACT_ADDED */
                        bool banned;    /* CONTACT_REMOVED */
                } contact;
        };
};

/* Everything in the event is borrowed for the duration of the call. The
 * callback may call any peerbook function except peerbook_ctx_free() and
 * peerbook_ctx_process(). */
typedef void (*peerbook_event_cb)(const struct peerbook_event *event, void *userdata);

void peerbook_ctx_set_event_cb(peerbook_ctx *ctx, peerbook_event_cb cb, void *userdata);

/* ---- accounts ----------------------------------------------------------- */

struct peerbook_account_params {
        const char *alias;     /* a display name; NULL = "" */
        const char *password;  /* encrypts the account key on disk and in archives; NULL = none */
        const char *bootstrap; /* "host:port;host:port"; NULL or "" = a standalone node */
        uint16_t dht_port;     /* 0 = any free port, chosen at the first start and kept */
};

/* Creates an account (account key and CA certificate, a first device), saves
 * it under data_dir, and starts it. Blocks for key generation (about 2 s with
 * 4096-bit keys). */
int peerbook_account_create(peerbook_ctx *ctx, const struct peerbook_account_params *params,
                            char ret_account_id[PEERBOOK_ID_SIZE]);

/* Stops the account (with a goodbye) and deletes its folder. */
int peerbook_account_remove(peerbook_ctx *ctx, const char *account_id);

/* A NULL-terminated array of account IDs; free it with peerbook_strv_free(). */
int peerbook_account_list(peerbook_ctx *ctx, char ***ret_ids);
char **peerbook_strv_free(char **strv);

struct peerbook_account_info {
        char account_id[PEERBOOK_ID_SIZE];
        char device_id[PEERBOOK_ID_SIZE];
        char alias[128];
        char bootstrap[512];
        uint16_t dht_port_config; /* the account's port (0 until one was chosen) */
        uint16_t dht_port;        /* bound, 0 while not running */
        enum peerbook_registration registration;
        bool has_password;
        uint64_t dropped_values; /* malformed or forged presence values dropped so far */
        /* Trust requests dropped since start: undecryptable, mis-signed,
         * malformed or oversized, from a banned account, duplicates, and
         * those refused by the pending cap or the per-sender rate limit. */
        uint64_t dropped_requests;
        uint64_t pending_requests; /* waiting for accept / discard */
};

int peerbook_account_get_info(peerbook_ctx *ctx, const char *account_id,
                              struct peerbook_account_info *ret_info);

/* Changes alias, bootstrap and port (NULL fields and a negative port keep the
 * current value; port 0 picks a new free port, then kept); the node restarts
 * when bootstrap or port change. */
int peerbook_account_update(peerbook_ctx *ctx, const char *account_id, const char *alias,
                            const char *bootstrap, int dht_port);

/* Writes the account (its key and certificate, never a device key) into one
 * archive file at path (mode 0600). The account key is encrypted with
 * `password` in the archive; when the account has a password it must be
 * given (-EKEYREJECTED otherwise). */
int peerbook_account_export(peerbook_ctx *ctx, const char *account_id, const char *path,
                            const char *password);

/* Imports an archive made by peerbook_account_export(): the account gets a
 * new device here, issued by the account key. params->password must be the
 * archive's password; alias NULL keeps the archive's alias. -EKEYREJECTED
 * wrong password, -EBADMSG not an archive, -EEXIST already here. */
int peerbook_account_import(peerbook_ctx *ctx, const char *path,
                            const struct peerbook_account_params *params,
                            char ret_account_id[PEERBOOK_ID_SIZE]);

/* ---- presence ----------------------------------------------------------- */

/* Tracks (flag = true) or stops tracking the presence of `uri`. Subscribing
 * queues a PEERBOOK_EVENT_BUDDY with the current status at once, then one on
 * every change. Subscriptions are saved and survive restarts. Subscribing
 * twice is not an error. */
int peerbook_buddy_subscribe(peerbook_ctx *ctx, const char *account_id, const char *uri,
                             bool flag);

struct peerbook_buddy {
        char uri[PEERBOOK_ID_SIZE];
        enum peerbook_status status;
        unsigned devices; /* devices currently seen */
        char line_status[256];
};

/* The current state of every subscription; *ret_buddies is malloc()ed, free()
 * it. */
int peerbook_buddy_list(peerbook_ctx *ctx, const char *account_id,
                        struct peerbook_buddy **ret_buddies, size_t *ret_count);

/* Normalises a URI ("jami:ABC..." → "abc...") into out; -EINVAL when it is not
 * an account ID. */
int peerbook_uri_normalize(const char *uri, char out[PEERBOOK_ID_SIZE]);

/* ---- trust requests and contacts ----------------------------------------- */

#define PEERBOOK_PAYLOAD_MAX 64000 /* Jami's limit: larger requests fail silently there */

/* Sends a contact request to `to` with a payload of at most
 * PEERBOOK_PAYLOAD_MAX bytes (-EMSGSIZE above): `to` becomes an unconfirmed
 * contact (queued PEERBOOK_EVENT_CONTACT_ADDED), tracked for presence; an
 * end-to-end encrypted request goes to the inbox of each of its devices
 * known so far, and again, with a back-off, when one of them appears, until
 * `to` confirms. Saved before it returns. */
int peerbook_trust_request_send(peerbook_ctx *ctx, const char *account_id, const char *to,
                                const uint8_t *payload, size_t payload_len);

struct peerbook_trust_request {
        char from[PEERBOOK_ID_SIZE];
        uint64_t received;
        char conversation_id[128];
        uint8_t *payload; /* malloc()ed, freed by peerbook_trust_requests_free() */
        size_t payload_len;
};

/* The pending requests, oldest first. */
int peerbook_trust_request_list(peerbook_ctx *ctx, const char *account_id,
                                struct peerbook_trust_request **ret_requests, size_t *ret_count);
void peerbook_trust_requests_free(struct peerbook_trust_request *requests, size_t count);

/* Accepts `from`'s pending request: `from` becomes a confirmed contact and a
 * confirmation goes back to its devices. -ENOENT when there is none. */
int peerbook_trust_request_accept(peerbook_ctx *ctx, const char *account_id, const char *from);
/* Drops `from`'s pending request silently. -ENOENT when there is none. */
int peerbook_trust_request_discard(peerbook_ctx *ctx, const char *account_id, const char *from);

struct peerbook_contact {
        char uri[PEERBOOK_ID_SIZE];
        uint64_t added;   /* seconds since the epoch */
        uint64_t removed; /* 0 when never removed; active while added > removed */
        bool confirmed;
        bool banned;
        char conversation_id[128];
};

/* Adds `uri` as a contact (lifting a ban). A pending request from it is
 * accepted (and confirmed back); otherwise a request with an empty payload
 * is sent, as Jami's addContact starts a conversation. A contact already
 * active is left as it is. -EINVAL for a malformed URI or our own account. */
int peerbook_contact_add(peerbook_ctx *ctx, const char *account_id, const char *uri);
/* Removes a contact; ban = true also blocks it: its pending request is
 * dropped and its future requests are ignored until it is added again. */
int peerbook_contact_remove(peerbook_ctx *ctx, const char *account_id, const char *uri,
                            bool ban);
/* Active and banned contacts; *ret_contacts malloc()ed, free() it. */
int peerbook_contact_list(peerbook_ctx *ctx, const char *account_id,
                          struct peerbook_contact **ret_contacts, size_t *ret_count);
/* -ENOENT when uri was never a contact. */
int peerbook_contact_get(peerbook_ctx *ctx, const char *account_id, const char *uri,
                         struct peerbook_contact *ret_contact);

#ifdef __cplusplus
}
#endif
