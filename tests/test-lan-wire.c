/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-lan-wire.c — LAN discovery packets (lan_wire.c): Jami's bytes as
 * measured against Debian's jami-daemon (reference/jami-multidevice.md
 * §4.4) decode to what they say, ours encode to the same bytes, and what a
 * forger would send is refused.
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "lan_wire.h"

static pb_hash counting(uint8_t from) {
        pb_hash h;
        for (int i = 0; i < PB_HASH_LEN; i++)
                h.d[i] = (uint8_t)(from + i);
        return h;
}

/* {"dht": [node, 53838, 0], "jami": [account, "Eve LAN"]}: 68 bytes, as Jami sent them. */
static size_t jami_notice(uint8_t *out) {
        static const uint8_t head[] = { 0x82, 0xa3, 'd', 'h', 't', 0x93, 0xc4, 0x14 };
        static const uint8_t mid[] = { 0xcd, 0xd2, 0x4e, 0x00, 0xa4, 'j',
                                       'a',  'm',  'i',  0x92, 0xc4, 0x14 };
        pb_hash node = counting(1), account = counting(2);
        size_t n = 0;
        memcpy(out + n, head, sizeof(head)), n += sizeof(head);
        memcpy(out + n, node.d, PB_HASH_LEN), n += PB_HASH_LEN;
        memcpy(out + n, mid, sizeof(mid)), n += sizeof(mid);
        memcpy(out + n, account.d, PB_HASH_LEN), n += PB_HASH_LEN;
        memcpy(out + n,
               "\xa7"
               "Eve LAN",
               8),
                n += 8;
        return n;
}

static void test_jami_bytes(void) {
        uint8_t jami[128], ours[PB_LAN_PACKET_MAX];
        size_t len = jami_notice(jami);
        CHECK_EQ(len, 68);
        struct pb_lan_msg m;
        CHECK(pb_lan_decode(jami, len, &m) == 0);
        pb_hash node = counting(1), account = counting(2);
        CHECK(!m.query && m.has_dht && m.has_jami);
        CHECK(pb_hash_equal(&m.node, &node) && pb_hash_equal(&m.account, &account));
        CHECK_EQ(m.port, 53838);
        CHECK_EQ(m.network, 0);
        CHECK(!strcmp(m.name, "Eve LAN"));
        /* ours, byte for byte */
        int n = pb_lan_encode(&m, ours, sizeof(ours));
        CHECK_EQ(n, 68);
        CHECK(n == 68 && memcmp(ours, jami, 68) == 0);
}

static void test_query(void) {
        const struct pb_lan_msg q = { .query = true };
        uint8_t buf[8];
        CHECK_EQ(pb_lan_encode(&q, buf, sizeof(buf)), 2);
        CHECK(buf[0] == 0xa1 && buf[1] == 'q');
        struct pb_lan_msg m;
        CHECK(pb_lan_decode(buf, 2, &m) == 0 && m.query);
        static const uint8_t other[] = { 0xa1, 'x' }, longer[] = { 0xa2, 'q', 'q' };
        CHECK_EQ(pb_lan_decode(other, sizeof(other), &m), -EBADMSG);
        CHECK_EQ(pb_lan_decode(longer, sizeof(longer), &m), -EBADMSG);
}

/* One service only, and another service we do not know beside it. */
static void test_one_service(void) {
        struct pb_lan_msg in = { .has_jami = true, .account = counting(9), .name = "Zoë" }, m;
        uint8_t buf[PB_LAN_PACKET_MAX];
        int n = pb_lan_encode(&in, buf, sizeof(buf));
        CHECK(n > 0 && pb_lan_decode(buf, (size_t)n, &m) == 0);
        CHECK(m.has_jami && !m.has_dht && !strcmp(m.name, "Zoë"));
        /* {"sip": 1, "jami": [...]}: a service of someone else's is skipped */
        uint8_t mixed[PB_LAN_PACKET_MAX] = { 0x82, 0xa3, 's', 'i', 'p', 0x01 };
        memcpy(mixed + 6, buf + 1, (size_t)n - 1);
        CHECK(pb_lan_decode(mixed, (size_t)n + 5, &m) == 0 && m.has_jami);
        /* nothing to say is not a packet */
        const struct pb_lan_msg none = { .query = false };
        CHECK_EQ(pb_lan_encode(&none, buf, sizeof(buf)), -EINVAL);
}

/* Each forgery: the 68 bytes of Jami's notice with one thing wrong. */
static void test_forged(void) {
        uint8_t b[128];
        struct pb_lan_msg m;
        size_t len = jami_notice(b);
        b[7] = 0x13; /* a 19-byte node ID */
        CHECK_EQ(pb_lan_decode(b, len - 1, &m), -EBADMSG);
        struct pb_lan_msg zero = { .has_dht = true, .node = counting(4), .port = 0 };
        int zn = pb_lan_encode(&zero, b, sizeof(b)); /* port 0: no node listens there */
        CHECK(zn > 0);
        CHECK_EQ(pb_lan_decode(b, (size_t)zn, &m), -EBADMSG);
        len = jami_notice(b);
        b[len - 4] = 0x1b; /* an escape in the name: not printable */
        CHECK_EQ(pb_lan_decode(b, len, &m), -EBADMSG);
        len = jami_notice(b);
        b[len - 4] = 0xff; /* not UTF-8 */
        CHECK_EQ(pb_lan_decode(b, len, &m), -EBADMSG);
        len = jami_notice(b);
        b[5] = 0x94; /* "dht" with four elements claimed */
        CHECK_EQ(pb_lan_decode(b, len, &m), -EBADMSG);
        len = jami_notice(b);
        CHECK_EQ(pb_lan_decode(b, len + 1, &m), -EBADMSG); /* a trailing byte */
        CHECK_EQ(pb_lan_decode(b, len / 2, &m), -EBADMSG); /* truncated */
        uint8_t big[PB_LAN_PACKET_MAX + 1] = { 0xa1, 'q' };
        CHECK_EQ(pb_lan_decode(big, sizeof(big), &m), -EBADMSG);
        /* a duplicate key: {"jami": [...], "jami": [...]} */
        struct pb_lan_msg in = { .has_jami = true, .account = counting(3), .name = "x" };
        uint8_t one[64], two[128] = { 0x82 };
        int n = pb_lan_encode(&in, one, sizeof(one));
        CHECK(n > 0);
        memcpy(two + 1, one + 1, (size_t)n - 1);
        memcpy(two + n, one + 1, (size_t)n - 1);
        CHECK_EQ(pb_lan_decode(two, 2 * (size_t)n - 1, &m), -EBADMSG);
        /* a name too long to be ours: refused when encoding */
        memset(in.name, 'a', sizeof(in.name));
        CHECK_EQ(pb_lan_encode(&in, big, sizeof(big)), -EINVAL);
}

int main(void) {
        test_jami_bytes();
        test_query();
        test_one_service();
        test_forged();
        return check_summary();
}
