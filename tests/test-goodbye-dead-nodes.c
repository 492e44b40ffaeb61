/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-goodbye-dead-nodes.c — a clean stop's goodbye gets out although a
 * third of the DHT nodes just died, and the stop stays bounded.
 *
 * 12 plain nodes (the first is everyone's bootstrap), a device D and a
 * watcher W that only subscribes to D: not a contact, so no channel, the DHT
 * is all it has. W is placed far from D's account hash (a new W until at
 * least 8 plain nodes are closer): it stores none of D's values, and it
 * listens at the 4 nodes closest to that hash. D stops once with every node
 * alive (the normal case), restarts, then those 4 nodes die together, a third
 * of the network and half of the 8 that store D's values, and D stops at
 * once: W must see D offline within 5 s both times. Its listen alone would
 * hear nothing until OpenDHT's refresh found the nodes dead (20 s and more);
 * the probes (buddy.c, "re-checks") move it to living nodes, which send it.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dht/dht.h"
#include "live.h"
#include "testing.h"

#define N_PLAIN 12
#define N_DEAD 4
#define SEEN_OFFLINE_MS 5000
/* peerbook_ctx_free(): STOP_WAIT_MS (1.5 s, context.c) for the goodbye's
 * put, then at most SHUTDOWN_WAIT_MS (1.5 s, dht/node.c) for OpenDHT's
 * shutdown, and a margin for a loaded machine (CI runs tests side by side). */
#define STOP_MAX_MS 6000
/* A first sighting: milliseconds, but OpenDHT's listen may need a retry. */
#define ONLINE_WAIT_MS 30000
/* How many plain nodes at least must be closer to D's hash than W's node:
 * then W's node is not among the 8 that D's puts go to. */
#define W_MIN_RANK 8

static pb_identity *ids[N_PLAIN];
static pb_node *plain[N_PLAIN];
#define MAX_TRIES 30
static struct live_node d, tried[MAX_TRIES], *w;
static struct live_node *all[] = { &d, NULL }; /* D and W */
#define ALL 2

/* Whether a is closer than b to key, as Kademlia measures it. */
static bool closer(const pb_hash *key, const pb_hash *a, const pb_hash *b) {
        for (int i = 0; i < PB_HASH_LEN; i++) {
                uint8_t da = a->d[i] ^ key->d[i], db = b->d[i] ^ key->d[i];
                if (da != db)
                        return da < db;
        }
        return false;
}

/* How many living plain nodes are closer to key than id. */
static int rank_of(const pb_hash *key, const pb_hash *id) {
        int rank = 0;
        for (int i = 0; i < N_PLAIN; i++)
                if (plain[i]) {
                        pb_hash p = pb_node_id(plain[i]);
                        rank += closer(key, &p, id);
                }
        return rank;
}

static int account_rank(struct live_node *n, const pb_hash *key) {
        pb_hash id = { 0 };
        CHECK_EQ(pb_ctx_node_id(n->ctx, n->account, &id), 0);
        return rank_of(key, &id);
}

static void *kill_node(void *arg) {
        pb_node **n = arg;
        *n = pb_node_free(*n);
        return NULL;
}

/* The N_DEAD plain nodes closest to key die together: their stops run in
 * parallel, so that the first are not long dead when the last go. The
 * bootstrap node stays, as a long-lived one would. */
static void kill_closest(const pb_hash *key) {
        int order[N_PLAIN - 1];
        for (int i = 1; i < N_PLAIN; i++)
                order[i - 1] = i;
        for (int i = 1; i < N_PLAIN - 1; i++) /* insertion sort by distance */
                for (int j = i; j > 0; j--) {
                        pb_hash a = pb_node_id(plain[order[j]]),
                                b = pb_node_id(plain[order[j - 1]]);
                        if (!closer(key, &a, &b))
                                break;
                        int t = order[j];
                        order[j] = order[j - 1];
                        order[j - 1] = t;
                }
        pthread_t threads[N_DEAD];
        for (int i = 0; i < N_DEAD; i++)
                CHECK_EQ(pthread_create(&threads[i], NULL, kill_node, &plain[order[i]]), 0);
        for (int i = 0; i < N_DEAD; i++)
                pthread_join(threads[i], NULL);
}

