/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-trust-live.c — trust requests and contacts end to end, on real
 * OpenDHT nodes on 127.0.0.1 and real SQLite files. Each scenario of the
 * v0.2 issue has its block below; every wait is bounded.
 */
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "dht/dht.h"
#include "live.h"
#include "testing.h"
#include "wire.h"

enum {
        BOOT,
        ALICE,
        BOB,
        CAROL,
        DAVE,
        FRANK,
        GRACE,
        HEIDI,
        N_NODES
};
static struct live_node nodes[N_NODES];
static struct live_node *all[N_NODES];
static char bootstrap[64];

#define WAIT(pred, arg, ms) live_wait(all, N_NODES, pred, arg, ms)

static struct live_node *boot = &nodes[BOOT], *alice = &nodes[ALICE], *bob = &nodes[BOB],
                        *carol = &nodes[CAROL], *dave = &nodes[DAVE], *frank = &nodes[FRANK],
                        *grace = &nodes[GRACE], *heidi = &nodes[HEIDI];

static int requests_from(struct live_node *n, const char *from) {
        return live_count(n, PEERBOOK_EVENT_TRUST_REQUEST, from, -1);
}

/* Waits until `to` has been signalled `count` requests from `from`. */
static bool got_requests(struct live_node *to, struct live_node *from, int count) {
        struct live_count_want w = { to, PEERBOOK_EVENT_TRUST_REQUEST, from->account, -1, count };
        return WAIT(live_has_count, &w, 10000);
}

struct confirmed_want {
        struct live_node *n;
        const char *uri;
};

static bool is_confirmed(void *arg) {
        struct confirmed_want *w = arg;
        return live_confirmed(w->n, w->uri);
}

static bool becomes_confirmed(struct live_node *n, struct live_node *peer, int ms) {
        struct confirmed_want w = { n, peer->account };
        return WAIT(is_confirmed, &w, ms);
}

struct dropped_want {
        struct live_node *n;
        uint64_t at_least;
};

static bool dropped_reached(void *arg) {
        struct dropped_want *w = arg;
        return live_dropped_requests(w->n) >= w->at_least;
}

static int send_text(struct live_node *from, struct live_node *to, const char *text) {
        return peerbook_trust_request_send(from->ctx, from->account, to->account,
                                           (const uint8_t *)text, strlen(text));
}

/* Knowing each other's devices makes requests immediate: tracking a buddy
 * learns its devices from its announcements. */
static void see_online(struct live_node *watcher, struct live_node *buddy) {
        peerbook_buddy_subscribe(watcher->ctx, watcher->account, buddy->account);
        struct live_status_want w = { watcher, buddy->account, PEERBOOK_STATUS_ONLINE };
        CHECK(WAIT(live_has_status, &w, 10000));
}

static void restart(struct live_node *n) {
        live_close(n);
        n->n_events = 0;
        CHECK_EQ(live_open(n), 0);
        CHECK(WAIT(live_registered, n, 10000));
}

