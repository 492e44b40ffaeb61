/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store.c — the account database, one test per table (settings,
 * subscriptions, contacts, requests, devices, handled, discarded, own
 * devices), the sync dates, then transactions, reopening, a corrupt file, a
 * migration from the previous schema, and a schema from the future. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "store.h"
#include "util.h"

static char dir[] = "/tmp/peerbook-test-store-XXXXXX";

/* A fresh database per test, so that one test's rows never explain another's. */
static pb_store *open_fresh(const char *name, char **ret_path) {
        char *path = pb_path_join(dir, name);
        pb_store *s = NULL;
        CHECK_EQ(pb_store_open(path, true, &s), 0);
        *ret_path = path;
        return s;
}

static int count_cb(const char *uri, void *userdata) {
        (*(int *)userdata)++;
        return 0;
}

static void test_settings_subscriptions(void) {
        char *path;
        pb_store *s = open_fresh("settings.db", &path);
        char buf[64];
        CHECK_EQ(pb_store_get(s, "alias", buf, sizeof(buf)), -ENOENT);
        CHECK_EQ(pb_store_set(s, "alias", "alice"), 0);
        CHECK_EQ(pb_store_set(s, "alias", "bob"), 0);
        CHECK_EQ(pb_store_get(s, "alias", buf, 3), -ENOBUFS);
        CHECK_EQ(pb_store_subscription_set(s, "aa", true), 0);
        CHECK_EQ(pb_store_subscription_set(s, "aa", true), 0);
        CHECK_EQ(pb_store_subscription_set(s, "bb", true), 0);
        CHECK_EQ(pb_store_subscription_set(s, "bb", false), 0);
        CHECK_EQ(pb_store_subscription_set(s, "bb", false), 0);
        CHECK_EQ(pb_store_subscription_set(s, "cc", true), 0);
        s = pb_store_close(s);

        /* Everything acknowledged is there after reopening. */
        CHECK_EQ(pb_store_open(path, false, &s), 0);
        CHECK_EQ(pb_store_get(s, "alias", buf, sizeof(buf)), 0);
        CHECK(!strcmp(buf, "bob"));
        int n = 0;
        CHECK_EQ(pb_store_subscriptions(s, count_cb, &n), 0);
        CHECK_EQ(n, 2);
        pb_store_close(s);
        free(path);
}

#define URI_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define URI_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define URI_C "cccccccccccccccccccccccccccccccccccccccc"

struct rows {
        int n;
        struct pb_contact_row contacts[4];
};

static int contact_cb(const struct pb_contact_row *c, void *userdata) {
        struct rows *r = userdata;
        if (r->n < 4)
                r->contacts[r->n] = *c;
        r->n++;
        return 0;
}

static int stop_cb(const struct pb_contact_row *c, void *userdata) {
        (*(int *)userdata)++;
        return -ECANCELED;
}

