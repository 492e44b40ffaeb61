/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * own_devices.c — the other devices of our own account, as Jami finds them:
 * each puts an announcement {dev, pk} signed by the account key on the
 * account's hash (announce.c puts ours), so a listen there finds them. Only
 * the holder of the account key (the account password) can sign one, so an
 * announcement that verifies is a device of ours, whoever put it; one whose
 * `dev` is not the id of its `pk`, or signed by any other key, is dropped
 * and counted. Found devices are saved (store.c, own_devices), named "" until
 * a DeviceSync names them, and listed with this one by
 * pb_own_devices_each(). Jami's listener does the same, and also takes the
 * announcement's signer on trust alone (jami-multidevice.md, 3.1).
 */
#include <errno.h>
#include <gnutls/crypto.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "account-internal.h"
#include "channels.h"
#include "own_devices.h"
#include "store.h"
#include "trust.h"
#include "wire.h"

/* A device seen again is saved again at most this often: a refresh of its
 * announcement (every 10 minutes, from each storage node) writes nothing. */
#define SEEN_SAVE_S (24 * 3600)

int pb_device_long_id(const uint8_t *der, size_t len, char ret[PB_LONG_ID_SIZE]) {
        static const char hex[] = "0123456789abcdef";
        uint8_t digest[32];
        if (!der || !len || gnutls_hash_fast(GNUTLS_DIG_SHA256, der, len, digest) < 0)
                return -EINVAL;
        for (size_t i = 0; i < sizeof(digest); i++) {
                ret[2 * i] = hex[digest[i] >> 4];
                ret[2 * i + 1] = hex[digest[i] & 15];
        }
        ret[PEERBOOK_LONG_ID_LEN] = 0;
        return 0;
}

void pb_own_devices_changed(pb_account *a) {
        struct pb_item *it = pb_account_item(a, PB_ITEM_DEVICES, 0);
        if (it)
                pb_queue_push(a->env.queue, it);
}

int pb_own_devices_listen(pb_account *a) {
        if (!a->node || a->own_listen)
                return 0;
        pb_hash key = a->keys.account_id;
        struct pb_origin o = pb_account_origin(a);
        return pb_origin_listen(a->node, &key, &o, PB_TAG_OWN_DEVICES, &a->own_listen);
}

void pb_own_devices_node_gone(pb_account *a) {
        a->own_listen = NULL; /* pb_node_free() ends the listen */
}

/* Checks an announcement on our account's hash: -EPERM when the account did
 * not sign it or its dev is not its key's id, -EBADMSG when undecodable. */
static int check_announcement(const pb_account *a, const struct pb_value_view *v,
                              struct pb_announcement *ann) {
        if (pb_announcement_decode(v->data, v->len, ann) < 0)
                return -EBADMSG;
        if (!v->is_signed || !pb_hash_equal(&v->owner, &a->keys.account_id) || !ann->pk_len)
                return -EPERM;
        pb_hash pk_id;
        if (pb_pubkey_id(ann->pk, ann->pk_len, &pk_id) < 0 || !pb_hash_equal(&pk_id, &ann->dev))
                return -EPERM;
        return 0;
}

/* A device of ours said it is online (it started, or came back): it gets a
 * channel (channels.c) and our DeviceSync, since one sent while it was away
 * may have expired. Its goodbye ends the dialling. */
static void state_seen(pb_account *a, const struct pb_value_view *v, bool expired) {
        struct pb_device_state st;
        struct pb_own_device_row row;
        char dev[PEERBOOK_ID_SIZE];
        if (expired || pb_device_state_decode(v->data, v->len, &st) < 0 || !v->is_signed ||
            !pb_hash_equal(&v->owner, &st.dev) || pb_hash_equal(&st.dev, &a->keys.device_id))
                return;
        pb_hash_to_hex(&st.dev, dev);
        if (!a->store || pb_store_own_device_get(a->store, dev, &row) < 0 || row.revoked)
                return;
        pb_channels_own_device(a, &st.dev, st.online);
        if (st.online)
                pb_account_sync_later(a);
}

/* A device just found may have put its DeviceSync in our inbox before its
 * announcement reached us (sync.c then leaves it unhandled): a new listen
 * there offers the inbox's values again, the handled ones ignored. */
static void inbox_again(pb_account *a) {
        if (!a->node || !a->inbox)
                return;
        pb_node_cancel_listen(a->node, a->inbox);
        a->inbox = NULL;
        pb_trust_start(a);
}

bool pb_own_devices_handle_value(pb_account *a, const struct pb_item *item, pb_hash *ret_found) {
        const struct pb_value_view *v = &item->value;
        if (v->type == PB_TYPE_DEVICE_STATE) {
                state_seen(a, v, item->flag);
                return false;
        }
        if (v->type != PB_TYPE_USER_DATA)
                return false;
        struct pb_announcement ann;
        if (check_announcement(a, v, &ann) < 0) {
                a->dropped++;
                return false;
        }
        if (pb_hash_equal(&ann.dev, &a->keys.device_id) || !a->store)
                return false;
        struct pb_own_device_row row;
        char dev[PEERBOOK_ID_SIZE];
        pb_hash_to_hex(&ann.dev, dev);
        int64_t now = (int64_t)time(NULL);
        int r = pb_store_own_device_get(a->store, dev, &row);
        if (r == 0 && (row.revoked || now - row.seen < SEEN_SAVE_S))
                return false;
        if (r == -ENOENT) {
                if (ann.pk_len > sizeof(row.pk))
                        return false;
                row = (struct pb_own_device_row){ .pk_len = ann.pk_len };
                snprintf(row.device, sizeof(row.device), "%s", dev);
                memcpy(row.pk, ann.pk, ann.pk_len);
                if (pb_device_long_id(ann.pk, ann.pk_len, row.long_id) < 0)
                        return false;
        } else if (r < 0) {
                return false;
        }
        bool found = r == -ENOENT;
        row.seen = now;
        if (pb_store_own_device_put(a->store, &row) < 0 || !found)
                return false;
        pb_own_devices_changed(a);
        pb_account_sync_later(a); /* it learns what we know */
        inbox_again(a);
        *ret_found = ann.dev;
        return true;
}

struct each_ctx {
        pb_each_cb each;
        void *userdata;
};

static int each_row(const struct pb_own_device_row *d, void *userdata) {
        struct each_ctx *c = userdata;
        if (d->revoked)
                return 0;
        struct peerbook_device view = {
                .device_id = d->device,
                .long_id = d->long_id,
                .name = d->name,
                .this_device = false,
        };
        return c->each(&view, c->userdata);
}

int pb_own_devices_each(pb_account *a, pb_each_cb each, void *userdata) {
        struct peerbook_device self = {
                .device_id = a->device,
                .long_id = a->device_long_id,
                .name = a->device_name,
                .this_device = true,
        };
        int r = each(&self, userdata);
        if (r < 0 || !a->store)
                return r;
        struct each_ctx c = { each, userdata };
        return pb_store_own_devices(a->store, each_row, &c);
}
