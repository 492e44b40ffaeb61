/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-channel-frame.c — the bytes a peer sends on a channel connection.
 *
 * The input is a stream: read whole, a byte at a time and in pieces of
 * sizes drawn from the input, the reader must give the same frames and the
 * same verdict each time, and one whole frame must decode alone exactly when
 * the stream is that one frame. Every frame's data also goes through the
 * channel-request and protocol-message decoders, whatever its channel, so
 * that the fuzzer reaches them; what they accept must survive re-encoding.
 */
#include <errno.h>
#include <string.h>

#include "channel_wire.h"
#include "fuzz.h"
#include "wire.h"

/* What a reading gave: each frame as channel, length and data, then the
 * verdict (1: all read and between frames; -EBADMSG otherwise). */
struct trace {
        uint8_t *b;
        size_t n, frames;
        int verdict;
};

static void trace_add(struct trace *t, const void *p, size_t n) {
        memcpy(t->b + t->n, p, n);
        t->n += n;
}

static void check_messages(const struct pb_frame *f) {
        struct pb_channel_request q, q2;
        struct pb_protocol_msg m, m2;
        uint8_t *buf;
        size_t len;

        int r = pb_channel_request_decode(f->data, f->len, &q);
        FUZZ_CHECK(r == 0 || r == -EBADMSG);
        if (r == 0) {
                FUZZ_CHECK(strlen(q.name) < sizeof(q.name) && q.state <= PB_CHANNEL_DECLINE);
                FUZZ_CHECK(pb_channel_request_encode(&q, &buf, &len) == 0);
                FUZZ_CHECK(pb_channel_request_decode(buf, len, &q2) == 0);
                FUZZ_CHECK(strcmp(q.name, q2.name) == 0 && q.channel == q2.channel &&
                           q.state == q2.state);
                free(buf);
        }
        r = pb_protocol_msg_decode(f->data, f->len, &m);
        FUZZ_CHECK(r == 0 || r == -EBADMSG);
        if (r == 0 && m.kind != PB_PROTOCOL_OTHER) {
                FUZZ_CHECK(m.kind == PB_PROTOCOL_VERSION || m.kind == PB_PROTOCOL_BEACON);
                FUZZ_CHECK(pb_protocol_msg_encode(&m, &buf, &len) == 0);
                FUZZ_CHECK(pb_protocol_msg_decode(buf, len, &m2) == 0);
                FUZZ_CHECK(m.kind == m2.kind);
                FUZZ_CHECK(m.kind == PB_PROTOCOL_VERSION ? m.version == m2.version
                                                         : m.ping == m2.ping);
                free(buf);
        }
}

/* Reads data in pieces: whole (step 0), step bytes at a time, or (step -1)
 * sizes from a generator seeded by the input. */
static void read_stream(const uint8_t *data, size_t size, long step, struct trace *t) {
        struct pb_frame_reader r;
        uint32_t rng = 2166136261u;
        size_t off = 0;
        int k = 0;

        for (size_t i = 0; i < size && i < 64; i++)
                rng = (rng ^ data[i]) * 16777619u;
        pb_frame_reader_init(&r);
        t->n = t->frames = 0;
        while (off < size) {
                size_t piece = size - off;
                if (step > 0 && (size_t)step < piece)
                        piece = (size_t)step;
                else if (step < 0) {
                        rng = rng * 1103515245u + 12345u;
                        size_t want = (rng >> 16) % 40 + 1;
                        piece = want < piece ? want : piece;
                }
                size_t used = 0;
                while (used < piece) {
                        struct pb_frame f;
                        size_t u;
                        k = pb_frame_reader_feed(&r, data + off + used, piece - used, &u, &f);
                        FUZZ_CHECK(k == 0 || k == 1 || k == -EBADMSG);
                        if (k < 0)
                                goto out;
                        FUZZ_CHECK(u <= piece - used && (k == 1 || u == piece - used));
                        used += u;
                        FUZZ_CHECK(r.cap <= PB_FRAME_DATA_MAX && r.cap <= 2 * r.have);
                        if (k == 1) {
                                uint32_t head[2] = { f.channel, (uint32_t)f.len };
                                FUZZ_CHECK(f.len <= PB_FRAME_DATA_MAX);
                                trace_add(t, head, sizeof(head));
                                trace_add(t, f.data, f.len);
                                t->frames++;
                                if (step == 0)
                                        check_messages(&f); /* once per frame */
                        }
                }
                off += piece;
        }
        k = pb_frame_reader_end(&r) == 0 ? 1 : -EBADMSG;
out:
        FUZZ_CHECK(k < 0 ? pb_frame_reader_end(&r) == -EBADMSG : 1);
        t->verdict = k;
        pb_frame_reader_done(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* A frame takes at least 4 bytes of input and 8 of trace. */
        size_t room = 2 * size + 16;
        struct trace whole = { .b = malloc(room) }, other = { .b = malloc(room) };
        struct pb_frame f, g;
        uint8_t *buf;
        size_t len;
        FUZZ_CHECK(whole.b && other.b);

        int r = pb_frame_decode(data, size, &f);
        FUZZ_CHECK(r == 0 || r == -EBADMSG);
        if (r == 0) {
                FUZZ_CHECK(f.data >= data && f.data + f.len == data + size);
                FUZZ_CHECK(pb_frame_encode(f.channel, f.data, f.len, &buf, &len) == 0);
                FUZZ_CHECK(len <= size);
                FUZZ_CHECK(pb_frame_decode(buf, len, &g) == 0);
                FUZZ_CHECK(f.channel == g.channel && f.len == g.len);
                FUZZ_CHECK(memcmp(f.data, g.data, f.len) == 0);
                free(buf);
        }

        read_stream(data, size, 0, &whole);
        /* One frame alone decodes exactly when the stream is that frame. */
        FUZZ_CHECK((r == 0) == (whole.verdict == 1 && whole.frames == 1));
        static const long steps[] = { 1, 3, -1 };
        for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
                read_stream(data, size, steps[i], &other);
                FUZZ_CHECK(other.verdict == whole.verdict);
                FUZZ_CHECK(other.frames == whole.frames && other.n == whole.n);
                FUZZ_CHECK(memcmp(other.b, whole.b, whole.n) == 0);
        }
        free(whole.b);
        free(other.b);
        return 0;
}
