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
 * a time (the thread that calls peerbook_ctx_process()). Functions marked
 * "Blocks" below do disk or CPU work (key generation, waiting for a goodbye)
 * that takes long enough to notice in an event loop: call them where that is
 * acceptable. The others return in microseconds to milliseconds.
 *
 * Errors. Every fallible function returns 0 (or a documented non-negative
 * value) on success and a negative errno on failure; out-parameters named
 * ret_* are written only on success. peerbook_strerror() names each code.
 * Each function lists what its errors mean; these hold for every function
 * that takes an account ID:
 *   -EINVAL      a bad argument (NULL, malformed account ID or URI, bad port)
 *   -ESRCH       no such account in this context
 *   -EIO         the account failed to load (its registration is ERROR and
 *                registration_detail says why): its info, export and
 *                removal work; every call that reads or changes its
 *                database (lists included) returns -EIO. A failure that may
 *                pass (a full disk, an I/O error) is retried with a back-off,
 *                and a registration event tells when the account is back
 *   -ENOSPC      no space left on device (nothing was changed)
 *   -ENOMEM      out of memory
 * -ENOENT has one meaning per function, given with it (no such contact,
 * request, subscription or file); no function uses it for an account.
 *
 * ABI. Programs link the functions below and nothing else (every one is
 * marked PEERBOOK_EXPORT; the library exports no other symbol). Versions
 * with the same PEERBOOK_VERSION_MAJOR keep the ABI: structs only grow at
 * the end, enums only gain values, and
 *   - a struct you fill and pass in (peerbook_ctx_options,
 *     peerbook_account_params) starts with `size_t size`, which you set to
 *     sizeof(the struct). The library reads only the members that fit in
 *     `size` and takes the others as zero (their default), so a program
 *     built against an older header keeps working. A NULL struct, or a size
 *     smaller than the struct of the first version (0.3), is -EINVAL.
 *   - a record the library gives out (peerbook_account_info, peerbook_buddy,
 *     peerbook_contact, peerbook_trust_request) is allocated by the library
 *     in one block, its strings and payload inside it; read it through the
 *     pointer, never copy it by value (it may be larger than your sizeof).
 *     Free one record with peerbook_free(). A list is a NULL-terminated array
 *     of pointers to records (or to strings, for account IDs), returned with
 *     its length; free it, records included, with peerbook_list_free().
 *
 * Repeated operations: a call that asks for a state that already holds
 * succeeds and changes nothing (subscribe or unsubscribe twice, add a contact
 * already there, remove or ban one that is not); one that consumes something
 * that is not there fails (accepting or discarding a request: -ENOENT).
 *
 * Account IDs and device IDs are 40 lowercase hex characters (the InfoHash of
 * the public key). URIs given to the API may carry a "jami:" or "ring:" prefix
 * and upper-case hex; they are normalised.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <peerbook/version.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the library's exported functions (it is built with hidden visibility). */
#define PEERBOOK_EXPORT __attribute__((visibility("default")))

#define PEERBOOK_ID_LEN 40
#define PEERBOOK_ID_SIZE (PEERBOOK_ID_LEN + 1)

typedef struct peerbook_ctx peerbook_ctx;

/* The library's version, "MAJOR.MINOR.PATCH" (PEERBOOK_VERSION of the
 * library you run, which may be newer than the header you built with).
 * Static string. */
PEERBOOK_EXPORT const char *peerbook_version(void);

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
        PEERBOOK_REGISTRATION_ERROR = 3,        /* see the registration code and detail */
        /* v0.5: disabled (peerbook_account_params.enabled) or inactive
         * (peerbook_account_set_active()): no node, no channels. */
        PEERBOOK_REGISTRATION_UNREGISTERED = 4,
};

/* "INITIALIZING", "TRYING", "REGISTERED", "ERROR_GENERIC", "UNREGISTERED".
 * Static string. */
PEERBOOK_EXPORT const char *peerbook_registration_name(enum peerbook_registration state);

/* A static, human-readable name for a negative errno returned by peerbook. */
PEERBOOK_EXPORT const char *peerbook_strerror(int error);

/* Frees one record given out by the library (peerbook_account_get_info(),
 * peerbook_contact_get()). Accepts NULL; returns NULL. */
PEERBOOK_EXPORT void *peerbook_free(void *record);

/* Frees a list given out by the library (account IDs, buddies, contacts,
 * trust requests) and every record in it. Accepts NULL; returns NULL. */
PEERBOOK_EXPORT void *peerbook_list_free(void *list);

