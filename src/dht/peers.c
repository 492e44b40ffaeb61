/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * peers.c — reaching known nodes at once after a start.
 *
 * Why: OpenDHT holds every put and listen while it counts itself as
 * "connecting", that is while it knows nodes but none has answered yet.
 * A node restarted from its cache is in that state, and OpenDHT pings its
 * cached nodes only at its maintenance, a second or more later (measured: a
 * standalone node restarted with one cached peer ran its announcement 1.0 s
 * late), and dht_runner_bootstrap() pings nobody in that state. So the node
 * pings, itself, its bootstrap addresses and the peers it knew when it last
 * stopped cleanly: one answer and OpenDHT runs what it held.
 *
 * The peers file is text, one "address port" per line, numeric only.
 */
#define _DEFAULT_SOURCE /* getaddrinfo, getnameinfo, NI_MAXHOST */

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dht/opendht_ext.h"
#include "dht/peers.h"
#include "util.h"

/* Enough to find the network again; OpenDHT's own cache keeps the rest. */
#define MAX_SAVED_PEERS 32
/* "address port\n": an IPv6 address with a scope, a port. */
#define PEER_LINE_MAX (INET6_ADDRSTRLEN + IF_NAMESIZE + 8)
#define PEERS_FILE_MAX (MAX_SAVED_PEERS * PEER_LINE_MAX)

int pb_ping_numeric(dht_runner *runner, const char *host, const char *port) {
        struct addrinfo hints = {
                .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
                .ai_socktype = SOCK_DGRAM,
        };
        struct addrinfo *res = NULL;
        int n = 0;

        if (getaddrinfo(host, port, &hints, &res) != 0)
                return 0;
        for (struct addrinfo *ai = res; ai; ai = ai->ai_next, n++)
                dht_runner_ping(runner, ai->ai_addr, ai->ai_addrlen, NULL, NULL);
        freeaddrinfo(res);
        return n;
}

int pb_peers_save(dht_runner *runner, const char *path) {
        struct sockaddr_storage peers[MAX_SAVED_PEERS];
        char text[PEERS_FILE_MAX];
        size_t n = pb_ext_runner_good_peers(runner, peers, MAX_SAVED_PEERS), len = 0;
        int saved = 0;

        if (n == 0)
                return 0; /* keep what an earlier, connected run saved */
        for (size_t i = 0; i < n; i++) {
                char host[NI_MAXHOST], port[NI_MAXSERV];
                socklen_t sslen = peers[i].ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                                 : sizeof(struct sockaddr_in);
                int w;

                if (getnameinfo((struct sockaddr *)&peers[i], sslen, host, sizeof(host), port,
                                sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
                        continue;
                w = snprintf(text + len, sizeof(text) - len, "%s %s\n", host, port);
                if (w < 0 || (size_t)w >= sizeof(text) - len)
                        break;
                len += (size_t)w;
                saved++;
        }
        int r = pb_file_write(path, text, len);
        return r < 0 ? r : saved;
}

int pb_peers_ping(dht_runner *runner, const char *path) {
        _cleanup_free_ uint8_t *text = NULL;
        size_t len = 0;
        char *line, *save = NULL;
        int n = 0, lines = 0;

        if (pb_file_read(path, PEERS_FILE_MAX, &text, &len) < 0)
                return 0;
        for (line = strtok_r((char *)text, "\n", &save); line && lines < MAX_SAVED_PEERS;
             line = strtok_r(NULL, "\n", &save), lines++) {
                char *port = strchr(line, ' ');

                if (port) {
                        *port++ = '\0';
                        n += pb_ping_numeric(runner, line, port);
                }
        }
        return n;
}
