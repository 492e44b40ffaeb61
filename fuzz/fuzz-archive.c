/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-archive.c — an exported account file, as a user might be handed. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "wire.h"

/* Two 32 KB structs: static, not on libFuzzer's stack. */
static struct pb_archive a, b;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        uint8_t *buf;
        size_t len;

        int r = pb_archive_decode(data, size, &a);
        FUZZ_CHECK(r == 0 || r == -EBADMSG);
        if (r < 0)
                return 0;

        FUZZ_CHECK(a.key_len <= PB_ARCHIVE_FIELD_MAX && a.cert_len <= PB_ARCHIVE_FIELD_MAX);
        FUZZ_CHECK(strlen(a.alias) < sizeof(a.alias));
        FUZZ_CHECK(pb_archive_encode(&a, &buf, &len) == 0);
        FUZZ_CHECK(pb_archive_decode(buf, len, &b) == 0);
        FUZZ_CHECK(strcmp(a.alias, b.alias) == 0);
        FUZZ_CHECK(a.key_len == b.key_len && memcmp(a.key, b.key, a.key_len) == 0);
        FUZZ_CHECK(a.cert_len == b.cert_len && memcmp(a.cert, b.cert, a.cert_len) == 0);
        free(buf);
        return 0;
}
