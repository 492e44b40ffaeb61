/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

struct pb_store {
        sqlite3 *db;
};

/* Each entry moves the schema from version i to i+1; never edit a shipped one. */
static const char *const migrations[] = {
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE subscriptions (uri TEXT PRIMARY KEY, added INTEGER NOT NULL);",

        /* v2: contacts, pending requests, the devices seen of other accounts, and
         * the request values already handled (a DHT inbox keeps them 7 days). */
        "CREATE TABLE contacts (uri TEXT PRIMARY KEY, added INTEGER NOT NULL,"
        " removed INTEGER NOT NULL, confirmed INTEGER NOT NULL, banned INTEGER NOT NULL,"
        " conversation_id TEXT NOT NULL, payload BLOB, request_id INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE requests (sender TEXT PRIMARY KEY, received INTEGER NOT NULL,"
        " conversation_id TEXT NOT NULL, payload BLOB NOT NULL, device TEXT NOT NULL,"
        " device_pk BLOB NOT NULL, fingerprint TEXT NOT NULL);"
        "CREATE TABLE discarded (sender TEXT NOT NULL, fingerprint TEXT NOT NULL,"
        " at INTEGER NOT NULL, PRIMARY KEY (sender, fingerprint));"
        "CREATE TABLE devices (account TEXT NOT NULL, device TEXT NOT NULL,"
        " pk BLOB NOT NULL, seen INTEGER NOT NULL, PRIMARY KEY (account, device));"
        "CREATE TABLE handled (value_id INTEGER PRIMARY KEY, at INTEGER NOT NULL);",

        /* v3: the account's own devices (ours included), for the device list
         * and the sync between them: last_sync is the date (ns) of the last
         * sync accepted from the device, so that an older one is dropped. */
        "CREATE TABLE own_devices (device TEXT PRIMARY KEY, long_id TEXT NOT NULL,"
        " name TEXT NOT NULL, pk BLOB NOT NULL, last_sync INTEGER NOT NULL DEFAULT 0,"
        " revoked INTEGER NOT NULL DEFAULT 0, seen INTEGER NOT NULL);",
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

/* An open that failed: SQLite's own code says "cannot open", the system's
 * says why (ENOENT, EACCES, EROFS...). */
static int open_error(pb_store *s, int rc) {
        int e = s->db ? sqlite3_system_errno(s->db) : 0;
        return (rc & 0xff) == SQLITE_CANTOPEN && e > 0 ? -e : sql_error(rc);
}

int pb_store_open(const char *path, bool create, pb_store **ret) {
        pb_store *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        /* Made here 0600 like the keys, before SQLite opens it: SQLite would create
         * it 0644 (through the umask), and gives its -wal and -shm files the main
         * file's mode. This also names the cause of a failure plainly (ENOENT,
         * EROFS) and refuses what is not a regular file. */
        int r = pb_file_private(path, create);
        /* An existing account's database is never made anew: a missing one is
         * an error, and so is an empty one (SQLite would take a 0-byte file for
         * a new database), which is kept as it is. */
        int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
        int rc = r < 0 ? SQLITE_OK : sqlite3_open_v2(path, &s->db, flags, NULL);
        if (r == 0 && (r = rc == SQLITE_OK ? 0 : open_error(s, rc)) == 0)
                sqlite3_busy_timeout(s->db, 2000);
        int version = 0;
        if (r == 0 && !create && (r = user_version(s, &version)) == 0 && version == 0)
                r = -EBADMSG;
        if (r == 0)
                r = exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
        if (r == 0)
                r = migrate(s);
        if (r == -EIO && s->db && sqlite3_system_errno(s->db) > 0)
                r = -sqlite3_system_errno(s->db); /* ENOSPC for a -shm file on a full disk */
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
static int prepare(pb_store *s, const char *sql, sqlite3_stmt **st, int n,
                   const char *const *args) {
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
        return run(s,
                   "INSERT INTO meta(key, value) VALUES(?, ?) "
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

/* ---- transactions ---------------------------------------------------------- */

int pb_store_begin(pb_store *s) {
        return exec(s, "BEGIN IMMEDIATE");
}

int pb_store_commit(pb_store *s) {
        return exec(s, "COMMIT");
}

void pb_store_rollback(pb_store *s) {
        exec(s, "ROLLBACK");
}

/* Binds NULL for an absent blob, as SQLite distinguishes NULL from empty. */
static int bind_blob(sqlite3_stmt *st, int i, const uint8_t *p, size_t n) {
        if (!p)
                return sqlite3_bind_null(st, i);
        return sqlite3_bind_blob64(st, i, n ? (const void *)p : "", n, SQLITE_STATIC);
}

static void column_str(sqlite3_stmt *st, int i, char *out, size_t size) {
        const char *v = (const char *)sqlite3_column_text(st, i);
        snprintf(out, size, "%s", v ? v : "");
}

static int step_done(sqlite3_stmt *st) {
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : sql_error(rc);
}

/* ---- contacts ------------------------------------------------------------- */

int pb_store_contact_put(pb_store *s, const struct pb_contact_row *c, const uint8_t *payload,
                         size_t payload_len) {
        sqlite3_stmt *st;
        const char *args[] = { c->uri };
        int r = prepare(s,
                        "INSERT OR REPLACE INTO contacts(uri, added, removed, confirmed, banned,"
                        " conversation_id, payload, request_id) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                        &st, 1, args);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 2, c->added);
        sqlite3_bind_int64(st, 3, c->removed);
        sqlite3_bind_int(st, 4, c->confirmed);
        sqlite3_bind_int(st, 5, c->banned);
        sqlite3_bind_text(st, 6, c->conversation_id, -1, SQLITE_STATIC);
        bind_blob(st, 7, payload, payload_len);
        sqlite3_bind_int64(st, 8, (sqlite3_int64)c->request_id);
        return step_done(st);
}

static int copy_blob(sqlite3_stmt *st, int i, uint8_t **ret, size_t *ret_len) {
        const void *p = sqlite3_column_blob(st, i);
        size_t n = (size_t)sqlite3_column_bytes(st, i);
        *ret = NULL;
        *ret_len = 0;
        if (!p)
                return 0;
        if (!(*ret = malloc(n ? n : 1)))
                return -ENOMEM;
        memcpy(*ret, p, n);
        *ret_len = n;
        return 0;
}

int pb_store_contact_payload(pb_store *s, const char *uri, uint8_t **ret, size_t *ret_len) {
        sqlite3_stmt *st;
        int r = prepare(s, "SELECT payload FROM contacts WHERE uri = ?", &st, 1, &uri);
        if (r < 0)
                return r;
        int rc = sqlite3_step(st);
        r = rc == SQLITE_ROW ? copy_blob(st, 0, ret, ret_len)
                             : (rc == SQLITE_DONE ? -ENOENT : sql_error(rc));
        sqlite3_finalize(st);
        return r;
}

int pb_store_contacts(pb_store *s, int (*cb)(const struct pb_contact_row *c, void *userdata),
                      void *userdata) {
        sqlite3_stmt *st;
        int r = prepare(s,
                        "SELECT uri, added, removed, confirmed, banned, conversation_id,"
                        " request_id FROM contacts ORDER BY uri",
                        &st, 0, NULL);
        if (r < 0)
                return r;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                struct pb_contact_row c;
                column_str(st, 0, c.uri, sizeof(c.uri));
                c.added = sqlite3_column_int64(st, 1);
                c.removed = sqlite3_column_int64(st, 2);
                c.confirmed = sqlite3_column_int(st, 3) != 0;
                c.banned = sqlite3_column_int(st, 4) != 0;
                column_str(st, 5, c.conversation_id, sizeof(c.conversation_id));
                c.request_id = (uint64_t)sqlite3_column_int64(st, 6);
                if ((r = cb(&c, userdata)) < 0)
                        break;
        }
        sqlite3_finalize(st);
        return r < 0 ? r : (rc == SQLITE_DONE ? 0 : sql_error(rc));
}

/* ---- pending requests -------------------------------------------------------- */

int pb_store_request_put(pb_store *s, const struct pb_request_row *q) {
        sqlite3_stmt *st;
        const char *args[] = { q->sender };
        int r = prepare(s,
                        "INSERT OR REPLACE INTO requests(sender, received, conversation_id,"
                        " payload, device, device_pk, fingerprint) VALUES(?, ?, ?, ?, ?, ?, ?)",
                        &st, 1, args);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 2, q->received);
        sqlite3_bind_text(st, 3, q->conversation_id, -1, SQLITE_STATIC);
        bind_blob(st, 4, q->payload ? q->payload : (const uint8_t *)"", q->payload_len);
        sqlite3_bind_text(st, 5, q->device, -1, SQLITE_STATIC);
        bind_blob(st, 6, q->device_pk ? q->device_pk : (const uint8_t *)"", q->device_pk_len);
        sqlite3_bind_text(st, 7, q->fingerprint, -1, SQLITE_STATIC);
        return step_done(st);
}

int pb_store_request_count(pb_store *s, size_t *ret) {
        sqlite3_stmt *st;
        int r = prepare(s, "SELECT COUNT(*) FROM requests", &st, 0, NULL);
        if (r < 0)
                return r;
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                *ret = (size_t)sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return rc == SQLITE_ROW ? 0 : sql_error(rc);
}

int pb_store_request_delete(pb_store *s, const char *sender) {
        int r = run(s, "DELETE FROM requests WHERE sender = ?", 1, &sender);
        if (r < 0)
                return r;
        return sqlite3_changes(s->db) > 0 ? 0 : -ENOENT;
}

int pb_store_requests(pb_store *s, const char *sender,
                      int (*cb)(const struct pb_request_row *r, void *userdata), void *userdata) {
        sqlite3_stmt *st;
        int r = sender ? prepare(s,
                                 "SELECT sender, received, conversation_id, payload, device,"
                                 " device_pk, fingerprint FROM requests WHERE sender = ?",
                                 &st, 1, &sender)
                       : prepare(s,
                                 "SELECT sender, received, conversation_id, payload, device,"
                                 " device_pk, fingerprint FROM requests"
                                 " ORDER BY received, sender",
                                 &st, 0, NULL);
        if (r < 0)
                return r;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                struct pb_request_row q;
                column_str(st, 0, q.sender, sizeof(q.sender));
                q.received = sqlite3_column_int64(st, 1);
                column_str(st, 2, q.conversation_id, sizeof(q.conversation_id));
                q.payload = sqlite3_column_blob(st, 3);
                q.payload_len = (size_t)sqlite3_column_bytes(st, 3);
                column_str(st, 4, q.device, sizeof(q.device));
                q.device_pk = sqlite3_column_blob(st, 5);
                q.device_pk_len = (size_t)sqlite3_column_bytes(st, 5);
                column_str(st, 6, q.fingerprint, sizeof(q.fingerprint));
                if ((r = cb(&q, userdata)) < 0)
                        break;
        }
        sqlite3_finalize(st);
        return r < 0 ? r : (rc == SQLITE_DONE ? 0 : sql_error(rc));
}

/* ---- devices seen ---------------------------------------------------------------- */

int pb_store_device_put(pb_store *s, const char *account, const char *device, const uint8_t *pk,
                        size_t pk_len) {
        sqlite3_stmt *st;
        const char *args[] = { account, device };
        int r = prepare(s,
                        "INSERT OR REPLACE INTO devices(account, device, pk, seen)"
                        " VALUES(?, ?, ?, ?)",
                        &st, 2, args);
        if (r < 0)
                return r;
        bind_blob(st, 3, pk, pk_len);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
        return step_done(st);
}

int pb_store_devices(pb_store *s, const char *account,
                     int (*cb)(const char *device, const uint8_t *pk, size_t pk_len,
                               void *userdata),
                     void *userdata) {
        sqlite3_stmt *st;
        int r = prepare(s, "SELECT device, pk FROM devices WHERE account = ? ORDER BY seen DESC",
                        &st, 1, &account);
        if (r < 0)
                return r;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                char dev[41];
                column_str(st, 0, dev, sizeof(dev));
                if ((r = cb(dev, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
                            userdata)) < 0)
                        break;
        }
        sqlite3_finalize(st);
        return r < 0 ? r : (rc == SQLITE_DONE ? 0 : sql_error(rc));
}

/* ---- handled request values ------------------------------------------------------- */

int pb_store_handled_add(pb_store *s, uint64_t value_id, int64_t now) {
        sqlite3_stmt *st;
        int r = prepare(s, "INSERT OR IGNORE INTO handled(value_id, at) VALUES(?, ?)", &st, 0,
                        NULL);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)value_id);
        sqlite3_bind_int64(st, 2, now);
        if ((r = step_done(st)) < 0)
                return r;
        return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

