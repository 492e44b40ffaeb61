/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cert_lookup.h — looks up a device's certificate on the DHT
 * (pb_node_find_device_cert(), on OpenDHT's threads) for an account; the
 * outcome comes back on the owner thread as a PB_ITEM_CERT with the given
 * tag (0: trust.c's, PB_TAG_REVOKE*: revoke.c's), its data the checked
 * struct pb_device_cert. -ENOTCONN without a node.
 */
#pragma once

#include <stdint.h>

#include "account-types.h"
#include "dht/dht.h"

int pb_cert_lookup(pb_account *a, const pb_hash *device, uint32_t tag);