/* D stops on a thread of its own while W goes on processing its events:
 * the time W sees D offline is then W's own, not the end of D's stop. */
static double stopped_at;
static void *stop_d(void *arg) {
        (void)arg;
        live_close(&d);
        stopped_at = live_now_ms();
        return NULL;
}

/* Stops D cleanly; checks that W sees it offline within SEEN_OFFLINE_MS and
 * that the stop ended within STOP_MAX_MS. */
static void stop_and_watch(const char *what) {
        struct live_status_want offline = { w, d.account, PEERBOOK_STATUS_OFFLINE };
        struct live_node *watcher[] = { w };
        pthread_t stopper;
        double t0 = live_now_ms();
        CHECK_EQ(pthread_create(&stopper, NULL, stop_d, NULL), 0);
        bool seen = live_wait(watcher, 1, live_has_status, &offline, SEEN_OFFLINE_MS);
        double seen_ms = live_now_ms() - t0;
        pthread_join(stopper, NULL);
        double stop_ms = stopped_at - t0;
        if (seen)
                printf("# %s: W saw D offline after %.0f ms; D's stop took %.0f ms\n", what,
                       seen_ms, stop_ms);
        else
                printf("# %s: W did not see D offline within %d ms; D's stop took %.0f ms\n", what,
                       SEEN_OFFLINE_MS, stop_ms);
        CHECK(seen);
        CHECK(stop_ms <= STOP_MAX_MS);
}

int main(void) {
        CHECK_EQ(pb_identity_generate("plain", NULL, LIVE_KEY_BITS, &ids[0]), 0);
        struct pb_node_config c = { .identity = ids[0] };
        CHECK_EQ(pb_node_start(&c, &plain[0]), 0);
        char bootstrap[64];
        snprintf(bootstrap, sizeof(bootstrap), "127.0.0.1:%u", pb_node_port(plain[0]));
        CHECK_EQ(live_raw_nodes(bootstrap, N_PLAIN - 1, LIVE_KEY_BITS, ids + 1, plain + 1), 0);

        CHECK_EQ(live_new_account(&d, bootstrap), 0);
        CHECK(live_wait(all, 1, live_registered, &d, 15000));
        pb_hash key;
        CHECK_EQ(pb_hash_from_hex(d.account, &key), 0);
        /* A W too close stays up (stopped, it would be a dead node already). */
        int w_rank = -1, tries = 0;
        while (w_rank < W_MIN_RANK && tries < MAX_TRIES) {
                w = all[1] = &tried[tries++];
                CHECK_EQ(live_new_account(w, bootstrap), 0);
                CHECK(live_wait(all, ALL, live_registered, w, 15000));
                w_rank = account_rank(w, &key);
        }
        CHECK(w_rank >= W_MIN_RANK);
        printf("# %d plain nodes closer to D's hash than D's node, %d than W's\n",
               account_rank(&d, &key), w_rank);

        CHECK_EQ(peerbook_buddy_subscribe(w->ctx, w->account, d.account), 0);
        struct live_status_want online = { w, d.account, PEERBOOK_STATUS_ONLINE };
        double t1 = live_now_ms();
        CHECK(live_wait(all, ALL, live_has_status, &online, ONLINE_WAIT_MS));
        printf("# online after %.0f ms\n", live_now_ms() - t1);
        stop_and_watch("every node alive");

        CHECK_EQ(live_open(&d), 0);
        t1 = live_now_ms();
        CHECK(live_wait(all, ALL, live_has_status, &online, ONLINE_WAIT_MS));
        printf("# online again after %.0f ms\n", live_now_ms() - t1);
        live_run(all, ALL, 1000); /* W's listens settle, as a long watch's would */
        double t0 = live_now_ms();
        kill_closest(&key);
        printf("# the %d plain nodes closest to D's hash died in %.0f ms\n", N_DEAD,
               live_now_ms() - t0);
        stop_and_watch("a third of the nodes just dead");

        for (int i = 0; i < tries; i++)
                live_close(&tried[i]);
        live_raw_nodes_free(N_PLAIN, ids, plain);
        return check_summary();
}
