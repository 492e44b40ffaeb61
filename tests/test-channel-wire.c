/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-channel-wire.c — Jami's multiplexed-socket framing: byte-exact
 * vectors, round trips, malformed frames and messages, and a stream fed
 * whole, a byte at a time and in random pieces. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "channel_wire.h"
#include "check.h"
#include "wire.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- byte-exact vectors (what Jami's msgpack-c packer writes) -------------- */

static void check_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len) {
        CHECK_EQ(got_len, want_len);
        CHECK(got_len == want_len && memcmp(got, want, want_len) == 0);
}

static void test_vectors(void) {
        uint8_t *buf;
        size_t len;
        struct pb_frame f;

        /* [5, bin "hi"]: fixarray 2, fixint 5, bin8 of 2 bytes. */
        static const uint8_t small[] = { 0x92, 0x05, 0xc4, 0x02, 'h', 'i' };
        CHECK_EQ(pb_frame_encode(5, "hi", 2, &buf, &len), 0);
        check_bytes(buf, len, small, sizeof(small));
        free(buf);
        CHECK_EQ(pb_frame_decode(small, sizeof(small), &f), 0);
        CHECK(f.channel == 5 && f.len == 2 && f.data == small + 4);

        /* [0x1234, bin of 300 bytes]: uint16 0xcd 12 34, bin16 0xc5 01 2c. */
        static const uint8_t big_head[] = { 0x92, 0xcd, 0x12, 0x34, 0xc5, 0x01, 0x2c };
        uint8_t head[PB_FRAME_HEADER_MAX];
        CHECK_EQ(pb_frame_header_encode(0x1234, 300, head, &len), 0);
        check_bytes(head, len, big_head, sizeof(big_head));
        /* [200, bin ""]: uint8 0xcc c8, bin8 of 0 bytes: channel 200's end. */
        static const uint8_t eof[] = { 0x92, 0xcc, 0xc8, 0xc4, 0x00 };
        CHECK_EQ(pb_frame_encode(200, NULL, 0, &buf, &len), 0);
        check_bytes(buf, len, eof, sizeof(eof));
        free(buf);

        /* ["sip", 0x1234, ACCEPT]: fixarray 3, fixstr 3, uint16, fixint 1. */
        static const uint8_t accept[] = { 0x93, 0xa3, 's', 'i', 'p', 0xcd, 0x12, 0x34, 0x01 };
        struct pb_channel_request q = { .name = "sip",
                                        .channel = 0x1234,
                                        .state = PB_CHANNEL_ACCEPT };
        CHECK_EQ(pb_channel_request_encode(&q, &buf, &len), 0);
        check_bytes(buf, len, accept, sizeof(accept));
        free(buf);

        /* {"v": 1}, {"p": true}, {"p": false}: fixmap 1, fixstr 1, value. */
        static const uint8_t version[] = { 0x81, 0xa1, 'v', 0x01 };
        static const uint8_t ping[] = { 0x81, 0xa1, 'p', 0xc3 };
        static const uint8_t pong[] = { 0x81, 0xa1, 'p', 0xc2 };
        struct pb_protocol_msg m = { .kind = PB_PROTOCOL_VERSION, .version = 1 };
        CHECK_EQ(pb_protocol_msg_encode(&m, &buf, &len), 0);
        check_bytes(buf, len, version, sizeof(version));
        free(buf);
        m = (struct pb_protocol_msg){ .kind = PB_PROTOCOL_BEACON, .ping = true };
        CHECK_EQ(pb_protocol_msg_encode(&m, &buf, &len), 0);
        check_bytes(buf, len, ping, sizeof(ping));
        free(buf);
        m.ping = false;
        CHECK_EQ(pb_protocol_msg_encode(&m, &buf, &len), 0);
        check_bytes(buf, len, pong, sizeof(pong));
        free(buf);

        /* The version as it travels: [0xffff, bin {"v": 1}]. */
        static const uint8_t version_frame[] = { 0x92, 0xcd, 0xff, 0xff, 0xc4,
                                                 0x04, 0x81, 0xa1, 'v',  0x01 };
        CHECK_EQ(pb_frame_decode(version_frame, sizeof(version_frame), &f), 0);
        CHECK_EQ(f.channel, PB_PROTOCOL_CHANNEL);
        CHECK_EQ(pb_protocol_msg_decode(f.data, f.len, &m), 0);
        CHECK(m.kind == PB_PROTOCOL_VERSION && m.version == 1);
}

