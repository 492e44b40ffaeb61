/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * make-corpus.c — writes the seed inputs of every fuzz target.
 *
 * Usage: make-corpus DIR (normally fuzz/corpus). Writes DIR/<target>/seed-*:
 * valid encodings from the project's own encoders, real keys from
 * pb_identity_generate(), and hand-made damaged variants, each named for what
 * it exercises. Keys are random, so rerunning changes the identity and pubkey
 * seeds; the corpus is committed, not regenerated in CI.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "channel_wire.h"
#include "crl.h"
#include "device_sync.h"
#include "jami_archive.h"
#include "lan_wire.h"
#include "netaddr.h"
#include "pidf.h"
#include "wire.h"

#define FUZZ_PASSWORD "peerbook-fuzz" /* as fuzz-identity.c */

static const char *out_dir;
static unsigned written;

_Noreturn static void die(const char *what) {
        fprintf(stderr, "make-corpus: %s\n", what);
        exit(EXIT_FAILURE);
}

static void put(const char *target, const char *name, const void *data, size_t len) {
        char *dir, *path;
        if (asprintf(&dir, "%s/%s", out_dir, target) < 0 ||
            asprintf(&path, "%s/seed-%s", dir, name) < 0)
                die("out of memory");
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                die("cannot create a target directory");
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
                die("cannot write a seed");
        written++;
        free(dir);
        free(path);
}

/* ---- a tiny msgpack writer, for what the encoders will not produce ------ */

struct mp {
        uint8_t b[PB_VALUE_MAX + 64];
        size_t n;
};

static void mp_byte(struct mp *m, uint8_t c) {
        if (m->n >= sizeof(m->b))
                die("seed too big");
        m->b[m->n++] = c;
}
static void mp_raw(struct mp *m, const void *p, size_t len) {
        for (size_t i = 0; i < len; i++)
                mp_byte(m, ((const uint8_t *)p)[i]);
}
static void mp_be(struct mp *m, uint64_t v, int bytes) {
        for (int i = bytes - 1; i >= 0; i--)
                mp_byte(m, (uint8_t)(v >> (8 * i)));
}
static void mp_map(struct mp *m, unsigned n) {
        mp_byte(m, (uint8_t)(0x80 | n));
} /* n < 16 */
static void mp_array(struct mp *m, unsigned n) {
        mp_byte(m, (uint8_t)(0x90 | n));
}
static void mp_uint(struct mp *m, uint64_t v) {
        mp_byte(m, 0xcf);
        mp_be(m, v, 8);
}
static void mp_bool(struct mp *m, bool v) {
        mp_byte(m, v ? 0xc3 : 0xc2);
}
static void mp_strn(struct mp *m, const char *s, size_t len) {
        mp_byte(m, 0xda);
        mp_be(m, len, 2);
        mp_raw(m, s, len);
}
static void mp_str(struct mp *m, const char *s) {
        mp_strn(m, s, strlen(s));
}
static void mp_bin(struct mp *m, const void *p, size_t len) {
        mp_byte(m, 0xc6);
        mp_be(m, len, 4);
        mp_raw(m, p, len);
}
static void mp_put(const char *target, const char *name, const struct mp *m) {
        put(target, name, m->b, m->n);
}

/* A valid encoding, its first half, and itself plus one trailing byte. */
static void put_variants(const char *target, const char *name, uint8_t *buf, size_t len) {
        char *n;
        put(target, name, buf, len);
        if (asprintf(&n, "%s-truncated", name) < 0)
                die("out of memory");
        put(target, n, buf, len / 2);
        free(n);
        uint8_t *longer = malloc(len + 1);
        memcpy(longer, buf, len);
        longer[len] = 0xc0;
        if (asprintf(&n, "%s-trailing", name) < 0)
                die("out of memory");
        put(target, n, longer, len + 1);
        free(n);
        free(longer);
        free(buf);
}

static pb_hash some_hash(uint8_t seed) {
        pb_hash h;
        for (int i = 0; i < PB_HASH_LEN; i++)
                h.d[i] = (uint8_t)(seed + i);
        return h;
}

/* Inputs every msgpack decoder should see: not an object, or not a whole one. */
static void put_garbage(const char *target) {
        static const uint8_t nil[] = { 0xc0 }, empty_map[] = { 0x80 }, empty_arr[] = { 0x90 };
        static const uint8_t reserved[] = { 0xc1 }, text[] = "hello, peerbook";
        /* Containers that claim far more elements than the input holds. */
        static const uint8_t huge_arr[] = { 0xdd, 0x7f, 0xff, 0xff, 0xff };
        static const uint8_t huge_map[] = { 0xdf, 0x00, 0x10, 0x00, 0x00 };
        static const uint8_t huge_str[] = { 0xdb, 0xff, 0xff, 0xff, 0xff, 'x' };
        uint8_t deep[200];
        memset(deep, 0x91, sizeof(deep)); /* [[[[...]]]] past any stack */
        deep[sizeof(deep) - 1] = 0xc0;
        put(target, "nil", nil, sizeof(nil));
        put(target, "empty-map", empty_map, sizeof(empty_map));
        put(target, "empty-array", empty_arr, sizeof(empty_arr));
        put(target, "reserved-byte", reserved, sizeof(reserved));
        put(target, "text", text, sizeof(text) - 1);
        put(target, "huge-array", huge_arr, sizeof(huge_arr));
        put(target, "huge-map", huge_map, sizeof(huge_map));
        put(target, "huge-str", huge_str, sizeof(huge_str));
        put(target, "deep", deep, sizeof(deep));
}

/* ---- the wire decoders -------------------------------------------------- */

