/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-pubkey.c — a DER public key, as carried in a DeviceAnnouncement's pk;
 * parsed by GnuTLS through OpenDHT. */
#include <errno.h>

#include "dht/dht.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        pb_hash h, again;
        /* A zero-length input still needs a non-NULL pointer: NULL is -EINVAL. */
        static const uint8_t empty[1];
        const uint8_t *der = size ? data : empty;

        int r = pb_pubkey_id(der, size, &h);
        FUZZ_CHECK(r == 0 || r == -EBADMSG);
        if (r == 0) {
                /* The id is a function of the bytes. */
                FUZZ_CHECK(pb_pubkey_id(der, size, &again) == 0);
                FUZZ_CHECK(pb_hash_equal(&h, &again));
        }
        return 0;
}
