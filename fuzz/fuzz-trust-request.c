/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-trust-request.c — Jami's TrustRequest; the decoder allocates the
 * payload, so LeakSanitizer watches every error path. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct pb_trust_request a, b;
        uint8_t *buf;
        size_t len;

        int r = pb_trust_request_decode(data, size, &a);
        /* -ENOMEM is in the contract: the payload is malloc()ed. */
        FUZZ_CHECK(r == 0 || r == -EBADMSG || r == -ENOMEM);
        if (r < 0)
                return 0;

        FUZZ_CHECK(a.payload_len <= PB_PAYLOAD_MAX);
        FUZZ_CHECK(a.payload_len == 0 || a.payload);
        FUZZ_CHECK(strlen(a.service) < sizeof(a.service));
        FUZZ_CHECK(strlen(a.conversation_id) < sizeof(a.conversation_id));
        FUZZ_CHECK(pb_trust_request_encode(&a, &buf, &len) == 0);
        FUZZ_CHECK(pb_trust_request_decode(buf, len, &b) == 0);
        FUZZ_CHECK(strcmp(a.service, b.service) == 0);
        FUZZ_CHECK(strcmp(a.conversation_id, b.conversation_id) == 0);
        FUZZ_CHECK(a.confirm == b.confirm && a.payload_len == b.payload_len);
        FUZZ_CHECK(a.request_id == b.request_id);
        FUZZ_CHECK(a.payload_len == 0 || memcmp(a.payload, b.payload, a.payload_len) == 0);
        free(buf);
        free(a.payload);
        free(b.payload);
        return 0;
}