/* ---- context and event loop -------------------------------------------- */

struct peerbook_ctx_options {
        size_t size; /* sizeof(struct peerbook_ctx_options) */
        /* Where accounts live, one folder per account. NULL: $XDG_DATA_HOME/peerbook
         * (or ~/.local/share/peerbook). Created if missing. */
        const char *data_dir;
        /* RSA key size for new accounts and devices; 0 = 4096 (Jami's), otherwise
         * PEERBOOK_KEY_BITS_MIN..PEERBOOK_KEY_BITS_MAX. */
        unsigned key_bits;
        /* v0.6. true: no LAN discovery for any account of this context,
         * whatever their PEERBOOK_LAN_* settings; no multicast socket is
         * opened. For programs that must stay off the LAN (test suites on
         * shared machines: peerbookd --no-lan). */
        bool no_lan;
};

/* Creates a context and loads and starts every account found in data_dir.
 * An account that fails to load is reported by a registration event with
 * PEERBOOK_REGISTRATION_ERROR on the first peerbook_ctx_process(); the others
 * still start. One context per data directory: while a context lives (in this
 * process or another), a second one on the same directory fails with -EBUSY
 * ("data directory in use by another process"); the lock is a flock()ed file
 * data_dir/.lock, released by peerbook_ctx_free() or the process's exit.
 * Blocks: reads every account's keys and database. -EINVAL bad options (see
 * the size rule above; key_bits out of range, no data_dir and no $HOME), or
 * an errno from creating data_dir. */
PEERBOOK_EXPORT int peerbook_ctx_new(const struct peerbook_ctx_options *options,
                                     peerbook_ctx **ret_ctx);

/* Stops every account cleanly: each device says goodbye on the DHT (so that
 * peerbook watchers see it offline within seconds), then frees everything.
 * Blocks: up to about 1.5 s for the goodbyes, plus the nodes' shutdown.
 * Accepts NULL; returns NULL. */
PEERBOOK_EXPORT peerbook_ctx *peerbook_ctx_free(peerbook_ctx *ctx);

/* A file descriptor that becomes readable when events are queued or a
 * direct channel's socket has work (it is an epoll fd: poll it for POLLIN,
 * never read it). Owned by the context: do not close it. -EINVAL for a NULL
 * ctx. Direct channels need peerbook_ctx_process() to be called when it is
 * readable and at the timeout: a loop that stalls for several seconds makes
 * this device look dead to its contacts (their beacons go unanswered). */
PEERBOOK_EXPORT int peerbook_ctx_get_fd(peerbook_ctx *ctx);

/* Milliseconds until peerbook_ctx_process() has timed work to do (retries,
 * refreshes), or -1 for none. */
PEERBOOK_EXPORT int peerbook_ctx_get_timeout_ms(peerbook_ctx *ctx);

/* Runs the direct channels' socket I/O, drains the event queue and runs due
 * timers; calls the event callback for each event, on this thread. Never
 * blocks. Returns the number of events delivered and sockets served, or
 * -EINVAL for a NULL ctx. */
PEERBOOK_EXPORT int peerbook_ctx_process(peerbook_ctx *ctx);

enum peerbook_event_type {
        PEERBOOK_EVENT_REGISTRATION = 1,    /* registration state of an account changed */
        PEERBOOK_EVENT_BUDDY = 2,           /* a tracked buddy's status changed */
        PEERBOOK_EVENT_TRUST_REQUEST = 3,   /* a new contact request arrived */
        PEERBOOK_EVENT_CONTACT_ADDED = 4,   /* a contact was added or confirmed */
        PEERBOOK_EVENT_CONTACT_REMOVED = 5, /* a contact was removed or banned */
        /* v0.5: the account's device list (peerbook_device_list()) changed: a
         * device was renamed, found or dropped. Only account_id is set. */
        PEERBOOK_EVENT_DEVICES_CHANGED = 6,
        /* v0.5: a peerbook_device_revoke() ended (revocation is set). */
        PEERBOOK_EVENT_DEVICE_REVOKED = 7,
        /* v0.6: an account was heard on the LAN, or unheard for 60 s (nearby
         * is set; see peerbook_nearby_list()). */
        PEERBOOK_EVENT_NEARBY = 8,
};

/* v0.5: how a revocation ended, Jami's deviceRevocationEnded codes. */
enum peerbook_revocation_status {
        PEERBOOK_REVOCATION_SUCCESS = 0,
        PEERBOOK_REVOCATION_WRONG_PASSWORD = 1,
        PEERBOOK_REVOCATION_UNKNOWN_DEVICE = 2, /* also: any other failure (see code) */
};

