/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * account.c — an account's life: load, start its node, announce the device,
 * track registration, say goodbye on a clean stop.
 *
 * Announcing is two values on the account hash: the DeviceAnnouncement that
 * Jami reads (signed once by the account key, put permanently), and our
 * device state (signed by the device key, a sequence number, online), also
 * permanent. A clean stop cancels both and puts a goodbye state with a higher
 * sequence, which peerbook watchers apply within one DHT round trip; Jami
 * watchers never decode it (its type and shape are not an announcement's) and
 * see the device until its announcement expires, as they would a Jami device.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account-internal.h"
#include "util.h"
#include "wire.h"

#define RETRY_MIN_MS 50
#define RETRY_MAX_MS 30000
#define SLOW_RETRY_MIN_MS 1000 /* loading or starting again after a transient failure */
#define CONNECT_POLL_MS 10
/* A (re)started device listens to its buddies and its inbox once its
 * announcement is stored, or after this long if that takes longer. Those
 * listens fetch and verify every buddy's signed values (tens of RSA
 * signature checks) and would delay the announcement that the buddies are
 * waiting for; our own view of them can wait a round trip. */
#define LISTEN_DEFER_MAX_MS 200

struct put_ctx {
        pb_queue *queue;
        uint64_t serial;
        uint32_t tag;
};

/* OpenDHT thread: enqueue the outcome. */
static void on_put_done(bool ok, void *userdata) {
        struct put_ctx *pc = userdata;
        struct pb_item *it = pb_item_new(PB_ITEM_PUT_DONE, 0);
        if (it) {
                it->account_serial = pc->serial;
                it->tag = pc->tag;
                it->flag = ok;
                pb_queue_push(pc->queue, it);
        }
        free(pc);
}

static int put_packed(pb_account *a, const uint8_t *blob, size_t len, bool permanent,
                      uint32_t tag) {
        struct put_ctx *pc = malloc(sizeof(*pc));
        if (!pc)
                return -ENOMEM;
        *pc = (struct put_ctx){ .queue = a->env.queue, .serial = a->serial, .tag = tag };
        int r = pb_node_put_packed(a->node, &a->keys.account_id, blob, len, permanent,
                                   on_put_done, pc);
        if (r < 0)
                free(pc);
        return r;
}

/* The state changes now; the event is queued, so that it reaches the user
 * from peerbook_ctx_process() and never from inside an API call. */
void pb_account_set_registration(pb_account *a, enum peerbook_registration state, int code,
                                 const char *detail) {
        if (a->reg == state && state != PEERBOOK_REGISTRATION_ERROR)
                return;
        a->reg = state;
        detail = detail ? detail : "";
        size_t len = strlen(detail) + 1;
        struct pb_item *it = pb_item_new(PB_ITEM_REGISTRATION, len);
        if (!it)
                return;
        it->account_serial = a->serial;
        it->tag = state;
        it->code = code;
        memcpy(it->data, detail, len);
        pb_queue_push(a->env.queue, it);
}

static void emit_registration(pb_account *a, const struct pb_item *it) {
        struct peerbook_event ev = {
                .type = PEERBOOK_EVENT_REGISTRATION,
                .account_id = a->id,
                .registration = { .state = it->tag, .code = it->code,
                                  .detail = (const char *)it->data },
        };
        a->env.emit(a->env.ctx, &ev);
}

/* Reserves count device-state sequences, after every one we ever signed even
 * if the clock went back; saved before use, so a restart never reuses one. */
static int reserve_state_seqs(pb_account *a, unsigned count, uint64_t *ret_first) {
        char buf[32];
        uint64_t last = 0, seq = pb_wall_ms();
        if (pb_store_get(a->store, "presence_seq", buf, sizeof(buf)) == 0)
                last = strtoull(buf, NULL, 10);
        if (seq <= last)
                seq = last + 1;
        snprintf(buf, sizeof(buf), "%" PRIu64, seq + count - 1);
        int r = pb_store_set(a->store, "presence_seq", buf);
        if (r == 0)
                *ret_first = seq;
        return r;
}

/* Our device state, signed by the device key. */
static int sign_state(pb_account *a, bool online, uint64_t seq, struct pb_signed *ret) {
        struct pb_device_state st = { .dev = a->keys.device_id, .online = online, .seq = seq };
        _cleanup_free_ uint8_t *data = NULL;
        size_t data_len;
        int r = pb_device_state_encode(&st, &data, &data_len);
        ret->value_id = pb_random_u64() | 1;
        if (r == 0)
                r = pb_value_sign(a->keys.device, PB_TYPE_DEVICE_STATE, ret->value_id, data,
                                  data_len, &ret->blob, &ret->len);
        return r;
}

static void signed_clear(struct pb_signed *s) {
        free(s->blob);
        *s = (struct pb_signed){ 0 };
}

/* Signing costs milliseconds with RSA-4096: both states are signed before
 * the node is even connected, the goodbye with the later sequence, so that
 * announcing and leaving are only puts. */
static int prepare_states(pb_account *a) {
        signed_clear(&a->online);
        signed_clear(&a->bye);
        uint64_t seq = 0;
        int r = reserve_state_seqs(a, 2, &seq); /* one write for both */
        if (r == 0)
                r = sign_state(a, true, seq, &a->online);
        return r < 0 ? r : sign_state(a, false, seq + 1, &a->bye);
}

static int send_presence(pb_account *a) {
        a->announced_at = pb_now_ms();
        int r = put_packed(a, a->keys.announce, a->keys.announce_len, true, PB_TAG_ANNOUNCE);
        if (r == 0)
                r = put_packed(a, a->online.blob, a->online.len, true, PB_TAG_STATE);
        return r;
}

/* Failures that may pass (a full disk, an I/O error, a busy file): loading or
 * starting is tried again, with a back-off, rather than leaving the account in
 * error until a restart. A missing or corrupt file, a port in use, stay. */
static bool transient(int r) {
        return r == -ENOSPC || r == -EIO || r == -EBUSY || r == -ENOMEM;
}

static void retry_later_slow(pb_account *a) {
        a->next_retry = pb_now_ms() + a->retry_backoff_ms;
        a->retry_backoff_ms = a->retry_backoff_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS
                                                                     : a->retry_backoff_ms * 2;
}

static bool standalone(const pb_account *a) {
        return a->bootstrap[0] == 0;
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
        int r = cache ? prepare_states(a) : -ENOMEM;
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
                pb_account_set_registration(a, PEERBOOK_REGISTRATION_ERROR, r, detail);
                if (a->start_error)
                        retry_later_slow(a);
                return;
        }
        a->retry_backoff_ms = SLOW_RETRY_MIN_MS;
        pb_account_set_registration(a, PEERBOOK_REGISTRATION_TRYING, 0, "");
        a->listen_at = UINT64_MAX; /* once announced (see LISTEN_DEFER_MAX_MS) */
        a->puts_sent = a->announce_ok = false;
        a->backoff_ms = RETRY_MIN_MS;
        a->next_try = pb_now_ms();
}