static void seeds_announcement(const uint8_t *pk, size_t pk_len) {
        const char *t = "announcement";
        pb_hash dev = some_hash(1);
        uint8_t *buf, big[PB_PUBKEY_MAX + 1];
        size_t len;
        struct mp m;

        if (pb_announcement_encode(&dev, pk, pk_len, &buf, &len) < 0)
                die("cannot encode an announcement");
        put_variants(t, "real-pk", buf, len);
        if (pb_announcement_encode(&dev, NULL, 0, &buf, &len) < 0)
                die("cannot encode an announcement");
        put_variants(t, "no-pk", buf, len);
        memset(big, 0x5a, sizeof(big));
        if (pb_announcement_encode(&dev, big, PB_PUBKEY_MAX, &buf, &len) < 0)
                die("cannot encode an announcement");
        put(t, "max-pk", buf, len);
        free(buf);

        m.n = 0; /* Jami's own order and an unknown key */
        mp_map(&m, 3), mp_str(&m, "pk"), mp_bin(&m, pk, pk_len), mp_str(&m, "x"), mp_uint(&m, 42);
        mp_str(&m, "dev"), mp_bin(&m, dev.d, PB_HASH_LEN);
        mp_put(t, "extra-key", &m);
        m.n = 0;
        mp_map(&m, 2), mp_str(&m, "dev"), mp_bin(&m, dev.d, PB_HASH_LEN);
        mp_str(&m, "pk"), mp_bin(&m, big, sizeof(big));
        mp_put(t, "pk-too-big", &m);
        m.n = 0;
        mp_map(&m, 1), mp_str(&m, "dev"), mp_str(&m, "not a binary hash....");
        mp_put(t, "dev-str", &m);
        m.n = 0;
        mp_map(&m, 1), mp_str(&m, "dev"), mp_bin(&m, dev.d, 19);
        mp_put(t, "dev-short", &m);
        m.n = 0;
        mp_map(&m, 2), mp_str(&m, "dev"), mp_bin(&m, dev.d, 20);
        mp_str(&m, "dev"), mp_bin(&m, dev.d, 20);
        mp_put(t, "dev-twice", &m);
        m.n = 0;
        mp_map(&m, 1), mp_str(&m, "pk"), mp_bin(&m, pk, 8);
        mp_put(t, "no-dev", &m);
        m.n = 0;
        mp_map(&m, 1), mp_uint(&m, 1), mp_bin(&m, dev.d, 20);
        mp_put(t, "int-key", &m);
        put_garbage(t);
}

static void seeds_device_state(void) {
        const char *t = "device-state";
        struct pb_device_state s = { .dev = some_hash(2), .seq = 7, .online = true };
        uint8_t *buf;
        size_t len;
        struct mp m;

        if (pb_device_state_encode(&s, &buf, &len) < 0)
                die("cannot encode a device state");
        put_variants(t, "online", buf, len);
        s.online = false;
        s.seq = UINT64_MAX;
        if (pb_device_state_encode(&s, &buf, &len) < 0)
                die("cannot encode a device state");
        put(t, "goodbye-max-seq", buf, len);
        free(buf);

        m.n = 0; /* a later version with two more fields */
        mp_array(&m, 7), mp_str(&m, "peerbook/ds"), mp_uint(&m, 2), mp_bin(&m, s.dev.d, 20);
        mp_uint(&m, 1), mp_bool(&m, true), mp_str(&m, "future"), mp_map(&m, 0);
        mp_put(t, "version-2", &m);
        m.n = 0;
        mp_array(&m, 5), mp_str(&m, "peerbook/ds"), mp_uint(&m, 0), mp_bin(&m, s.dev.d, 20);
        mp_uint(&m, 1), mp_bool(&m, true);
        mp_put(t, "version-0", &m);
        m.n = 0;
        mp_array(&m, 5), mp_str(&m, "peerbook/dx"), mp_uint(&m, 1), mp_bin(&m, s.dev.d, 20);
        mp_uint(&m, 1), mp_bool(&m, true);
        mp_put(t, "wrong-tag", &m);
        m.n = 0;
        mp_array(&m, 5), mp_str(&m, "peerbook/ds"), mp_uint(&m, 1), mp_bin(&m, s.dev.d, 20);
        mp_byte(&m, 0xff), mp_uint(&m, 1);
        mp_put(t, "negative-seq", &m);
        m.n = 0;
        mp_array(&m, 4), mp_str(&m, "peerbook/ds"), mp_uint(&m, 1), mp_bin(&m, s.dev.d, 20);
        mp_uint(&m, 1);
        mp_put(t, "four-fields", &m);
        m.n = 0;
        mp_byte(&m, 0xdc), mp_be(&m, 17, 2), mp_str(&m, "peerbook/ds"), mp_uint(&m, 1);
        mp_bin(&m, s.dev.d, 20), mp_uint(&m, 1), mp_bool(&m, true);
        for (int i = 5; i < 17; i++)
                mp_byte(&m, 0xc0);
        mp_put(t, "seventeen-fields", &m);
        put_garbage(t);
}

static void seeds_trust_request(void) {
        const char *t = "trust-request";
        static const uint8_t payload[] = "{\"vCard\":\"BEGIN:VCARD\"}";
        struct pb_trust_request r = { .service = "jami",
                                      .conversation_id = "a1b2c3",
                                      .payload = (uint8_t *)payload,
                                      .payload_len = sizeof(payload) - 1,
                                      .confirm = false };
        char long_str[PB_CONVERSATION_MAX + 1];
        uint8_t *buf;
        size_t len;
        struct mp m;

        if (pb_trust_request_encode(&r, &buf, &len) < 0)
                die("cannot encode a trust request");
        put_variants(t, "request", buf, len);
        r.payload = NULL;
        r.payload_len = 0;
        r.confirm = true;
        memset(r.service, 's', PB_SERVICE_MAX - 1);
        r.service[PB_SERVICE_MAX - 1] = 0;
        if (pb_trust_request_encode(&r, &buf, &len) < 0)
                die("cannot encode a trust request");
        put(t, "confirm-longest-service", buf, len);
        free(buf);
        r.request_id = UINT64_MAX; /* peerbook's own "pbid" key */
        if (pb_trust_request_encode(&r, &buf, &len) < 0)
                die("cannot encode a trust request");
        put(t, "pbid", buf, len);
        free(buf);

        m.n = 0;
        mp_map(&m, 1), mp_str(&m, "service"), mp_str(&m, "jami");
        mp_put(t, "service-only", &m);
        memset(long_str, 'c', sizeof(long_str));
        m.n = 0;
        mp_map(&m, 2), mp_str(&m, "service"), mp_str(&m, "jami");
        mp_str(&m, "conversationId"), mp_strn(&m, long_str, PB_CONVERSATION_MAX);
        mp_put(t, "conversation-too-long", &m);
        m.n = 0;
        mp_map(&m, 1), mp_str(&m, "service"), mp_strn(&m, "ja\0mi", 5);
        mp_put(t, "service-nul", &m);
        m.n = 0; /* errors after the payload was allocated: the leak paths */
        mp_map(&m, 2), mp_str(&m, "payload"), mp_bin(&m, payload, 8);
        mp_str(&m, "payload"), mp_bin(&m, payload, 8);
        mp_put(t, "payload-twice", &m);
        m.n = 0;
        mp_map(&m, 2), mp_str(&m, "payload"), mp_bin(&m, payload, 8), mp_uint(&m, 1),
                mp_uint(&m, 2);
        mp_put(t, "payload-then-int-key", &m);
        m.n = 0;
        mp_map(&m, 2), mp_str(&m, "payload"), mp_bin(&m, payload, 8);
        mp_str(&m, "confirm"), mp_uint(&m, 1);
        mp_put(t, "payload-no-service", &m);
        m.n = 0;
        mp_map(&m, 2), mp_str(&m, "service"), mp_str(&m, "jami");
        mp_str(&m, "confirm"), mp_str(&m, "yes");
        mp_put(t, "confirm-str", &m);
        m.n = 0;
        mp_map(&m, 2), mp_str(&m, "service"), mp_str(&m, "jami");
        mp_str(&m, "pbid"), mp_byte(&m, 0xff);
        mp_put(t, "pbid-negative", &m);
        put_garbage(t);
}

