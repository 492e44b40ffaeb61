/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rendezvous.c — channel requests over the DHT (rendezvous.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account-internal.h"
#include "contacts.h"
#include "netaddr.h"
#include "peer_crl.h"
#include "rendezvous.h"
#include "util.h"

#define RATE_SENDERS_MAX 256 /* devices whose rate is remembered; the oldest goes */
#define RATE_WINDOW_MS 60000

struct pb_rdv_rate {
        pb_hash device;
        uint64_t window_start;
        unsigned count;
        uint64_t last_id; /* the last request id acted on: a re-put is not news */
};

static pb_hash rendezvous_key(const pb_hash *device) {
        char key[9 + PB_HEX_LEN + 1];
        memcpy(key, "peerbook:", 9);
        pb_hash_to_hex(device, key + 9);
        return pb_hash_of(key, strlen(key));
}

int pb_rendezvous_listen(pb_account *a) {
        if (!a->node || a->rdv_listen)
                return 0;
        struct pb_origin o = pb_account_origin(a);
        pb_hash key = rendezvous_key(&a->keys.device_id);
        /* Only values encrypted to us can be requests: an encrypted value
         * is of no type a filter can see, so the check is ours, later. */
        return pb_origin_listen(a->node, &key, &o, PB_TAG_RENDEZVOUS, &a->rdv_listen);
}

void pb_rendezvous_node_gone(pb_account *a) {
        a->rdv_listen = NULL; /* pb_node_free() ends the listen */
}

void pb_rendezvous_free(pb_account *a) {
        free(a->rdv_rates);
        a->rdv_rates = NULL;
        a->n_rdv_rates = 0;
}

/* The addresses our listener may be reached at: the one other DHT nodes see
 * us at (right behind a NAT that keeps ports, or one that forwards this
 * one), then this machine's own. When DHT peers reach us on loopback, our
 * peers are on this machine: only loopback addresses are given, so that a
 * node on a loopback network never has others dial its other interfaces. */
static void our_addresses(pb_account *a, uint16_t port, struct pb_rendezvous *m) {
        struct sockaddr_storage pub[2], local[PB_RDV_ADDRS_MAX];
        unsigned n_pub = 0, n_local = 0, n = 0;
        bool loopback_only = false;
        if (a->node && pb_node_public_addresses(a->node, pub, 2, &n_pub) < 0)
                n_pub = 0;
        if (pb_local_addresses(port, local, PB_RDV_ADDRS_MAX, &n_local) < 0)
                n_local = 0;
        for (unsigned i = 0; i < n_pub; i++) {
                pb_addr_set_port(&pub[i], port);
                loopback_only |= pb_addr_is_loopback((struct sockaddr *)&pub[i]);
                pb_addr_list_add(m->addrs, &n, PB_RDV_ADDRS_MAX, (struct sockaddr *)&pub[i]);
        }
        for (unsigned i = 0; i < n_local; i++)
                if (!loopback_only || pb_addr_is_loopback((struct sockaddr *)&local[i]))
                        pb_addr_list_add(m->addrs, &n, PB_RDV_ADDRS_MAX,
                                         (struct sockaddr *)&local[i]);
        m->n_addrs = n;
}

int pb_rendezvous_send(pb_account *a, const struct pb_known_device *dev, uint64_t id, bool answer,
                       uint16_t port) {
        if (!a->node)
                return -ENOTCONN;
        struct pb_rendezvous m = { .id = id, .answer = answer };
        if (port)
                our_addresses(a, port, &m);
        uint8_t *data = NULL;
        size_t len = 0;
        int r = pb_rendezvous_encode(&m, &data, &len);
        if (r < 0)
                return r;
        pb_hash key = rendezvous_key(&dev->id);
        r = pb_node_put_encrypted(a->node, &key, dev->pk, dev->pk_len, PB_TYPE_USER_DATA, data, len,
                                  NULL, NULL);
        free(data);
        return r;
}

static struct pb_rdv_rate *rate_of(pb_account *a, const pb_hash *device, uint64_t now) {
        struct pb_rdv_rate *oldest = NULL;
        for (unsigned i = 0; i < a->n_rdv_rates; i++) {
                struct pb_rdv_rate *r = &a->rdv_rates[i];
                if (pb_hash_equal(&r->device, device))
                        return r;
                if (!oldest || r->window_start < oldest->window_start)
                        oldest = r;
        }
        if (a->n_rdv_rates < RATE_SENDERS_MAX) {
                struct pb_rdv_rate *t = realloc(a->rdv_rates, (a->n_rdv_rates + 1) * sizeof(*t));
                if (!t)
                        return NULL;
                a->rdv_rates = t;
                oldest = &t[a->n_rdv_rates++];
        }
        *oldest = (struct pb_rdv_rate){ .device = *device, .window_start = now };
        return oldest;
}

/* At most PB_RENDEZVOUS_PER_MINUTE requests per device per minute, each id
 * once. Only devices of contacts get here, so the table stays small. */
static int within_rate(pb_account *a, const pb_hash *device, uint64_t id) {
        uint64_t now = pb_now_ms();
        struct pb_rdv_rate *r = rate_of(a, device, now);
        if (!r)
                return -ENOMEM;
        if (r->last_id == id)
                return -EALREADY;
        if (now - r->window_start >= RATE_WINDOW_MS) {
                r->window_start = now;
                r->count = 0;
        }
        if (r->count >= PB_RENDEZVOUS_PER_MINUTE)
                return -EBUSY;
        r->count++;
        r->last_id = id;
        return 0;
}

int pb_rendezvous_receive(pb_account *a, const struct pb_item *item, struct pb_rendezvous_in *ret) {
        const struct pb_value_view *v = &item->value;
        if (!v->is_encrypted || !v->is_signed ||
            pb_rendezvous_decode(v->data, v->len, &ret->msg) < 0)
                return -EBADMSG;
        struct pb_device_cert signer;
        char hex[PB_HEX_LEN + 1];
        pb_hash_to_hex(&v->owner, hex);
        if (!pb_hash_equal(&v->owner, &a->keys.device_id) && a->store &&
            pb_store_own_device_get(a->store, hex, &ret->own_row) == 0 && !ret->own_row.revoked) {
                /* Another device of our account (own_devices.c): it may dial us. */
                ret->own = (struct pb_known_device){ .id = v->owner,
                                                     .pk = ret->own_row.pk,
                                                     .pk_len = ret->own_row.pk_len };
                ret->known = &ret->own;
                ret->account = a->keys.account_id;
                ret->device = v->owner;
                return within_rate(a, &v->owner, ret->msg.id);
        }
        if (!pb_devices_find_signer(a, &v->owner, &signer) ||
            !pb_contact_trusted(a, &signer.account) || pb_revoked_device(a, &v->owner))
                return -EPERM; /* a revoked device: peer_crl.h */
        struct pb_peer *p = pb_devices_get(a, &signer.account);
        ret->known = p ? pb_devices_find(p, &v->owner) : NULL;
        if (!ret->known)
                return -EPERM;
        ret->account = signer.account;
        ret->device = v->owner;
        return within_rate(a, &v->owner, ret->msg.id);
}
