/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * live.h — helpers for tests that run real contexts on real OpenDHT nodes on
 * 127.0.0.1: a temporary data folder per node, an event log per context,
 * and waits that poll every context's fd until a condition holds or a
 * deadline passes (never fixed sleeps).
 */
#pragma once

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "peerbook/peerbook.h"

static inline void live_freep(void *p) {
        peerbook_free(*(void **)p);
}
/* A record of libpeerbook's, freed when the variable goes out of scope. */
#define _cleanup_record_ __attribute__((cleanup(live_freep)))

#define LIVE_MAX_EVENTS 256
#define LIVE_KEY_BITS 2048 /* tests only: 4096 costs ~1 s more per key */

struct live_event {
        enum peerbook_event_type type;
        char account[PEERBOOK_ID_SIZE];
        char uri[PEERBOOK_ID_SIZE];
        int value; /* buddy status or registration state */
        double at_ms;
};

struct live_node {
        peerbook_ctx *ctx;
        unsigned key_bits; /* 0: LIVE_KEY_BITS */
        bool lan;          /* LAN discovery allowed: only inside a test-made namespace */
        char dir[64];
        char account[PEERBOOK_ID_SIZE];
        struct live_event events[LIVE_MAX_EVENTS];
        int n_events;
};

static inline double live_now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline void live_on_event(const struct peerbook_event *ev, void *userdata) {
        struct live_node *n = userdata;
        if (n->n_events == LIVE_MAX_EVENTS)
                memmove(n->events, n->events + 1, sizeof(n->events[0]) * --n->n_events);
        struct live_event *e = &n->events[n->n_events++];
        memset(e, 0, sizeof(*e));
        e->type = ev->type;
        e->at_ms = live_now_ms();
        snprintf(e->account, sizeof(e->account), "%s", ev->account_id);
        switch (ev->type) {
        case PEERBOOK_EVENT_BUDDY:
                snprintf(e->uri, sizeof(e->uri), "%s", ev->buddy.uri);
                e->value = ev->buddy.status;
                break;
        case PEERBOOK_EVENT_REGISTRATION: e->value = ev->registration.state; break;
        case PEERBOOK_EVENT_TRUST_REQUEST:
                snprintf(e->uri, sizeof(e->uri), "%s", ev->trust_request.from);
                e->value = (int)ev->trust_request.payload_len;
                break;
        case PEERBOOK_EVENT_CONTACT_ADDED:
                snprintf(e->uri, sizeof(e->uri), "%s", ev->contact.uri);
                e->value = ev->contact.confirmed;
                break;
        case PEERBOOK_EVENT_CONTACT_REMOVED:
                snprintf(e->uri, sizeof(e->uri), "%s", ev->contact.uri);
                e->value = ev->contact.banned;
                break;
        case PEERBOOK_EVENT_DEVICES_CHANGED: break; /* only the account */
        case PEERBOOK_EVENT_DEVICE_REVOKED:
                snprintf(e->uri, sizeof(e->uri), "%s", ev->revocation.device_id);
                e->value = ev->revocation.status;
                break;
        case PEERBOOK_EVENT_NEARBY:
                snprintf(e->uri, sizeof(e->uri), "%s", ev->nearby.uri);
                e->value = ev->nearby.gone;
                break;
        }
}

/* Opens (or reopens) the context of a node whose folder is n->dir. */
static inline int live_open(struct live_node *n) {
        struct peerbook_ctx_options o = { .size = sizeof(o),
                                          .data_dir = n->dir,
                                          .key_bits = n->key_bits ? n->key_bits : LIVE_KEY_BITS,
                                          /* off the machine's LAN unless a test made its own */
                                          .no_lan = !n->lan };
        int r = peerbook_ctx_new(&o, &n->ctx);
        if (r == 0)
                peerbook_ctx_set_event_cb(n->ctx, live_on_event, n);
        return r;
}

static inline void live_close(struct live_node *n) {
        n->ctx = peerbook_ctx_free(n->ctx);
}

#define LIVE_MAX_NODES 64

/* Processes every open context for at most ms milliseconds (one poll). */
static inline void live_pump(struct live_node **nodes, int count, int ms) {
        struct pollfd p[LIVE_MAX_NODES];
        int np = 0;
        if (count > LIVE_MAX_NODES)
                abort(); /* a context left unpolled would only be seen at time-outs */
        for (int i = 0; i < count; i++)
                if (nodes[i]->ctx)
                        p[np++] = (struct pollfd){ .fd = peerbook_ctx_get_fd(nodes[i]->ctx),
                                                   .events = POLLIN };
        int timeout = ms;
        for (int i = 0; i < count; i++)
                if (nodes[i]->ctx) {
                        int t = peerbook_ctx_get_timeout_ms(nodes[i]->ctx);
                        if (t >= 0 && t < timeout)
                                timeout = t;
                }
        poll(p, np, timeout);
        for (int i = 0; i < count; i++)
                if (nodes[i]->ctx)
                        peerbook_ctx_process(nodes[i]->ctx);
}

