/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-netaddr.c — addresses' text form, which may be dialled, and this
 * machine's own. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "netaddr.h"

#define SA(ss) ((const struct sockaddr *)(ss))

/* Parses s, formats it back: the same text. */
static void check_round_trip(const char *s, int family, uint16_t port) {
        struct sockaddr_storage ss;
        char text[PB_ADDR_STR_MAX];
        CHECK_EQ(pb_addr_parse(s, &ss), 0);
        CHECK_EQ(ss.ss_family, family);
        CHECK_EQ(pb_addr_port(SA(&ss)), port);
        CHECK_EQ(pb_addr_format(SA(&ss), text), 0);
        CHECK(strcmp(text, s) == 0);
}

static void test_parse_format(void) {
        check_round_trip("1.2.3.4:5", AF_INET, 5);
        check_round_trip("127.0.0.1:65535", AF_INET, 65535);
        check_round_trip("[::1]:4222", AF_INET6, 4222);
        check_round_trip("[2001:db8::42]:1", AF_INET6, 1);
        check_round_trip("[::ffff:10.0.0.1]:80", AF_INET6, 80);
        check_round_trip("0.0.0.0:0", AF_INET, 0); /* parses; pb_addr_usable refuses it */
        /* The longest text fits: what inet_ntop writes, and what inet_pton reads. */
        check_round_trip("[2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535", AF_INET6, 65535);
        struct sockaddr_storage longest;
        CHECK_EQ(pb_addr_parse("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535", &longest),
                 0);

        static const char *const bad[] = {
                "",
                "1.2.3.4",
                "1.2.3.4:",
                ":5",
                "1.2.3:5",
                "1.2.3.4:65536",
                "1.2.3.4:+5",
                "1.2.3.4:05",
                "1.2.3.4:5 ",
                " 1.2.3.4:5",
                "1.2.3.4:123456",
                "01.2.3.4:5",
                "256.1.1.1:5",
                "::1:5",
                "[::1]",
                "[::1]5",
                "[::1]:",
                "[1.2.3.4]:5",
                "[fe80::1%lo]:5",
                "[::1:5",
                "localhost:5",
                "[]:5",
                "1.2.3.4:5:6",
                "1.2.3.4:0x10",
        };
        struct sockaddr_storage ss = { .ss_family = AF_UNIX };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                int r = pb_addr_parse(bad[i], &ss);
                if (r != -EINVAL)
                        fprintf(stderr, "parsed \"%s\"\n", bad[i]);
                CHECK_EQ(r, -EINVAL);
        }
        CHECK_EQ(ss.ss_family, AF_UNIX); /* untouched on failure */
        CHECK_EQ(pb_addr_parse(NULL, &ss), -EINVAL);

        char text[PB_ADDR_STR_MAX];
        CHECK_EQ(pb_addr_format(SA(&ss), text), -EAFNOSUPPORT);
}

static bool usable(const char *s) {
        struct sockaddr_storage ss;
        CHECK_EQ(pb_addr_parse(s, &ss), 0);
        return pb_addr_usable(SA(&ss));
}

static void test_usable(void) {
        static const char *const yes[] = {
                "1.2.3.4:5",          "127.0.0.1:4222", "10.0.0.1:1",
                "223.255.255.255:9",  "[::1]:5",        "[2001:db8::1]:5",
                "[::ffff:1.2.3.4]:5", "[fec0::1]:5",    "1.0.0.0:65535",
        };
        static const char *const no[] = {
                "1.2.3.4:0",
                "0.0.0.0:5",
                "0.1.2.3:5",
                "224.0.0.1:5",
                "239.255.255.250:5",
                "255.255.255.255:5",
                "240.0.0.1:5",
                "[::]:5",
                "[ff02::1]:5",
                "[ff0e::1]:5",
                "[fe80::1]:5",
                "[febf::1]:5",
                "[::1]:0",
                "[::ffff:224.0.0.1]:5",
                "[::ffff:255.255.255.255]:5",
                "[::ffff:0.0.0.0]:5",
        };
        for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
                bool u = usable(yes[i]);
                if (!u)
                        fprintf(stderr, "refused %s\n", yes[i]);
                CHECK(u);
        }
        for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
                bool u = usable(no[i]);
                if (u)
                        fprintf(stderr, "took %s\n", no[i]);
                CHECK(!u);
        }
        struct sockaddr_storage un = { .ss_family = AF_UNIX };
        CHECK(!pb_addr_usable(SA(&un)));
        CHECK(!pb_addr_usable(NULL));
}

