/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-revoke-channels-live.c — a revoked device's direct channels, on
 * real nodes and real TLS on 127.0.0.1. Alice's account runs on two
 * devices (alice1, alice2 imported from alice1's export) and bob is its
 * contact, with a channel to each. alice2 is told to ignore its own
 * revocation (as a device that does not look would); alice1 revokes it.
 * Bob pins the list, closes his channel to alice2 and refuses (and counts)
 * the ones it dials again; alice1's channel stays.
 */
#include <stdint.h>

#include "check.h"
#include "live.h"
#include "testing.h"

enum {
        BOOT,
        ALICE1,
        ALICE2,
        BOB,
        N_NODES
};
static struct live_node nodes[N_NODES];
static struct live_node *all[N_NODES];
static struct live_node *boot = &nodes[BOOT], *alice1 = &nodes[ALICE1], *alice2 = &nodes[ALICE2],
                        *bob = &nodes[BOB];

#define WAIT(pred, arg, ms) live_wait(all, N_NODES, pred, arg, ms)

/* How many of alice's devices bob has a channel with. */
static unsigned connected_to_alice(void) {
        struct peerbook_buddy **list = NULL;
        unsigned n = 0;
        if (peerbook_buddy_list(bob->ctx, bob->account, &list) < 0)
                return 0;
        for (struct peerbook_buddy **b = list; *b; b++)
                if (!strcmp((*b)->uri, alice1->account))
                        n = (*b)->connected;
        peerbook_list_free(list);
        return n;
}

static bool connected_is(void *arg) {
        return connected_to_alice() == *(unsigned *)arg;
}

static uint64_t refused(struct live_node *n) {
        _cleanup_record_ struct peerbook_account_info *info = live_info(n);
        return info ? info->channels_refused : 0;
}

static bool refused_above(void *arg) {
        return refused(bob) > *(uint64_t *)arg;
}

static bool got_request(void *arg) {
        (void)arg;
        return live_count(bob, PEERBOOK_EVENT_TRUST_REQUEST, alice1->account, -1) > 0;
}

static bool revoked_event(void *arg) {
        return live_count(alice1, PEERBOOK_EVENT_DEVICE_REVOKED, (const char *)arg, 0) > 0;
}

int main(void) {
        for (int i = 0; i < N_NODES; i++)
                all[i] = &nodes[i];
        char bootstrap[64];
        /* boot, alice1, then bob: alice2 comes from alice1's export. */
        struct live_node *first[] = { boot, alice1, bob };
        CHECK(live_start_network(first, 2, bootstrap) == 0);

        /* Contacts first, so that the export carries bob to alice2. */
        CHECK(peerbook_trust_request_send(alice1->ctx, alice1->account, bob->account, NULL, 0) ==
              0);
        CHECK(WAIT(got_request, NULL, 15000));
        CHECK(peerbook_trust_request_accept(bob->ctx, bob->account, alice1->account) == 0);
        struct live_status_want two = { bob, alice1->account, PEERBOOK_STATUS_CONNECTED };
        CHECK(WAIT(live_has_status, &two, 15000));

        char archive[128];
        snprintf(archive, sizeof(archive), "%s/alice.gz", alice1->dir);
        CHECK(peerbook_account_export(alice1->ctx, alice1->account, archive, NULL) == 0);
        snprintf(alice2->dir, sizeof(alice2->dir), "/tmp/peerbook-live-XXXXXX");
        CHECK(mkdtemp(alice2->dir) != NULL);
        CHECK(live_open(alice2) == 0);
        struct peerbook_account_params p = { .size = sizeof(p), .bootstrap = bootstrap };
        CHECK(peerbook_account_import(alice2->ctx, archive, &p, alice2->account) == 0);
        CHECK(pb_ctx_ignore_revocation(alice2->ctx, alice2->account) == 0);
        CHECK(WAIT(live_registered, alice2, 15000));
        unsigned both = 2, one = 1;
        CHECK(WAIT(connected_is, &both, 30000));

        _cleanup_record_ struct peerbook_account_info *a2 = live_info(alice2);
        char dev2[PEERBOOK_ID_SIZE];
        snprintf(dev2, sizeof(dev2), "%s", a2->device_id);
        struct peerbook_device **list = NULL;
        for (int i = 0; i < 100 && peerbook_device_list(alice1->ctx, alice1->account, &list) < 2;
             i++) {
                peerbook_list_free(list);
                list = NULL;
                live_run(all, N_NODES, 100);
        }
        peerbook_list_free(list);
        uint64_t before = refused(bob);
        CHECK(peerbook_device_revoke(alice1->ctx, alice1->account, NULL, dev2) == 0);
        CHECK(WAIT(revoked_event, dev2, 20000));

        /* Bob drops alice2's channel and refuses it from then on. */
        CHECK(WAIT(connected_is, &one, 30000));
        CHECK(WAIT(refused_above, &before, 30000));
        live_run(all, N_NODES, 2000);
        CHECK_EQ(connected_to_alice(), 1);
        printf("bob refused %llu channels from the revoked device\n",
               (unsigned long long)(refused(bob) - before));
        CHECK(live_close_and_remove(nodes, N_NODES) == 0);
        return check_summary();
}
