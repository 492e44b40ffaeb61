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

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dht/opendht_ext.h"
#include "dht/peers.h"

/* Enough to find the network again; OpenDHT's own cache keeps the rest. */
#define MAX_SAVED_PEERS 32

int pb_ping_numeric(dht_runner *runner, const char *host, const char *port)
{
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

int pb_peers_save(dht_runner *runner, const char *path)
{
        struct sockaddr_storage peers[MAX_SAVED_PEERS];
        char tmp[4096];
        size_t n = pb_ext_runner_good_peers(runner, peers, MAX_SAVED_PEERS);
        FILE *f;
        int saved = 0;

        if (n == 0)
                return 0; /* keep what an earlier, connected run saved */
        if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
                return -ENAMETOOLONG;
        f = fopen(tmp, "w");
        if (!f)
                return -errno;
        for (size_t i = 0; i < n; i++) {
                char host[NI_MAXHOST], port[NI_MAXSERV];
                socklen_t len = peers[i].ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                               : sizeof(struct sockaddr_in);

                if (getnameinfo((struct sockaddr *)&peers[i], len, host, sizeof(host), port,
                                sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) == 0 &&
                    fprintf(f, "%s %s\n", host, port) > 0)
                        saved++;
        }
        if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
                int r = -errno;

                fclose(f);
                unlink(tmp);
                return r;
        }
        fclose(f);
        return rename(tmp, path) == 0 ? saved : -errno;
}

int pb_peers_ping(dht_runner *runner, const char *path)
{
        char host[NI_MAXHOST], port[NI_MAXSERV], line[NI_MAXHOST + NI_MAXSERV + 4];
        FILE *f = fopen(path, "r");
        int n = 0;

        if (!f)
                return 0;
        for (int lines = 0; lines < MAX_SAVED_PEERS && fgets(line, sizeof(line), f); lines++)
                if (sscanf(line, "%1024s %31s", host, port) == 2)
                        n += pb_ping_numeric(runner, host, port);
        fclose(f);
        return n;
}
