/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-trust-flood.c — a flood of requests from 500 accounts at one
 * recipient: the pending cap and the rate limits hold, what they refuse is
 * counted, and exactly what is kept is signalled. One "crowd" node speaks
 * for 500 real accounts (each a CA key and a device it issued), publishing
 * each device's certificate and putting each request signed by that device.
 */
#include <pthread.h>
#include <unistd.h>

#include "check.h"
#include "dht/dht.h"
#include "live.h"
#include "testing.h"
#include "trust.h"
#include "wire.h"

#define SENDERS 500
#define CAP_PHASE 100 /* senders used to fill the pending cap */
#define CAP 20

static struct live_node boot, bob;
static struct live_node *all[] = { &boot, &bob };
static pb_identity *accounts[SENDERS], *devices[SENDERS];

static void *make_identities(void *arg) {
        long half = (long)arg;
        for (int i = (int)half; i < SENDERS; i += 2) {
                pb_identity_generate("crowd account", NULL, 2048, &accounts[i]);
                pb_identity_generate("crowd device", accounts[i], 2048, &devices[i]);
        }
        return NULL;
}

static int signalled(void) {
        int n = 0;
        for (int i = 0; i < bob.n_events; i++)
                n += bob.events[i].type == PEERBOOK_EVENT_TRUST_REQUEST;
        return n;
}

struct settled {
        uint64_t want; /* signalled + dropped to wait for */
        int base_signalled;
        uint64_t base_dropped;
};

static bool all_accounted(void *arg) {
        struct settled *s = arg;
        return (uint64_t)(signalled() - s->base_signalled) +
                       (live_dropped_requests(&bob) - s->base_dropped) >=
               s->want;
}

/* Puts one request from each sender in [from, to) into bob's inbox. */
static void flood(pb_node *crowd, const pb_hash *inbox, const uint8_t *pk, size_t pk_len, int from,
                  int to) {
        for (int i = from; i < to; i++) {
                pb_node_publish_cert(crowd, devices[i], NULL, NULL);
                char text[32];
                snprintf(text, sizeof(text), "hello from %d", i);
                struct pb_trust_request tr = { .service = "cx.ring",
                                               .conversation_id = "c",
                                               .payload = (uint8_t *)text,
                                               .payload_len = strlen(text) };
                uint8_t *data;
                size_t len;
                if (pb_trust_request_encode(&tr, &data, &len) == 0) {
                        CHECK_EQ(pb_node_put_encrypted_as(crowd, inbox, devices[i], pk, pk_len,
                                                          PB_TYPE_TRUST_REQUEST, data, len, NULL,
                                                          NULL),
                                 0);
                        free(data);
                }
        }
}

int main(void) {
        double t0 = live_now_ms();
        pthread_t th[2];
        for (long i = 0; i < 2; i++)
                pthread_create(&th[i], NULL, make_identities, (void *)i);
        for (int i = 0; i < 2; i++)
                pthread_join(th[i], NULL);
        for (int i = 0; i < SENDERS; i++)
                CHECK(accounts[i] && devices[i]);
        printf("# %d accounts and devices made in %.1f s\n", SENDERS, (live_now_ms() - t0) / 1e3);

        CHECK_EQ(live_new_account(&boot, NULL), 0);
        CHECK(live_wait(all, 1, live_registered, &boot, 10000));
        char bootstrap[64];
        snprintf(bootstrap, sizeof(bootstrap), "127.0.0.1:%u", live_port(&boot));
        CHECK_EQ(live_new_account(&bob, bootstrap), 0);
        CHECK(live_wait(all, 2, live_registered, &bob, 15000));

        _cleanup_record_ struct peerbook_account_info *info = live_info(&bob);
        CHECK(info != NULL);
        pb_hash bob_dev;
        CHECK_EQ(pb_hash_from_hex(info->device_id, &bob_dev), 0);
        pb_hash inbox = live_inbox_of(info->device_id);
        pb_identity *bob_id = NULL;
        uint8_t *pk = NULL;
        size_t pk_len = 0;
        CHECK_EQ(live_device_identity(&bob, &bob_id, &pk, &pk_len), 0);

        pb_identity *crowd_id = NULL;
        pb_node *crowd = NULL;
        CHECK_EQ(live_raw_nodes(bootstrap, 1, 2048, &crowd_id, &crowd), 0);

        /* Phase 1, the cap: generous rates, 20 pending at most. */
        struct pb_request_limits lim = { .pending_max = CAP,
                                         .burst = 1e6,
                                         .rate = 1e6,
                                         .sender_burst = 1e6,
                                         .sender_rate = 1e6 };
        CHECK_EQ(pb_ctx_set_request_limits(bob.ctx, bob.account, &lim), 0);
        struct settled s1 = { CAP_PHASE, 0, live_dropped_requests(&bob) };
        flood(crowd, &inbox, pk, pk_len, 0, CAP_PHASE);
        CHECK(live_wait(all, 2, all_accounted, &s1, 60000));
        live_run(all, 2, 1000);
        CHECK_EQ(live_pending(&bob), CAP);
        CHECK_EQ(signalled(), CAP);
        printf("# cap phase: %d signalled, %llu dropped\n", signalled(),
               (unsigned long long)(live_dropped_requests(&bob) - s1.base_dropped));

        /* Phase 2, the rates (defaults): the rest of the crowd at once. */
        struct peerbook_trust_request **list = NULL;
        CHECK(peerbook_trust_request_list(bob.ctx, bob.account, &list) >= 0);
        for (struct peerbook_trust_request **q = list; q && *q; q++)
                CHECK_EQ(peerbook_trust_request_discard(bob.ctx, bob.account, (*q)->from), 0);
        peerbook_list_free(list);
        CHECK_EQ(live_pending(&bob), 0);
        pb_request_limits_default(&lim);
        CHECK_EQ(pb_ctx_set_request_limits(bob.ctx, bob.account, &lim), 0);
        struct settled s2 = { SENDERS - CAP_PHASE, signalled(), live_dropped_requests(&bob) };
        double t1 = live_now_ms();
        flood(crowd, &inbox, pk, pk_len, CAP_PHASE, SENDERS);
        bool done = live_wait(all, 2, all_accounted, &s2, 120000);
        double secs = (live_now_ms() - t1) / 1e3;
        CHECK(done);
        int kept = signalled() - s2.base_signalled;
        uint64_t dropped = live_dropped_requests(&bob) - s2.base_dropped;
        printf("# rate phase: %d signalled, %llu dropped in %.1f s\n", kept,
               (unsigned long long)dropped, secs);
        /* At most the burst plus what the rate refilled meanwhile. */
        CHECK(kept <= (int)(lim.burst + lim.rate * secs) + 1);
        CHECK(kept >= 1);
        CHECK_EQ((int)live_pending(&bob), kept);
        CHECK(dropped >= (uint64_t)(SENDERS - CAP_PHASE - kept));

        live_raw_nodes_free(1, &crowd_id, &crowd);
        pb_identity_free(bob_id);
        free(pk);
        for (int i = 0; i < SENDERS; i++) {
                pb_identity_free(devices[i]);
                pb_identity_free(accounts[i]);
        }
        live_close(&bob);
        live_close(&boot);
        char cmd[160];
        snprintf(cmd, sizeof(cmd), "rm -rf %s %s", bob.dir, boot.dir);
        CHECK_EQ(system(cmd), 0);
        return check_summary();
}
