/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * devices.c — the known devices of other accounts (see devices.h). A peer is
 * kept while its account is tracked (buddy.c); its saved devices are read
 * from the store the first time they are needed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "account-internal.h"
#include "devices.h"
#include "store.h"
#include "wire.h"

struct pb_peer *pb_devices_find_peer(const pb_account *a, const pb_hash *account) {
        for (size_t i = 0; i < a->n_peers; i++)
                if (pb_hash_equal(&a->peers[i]->account, account))
                        return a->peers[i];
        return NULL;
}

struct pb_peer *pb_devices_track(pb_account *a, const pb_hash *account) {
        struct pb_peer *p = pb_devices_find_peer(a, account);
        if (p)
                return p;
        if (a->n_peers == a->cap_peers) {
                size_t cap = a->cap_peers ? a->cap_peers * 2 : 16;
                struct pb_peer **n = realloc(a->peers, cap * sizeof(*n));
                if (!n)
                        return NULL;
                a->peers = n;
                a->cap_peers = cap;
        }
        if (!(p = calloc(1, sizeof(*p))))
                return NULL;
        p->account = *account;
        pb_hash_to_hex(account, p->uri);
        a->peers[a->n_peers++] = p;
        return p;
}

static void peer_free(struct pb_peer *p) {
        for (unsigned i = 0; i < p->n_known; i++)
                free(p->known[i].pk);
        free(p->known);
        free(p);
}

void pb_devices_untrack(pb_account *a, struct pb_peer *p) {
        for (size_t i = 0; p && i < a->n_peers; i++)
                if (a->peers[i] == p) {
                        a->peers[i] = a->peers[--a->n_peers];
                        peer_free(p);
                        return;
                }
}

void pb_devices_free(pb_account *a) {
        for (size_t i = 0; i < a->n_peers; i++)
                peer_free(a->peers[i]);
        free(a->peers);
        a->peers = NULL;
        a->n_peers = a->cap_peers = 0;
}

const struct pb_known_device *pb_devices_find(const struct pb_peer *p, const pb_hash *dev) {
        for (unsigned i = 0; i < p->n_known; i++)
                if (pb_hash_equal(&p->known[i].id, dev))
                        return &p->known[i];
        return NULL;
}

static const struct pb_known_device *add(pb_account *a, struct pb_peer *p, const pb_hash *dev,
                                         const uint8_t *pk, size_t pk_len, bool keep) {
        const struct pb_known_device *k = pb_devices_find(p, dev);
        if (k || !pk_len)
                return k;
        if (p->n_known == PB_KNOWN_DEVICES_MAX) {
                free(p->known[0].pk);
                memmove(&p->known[0], &p->known[1], --p->n_known * sizeof(*p->known));
        }
        struct pb_known_device *n = realloc(p->known, (p->n_known + 1) * sizeof(*n));
        uint8_t *copy = malloc(pk_len);
        if (n)
                p->known = n;
        if (!n || !copy) {
                free(copy);
                return NULL;
        }
        memcpy(copy, pk, pk_len);
        p->known[p->n_known] = (struct pb_known_device){ .id = *dev, .pk = copy, .pk_len = pk_len };
        if (keep) {
                char hex[PEERBOOK_ID_SIZE];
                pb_hash_to_hex(dev, hex);
                pb_store_device_put(a->store, p->uri, hex, pk, pk_len);
        }
        return &p->known[p->n_known++];
}

struct load_ctx {
        pb_account *a;
        struct pb_peer *p;
};

static int load_one(const char *device, const uint8_t *pk, size_t pk_len, void *userdata) {
        struct load_ctx *lc = userdata;
        pb_hash id;
        if (pb_hash_from_hex(device, &id) == 0 && pk_len <= PB_PUBKEY_MAX)
                add(lc->a, lc->p, &id, pk, pk_len, false); /* read back: saved already */
        return 0;
}

static void load(pb_account *a, struct pb_peer *p) {
        if (p->loaded)
                return;
        p->loaded = true;
        struct load_ctx lc = { a, p };
        pb_store_devices(a->store, p->uri, load_one, &lc);
}

struct pb_peer *pb_devices_get(pb_account *a, const pb_hash *account) {
        struct pb_peer *p = pb_devices_find_peer(a, account);
        if (p)
                load(a, p);
        return p;
}

const struct pb_known_device *pb_devices_learn(pb_account *a, struct pb_peer *p, const pb_hash *dev,
                                               const uint8_t *pk, size_t pk_len, bool keep) {
        load(a, p); /* first, so that the cap forgets the oldest */
        return add(a, p, dev, pk, pk_len, keep);
}

bool pb_devices_find_signer(const pb_account *a, const pb_hash *dev, struct pb_device_cert *ret) {
        for (size_t i = 0; i < a->n_peers; i++) {
                const struct pb_known_device *k = pb_devices_find(a->peers[i], dev);
                if (!k || k->pk_len > sizeof(ret->pk))
                        continue;
                /* Known by its announcement: no serial, no issuer (a
                 * revoked one is known by its ID, peer_crl.h). */
                ret->device = *dev;
                ret->account = a->peers[i]->account;
                ret->serial_len = ret->issuer_len = 0;
                ret->pk_len = k->pk_len;
                memcpy(ret->pk, k->pk, k->pk_len);
                return true;
        }
        return false;
}

unsigned pb_devices_mark_present(struct pb_peer *p, const struct pb_buddy_presence *presence,
                                 pb_hash appeared[PB_KNOWN_DEVICES_MAX]) {
        unsigned n = 0;
        for (unsigned i = 0; i < p->n_known; i++) {
                struct pb_known_device *k = &p->known[i];
                bool present = false;
                for (unsigned d = 0; d < presence->n_devices; d++)
                        if (pb_hash_equal(&presence->devices[d].id, &k->id))
                                present = pb_presence_device_present(&presence->devices[d]);
                if (present && !k->present)
                        appeared[n++] = k->id;
                k->present = present;
        }
        return n;
}
