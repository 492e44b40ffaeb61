/* SPDX-License-Identifier: GPL-3.0-or-later */
/* device_sync.c — Jami's DeviceSync codec (device_sync.h), on wire.c's strict
 * msgpack helpers. */
#include "device_sync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pidf.h"
#include "util.h"
#include "wire-msgpack.h"
#include "wire.h"

_Static_assert(PB_OWN_DEVICE_NAME_MAX == PEERBOOK_DEVICE_NAME_MAX + 1,
               "a device name fits the store");
_Static_assert(PB_OWN_DEVICE_PK_MAX == PB_PUBKEY_MAX, "a device key fits the store");

/* ---- keys in std::map's order ------------------------------------------------ */

struct keyed {
        const uint8_t *key; /* PB_HASH_LEN or PB_LONG_ID_LEN bytes */
        const void *item;
};

static int cmp_hash(const void *a, const void *b) {
        return memcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key, PB_HASH_LEN);
}

static int cmp_long_id(const void *a, const void *b) {
        return memcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key,
                      PB_LONG_ID_LEN);
}

/* Sorts n items by key (of len bytes); -EINVAL when two share one. */
static int sort_keys(struct keyed *k, unsigned n, size_t len) {
        qsort(k, n, sizeof(*k), len == PB_HASH_LEN ? cmp_hash : cmp_long_id);
        for (unsigned i = 1; i < n; i++)
                if (!memcmp(k[i - 1].key, k[i].key, len))
                        return -EINVAL;
        return 0;
}

/* ---- encoding ---------------------------------------------------------------- */

static bool terminated(const char *s, size_t size) {
        return memchr(s, 0, size) != NULL;
}

static void pack_contact(msgpack_packer *pk, const struct pb_contact_row *c) {
        msgpack_pack_map(pk, 5);
        pb_mp_pack_str(pk, "added");
        msgpack_pack_int64(pk, c->added); /* time_t: the shortest form, unsigned when >= 0 */
        pb_mp_pack_str(pk, "removed");
        msgpack_pack_int64(pk, c->removed);
        pb_mp_pack_str(pk, "confirmed");
        pb_mp_pack_bool(pk, c->confirmed);
        pb_mp_pack_str(pk, "banned");
        pb_mp_pack_bool(pk, c->banned);
        pb_mp_pack_str(pk, "conversationId");
        pb_mp_pack_str(pk, c->conversation_id);
}

static void pack_request(msgpack_packer *pk, const struct pb_sync_request *q) {
        msgpack_pack_map(pk, 4);
        pb_mp_pack_str(pk, "device");
        if (q->device_pk_len) /* a shared_ptr<PublicKey>: nil when null */
                pb_mp_pack_bin(pk, q->device_pk, q->device_pk_len);
        else
                msgpack_pack_nil(pk);
        pb_mp_pack_str(pk, "conversationId");
        pb_mp_pack_str(pk, q->conversation_id);
        pb_mp_pack_str(pk, "received");
        msgpack_pack_int64(pk, q->received);
        pb_mp_pack_str(pk, "payload");
        pb_mp_pack_bin(pk, NULL, 0); /* stripped, as Jami does */
}

/* devices_known (legacy) then devices, each in key order. */
static void pack_devices(msgpack_packer *pk, const struct keyed *k, unsigned n, bool legacy) {
        unsigned count = 0;
        for (unsigned i = 0; i < n; i++)
                count += ((const struct pb_sync_device *)k[i].item)->legacy == legacy;
        msgpack_pack_map(pk, count);
        for (unsigned i = 0; i < n; i++) {
                const struct pb_sync_device *d = k[i].item;
                if (d->legacy != legacy)
                        continue;
                if (legacy) {
                        pb_mp_pack_bin(pk, d->id.d, PB_HASH_LEN);
                        pb_mp_pack_str(pk, d->name);
                        continue;
                }
                pb_mp_pack_bin(pk, d->long_id, PB_LONG_ID_LEN);
                msgpack_pack_map(pk, 2);
                pb_mp_pack_str(pk, "name");
                pb_mp_pack_str(pk, d->name);
                pb_mp_pack_str(pk, "sha1");
                pb_mp_pack_bin(pk, d->id.d, PB_HASH_LEN);
        }
}

