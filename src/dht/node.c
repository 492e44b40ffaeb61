/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * node.c — a pb_node is one dht::DhtRunner, driven through the C binding.
 *
 * The runner is threaded: OpenDHT calls back on its own thread. This file
 * only keeps the handles; puts go through opendht_ext.cpp because the
 * binding can neither put a pre-signed value without re-signing it nor
 * guarantee a done callback on shutdown.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, pthread_condattr_setclock */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bootstrap.h"
#include "dht/opendht_ext.h"
#include "dht/peers.h"
#include "dht/resolve.h"
#include "netaddr.h"
#include "util.h"

/* Longest wait for OpenDHT's shutdown callback (it saves the node cache). */
#define SHUTDOWN_WAIT_MS 1500

/* Receive buffer asked for each of the node's sockets: a few thousand
 * datagrams, so that a burst is queued rather than dropped. */
#define SOCKET_BUFFER_BYTES (4 << 20)

/* A bootstrap ping is one UDP datagram: when it is lost (a full receive
 * buffer on a busy machine), OpenDHT may stay alone for many seconds. So
 * asking while not connected is also the moment to ping again: after 1 s,
 * then twice as long each time up to 30 s (a network that is down costs
 * little), and after 1 s again when the machine's network changes. Each
 * time, the list's names are resolved again on a thread (resolve.c), for
 * the registration detail. */
#define REBOOTSTRAP_MIN_MS 1000
#define REBOOTSTRAP_MAX_MS 30000

struct pb_listen {
        struct pb_listen *next;
        dht_infohash key;
        dht_op_token *token;
};

struct pb_node {
        dht_runner *runner;
        bool standalone;
        char *bootstrap;        /* the list, to ping again while not connected */
        char *peers_path;       /* peers known at the last clean stop (peers.c) */
        struct timespec pinged; /* when the bootstrap nodes were last pinged */
        unsigned retry_ms;      /* how long until they are pinged again (a back-off) */
        pb_resolve *resolve;    /* whether the list's names resolve, found out on a thread */
        pthread_mutex_t lock;   /* guards `listens` */
        struct pb_listen *listens;
};

/* dht_runner_bootstrap() only records the address: OpenDHT pings it while
 * the node is "disconnected", and a node restarted from its cache is not (its
 * cached nodes make it "connecting") yet pings none of them until its
 * maintenance, up to 10 s later. Which of the two it is depends on whether
 * the bootstrap call races ahead of OpenDHT's first status update (measured:
 * 50 ms, or 1 to 10 s with a 0.3 ms pause in between). So the address is
 * pinged as well (peers.c). Names rely on OpenDHT's own resolver.
 *
 * Bootstraps each entry of the list (bootstrap.c reads them); returns how
 * many. The library checked the list when it was set: an entry that is
 * malformed anyway (a list saved by an older version) is skipped. */
static unsigned bootstrap_all(dht_runner *runner, const char *list) {
        struct pb_bootstrap_entry e;
        const char *text = list ? list : "", *cursor = text;
        unsigned n = 0;
        int r;

        while ((r = pb_bootstrap_next(text, &cursor, &e)) != 0) {
                if (r < 0)
                        continue;
                dht_runner_bootstrap(runner, e.host, e.port);
                pb_ping_numeric(runner, e.host, e.port);
                n++;
        }
        return n;
}

/* The binding remembers the ports a node used in "<cache>_port.txt" and
 * re-binds them when asked for port 0. When that port is taken, forget it
 * and bind any port rather than failing. */
static int run_runner(dht_runner *runner, uint16_t port, const dht_runner_config *cfg) {
        const char *cache = cfg->dht_config.node_config.persist_path;
        char path[4096];

        if (dht_runner_run_config(runner, port, cfg) == 0)
                return 0;
        if (!cache || port != 0)
                return -EADDRINUSE;
        if (snprintf(path, sizeof(path), "%s_port.txt", cache) >= (int)sizeof(path))
                return -EADDRINUSE;
        unlink(path);
        return dht_runner_run_config(runner, port, cfg) == 0 ? 0 : -EADDRINUSE;
}

/* "<cache>.peers", or NULL without a cache (or memory). */
static char *peers_path_of(const char *cache) {
        size_t len = cache ? strlen(cache) + sizeof(".peers") : 0;
        char *path = len ? malloc(len) : NULL;

        if (path)
                snprintf(path, len, "%s.peers", cache);
        return path;
}

