/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wire.c — msgpack codecs, and the strict helpers of wire-msgpack.h. */
#include "wire.h"

#include <errno.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"
#include "wire-msgpack.h"

#define MAP_KEYS_MAX 32 /* a peer cannot make us walk a huge map */

/* ---- encoding helpers ---------------------------------------------------- */

void pb_mp_pack_str(msgpack_packer *pk, const char *s) {
        size_t n = strlen(s);
        msgpack_pack_str(pk, n);
        msgpack_pack_str_body(pk, s, n);
}

void pb_mp_pack_bin(msgpack_packer *pk, const void *p, size_t n) {
        msgpack_pack_bin(pk, n);
        msgpack_pack_bin_body(pk, p, n);
}

void pb_mp_pack_bool(msgpack_packer *pk, bool v) {
        if (v)
                msgpack_pack_true(pk);
        else
                msgpack_pack_false(pk);
}

/* msgpack's sbuffer drops a write it cannot grow for and takes the next one,
 * which would make a value with a hole in it: a failed write fails the value. */
static int packer_write(void *data, const char *buf, size_t len) {
        struct pb_mp_packer *p = data;
        if (!p->failed && msgpack_sbuffer_write(&p->sb, buf, len) < 0)
                p->failed = true;
        return p->failed ? -1 : 0;
}

msgpack_packer *pb_mp_packer_init(struct pb_mp_packer *p) {
        msgpack_sbuffer_init(&p->sb);
        msgpack_packer_init(&p->pk, p, packer_write);
        p->failed = false;
        return &p->pk;
}

int pb_mp_take(struct pb_mp_packer *p, uint8_t **ret, size_t *ret_len) {
        if (p->failed || !p->sb.data) { /* the sbuffer only fails by not allocating */
                msgpack_sbuffer_destroy(&p->sb);
                return -ENOMEM;
        }
        *ret = (uint8_t *)p->sb.data;
        *ret_len = p->sb.size;
        p->sb.data = NULL;
        return 0;
}

/* ---- decoding helpers ---------------------------------------------------- */

static uint64_t read_be(const uint8_t *p, unsigned n) {
        uint64_t v = 0;
        for (unsigned i = 0; i < n; i++)
                v = v << 8 | p[i];
        return v;
}

/* msgpack-c allocates a container's elements before reading them, so a
 * 5-byte array header claiming 2^31 elements makes it ask for 64 GB. Every
 * element takes at least one byte: a count beyond the bytes left is a lie.
 * This walks the headers of the first object and rejects such counts (and
 * anything else msgpack would reject as truncated) before msgpack sees it. */
static bool counts_fit(const uint8_t *p, size_t len) {
        size_t i = 0, pending = 1; /* objects still to read, each >= 1 byte */
        while (pending > 0) {
                if (i >= len)
                        return false;
                uint8_t c = p[i++];
                unsigned w = 0;                       /* width of the length field */
                uint64_t skip = 0, objs = 0, per = 0; /* per: objects per counted item */
                pending--;
                if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3)
                        continue;
                if (c <= 0x8f)
                        objs = 2 * (uint64_t)(c & 0x0f);
                else if (c <= 0x9f)
                        objs = c & 0x0f;
                else if (c <= 0xbf)
                        skip = c & 0x1f;
                else if (c == 0xc1)
                        return false; /* never used */
                else if (c <= 0xc6)
                        w = 1u << (c - 0xc4); /* bin 8/16/32 */
                else if (c <= 0xc9)
                        w = 1u << (c - 0xc7), skip = 1; /* ext 8/16/32: + type byte */
                else if (c <= 0xcb)
                        skip = c == 0xca ? 4 : 8;
                else if (c <= 0xd3)
                        skip = 1u << ((c - 0xcc) & 3); /* (u)int 8..64 */
                else if (c <= 0xd8)
                        skip = 1 + (1u << (c - 0xd4)); /* fixext: type + 1..16 */
                else if (c <= 0xdb)
                        w = 1u << (c - 0xd9); /* str 8/16/32 */
                else
                        w = c & 1 ? 4 : 2, per = c >= 0xde ? 2 : 1; /* array, map 16/32 */
                if (w) {
                        if (len - i < w)
                                return false;
                        uint64_t n = read_be(p + i, w);
                        i += w;
                        if (per)
                                objs = per * n;
                        else
                                skip += n;
                }
                if (skip > len - i || objs + pending > len - i - skip)
                        return false;
                i += skip;
                pending += objs;
        }
        return true;
}