static void test_contacts(void) {
        char *path;
        pb_store *s = open_fresh("contacts.db", &path);
        struct pb_contact_row a = { .uri = URI_A,
                                    .added = 10,
                                    .removed = 0,
                                    .confirmed = true,
                                    .conversation_id = "conv-a",
                                    .request_id = UINT64_MAX };
        struct pb_contact_row b = { .uri = URI_B, .added = 5, .removed = 7, .banned = true };
        CHECK_EQ(pb_store_contact_put(s, &b, NULL, 0), 0);
        CHECK_EQ(pb_store_contact_put(s, &a, (const uint8_t *)"vcard", 5), 0);
        s = pb_store_close(s);
        CHECK_EQ(pb_store_open(path, true, &s), 0);

        /* Every field comes back, in uri order, a 64-bit request id intact. */
        struct rows r = { 0 };
        CHECK_EQ(pb_store_contacts(s, contact_cb, &r), 0);
        CHECK_EQ(r.n, 2);
        CHECK(!strcmp(r.contacts[0].uri, URI_A));
        CHECK_EQ(r.contacts[0].added, 10);
        CHECK_EQ(r.contacts[0].removed, 0);
        CHECK(r.contacts[0].confirmed && !r.contacts[0].banned);
        CHECK(!strcmp(r.contacts[0].conversation_id, "conv-a"));
        CHECK(r.contacts[0].request_id == UINT64_MAX);
        CHECK(!strcmp(r.contacts[1].uri, URI_B));
        CHECK_EQ(r.contacts[1].removed, 7);
        CHECK(!r.contacts[1].confirmed && r.contacts[1].banned);

        /* The payload: kept, or absent (NULL, also for an empty one: SQLite gives no
         * pointer for a zero-length blob, and a sender needs none). */
        uint8_t *p = NULL;
        size_t n = 0;
        CHECK_EQ(pb_store_contact_payload(s, URI_A, &p, &n), 0);
        CHECK(n == 5 && p && !memcmp(p, "vcard", 5));
        free(p);
        CHECK_EQ(pb_store_contact_payload(s, URI_B, &p, &n), 0);
        CHECK(p == NULL && n == 0);
        CHECK_EQ(pb_store_contact_payload(s, URI_C, &p, &n), -ENOENT);
        b.banned = false;
        CHECK_EQ(pb_store_contact_put(s, &b, (const uint8_t *)"", 0), 0);
        CHECK_EQ(pb_store_contact_payload(s, URI_B, &p, &n), 0);
        CHECK_EQ(n, 0);
        free(p);

        /* A replace changes the row, never adds one; a negative return stops the walk. */
        r.n = 0;
        CHECK_EQ(pb_store_contacts(s, contact_cb, &r), 0);
        CHECK_EQ(r.n, 2);
        CHECK(!r.contacts[1].banned);
        int calls = 0;
        CHECK_EQ(pb_store_contacts(s, stop_cb, &calls), -ECANCELED);
        CHECK_EQ(calls, 1);
        pb_store_close(s);
        free(path);
}

struct seen_requests {
        int n;
        char senders[4][41];
        int64_t received[4];
        size_t payload_len, pk_len;
        char fingerprint[41];
};

static int request_cb(const struct pb_request_row *q, void *userdata) {
        struct seen_requests *r = userdata;
        if (r->n < 4) {
                memcpy(r->senders[r->n], q->sender, sizeof(q->sender));
                r->received[r->n] = q->received;
        }
        r->n++;
        r->payload_len = q->payload_len;
        r->pk_len = q->device_pk_len;
        memcpy(r->fingerprint, q->fingerprint, sizeof(q->fingerprint));
        CHECK(q->payload_len == 0 || !memcmp(q->payload, "hello", q->payload_len));
        CHECK(q->device_pk_len == 0 || !memcmp(q->device_pk, "pk", q->device_pk_len));
        return 0;
}

