/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netaddr.c — socket addresses: text form, checks, this machine's own. */
#include "netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The casts from struct sockaddr go through void: the caller's storage is a
 * sockaddr_storage or the family's own struct, aligned for either. */
#define IN4(sa) ((const struct sockaddr_in *)(const void *)(sa))
#define IN6(sa) ((const struct sockaddr_in6 *)(const void *)(sa))

int pb_addr_format(const struct sockaddr *sa, char out[PB_ADDR_STR_MAX]) {
        char host[INET6_ADDRSTRLEN];

        if (!sa || !out)
                return -EINVAL;
        if (sa->sa_family == AF_INET) {
                inet_ntop(AF_INET, &IN4(sa)->sin_addr, host, sizeof(host));
                snprintf(out, PB_ADDR_STR_MAX, "%s:%u", host, ntohs(IN4(sa)->sin_port));
        } else if (sa->sa_family == AF_INET6) {
                inet_ntop(AF_INET6, &IN6(sa)->sin6_addr, host, sizeof(host));
                snprintf(out, PB_ADDR_STR_MAX, "[%s]:%u", host, ntohs(IN6(sa)->sin6_port));
        } else
                return -EAFNOSUPPORT;
        return 0;
}

/* 1 to 5 digits, no sign, no leading zero (what "%u" writes), <= 65535. */
static int parse_port(const char *s, uint16_t *ret) {
        size_t n = strspn(s, "0123456789");
        unsigned long v;

        if (n == 0 || n > 5 || s[n] || (s[0] == '0' && n > 1))
                return -EINVAL;
        v = strtoul(s, NULL, 10);
        if (v > UINT16_MAX)
                return -EINVAL;
        *ret = (uint16_t)v;
        return 0;
}

int pb_addr_parse(const char *s, struct sockaddr_storage *ret) {
        struct sockaddr_storage ss = { 0 };
        char host[INET6_ADDRSTRLEN];
        uint16_t port;

        if (!s || !ret)
                return -EINVAL;
        bool v6 = s[0] == '[';
        const char *start = s + v6, *end = strchr(start, v6 ? ']' : ':');
        if (!end || (v6 && end[1] != ':') || end == start || (size_t)(end - start) >= sizeof(host))
                return -EINVAL;
        memcpy(host, start, (size_t)(end - start));
        host[end - start] = 0;
        if (parse_port(end + 1 + v6, &port) < 0)
                return -EINVAL;
        struct sockaddr_in *in4 = (struct sockaddr_in *)(void *)&ss;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&ss;
        if (v6 ? inet_pton(AF_INET6, host, &in6->sin6_addr) != 1
               : inet_pton(AF_INET, host, &in4->sin_addr) != 1)
                return -EINVAL;
        ss.ss_family = v6 ? AF_INET6 : AF_INET;
        pb_addr_set_port(&ss, port);
        *ret = ss;
        return 0;
}

/* a in host order: not 0.0.0.0/8 (this network), not 224.0.0.0/4
 * (multicast), not 240.0.0.0/4 (reserved, with the broadcast address). */
static bool v4_usable(uint32_t a) {
        return (a >> 24) != 0 && (a >> 28) < 0xe;
}

/* The IPv4 address inside ::ffff:a.b.c.d, in host order. */
static uint32_t v4_mapped(const struct in6_addr *a) {
        uint32_t v;

        memcpy(&v, a->s6_addr + 12, sizeof(v));
        return ntohl(v);
}

bool pb_addr_usable(const struct sockaddr *sa) {
        if (!sa || pb_addr_port(sa) == 0)
                return false;
        if (sa->sa_family == AF_INET)
                return v4_usable(ntohl(IN4(sa)->sin_addr.s_addr));
        const struct in6_addr *a = &IN6(sa)->sin6_addr; /* the port said AF_INET6 */
        if (IN6_IS_ADDR_V4MAPPED(a))
                return v4_usable(v4_mapped(a));
        return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_MULTICAST(a) &&
               !IN6_IS_ADDR_LINKLOCAL(a);
}