/* Unpacks exactly one object spanning all of data. */
int pb_mp_unpack_one(const uint8_t *data, size_t len, msgpack_unpacked *u) {
        if (!data || len == 0 || len > PB_VALUE_MAX || !counts_fit(data, len))
                return -EBADMSG;
        msgpack_unpacked_init(u);
        size_t off = 0;
        errno = 0;
        msgpack_unpack_return r = msgpack_unpack_next(u, (const char *)data, len, &off);
        /* msgpack says NOMEM both when an allocation failed and when the input
         * nests deeper than its parse stack (32 levels): only the first is
         * ours to report as -ENOMEM (malloc sets errno); the second is a
         * malformed value. */
        bool oom = r == MSGPACK_UNPACK_NOMEM_ERROR && errno == ENOMEM;
        if (r != MSGPACK_UNPACK_SUCCESS || off != len) {
                msgpack_unpacked_destroy(u);
                return oom ? -ENOMEM : -EBADMSG;
        }
        return 0;
}

bool pb_mp_key_is(const msgpack_object *k, const char *name) {
        size_t n = strlen(name);
        return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
               memcmp(k->via.str.ptr, name, n) == 0;
}

int pb_mp_get_bin(const msgpack_object *o, size_t max, uint8_t *out, size_t *out_len) {
        if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size > max)
                return -EBADMSG;
        if (o->via.bin.size) /* an empty one may have a NULL pointer (pb_mp_get_str) */
                memcpy(out, o->via.bin.ptr, o->via.bin.size);
        *out_len = o->via.bin.size;
        return 0;
}

int pb_mp_get_hash(const msgpack_object *o, pb_hash *out) {
        if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != PB_HASH_LEN)
                return -EBADMSG;
        memcpy(out->d, o->via.bin.ptr, PB_HASH_LEN);
        return 0;
}

/* Copies a string of at most max-1 bytes without NUL bytes inside. msgpack-c
 * may give an empty string a NULL pointer, which memchr and memcpy must not
 * see even with a length of 0 (clang's UBSan checks it; found by fuzzing). */
int pb_mp_get_str(const msgpack_object *o, size_t max, char *out) {
        size_t n = o->via.str.size;
        if (o->type != MSGPACK_OBJECT_STR || n >= max || (n && memchr(o->via.str.ptr, 0, n)))
                return -EBADMSG;
        if (n)
                memcpy(out, o->via.str.ptr, n);
        out[n] = 0;
        return 0;
}

int pb_mp_walk_map(const msgpack_object *o, const char *const *names, unsigned n_names,
                   pb_mp_field_fn field, void *out, unsigned *ret_seen) {
        if (o->type != MSGPACK_OBJECT_MAP || o->via.map.size > MAP_KEYS_MAX)
                return -EBADMSG;
        unsigned seen = 0;
        for (uint32_t i = 0; i < o->via.map.size; i++) {
                const msgpack_object_kv *kv = &o->via.map.ptr[i];
                if (kv->key.type != MSGPACK_OBJECT_STR)
                        return -EBADMSG;
                for (unsigned f = 0; f < n_names; f++) {
                        if (!pb_mp_key_is(&kv->key, names[f]))
                                continue;
                        if (seen & (1u << f))
                                return -EBADMSG;
                        seen |= 1u << f;
                        int r = field(f, &kv->val, out);
                        if (r < 0)
                                return r;
                }
        }
        *ret_seen = seen;
        return 0;
}

/* ---- DeviceAnnouncement -------------------------------------------------- */

int pb_announcement_encode(const pb_hash *dev, const uint8_t *pk, size_t pk_len, uint8_t **ret,
                           size_t *ret_len) {
        if (!dev || pk_len > PB_PUBKEY_MAX || (pk_len && !pk))
                return -EINVAL;
        struct pb_mp_packer p;
        msgpack_packer *pk_ = pb_mp_packer_init(&p);
        msgpack_pack_map(pk_, pk_len ? 2 : 1);
        pb_mp_pack_str(pk_, "dev");
        pb_mp_pack_bin(pk_, dev->d, PB_HASH_LEN);
        if (pk_len) {
                pb_mp_pack_str(pk_, "pk");
                pb_mp_pack_bin(pk_, pk, pk_len);
        }
        return pb_mp_take(&p, ret, ret_len);
}