static void test_requests(void) {
        char *path;
        pb_store *s = open_fresh("requests.db", &path);
        struct pb_request_row q = { .sender = URI_B,
                                    .received = 20,
                                    .conversation_id = "c",
                                    .device = URI_C,
                                    .payload = (const uint8_t *)"hello",
                                    .payload_len = 5,
                                    .device_pk = (const uint8_t *)"pk",
                                    .device_pk_len = 2,
                                    .fingerprint = "f1" };
        CHECK_EQ(pb_store_request_put(s, &q), 0);
        q = (struct pb_request_row){ .sender = URI_A, .received = 30, .fingerprint = "f2" };
        CHECK_EQ(pb_store_request_put(s, &q), 0);
        size_t count = 0;
        CHECK_EQ(pb_store_request_count(s, &count), 0);
        CHECK_EQ(count, 2);

        /* Oldest first; a NULL payload is stored as empty (the column is NOT NULL). */
        struct seen_requests r = { 0 };
        CHECK_EQ(pb_store_requests(s, NULL, request_cb, &r), 0);
        CHECK_EQ(r.n, 2);
        CHECK(!strcmp(r.senders[0], URI_B) && r.received[0] == 20);
        CHECK(!strcmp(r.senders[1], URI_A) && r.received[1] == 30);
        CHECK_EQ(r.payload_len, 0);

        /* One sender's: its blobs intact. A re-send replaces it (one per sender). */
        memset(&r, 0, sizeof(r));
        CHECK_EQ(pb_store_requests(s, URI_B, request_cb, &r), 0);
        CHECK_EQ(r.n, 1);
        CHECK(r.payload_len == 5 && r.pk_len == 2 && !strcmp(r.fingerprint, "f1"));
        q = (struct pb_request_row){ .sender = URI_B, .received = 40, .fingerprint = "f3" };
        CHECK_EQ(pb_store_request_put(s, &q), 0);
        CHECK_EQ(pb_store_request_count(s, &count), 0);
        CHECK_EQ(count, 2);
        memset(&r, 0, sizeof(r));
        CHECK_EQ(pb_store_requests(s, URI_B, request_cb, &r), 0);
        CHECK(r.n == 1 && !strcmp(r.fingerprint, "f3"));

        CHECK_EQ(pb_store_request_delete(s, URI_B), 0);
        CHECK_EQ(pb_store_request_delete(s, URI_B), -ENOENT);
        memset(&r, 0, sizeof(r));
        CHECK_EQ(pb_store_requests(s, URI_B, request_cb, &r), 0);
        CHECK_EQ(r.n, 0);
        CHECK_EQ(pb_store_request_count(s, &count), 0);
        CHECK_EQ(count, 1);
        pb_store_close(s);
        free(path);
}

struct seen_devices {
        int n;
        char first[41];
        size_t first_len;
};

static int device_cb(const char *device, const uint8_t *pk, size_t pk_len, void *userdata) {
        struct seen_devices *d = userdata;
        if (d->n++ == 0) {
                snprintf(d->first, sizeof(d->first), "%s", device);
                d->first_len = pk_len;
        }
        return 0;
}

static void test_devices(void) {
        char *path;
        pb_store *s = open_fresh("devices.db", &path);
        CHECK_EQ(pb_store_device_put(s, URI_A, URI_B, (const uint8_t *)"pk-b", 4), 0);
        CHECK_EQ(pb_store_device_put(s, URI_A, URI_C, (const uint8_t *)"pk-c!", 5), 0);
        CHECK_EQ(pb_store_device_put(s, URI_B, URI_C, (const uint8_t *)"x", 1), 0);
        /* Learning a device again replaces its key, never duplicates it. */
        CHECK_EQ(pb_store_device_put(s, URI_A, URI_B, (const uint8_t *)"pk-b2", 5), 0);
        s = pb_store_close(s);
        CHECK_EQ(pb_store_open(path, true, &s), 0);

        struct seen_devices d = { 0 };
        CHECK_EQ(pb_store_devices(s, URI_A, device_cb, &d), 0);
        CHECK_EQ(d.n, 2);
        memset(&d, 0, sizeof(d));
        CHECK_EQ(pb_store_devices(s, URI_B, device_cb, &d), 0);
        CHECK(d.n == 1 && !strcmp(d.first, URI_C) && d.first_len == 1);
        memset(&d, 0, sizeof(d));
        CHECK_EQ(pb_store_devices(s, URI_C, device_cb, &d), 0);
        CHECK_EQ(d.n, 0);
        pb_store_close(s);
        free(path);
}