static void test_equal_list(void) {
        struct sockaddr_storage a, b, c, d, list[3];
        unsigned n = 0;
        CHECK_EQ(pb_addr_parse("1.2.3.4:5", &a), 0);
        CHECK_EQ(pb_addr_parse("1.2.3.4:6", &b), 0);
        CHECK_EQ(pb_addr_parse("[::ffff:1.2.3.4]:5", &c), 0);
        CHECK_EQ(pb_addr_parse("[::1]:5", &d), 0);
        CHECK(pb_addr_equal(SA(&a), SA(&a)));
        CHECK(!pb_addr_equal(SA(&a), SA(&b))); /* port */
        CHECK(!pb_addr_equal(SA(&a), SA(&c))); /* family */
        CHECK(!pb_addr_equal(SA(&c), SA(&d))); /* address */
        pb_addr_set_port(&b, 5);
        CHECK(pb_addr_equal(SA(&a), SA(&b)));
        CHECK(pb_addr_is_loopback(SA(&d)) && !pb_addr_is_loopback(SA(&a)));

        CHECK(pb_addr_list_add(list, &n, 3, SA(&a)));
        CHECK(!pb_addr_list_add(list, &n, 3, SA(&b))); /* a duplicate */
        CHECK(pb_addr_list_add(list, &n, 3, SA(&c)));
        CHECK(pb_addr_list_add(list, &n, 3, SA(&d)));
        pb_addr_set_port(&d, 7);
        CHECK(!pb_addr_list_add(list, &n, 3, SA(&d))); /* full */
        CHECK_EQ(n, 3);
        CHECK(pb_addr_equal(SA(&list[1]), SA(&c)));
}

static void test_local_addresses(void) {
        struct sockaddr_storage out[64], lo;
        unsigned n = 99, i;
        CHECK_EQ(pb_local_addresses(0, out, 64, &n), -EINVAL);
        CHECK_EQ(n, 99);
        CHECK_EQ(pb_local_addresses(4222, out, 64, &n), 0);
        CHECK_EQ(pb_addr_parse("127.0.0.1:4222", &lo), 0);
        for (i = 0; i < n && !pb_addr_equal(SA(&out[i]), SA(&lo)); i++)
                ;
        CHECK(i < n); /* listed */
        bool seen_loopback = false, ordered = true;
        for (i = 0; i < n; i++) {
                const struct sockaddr *sa = SA(&out[i]);
                char text[PB_ADDR_STR_MAX];
                CHECK(pb_addr_usable(sa) && pb_addr_port(sa) == 4222);
                CHECK_EQ(pb_addr_format(sa, text), 0);
                printf("# %s\n", text);
                ordered &= !seen_loopback || pb_addr_is_loopback(sa);
                seen_loopback |= pb_addr_is_loopback(sa);
                for (unsigned j = 0; j < i; j++)
                        CHECK(!pb_addr_equal(sa, SA(&out[j])));
        }
        CHECK(ordered); /* loopback last */
        unsigned all = n;
        CHECK_EQ(pb_local_addresses(4222, out, 1, &n), 0);
        CHECK_EQ(n, 1);
        CHECK(all == 1 || !pb_addr_is_loopback(SA(&out[0])));
        CHECK_EQ(pb_local_addresses(4222, NULL, 0, &n), 0);
        CHECK_EQ(n, 0);
}

int main(void) {
        test_parse_format();
        test_usable();
        test_equal_list();
        test_local_addresses();
        return check_summary();
}