static int announcement_field(unsigned f, const msgpack_object *v, void *out) {
        struct pb_announcement *a = out;
        return f == 0 ? pb_mp_get_hash(v, &a->dev)
                      : pb_mp_get_bin(v, PB_PUBKEY_MAX, a->pk, &a->pk_len);
}

int pb_announcement_decode(const uint8_t *data, size_t len, struct pb_announcement *ret) {
        static const char *const names[] = { "dev", "pk" };
        msgpack_unpacked u;
        int r = pb_mp_unpack_one(data, len, &u);
        if (r < 0)
                return r;
        struct pb_announcement a = { .pk_len = 0 };
        unsigned seen = 0;
        r = pb_mp_walk_map(&u.data, names, 2, announcement_field, &a, &seen);
        msgpack_unpacked_destroy(&u);
        if (r < 0)
                return r;
        if (!(seen & 1)) /* a device announcement without a device */
                return -EBADMSG;
        *ret = a;
        return 0;
}

/* ---- device state ----------------------------------------------------------- */

#define DEVICE_STATE_TAG "peerbook/ds"
#define DEVICE_STATE_VERSION 1

int pb_device_state_encode(const struct pb_device_state *s, uint8_t **ret, size_t *ret_len) {
        if (!s)
                return -EINVAL;
        struct pb_mp_packer p;
        msgpack_packer *pk = pb_mp_packer_init(&p);
        msgpack_pack_array(pk, 5);
        pb_mp_pack_str(pk, DEVICE_STATE_TAG);
        msgpack_pack_uint32(pk, DEVICE_STATE_VERSION);
        pb_mp_pack_bin(pk, s->dev.d, PB_HASH_LEN);
        msgpack_pack_uint64(pk, s->seq);
        pb_mp_pack_bool(pk, s->online);
        return pb_mp_take(&p, ret, ret_len);
}

int pb_device_state_decode(const uint8_t *data, size_t len, struct pb_device_state *ret) {
        msgpack_unpacked u;
        int r = pb_mp_unpack_one(data, len, &u);
        if (r < 0)
                return r;
        const msgpack_object *o = &u.data;
        struct pb_device_state s;
        r = -EBADMSG;
        /* Later versions may append fields: accept and ignore up to 16. */
        if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 5 || o->via.array.size > 16)
                goto out;
        const msgpack_object *e = o->via.array.ptr;
        if (!pb_mp_key_is(&e[0], DEVICE_STATE_TAG) ||
            e[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER || e[1].via.u64 < DEVICE_STATE_VERSION ||
            pb_mp_get_hash(&e[2], &s.dev) < 0 || e[3].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
            e[4].type != MSGPACK_OBJECT_BOOLEAN)
                goto out;
        s.seq = e[3].via.u64;
        s.online = e[4].via.boolean;
        *ret = s;
        r = 0;
out:
        msgpack_unpacked_destroy(&u);
        return r;
}

/* ---- account archive ---------------------------------------------------------- */

#define ARCHIVE_FORMAT "peerbook-archive"
#define ARCHIVE_VERSION 1

int pb_archive_encode(const struct pb_archive *a, uint8_t **ret, size_t *ret_len) {
        if (!a || a->key_len > PB_ARCHIVE_FIELD_MAX || a->cert_len > PB_ARCHIVE_FIELD_MAX)
                return -EINVAL;
        struct pb_mp_packer p;
        msgpack_packer *pk = pb_mp_packer_init(&p);
        msgpack_pack_map(pk, 5);
        pb_mp_pack_str(pk, "format");
        pb_mp_pack_str(pk, ARCHIVE_FORMAT);
        pb_mp_pack_str(pk, "version");
        msgpack_pack_uint32(pk, ARCHIVE_VERSION);
        pb_mp_pack_str(pk, "alias");
        pb_mp_pack_str(pk, a->alias);
        pb_mp_pack_str(pk, "key");
        pb_mp_pack_bin(pk, a->key, a->key_len);
        pb_mp_pack_str(pk, "cert");
        pb_mp_pack_bin(pk, a->cert, a->cert_len);
        return pb_mp_take(&p, ret, ret_len);
}