static struct pb_archive archive; /* 32 KB: not on the stack */

static void seeds_archive(const uint8_t *key, size_t key_len, const uint8_t *cert,
                          size_t cert_len) {
        const char *t = "archive";
        uint8_t *buf;
        size_t len;
        struct mp m;

        strcpy(archive.alias, "Alice's laptop");
        memcpy(archive.key, key, key_len);
        archive.key_len = key_len;
        memcpy(archive.cert, cert, cert_len);
        archive.cert_len = cert_len;
        if (pb_archive_encode(&archive, &buf, &len) < 0)
                die("cannot encode an archive");
        put_variants(t, "real", buf, len);
        archive.alias[0] = 0;
        archive.key_len = archive.cert_len = 1;
        if (pb_archive_encode(&archive, &buf, &len) < 0)
                die("cannot encode an archive");
        put(t, "tiny", buf, len);
        free(buf);

        m.n = 0; /* alias is optional */
        mp_map(&m, 4), mp_str(&m, "format"), mp_str(&m, "peerbook-archive");
        mp_str(&m, "version"), mp_uint(&m, 1), mp_str(&m, "key"), mp_bin(&m, "k", 1);
        mp_str(&m, "cert"), mp_bin(&m, "c", 1);
        mp_put(t, "no-alias", &m);
        m.n = 0;
        mp_map(&m, 4), mp_str(&m, "format"), mp_str(&m, "peerbook-archive");
        mp_str(&m, "version"), mp_uint(&m, 2), mp_str(&m, "key"), mp_bin(&m, "k", 1);
        mp_str(&m, "cert"), mp_bin(&m, "c", 1);
        mp_put(t, "version-2", &m);
        m.n = 0;
        mp_map(&m, 4), mp_str(&m, "format"), mp_str(&m, "jami-archive");
        mp_str(&m, "version"), mp_uint(&m, 1), mp_str(&m, "key"), mp_bin(&m, "k", 1);
        mp_str(&m, "cert"), mp_bin(&m, "c", 1);
        mp_put(t, "wrong-format", &m);
        m.n = 0;
        mp_map(&m, 3), mp_str(&m, "format"), mp_str(&m, "peerbook-archive");
        mp_str(&m, "version"), mp_uint(&m, 1), mp_str(&m, "key"), mp_bin(&m, "k", 1);
        mp_put(t, "no-cert", &m);
        char alias[129];
        memset(alias, 'a', sizeof(alias));
        m.n = 0;
        mp_map(&m, 5), mp_str(&m, "format"), mp_str(&m, "peerbook-archive");
        mp_str(&m, "version"), mp_uint(&m, 1), mp_str(&m, "alias"), mp_strn(&m, alias, 128);
        mp_str(&m, "key"), mp_bin(&m, "k", 1), mp_str(&m, "cert"), mp_bin(&m, "c", 1);
        mp_put(t, "alias-too-long", &m);
        put_garbage(t);
}

/* ---- channel frames ------------------------------------------------------ */

/* Appends the frame [channel, data] to m. */
static void mp_frame(struct mp *m, uint16_t channel, const void *data, size_t len) {
        uint8_t *buf;
        size_t n;
        if (pb_frame_encode(channel, data, len, &buf, &n) < 0)
                die("cannot encode a frame");
        mp_raw(m, buf, n);
        free(buf);
}

static void mp_request(struct mp *m, const char *name, uint16_t channel,
                       enum pb_channel_state state) {
        struct pb_channel_request q = { .channel = channel, .state = state };
        uint8_t *buf;
        size_t n;
        strcpy(q.name, name);
        if (pb_channel_request_encode(&q, &buf, &n) < 0)
                die("cannot encode a channel request");
        mp_frame(m, PB_CONTROL_CHANNEL, buf, n);
        free(buf);
}

static void mp_protocol(struct mp *m, enum pb_protocol_kind kind, bool ping) {
        struct pb_protocol_msg msg = { .kind = kind, .version = 1, .ping = ping };
        uint8_t *buf;
        size_t n;
        if (pb_protocol_msg_encode(&msg, &buf, &n) < 0)
                die("cannot encode a protocol message");
        mp_frame(m, PB_PROTOCOL_CHANNEL, buf, n);
        free(buf);
}

static void put_frame_data(const char *name, uint16_t channel, const struct mp *data) {
        struct mp m = { .n = 0 };
        mp_frame(&m, channel, data->b, data->n);
        mp_put("channel-frame", name, &m);
}

