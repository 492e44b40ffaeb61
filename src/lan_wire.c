/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "lan_wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pidf.h" /* pb_text_printable */
#include "wire-msgpack.h"

static const char *const services[] = { "dht", "jami" };

int pb_lan_encode(const struct pb_lan_msg *msg, uint8_t *out, size_t cap) {
        if (!msg || (!msg->query && !msg->has_dht && !msg->has_jami) ||
            strnlen(msg->name, sizeof(msg->name)) == sizeof(msg->name))
                return -EINVAL;
        struct pb_mp_packer p;
        msgpack_packer *pk = pb_mp_packer_init(&p);
        if (msg->query) {
                pb_mp_pack_str(pk, "q");
        } else {
                msgpack_pack_map(pk, msg->has_dht + msg->has_jami);
                if (msg->has_dht) {
                        pb_mp_pack_str(pk, services[0]);
                        msgpack_pack_array(pk, 3);
                        pb_mp_pack_bin(pk, msg->node.d, PB_HASH_LEN);
                        msgpack_pack_uint16(pk, msg->port);
                        msgpack_pack_uint32(pk, msg->network);
                }
                if (msg->has_jami) {
                        pb_mp_pack_str(pk, services[1]);
                        msgpack_pack_array(pk, 2);
                        pb_mp_pack_bin(pk, msg->account.d, PB_HASH_LEN);
                        pb_mp_pack_str(pk, msg->name);
                }
        }
        uint8_t *bytes;
        size_t len;
        int r = pb_mp_take(&p, &bytes, &len);
        if (r < 0)
                return r;
        r = len <= cap ? (int)len : -ENOBUFS;
        if (r > 0)
                memcpy(out, bytes, len);
        free(bytes);
        return r;
}

/* A uint that fits `max`. */
static int get_uint(const msgpack_object *o, uint64_t max, uint64_t *ret) {
        if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > max)
                return -EBADMSG;
        *ret = o->via.u64;
        return 0;
}

static int service_field(unsigned index, const msgpack_object *v, void *out) {
        struct pb_lan_msg *m = out;
        const msgpack_object_array *a = &v->via.array;
        if (v->type != MSGPACK_OBJECT_ARRAY || a->size != (index == 0 ? 3 : 2) ||
            pb_mp_get_hash(&a->ptr[0], index == 0 ? &m->node : &m->account) < 0)
                return -EBADMSG;
        if (index == 1) {
                m->has_jami = true;
                return pb_mp_get_str(&a->ptr[1], sizeof(m->name), m->name) < 0 ||
                                       !pb_text_printable(m->name, strlen(m->name))
                               ? -EBADMSG
                               : 0;
        }
        uint64_t port, net;
        if (get_uint(&a->ptr[1], UINT16_MAX, &port) < 0 || port == 0 ||
            get_uint(&a->ptr[2], UINT32_MAX, &net) < 0)
                return -EBADMSG;
        m->has_dht = true;
        m->port = (uint16_t)port;
        m->network = (uint32_t)net;
        return 0;
}

int pb_lan_decode(const uint8_t *data, size_t len, struct pb_lan_msg *ret) {
        if (!data || !ret || len == 0 || len > PB_LAN_PACKET_MAX)
                return -EBADMSG;
        msgpack_unpacked u;
        int r = pb_mp_unpack_one(data, len, &u);
        if (r < 0)
                return r;
        struct pb_lan_msg m = { .query = false };
        unsigned seen = 0;
        if (u.data.type == MSGPACK_OBJECT_STR) {
                m.query = u.data.via.str.size == 1 && u.data.via.str.ptr[0] == 'q';
                r = m.query ? 0 : -EBADMSG;
        } else {
                r = pb_mp_walk_map(&u.data, services, 2, service_field, &m, &seen);
        }
        msgpack_unpacked_destroy(&u);
        if (r < 0)
                return r;
        *ret = m;
        return 0;
}
