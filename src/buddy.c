/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * buddy.c — tracking the presence of other accounts, and the subscriptions.
 *
 * Each tracked buddy has a DHT listen on its account hash (see buddy_listen()). The listen
 * callback runs on an OpenDHT thread and only copies the value into the
 * queue; pb_buddy_handle_value() then checks and applies it on the owner's
 * thread. What a peer puts there is untrusted: unsigned values, values
 * signed by anyone but the buddy (announcements) or the device itself
 * (device states), and undecodable ones are dropped and counted. The devices
 * its announcements name are kept by devices.c; which of them appeared goes
 * back to the caller (account.c), which tells trust.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account-internal.h"
#include "buddy.h"
#include "devices.h"
#include "peer_crl.h"
#include "store.h"
#include "util.h"
#include "wire.h"

struct listen_ctx {
        struct pb_origin origin;
        pb_hash key;
};

/* OpenDHT thread: copy and enqueue, nothing else. */
static void on_value(const struct pb_value_view *v, bool expired, void *userdata) {
        struct listen_ctx *lc = userdata;
        struct pb_item *it = pb_item_from_value(0, PB_TAG_BUDDY, &lc->key, v, expired);
        if (it)
                pb_origin_push(&lc->origin, it);
}

static void on_listen_done(void *userdata) {
        free(userdata);
}

/* One listen on the buddy's account hash, for its announcements and its
 * devices' states alike. Not a filtered one: OpenDHT 2.4.12's listens with a
 * value-type query miss values put by another node (measured: a watcher
 * outside the storage nodes never saw its buddy), so what else a peer puts
 * on the hash reaches us too, and is dropped and counted below. */
static int buddy_listen(pb_account *a, struct pb_buddy *b) {
        if (!a->node || b->listen)
                return 0;
        struct listen_ctx *lc = malloc(sizeof(*lc));
        if (!lc)
                return -ENOMEM;
        *lc = (struct listen_ctx){ .origin = pb_account_origin(a), .key = b->id };
        int r = pb_node_listen(a->node, &b->id, on_value, on_listen_done, lc, &b->listen);
        if (r < 0)
                free(lc); /* the done callback is not called for a failed listen */
        return r;
}

/* ---- re-checks -------------------------------------------------------------
 *
 * A listen hears a buddy's goodbye only through the storage nodes that
 * OpenDHT listens at, and when those just died it hears nothing until its
 * listen refresh finds them dead, 20 s or more later (measured: not within
 * 40 s), though the goodbye sits on every living storage node. So while a
 * buddy counts as online through the DHT alone (a channel carries its own
 * goodbye), the listen's nodes are probed every RECHECK_MS: a probe that dead
 * nodes do not answer makes OpenDHT drop them and move the listen to living
 * ones, which send the goodbye (measured: 1.0-2.3 s after the stop, with the
 * 4 listen nodes of 12 dead). The probes are spread over time and capped per
 * second, so that a watcher of many buddies sends a steady trickle, not
 * bursts. */
#define RECHECK_MS 2000
#define RECHECKS_PER_S 50

static bool needs_recheck(const struct pb_buddy *b) {
        return b->connected == 0 && pb_presence_count(&b->presence) > 0;
}

static void recheck(pb_account *a, struct pb_buddy *b) {
        pb_node_probe(a->node, &b->id);
}

void pb_buddy_hint(pb_account *a, const pb_hash *id) {
        struct pb_buddy *b = pb_buddy_find(a, id);
        if (b && a->node && a->listen_at == 0 && b->reported == PEERBOOK_STATUS_OFFLINE)
                recheck(a, b);
}

uint64_t pb_buddies_tick(pb_account *a, uint64_t now) {
        if (!a->node || a->listen_at != 0)
                return UINT64_MAX; /* not listening: nothing to re-check */
        /* An account ticks at every value and beacon: the buddies are walked
         * only when one is due, or one may have started needing re-checks. */
        if (now < a->recheck_due)
                return a->recheck_due;
        if (now >= a->recheck_window + 1000) {
                a->recheck_window = now;
                a->rechecks_in_window = 0;
        }
        uint64_t next = UINT64_MAX;
        for (size_t i = 0; i < a->n_buddies; i++) {
                struct pb_buddy *b = a->buddies[i];
                if (!needs_recheck(b)) {
                        b->next_check = 0;
                        continue;
                }
                if (b->next_check == 0) /* spread: each starts at its own phase */
                        b->next_check = now + 1 + pb_random_u64() % RECHECK_MS;
                if (b->next_check <= now) {
                        if (a->rechecks_in_window < RECHECKS_PER_S) {
                                a->rechecks_in_window++;
                                recheck(a, b);
                                b->next_check = now + RECHECK_MS;
                        } else {
                                b->next_check = a->recheck_window + 1000;
                        }
                }
                if (b->next_check < next)
                        next = b->next_check;
        }
        a->recheck_due = next;
        return next;
}

