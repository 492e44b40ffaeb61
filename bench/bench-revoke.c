/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench-revoke.c — a revocation as the others see it, on real OpenDHT nodes
 * on 127.0.0.1 (RSA-2048 keys).
 *
 * Alice's account runs on a first device (A1); Carol's account (C) is
 * subscribed to Alice. Each round, Alice's account is imported on a new
 * device (A2), which is told to ignore its own revocation (a test hook), so
 * that it keeps announcing as a stolen device would. Once Carol counts two
 * devices for Alice and A1 lists A2, A1 revokes A2
 * (peerbook_device_revoke()), and the benchmark times, from that call:
 *   - until A1's device list has dropped A2;
 *   - until Carol counts one device for Alice: she has found the list on
 *     Alice's hash, checked it against Alice's certificate, pinned it, and
 *     left the revoked device out (its requests and channels are refused
 *     from then on; tests/test-revoke-live.c checks those).
 *
 * usage: bench-revoke [-r ROUNDS]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"
#include "stats.h"
#include "testing.h"

#define WAIT_MS 30000

static struct live_node a1, a2, carol;

static int n_devices(struct live_node *n) {
        struct peerbook_device **list = NULL;
        int r = peerbook_device_list(n->ctx, n->account, &list);
        peerbook_list_free(list);
        return r;
}

/* How many devices of Alice's Carol counts. */
static int carol_counts(void) {
        struct peerbook_buddy **b = NULL;
        int n = peerbook_buddy_list(carol.ctx, carol.account, &b), devices = -1;
        for (int i = 0; i < n; i++)
                if (!strcmp(b[i]->uri, a1.account))
                        devices = (int)b[i]->devices;
        peerbook_list_free(b);
        return devices;
}

struct want {
        int a1_devices, carol_devices;
};

static bool reached(void *arg) {
        struct want *w = arg;
        return (w->a1_devices < 0 || n_devices(&a1) == w->a1_devices) &&
               (w->carol_devices < 0 || carol_counts() == w->carol_devices);
}

int main(int argc, char **argv) {
        int rounds = 5, opt;
        while ((opt = getopt(argc, argv, "r:")) != -1) {
                if (opt != 'r') {
                        fprintf(stderr, "usage: %s [-r ROUNDS]\n", argv[0]);
                        return 2;
                }
                rounds = atoi(optarg);
        }
        struct live_node *all[] = { &a1, &carol, &a2 };
        if (live_new_account(&a1, NULL) < 0 || !live_wait(all, 1, live_registered, &a1, 15000)) {
                fprintf(stderr, "alice's first device did not register\n");
                return 1;
        }
        char bootstrap[64], archive[128];
        snprintf(bootstrap, sizeof(bootstrap), "127.0.0.1:%u", live_port(&a1));
        snprintf(archive, sizeof(archive), "%s/alice.gz", a1.dir);
        if (peerbook_account_export(a1.ctx, a1.account, archive, NULL) < 0 ||
            live_new_account(&carol, bootstrap) < 0 ||
            !live_wait(all, 2, live_registered, &carol, 15000) ||
            peerbook_buddy_subscribe(carol.ctx, carol.account, a1.account) < 0) {
                fprintf(stderr, "set-up failed\n");
                return 1;
        }
        struct samples listed = { 0 }, counted = { 0 };
        int misses = 0;
        for (int round = 0; round < rounds; round++) {
                /* A2: a new device of Alice's account. */
                snprintf(a2.dir, sizeof(a2.dir), "/tmp/peerbook-live-XXXXXX");
                struct peerbook_account_params p = { .size = sizeof(p), .bootstrap = bootstrap };
                if (!mkdtemp(a2.dir) || live_open(&a2) < 0 ||
                    peerbook_account_import(a2.ctx, archive, &p, a2.account) < 0 ||
                    pb_ctx_ignore_revocation(a2.ctx, a2.account) < 0) {
                        fprintf(stderr, "round %d: import failed\n", round);
                        return 1;
                }
                struct want two = { 2, 2 };
                if (!live_wait(all, 3, reached, &two, WAIT_MS)) {
                        fprintf(stderr, "round %d: A1 lists %d devices, carol counts %d\n", round,
                                n_devices(&a1), carol_counts());
                        misses++;
                        live_close_and_remove(&a2, 1);
                        continue;
                }
                _cleanup_record_ struct peerbook_account_info *info = live_info(&a2);
                double t0 = live_now_ms();
                if (!info ||
                    peerbook_device_revoke(a1.ctx, a1.account, NULL, info->device_id) < 0) {
                        fprintf(stderr, "round %d: revoke refused\n", round);
                        return 1;
                }
                struct want gone = { 1, -1 }, one = { -1, 1 };
                if (live_wait(all, 3, reached, &gone, WAIT_MS))
                        samples_add(&listed, live_now_ms() - t0);
                else
                        misses++;
                if (live_wait(all, 3, reached, &one, WAIT_MS)) {
                        samples_add(&counted, live_now_ms() - t0);
                } else {
                        fprintf(stderr, "round %d: carol still counts %d devices\n", round,
                                carol_counts());
                        misses++;
                }
                live_close_and_remove(&a2, 1);
        }
        printf("# %d rounds; one account on two devices and a third account, RSA-2048, "
               "127.0.0.1\n",
               rounds);
        samples_print("revoke -> revoking device's list drops it", &listed);
        samples_print("revoke -> third account counts it no more", &counted);
        printf("misses (waits of %d s that ended without it): %d\n", WAIT_MS / 1000, misses);
        live_close_and_remove(&carol, 1);
        live_close_and_remove(&a1, 1);
        return 0;
}
