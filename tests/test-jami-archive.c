/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-jami-archive.c — Jami's account archive (jami_archive.c): the round
 * trip with and without a password, what the reader refuses, and, through
 * the C API, an account's export, import (contacts, kept entries, account
 * ID) and password change. Real keys (2048 bits), standalone nodes on
 * 127.0.0.1. Prints the import time of an encrypted archive at Jami's cost.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "identity.h"
#include "jami_archive.h"
#include "peerbook/peerbook.h"
#include "util.h"

static const char URI1[] = "0123456789abcdef0123456789abcdef01234567";
static const char URI2[] = "89abcdef0123456789abcdef0123456789abcdef";

/* An archive with made-up key and chain bytes: the format does not parse them. */
static void sample(struct pb_jami_archive *a) {
        *a = (struct pb_jami_archive){ 0 };
        a->key =
                (uint8_t *)strdup("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        a->key_len = strlen((char *)a->key);
        a->cert =
                (uint8_t *)strdup("-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n");
        a->cert_len = strlen((char *)a->cert);
        snprintf(a->alias, sizeof(a->alias), "Alice é");
        a->contacts = calloc(2, sizeof(*a->contacts));
        a->n_contacts = 2;
        a->contacts[0] = (struct pb_contact_row){ .added = 10, .confirmed = true };
        memcpy(a->contacts[0].uri, URI1, sizeof(URI1));
        snprintf(a->contacts[0].conversation_id, 128, "conv1");
        a->contacts[1] = (struct pb_contact_row){ .added = 10, .removed = 20, .banned = true };
        memcpy(a->contacts[1].uri, URI2, sizeof(URI2));
        a->extra = json_pack("{s:s, s:s, s:{s:{s:s}}, s:s}", "ethKey", "AAEC", "ringCaKey",
                             "Q0E=", "conversations", "c1", "id", "c1", "Account.upnpEnabled",
                             "false");
}

static void check_same(const struct pb_jami_archive *a, const struct pb_jami_archive *b) {
        CHECK(b->key_len == a->key_len && !memcmp(a->key, b->key, a->key_len));
        CHECK(b->cert_len == a->cert_len && !memcmp(a->cert, b->cert, a->cert_len));
        CHECK(!strcmp(a->alias, b->alias));
        CHECK_EQ(b->n_contacts, a->n_contacts);
        for (size_t i = 0; i < a->n_contacts && i < b->n_contacts; i++)
                CHECK(!memcmp(&a->contacts[i], &b->contacts[i], sizeof(a->contacts[i])));
        CHECK(json_equal(a->extra, b->extra));
}

static int decode(const uint8_t *d, size_t len, const char *pw) {
        struct pb_jami_archive a;
        int r = pb_jami_archive_decode(d, len, pw, &a);
        if (r == 0)
                pb_jami_archive_clear(&a);
        return r;
}

static int decode_text(const char *json) {
        return decode((const uint8_t *)json, strlen(json), NULL);
}

static void test_round_trip(void) {
        struct pb_jami_archive a, b;
        uint8_t *blob = NULL;
        size_t len;
        sample(&a);
        CHECK_EQ(pb_jami_archive_encode(&a, NULL, &blob, &len), 0);
        /* gzip, FLG 0, MTIME 0, XFL 2 (best), OS 3 */
        CHECK(len > 10 && !memcmp(blob, "\x1f\x8b\x08\x00\x00\x00\x00\x00", 8) && blob[9] == 3);
        CHECK_EQ(pb_jami_archive_decode(blob, len, NULL, &b), 0);
        check_same(&a, &b);
        pb_jami_archive_clear(&b);
        /* Truncated gzip, and a byte changed in it. */
        for (size_t cut = 1; cut < len; cut += len / 7)
                CHECK_EQ(decode(blob, cut, NULL), -EBADMSG);
        blob[len / 2] ^= 0x55;
        CHECK(decode(blob, len, NULL) < 0);
        free(blob);

        /* The password form, at a test cost (the real one is timed below). */
        pb_jami_archive_test_cost(1, 64);
        CHECK_EQ(pb_jami_archive_encode(&a, "secret", &blob, &len), 0);
        CHECK(len > 44 && blob[0] != 0x1f);
        CHECK_EQ(pb_jami_archive_decode(blob, len, "secret", &b), 0);
        check_same(&a, &b);
        pb_jami_archive_clear(&b);
        CHECK_EQ(decode(blob, len, "wrong"), -EKEYREJECTED);
        CHECK_EQ(decode(blob, len, NULL), -EKEYREJECTED); /* none given */
        uint8_t first = blob[0];
        blob[0] = '{'; /* a salt that starts as JSON does: once in 256 archives */
        CHECK_EQ(decode(blob, len, NULL), -EKEYREJECTED);
        blob[0] = first;
        CHECK_EQ(decode(blob, 43, "secret"), -EBADMSG); /* shorter than salt, iv, tag */
        CHECK_EQ(decode(blob, len - 1, "secret"), -EKEYREJECTED);
        blob[len - 1] ^= 1; /* the tag: cannot be told from a wrong password */
        CHECK_EQ(decode(blob, len, "secret"), -EKEYREJECTED);
        free(blob);
        /* Ciphertext that starts with '{' (a file in 256) is still decrypted
         * (found by the fuzz target when it also ended with '}'). */
        blob = NULL;
        for (int i = 0; i < 4096 && (!blob || blob[0] != '{'); i++) {
                free(blob);
                CHECK_EQ(pb_jami_archive_encode(&a, "secret", &blob, &len), 0);
        }
        CHECK(blob[0] == '{');
        CHECK_EQ(decode(blob, len, "secret"), 0);
        free(blob);
        pb_jami_archive_test_cost(0, 0);

        /* JSON carries UTF-8 only: another alias goes out as "". */
        snprintf(a.alias, sizeof(a.alias), "\xff\xfe");
        CHECK_EQ(pb_jami_archive_encode(&a, NULL, &blob, &len), 0);
        CHECK_EQ(pb_jami_archive_decode(blob, len, NULL, &b), 0);
        CHECK(!strcmp(b.alias, ""));
        pb_jami_archive_clear(&b);
        free(blob);
        pb_jami_archive_clear(&a);
}

/* TLS.* is dropped; a plain JSON file is read as Jami reads it. */
static void test_json(void) {
        struct pb_jami_archive a;
        const char *ok = "{\"ringAccountKey\":\"S0VZ\",\"ringAccountCert\":\"Q0VSVA==\","
                         "\"TLS.privateKeyFile\":\"eA==\",\"ethKey\":\"\","
                         "\"ringAccountContacts\":{\"0123456789ABCDEF0123456789abcdef01234567\":"
                         "{\"added\":5,\"conversationId\":\"c\",\"future\":[1]}}}";
        CHECK_EQ(pb_jami_archive_decode((const uint8_t *)ok, strlen(ok), NULL, &a), 0);
        CHECK(a.key_len == 3 && !memcmp(a.key, "KEY", 3));
        CHECK(a.cert_len == 4 && !memcmp(a.cert, "CERT", 4));
        CHECK(!json_object_get(a.extra, "TLS.privateKeyFile"));
        CHECK(json_object_get(a.extra, "ethKey"));
        CHECK(a.n_contacts == 1 && !strcmp(a.contacts[0].uri, URI1) && a.contacts[0].added == 5);
        pb_jami_archive_clear(&a);

        static const char *const bad[] = {
                "",
                "{",
                "[]",
                "{\"ringAccountKey\":\"S0VZ\"}", /* no certificate */
                "{\"ringAccountKey\":\"S0VZ\",\"ringAccountCert\":\"!!\"}",
                "{\"ringAccountKey\":\"S0VZ\",\"ringAccountCert\":\"Q0VSVA==\"} x",
                "{\"ringAccountKey\":\"S0VZ\",\"ringAccountKey\":\"S0VZ\",\"ringAccountCert\":\"Q0VSVA==\"}",
                "{\"ringAccountKey\":\"S0VZ\",\"ringAccountCert\":\"Q0VSVA==\",\"ringAccountContacts\":{\"xyz\":{}}}",
                "{\"ringAccountKey\":\"S0VZ\",\"ringAccountCert\":\"Q0VSVA==\",\"ringAccountContacts\":"
                "{\"0123456789abcdef0123456789abcdef01234567\":{\"added\":\"5\"}}}",
                "{\"ringAccountKey\":\"S0VZ\",\"ringAccountCert\":\"Q0VSVA==\",\"ringAccountContacts\":"
                "{\"0123456789abcdef0123456789abcdef01234567\":{},"
                "\"0123456789ABCDEF0123456789abcdef01234567\":{}}}",
                "{\"ringAccountKey\":\"S0VZ\",\"ringAccountCert\":\"Q0VSVA==\",\"Account.displayName\":1}",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                int r = decode_text(bad[i]);
                CHECK(r == -EBADMSG || r == -EKEYREJECTED);
                if (r != -EBADMSG && r != -EKEYREJECTED)
                        fprintf(stderr, "  input %zu: %d\n", i, r);
        }
        CHECK_EQ(decode_text(bad[6]), -EBADMSG); /* duplicate key */
        CHECK_EQ(decode_text(bad[5]), -EBADMSG); /* trailing data */
}

/* gzip of n bytes of '{' ... : over the cap once inflated. */
static void test_oversized(void) {
        size_t n = PB_JAMI_ARCHIVE_MAX + 1024;
        uint8_t *big = malloc(n), *z = malloc(n);
        memset(big, ' ', n);
        big[0] = '{';
        big[n - 1] = '}';
        z_stream s = { 0 };
        CHECK_EQ(deflateInit2(&s, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
        s.next_in = big;
        s.avail_in = (uInt)n;
        s.next_out = z;
        s.avail_out = (uInt)n;
        CHECK_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
        size_t zlen = s.total_out;
        deflateEnd(&s);
        CHECK_EQ(decode(z, zlen, NULL), -EBADMSG);
        CHECK_EQ(decode(big, n, NULL), -EBADMSG); /* the file itself too large */
        free(big);
        free(z);
}

static peerbook_ctx *new_ctx(const char *dir) {
        struct peerbook_ctx_options o = { .size = sizeof(o), .data_dir = dir, .key_bits = 2048 };
        peerbook_ctx *ctx = NULL;
        CHECK_EQ(peerbook_ctx_new(&o, &ctx), 0);
        return ctx;
}

static int import(peerbook_ctx *ctx, const char *path, const char *pw, char id[PEERBOOK_ID_SIZE]) {
        struct peerbook_account_params p = { .size = sizeof(p), .password = pw };
        return peerbook_account_import(ctx, path, &p, id);
}

/* Adds Jami's entries that peerbook does not use to an archive file. */
static void add_jami_entries(const char *path) {
        uint8_t *blob = NULL, *out = NULL;
        size_t len, out_len;
        struct pb_jami_archive a;
        CHECK_EQ(pb_file_read(path, PB_JAMI_ARCHIVE_MAX, &blob, &len), 0);
        CHECK_EQ(pb_jami_archive_decode(blob, len, NULL, &a), 0);
        json_object_set_new(a.extra, "ethKey", json_string("AAEC"));
        json_object_set_new(a.extra, "ringCaKey", json_string("Q0E="));
        json_object_set_new(a.extra, "conversations", json_pack("{s:{s:s}}", "c1", "id", "c1"));
        json_object_set_new(a.extra, "Account.ringtoneEnabled", json_string("true"));
        json_object_set_new(a.extra, "TLS.privateKeyFile", json_string("c2VjcmV0"));
        CHECK_EQ(pb_jami_archive_encode(&a, NULL, &out, &out_len), 0);
        CHECK_EQ(pb_file_write(path, out, out_len), 0);
        pb_jami_archive_clear(&a);
        free(blob);
        free(out);
}

/* An account exported, imported elsewhere (same ID, contacts, alias, Jami's
 * entries carried), its password set and changed; timed at Jami's cost. */
static void test_account(const char *root) {
        char *d1 = pb_path_join(root, "one"), *d2 = pb_path_join(root, "two");
        char *d3 = pb_path_join(root, "three"), *file = pb_path_join(root, "a.gz");
        char *file2 = pb_path_join(root, "b.gz");
        peerbook_ctx *c1 = new_ctx(d1), *c2 = new_ctx(d2), *c3 = new_ctx(d3);
        struct peerbook_account_params p = { .size = sizeof(p), .alias = "Alice" };
        char id[PEERBOOK_ID_SIZE], id2[PEERBOOK_ID_SIZE], id3[PEERBOOK_ID_SIZE];
        CHECK_EQ(peerbook_account_create(c1, &p, id), 0);
        CHECK_EQ(peerbook_contact_add(c1, id, URI1), 0);
        CHECK_EQ(peerbook_contact_remove(c1, id, URI2, true), 0);

        CHECK_EQ(peerbook_account_export(c1, id, file, NULL), 0);
        add_jami_entries(file);
        CHECK_EQ(import(c2, file, NULL, id2), 0);
        CHECK(!strcmp(id, id2));
        struct peerbook_contact *c = NULL;
        CHECK_EQ(peerbook_contact_get(c2, id2, URI1, &c), 0);
        CHECK(c && c->added > 0 && !c->removed && !c->banned && c->conversation_id[0]);
        peerbook_free(c);
        struct peerbook_account_info *info = NULL;
        CHECK_EQ(peerbook_account_get_info(c2, id2, &info), 0);
        CHECK(info && !strcmp(info->alias, "Alice"));
        peerbook_free(info);

        /* Password: none yet, so a given old one is wrong; then set, changed. */
        CHECK_EQ(peerbook_account_set_password(c2, id2, "x", "pw1"), -EKEYREJECTED);
        CHECK_EQ(peerbook_account_set_password(c2, id2, NULL, "pw1"), 0);
        CHECK_EQ(peerbook_account_export(c2, id2, file2, NULL), -EKEYREJECTED);
        CHECK_EQ(peerbook_account_set_password(c2, id2, "wrong", "pw2"), -EKEYREJECTED);
        CHECK_EQ(peerbook_account_export(c2, id2, file2, "pw1"), 0); /* unchanged */
        CHECK_EQ(peerbook_account_set_password(c2, id2, "pw1", "pw2"), 0);
        CHECK_EQ(peerbook_account_export(c2, id2, file2, "pw1"), -EKEYREJECTED);
        CHECK_EQ(peerbook_account_export(c2, id2, file2, "pw2"), 0);

        /* The encrypted export at Jami's cost: timed, and what it carries. */
        CHECK_EQ(import(c3, file2, "nope", id3), -EKEYREJECTED);
        uint64_t t0 = pb_now_ms();
        CHECK_EQ(import(c3, file2, "pw2", id3), 0);
        printf("# import of an encrypted archive (argon2 64 MiB + a 2048-bit device key): "
               "%llu ms\n",
               (unsigned long long)(pb_now_ms() - t0));
        CHECK(!strcmp(id, id3));
        CHECK_EQ(peerbook_contact_get(c3, id3, URI2, &c), 0);
        CHECK(c && c->banned && c->removed > 0);
        peerbook_free(c);
        CHECK_EQ(peerbook_account_export(c3, id3, file, "pw2"), 0);
        uint8_t *blob = NULL;
        size_t len;
        struct pb_jami_archive a;
        CHECK_EQ(pb_file_read(file, PB_JAMI_ARCHIVE_MAX, &blob, &len), 0);
        t0 = pb_now_ms();
        CHECK_EQ(pb_jami_archive_decode(blob, len, "pw2", &a), 0);
        printf("# decode of that archive alone: %llu ms\n", (unsigned long long)(pb_now_ms() - t0));
        CHECK(!strcmp(json_string_value(json_object_get(a.extra, "ethKey")), "AAEC"));
        CHECK(!strcmp(json_string_value(json_object_get(a.extra, "ringCaKey")), "Q0E="));
        CHECK(json_object_get(json_object_get(a.extra, "conversations"), "c1"));
        CHECK(json_object_get(a.extra, "Account.ringtoneEnabled"));
        CHECK(!json_object_get(a.extra, "TLS.privateKeyFile"));
        CHECK_EQ(a.n_contacts, 2);
        pb_jami_archive_clear(&a);
        free(blob);

        peerbook_ctx_free(c1);
        peerbook_ctx_free(c2);
        peerbook_ctx_free(c3);
        pb_rmtree(d1);
        pb_rmtree(d2);
        pb_rmtree(d3);
        unlink(file);
        unlink(file2);
        free(d1);
        free(d2);
        free(d3);
        free(file);
        free(file2);
}

int main(void) {
        char root[] = "/tmp/peerbook-test-jami-archive-XXXXXX";
        if (!mkdtemp(root)) {
                perror("mkdtemp");
                return EXIT_FAILURE;
        }
        test_round_trip();
        test_json();
        test_oversized();
        test_account(root);
        rmdir(root);
        return check_summary();
}