/* At most PB_SYNC_REQUESTS_SEND_MAX, from a random point, wrapping around. */
static void pack_requests(msgpack_packer *pk, const struct keyed *k, unsigned n) {
        unsigned first = 0, count = n;
        if (n > PB_SYNC_REQUESTS_SEND_MAX) {
                first = (unsigned)(pb_random_u64() % n);
                count = PB_SYNC_REQUESTS_SEND_MAX;
        }
        msgpack_pack_map(pk, count);
        for (unsigned i = 0; i < n; i++) {
                /* in key order: the wrapped-around part first */
                if ((i + n - first) % n >= count)
                        continue;
                pb_mp_pack_bin(pk, k[i].key, PB_HASH_LEN);
                pack_request(pk, k[i].item);
        }
}

/* The sorted keys of each map, checked. */
struct sorted {
        struct keyed *devices, *peers, *requests;
        pb_hash *peer_ids;
};

static void sorted_free(struct sorted *k) {
        free(k->devices);
        free(k->peers);
        free(k->requests);
        free(k->peer_ids);
}

static int sort_devices(const struct pb_device_sync *s, struct sorted *k) {
        for (unsigned i = 0; i < s->n_devices; i++) {
                const struct pb_sync_device *d = &s->devices[i];
                if (!terminated(d->name, sizeof(d->name)))
                        return -EINVAL;
                k->devices[i] = (struct keyed){ d->legacy ? d->id.d : d->long_id, d };
        }
        /* Legacy and current devices are two maps: sort each on its own key
         * (a legacy id compared with a long id's first bytes would be meaningless). */
        unsigned n_legacy = 0;
        for (unsigned i = 0; i < s->n_devices; i++)
                if (s->devices[i].legacy) {
                        struct keyed t = k->devices[n_legacy];
                        k->devices[n_legacy++] = k->devices[i];
                        k->devices[i] = t;
                }
        int r = sort_keys(k->devices, n_legacy, PB_HASH_LEN);
        return r < 0 ? r
                     : sort_keys(k->devices + n_legacy, s->n_devices - n_legacy, PB_LONG_ID_LEN);
}

static int sort_peers(const struct pb_device_sync *s, struct sorted *k) {
        for (unsigned i = 0; i < s->n_peers; i++) {
                const struct pb_contact_row *c = &s->peers[i];
                if (!terminated(c->uri, sizeof(c->uri)) || strlen(c->uri) != PB_HEX_LEN ||
                    pb_hash_from_hex(c->uri, &k->peer_ids[i]) < 0 || c->added < 0 ||
                    c->removed < 0 || !terminated(c->conversation_id, sizeof(c->conversation_id)))
                        return -EINVAL;
                k->peers[i] = (struct keyed){ k->peer_ids[i].d, c };
        }
        return sort_keys(k->peers, s->n_peers, PB_HASH_LEN);
}

static int sort_requests(const struct pb_device_sync *s, struct sorted *k) {
        for (unsigned i = 0; i < s->n_requests; i++) {
                const struct pb_sync_request *q = &s->requests[i];
                if (q->device_pk_len > PB_PUBKEY_MAX || (q->device_pk_len && !q->device_pk) ||
                    q->received < 0 || !terminated(q->conversation_id, sizeof(q->conversation_id)))
                        return -EINVAL;
                k->requests[i] = (struct keyed){ q->from.d, q };
        }
        return sort_keys(k->requests, s->n_requests, PB_HASH_LEN);
}

