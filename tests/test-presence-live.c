/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-presence-live.c — presence end to end on real OpenDHT nodes on
 * 127.0.0.1: a standalone bootstrap account, a watcher A and a buddy B.
 * B starts → A sees 1; B stops cleanly → A sees 0 within seconds; forged and
 * malformed values on B's hash are dropped and counted, and change nothing;
 * B restarts → 1 again; A restarts → its subscription is still there.
 */
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "dht/dht.h"
#include "live.h"
#include "util.h"
#include "wire.h"

static struct live_node boot, a, b;
static struct live_node *all[] = { &boot, &a, &b };
#define ALL 3

static bool dropped_at_least(void *arg) {
        uint64_t want = *(uint64_t *)arg;
        _cleanup_record_ struct peerbook_account_info *info = live_info(&a);
        return info && info->dropped_values >= want;
}

/* From a node of its own, puts on B's hash four forgeries: an announcement
 * of a device signed by a key that is not B's, bytes that are not a value we
 * know, an unsigned announcement, and a device state that its device did not
 * sign. Each reaches A (its listen takes every value on the hash: buddy.c
 * says why), which drops and counts each once, and B's presence stays. */
static void put_forgeries(const char *bootstrap) {
        pb_identity *mallory = NULL, *dev = NULL;
        pb_node *node = NULL;
        CHECK_EQ(live_raw_nodes(bootstrap, 1, 2048, &mallory, &node), 0);
        CHECK_EQ(pb_identity_generate("dev", mallory, 2048, &dev), 0);
        pb_hash target;
        CHECK_EQ(pb_hash_from_hex(b.account, &target), 0);
        uint8_t *pk, *data, *signed_blob;
        size_t pk_len, data_len, signed_len;
        pb_hash dev_id = pb_identity_id(dev);
        CHECK_EQ(pb_identity_export_pubkey(dev, &pk, &pk_len), 0);
        CHECK_EQ(pb_announcement_encode(&dev_id, pk, pk_len, &data, &data_len), 0);
        CHECK_EQ(pb_value_sign(mallory, PB_TYPE_USER_DATA, 42, data, data_len, &signed_blob,
                               &signed_len),
                 0);
        CHECK_EQ(pb_node_put_packed(node, &target, signed_blob, signed_len, false, NULL, NULL), 0);
        static const uint8_t garbage[] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0xc1 };
        CHECK_EQ(pb_node_put_plain(node, &target, PB_TYPE_USER_DATA, garbage, sizeof(garbage), NULL,
                                   NULL),
                 0);
        /* Unsigned but well-formed: anyone could have written it. */
        CHECK_EQ(pb_node_put_plain(node, &target, PB_TYPE_USER_DATA, data, data_len, NULL, NULL),
                 0);
        struct pb_device_state st = { .dev = dev_id, .seq = UINT64_MAX / 2, .online = true };
        uint8_t *state, *signed_state;
        size_t state_len, signed_state_len;
        CHECK_EQ(pb_device_state_encode(&st, &state, &state_len), 0);
        CHECK_EQ(pb_value_sign(mallory, PB_TYPE_DEVICE_STATE, 43, state, state_len, &signed_state,
                               &signed_state_len),
                 0);
        CHECK_EQ(pb_node_put_packed(node, &target, signed_state, signed_state_len, false, NULL,
                                    NULL),
                 0);
        uint64_t want = 4;
        CHECK(live_wait(all, ALL, dropped_at_least, &want, 10000));
        live_run(all, ALL, 1000); /* a value counted twice would be here */
        _cleanup_record_ struct peerbook_account_info *info = live_info(&a);
        CHECK(info && info->dropped_values == 4);
        free(state);
        free(signed_state);
        free(pk);
        free(data);
        free(signed_blob);
        pb_identity_free(dev);
        live_raw_nodes_free(1, &mallory, &node);
}

int main(void) {
        CHECK_EQ(live_new_account(&boot, NULL), 0);
        CHECK(live_wait(all, 1, live_registered, &boot, 10000));
        char bootstrap[64];
        snprintf(bootstrap, sizeof(bootstrap), "127.0.0.1:%u", live_port(&boot));
        printf("# bootstrap node on %s\n", bootstrap);

        CHECK_EQ(live_new_account(&a, bootstrap), 0);
        CHECK_EQ(live_new_account(&b, bootstrap), 0);
        CHECK(live_wait(all, ALL, live_registered, &a, 15000));
        CHECK(live_wait(all, ALL, live_registered, &b, 15000));

        /* Subscribing reports the current state at once, then the change. */
        CHECK_EQ(peerbook_buddy_subscribe(a.ctx, a.account, b.account), 0);
        CHECK_EQ(peerbook_buddy_subscribe(a.ctx, a.account, "not-an-id"), -EINVAL);
        CHECK_EQ(peerbook_buddy_subscribe(a.ctx, "0123", b.account), -EINVAL);
        CHECK_EQ(peerbook_buddy_subscribe(a.ctx, "0000000000000000000000000000000000000000",
                                          b.account),
                 -ESRCH);
        struct live_status_want online = { &a, b.account, PEERBOOK_STATUS_ONLINE };
        struct live_status_want offline = { &a, b.account, PEERBOOK_STATUS_OFFLINE };
        CHECK(live_wait(all, ALL, live_has_status, &online, 10000));

        /* A clean stop: A sees B offline within seconds, not at the 10-minute expiry. */
        double t0 = live_now_ms();
        live_close(&b);
        CHECK(live_wait(all, ALL, live_has_status, &offline, 5000));
        printf("# clean stop seen offline after %.0f ms\n", live_now_ms() - t0);

        /* Forgeries on B's hash: dropped, counted, B stays offline. */
        put_forgeries(bootstrap);
        live_run(all, ALL, 300);
        CHECK_EQ(live_last_status(&a, b.account), PEERBOOK_STATUS_OFFLINE);

        /* B comes back (same device, a newer state than its goodbye). */
        CHECK_EQ(live_open(&b), 0);
        CHECK(live_wait(all, ALL, live_has_status, &online, 10000));

        /* A restarts: the subscription survived; its first report comes at once. */
        live_close(&a);
        a.n_events = 0;
        CHECK_EQ(live_open(&a), 0);
        CHECK(live_wait(all, ALL, live_has_status, &online, 10000));
        struct peerbook_buddy **list = NULL;
        CHECK_EQ(peerbook_buddy_list(a.ctx, a.account, &list), 1);
        CHECK(list && list[0] && !strcmp(list[0]->uri, b.account) && !list[1]);
        list = peerbook_list_free(list);

        /* Unsubscribe: no more reports, and not after a restart either. */
        CHECK_EQ(peerbook_buddy_unsubscribe(a.ctx, a.account, b.account), 0);
        /* again: not subscribed, as asked (peerbook.h: repeated operations) */
        CHECK_EQ(peerbook_buddy_unsubscribe(a.ctx, a.account, b.account), 0);
        CHECK_EQ(peerbook_buddy_list(a.ctx, a.account, &list), 0);
        CHECK(list && !list[0]);
        list = peerbook_list_free(list);

        live_close(&b);
        live_close(&a);
        live_close(&boot);
        for (int i = 0; i < ALL; i++) {
                char cmd[128];
                snprintf(cmd, sizeof(cmd), "rm -rf %s", all[i]->dir);
                CHECK_EQ(system(cmd), 0);
        }
        return check_summary();
}
