/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * contacts.c — the contact list: Jami's record {added, removed, confirmed,
 * banned, conversationId}, active while added > removed. The database is
 * the truth; the account keeps a sorted copy in memory for the checks that
 * every incoming request needs. A change is saved (one transaction) before
 * the call that made it returns, then its event is queued.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account-internal.h"
#include "contacts.h"
#include "util.h"

bool pb_contact_active(const struct pb_contact_row *c) {
        return c->added > c->removed;
}

bool pb_contact_trusted(const pb_account *a, const pb_hash *account) {
        char uri[PEERBOOK_ID_SIZE];
        pb_hash_to_hex(account, uri);
        const struct pb_contact *c = pb_contact_find(a, uri);
        return c && pb_contact_active(&c->row) && !c->row.banned;
}

/* Index of uri, or of where it would go (*found = false). */
static size_t position(const pb_account *a, const char *uri, bool *found) {
        size_t lo = 0, hi = a->n_contacts;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int c = strcmp(a->contacts[mid].row.uri, uri);
                if (c == 0) {
                        *found = true;
                        return mid;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;
        return lo;
}

struct pb_contact *pb_contact_find(const pb_account *a, const char *uri) {
        bool found;
        size_t i = position(a, uri, &found);
        return found ? &a->contacts[i] : NULL;
}

static struct pb_contact *insert(pb_account *a, const struct pb_contact_row *row) {
        bool found;
        size_t i = position(a, row->uri, &found);
        if (found) {
                a->contacts[i].row = *row;
                return &a->contacts[i];
        }
        if (a->n_contacts == a->cap_contacts) {
                size_t cap = a->cap_contacts ? a->cap_contacts * 2 : 16;
                struct pb_contact *n = realloc(a->contacts, cap * sizeof(*n));
                if (!n)
                        return NULL;
                a->contacts = n;
                a->cap_contacts = cap;
        }
        memmove(&a->contacts[i + 1], &a->contacts[i], (a->n_contacts - i) * sizeof(*a->contacts));
        a->n_contacts++;
        a->contacts[i] = (struct pb_contact){ .row = *row };
        return &a->contacts[i];
}

static int load_one(const struct pb_contact_row *row, void *userdata) {
        pb_account *a = userdata;
        return insert(a, row) ? 0 : -ENOMEM;
}

int pb_contacts_load(pb_account *a) {
        return pb_store_contacts(a->store, load_one, a);
}

void pb_contacts_free(pb_account *a) {
        free(a->contacts);
        a->contacts = NULL;
        a->n_contacts = a->cap_contacts = 0;
}

int pb_contact_save(pb_account *a, const struct pb_contact_row *row, const uint8_t *payload,
                    size_t payload_len, struct pb_contact **ret) {
        int r = pb_store_contact_put(a->store, row, payload, payload_len);
        if (r < 0)
                return r;
        struct pb_contact *c = insert(a, row);
        if (!c)
                return -ENOMEM;
        pb_account_sync_later(a); /* our other devices learn it */
        if (ret)
                *ret = c;
        return 0;
}

void pb_contact_queue_event(pb_account *a, enum peerbook_event_type type, const char *uri,
                            bool flag) {
        struct pb_item *it = pb_account_item(a, PB_ITEM_CONTACT, 0);
        if (!it)
                return;
        it->tag = type;
        it->flag = flag;
        pb_hash_from_hex(uri, &it->key);
        pb_queue_push(a->env.queue, it);
}

void pb_contact_emit(pb_account *a, const struct pb_item *it) {
        char uri[PEERBOOK_ID_SIZE];
        pb_hash_to_hex(&it->key, uri);
        struct peerbook_event ev = {
                .type = it->tag,
                .account_id = a->id,
                .contact = { .uri = uri,
                             .confirmed = it->tag == PEERBOOK_EVENT_CONTACT_ADDED && it->flag,
                             .banned = it->tag == PEERBOOK_EVENT_CONTACT_REMOVED && it->flag },
        };
        pb_account_emit(a, &ev);
}

/* ---- the API's operations ------------------------------------------------- */

/* A view borrowing the row's strings. */
static void to_public(const struct pb_contact_row *r, struct peerbook_contact *out) {
        *out = (struct peerbook_contact){
                .uri = r->uri,
                .added = r->added > 0 ? (uint64_t)r->added : 0,
                .removed = r->removed > 0 ? (uint64_t)r->removed : 0,
                .confirmed = r->confirmed,
                .banned = r->banned,
                .conversation_id = r->conversation_id,
        };
}

int pb_account_contact_get(pb_account *a, const char *uri, struct peerbook_contact *ret) {
        char id[PEERBOOK_ID_SIZE];
        if (peerbook_uri_normalize(uri, id) < 0)
                return -EINVAL;
        struct pb_contact *c = pb_contact_find(a, id);
        if (!c)
                return -ENOENT;
        to_public(&c->row, ret);
        return 0;
}

int pb_account_contact_list(pb_account *a, pb_each_cb each, void *userdata) {
        int r = 0;
        for (size_t i = 0; r == 0 && i < a->n_contacts; i++) {
                const struct pb_contact_row *row = &a->contacts[i].row;
                struct peerbook_contact view;
                if (pb_contact_active(row) || row->banned) {
                        to_public(row, &view);
                        r = each(&view, userdata);
                }
        }
        return r;
}