static void seeds_channel_frame(void) {
        const char *t = "channel-frame";
        static struct mp m, d;
        uint8_t *copy, big[300];
        memset(big, 0x5a, sizeof(big));

        /* A connection as Jami opens one: versions, a channel asked for and
         * accepted, data, beacons, the channel's end. */
        m.n = 0;
        mp_protocol(&m, PB_PROTOCOL_VERSION, false);
        mp_request(&m, "sip", 0x1234, PB_CHANNEL_REQUEST);
        mp_request(&m, "sip", 0x1234, PB_CHANNEL_ACCEPT);
        mp_frame(&m, 0x1234, "MESSAGE sip:x SIP/2.0", 21);
        mp_protocol(&m, PB_PROTOCOL_BEACON, true);
        mp_protocol(&m, PB_PROTOCOL_BEACON, false);
        mp_frame(&m, 0x1234, big, sizeof(big));
        mp_request(&m, "sync://0123456789abcdef", 0x8001, PB_CHANNEL_DECLINE);
        mp_frame(&m, 0x1234, NULL, 0);
        copy = malloc(m.n);
        memcpy(copy, m.b, m.n);
        put_variants(t, "stream", copy, m.n);

        m.n = 0;
        mp_protocol(&m, PB_PROTOCOL_VERSION, false);
        mp_put(t, "version", &m);
        m.n = 0;
        mp_protocol(&m, PB_PROTOCOL_BEACON, true);
        mp_put(t, "ping", &m);
        m.n = 0;
        mp_request(&m, "msg:0123456789abcdef", 7, PB_CHANNEL_REQUEST);
        copy = malloc(m.n);
        memcpy(copy, m.b, m.n);
        put_variants(t, "request", copy, m.n);
        m.n = 0; /* msgpack-c gave the empty name a NULL pointer: UBSan found it */
        mp_request(&m, "", 1, PB_CHANNEL_REQUEST);
        mp_put(t, "request-empty-name", &m);
        m.n = 0;
        mp_frame(&m, 0xffff, big, sizeof(big));
        mp_put(t, "bin16", &m);
        m.n = 0;
        mp_frame(&m, 200, NULL, 0);
        mp_put(t, "end-of-channel", &m);

        /* Long forms msgpack allows, and frames no reader may take. */
        static const uint8_t array16[] = { 0xdc, 0x00, 0x02, 0x05, 0xc4, 0x01, 'x' };
        static const uint8_t uint64[] = { 0x92, 0xcf, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0xc4, 0 };
        static const uint8_t bin32[] = { 0x92, 0x05, 0xc6, 0x00, 0x00, 0x00, 0x01, 'x' };
        static const uint8_t oversize[] = { 0x92, 0x05, 0xc6, 0x00, 0x01, 0x00, 0x00, 'x' };
        static const uint8_t max_cut[] = { 0x92, 0x05, 0xc5, 0xff, 0xff, 'x', 'y' };
        static const uint8_t ch_65536[] = { 0x92, 0xce, 0x00, 0x01, 0x00, 0x00, 0xc4, 0x00 };
        static const uint8_t ch_neg[] = { 0x92, 0xd0, 0xff, 0xc4, 0x00 };
        static const uint8_t three[] = { 0x93, 0x05, 0xc4, 0x00, 0xc0 };
        static const uint8_t data_str[] = { 0x92, 0x05, 0xa1, 'x' };
        put(t, "array16", array16, sizeof(array16));
        put(t, "channel-uint64", uint64, sizeof(uint64));
        put(t, "bin32", bin32, sizeof(bin32));
        put(t, "oversize", oversize, sizeof(oversize));
        put(t, "max-cut-short", max_cut, sizeof(max_cut));
        put(t, "channel-65536", ch_65536, sizeof(ch_65536));
        put(t, "channel-negative", ch_neg, sizeof(ch_neg));
        put(t, "three-elements", three, sizeof(three));
        put(t, "data-str", data_str, sizeof(data_str));

        /* Messages inside frames that the message decoders refuse or skip. */
        d.n = 0;
        mp_array(&d, 3), mp_str(&d, "sip"), mp_uint(&d, 0x1234), mp_uint(&d, 3);
        put_frame_data("request-state-3", PB_CONTROL_CHANNEL, &d);
        d.n = 0;
        mp_array(&d, 3), mp_bin(&d, "sip", 3), mp_uint(&d, 0x1234), mp_uint(&d, 0);
        put_frame_data("request-name-bin", PB_CONTROL_CHANNEL, &d);
        d.n = 0;
        mp_map(&d, 2), mp_str(&d, "q"), mp_uint(&d, 1), mp_str(&d, "v"), mp_uint(&d, 1);
        put_frame_data("protocol-unknown", PB_PROTOCOL_CHANNEL, &d);
        d.n = 0;
        mp_map(&d, 2), mp_str(&d, "p"), mp_bool(&d, true), mp_str(&d, "x"), mp_map(&d, 0);
        put_frame_data("protocol-extra-key", PB_PROTOCOL_CHANNEL, &d);
        d.n = 0;
        mp_map(&d, 1), mp_str(&d, "v"), mp_byte(&d, 0xff);
        put_frame_data("protocol-version-negative", PB_PROTOCOL_CHANNEL, &d);
        d.n = 0;
        mp_array(&d, 1), mp_bool(&d, true);
        put_frame_data("protocol-array", PB_PROTOCOL_CHANNEL, &d);
        put_garbage(t);
}

/* ---- PIDF documents ------------------------------------------------------- */

static void put_str(const char *target, const char *name, const char *s) {
        put(target, name, s, strlen(s));
}

/* Ours, from pb_pidf_build(). */
static void put_built(const char *name, bool open, const char *note) {
        char *doc;
        size_t len;
        if (pb_pidf_build("0123456789abcdef0123456789abcdef01234567", open, note, &doc, &len) < 0)
                die("cannot build a PIDF document");
        put_variants("pidf", name, (uint8_t *)doc, len);
}

#define PIDF_OPEN "<presence xmlns='urn:ietf:params:xml:ns:pidf'>"

static void seeds_pidf(void) {
        const char *t = "pidf";
        put_built("ours", true, "D\xc3\xa9jeuner \xf0\x9f\x8d\xbd <back at 2> & \"'\r\n\t");
        put_built("ours-goodbye", false, "");
        /* Jami's getPIDF() with a note (reference jami-channels.md §1.9). */
        put_str(t, "jami",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<presence "
                "xmlns=\"urn:ietf:params:xml:ns:pidf\">\n    <tuple>\n    <status>\n"
                "        <basic>Lunch time</basic>\n    </status>\n    </tuple>\n"
                "</presence>");
        /* What an RFC 3863 peer may add: prefixes, other namespaces, several
         * tuples and notes, CDATA, references, comments. */
        put_str(t, "rfc3863",
                "<?xml version='1.0'?><p:presence xmlns:p='urn:ietf:params:xml:ns:pidf' "
                "xmlns:r='urn:ietf:params:xml:ns:pidf:rpid' entity='pres:a@b'><!-- c -->"
                "<p:tuple id='t1'><p:status><p:basic>closed</p:basic><r:x/></p:status>"
                "<p:note xml:lang='fr'>a<![CDATA[<b>]]>&amp;&#x1F37D;&#xD;</p:note>"
                "<p:timestamp>2026-01-01T00:00:00Z</p:timestamp></p:tuple><p:tuple id='t2'>"
                "<p:status><p:basic>open</p:basic></p:status></p:tuple>"
                "<r:activities><r:lunch/></r:activities><p:note>2</p:note><?pi x?></p:presence>");
        /* Each of the refusals. */
        put_str(t, "billion-laughs",
                "<?xml version='1.0'?><!DOCTYPE presence [<!ENTITY a 'lol'>"
                "<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;'><!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;'>]>" PIDF_OPEN
                "<note>&c;</note></presence>");
        put_str(t, "depth-9",
                PIDF_OPEN "<tuple><status><a><b><c><d><e><f/></e></d></c></b></a>"
                          "</status></tuple></presence>");
        put_str(t, "wrong-namespace", "<presence xmlns='urn:ietf:params:xml:ns:pidf2'/>");
        put_str(t, "two-roots", PIDF_OPEN "</presence>" PIDF_OPEN "</presence>");
        put_str(t, "surrogate-reference", PIDF_OPEN "<note>&#xD800;</note></presence>");
        put_str(t, "element-in-note", PIDF_OPEN "<note>a<b/>c</note></presence>");
        static char big[PB_PIDF_DOC_MAX + 2];
        size_t n = strlen(PIDF_OPEN);
        memcpy(big, PIDF_OPEN "<note>", n + 6);
        memset(big + n + 6, 'x', PEERBOOK_NOTE_MAX + 1);
        strcpy(big + n + 6 + PEERBOOK_NOTE_MAX + 1, "</note></presence>");
        put_str(t, "note-1025", big);
        memset(big, ' ', sizeof(big) - 1);
        memcpy(big, PIDF_OPEN, n);
        strcpy(big + sizeof(big) - 1 - strlen("</presence>"), "</presence>");
        put_str(t, "8193-bytes", big);
}