static int archive_field(unsigned f, const msgpack_object *v, void *out) {
        struct pb_archive *a = out;
        switch (f) {
        case 0: return pb_mp_key_is(v, ARCHIVE_FORMAT) ? 0 : -EBADMSG;
        case 1:
                return v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && v->via.u64 == ARCHIVE_VERSION
                               ? 0
                               : -EBADMSG;
        case 2: return pb_mp_get_str(v, sizeof(a->alias), a->alias);
        case 3: return pb_mp_get_bin(v, PB_ARCHIVE_FIELD_MAX, a->key, &a->key_len);
        default: return pb_mp_get_bin(v, PB_ARCHIVE_FIELD_MAX, a->cert, &a->cert_len);
        }
}

int pb_archive_decode(const uint8_t *data, size_t len, struct pb_archive *ret) {
        static const char *const names[] = { "format", "version", "alias", "key", "cert" };
        msgpack_unpacked u;
        int r = pb_mp_unpack_one(data, len, &u);
        if (r < 0)
                return r;
        ret->alias[0] = 0;
        unsigned seen = 0;
        r = pb_mp_walk_map(&u.data, names, 5, archive_field, ret, &seen);
        msgpack_unpacked_destroy(&u);
        if (r < 0)
                return r;
        /* format, version, key and cert are required; alias is not. */
        return (seen & 0x1b) == 0x1b ? 0 : -EBADMSG;
}

/* ---- TrustRequest ------------------------------------------------------------- */

int pb_trust_request_encode(const struct pb_trust_request *r, uint8_t **ret, size_t *ret_len) {
        if (!r || r->payload_len > PB_PAYLOAD_MAX || (r->payload_len && !r->payload))
                return -EINVAL;
        struct pb_mp_packer p;
        msgpack_packer *pk = pb_mp_packer_init(&p);
        msgpack_pack_map(pk, r->request_id ? 5 : 4);
        pb_mp_pack_str(pk, "service");
        pb_mp_pack_str(pk, r->service);
        pb_mp_pack_str(pk, "conversationId");
        pb_mp_pack_str(pk, r->conversation_id);
        pb_mp_pack_str(pk, "payload");
        pb_mp_pack_bin(pk, r->payload, r->payload_len);
        pb_mp_pack_str(pk, "confirm");
        pb_mp_pack_bool(pk, r->confirm);
        if (r->request_id) {
                pb_mp_pack_str(pk, "pbid");
                msgpack_pack_uint64(pk, r->request_id);
        }
        return pb_mp_take(&p, ret, ret_len);
}

static int trust_request_field(unsigned f, const msgpack_object *v, void *out) {
        struct pb_trust_request *t = out;
        switch (f) {
        case 0: return pb_mp_get_str(v, sizeof(t->service), t->service);
        case 1: return pb_mp_get_str(v, sizeof(t->conversation_id), t->conversation_id);
        case 2:
                if (v->type != MSGPACK_OBJECT_BIN || v->via.bin.size > PB_PAYLOAD_MAX)
                        return -EBADMSG;
                if (v->via.bin.size) {
                        t->payload = malloc(v->via.bin.size);
                        if (!t->payload)
                                return -ENOMEM;
                        memcpy(t->payload, v->via.bin.ptr, v->via.bin.size);
                }
                t->payload_len = v->via.bin.size;
                return 0;
        case 3:
                if (v->type != MSGPACK_OBJECT_BOOLEAN)
                        return -EBADMSG;
                t->confirm = v->via.boolean;
                return 0;
        default:
                if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
                        return -EBADMSG;
                t->request_id = v->via.u64;
                return 0;
        }
}

