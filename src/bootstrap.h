/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bootstrap.h — the one reader of bootstrap lists ("host:port;host:port",
 * Jami's Account.hostname). The grammar is stated above
 * peerbook_bootstrap_check() in peerbook.h; the library checks a list with
 * it when an account is created, imported or updated, and the node reads
 * its entries with it.
 */
#pragma once

#include <stddef.h>

#include "peerbook/peerbook.h"

#define PB_BOOTSTRAP_HOST_MAX 253 /* a DNS name's longest text form */

struct pb_bootstrap_entry {
        char host[PB_BOOTSTRAP_HOST_MAX + 1]; /* without the brackets of an IPv6 address */
        char port[6];                         /* decimal, 1..65535 */
        size_t offset, len;                   /* where the entry is in the list */
};

/* Reads the entry at *cursor and moves *cursor past it and its separator.
 * Returns 1 with *ret filled, 0 at the end of the list, or -EINVAL for a
 * malformed entry (ret->offset and ret->len say which; the cursor still
 * moves on, so that a reader may skip it). `list` is the start of the list,
 * for the offsets. */
int pb_bootstrap_next(const char *list, const char **cursor, struct pb_bootstrap_entry *ret);
