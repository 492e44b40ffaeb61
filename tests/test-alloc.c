/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-alloc.c — allocation failures, as curl's torture mode and SQLite's OOM
 * tests do: each operation runs again and again with its Nth allocation
 * failing, N = 1, 2, ... until it runs without a failure. Each failed run must
 * return a clean error (-ENOMEM for the codecs) and leave nothing behind: run
 * it under ASan (scripts/test.sh does) for the leaks and the bad frees.
 *
 * The failures come from malloc, calloc and realloc defined here, which every
 * object of the program binds to first (our code, libmsgpackc, libc's strdup)
 * and which forward to the sanitizer's allocator or glibc's; SQLite's own
 * allocator is wrapped through SQLITE_CONFIG_MALLOC, on the same counter.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channel_wire.h"
#include "check.h"
#include "device_sync.h"
#include "jami_archive.h"
#include "lan_wire.h"
#include "pidf.h"
#include "store.h"
#include "util.h"
#include "wire.h"

/* TSan's runtime allocates through calloc while it starts, before it could take
 * the call we forward: no interposer there (this test is for ASan anyway). */
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif

#ifdef UNDER_TSAN
int main(void) {
        printf("# skipped under ThreadSanitizer\n");
        return 77;
}
#else
/* ---- the failing allocator ------------------------------------------------- */

static long fail_at;    /* the allocation (counted from arming) that fails; 0: none */
static long allocs;     /* allocations since arming */
static bool has_failed; /* the armed allocation was reached */

/* The sanitizers' allocators when linked in (weak: absent in a plain build). */
extern void *__interceptor_malloc(size_t n) __attribute__((weak));
extern void *__interceptor_calloc(size_t n, size_t size) __attribute__((weak));
extern void *__interceptor_realloc(void *p, size_t n) __attribute__((weak));
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);

static bool should_fail(void) {
        if (!fail_at || has_failed)
                return false;
        if (++allocs < fail_at)
                return false;
        has_failed = true;
        errno = ENOMEM; /* as malloc(3) does: wire.c tells a failure from a bomb by it */
        return true;
}

void *malloc(size_t n) {
        if (should_fail())
                return NULL;
        return __interceptor_malloc ? __interceptor_malloc(n) : __libc_malloc(n);
}

void *calloc(size_t n, size_t size) {
        if (should_fail())
                return NULL;
        return __interceptor_calloc ? __interceptor_calloc(n, size) : __libc_calloc(n, size);
}

void *realloc(void *p, size_t n) {
        if (should_fail())
                return NULL;
        return __interceptor_realloc ? __interceptor_realloc(p, n) : __libc_realloc(p, n);
}

static sqlite3_mem_methods sqlite_mem;

static void *sqlite_malloc(int n) {
        return should_fail() ? NULL : sqlite_mem.xMalloc(n);
}

static void *sqlite_realloc(void *p, int n) {
        return should_fail() ? NULL : sqlite_mem.xRealloc(p, n);
}

static void sqlite_fail_too(void) {
        sqlite3_mem_methods m;
        CHECK_EQ(sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_mem), SQLITE_OK);
        m = sqlite_mem;
        m.xMalloc = sqlite_malloc;
        m.xRealloc = sqlite_realloc;
        CHECK_EQ(sqlite3_config(SQLITE_CONFIG_MALLOC, &m), SQLITE_OK);
        /* No lookaside: its slots would hide allocations from the counter. */
        CHECK_EQ(sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0), SQLITE_OK);
}

/*
 * Runs op with its 1st, 2nd, ... allocation failing until a run reaches no
 * failure; that run must return 0. Each run with a failure must return
 * -ENOMEM; with sqlite, any negative errno (SQLite may report an allocation
 * failure as an I/O error) or 0 (SQLite retries or does without some
 * allocations, and op checks what it read back).
 */