int pb_store_handled_prune(pb_store *s, int64_t before) {
        sqlite3_stmt *st;
        int r = prepare(s, "DELETE FROM handled WHERE at < ?", &st, 0, NULL);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, before);
        return step_done(st);
}

/* ---- discarded requests ------------------------------------------------------------ */

int pb_store_discarded_add(pb_store *s, const char *sender, const char *fingerprint, int64_t now) {
        sqlite3_stmt *st;
        const char *args[] = { sender, fingerprint };
        int r = prepare(s,
                        "INSERT OR REPLACE INTO discarded(sender, fingerprint, at)"
                        " VALUES(?, ?, ?)",
                        &st, 2, args);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 3, now);
        return step_done(st);
}

int pb_store_discarded_has(pb_store *s, const char *sender, const char *fingerprint) {
        sqlite3_stmt *st;
        const char *args[] = { sender, fingerprint };
        int r = prepare(s, "SELECT 1 FROM discarded WHERE sender = ? AND fingerprint = ?", &st, 2,
                        args);
        if (r < 0)
                return r;
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        return rc == SQLITE_ROW ? 1 : (rc == SQLITE_DONE ? 0 : sql_error(rc));
}

int pb_store_discarded_prune(pb_store *s, int64_t before) {
        sqlite3_stmt *st;
        int r = prepare(s, "DELETE FROM discarded WHERE at < ?", &st, 0, NULL);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, before);
        return step_done(st);
}

