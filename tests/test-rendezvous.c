/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-rendezvous.c — the rendezvous value's codec: round trips, and the
 * maps it refuses or reads partly. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "netaddr.h"
#include "wire.h"

#define SA(ss) ((const struct sockaddr *)(ss))

/* ---- a tiny msgpack writer (fixmap, fixarray, str8) ---------------------- */

struct mp {
        uint8_t b[2048];
        size_t n;
};

static void mp_byte(struct mp *m, uint8_t c) {
        if (m->n < sizeof(m->b))
                m->b[m->n++] = c;
}
static void mp_str(struct mp *m, const char *s) {
        size_t len = strlen(s);
        mp_byte(m, 0xd9);
        mp_byte(m, (uint8_t)len);
        for (size_t i = 0; i < len; i++)
                mp_byte(m, (uint8_t)s[i]);
}
static void mp_uint(struct mp *m, uint64_t v) {
        mp_byte(m, 0xcf);
        for (int i = 7; i >= 0; i--)
                mp_byte(m, (uint8_t)(v >> (8 * i)));
}
static void mp_addrs(struct mp *m, unsigned n, const char *const *addrs) {
        mp_str(m, "addrs");
        mp_byte(m, (uint8_t)(0x90 | n));
        for (unsigned i = 0; i < n; i++)
                mp_str(m, addrs[i]);
}

static int decode(const struct mp *m, struct pb_rendezvous *r) {
        return pb_rendezvous_decode(m->b, m->n, r);
}

/* {"answer": false, "addrs": addrs, "id": 42}: our keys in another order. */
static int decode_addrs(unsigned n, const char *const *addrs, struct pb_rendezvous *r) {
        struct mp m = { .n = 0 };
        mp_byte(&m, 0x83);
        mp_str(&m, "answer"), mp_byte(&m, 0xc2);
        mp_addrs(&m, n, addrs);
        mp_str(&m, "id"), mp_uint(&m, 42);
        return decode(&m, r);
}

static void add(struct pb_rendezvous *r, const char *s) {
        CHECK_EQ(pb_addr_parse(s, &r->addrs[r->n_addrs++]), 0);
}

static void test_round_trip(void) {
        struct pb_rendezvous r = { .id = 0x0123456789abcdefULL, .answer = true }, d;
        uint8_t *buf;
        size_t len;
        add(&r, "192.0.2.7:4222");
        add(&r, "[2001:db8::1]:4222");
        add(&r, "127.0.0.1:65535");
        add(&r, "[::1]:1");
        CHECK_EQ(pb_rendezvous_encode(&r, &buf, &len), 0);
        CHECK_EQ(pb_rendezvous_decode(buf, len, &d), 0);
        CHECK(d.id == r.id && d.answer && d.n_addrs == 4);
        for (unsigned i = 0; i < 4; i++)
                CHECK(pb_addr_equal(SA(&d.addrs[i]), SA(&r.addrs[i])));
        /* Every prefix and a trailing byte are refused. */
        unsigned refused = 0;
        for (size_t n = 0; n < len; n++)
                refused += pb_rendezvous_decode(buf, n, &d) == -EBADMSG;
        CHECK_EQ(refused, len);
        free(buf);

        /* No address (a device that only dials out), and the most there may be. */
        r = (struct pb_rendezvous){ .id = 1 };
        CHECK_EQ(pb_rendezvous_encode(&r, &buf, &len), 0);
        CHECK_EQ(pb_rendezvous_decode(buf, len, &d), 0);
        CHECK(d.id == 1 && !d.answer && d.n_addrs == 0);
        free(buf);
        for (unsigned i = 0; i < PB_RDV_ADDRS_MAX; i++)
                add(&r, "[2001:db8:ffff:ffff:ffff:ffff:ffff:ffff]:65535"); /* the longest text */
        r.id = UINT64_MAX;
        CHECK_EQ(pb_rendezvous_encode(&r, &buf, &len), 0);
        CHECK(len <= PB_RDV_MAX);
        CHECK_EQ(pb_rendezvous_decode(buf, len, &d), 0);
        CHECK(d.id == UINT64_MAX && d.n_addrs == PB_RDV_ADDRS_MAX);
        free(buf);

        /* What the encoder refuses to give out. */
        r = (struct pb_rendezvous){ .id = 0 };
        CHECK_EQ(pb_rendezvous_encode(&r, &buf, &len), -EINVAL);
        r.id = 5;
        add(&r, "1.2.3.4:0");
        CHECK_EQ(pb_rendezvous_encode(&r, &buf, &len), -EINVAL);
        r.n_addrs = 0;
        add(&r, "224.0.0.1:5");
        CHECK_EQ(pb_rendezvous_encode(&r, &buf, &len), -EINVAL);
        r.n_addrs = PB_RDV_ADDRS_MAX + 1;
        CHECK_EQ(pb_rendezvous_encode(&r, &buf, &len), -EINVAL);
}