static void start_listening(pb_account *a) {
        if (!a->node || a->listen_at == 0)
                return;
        a->listen_at = 0;
        for (size_t i = 0; i < a->n_buddies; i++)
                pb_buddy_listen(a, a->buddies[i]);
        pb_trust_start(a);
}

static void stop_node(pb_account *a) {
        for (size_t i = 0; i < a->n_buddies; i++) /* pb_node_free() ends every listen */
                a->buddies[i]->listen = a->buddies[i]->state_listen = NULL;
        a->node = pb_node_free(a->node);
        pb_trust_stop(a); /* after the node: its look-ups' callbacks have run */
}

static int load_settings(pb_account *a) {
        char buf[16];
        if (pb_store_get(a->store, "alias", a->alias, sizeof(a->alias)) < 0)
                a->alias[0] = 0;
        if (pb_store_get(a->store, "bootstrap", a->bootstrap, sizeof(a->bootstrap)) < 0)
                a->bootstrap[0] = 0;
        a->port = pb_store_get(a->store, "dht_port", buf, sizeof(buf)) == 0 ? atoi(buf) : 0;
        a->has_password = pb_store_get(a->store, "has_password", buf, sizeof(buf)) == 0 &&
                          !strcmp(buf, "1");
        return 0;
}

/* The current status is reported from the next peerbook_ctx_process(), never
 * from inside the API call that asked for it. */
static void queue_notify(pb_account *a, const pb_hash *id) {
        struct pb_item *it = pb_item_new(PB_ITEM_NOTIFY, 0);
        if (!it)
                return;
        it->account_serial = a->serial;
        it->key = *id;
        pb_queue_push(a->env.queue, it);
}