/* Allocated by the library and borrowed by the callback: it may grow at the
 * end of the struct and of each member of the union. */
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
                        const char *uri; /* the buddy's account ID */
                        enum peerbook_status status;
                        const char *line_status; /* custom note, "" when none */
                } buddy;
                struct {
                        const char *from; /* the sender's account ID */
                        const char *conversation_id;
                        const uint8_t *payload; /* payload_len bytes, may be NULL if 0 */
                        size_t payload_len;
                        uint64_t received; /* seconds since the epoch */
                } trust_request;
                struct {
                        const char *uri;
                        bool confirmed; /* CONTACT_ADDED */
                        bool banned;    /* CONTACT_REMOVED */
                } contact;
                struct {
                        const char *device_id; /* as given to peerbook_device_revoke() */
                        int status;            /* enum peerbook_revocation_status */
                        int code;              /* 0, or the negative errno behind status */
                } revocation;                  /* v0.5: DEVICE_REVOKED */
                struct {
                        const char *uri;          /* the account heard (an unverified claim) */
                        const char *display_name; /* as it announced itself, "" when none */
                        /* false: first heard (Jami's nearbyPeerNotification
                         * status 0); true: unheard for 60 s, gone (status 1) */
                        bool gone;
                } nearby; /* v0.6: NEARBY */
        };
};

/* Everything in the event is borrowed for the duration of the call. The
 * callback may call any peerbook function except peerbook_ctx_free() and
 * peerbook_ctx_process(). */
typedef void (*peerbook_event_cb)(const struct peerbook_event *event, void *userdata);

PEERBOOK_EXPORT void peerbook_ctx_set_event_cb(peerbook_ctx *ctx, peerbook_event_cb cb,
                                               void *userdata);

/* ---- accounts ----------------------------------------------------------- */

/* Which members of peerbook_account_params peerbook_account_update() changes. */
enum peerbook_param {
        PEERBOOK_PARAM_ALIAS = 1u << 0,
        PEERBOOK_PARAM_BOOTSTRAP = 1u << 1,
        PEERBOOK_PARAM_DHT_PORT = 1u << 2,
        PEERBOOK_PARAM_CHANNEL_PORT = 1u << 3, /* v0.4 */
        PEERBOOK_PARAM_ENABLED = 1u << 4,      /* v0.5 */
        PEERBOOK_PARAM_DEVICE_NAME = 1u << 5,  /* v0.5 */
        PEERBOOK_PARAM_LAN = 1u << 6,          /* v0.6 */
};

/* v0.6. LAN discovery (docs/lan.md), per account, as Jami's three settings:
 * UDP port 8888, groups 239.192.0.1 and ff08::101, on every up,
 * multicast-capable interface but loopback. */
enum peerbook_lan_flags {
        /* Account.peerDiscovery: the DHT assembles itself on the LAN. This
         * node's ID and port are announced and answered (OpenDHT's "dht"
         * service); the nodes heard are pinged and joined, so two devices of
         * one LAN need no bootstrap to find each other. */
        PEERBOOK_LAN_DHT = 1u << 0,
        /* Account.accountDiscovery: hear accounts announced on the LAN (the
         * "jami" service): PEERBOOK_EVENT_NEARBY and peerbook_nearby_list().
         * Sends nothing but a query. */
        PEERBOOK_LAN_NEARBY = 1u << 1,
        /* Account.accountPublish: announce this account's ID and alias to the
         * LAN every 30 s and to every query. Anyone on the LAN (a café's
         * Wi-Fi) then learns who is there: off unless asked for. */
        PEERBOOK_LAN_PUBLISH = 1u << 2,
};
/* What peerbookd and the CLI give a new account: find the LAN's nodes and
 * hear who is nearby, without telling anyone who we are. */
#define PEERBOOK_LAN_DEFAULT (PEERBOOK_LAN_DHT | PEERBOOK_LAN_NEARBY)

