/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * buddy.c — tracking the presence of other accounts.
 *
 * Each tracked buddy has one DHT listen on its account hash. The listen
 * callback runs on an OpenDHT thread and only copies the value into the
 * queue; pb_buddy_handle_value() then checks and applies it on the owner's
 * thread. What a peer puts there is untrusted: unsigned values, values
 * signed by anyone but the buddy (announcements) or the device itself
 * (device states), and undecodable ones are dropped and counted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account-internal.h"
#include "wire.h"

struct listen_ctx {
        pb_queue *queue;
        uint64_t serial;
        pb_hash key;
};

/* OpenDHT thread: copy and enqueue, nothing else. */
static void on_value(const struct pb_value_view *v, bool expired, void *userdata) {
        struct listen_ctx *lc = userdata;
        struct pb_item *it = pb_item_from_value(lc->serial, PB_TAG_BUDDY, &lc->key, v, expired);
        if (it)
                pb_queue_push(lc->queue, it);
}

static void on_listen_done(void *userdata) {
        free(userdata);
}

static int listen_for(pb_account *a, struct pb_buddy *b, const struct pb_listen_filter *f,
                      pb_listen **ret) {
        struct listen_ctx *lc = malloc(sizeof(*lc));
        if (!lc)
                return -ENOMEM;
        *lc = (struct listen_ctx){ .queue = a->env.queue, .serial = a->serial, .key = b->id };
        return pb_node_listen_filtered(a->node, &b->id, f, on_value, on_listen_done, lc, ret);
}

/* Two listens, each asking storage nodes for one kind of value only: the
 * announcements the buddy's account signed, and device states (small: our
 * nodes store no large ones, see PB_DEVICE_STATE_MAX). A flood of anything
 * else on the buddy's hash then costs a watcher nothing more than it costs
 * every node that stores it. */
int pb_buddy_listen(pb_account *a, struct pb_buddy *b) {
        if (!a->node)
                return 0;
        struct pb_listen_filter announcements = { .type = PB_TYPE_USER_DATA, .owner = &b->id };
        struct pb_listen_filter states = { .type = PB_TYPE_DEVICE_STATE };
        int r = b->listen ? 0 : listen_for(a, b, &announcements, &b->listen);
        if (r == 0 && !b->state_listen)
                r = listen_for(a, b, &states, &b->state_listen);
        return r;
}

struct pb_buddy *pb_buddy_find(const pb_account *a, const pb_hash *id) {
        for (size_t i = 0; i < a->n_buddies; i++)
                if (pb_hash_equal(&a->buddies[i]->id, id))
                        return a->buddies[i];
        return NULL;
}

