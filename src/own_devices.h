/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * own_devices.h — the devices of our own account (this one and the others
 * that share its account key), as peerbook_device_list() gives them.
 *
 * The others are found by their announcements on the account's hash
 * (own_devices.c). context.c makes the API's list from the walk.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "account-types.h"

#define PB_LONG_ID_SIZE (PEERBOOK_LONG_ID_LEN + 1)

/* Calls each() with a struct peerbook_device view (pointers borrowed for the
 * call) for every device of the account known here, this one included; a
 * negative return stops the walk and is returned. */
int pb_own_devices_each(pb_account *a, pb_each_cb each, void *userdata);

/* Listens on our account's hash for the announcements of its devices (once
 * the node runs); the node's end ends the listen. */
int pb_own_devices_listen(pb_account *a);
void pb_own_devices_node_gone(pb_account *a);
/* A signed value seen there (PB_TAG_OWN_DEVICES; account.c hands unsigned
 * ones, revocation lists, to revoke.c first): a device of ours is saved and
 * reported, true with its ID when it is new; a forgery is dropped and
 * counted. */
bool pb_own_devices_handle_value(pb_account *a, const struct pb_item *item, pb_hash *ret_found);

/* The list changed (a rename, a device found or dropped): queues a
 * PEERBOOK_EVENT_DEVICES_CHANGED, reported from the next
 * peerbook_ctx_process(). */
void pb_own_devices_changed(pb_account *a);

/* A device's long ID (Jami's): the SHA-256 of its DER public key
 * (SubjectPublicKeyInfo), in lowercase hex. -EINVAL for an empty key. */
int pb_device_long_id(const uint8_t *der, size_t len, char ret[PB_LONG_ID_SIZE]);
