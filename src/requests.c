/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * requests.c — what the API does with trust requests and contacts: send a
 * request, list the pending ones, accept, discard, add a contact, remove one.
 * Each change is saved in one transaction before the call returns; its
 * events are queued. An active contact is a tracked buddy: these operations
 * start and stop the tracking (buddy.c), the contact list does not.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "requests.h"

#include "account-internal.h"
#include "contact_track.h"
#include "contacts.h"
#include "devices.h"
#include "trust.h"
#include "util.h"
#include "wire.h"

/* A fresh conversation id: 40 hex digits, as Jami's are. */
static void new_conversation_id(char out[128]) {
        uint64_t r[3] = { pb_random_u64(), pb_random_u64(), pb_random_u64() };
        pb_hash h = pb_hash_of(r, sizeof(r));
        pb_hash_to_hex(&h, out);
}

/* The record of a contact being (re-)added now: a ban is lifted, and added
 * moves past removed so that the contact is active. */
static struct pb_contact_row added_row(const struct pb_contact *c, const char *uri) {
        struct pb_contact_row row = { .added = 0 };
        if (c)
                row = c->row;
        snprintf(row.uri, sizeof(row.uri), "%s", uri);
        if (!pb_contact_active(&row)) {
                int64_t now = (int64_t)time(NULL);
                row.added = now > row.removed ? now : row.removed + 1;
                row.confirmed = false;
        }
        row.banned = false;
        if (!row.conversation_id[0])
                new_conversation_id(row.conversation_id);
        return row;
}

int pb_account_request_send(pb_account *a, const char *to, const uint8_t *payload, size_t len) {
        char id[PEERBOOK_ID_SIZE];
        if (peerbook_uri_normalize(to, id) < 0 || (len && !payload) || !strcmp(id, a->id))
                return -EINVAL;
        if (len > PEERBOOK_PAYLOAD_MAX)
                return -EMSGSIZE;
        if (!a->store)
                return -EIO;
        struct pb_contact *c = pb_contact_find(a, id);
        struct pb_contact_row row = added_row(c, id);
        row.request_id = pb_random_u64() | 1; /* a new request, not a re-send */
        int r = pb_contact_save_tracked(a, &row, payload ? payload : (const uint8_t *)"", len, &c);
        if (r < 0)
                return r;
        pb_contact_queue_event(a, PEERBOOK_EVENT_CONTACT_ADDED, id, row.confirmed);
        pb_trust_request_new(a, c);
        return 0;
}

struct each_ctx {
        pb_each_cb each;
        void *userdata;
};

/* A view of the row, borrowed for the store's callback. */
static int view_request(const struct pb_request_row *row, void *userdata) {
        struct each_ctx *ec = userdata;
        struct peerbook_trust_request view = {
                .from = row->sender,
                .received = row->received > 0 ? (uint64_t)row->received : 0,
                .conversation_id = row->conversation_id,
                .payload = row->payload_len ? row->payload : NULL,
                .payload_len = row->payload_len,
        };
        return ec->each(&view, ec->userdata);
}

int pb_account_request_list(pb_account *a, pb_each_cb each, void *userdata) {
        if (!a->store)
                return -EIO;
        struct each_ctx ec = { .each = each, .userdata = userdata };
        return pb_store_requests(a->store, NULL, view_request, &ec);
}

struct pending_ctx {
        bool found;
        char fingerprint[41];
        char conversation_id[128];
        struct pb_known_device device;
        uint8_t pk[PB_PUBKEY_MAX];
};

static int read_pending(const struct pb_request_row *row, void *userdata) {
        struct pending_ctx *p = userdata;
        p->found = true;
        memcpy(p->fingerprint, row->fingerprint, sizeof(p->fingerprint));
        snprintf(p->conversation_id, sizeof(p->conversation_id), "%s", row->conversation_id);
        if (pb_hash_from_hex(row->device, &p->device.id) == 0 && row->device_pk_len &&
            row->device_pk_len <= sizeof(p->pk)) {
                memcpy(p->pk, row->device_pk, row->device_pk_len);
                p->device.pk = p->pk;
                p->device.pk_len = row->device_pk_len;
        }
        return 0;
}

/* Finds `from`'s pending request: -EINVAL for a malformed id, -ENOENT for none. */
static int find_pending(pb_account *a, const char *from, char id[PEERBOOK_ID_SIZE],
                        struct pending_ctx *p) {
        if (peerbook_uri_normalize(from, id) < 0)
                return -EINVAL;
        if (!a->store)
                return -EIO;
        *p = (struct pending_ctx){ .found = false };
        int r = pb_store_requests(a->store, id, read_pending, p);
        if (r < 0)
                return r;
        return p->found ? 0 : -ENOENT;
}