static void test_request_accept_restart(void) {
        see_online(alice, bob);
        CHECK_EQ(send_text(alice, bob, "hello bob"), 0);
        CHECK(got_requests(bob, alice, 1));
        /* The sender has an unconfirmed contact. */
        _cleanup_record_ struct peerbook_contact *c = NULL;
        CHECK_EQ(peerbook_contact_get(alice->ctx, alice->account, bob->account, &c), 0);
        CHECK(c && !c->confirmed && c->added > 0 && c->conversation_id[0]);
        CHECK_EQ(live_count(alice, PEERBOOK_EVENT_CONTACT_ADDED, bob->account, 0), 1);
        /* The receiver lists it with its payload. */
        struct peerbook_trust_request **list = NULL;
        int n = peerbook_trust_request_list(bob->ctx, bob->account, &list);
        CHECK_EQ(n, 1);
        if (n == 1 && c) {
                CHECK(!strcmp(list[0]->from, alice->account));
                CHECK_EQ(list[0]->payload_len, 9);
                CHECK(!memcmp(list[0]->payload, "hello bob", 9));
                CHECK(!strcmp(list[0]->conversation_id, c->conversation_id));
        }
        peerbook_list_free(list);

        /* The same request sent again: still one signal. */
        uint64_t dropped = live_dropped_requests(bob);
        CHECK_EQ(send_text(alice, bob, "hello bob"), 0);
        CHECK(got_requests(bob, alice, 2)); /* each sendTrustRequest is a new request */
        CHECK_EQ(live_pending(bob), 1);     /* one pending per sender */
        /* Its automatic re-sends are not: OpenDHT's replays neither. A re-send
         * (back-off from 5 s) did arrive: bob counted it as dropped. */
        struct dropped_want resent = { bob, dropped + 1 };
        CHECK(WAIT(dropped_reached, &resent, 10000));
        CHECK_EQ(requests_from(bob, alice->account), 2);

        /* Accept: both confirmed, the sender told. */
        CHECK_EQ(peerbook_trust_request_accept(bob->ctx, bob->account, alice->account), 0);
        CHECK_EQ(peerbook_trust_request_accept(bob->ctx, bob->account, alice->account), -ENOENT);
        CHECK(live_confirmed(bob, alice->account));
        CHECK_EQ(live_pending(bob), 0);
        CHECK(becomes_confirmed(alice, bob, 10000));
        struct live_count_want added = { alice, PEERBOOK_EVENT_CONTACT_ADDED, bob->account, 1, 1 };
        CHECK(WAIT(live_has_count, &added, 5000));

        /* Both restart right after: everything is still there, nothing is re-signalled
         * although the inbox replays the requests it keeps. */
        restart(alice);
        restart(bob);
        CHECK(live_confirmed(alice, bob->account));
        CHECK(live_confirmed(bob, alice->account));
        live_run(all, N_NODES, 1500);
        CHECK_EQ(requests_from(bob, alice->account), 0);
        /* Contacts are tracked for presence without a subscription, and hold
         * a direct channel: connected (2). */
        peerbook_buddy_unsubscribe(alice->ctx, alice->account, bob->account);
        restart(alice);
        struct live_status_want on = { alice, bob->account, PEERBOOK_STATUS_CONNECTED };
        CHECK(WAIT(live_has_status, &on, 10000));
}

static void test_discard(void) {
        see_online(carol, bob);
        CHECK_EQ(send_text(carol, bob, "hi, carol here"), 0);
        CHECK(got_requests(bob, carol, 1));
        CHECK_EQ(peerbook_trust_request_discard(bob->ctx, bob->account, carol->account), 0);
        CHECK_EQ(peerbook_trust_request_discard(bob->ctx, bob->account, carol->account), -ENOENT);
        CHECK_EQ(live_pending(bob), 0);
        /* Discarding is silent: the sender still waits (the end of this test
         * shows that an answer from bob would have reached carol). */
        live_run(all, N_NODES, 1000);
        CHECK(!live_confirmed(carol, bob->account));
        /* A new request after a discard is signalled again. */
        CHECK_EQ(send_text(carol, bob, "hi again"), 0);
        CHECK(got_requests(bob, carol, 2));
        uint64_t dropped = live_dropped_requests(bob);
        CHECK_EQ(peerbook_trust_request_discard(bob->ctx, bob->account, carol->account), 0);
        /* carol's automatic re-sends of a discarded request stay silent; one
         * arrived (back-off from 5 s): bob counted it as dropped. */
        struct dropped_want resent = { bob, dropped + 1 };
        CHECK(WAIT(dropped_reached, &resent, 10000));
        CHECK_EQ(requests_from(bob, carol->account), 2);
        /* The positive control of the silent window: bob's own request to carol,
         * who asked him first, confirms her side, on the path an answer to her
         * discarded request would have taken. */
        double t0 = live_now_ms();
        CHECK_EQ(peerbook_contact_add(bob->ctx, bob->account, carol->account), 0);
        CHECK(becomes_confirmed(carol, bob, 10000));
        printf("# bob's request reached carol in %.0f ms (the silent window: 1000 ms)\n",
               live_now_ms() - t0);
}