/* ---- rendezvous ------------------------------------------------------------ */

static void rdv_add(struct pb_rendezvous *r, const char *addr) {
        if (pb_addr_parse(addr, &r->addrs[r->n_addrs++]) < 0)
                die("cannot parse an address");
}

/* {"id": id, "addrs": [addrs...], "answer": true}, written by hand. */
static void mp_rendezvous(struct mp *m, uint64_t id, unsigned n, const char *const *addrs) {
        m->n = 0;
        mp_map(m, 3), mp_str(m, "id"), mp_uint(m, id), mp_str(m, "addrs"), mp_array(m, n);
        for (unsigned i = 0; i < n; i++)
                mp_str(m, addrs[i]);
        mp_str(m, "answer"), mp_bool(m, true);
}

static void seeds_rendezvous(void) {
        const char *t = "rendezvous";
        struct pb_rendezvous r = { .id = 0x1122334455667788ULL };
        static const char *const unusable[] = { "1.2.3.4:0", "224.0.0.1:5", "[fe80::1]:5",
                                                "[::ffff:255.255.255.255]:5", "10.0.0.1:80" };
        static const char *const nine[] = { "1.1.1.1:1", "1.1.1.2:1", "1.1.1.3:1",
                                            "1.1.1.4:1", "1.1.1.5:1", "1.1.1.6:1",
                                            "1.1.1.7:1", "1.1.1.8:1", "1.1.1.9:1" };
        static const char *const bad[] = { "example.org:5", "[::1]", "1.2.3.4:05" };
        uint8_t *buf;
        size_t len;
        struct mp m;

        rdv_add(&r, "192.0.2.1:4222"), rdv_add(&r, "[2001:db8::1]:4222");
        rdv_add(&r, "127.0.0.1:65535"), rdv_add(&r, "[::ffff:10.1.2.3]:1");
        if (pb_rendezvous_encode(&r, &buf, &len) < 0)
                die("cannot encode a rendezvous");
        put_variants(t, "request", buf, len);
        r.n_addrs = 0;
        r.answer = true;
        if (pb_rendezvous_encode(&r, &buf, &len) < 0)
                die("cannot encode a rendezvous");
        put(t, "answer-no-address", buf, len);
        free(buf);

        mp_rendezvous(&m, 7, 5, unusable);
        mp_put(t, "unusable-skipped", &m);
        mp_rendezvous(&m, 7, 9, nine);
        mp_put(t, "nine-addresses", &m);
        mp_rendezvous(&m, 0, 1, nine);
        mp_put(t, "id-0", &m);
        for (unsigned i = 0; i < 3; i++) {
                char name[32];
                snprintf(name, sizeof(name), "unparsable-%u", i);
                mp_rendezvous(&m, 7, 1, bad + i);
                mp_put(t, name, &m);
        }
        mp_rendezvous(&m, 7, 1, nine);
        m.b[0] = 0x84; /* a fourth key */
        mp_str(&m, "x"), mp_bool(&m, false);
        mp_put(t, "extra-key", &m);
        m.n = 0;
        mp_map(&m, 2), mp_str(&m, "id"), mp_uint(&m, 7), mp_str(&m, "answer"), mp_bool(&m, false);
        mp_put(t, "no-addrs", &m);
        m.n = 0;
        mp_map(&m, 3), mp_str(&m, "id"), mp_uint(&m, 7), mp_str(&m, "addrs"), mp_array(&m, 1);
        mp_bin(&m, "1.2.3.4:5", 9), mp_str(&m, "answer"), mp_bool(&m, false);
        mp_put(t, "addr-bin", &m);
        put_garbage(t);
}

/* ---- DeviceSync --------------------------------------------------------------- */

static void put_sync(const char *name, const struct pb_device_sync *s, bool variants) {
        uint8_t *buf;
        size_t len;
        if (pb_device_sync_encode(s, &buf, &len) < 0)
                die("cannot encode a device sync");
        if (variants)
                put_variants("device-sync", name, buf, len);
        else {
                put("device-sync", name, buf, len);
                free(buf);
        }
}

/* A contact {added, removed, confirmed, banned, conversationId}, plus extra
 * keys as later Jami writes them (addedMs...). */
static void mp_contact(struct mp *m, uint64_t added, bool later) {
        mp_map(m, later ? 6 : 5);
        mp_str(m, "added"), mp_uint(m, added), mp_str(m, "removed"), mp_byte(m, 0);
        mp_str(m, "confirmed"), mp_bool(m, true), mp_str(m, "banned"), mp_bool(m, false);
        mp_str(m, "conversationId"), mp_str(m, "0123456789abcdef0123456789abcdef01234567");
        if (later)
                mp_str(m, "addedMs"), mp_uint(m, added * 1000);
}

