/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * own_devices.c — what the devices of our own account share whoever lists
 * them (own_devices_self.c for now): long IDs and the change event.
 */
#include <errno.h>
#include <gnutls/crypto.h>

#include "account-internal.h"
#include "own_devices.h"

int pb_device_long_id(const uint8_t *der, size_t len, char ret[PB_LONG_ID_SIZE]) {
        static const char hex[] = "0123456789abcdef";
        uint8_t digest[32];
        if (!der || !len || gnutls_hash_fast(GNUTLS_DIG_SHA256, der, len, digest) < 0)
                return -EINVAL;
        for (size_t i = 0; i < sizeof(digest); i++) {
                ret[2 * i] = hex[digest[i] >> 4];
                ret[2 * i + 1] = hex[digest[i] & 15];
        }
        ret[PEERBOOK_LONG_ID_LEN] = 0;
        return 0;
}

void pb_own_devices_changed(pb_account *a) {
        struct pb_item *it = pb_account_item(a, PB_ITEM_DEVICES, 0);
        if (it)
                pb_queue_push(a->env.queue, it);
}
