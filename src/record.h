/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * record.h — the records the API gives out (peerbook.h, "ABI"): each in one
 * allocation, its strings and payload after the struct, so that one free()
 * releases it and the struct can grow without a fixed limit in the ABI.
 *
 * The account code fills a view (the public struct, its pointers borrowed
 * from the account or the store for the duration of a call); this file
 * copies views into records and collects them into lists.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Where a record type keeps its pointers, by offset in the struct. */
struct pb_record_shape {
        size_t size;
        const size_t *strings; /* offsets of `const char *` members (NULL: "") */
        size_t n_strings;
        bool has_bytes; /* a `const uint8_t *` at bytes, its length at bytes_len */
        size_t bytes, bytes_len;
};

extern const struct pb_record_shape pb_shape_account_info, pb_shape_buddy, pb_shape_contact,
        pb_shape_trust_request, pb_shape_device, pb_shape_nearby;

/* A one-block copy of `view`, or NULL when out of memory. */
void *pb_record_dup(const struct pb_record_shape *shape, const void *view);

/* A growing NULL-terminated array of records. */
struct pb_list {
        const struct pb_record_shape *shape;
        void **items; /* NULL until the first pb_list_add() or pb_list_take() */
        size_t n, cap;
};

/* Adds a copy of view: 0 or -ENOMEM. Fits the internal list walks' callback. */
int pb_list_add(const void *view, void *list);
/* Hands the array out (an empty one when nothing was added): 0 or -ENOMEM.
 * After a failure of either, peerbook_list_free(list->items) cleans up. */
int pb_list_take(struct pb_list *list, void ***ret);
