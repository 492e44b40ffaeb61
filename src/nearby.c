/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nearby.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account-internal.h"
#include "buddy.h"
#include "contacts.h"
#include "netaddr.h"

struct pb_nearby {
        pb_hash account;
        char uri[PEERBOOK_ID_SIZE];
        char name[PEERBOOK_ALIAS_MAX];
        char address[PB_ADDR_STR_MAX];
        uint64_t heard; /* pb_now_ms() of its last notice */
};

int pb_nearby_set_flags(pb_account *a, uint32_t lan) {
        char buf[12];
        snprintf(buf, sizeof(buf), "%u", lan);
        int r = pb_store_set(a->store, "lan", buf);
        if (r < 0)
                return r;
        if (!(lan & PEERBOOK_LAN_NEARBY))
                pb_nearby_clear(a);
        a->lan = lan;
        a->lan_changed = true;
        return 0;
}

bool pb_nearby_wanted(pb_account *a, bool *changed) {
        bool wanted = a->node && !a->stopping && a->lan != 0;
        if (wanted && a->lan_changed)
                *changed = true;
        a->lan_changed = false;
        return wanted;
}

bool pb_nearby_notice(pb_account *a, int family, struct pb_lan_msg *ret) {
        *ret = (struct pb_lan_msg){ .query = false };
        if (!a->node || a->stopping)
                return false;
        uint16_t port = pb_node_port_of(a->node, family);
        if ((a->lan & PEERBOOK_LAN_DHT) && port) {
                ret->has_dht = true;
                ret->node = pb_node_id(a->node);
                ret->port = port;
                ret->network = PB_DHT_NETWORK;
        }
        if (a->lan & PEERBOOK_LAN_PUBLISH) {
                ret->has_jami = true;
                ret->account = a->keys.account_id;
                snprintf(ret->name, sizeof(ret->name), "%s", a->alias);
        }
        return ret->has_dht || ret->has_jami;
}

bool pb_nearby_on_notice(pb_account *a, const struct pb_lan_msg *m, const struct sockaddr *from,
                         uint64_t now) {
        bool ok = true;
        if (!a->node || a->stopping)
                return true;
        if ((a->lan & PEERBOOK_LAN_DHT) && m->has_dht) {
                pb_hash own = pb_node_id(a->node);
                if (!pb_hash_equal(&own, &m->node)) {
                        struct sockaddr_storage node;
                        ok = pb_addr_copy(from, &node) == 0 &&
                             pb_bucket_take(&a->lan_pings, PB_LAN_PINGS_PER_S, PB_LAN_PINGS_PER_S,
                                            now);
                        if (ok) {
                                pb_addr_set_port(&node, m->port);
                                pb_node_ping(a->node, (struct sockaddr *)&node);
                        }
                }
        }
        if ((a->lan & PEERBOOK_LAN_NEARBY) && m->has_jami) {
                if (!pb_hash_equal(&a->keys.account_id, &m->account) &&
                    pb_nearby_heard(a, &m->account, m->name, from, now) < 0)
                        ok = false;
        }
        return ok;
}

static void queue_event(pb_account *a, const struct pb_nearby *n, bool gone) {
        size_t len = strlen(n->name) + 1;
        struct pb_item *it = pb_account_item(a, PB_ITEM_NEARBY, len);
        if (!it)
                return;
        it->key = n->account;
        it->flag = gone;
        memcpy(it->data, n->name, len);
        pb_queue_push(a->env.queue, it);
}

static struct pb_nearby *find(const pb_account *a, const pb_hash *account) {
        for (size_t i = 0; i < a->n_nearby; i++)
                if (pb_hash_equal(&a->nearby[i].account, account))
                        return &a->nearby[i];
        return NULL;
}

int pb_nearby_heard(pb_account *a, const pb_hash *account, const char *name,
                    const struct sockaddr *from, uint64_t now) {
        struct pb_nearby *n = find(a, account);
        bool first = !n;
        if (first) {
                if (a->n_nearby == PB_NEARBY_MAX)
                        return -ENOSPC;
                if (a->n_nearby == a->cap_nearby) {
                        size_t cap = a->cap_nearby ? a->cap_nearby * 2 : 8;
                        struct pb_nearby *grown = realloc(a->nearby, cap * sizeof(*grown));
                        if (!grown)
                                return -ENOMEM;
                        a->nearby = grown;
                        a->cap_nearby = cap;
                }
                n = &a->nearby[a->n_nearby++];
                *n = (struct pb_nearby){ .account = *account };
                pb_hash_to_hex(account, n->uri);
        }
        /* As Jami: a later notice updates the name silently. */
        snprintf(n->name, sizeof(n->name), "%s", name);
        if (pb_addr_format(from, n->address) < 0)
                n->address[0] = '\0';
        n->heard = now;
        if (first) {
                queue_event(a, n, false);
                /* A contact of ours may be here: its presence is checked on
                 * the DHT now rather than at the next re-check. */
                pb_buddy_hint(a, account);
        }
        return 0;
}

static void drop(pb_account *a, size_t i) {
        queue_event(a, &a->nearby[i], true);
        a->nearby[i] = a->nearby[--a->n_nearby];
}

uint64_t pb_nearby_tick(pb_account *a, uint64_t now) {
        uint64_t next = UINT64_MAX;
        for (size_t i = a->n_nearby; i-- > 0;) {
                uint64_t end = a->nearby[i].heard + PB_NEARBY_EXPIRY_MS;
                if (now >= end)
                        drop(a, i);
                else if (end < next)
                        next = end;
        }
        return next;
}

void pb_nearby_clear(pb_account *a) {
        while (a->n_nearby > 0)
                drop(a, a->n_nearby - 1);
}

void pb_nearby_free(pb_account *a) {
        free(a->nearby);
        a->nearby = NULL;
        a->n_nearby = a->cap_nearby = 0;
}

void pb_nearby_emit(pb_account *a, const struct pb_item *it) {
        char uri[PEERBOOK_ID_SIZE];
        pb_hash_to_hex(&it->key, uri);
        struct peerbook_event ev = {
                .type = PEERBOOK_EVENT_NEARBY,
                .account_id = a->id,
                .nearby = { .uri = uri, .display_name = (const char *)it->data, .gone = it->flag },
        };
        pb_account_emit(a, &ev);
}

unsigned pb_nearby_count(const pb_account *a) {
        return (unsigned)a->n_nearby;
}

int pb_nearby_each(const pb_account *a, pb_each_cb each, void *userdata) {
        uint64_t now = pb_now_ms();
        for (size_t i = 0; i < a->n_nearby; i++) {
                const struct pb_nearby *n = &a->nearby[i];
                struct peerbook_nearby_peer v = {
                        .uri = n->uri,
                        .display_name = n->name,
                        .address = n->address,
                        .heard_ms_ago = now - n->heard,
                        .contact = pb_contact_trusted(a, &n->account),
                };
                int r = each(&v, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}