int pb_trust_request_decode(const uint8_t *data, size_t len, struct pb_trust_request *ret) {
        static const char *const names[] = { "service", "conversationId", "payload", "confirm",
                                             "pbid" };
        msgpack_unpacked u;
        int r = pb_mp_unpack_one(data, len, &u);
        if (r < 0)
                return r;
        struct pb_trust_request t = { .confirm = false };
        unsigned seen = 0;
        r = pb_mp_walk_map(&u.data, names, 5, trust_request_field, &t, &seen);
        msgpack_unpacked_destroy(&u);
        if (r == 0 && !(seen & 1)) /* a request names its service */
                r = -EBADMSG;
        if (r < 0) {
                free(t.payload);
                return r;
        }
        *ret = t;
        return 0;
}

/* ---- multiplexed socket: channel requests and protocol messages -------------- */

int pb_channel_request_encode(const struct pb_channel_request *q, uint8_t **ret, size_t *ret_len) {
        if (!q || q->state > PB_CHANNEL_DECLINE || !memchr(q->name, 0, sizeof(q->name)))
                return -EINVAL;
        struct pb_mp_packer p;
        msgpack_packer *pk = pb_mp_packer_init(&p);
        msgpack_pack_array(pk, 3);
        pb_mp_pack_str(pk, q->name);
        msgpack_pack_uint16(pk, q->channel);
        msgpack_pack_int(pk, q->state); /* Jami's MSGPACK_ADD_ENUM packs an int */
        return pb_mp_take(&p, ret, ret_len);
}

int pb_channel_request_decode(const uint8_t *data, size_t len, struct pb_channel_request *ret) {
        msgpack_unpacked u;
        int r = pb_mp_unpack_one(data, len, &u);
        if (r < 0)
                return r;
        const msgpack_object *o = &u.data;
        struct pb_channel_request q;
        r = -EBADMSG;
        if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 3)
                goto out;
        /* Jami's conversion would take fewer or more fields, a bin name and
         * any state (an unknown one as DECLINE); no Jami sends any of those. */
        const msgpack_object *e = o->via.array.ptr;
        if (pb_mp_get_str(&e[0], sizeof(q.name), q.name) < 0 ||
            e[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER || e[1].via.u64 > UINT16_MAX ||
            e[2].type != MSGPACK_OBJECT_POSITIVE_INTEGER || e[2].via.u64 > PB_CHANNEL_DECLINE)
                goto out;
        q.channel = (uint16_t)e[1].via.u64;
        q.state = (enum pb_channel_state)e[2].via.u64;
        *ret = q;
        r = 0;
out:
        msgpack_unpacked_destroy(&u);
        return r;
}

int pb_protocol_msg_encode(const struct pb_protocol_msg *m, uint8_t **ret, size_t *ret_len) {
        if (!m || (m->kind != PB_PROTOCOL_VERSION && m->kind != PB_PROTOCOL_BEACON) ||
            (m->kind == PB_PROTOCOL_VERSION && m->version > INT32_MAX))
                return -EINVAL;
        struct pb_mp_packer p;
        msgpack_packer *pk = pb_mp_packer_init(&p);
        msgpack_pack_map(pk, 1);
        if (m->kind == PB_PROTOCOL_VERSION) {
                pb_mp_pack_str(pk, "v");
                msgpack_pack_int(pk, (int)m->version);
        } else {
                pb_mp_pack_str(pk, "p");
                pb_mp_pack_bool(pk, m->ping);
        }
        return pb_mp_take(&p, ret, ret_len);
}

static int protocol_field(unsigned f, const msgpack_object *v, void *out) {
        struct pb_protocol_msg *m = out;
        if (m->kind == PB_PROTOCOL_VERSION) {
                if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 > INT32_MAX)
                        return -EBADMSG;
                m->version = (uint32_t)v->via.u64;
                return 0;
        }
        if (v->type != MSGPACK_OBJECT_BOOLEAN)
                return -EBADMSG;
        m->ping = v->via.boolean;
        return 0;
}