int pb_store_handled_has(pb_store *s, uint64_t value_id) {
        sqlite3_stmt *st;
        int r = prepare(s, "SELECT 1 FROM handled WHERE value_id = ?", &st, 0, NULL);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)value_id);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        return rc == SQLITE_ROW ? 1 : (rc == SQLITE_DONE ? 0 : sql_error(rc));
}

/* ---- the account's own devices ------------------------------------------------------ */

int pb_store_own_device_put(pb_store *s, const struct pb_own_device_row *d) {
        sqlite3_stmt *st;
        const char *args[] = { d->device, d->long_id, d->name };
        if (d->pk_len > sizeof(d->pk) || d->last_sync > INT64_MAX)
                return -EINVAL;
        int r = prepare(s,
                        "INSERT OR REPLACE INTO own_devices(device, long_id, name, pk, last_sync,"
                        " revoked, seen) VALUES(?, ?, ?, ?, ?, ?, ?)",
                        &st, 3, args);
        if (r < 0)
                return r;
        bind_blob(st, 4, d->pk, d->pk_len);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)d->last_sync);
        sqlite3_bind_int(st, 6, d->revoked);
        sqlite3_bind_int64(st, 7, d->seen);
        return step_done(st);
}

#define OWN_DEVICE_COLUMNS "device, long_id, name, pk, last_sync, revoked, seen"

