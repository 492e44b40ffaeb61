/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * account.c — an account's life: load it, start and stop its node, its
 * settings, update and export; and the orchestration of the account core.
 * Queue items and timers arrive here and go to the file that owns the job:
 * announce.c (our presence, registration), buddy.c (others' presence),
 * trust.c (requests), contacts.c (contact events). What one of them learns
 * that concerns another comes back here (a device that appeared, the moment
 * to listen), so that the files below never call each other in a cycle.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account-internal.h"
#include "account.h"
#include "announce.h"
#include "buddy.h"
#include "channels.h"
#include "contacts.h"
#include "devices.h"
#include "nearby.h"
#include "own_devices.h"
#include "pidf.h"
#include "revoke.h"
#include "store.h"
#include "sync.h"
#include "trust.h"
#include "util.h"
#include "wire.h"

#define RETRY_MIN_MS 1000  /* loading or starting again after a transient failure... */
#define RETRY_MAX_MS 30000 /* ...doubling up to this */

/* Failures that may pass (a full disk, an I/O error, a busy file): loading or
 * starting is tried again, with a back-off, rather than leaving the account in
 * error until a restart. A missing or corrupt file, a port in use, stay. */
static bool transient(int r) {
        return r == -ENOSPC || r == -EIO || r == -EBUSY || r == -ENOMEM;
}

static void retry_later(pb_account *a) {
        a->next_retry = pb_now_ms() + a->retry_backoff_ms;
        a->retry_backoff_ms =
                a->retry_backoff_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : a->retry_backoff_ms * 2;
}

/* Port 0 asks for any free port, once: the first one bound becomes the
 * account's port, so that an address given to others for bootstrapping
 * stays valid across restarts. */
static void keep_port(pb_account *a) {
        uint16_t port = pb_node_port(a->node);
        char buf[8];
        snprintf(buf, sizeof(buf), "%u", port);
        if (a->port == 0 && port != 0 && pb_store_set(a->store, "dht_port", buf) == 0)
                a->port = port;
}

static void start_node(pb_account *a) {
        _cleanup_free_ char *cache = pb_path_join(a->dir, "nodes.cache");
        struct pb_node_config cfg = {
                .identity = a->keys.device,
                .port = a->port,
                .bootstrap = a->bootstrap,
                .cache_path = cache,
                .capped_type = PB_TYPE_DEVICE_STATE,
                .capped_size = PB_DEVICE_STATE_MAX,
        };
        char detail[160];
        int r = cache ? pb_announce_prepare(a) : -ENOMEM;
        a->generation++; /* before the node exists: nothing it reports is older */
        if (r < 0)
                snprintf(detail, sizeof(detail), "cannot save the device state: %s",
                         peerbook_strerror(r));
        else if ((r = pb_node_start(&cfg, &a->node)) < 0)
                snprintf(detail, sizeof(detail), "cannot start the DHT node on port %u: %s",
                         a->port, peerbook_strerror(r));
        a->start_error = transient(r) ? r : 0;
        if (a->start_error)
                snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail), " (retrying)");
        if (r < 0) {
                pb_announce_registration(a, PEERBOOK_REGISTRATION_ERROR, r, detail);
                if (a->start_error)
                        retry_later(a);
                return;
        }
        a->retry_backoff_ms = RETRY_MIN_MS;
        keep_port(a);
        a->lan_changed = true; /* a new node to announce on the LAN */
        pb_announce_start(a);
        pb_channels_start(a);
}

/* Once announced (announce.c says when): buddies first, then the inbox. */
static void start_listening(pb_account *a) {
        pb_buddies_listen(a);
        pb_trust_start(a);
        pb_channels_listen(a);
        pb_own_devices_listen(a);
        pb_account_sync_later(a); /* Jami sends one at each start too */
        pb_revoke_publish(a);
}