static void test_addresses(void) {
        struct pb_rendezvous d = { .n_addrs = 77 };
        static const char *const mixed[] = { "1.2.3.4:0",   "10.0.0.1:7", "[ff02::1]:5",
                                             "[fe80::1]:5", "0.0.0.0:5",  "255.255.255.255:5",
                                             "[::1]:9" };
        /* Parsed but not usable: skipped, not an error. */
        CHECK_EQ(decode_addrs(7, mixed, &d), 0);
        CHECK(d.id == 42 && !d.answer && d.n_addrs == 2);
        struct sockaddr_storage want;
        CHECK_EQ(pb_addr_parse("10.0.0.1:7", &want), 0);
        CHECK(pb_addr_equal(SA(&d.addrs[0]), SA(&want)));
        CHECK_EQ(pb_addr_parse("[::1]:9", &want), 0);
        CHECK(pb_addr_equal(SA(&d.addrs[1]), SA(&want)));

        static const char *const nine[] = { "1.1.1.1:1", "1.1.1.2:1", "1.1.1.3:1",
                                            "1.1.1.4:1", "1.1.1.5:1", "1.1.1.6:1",
                                            "1.1.1.7:1", "1.1.1.8:1", "1.1.1.9:1" };
        CHECK_EQ(decode_addrs(8, nine, &d), 0);
        CHECK_EQ(d.n_addrs, 8);
        d.n_addrs = 77;
        CHECK_EQ(decode_addrs(9, nine, &d), -EBADMSG);
        CHECK_EQ(d.n_addrs, 77); /* untouched on failure */

        static const char *const bad[] = { "example.org:5", "1.2.3.4", "[::1]",
                                           "1.2.3.4:65536", "",        "[fe80::1%eth0]:5" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                const char *one[] = { "1.2.3.4:5", bad[i] };
                CHECK_EQ(decode_addrs(2, one, &d), -EBADMSG);
        }
}