int pb_buddy_add(pb_account *a, const pb_hash *id, struct pb_buddy **ret) {
        if (a->n_buddies == a->cap_buddies) {
                size_t cap = a->cap_buddies ? a->cap_buddies * 2 : 16;
                struct pb_buddy **n = realloc(a->buddies, cap * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                a->buddies = n;
                a->cap_buddies = cap;
        }
        struct pb_buddy *b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->id = *id;
        pb_hash_to_hex(id, b->uri);
        pb_presence_init(&b->presence);
        a->buddies[a->n_buddies++] = b;
        *ret = b;
        return pb_buddy_listen(a, b);
}

static void buddy_free(pb_account *a, struct pb_buddy *b) {
        if (b->listen && a->node)
                pb_node_cancel_listen(a->node, b->listen);
        if (b->state_listen && a->node)
                pb_node_cancel_listen(a->node, b->state_listen);
        for (unsigned i = 0; i < b->n_known; i++)
                free(b->known[i].pk);
        free(b->known);
        pb_presence_clear(&b->presence);
        free(b);
}

void pb_buddy_remove(pb_account *a, struct pb_buddy *b) {
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

static enum peerbook_status buddy_status(const struct pb_buddy *b) {
        return pb_presence_count(&b->presence) > 0 ? PEERBOOK_STATUS_ONLINE
                                                   : PEERBOOK_STATUS_OFFLINE;
}

void pb_buddy_notify(pb_account *a, struct pb_buddy *b, bool always) {
        enum peerbook_status s = buddy_status(b);
        if (!always && s == b->reported)
                return;
        b->reported = s;
        struct peerbook_event ev = {
                .type = PEERBOOK_EVENT_BUDDY,
                .account_id = a->id,
                .buddy = { .uri = b->uri, .status = s, .line_status = b->line_status },
        };
        a->env.emit(a->env.ctx, &ev);
}

static struct pb_known_device *known_find(struct pb_buddy *b, const pb_hash *dev) {
        for (unsigned i = 0; i < b->n_known; i++)
                if (pb_hash_equal(&b->known[i].id, dev))
                        return &b->known[i];
        return NULL;
}

/* Keeps (and, for a contact, saves) a device and its key: requests can
 * then reach it even while it is offline. The oldest is forgotten past the cap. */
struct pb_known_device *pb_buddy_learn_device(pb_account *a, struct pb_buddy *b,
                                              const pb_hash *dev, const uint8_t *pk,
                                              size_t pk_len) {
        struct pb_known_device *k = known_find(b, dev);
        if (k || !pk_len)
                return k;
        if (b->n_known == PB_KNOWN_DEVICES_MAX) {
                free(b->known[0].pk);
                memmove(&b->known[0], &b->known[1], --b->n_known * sizeof(*b->known));
        }
        struct pb_known_device *n = realloc(b->known, (b->n_known + 1) * sizeof(*n));
        uint8_t *copy = malloc(pk_len);
        if (!n || !copy) {
                free(copy);
                if (n)
                        b->known = n;
                return NULL;
        }
        memcpy(copy, pk, pk_len);
        b->known = n;
        k = &b->known[b->n_known++];
        *k = (struct pb_known_device){ .id = *dev, .pk = copy, .pk_len = pk_len };
        if (b->contact) {
                char hex[PEERBOOK_ID_SIZE];
                pb_hash_to_hex(dev, hex);
                pb_store_device_put(a->store, b->uri, hex, pk, pk_len);
        }
        return k;
}

static int load_known(const char *device, const uint8_t *pk, size_t pk_len, void *userdata) {
        void **args = userdata;
        pb_hash id;
        if (pb_hash_from_hex(device, &id) == 0 && pk_len <= PB_PUBKEY_MAX)
                pb_buddy_learn_device(args[0], args[1], &id, pk, pk_len);
        return 0;
}

/* Devices saved for a contact are read when first needed, not at start:
 * an account may have thousands of contacts. */
void pb_buddy_load_known(pb_account *a, struct pb_buddy *b) {
        if (b->known_loaded)
                return;
        b->known_loaded = true;
        bool contact = b->contact;
        b->contact = false; /* reading back, not learning: no need to save */
        void *args[] = { a, b };
        pb_store_devices(a->store, b->uri, load_known, args);
        b->contact = contact;
}

/* Marks the known devices present or not; tells trust.c about arrivals. */
static void update_known(pb_account *a, struct pb_buddy *b) {
        for (unsigned i = 0; i < b->n_known; i++) {
                struct pb_known_device *k = &b->known[i];
                bool present = false;
                for (unsigned d = 0; d < b->presence.n_devices; d++)
                        if (pb_hash_equal(&b->presence.devices[d].id, &k->id))
                                present = pb_presence_device_present(&b->presence.devices[d]);
                bool appeared = present && !k->present;
                k->present = present;
                if (appeared)
                        pb_trust_device_appeared(a, b, k);
        }
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
        if (ann.pk_len) {
                pb_hash pk_id;
                if (pb_pubkey_id(ann.pk, ann.pk_len, &pk_id) < 0 ||
                    !pb_hash_equal(&pk_id, &ann.dev))
                        return -EPERM;
        }
        int r = pb_presence_announcement(&b->presence, &ann.dev, v->id, false);
        if (r == 0) {
                pb_buddy_load_known(a, b);
                pb_buddy_learn_device(a, b, &ann.dev, ann.pk, ann.pk_len);
        }
        return r;
}

/* A device state counts only if the device itself signed it. */
static int apply_state(struct pb_buddy *b, const struct pb_value_view *v, bool expired) {
        struct pb_device_state st;
        if (pb_device_state_decode(v->data, v->len, &st) < 0)
                return -EBADMSG;
        if (!v->is_signed || !pb_hash_equal(&v->owner, &st.dev))
                return -EPERM;
        if (expired) {
                pb_presence_state_expired(&b->presence, &st.dev, v->id);
                return 0;
        }
        return pb_presence_state(&b->presence, &st.dev, st.seq, st.online, v->id);
}

void pb_buddy_handle_value(pb_account *a, const struct pb_item *item) {
        struct pb_buddy *b = pb_buddy_find(a, &item->key);
        if (!b)
                return; /* unsubscribed while the value was queued */
        const struct pb_value_view *v = &item->value;
        int r;
        switch (v->type) {
        case PB_TYPE_USER_DATA: r = apply_announcement(a, b, v, item->flag); break;
        case PB_TYPE_DEVICE_STATE: r = apply_state(b, v, item->flag); break;
        default: r = item->flag ? 0 : -EBADMSG; break;
        }
        if (r < 0 && !item->flag)
                a->dropped++;
        update_known(a, b);
        pb_buddy_notify(a, b, false);
}