static int sort_all(const struct pb_device_sync *s, struct sorted *k) {
        if ((s->n_devices && !s->devices) || (s->n_peers && !s->peers) ||
            (s->n_requests && !s->requests) || s->n_devices > PB_SYNC_DEVICES_MAX ||
            s->n_peers > PB_SYNC_PEERS_MAX || s->date > INT64_MAX)
                return -EINVAL;
        /* +1: malloc(0) may say NULL; requests are not capped (20 go out) */
        k->devices = malloc(((size_t)s->n_devices + 1) * sizeof(*k->devices));
        k->peers = malloc(((size_t)s->n_peers + 1) * sizeof(*k->peers));
        k->peer_ids = malloc(((size_t)s->n_peers + 1) * sizeof(*k->peer_ids));
        k->requests = malloc(((size_t)s->n_requests + 1) * sizeof(*k->requests));
        if (!k->devices || !k->peers || !k->peer_ids || !k->requests)
                return -ENOMEM;
        int r = sort_devices(s, k);
        if (r == 0)
                r = sort_peers(s, k);
        return r < 0 ? r : sort_requests(s, k);
}

int pb_device_sync_encode(const struct pb_device_sync *s, uint8_t **ret, size_t *ret_len) {
        struct sorted k = { .devices = NULL };
        if (!s || !ret || !ret_len)
                return -EINVAL;
        int r = sort_all(s, &k);
        if (r < 0) {
                sorted_free(&k);
                return r;
        }
        struct pb_mp_packer p;
        msgpack_packer *pk = pb_mp_packer_init(&p);
        msgpack_pack_map(pk, 6); /* MSGPACK_DEFINE_MAP's order */
        pb_mp_pack_str(pk, "date");
        msgpack_pack_uint64(pk, s->date);
        pb_mp_pack_str(pk, "device_name");
        pb_mp_pack_str(pk, "");
        pb_mp_pack_str(pk, "devices_known");
        pack_devices(pk, k.devices, s->n_devices, true);
        pb_mp_pack_str(pk, "devices");
        pack_devices(pk, k.devices, s->n_devices, false);
        pb_mp_pack_str(pk, "peers");
        msgpack_pack_map(pk, s->n_peers);
        for (unsigned i = 0; i < s->n_peers; i++) {
                pb_mp_pack_bin(pk, k.peers[i].key, PB_HASH_LEN);
                pack_contact(pk, k.peers[i].item);
        }
        pb_mp_pack_str(pk, "trust_requests");
        pack_requests(pk, k.requests, s->n_requests);
        sorted_free(&k);
        uint8_t *buf;
        size_t len;
        if ((r = pb_mp_take(&p, &buf, &len)) < 0)
                return r;
        if (len > PB_VALUE_MAX) {
                free(buf);
                return -EMSGSIZE;
        }
        *ret = buf;
        *ret_len = len;
        return 0;
}

/* ---- decoding: the fields of one entry ------------------------------------------ */

/* A time in seconds: msgpack-c takes any integer for a time_t; Jami writes
 * time(), never negative, and a negative one would sort below a new row. */
static int get_time(const msgpack_object *o, int64_t *ret) {
        if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > INT64_MAX)
                return -EBADMSG;
        *ret = (int64_t)o->via.u64;
        return 0;
}

static int get_bool(const msgpack_object *o, bool *ret) {
        if (o->type != MSGPACK_OBJECT_BOOLEAN)
                return -EBADMSG;
        *ret = o->via.boolean;
        return 0;
}

/* A conversation id goes out on D-Bus as a string: UTF-8. */
static int get_conversation(const msgpack_object *o, char out[PB_CONVERSATION_MAX]) {
        int r = pb_mp_get_str(o, PB_CONVERSATION_MAX, out);
        return r < 0 ? r : pb_utf8_valid(out, strlen(out)) ? 0 : -EBADMSG;
}

