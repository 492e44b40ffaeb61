/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "lan.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netaddr.h"

#define RECV_BURST 64 /* packets read per readable socket and process(); the rest next time */
#define RETRY_MS PB_LAN_NOTICE_MS /* no interface yet: look again (netlink also tells) */

static const int families[2] = { AF_INET, AF_INET6 };

static int family_index(int family) {
        return family == AF_INET ? 0 : 1;
}

/* ---- where the LAN is --------------------------------------------------- */

static size_t addr_bytes(const struct sockaddr *sa, const uint8_t **ret) {
        if (sa->sa_family == AF_INET) {
                *ret = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
                return 4;
        }
        *ret = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
        return 16;
}

static void add_ifindex(struct pb_lan *l, int fi, unsigned index) {
        for (unsigned i = 0; i < l->n_ifindex[fi]; i++)
                if (l->ifindex[fi][i] == index)
                        return;
        if (l->n_ifindex[fi] < PB_LAN_IFACES_MAX)
                l->ifindex[fi][l->n_ifindex[fi]++] = index;
}

static void add_net(struct pb_lan *l, const struct ifaddrs *ifa) {
        const uint8_t *addr, *mask;
        if (l->n_nets == PB_LAN_NETS_MAX || !ifa->ifa_netmask)
                return;
        size_t n = addr_bytes(ifa->ifa_addr, &addr);
        addr_bytes(ifa->ifa_netmask, &mask);
        struct pb_lan_net *net = &l->nets[l->n_nets++];
        *net = (struct pb_lan_net){ .family = ifa->ifa_addr->sa_family };
        memcpy(net->addr, addr, n);
        memcpy(net->mask, mask, n);
}

/* The interfaces to use: up, multicast-capable, not loopback, with an
 * address of the family; and their subnets, where notices may come from. */
static void find_interfaces(struct pb_lan *l) {
        struct ifaddrs *list;
        l->n_ifindex[0] = l->n_ifindex[1] = 0;
        l->n_nets = 0;
        if (getifaddrs(&list) < 0)
                return;
        for (struct ifaddrs *ifa = list; ifa; ifa = ifa->ifa_next) {
                if (!ifa->ifa_addr ||
                    (ifa->ifa_addr->sa_family != AF_INET && ifa->ifa_addr->sa_family != AF_INET6))
                        continue;
                unsigned flags = ifa->ifa_flags;
                if (!(flags & IFF_UP) || !(flags & IFF_MULTICAST) || (flags & IFF_LOOPBACK))
                        continue;
                unsigned index = if_nametoindex(ifa->ifa_name);
                if (index == 0)
                        continue;
                add_ifindex(l, family_index(ifa->ifa_addr->sa_family), index);
                add_net(l, ifa);
        }
        freeifaddrs(list);
}

static bool same_addr(const struct pb_lan_net *net, const struct sockaddr *sa) {
        const uint8_t *addr;
        size_t n = addr_bytes(sa, &addr);
        return net->family == sa->sa_family && !memcmp(net->addr, addr, n);
}

/* Our own query, back through the group (multicast loop): not answered, so
 * that it costs no answer of the rate (nor a packet to ourselves). */
static bool from_us(const struct pb_lan *l, const struct sockaddr *sa) {
        if (pb_addr_port(sa) != l->own_port[family_index(sa->sa_family)])
                return false;
        for (unsigned i = 0; i < l->n_nets; i++)
                if (same_addr(&l->nets[i], sa))
                        return true;
        return false;
}

static bool in_net(const struct pb_lan_net *net, const struct sockaddr *sa) {
        const uint8_t *addr;
        size_t n = addr_bytes(sa, &addr);
        for (size_t i = 0; i < n; i++)
                if ((addr[i] & net->mask[i]) != (net->addr[i] & net->mask[i]))
                        return false;
        return true;
}

/* A notice from a host of our LAN: a subnet of one of our interfaces (an
 * IPv6 link-local address is on the link by definition). */
static bool from_lan(const struct pb_lan *l, const struct sockaddr *sa) {
        if (sa->sa_family == AF_INET6 &&
            IN6_IS_ADDR_LINKLOCAL(&((const struct sockaddr_in6 *)sa)->sin6_addr))
                return true;
        for (unsigned i = 0; i < l->n_nets; i++)
                if (l->nets[i].family == sa->sa_family && in_net(&l->nets[i], sa))
                        return true;
        return false;
}

/* ---- the sockets ---------------------------------------------------------- */

