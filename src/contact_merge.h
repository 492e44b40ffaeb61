/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * contact_merge.h — merging what another device of the account says about a
 * contact into ours (Jami's Contact::update).
 *
 * Jami 2023 (jami_contact.h:71-89 at jami-daemon cbca28f59b) merges field by
 * field: a newer `added` wins with its conversationId, a newer `removed` wins
 * with its `banned`, `confirmed` is OR-ed, and an empty conversationId takes
 * the other's when the other row is active. Two devices that merge each
 * other's rows in opposite orders can end up different there: on equal
 * `added` each keeps its own conversationId, on equal `removed` its own ban,
 * and OR-ing `confirmed` lets a stale row confirm a contact removed and added
 * again since (a removal clears it: contact_list.cpp:116-118).
 *
 * peerbook's rule is Jami's with those three points made order-free, so that
 * the merge is a join (commutative, associative, idempotent: any devices that
 * saw the same rows hold the same record, whatever the order or repetition):
 *   - added = the larger; conversationId = the one of the row with the larger
 *     added, and on equal added the greater string (an empty one is the
 *     least, so a conversation id made after the contact was added is never
 *     lost to a copy without it);
 *   - removed = the larger; banned = the one of the row with the larger
 *     removed, and on equal removed true if either says so (a ban is never
 *     lost to a removal in the same second);
 *   - confirmed belongs to the latest change, max(added, removed): true if a
 *     row of that latest change says so; an older row confirms nothing.
 *   - Jami's "take the other's conversationId when ours is empty and theirs
 *     is active", even from an older row, is left out: it depends on the
 *     order of merges (the result would not be a join).
 * A Jami 2023 device agrees wherever its own rule is order-free: the rows
 * differ in added and in removed, or agree on the tied field. Where it is
 * not, it keeps its own value and so may differ from us, as it would from
 * another Jami device (ties need two changes of one contact in one second).
 * The one other difference: a Jami device ORs a stale confirmation in and,
 * when it next syncs, sends it back; we then take it (same change, true).
 *
 * Times are seconds, not negative (device_sync.c refuses negative ones), so
 * a row of zeros with the contact's uri is the starting point for a contact
 * not known yet: merging into it gives theirs.
 */
#pragma once

#include "store.h"

/* What changed in *mine; PB_MERGE_ANY also for a time alone (save the row). */
enum {
        PB_MERGE_ACTIVE = 1 << 0,       /* added > removed changed: contactAdded/Removed */
        PB_MERGE_BANNED = 1 << 1,       /* banned while inactive changed */
        PB_MERGE_CONFIRMED = 1 << 2,    /* confirmed changed */
        PB_MERGE_CONVERSATION = 1 << 3, /* conversation_id changed */
        PB_MERGE_ANY = 1 << 4,          /* any stored field changed */
};

/* Merges theirs into mine (uri and request_id of mine untouched) and returns
 * the PB_MERGE_* flags of what changed, 0 for nothing. */
unsigned pb_contact_merge(struct pb_contact_row *mine, const struct pb_contact_row *theirs);
