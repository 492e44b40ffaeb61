/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-lan.c — a LAN discovery packet (lan_wire.c), as anyone on the LAN
 * may send to port 8888: what decodes re-encodes to a packet that decodes
 * to the same message. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "lan_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct pb_lan_msg m, again;
        int r = pb_lan_decode(data, size, &m);
        FUZZ_CHECK(r == 0 || r == -EBADMSG || r == -ENOMEM);
        if (r < 0 || (!m.query && !m.has_dht && !m.has_jami))
                return 0;
        FUZZ_CHECK(strlen(m.name) < sizeof(m.name));
        uint8_t buf[PB_LAN_PACKET_MAX];
        int len = pb_lan_encode(&m, buf, sizeof(buf));
        FUZZ_CHECK(len > 0);
        FUZZ_CHECK(pb_lan_decode(buf, (size_t)len, &again) == 0);
        FUZZ_CHECK(again.query == m.query && again.has_dht == m.has_dht &&
                   again.has_jami == m.has_jami && again.port == m.port &&
                   again.network == m.network && !strcmp(again.name, m.name) &&
                   pb_hash_equal(&again.node, &m.node) &&
                   pb_hash_equal(&again.account, &m.account));
        return 0;
}