/* Processes every open context for ms milliseconds, however many events come. */
static inline void live_run(struct live_node **nodes, int count, int ms) {
        double end = live_now_ms() + ms;
        for (double left = ms; left > 0; left = end - live_now_ms())
                live_pump(nodes, count, left < 50 ? (int)left + 1 : 50);
}

typedef bool (*live_pred)(void *arg);

/* Pumps until pred(arg) holds; false when timeout_ms passes first. */
static inline bool live_wait(struct live_node **nodes, int count, live_pred pred, void *arg,
                             int timeout_ms) {
        double deadline = live_now_ms() + timeout_ms;
        while (!pred(arg)) {
                double left = deadline - live_now_ms();
                if (left <= 0)
                        return false;
                live_pump(nodes, count, left < 50 ? (int)left + 1 : 50);
        }
        return true;
}

/* The latest status reported for (account, uri) in n's log, or -1. */
static inline int live_last_status(const struct live_node *n, const char *uri) {
        for (int i = n->n_events - 1; i >= 0; i--)
                if (n->events[i].type == PEERBOOK_EVENT_BUDDY && !strcmp(n->events[i].uri, uri))
                        return n->events[i].value;
        return -1;
}

struct live_status_want {
        struct live_node *node;
        const char *uri;
        int status;
};

static inline bool live_has_status(void *arg) {
        struct live_status_want *w = arg;
        return live_last_status(w->node, w->uri) == w->status;
}

/* n's account info (free it with peerbook_free()), or NULL. */
static inline struct peerbook_account_info *live_info(struct live_node *n) {
        struct peerbook_account_info *info = NULL;
        peerbook_account_get_info(n->ctx, n->account, &info);
        return info;
}

static inline bool live_registered(void *arg) {
        struct live_node *n = arg;
        _cleanup_record_ struct peerbook_account_info *info = live_info(n);
        return info && info->registration == PEERBOOK_REGISTRATION_REGISTERED;
}

/* Makes a temporary folder and a context with one new account in it. */
static inline int live_new_account(struct live_node *n, const char *bootstrap) {
        snprintf(n->dir, sizeof(n->dir), "/tmp/peerbook-live-XXXXXX");
        if (!mkdtemp(n->dir))
                return -errno;
        int r = live_open(n);
        if (r < 0)
                return r;
        struct peerbook_account_params p = { .size = sizeof(p),
                                             .alias = "test",
                                             .bootstrap = bootstrap };
        return peerbook_account_create(n->ctx, &p, n->account);
}

/* Creates `count` accounts from `first` on, bootstrapped from `bootstrap`,
 * and waits until each is registered (pumping `pumped`); returns how many
 * were. */
static inline int live_join(struct live_node **pumped, int n_pumped, struct live_node *first,
                            int count, const char *bootstrap, int timeout_ms) {
        int up = 0;
        for (int i = 0; i < count; i++)
                if (live_new_account(&first[i], bootstrap) < 0)
                        return 0;
        for (int i = 0; i < count; i++)
                up += live_wait(pumped, n_pumped, live_registered, &first[i], timeout_ms);
        return up;
}

/* Closes the contexts, last first, and removes their folders; 0 or -EIO. */
static inline int live_close_and_remove(struct live_node *n, int count) {
        int r = 0;
        for (int i = count - 1; i >= 0; i--) {
                char cmd[128];
                live_close(&n[i]);
                snprintf(cmd, sizeof(cmd), "rm -rf %s", n[i].dir);
                r |= system(cmd);
        }
        return r ? -EIO : 0;
}

static inline uint16_t live_port(struct live_node *n) {
        _cleanup_record_ struct peerbook_account_info *info = live_info(n);
        return info ? info->dht_port : 0;
}

/* A standalone first node (nodes[0]) and an account on each of the next
 * `count` nodes, bootstrapped from it (its address into bootstrap), all
 * registered: 0, or -ETIMEDOUT / an error from creating one. */
