/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lan.h — the context's LAN discovery sockets (docs/lan.md): Jami's and
 * OpenDHT's PeerDiscovery on UDP port 8888, groups 239.192.0.1 and ff08::101,
 * packets as lan_wire.h says.
 *
 * Per address family, two sockets in the context's epoll set:
 *   - the group socket, bound to port 8888 with SO_REUSEADDR (Jami's daemon
 *     and other peerbook processes on this host share the port), a member
 *     of the group on every up, multicast-capable interface but loopback:
 *     it hears the LAN's notices and queries;
 *   - our own socket, on an ephemeral port: our queries and notices leave
 *     from it, so that the answers to our queries, sent unicast to where the
 *     query came from, reach this process and not whichever one of the
 *     host's processes holds port 8888 last.
 * Notices go out on every such interface every PB_LAN_NOTICE_MS (OpenDHT
 * 2.4.12 never repeats its own; Jami forgets a peer unheard for 60 s), and
 * at once when ours change; a query, when the sockets open and when the
 * machine's network changes. A query is answered, unicast, with our
 * notices.
 *
 * What is heard is checked before anyone sees it: a packet from outside the
 * subnets of our interfaces, oversized or malformed, of another DHT
 * network, or over the rate limits, is dropped and counted.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "lan_wire.h"
#include "pollset.h"
#include "util.h"

#define PB_LAN_PORT 8888
#define PB_LAN_NOTICE_MS 30000
#define PB_LAN_IFACES_MAX 16
#define PB_LAN_NETS_MAX 32
#define PB_LAN_NOTICES_PER_S 100 /* notices handed to the accounts */
#define PB_LAN_ANSWERS_PER_S 10  /* queries answered... */
#define PB_LAN_ANSWERS_BURST 50  /* ...with room for a LAN's devices all back at once */

typedef void (*pb_lan_send_fn)(const struct pb_lan_msg *m, void *arg);

/* The context's side: its accounts. */
struct pb_lan_ops {
        /* Whether any account wants the LAN (the sockets are open only
         * then); *changed: what one of them announces changed since asked. */
        bool (*wanted)(void *userdata, bool *changed);
        /* Calls send() with each of our notices for `family`. */
        void (*notices)(void *userdata, int family, pb_lan_send_fn send, void *arg);
        /* A notice heard from `from`: false when it was refused. */
        bool (*heard)(void *userdata, const struct pb_lan_msg *m, const struct sockaddr *from);
};

struct pb_lan;

struct pb_lan_sock {
        struct pb_watch watch; /* first: the poll handler is given it */
        struct pb_lan *lan;
        int family;
};

struct pb_lan_net { /* a subnet of one of our interfaces */
        int family;
        uint8_t addr[16], mask[16];
};

struct pb_lan {
        pb_poll *poll;
        const struct pb_lan_ops *ops;
        void *userdata;
        bool disabled; /* peerbook_ctx_options.no_lan */
        bool open;
        bool rejoin;                         /* the network changed: open the sockets again */
        struct pb_lan_sock group[2], own[2]; /* [0] IPv4, [1] IPv6 */
        uint16_t own_port[2];                /* our own socket's: our queries come back from it */
        unsigned ifindex[2][PB_LAN_IFACES_MAX];
        unsigned n_ifindex[2];
        struct pb_lan_net nets[PB_LAN_NETS_MAX];
        unsigned n_nets;
        uint64_t next_notice; /* 0: now */
        struct pb_bucket notices_in, answers;
        uint64_t dropped; /* packets dropped, since the context started */
        uint64_t taken;   /* packets taken */
};

void pb_lan_init(struct pb_lan *l, pb_poll *p, const struct pb_lan_ops *ops, void *userdata,
                 bool disabled);
void pb_lan_close(struct pb_lan *l);
/* Opens or closes the sockets as the accounts want, sends what is due;
 * returns the next deadline (pb_now_ms() clock), UINT64_MAX for none. */
uint64_t pb_lan_tick(struct pb_lan *l, uint64_t now);
/* The machine's network changed: the interfaces are joined again, then a
 * query and our notices go out, at the next tick. */
void pb_lan_network_changed(struct pb_lan *l);
