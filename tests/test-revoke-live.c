/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-revoke-live.c — revocation as a third account sees it, on live
 * nodes on 127.0.0.1. Alice's account has a second device, "lost", played
 * by a raw node (its certificate issued by alice's account key, its
 * announcement signed by it); carol tracks alice. A request from lost
 * reaches carol; a list forged by another key is dropped and counted by
 * both; alice revokes lost (with the C API), then carol drops and counts
 * lost's requests.
 */
#include "check.h"
#include "crl.h"
#include "dht/dht.h"
#include "identity.h"
#include "live.h"
#include "testing.h"
#include "wire.h"

static struct live_node alice, carol;
static struct live_node *all[] = { &alice, &carol };

static int read_whole(const char *path, uint8_t *buf, size_t cap, size_t *ret_len) {
        FILE *f = fopen(path, "rb");
        if (!f)
                return -errno;
        *ret_len = fread(buf, 1, cap, f);
        fclose(f);
        return 0;
}

/* Alice's account key and certificate, from her account folder. */
static int account_identity(pb_identity **ret) {
        static uint8_t key[16384], crt[16384];
        size_t key_len, crt_len;
        char path[192];
        snprintf(path, sizeof(path), "%s/%s/account.key", alice.dir, alice.account);
        int r = read_whole(path, key, sizeof(key), &key_len);
        snprintf(path, sizeof(path), "%s/%s/account.crt", alice.dir, alice.account);
        if (r == 0)
                r = read_whole(path, crt, sizeof(crt), &crt_len);
        return r < 0 ? r : pb_identity_load(key, key_len, NULL, crt, crt_len, ret);
}

static int devices_of_alice(void) {
        struct peerbook_device **d = NULL;
        int n = peerbook_device_list(alice.ctx, alice.account, &d);
        peerbook_list_free(d);
        return n;
}

static bool alice_has_two(void *arg) {
        (void)arg;
        return devices_of_alice() == 2;
}

static uint64_t dropped_values(struct live_node *n) {
        _cleanup_record_ struct peerbook_account_info *info = live_info(n);
        return info ? info->dropped_values : 0;
}

struct above {
        struct live_node *n;
        uint64_t base;
        uint64_t (*get)(struct live_node *n);
};

static bool is_above(void *arg) {
        struct above *a = arg;
        return a->get(a->n) > a->base;
}

static void send_request(pb_node *raw, const pb_identity *from, const char *text) {
        _cleanup_record_ struct peerbook_account_info *info = live_info(&carol);
        pb_identity *carol_dev = NULL;
        uint8_t *pk = NULL, *data = NULL;
        size_t pk_len = 0, len;
        pb_hash inbox = live_inbox_of(info->device_id);
        struct pb_trust_request tr = { .service = "cx.ring",
                                       .conversation_id = "c",
                                       .payload = (uint8_t *)text,
                                       .payload_len = strlen(text) };
        CHECK_EQ(live_device_identity(&carol, &carol_dev, &pk, &pk_len), 0);
        CHECK_EQ(pb_trust_request_encode(&tr, &data, &len), 0);
        CHECK_EQ(pb_node_put_encrypted_as(raw, &inbox, from, pk, pk_len, PB_TYPE_TRUST_REQUEST,
                                          data, len, NULL, NULL),
                 0);
        free(data);
        free(pk);
        pb_identity_free(carol_dev);
}

/* Another key's list naming lost, put unsigned on alice's hash. */
static void put_forged(pb_node *raw, const pb_hash *alice_id, const pb_identity *lost) {
        pb_identity *other = NULL;
        uint8_t *key = NULL, *crt = NULL, *lcrt = NULL, *crl = NULL, *v = NULL;
        size_t key_len, crt_len, lcrt_len, crl_len, v_len;
        struct pb_serial s;
        CHECK_EQ(pb_identity_generate("mallory", NULL, 2048, &other), 0);
        CHECK_EQ(pb_identity_export_key(other, NULL, &key, &key_len), 0);
        CHECK_EQ(pb_identity_export_cert(other, &crt, &crt_len), 0);
        CHECK_EQ(pb_identity_export_cert(lost, &lcrt, &lcrt_len), 0);
        CHECK_EQ(pb_cert_serial(lcrt, lcrt_len, &s), 0);
        struct pb_crl_signer signer = { key, key_len, NULL, crt, crt_len };
        CHECK_EQ(pb_crl_revoke(NULL, 0, &signer, &s, &crl, &crl_len), 0);
        CHECK_EQ(pb_crl_value_encode(crl, crl_len, &v, &v_len), 0);
        CHECK_EQ(pb_node_put_plain(raw, alice_id, PB_TYPE_USER_DATA, v, v_len, NULL, NULL), 0);
        free(key), free(crt), free(lcrt), free(crl), free(v);
        pb_identity_free(other);
}

