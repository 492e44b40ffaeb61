/* SPDX-License-Identifier: GPL-3.0-or-later */
/* contact_merge.c — the merge rule of contact_merge.h. */
#include "contact_merge.h"

#include <string.h>

static int64_t latest(const struct pb_contact_row *c) {
        return c->added > c->removed ? c->added : c->removed;
}

static bool active(const struct pb_contact_row *c) {
        return c->added > c->removed;
}

static bool banned(const struct pb_contact_row *c) {
        return !active(c) && c->banned;
}

unsigned pb_contact_merge(struct pb_contact_row *mine, const struct pb_contact_row *theirs) {
        const struct pb_contact_row old = *mine;
        int64_t change = latest(mine) > latest(theirs) ? latest(mine) : latest(theirs);

        if (theirs->added > mine->added ||
            (theirs->added == mine->added &&
             strcmp(theirs->conversation_id, mine->conversation_id) > 0)) {
                mine->added = theirs->added;
                memcpy(mine->conversation_id, theirs->conversation_id,
                       sizeof(mine->conversation_id));
        }
        if (theirs->removed > mine->removed) {
                mine->removed = theirs->removed;
                mine->banned = theirs->banned;
        } else if (theirs->removed == mine->removed)
                mine->banned = mine->banned || theirs->banned;
        mine->confirmed = (latest(&old) == change && old.confirmed) ||
                          (latest(theirs) == change && theirs->confirmed);

        unsigned flags = 0;
        if (active(mine) != active(&old))
                flags |= PB_MERGE_ACTIVE;
        if (banned(mine) != banned(&old))
                flags |= PB_MERGE_BANNED;
        if (mine->confirmed != old.confirmed)
                flags |= PB_MERGE_CONFIRMED;
        if (strcmp(mine->conversation_id, old.conversation_id))
                flags |= PB_MERGE_CONVERSATION;
        if (flags || mine->added != old.added || mine->removed != old.removed ||
            mine->banned != old.banned)
                flags |= PB_MERGE_ANY;
        return flags;
}
