/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * revoke.h — revoking our own account's devices, and learning revocations
 * on our account's hash (docs/architecture.md, "Revocation").
 *
 * The account's list is account.crl in the account folder (crl.h): made
 * here with the account key when the user revokes a device, or pinned when
 * a newer list signed by the account certificate shows up on the account's
 * hash (another device revoked one). It is put there, permanent and
 * unsigned as Jami puts it, at each start and after each revocation.
 * Revocation lists name certificate serials, and our other devices are
 * known by their public keys: their certificates are looked up on the DHT
 * (once per device and list) to learn their serials.
 */
#pragma once

#include <stdbool.h>

#include "account-types.h"
#include "dht/dht.h"

struct pb_item;
struct pb_value_view;

/* Starts revoking `device` (40-hex device ID or 64-hex long ID, a device
 * of ours other than this one) with the account password: checked here
 * (-EKEYREJECTED, nothing changes), then the device's certificate is looked
 * up and the outcome reported by a PEERBOOK_EVENT_DEVICE_REVOKED. -ENOENT
 * not a device of ours known here, -EPERM this device, -EALREADY a revocation
 * under way, -ENOTCONN the account does not run. */
int pb_revoke_start(pb_account *a, const char *password, const char *device);
/* A certificate look-up this module asked for ended (PB_ITEM_CERT with a
 * PB_TAG_REVOKE or PB_TAG_REVOKED_CHECK tag). */
void pb_revoke_handle_cert(pb_account *a, const struct pb_item *item);

/* Reads the pinned list at load: true when it revokes this device. */
bool pb_revoke_load(pb_account *a);
/* Puts the list on the account's hash (nothing without one), and checks
 * our other devices against it. */
void pb_revoke_publish(pb_account *a);
/* An unsigned value on our account's hash: 1 when it was a revocation list
 * (pinned when signed by our account and newer), 0 when not one at all;
 * -EPERM a list not signed by our account (the caller counts it). */
int pb_revoke_handle_value(pb_account *a, const struct pb_value_view *v);
/* A device of ours just found: checked against the list, if any. */
void pb_revoke_check_device(pb_account *a, const pb_hash *device);
void pb_revoke_free(pb_account *a);

/* An unsigned value on another account's hash (a buddy's): 1 when it was a
 * revocation list (pinned once checked against that account's certificate,
 * learned from one of its devices' chains; a forged one is counted), 0
 * when not one. */
int pb_revoke_peer_value(pb_account *a, const pb_hash *peer, const struct pb_value_view *v);
/* A device of another account appeared: checked against its list. */
void pb_revoke_peer_device(pb_account *a, const pb_hash *peer, const pb_hash *dev);