static void torture(const char *what, int (*op)(void *arg), void *arg, bool sqlite) {
        for (long n = 1; n <= 100000; n++) {
                allocs = 0;
                has_failed = false;
                fail_at = n;
                int r = op(arg);
                fail_at = 0;
                if (!has_failed) {
                        CHECK_EQ(r, 0);
                        printf("# %s: %ld allocations, each failure handled\n", what, n - 1);
                        return;
                }
                if (r == -ENOMEM || (sqlite && r <= 0))
                        continue;
                fprintf(stderr, "%s: allocation %ld failed, but it returned %d\n", what, n, r);
                CHECK(r == -ENOMEM);
                return;
        }
        CHECK(!"the operation never completed");
}

/* ---- codecs --------------------------------------------------------------------- */

struct blob {
        uint8_t *data;
        size_t len;
};

static int announcement_encode(void *arg) {
        struct blob *b = arg;
        pb_hash dev;
        memset(dev.d, 0x11, sizeof(dev.d));
        uint8_t pk[600];
        memset(pk, 0x22, sizeof(pk));
        free(b->data);
        b->data = NULL;
        return pb_announcement_encode(&dev, pk, sizeof(pk), &b->data, &b->len);
}

static int announcement_decode(void *arg) {
        struct blob *b = arg;
        struct pb_announcement a;
        int r = pb_announcement_decode(b->data, b->len, &a);
        if (r == 0 && a.pk_len != 600)
                return -EIO;
        return r;
}

static int device_state_encode(void *arg) {
        struct blob *b = arg;
        struct pb_device_state s = { .seq = 42, .online = true };
        memset(s.dev.d, 0x33, sizeof(s.dev.d));
        free(b->data);
        b->data = NULL;
        return pb_device_state_encode(&s, &b->data, &b->len);
}

static int device_state_decode(void *arg) {
        struct blob *b = arg;
        struct pb_device_state s;
        int r = pb_device_state_decode(b->data, b->len, &s);
        if (r == 0 && (s.seq != 42 || !s.online))
                return -EIO;
        return r;
}

static int trust_request_encode(void *arg) {
        struct blob *b = arg;
        static uint8_t payload[3000];
        memset(payload, 'p', sizeof(payload));
        struct pb_trust_request t = { .service = "jami",
                                      .conversation_id = "c0ffee",
                                      .payload = payload,
                                      .payload_len = sizeof(payload),
                                      .confirm = true,
                                      .request_id = 7 };
        free(b->data);
        b->data = NULL;
        return pb_trust_request_encode(&t, &b->data, &b->len);
}

static int trust_request_decode(void *arg) {
        struct blob *b = arg;
        struct pb_trust_request t;
        int r = pb_trust_request_decode(b->data, b->len, &t);
        if (r < 0)
                return r;
        r = t.payload_len == 3000 && t.request_id == 7 && t.confirm ? 0 : -EIO;
        free(t.payload);
        return r;
}

static int channel_request_encode(void *arg) {
        struct blob *b = arg;
        struct pb_channel_request q = { .name = "sync://0123",
                                        .channel = 0x1234,
                                        .state = PB_CHANNEL_ACCEPT };
        free(b->data);
        b->data = NULL;
        return pb_channel_request_encode(&q, &b->data, &b->len);
}

static int channel_request_decode(void *arg) {
        struct blob *b = arg;
        struct pb_channel_request q;
        int r = pb_channel_request_decode(b->data, b->len, &q);
        if (r == 0 && (q.channel != 0x1234 || q.state != PB_CHANNEL_ACCEPT))
                return -EIO;
        return r;
}

static int protocol_msg_encode(void *arg) {
        struct blob *b = arg;
        struct pb_protocol_msg m = { .kind = PB_PROTOCOL_VERSION, .version = 1 };
        free(b->data);
        b->data = NULL;
        return pb_protocol_msg_encode(&m, &b->data, &b->len);
}

