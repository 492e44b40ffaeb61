/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-trust-limits.c — requests refused by the global rate limit come back
 * after a restart (the inbox replays them), on real OpenDHT nodes on
 * 127.0.0.1. With 130 requests at once and the default burst of 50, the 80
 * refused ones used to be recorded as handled before the limit refused them,
 * so no restart ever showed them. Small limits here: a burst of 2, no refill.
 */
#include <unistd.h>

#include "check.h"
#include "context.h"
#include "live.h"

enum {
        BOOT,
        BOB,
        S1,
        S2,
        S3,
        S4,
        N_NODES
};
#define SENDERS (N_NODES - S1)
static struct live_node nodes[N_NODES];
static struct live_node *all[N_NODES];
static struct live_node *boot = &nodes[BOOT], *bob = &nodes[BOB];

#define WAIT(pred, arg, ms) live_wait(all, N_NODES, pred, arg, ms)

static const struct pb_request_limits small = {
        .pending_max = 100,
        .burst = 2,
        .rate = 0,
        .sender_burst = 3,
        .sender_rate = 1,
};

struct want {
        uint64_t pending, dropped;
};

static bool reached(void *arg) {
        const struct want *w = arg;
        return live_pending(bob) >= w->pending && live_dropped_requests(bob) >= w->dropped;
}

int main(void) {
        for (int i = 0; i < N_NODES; i++)
                all[i] = &nodes[i];
        char bootstrap[64];
        CHECK_EQ(live_new_account(boot, NULL), 0);
        CHECK(live_wait(all, 1, live_registered, boot, 10000));
        snprintf(bootstrap, sizeof(bootstrap), "127.0.0.1:%u", live_port(boot));
        for (int i = BOB; i < N_NODES; i++)
                CHECK_EQ(live_new_account(&nodes[i], bootstrap), 0);
        CHECK_EQ(pb_ctx_set_request_limits(bob->ctx, bob->account, &small), 0);
        for (int i = BOB; i < N_NODES; i++)
                CHECK(WAIT(live_registered, &nodes[i], 15000));

        /* Every sender sees Bob's device, then asks: two fit in the burst. */
        for (int i = S1; i < N_NODES; i++) {
                peerbook_buddy_subscribe(nodes[i].ctx, nodes[i].account, bob->account);
                struct live_status_want on = { &nodes[i], bob->account, PEERBOOK_STATUS_ONLINE };
                CHECK(WAIT(live_has_status, &on, 10000));
        }
        for (int i = S1; i < N_NODES; i++)
                CHECK_EQ(peerbook_trust_request_send(nodes[i].ctx, nodes[i].account, bob->account,
                                                     (const uint8_t *)"hi", 2),
                         0);
        struct want first = { 2, SENDERS - 2 };
        CHECK(WAIT(reached, &first, 20000));
        CHECK_EQ(live_pending(bob), 2);

        /* The senders leave, so that only the inbox's replay can bring the others
         * (an unconfirmed contact's re-sends would too); the boot node keeps the
         * values. Bob restarts with a full burst: the two refused ones come. */
        for (int i = S1; i < N_NODES; i++)
                live_close(&nodes[i]);
        live_close(bob);
        bob->n_events = 0;
        CHECK_EQ(live_open(bob), 0);
        CHECK_EQ(pb_ctx_set_request_limits(bob->ctx, bob->account, &small), 0);
        struct want after = { SENDERS, 0 };
        CHECK(WAIT(reached, &after, 20000));
        CHECK_EQ(live_pending(bob), SENDERS);
        int signalled = 0;
        for (int i = 0; i < bob->n_events; i++)
                signalled += bob->events[i].type == PEERBOOK_EVENT_TRUST_REQUEST;
        CHECK_EQ(signalled, SENDERS - 2);

        for (int i = N_NODES - 1; i >= 0; i--) {
                live_close(&nodes[i]);
                char cmd[128];
                snprintf(cmd, sizeof(cmd), "rm -rf %s", nodes[i].dir);
                CHECK_EQ(system(cmd), 0);
        }
        return check_summary();
}
