/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-device-sync.c — Jami's DeviceSync codec: the exact bytes Jami 2023
 * writes (derived from jami_contact.h and msgpack-c), round trips, every
 * truncation, wrong types, Jami's later fields, and the caps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "device_sync.h"
#include "wire.h"

/* ---- a tiny msgpack writer, for values our encoder never makes ------------ */

struct mp {
        uint8_t b[80000];
        size_t n;
};

static void raw(struct mp *m, const void *p, size_t len) {
        if (m->n + len > sizeof(m->b))
                abort();
        memcpy(m->b + m->n, p, len);
        m->n += len;
}
static void byte(struct mp *m, uint8_t c) {
        raw(m, &c, 1);
}
static void str(struct mp *m, const char *s) { /* s < 32 bytes */
        byte(m, (uint8_t)(0xa0 | strlen(s)));
        raw(m, s, strlen(s));
}
static void bin(struct mp *m, const void *p, uint8_t len) {
        byte(m, 0xc4);
        byte(m, len);
        raw(m, p, len);
}
static void map16(struct mp *m, unsigned n) {
        byte(m, 0xde);
        byte(m, (uint8_t)(n >> 8));
        byte(m, (uint8_t)n);
}
static void u32(struct mp *m, uint32_t v) {
        uint8_t b[5] = { 0xce, (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                         (uint8_t)v };
        raw(m, b, 5);
}

static uint8_t L[32], S[20], P[20], Q[20]; /* a long id, its sha1, a peer, a requester */

static void fill(void) {
        for (int i = 0; i < 32; i++)
                L[i] = (uint8_t)(0xa0 + i);
        for (int i = 0; i < 20; i++) {
                S[i] = (uint8_t)(0x10 + i);
                P[i] = (uint8_t)(0x50 + i);
                Q[i] = (uint8_t)(0x30 + i);
        }
}

/* What Jami 2023 puts for: date 1795959118557718279 (measured from a Debian
 * jamid), one device "vm", one contact added at 1700000000, confirmed, in
 * conversation "c0", one request received at 1700000001 from device key
 * "DER" (a real one is ~550 bytes), payload stripped. The map keys are
 * MSGPACK_DEFINE_MAP's member names in order; times are time_t (int64),
 * packed by msgpack-c in their shortest form: uint32 (ce) here, 0 as a
 * fixint; the date is uint64_t (cf); bools are c2/c3. */
static void jami_2023(struct mp *m) {
        static const uint8_t date[] = { 0xcf, 0x18, 0xec, 0x87, 0x4d, 0x8c, 0xc1, 0xa7, 0x07 };
        byte(m, 0x86);
        str(m, "date");
        raw(m, date, sizeof(date));
        str(m, "device_name");
        str(m, "");
        str(m, "devices_known");
        byte(m, 0x80); /* getSyncData() never fills it */
        str(m, "devices");
        byte(m, 0x81);
        bin(m, L, 32);
        byte(m, 0x82);
        str(m, "name");
        str(m, "vm");
        str(m, "sha1");
        bin(m, S, 20);
        str(m, "peers");
        byte(m, 0x81);
        bin(m, P, 20);
        byte(m, 0x85);
        str(m, "added");
        u32(m, 1700000000);
        str(m, "removed");
        byte(m, 0x00);
        str(m, "confirmed");
        byte(m, 0xc3);
        str(m, "banned");
        byte(m, 0xc2);
        str(m, "conversationId");
        str(m, "c0");
        str(m, "trust_requests");
        byte(m, 0x81);
        bin(m, Q, 20);
        byte(m, 0x84);
        str(m, "device");
        bin(m, "DER", 3);
        str(m, "conversationId");
        str(m, "");
        str(m, "received");
        u32(m, 1700000001);
        str(m, "payload");
        bin(m, "", 0);
}

static void hex(const uint8_t *h, size_t n, char *out) {
        for (size_t i = 0; i < n; i++)
                sprintf(out + 2 * i, "%02x", h[i]);
}

/* Ours encodes to Jami's bytes exactly, and Jami's decode to the same. */
static void test_jami_bytes(void) {
        static struct mp m;
        struct pb_sync_device dev = { .name = "vm" };
        struct pb_contact_row peer = { .added = 1700000000,
                                       .confirmed = true,
                                       .conversation_id = "c0" };
        struct pb_sync_request req = { .device_pk = (uint8_t *)"DER",
                                       .device_pk_len = 3,
                                       .received = 1700000001 };
        struct pb_device_sync s = { .date = 1795959118557718279ull,
                                    .devices = &dev,
                                    .n_devices = 1,
                                    .peers = &peer,
                                    .n_peers = 1,
                                    .requests = &req,
                                    .n_requests = 1 };
        memcpy(dev.long_id, L, 32);
        memcpy(dev.id.d, S, 20);
        memcpy(req.from.d, Q, 20);
        hex(P, 20, peer.uri);
        m.n = 0;
        jami_2023(&m);

        uint8_t *buf = NULL;
        size_t len = 0;
        CHECK_EQ(pb_device_sync_encode(&s, &buf, &len), 0);
        CHECK(len == m.n && buf && !memcmp(buf, m.b, m.n));
        free(buf);

        struct pb_device_sync d;
        CHECK_EQ(pb_device_sync_decode(m.b, m.n, &d), 0);
        CHECK(d.date == 1795959118557718279ull);
        CHECK(d.n_devices == 1 && !d.devices[0].legacy && !strcmp(d.devices[0].name, "vm"));
        CHECK(!memcmp(d.devices[0].long_id, L, 32) && !memcmp(d.devices[0].id.d, S, 20));
        CHECK(d.n_peers == 1 && !strcmp(d.peers[0].uri, peer.uri));
        CHECK(d.peers[0].added == 1700000000 && d.peers[0].removed == 0);
        CHECK(d.peers[0].confirmed && !d.peers[0].banned);
        CHECK(!strcmp(d.peers[0].conversation_id, "c0") && d.peers[0].request_id == 0);
        CHECK(d.n_requests == 1 && !memcmp(d.requests[0].from.d, Q, 20));
        CHECK(d.requests[0].device_pk_len == 3 && !memcmp(d.requests[0].device_pk, "DER", 3));
        CHECK(d.requests[0].received == 1700000001 && d.n_dropped == 0);

        /* Every truncation fails cleanly. */
        for (size_t n = 0; n < m.n; n++) {
                struct pb_device_sync t;
                CHECK_EQ(pb_device_sync_decode(m.b, n, &t), -EBADMSG);
        }
        pb_device_sync_clear(&d);
        CHECK(d.devices == NULL && d.n_requests == 0);
}

/* Unsorted arrays come out in key order; a legacy device goes back to
 * devices_known; a request without a key is nil. */
static void test_round_trip(void) {
        struct pb_sync_device devs[3] = { { .name = "b" },
                                          { .name = "old", .legacy = true },
                                          { .name = "a" } };
        struct pb_contact_row peers[3] = {
                { .uri = "ffffffffffffffffffffffffffffffffffffffff",
                  .added = 5,
                  .removed = 9,
                  .banned = true },
                { .uri = "0000000000000000000000000000000000000001", .added = 1ll << 40 },
                { .uri = "8888888888888888888888888888888888888888",
                  .added = 300,
                  .conversation_id = "conv" },
        };
        struct pb_sync_request reqs[2] = { { .received = 7, .conversation_id = "x" },
                                           { .received = 0 } };
        uint8_t pk[600];
        memset(pk, 0x42, sizeof(pk));
        reqs[0].device_pk = pk;
        reqs[0].device_pk_len = sizeof(pk);
        memset(reqs[0].from.d, 2, 20);
        memset(reqs[1].from.d, 1, 20);
        memset(devs[0].long_id, 9, 32);
        memset(devs[2].long_id, 3, 32);
        memset(devs[0].id.d, 9, 20);
        memset(devs[1].id.d, 7, 20);
        memset(devs[2].id.d, 3, 20);
        struct pb_device_sync s = { .date = 42,
                                    .devices = devs,
                                    .n_devices = 3,
                                    .peers = peers,
                                    .n_peers = 3,
                                    .requests = reqs,
                                    .n_requests = 2 };
        uint8_t *buf;
        size_t len;
        struct pb_device_sync d;
        CHECK_EQ(pb_device_sync_encode(&s, &buf, &len), 0);
        CHECK_EQ(pb_device_sync_decode(buf, len, &d), 0);
        free(buf);
        CHECK(d.date == 42 && d.n_devices == 3 && d.n_peers == 3 && d.n_requests == 2);
        CHECK(!strcmp(d.devices[0].name, "a") && !strcmp(d.devices[1].name, "b"));
        CHECK(d.devices[2].legacy && !strcmp(d.devices[2].name, "old"));
        CHECK(d.devices[2].id.d[0] == 7 && d.devices[2].long_id[0] == 0);
        CHECK(!strcmp(d.peers[0].uri, peers[1].uri) && d.peers[0].added == 1ll << 40);
        CHECK(!strcmp(d.peers[1].conversation_id, "conv"));
        CHECK(d.peers[2].banned && d.peers[2].removed == 9 && d.peers[2].added == 5);
        CHECK(d.requests[0].device_pk == NULL && d.requests[0].device_pk_len == 0);
        CHECK(d.requests[1].device_pk_len == 600 && d.requests[1].device_pk[599] == 0x42);
        CHECK(!strcmp(d.requests[1].conversation_id, "x") && d.requests[1].received == 7);
        pb_device_sync_clear(&d);

        /* An empty sync: all six keys, empty maps. */
        struct pb_device_sync e = { .date = 1 };
        CHECK_EQ(pb_device_sync_encode(&e, &buf, &len), 0);
        CHECK_EQ(len, 1 + 5 + 1 + 12 + 1 + 14 + 1 + 8 + 1 + 6 + 1 + 15 + 1);
        CHECK_EQ(pb_device_sync_decode(buf, len, &d), 0);
        CHECK(d.n_devices == 0 && d.devices == NULL && d.peers == NULL);
        free(buf);

        /* What the encoder refuses. */
        peers[0].uri[3] = 'g';
        CHECK_EQ(pb_device_sync_encode(&s, &buf, &len), -EINVAL);
        peers[0].uri[3] = 'f';
        peers[0].removed = -1;
        CHECK_EQ(pb_device_sync_encode(&s, &buf, &len), -EINVAL);
        peers[0].removed = 9;
        memcpy(peers[0].uri, peers[1].uri, sizeof(peers[0].uri));
        CHECK_EQ(pb_device_sync_encode(&s, &buf, &len), -EINVAL);
        s.n_peers = 0;
        memset(devs[0].long_id, 3, 32);
        CHECK_EQ(pb_device_sync_encode(&s, &buf, &len), -EINVAL);
        memset(devs[0].long_id, 9, 32);
        s.date = (uint64_t)INT64_MAX + 1;
        CHECK_EQ(pb_device_sync_encode(&s, &buf, &len), -EINVAL);
        s.date = 1;
        reqs[0].device_pk_len = PB_PUBKEY_MAX + 1;
        CHECK_EQ(pb_device_sync_encode(&s, &buf, &len), -EINVAL);
        reqs[0].device_pk_len = 1;
        memset(devs[0].name, 'n', sizeof(devs[0].name));
        CHECK_EQ(pb_device_sync_encode(&s, &buf, &len), -EINVAL);
}

/* Jami's later fields are skipped; a device without sha1 (later Jami) and a
 * zero peer (Jami skips it) are dropped; a legacy entry of a device also in
 * devices is merged away. */
static void test_later_jami(void) {
        static struct mp m;
        uint8_t zero[20] = { 0 }, other[32];
        memset(other, 0x77, sizeof(other));
        m.n = 0;
        byte(&m, 0x85);
        str(&m, "date");
        byte(&m, 0x05);
        str(&m, "devices");
        byte(&m, 0x82);
        bin(&m, L, 32);
        byte(&m, 0x81);
        str(&m, "name");
        str(&m, "nosha");
        bin(&m, other, 32);
        byte(&m, 0x82);
        str(&m, "sha1");
        bin(&m, S, 20);
        str(&m, "name");
        str(&m, "ok");
        str(&m, "devices_known");
        byte(&m, 0x81);
        bin(&m, S, 20);
        str(&m, "legacy name");
        str(&m, "peers");
        byte(&m, 0x82);
        bin(&m, zero, 20);
        byte(&m, 0x80);
        bin(&m, P, 20);
        byte(&m, 0x83);
        str(&m, "addedMs");
        raw(&m, "\xcf\x00\x00\x01\x8b\xcf\xe5\x68\x00", 9);
        str(&m, "added");
        byte(&m, 0x07);
        str(&m, "someday");
        byte(&m, 0x90);
        str(&m, "future");
        byte(&m, 0xc0);
        struct pb_device_sync d;
        CHECK_EQ(pb_device_sync_decode(m.b, m.n, &d), 0);
        CHECK(d.date == 5 && d.n_devices == 1 && !strcmp(d.devices[0].name, "ok"));
        CHECK(d.n_peers == 1 && d.peers[0].added == 7 && d.n_dropped == 2);
        pb_device_sync_clear(&d);
}

/* Each input differs from a valid one in one type or value. */
static void test_malformed(void) {
        static const struct {
                const char *what;
                const char *bytes;
                size_t len;
        } bad[] = {
#define B(what, s) { what, s, sizeof(s) - 1 }
                B("top-level array", "\x91\xa4"
                                     "date"),
                B("no date", "\x81\xa5peers\x80"),
                B("date as str", "\x81\xa4"
                                 "date\xa1"
                                 "1"),
                B("negative date", "\x81\xa4"
                                   "date\xd0\xff"),
                B("date past int64", "\x81\xa4"
                                     "date\xcf\x80\x00\x00\x00\x00\x00\x00\x00"),
                B("duplicate date", "\x82\xa4"
                                    "date\x01\xa4"
                                    "date\x02"),
                B("device name as bin", "\x82\xa4"
                                        "date\x01\xab"
                                        "device_name\xc4\x00"),
                B("peers as array", "\x82\xa4"
                                    "date\x01\xa5peers\x90"),
                B("str peer key", "\x82\xa4"
                                  "date\x01\xa5peers\x81\xa1x\x80"),
                B("bin19 peer key", "\x82\xa4"
                                    "date\x01\xa5peers\x81\xc4\x13"
                                    "0123456789012345678\x80"),
                B("contact as array", "\x82\xa4"
                                      "date\x01\xa5peers\x81\xc4\x14"
                                      "01234567890123456789\x90"),
                B("confirmed as int", "\x82\xa4"
                                      "date\x01\xa5peers\x81\xc4\x14"
                                      "01234567890123456789\x81\xa9"
                                      "confirmed\x01"),
                B("negative added", "\x82\xa4"
                                    "date\x01\xa5peers\x81\xc4\x14"
                                    "01234567890123456789\x81\xa5"
                                    "added\xff"),
                B("conversation as bin", "\x82\xa4"
                                         "date\x01\xa5peers\x81\xc4\x14"
                                         "01234567890123456789\x81\xae"
                                         "conversationId\xc4\x00"),
                B("conversation not UTF-8", "\x82\xa4"
                                            "date\x01\xa5peers\x81\xc4\x14"
                                            "01234567890123456789\x81\xae"
                                            "conversationId\xa1\xff"),
                B("duplicate peer", "\x82\xa4"
                                    "date\x01\xa5peers\x82\xc4\x14"
                                    "01234567890123456789\x80\xc4\x14"
                                    "01234567890123456789\x80"),
                B("device key as str", "\x82\xa4"
                                       "date\x01\xaetrust_requests\x81\xc4\x14"
                                       "01234567890123456789\x81\xa6"
                                       "device\xa1x"),
                B("empty device key", "\x82\xa4"
                                      "date\x01\xaetrust_requests\x81\xc4\x14"
                                      "01234567890123456789\x81\xa6"
                                      "device\xc4\x00"),
                B("payload as int", "\x82\xa4"
                                    "date\x01\xaetrust_requests\x81\xc4\x14"
                                    "01234567890123456789\x81\xa7payload\x00"),
                B("short long id", "\x82\xa4"
                                   "date\x01\xa7"
                                   "devices\x81\xc4\x14"
                                   "01234567890123456789\x80"),
                B("sha1 of 32", "\x82\xa4"
                                "date\x01\xa7"
                                "devices\x81\xc4\x20"
                                "01234567890123456789012345678901\x81\xa4sha1\xc4\x20"
                                "01234567890123456789012345678901"),
                B("known name as int", "\x82\xa4"
                                       "date\x01\xad"
                                       "devices_known\x81\xc4\x14"
                                       "01234567890123456789\x01"),
                B("trailing byte", "\x81\xa4"
                                   "date\x01\xc0"),
#undef B
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct pb_device_sync d;
                int r = pb_device_sync_decode((const uint8_t *)bad[i].bytes, bad[i].len, &d);
                if (r != -EBADMSG)
                        fprintf(stderr, "%s: %d\n", bad[i].what, r);
                CHECK_EQ(r, -EBADMSG);
        }
        /* A nil device key is Jami's null shared_ptr: no key. */
        static const char nil[] = "\x82\xa4"
                                  "date\x01\xaetrust_requests\x81\xc4\x14"
                                  "01234567890123456789\x81\xa6"
                                  "device\xc0";
        struct pb_device_sync d;
        CHECK_EQ(pb_device_sync_decode((const uint8_t *)nil, sizeof(nil) - 1, &d), 0);
        CHECK(d.n_requests == 1 && d.requests[0].device_pk == NULL);
        pb_device_sync_clear(&d);
}

/* Names: any str, cut on a character boundary, none when not UTF-8. */
static void test_names(void) {
        static struct mp m;
        char longname[100], full[65];
        uint8_t E[20];
        memset(E, 0x70, sizeof(E));
        memset(full, 'f', 64); /* exactly PEERBOOK_DEVICE_NAME_MAX bytes: kept whole */
        full[64] = 0;
        /* 63 ASCII bytes then "é" (2 bytes): cutting at 64 would split it. */
        memset(longname, 'x', 63);
        memcpy(longname + 63, "\xc3\xa9yyyy", 7);
        m.n = 0;
        byte(&m, 0x82);
        str(&m, "date");
        byte(&m, 0x01);
        str(&m, "devices_known");
        byte(&m, 0x84);
        bin(&m, E, 20);
        byte(&m, 0xd9);
        byte(&m, 64);
        raw(&m, full, 64);
        bin(&m, S, 20);
        byte(&m, 0xd9);
        byte(&m, (uint8_t)strlen(longname));
        raw(&m, longname, strlen(longname));
        bin(&m, P, 20);
        str(&m, "bad\xff");
        bin(&m, Q, 20);
        byte(&m, 0xa5);
        raw(&m, "ab\0cd", 5);
        struct pb_device_sync d;
        CHECK_EQ(pb_device_sync_decode(m.b, m.n, &d), 0);
        CHECK_EQ(d.n_devices, 4);
        /* in id order: S (0x10...), Q (0x30...), P (0x50...), E (0x70...) */
        CHECK(strlen(d.devices[0].name) == 63 && d.devices[0].name[62] == 'x');
        CHECK(!strcmp(d.devices[1].name, "ab"));
        CHECK(!strcmp(d.devices[2].name, ""));
        CHECK(!strcmp(d.devices[3].name, full));
        pb_device_sync_clear(&d);
}

static void put_key(uint8_t *k, size_t n, unsigned i) {
        memset(k, 0, n);
        k[n - 2] = (uint8_t)(i >> 8);
        k[n - 1] = (uint8_t)(i + 1);
}

/* The caps: 64 devices and 64 requests kept on decode, the rest counted;
 * 20 requests sent, contiguous from a random point; 64 KB at most. */
static void test_caps(void) {
        static struct mp m;
        uint8_t k[32];
        m.n = 0;
        byte(&m, 0x83);
        str(&m, "date");
        byte(&m, 0x01);
        str(&m, "devices");
        map16(&m, 70);
        for (unsigned i = 0; i < 70; i++) {
                put_key(k, 32, i);
                bin(&m, k, 32);
                byte(&m, 0x81);
                str(&m, "sha1");
                bin(&m, k, 20);
        }
        str(&m, "trust_requests");
        map16(&m, 70);
        for (unsigned i = 0; i < 70; i++) {
                put_key(k, 20, i);
                bin(&m, k, 20);
                byte(&m, 0x81);
                str(&m, "device");
                bin(&m, "pk", 2);
        }
        struct pb_device_sync d;
        CHECK_EQ(pb_device_sync_decode(m.b, m.n, &d), 0);
        CHECK(d.n_devices == 64 && d.n_requests == 64 && d.n_dropped == 12);
        CHECK(d.devices[63].long_id[31] == 64); /* the first 64 */

        /* 64 requests in, 20 out: a window of consecutive keys, wrapping. */
        uint8_t *buf;
        size_t len;
        for (int round = 0; round < 20; round++) {
                struct pb_device_sync e;
                CHECK_EQ(pb_device_sync_encode(&d, &buf, &len), 0);
                CHECK_EQ(pb_device_sync_decode(buf, len, &e), 0);
                free(buf);
                CHECK_EQ(e.n_requests, 20);
                unsigned gaps = 0;
                for (unsigned i = 0; i < e.n_requests; i++) {
                        unsigned a = e.requests[i].from.d[19];
                        unsigned b = e.requests[(i + 1) % 20].from.d[19];
                        gaps += b != (a % 64) + 1;
                }
                CHECK(gaps == 1); /* one jump: from the window's end back to its start */
                pb_device_sync_clear(&e);
        }
        d.n_devices = 65;
        CHECK_EQ(pb_device_sync_encode(&d, &buf, &len), -EINVAL);
        pb_device_sync_clear(&d);

        /* 10,001 peers are refused; 1,000 with conversation ids do not fit 64 KB. */
        struct pb_contact_row *many = calloc(PB_SYNC_PEERS_MAX + 1, sizeof(*many));
        for (unsigned i = 0; many && i <= PB_SYNC_PEERS_MAX; i++) {
                snprintf(many[i].uri, sizeof(many[i].uri), "%040x", i + 1);
                snprintf(many[i].conversation_id, sizeof(many[i].conversation_id), "%040x", i);
                many[i].added = 1700000000;
        }
        struct pb_device_sync big = { .date = 1, .peers = many, .n_peers = PB_SYNC_PEERS_MAX + 1 };
        CHECK_EQ(pb_device_sync_encode(&big, &buf, &len), -EINVAL);
        big.n_peers = 1000;
        CHECK_EQ(pb_device_sync_encode(&big, &buf, &len), -EMSGSIZE);
        big.n_peers = 400;
        CHECK_EQ(pb_device_sync_encode(&big, &buf, &len), 0);
        CHECK(len <= PB_VALUE_MAX);
        printf("# 400 contacts with conversation ids: %zu bytes\n", len);
        free(buf);
        free(many);
}

int main(void) {
        fill();
        test_jami_bytes();
        test_round_trip();
        test_later_jami();
        test_malformed();
        test_names();
        test_caps();
        return check_summary();
}