/* A row whose key is longer than the buffer was not written by us: -EBADMSG. */
static int own_device_row(sqlite3_stmt *st, struct pb_own_device_row *d) {
        const void *pk = sqlite3_column_blob(st, 3);
        size_t pk_len = (size_t)sqlite3_column_bytes(st, 3);
        if (pk_len > sizeof(d->pk))
                return -EBADMSG;
        column_str(st, 0, d->device, sizeof(d->device));
        column_str(st, 1, d->long_id, sizeof(d->long_id));
        column_str(st, 2, d->name, sizeof(d->name));
        if (pk_len)
                memcpy(d->pk, pk, pk_len);
        d->pk_len = pk_len;
        d->last_sync = (uint64_t)sqlite3_column_int64(st, 4);
        d->revoked = sqlite3_column_int(st, 5) != 0;
        d->seen = sqlite3_column_int64(st, 6);
        return 0;
}

int pb_store_own_device_get(pb_store *s, const char *device, struct pb_own_device_row *ret) {
        sqlite3_stmt *st;
        int r = prepare(s, "SELECT " OWN_DEVICE_COLUMNS " FROM own_devices WHERE device = ?", &st,
                        1, &device);
        if (r < 0)
                return r;
        int rc = sqlite3_step(st);
        r = rc == SQLITE_ROW    ? own_device_row(st, ret)
            : rc == SQLITE_DONE ? -ENOENT
                                : sql_error(rc);
        sqlite3_finalize(st);
        return r;
}