int pb_node_start(const struct pb_node_config *config, pb_node **ret) {
        dht_runner_config cfg;
        pb_node *node;
        int r;

        if (!config || !config->identity || !ret)
                return -EINVAL;
        node = calloc(1, sizeof(*node));
        if (!node)
                return -ENOMEM;
        node->runner = dht_runner_new();
        if (!node->runner) {
                free(node);
                return -ENOMEM;
        }
        pthread_mutex_init(&node->lock, NULL);

        dht_runner_config_default(&cfg); /* threaded, no log, no discovery */
        /* The binding copies the key and certificate (shared ownership). */
        cfg.dht_config.id.privatekey = config->identity->key;
        cfg.dht_config.id.certificate = config->identity->cert;
        cfg.dht_config.node_config.persist_path =
                config->cache_path && *config->cache_path ? config->cache_path : NULL;
        /* OpenDHT writes the cache, and the binding the ports it bound
         * ("<cache>_port.txt"), with an ofstream (0644 through the umask),
         * which keeps the mode of a file that is there: make them 0600 first
         * (the port file only once it exists: the binding would read an empty
         * one). A failure only costs the cache, which OpenDHT then does
         * without. */
        if (cfg.dht_config.node_config.persist_path) {
                char port_path[4096];
                (void)pb_file_private(cfg.dht_config.node_config.persist_path, true);
                if (snprintf(port_path, sizeof(port_path), "%s_port.txt",
                             cfg.dht_config.node_config.persist_path) < (int)sizeof(port_path))
                        (void)pb_file_private(port_path, false); /* read empty: port 0 */
        }
        /* LAN discovery is ours (lan.c, docs/lan.md): OpenDHT's would share
         * port 8888 with it, and take the unicast answers meant for it. */
        cfg.peer_discovery = false;
        cfg.peer_publish = false;
        cfg.log = false;

        r = run_runner(node->runner, config->port, &cfg);
        if (r < 0) {
                dht_runner_delete(node->runner);
                pthread_mutex_destroy(&node->lock);
                free(node);
                return r;
        }
        if (config->capped_type)
                (void)pb_ext_runner_cap_type(node->runner, config->capped_type,
                                             config->capped_size);
        /* Before the first ping, so that the answers find room. */
        (void)pb_udp_grow_buffers(dht_runner_get_bound_port(node->runner, AF_INET),
                                  dht_runner_get_bound_port(node->runner, AF_INET6),
                                  SOCKET_BUFFER_BYTES);
        node->standalone = bootstrap_all(node->runner, config->bootstrap) == 0;
        node->bootstrap = node->standalone ? NULL : strdup(config->bootstrap);
        node->peers_path = peers_path_of(cfg.dht_config.node_config.persist_path);
        if (node->peers_path)
                pb_peers_ping(node->runner, node->peers_path);
        clock_gettime(CLOCK_MONOTONIC, &node->pinged);
        node->retry_ms = REBOOTSTRAP_MIN_MS;
        node->resolve = pb_resolve_start(node->bootstrap);
        *ret = node;
        return 0;
}

dht_runner *pb_node_runner(pb_node *node) {
        return node->runner;
}

uint16_t pb_node_port_of(const pb_node *node, int family) {
        return node ? dht_runner_get_bound_port(node->runner, family) : 0;
}

uint16_t pb_node_port(const pb_node *node) {
        return pb_node_port_of(node, AF_INET);
}

pb_hash pb_node_id(const pb_node *node) {
        dht_infohash id = dht_runner_get_node_id(node->runner);
        pb_hash h;
        memcpy(h.d, id.d, PB_HASH_LEN);
        return h;
}

void pb_node_ping(pb_node *node, const struct sockaddr *sa) {
        if (node && dht_runner_is_running(node->runner))
                dht_runner_ping(node->runner, (struct sockaddr *)sa, pb_addr_len(sa), NULL, NULL);
}

static void check_names(pb_node *node) {
        if (node->resolve && !pb_resolve_done(node->resolve))
                return; /* one check at a time */
        pb_resolve *r = pb_resolve_start(node->bootstrap);
        if (!r && node->resolve && pb_resolve_failed(node->resolve, NULL, 0, NULL, 0))
                return; /* no new check could start: keep what the last one said */
        pb_resolve_unref(node->resolve);
        node->resolve = r;
}

unsigned pb_node_good_nodes(pb_node *node) {
        return node && dht_runner_is_running(node->runner) ? pb_ext_runner_good_nodes(node->runner)
                                                           : 0;
}

bool pb_node_is_connected(pb_node *node) {
        struct timespec now;

        if (!node || !dht_runner_is_running(node->runner))
                return false;
        if (node->standalone || pb_ext_runner_good_nodes(node->runner) > 0)
                return true;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (node->bootstrap && (now.tv_sec - node->pinged.tv_sec) * 1000 +
                                               (now.tv_nsec - node->pinged.tv_nsec) / 1000000 >=
                                       node->retry_ms) {
                bootstrap_all(node->runner, node->bootstrap);
                check_names(node);
                node->pinged = now;
                node->retry_ms = node->retry_ms * 2 > REBOOTSTRAP_MAX_MS ? REBOOTSTRAP_MAX_MS
                                                                         : node->retry_ms * 2;
        }
        return false;
}