static int add_subscription(const char *uri, void *userdata) {
        pb_account *a = userdata;
        pb_hash id;
        struct pb_buddy *b = NULL;
        if (pb_hash_from_hex(uri, &id) < 0 || pb_buddy_find(a, &id))
                return 0;
        int r = pb_buddy_add(a, &id, &b);
        if (b)
                b->subscribed = true;
        if (r == 0)
                queue_notify(a, &id);
        /* A listen that failed is retried when the node restarts; keep the buddy. */
        return r == -ENOMEM ? r : 0;
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
                r = pb_store_subscriptions(a->store, add_subscription, a);
        if (r == 0)
                r = pb_contacts_load(a);
        if (r == 0)
                r = pb_store_request_count(a->store, &a->n_pending);
        a->load_error = r;
        if (r == 0)
                return 0;
        pb_buddies_free(a);
        pb_contacts_free(a);
        a->store = pb_store_close(a->store);
        pb_device_keys_clear(&a->keys);
        char detail[200];
        snprintf(detail, sizeof(detail), "cannot load account '%s': %s: %s%s", a->id, file,
                 r == -ENOENT ? "missing" : peerbook_strerror(r),
                 transient(r) ? " (retrying)" : "");
        pb_account_set_registration(a, PEERBOOK_REGISTRATION_ERROR, r, detail);
        if (transient(r))
                retry_later_slow(a);
        return r;
}

int pb_account_open(const struct pb_account_env *env, const char *dir, uint64_t serial,
                    pb_account **ret) {
        pb_account *a = calloc(1, sizeof(*a));
        if (!a || !(a->dir = strdup(dir))) {
                free(a);
                return -ENOMEM;
        }
        a->env = *env;
        a->serial = serial;
        a->reg = PEERBOOK_REGISTRATION_INITIALIZING;
        a->retry_backoff_ms = SLOW_RETRY_MIN_MS;
        pb_request_limits_default(&a->limits);
        const char *base = strrchr(dir, '/');
        snprintf(a->id, sizeof(a->id), "%s", base ? base + 1 : dir);
        int r = load(a);
        *ret = a; /* a broken account stays, in ERROR, so it can be seen and removed */
        if (r < 0)
                return r;
        pb_hash_to_hex(&a->keys.device_id, a->device);
        start_node(a);
        return 0;
}

int pb_account_load_error(const pb_account *a) {
        return a->load_error;
}

/* An account whose load or start failed for a reason that may pass tries again. */
static uint64_t retry_tick(pb_account *a, uint64_t now) {
        if (!transient(a->load_error ? a->load_error : a->start_error))
                return UINT64_MAX;
        if (now < a->next_retry)
                return a->next_retry;
        if (a->load_error && load(a) < 0)
                return transient(a->load_error) ? a->next_retry : UINT64_MAX;
        pb_hash_to_hex(&a->keys.device_id, a->device);
        start_node(a);
        return a->start_error ? a->next_retry : now;
}

void pb_account_begin_stop(pb_account *a) {
        if (!a->node || a->stopping)
                return;
        a->stopping = true;
        pb_node_cancel_put(a->node, &a->keys.account_id, pb_announce_value_id(&a->keys.device_id));
        pb_node_cancel_put(a->node, &a->keys.account_id, a->online.value_id);
        if (!a->puts_sent)
                return; /* never announced: nothing to take back */
        a->bye_pending = put_packed(a, a->bye.blob, a->bye.len, false, PB_TAG_BYE) == 0;
}

bool pb_account_stop_pending(const pb_account *a) {
        return a->bye_pending;
}