int pb_store_own_devices(pb_store *s, int (*cb)(const struct pb_own_device_row *d, void *userdata),
                         void *userdata) {
        sqlite3_stmt *st;
        struct pb_own_device_row d;
        int r = prepare(s, "SELECT " OWN_DEVICE_COLUMNS " FROM own_devices ORDER BY device", &st, 0,
                        NULL);
        if (r < 0)
                return r;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                if ((r = own_device_row(st, &d)) < 0 || (r = cb(&d, userdata)) < 0)
                        break;
        sqlite3_finalize(st);
        return r < 0 ? r : (rc == SQLITE_DONE ? 0 : sql_error(rc));
}

int pb_store_own_device_delete(pb_store *s, const char *device) {
        int r = run(s, "DELETE FROM own_devices WHERE device = ?", 1, &device);
        if (r < 0)
                return r;
        return sqlite3_changes(s->db) > 0 ? 0 : -ENOENT;
}

int pb_store_own_device_synced(pb_store *s, const char *device, uint64_t date) {
        sqlite3_stmt *st;
        if (date > INT64_MAX)
                return -EINVAL;
        int r = prepare(s,
                        "UPDATE own_devices SET last_sync = ?2"
                        " WHERE device = ?1 AND revoked = 0 AND last_sync < ?2",
                        &st, 1, &device);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 2, (sqlite3_int64)date);
        if ((r = step_done(st)) < 0)
                return r;
        if (sqlite3_changes(s->db) > 0)
                return 1;
        struct pb_own_device_row d; /* why not: unknown (-ENOENT), revoked or stale (0) */
        r = pb_store_own_device_get(s, device, &d);
        return r < 0 ? r : 0;
}

/* Our own syncs' dates: saved before use and only growing, even when the
 * clock goes back, so that no device of the account ever drops one of ours
 * as older than the last it saw, across our restarts too. */
int pb_store_sync_next_date(pb_store *s, uint64_t now_ns, uint64_t *ret) {
        char buf[32];
        uint64_t last = 0, date = now_ns;
        int r = pb_store_get(s, "sync_date", buf, sizeof(buf));
        if (r == 0)
                last = strtoull(buf, NULL, 10);
        else if (r != -ENOENT)
                return r;
        if (date <= last)
                date = last + 1;
        if (date > INT64_MAX) /* what Jami reads; a saved date this far is not ours */
                return -EOVERFLOW;
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)date);
        if ((r = pb_store_set(s, "sync_date", buf)) < 0)
                return r;
        *ret = date;
        return 0;
}
