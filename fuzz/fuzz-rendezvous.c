/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-rendezvous.c — the rendezvous value {id, addrs, answer}: what it
 * accepts holds only usable addresses and survives re-encoding. */
#include <errno.h>

#include "fuzz.h"
#include "netaddr.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct pb_rendezvous a, b;
        uint8_t *buf;
        size_t len;

        int r = pb_rendezvous_decode(data, size, &a);
        FUZZ_CHECK(r == 0 || r == -EBADMSG);
        if (r < 0)
                return 0;

        FUZZ_CHECK(a.id != 0 && a.n_addrs <= PB_RDV_ADDRS_MAX);
        for (unsigned i = 0; i < a.n_addrs; i++)
                FUZZ_CHECK(pb_addr_usable((const struct sockaddr *)&a.addrs[i]));
        FUZZ_CHECK(pb_rendezvous_encode(&a, &buf, &len) == 0);
        FUZZ_CHECK(len <= PB_RDV_MAX);
        FUZZ_CHECK(pb_rendezvous_decode(buf, len, &b) == 0);
        FUZZ_CHECK(a.id == b.id && a.answer == b.answer && a.n_addrs == b.n_addrs);
        for (unsigned i = 0; i < a.n_addrs; i++)
                FUZZ_CHECK(pb_addr_equal((const struct sockaddr *)&a.addrs[i],
                                         (const struct sockaddr *)&b.addrs[i]));
        free(buf);
        return 0;
}
