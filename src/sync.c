/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sync.c — the devices of one account keep each other up to date, as Jami
 * 2023 does: each puts a DeviceSync (device_sync.c) encrypted to each other
 * device in that device's inbox, signed by its own device key, with its
 * device names, its whole contact list and up to 20 pending requests.
 *
 * When: at each start, after any change of ours (a contact, a request, this
 * device's name: pb_account_sync_later()), and when one of our devices
 * appears or comes back online (own_devices.c), so that a device that was
 * off catches up within seconds of its start: the DHT keeps a put only 10
 * minutes, so a sync sent while it was away may be gone.
 *
 * Taking one: only from a device of our account (one whose account-signed
 * announcement we saw: own_devices.c) that is not revoked, and only when its
 * date is newer than the last one taken from it (the store checks and
 * records it in one statement); anything else is dropped and counted. The
 * inbox offers a value again at each start for as long as the DHT keeps it
 * (10 minutes): value ids already handled are ignored, as trust.c does, so
 * only a real replay (an old sync put again) counts.
 * Contacts merge by contact_merge.c's rule, whose result does not depend on
 * the order syncs arrive in; a contact that becomes active or banned settles
 * its pending request; requests we did not have become pending here too
 * (without their payload, which Jami strips).
 */
#include "sync.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account-internal.h"
#include "channels.h"
#include "contact_merge.h"
#include "contact_track.h"
#include "contacts.h"
#include "device_sync.h"
#include "own_devices.h"
#include "store.h"
#include "util.h"
#include "wire.h"

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- what we send ------------------------------------------------------------ */

struct gather {
        struct pb_device_sync *s;
        unsigned cap_devices, cap_requests;
        struct pb_own_device_row *targets; /* our other devices: where it goes */
        unsigned n_targets;
};

static int hex_to_bytes(const char *hex, uint8_t *out, size_t n) {
        for (size_t i = 0; i < n; i++) {
                unsigned v;
                if (sscanf(hex + 2 * i, "%2x", &v) != 1)
                        return -EINVAL;
                out[i] = (uint8_t)v;
        }
        return 0;
}

static int add_device(struct pb_device_sync *s, const char *id, const char *long_id,
                      const char *name) {
        if (s->n_devices == PB_SYNC_DEVICES_MAX)
                return 0;
        struct pb_sync_device *d = &s->devices[s->n_devices];
        *d = (struct pb_sync_device){ .legacy = false };
        if (pb_hash_from_hex(id, &d->id) < 0 || hex_to_bytes(long_id, d->long_id, PB_LONG_ID_LEN))
                return 0; /* a row we cannot name: leave it out */
        snprintf(d->name, sizeof(d->name), "%s", name);
        s->n_devices++;
        return 0;
}

static int gather_device(const struct pb_own_device_row *d, void *userdata) {
        struct gather *g = userdata;
        if (d->revoked)
                return 0;
        if (g->n_targets < PB_SYNC_DEVICES_MAX) {
                g->targets[g->n_targets++] = *d;
        }
        return add_device(g->s, d->device, d->long_id, d->name);
}

static int gather_request(const struct pb_request_row *r, void *userdata) {
        struct gather *g = userdata;
        struct pb_device_sync *s = g->s;
        if (s->n_requests == g->cap_requests) {
                unsigned cap = g->cap_requests ? 2 * g->cap_requests : 8;
                struct pb_sync_request *n = realloc(s->requests, cap * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                s->requests = n;
                g->cap_requests = cap;
        }
        struct pb_sync_request *q = &s->requests[s->n_requests];
        *q = (struct pb_sync_request){ .received = r->received };
        if (pb_hash_from_hex(r->sender, &q->from) < 0)
                return 0;
        snprintf(q->conversation_id, sizeof(q->conversation_id), "%s", r->conversation_id);
        if (r->device_pk_len) {
                q->device_pk = malloc(r->device_pk_len);
                if (!q->device_pk)
                        return -ENOMEM;
                memcpy(q->device_pk, r->device_pk, r->device_pk_len);
                q->device_pk_len = r->device_pk_len;
        }
        s->n_requests++;
        return 0;
}

/* Our DeviceSync, and the devices it goes to. */
static int build(pb_account *a, struct pb_device_sync *s, struct gather *g) {
        *s = (struct pb_device_sync){ .date = 0 };
        *g = (struct gather){ .s = s };
        s->devices = calloc(PB_SYNC_DEVICES_MAX, sizeof(*s->devices));
        g->targets = calloc(PB_SYNC_DEVICES_MAX, sizeof(*g->targets));
        s->peers = calloc(a->n_contacts ? a->n_contacts : 1, sizeof(*s->peers));
        if (!s->devices || !g->targets || !s->peers)
                return -ENOMEM;
        add_device(s, a->device, a->device_long_id, a->device_name);
        int r = pb_store_own_devices(a->store, gather_device, g);
        if (r < 0 || g->n_targets == 0)
                return r;
        for (size_t i = 0; i < a->n_contacts && s->n_peers < PB_SYNC_PEERS_MAX; i++)
                s->peers[s->n_peers++] = a->contacts[i].row;
        if ((r = pb_store_requests(a->store, NULL, gather_request, g)) < 0)
                return r;
        return pb_store_sync_next_date(a->store, now_ns(), &s->date);
}

static void send_all(pb_account *a) {
        struct pb_device_sync s;
        struct gather g;
        uint8_t *data = NULL;
        size_t len;
        if (build(a, &s, &g) == 0 && g.n_targets > 0 && pb_device_sync_encode(&s, &data, &len) == 0)
                for (unsigned i = 0; i < g.n_targets; i++) {
                        pb_hash dev;
                        if (pb_hash_from_hex(g.targets[i].device, &dev) < 0)
                                continue;
                        if (pb_channels_send_sync(a, &dev, data, len) == 0) {
                                a->syncs_by_channel++; /* over our channel to it */
                                continue;
                        }
                        pb_hash inbox = pb_inbox_key(&dev);
                        if (pb_node_put_encrypted(a->node, &inbox, g.targets[i].pk,
                                                  g.targets[i].pk_len, PB_TYPE_USER_DATA, data, len,
                                                  NULL, NULL) == 0)
                                a->syncs_by_dht++;
                }
        free(data);
        free(g.targets);
        pb_device_sync_clear(&s);
}

uint64_t pb_sync_tick(pb_account *a, uint64_t now) {
        if (!a->sync_due)
                return UINT64_MAX;
        if (!a->node || a->listen_at != 0 || !a->store)
                return UINT64_MAX; /* sent once listening: pb_account_sync_later() then */
        a->sync_due = false;
        send_all(a);
        (void)now;
        return UINT64_MAX;
}

/* ---- what we take ------------------------------------------------------------ */

static void take_names(pb_account *a, const struct pb_device_sync *s) {
        bool changed = false;
        for (unsigned i = 0; i < s->n_devices; i++) {
                const struct pb_sync_device *d = &s->devices[i];
                struct pb_own_device_row row;
                char id[PEERBOOK_ID_SIZE];
                pb_hash_to_hex(&d->id, id);
                if (!d->name[0] || pb_store_own_device_get(a->store, id, &row) < 0 || row.revoked ||
                    !strcmp(row.name, d->name))
                        continue; /* this device, one we do not know, or no change */
                snprintf(row.name, sizeof(row.name), "%s", d->name);
                changed |= pb_store_own_device_put(a->store, &row) == 0;
        }
        if (changed)
                pb_own_devices_changed(a);
}

static void take_contacts(pb_account *a, const struct pb_device_sync *s) {
        for (unsigned i = 0; i < s->n_peers && !a->stopping; i++) {
                const struct pb_contact_row *theirs = &s->peers[i];
                if (!strcmp(theirs->uri, a->id))
                        continue;
                struct pb_contact *c = pb_contact_find(a, theirs->uri);
                struct pb_contact_row row = { .added = 0 };
                if (c)
                        row = c->row;
                else
                        snprintf(row.uri, sizeof(row.uri), "%s", theirs->uri);
                unsigned changed = pb_contact_merge(&row, theirs);
                if (!(changed & PB_MERGE_ANY) ||
                    pb_contact_save_tracked(a, &row, NULL, 0, NULL) < 0)
                        continue;
                bool active = pb_contact_active(&row);
                if (active || row.banned)
                        pb_store_request_delete(a->store, row.uri); /* settled elsewhere */
                if (changed & PB_MERGE_ACTIVE)
                        pb_contact_queue_event(a,
                                               active ? PEERBOOK_EVENT_CONTACT_ADDED
                                                      : PEERBOOK_EVENT_CONTACT_REMOVED,
                                               row.uri, active ? row.confirmed : row.banned);
                else if ((changed & PB_MERGE_CONFIRMED) && active)
                        pb_contact_queue_event(a, PEERBOOK_EVENT_CONTACT_ADDED, row.uri, true);
        }
}

static int count_pending(const struct pb_request_row *r, void *userdata) {
        (void)r;
        ++*(unsigned *)userdata;
        return 0;
}

static void take_requests(pb_account *a, const struct pb_device_sync *s) {
        for (unsigned i = 0; i < s->n_requests && !a->stopping; i++) {
                const struct pb_sync_request *q = &s->requests[i];
                char from[PEERBOOK_ID_SIZE];
                pb_hash_to_hex(&q->from, from);
                const struct pb_contact *c = pb_contact_find(a, from);
                unsigned pending = 0;
                if (!strcmp(from, a->id) || (c && (pb_contact_active(&c->row) || c->row.banned)) ||
                    pb_store_requests(a->store, from, count_pending, &pending) < 0 || pending)
                        continue; /* ours, settled, or pending here already */
                size_t total = 0;
                if (pb_store_request_count(a->store, &total) < 0 || total >= a->limits.pending_max)
                        return;
                struct pb_request_row row = { .received = q->received,
                                              .payload = (const uint8_t *)"",
                                              .device_pk = q->device_pk,
                                              .device_pk_len = q->device_pk_len };
                snprintf(row.sender, sizeof(row.sender), "%s", from);
                snprintf(row.conversation_id, sizeof(row.conversation_id), "%s",
                         q->conversation_id);
                pb_hash dev, fp = pb_hash_of(q->conversation_id, strlen(q->conversation_id));
                if (q->device_pk_len && pb_pubkey_id(q->device_pk, q->device_pk_len, &dev) == 0)
                        pb_hash_to_hex(&dev, row.device);
                pb_hash_to_hex(&fp, row.fingerprint);
                if (pb_store_request_put(a->store, &row) < 0)
                        continue;
                struct peerbook_event ev = {
                        .type = PEERBOOK_EVENT_TRUST_REQUEST,
                        .account_id = a->id,
                        .trust_request = { .from = from,
                                           .conversation_id = row.conversation_id,
                                           .received =
                                                   (uint64_t)(q->received > 0 ? q->received : 0) },
                };
                pb_account_emit(a, &ev);
        }
}

void pb_sync_handle_value(pb_account *a, const struct pb_item *item) {
        const struct pb_value_view *v = &item->value;
        struct pb_device_sync s;
        char from[PEERBOOK_ID_SIZE];
        if (!a->store || v->type != PB_TYPE_USER_DATA || !v->is_encrypted || !v->is_signed ||
            pb_device_sync_decode(v->data, v->len, &s) < 0) {
                a->dropped_syncs++;
                return;
        }
        bool from_dht = item->tag != PB_TAG_SYNC_CHANNEL;
        if (from_dht && pb_store_handled_has(a->store, v->id) != 0) {
                pb_device_sync_clear(&s); /* the inbox offers its values again */
                return;
        }
        pb_hash_to_hex(&v->owner, from);
        /* 1: newer than the last taken from this device of ours (now
         * recorded); 0: a replay, or a revoked device; -ENOENT: not ours,
         * or not yet: a device that sends its sync as soon as it finds us
         * (Jami does too) may be faster than its announcement here. That
         * sync is not marked handled: own_devices.c listens on the inbox
         * again when it finds a device, which offers it again. */
        int r = pb_store_own_device_synced(a->store, from, s.date);
        if (from_dht && r != -ENOENT)
                pb_store_handled_add(a->store, v->id, (int64_t)time(NULL));
        if (r == 1) {
                take_names(a, &s);
                take_contacts(a, &s);
                take_requests(a, &s);
        } else {
                a->dropped_syncs++;
        }
        pb_device_sync_clear(&s);
}
