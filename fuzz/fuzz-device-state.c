/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-device-state.c — peerbook's signed ["peerbook/ds", ...] array. */
#include <errno.h>

#include "fuzz.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct pb_device_state s, t;
        uint8_t *buf;
        size_t len;

        int r = pb_device_state_decode(data, size, &s);
        FUZZ_CHECK(r == 0 || r == -EBADMSG);
        if (r < 0)
                return 0;

        FUZZ_CHECK(pb_device_state_encode(&s, &buf, &len) == 0);
        FUZZ_CHECK(pb_device_state_decode(buf, len, &t) == 0);
        FUZZ_CHECK(pb_hash_equal(&s.dev, &t.dev));
        FUZZ_CHECK(s.seq == t.seq && s.online == t.online);
        free(buf);
        return 0;
}