/* ---- frames ------------------------------------------------------------------ */

static void test_frame_round_trips(void) {
        static const uint16_t channels[] = { 0, 1, 127, 128, 255, 256, 0x7fff, 0xfffe, 0xffff };
        static const size_t lens[] = { 0, 1, 255, 256, 4096, PB_FRAME_DATA_MAX };
        static uint8_t data[PB_FRAME_DATA_MAX];
        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t)(i * 7 + 3);
        for (size_t c = 0; c < LEN(channels); c++) {
                for (size_t l = 0; l < LEN(lens); l++) {
                        uint8_t *buf;
                        size_t len;
                        struct pb_frame f;
                        CHECK_EQ(pb_frame_encode(channels[c], data, lens[l], &buf, &len), 0);
                        CHECK(len <= 7 + lens[l]);
                        CHECK_EQ(pb_frame_decode(buf, len, &f), 0);
                        CHECK_EQ(f.channel, channels[c]);
                        CHECK_EQ(f.len, lens[l]);
                        CHECK(memcmp(f.data, data, f.len) == 0);
                        /* Every strict prefix is cut short, one byte more is trailing. */
                        for (size_t n = 0; n < len; n += n < 16 ? 1 : 997)
                                CHECK_EQ(pb_frame_decode(buf, n, &f), -EBADMSG);
                        uint8_t *longer = realloc(buf, len + 1);
                        longer[len] = 0xc0;
                        CHECK_EQ(pb_frame_decode(longer, len + 1, &f), -EBADMSG);
                        free(longer);
                }
        }
        uint8_t head[PB_FRAME_HEADER_MAX], *buf;
        size_t len;
        CHECK_EQ(pb_frame_header_encode(1, PB_FRAME_DATA_MAX + 1, head, &len), -EINVAL);
        CHECK_EQ(pb_frame_encode(1, data, PB_FRAME_DATA_MAX + 1, &buf, &len), -EINVAL);
        CHECK_EQ(pb_frame_encode(1, NULL, 1, &buf, &len), -EINVAL);
}

struct vector {
        const char *what;
        uint8_t b[24];
        size_t n;
};
#define V(what, ...) \
        { what, { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }) }

/* Encodings msgpack allows that our packer never writes: Jami reads them. */
static const struct vector long_forms[] = {
        V("array16", 0xdc, 0x00, 0x02, 0x05, 0xc4, 0x01, 'x'),
        V("array32", 0xdd, 0x00, 0x00, 0x00, 0x02, 0x05, 0xc4, 0x01, 'x'),
        V("channel uint8", 0x92, 0xcc, 0x05, 0xc4, 0x01, 'x'),
        V("channel uint32", 0x92, 0xce, 0x00, 0x00, 0x00, 0x05, 0xc4, 0x01, 'x'),
        V("channel uint64", 0x92, 0xcf, 0, 0, 0, 0, 0, 0, 0, 0x05, 0xc4, 0x01, 'x'),
        V("channel int8", 0x92, 0xd0, 0x05, 0xc4, 0x01, 'x'),
        V("channel int64", 0x92, 0xd3, 0, 0, 0, 0, 0, 0, 0, 0x05, 0xc4, 0x01, 'x'),
        V("bin16", 0x92, 0x05, 0xc5, 0x00, 0x01, 'x'),
        V("bin32", 0x92, 0x05, 0xc6, 0x00, 0x00, 0x00, 0x01, 'x'),
        V("longest header", 0xdd, 0, 0, 0, 2, 0xcf, 0, 0, 0, 0, 0, 0, 0, 5, 0xc6, 0, 0, 0, 1, 'x'),
};