static void test_ban(void) {
        see_online(dave, bob);
        CHECK_EQ(send_text(dave, bob, "dave"), 0);
        CHECK(got_requests(bob, dave, 1));
        CHECK_EQ(peerbook_contact_remove(bob->ctx, bob->account, dave->account, true), 0);
        CHECK_EQ(live_pending(bob), 0);
        live_run(all, N_NODES, 100);
        struct peerbook_contact *c = NULL;
        CHECK_EQ(peerbook_contact_get(bob->ctx, bob->account, dave->account, &c), 0);
        CHECK(c && c->banned);
        c = peerbook_free(c);
        CHECK_EQ(live_count(bob, PEERBOOK_EVENT_CONTACT_REMOVED, dave->account, 1), 1);
        /* A new request from the banned account: dropped, counted, not signalled. */
        struct dropped_want w = { bob, live_dropped_requests(bob) + 1 };
        CHECK_EQ(send_text(dave, bob, "dave again"), 0);
        CHECK(WAIT(dropped_reached, &w, 10000));
        CHECK_EQ(requests_from(bob, dave->account), 1);
        /* Adding lifts the ban: bob asks dave, who asked first, so both agree. */
        CHECK_EQ(peerbook_contact_add(bob->ctx, bob->account, dave->account), 0);
        CHECK_EQ(peerbook_contact_get(bob->ctx, bob->account, dave->account, &c), 0);
        CHECK(c && !c->banned && c->added > c->removed);
        c = peerbook_free(c);
        CHECK(becomes_confirmed(dave, bob, 10000));
        CHECK(becomes_confirmed(bob, dave, 10000));
}

static void test_both_add(void) {
        see_online(frank, bob);
        see_online(bob, frank);
        CHECK_EQ(send_text(frank, bob, "frank"), 0);
        CHECK_EQ(send_text(bob, frank, "bob"), 0);
        CHECK(becomes_confirmed(frank, bob, 10000));
        CHECK(becomes_confirmed(bob, frank, 10000));
        live_run(all, N_NODES, 1000);
        struct peerbook_trust_request **list = NULL;
        int n = peerbook_trust_request_list(bob->ctx, bob->account, &list);
        list = peerbook_list_free(list);
        int m = peerbook_trust_request_list(frank->ctx, frank->account, &list);
        list = peerbook_list_free(list);
        CHECK_EQ(n, 0);
        CHECK_EQ(m, 0);
        /* Auto-accept: a request from an active contact is never pending; it is
         * answered with a confirmation. frank forgets bob and asks again, so
         * that the answer shows: he is confirmed again without bob's doing. */
        CHECK_EQ(peerbook_contact_remove(frank->ctx, frank->account, bob->account, false), 0);
        CHECK(!live_confirmed(frank, bob->account));
        CHECK_EQ(send_text(frank, bob, "frank, again"), 0);
        CHECK(becomes_confirmed(frank, bob, 10000));
        CHECK_EQ(requests_from(bob, frank->account), 0);
        CHECK_EQ(live_pending(bob), 0);
}

static void test_lost_confirmation(void) {
        see_online(grace, bob);
        CHECK_EQ(send_text(grace, bob, "grace"), 0);
        CHECK(got_requests(bob, grace, 1));
        CHECK_EQ(pb_ctx_drop_confirmations(bob->ctx, bob->account, 1), 0);
        CHECK_EQ(peerbook_trust_request_accept(bob->ctx, bob->account, grace->account), 0);
        live_run(all, N_NODES, 1000);
        CHECK(!live_confirmed(grace, bob->account)); /* the confirmation was lost */
        /* grace re-sends (back-off from 5 s); bob confirms again. */
        CHECK(becomes_confirmed(grace, bob, 20000));
        CHECK_EQ(requests_from(bob, grace->account), 1);
}

/* Watches a device's inbox with that device's key (so that OpenDHT decrypts
 * what it holds) for a request signed by one device. */
struct inbox_watch {
        pb_hash signer;
        int seen; /* set on an OpenDHT thread: atomic */
};

static void on_inbox_value(const struct pb_value_view *v, bool expired, void *userdata) {
        struct inbox_watch *w = userdata;
        if (!expired && v->is_encrypted && v->is_signed &&
            !memcmp(v->owner.d, w->signer.d, sizeof(w->signer.d)))
                __atomic_store_n(&w->seen, 1, __ATOMIC_RELEASE);
}

