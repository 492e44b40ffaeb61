/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * contact_track.h — a contact's record saved with what follows from it: an
 * active contact is a tracked buddy (buddy.c), and one removed or banned
 * loses its direct channels at once (channels.c). The API's operations
 * (requests.c) and our other devices' syncs (sync.c) both change contacts
 * this way.
 */
#pragma once

#include "account-types.h"
#include "contacts.h"

int pb_contact_save_tracked(pb_account *a, const struct pb_contact_row *row, const uint8_t *payload,
                            size_t payload_len, struct pb_contact **ret);