static const struct vector bad_frames[] = {
        V("empty array", 0x90),
        V("one element", 0x91, 0x05),
        V("three elements", 0x93, 0x05, 0xc4, 0x01, 'x', 0xc0),
        V("array16 of 3", 0xdc, 0x00, 0x03, 0x05, 0xc4, 0x01, 'x', 0xc0),
        V("a map", 0x81, 0x05, 0xc4, 0x01, 'x'),
        V("nil", 0xc0),
        V("channel negative fixint", 0x92, 0xff, 0xc4, 0x01, 'x'),
        V("channel int8 -1", 0x92, 0xd0, 0xff, 0xc4, 0x01, 'x'),
        V("channel int64 negative", 0x92, 0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0, 0xc4, 0x01, 'x'),
        V("channel 65536", 0x92, 0xce, 0x00, 0x01, 0x00, 0x00, 0xc4, 0x01, 'x'),
        V("channel 2^64-1", 0x92, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc4, 0x01,
          'x'),
        V("channel float", 0x92, 0xca, 0x40, 0xa0, 0x00, 0x00, 0xc4, 0x01, 'x'),
        V("channel str", 0x92, 0xa1, '5', 0xc4, 0x01, 'x'),
        V("channel nil", 0x92, 0xc0, 0xc4, 0x01, 'x'),
        V("channel bool", 0x92, 0xc3, 0xc4, 0x01, 'x'),
        V("data str", 0x92, 0x05, 0xa1, 'x'),
        V("data nil", 0x92, 0x05, 0xc0),
        V("data array", 0x92, 0x05, 0x91, 0x01),
        V("data ext", 0x92, 0x05, 0xd4, 0x01, 'x'),
        V("data 65536 bytes", 0x92, 0x05, 0xc6, 0x00, 0x01, 0x00, 0x00),
        V("data 4 GiB", 0x92, 0x05, 0xc6, 0xff, 0xff, 0xff, 0xff),
        V("data short", 0x92, 0x05, 0xc4, 0x02, 'x'),
        V("trailing byte", 0x92, 0x05, 0xc4, 0x01, 'x', 'y'),
        V("two frames", 0x92, 0x05, 0xc4, 0x00, 0x92, 0x05, 0xc4, 0x00),
        V("reserved byte", 0xc1),
};

static void test_frame_forms(void) {
        struct pb_frame f;
        for (size_t i = 0; i < LEN(long_forms); i++) {
                const struct vector *v = &long_forms[i];
                int r = pb_frame_decode(v->b, v->n, &f);
                if (r != 0)
                        fprintf(stderr, "long form '%s' rejected\n", v->what);
                CHECK(r == 0 && f.channel == 5 && f.len == 1 && f.data[0] == 'x');
        }
        for (size_t i = 0; i < LEN(bad_frames); i++) {
                const struct vector *v = &bad_frames[i];
                int r = pb_frame_decode(v->b, v->n, &f);
                if (r != -EBADMSG)
                        fprintf(stderr, "bad frame '%s' gave %d\n", v->what, r);
                CHECK_EQ(r, -EBADMSG);
        }
        CHECK_EQ(pb_frame_decode(NULL, 0, &f), -EBADMSG);
        CHECK_EQ(pb_frame_decode((const uint8_t *)"", 0, &f), -EBADMSG);
}

/* ---- the stream reader ------------------------------------------------------- */

/* A stream of frames of every kind, and what each carries. */
#define STREAM_FRAMES 9
static const uint16_t stream_channels[STREAM_FRAMES] = { 0xffff, 0,   0x1234, 0x1234, 7,
                                                         0xffff, 200, 7,      0x1234 };
static const size_t stream_lens[STREAM_FRAMES] = { 4, 9, 300, PB_FRAME_DATA_MAX, 0, 4, 1, 1, 0 };

static uint8_t *make_stream(size_t *ret_len) {
        uint8_t *s = NULL;
        size_t n = 0;
        for (int i = 0; i < STREAM_FRAMES; i++) {
                uint8_t *payload = malloc(stream_lens[i] + 1), *buf;
                size_t len;
                memset(payload, 'a' + i, stream_lens[i]);
                CHECK_EQ(pb_frame_encode(stream_channels[i], payload, stream_lens[i], &buf, &len),
                         0);
                s = realloc(s, n + len);
                memcpy(s + n, buf, len);
                n += len;
                free(buf);
                free(payload);
        }
        *ret_len = n;
        return s;
}

static unsigned long rng = 1;
static size_t next_random(size_t max) {
        rng = rng * 6364136223846793005ul + 1442695040888963407ul;
        return (size_t)(rng >> 33) % max + 1;
}

/* Feeds s in pieces of piece() bytes; checks each frame against the stream's
 * list; returns how many came. The reader never holds more than one frame,
 * nor more than twice what it received of it. */
