/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * contacts.h — the contact list (contacts.c): Jami's record, in memory and
 * in the store. Tracking a contact's presence is the caller's business
 * (pb_buddy_track_contact()).
 */
#pragma once

#include <stdbool.h>

#include "account-types.h"
#include "store.h"

struct pb_contact {
        struct pb_contact_row row; /* contacts.c */
        uint64_t next_resend;      /* trust.c: pb_now_ms() when a re-send is allowed */
        unsigned backoff_s;        /* trust.c */
};

int pb_contacts_load(pb_account *a);
void pb_contacts_free(pb_account *a);
struct pb_contact *pb_contact_find(const pb_account *a, const char *uri);
bool pb_contact_active(const struct pb_contact_row *c);
/* Whether `account` is an active, non-banned contact: who may have a
 * direct channel with us (channels.c, rendezvous.c). */
bool pb_contact_trusted(const pb_account *a, const pb_hash *account);
/* Saves the row (inserting the contact when new). */
int pb_contact_save(pb_account *a, const struct pb_contact_row *row, const uint8_t *payload,
                    size_t payload_len, struct pb_contact **ret);
/* Queues a contact event, reported by pb_contact_emit() from the next process. */
void pb_contact_queue_event(pb_account *a, enum peerbook_event_type type, const char *uri,
                            bool flag);
void pb_contact_emit(pb_account *a, const struct pb_item *item);

/* The API's contact list and one contact (a view, borrowed until the
 * contacts change). */
int pb_account_contact_list(pb_account *a, pb_each_cb each, void *userdata);
int pb_account_contact_get(pb_account *a, const char *uri, struct peerbook_contact *ret);
