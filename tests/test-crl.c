/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-crl.c — device revocation lists (crl.c): a list made with the
 * account key verifies against the account certificate and names the
 * revoked device, the next one keeps it and counts up, a wrong password or
 * another account's list is refused, the DHT value's bin framing. Real
 * 2048-bit keys made through OpenDHT, as accounts are.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "crl.h"
#include "dht/dht.h"

struct keys {
        pb_identity *id;
        uint8_t *key, *crt;
        size_t key_len, crt_len;
};

static void make(struct keys *k, const char *name, const pb_identity *issuer, const char *pw) {
        *k = (struct keys){ 0 };
        CHECK(pb_identity_generate(name, issuer, 2048, &k->id) == 0);
        CHECK(pb_identity_export_key(k->id, pw, &k->key, &k->key_len) == 0);
        CHECK(pb_identity_export_cert(k->id, &k->crt, &k->crt_len) == 0);
}

static void drop(struct keys *k) {
        pb_identity_free(k->id);
        free(k->key);
        free(k->crt);
}

static void test_value_framing(void) {
        static uint8_t der[300];
        uint8_t *v;
        size_t len, out_len;
        const uint8_t *out;
        memset(der, 0x30, sizeof(der));
        for (size_t n = 1; n <= sizeof(der); n += 299) {
                CHECK(pb_crl_value_encode(der, n, &v, &len) == 0);
                CHECK(pb_crl_value_decode(v, len, &out, &out_len) == 0);
                CHECK_EQ(out_len, n);
                CHECK(out == v + (n < 256 ? 2 : 3));
                CHECK(pb_crl_value_decode(v, len - 1, &out, &out_len) == -EBADMSG);
                free(v);
        }
        static const uint8_t str[] = { 0xa3, 'a', 'b', 'c' }, empty[] = { 0xc4, 0 };
        CHECK(pb_crl_value_decode(str, sizeof(str), &out, &out_len) == -EBADMSG);
        CHECK(pb_crl_value_decode(empty, sizeof(empty), &out, &out_len) == -EBADMSG);
}

int main(void) {
        struct keys acct, other, dev1, dev2;
        make(&acct, "acct", NULL, "secret");
        make(&other, "other", NULL, NULL);
        make(&dev1, "dev1", acct.id, NULL);
        make(&dev2, "dev2", acct.id, NULL);

        struct pb_serial s1, s2;
        CHECK(pb_cert_serial(dev1.crt, dev1.crt_len, &s1) == 0);
        CHECK(pb_cert_serial(dev2.crt, dev2.crt_len, &s2) == 0);
        CHECK(s1.len != s2.len || memcmp(s1.d, s2.d, s1.len) != 0);

        struct pb_crl_signer signer = { acct.key, acct.key_len, "secret", acct.crt, acct.crt_len };
        uint8_t *crl1 = NULL, *crl2 = NULL, *crl3 = NULL, *forged = NULL;
        size_t len1 = 0, len2 = 0, len3 = 0, forged_len = 0;

        /* Wrong or missing password: refused, nothing made. */
        signer.password = "wrong";
        CHECK(pb_crl_revoke(NULL, 0, &signer, &s1, &crl1, &len1) == -EKEYREJECTED);
        signer.password = NULL;
        CHECK(pb_crl_revoke(NULL, 0, &signer, &s1, &crl1, &len1) == -EKEYREJECTED);
        CHECK(crl1 == NULL);
        signer.password = "secret";

        uint64_t n1 = 0, n2 = 0, n3 = 0;
        CHECK(pb_crl_revoke(NULL, 0, &signer, &s1, &crl1, &len1) == 0);
        CHECK(pb_crl_check(crl1, len1, acct.crt, acct.crt_len, &n1) == 0);
        CHECK(n1 != 0);
        CHECK_EQ(pb_crl_lists(crl1, len1, &s1), 1);
        CHECK_EQ(pb_crl_lists(crl1, len1, &s2), 0);
        /* Against another account, or a device certificate: not its list. */
        CHECK_EQ(pb_crl_check(crl1, len1, other.crt, other.crt_len, NULL), -EPERM);
        CHECK_EQ(pb_crl_check(crl1, len1, dev1.crt, dev1.crt_len, NULL), -EPERM);

        /* The next list keeps the first entry and counts up; revoking a
         * device twice lists it once. */
        CHECK(pb_crl_revoke(crl1, len1, &signer, &s2, &crl2, &len2) == 0);
        CHECK(pb_crl_check(crl2, len2, acct.crt, acct.crt_len, &n2) == 0);
        CHECK_EQ(n2, n1 + 1);
        CHECK_EQ(pb_crl_lists(crl2, len2, &s1), 1);
        CHECK_EQ(pb_crl_lists(crl2, len2, &s2), 1);
        CHECK(pb_crl_revoke(crl2, len2, &signer, &s2, &crl3, &len3) == 0);
        CHECK(pb_crl_check(crl3, len3, acct.crt, acct.crt_len, &n3) == 0);
        CHECK_EQ(n3, n2 + 1);
        CHECK(len3 <= len2 + 8);

        /* Another key with this account's certificate: refused before
         * signing; a list of another account cannot be extended. */
        struct pb_crl_signer wrong = { other.key, other.key_len, NULL, acct.crt, acct.crt_len };
        CHECK_EQ(pb_crl_revoke(NULL, 0, &wrong, &s1, &forged, &forged_len), -EBADMSG);
        struct pb_crl_signer os = { other.key, other.key_len, NULL, other.crt, other.crt_len };
        CHECK_EQ(pb_crl_revoke(crl1, len1, &os, &s2, &forged, &forged_len), -EBADMSG);
        CHECK(pb_crl_revoke(NULL, 0, &os, &s1, &forged, &forged_len) == 0);
        CHECK_EQ(pb_crl_check(forged, forged_len, acct.crt, acct.crt_len, NULL), -EPERM);

        /* Malformed lists. */
        CHECK_EQ(pb_crl_check(crl1, len1 - 1, acct.crt, acct.crt_len, NULL), -EBADMSG);
        CHECK_EQ(pb_crl_lists(acct.crt, acct.crt_len, &s1), -EBADMSG);
        uint8_t *big = calloc(1, PB_CRL_MAX + 1);
        CHECK(big && pb_crl_check(big, PB_CRL_MAX + 1, acct.crt, acct.crt_len, NULL) == -EBADMSG);
        free(big);

        test_value_framing();
        free(crl1);
        free(crl2);
        free(crl3);
        free(forged);
        drop(&acct);
        drop(&other);
        drop(&dev1);
        drop(&dev2);
        return check_summary();
}