bool pb_addr_is_loopback(const struct sockaddr *sa) {
        if (sa && sa->sa_family == AF_INET)
                return ntohl(IN4(sa)->sin_addr.s_addr) >> 24 == 127;
        if (!sa || sa->sa_family != AF_INET6)
                return false;
        const struct in6_addr *a = &IN6(sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && v4_mapped(a) >> 24 == 127);
}

bool pb_addr_equal(const struct sockaddr *a, const struct sockaddr *b) {
        if (!a || !b || a->sa_family != b->sa_family || pb_addr_port(a) != pb_addr_port(b))
                return false;
        if (a->sa_family == AF_INET)
                return IN4(a)->sin_addr.s_addr == IN4(b)->sin_addr.s_addr;
        return a->sa_family == AF_INET6 &&
               memcmp(&IN6(a)->sin6_addr, &IN6(b)->sin6_addr, sizeof(struct in6_addr)) == 0;
}

uint16_t pb_addr_port(const struct sockaddr *sa) {
        if (sa && sa->sa_family == AF_INET)
                return ntohs(IN4(sa)->sin_port);
        if (sa && sa->sa_family == AF_INET6)
                return ntohs(IN6(sa)->sin6_port);
        return 0;
}

void pb_addr_set_port(struct sockaddr_storage *ss, uint16_t port) {
        if (ss->ss_family == AF_INET)
                ((struct sockaddr_in *)(void *)ss)->sin_port = htons(port);
        else if (ss->ss_family == AF_INET6)
                ((struct sockaddr_in6 *)(void *)ss)->sin6_port = htons(port);
}

socklen_t pb_addr_len(const struct sockaddr *sa) {
        return !sa                         ? 0
               : sa->sa_family == AF_INET  ? sizeof(struct sockaddr_in)
               : sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                           : 0;
}

int pb_addr_copy(const struct sockaddr *sa, struct sockaddr_storage *ret) {
        size_t len = pb_addr_len(sa);
        if (!len)
                return -EAFNOSUPPORT;
        memset(ret, 0, sizeof(*ret));
        memcpy(ret, sa, len);
        return 0;
}

bool pb_addr_list_add(struct sockaddr_storage *list, unsigned *n, unsigned max,
                      const struct sockaddr *sa) {
        if (*n >= max)
                return false;
        for (unsigned i = 0; i < *n; i++)
                if (pb_addr_equal((const struct sockaddr *)&list[i], sa))
                        return false;
        if (pb_addr_copy(sa, &list[*n]) < 0)
                return false;
        (*n)++;
        return true;
}

/* Adds the usable addresses of the interfaces that are up, with `port`:
 * the loopback ones only, or all others. */
static void add_interfaces(const struct ifaddrs *list, uint16_t port, bool loopback,
                           struct sockaddr_storage *out, unsigned *n, unsigned max) {
        struct sockaddr_storage ss;

        for (const struct ifaddrs *i = list; i; i = i->ifa_next) {
                if (!i->ifa_addr || !(i->ifa_flags & IFF_UP) || pb_addr_copy(i->ifa_addr, &ss) < 0)
                        continue;
                pb_addr_set_port(&ss, port);
                const struct sockaddr *sa = (const struct sockaddr *)&ss;
                if (pb_addr_usable(sa) && pb_addr_is_loopback(sa) == loopback)
                        pb_addr_list_add(out, n, max, sa);
        }
}

int pb_local_addresses(uint16_t port, struct sockaddr_storage *out, unsigned max, unsigned *ret_n) {
        struct ifaddrs *list;
        unsigned n = 0;

        if (port == 0 || !ret_n || (!out && max))
                return -EINVAL;
        if (getifaddrs(&list) < 0)
                return -errno;
        /* A peer tries them in order: loopback reaches only this machine. */
        add_interfaces(list, port, false, out, &n, max);
        add_interfaces(list, port, true, out, &n, max);
        freeifaddrs(list);
        *ret_n = n;
        return 0;
}