static int feed_all(const uint8_t *s, size_t n, size_t (*piece)(size_t)) {
        struct pb_frame_reader r;
        pb_frame_reader_init(&r);
        int frames = 0;
        size_t off = 0;
        while (off < n) {
                size_t chunk = piece(n - off), used = 0;
                const uint8_t *p = s + off;
                while (used < chunk) {
                        struct pb_frame f;
                        size_t u;
                        int k = pb_frame_reader_feed(&r, p + used, chunk - used, &u, &f);
                        CHECK(k == 0 || k == 1);
                        if (k < 0)
                                goto out;
                        CHECK(u <= chunk - used);
                        CHECK(r.cap <= PB_FRAME_DATA_MAX && r.cap <= 2 * r.have);
                        used += u;
                        if (k == 1) {
                                CHECK(frames < STREAM_FRAMES);
                                if (frames >= STREAM_FRAMES)
                                        goto out;
                                CHECK_EQ(f.channel, stream_channels[frames]);
                                CHECK_EQ(f.len, stream_lens[frames]);
                                for (size_t i = 0; i < f.len; i++)
                                        if (f.data[i] != 'a' + frames) {
                                                CHECK(!"wrong data");
                                                break;
                                        }
                                frames++;
                        } else {
                                CHECK_EQ(used, chunk); /* 0: all of it went in */
                        }
                }
                off += chunk;
        }
        CHECK_EQ(pb_frame_reader_end(&r), 0);
out:
        pb_frame_reader_done(&r);
        return frames;
}

static size_t whole(size_t left) {
        return left;
}
static size_t one_byte(size_t left) {
        return 1;
}
static size_t random_piece(size_t left) {
        size_t max = next_random(4) == 1 ? 20 : 9000; /* headers cut often */
        size_t n = next_random(max);
        return n < left ? n : left;
}

static void test_stream(void) {
        size_t n;
        uint8_t *s = make_stream(&n);
        CHECK_EQ(feed_all(s, n, whole), STREAM_FRAMES);
        CHECK_EQ(feed_all(s, n, one_byte), STREAM_FRAMES);
        for (int seed = 1; seed <= 20; seed++) {
                rng = (unsigned long)seed;
                CHECK_EQ(feed_all(s, n, random_piece), STREAM_FRAMES);
        }
        free(s);
}

/* A frame that arrives whole is handed out where it lies; one that spans
 * reads comes from the reader, and its memory goes at the next call. */
static void test_stream_copies(void) {
        static const uint8_t two[] = {
                0x92, 0x05, 0xc4, 0x02, 'h', 'i', 0x92, 0x06, 0xc4, 0x01, '!'
        };
        struct pb_frame_reader r = { 0 };
        struct pb_frame f;
        size_t used;
        CHECK_EQ(pb_frame_reader_feed(&r, two, sizeof(two), &used, &f), 1);
        CHECK(used == 6 && f.channel == 5 && f.len == 2 && f.data == two + 4);
        CHECK(r.buf == NULL);
        CHECK_EQ(pb_frame_reader_feed(&r, two + 6, 3, &used, &f), 0);
        CHECK_EQ(used, 3);
        CHECK_EQ(pb_frame_reader_end(&r), -EBADMSG); /* ended inside a header */
        CHECK_EQ(pb_frame_reader_feed(&r, two + 9, 2, &used, &f), 1);
        CHECK(used == 2 && f.channel == 6 && f.len == 1 && f.data == two + 10);
        CHECK_EQ(pb_frame_reader_end(&r), 0);
        CHECK_EQ(pb_frame_reader_feed(&r, two, 5, &used, &f), 0);
        CHECK_EQ(pb_frame_reader_end(&r), -EBADMSG); /* ended inside the data */
        CHECK_EQ(pb_frame_reader_feed(&r, two + 5, 1, &used, &f), 1);
        CHECK(f.len == 2 && f.data == r.buf && memcmp(f.data, "hi", 2) == 0);
        CHECK_EQ(pb_frame_reader_end(&r), 0);
        CHECK_EQ(pb_frame_reader_feed(&r, two, 0, &used, &f), 0);
        CHECK(r.buf == NULL && used == 0);
        pb_frame_reader_done(&r);
}