static int protocol_msg_decode(void *arg) {
        struct blob *b = arg;
        struct pb_protocol_msg m;
        int r = pb_protocol_msg_decode(b->data, b->len, &m);
        if (r == 0 && (m.kind != PB_PROTOCOL_VERSION || m.version != 1))
                return -EIO;
        return r;
}

static int rendezvous_encode(void *arg) {
        struct blob *b = arg;
        struct pb_rendezvous r = { .id = 9, .answer = true, .n_addrs = 2 };
        struct sockaddr_in *a = (struct sockaddr_in *)(void *)&r.addrs[0];
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)(void *)&r.addrs[1];
        *a = (struct sockaddr_in){ .sin_family = AF_INET,
                                   .sin_port = htons(4222),
                                   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        *a6 = (struct sockaddr_in6){ .sin6_family = AF_INET6,
                                     .sin6_port = htons(4222),
                                     .sin6_addr = IN6ADDR_LOOPBACK_INIT };
        free(b->data);
        b->data = NULL;
        return pb_rendezvous_encode(&r, &b->data, &b->len);
}

static int rendezvous_decode(void *arg) {
        struct blob *b = arg;
        struct pb_rendezvous r;
        int e = pb_rendezvous_decode(b->data, b->len, &r);
        if (e == 0 && (r.id != 9 || !r.answer || r.n_addrs != 2))
                return -EIO;
        return e;
}

/* A stream of three frames of 3,000 bytes, for frame_read and frame_decode
 * below (the reader allocates only for frames that span reads). */
static int frame_encode(void *arg) {
        struct blob *b = arg;
        static uint8_t payload[3000];
        uint8_t *one;
        size_t len;
        memset(payload, 'f', sizeof(payload));
        free(b->data);
        b->data = NULL;
        int r = pb_frame_encode(7, payload, sizeof(payload), &one, &len);
        if (r < 0)
                return r;
        b->data = malloc(3 * len);
        if (b->data) {
                for (int i = 0; i < 3; i++)
                        memcpy(b->data + i * len, one, len);
                b->len = 3 * len;
        }
        free(one);
        return b->data ? 0 : -ENOMEM;
}

/* Reads the stream in 1,000-byte pieces: every frame spans reads. */
static int frame_read(void *arg) {
        struct blob *b = arg;
        struct pb_frame_reader rd;
        struct pb_frame f;
        int r = 0, frames = 0;
        pb_frame_reader_init(&rd);
        for (size_t off = 0; off < b->len && r >= 0;) {
                size_t piece = b->len - off < 1000 ? b->len - off : 1000, used;
                r = pb_frame_reader_feed(&rd, b->data + off, piece, &used, &f);
                if (r > 0)
                        frames += f.channel == 7 && f.len == 3000 && f.data[2999] == 'f';
                if (r >= 0)
                        off += used;
        }
        if (r >= 0)
                r = frames == 3 && pb_frame_reader_end(&rd) == 0 ? 0 : -EIO;
        pb_frame_reader_done(&rd);
        return r;
}

/* A whole frame decodes where it lies: no allocation to fail. */
static int frame_decode(void *arg) {
        struct blob *b = arg;
        struct pb_frame f;
        int r = pb_frame_decode(b->data, b->len / 3, &f);
        return r == 0 && f.len != 3000 ? -EIO : r;
}

static int pidf_build(void *arg) {
        struct blob *b = arg;
        free(b->data);
        b->data = NULL;
        return pb_pidf_build("0123456789abcdef0123456789abcdef01234567", true,
                             "D\xc3\xa9jeuner <back at 2>", (char **)&b->data, &b->len);
}

/* Through expat: its parser, its buffers, then the note's. */
static int pidf_parse(void *arg) {
        struct blob *b = arg;
        bool open = false;
        char *note = NULL;
        int r = pb_pidf_parse(b->data, b->len, &open, &note);
        if (r == 0 && (!open || strcmp(note, "D\xc3\xa9jeuner <back at 2>")))
                r = -EIO;
        free(note);
        return r;
}

