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
#include "util.h"

bool pb_contact_active(const struct pb_contact_row *c) {
        return c->added > c->removed;
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
        int r = pb_store_contacts(a->store, load_one, a);
        for (size_t i = 0; r == 0 && i < a->n_contacts; i++)
                if (pb_contact_active(&a->contacts[i].row))
                        r = pb_contact_track(a, a->contacts[i].row.uri, true);
        return r;
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
        if (ret)
                *ret = c;
        return pb_contact_track(a, row->uri, pb_contact_active(row));
}

void pb_contact_queue_event(pb_account *a, enum peerbook_event_type type, const char *uri,
                            bool flag) {
        struct pb_item *it = pb_item_new(PB_ITEM_CONTACT, 0);
        if (!it)
                return;
        it->account_serial = a->serial;
        it->tag = type;
        it->flag = flag;
        pb_hash_from_hex(uri, &it->key);
        pb_queue_push(a->env.queue, it);
}

int pb_contact_track(pb_account *a, const char *uri, bool on) {
        pb_hash id;
        if (pb_hash_from_hex(uri, &id) < 0)
                return -EINVAL;
        struct pb_buddy *b = pb_buddy_find(a, &id);
        if (!on) {
                if (b && !b->subscribed)
                        pb_buddy_remove(a, b);
                else if (b)
                        b->contact = false;
                return 0;
        }
        if (!b) {
                int r = pb_buddy_add(a, &id, &b);
                if (r == -ENOMEM)
                        return r;
                if (!b)
                        return r;
        }
        b->contact = true;
        return 0;
}

/* ---- the API's operations ------------------------------------------------- */

static int normalize(const char *uri, char out[PEERBOOK_ID_SIZE]) {
        return uri && peerbook_uri_normalize(uri, out) == 0 ? 0 : -EINVAL;
}

static void to_public(const struct pb_contact_row *r, struct peerbook_contact *out) {
        memset(out, 0, sizeof(*out));
        memcpy(out->uri, r->uri, sizeof(out->uri));
        out->added = r->added > 0 ? (uint64_t)r->added : 0;
        out->removed = r->removed > 0 ? (uint64_t)r->removed : 0;
        out->confirmed = r->confirmed;
        out->banned = r->banned;
        snprintf(out->conversation_id, sizeof(out->conversation_id), "%s", r->conversation_id);
}

int pb_account_contact_get(pb_account *a, const char *uri, struct peerbook_contact *ret) {
        char id[PEERBOOK_ID_SIZE];
        if (normalize(uri, id) < 0)
                return -EINVAL;
        struct pb_contact *c = pb_contact_find(a, id);
        if (!c)
                return -ENOENT;
        to_public(&c->row, ret);
        return 0;
}

int pb_account_contact_list(pb_account *a, struct peerbook_contact **ret, size_t *ret_count) {
        struct peerbook_contact *list = calloc(a->n_contacts ? a->n_contacts : 1, sizeof(*list));
        if (!list)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < a->n_contacts; i++) {
                const struct pb_contact_row *r = &a->contacts[i].row;
                if (pb_contact_active(r) || r->banned)
                        to_public(r, &list[n++]);
        }
        *ret = list;
        *ret_count = n;
        return 0;
}

/* Removing drops the pending request with the contact, in one transaction. */
int pb_account_contact_remove(pb_account *a, const char *uri, bool ban) {
        char id[PEERBOOK_ID_SIZE];
        if (normalize(uri, id) < 0 || !strcmp(id, a->id)) /* never ban ourselves */
                return -EINVAL;
        if (!a->store)
                return -EIO;
        struct pb_contact *c = pb_contact_find(a, id);
        struct pb_contact_row row = { .added = 0 };
        if (c)
                row = c->row;
        else if (!ban)
                return -ENOENT;
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
        if ((had < 0 && had != -ENOENT) || (r = pb_contact_save(a, &row, NULL, 0, NULL)) < 0 ||
            (r = pb_store_commit(a->store)) < 0) {
                pb_store_rollback(a->store);
                return had < 0 && had != -ENOENT ? had : r;
        }
        if (had == 0 && a->n_pending)
                a->n_pending--;
        pb_contact_queue_event(a, PEERBOOK_EVENT_CONTACT_REMOVED, id, ban);
        return 0;
}
