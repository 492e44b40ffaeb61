/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-identity.c — a private key and certificate, as read from an archive.
 *
 * Input layout: 2 bytes big-endian key length, 1 flag byte (bit 0: use the
 * corpus password, else none), the key, then the certificate (the rest).
 * make-corpus.c writes the same layout.
 */
#include <errno.h>
#include <string.h>

#include "dht/dht.h"
#include "fuzz.h"

#define FUZZ_PASSWORD "peerbook-fuzz"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const uint8_t empty[1];
        pb_identity *id = NULL;
        uint8_t *pk;
        size_t pk_len;
        pb_hash h;

        if (size < 3)
                return 0;
        size_t key_len = (size_t)data[0] << 8 | data[1];
        const char *password = data[2] & 1 ? FUZZ_PASSWORD : NULL;
        data += 3;
        size -= 3;
        if (key_len > size)
                key_len = size;
        /* Empty parts still get a non-NULL pointer: NULL means -EINVAL. */
        const uint8_t *key = key_len ? data : empty;
        const uint8_t *cert = size > key_len ? data + key_len : empty;

        int r = pb_identity_load(key, key_len, password, cert, size - key_len, &id);
        FUZZ_CHECK(r == 0 || r == -EBADMSG || r == -EKEYREJECTED);
        if (r < 0)
                return 0;

        /* A loaded identity's id is its public key's id. */
        FUZZ_CHECK(pb_identity_export_pubkey(id, &pk, &pk_len) == 0);
        FUZZ_CHECK(pb_pubkey_id(pk, pk_len, &h) == 0);
        pb_hash id_hash = pb_identity_id(id);
        FUZZ_CHECK(pb_hash_equal(&h, &id_hash));
        free(pk);
        pb_identity_free(id);
        return 0;
}