/* A device name: any str (see device_sync.h), cut to fit; not UTF-8: none. */
static int get_name(const msgpack_object *o, char out[PEERBOOK_DEVICE_NAME_MAX + 1]) {
        if (o->type != MSGPACK_OBJECT_STR)
                return -EBADMSG;
        const char *p = o->via.str.ptr, *nul;
        size_t n = o->via.str.size;
        if (n && (nul = memchr(p, 0, n)))
                n = (size_t)(nul - p);
        if (n > PEERBOOK_DEVICE_NAME_MAX)
                for (n = PEERBOOK_DEVICE_NAME_MAX; n > 0 && ((uint8_t)p[n] & 0xc0) == 0x80;)
                        n--; /* p[n], the first byte cut, continues a character: cut before it */
        if (!pb_utf8_valid(p, n))
                n = 0;
        if (n)
                memcpy(out, p, n);
        out[n] = 0;
        return 0;
}

static int contact_field(unsigned f, const msgpack_object *v, void *out) {
        struct pb_contact_row *c = out;
        switch (f) {
        case 0: return get_time(v, &c->added);
        case 1: return get_time(v, &c->removed);
        case 2: return get_bool(v, &c->confirmed);
        case 3: return get_bool(v, &c->banned);
        default: return get_conversation(v, c->conversation_id);
        }
}

/* A request as read: its key borrowed from the msgpack object. */
static int request_field(unsigned f, const msgpack_object *v, void *out) {
        struct pb_sync_request *q = out;
        switch (f) {
        case 0:
                if (v->type == MSGPACK_OBJECT_NIL)
                        return 0;
                /* Jami parses it as a key: an empty or huge one fails the whole value there */
                if (v->type != MSGPACK_OBJECT_BIN || v->via.bin.size == 0 ||
                    v->via.bin.size > PB_PUBKEY_MAX)
                        return -EBADMSG;
                q->device_pk = (uint8_t *)v->via.bin.ptr;
                q->device_pk_len = v->via.bin.size;
                return 0;
        case 1: return get_conversation(v, q->conversation_id);
        case 2: return get_time(v, &q->received);
        default: /* stripped; Jami reads a bin or a str */
                return v->type == MSGPACK_OBJECT_BIN || v->type == MSGPACK_OBJECT_STR ? 0
                                                                                      : -EBADMSG;
        }
}

static int device_field(unsigned f, const msgpack_object *v, void *out) {
        struct pb_sync_device *d = out;
        return f == 0 ? get_name(v, d->name) : pb_mp_get_hash(v, &d->id);
}

static bool is_zero(const uint8_t *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (p[i])
                        return false;
        return true;
}

/* ---- decoding: the four maps ----------------------------------------------------- */

static int get_key(const msgpack_object *k, size_t len, uint8_t *out) {
        if (k->type != MSGPACK_OBJECT_BIN || k->via.bin.size != len)
                return -EBADMSG;
        memcpy(out, k->via.bin.ptr, len);
        return 0;
}

/* Room for up to cap entries of size each, for a map of n. */
static int reserve(void **array, uint32_t n, unsigned cap, size_t size) {
        if (n == 0 || *array)
                return 0;
        *array = calloc(n < cap ? n : cap, size);
        return *array ? 0 : -ENOMEM;
}

static int keep_device(struct pb_device_sync *s, const struct pb_sync_device *d) {
        int r = reserve((void **)&s->devices, PB_SYNC_DEVICES_MAX, PB_SYNC_DEVICES_MAX, sizeof(*d));
        if (r < 0)
                return r;
        if (s->n_devices < PB_SYNC_DEVICES_MAX)
                s->devices[s->n_devices++] = *d;
        else
                s->n_dropped++;
        return 0;
}

static int decode_known(const msgpack_object *v, struct pb_device_sync *s) {
        if (v->type != MSGPACK_OBJECT_MAP)
                return -EBADMSG;
        for (uint32_t i = 0; i < v->via.map.size; i++) {
                const msgpack_object_kv *kv = &v->via.map.ptr[i];
                struct pb_sync_device d = { .legacy = true };
                int r = get_key(&kv->key, PB_HASH_LEN, d.id.d);
                if (r < 0 || (r = get_name(&kv->val, d.name)) < 0 || (r = keep_device(s, &d)) < 0)
                        return r;
        }
        return 0;
}