static void group_address(int family, struct sockaddr_storage *ss) {
        memset(ss, 0, sizeof(*ss));
        if (family == AF_INET) {
                struct sockaddr_in *in = (struct sockaddr_in *)ss;
                in->sin_family = AF_INET;
                in->sin_port = htons(PB_LAN_PORT);
                inet_pton(AF_INET, "239.192.0.1", &in->sin_addr);
        } else {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons(PB_LAN_PORT);
                inet_pton(AF_INET6, "ff08::101", &in6->sin6_addr);
        }
}

/* Joins the group on every interface of the family: how many joined. */
static unsigned join_all(struct pb_lan *l, int fd, int family) {
        int fi = family_index(family);
        struct sockaddr_storage g;
        unsigned joined = 0;
        group_address(family, &g);
        for (unsigned i = 0; i < l->n_ifindex[fi]; i++) {
                int r;
                if (family == AF_INET) {
                        struct ip_mreqn m = { .imr_multiaddr = ((struct sockaddr_in *)&g)->sin_addr,
                                              .imr_ifindex = (int)l->ifindex[fi][i] };
                        r = setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m));
                } else {
                        struct ipv6_mreq m = { .ipv6mr_multiaddr =
                                                       ((struct sockaddr_in6 *)&g)->sin6_addr,
                                               .ipv6mr_interface = l->ifindex[fi][i] };
                        r = setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m, sizeof(m));
                }
                joined += r == 0 || errno == EADDRINUSE;
        }
        return joined;
}

static void on_readable(struct pb_watch *w, uint32_t events);

static int open_socket(struct pb_lan *l, struct pb_lan_sock *s, int family, bool group) {
        int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        int one = 1;
        struct sockaddr_storage ss;
        memset(&ss, 0, sizeof(ss));
        ss.ss_family = (sa_family_t)family;
        if (family == AF_INET6)
                (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (group) {
                (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
                pb_addr_set_port(&ss, PB_LAN_PORT);
        }
        if (bind(fd, (struct sockaddr *)&ss, pb_addr_len((struct sockaddr *)&ss)) < 0 ||
            (group && join_all(l, fd, family) == 0)) {
                int r = -errno;
                close(fd);
                return r ? r : -ENODEV;
        }
        *s = (struct pb_lan_sock){ .watch = { .fd = fd, .cb = on_readable },
                                   .lan = l,
                                   .family = family };
        int r = pb_watch_add(l->poll, &s->watch, EPOLLIN);
        if (r < 0) {
                close(fd);
                s->watch.fd = -1;
        }
        return r;
}

static void close_socket(struct pb_lan *l, struct pb_lan_sock *s) {
        if (s->watch.fd < 0)
                return;
        int fd = s->watch.fd;
        pb_watch_del(l->poll, &s->watch);
        close(fd);
        s->watch.fd = -1;
}

static void close_all(struct pb_lan *l) {
        for (int fi = 0; fi < 2; fi++) {
                close_socket(l, &l->group[fi]);
                close_socket(l, &l->own[fi]);
        }
        l->open = false;
}

/* Opens what the interfaces allow: a family without an interface has no
 * sockets. A group socket that cannot be had (port 8888 held by a process
 * without SO_REUSEADDR) leaves our own: we still query and announce. */
static void open_all(struct pb_lan *l) {
        close_all(l);
        find_interfaces(l);
        for (int fi = 0; fi < 2; fi++) {
                if (l->n_ifindex[fi] == 0)
                        continue;
                if (open_socket(l, &l->own[fi], families[fi], false) == 0) {
                        struct sockaddr_storage ss;
                        socklen_t len = sizeof(ss);
                        if (getsockname(l->own[fi].watch.fd, (struct sockaddr *)&ss, &len) == 0)
                                l->own_port[fi] = pb_addr_port((struct sockaddr *)&ss);
                        l->open = true;
                }
                (void)open_socket(l, &l->group[fi], families[fi], true);
        }
}

/* ---- sending ------------------------------------------------------------ */

struct send_ctx {
        struct pb_lan *l;
        int fi;
        const struct sockaddr *to; /* NULL: the group, out of every interface */
};

static void send_to(int fd, const uint8_t *buf, size_t len, const struct sockaddr *to) {
        /* UDP: a lost packet is repeated by the next notice or query. */
        (void)sendto(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, to, pb_addr_len(to));
}

static void set_interface(int fd, int family, unsigned index) {
        if (family == AF_INET) {
                struct ip_mreqn m = { .imr_ifindex = (int)index };
                (void)setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof(m));
        } else {
                (void)setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof(index));
        }
}