static void stop_node(pb_account *a) {
        pb_buddies_node_gone(a);
        pb_channels_node_gone(a);
        pb_own_devices_node_gone(a);
        a->node = pb_node_free(a->node);
        pb_trust_stop(a); /* after the node: its look-ups' callbacks have run */
}

bool pb_device_name_ok(const char *name) {
        size_t len = strlen(name);
        return len > 0 && len <= PEERBOOK_DEVICE_NAME_MAX && pb_text_printable(name, len);
}

/* A new device is named after its host, as Jami names it (and when the name
 * was never saved: accounts made before device names). */
static int default_device_name(pb_account *a) {
        char host[256] = "";
        if (gethostname(host, sizeof(host) - 1) < 0)
                host[0] = 0;
        /* Linux's host names fit; a longer one is cut between characters. */
        size_t len = strnlen(host, PEERBOOK_DEVICE_NAME_MAX);
        while (len > 0 && !pb_utf8_valid(host, len))
                len--;
        memcpy(a->device_name, host, len);
        a->device_name[len] = 0;
        if (!pb_device_name_ok(a->device_name))
                memcpy(a->device_name, "peerbook", sizeof("peerbook"));
        return pb_store_set(a->store, "device_name", a->device_name);
}

static int load_settings(pb_account *a) {
        char buf[16];
        int r = 0;
        if (pb_store_get(a->store, "alias", a->alias, sizeof(a->alias)) < 0)
                a->alias[0] = 0;
        if (pb_store_get(a->store, "bootstrap", a->bootstrap, sizeof(a->bootstrap)) < 0)
                a->bootstrap[0] = 0;
        a->port = pb_store_get(a->store, "dht_port", buf, sizeof(buf)) == 0 ? atoi(buf) : 0;
        a->has_password =
                pb_store_get(a->store, "has_password", buf, sizeof(buf)) == 0 && !strcmp(buf, "1");
        a->enabled = pb_store_get(a->store, "enabled", buf, sizeof(buf)) < 0 || strcmp(buf, "0");
        if (pb_store_get(a->store, "device_name", a->device_name, sizeof(a->device_name)) < 0)
                r = default_device_name(a);
        /* Absent in accounts made before v0.6: they stay off the LAN. */
        a->lan = pb_store_get(a->store, "lan", buf, sizeof(buf)) == 0
                         ? (uint32_t)strtoul(buf, NULL, 10) & PB_LAN_KNOWN
                         : 0;
        return r;
}

/* An active contact is a tracked buddy. */
static int track_contacts(pb_account *a) {
        int r = 0;
        for (size_t i = 0; r == 0 && i < a->n_contacts; i++)
                if (pb_contact_active(&a->contacts[i].row))
                        r = pb_buddy_track_contact(a, a->contacts[i].row.uri, true);
        return r;
}

/* Reads the keys and the database; on failure the account is left in ERROR,
 * with a detail naming the file, and nothing of the database half-loaded. */
static int load(pb_account *a) {
        _cleanup_free_ char *db = pb_path_join(a->dir, "account.db");
        const char *file = "its device keys";
        int r = db ? pb_device_keys_load(a->dir, &a->keys) : -ENOMEM;
        if (r == 0) {
                file = "account.db";
                r = pb_store_open(db, false, &a->store);
        }
        if (r == 0)
                r = load_settings(a);
        if (r == 0)
                r = pb_buddies_load(a);
        if (r == 0)
                r = pb_contacts_load(a);
        if (r == 0)
                r = track_contacts(a);
        if (r == 0)
                r = pb_channels_load(a);
        a->load_error = r;
        if (r == 0)
                return 0;
        pb_channels_free(a);
        pb_buddies_free(a);
        pb_devices_free(a);
        pb_contacts_free(a);
        a->store = pb_store_close(a->store);
        pb_device_keys_clear(&a->keys);
        char detail[200];
        snprintf(detail, sizeof(detail), "cannot load account '%s': %s: %s%s", a->id, file,
                 r == -ENOENT ? "missing" : peerbook_strerror(r),
                 transient(r) ? " (retrying)" : "");
        pb_announce_registration(a, PEERBOOK_REGISTRATION_ERROR, r, detail);
        if (transient(r))
                retry_later(a);
        return r;
}