static int decode_devices(const msgpack_object *v, struct pb_device_sync *s) {
        static const char *const names[] = { "name", "sha1" };
        if (v->type != MSGPACK_OBJECT_MAP)
                return -EBADMSG;
        for (uint32_t i = 0; i < v->via.map.size; i++) {
                const msgpack_object_kv *kv = &v->via.map.ptr[i];
                struct pb_sync_device d = { .legacy = false };
                unsigned seen = 0;
                int r = get_key(&kv->key, PB_LONG_ID_LEN, d.long_id);
                if (r == 0)
                        r = pb_mp_walk_map(&kv->val, names, 2, device_field, &d, &seen);
                if (r < 0)
                        return r;
                /* Without its SHA-1 (later Jami sends the name alone), Jami 2023
                 * cannot find the device either. */
                if (!(seen & 2))
                        s->n_dropped++;
                else if ((r = keep_device(s, &d)) < 0)
                        return r;
        }
        return 0;
}

static int decode_peers(const msgpack_object *v, struct pb_device_sync *s) {
        static const char *const names[] = { "added", "removed", "confirmed", "banned",
                                             "conversationId" };
        if (v->type != MSGPACK_OBJECT_MAP)
                return -EBADMSG;
        int r = reserve((void **)&s->peers, v->via.map.size, PB_SYNC_PEERS_MAX, sizeof(*s->peers));
        for (uint32_t i = 0; r == 0 && i < v->via.map.size; i++) {
                const msgpack_object_kv *kv = &v->via.map.ptr[i];
                struct pb_contact_row c = { .added = 0 };
                pb_hash id;
                unsigned seen = 0;
                if ((r = get_key(&kv->key, PB_HASH_LEN, id.d)) < 0 ||
                    (r = pb_mp_walk_map(&kv->val, names, 5, contact_field, &c, &seen)) < 0)
                        break;
                if (s->n_peers >= PB_SYNC_PEERS_MAX || is_zero(id.d, PB_HASH_LEN)) {
                        s->n_dropped++; /* Jami ignores a zero id (updateContact) */
                        continue;
                }
                pb_hash_to_hex(&id, c.uri);
                s->peers[s->n_peers++] = c;
        }
        return r;
}

static int decode_requests(const msgpack_object *v, struct pb_device_sync *s) {
        static const char *const names[] = { "device", "conversationId", "received", "payload" };
        if (v->type != MSGPACK_OBJECT_MAP)
                return -EBADMSG;
        int r = reserve((void **)&s->requests, v->via.map.size, PB_SYNC_REQUESTS_MAX,
                        sizeof(*s->requests));
        for (uint32_t i = 0; r == 0 && i < v->via.map.size; i++) {
                const msgpack_object_kv *kv = &v->via.map.ptr[i];
                struct pb_sync_request q = { .device_pk = NULL };
                unsigned seen = 0;
                if ((r = get_key(&kv->key, PB_HASH_LEN, q.from.d)) < 0 ||
                    (r = pb_mp_walk_map(&kv->val, names, 4, request_field, &q, &seen)) < 0)
                        break;
                if (s->n_requests >= PB_SYNC_REQUESTS_MAX || is_zero(q.from.d, PB_HASH_LEN)) {
                        s->n_dropped++;
                        continue;
                }
                const uint8_t *pk = q.device_pk; /* borrowed until now */
                if (pk && !(q.device_pk = malloc(q.device_pk_len)))
                        return -ENOMEM;
                if (pk)
                        memcpy(q.device_pk, pk, q.device_pk_len);
                s->requests[s->n_requests++] = q;
        }
        return r;
}