static void seeds_device_sync(const uint8_t *pk, size_t pk_len) {
        const char *t = "device-sync";
        static struct pb_contact_row peers[30];
        static struct pb_sync_request reqs[25];
        struct pb_sync_device devs[3] = { { .name = "laptop" },
                                          { .name = "d\xc3\xa9sktop" },
                                          { .name = "old jami", .legacy = true } };
        struct pb_device_sync s = { .date = 1795959118557718279ULL,
                                    .devices = devs,
                                    .n_devices = 3,
                                    .peers = peers,
                                    .n_peers = 30,
                                    .requests = reqs,
                                    .n_requests = 2 };
        struct mp m;

        for (unsigned i = 0; i < 3; i++) {
                devs[i].id = some_hash((uint8_t)(10 * i + 1));
                memset(devs[i].long_id, 0x40 + i, PB_LONG_ID_LEN);
        }
        for (unsigned i = 0; i < 30; i++) {
                pb_hash h = some_hash((uint8_t)(3 * i + 7));
                pb_hash_to_hex(&h, peers[i].uri);
                peers[i].added = 1700000000 + i;
                peers[i].removed = i % 3 ? 0 : 1700000100;
                peers[i].confirmed = i % 2;
                peers[i].banned = i % 6 == 0;
                if (i % 4) /* a quarter without a conversation */
                        snprintf(peers[i].conversation_id, sizeof(peers[i].conversation_id),
                                 "%040x", i);
        }
        for (unsigned i = 0; i < 25; i++) {
                reqs[i].from = some_hash((uint8_t)(5 * i + 100));
                reqs[i].received = 1700000200 + i;
                reqs[i].device_pk = i % 2 ? NULL : (uint8_t *)pk;
                reqs[i].device_pk_len = i % 2 ? 0 : pk_len;
        }
        put_sync("jami-2023", &s, true);
        s.n_requests = 25; /* 20 go out */
        put_sync("25-requests", &s, false);
        s = (struct pb_device_sync){ .date = 1 };
        put_sync("empty", &s, false);

        /* Later Jami: extra keys, a device without sha1, no devices_known. */
        m.n = 0;
        mp_map(&m, 4), mp_str(&m, "date"), mp_uint(&m, 5), mp_str(&m, "devices"), mp_map(&m, 1);
        mp_bin(&m, devs[0].long_id, PB_LONG_ID_LEN), mp_map(&m, 1), mp_str(&m, "name");
        mp_str(&m, "phone"), mp_str(&m, "peers"), mp_map(&m, 2);
        mp_bin(&m, some_hash(1).d, PB_HASH_LEN), mp_contact(&m, 1700000000, true);
        mp_bin(&m, some_hash(0x80).d, PB_HASH_LEN), mp_contact(&m, 1700000001, false);
        mp_str(&m, "trust_requests"), mp_map(&m, 1), mp_bin(&m, some_hash(9).d, PB_HASH_LEN);
        mp_map(&m, 5), mp_str(&m, "device"), mp_byte(&m, 0xc0), mp_str(&m, "conversationId");
        mp_str(&m, ""), mp_str(&m, "received"), mp_uint(&m, 3), mp_str(&m, "payload");
        mp_bin(&m, "{}", 2), mp_str(&m, "receivedMs"), mp_uint(&m, 3000);
        mp_put(t, "later-jami", &m);

        /* Wrong types: a negative time, a bool as an int, a peer key of 19 bytes. */
        m.n = 0;
        mp_map(&m, 2), mp_str(&m, "date"), mp_uint(&m, 5), mp_str(&m, "peers"), mp_map(&m, 1);
        mp_bin(&m, some_hash(1).d, PB_HASH_LEN), mp_map(&m, 1), mp_str(&m, "added");
        mp_byte(&m, 0xd0), mp_byte(&m, 0x80);
        mp_put(t, "negative-added", &m);
        m.b[m.n - 2] = 0x01, m.n--;
        m.b[m.n - 2] = 'r'; /* "added" -> "adder": an unknown key, skipped */
        mp_put(t, "unknown-contact-key", &m);
        m.n = 0;
        mp_map(&m, 2), mp_str(&m, "date"), mp_uint(&m, 5), mp_str(&m, "peers"), mp_map(&m, 1);
        mp_bin(&m, some_hash(1).d, 19), mp_map(&m, 0);
        mp_put(t, "short-peer-key", &m);
        m.n = 0;
        mp_map(&m, 1), mp_str(&m, "date"), mp_byte(&m, 0xcf), mp_be(&m, 1ULL << 63, 8);
        mp_put(t, "date-past-int64", &m);
        put_garbage(t);
}

/* ---- keys and certificates ---------------------------------------------- */

/* PEM body to DER: enough base64 for the armour GnuTLS writes. */
static size_t pem_to_der(const uint8_t *pem, size_t len, uint8_t *out) {
        static const char alphabet[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const char *s = memchr(pem, '\n', len); /* skip "-----BEGIN ...-----" */
        const char *end = memmem(pem, len, "\n-----END", 9);
        uint32_t acc = 0;
        int bits = 0;
        size_t n = 0;
        if (!s || !end)
                die("not PEM");
        for (; s < end; s++) {
                const char *p = *s ? strchr(alphabet, *s) : NULL;
                if (!p)
                        continue; /* newlines and '=' padding */
                acc = acc << 6 | (uint32_t)(p - alphabet);
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        out[n++] = (uint8_t)(acc >> bits);
                }
        }
        return n;
}

/* fuzz-identity's layout: key length, password flag, key, certificate. */
static void put_identity(const char *name, const uint8_t *key, size_t key_len, bool password,
                         const uint8_t *cert, size_t cert_len) {
        static uint8_t buf[3 + 2 * PB_ARCHIVE_FIELD_MAX];
        buf[0] = (uint8_t)(key_len >> 8);
        buf[1] = (uint8_t)key_len;
        buf[2] = password;
        memcpy(buf + 3, key, key_len);
        memcpy(buf + 3 + key_len, cert, cert_len);
        put("identity", name, buf, 3 + key_len + cert_len);
}

static void export(const pb_identity *id, const char *password, uint8_t **key, size_t *key_len,
                   uint8_t **cert, size_t *cert_len) {
        if (pb_identity_export_key(id, password, key, key_len) < 0 ||
            pb_identity_export_cert(id, cert, cert_len) < 0)
                die("cannot export an identity");
}

static void seeds_identity(const pb_identity *alice, const pb_identity *bob) {
        uint8_t *key, *ekey, *cert, *bkey, *bcert, der_key[4096], der_cert[4096];
        size_t key_len, ekey_len, cert_len, bkey_len, bcert_len;

        export(alice, NULL, &key, &key_len, &cert, &cert_len);
        export(bob, NULL, &bkey, &bkey_len, &bcert, &bcert_len);
        if (pb_identity_export_key(alice, FUZZ_PASSWORD, &ekey, &ekey_len) < 0)
                die("cannot export a key");
        put_identity("pem", key, key_len, false, cert, cert_len);
        put_identity("pem-encrypted", ekey, ekey_len, true, cert, cert_len);
        put_identity("pem-encrypted-no-password", ekey, ekey_len, false, cert, cert_len);
        put_identity("pem-plain-with-password", key, key_len, true, cert, cert_len);
        size_t dk = pem_to_der(key, key_len, der_key), dc = pem_to_der(cert, cert_len, der_cert);
        put_identity("der", der_key, dk, false, der_cert, dc);
        put_identity("der-key-pem-cert", der_key, dk, false, cert, cert_len);
        put_identity("mismatched", key, key_len, false, bcert, bcert_len);
        put_identity("truncated-key", key, key_len / 2, false, cert, cert_len);
        put_identity("truncated-cert", key, key_len, false, cert, cert_len / 2);
        put_identity("der-truncated-cert", der_key, dk, false, der_cert, dc - 7);
        /* One flipped byte deep inside the DER key: a damaged prime or exponent. */
        der_key[dk / 2] ^= 0x10;
        put_identity("der-flipped-key", der_key, dk, false, der_cert, dc);
        der_key[dk / 2] ^= 0x10;
        der_cert[dc / 2] ^= 0x10;
        put_identity("der-flipped-cert", der_key, dk, false, der_cert, dc);
        put_identity("key-only", key, key_len, false, NULL, 0);
        free(key), free(ekey), free(cert), free(bkey), free(bcert);

        /* A device: its certificate comes with the account's (a chain). The
         * DER key keeps the input under fuzz-identity's 4096 bytes. */
        pb_identity *dev;
        if (pb_identity_generate("device", alice, 2048, &dev) < 0)
                die("cannot generate a device");
        export(dev, NULL, &key, &key_len, &cert, &cert_len);
        dk = pem_to_der(key, key_len, der_key);
        put_identity("device-chain", der_key, dk, false, cert, cert_len);
        put_identity("device-chain-truncated", der_key, dk, false, cert, cert_len / 2 + 1);
        free(key), free(cert);
        pb_identity_free(dev);
}

