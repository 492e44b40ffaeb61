/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-bootstrap.c — the one bootstrap grammar: what it accepts, what it
 * refuses (and names), and how the node reads the entries. */
#include <errno.h>
#include <string.h>

#include "bootstrap.h"
#include "check.h"

/* Reads every entry of a well-formed list into "host port|host port|...". */
static void entries(const char *list, char *out, size_t size) {
        struct pb_bootstrap_entry e;
        const char *cursor = list;
        size_t n = 0;
        int r;

        out[0] = '\0';
        while ((r = pb_bootstrap_next(list, &cursor, &e)) != 0) {
                CHECK_EQ(r, 1);
                n += (size_t)snprintf(out + n, size - n, "%s%s %s", n ? "|" : "", e.host, e.port);
        }
}

static void check_entries(const char *list, const char *expected) {
        char got[1024];

        CHECK_EQ(peerbook_bootstrap_check(list, NULL, NULL), 0);
        entries(list, got, sizeof(got));
        if (strcmp(got, expected) != 0)
                fprintf(stderr, "'%s': got '%s', expected '%s'\n", list, got, expected);
        CHECK(strcmp(got, expected) == 0);
}

/* The first bad entry is named by its offset and length. */
static void check_bad(const char *list, const char *bad) {
        size_t off = 99, len = 99;

        CHECK_EQ(peerbook_bootstrap_check(list, &off, &len), -EINVAL);
        CHECK(off <= strlen(list) && len <= strlen(list) - off);
        if (off > strlen(list) || strncmp(list + off, bad, len) != 0 || strlen(bad) != len)
                fprintf(stderr, "'%s': named '%.*s', expected '%s'\n", list, (int)len,
                        off <= strlen(list) ? list + off : "", bad);
        CHECK(off <= strlen(list) && len == strlen(bad) && strncmp(list + off, bad, len) == 0);
}

int main(void) {
        /* empty lists: a standalone node */
        CHECK_EQ(peerbook_bootstrap_check(NULL, NULL, NULL), 0);
        check_entries("", "");
        check_entries(";", "");
        check_entries(" ; , ", "");

        check_entries("127.0.0.1:4000", "127.0.0.1 4000");
        check_entries("bootstrap.jami.net", "bootstrap.jami.net 4222");
        check_entries("a.example:1;b.example:65535", "a.example 1|b.example 65535");
        check_entries("a:1,b:2", "a 1|b 2");
        check_entries(" a:1 ; b:2 ;", "a 1|b 2");
        check_entries("a:1;;b", "a 1|b 4222");
        check_entries("[::1]:4000", "::1 4000");
        check_entries("[fe80::1%eth0]", "fe80::1%eth0 4222");
        check_entries("2001:db8::1", "2001:db8::1 4222");
        check_entries("my_host-1.lan:80\t", "my_host-1.lan 80");

        check_bad("a b", "a b");
        check_bad("a:1;b :2", "b :2");
        check_bad("a:1;host:", "host:");
        check_bad("host:0", "host:0");
        check_bad("host:65536", "host:65536");
        check_bad("host:-1", "host:-1");
        check_bad("host:+1", "host:+1");
        check_bad("host:0x10", "host:0x10");
        check_bad(":4222", ":4222");
        check_bad("[::1", "[::1");
        check_bad("[]:1", "[]:1");
        check_bad("[host]:1", "[host]:1");
        check_bad("[::1]x", "[::1]x");
        check_bad("x;user@host:1", "user@host:1");
        check_bad("http://host:1", "http://host:1");

        /* the length limit */
        char big[PEERBOOK_BOOTSTRAP_MAX + 8];
        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        CHECK_EQ(peerbook_bootstrap_check(big, NULL, NULL), -EINVAL);
        big[PEERBOOK_BOOTSTRAP_MAX - 1] = '\0'; /* too long a host, but short enough a list */
        CHECK_EQ(peerbook_bootstrap_check(big, NULL, NULL), -EINVAL);

        /* a reader skips a bad entry and goes on */
        struct pb_bootstrap_entry e;
        const char *list = "a b;c:1", *cursor = list;
        CHECK_EQ(pb_bootstrap_next(list, &cursor, &e), -EINVAL);
        CHECK_EQ(pb_bootstrap_next(list, &cursor, &e), 1);
        CHECK(strcmp(e.host, "c") == 0 && strcmp(e.port, "1") == 0);
        CHECK_EQ(pb_bootstrap_next(list, &cursor, &e), 0);
        return check_summary();
}
