/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * udp_buffers.c — give OpenDHT's UDP sockets room for a burst.
 *
 * Why: a signed value with an RSA-4096 key is about 1.7 KB, which OpenDHT
 * sends as several datagrams; one of them dropped costs the whole put a 1 s
 * retry. Linux's default receive buffer (net.core.rmem_default, 208 KiB)
 * holds only a few dozen datagrams, and a node that is not scheduled for a
 * few milliseconds while its neighbours answer a search overflows it:
 * measured on a 20-node loopback network, 1,700 datagrams dropped in one
 * benchmark run and a p95 presence latency of about 1 s (bench/README.md).
 *
 * OpenDHT opens its sockets itself and does not expose them, so we find them
 * by what identifies them: UDP sockets of this process bound to the node's
 * port. Only those are touched.
 */
#define _DEFAULT_SOURCE /* dirfd, SO_RCVBUFFORCE */

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "dht/dht.h"

static bool is_udp_on(int fd, uint16_t port_a, uint16_t port_b) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        int type = 0;
        socklen_t tlen = sizeof(type);
        uint16_t port = 0;

        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 || type != SOCK_DGRAM)
                return false;
        if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
                return false;
        if (ss.ss_family == AF_INET)
                port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        else if (ss.ss_family == AF_INET6)
                port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        return port != 0 && (port == port_a || port == port_b);
}

/* The kernel caps SO_RCVBUF at net.core.rmem_max (and doubles it for its
 * own bookkeeping); a privileged process may go past the cap, which is what
 * SO_RCVBUFFORCE is for. Either way the buffer only costs memory when full. */
static void grow(int fd, int bytes) {
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) < 0)
                (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
}

int pb_udp_grow_buffers(uint16_t port_a, uint16_t port_b, int bytes) {
        DIR *dir;
        struct dirent *e;
        int n = 0;

        if ((port_a == 0 && port_b == 0) || bytes <= 0)
                return -EINVAL;
        dir = opendir("/proc/self/fd");
        if (!dir)
                return -errno;
        while ((e = readdir(dir)) != NULL) {
                char *end;
                long fd = strtol(e->d_name, &end, 10);

                if (*end || end == e->d_name || fd == dirfd(dir))
                        continue;
                if (is_udp_on((int)fd, port_a, port_b)) {
                        grow((int)fd, bytes);
                        n++;
                }
        }
        closedir(dir);
        return n;
}