int pb_node_bootstrap_problem(pb_node *node, char *out, size_t len) {
        char host[PB_BOOTSTRAP_HOST_MAX + 1], why[96];
        if (!node || !node->resolve ||
            !pb_resolve_failed(node->resolve, host, sizeof(host), why, sizeof(why)))
                return 0;
        snprintf(out, len, "bootstrap host %.80s does not resolve (%s)", host, why);
        return 1;
}

/* Adds sa with port 0 unless it is a duplicate or would be unusable with
 * any port. */
static void add_public(const struct sockaddr *sa, struct sockaddr_storage *out, unsigned *n,
                       unsigned max) {
        struct sockaddr_storage ss;

        if (pb_addr_copy(sa, &ss) < 0)
                return;
        pb_addr_set_port(&ss, 1);
        if (!pb_addr_usable((const struct sockaddr *)&ss))
                return;
        pb_addr_set_port(&ss, 0);
        pb_addr_list_add(out, n, max, (const struct sockaddr *)&ss);
}

/* The binding hands over a NULL-terminated malloc()ed array of malloc()ed
 * addresses, each freed here. It stores NULL for an address of length 0,
 * which would end the walk early and leak the rest: the reported addresses
 * come from received packets, which always have one. */
int pb_node_public_addresses(pb_node *node, struct sockaddr_storage *out, unsigned max,
                             unsigned *ret_n) {
        struct sockaddr **addrs;
        unsigned n = 0;

        if (!node || !ret_n || (!out && max))
                return -EINVAL;
        addrs = dht_runner_is_running(node->runner) ? dht_runner_get_public_address(node->runner)
                                                    : NULL;
        for (size_t i = 0; addrs && addrs[i]; i++) {
                add_public(addrs[i], out, &n, max);
                free(addrs[i]);
        }
        free(addrs);
        *ret_n = n;
        return 0;
}

/* ---- shutdown ---------------------------------------------------------- */

struct shutdown_wait {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        bool done;
};

static void on_shutdown(void *userdata) {
        struct shutdown_wait *w = userdata;

        pthread_mutex_lock(&w->lock);
        w->done = true;
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->lock);
}

/* Asks OpenDHT to shut down (which writes the node cache) and waits a
 * bounded time: the callback may come late or never (OpenDHT first hands
 * its stored values to other nodes). The wait state lives on the caller's
 * stack frame of pb_node_free(), which outlives the runner: once
 * dht_runner_delete() has joined its threads, no callback can run. */
static void shutdown_bounded(dht_runner *runner, struct shutdown_wait *w) {
        struct timespec deadline;
        pthread_condattr_t attr;

        pthread_mutex_init(&w->lock, NULL);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&w->cond, &attr);
        pthread_condattr_destroy(&attr);
        w->done = false;

        dht_runner_shutdown(runner, on_shutdown, w);
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += SHUTDOWN_WAIT_MS / 1000;
        deadline.tv_nsec += (long)(SHUTDOWN_WAIT_MS % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&w->lock);
        while (!w->done)
                if (pthread_cond_timedwait(&w->cond, &w->lock, &deadline) != 0)
                        break;
        pthread_mutex_unlock(&w->lock);
}

pb_node *pb_node_free(pb_node *node) {
        struct pb_listen *l, *next;
        struct shutdown_wait wait;

        if (!node)
                return NULL;
        if (node->peers_path)
                (void)pb_peers_save(node->runner,
                                    node->peers_path); /* before they are told we go */
        shutdown_bounded(node->runner, &wait);
        /* Joins the threads and destroys the DHT: every listen callback is
         * released then, which calls each listen's done callback, and a
         * shutdown callback that never came is dropped. */
        dht_runner_delete(node->runner);
        pthread_cond_destroy(&wait.cond);
        pthread_mutex_destroy(&wait.lock);
        for (l = node->listens; l; l = next) {
                next = l->next;
                dht_op_token_delete(l->token);
                free(l);
        }
        pthread_mutex_destroy(&node->lock);
        free(node->bootstrap);
        pb_resolve_unref(node->resolve);
        free(node->peers_path);
        free(node);
        return NULL;
}

/* ---- listen ------------------------------------------------------------ */

struct listen_ctx {
        pb_listen_cb cb;
        pb_listen_done_cb done;
        void *userdata;
};

static bool on_value(const dht_value *value, bool expired, void *userdata) {
        struct listen_ctx *ctx = userdata;
        struct pb_value_view view;

        pb_ext_value_view(value, &view);
        ctx->cb(&view, expired, ctx->userdata);
        return true;
}

