/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench-trust.c — trust request latency on a loopback network of real
 * OpenDHT nodes, with OpenDHT's own floor measured in the same run, and the
 * cost of loading a big account.
 *   delivery = recipient's incomingTrustRequest − the sendTrustRequest call
 *   confirm  = sender's contactAdded(confirmed) − the acceptTrustRequest call
 *   floor    = an encrypted put → the recipient's listen callback
 *   load     = peerbook_ctx_new() of an account with 10,000 contacts and
 *              1,000 pending requests, and the RSS it adds
 * Senders know their recipient's device beforehand (they watch it), as a
 * user adding someone they can see online does.
 *
 * Usage: bench-trust [-n NODES] [-p PAIRS] [-b KEY_BITS] [-c CONTACTS] [-r PENDING]
 */
#include <stdatomic.h>
#include <unistd.h>

#include "dht/dht.h"
#include "live.h"
#include "stats.h"
#include "store.h"
#include "util.h"

#define MAX_NODES 64

static struct live_node nodes[MAX_NODES];
static struct live_node *all[MAX_NODES];
static int n_nodes = 20, n_pairs = 60, key_bits = 4096, n_contacts = 10000, n_pending = 1000;

static double first_event(const struct live_node *n, enum peerbook_event_type type, const char *uri,
                          int value, double t0) {
        for (int i = 0; i < n->n_events; i++) {
                const struct live_event *e = &n->events[i];
                if (e->type == type && e->at_ms >= t0 && !strcmp(e->uri, uri) &&
                    (value < 0 || e->value == value))
                        return e->at_ms;
        }
        return -1;
}

struct seen {
        struct live_node *n;
        enum peerbook_event_type type;
        const char *uri;
        int value;
        double t0;
};

static bool has_seen(void *arg) {
        struct seen *s = arg;
        return first_event(s->n, s->type, s->uri, s->value, s->t0) >= 0;
}

/* ---- the floor ---------------------------------------------------------- */

static _Atomic double floor_seen;

static void floor_cb(const struct pb_value_view *v, bool expired, void *userdata) {
        if (!expired && v->is_encrypted)
                atomic_store(&floor_seen, live_now_ms());
}

static void measure_floor(const char *bootstrap, int count, struct samples *s) {
        pb_identity *ids[2] = { 0 };
        pb_node *n[2] = { 0 };
        uint8_t *pk = NULL;
        size_t pk_len = 0;
        if (live_raw_nodes(bootstrap, 2, (unsigned)key_bits, ids, n) < 0 ||
            pb_identity_export_pubkey(ids[0], &pk, &pk_len) < 0)
                return;
        pb_node *x = n[0], *y = n[1];
        for (int i = 0; i < count; i++) {
                pb_hash key = pb_hash_of(&i, sizeof(i));
                pb_listen *l = NULL;
                pb_node_listen(x, &key, floor_cb, NULL, NULL, &l);
                usleep(200000);
                atomic_store(&floor_seen, 0);
                uint8_t data[200] = { 1 };
                double t0 = live_now_ms();
                pb_node_put_encrypted(y, &key, pk, pk_len, 4, data, sizeof(data), NULL, NULL);
                for (int k = 0; k < 1000 && atomic_load(&floor_seen) == 0; k++)
                        usleep(1000);
                if (atomic_load(&floor_seen) > 0)
                        samples_add(s, atomic_load(&floor_seen) - t0);
                pb_node_cancel_listen(x, l);
        }
        live_raw_nodes_free(2, ids, n);
        free(pk);
}

/* ---- a big account ----------------------------------------------------------- */

static void measure_load(void) {
        struct live_node big = { 0 };
        if (live_new_account(&big, NULL) < 0)
                return;
        struct live_node *one[] = { &big };
        live_wait(one, 1, live_registered, &big, 10000);
        live_close(&big);
        char path[160];
        snprintf(path, sizeof(path), "%s/%s/account.db", big.dir, big.account);
        pb_store *st = NULL;
        if (pb_store_open(path, false, &st) < 0)
                return;
        double t0 = live_now_ms();
        uint8_t payload[256];
        memset(payload, 'v', sizeof(payload));
        pb_store_begin(st);
        for (int i = 0; i < n_contacts; i++) {
                struct pb_contact_row c = { .added = 1700000000 + i, .confirmed = i % 2 };
                snprintf(c.uri, sizeof(c.uri), "%08x%032x", i, 0xc0);
                snprintf(c.conversation_id, sizeof(c.conversation_id), "%040x", i);
                pb_store_contact_put(st, &c, NULL, 0);
        }
        for (int i = 0; i < n_pending; i++) {
                struct pb_request_row q = { .received = 1700000000 + i,
                                            .payload = payload,
                                            .payload_len = sizeof(payload),
                                            .device_pk = payload,
                                            .device_pk_len = 64 };
                snprintf(q.sender, sizeof(q.sender), "%08x%032x", i, 0x5e);
                snprintf(q.device, sizeof(q.device), "%08x%032x", i, 0xde);
                snprintf(q.fingerprint, sizeof(q.fingerprint), "id:%016x", i + 1);
                snprintf(q.conversation_id, sizeof(q.conversation_id), "%040x", i);
                pb_store_request_put(st, &q);
        }
        pb_store_commit(st);
        pb_store_close(st);
        printf("# filled %d contacts and %d pending requests in %.0f ms\n", n_contacts, n_pending,
               live_now_ms() - t0);

        struct samples load = { 0 };
        long rss_before = status_kb("VmRSS"), rss_after = 0;
        for (int run = 0; run < 5; run++) {
                t0 = live_now_ms();
                if (live_open(&big) < 0)
                        return;
                samples_add(&load, live_now_ms() - t0);
                live_run(one, 1, 2000);
                rss_after = status_kb("VmRSS");
                _cleanup_record_ struct peerbook_account_info *info = live_info(&big);
                if (run == 0 && info)
                        printf("# loaded: %llu pending; RSS %ld -> %ld kB\n",
                               (unsigned long long)info->pending_requests, rss_before, rss_after);
                live_close(&big);
        }
        char label[64];
        snprintf(label, sizeof(label), "load: %d contacts, %d pending", n_contacts, n_pending);
        samples_print(label, &load);
        printf("%-44s %.1f MB (%.1f KB per contact, listens included)\n",
               "RSS added by the loaded account", (rss_after - rss_before) / 1024.0,
               (double)(rss_after - rss_before) / n_contacts);
        char cmd[160];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", big.dir);
        if (system(cmd) != 0)
                fprintf(stderr, "cannot remove %s\n", big.dir);
}