struct peerbook_account_params {
        size_t size; /* sizeof(struct peerbook_account_params) */
        /* peerbook_account_update(): the members to change, PEERBOOK_PARAM_*
         * or'ed. Create and import read every member and ignore this. */
        uint32_t fields;
        const char *alias;    /* a display name, < 128 bytes; NULL = "" */
        const char *password; /* encrypts the account key on disk and in archives; NULL = none */
        /* DHT nodes to join, as peerbook_bootstrap_check() reads them: e.g.
         * "host:port;[::1]:4222;host" (port 4222 when none); NULL or "" = a
         * standalone node. A malformed list is -EINVAL. */
        const char *bootstrap;
        uint16_t dht_port; /* 0 = any free port, chosen at the first start and kept */
        /* v0.4. The TCP port of the direct-channel listener: 0 = any free port,
         * chosen at the first start and kept; -1 = no listener (this device
         * only dials out); otherwise 1..65535. */
        int32_t channel_port;
        /* v0.5. peerbook_account_update() only (create and import ignore them:
         * a new account starts enabled, and its device is named after the
         * host, as Jami names it). enabled = false stops the account (a
         * goodbye, then no node and no channels: registration UNREGISTERED)
         * and keeps all its data; saved, so it stays disabled across
         * restarts; true starts it again. device_name: this device's name,
         * as its other devices list it; UTF-8 without control characters,
         * 1..PEERBOOK_DEVICE_NAME_MAX bytes (-EINVAL otherwise). */
        bool enabled;
        const char *device_name;
        /* v0.6. PEERBOOK_LAN_* or'ed, read by create and import too: 0 (what
         * a zeroed struct says) keeps the account off the LAN; a program
         * that wants LAN discovery asks for it (PEERBOOK_LAN_DEFAULT). */
        uint32_t lan;
};

/* Creates an account (account key and CA certificate, a first device), saves
 * it under data_dir, and starts it; its ID goes to ret_account_id. Blocks for
 * key generation (seconds with 4096-bit keys). -EINVAL bad params (size
 * rule, an alias or bootstrap too long), or an errno from writing the
 * account's folder. */
PEERBOOK_EXPORT int peerbook_account_create(peerbook_ctx *ctx,
                                            const struct peerbook_account_params *params,
                                            char ret_account_id[PEERBOOK_ID_SIZE]);

/* The end of peerbook_account_create_async() or peerbook_account_import_async(),
 * called from peerbook_ctx_process() on its thread: result 0 and the new
 * account's ID (borrowed for the call; the account is loaded and starting), or
 * a negative errno as the blocking call would have returned it and a NULL ID.
 * It may call any peerbook function except peerbook_ctx_free() and
 * peerbook_ctx_process(). */
typedef void (*peerbook_account_done_cb)(peerbook_ctx *ctx, int result, const char *account_id,
                                         void *userdata);

/* As peerbook_account_create() and peerbook_account_import(), but the key
 * generation (seconds) runs on a thread of the library's, so the caller's
 * loop keeps running; `done` is called once, later, unless the context is
 * freed first (peerbook_ctx_free() then waits for the keys and drops the new
 * account). The arguments are checked and copied before these return: 0 means
 * `done` will be called. -EBUSY with 8 creations in flight already. */
PEERBOOK_EXPORT int peerbook_account_create_async(peerbook_ctx *ctx,
                                                  const struct peerbook_account_params *params,
                                                  peerbook_account_done_cb done, void *userdata);
PEERBOOK_EXPORT int peerbook_account_import_async(peerbook_ctx *ctx, const char *path,
                                                  const struct peerbook_account_params *params,
                                                  peerbook_account_done_cb done, void *userdata);

/* Stops the account (with a goodbye) and deletes its folder. Blocks: up to
 * about 1.5 s for the goodbye, plus the node's shutdown. -ESRCH no such
 * account, or an errno from deleting the folder. */
PEERBOOK_EXPORT int peerbook_account_remove(peerbook_ctx *ctx, const char *account_id);

/* The IDs of the accounts here (those in ERROR included), as a list of
 * strings: free it with peerbook_list_free(). Returns how many. */
PEERBOOK_EXPORT int peerbook_account_list(peerbook_ctx *ctx, char ***ret_ids);

/* v0.5. The machine's network changed (an address came or went, another
 * network was joined): every running account's DHT node checks its nodes
 * again and re-sends its announcements and listens, and its direct channels
 * are checked with a beacon (a dead one is gone within 4 s) and dialled
 * again at once. The context also hears such changes itself (netlink) and
 * does this 300 ms after the last of a burst; this call is for a program
 * that knows better (Jami's D-Bus connectivityChanged). Non-blocking. */
PEERBOOK_EXPORT int peerbook_ctx_connectivity_changed(peerbook_ctx *ctx);

