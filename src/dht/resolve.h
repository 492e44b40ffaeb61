/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * resolve.h — whether the names of a bootstrap list resolve, found out on a
 * thread of its own (getaddrinfo() blocks, for seconds when no DNS server
 * answers), so that the registration detail can tell "this name does not
 * resolve" from "no node answered". Private to src/dht/.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct pb_resolve pb_resolve;

/* Starts resolving every name of `list` (numeric hosts are skipped) on a
 * detached thread; NULL when there is no name (or no memory, or no
 * thread: then nothing is known, which is no error). */
pb_resolve *pb_resolve_start(const char *list);
/* Whether the check is over. */
bool pb_resolve_done(pb_resolve *r);
/* Once done: true when a name did not resolve, with the first such name and
 * getaddrinfo()'s words for why. */
bool pb_resolve_failed(pb_resolve *r, char *host, size_t host_len, char *why, size_t why_len);
/* Drops the caller's reference; the thread holds its own until it ends. */
pb_resolve *pb_resolve_unref(pb_resolve *r);