static void test_handled(void) {
        char *path;
        pb_store *s = open_fresh("handled.db", &path);
        CHECK_EQ(pb_store_handled_has(s, 1), 0);
        CHECK_EQ(pb_store_handled_add(s, 1, 100), 1);
        CHECK_EQ(pb_store_handled_add(s, 1, 200), 0);
        /* Value ids are 64-bit: the top bit must survive SQLite's signed integers. */
        CHECK_EQ(pb_store_handled_add(s, UINT64_MAX, 300), 1);
        CHECK_EQ(pb_store_handled_has(s, UINT64_MAX), 1);
        CHECK_EQ(pb_store_handled_has(s, UINT64_MAX - 1), 0);
        s = pb_store_close(s);
        CHECK_EQ(pb_store_open(path, true, &s), 0);
        CHECK_EQ(pb_store_handled_has(s, 1), 1);

        /* Pruning forgets the older ones only (the first add's time is kept). */
        CHECK_EQ(pb_store_handled_prune(s, 150), 0);
        CHECK_EQ(pb_store_handled_has(s, 1), 0);
        CHECK_EQ(pb_store_handled_has(s, UINT64_MAX), 1);
        CHECK_EQ(pb_store_handled_add(s, 1, 400), 1);
        pb_store_close(s);
        free(path);
}

static void test_discarded(void) {
        char *path;
        pb_store *s = open_fresh("discarded.db", &path);
        CHECK_EQ(pb_store_discarded_has(s, URI_A, "f1"), 0);
        CHECK_EQ(pb_store_discarded_add(s, URI_A, "f1", 100), 0);
        CHECK_EQ(pb_store_discarded_add(s, URI_A, "f1", 100), 0);
        CHECK_EQ(pb_store_discarded_add(s, URI_A, "f2", 300), 0);
        CHECK_EQ(pb_store_discarded_add(s, URI_B, "f1", 50), 0);
        s = pb_store_close(s);
        CHECK_EQ(pb_store_open(path, true, &s), 0);

        /* Keyed by both sender and fingerprint: a new request from them is not silenced. */
        CHECK_EQ(pb_store_discarded_has(s, URI_A, "f1"), 1);
        CHECK_EQ(pb_store_discarded_has(s, URI_A, "f3"), 0);
        CHECK_EQ(pb_store_discarded_has(s, URI_C, "f1"), 0);
        CHECK_EQ(pb_store_discarded_prune(s, 200), 0);
        CHECK_EQ(pb_store_discarded_has(s, URI_A, "f1"), 0);
        CHECK_EQ(pb_store_discarded_has(s, URI_B, "f1"), 0);
        CHECK_EQ(pb_store_discarded_has(s, URI_A, "f2"), 1);
        pb_store_close(s);
        free(path);
}

struct own_rows {
        int n;
        struct pb_own_device_row first;
};

static int own_cb(const struct pb_own_device_row *d, void *userdata) {
        struct own_rows *r = userdata;
        if (r->n++ == 0)
                r->first = *d;
        return 0;
}

static struct pb_own_device_row own_row(const char *device, const char *name) {
        struct pb_own_device_row d = { .pk_len = 3, .seen = 100 };
        snprintf(d.device, sizeof(d.device), "%s", device);
        memset(d.long_id, 'e', 64);
        snprintf(d.name, sizeof(d.name), "%s", name);
        memcpy(d.pk, "key", 3);
        return d;
}