struct pb_buddy *pb_buddy_find(const pb_account *a, const pb_hash *id) {
        for (size_t i = 0; i < a->n_buddies; i++)
                if (pb_hash_equal(&a->buddies[i]->id, id))
                        return a->buddies[i];
        return NULL;
}

static int buddy_add(pb_account *a, const pb_hash *id, struct pb_buddy **ret) {
        if (a->n_buddies == a->cap_buddies) {
                size_t cap = a->cap_buddies ? a->cap_buddies * 2 : 16;
                struct pb_buddy **n = realloc(a->buddies, cap * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                a->buddies = n;
                a->cap_buddies = cap;
        }
        struct pb_buddy *b = calloc(1, sizeof(*b));
        if (!b || !(b->peer = pb_devices_track(a, id))) {
                free(b);
                return -ENOMEM;
        }
        b->id = *id;
        pb_hash_to_hex(id, b->uri);
        pb_presence_init(&b->presence);
        a->buddies[a->n_buddies++] = b;
        *ret = b;
        return buddy_listen(a, b);
}

static void buddy_free(pb_account *a, struct pb_buddy *b) {
        if (b->listen && a->node)
                pb_node_cancel_listen(a->node, b->listen);
        pb_devices_untrack(a, b->peer);
        pb_presence_clear(&b->presence);
        free(b);
}

static void buddy_remove(pb_account *a, struct pb_buddy *b) {
        for (size_t i = 0; i < a->n_buddies; i++)
                if (a->buddies[i] == b) {
                        a->buddies[i] = a->buddies[--a->n_buddies];
                        break;
                }
        buddy_free(a, b);
}

void pb_buddies_free(pb_account *a) {
        for (size_t i = 0; i < a->n_buddies; i++)
                buddy_free(a, a->buddies[i]);
        free(a->buddies);
        a->buddies = NULL;
        a->n_buddies = a->cap_buddies = 0;
}

void pb_buddies_listen(pb_account *a) {
        for (size_t i = 0; i < a->n_buddies; i++)
                buddy_listen(a, a->buddies[i]);
}

/* pb_node_free() ends every listen. */
void pb_buddies_node_gone(pb_account *a) {
        for (size_t i = 0; i < a->n_buddies; i++)
                a->buddies[i]->listen = NULL;
}

static enum peerbook_status buddy_status(const struct pb_buddy *b) {
        if (b->connected > 0)
                return PEERBOOK_STATUS_CONNECTED;
        return pb_presence_count(&b->presence) > 0 ? PEERBOOK_STATUS_ONLINE
                                                   : PEERBOOK_STATUS_OFFLINE;
}

void pb_buddy_report(pb_account *a, const pb_hash *id, bool always) {
        struct pb_buddy *b = pb_buddy_find(a, id);
        if (!b)
                return; /* unsubscribed while its item was queued */
        if (b->next_check == 0 && needs_recheck(b)) {
                a->recheck_due = 0; /* its re-checks start (pb_buddies_tick()) */
                pb_account_wake(a);
        }
        enum peerbook_status s = buddy_status(b);
        if (!always && s == b->reported)
                return;
        b->reported = s;
        struct peerbook_event ev = {
                .type = PEERBOOK_EVENT_BUDDY,
                .account_id = a->id,
                .buddy = { .uri = b->uri, .status = s, .line_status = b->line_status },
        };
        pb_account_emit(a, &ev);
}

/* An announcement counts only if the buddy's account key signed it, and its
 * device id is the id of the key it carries (when it carries one). */
static int apply_announcement(pb_account *a, struct pb_buddy *b, const struct pb_value_view *v,
                              bool expired) {
        struct pb_announcement ann;
        if (pb_announcement_decode(v->data, v->len, &ann) < 0)
                return -EBADMSG;
        if (expired)
                return pb_presence_announcement(&b->presence, &ann.dev, v->id, true);
        if (!v->is_signed || !pb_hash_equal(&v->owner, &b->id))
                return -EPERM;
        /* Revoked by its account (peer_crl.h): it no longer counts, though
         * its announcement, signed by the account, still verifies. */
        if (pb_revoked_device(a, &ann.dev))
                return 0;
        if (ann.pk_len) {
                pb_hash pk_id;
                if (pb_pubkey_id(ann.pk, ann.pk_len, &pk_id) < 0 ||
                    !pb_hash_equal(&pk_id, &ann.dev))
                        return -EPERM;
        }
        int r = pb_presence_announcement(&b->presence, &ann.dev, v->id, false);
        if (r == 0) /* saved for a contact: a request then reaches it while offline */
                pb_devices_learn(a, b->peer, &ann.dev, ann.pk, ann.pk_len, b->contact);
        return r;
}

/* A device state counts only if the device itself signed it. */
static int apply_state(pb_account *a, struct pb_buddy *b, const struct pb_value_view *v,
                       bool expired) {
        struct pb_device_state st;
        if (pb_device_state_decode(v->data, v->len, &st) < 0)
                return -EBADMSG;
        if (!v->is_signed || !pb_hash_equal(&v->owner, &st.dev))
                return -EPERM;
        if (pb_revoked_device(a, &st.dev))
                return 0;
        if (expired) {
                pb_presence_state_expired(&b->presence, &st.dev, v->id);
                return 0;
        }
        return pb_presence_state(&b->presence, &st.dev, st.seq, st.online, v->id);
}

unsigned pb_buddy_handle_value(pb_account *a, const struct pb_item *item,
                               pb_hash appeared[PB_KNOWN_DEVICES_MAX]) {
        struct pb_buddy *b = pb_buddy_find(a, &item->key);
        if (!b)
                return 0; /* unsubscribed while the value was queued */
        const struct pb_value_view *v = &item->value;
        int r;
        switch (v->type) {
        case PB_TYPE_USER_DATA: r = apply_announcement(a, b, v, item->flag); break;
        case PB_TYPE_DEVICE_STATE: r = apply_state(a, b, v, item->flag); break;
        default: r = item->flag ? 0 : -EBADMSG; break;
        }
        if (r < 0 && !item->flag)
                a->dropped++;
        return pb_devices_mark_present(b->peer, &b->presence, appeared);
}

int pb_buddy_track_contact(pb_account *a, const char *uri, bool on) {
        pb_hash id;
        if (pb_hash_from_hex(uri, &id) < 0)
                return -EINVAL;
        struct pb_buddy *b = pb_buddy_find(a, &id);
        if (!on) {
                if (b && !b->subscribed)
                        buddy_remove(a, b);
                else if (b)
                        b->contact = false;
                return 0;
        }
        if (!b) {
                int r = buddy_add(a, &id, &b);
                if (!b || r == -ENOMEM)
                        return r;
        }
        b->contact = true;
        return 0;
}

/* ---- the API's subscriptions ---------------------------------------------- */

/* The current status is reported from the next peerbook_ctx_process(), never
 * from inside the API call that asked for it. */
void pb_buddy_queue_report(pb_account *a, const pb_hash *id, bool always) {
        struct pb_item *it = pb_account_item(a, PB_ITEM_NOTIFY, 0);
        if (!it)
                return;
        it->key = *id;
        it->flag = !always;
        pb_queue_push(a->env.queue, it);
}

static int add_subscription(const char *uri, void *userdata) {
        pb_account *a = userdata;
        pb_hash id;
        struct pb_buddy *b = NULL;
        if (pb_hash_from_hex(uri, &id) < 0 || pb_buddy_find(a, &id))
                return 0;
        int r = buddy_add(a, &id, &b);
        if (b)
                b->subscribed = true;
        if (r == 0)
                pb_buddy_queue_report(a, &id, true);
        /* A listen that failed is retried when the node restarts; keep the buddy. */
        return r == -ENOMEM ? r : 0;
}

int pb_buddies_load(pb_account *a) {
        return pb_store_subscriptions(a->store, add_subscription, a);
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
                        return 0; /* not subscribed, as asked (peerbook.h: repeated operations) */
                if ((r = pb_store_subscription_set(a->store, norm, false)) < 0)
                        return r;
                if (b->contact)
                        b->subscribed = false; /* still tracked as a contact */
                else
                        buddy_remove(a, b);
                return 0;
        }
        if (b && !b->subscribed && (r = pb_store_subscription_set(a->store, norm, true)) < 0)
                return r;
        if (b) {
                b->subscribed = true;
                pb_buddy_queue_report(a, &id, true);
                return 0;
        }
        if ((r = pb_store_subscription_set(a->store, norm, true)) < 0)
                return r;
        return add_subscription(norm, a);
}

int pb_account_buddies(const pb_account *a, pb_each_cb each, void *userdata) {
        int r = 0;
        for (size_t i = 0; r == 0 && i < a->n_buddies; i++) {
                const struct pb_buddy *b = a->buddies[i];
                struct peerbook_buddy view = {
                        .uri = b->uri,
                        .status = b->reported,
                        .devices = pb_presence_count(&b->presence),
                        .line_status = b->line_status,
                        .connected = b->connected,
                };
                r = each(&view, userdata);
        }
        return r;
}