/* A record (see ABI above): grows only at the end. */
struct peerbook_account_info {
        const char *account_id;
        const char *device_id; /* "" when the account failed to load */
        const char *alias;
        const char *bootstrap;
        uint16_t dht_port_config; /* the account's port (0 until one was chosen) */
        uint16_t dht_port;        /* bound, 0 while not running */
        enum peerbook_registration registration;
        /* As the last registration event said: 0, or a negative errno with
         * ERROR, and a human-readable detail ("" when none). */
        int registration_code;
        const char *registration_detail;
        bool has_password;
        uint64_t dropped_values; /* malformed or forged presence values dropped so far */
        /* Trust requests dropped since start: undecryptable, mis-signed,
         * malformed or oversized, from a banned account, duplicates, and
         * those refused by the pending cap or the per-sender rate limit. */
        uint64_t dropped_requests;
        uint64_t pending_requests; /* waiting for accept / discard */
        /* v0.4: direct channels (docs/architecture.md, "Direct channels"). */
        int32_t channel_port_config; /* as peerbook_account_params.channel_port */
        uint16_t channel_port;       /* the listener's bound port, 0 when none */
        uint64_t channels;           /* channels open now (verified, both ways) */
        /* Refused since start: connection requests from non-contacts, forged
         * or malformed, over the per-sender rate; TLS peers without a valid
         * certificate of an active contact; connections over the caps. */
        uint64_t channels_refused;
        /* Channels closed since start for a malformed frame, a peer that
         * stopped reading (buffer cap) or silence (no answer to a beacon). */
        uint64_t channels_dropped;
        const char *note; /* our published note, "" when none */
        /* v0.5 */
        bool enabled;            /* saved: false after an update with enabled = false */
        bool active;             /* this run only: peerbook_account_set_active() */
        const char *device_name; /* this device's name */
        /* DeviceSync values dropped since start: undecodable, not from a
         * device of this account, from a revoked one, or not newer than the
         * last one taken from that device (a replay). */
        uint64_t dropped_syncs;
        /* v0.6 */
        uint32_t lan; /* PEERBOOK_LAN_* of the account */
        /* LAN discovery packets dropped since start (the context's, shown by
         * each account): malformed, oversized, a network other than ours,
         * over the rate limit or the nearby table's cap. */
        uint64_t dropped_lan;
        uint64_t nearby; /* accounts heard on the LAN within 60 s */
};

/* The account's state, also for an account that failed to load (then in
 * ERROR): free it with peerbook_free(). -ESRCH no such account. */
PEERBOOK_EXPORT int peerbook_account_get_info(peerbook_ctx *ctx, const char *account_id,
                                              struct peerbook_account_info **ret_info);

/* Changes the members of params that params->fields names (NULL alias or
 * bootstrap: ""; port 0 picks a new free port, then kept); the node
 * restarts when bootstrap or port change, stops when enabled becomes false
 * and starts when it becomes true; a new device name needs no restart and
 * queues a PEERBOOK_EVENT_DEVICES_CHANGED. Blocks
 * when it restarts or stops the node (a goodbye, then the node's shutdown, as
 * peerbook_account_remove()). -EINVAL bad params (size rule, a bit this
 * library does not know, an alias or bootstrap too long, a bad device
 * name), -ESRCH no such account, -EIO the account failed to load, or an
 * errno from saving. */
PEERBOOK_EXPORT int peerbook_account_update(peerbook_ctx *ctx, const char *account_id,
                                            const struct peerbook_account_params *params);

/* v0.5. Runs or stops an enabled account for this run only (Jami's
 * setAccountActive): inactive, it says goodbye and runs no node and no
 * channels (UNREGISTERED), as a disabled one, but the setting is not saved:
 * every account is active when a context starts. Blocks when it stops the
 * account (a goodbye, as peerbook_account_remove()). -ESRCH no such
 * account, -EIO the account failed to load. */
PEERBOOK_EXPORT int peerbook_account_set_active(peerbook_ctx *ctx, const char *account_id,
                                                bool active);

/* Writes the account into one archive file at path (mode 0600), in Jami's
 * format (v0.5; Jami's addAccount with Account.archivePath reads it): the
 * account key and certificate chain (never a device key), the contacts, the
 * alias as Account.displayName, and what an imported Jami archive carried
 * that peerbook does not use. With a password the file is encrypted
 * (argon2i and AES-256-GCM, as Jami's), without one it is gzip. When the
 * account has a password, `password` must be it (as Jami's exportToFile:
 * an export never changes the password; see
 * peerbook_account_set_password()). The file is replaced atomically,
 * never through a symbolic link. Blocks: reads and writes files, and the
 * password costs about a second and 64 MiB. -EKEYREJECTED wrong password,
 * -ENOENT no such directory for `path`, -ESRCH no such account, -ENOSPC no
 * space left, or another errno from writing. An account that failed to
 * load can still be exported with its password (without its contacts). */
