/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-crl.c — the revocation list reader: a value seen on an account's
 * hash (msgpack bin of a DER CRL) checked against that account's
 * certificate, then searched for a serial. The input is the certificate's
 * DER length (2 bytes, big endian), the certificate, then the value, so
 * that both the list and its issuer are mutated. */
#include <errno.h>
#include <string.h>

#include "crl.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const uint8_t empty[1];
        if (size < 2)
                return 0;
        size_t cert_len = (size_t)data[0] << 8 | data[1];
        if (cert_len > size - 2)
                return 0;
        const uint8_t *cert = cert_len ? data + 2 : empty, *value = data + 2 + cert_len;
        size_t value_len = size - 2 - cert_len;

        const uint8_t *der;
        size_t der_len;
        int r = pb_crl_value_decode(value_len ? value : empty, value_len, &der, &der_len);
        FUZZ_CHECK(r == 0 || r == -EBADMSG);
        if (r < 0)
                return 0;
        FUZZ_CHECK(der_len > 0 && der_len <= PB_CRL_MAX && der + der_len == value + value_len);

        uint64_t number = 0;
        r = pb_crl_check(der, der_len, cert, cert_len, &number);
        FUZZ_CHECK(r == 0 || r == -EBADMSG || r == -EPERM);
        struct pb_serial s = { .len = 1, .d = { 1 } };
        int listed = pb_crl_lists(der, der_len, &s);
        FUZZ_CHECK(listed == 0 || listed == 1 || listed == -EBADMSG);
        /* A list that checks parses: the lookup cannot call it malformed. */
        FUZZ_CHECK(r != 0 || listed >= 0);
        struct pb_serial cs;
        r = pb_cert_serial(cert, cert_len, &cs);
        FUZZ_CHECK((r == 0 && cs.len > 0 && cs.len <= PB_SERIAL_MAX) || r == -EBADMSG);
        return 0;
}