/* The binding calls this once, when OpenDHT destroys the listen callback:
 * after cancelListen() has run, or when the runner is destroyed. */
static void on_listen_done(void *userdata) {
        struct listen_ctx *ctx = userdata;

        if (ctx->done)
                ctx->done(ctx->userdata);
        free(ctx);
}

int pb_node_listen(pb_node *node, const pb_hash *key, pb_listen_cb cb, pb_listen_done_cb done,
                   void *userdata, pb_listen **ret) {
        struct listen_ctx *ctx;
        struct pb_listen *l;

        if (!node || !key || !cb || !ret)
                return -EINVAL;
        ctx = calloc(1, sizeof(*ctx));
        l = calloc(1, sizeof(*l));
        if (!ctx || !l) {
                free(ctx);
                free(l);
                return -ENOMEM;
        }
        *ctx = (struct listen_ctx){ cb, done, userdata };
        memcpy(l->key.d, key->d, PB_HASH_LEN);
        l->token = dht_runner_listen(node->runner, &l->key, on_value, on_listen_done, ctx);
        if (!l->token) {
                /* Not reached in 2.4.12; the done callback already ran. */
                free(l);
                return -EIO;
        }
        pthread_mutex_lock(&node->lock);
        l->next = node->listens;
        node->listens = l;
        pthread_mutex_unlock(&node->lock);
        *ret = l;
        return 0;
}

int pb_node_connectivity_changed(pb_node *node) {
        if (!node)
                return -EINVAL;
        node->retry_ms = REBOOTSTRAP_MIN_MS; /* the bootstrap may answer now */
        return pb_ext_runner_connectivity_changed(node->runner);
}

int pb_node_probe(pb_node *node, const pb_hash *key) {
        return node && key ? pb_ext_runner_probe(node->runner, key) : -EINVAL;
}

void pb_node_cancel_listen(pb_node *node, pb_listen *listen) {
        struct pb_listen **p;

        if (!node || !listen)
                return;
        pthread_mutex_lock(&node->lock);
        for (p = &node->listens; *p && *p != listen; p = &(*p)->next)
                ;
        if (*p)
                *p = listen->next;
        pthread_mutex_unlock(&node->lock);
        /* Done runs later, on OpenDHT's thread, once the listener is gone. */
        dht_runner_cancel_listen(node->runner, &listen->key, listen->token);
        dht_op_token_delete(listen->token);
        free(listen);
}

/* ---- put --------------------------------------------------------------- */

int pb_node_put_packed(pb_node *node, const pb_hash *key, const uint8_t *packed, size_t len,
                       bool permanent, pb_done_cb done, void *userdata) {
        dht_value *v;
        int r;

        if (!node || !key || !packed)
                return -EINVAL;
        r = pb_ext_value_unpack(packed, len, &v);
        if (r < 0)
                return r;
        r = pb_ext_runner_put(node->runner, key, v, permanent, done, userdata);
        dht_value_unref(v);
        return r;
}

int pb_node_put_encrypted(pb_node *node, const pb_hash *key, const uint8_t *to_pubkey,
                          size_t to_pubkey_len, uint16_t type, const uint8_t *data, size_t len,
                          pb_done_cb done, void *userdata) {
        dht_value *v;
        int r;

        if (!node || !key || !to_pubkey || !to_pubkey_len || (!data && len))
                return -EINVAL;
        r = pb_ext_value_new(type, 0, data, len, &v);
        if (r < 0)
                return r;
        r = pb_ext_runner_put_encrypted(node->runner, key, to_pubkey, to_pubkey_len, v, done,
                                        userdata);
        dht_value_unref(v);
        return r;
}

int pb_node_find_device_cert(pb_node *node, const pb_hash *device, pb_cert_cb cb, void *userdata) {
        if (!node || !device || !cb)
                return -EINVAL;
        return pb_ext_runner_find_device_cert(node->runner, device, cb, userdata);
}

void pb_node_cancel_put(pb_node *node, const pb_hash *key, uint64_t value_id) {
        dht_infohash h;

        if (!node || !key)
                return;
        memcpy(h.d, key->d, PB_HASH_LEN);
        dht_runner_cancel_put(node->runner, &h, value_id);
}

int pb_node_put_unsigned(pb_node *node, const pb_hash *key, uint16_t type, uint64_t value_id,
                         const uint8_t *data, size_t len, bool permanent, pb_done_cb done,
                         void *userdata) {
        dht_value *v;
        int r;

        if (!node || !key || (!data && len))
                return -EINVAL;
        r = pb_ext_value_new(type, value_id, data, len, &v);
        if (r < 0)
                return r;
        r = pb_ext_runner_put(node->runner, key, v, permanent, done, userdata);
        dht_value_unref(v);
        return r;
}
