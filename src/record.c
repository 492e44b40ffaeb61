/* SPDX-License-Identifier: GPL-3.0-or-later */
/* record.c — one-block records and the lists of them (record.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "peerbook/peerbook.h"
#include "record.h"

#define STRINGS(type, ...)                                                       \
        .size = sizeof(struct type), .strings = (const size_t[]){ __VA_ARGS__ }, \
        .n_strings = sizeof((const size_t[]){ __VA_ARGS__ }) / sizeof(size_t)

const struct pb_record_shape pb_shape_account_info = {
        STRINGS(peerbook_account_info, offsetof(struct peerbook_account_info, account_id),
                offsetof(struct peerbook_account_info, device_id),
                offsetof(struct peerbook_account_info, alias),
                offsetof(struct peerbook_account_info, bootstrap),
                offsetof(struct peerbook_account_info, registration_detail),
                offsetof(struct peerbook_account_info, note),
                offsetof(struct peerbook_account_info, device_name)),
};

const struct pb_record_shape pb_shape_device = {
        STRINGS(peerbook_device, offsetof(struct peerbook_device, device_id),
                offsetof(struct peerbook_device, long_id), offsetof(struct peerbook_device, name)),
};

const struct pb_record_shape pb_shape_nearby = {
        STRINGS(peerbook_nearby_peer, offsetof(struct peerbook_nearby_peer, uri),
                offsetof(struct peerbook_nearby_peer, display_name),
                offsetof(struct peerbook_nearby_peer, address)),
};

const struct pb_record_shape pb_shape_buddy = {
        STRINGS(peerbook_buddy, offsetof(struct peerbook_buddy, uri),
                offsetof(struct peerbook_buddy, line_status)),
};

const struct pb_record_shape pb_shape_contact = {
        STRINGS(peerbook_contact, offsetof(struct peerbook_contact, uri),
                offsetof(struct peerbook_contact, conversation_id)),
};

const struct pb_record_shape pb_shape_trust_request = {
        STRINGS(peerbook_trust_request, offsetof(struct peerbook_trust_request, from),
                offsetof(struct peerbook_trust_request, conversation_id)),
        .has_bytes = true,
        .bytes = offsetof(struct peerbook_trust_request, payload),
        .bytes_len = offsetof(struct peerbook_trust_request, payload_len),
};

static const char **string_at(void *record, size_t offset) {
        return (const char **)((char *)record + offset);
}

void *pb_record_dup(const struct pb_record_shape *shape, const void *view) {
        void *v = (void *)view; /* read only: string_at() serves both sides */
        size_t total = shape->size, len = 0;
        const uint8_t *bytes = NULL;
        for (size_t i = 0; i < shape->n_strings; i++) {
                const char *s = *string_at(v, shape->strings[i]);
                total += strlen(s ? s : "") + 1;
        }
        if (shape->has_bytes) {
                bytes = *(const uint8_t **)((char *)v + shape->bytes);
                len = bytes ? *(const size_t *)((char *)v + shape->bytes_len) : 0;
                total += len;
        }
        char *record = malloc(total);
        if (!record)
                return NULL;
        memcpy(record, view, shape->size);
        char *p = record + shape->size;
        for (size_t i = 0; i < shape->n_strings; i++) {
                const char **s = string_at(record, shape->strings[i]);
                size_t n = strlen(*s ? *s : "") + 1;
                memcpy(p, *s ? *s : "", n);
                *s = p;
                p += n;
        }
        if (shape->has_bytes) {
                *(const uint8_t **)(record + shape->bytes) = len ? memcpy(p, bytes, len) : NULL;
                *(size_t *)(record + shape->bytes_len) = len;
        }
        return record;
}

int pb_list_add(const void *view, void *userdata) {
        struct pb_list *l = userdata;
        if (l->n + 1 >= l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 16;
                void **n = realloc(l->items, cap * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                l->items = n;
                l->cap = cap;
        }
        if (!(l->items[l->n] = pb_record_dup(l->shape, view)))
                return -ENOMEM;
        l->items[++l->n] = NULL;
        return 0;
}

int pb_list_take(struct pb_list *l, void ***ret) {
        if (!l->items && !(l->items = calloc(1, sizeof(*l->items))))
                return -ENOMEM;
        *ret = l->items;
        *l = (struct pb_list){ .shape = l->shape };
        return 0;
}

void *peerbook_free(void *record) {
        free(record);
        return NULL;
}

void *peerbook_list_free(void *list) {
        void **items = list;
        for (void **p = items; p && *p; p++)
                free(*p);
        free(items);
        return NULL;
}
