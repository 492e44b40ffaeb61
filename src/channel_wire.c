/* SPDX-License-Identifier: GPL-3.0-or-later */
/* channel_wire.c — the [u16 channel, bin data] frames of Jami's multiplexed
 * socket, and a stream reader for them (see channel_wire.h for why by hand). */
#include "channel_wire.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t read_be(const uint8_t *p, unsigned n) {
        uint64_t v = 0;
        for (unsigned i = 0; i < n; i++)
                v = v << 8 | p[i];
        return v;
}

/* Reads an n-byte big-endian field at p[*i] into *ret: 1 if there, 0 if the
 * input ends first. */
static int field(const uint8_t *p, size_t len, size_t *i, unsigned n, uint64_t *ret) {
        if (len - *i < n)
                return 0;
        *ret = read_be(p + *i, n);
        *i += n;
        return 1;
}

/*
 * Reads the frame header at the start of p[0..len): 1 with the channel, the
 * data's length and the header's, when the header is whole; 0 when the input
 * ends inside it; -EBADMSG as soon as a byte cannot belong to a frame, so that
 * a stream reader fails on the first bad byte rather than waiting for more.
 */
static int parse_header(const uint8_t *p, size_t len, uint16_t *ret_channel, size_t *ret_data_len,
                        size_t *ret_header_len) {
        size_t i = 0;
        uint64_t v = 0;
        unsigned w;

        /* An array of exactly two elements: fixarray, array16 or array32. */
        if (len < 1)
                return 0;
        uint8_t c = p[i++];
        if (c == 0xdc || c == 0xdd) {
                if (!field(p, len, &i, c == 0xdc ? 2 : 4, &v))
                        return 0;
                if (v != 2)
                        return -EBADMSG;
        } else if (c != 0x92)
                return -EBADMSG;

        /* The channel: any integer msgpack-c reads as positive, up to 0xffff
         * (a negative one is a type error in Jami's conversion to uint16_t). */
        if (len - i < 1)
                return 0;
        c = p[i++];
        if (c <= 0x7f)
                v = c;
        else if (c >= 0xcc && c <= 0xd3) {
                w = 1u << ((c - 0xcc) & 3); /* uint 8..64, then int 8..64 */
                if (len - i < 1)
                        return 0;
                if (c >= 0xd0 && p[i] & 0x80)
                        return -EBADMSG; /* negative */
                if (!field(p, len, &i, w, &v))
                        return 0;
                if (v > 0xffff)
                        return -EBADMSG;
        } else
                return -EBADMSG;
        uint16_t channel = (uint16_t)v;

        /* The data: bin8, bin16 or bin32 (Jami's vector<uint8_t> also takes a
         * str, but no Jami writes one), at most PB_FRAME_DATA_MAX bytes. */
        if (len - i < 1)
                return 0;
        c = p[i++];
        if (c < 0xc4 || c > 0xc6)
                return -EBADMSG;
        if (!field(p, len, &i, 1u << (c - 0xc4), &v))
                return 0;
        if (v > PB_FRAME_DATA_MAX)
                return -EBADMSG;

        *ret_channel = channel;
        *ret_data_len = (size_t)v;
        *ret_header_len = i;
        return 1;
}

/* ---- whole frames ------------------------------------------------------------ */

int pb_frame_header_encode(uint16_t channel, size_t len, uint8_t out[PB_FRAME_HEADER_MAX],
                           size_t *ret_len) {
        if (!out || !ret_len || len > PB_FRAME_DATA_MAX)
                return -EINVAL;
        size_t n = 0;
        out[n++] = 0x92;
        if (channel >= 0x100) {
                out[n++] = 0xcd;
                out[n++] = (uint8_t)(channel >> 8);
        } else if (channel >= 0x80)
                out[n++] = 0xcc;
        out[n++] = (uint8_t)channel;
        if (len >= 0x100) {
                out[n++] = 0xc5;
                out[n++] = (uint8_t)(len >> 8);
        } else
                out[n++] = 0xc4;
        out[n++] = (uint8_t)len;
        *ret_len = n;
        return 0;
}

int pb_frame_encode(uint16_t channel, const void *data, size_t len, uint8_t **ret,
                    size_t *ret_len) {
        uint8_t head[PB_FRAME_HEADER_MAX];
        size_t n;
        if (!ret || !ret_len || (len && !data))
                return -EINVAL;
        int r = pb_frame_header_encode(channel, len, head, &n);
        if (r < 0)
                return r;
        uint8_t *buf = malloc(n + len);
        if (!buf)
                return -ENOMEM;
        memcpy(buf, head, n);
        if (len)
                memcpy(buf + n, data, len);
        *ret = buf;
        *ret_len = n + len;
        return 0;
}

