/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-sync-live.c — one account on two devices keeps one contact list
 * (sync.c), on real OpenDHT nodes on 127.0.0.1:
 *   - D1 and D2 change the same contact at the same moment (D1 adds it, D2
 *     bans it): both end with the same record;
 *   - a DeviceSync from a device of another account, put in D1's inbox as a
 *     sync would be, is dropped and counted, and changes nothing;
 *   - an old sync of D2's (a replay: signed by D2's own key, older than the
 *     last one D1 took from D2) is dropped and counted, and changes nothing;
 *   - a sync of D2's with a current date is taken (the check above is
 *     about dates, not about the key);
 *   - once D1 and D2 hold a direct channel, D1's change reaches D2 over it
 *     (not through the DHT).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "device_sync.h"
#include "live.h"
#include "wire.h"

static struct live_node d1, d2, other;
static struct live_node *all[] = { &d1, &d2, &other };
#define ALL 3
#define X "1111111111111111111111111111111111111111"
#define Y "2222222222222222222222222222222222222222"
#define Z "3333333333333333333333333333333333333333"
#define W "4444444444444444444444444444444444444444"
#define V "5555555555555555555555555555555555555555"

static int n_devices(struct live_node *n) {
        struct peerbook_device **list = NULL;
        int r = peerbook_device_list(n->ctx, n->account, &list);
        peerbook_list_free(list);
        return r;
}

static bool both_see_two(void *arg) {
        (void)arg;
        return n_devices(&d1) == 2 && n_devices(&d2) == 2;
}

static uint64_t dropped_syncs(struct live_node *n) {
        _cleanup_record_ struct peerbook_account_info *info = live_info(n);
        return info ? info->dropped_syncs : 0;
}

struct dropped_want {
        struct live_node *n;
        uint64_t at_least;
};

static bool dropped_at_least(void *arg) {
        struct dropped_want *w = arg;
        return dropped_syncs(w->n) >= w->at_least;
}

static bool has_contact(struct live_node *n, const char *uri) {
        _cleanup_record_ struct peerbook_contact *c = NULL;
        return peerbook_contact_get(n->ctx, n->account, uri, &c) == 0;
}

static bool same_record(void *arg) {
        const char *uri = arg;
        _cleanup_record_ struct peerbook_contact *a = NULL, *b = NULL;
        return peerbook_contact_get(d1.ctx, d1.account, uri, &a) == 0 &&
               peerbook_contact_get(d2.ctx, d2.account, uri, &b) == 0 && a->added == b->added &&
               a->removed == b->removed && a->banned == b->banned && a->confirmed == b->confirmed &&
               !strcmp(a->conversation_id, b->conversation_id);
}

static bool d1_has(void *arg) {
        return has_contact(&d1, arg);
}

static bool d2_has(void *arg) {
        return has_contact(&d2, arg);
}

static bool both_channel(void *arg) {
        (void)arg;
        _cleanup_record_ struct peerbook_account_info *i1 = live_info(&d1), *i2 = live_info(&d2);
        return i1 && i2 && i1->channels == 1 && i2->channels == 1;
}

/* Puts into D1's inbox a DeviceSync naming contact `uri`, dated `date`,
 * signed by `signer` (a device identity) and encrypted to D1's device, from
 * a node of its own running with that identity. */
static void put_sync(const char *bootstrap, pb_identity *signer, const char *uri, uint64_t date) {
        pb_identity *d1_id = NULL;
        uint8_t *d1_pk = NULL, *data = NULL;
        size_t d1_pk_len, len;
        CHECK_EQ(live_device_identity(&d1, &d1_id, &d1_pk, &d1_pk_len), 0);
        struct pb_contact_row peer = { .added = (int64_t)time(NULL), .confirmed = true };
        snprintf(peer.uri, sizeof(peer.uri), "%s", uri);
        struct pb_device_sync s = { .date = date, .peers = &peer, .n_peers = 1 };
        CHECK_EQ(pb_device_sync_encode(&s, &data, &len), 0);
        struct pb_node_config c = { .identity = signer, .bootstrap = bootstrap };
        pb_node *node = NULL;
        CHECK_EQ(pb_node_start(&c, &node), 0);
        for (int t = 0; t < 300 && !pb_node_is_connected(node); t++)
                live_run(all, ALL, 10);
        _cleanup_record_ struct peerbook_account_info *info = live_info(&d1);
        pb_hash inbox = live_inbox_of(info->device_id);
        CHECK_EQ(pb_node_put_encrypted(node, &inbox, d1_pk, d1_pk_len, PB_TYPE_USER_DATA, data, len,
                                       NULL, NULL),
                 0);
        live_run(all, ALL, 1500); /* delivered; the node's put is then done */
        pb_node_free(node);
        pb_identity_free(d1_id);
        free(d1_pk);
        free(data);
}