PEERBOOK_EXPORT int peerbook_account_export(peerbook_ctx *ctx, const char *account_id,
                                            const char *path, const char *password);

/* v0.5. Sets, changes or removes the account's password (the one that
 * encrypts its key on disk and is asked by export): `old` is the current
 * one (NULL or "" for an account without one), `new_password` NULL or ""
 * removes it. The key file is replaced atomically. Blocks: reads and
 * writes the key. -EKEYREJECTED `old` is wrong (nothing changed), -ESRCH no
 * such account, -EIO the account failed to load, or an errno from saving. */
PEERBOOK_EXPORT int peerbook_account_set_password(peerbook_ctx *ctx, const char *account_id,
                                                  const char *old, const char *new_password);

/* Imports an account archive: Jami's (a file from Jami's exportToFile, or
 * from peerbook_account_export(); v0.5) or peerbook's v0.1 format. The
 * account gets a new device here, issued by the archive's account
 * certificate (a Jami account's chain [account, Jami CA] is kept), and the
 * archive's contacts. params->password must be the archive's password (and
 * becomes the account's); alias NULL keeps the archive's alias. Blocks for
 * the device's key generation and the password's stretch (about a second).
 * -ENOENT no such file, -EBADFD not a regular file (a FIFO or a device:
 * never opened for reading), -EKEYREJECTED wrong password (or none given
 * for an encrypted archive), -EBADMSG not an archive, -EEXIST the account
 * is already here. */
PEERBOOK_EXPORT int peerbook_account_import(peerbook_ctx *ctx, const char *path,
                                            const struct peerbook_account_params *params,
                                            char ret_account_id[PEERBOOK_ID_SIZE]);

/* ---- limits and bootstrap lists ------------------------------------------ */

#define PEERBOOK_ALIAS_MAX 128       /* an alias's size, its final NUL included */
#define PEERBOOK_BOOTSTRAP_MAX 512   /* a bootstrap list's size, its final NUL included */
#define PEERBOOK_BOOTSTRAP_PORT 4222 /* the port of an entry that names none (Jami's) */
#define PEERBOOK_KEY_BITS_MIN 2048   /* below this, RSA is no longer considered safe */
#define PEERBOOK_KEY_BITS_MAX 8192   /* a larger key does not fit an announcement */
#define PEERBOOK_DEVICE_NAME_MAX 64  /* v0.5: a device name's length in bytes, NUL excluded */

/* Checks a bootstrap list, the one grammar of the library, the daemon's
 * Account.hostname and the CLI's --bootstrap:
 *   - entries separated by ';' (Jami's separator) or ','; empty entries are
 *     skipped, so "" and ";" are an empty list (a standalone node);
 *   - spaces and tabs around an entry are ignored, inside one they are an error;
 *   - an entry is "host", "host:port", "[IPv6]", "[IPv6]:port" or a bare IPv6
 *     address (two colons or more, hence no port); host is a DNS name or an
 *     IPv4 address (letters, digits, '.', '-', '_'); port 1..65535, default
 *     PEERBOOK_BOOTSTRAP_PORT;
 *   - the whole list is shorter than PEERBOOK_BOOTSTRAP_MAX bytes.
 * NULL is an empty list. Returns 0 when the list is well formed, otherwise
 * -EINVAL with the byte offset and length of the first malformed entry in
 * *ret_bad_offset and *ret_bad_len (each may be NULL; for a list too long, the
 * part past the limit). Names are not resolved here. */
PEERBOOK_EXPORT int peerbook_bootstrap_check(const char *list, size_t *ret_bad_offset,
                                             size_t *ret_bad_len);

/* ---- nearby accounts (v0.6) ------------------------------------------------ */

/* A record (see ABI above): grows only at the end. */
struct peerbook_nearby_peer {
        const char *uri;          /* the account ID it announced */
        const char *display_name; /* the name it announced, "" when none */
        const char *address;      /* where the announcement came from, "ip:port" */
        uint64_t heard_ms_ago;    /* since its last announcement (gone after 60,000) */
        bool contact;             /* an active contact of the account */
};

/* The accounts heard on the LAN within the last 60 s by an account with
 * PEERBOOK_LAN_NEARBY (Jami's getNearbyPeers), as a list: free it with
 * peerbook_list_free(). Returns how many. An entry is a hint anyone on the
 * LAN can forge: it never counts as presence. A contact heard nearby is
 * checked on the DHT at once and dialled as usual, and shows up only as
 * those say. -ESRCH no such account, -EIO the account failed to load. */