/* Our device's IDs, once its keys are loaded: the InfoHash and Jami's long ID. */
static void device_ids(pb_account *a) {
        _cleanup_free_ uint8_t *der = NULL;
        size_t len = 0;
        pb_hash_to_hex(&a->keys.device_id, a->device);
        if (pb_identity_export_pubkey(a->keys.device, &der, &len) < 0 ||
            pb_device_long_id(der, len, a->device_long_id) < 0)
                a->device_long_id[0] = 0;
}

/* The node runs when the account is enabled (saved) and active (this run). */
bool pb_account_wanted(const pb_account *a) {
        return a->enabled && a->active && !a->revoked;
}

static void unregistered(pb_account *a) {
        if (a->revoked)
                pb_announce_registration(a, PEERBOOK_REGISTRATION_ERROR, -EKEYREVOKED,
                                         "this device was revoked: the account's other devices "
                                         "and its contacts no longer accept it");
        else
                pb_announce_registration(a, PEERBOOK_REGISTRATION_UNREGISTERED, 0,
                                         a->enabled ? "account inactive" : "account disabled");
}

/* Starts the node, or says why it does not run. */
static void start_if_wanted(pb_account *a) {
        if (pb_account_wanted(a))
                start_node(a);
        else
                unregistered(a);
}

int pb_account_open(const struct pb_account_env *env, const char *dir, uint64_t serial,
                    pb_account **ret) {
        pb_account *a = calloc(1, sizeof(*a));
        if (!a || !(a->dir = strdup(dir))) {
                free(a);
                return -ENOMEM;
        }
        a->env = *env;
        a->n_ref = 1;
        a->serial = serial;
        a->active = true;
        a->reg = PEERBOOK_REGISTRATION_INITIALIZING;
        a->retry_backoff_ms = RETRY_MIN_MS;
        pb_request_limits_default(&a->limits);
        const char *base = strrchr(dir, '/');
        snprintf(a->id, sizeof(a->id), "%s", base ? base + 1 : dir);
        int r = load(a);
        *ret = a; /* a broken account stays, in ERROR, so it can be seen and removed */
        if (r < 0)
                return r;
        device_ids(a);
        a->revoked = pb_revoke_load(a);
        start_if_wanted(a);
        return 0;
}

int pb_account_load_error(const pb_account *a) {
        return a->load_error;
}

/* An account whose load or start failed for a reason that may pass tries
 * again; returns the next deadline. */
static uint64_t retry_tick(pb_account *a, uint64_t now) {
        if (!transient(a->load_error ? a->load_error : a->start_error))
                return UINT64_MAX;
        if (now < a->next_retry)
                return a->next_retry;
        if (a->load_error && load(a) < 0)
                return transient(a->load_error) ? a->next_retry : UINT64_MAX;
        device_ids(a);
        a->revoked = pb_revoke_load(a);
        start_if_wanted(a);
        return a->start_error ? a->next_retry : now;
}

void pb_account_begin_stop(pb_account *a) {
        if (a->stopping)
                return;
        a->stopping = true;
        pb_channels_stop(a); /* first: contacts hear it at once */
        if (a->node)
                pb_announce_goodbye(a);
}

bool pb_account_stop_pending(const pb_account *a) {
        return pb_announce_goodbye_pending(a);
}

pb_account *pb_account_ref(pb_account *a) {
        a->n_ref++;
        return a;
}

static void account_free(pb_account *a) {
        pb_nearby_free(a);
        pb_channels_free(a);
        stop_node(a);
        pb_revoke_free(a);
        pb_buddies_free(a);
        pb_devices_free(a);
        pb_contacts_free(a);
        pb_store_close(a->store);
        pb_device_keys_clear(&a->keys);
        pb_announce_clear(a);
        free(a->dir);
        free(a);
}

