/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "events.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct pb_queue {
        pthread_mutex_t lock;
        struct pb_item *head, *tail;
        int fd;
};

int pb_queue_new(pb_queue **ret) {
        pb_queue *q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        q->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (q->fd < 0) {
                int r = -errno;
                free(q);
                return r;
        }
        pthread_mutex_init(&q->lock, NULL);
        *ret = q;
        return 0;
}

pb_queue *pb_queue_free(pb_queue *q) {
        if (!q)
                return NULL;
        pb_items_free(q->head);
        close(q->fd);
        pthread_mutex_destroy(&q->lock);
        free(q);
        return NULL;
}

int pb_queue_fd(const pb_queue *q) {
        return q->fd;
}

struct pb_item *pb_item_new(enum pb_item_kind kind, size_t len) {
        struct pb_item *it = calloc(1, sizeof(*it) + len);
        if (it)
                it->kind = kind;
        return it;
}

struct pb_item *pb_item_from_value(uint64_t account_serial, uint32_t tag, const pb_hash *key,
                                   const struct pb_value_view *v, bool expired) {
        if (v->len > 65536) /* OpenDHT's largest value */
                return NULL;
        struct pb_item *it = pb_item_new(PB_ITEM_VALUE, v->len);
        if (!it)
                return NULL;
        it->account_serial = account_serial;
        it->tag = tag;
        if (key)
                it->key = *key;
        it->flag = expired;
        it->value = *v;
        if (v->len)
                memcpy(it->data, v->data, v->len);
        it->value.data = it->data;
        return it;
}

void pb_queue_push(pb_queue *q, struct pb_item *item) {
        item->next = NULL;
        pthread_mutex_lock(&q->lock);
        bool was_empty = !q->head;
        if (q->tail)
                q->tail->next = item;
        else
                q->head = item;
        q->tail = item;
        pthread_mutex_unlock(&q->lock);
        /* One write per empty→non-empty transition: the reader drains it all. */
        if (was_empty) {
                uint64_t one = 1;
                ssize_t n = write(q->fd, &one, sizeof(one));
                (void)n; /* EAGAIN means the counter is already non-zero: still woken */
        }
}

struct pb_item *pb_queue_take_all(pb_queue *q) {
        uint64_t v;
        ssize_t n = read(q->fd, &v, sizeof(v));
        (void)n; /* EAGAIN: nothing was signalled, the list may still hold items */
        pthread_mutex_lock(&q->lock);
        struct pb_item *list = q->head;
        q->head = q->tail = NULL;
        pthread_mutex_unlock(&q->lock);
        return list;
}

void pb_queue_requeue(pb_queue *q, struct pb_item *list) {
        if (!list)
                return;
        struct pb_item *last = list;
        while (last->next)
                last = last->next;
        pthread_mutex_lock(&q->lock);
        last->next = q->head;
        q->head = list;
        if (!q->tail)
                q->tail = last;
        pthread_mutex_unlock(&q->lock);
        uint64_t one = 1;
        ssize_t n = write(q->fd, &one, sizeof(one));
        (void)n; /* EAGAIN: the counter is already non-zero */
}

void pb_items_free(struct pb_item *list) {
        while (list) {
                struct pb_item *next = list->next;
                free(list);
                list = next;
        }
}

struct tagged_origin {
        struct pb_origin origin;
        uint32_t tag;
};

static void on_tagged_value(const struct pb_value_view *v, bool expired, void *userdata) {
        struct tagged_origin *t = userdata;
        struct pb_item *it = expired ? NULL : pb_item_from_value(0, t->tag, NULL, v, false);
        if (it)
                pb_origin_push(&t->origin, it);
}

static void on_tagged_done(void *userdata) {
        free(userdata);
}

int pb_origin_listen(pb_node *node, const pb_hash *key, const struct pb_origin *o, uint32_t tag,
                     pb_listen **ret) {
        struct tagged_origin *t = malloc(sizeof(*t));
        if (!t)
                return -ENOMEM;
        *t = (struct tagged_origin){ *o, tag };
        int r = pb_node_listen(node, key, on_tagged_value, on_tagged_done, t, ret);
        if (r < 0)
                free(t);
        return r;
}
