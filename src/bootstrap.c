/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bootstrap.c — bootstrap lists: one grammar for the library, the daemon and
 * the CLI (see peerbook_bootstrap_check() in peerbook.h).
 *
 * Separators are ';' (Jami's) and ','; neither can occur in a host name or an
 * address, so accepting both costs nothing. Blanks around an entry are
 * trimmed (lists are typed by people), but a blank inside one is an error:
 * "a b" is more likely a forgotten separator than a host.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"

#define SEPARATORS ";,"
#define BLANKS " \t\r\n"
#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"
/* An IPv6 address, with an IPv4 tail or a zone ("fe80::1%eth0") */
#define ADDR6_CHARS NAME_CHARS ":%"

static bool all_of(const char *s, size_t len, const char *set) {
        for (size_t i = 0; i < len; i++)
                if (!s[i] || !strchr(set, s[i]))
                        return false;
        return true;
}

static int copy_host(const char *s, size_t len, const char *set, struct pb_bootstrap_entry *ret) {
        if (len == 0 || len > PB_BOOTSTRAP_HOST_MAX || !all_of(s, len, set))
                return -EINVAL;
        memcpy(ret->host, s, len);
        ret->host[len] = '\0';
        return 0;
}

/* NULL or "" (no port) is the default; otherwise 1..65535 in decimal. */
static int copy_port(const char *s, size_t len, struct pb_bootstrap_entry *ret) {
        if (!s) {
                snprintf(ret->port, sizeof(ret->port), "%u", (unsigned)PEERBOOK_BOOTSTRAP_PORT);
                return 0;
        }
        if (len == 0 || len > 5 || !all_of(s, len, "0123456789"))
                return -EINVAL;
        memcpy(ret->port, s, len);
        ret->port[len] = '\0';
        long port = strtol(ret->port, NULL, 10);
        return port >= 1 && port <= 65535 ? 0 : -EINVAL;
}

/* "host", "host:port", "[v6]", "[v6]:port" or a bare "v6" (two colons or more). */
static int parse_entry(const char *s, size_t len, struct pb_bootstrap_entry *ret) {
        const char *end = s + len;

        if (s[0] == '[') {
                const char *close = memchr(s, ']', len);
                if (!close || copy_host(s + 1, (size_t)(close - s - 1), ADDR6_CHARS, ret) < 0 ||
                    !strchr(ret->host, ':'))
                        return -EINVAL;
                if (close + 1 == end)
                        return copy_port(NULL, 0, ret);
                if (close[1] != ':')
                        return -EINVAL;
                return copy_port(close + 2, (size_t)(end - close - 2), ret);
        }
        const char *colon = memchr(s, ':', len);
        if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1)))
                return copy_host(s, len, ADDR6_CHARS, ret) < 0 ? -EINVAL : copy_port(NULL, 0, ret);
        if (copy_host(s, colon ? (size_t)(colon - s) : len, NAME_CHARS, ret) < 0)
                return -EINVAL;
        return colon ? copy_port(colon + 1, (size_t)(end - colon - 1), ret)
                     : copy_port(NULL, 0, ret);
}

int pb_bootstrap_next(const char *list, const char **cursor, struct pb_bootstrap_entry *ret) {
        const char *p = *cursor;

        for (;;) {
                p += strspn(p, BLANKS);
                if (!*p) {
                        *cursor = p;
                        return 0;
                }
                if (!strchr(SEPARATORS, *p))
                        break;
                p++; /* an empty entry: skipped */
        }
        size_t len = strcspn(p, SEPARATORS);
        while (len && strchr(BLANKS, p[len - 1]))
                len--;
        ret->offset = (size_t)(p - list);
        ret->len = len;
        *cursor = p + strcspn(p, SEPARATORS);
        if (**cursor)
                (*cursor)++;
        return parse_entry(p, len, ret) < 0 ? -EINVAL : 1;
}

int peerbook_bootstrap_check(const char *list, size_t *ret_bad_offset, size_t *ret_bad_len) {
        struct pb_bootstrap_entry e;
        const char *cursor = list;
        int r;

        if (!list)
                return 0;
        if (strlen(list) >= PEERBOOK_BOOTSTRAP_MAX) {
                e.offset = PEERBOOK_BOOTSTRAP_MAX - 1;
                e.len = strlen(list) - e.offset;
                r = -EINVAL;
        } else {
                while ((r = pb_bootstrap_next(list, &cursor, &e)) > 0)
                        ;
        }
        if (r < 0) {
                if (ret_bad_offset)
                        *ret_bad_offset = e.offset;
                if (ret_bad_len)
                        *ret_bad_len = e.len;
        }
        return r;
}