/* Bad bytes fail at the first of them, the frames before still come out, and
 * the reader stays failed. */
static void test_stream_errors(void) {
        struct pb_frame_reader r;
        struct pb_frame f;
        size_t used;
        static const uint8_t good_then_bad[] = { 0x92, 0x05, 0xc4, 0x01, 'x', 0x93, 0x05 };
        pb_frame_reader_init(&r);
        CHECK_EQ(pb_frame_reader_feed(&r, good_then_bad, sizeof(good_then_bad), &used, &f), 1);
        CHECK_EQ(used, 5);
        used = 99;
        CHECK_EQ(pb_frame_reader_feed(&r, good_then_bad + 5, 2, &used, &f), -EBADMSG);
        CHECK_EQ(used, 99); /* written only on success */
        CHECK_EQ(pb_frame_reader_feed(&r, good_then_bad, 5, &used, &f), -EBADMSG);
        CHECK_EQ(pb_frame_reader_end(&r), -EBADMSG);
        pb_frame_reader_done(&r);

        /* Every bad frame fails as well when it comes a byte at a time, and
         * an oversized one before a byte of its data is sent. */
        for (size_t i = 0; i < LEN(bad_frames); i++) {
                const struct vector *v = &bad_frames[i];
                int k = 0;
                pb_frame_reader_init(&r);
                for (size_t j = 0; j < v->n && k >= 0; j++)
                        k = pb_frame_reader_feed(&r, v->b + j, 1, &used, &f);
                /* Cut short, trailing or two frames: the stream judges at its end. */
                if (k >= 0)
                        k = k == 1 && pb_frame_reader_end(&r) == 0 ? 1 : -EBADMSG;
                bool multiple = strstr(v->what, "trailing") || strstr(v->what, "two");
                if (multiple)
                        CHECK(k == 1 || k == -EBADMSG);
                else
                        CHECK_EQ(k, -EBADMSG);
                pb_frame_reader_done(&r);
        }
        static const uint8_t oversize[] = { 0x92, 0x05, 0xc6, 0x00, 0x01, 0x00, 0x00 };
        pb_frame_reader_init(&r);
        CHECK_EQ(pb_frame_reader_feed(&r, oversize, sizeof(oversize), &used, &f), -EBADMSG);
        CHECK(r.buf == NULL);
        pb_frame_reader_done(&r);

        /* The largest frame, announced and sent a byte at a time for a while:
         * the buffer follows what arrived. */
        uint8_t head[PB_FRAME_HEADER_MAX];
        size_t head_len;
        CHECK_EQ(pb_frame_header_encode(9, PB_FRAME_DATA_MAX, head, &head_len), 0);
        pb_frame_reader_init(&r);
        CHECK_EQ(pb_frame_reader_feed(&r, head, head_len, &used, &f), 0);
        CHECK(r.buf == NULL);
        for (int i = 0; i < 100; i++)
                CHECK_EQ(pb_frame_reader_feed(&r, (const uint8_t *)"z", 1, &used, &f), 0);
        CHECK(r.cap >= 100 && r.cap <= 200);
        CHECK_EQ(pb_frame_reader_end(&r), -EBADMSG);
        pb_frame_reader_done(&r);
        CHECK(r.buf == NULL && r.cap == 0);
        pb_frame_reader_done(NULL);
}

/* ---- channel requests ----------------------------------------------------------- */

