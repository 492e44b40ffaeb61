/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-announcement.c — Jami's DeviceAnnouncement, as read from the DHT. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct pb_announcement a, b;
        uint8_t *buf;
        size_t len;

        int r = pb_announcement_decode(data, size, &a);
        FUZZ_CHECK(r == 0 || r == -EBADMSG);
        if (r < 0)
                return 0;

        /* Whatever we accept, we can say again, and read back the same. */
        FUZZ_CHECK(a.pk_len <= PB_PUBKEY_MAX);
        FUZZ_CHECK(pb_announcement_encode(&a.dev, a.pk, a.pk_len, &buf, &len) == 0);
        FUZZ_CHECK(pb_announcement_decode(buf, len, &b) == 0);
        FUZZ_CHECK(pb_hash_equal(&a.dev, &b.dev));
        FUZZ_CHECK(a.pk_len == b.pk_len && memcmp(a.pk, b.pk, a.pk_len) == 0);
        free(buf);
        return 0;
}