static void send_msg(const struct pb_lan_msg *m, void *arg) {
        struct send_ctx *c = arg;
        struct pb_lan *l = c->l;
        int fd = l->own[c->fi].watch.fd;
        uint8_t buf[PB_LAN_PACKET_MAX];
        int len = pb_lan_encode(m, buf, sizeof(buf));
        if (fd < 0 || len <= 0)
                return;
        if (c->to) {
                send_to(fd, buf, (size_t)len, c->to);
                return;
        }
        struct sockaddr_storage g;
        group_address(families[c->fi], &g);
        for (unsigned i = 0; i < l->n_ifindex[c->fi]; i++) {
                set_interface(fd, families[c->fi], l->ifindex[c->fi][i]);
                send_to(fd, buf, (size_t)len, (struct sockaddr *)&g);
        }
}

static void send_notices(struct pb_lan *l, const struct sockaddr *to) {
        for (int fi = 0; fi < 2; fi++) {
                if (to && to->sa_family != families[fi])
                        continue;
                struct send_ctx c = { .l = l, .fi = fi, .to = to };
                l->ops->notices(l->userdata, families[fi], send_msg, &c);
        }
}

static void send_query(struct pb_lan *l) {
        const struct pb_lan_msg q = { .query = true };
        for (int fi = 0; fi < 2; fi++) {
                struct send_ctx c = { .l = l, .fi = fi };
                send_msg(&q, &c);
        }
}

/* ---- receiving ---------------------------------------------------------- */

static void handle(struct pb_lan *l, const uint8_t *buf, size_t len, const struct sockaddr *from) {
        struct pb_lan_msg m;
        uint64_t now = pb_now_ms();
        bool ok = len <= PB_LAN_PACKET_MAX && from_lan(l, from) && pb_lan_decode(buf, len, &m) == 0;
        if (ok && m.query && from_us(l, from))
                return;
        if (ok && m.query) {
                ok = pb_bucket_take(&l->answers, PB_LAN_ANSWERS_BURST, PB_LAN_ANSWERS_PER_S, now);
                if (ok)
                        send_notices(l, from);
        } else if (ok) {
                ok = (!m.has_dht || m.network == PB_DHT_NETWORK) &&
                     pb_bucket_take(&l->notices_in, PB_LAN_NOTICES_PER_S, PB_LAN_NOTICES_PER_S,
                                    now) &&
                     l->ops->heard(l->userdata, &m, from);
        }
        if (ok)
                l->taken++;
        else
                l->dropped++;
}

static void on_readable(struct pb_watch *w, uint32_t events) {
        (void)events;
        struct pb_lan_sock *s = (struct pb_lan_sock *)w;
        uint8_t buf[PB_LAN_PACKET_MAX + 1];
        for (int i = 0; i < RECV_BURST && w->fd >= 0; i++) {
                struct sockaddr_storage from;
                socklen_t from_len = sizeof(from);
                ssize_t n = recvfrom(w->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
                                     (struct sockaddr *)&from, &from_len);
                if (n < 0)
                        break;
                if (from.ss_family != s->family)
                        continue;
                handle(s->lan, buf, (size_t)n, (struct sockaddr *)&from);
        }
}

/* ---- the schedule -------------------------------------------------------- */

void pb_lan_init(struct pb_lan *l, pb_poll *p, const struct pb_lan_ops *ops, void *userdata,
                 bool disabled) {
        *l = (struct pb_lan){ .poll = p, .ops = ops, .userdata = userdata, .disabled = disabled };
        for (int fi = 0; fi < 2; fi++)
                l->group[fi].watch.fd = l->own[fi].watch.fd = -1;
}

void pb_lan_close(struct pb_lan *l) {
        close_all(l);
}

void pb_lan_network_changed(struct pb_lan *l) {
        l->rejoin = true;
}

uint64_t pb_lan_tick(struct pb_lan *l, uint64_t now) {
        bool changed = false;
        if (l->disabled)
                return UINT64_MAX;
        if (!l->ops->wanted(l->userdata, &changed)) {
                close_all(l);
                l->next_notice = 0;
                return UINT64_MAX;
        }
        bool opened = false;
        if (l->rejoin || (!l->open && now >= l->next_notice)) {
                open_all(l);
                l->rejoin = false;
                opened = l->open;
                if (!opened) { /* no interface yet: netlink or the retry will tell */
                        l->next_notice = now + RETRY_MS;
                        return l->next_notice;
                }
        }
        if (!l->open)
                return l->next_notice;
        if (opened || changed)
                send_query(l);
        if (opened || changed || now >= l->next_notice) {
                send_notices(l, NULL);
                l->next_notice = now + PB_LAN_NOTICE_MS;
        }
        return l->next_notice;
}