static void test_channel_request(void) {
        static const uint16_t channels[] = { 0xffff, 0, 0x1234 };
        struct pb_channel_request q, d;
        uint8_t *buf;
        size_t len;
        for (int s = PB_CHANNEL_REQUEST; s <= PB_CHANNEL_DECLINE; s++) {
                strcpy(q.name, "sync://0123456789abcdef");
                q.state = (enum pb_channel_state)s;
                q.channel = channels[s];
                CHECK_EQ(pb_channel_request_encode(&q, &buf, &len), 0);
                CHECK_EQ(pb_channel_request_decode(buf, len, &d), 0);
                CHECK(strcmp(d.name, q.name) == 0 && d.channel == q.channel && d.state == q.state);
                for (size_t n = 0; n < len; n++)
                        CHECK_EQ(pb_channel_request_decode(buf, n, &d), -EBADMSG);
                free(buf);
        }
        /* The longest name, and one byte more. */
        memset(q.name, 'n', sizeof(q.name));
        CHECK_EQ(pb_channel_request_encode(&q, &buf, &len), -EINVAL);
        q.name[sizeof(q.name) - 1] = 0;
        CHECK_EQ(pb_channel_request_encode(&q, &buf, &len), 0);
        CHECK_EQ(pb_channel_request_decode(buf, len, &d), 0);
        CHECK_EQ(strlen(d.name), PB_CHANNEL_NAME_MAX - 1);
        free(buf);
        /* [str16 of PB_CHANNEL_NAME_MAX bytes, 1, REQUEST]: no room for its NUL. */
        uint8_t big[4 + PB_CHANNEL_NAME_MAX + 2] = { 0x93, 0xda, PB_CHANNEL_NAME_MAX >> 8,
                                                     PB_CHANNEL_NAME_MAX & 0xff };
        memset(big + 4, 'n', PB_CHANNEL_NAME_MAX);
        big[4 + PB_CHANNEL_NAME_MAX] = 0x01;
        big[5 + PB_CHANNEL_NAME_MAX] = 0x00;
        CHECK_EQ(pb_channel_request_decode(big, sizeof(big), &d), -EBADMSG);
        q.state = 3;
        strcpy(q.name, "x");
        CHECK_EQ(pb_channel_request_encode(&q, &buf, &len), -EINVAL);

        static const struct vector bad[] = {
                V("two fields", 0x92, 0xa1, 'x', 0x05),
                V("four fields", 0x94, 0xa1, 'x', 0x05, 0x00, 0x00),
                V("a map", 0x83, 0xa1, 'x', 0x05, 0x00, 0x00, 0x01, 0x02),
                V("name bin", 0x93, 0xc4, 0x01, 'x', 0x05, 0x00),
                V("name nil", 0x93, 0xc0, 0x05, 0x00),
                V("name with NUL", 0x93, 0xa3, 's', 0, 'p', 0x05, 0x00),
                V("channel 65536", 0x93, 0xa1, 'x', 0xce, 0x00, 0x01, 0x00, 0x00, 0x00),
                V("channel -1", 0x93, 0xa1, 'x', 0xff, 0x00),
                V("channel str", 0x93, 0xa1, 'x', 0xa1, '5', 0x00),
                V("state 3", 0x93, 0xa1, 'x', 0x05, 0x03),
                V("state -1", 0x93, 0xa1, 'x', 0x05, 0xff),
                V("state bool", 0x93, 0xa1, 'x', 0x05, 0xc3),
                V("state float", 0x93, 0xa1, 'x', 0x05, 0xca, 0, 0, 0, 0),
                V("trailing", 0x93, 0xa1, 'x', 0x05, 0x00, 0xc0),
                V("empty", 0x90),
        };
        for (size_t i = 0; i < LEN(bad); i++) {
                int r = pb_channel_request_decode(bad[i].b, bad[i].n, &d);
                if (r != -EBADMSG)
                        fprintf(stderr, "bad request '%s' gave %d\n", bad[i].what, r);
                CHECK_EQ(r, -EBADMSG);
        }
        /* An empty name, a reserved channel, long forms: the format allows them. */
        static const uint8_t odd[] = { 0xdc, 0x00, 0x03, 0xa0, 0xcf, 0,    0,   0,
                                       0,    0,    0,    0,    0,    0xd0, 0x02 };
        CHECK_EQ(pb_channel_request_decode(odd, sizeof(odd), &d), 0);
        CHECK(d.name[0] == 0 && d.channel == 0 && d.state == PB_CHANNEL_DECLINE);
}

/* ---- protocol messages --------------------------------------------------------- */