static void seeds_pubkey(const pb_identity *alice, uint8_t **ret, size_t *ret_len) {
        const char *t = "pubkey";
        uint8_t *pk, *cert, der_cert[4096];
        size_t pk_len, cert_len;

        if (pb_identity_export_pubkey(alice, &pk, &pk_len) < 0 ||
            pb_identity_export_cert(alice, &cert, &cert_len) < 0)
                die("cannot export a public key");
        put(t, "der", pk, pk_len);
        put(t, "truncated", pk, pk_len / 2);
        put(t, "header-only", pk, 4);
        pk[pk_len / 2] ^= 0x01;
        put(t, "flipped", pk, pk_len);
        pk[pk_len / 2] ^= 0x01;
        /* A certificate is not a bare public key. */
        put(t, "certificate", der_cert, pem_to_der(cert, cert_len, der_cert));
        put(t, "pem-certificate", cert, cert_len);
        free(cert);
        *ret = pk;
        *ret_len = pk_len;
}

/* fuzz-crl's input: 2-byte length, the issuer's DER certificate, the value. */
static void put_crl(const char *name, const uint8_t *cert, size_t cert_len, const uint8_t *crl,
                    size_t crl_len, bool framed) {
        static uint8_t buf[2 + 4096 + PB_CRL_MAX + 8];
        uint8_t *v = NULL;
        size_t v_len = crl_len;
        if (framed && pb_crl_value_encode(crl, crl_len, &v, &v_len) < 0)
                die("cannot frame a list");
        buf[0] = (uint8_t)(cert_len >> 8);
        buf[1] = (uint8_t)cert_len;
        memcpy(buf + 2, cert, cert_len);
        memcpy(buf + 2 + cert_len, v ? v : crl, v_len);
        put("crl", name, buf, 2 + cert_len + v_len);
        free(v);
}

/* Revocation lists: alice's (one and two devices), bob's offered as
 * alice's, a truncated one, one without the value's framing. */
static void seeds_crl(const pb_identity *alice, const pb_identity *bob) {
        uint8_t *key[2], *cert[2], der_cert[2][4096], *crl1, *crl2, *forged, *dc;
        size_t key_len[2], cert_len[2], dc_len, len1, len2, forged_len, n[2];
        const pb_identity *ids[2] = { alice, bob };
        pb_identity *dev;
        struct pb_serial s1, s2 = { .len = 2, .d = { 0x12, 0x34 } };
        for (int i = 0; i < 2; i++) {
                export(ids[i], NULL, &key[i], &key_len[i], &cert[i], &cert_len[i]);
                n[i] = pem_to_der(cert[i], cert_len[i], der_cert[i]);
        }
        if (pb_identity_generate("device", alice, 2048, &dev) < 0 ||
            pb_identity_export_cert(dev, &dc, &dc_len) < 0 || pb_cert_serial(dc, dc_len, &s1) < 0)
                die("cannot make a device");
        struct pb_crl_signer a = { key[0], key_len[0], NULL, cert[0], cert_len[0] },
                             b = { key[1], key_len[1], NULL, cert[1], cert_len[1] };
        if (pb_crl_revoke(NULL, 0, &a, &s1, &crl1, &len1) < 0 ||
            pb_crl_revoke(crl1, len1, &a, &s2, &crl2, &len2) < 0 ||
            pb_crl_revoke(NULL, 0, &b, &s1, &forged, &forged_len) < 0)
                die("cannot sign a list");
        put_crl("one", der_cert[0], n[0], crl1, len1, true);
        put_crl("two", der_cert[0], n[0], crl2, len2, true);
        put_crl("forged", der_cert[0], n[0], forged, forged_len, true);
        put_crl("truncated", der_cert[0], n[0], crl2, len2 / 2, true);
        put_crl("unframed", der_cert[0], n[0], crl1, len1, false);
        put_crl("device-as-issuer", dc, dc_len, crl1, len1, true);
        put_crl("no-issuer", dc, 0, crl1, len1, true);
        for (int i = 0; i < 2; i++)
                free(key[i]), free(cert[i]);
        free(crl1), free(crl2), free(forged), free(dc);
        pb_identity_free(dev);
}

/* Jami's archive: our encoder's two forms (the password one at the fuzz
 * target's argon2 cost), what Jami also reads, and refusals. */
