/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * netaddr.h — socket addresses as peerbook gives them out and dials them:
 * their text form ("1.2.3.4:5", "[::1]:5"), which of them are fit to dial,
 * and this machine's own.
 *
 * Addresses in a connection request come from a peer: pb_addr_usable() is
 * the check every one of them passes before anything connects to it.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define PB_ADDR_STR_MAX 56 /* "[" INET6_ADDRSTRLEN "]:65535", NUL included */

/* Writes "a.b.c.d:port" or "[v6]:port" (inet_ntop's form) into out.
 * -EAFNOSUPPORT for a family other than AF_INET and AF_INET6. */
int pb_addr_format(const struct sockaddr *sa, char out[PB_ADDR_STR_MAX]);
/* The strict inverse of pb_addr_format(): an address inet_pton() takes (no
 * names, no IPv6 scope), a port of 1 to 5 decimal digits without a leading
 * zero, at most 65535 (0 is parsed: pb_addr_usable() refuses it). -EINVAL
 * for anything else. */
int pb_addr_parse(const char *s, struct sockaddr_storage *ret);

/* Whether we may dial the address or give it out: AF_INET or AF_INET6, port
 * != 0, not unspecified (0.0.0.0/8, ::), not multicast (224.0.0.0/4,
 * ff00::/8), not reserved or broadcast (240.0.0.0/4), the same for an
 * IPv4-mapped IPv6 address, and not IPv6 link-local (fe80::/10: it needs a
 * scope id, an interface of ours that no peer can name). Loopback passes:
 * the tests run on 127.0.0.1, and a peer that gives us its loopback only
 * makes us dial ourselves, which the TLS handshake refuses. */
bool pb_addr_usable(const struct sockaddr *sa);
/* 127.0.0.0/8, ::1 or an IPv4-mapped 127.0.0.0/8. */
bool pb_addr_is_loopback(const struct sockaddr *sa);
/* Same family, address and port (IPv6 flow and scope ignored). */
bool pb_addr_equal(const struct sockaddr *a, const struct sockaddr *b);
/* Sets the port of an AF_INET or AF_INET6 address (others are left alone). */
void pb_addr_set_port(struct sockaddr_storage *ss, uint16_t port);
uint16_t pb_addr_port(const struct sockaddr *sa); /* 0 for other families */

/* Copies an AF_INET or AF_INET6 address into zeroed storage; -EAFNOSUPPORT
 * for another family. */
int pb_addr_copy(const struct sockaddr *sa, struct sockaddr_storage *ret);
/* The size of sa's struct (what connect() and bind() take); 0 when it is
 * neither IPv4 nor IPv6. */
socklen_t pb_addr_len(const struct sockaddr *sa);
/* Appends a copy of sa to list[*n] unless it is there (pb_addr_equal) or the
 * list holds max already; returns whether it was added. */
bool pb_addr_list_add(struct sockaddr_storage *list, unsigned *n, unsigned max,
                      const struct sockaddr *sa);

/* This machine's addresses where a listener on `port` (!= 0) may be reached:
 * those of the interfaces that are up (getifaddrs()), each usable one with
 * that port, the others first and loopback last, without duplicates, at
 * most max of them. -EINVAL for port 0; getifaddrs()'s errno. */
int pb_local_addresses(uint16_t port, struct sockaddr_storage *out, unsigned max, unsigned *ret_n);
