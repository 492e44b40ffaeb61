/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * wire-msgpack.h — wire.c's strict msgpack helpers, for the one other codec
 * that walks msgpack objects itself: device_sync.c (Jami's DeviceSync, a
 * document of nested maps, too large a job to add to wire.c). Only these two
 * files include it, and with it <msgpack.h>; everything else speaks the
 * structs of wire.h and device_sync.h.
 */
#pragma once

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dht/dht.h"

/* ---- encoding ------------------------------------------------------------ */

/* A packer whose first failed write fails the whole value (msgpack's sbuffer
 * would skip it and take the next one). */
struct pb_mp_packer {
        msgpack_sbuffer sb;
        msgpack_packer pk;
        bool failed;
};
msgpack_packer *pb_mp_packer_init(struct pb_mp_packer *p);
/* Hands the bytes to the caller (free()); -ENOMEM if any write failed. */
int pb_mp_take(struct pb_mp_packer *p, uint8_t **ret, size_t *ret_len);
void pb_mp_pack_str(msgpack_packer *pk, const char *s);
void pb_mp_pack_bin(msgpack_packer *pk, const void *p, size_t n);
void pb_mp_pack_bool(msgpack_packer *pk, bool v);

/* ---- decoding ------------------------------------------------------------ */

/* Unpacks exactly one object spanning all of data (at most PB_VALUE_MAX
 * bytes), after checking that no container claims more elements than there
 * are bytes left: -EBADMSG, or -ENOMEM when msgpack could not allocate. */
int pb_mp_unpack_one(const uint8_t *data, size_t len, msgpack_unpacked *u);
bool pb_mp_key_is(const msgpack_object *k, const char *name);
/* A bin of at most max bytes, copied. */
int pb_mp_get_bin(const msgpack_object *o, size_t max, uint8_t *out, size_t *out_len);
/* A bin of exactly PB_HASH_LEN bytes. */
int pb_mp_get_hash(const msgpack_object *o, pb_hash *out);
/* A str of at most max-1 bytes without NUL inside, copied with its NUL. */
int pb_mp_get_str(const msgpack_object *o, size_t max, char *out);

/* Walks a map of at most 32 string keys: calls field() for the keys in
 * names (index into names), each at most once (a duplicate key is
 * malformed), skips the others; *ret_seen has bit i set for names[i]. */
typedef int (*pb_mp_field_fn)(unsigned index, const msgpack_object *value, void *out);
int pb_mp_walk_map(const msgpack_object *o, const char *const *names, unsigned n_names,
                   pb_mp_field_fn field, void *out, unsigned *ret_seen);
