/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * peers.h — reaching known nodes at once: numeric pings and the peers a node
 * knew at its last stop. Private to src/dht/.
 */
#pragma once

#include <opendht/opendht_c.h>

/* Pings host:port if both are numeric (getaddrinfo would block on a name);
 * returns how many addresses were pinged. */
int pb_ping_numeric(dht_runner *runner, const char *host, const char *port);

/* Writes the node's good peers to `path` (replacing it atomically), for
 * pb_peers_ping() at the next start. Returns how many, or a negative errno. */
int pb_peers_save(dht_runner *runner, const char *path);

/* Pings every peer saved in `path`; a missing or unreadable file is no error.
 * Returns how many were pinged. */
int pb_peers_ping(dht_runner *runner, const char *path);