/* ---- main ------------------------------------------------------------------------ */

static void parse(int argc, char **argv) {
        int c;
        while ((c = getopt(argc, argv, "n:p:b:c:r:")) != -1) {
                switch (c) {
                case 'n': n_nodes = atoi(optarg); break;
                case 'p': n_pairs = atoi(optarg); break;
                case 'b': key_bits = atoi(optarg); break;
                case 'c': n_contacts = atoi(optarg); break;
                case 'r': n_pending = atoi(optarg); break;
                default:
                        fprintf(stderr,
                                "usage: %s [-n NODES] [-p PAIRS] [-b KEY_BITS] "
                                "[-c CONTACTS] [-r PENDING]\n",
                                argv[0]);
                        exit(2);
                }
        }
        if (n_nodes < 4 || n_nodes > MAX_NODES || n_pairs < 1 || n_pairs > 3 * n_nodes) {
                fprintf(stderr, "bench-trust: bad sizes (pairs at most 3 x nodes)\n");
                exit(2);
        }
}

int main(int argc, char **argv) {
        parse(argc, argv);
        printf("# %d accounts on a loopback network, %d request/accept pairs, RSA-%d\n", n_nodes,
               n_pairs, key_bits);
        char bootstrap[64] = "";
        for (int i = 0; i < n_nodes; i++) {
                all[i] = &nodes[i];
                nodes[i].key_bits = (unsigned)key_bits;
                if (live_new_account(&nodes[i], i ? bootstrap : NULL) < 0)
                        return 1;
                if (i == 0) {
                        live_wait(all, 1, live_registered, &nodes[0], 10000);
                        snprintf(bootstrap, sizeof(bootstrap), "127.0.0.1:%u",
                                 live_port(&nodes[0]));
                }
        }
        for (int i = 0; i < n_nodes; i++)
                live_wait(all, n_nodes, live_registered, &nodes[i], 20000);

        struct samples delivery = { 0 }, confirm = { 0 }, floor_s = { 0 };
        int missed = 0;
        for (int k = 0; k < n_pairs; k++) {
                struct live_node *from = &nodes[k % n_nodes];
                struct live_node *to = &nodes[(k % n_nodes + 1 + k / n_nodes) % n_nodes];
                /* The sender watches the recipient first, so it knows its device. */
                peerbook_buddy_subscribe(from->ctx, from->account, to->account);
                struct live_status_want on = { from, to->account, PEERBOOK_STATUS_ONLINE };
                live_wait(all, n_nodes, live_has_status, &on, 10000);

                double t0 = live_now_ms();
                peerbook_trust_request_send(from->ctx, from->account, to->account,
                                            (const uint8_t *)"bench", 5);
                struct seen in = { to, PEERBOOK_EVENT_TRUST_REQUEST, from->account, -1, t0 };
                if (!live_wait(all, n_nodes, has_seen, &in, 10000)) {
                        missed++;
                        continue;
                }
                samples_add(&delivery, first_event(to, in.type, in.uri, -1, t0) - t0);
                if (getenv("BENCH_VERBOSE"))
                        fprintf(stderr, "# pair %d: delivery %.1f ms\n", k,
                                first_event(to, in.type, in.uri, -1, t0) - t0);
                double t1 = live_now_ms();
                peerbook_trust_request_accept(to->ctx, to->account, from->account);
                struct seen ok = { from, PEERBOOK_EVENT_CONTACT_ADDED, to->account, 1, t1 };
                if (!live_wait(all, n_nodes, has_seen, &ok, 10000)) {
                        missed++;
                        continue;
                }
                samples_add(&confirm, first_event(from, ok.type, ok.uri, 1, t1) - t1);
                if (getenv("BENCH_VERBOSE"))
                        fprintf(stderr, "# pair %d: confirm %.1f ms\n", k,
                                first_event(from, ok.type, ok.uri, 1, t1) - t1);
        }
        measure_floor(bootstrap, 50, &floor_s);

        samples_print("floor: encrypted put -> listen callback", &floor_s);
        samples_print("delivery: send -> incomingTrustRequest", &delivery);
        samples_print("confirm: accept -> sender contactAdded(true)", &confirm);
        printf("ratio to floor p50: delivery %.2fx, confirm %.2fx\n",
               samples_pct(&delivery, 50) / samples_pct(&floor_s, 50),
               samples_pct(&confirm, 50) / samples_pct(&floor_s, 50));
        printf("pairs not completed within 10 s: %d\n", missed);
        for (int i = 0; i < n_nodes; i++) {
                live_close(&nodes[i]);
                char cmd[128];
                snprintf(cmd, sizeof(cmd), "rm -rf %s", nodes[i].dir);
                if (system(cmd) != 0)
                        fprintf(stderr, "cannot remove %s\n", nodes[i].dir);
        }
        measure_load();
        return 0; /* a benchmark reports; the tests judge */
}