pb_account *pb_account_unref(pb_account *a) {
        if (a && --a->n_ref == 0)
                account_free(a);
        return NULL;
}

uint64_t pb_account_announced_at(const pb_account *a) {
        return a->announced_at;
}

uint64_t pb_account_serial(const pb_account *a) {
        return a->serial;
}

const char *pb_account_id(const pb_account *a) {
        return a->id;
}

const char *pb_account_dir(const pb_account *a) {
        return a->dir;
}

void pb_account_set_limits(pb_account *a, const struct pb_request_limits *l) {
        a->limits = *l;
}

void pb_account_drop_confirmations(pb_account *a, unsigned n) {
        a->drop_confirmations = n;
}

/* A value on a buddy's hash: devices that appeared may be owed a request,
 * then the buddy's status is reported (last: the user may do anything). */
static void buddy_value(pb_account *a, const struct pb_item *item) {
        pb_hash appeared[PB_KNOWN_DEVICES_MAX];
        if (!item->flag && pb_revoke_peer_value(a, &item->key, &item->value) > 0)
                return; /* a revocation list */
        unsigned n = pb_buddy_handle_value(a, item, appeared);
        for (unsigned i = 0; i < n; i++) {
                pb_revoke_peer_device(a, &item->key, &appeared[i]);
                pb_trust_device_appeared(a, &item->key, &appeared[i]);
                pb_channels_device_appeared(a, &item->key, &appeared[i]);
        }
        pb_buddy_report(a, &item->key, false);
}

/* A value on our account's hash: a revocation list (unsigned, checked by
 * its own signature) or a device's announcement; a device just found is
 * checked against the list. */
static void own_value(pb_account *a, const struct pb_item *item) {
        int crl = item->value.is_signed ? 0 : pb_revoke_handle_value(a, &item->value);
        if (crl > 0)
                return;
        pb_hash found;
        if (crl < 0)
                a->dropped++;
        else if (pb_own_devices_handle_value(a, item, &found))
                pb_revoke_check_device(a, &found);
}

/* What a node reported: a listened value, a put's outcome, a look-up. */
static bool from_node(const struct pb_item *item) {
        return item->kind == PB_ITEM_VALUE || item->kind == PB_ITEM_PUT_DONE ||
               item->kind == PB_ITEM_CERT;
}

void pb_account_handle(pb_account *a, const struct pb_item *item) {
        if (from_node(item) && item->generation != a->generation)
                return; /* from a node since restarted: it speaks of nothing current */
        switch (item->kind) {
        case PB_ITEM_VALUE:
                if (item->tag == PB_TAG_INBOX && item->value.type == PB_TYPE_USER_DATA)
                        pb_sync_handle_value(a, item); /* DeviceSync: Jami's type 0 */
                else if (item->tag == PB_TAG_INBOX)
                        pb_trust_handle_value(a, item);
                else if (item->tag == PB_TAG_RENDEZVOUS)
                        pb_channels_handle_value(a, item);
                else if (item->tag == PB_TAG_SYNC_CHANNEL)
                        pb_sync_handle_value(a, item);
                else if (item->tag == PB_TAG_OWN_DEVICES)
                        own_value(a, item);
                else
                        buddy_value(a, item);
                break;
        case PB_ITEM_CERT:
                if (item->tag >= PB_TAG_REVOKE && item->tag <= PB_TAG_PEER_CHECK)
                        pb_revoke_handle_cert(a, item);
                else
                        pb_trust_handle_cert(a, item);
                break;
        case PB_ITEM_CONTACT: pb_contact_emit(a, item); break;
        case PB_ITEM_PUT_DONE:
                if (pb_announce_put_done(a, item))
                        start_listening(a);
                break;
        case PB_ITEM_REGISTRATION: pb_announce_emit_registration(a, item); break;
        case PB_ITEM_NOTIFY: pb_buddy_report(a, &item->key, !item->flag); break;
        case PB_ITEM_NEARBY: pb_nearby_emit(a, item); break;
        case PB_ITEM_DEVICES: {
                struct peerbook_event ev = { .type = PEERBOOK_EVENT_DEVICES_CHANGED,
                                             .account_id = a->id };
                pb_account_emit(a, &ev);
                break;
        }
        case PB_ITEM_JOB_DONE: break; /* the context's, never an account's */
        }
}