static void test_protocol(void) {
        static const uint32_t versions[] = { 0, 1, 127, 128, 65536, INT32_MAX };
        struct pb_protocol_msg m = { .kind = PB_PROTOCOL_VERSION }, d;
        uint8_t *buf;
        size_t len;
        for (size_t i = 0; i < LEN(versions) + 2; i++) {
                if (i < LEN(versions))
                        m.version = versions[i];
                else
                        m = (struct pb_protocol_msg){ .kind = PB_PROTOCOL_BEACON,
                                                      .ping = i == LEN(versions) };
                CHECK_EQ(pb_protocol_msg_encode(&m, &buf, &len), 0);
                CHECK_EQ(pb_protocol_msg_decode(buf, len, &d), 0);
                CHECK_EQ(d.kind, m.kind);
                CHECK(m.kind == PB_PROTOCOL_VERSION ? d.version == m.version : d.ping == m.ping);
                for (size_t n = 0; n < len; n++)
                        CHECK_EQ(pb_protocol_msg_decode(buf, n, &d), -EBADMSG);
                free(buf);
        }
        m = (struct pb_protocol_msg){ .kind = PB_PROTOCOL_VERSION, .version = 1u << 31 };
        CHECK_EQ(pb_protocol_msg_encode(&m, &buf, &len), -EINVAL);
        m.kind = PB_PROTOCOL_OTHER;
        CHECK_EQ(pb_protocol_msg_encode(&m, &buf, &len), -EINVAL);

        /* Jami's reading: the first key names the type, other keys are ignored. */
        static const struct vector good[] = {
                V("version, extra key", 0x82, 0xa1, 'v', 0x02, 0xa1, 'x', 0xa1, 'y'),
                V("beacon, then v", 0x82, 0xa1, 'p', 0xc2, 0xa1, 'v', 0xa1, 'y'),
                V("unknown type", 0x81, 0xa1, 'q', 0x01),
                V("unknown, then v", 0x82, 0xa1, 'q', 0xc0, 0xa1, 'v', 0x01),
                V("version uint32", 0x81, 0xa1, 'v', 0xce, 0x7f, 0xff, 0xff, 0xff),
        };
        static const enum pb_protocol_kind kinds[] = { PB_PROTOCOL_VERSION, PB_PROTOCOL_BEACON,
                                                       PB_PROTOCOL_OTHER, PB_PROTOCOL_OTHER,
                                                       PB_PROTOCOL_VERSION };
        for (size_t i = 0; i < LEN(good); i++) {
                int r = pb_protocol_msg_decode(good[i].b, good[i].n, &d);
                if (r != 0)
                        fprintf(stderr, "protocol message '%s' gave %d\n", good[i].what, r);
                CHECK(r == 0 && d.kind == kinds[i]);
        }
        CHECK(pb_protocol_msg_decode(good[0].b, good[0].n, &d) == 0 && d.version == 2);
        CHECK(pb_protocol_msg_decode(good[1].b, good[1].n, &d) == 0 && !d.ping);
        CHECK(pb_protocol_msg_decode(good[4].b, good[4].n, &d) == 0 && d.version == INT32_MAX);

        static const struct vector bad[] = {
                V("empty map", 0x80),
                V("an array", 0x91, 0x01),
                V("the old array form", 0x91, 0xc3),
                V("version -1", 0x81, 0xa1, 'v', 0xff),
                V("version 2^31", 0x81, 0xa1, 'v', 0xce, 0x80, 0x00, 0x00, 0x00),
                V("version bool", 0x81, 0xa1, 'v', 0xc3),
                V("version str", 0x81, 0xa1, 'v', 0xa1, '1'),
                V("version twice", 0x82, 0xa1, 'v', 0x01, 0xa1, 'v', 0x01),
                V("beacon int", 0x81, 0xa1, 'p', 0x01),
                V("beacon nil", 0x81, 0xa1, 'p', 0xc0),
                V("beacon twice", 0x82, 0xa1, 'p', 0xc3, 0xa1, 'p', 0xc2),
                V("int key", 0x81, 0x01, 0x01),
                V("bin key", 0x81, 0xc4, 0x01, 'v', 0x01),
                V("int key after v", 0x82, 0xa1, 'v', 0x01, 0x01, 0x01),
                V("trailing", 0x81, 0xa1, 'p', 0xc3, 0xc0),
                V("nil", 0xc0),
        };
        for (size_t i = 0; i < LEN(bad); i++) {
                int r = pb_protocol_msg_decode(bad[i].b, bad[i].n, &d);
                if (r != -EBADMSG)
                        fprintf(stderr, "bad protocol message '%s' gave %d\n", bad[i].what, r);
                CHECK_EQ(r, -EBADMSG);
        }
}

int main(void) {
        test_vectors();
        test_frame_round_trips();
        test_frame_forms();
        test_stream();
        test_stream_copies();
        test_stream_errors();
        test_channel_request();
        test_protocol();
        return check_summary();
}