/* Two devices, three contacts, two requests (one with a device key). */
static int device_sync_encode(void *arg) {
        struct blob *b = arg;
        static uint8_t pk[550];
        struct pb_sync_device devs[2] = { { .name = "laptop" }, { .name = "old", .legacy = true } };
        struct pb_contact_row peers[3] = {
                { .uri = "1111111111111111111111111111111111111111",
                  .added = 5,
                  .conversation_id = "c" },
                { .uri = "2222222222222222222222222222222222222222" },
                { .uri = "3333333333333333333333333333333333333333", .removed = 9, .banned = true }
        };
        struct pb_sync_request reqs[2] = { { .device_pk = pk, .device_pk_len = sizeof(pk) },
                                           { .received = 3 } };
        struct pb_device_sync s = { .date = 1ull << 60,
                                    .devices = devs,
                                    .n_devices = 2,
                                    .peers = peers,
                                    .n_peers = 3,
                                    .requests = reqs,
                                    .n_requests = 2 };
        memset(devs[0].long_id, 1, sizeof(devs[0].long_id));
        memset(devs[1].id.d, 2, sizeof(devs[1].id.d));
        memset(reqs[0].from.d, 4, sizeof(reqs[0].from.d));
        memset(reqs[1].from.d, 5, sizeof(reqs[1].from.d));
        free(b->data);
        b->data = NULL;
        return pb_device_sync_encode(&s, &b->data, &b->len);
}

/* A LAN notice with both services (lan_wire.c), into b and back. */
static int lan_encode(void *arg) {
        struct blob *b = arg;
        struct pb_lan_msg m = { .has_dht = true, .port = 4222, .has_jami = true, .name = "Eve" };
        memset(m.node.d, 7, sizeof(m.node.d));
        free(b->data);
        b->data = malloc(PB_LAN_PACKET_MAX);
        if (!b->data)
                return -ENOMEM;
        int n = pb_lan_encode(&m, b->data, PB_LAN_PACKET_MAX);
        b->len = n > 0 ? (size_t)n : 0;
        return n < 0 ? n : 0;
}

static int lan_decode(void *arg) {
        struct blob *b = arg;
        struct pb_lan_msg m;
        int r = pb_lan_decode(b->data, b->len, &m);
        if (r < 0)
                return r;
        return m.has_dht && m.has_jami && m.port == 4222 && !strcmp(m.name, "Eve") ? 0 : -EBADMSG;
}

static int device_sync_decode(void *arg) {
        struct blob *b = arg;
        struct pb_device_sync s;
        int r = pb_device_sync_decode(b->data, b->len, &s);
        if (r < 0)
                return r;
        r = s.n_devices == 2 && s.n_peers == 3 && s.n_requests == 2 &&
                            s.requests[0].device_pk_len == 550
                    ? 0
                    : -EIO;
        pb_device_sync_clear(&s);
        return r;
}

/* Jami's archive: JSON (jansson), gzip or zlib, base64, argon2 and AES-GCM
 * (GnuTLS), the latter at the test cost. A fixed archive with two contacts
 * and a kept entry. */
static const char *jami_password;

static int jami_encode(void *arg) {
        struct blob *b = arg;
        struct pb_contact_row c[2] = { { .uri = "0123456789abcdef0123456789abcdef01234567",
                                         .added = 5,
                                         .conversation_id = "c" },
                                       { .uri = "89abcdef0123456789abcdef0123456789abcdef",
                                         .added = 1,
                                         .removed = 2,
                                         .banned = true } };
        struct pb_jami_archive a = { .key = (uint8_t *)"KEY",
                                     .key_len = 3,
                                     .cert = (uint8_t *)"CERT",
                                     .cert_len = 4,
                                     .alias = "Alice",
                                     .contacts = c,
                                     .n_contacts = 2 };
        a.extra = json_pack("{s:s}", "ethKey", "AAEC");
        int r = a.extra ? 0 : -ENOMEM;
        free(b->data);
        b->data = NULL;
        if (r == 0)
                r = pb_jami_archive_encode(&a, jami_password, &b->data, &b->len);
        a.key = a.cert = NULL;
        a.contacts = NULL;
        pb_jami_archive_clear(&a);
        return r;
}

