/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * peer_crl.h — the revocation lists pinned for other accounts, and the set
 * of devices known revoked (of any account, ours included), kept in the
 * account folder under crls/:
 *   <account>.crl  the newest list seen on that account's hash that its
 *                  account certificate signed
 *   <account>.crt  that certificate (DER), from one of its devices' chains
 *   revoked.bin    the IDs of devices found on a list (20 bytes each), so
 *                  that a restart refuses them before any look-up
 * revoke.c decides what goes in; buddy.c, trust.c and channels.c ask
 * pb_revoked_device() before they count, accept or write to a device.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "account-types.h"
#include "dht/dht.h"

#define PB_REVOKED_MAX 1024 /* devices remembered revoked, per account */

/* Reads revoked.bin (none: an empty set). */
int pb_revoked_load(pb_account *a);
void pb_revoked_free(pb_account *a);
bool pb_revoked_device(const pb_account *a, const pb_hash *dev);
/* Adds a device to the set and saves it; 1 when it was not there. */
int pb_revoked_add(pb_account *a, const pb_hash *dev);

/* The account certificate kept for `peer` (*ret malloc()ed DER);
 * -ENOENT none yet. */
int pb_peer_crl_cert(const pb_account *a, const pb_hash *peer, uint8_t **ret, size_t *ret_len);
int pb_peer_crl_set_cert(pb_account *a, const pb_hash *peer, const uint8_t *der, size_t len);
/* Pins der for `peer` when its certificate signed it (-EPERM otherwise,
 * -EBADMSG malformed) and it is newer than the pinned one: 1 when pinned,
 * 0 when not newer. */
int pb_peer_crl_pin(pb_account *a, const pb_hash *peer, const uint8_t *der, size_t len,
                    const uint8_t *cert, size_t cert_len);
/* Whether the list pinned for `peer` names this certificate serial. */
bool pb_peer_crl_lists(const pb_account *a, const pb_hash *peer, const uint8_t *serial, size_t len);
