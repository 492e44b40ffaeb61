// SPDX-License-Identifier: GPL-3.0-or-later
//
// LD_PRELOAD shim for Debian's jamid (2023) in the interoperability test.
//
// The ICE library bundled in jamid dumps addresses/links over a netlink
// socket and loops on recv() until it gets a datagram that *starts* with
// NLMSG_DONE. The kernel here appends NLMSG_DONE to the last data datagram
// instead, so that loop blocks forever in recv() and the account stops
// handling DHT events.
//
// Fix: on a netlink socket, when a datagram holds data messages followed by
// NLMSG_DONE, return it without the NLMSG_DONE and hand out a lone NLMSG_DONE
// (same seq/pid) on the next receive call on that socket. A caller that reads
// until a datagram starts with NLMSG_DONE and one that reads until it sees
// NLMSG_DONE anywhere both end their dump correctly. Anything else (other
// sockets, MSG_PEEK, truncated datagrams) passes through untouched.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_FD 65536

static struct pending {
        bool set;
        uint32_t seq, pid;
} pend[MAX_FD];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static bool is_netlink(int fd) {
        int domain = 0;
        socklen_t len = sizeof domain;
        if (fd < 0 || fd >= MAX_FD)
                return false;
        return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 && domain == AF_NETLINK;
}

// A lone NLMSG_DONE into buf (at most len bytes); returns its size.
static ssize_t lone_done(void *buf, size_t len, struct pending p) {
        struct {
                struct nlmsghdr h;
                int32_t status;
        } done;
        memset(&done, 0, sizeof done);
        done.h.nlmsg_len = sizeof done;
        done.h.nlmsg_type = NLMSG_DONE;
        done.h.nlmsg_flags = NLM_F_MULTI;
        done.h.nlmsg_seq = p.seq;
        done.h.nlmsg_pid = p.pid;
        size_t n = len < sizeof done ? len : sizeof done;
        memcpy(buf, &done, n);
        return (ssize_t)n;
}

// Takes the pending lone NLMSG_DONE of fd, if any.
static bool take_pending(int fd, int flags, struct pending *out) {
        bool have = false;
        pthread_mutex_lock(&lock);
        if (pend[fd].set) {
                *out = pend[fd];
                have = true;
                if (!(flags & MSG_PEEK))
                        pend[fd].set = false;
        }
        pthread_mutex_unlock(&lock);
        return have;
}

// NETLINK_FIX_LOG=1: one line on stderr each time a datagram is split.
static void note_split(int fd, size_t kept, size_t total) {
        static int log = -1;
        if (log < 0) {
                const char *v = getenv("NETLINK_FIX_LOG");
                log = v && *v == '1';
        }
        if (!log)
                return;
        char line[128];
        int n = snprintf(line, sizeof line,
                         "netlink_fix: fd %d: %zu-byte datagram ended with NLMSG_DONE; "
                         "returned %zu bytes, a lone NLMSG_DONE next\n",
                         fd, total, kept);
        if (n > 0)
                (void)!write(2, line, (size_t)n);
}

// Looks at a datagram of n bytes just received on fd; returns the length to
// report (without a trailing NLMSG_DONE, which is then pending).
static ssize_t after_recv(int fd, const void *buf, ssize_t n, int flags) {
        if (n <= 0 || (flags & MSG_PEEK))
                return n;
        size_t off = 0, size = (size_t)n;
        while (off + NLMSG_HDRLEN <= size) {
                const struct nlmsghdr *h = (const void *)((const char *)buf + off);
                if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > size - off)
                        return n;
                if (h->nlmsg_type == NLMSG_DONE) {
                        if (off == 0)
                                return n; // already a datagram that starts with DONE
                        pthread_mutex_lock(&lock);
                        pend[fd] = (struct pending){ true, h->nlmsg_seq, h->nlmsg_pid };
                        pthread_mutex_unlock(&lock);
                        note_split(fd, off, size);
                        return (ssize_t)off;
                }
                off += NLMSG_ALIGN(h->nlmsg_len);
        }
        return n;
}

ssize_t recv(int fd, void *buf, size_t len, int flags) {
        static ssize_t (*real)(int, void *, size_t, int);
        if (!real)
                real = (ssize_t(*)(int, void *, size_t, int))dlsym(RTLD_NEXT, "recv");
        if (!is_netlink(fd))
                return real(fd, buf, len, flags);
        struct pending p;
        if (take_pending(fd, flags, &p))
                return lone_done(buf, len, p);
        ssize_t n = real(fd, buf, len, flags);
        return after_recv(fd, buf, n, flags);
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *addr, socklen_t *alen) {
        static ssize_t (*real)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
        if (!real)
                real = (ssize_t(*)(int, void *, size_t, int, struct sockaddr *, socklen_t *))dlsym(
                        RTLD_NEXT, "recvfrom");
        if (!is_netlink(fd))
                return real(fd, buf, len, flags, addr, alen);
        struct pending p;
        if (take_pending(fd, flags, &p)) {
                if (addr && alen && *alen >= sizeof(struct sockaddr_nl)) {
                        struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
                        memcpy(addr, &nl, sizeof nl);
                        *alen = sizeof nl;
                }
                return lone_done(buf, len, p);
        }
        ssize_t n = real(fd, buf, len, flags, addr, alen);
        return after_recv(fd, buf, n, flags);
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
        static ssize_t (*real)(int, struct msghdr *, int);
        if (!real)
                real = (ssize_t(*)(int, struct msghdr *, int))dlsym(RTLD_NEXT, "recvmsg");
        // only the simple one-buffer case is rewritten
        if (!msg || msg->msg_iovlen != 1 || !is_netlink(fd))
                return real(fd, msg, flags);
        struct pending p;
        if (take_pending(fd, flags, &p)) {
                if (msg->msg_name && msg->msg_namelen >= sizeof(struct sockaddr_nl)) {
                        struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
                        memcpy(msg->msg_name, &nl, sizeof nl);
                        msg->msg_namelen = sizeof nl;
                }
                msg->msg_controllen = 0;
                msg->msg_flags = 0;
                return lone_done(msg->msg_iov[0].iov_base, msg->msg_iov[0].iov_len, p);
        }
        ssize_t n = real(fd, msg, flags);
        if (n > 0 && (msg->msg_flags & MSG_TRUNC))
                return n;
        return after_recv(fd, msg->msg_iov[0].iov_base, n, flags);
}
