/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store.h — an account's database: settings and subscriptions (and, later,
 * contacts and requests). One SQLite file per account, WAL journal,
 * synchronous=FULL: every call that changes something commits one
 * transaction before it returns, so a killed process or a power cut loses
 * nothing that was acknowledged. The only file that includes <sqlite3.h>.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct pb_store pb_store;

/* Opens (creating and migrating as needed) the database at path. */
int pb_store_open(const char *path, pb_store **ret);
pb_store *pb_store_close(pb_store *s);

/* A setting; -ENOENT when unset, -ENOBUFS when it does not fit in size. */
int pb_store_get(pb_store *s, const char *key, char *buf, size_t size);
int pb_store_set(pb_store *s, const char *key, const char *value);

/* Adds (on = true) or removes a subscription; idempotent. */
int pb_store_subscription_set(pb_store *s, const char *uri, bool on);
/* Calls cb for each subscription, oldest first; a negative return stops. */
int pb_store_subscriptions(pb_store *s, int (*cb)(const char *uri, void *userdata),
                           void *userdata);