int pb_protocol_msg_decode(const uint8_t *data, size_t len, struct pb_protocol_msg *ret) {
        static const char *const version[] = { "v" }, *const beacon[] = { "p" };
        msgpack_unpacked u;
        int r = pb_mp_unpack_one(data, len, &u);
        if (r < 0)
                return r;
        const msgpack_object *o = &u.data;
        struct pb_protocol_msg m = { .kind = PB_PROTOCOL_OTHER };
        unsigned seen = 0;
        r = -EBADMSG;
        /* A message names its type by its first key: an empty map names none. */
        if (o->type != MSGPACK_OBJECT_MAP || o->via.map.size == 0)
                goto out;
        const msgpack_object *first = &o->via.map.ptr[0].key;
        m.kind = pb_mp_key_is(first, "v")   ? PB_PROTOCOL_VERSION
                 : pb_mp_key_is(first, "p") ? PB_PROTOCOL_BEACON
                                            : PB_PROTOCOL_OTHER;
        r = pb_mp_walk_map(o, m.kind == PB_PROTOCOL_VERSION ? version : beacon,
                           m.kind == PB_PROTOCOL_OTHER ? 0 : 1, protocol_field, &m, &seen);
        if (r == 0)
                *ret = m;
out:
        msgpack_unpacked_destroy(&u);
        return r;
}

/* ---- rendezvous ------------------------------------------------------------- */

int pb_rendezvous_encode(const struct pb_rendezvous *r, uint8_t **ret, size_t *ret_len) {
        char text[PB_RDV_ADDRS_MAX][PB_ADDR_STR_MAX];

        if (!r || r->id == 0 || r->n_addrs > PB_RDV_ADDRS_MAX)
                return -EINVAL;
        for (unsigned i = 0; i < r->n_addrs; i++) {
                const struct sockaddr *sa = (const struct sockaddr *)&r->addrs[i];
                if (!pb_addr_usable(sa) || pb_addr_format(sa, text[i]) < 0)
                        return -EINVAL;
        }
        struct pb_mp_packer p;
        msgpack_packer *pk = pb_mp_packer_init(&p);
        msgpack_pack_map(pk, 3);
        pb_mp_pack_str(pk, "id");
        msgpack_pack_uint64(pk, r->id);
        pb_mp_pack_str(pk, "addrs");
        msgpack_pack_array(pk, r->n_addrs);
        for (unsigned i = 0; i < r->n_addrs; i++)
                pb_mp_pack_str(pk, text[i]);
        pb_mp_pack_str(pk, "answer");
        pb_mp_pack_bool(pk, r->answer);
        return pb_mp_take(&p, ret, ret_len);
}

/* Adds each address that is usable; one that does not parse is malformed. */
static int rendezvous_addrs(const msgpack_object *v, struct pb_rendezvous *r) {
        char text[PB_ADDR_STR_MAX];
        struct sockaddr_storage ss;

        if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size > PB_RDV_ADDRS_MAX)
                return -EBADMSG;
        for (uint32_t i = 0; i < v->via.array.size; i++) {
                if (pb_mp_get_str(&v->via.array.ptr[i], sizeof(text), text) < 0 ||
                    pb_addr_parse(text, &ss) < 0)
                        return -EBADMSG;
                if (pb_addr_usable((const struct sockaddr *)&ss))
                        r->addrs[r->n_addrs++] = ss;
        }
        return 0;
}

static int rendezvous_field(unsigned f, const msgpack_object *v, void *out) {
        struct pb_rendezvous *r = out;
        switch (f) {
        case 0:
                if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 == 0)
                        return -EBADMSG;
                r->id = v->via.u64;
                return 0;
        case 1: return rendezvous_addrs(v, r);
        default:
                if (v->type != MSGPACK_OBJECT_BOOLEAN)
                        return -EBADMSG;
                r->answer = v->via.boolean;
                return 0;
        }
}

int pb_rendezvous_decode(const uint8_t *data, size_t len, struct pb_rendezvous *ret) {
        static const char *const names[] = { "id", "addrs", "answer" };
        struct pb_rendezvous r = { .n_addrs = 0 };
        msgpack_unpacked u;
        unsigned seen = 0;

        if (len > PB_RDV_MAX)
                return -EBADMSG;
        int e = pb_mp_unpack_one(data, len, &u);
        if (e < 0)
                return e;
        /* All three keys, each once (pb_mp_walk_map): then a fourth is an extra one. */
        e = pb_mp_walk_map(&u.data, names, 3, rendezvous_field, &r, &seen);
        if (e == 0 && (seen != 7 || u.data.via.map.size != 3))
                e = -EBADMSG;
        msgpack_unpacked_destroy(&u);
        if (e == 0)
                *ret = r;
        return e;
}