/* Accepting: the request goes, the contact is confirmed, in one transaction;
 * then the confirmation is sent to the device that asked and to the others. */
int pb_account_request_accept(pb_account *a, const char *from) {
        char id[PEERBOOK_ID_SIZE];
        struct pending_ctx p;
        int r = find_pending(a, from, id, &p);
        if (r < 0)
                return r;
        struct pb_contact_row row = added_row(pb_contact_find(a, id), id);
        row.confirmed = true;
        if (p.conversation_id[0])
                snprintf(row.conversation_id, sizeof(row.conversation_id), "%s", p.conversation_id);
        if ((r = pb_store_begin(a->store)) < 0)
                return r;
        if ((r = pb_store_request_delete(a->store, id)) < 0 ||
            (r = pb_contact_save_tracked(a, &row, NULL, 0, NULL)) < 0 ||
            (r = pb_store_commit(a->store)) < 0) {
                pb_store_rollback(a->store);
                return r;
        }
        pb_contact_queue_event(a, PEERBOOK_EVENT_CONTACT_ADDED, id, true);
        pb_hash hid;
        struct pb_peer *peer =
                pb_hash_from_hex(id, &hid) == 0 ? pb_devices_find_peer(a, &hid) : NULL;
        if (peer && p.device.pk_len)
                pb_devices_learn(a, peer, &p.device.id, p.device.pk, p.device.pk_len, true);
        if (peer)
                pb_trust_send(a, id, true, NULL);
        else if (p.device.pk_len)
                pb_trust_send(a, id, true, &p.device);
        return 0;
}

/* Discarding forgets the request but remembers its fingerprint, so that the
 * sender's automatic re-sends stay silent; a new request will be shown. */
int pb_account_request_discard(pb_account *a, const char *from) {
        char id[PEERBOOK_ID_SIZE];
        struct pending_ctx p;
        int r = find_pending(a, from, id, &p);
        if (r < 0)
                return r;
        if ((r = pb_store_begin(a->store)) < 0)
                return r;
        if ((r = pb_store_request_delete(a->store, id)) < 0 ||
            (r = pb_store_discarded_add(a->store, id, p.fingerprint, (int64_t)time(NULL))) < 0 ||
            (r = pb_store_commit(a->store)) < 0) {
                pb_store_rollback(a->store);
                return r;
        }
        return 0;
}

/* Adding a contact accepts its pending request if there is one; otherwise it
 * asks, with an empty payload, as Jami's addContact starts a conversation. */
int pb_account_contact_add(pb_account *a, const char *uri) {
        char id[PEERBOOK_ID_SIZE];
        if (peerbook_uri_normalize(uri, id) < 0 || !strcmp(id, a->id))
                return -EINVAL;
        int r = pb_account_request_accept(a, id);
        if (r != -ENOENT)
                return r;
        struct pb_contact *c = pb_contact_find(a, id);
        if (c && pb_contact_active(&c->row) && !c->row.banned)
                return 0; /* already a contact */
        return pb_account_request_send(a, id, NULL, 0);
}

/* Removing drops the pending request with the contact, in one transaction. */
int pb_account_contact_remove(pb_account *a, const char *uri, bool ban) {
        char id[PEERBOOK_ID_SIZE];
        if (peerbook_uri_normalize(uri, id) < 0 || !strcmp(id, a->id)) /* never ban ourselves */
                return -EINVAL;
        if (!a->store)
                return -EIO;
        struct pb_contact *c = pb_contact_find(a, id);
        struct pb_contact_row row = { .added = 0 };
        if (c)
                row = c->row;
        else if (!ban)
                return 0; /* no contact, as asked (peerbook.h: repeated operations) */
        snprintf(row.uri, sizeof(row.uri), "%s", id);
        row.removed = (int64_t)time(NULL);
        if (row.removed <= row.added)
                row.removed = row.added + 1; /* removed now means inactive now */
        row.confirmed = false;
        row.banned = ban;
        int r = pb_store_begin(a->store);
        if (r < 0)
                return r;
        int had = pb_store_request_delete(a->store, id);
        if ((had < 0 && had != -ENOENT) ||
            (r = pb_contact_save_tracked(a, &row, NULL, 0, NULL)) < 0 ||
            (r = pb_store_commit(a->store)) < 0) {
                pb_store_rollback(a->store);
                return had < 0 && had != -ENOENT ? had : r;
        }
        pb_contact_queue_event(a, PEERBOOK_EVENT_CONTACT_REMOVED, id, ban);
        return 0;
}
