/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * channel_wire.h — Jami's multiplexed-socket framing (dhtnet's
 * MultiplexedSocket): the byte stream inside a channel's TLS session is a
 * concatenation of msgpack arrays [u16 channel, bin data].
 *
 * Channel 0 carries channel requests and channel 0xffff protocol messages
 * (wire.h decodes both); any other channel carries a named stream's bytes,
 * and an empty bin on it is that stream's end. Jami writes at most 65,535
 * bytes of data per frame and splits longer writes.
 *
 * The frame header is read byte by byte here rather than by msgpack-c: a
 * stream reader must know a frame's size from its first bytes, to refuse an
 * oversized frame before buffering any of it and to buffer no more than one
 * frame, where msgpack-c's stream unpacker grows its buffer on its own terms.
 * Any encoding msgpack allows is read (a channel as uint64, a bin32 header),
 * as msgpack-c, and so Jami, reads it; the types, the count and the sizes are
 * strict, and anything else is -EBADMSG: the caller closes the connection.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_CONTROL_CHANNEL 0       /* channel requests (wire.h) */
#define PB_PROTOCOL_CHANNEL 0xffff /* version and beacons (wire.h) */

/* Jami's writer refuses more (`len > UINT16_MAX`: message_size), so a larger
 * frame never comes from a Jami peer. */
#define PB_FRAME_DATA_MAX 65535
/* The longest header msgpack allows: array32 (5), uint64 (9), bin32 (5).
 * Our own headers take at most 7 bytes (fixarray, uint16, bin16). */
#define PB_FRAME_HEADER_MAX 19

struct pb_frame {
        uint16_t channel;
        const uint8_t *data; /* borrowed: see the function that gave it */
        size_t len;          /* 0: the end of that channel's stream */
};

/* Writes the header of a frame of len bytes of data on channel into out, in
 * the shortest form (as Jami's packer): the caller sends the data after it.
 * -EINVAL if len > PB_FRAME_DATA_MAX. */
int pb_frame_header_encode(uint16_t channel, size_t len, uint8_t out[PB_FRAME_HEADER_MAX],
                           size_t *ret_len);
/* One whole frame in a malloc()ed buffer the caller frees; data may be NULL
 * when len is 0. -EINVAL, -ENOMEM. */
int pb_frame_encode(uint16_t channel, const void *data, size_t len, uint8_t **ret, size_t *ret_len);
/* Exactly one frame spanning all of data (no byte more or less); ret->data
 * points into data. Allocates nothing. 0 or -EBADMSG. */
int pb_frame_decode(const uint8_t *data, size_t len, struct pb_frame *ret);

/*
 * A stream reader: feed it the bytes as they are read from the connection,
 * take the frames it completes. It holds at most one incomplete frame (at
 * most PB_FRAME_HEADER_MAX + PB_FRAME_DATA_MAX bytes), and its buffer never
 * exceeds twice the data received of that frame: a peer that announces a
 * large frame and sends it slowly does not make us allocate it all at once.
 * Between frames it holds no memory at all. A frame that arrives whole in one
 * read is handed out without a copy.
 *
 * Zero-initialize it (or pb_frame_reader_init); pb_frame_reader_done()
 * frees what it holds. Not thread-safe: one reader per connection, used by
 * the thread that reads it.
 */
struct pb_frame_reader {
        uint8_t head[PB_FRAME_HEADER_MAX]; /* a header that spans reads */
        size_t head_len;
        bool in_data; /* the header is whole: reading the data */
        uint16_t channel;
        size_t data_len;  /* the frame's, once its header is whole */
        uint8_t *buf;     /* its data so far, when it spans reads */
        size_t have, cap; /* bytes in buf, bytes allocated */
        bool handed;      /* buf holds the frame the last call returned */
        int error;        /* once failed, always failed */
};

void pb_frame_reader_init(struct pb_frame_reader *r);
void pb_frame_reader_done(struct pb_frame_reader *r);
/*
 * Reads data[0..len) up to the end of the next frame. Returns 1 and *ret when
 * a frame is complete, 0 when all of data went in without completing one;
 * either way *ret_used is how many bytes of data it took: call again with the
 * rest. ret->data points into data or into the reader, valid until the next
 * call or pb_frame_reader_done(). -EBADMSG (malformed, oversized) or -ENOMEM,
 * after which the reader returns the same error: close the connection.
 */
int pb_frame_reader_feed(struct pb_frame_reader *r, const uint8_t *data, size_t len,
                         size_t *ret_used, struct pb_frame *ret);
/* At the connection's end: 0 if the reader is between frames, -EBADMSG if
 * the peer stopped inside one (or the reader had failed). */
int pb_frame_reader_end(const struct pb_frame_reader *r);