static void test_own_devices(void) {
        char *path;
        pb_store *s = open_fresh("own.db", &path);
        struct pb_own_device_row b = own_row(URI_B, "desktop"), a = own_row(URI_A, "laptop");
        b.pk_len = PB_OWN_DEVICE_PK_MAX;
        memset(b.pk, 0x5a, b.pk_len);
        CHECK_EQ(pb_store_own_device_put(s, &b), 0);
        CHECK_EQ(pb_store_own_device_put(s, &a), 0);
        b.pk_len = PB_OWN_DEVICE_PK_MAX + 1;
        CHECK_EQ(pb_store_own_device_put(s, &b), -EINVAL);
        s = pb_store_close(s);
        CHECK_EQ(pb_store_open(path, true, &s), 0);

        /* Every field comes back; the walk is in device order. */
        struct pb_own_device_row d;
        CHECK_EQ(pb_store_own_device_get(s, URI_B, &d), 0);
        CHECK(!strcmp(d.device, URI_B) && !strcmp(d.name, "desktop") && strlen(d.long_id) == 64);
        CHECK(d.pk_len == PB_OWN_DEVICE_PK_MAX && d.pk[PB_OWN_DEVICE_PK_MAX - 1] == 0x5a);
        CHECK(d.last_sync == 0 && !d.revoked && d.seen == 100);
        CHECK_EQ(pb_store_own_device_get(s, URI_C, &d), -ENOENT);
        struct own_rows r = { 0 };
        CHECK_EQ(pb_store_own_devices(s, own_cb, &r), 0);
        CHECK(r.n == 2 && !strcmp(r.first.name, "laptop") && r.first.pk_len == 3);

        /* Syncs: newer ones only; a nanosecond date past 2^62 intact. */
        uint64_t t = (1ull << 62) + 5;
        CHECK_EQ(pb_store_own_device_synced(s, URI_A, t), 1);
        CHECK_EQ(pb_store_own_device_synced(s, URI_A, t), 0);
        CHECK_EQ(pb_store_own_device_synced(s, URI_A, t - 1), 0);
        CHECK_EQ(pb_store_own_device_synced(s, URI_A, t + 1), 1);
        CHECK_EQ(pb_store_own_device_synced(s, URI_C, t), -ENOENT);
        CHECK_EQ(pb_store_own_device_synced(s, URI_A, (uint64_t)INT64_MAX + 1), -EINVAL);
        CHECK_EQ(pb_store_own_device_get(s, URI_A, &d), 0);
        CHECK(d.last_sync == t + 1);

        /* A revoked device's syncs are refused; a replace keeps the row single. */
        d.revoked = true;
        d.name[0] = 0;
        CHECK_EQ(pb_store_own_device_put(s, &d), 0);
        CHECK_EQ(pb_store_own_device_synced(s, URI_A, t + 2), 0);
        r.n = 0;
        CHECK_EQ(pb_store_own_devices(s, own_cb, &r), 0);
        CHECK(r.n == 2 && r.first.revoked && r.first.name[0] == 0 && r.first.last_sync == t + 1);

        CHECK_EQ(pb_store_own_device_delete(s, URI_A), 0);
        CHECK_EQ(pb_store_own_device_delete(s, URI_A), -ENOENT);
        r.n = 0;
        CHECK_EQ(pb_store_own_devices(s, own_cb, &r), 0);
        CHECK_EQ(r.n, 1);
        pb_store_close(s);
        free(path);
}

/* Our sync dates only grow: past a clock that went back, and across a reopen. */
static void test_sync_dates(void) {
        char *path;
        pb_store *s = open_fresh("sync-date.db", &path);
        uint64_t d1 = 0, d2 = 0, d3 = 0, d4 = 0;
        CHECK_EQ(pb_store_sync_next_date(s, 1000, &d1), 0);
        CHECK_EQ(pb_store_sync_next_date(s, 1000, &d2), 0);
        CHECK_EQ(pb_store_sync_next_date(s, 10, &d3), 0);
        s = pb_store_close(s);
        CHECK_EQ(pb_store_open(path, true, &s), 0);
        CHECK_EQ(pb_store_sync_next_date(s, 0, &d4), 0);
        CHECK(d1 == 1000 && d2 == 1001 && d3 == 1002 && d4 == 1003);
        CHECK_EQ(pb_store_sync_next_date(s, 5000, &d4), 0);
        CHECK_EQ(d4, 5000);
        CHECK_EQ(pb_store_set(s, "sync_date", "9223372036854775807"), 0);
        CHECK_EQ(pb_store_sync_next_date(s, 0, &d4), -EOVERFLOW);
        pb_store_close(s);
        free(path);
}

