/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct pb_store {
        sqlite3 *db;
};

/* Each entry moves the schema from version i to i+1; never edit a shipped one. */
static const char *const migrations[] = {
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE subscriptions (uri TEXT PRIMARY KEY, added INTEGER NOT NULL);",
};

/* SQLite result codes cross into errno here and nowhere else. */
static int sql_error(int rc) {
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_DONE:
        case SQLITE_ROW: return 0;
        case SQLITE_NOMEM: return -ENOMEM;
        case SQLITE_BUSY:
        case SQLITE_LOCKED: return -EBUSY;
        case SQLITE_FULL: return -ENOSPC;
        case SQLITE_READONLY:
        case SQLITE_PERM: return -EACCES;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB: return -EBADMSG;
        case SQLITE_CANTOPEN: return -ENOENT;
        default: return -EIO;
        }
}

static int exec(pb_store *s, const char *sql) {
        return sql_error(sqlite3_exec(s->db, sql, NULL, NULL, NULL));
}

static int user_version(pb_store *s, int *ret) {
        sqlite3_stmt *st;
        int rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return sql_error(rc);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                *ret = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        return rc == SQLITE_ROW ? 0 : sql_error(rc);
}

static int migrate(pb_store *s) {
        int version = 0;
        int r = user_version(s, &version);
        if (r < 0)
                return r;
        if (version > (int)(sizeof(migrations) / sizeof(migrations[0])))
                return -EPROTO; /* written by a newer peerbook */
        for (; version < (int)(sizeof(migrations) / sizeof(migrations[0])); version++) {
                char bump[64];
                snprintf(bump, sizeof(bump), "PRAGMA user_version=%d;", version + 1);
                if ((r = exec(s, "BEGIN IMMEDIATE")) < 0)
                        return r;
                if ((r = exec(s, migrations[version])) < 0 || (r = exec(s, bump)) < 0) {
                        exec(s, "ROLLBACK");
                        return r;
                }
                if ((r = exec(s, "COMMIT")) < 0)
                        return r;
        }
        return 0;
}

int pb_store_open(const char *path, pb_store **ret) {
        pb_store *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        int rc = sqlite3_open_v2(path, &s->db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 NULL);
        int r = sql_error(rc);
        if (r == 0)
                sqlite3_busy_timeout(s->db, 2000);
        if (r == 0)
                r = exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
        if (r == 0)
                r = migrate(s);
        if (r < 0) {
                pb_store_close(s);
                return r;
        }
        *ret = s;
        return 0;
}

pb_store *pb_store_close(pb_store *s) {
        if (!s)
                return NULL;
        sqlite3_close_v2(s->db);
        free(s);
        return NULL;
}

/* Prepares sql and binds each of the n text arguments. */
static int prepare(pb_store *s, const char *sql, sqlite3_stmt **st, int n, const char *const *args) {
        int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
        if (rc != SQLITE_OK)
                return sql_error(rc);
        for (int i = 0; i < n; i++)
                if ((rc = sqlite3_bind_text(*st, i + 1, args[i], -1, SQLITE_STATIC)) != SQLITE_OK) {
                        sqlite3_finalize(*st);
                        return sql_error(rc);
                }
        return 0;
}

/* Runs one statement that returns no rows: in autocommit mode it is its own
 * transaction, durable when sqlite3_step() returns. */
static int run(pb_store *s, const char *sql, int n, const char *const *args) {
        sqlite3_stmt *st;
        int r = prepare(s, sql, &st, n, args);
        if (r < 0)
                return r;
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : sql_error(rc);
}

int pb_store_get(pb_store *s, const char *key, char *buf, size_t size) {
        sqlite3_stmt *st;
        int r = prepare(s, "SELECT value FROM meta WHERE key = ?", &st, 1, &key);
        if (r < 0)
                return r;
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                const char *v = (const char *)sqlite3_column_text(st, 0);
                size_t n = v ? strlen(v) : 0;
                if (n >= size)
                        r = -ENOBUFS;
                else {
                        memcpy(buf, v ? v : "", n + 1);
                        r = 0;
                }
        } else
                r = rc == SQLITE_DONE ? -ENOENT : sql_error(rc);
        sqlite3_finalize(st);
        return r;
}

int pb_store_set(pb_store *s, const char *key, const char *value) {
        const char *args[] = { key, value };
        return run(s, "INSERT INTO meta(key, value) VALUES(?, ?) "
                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                   2, args);
}

int pb_store_subscription_set(pb_store *s, const char *uri, bool on) {
        if (!on)
                return run(s, "DELETE FROM subscriptions WHERE uri = ?", 1, &uri);
        char now[32];
        snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
        const char *args[] = { uri, now };
        return run(s, "INSERT OR IGNORE INTO subscriptions(uri, added) VALUES(?, ?)", 2, args);
}

int pb_store_subscriptions(pb_store *s, int (*cb)(const char *uri, void *userdata),
                           void *userdata) {
        sqlite3_stmt *st;
        int r = prepare(s, "SELECT uri FROM subscriptions ORDER BY added, uri", &st, 0, NULL);
        if (r < 0)
                return r;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                const char *uri = (const char *)sqlite3_column_text(st, 0);
                if (uri && (r = cb(uri, userdata)) < 0)
                        break;
        }
        sqlite3_finalize(st);
        if (r < 0)
                return r;
        return rc == SQLITE_DONE ? 0 : sql_error(rc);
}
