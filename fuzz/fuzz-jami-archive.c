/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-jami-archive.c — Jami's account archive file (jami_archive.c): gzip
 * or plain JSON, and the password form. An input that needs a password is
 * read again with FUZZ_PASSWORD at a test cost of argon2 (t=1, m=8 KiB,
 * pb_jami_archive_test_cost()): Jami's 64 MiB per input would make a run
 * crawl, and the cost changes nothing in what the reader does with the
 * bytes. The seeds of the password form were written at that cost.
 */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "fuzz.h"
#include "jami_archive.h"

#define FUZZ_PASSWORD "peerbook-fuzz"

static bool valid(int r) {
        return r == 0 || r == -EBADMSG || r == -EKEYREJECTED;
}

static void check_same(const struct pb_jami_archive *a, const struct pb_jami_archive *b) {
        FUZZ_CHECK(a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0);
        FUZZ_CHECK(a->cert_len == b->cert_len && memcmp(a->cert, b->cert, a->cert_len) == 0);
        FUZZ_CHECK(a->crl_len == b->crl_len &&
                   (!a->crl_len || !memcmp(a->crl, b->crl, a->crl_len)));
        FUZZ_CHECK(strcmp(a->alias, b->alias) == 0);
        FUZZ_CHECK(a->n_contacts == b->n_contacts);
        for (size_t i = 0; i < a->n_contacts; i++)
                FUZZ_CHECK(memcmp(&a->contacts[i], &b->contacts[i], sizeof(a->contacts[i])) == 0);
        FUZZ_CHECK(json_equal(a->extra, b->extra));
}

/* What was read is written again (both forms) and reads back the same. */
static void round_trip(const struct pb_jami_archive *a, const char *password) {
        struct pb_jami_archive b;
        uint8_t *buf;
        size_t len;
        FUZZ_CHECK(strlen(a->alias) < sizeof(a->alias));
        FUZZ_CHECK(pb_jami_archive_encode(a, password, &buf, &len) == 0);
        FUZZ_CHECK(pb_jami_archive_decode(buf, len, password, &b) == 0);
        check_same(a, &b);
        pb_jami_archive_clear(&b);
        free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct pb_jami_archive a;
        pb_jami_archive_test_cost(1, 8);
        int r = pb_jami_archive_decode(data, size, NULL, &a);
        FUZZ_CHECK(valid(r));
        const char *pw = NULL;
        if (r == -EKEYREJECTED) {
                pw = FUZZ_PASSWORD;
                r = pb_jami_archive_decode(data, size, pw, &a);
                FUZZ_CHECK(valid(r));
        }
        if (r < 0)
                return 0;
        round_trip(&a, NULL);
        round_trip(&a, FUZZ_PASSWORD);
        pb_jami_archive_clear(&a);
        return 0;
}