int pb_frame_decode(const uint8_t *data, size_t len, struct pb_frame *ret) {
        uint16_t channel;
        size_t data_len, head_len;
        if (!data || !ret)
                return -EBADMSG;
        /* A header cut short is as malformed as a bad one here: nothing follows. */
        if (parse_header(data, len, &channel, &data_len, &head_len) <= 0 ||
            len - head_len != data_len)
                return -EBADMSG;
        *ret = (struct pb_frame){ .channel = channel, .data = data + head_len, .len = data_len };
        return 0;
}

/* ---- the stream reader ----------------------------------------------------------- */

void pb_frame_reader_init(struct pb_frame_reader *r) {
        *r = (struct pb_frame_reader){ .error = 0 };
}

void pb_frame_reader_done(struct pb_frame_reader *r) {
        if (!r)
                return;
        free(r->buf);
        pb_frame_reader_init(r);
}

static int reader_fail(struct pb_frame_reader *r, int error) {
        free(r->buf);
        r->buf = NULL;
        r->have = r->cap = 0;
        r->error = error;
        return error;
}

/* The next frame starts: forget the one handed out (its memory too, so that
 * an idle connection holds none). */
static void reader_next(struct pb_frame_reader *r) {
        free(r->buf);
        int error = r->error;
        pb_frame_reader_init(r);
        r->error = error;
}

/* Makes room for n more data bytes: at least double what is held, so that a
 * frame read a byte at a time costs few reallocations, but never more than
 * the frame's size nor than twice what has arrived of it. */
static int reader_grow(struct pb_frame_reader *r, size_t n) {
        size_t need = r->have + n;
        if (need <= r->cap)
                return 0;
        size_t cap = r->cap * 2 > need ? r->cap * 2 : need;
        if (cap > r->data_len)
                cap = r->data_len;
        uint8_t *buf = realloc(r->buf, cap);
        if (!buf)
                return -ENOMEM;
        r->buf = buf;
        r->cap = cap;
        return 0;
}

/* The header arrives in pieces: one byte at a time into head[], so that a bad
 * byte fails at once and no byte of the data is taken. */
static int reader_head(struct pb_frame_reader *r, const uint8_t *data, size_t len, size_t *used) {
        size_t head_len;
        while (*used < len) {
                /* parse_header decides within PB_FRAME_HEADER_MAX bytes. */
                assert(r->head_len < sizeof(r->head));
                r->head[r->head_len++] = data[(*used)++];
                int k = parse_header(r->head, r->head_len, &r->channel, &r->data_len, &head_len);
                if (k < 0)
                        return k;
                if (k > 0) {
                        r->in_data = true;
                        return 0;
                }
        }
        return 0;
}

int pb_frame_reader_feed(struct pb_frame_reader *r, const uint8_t *data, size_t len,
                         size_t *ret_used, struct pb_frame *ret) {
        if (!r || !ret_used || !ret || (len && !data))
                return -EINVAL;
        if (r->error)
                return r->error;
        if (r->handed)
                reader_next(r);
        if (len == 0) {
                *ret_used = 0;
                return 0;
        }

        size_t used = 0, head_len;
        if (!r->in_data && r->head_len == 0) {
                /* Between frames: the header, and often the whole frame, is
                 * in data; then it is handed out where it lies. */
                int k = parse_header(data, len, &r->channel, &r->data_len, &head_len);
                if (k < 0)
                        return reader_fail(r, k);
                if (k > 0) {
                        r->in_data = true;
                        used = head_len;
                }
        }
        if (!r->in_data) {
                int k = reader_head(r, data, len, &used);
                if (k < 0)
                        return reader_fail(r, k);
                if (!r->in_data) {
                        *ret_used = used;
                        return 0;
                }
        }

        size_t take = len - used, missing = r->data_len - r->have;
        if (take > missing)
                take = missing;
        if (r->have == 0 && take == r->data_len) {
                *ret = (struct pb_frame){ .channel = r->channel, .data = data + used, .len = take };
                *ret_used = used + take;
                reader_next(r);
                return 1;
        }
        if (take > 0) {
                int k = reader_grow(r, take);
                if (k < 0)
                        return reader_fail(r, k);
                memcpy(r->buf + r->have, data + used, take);
                r->have += take;
                used += take;
        }
        *ret_used = used;
        if (r->have < r->data_len)
                return 0;
        *ret = (struct pb_frame){ .channel = r->channel, .data = r->buf, .len = r->have };
        r->handed = true; /* freed by the next call, once the caller is done with it */
        return 1;
}

int pb_frame_reader_end(const struct pb_frame_reader *r) {
        if (!r || r->error)
                return -EBADMSG;
        if (r->handed) /* the last frame went out whole */
                return 0;
        return r->in_data || r->head_len ? -EBADMSG : 0;
}