static int jami_decode(void *arg) {
        struct blob *b = arg;
        struct pb_jami_archive a;
        int r = pb_jami_archive_decode(b->data, b->len, jami_password, &a);
        if (r < 0)
                return r;
        /* What a failed allocation must never give: a wrong archive. But
         * jansson 2.14 turns a string value whose copy it could not allocate
         * into "" and goes on (seen here with Account.displayName): the
         * alias is the one string that may come back empty. */
        CHECK(a.n_contacts == 2 && a.key_len == 3 && a.contacts[1].banned &&
              json_object_get(a.extra, "ethKey"));
        CHECK(!strcmp(a.alias, "Alice") || !a.alias[0]);
        pb_jami_archive_clear(&a);
        return 0;
}

static void test_jami_archive(void) {
        struct blob b = { 0 };
        torture("jami archive encode (gzip)", jami_encode, &b, false);
        /* jansson reports some allocation failures as syntax errors: a
         * failed decode may say -EBADMSG (as the SQLite runs may say -EIO). */
        torture("jami archive decode (gzip)", jami_decode, &b, true);
        pb_jami_archive_test_cost(1, 8);
        jami_password = "secret";
        /* GnuTLS's generator, set up on first use in a thread, reports its
         * allocation failure as a failure of randomness (-EIO here). */
        torture("jami archive encode (password)", jami_encode, &b, true);
        torture("jami archive decode (password)", jami_decode, &b, true);
        pb_jami_archive_test_cost(0, 0);
        free(b.data);
}

static void test_codecs(void) {
        struct blob b = { 0 };
        torture("announcement encode", announcement_encode, &b, false);
        torture("announcement decode", announcement_decode, &b, false);
        torture("device state encode", device_state_encode, &b, false);
        torture("device state decode", device_state_decode, &b, false);
        torture("trust request encode", trust_request_encode, &b, false);
        torture("trust request decode", trust_request_decode, &b, false);
        torture("channel request encode", channel_request_encode, &b, false);
        torture("channel request decode", channel_request_decode, &b, false);
        torture("protocol message encode", protocol_msg_encode, &b, false);
        torture("protocol message decode", protocol_msg_decode, &b, false);
        torture("rendezvous encode", rendezvous_encode, &b, false);
        torture("rendezvous decode", rendezvous_decode, &b, false);
        torture("device sync encode", device_sync_encode, &b, false);
        torture("device sync decode", device_sync_decode, &b, false);
        torture("frame encode", frame_encode, &b, false);
        torture("frame read", frame_read, &b, false);
        torture("frame decode", frame_decode, &b, false);
        torture("pidf build", pidf_build, &b, false);
        torture("pidf parse", pidf_parse, &b, false);
        torture("LAN notice encode", lan_encode, &b, false);
        torture("LAN notice decode", lan_decode, &b, false);
        free(b.data);
}

/* ---- the store --------------------------------------------------------------------- */

static char dir[] = "/tmp/peerbook-test-alloc-XXXXXX";
static char *db_path;

/* Each run opens a new database: creation and every migration. */
static int store_create(void *arg) {
        static const char *const suffixes[] = { "", "-wal", "-shm" };
        for (size_t i = 0; i < 3; i++) {
                char p[512];
                snprintf(p, sizeof(p), "%s%s", db_path, suffixes[i]);
                unlink(p);
        }
        pb_store *s = NULL;
        int r = pb_store_open(db_path, true, &s);
        if (r == 0 && s == NULL)
                return -EIO;
        pb_store_close(s);
        return r;
}

