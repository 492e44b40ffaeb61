/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-device-sync.c — Jami's DeviceSync (device_sync.h): the decoder
 * allocates its arrays and the requests' keys, so LeakSanitizer watches every
 * error path; what it accepts keeps the caps, sorted unique keys and UTF-8,
 * and survives re-encoding. */
#include <errno.h>
#include <string.h>

#include "device_sync.h"
#include "fuzz.h"
#include "pidf.h"
#include "wire.h"

static bool text_ok(const char *s, size_t size) {
        const char *end = memchr(s, 0, size);
        return end && pb_utf8_valid(s, (size_t)(end - s));
}

static void check_decoded(const struct pb_device_sync *s) {
        FUZZ_CHECK(s->date <= INT64_MAX);
        FUZZ_CHECK(s->n_devices <= PB_SYNC_DEVICES_MAX && s->n_peers <= PB_SYNC_PEERS_MAX &&
                   s->n_requests <= PB_SYNC_REQUESTS_MAX);
        for (unsigned i = 0; i < s->n_devices; i++) {
                const struct pb_sync_device *d = &s->devices[i];
                FUZZ_CHECK(text_ok(d->name, sizeof(d->name)));
                if (i == 0)
                        continue;
                const struct pb_sync_device *p = &s->devices[i - 1];
                FUZZ_CHECK(p->legacy <= d->legacy); /* legacy ones last */
                FUZZ_CHECK(p->legacy != d->legacy ||
                           (d->legacy ? memcmp(p->id.d, d->id.d, PB_HASH_LEN)
                                      : memcmp(p->long_id, d->long_id, PB_LONG_ID_LEN)) < 0);
        }
        for (unsigned i = 0; i < s->n_peers; i++) {
                const struct pb_contact_row *c = &s->peers[i];
                pb_hash h;
                FUZZ_CHECK(strlen(c->uri) == PB_HEX_LEN && pb_hash_from_hex(c->uri, &h) == 0);
                FUZZ_CHECK(c->added >= 0 && c->removed >= 0 && c->request_id == 0);
                FUZZ_CHECK(text_ok(c->conversation_id, sizeof(c->conversation_id)));
                FUZZ_CHECK(i == 0 || strcmp(s->peers[i - 1].uri, c->uri) < 0);
        }
        for (unsigned i = 0; i < s->n_requests; i++) {
                const struct pb_sync_request *q = &s->requests[i];
                FUZZ_CHECK(q->device_pk_len <= PB_PUBKEY_MAX);
                FUZZ_CHECK((q->device_pk_len == 0) == (q->device_pk == NULL));
                FUZZ_CHECK(q->received >= 0);
                FUZZ_CHECK(text_ok(q->conversation_id, sizeof(q->conversation_id)));
                FUZZ_CHECK(i == 0 || memcmp(s->requests[i - 1].from.d, q->from.d, PB_HASH_LEN) < 0);
        }
}

static bool same_request(const struct pb_sync_request *a, const struct pb_sync_request *b) {
        return !memcmp(a->from.d, b->from.d, PB_HASH_LEN) && a->received == b->received &&
               !strcmp(a->conversation_id, b->conversation_id) &&
               a->device_pk_len == b->device_pk_len &&
               (!a->device_pk_len || !memcmp(a->device_pk, b->device_pk, a->device_pk_len));
}

/* b is a's re-encoding decoded: the same, but that at most 20 requests go out. */
static void check_same(const struct pb_device_sync *a, const struct pb_device_sync *b) {
        FUZZ_CHECK(a->date == b->date && b->n_dropped == 0);
        FUZZ_CHECK(a->n_devices == b->n_devices && a->n_peers == b->n_peers);
        for (unsigned i = 0; i < a->n_devices; i++) {
                const struct pb_sync_device *x = &a->devices[i], *y = &b->devices[i];
                FUZZ_CHECK(x->legacy == y->legacy && !strcmp(x->name, y->name));
                FUZZ_CHECK(!memcmp(x->id.d, y->id.d, PB_HASH_LEN));
                FUZZ_CHECK(!memcmp(x->long_id, y->long_id, PB_LONG_ID_LEN));
        }
        for (unsigned i = 0; i < a->n_peers; i++) {
                const struct pb_contact_row *x = &a->peers[i], *y = &b->peers[i];
                FUZZ_CHECK(!strcmp(x->uri, y->uri) && x->added == y->added &&
                           x->removed == y->removed && x->confirmed == y->confirmed &&
                           x->banned == y->banned &&
                           !strcmp(x->conversation_id, y->conversation_id));
        }
        unsigned sent = a->n_requests < PB_SYNC_REQUESTS_SEND_MAX ? a->n_requests
                                                                  : PB_SYNC_REQUESTS_SEND_MAX;
        FUZZ_CHECK(b->n_requests == sent);
        for (unsigned i = 0, j = 0; i < b->n_requests; i++) { /* both sorted: a subsequence */
                while (j < a->n_requests && !same_request(&a->requests[j], &b->requests[i]))
                        j++;
                FUZZ_CHECK(j < a->n_requests);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct pb_device_sync a, b;
        uint8_t *buf;
        size_t len;

        int r = pb_device_sync_decode(data, size, &a);
        FUZZ_CHECK(r == 0 || r == -EBADMSG || r == -ENOMEM);
        if (r < 0)
                return 0;
        check_decoded(&a);
        /* Re-encoding writes every key and field Jami writes, which a sparse
         * input may have left out: it can outgrow 64 KB. */
        r = pb_device_sync_encode(&a, &buf, &len);
        FUZZ_CHECK(r == 0 || r == -EMSGSIZE || r == -ENOMEM);
        if (r == 0) {
                r = pb_device_sync_decode(buf, len, &b);
                FUZZ_CHECK(r == 0 || r == -ENOMEM);
                if (r == 0) {
                        check_decoded(&b);
                        check_same(&a, &b);
                        pb_device_sync_clear(&b);
                }
                free(buf);
        }
        pb_device_sync_clear(&a);
        return 0;
}