static void test_transaction(void) {
        char *path;
        pb_store *s = open_fresh("transaction.db", &path);
        char buf[16];
        CHECK_EQ(pb_store_begin(s), 0);
        CHECK_EQ(pb_store_set(s, "k", "rolled back"), 0);
        CHECK_EQ(pb_store_handled_add(s, 7, 1), 1);
        pb_store_rollback(s);
        CHECK_EQ(pb_store_get(s, "k", buf, sizeof(buf)), -ENOENT);
        CHECK_EQ(pb_store_handled_has(s, 7), 0);
        CHECK_EQ(pb_store_begin(s), 0);
        CHECK_EQ(pb_store_set(s, "k", "kept"), 0);
        CHECK_EQ(pb_store_commit(s), 0);
        s = pb_store_close(s);
        CHECK_EQ(pb_store_open(path, true, &s), 0);
        CHECK_EQ(pb_store_get(s, "k", buf, sizeof(buf)), 0);
        CHECK(!strcmp(buf, "kept"));
        pb_store_close(s);
        free(path);
}

/* A file that is not a database is a clear error, not a crash. */
static void test_corrupt(void) {
        char *bad = pb_path_join(dir, "bad.db");
        pb_store *s = NULL;
        CHECK_EQ(pb_file_write(bad, "definitely not sqlite, just some text here", 42), 0);
        CHECK_EQ(pb_store_open(bad, false, &s), -EBADMSG);
        CHECK(s == NULL);
        free(bad);
}

static int user_version_of(const char *path) {
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        int v = -1;
        if (sqlite3_open(path, &db) == SQLITE_OK &&
            sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return v;
}

/* A database of the previous schema (v2: before own devices) keeps its rows
 * and gains the own_devices table when opened. */
static void test_migration_v3(void) {
        char *path;
        pb_store *s = open_fresh("v2.db", &path);
        int v3 = user_version_of(path);
        CHECK(v3 >= 3);
        struct pb_contact_row c = { .uri = URI_A, .added = 10, .conversation_id = "kept" };
        CHECK_EQ(pb_store_contact_put(s, &c, NULL, 0), 0);
        s = pb_store_close(s);

        sqlite3 *db = NULL;
        CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
        CHECK_EQ(sqlite3_exec(db, "DROP TABLE own_devices; PRAGMA user_version=2;", NULL, NULL,
                              NULL),
                 SQLITE_OK);
        sqlite3_close(db);
        CHECK_EQ(user_version_of(path), 2);

        CHECK_EQ(pb_store_open(path, false, &s), 0);
        CHECK_EQ(user_version_of(path), v3);
        struct rows r = { 0 };
        CHECK_EQ(pb_store_contacts(s, contact_cb, &r), 0);
        CHECK(r.n == 1 && !strcmp(r.contacts[0].conversation_id, "kept"));
        struct pb_own_device_row d = own_row(URI_B, "new");
        CHECK_EQ(pb_store_own_device_put(s, &d), 0);
        CHECK_EQ(pb_store_own_device_get(s, URI_B, &d), 0);
        CHECK_EQ(d.last_sync, 0);
        pb_store_close(s);
        free(path);
}

/* A database written by a newer peerbook (a schema version past ours) is
 * refused, and left as it was: an older program must not downgrade it. */
static void test_future_schema(void) {
        char *path;
        pb_store *s = open_fresh("future.db", &path);
        CHECK_EQ(pb_store_set(s, "alias", "from the future"), 0);
        s = pb_store_close(s);

        sqlite3 *db = NULL;
        CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
        CHECK_EQ(sqlite3_exec(db, "PRAGMA user_version=1000;", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);

        CHECK_EQ(pb_store_open(path, true, &s), -EPROTO);
        CHECK(s == NULL);
        CHECK_EQ(user_version_of(path), 1000);
        free(path);
}

int main(void) {
        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                return EXIT_FAILURE;
        }
        test_settings_subscriptions();
        test_contacts();
        test_requests();
        test_devices();
        test_handled();
        test_discarded();
        test_own_devices();
        test_sync_dates();
        test_transaction();
        test_corrupt();
        test_migration_v3();
        test_future_schema();
        pb_rmtree(dir);
        return check_summary();
}
