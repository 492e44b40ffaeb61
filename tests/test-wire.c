/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-wire.c — the msgpack codecs, with good, truncated, oversized,
 * wrong-typed and garbage input. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "wire.h"

static pb_hash some_hash(uint8_t seed) {
        pb_hash h;
        for (int i = 0; i < PB_HASH_LEN; i++)
                h.d[i] = (uint8_t)(seed + i);
        return h;
}

/* Every strict prefix of a valid encoding must be rejected, never crash. */
static void check_truncations(const uint8_t *buf, size_t len,
                              int (*decode)(const uint8_t *, size_t, void *), void *out) {
        int rejected = 0;
        for (size_t n = 0; n < len; n++)
                rejected += decode(buf, n, out) == -EBADMSG;
        CHECK_EQ(rejected, len);
        /* A trailing byte after a complete object is not one object. */
        uint8_t *longer = malloc(len + 1);
        memcpy(longer, buf, len);
        longer[len] = 0xc0;
        CHECK_EQ(decode(longer, len + 1, out), -EBADMSG);
        free(longer);
}

static int dec_ann(const uint8_t *b, size_t n, void *o) {
        return pb_announcement_decode(b, n, o);
}
static int dec_state(const uint8_t *b, size_t n, void *o) {
        return pb_device_state_decode(b, n, o);
}
static int dec_tr(const uint8_t *b, size_t n, void *o) {
        struct pb_trust_request *t = o;
        int r = pb_trust_request_decode(b, n, t);
        if (r == 0)
                free(t->payload);
        return r;
}

static void test_announcement(void) {
        pb_hash dev = some_hash(7);
        uint8_t pk[300];
        memset(pk, 0xab, sizeof(pk));
        uint8_t *buf;
        size_t len;
        CHECK_EQ(pb_announcement_encode(&dev, pk, sizeof(pk), &buf, &len), 0);
        struct pb_announcement a;
        CHECK_EQ(pb_announcement_decode(buf, len, &a), 0);
        CHECK(pb_hash_equal(&a.dev, &dev));
        CHECK_EQ(a.pk_len, sizeof(pk));
        CHECK(memcmp(a.pk, pk, sizeof(pk)) == 0);
        check_truncations(buf, len, dec_ann, &a);
        free(buf);

        /* Jami's encoding of a map {dev, pk} with an unknown extra key. */
        static const uint8_t extra[] = { 0x83, 0xa3, 'd', 'e',  'v', 0xc4, 20,   1,   2,
                                         3,    4,    5,   6,    7,   8,    9,    10,  11,
                                         12,   13,   14,  15,   16,  17,   18,   19,  20,
                                         0xa2, 'p',  'k', 0xc4, 1,   0x42, 0xa1, 'x', 0x2a };
        CHECK_EQ(pb_announcement_decode(extra, sizeof(extra), &a), 0);
        CHECK_EQ(a.pk_len, 1);
        /* dev of the wrong size, or a str instead of bin. */
        static const uint8_t short_dev[] = { 0x81, 0xa3, 'd', 'e', 'v', 0xc4, 2, 1, 2 };
        CHECK_EQ(pb_announcement_decode(short_dev, sizeof(short_dev), &a), -EBADMSG);
        static const uint8_t str_dev[] = { 0x81, 0xa3, 'd', 'e', 'v', 0xa2, 'a', 'b' };
        CHECK_EQ(pb_announcement_decode(str_dev, sizeof(str_dev), &a), -EBADMSG);
        /* No dev at all, a duplicate key, an array, an int key. */
        static const uint8_t no_dev[] = { 0x81, 0xa2, 'p', 'k', 0xc4, 1, 0x42 };
        CHECK_EQ(pb_announcement_decode(no_dev, sizeof(no_dev), &a), -EBADMSG);
        static const uint8_t dup[] = { 0x82, 0xa2, 'p', 'k',  0xc4, 1,   0x42,
                                       0xa2, 'p',  'k', 0xc4, 1,    0x42 };
        CHECK_EQ(pb_announcement_decode(dup, sizeof(dup), &a), -EBADMSG);
        static const uint8_t arr[] = { 0x91, 0x01 };
        CHECK_EQ(pb_announcement_decode(arr, sizeof(arr), &a), -EBADMSG);
        static const uint8_t intkey[] = { 0x81, 0x01, 0x02 };
        CHECK_EQ(pb_announcement_decode(intkey, sizeof(intkey), &a), -EBADMSG);
        /* A pk larger than any real key. */
        uint8_t big[PB_PUBKEY_MAX + 64];
        size_t n = 0;
        big[n++] = 0x82;
        big[n++] = 0xa3;
        memcpy(big + n, "dev", 3);
        n += 3;
        big[n++] = 0xc4;
        big[n++] = 20;
        memset(big + n, 1, 20);
        n += 20;
        big[n++] = 0xa2;
        memcpy(big + n, "pk", 2);
        n += 2;
        big[n++] = 0xc5;
        big[n++] = (PB_PUBKEY_MAX + 1) >> 8;
        big[n++] = (PB_PUBKEY_MAX + 1) & 0xff;
        /* body missing: truncated, then complete but oversized */
        CHECK_EQ(pb_announcement_decode(big, n, &a), -EBADMSG);
        uint8_t *full = calloc(1, n + PB_PUBKEY_MAX + 1);
        memcpy(full, big, n);
        CHECK_EQ(pb_announcement_decode(full, n + PB_PUBKEY_MAX + 1, &a), -EBADMSG);
        free(full);
        CHECK_EQ(pb_announcement_decode(NULL, 0, &a), -EBADMSG);
}