static bool inbox_has_request(void *arg) {
        return __atomic_load_n(&((struct inbox_watch *)arg)->seen, __ATOMIC_ACQUIRE);
}

static bool node_connected(void *arg) {
        return pb_node_is_connected(arg);
}

static void test_offline_device(void) {
        /* heidi learns bob's device, then bob goes away. */
        see_online(heidi, bob);
        _cleanup_record_ struct peerbook_account_info *bob_info = live_info(bob);
        _cleanup_record_ struct peerbook_account_info *heidi_info = live_info(heidi);
        CHECK(bob_info && heidi_info);
        if (!bob_info || !heidi_info)
                return;
        live_close(bob);
        CHECK_EQ(send_text(heidi, bob, "while you were out"), 0);

        /* bob comes back once the request is on the network, not before: a
         * node with bob's device key reads his inbox until heidi's is there. */
        struct inbox_watch w = { .seen = 0 };
        pb_hash inbox = live_inbox_of(bob_info->device_id);
        pb_identity *bob_id = NULL;
        uint8_t *pk = NULL;
        size_t pk_len = 0;
        pb_node *reader = NULL;
        pb_listen *listen = NULL;
        CHECK_EQ(pb_hash_from_hex(heidi_info->device_id, &w.signer), 0);
        CHECK_EQ(live_device_identity(bob, &bob_id, &pk, &pk_len), 0);
        struct pb_node_config c = { .identity = bob_id, .bootstrap = bootstrap };
        CHECK_EQ(pb_node_start(&c, &reader), 0);
        CHECK(reader && WAIT(node_connected, reader, 10000));
        CHECK(reader && pb_node_listen(reader, &inbox, on_inbox_value, NULL, &w, &listen) == 0);
        CHECK(WAIT(inbox_has_request, &w, 10000));
        pb_node_free(reader); /* ends the listen before w goes */
        pb_identity_free(bob_id);
        free(pk);

        bob->n_events = 0;
        CHECK_EQ(live_open(bob), 0);
        CHECK(got_requests(bob, heidi, 1));
}