static uint64_t earliest(uint64_t x, uint64_t y) {
        return x < y ? x : y;
}

void pb_account_tick(pb_account *a, uint64_t now) {
        /* Found revoked (revoke.c): stop for good, saying no goodbye (nobody
         * listens to this device now); the registration says why. */
        if (a->revoked && a->node) {
                pb_channels_stop(a);
                pb_account_halt(a);
        }
        if (a->load_error || a->start_error) {
                a->deadline = retry_tick(a, now);
                return;
        }
        if (!pb_account_wanted(a)) { /* no node: nothing to announce, look up or dial */
                a->deadline = UINT64_MAX;
                return;
        }
        bool listen = false;
        uint64_t next = pb_announce_tick(a, now, &listen);
        if (listen)
                start_listening(a);
        next = earliest(next, pb_trust_tick(a, now));
        next = earliest(next, pb_buddies_tick(a, now));
        next = earliest(next, pb_sync_tick(a, now));
        next = earliest(next, pb_nearby_tick(a, now));
        a->deadline = earliest(next, pb_channels_tick(a, now));
}

void pb_account_connectivity_changed(pb_account *a) {
        if (!a->node)
                return;
        pb_node_connectivity_changed(a->node);
        pb_channels_connectivity_changed(a);
        pb_account_wake(a);
}

uint64_t pb_account_deadline(const pb_account *a) {
        return a->deadline;
}

void pb_account_info(const pb_account *a, struct peerbook_account_info *ret) {
        struct pb_channels_info ch;
        pb_channels_info(a, &ch);
        *ret = (struct peerbook_account_info){
                .account_id = a->id,
                .device_id = a->device,
                .alias = a->alias,
                .bootstrap = a->bootstrap,
                .dht_port_config = a->port,
                .dht_port = a->node ? pb_node_port(a->node) : 0,
                .registration = a->reg,
                .registration_code = a->reg_code,
                .registration_detail = a->reg_detail,
                .has_password = a->has_password,
                .dropped_values = a->dropped,
                .dropped_requests = a->dropped_requests,
                .pending_requests = pb_trust_pending(a),
                .channel_port_config = ch.port_config,
                .channel_port = ch.port,
                .channels = ch.open,
                .channels_refused = ch.refused,
                .channels_dropped = ch.dropped,
                .note = ch.note,
                .enabled = a->enabled,
                .active = a->active,
                .device_name = a->device_name,
                .dropped_syncs = a->dropped_syncs,
                .lan = a->lan,
                .nearby = pb_nearby_count(a),
        };
}

int pb_account_update(pb_account *a, const char *alias, const char *bootstrap, int port) {
        if (!a->store)
                return -EIO;
        char buf[12];
        int r = 0;
        bool restart = false;
        if (alias && (r = pb_store_set(a->store, "alias", alias)) == 0) {
                snprintf(a->alias, sizeof(a->alias), "%s", alias);
                a->lan_changed = true; /* the LAN hears our new name now */
        }
        if (r == 0 && bootstrap && strcmp(bootstrap, a->bootstrap) != 0) {
                if ((r = pb_store_set(a->store, "bootstrap", bootstrap)) == 0)
                        snprintf(a->bootstrap, sizeof(a->bootstrap), "%s", bootstrap);
                restart = true;
        }
        if (r == 0 && port >= 0 && port != a->port) {
                snprintf(buf, sizeof(buf), "%u", (unsigned)(uint16_t)port);
                if ((r = pb_store_set(a->store, "dht_port", buf)) == 0)
                        a->port = (uint16_t)port;
                restart = true;
        }
        /* A disabled or inactive account runs no node: it starts with the
         * new settings when it is enabled again. */
        if (r == 0 && restart && pb_account_wanted(a)) {
                pb_account_begin_stop(a);
                stop_node(a);
                a->stopping = false;
                pb_announce_restart(a);
                start_node(a);
        }
        return r;
}