int main(void) {
        /* D1 alone, then D2: the same account, imported from D1's export. */
        CHECK_EQ(live_new_account(&d1, NULL), 0);
        CHECK(live_wait(all, 1, live_registered, &d1, 15000));
        char bootstrap[64], archive[128];
        snprintf(bootstrap, sizeof(bootstrap), "127.0.0.1:%u", live_port(&d1));
        snprintf(archive, sizeof(archive), "%s/export.gz", d1.dir);
        CHECK_EQ(peerbook_account_export(d1.ctx, d1.account, archive, NULL), 0);
        snprintf(d2.dir, sizeof(d2.dir), "/tmp/peerbook-live-XXXXXX");
        CHECK(mkdtemp(d2.dir) != NULL);
        CHECK_EQ(live_open(&d2), 0);
        struct peerbook_account_params p = { .size = sizeof(p), .bootstrap = bootstrap };
        CHECK_EQ(peerbook_account_import(d2.ctx, archive, &p, d2.account), 0);
        CHECK(!strcmp(d1.account, d2.account));
        CHECK(live_wait(all, 2, live_registered, &d2, 15000));
        CHECK(live_wait(all, 2, both_see_two, NULL, 15000));
        CHECK_EQ(live_new_account(&other, bootstrap), 0);
        CHECK(live_wait(all, ALL, live_registered, &other, 15000));

        /* Their channel: a change then goes over it. */
        CHECK(live_wait(all, 2, both_channel, NULL, 15000));
        uint64_t ch0 = 0, dht0 = 0, ch1 = 0, dht1 = 0;
        CHECK_EQ(pb_ctx_syncs_sent(d1.ctx, d1.account, &ch0, &dht0), 0);
        CHECK_EQ(peerbook_contact_add(d1.ctx, d1.account, V), 0);
        double t0 = live_now_ms();
        CHECK(live_wait(all, 2, d2_has, V, 5000));
        printf("# a contact added on D1 is on D2 after %.1f ms\n", live_now_ms() - t0);
        CHECK_EQ(pb_ctx_syncs_sent(d1.ctx, d1.account, &ch1, &dht1), 0);
        CHECK(ch1 > ch0);
        CHECK_EQ(dht1, dht0);

        /* At once: D1 adds X, D2 adds and bans it, in the same second. */
        CHECK_EQ(peerbook_contact_add(d1.ctx, d1.account, X), 0);
        CHECK_EQ(peerbook_contact_add(d2.ctx, d2.account, X), 0);
        CHECK_EQ(peerbook_contact_remove(d2.ctx, d2.account, X, true), 0);
        CHECK(live_wait(all, ALL, same_record, X, 10000));
        live_run(all, ALL, 1000); /* and they stay so once every sync is in */
        CHECK(same_record(X));

        /* Another account's device writes a sync into D1's inbox. */
        uint64_t before = dropped_syncs(&d1);
        pb_identity *other_dev = NULL, *d2_dev = NULL;
        uint8_t *pk = NULL;
        size_t pk_len;
        CHECK_EQ(live_device_identity(&other, &other_dev, &pk, &pk_len), 0);
        free(pk);
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        uint64_t now_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
        put_sync(bootstrap, other_dev, Y, now_ns);
        struct dropped_want one = { &d1, before + 1 };
        CHECK(live_wait(all, ALL, dropped_at_least, &one, 10000));
        CHECK(!has_contact(&d1, Y));

        /* D2's own key, an old date: a replay. */
        CHECK_EQ(live_device_identity(&d2, &d2_dev, &pk, &pk_len), 0);
        free(pk);
        put_sync(bootstrap, d2_dev, Z, 1000000000u);
        struct dropped_want two = { &d1, before + 2 };
        CHECK(live_wait(all, ALL, dropped_at_least, &two, 10000));
        CHECK(!has_contact(&d1, Z));

        /* D2's key and a current date: taken. */
        clock_gettime(CLOCK_REALTIME, &now);
        now_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec + 1000000000u;
        put_sync(bootstrap, d2_dev, W, now_ns);
        CHECK(live_wait(all, ALL, d1_has, W, 10000));
        CHECK_EQ(dropped_syncs(&d1), before + 2);
        printf("# D1 dropped %llu syncs, took the current one\n",
               (unsigned long long)(dropped_syncs(&d1) - before));

        pb_identity_free(other_dev);
        pb_identity_free(d2_dev);
        CHECK_EQ(live_close_and_remove(all[0], 1), 0);
        CHECK_EQ(live_close_and_remove(all[1], 1), 0);
        CHECK_EQ(live_close_and_remove(all[2], 1), 0);
        return check_summary();
}