static void seeds_jami_archive(void) {
        const char *t = "jami-archive";
        static const char key[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        static const char crt[] = "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n";
        static const char json[] =
                "{\"Account.displayName\":\"Alice\",\"Account.upnpEnabled\":\"false\","
                "\"TLS.privateKeyFile\":\"eA==\",\"conversations\":{\"c1\":{\"id\":\"c1\","
                "\"members\":[{\"uri\":\"0123456789abcdef0123456789abcdef01234567\"}]}},"
                "\"ethKey\":\"\",\"ringAccountCRL\":\"MAA=\",\"ringAccountCert\":\"Q0VSVA==\","
                "\"ringAccountContacts\":{\"0123456789abcdef0123456789abcdef01234567\":"
                "{\"added\":1700000000,\"confirmed\":true,\"conversationId\":\"c1\"},"
                "\"89abcdef0123456789abcdef0123456789abcdef\":{\"added\":1,\"removed\":2,"
                "\"banned\":true,\"conversationId\":\"\"}},\"ringAccountKey\":\"S0VZ\"}";
        struct pb_jami_archive a;
        uint8_t *buf, *buf2;
        size_t len, len2;

        put(t, "plain-json", json, strlen(json));
        if (pb_jami_archive_decode((const uint8_t *)json, strlen(json), NULL, &a) < 0)
                die("cannot read the JSON seed");
        free(a.key), free(a.cert);
        a.key = (uint8_t *)strdup(key), a.key_len = strlen(key);
        a.cert = (uint8_t *)strdup(crt), a.cert_len = strlen(crt);
        if (pb_jami_archive_encode(&a, NULL, &buf, &len) < 0)
                die("cannot encode a Jami archive");
        put(t, "gzip", buf, len);
        put(t, "gzip-truncated", buf, len / 2);
        pb_jami_archive_test_cost(1, 8);
        if (pb_jami_archive_encode(&a, "peerbook-fuzz", &buf2, &len2) < 0)
                die("cannot encrypt a Jami archive");
        put(t, "password", buf2, len2);
        buf2[len2 - 1] ^= 1;
        put(t, "password-bad-tag", buf2, len2);
        free(buf2);
        pb_jami_archive_test_cost(0, 0);
        pb_jami_archive_clear(&a);
        /* The smallest archive the encoder writes. */
        struct pb_jami_archive w = {
                .key = (uint8_t *)key, .key_len = 1, .cert = (uint8_t *)crt, .cert_len = 1
        };
        if (pb_jami_archive_encode(&w, NULL, &buf2, &len2) < 0)
                die("cannot encode a Jami archive");
        put(t, "tiny", buf2, len2);
        free(buf2);
        free(buf);

        static const char *const bad[][2] = {
                { "duplicate-key", "{\"ringAccountKey\":\"S0VZ\",\"ringAccountKey\":\"S0VZ\","
                                   "\"ringAccountCert\":\"Q0VSVA==\"}" },
                { "trailing-data",
                  "{\"ringAccountKey\":\"S0VZ\",\"ringAccountCert\":\"Q0VSVA==\"}{}" },
                { "bad-base64", "{\"ringAccountKey\":\"S0V\",\"ringAccountCert\":\"Q0VSVA==\"}" },
                { "contact-case",
                  "{\"ringAccountKey\":\"S0VZ\",\"ringAccountCert\":\"Q0VSVA==\","
                  "\"ringAccountContacts\":{\"abcdef0123456789abcdef0123456789abcdef01\":{},"
                  "\"ABCDEF0123456789abcdef0123456789abcdef01\":{}}}" },
                { "not-object", "[\"ringAccountKey\"]" },
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                put(t, bad[i][0], bad[i][1], strlen(bad[i][1]));
}

/* LAN discovery: Jami's packets as measured (reference/jami-multidevice.md
 * §4.4), ours, and what a forger would try. */
static void seeds_lan(void) {
        static const uint8_t query[] = { 0xa1, 'q' }, other_str[] = { 0xa1, 'x' };
        put("lan", "query", query, sizeof(query));
        put("lan", "other-str", other_str, sizeof(other_str));
        put_garbage("lan");
        pb_hash node = some_hash(1), account = some_hash(2);
        struct mp m = { .n = 0 };
        /* {"dht": [node, 53838, 0], "jami": [account, "Eve LAN"]}, as Jami's bytes */
        const uint8_t jami[] = { 0x82, 0xa3, 'd', 'h', 't', 0x93, 0xc4, 0x14 };
        mp_raw(&m, jami, sizeof(jami));
        mp_raw(&m, node.d, PB_HASH_LEN);
        const uint8_t port[] = {
                0xcd, 0xd2, 0x4e, 0x00, 0xa4, 'j', 'a', 'm', 'i', 0x92, 0xc4, 0x14
        };
        mp_raw(&m, port, sizeof(port));
        mp_raw(&m, account.d, PB_HASH_LEN);
        mp_raw(&m,
               "\xa7"
               "Eve LAN",
               8);
        mp_put("lan", "jami-both", &m);
        struct pb_lan_msg msgs[] = {
                { .has_dht = true, .node = node, .port = 4222 },
                { .has_jami = true, .account = account, .name = "Zoë" },
                { .has_jami = true, .account = account },
                { .has_dht = true, .node = node, .port = 1, .network = 7 },
        };
        for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
                uint8_t buf[PB_LAN_PACKET_MAX];
                int len = pb_lan_encode(&msgs[i], buf, sizeof(buf));
                char name[16];
                snprintf(name, sizeof(name), "ours-%zu", i);
                if (len > 0)
                        put("lan", name, buf, (size_t)len);
        }
        /* forgeries: a 19-byte ID, port 0, a name with a control character,
         * a four-element "dht", a service that is not an array */
        m.n = 0;
        mp_map(&m, 1), mp_str(&m, "jami"), mp_array(&m, 2), mp_bin(&m, account.d, 19),
                mp_str(&m, "x");
        mp_put("lan", "short-id", &m);
        m.n = 0;
        mp_map(&m, 1), mp_str(&m, "dht"), mp_array(&m, 3), mp_bin(&m, node.d, 20), mp_uint(&m, 0),
                mp_uint(&m, 0);
        mp_put("lan", "port-0", &m);
        m.n = 0;
        mp_map(&m, 1), mp_str(&m, "jami"), mp_array(&m, 2), mp_bin(&m, account.d, 20),
                mp_str(&m, "a\x1b[2Jb");
        mp_put("lan", "control-char", &m);
        m.n = 0;
        mp_map(&m, 1), mp_str(&m, "dht"), mp_array(&m, 4), mp_bin(&m, node.d, 20), mp_uint(&m, 1),
                mp_uint(&m, 0), mp_bool(&m, true);
        mp_put("lan", "dht-4", &m);
        m.n = 0;
        mp_map(&m, 2), mp_str(&m, "jami"), mp_str(&m, "x"), mp_str(&m, "other"), mp_uint(&m, 1);
        mp_put("lan", "not-array", &m);
}

int main(int argc, char **argv) {
        pb_identity *alice, *bob;
        uint8_t *pk, *key, *cert;
        size_t pk_len, key_len, cert_len;

        if (argc != 2) {
                fprintf(stderr, "usage: %s DIR\n", argv[0]);
                return EXIT_FAILURE;
        }
        out_dir = argv[1];
        if (mkdir(out_dir, 0755) < 0 && errno != EEXIST)
                die("cannot create the output directory");
        if (pb_identity_generate("alice", NULL, 2048, &alice) < 0 ||
            pb_identity_generate("bob", NULL, 2048, &bob) < 0)
                die("cannot generate identities");

        seeds_pubkey(alice, &pk, &pk_len);
        seeds_identity(alice, bob);
        seeds_announcement(pk, pk_len);
        seeds_device_state();
        seeds_trust_request();
        export(alice, "archive password", &key, &key_len, &cert, &cert_len);
        seeds_archive(key, key_len, cert, cert_len);
        seeds_channel_frame();
        seeds_pidf();
        seeds_rendezvous();
        seeds_device_sync(pk, pk_len);
        seeds_jami_archive();
        seeds_crl(alice, bob);
        seeds_lan();

        free(pk), free(key), free(cert);
        pb_identity_free(alice);
        pb_identity_free(bob);
        printf("wrote %u seeds under %s\n", written, out_dir);
        return EXIT_SUCCESS;
}
