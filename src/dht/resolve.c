/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "dht/resolve.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bootstrap.h"

struct pb_resolve {
        pthread_mutex_t lock; /* guards everything below but list */
        unsigned refs;        /* the caller's and the thread's */
        bool done;
        int error; /* getaddrinfo()'s, 0 when every name resolved */
        char host[PB_BOOTSTRAP_HOST_MAX + 1];
        char *list;
};

static bool numeric(const char *host) {
        unsigned char buf[sizeof(struct in6_addr)];
        return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static void *resolve_all(void *arg) {
        pb_resolve *r = arg;
        struct pb_bootstrap_entry e;
        const char *cursor = r->list;
        int n, error = 0;
        while (error == 0 && (n = pb_bootstrap_next(r->list, &cursor, &e)) != 0) {
                struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *res = NULL;
                if (n < 0 || numeric(e.host))
                        continue;
                error = getaddrinfo(e.host, e.port, &hints, &res);
                if (res)
                        freeaddrinfo(res);
                if (error) {
                        pthread_mutex_lock(&r->lock);
                        snprintf(r->host, sizeof(r->host), "%s", e.host);
                        pthread_mutex_unlock(&r->lock);
                }
        }
        pthread_mutex_lock(&r->lock);
        r->error = error;
        r->done = true;
        pthread_mutex_unlock(&r->lock);
        pb_resolve_unref(r);
        return NULL;
}

static bool has_name(const char *list) {
        struct pb_bootstrap_entry e;
        const char *cursor = list;
        int n;
        while ((n = pb_bootstrap_next(list, &cursor, &e)) != 0)
                if (n > 0 && !numeric(e.host))
                        return true;
        return false;
}

pb_resolve *pb_resolve_start(const char *list) {
        if (!list || !has_name(list))
                return NULL;
        pb_resolve *r = calloc(1, sizeof(*r));
        if (!r || !(r->list = strdup(list))) {
                free(r);
                return NULL;
        }
        pthread_mutex_init(&r->lock, NULL);
        r->refs = 2;
        pthread_attr_t attr;
        pthread_t thread;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&thread, &attr, resolve_all, r) != 0) {
                r->refs = 1;
                r = pb_resolve_unref(r);
        }
        pthread_attr_destroy(&attr);
        return r;
}

bool pb_resolve_done(pb_resolve *r) {
        pthread_mutex_lock(&r->lock);
        bool done = r->done;
        pthread_mutex_unlock(&r->lock);
        return done;
}

bool pb_resolve_failed(pb_resolve *r, char *host, size_t host_len, char *why, size_t why_len) {
        pthread_mutex_lock(&r->lock);
        bool failed = r->done && r->error != 0;
        if (failed) {
                snprintf(host, host_len, "%s", r->host);
                snprintf(why, why_len, "%s", gai_strerror(r->error));
        }
        pthread_mutex_unlock(&r->lock);
        return failed;
}

pb_resolve *pb_resolve_unref(pb_resolve *r) {
        if (!r)
                return NULL;
        pthread_mutex_lock(&r->lock);
        bool last = --r->refs == 0;
        pthread_mutex_unlock(&r->lock);
        if (last) {
                pthread_mutex_destroy(&r->lock);
                free(r->list);
                free(r);
        }
        return NULL;
}