/* Values a peer could write in bob's inbox that must never become requests. */
static void test_forged(void) {
        pb_hash bob_dev, inbox;
        _cleanup_record_ struct peerbook_account_info *info = live_info(bob);
        CHECK(info != NULL);
        if (!info)
                return;
        CHECK_EQ(pb_hash_from_hex(info->device_id, &bob_dev), 0);
        inbox = live_inbox_of(info->device_id);
        /* bob's device key, as anyone can fetch it from its announcement. */
        pb_identity *bob_id = NULL;
        uint8_t *pk = NULL;
        size_t pk_len = 0;
        CHECK_EQ(live_device_identity(bob, &bob_id, &pk, &pk_len), 0);

        /* mallory signs with a key no account issued (a self-signed CA). */
        pb_identity *mallory = NULL;
        pb_node *node = NULL;
        CHECK_EQ(live_raw_nodes(bootstrap, 1, 2048, &mallory, &node), 0);
        struct pb_trust_request tr = { .service = "cx.ring", .conversation_id = "x" };
        uint8_t *data;
        size_t len;
        CHECK_EQ(pb_trust_request_encode(&tr, &data, &len), 0);
        uint64_t before = live_dropped_requests(bob);
        bob->n_events = 0;
        /* 1: signed by a device no account issued. */
        CHECK_EQ(pb_node_put_encrypted(node, &inbox, pk, pk_len, PB_TYPE_TRUST_REQUEST, data, len,
                                       NULL, NULL),
                 0);
        /* 2: not encrypted. */
        CHECK_EQ(pb_node_put_plain(node, &inbox, PB_TYPE_TRUST_REQUEST, data, len, NULL, NULL), 0);
        /* 3: encrypted but not a TrustRequest. */
        static const uint8_t junk[] = { 0x93, 0x01, 0x02, 0xc1 };
        CHECK_EQ(pb_node_put_encrypted(node, &inbox, pk, pk_len, PB_TYPE_TRUST_REQUEST, junk,
                                       sizeof(junk), NULL, NULL),
                 0);
        /* 4: a payload over 64,000 bytes. */
        static uint8_t big[PB_PAYLOAD_MAX + 100];
        uint8_t *bigdata = NULL;
        size_t biglen = 0;
        size_t n = 0;
        big[n++] = 0x84;
        big[n++] = 0xa7;
        memcpy(big + n, "service", 7);
        n += 7;
        big[n++] = 0xa7;
        memcpy(big + n, "cx.ring", 7);
        n += 7;
        big[n++] = 0xa7;
        memcpy(big + n, "payload", 7);
        n += 7;
        big[n++] = 0xc5;
        big[n++] = (PB_PAYLOAD_MAX + 1) >> 8;
        big[n++] = (PB_PAYLOAD_MAX + 1) & 0xff;
        n += PB_PAYLOAD_MAX + 1;
        (void)bigdata;
        (void)biglen;
        /* (the map says 4 entries and carries 2: it is both oversized and malformed) */
        CHECK_EQ(pb_node_put_encrypted(node, &inbox, pk, pk_len, PB_TYPE_TRUST_REQUEST, big, n,
                                       NULL, NULL),
                 0);
        /* 5: encrypted to another key: OpenDHT cannot decrypt it for bob and drops it
         * before peerbook sees it (not counted: nothing reaches us). */
        uint8_t *mpk = NULL;
        size_t mpk_len = 0;
        CHECK_EQ(pb_identity_export_pubkey(mallory, &mpk, &mpk_len), 0);
        CHECK_EQ(pb_node_put_encrypted(node, &inbox, mpk, mpk_len, PB_TYPE_TRUST_REQUEST, data, len,
                                       NULL, NULL),
                 0);
        struct dropped_want w = { bob, before + 4 };
        CHECK(WAIT(dropped_reached, &w, 10000));
        live_run(all, N_NODES, 500);
        int total = 0;
        for (int i = 0; i < bob->n_events; i++)
                total += bob->events[i].type == PEERBOOK_EVENT_TRUST_REQUEST;
        CHECK_EQ(total, 0);
        free(data);
        free(pk);
        free(mpk);
        live_raw_nodes_free(1, &mallory, &node);
        pb_identity_free(bob_id);
}

int main(void) {
        for (int i = 0; i < N_NODES; i++)
                all[i] = &nodes[i];
        CHECK_EQ(live_new_account(boot, NULL), 0);
        CHECK(live_wait(all, 1, live_registered, boot, 10000));
        snprintf(bootstrap, sizeof(bootstrap), "127.0.0.1:%u", live_port(boot));
        for (int i = ALICE; i < N_NODES; i++)
                CHECK_EQ(live_new_account(&nodes[i], bootstrap), 0);
        for (int i = ALICE; i < N_NODES; i++)
                CHECK(WAIT(live_registered, &nodes[i], 15000));

        CHECK_EQ(send_text(alice, alice, "me"), -EINVAL);
        static uint8_t too_big[PEERBOOK_PAYLOAD_MAX + 1];
        CHECK_EQ(peerbook_trust_request_send(alice->ctx, alice->account, bob->account, too_big,
                                             sizeof(too_big)),
                 -EMSGSIZE);
        CHECK_EQ(send_text(alice, (struct live_node *)&(struct live_node){ .account = "xyz" }, "x"),
                 -EINVAL);

        printf("# request, accept, restart\n");
        test_request_accept_restart();
        printf("# discard\n");
        test_discard();
        printf("# ban\n");
        test_ban();
        printf("# both add\n");
        test_both_add();
        printf("# lost confirmation\n");
        test_lost_confirmation();
        printf("# offline device\n");
        test_offline_device();
        printf("# forged\n");
        test_forged();

        for (int i = N_NODES - 1; i >= 0; i--) {
                live_close(&nodes[i]);
                char cmd[128];
                snprintf(cmd, sizeof(cmd), "rm -rf %s", nodes[i].dir);
                CHECK_EQ(system(cmd), 0);
        }
        return check_summary();
}