int pb_account_set_device_name(pb_account *a, const char *name) {
        if (!a->store)
                return -EIO;
        if (!pb_device_name_ok(name))
                return -EINVAL;
        if (!strcmp(name, a->device_name))
                return 0;
        int r = pb_store_set(a->store, "device_name", name);
        if (r == 0) {
                snprintf(a->device_name, sizeof(a->device_name), "%s", name);
                pb_own_devices_changed(a);
                pb_account_sync_later(a);
        }
        return r;
}

int pb_account_set_state(pb_account *a, int enabled, int active) {
        if (!a->store)
                return -EIO;
        if (enabled >= 0 && (bool)enabled != a->enabled) {
                int r = pb_store_set(a->store, "enabled", enabled ? "1" : "0");
                if (r < 0)
                        return r;
                a->enabled = enabled;
        }
        if (active >= 0)
                a->active = active;
        return 0;
}

void pb_account_halt(pb_account *a) {
        stop_node(a);
        pb_nearby_clear(a); /* nothing is heard without a node */
        a->stopping = false;
        a->start_error = 0; /* no retry: it is not to run */
        pb_announce_restart(a);
        unregistered(a);
}

void pb_account_resume(pb_account *a) {
        if (!a->node && !a->load_error && !a->revoked)
                start_node(a);
}

/* The contact list as rows (all of them, removed ones too, as Jami's
 * archive has them); *ret malloc()ed. */
static int contact_rows(const pb_account *a, struct pb_contact_row **ret) {
        *ret = malloc((a->n_contacts ? a->n_contacts : 1) * sizeof(**ret));
        if (!*ret)
                return -ENOMEM;
        for (size_t i = 0; i < a->n_contacts; i++)
                (*ret)[i] = a->contacts[i].row;
        return 0;
}

int pb_account_export(pb_account *a, const char *path, const char *password) {
        _cleanup_free_ struct pb_contact_row *rows = NULL;
        int r = contact_rows(a, &rows);
        if (r < 0)
                return r;
        /* Without a password of its own, the account key is read as is and the
         * archive is encrypted with `password`; with one, it must be given. An
         * account whose database did not load does not know which: exporting
         * is how its owner saves it, so the password given is tried first. */
        if (a->load_error && password) {
                r = pb_archive_export(a->dir, password, password, a->alias, rows, a->n_contacts,
                                      path);
                if (r != -EKEYREJECTED)
                        return r;
        }
        return pb_archive_export(a->dir, a->has_password ? password : NULL, password, a->alias,
                                 rows, a->n_contacts, path);
}

int pb_account_set_password(pb_account *a, const char *old, const char *new_password) {
        bool had = a->has_password, has = new_password && *new_password;
        /* As Jami: a password given for an account without one is wrong. */
        if (!had && old && *old)
                return -EKEYREJECTED;
        if (a->load_error)
                return -EIO;
        int r = pb_account_key_rekey(a->dir, had ? old : NULL, new_password);
        if (r < 0)
                return r;
        r = pb_store_set(a->store, "has_password", has ? "1" : "0");
        if (r < 0) {
                /* Put the key back as it was, so that file and flag agree. */
                pb_account_key_rekey(a->dir, new_password, had ? old : NULL);
                return r;
        }
        a->has_password = has;
        return 0;
}