PEERBOOK_EXPORT int peerbook_nearby_list(peerbook_ctx *ctx, const char *account_id,
                                         struct peerbook_nearby_peer ***ret_peers);

/* ---- devices of an account (v0.5) ----------------------------------------- */

#define PEERBOOK_LONG_ID_LEN 64 /* a device's long ID: SHA-256, in hex */

/* A record (see ABI above): grows only at the end. */
struct peerbook_device {
        const char *device_id; /* 40 hex: the InfoHash of the device's public key */
        /* 64 hex: the SHA-256 of its public key (DER SubjectPublicKeyInfo),
         * the ID Jami's getKnownRingDevices gives a device */
        const char *long_id;
        const char *name; /* as the device named itself, "" when unknown */
        bool this_device;
};

/* The devices of the account known here, this one included, as a list: free
 * it with peerbook_list_free(). Returns how many. A
 * PEERBOOK_EVENT_DEVICES_CHANGED tells when it changes. Rename this device
 * with peerbook_account_update() (PEERBOOK_PARAM_DEVICE_NAME). -ESRCH no
 * such account, -EIO the account failed to load. */
PEERBOOK_EXPORT int peerbook_device_list(peerbook_ctx *ctx, const char *account_id,
                                         struct peerbook_device ***ret_devices);

/* v0.5. Revokes a device of the account (its 40-hex device ID or 64-hex
 * long ID, as peerbook_device_list() gives them; not this device) with the
 * account password (NULL or "" for an account without one): the account
 * key signs a new revocation list naming the device's certificate (Jami's
 * X.509 CRL), which is saved in the account folder, carried in exports and
 * published on the account's hash, where the account's other devices and
 * its contacts (peerbook and Jami) pick it up. The password is checked here;
 * the device's certificate is then looked up on the DHT and a
 * PEERBOOK_EVENT_DEVICE_REVOKED tells how it ended (the device leaves the
 * device list on success). Blocks briefly (the key is decrypted).
 * -EKEYREJECTED wrong password (nothing changes), -ENOENT no device of the
 * account known here by that ID, -EPERM this device, -EALREADY a revocation is
 * under way, -ENOTCONN the account does not run. */
PEERBOOK_EXPORT int peerbook_device_revoke(peerbook_ctx *ctx, const char *account_id,
                                           const char *password, const char *device);

/* ---- presence ----------------------------------------------------------- */

/* Tracks the presence of `uri`: queues a PEERBOOK_EVENT_BUDDY with the
 * current status at once, then one on every change. Subscriptions are saved
 * and survive restarts. Subscribing twice is not an error. -EINVAL malformed
 * uri, -ESRCH no such account, -EIO the account failed to load. */
PEERBOOK_EXPORT int peerbook_buddy_subscribe(peerbook_ctx *ctx, const char *account_id,
                                             const char *uri);

/* Stops tracking `uri` (a contact stays tracked as one). Unsubscribing from a
 * buddy not tracked succeeds and changes nothing. -EINVAL malformed uri,
 * -ESRCH no such account, -EIO the account failed to load. */
PEERBOOK_EXPORT int peerbook_buddy_unsubscribe(peerbook_ctx *ctx, const char *account_id,
                                               const char *uri);

/* A record (see ABI above): grows only at the end. */
struct peerbook_buddy {
        const char *uri;
        enum peerbook_status status;
        unsigned devices; /* devices currently seen */
        const char *line_status;
        unsigned connected; /* v0.4: devices with a live direct channel */
};

/* The current state of every tracked buddy (subscriptions and contacts), as
 * a list: free it with peerbook_list_free(). Returns how many. -ESRCH no
 * such account. */
PEERBOOK_EXPORT int peerbook_buddy_list(peerbook_ctx *ctx, const char *account_id,
                                        struct peerbook_buddy ***ret_buddies);

/* v0.4. Publishes a custom note (Jami's `publish`): saved, sent at once to
 * every contact device with a live channel and again on each new channel,
 * as an RFC 3863 PIDF document; contacts get it as the buddy event's
 * line_status (with PEERBOOK_STATUS_CONNECTED). "" or NULL clears it.
 * -EINVAL when note is not UTF-8 or longer than PEERBOOK_NOTE_MAX bytes.
 * Does not block. */