static int sync_field(unsigned f, const msgpack_object *v, void *out) {
        struct pb_device_sync *s = out;
        switch (f) {
        case 0: /* Jami reads it into a signed duration of nanoseconds */
                if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 > INT64_MAX)
                        return -EBADMSG;
                s->date = v->via.u64;
                return 0;
        case 1: /* Jami leaves it empty and never reads it */
                return v->type == MSGPACK_OBJECT_STR ? 0 : -EBADMSG;
        case 2: return decode_known(v, s);
        case 3: return decode_devices(v, s);
        case 4: return decode_peers(v, s);
        default: return decode_requests(v, s);
        }
}

/* ---- decoding: the whole value --------------------------------------------------- */

static int cmp_device(const void *a, const void *b) {
        const struct pb_sync_device *x = a, *y = b;
        if (x->legacy != y->legacy)
                return x->legacy ? 1 : -1;
        return x->legacy ? memcmp(x->id.d, y->id.d, PB_HASH_LEN)
                         : memcmp(x->long_id, y->long_id, PB_LONG_ID_LEN);
}

static int cmp_peer(const void *a, const void *b) {
        return strcmp(((const struct pb_contact_row *)a)->uri,
                      ((const struct pb_contact_row *)b)->uri);
}

static int cmp_request(const void *a, const void *b) {
        return memcmp(((const struct pb_sync_request *)a)->from.d,
                      ((const struct pb_sync_request *)b)->from.d, PB_HASH_LEN);
}

/* Sorts n items; -EBADMSG when two are equal (a key given twice). */
static int sort_unique(void *base, unsigned n, size_t size,
                       int (*cmp)(const void *, const void *)) {
        if (n < 2)
                return 0;
        qsort(base, n, size, cmp);
        for (unsigned i = 1; i < n; i++)
                if (!cmp((const uint8_t *)base + (i - 1) * size, (const uint8_t *)base + i * size))
                        return -EBADMSG;
        return 0;
}

/* A legacy entry for a device also listed with its long id says nothing more. */
static void drop_known_twice(struct pb_device_sync *s) {
        unsigned kept = 0;
        for (unsigned i = 0; i < s->n_devices; i++) {
                const struct pb_sync_device *d = &s->devices[i];
                bool twice = false;
                for (unsigned j = 0; d->legacy && j < s->n_devices && !twice; j++)
                        twice = !s->devices[j].legacy &&
                                !memcmp(s->devices[j].id.d, d->id.d, PB_HASH_LEN);
                if (!twice)
                        s->devices[kept++] = *d;
        }
        s->n_devices = kept;
}

int pb_device_sync_decode(const uint8_t *data, size_t len, struct pb_device_sync *ret) {
        static const char *const names[] = { "date",    "device_name", "devices_known",
                                             "devices", "peers",       "trust_requests" };
        struct pb_device_sync s = { .date = 0 };
        msgpack_unpacked u;
        unsigned seen = 0;
        if (!ret)
                return -EINVAL;
        int r = pb_mp_unpack_one(data, len, &u);
        if (r < 0)
                return r;
        r = pb_mp_walk_map(&u.data, names, 6, sync_field, &s, &seen);
        msgpack_unpacked_destroy(&u);
        if (r == 0 && !(seen & 1)) /* a sync without a date cannot be ordered */
                r = -EBADMSG;
        if (r == 0)
                r = sort_unique(s.devices, s.n_devices, sizeof(*s.devices), cmp_device);
        if (r == 0)
                r = sort_unique(s.peers, s.n_peers, sizeof(*s.peers), cmp_peer);
        if (r == 0)
                r = sort_unique(s.requests, s.n_requests, sizeof(*s.requests), cmp_request);
        if (r < 0) {
                pb_device_sync_clear(&s);
                return r;
        }
        drop_known_twice(&s);
        *ret = s;
        return 0;
}

void pb_device_sync_clear(struct pb_device_sync *s) {
        if (!s)
                return;
        for (unsigned i = 0; i < s->n_requests; i++)
                free(s->requests[i].device_pk);
        free(s->devices);
        free(s->peers);
        free(s->requests);
        *s = (struct pb_device_sync){ .date = 0 };
}