static inline int live_start_network(struct live_node **nodes, int count, char bootstrap[64]) {
        int r = live_new_account(nodes[0], NULL);
        if (r < 0)
                return r;
        if (!live_wait(nodes, 1, live_registered, nodes[0], 10000))
                return -ETIMEDOUT;
        snprintf(bootstrap, 64, "127.0.0.1:%u", live_port(nodes[0]));
        for (int i = 1; i <= count; i++)
                if ((r = live_new_account(nodes[i], bootstrap)) < 0)
                        return r;
        for (int i = 1; i <= count; i++)
                if (!live_wait(nodes, count + 1, live_registered, nodes[i], 10000))
                        return -ETIMEDOUT;
        return 0;
}

/* How many events of type (and value, unless value < 0) n logged for uri. */
static inline int live_count(const struct live_node *n, enum peerbook_event_type type,
                             const char *uri, int value) {
        int c = 0;
        for (int i = 0; i < n->n_events; i++)
                if (n->events[i].type == type && !strcmp(n->events[i].uri, uri) &&
                    (value < 0 || n->events[i].value == value))
                        c++;
        return c;
}

struct live_count_want {
        struct live_node *node;
        enum peerbook_event_type type;
        const char *uri;
        int value;
        int at_least;
};

static inline bool live_has_count(void *arg) {
        struct live_count_want *w = arg;
        return live_count(w->node, w->type, w->uri, w->value) >= w->at_least;
}

static inline bool live_confirmed(struct live_node *n, const char *uri) {
        _cleanup_record_ struct peerbook_contact *c = NULL;
        return peerbook_contact_get(n->ctx, n->account, uri, &c) == 0 && c->confirmed &&
               c->added > c->removed;
}

static inline uint64_t live_dropped_requests(struct live_node *n) {
        _cleanup_record_ struct peerbook_account_info *info = live_info(n);
        return info ? info->dropped_requests : 0;
}

static inline uint64_t live_pending(struct live_node *n) {
        _cleanup_record_ struct peerbook_account_info *info = live_info(n);
        return info ? info->pending_requests : 0;
}

/* Reads n's device identity from its account folder, as only n itself could;
 * tests use it to write into n's inbox as others would (they know its key
 * from its announcement). Returns the public key (DER, malloc()ed) too. */
#include "dht/dht.h"
#include "testing.h"

static inline int live_device_identity(const struct live_node *n, pb_identity **ret_id,
                                       uint8_t **ret_pk, size_t *ret_pk_len) {
        static uint8_t crt[16384], key[16384];
        size_t len[2] = { 0, 0 };
        const char *names[2] = { "device.crt", "device.key" };
        uint8_t *bufs[2] = { crt, key };
        for (int i = 0; i < 2; i++) {
                char path[192];
                snprintf(path, sizeof(path), "%s/%s/%s", n->dir, n->account, names[i]);
                FILE *f = fopen(path, "rb");
                if (!f)
                        return -errno;
                len[i] = fread(bufs[i], 1, sizeof(crt), f);
                fclose(f);
        }
        int r = pb_identity_load(key, len[1], NULL, crt, len[0], ret_id);
        if (r == 0 && (r = pb_identity_export_pubkey(*ret_id, ret_pk, ret_pk_len)) < 0)
                *ret_id = pb_identity_free(*ret_id);
        return r;
}

/* Where requests to a device are put: SHA1("inbox:" + its id), as trust.c does. */
static inline pb_hash live_inbox_of(const char *device_id) {
        char key[64];
        snprintf(key, sizeof(key), "inbox:%s", device_id);
        return pb_hash_of(key, strlen(key));
}

/* Raw OpenDHT nodes (no account) on the test network, for floors and for
 * playing other parties: each gets a new identity of `bits`; returns once all
 * are connected (bounded) and have settled. 0 or a negative errno. */
static inline int live_raw_nodes(const char *bootstrap, int count, unsigned bits, pb_identity **ids,
                                 pb_node **nodes) {
        for (int i = 0; i < count; i++) {
                int r = pb_identity_generate("raw", NULL, bits, &ids[i]);
                struct pb_node_config c = { .identity = ids[i], .bootstrap = bootstrap };
                if (r < 0 || (r = pb_node_start(&c, &nodes[i])) < 0)
                        return r;
        }
        /* Connected, then past the first search, as a running node is: each knows
         * a peer besides its bootstrap (bounded: a network of two never will). */
        for (int t = 0; t < 300; t++) {
                int up = 0;
                for (int i = 0; i < count; i++)
                        up += pb_node_is_connected(nodes[i]) && pb_node_good_nodes(nodes[i]) >= 2;
                if (up == count)
                        break;
                usleep(10000);
        }
        return 0;
}

static inline void live_raw_nodes_free(int count, pb_identity **ids, pb_node **nodes) {
        for (int i = 0; i < count; i++) {
                nodes[i] = pb_node_free(nodes[i]);
                ids[i] = pb_identity_free(ids[i]);
        }
}