#define PEERBOOK_NOTE_MAX 1024
PEERBOOK_EXPORT int peerbook_presence_publish(peerbook_ctx *ctx, const char *account_id,
                                              const char *note);

/* Normalises a URI ("jami:ABC..." → "abc...") into ret_id; -EINVAL when it is
 * not an account ID. */
PEERBOOK_EXPORT int peerbook_uri_normalize(const char *uri, char ret_id[PEERBOOK_ID_SIZE]);

/* ---- trust requests and contacts ----------------------------------------- */

#define PEERBOOK_PAYLOAD_MAX 64000 /* Jami's limit: larger requests fail silently there */

/* Sends a contact request to `to` with a payload of at most
 * PEERBOOK_PAYLOAD_MAX bytes: `to` becomes an unconfirmed contact (queued
 * PEERBOOK_EVENT_CONTACT_ADDED), tracked for presence; an end-to-end
 * encrypted request goes to the inbox of each of its devices known so far,
 * and again, with a back-off, when one of them appears, until `to`
 * confirms. Saved before it returns. -EINVAL malformed `to`, or `to` is
 * this account itself; -EMSGSIZE payload too large; -ESRCH no such
 * account; -EIO the account failed to load. */
PEERBOOK_EXPORT int peerbook_trust_request_send(peerbook_ctx *ctx, const char *account_id,
                                                const char *to, const uint8_t *payload,
                                                size_t payload_len);

/* A record (see ABI above): grows only at the end. */
struct peerbook_trust_request {
        const char *from;
        uint64_t received; /* seconds since the epoch */
        const char *conversation_id;
        const uint8_t *payload; /* payload_len bytes, NULL when 0 */
        size_t payload_len;
};

/* The pending requests, oldest first, as a list: free it with
 * peerbook_list_free(). Returns how many. -ESRCH no such account, -EIO the
 * account failed to load. */
PEERBOOK_EXPORT int peerbook_trust_request_list(peerbook_ctx *ctx, const char *account_id,
                                                struct peerbook_trust_request ***ret_requests);

/* Accepts `from`'s pending request: `from` becomes a confirmed contact and a
 * confirmation goes back to its devices. -ENOENT no such request, -EINVAL
 * malformed `from`, -ESRCH no such account, -EIO the account failed to
 * load. */
PEERBOOK_EXPORT int peerbook_trust_request_accept(peerbook_ctx *ctx, const char *account_id,
                                                  const char *from);
/* Drops `from`'s pending request silently. Errors as
 * peerbook_trust_request_accept(). */
PEERBOOK_EXPORT int peerbook_trust_request_discard(peerbook_ctx *ctx, const char *account_id,
                                                   const char *from);

/* A record (see ABI above): grows only at the end. */
struct peerbook_contact {
        const char *uri;
        uint64_t added;   /* seconds since the epoch */
        uint64_t removed; /* 0 when never removed; active while added > removed */
        bool confirmed;
        bool banned;
        const char *conversation_id;
};

/* Adds `uri` as a contact (lifting a ban). A pending request from it is
 * accepted (and confirmed back); otherwise a request with an empty payload
 * is sent, as Jami's addContact starts a conversation. A contact already
 * active is left as it is. -EINVAL malformed uri or this account itself,
 * -ESRCH no such account, -EIO the account failed to load. */
PEERBOOK_EXPORT int peerbook_contact_add(peerbook_ctx *ctx, const char *account_id,
                                         const char *uri);
/* Removes a contact; ban = true also blocks it: its pending request is
 * dropped and its future requests are ignored until it is added again.
 * Removing a URI that is no contact succeeds and changes nothing. -EINVAL
 * malformed uri, -ESRCH no such account, -EIO the account failed to load. */
PEERBOOK_EXPORT int peerbook_contact_remove(peerbook_ctx *ctx, const char *account_id,
                                            const char *uri, bool ban);
/* Active and banned contacts, as a list: free it with peerbook_list_free().
 * Returns how many. -ESRCH no such account. */
PEERBOOK_EXPORT int peerbook_contact_list(peerbook_ctx *ctx, const char *account_id,
                                          struct peerbook_contact ***ret_contacts);
/* One contact record, also a removed one: free it with peerbook_free().
 * -ENOENT no such contact (uri never was one), -EINVAL malformed uri,
 * -ESRCH no such account. */
PEERBOOK_EXPORT int peerbook_contact_get(peerbook_ctx *ctx, const char *account_id, const char *uri,
                                         struct peerbook_contact **ret_contact);

#ifdef __cplusplus
}
#endif