pb_account *pb_account_free(pb_account *a) {
        if (!a)
                return NULL;
        stop_node(a);
        pb_buddies_free(a);
        pb_contacts_free(a);
        pb_store_close(a->store);
        pb_device_keys_clear(&a->keys);
        signed_clear(&a->online);
        signed_clear(&a->bye);
        free(a->dir);
        free(a);
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

static void retry_later(pb_account *a, uint64_t now) {
        a->next_try = now + a->backoff_ms;
        a->backoff_ms = a->backoff_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : a->backoff_ms * 2;
}

static void handle_put_done(pb_account *a, const struct pb_item *item) {
        switch (item->tag) {
        case PB_TAG_BYE: a->bye_pending = false; return;
        case PB_TAG_ANNOUNCE:
                if (a->stopping)
                        return;
                if (!item->flag && !standalone(a)) {
                        /* Stored nowhere: back to TRYING, announce again after a pause.
                         * (Alone, there is nobody to store it: that is no failure.) */
                        a->puts_sent = a->announce_ok = false;
                        pb_account_set_registration(a, PEERBOOK_REGISTRATION_TRYING, 0,
                                                    "announcement not stored; retrying");
                        retry_later(a, pb_now_ms());
                        return;
                }
                a->announce_ok = true;
                a->backoff_ms = RETRY_MIN_MS;
                start_listening(a);
                return;
        default: return;
        }
}

static void emit_contact(pb_account *a, const struct pb_item *it) {
        char uri[PEERBOOK_ID_SIZE];
        pb_hash_to_hex(&it->key, uri);
        struct peerbook_event ev = {
                .type = it->tag,
                .account_id = a->id,
                .contact = { .uri = uri,
                             .confirmed = it->tag == PEERBOOK_EVENT_CONTACT_ADDED && it->flag,
                             .banned = it->tag == PEERBOOK_EVENT_CONTACT_REMOVED && it->flag },
        };
        a->env.emit(a->env.ctx, &ev);
}

void pb_account_set_limits(pb_account *a, const struct pb_request_limits *l) {
        a->limits = *l;
}

void pb_account_drop_confirmations(pb_account *a, unsigned n) {
        a->drop_confirmations = n;
}

void pb_account_handle(pb_account *a, const struct pb_item *item) {
        switch (item->kind) {
        case PB_ITEM_VALUE:
                if (item->tag == PB_TAG_INBOX)
                        pb_trust_handle_value(a, item);
                else
                        pb_buddy_handle_value(a, item);
                break;
        case PB_ITEM_CERT: pb_trust_handle_cert(a, item); break;
        case PB_ITEM_CONTACT: emit_contact(a, item); break;
        case PB_ITEM_PUT_DONE: handle_put_done(a, item); break;
        case PB_ITEM_REGISTRATION: emit_registration(a, item); break;
        case PB_ITEM_NOTIFY: {
                struct pb_buddy *b = pb_buddy_find(a, &item->key);
                if (b)
                        pb_buddy_notify(a, b, true);
                break;
        }
        }
}

static uint64_t presence_tick(pb_account *a, uint64_t now);

static uint64_t earliest(uint64_t x, uint64_t y) {
        return x < y ? x : y;
}

uint64_t pb_account_tick(pb_account *a, uint64_t now) {
        if (a->load_error || a->start_error)
                return retry_tick(a, now);
        return earliest(presence_tick(a, now), pb_trust_tick(a, now));
}

/* Connects, then announces (again, after a failure, with a back-off). */
static uint64_t presence_tick(pb_account *a, uint64_t now) {
        if (!a->node || a->stopping)
                return UINT64_MAX;
        if (a->listen_at && now >= a->listen_at)
                start_listening(a);
        uint64_t listen_due = a->listen_at ? a->listen_at : UINT64_MAX;
        if (a->puts_sent)
                return listen_due;
        if (now < a->next_try)
                return earliest(a->next_try, listen_due);
        if (!pb_node_is_connected(a->node)) {
                /* OpenDHT has no "connected" callback: look again shortly. */
                a->next_try = now + CONNECT_POLL_MS;
                return a->next_try;
        }
        if (send_presence(a) < 0) {
                retry_later(a, now);
                return earliest(a->next_try, listen_due);
        }
        a->puts_sent = true;
        if (a->listen_at == UINT64_MAX)
                a->listen_at = now + LISTEN_DEFER_MAX_MS;
        /* Registered: connected, and the announcement is out. OpenDHT confirms
         * a put only once every storage node answered, which one slow node
         * delays by a second; a put that fails sends us back to TRYING. */
        pb_account_set_registration(a, PEERBOOK_REGISTRATION_REGISTERED, 0, "");
        return a->listen_at ? a->listen_at : UINT64_MAX; /* 0: listening already */
}

void pb_account_info(const pb_account *a, struct peerbook_account_info *ret) {
        memset(ret, 0, sizeof(*ret));
        snprintf(ret->account_id, sizeof(ret->account_id), "%s", a->id);
        snprintf(ret->device_id, sizeof(ret->device_id), "%s", a->device);
        snprintf(ret->alias, sizeof(ret->alias), "%s", a->alias);
        snprintf(ret->bootstrap, sizeof(ret->bootstrap), "%s", a->bootstrap);
        ret->dht_port_config = a->port;
        ret->dht_port = a->node ? pb_node_port(a->node) : 0;
        ret->registration = a->reg;
        ret->has_password = a->has_password;
        ret->dropped_values = a->dropped;
        ret->dropped_requests = a->dropped_requests;
        ret->pending_requests = a->n_pending;
}

int pb_account_write_settings(const char *dir, const struct pb_account_settings *s) {
        _cleanup_free_ char *db = pb_path_join(dir, "account.db");
        pb_store *st = NULL;
        char port[8];
        snprintf(port, sizeof(port), "%u", s->port);
        int r = db ? pb_store_open(db, true, &st) : -ENOMEM;
        if (r == 0)
                r = pb_store_set(st, "alias", s->alias ? s->alias : "");
        if (r == 0)
                r = pb_store_set(st, "bootstrap", s->bootstrap ? s->bootstrap : "");
        if (r == 0)
                r = pb_store_set(st, "dht_port", port);
        if (r == 0)
                r = pb_store_set(st, "has_password", s->has_password ? "1" : "0");
        pb_store_close(st);
        return r;
}

int pb_account_update(pb_account *a, const char *alias, const char *bootstrap, int port) {
        if (!a->store)
                return -EIO;
        char buf[12];
        int r = 0;
        bool restart = false;
        if (alias && (r = pb_store_set(a->store, "alias", alias)) == 0)
                snprintf(a->alias, sizeof(a->alias), "%s", alias);
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
        if (r == 0 && restart) {
                pb_account_begin_stop(a);
                stop_node(a);
                a->stopping = a->bye_pending = false;
                a->reg = PEERBOOK_REGISTRATION_INITIALIZING;
                start_node(a);
        }
        return r;
}

int pb_account_export(pb_account *a, const char *path, const char *password) {
        /* Without a password of its own, the account key is read as is and the
         * archive is encrypted with `password`; with one, it must be given. An
         * account whose database did not load does not know which: exporting
         * is how its owner saves it, so the password given is tried first. */
        if (a->load_error && password) {
                int r = pb_archive_export(a->dir, password, password, a->alias, path);
                if (r != -EKEYREJECTED)
                        return r;
        }
        return pb_archive_export(a->dir, a->has_password ? password : NULL, password, a->alias,
                                 path);
}

int pb_account_subscribe(pb_account *a, const char *uri, bool flag) {
        char norm[PEERBOOK_ID_SIZE];
        pb_hash id;
        int r = peerbook_uri_normalize(uri, norm);
        if (r < 0 || (r = pb_hash_from_hex(norm, &id)) < 0)
                return -EINVAL;
        if (!a->store)
                return -EIO;
        struct pb_buddy *b = pb_buddy_find(a, &id);
        if (!flag) {
                if (!b || !b->subscribed)
                        return -ENOENT;
                if ((r = pb_store_subscription_set(a->store, norm, false)) < 0)
                        return r;
                if (b->contact)
                        b->subscribed = false; /* still tracked as a contact */
                else
                        pb_buddy_remove(a, b);
                return 0;
        }
        if (b && !b->subscribed && (r = pb_store_subscription_set(a->store, norm, true)) < 0)
                return r;
        if (b) {
                b->subscribed = true;
                queue_notify(a, &id);
                return 0;
        }
        if ((r = pb_store_subscription_set(a->store, norm, true)) < 0)
                return r;
        return add_subscription(norm, a);
}

int pb_account_buddies(const pb_account *a, struct peerbook_buddy **ret, size_t *ret_count) {
        struct peerbook_buddy *list = calloc(a->n_buddies ? a->n_buddies : 1, sizeof(*list));
        if (!list)
                return -ENOMEM;
        for (size_t i = 0; i < a->n_buddies; i++) {
                const struct pb_buddy *b = a->buddies[i];
                memcpy(list[i].uri, b->uri, sizeof(list[i].uri));
                list[i].status = b->reported;
                list[i].devices = pb_presence_count(&b->presence);
                snprintf(list[i].line_status, sizeof(list[i].line_status), "%s", b->line_status);
        }
        *ret = list;
        *ret_count = a->n_buddies;
        return 0;
}