static void test_refused(void) {
        static const char *const one[] = { "1.2.3.4:5" };
        struct pb_rendezvous d;
        struct mp m;

        m.n = 0; /* no "answer" */
        mp_byte(&m, 0x82), mp_str(&m, "id"), mp_uint(&m, 1), mp_addrs(&m, 1, one);
        CHECK_EQ(decode(&m, &d), -EBADMSG);
        m.n = 0; /* no "addrs" */
        mp_byte(&m, 0x82), mp_str(&m, "id"), mp_uint(&m, 1), mp_str(&m, "answer"),
                mp_byte(&m, 0xc3);
        CHECK_EQ(decode(&m, &d), -EBADMSG);
        m.n = 0; /* an extra key */
        mp_byte(&m, 0x84), mp_str(&m, "id"), mp_uint(&m, 1), mp_addrs(&m, 1, one);
        mp_str(&m, "answer"), mp_byte(&m, 0xc3), mp_str(&m, "x"), mp_byte(&m, 0x01);
        CHECK_EQ(decode(&m, &d), -EBADMSG);
        m.n = 0; /* a key twice */
        mp_byte(&m, 0x84), mp_str(&m, "id"), mp_uint(&m, 1), mp_addrs(&m, 1, one);
        mp_str(&m, "answer"), mp_byte(&m, 0xc3), mp_str(&m, "id"), mp_uint(&m, 2);
        CHECK_EQ(decode(&m, &d), -EBADMSG);
        m.n = 0; /* id 0 */
        mp_byte(&m, 0x83), mp_str(&m, "id"), mp_uint(&m, 0), mp_addrs(&m, 1, one);
        mp_str(&m, "answer"), mp_byte(&m, 0xc3);
        CHECK_EQ(decode(&m, &d), -EBADMSG);
        m.n = 0; /* a negative id */
        mp_byte(&m, 0x83), mp_str(&m, "id"), mp_byte(&m, 0xff), mp_addrs(&m, 1, one);
        mp_str(&m, "answer"), mp_byte(&m, 0xc3);
        CHECK_EQ(decode(&m, &d), -EBADMSG);
        m.n = 0; /* answer as an int */
        mp_byte(&m, 0x83), mp_str(&m, "id"), mp_uint(&m, 1), mp_addrs(&m, 1, one);
        mp_str(&m, "answer"), mp_byte(&m, 0x01);
        CHECK_EQ(decode(&m, &d), -EBADMSG);
        m.n = 0; /* id as a string */
        mp_byte(&m, 0x83), mp_str(&m, "id"), mp_str(&m, "1"), mp_addrs(&m, 1, one);
        mp_str(&m, "answer"), mp_byte(&m, 0xc3);
        CHECK_EQ(decode(&m, &d), -EBADMSG);
        m.n = 0; /* addrs as a string, then an address as bin */
        mp_byte(&m, 0x83), mp_str(&m, "id"), mp_uint(&m, 1), mp_str(&m, "addrs");
        mp_str(&m, "1.2.3.4:5"), mp_str(&m, "answer"), mp_byte(&m, 0xc3);
        CHECK_EQ(decode(&m, &d), -EBADMSG);
        m.n = 0;
        mp_byte(&m, 0x83), mp_str(&m, "id"), mp_uint(&m, 1), mp_str(&m, "addrs");
        mp_byte(&m, 0x91), mp_byte(&m, 0xc4), mp_byte(&m, 3), mp_byte(&m, '1');
        mp_byte(&m, ':'), mp_byte(&m, '1');
        mp_str(&m, "answer"), mp_byte(&m, 0xc3);
        CHECK_EQ(decode(&m, &d), -EBADMSG);
        m.n = 0; /* an array of the three values */
        mp_byte(&m, 0x93), mp_uint(&m, 1), mp_byte(&m, 0x90), mp_byte(&m, 0xc3);
        CHECK_EQ(decode(&m, &d), -EBADMSG);
        m.n = 0; /* an address with a NUL inside */
        mp_byte(&m, 0x83), mp_str(&m, "id"), mp_uint(&m, 1), mp_str(&m, "addrs");
        mp_byte(&m, 0x91), mp_str(&m, "1.2.3.4:5\x01");
        m.b[m.n - 1] = 0;
        mp_str(&m, "answer"), mp_byte(&m, 0xc3);
        CHECK_EQ(decode(&m, &d), -EBADMSG);

        /* More than PB_RDV_MAX bytes are refused before msgpack reads them. */
        static uint8_t big[PB_RDV_MAX + 1];
        m.n = 0;
        mp_byte(&m, 0x83), mp_str(&m, "id"), mp_uint(&m, 1), mp_addrs(&m, 0, NULL);
        mp_str(&m, "answer"), mp_byte(&m, 0xc3);
        memcpy(big, m.b, m.n);
        CHECK_EQ(pb_rendezvous_decode(big, m.n, &d), 0);
        CHECK_EQ(pb_rendezvous_decode(big, sizeof(big), &d), -EBADMSG);
        CHECK_EQ(pb_rendezvous_decode(NULL, 0, &d), -EBADMSG);
}

int main(void) {
        test_round_trip();
        test_addresses();
        test_refused();
        return check_summary();
}