int main(void) {
        CHECK_EQ(live_new_account(&alice, NULL), 0);
        CHECK(live_wait(all, 1, live_registered, &alice, 10000));
        char bootstrap[64];
        snprintf(bootstrap, sizeof(bootstrap), "127.0.0.1:%u", live_port(&alice));
        CHECK_EQ(live_new_account(&carol, bootstrap), 0);
        CHECK(live_wait(all, 2, live_registered, &carol, 15000));

        /* lost: a second device of alice's account, on a raw node. */
        pb_identity *account = NULL, *lost = NULL, *raw_id = NULL;
        pb_node *raw = NULL;
        CHECK_EQ(account_identity(&account), 0);
        CHECK_EQ(pb_identity_generate("lost", account, 2048, &lost), 0);
        CHECK_EQ(live_raw_nodes(bootstrap, 1, 2048, &raw_id, &raw), 0);
        pb_hash alice_id, lost_id = pb_identity_id(lost);
        CHECK_EQ(pb_hash_from_hex(alice.account, &alice_id), 0);
        uint8_t *pk = NULL, *ann = NULL, *blob = NULL;
        size_t pk_len, ann_len, blob_len;
        CHECK_EQ(pb_identity_export_pubkey(lost, &pk, &pk_len), 0);
        CHECK_EQ(pb_announcement_encode(&lost_id, pk, pk_len, &ann, &ann_len), 0);
        CHECK_EQ(pb_value_sign(account, PB_TYPE_USER_DATA, pb_announce_value_id(&lost_id), ann,
                               ann_len, &blob, &blob_len),
                 0);
        CHECK_EQ(pb_node_publish_cert(raw, lost, NULL, NULL), 0);
        CHECK_EQ(pb_node_put_packed(raw, &alice_id, blob, blob_len, true, NULL, NULL), 0);
        free(pk), free(ann), free(blob);
        CHECK(live_wait(all, 2, alice_has_two, NULL, 20000));

        /* carol tracks alice; lost's request reaches her. */
        CHECK_EQ(peerbook_buddy_subscribe(carol.ctx, carol.account, alice.account), 0);
        struct live_status_want online = { &carol, alice.account, PEERBOOK_STATUS_ONLINE };
        CHECK(live_wait(all, 2, live_has_status, &online, 20000));
        send_request(raw, lost, "before");
        struct live_count_want req = { &carol, PEERBOOK_EVENT_TRUST_REQUEST, alice.account, -1, 1 };
        CHECK(live_wait(all, 2, live_has_count, &req, 20000));
        CHECK_EQ(peerbook_trust_request_discard(carol.ctx, carol.account, alice.account), 0);

        /* A list signed by another key: dropped and counted by both. */
        struct above a_drop = { &alice, dropped_values(&alice), dropped_values };
        struct above c_drop = { &carol, dropped_values(&carol), dropped_values };
        put_forged(raw, &alice_id, lost);
        CHECK(live_wait(all, 2, is_above, &a_drop, 20000));
        CHECK(live_wait(all, 2, is_above, &c_drop, 20000));
        CHECK_EQ(devices_of_alice(), 2);

        /* Alice revokes lost: this device and wrong IDs are refused first. */
        char lost_hex[PEERBOOK_ID_SIZE];
        pb_hash_to_hex(&lost_id, lost_hex);
        CHECK_EQ(peerbook_device_revoke(alice.ctx, alice.account, NULL, alice.account), -ENOENT);
        _cleanup_record_ struct peerbook_account_info *ai = live_info(&alice);
        CHECK_EQ(peerbook_device_revoke(alice.ctx, alice.account, NULL, ai->device_id), -EPERM);
        CHECK_EQ(peerbook_device_revoke(alice.ctx, alice.account, NULL, "12"), -EINVAL);
        double t0 = live_now_ms();
        CHECK_EQ(peerbook_device_revoke(alice.ctx, alice.account, NULL, lost_hex), 0);
        CHECK_EQ(peerbook_device_revoke(alice.ctx, alice.account, NULL, lost_hex), -EALREADY);
        struct live_count_want done = { &alice, PEERBOOK_EVENT_DEVICE_REVOKED, lost_hex, 0, 1 };
        CHECK(live_wait(all, 2, live_has_count, &done, 20000));
        CHECK_EQ(devices_of_alice(), 1);

        /* carol pins the list, finds lost on it, and drops its requests. */
        char path[192];
        snprintf(path, sizeof(path), "%s/%s/crls/revoked.bin", carol.dir, carol.account);
        for (int i = 0; i < 200 && access(path, F_OK) < 0; i++)
                live_run(all, 2, 100);
        CHECK(access(path, F_OK) == 0);
        /* Polled every 100 ms: the figure is good to that. */
        printf("# revoke called -> carol knows lost revoked: %.0f ms\n", live_now_ms() - t0);
        struct above c_req = { &carol, live_dropped_requests(&carol), live_dropped_requests };
        int before = live_count(&carol, PEERBOOK_EVENT_TRUST_REQUEST, alice.account, -1);
        send_request(raw, lost, "after");
        CHECK(live_wait(all, 2, is_above, &c_req, 20000));
        live_run(all, 2, 500);
        CHECK_EQ(live_count(&carol, PEERBOOK_EVENT_TRUST_REQUEST, alice.account, -1), before);

        live_raw_nodes_free(1, &raw_id, &raw);
        pb_identity_free(lost);
        pb_identity_free(account);
        CHECK_EQ(live_close_and_remove(&carol, 1), 0);
        CHECK_EQ(live_close_and_remove(&alice, 1), 0);
        return check_summary();
}