static int count_contact(const struct pb_contact_row *c, void *userdata) {
        (*(int *)userdata)++;
        return 0;
}

static int count_request(const struct pb_request_row *q, void *userdata) {
        (*(int *)userdata)++;
        return 0;
}

static int count_device(const char *device, const uint8_t *pk, size_t pk_len, void *userdata) {
        (*(int *)userdata)++;
        return 0;
}

static int count_own(const struct pb_own_device_row *d, void *userdata) {
        (*(int *)userdata)++;
        return 0;
}

#define URI_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* Every table, written then read; each write replaces, so a run may repeat. */
static int store_tables(void *arg) {
        pb_store *s = NULL;
        int r = pb_store_open(db_path, true, &s);
        if (r < 0)
                return r;
        char buf[32];
        struct pb_contact_row c = { .uri = URI_A, .added = 1, .conversation_id = "c" };
        struct pb_request_row q = { .sender = URI_A,
                                    .received = 1,
                                    .device = URI_A,
                                    .payload = (const uint8_t *)"hi",
                                    .payload_len = 2,
                                    .fingerprint = "f" };
        struct pb_own_device_row own = { .device = URI_A, .name = "laptop", .pk_len = 2 };
        uint8_t *payload = NULL;
        uint64_t date = 0;
        size_t len, count;
        int n_contacts = 0, n_requests = 0, n_devices = 0, n_own = 0;
        if ((r = pb_store_set(s, "alias", "alice")) < 0 ||
            (r = pb_store_get(s, "alias", buf, sizeof(buf))) < 0 ||
            (r = pb_store_subscription_set(s, URI_A, true)) < 0 ||
            (r = pb_store_contact_put(s, &c, (const uint8_t *)"card", 4)) < 0 ||
            (r = pb_store_contact_payload(s, URI_A, &payload, &len)) < 0 ||
            (r = pb_store_contacts(s, count_contact, &n_contacts)) < 0 ||
            (r = pb_store_request_put(s, &q)) < 0 || (r = pb_store_request_count(s, &count)) < 0 ||
            (r = pb_store_requests(s, NULL, count_request, &n_requests)) < 0 ||
            (r = pb_store_device_put(s, URI_A, URI_A, (const uint8_t *)"pk", 2)) < 0 ||
            (r = pb_store_devices(s, URI_A, count_device, &n_devices)) < 0 ||
            (r = pb_store_handled_add(s, 9, 1)) < 0 || (r = pb_store_handled_has(s, 9)) < 0 ||
            (r = pb_store_handled_prune(s, 0)) < 0 ||
            (r = pb_store_discarded_add(s, URI_A, "f", 1)) < 0 ||
            (r = pb_store_discarded_has(s, URI_A, "f")) < 0 ||
            (r = pb_store_discarded_prune(s, 0)) < 0 ||
            (r = pb_store_own_device_put(s, &own)) < 0 ||
            (r = pb_store_own_device_synced(s, URI_A, 1)) < 0 ||
            (r = pb_store_own_device_get(s, URI_A, &own)) < 0 ||
            (r = pb_store_own_devices(s, count_own, &n_own)) < 0 ||
            (r = pb_store_sync_next_date(s, 1, &date)) < 0)
                goto out;
        r = !strcmp(buf, "alice") && len == 4 && count == 1 && n_contacts == 1 && n_requests == 1 &&
                            n_devices == 1 && n_own == 1 && date > 0 && own.pk_len == 2
                    ? 0
                    : -EIO;
out:
        free(payload);
        pb_store_close(s);
        return r;
}

static void test_store(void) {
        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                CHECK(0);
                return;
        }
        db_path = pb_path_join(dir, "account.db");
        torture("store create", store_create, NULL, true);
        torture("store tables", store_tables, NULL, true);
        free(db_path);
        pb_rmtree(dir);
}

int main(void) {
        sqlite_fail_too();
        test_codecs();
        test_jami_archive();
        test_store();
        return check_summary();
}
#endif
