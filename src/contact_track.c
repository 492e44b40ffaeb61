/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "contact_track.h"

#include "account-internal.h"
#include "buddy.h"
#include "channels.h"
#include "util.h"

int pb_contact_save_tracked(pb_account *a, const struct pb_contact_row *row, const uint8_t *payload,
                            size_t payload_len, struct pb_contact **ret) {
        int r = pb_contact_save(a, row, payload, payload_len, ret);
        pb_hash id;
        if (r == 0 && (!pb_contact_active(row) || row->banned) &&
            pb_hash_from_hex(row->uri, &id) == 0)
                pb_channels_contact_gone(a, &id);
        return r < 0 ? r : pb_buddy_track_contact(a, row->uri, pb_contact_active(row));
}