static void test_device_state(void) {
        struct pb_device_state s = { .dev = some_hash(3),
                                     .seq = 1700000000123ull,
                                     .online = false },
                               d;
        uint8_t *buf;
        size_t len;
        CHECK_EQ(pb_device_state_encode(&s, &buf, &len), 0);
        CHECK_EQ(pb_device_state_decode(buf, len, &d), 0);
        CHECK(pb_hash_equal(&d.dev, &s.dev));
        CHECK(d.seq == s.seq);
        CHECK(d.online == false);
        check_truncations(buf, len, dec_state, &d);
        /* It is never readable as an announcement (what Jami would try). */
        struct pb_announcement a;
        CHECK_EQ(pb_announcement_decode(buf, len, &a), -EBADMSG);
        free(buf);
        /* Wrong tag, negative seq, string instead of bool. */
        static const uint8_t badtag[] = { 0x95, 0xa1, 'x', 0x01, 0xc4, 20, 1,    2,   3,  4,
                                          5,    6,    7,   8,    9,    10, 11,   12,  13, 14,
                                          15,   16,   17,  18,   19,   20, 0x05, 0xc3 };
        CHECK_EQ(pb_device_state_decode(badtag, sizeof(badtag), &d), -EBADMSG);
        uint8_t neg[64];
        size_t n = 0;
        neg[n++] = 0x95;
        neg[n++] = 0xab;
        memcpy(neg + n, "peerbook/ds", 11);
        n += 11;
        neg[n++] = 0x01;
        neg[n++] = 0xc4;
        neg[n++] = 20;
        memset(neg + n, 9, 20);
        n += 20;
        neg[n++] = 0xff; /* -1 */
        neg[n++] = 0xc3;
        CHECK_EQ(pb_device_state_decode(neg, n, &d), -EBADMSG);
        neg[n - 2] = 0x05;
        CHECK_EQ(pb_device_state_decode(neg, n, &d), 0);
        neg[n - 1] = 0xa1; /* a str header with no body */
        CHECK_EQ(pb_device_state_decode(neg, n, &d), -EBADMSG);
}

static void test_trust_request(void) {
        uint8_t payload[1000];
        memset(payload, 'p', sizeof(payload));
        struct pb_trust_request r = { .service = "cx.ring",
                                      .conversation_id = "abc",
                                      .payload = payload,
                                      .payload_len = sizeof(payload),
                                      .confirm = true },
                                d;
        uint8_t *buf;
        size_t len;
        CHECK_EQ(pb_trust_request_encode(&r, &buf, &len), 0);
        CHECK_EQ(pb_trust_request_decode(buf, len, &d), 0);
        CHECK(!strcmp(d.service, "cx.ring"));
        CHECK(!strcmp(d.conversation_id, "abc"));
        CHECK_EQ(d.payload_len, sizeof(payload));
        CHECK(d.confirm);
        free(d.payload);
        check_truncations(buf, len, dec_tr, &d);
        free(buf);
        r.payload_len = PB_PAYLOAD_MAX + 1;
        uint8_t *huge = calloc(1, r.payload_len);
        r.payload = huge;
        CHECK_EQ(pb_trust_request_encode(&r, &buf, &len), -EINVAL);
        free(huge);
}

static void test_archive(void) {
        struct pb_archive *a = calloc(1, sizeof(*a)), *d = calloc(1, sizeof(*d));
        strcpy(a->alias, "alice");
        a->key_len = 10;
        memset(a->key, 'k', 10);
        a->cert_len = 20;
        memset(a->cert, 'c', 20);
        uint8_t *buf;
        size_t len;
        CHECK_EQ(pb_archive_encode(a, &buf, &len), 0);
        CHECK_EQ(pb_archive_decode(buf, len, d), 0);
        CHECK(!strcmp(d->alias, "alice"));
        CHECK_EQ(d->key_len, 10);
        CHECK_EQ(d->cert_len, 20);
        for (size_t n = 0; n < len; n++)
                if (pb_archive_decode(buf, n, d) != -EBADMSG)
                        CHECK(!"truncated archive accepted");
        free(buf);
        static const uint8_t garbage[] = "this is not an archive at all";
        CHECK_EQ(pb_archive_decode(garbage, sizeof(garbage), d), -EBADMSG);
        free(a);
        free(d);
}

int main(void) {
        test_announcement();
        test_device_state();
        test_trust_request();
        test_archive();
        return check_summary();
}
