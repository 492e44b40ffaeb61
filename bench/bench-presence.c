/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench-presence.c — presence latency on a loopback network of real OpenDHT
 * nodes, compared with OpenDHT's own floor measured in the same run.
 *
 * N accounts (one node each; account 0 is the standalone bootstrap), each
 * watching the next W. A device is stopped cleanly and restarted, in turn,
 * for T transitions each way; every watcher's event time is recorded:
 *   online  = watcher's status-1 event − the device's announcement start
 *   offline = watcher's status-0 event − the start of the device's clean stop
 * (a watcher that misses a transition counts as the whole 10 s wait). The
 * next transition starts once the restarted device sees its own buddies.
 * The floor: a signed put (signing included, as OpenDHT's putSigned does)
 * → the listen callback on another node of the same network.
 *
 * Usage: bench-presence [-n NODES] [-w WATCHED] [-t TRANSITIONS] [-b KEY_BITS]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "dht/dht.h"
#include "live.h"
#include "stats.h"
#include "testing.h"
#include "util.h"

#define MAX_NODES 64

static struct live_node nodes[MAX_NODES];
static struct live_node *pumped[MAX_NODES];
static int n_nodes = 20, n_watch = 10, n_trans = 50, key_bits = 4096;

/* The first event for uri with status `want` at or after t0, or -1. */
static double first_event(const struct live_node *n, const char *uri, int want, double t0) {
        for (int i = 0; i < n->n_events; i++) {
                const struct live_event *e = &n->events[i];
                if (e->type == PEERBOOK_EVENT_BUDDY && e->value == want && e->at_ms >= t0 &&
                    !strcmp(e->uri, uri))
                        return e->at_ms;
        }
        return -1;
}

static bool watches(int w, int d) {
        int k = (d - w + n_nodes) % n_nodes;
        return k >= 1 && k <= n_watch;
}

/* On a miss, who did not see it and what they saw last (to stderr). */
static void report_miss(int d, int want, double t0) {
        for (int w = 0; w < n_nodes; w++) {
                if (!watches(w, d) || first_event(&nodes[w], nodes[d].account, want, t0) >= 0)
                        continue;
                fprintf(stderr, "# miss: watcher %d did not see %d go %d; last status %d\n", w, d,
                        want, live_last_status(&nodes[w], nodes[d].account));
        }
}

struct all_seen {
        int device, want;
        double t0;
};

static bool all_watchers_saw(void *arg) {
        struct all_seen *s = arg;
        for (int w = 0; w < n_nodes; w++)
                if (watches(w, s->device) &&
                    first_event(&nodes[w], nodes[s->device].account, s->want, s->t0) < 0)
                        return false;
        return true;
}

/* A restarted device is fully up once it sees every device it watches
 * online again (all of them are: one device cycles at a time). */
static bool sees_its_buddies(void *arg) {
        int w = *(int *)arg;
        for (int d = 0; d < n_nodes; d++)
                if (watches(w, d) && live_last_status(&nodes[w], nodes[d].account) != 1)
                        return false;
        return true;
}

static int pump_set(int except) {
        int n = 0;
        for (int i = 0; i < n_nodes; i++)
                if (i != except)
                        pumped[n++] = &nodes[i];
        return n;
}

/* How long a transition is waited for; a watcher that has not seen it by
 * then counts as this long (a lower bound), so misses weigh in the tail. */
#define WAIT_MS 10000

static void collect(int d, int want, double t0, struct samples *s) {
        for (int w = 0; w < n_nodes; w++) {
                if (!watches(w, d))
                        continue;
                double t = first_event(&nodes[w], nodes[d].account, want, t0);
                samples_add(s, t >= 0 ? t - t0 : WAIT_MS);
        }
}

static void *stop_device(void *arg) {
        live_close(arg);
        return NULL;
}

/* ---- the floor ---------------------------------------------------------- */

static _Atomic double floor_seen;
static uint64_t floor_value_id;

static void floor_cb(const struct pb_value_view *v, bool expired, void *userdata) {
        if (!expired && v->id == floor_value_id)
                atomic_store(&floor_seen, live_now_ms());
}

/* Two samples per round: from before signing (what OpenDHT's putSigned
 * costs), and from the put of a value signed beforehand (the network alone). */
static void measure_floor(const char *bootstrap, int count, struct samples *s,
                          struct samples *presigned) {
        pb_identity *ids[2] = { 0 };
        pb_node *n[2] = { 0 };
        if (live_raw_nodes(bootstrap, 2, (unsigned)key_bits, ids, n) < 0)
                return;
        pb_node *x = n[0], *y = n[1];
        pb_identity *iy = ids[1];
        for (int i = 0; i < count; i++) {
                pb_hash key = pb_hash_of(&i, sizeof(i));
                pb_listen *l = NULL;
                pb_node_listen(x, &key, floor_cb, NULL, NULL, &l);
                usleep(200000); /* let the listen reach the storage nodes */
                floor_value_id = pb_random_u64() | 1;
                atomic_store(&floor_seen, 0);
                uint8_t data[64] = { 1 }, *blob;
                size_t len;
                double t0 = live_now_ms();
                pb_value_sign(iy, 0, floor_value_id, data, sizeof(data), &blob, &len);
                double t1 = live_now_ms();
                pb_node_put_packed(y, &key, blob, len, false, NULL, NULL);
                free(blob);
                for (int k = 0; k < 500 && atomic_load(&floor_seen) == 0; k++)
                        usleep(1000);
                if (atomic_load(&floor_seen) > 0) {
                        samples_add(s, atomic_load(&floor_seen) - t0);
                        samples_add(presigned, atomic_load(&floor_seen) - t1);
                }
                pb_node_cancel_listen(x, l);
        }
        live_raw_nodes_free(2, ids, n);
}

/* The same floor with as many listeners (on as many nodes) as a device has
 * watchers here: a put then costs every listener's node a signature check,
 * on the same 2 cores, as an announcement does. */
#define FANOUT_MAX 16
static _Atomic double fanout_seen[FANOUT_MAX];

static void fanout_cb(const struct pb_value_view *v, bool expired, void *userdata) {
        double *slot = userdata;
        if (!expired && v->id == floor_value_id && *slot == 0)
                *slot = live_now_ms();
}

static void measure_fanout(const char *bootstrap, int listeners, int count, struct samples *s) {
        pb_identity *ids[FANOUT_MAX + 1] = { 0 };
        pb_node *n[FANOUT_MAX + 1] = { 0 };
        if (listeners > FANOUT_MAX)
                listeners = FANOUT_MAX;
        if (live_raw_nodes(bootstrap, listeners + 1, (unsigned)key_bits, ids, n) < 0)
                return;
        pb_node *y = n[listeners];
        for (int i = 0; i < count; i++) {
                pb_hash key = pb_hash_of(&i, sizeof(i));
                key.d[0] ^= 0x5a; /* not the keys of the two-node floor */
                pb_listen *l[FANOUT_MAX];
                for (int k = 0; k < listeners; k++) {
                        atomic_store(&fanout_seen[k], 0);
                        pb_node_listen(n[k], &key, fanout_cb, NULL, (void *)&fanout_seen[k], &l[k]);
                }
                usleep(300000);
                floor_value_id = pb_random_u64() | 1;
                uint8_t data[64] = { 2 }, *blob;
                size_t len;
                double t0 = live_now_ms();
                pb_value_sign(ids[listeners], 0, floor_value_id, data, sizeof(data), &blob, &len);
                pb_node_put_packed(y, &key, blob, len, false, NULL, NULL);
                free(blob);
                usleep(300000);
                for (int k = 0; k < listeners; k++) {
                        double t = atomic_load(&fanout_seen[k]);
                        if (t > 0)
                                samples_add(s, t - t0);
                        pb_node_cancel_listen(n[k], l[k]);
                }
        }
        live_raw_nodes_free(listeners + 1, ids, n);
}

/* ---- main ------------------------------------------------------------------ */

static void parse(int argc, char **argv) {
        int c;
        while ((c = getopt(argc, argv, "n:w:t:b:")) != -1) {
                switch (c) {
                case 'n': n_nodes = atoi(optarg); break;
                case 'w': n_watch = atoi(optarg); break;
                case 't': n_trans = atoi(optarg); break;
                case 'b': key_bits = atoi(optarg); break;
                default:
                        fprintf(stderr,
                                "usage: %s [-n NODES] [-w WATCHED] [-t TRANSITIONS] "
                                "[-b KEY_BITS]\n",
                                argv[0]);
                        exit(2);
                }
        }
        if (n_nodes < 3 || n_nodes > MAX_NODES || n_watch < 1 || n_watch >= n_nodes ||
            n_trans < 1) {
                fprintf(stderr, "bench-presence: bad sizes\n");
                exit(2);
        }
}

int main(int argc, char **argv) {
        parse(argc, argv);
        struct samples create = { 0 }, online = { 0 }, offline = { 0 }, floor_s = { 0 },
                       registered = { 0 }, floor_pre = { 0 }, fanout = { 0 };
        printf("# %d accounts on a loopback network, each watching %d, %d transitions each way, "
               "RSA-%d\n",
               n_nodes, n_watch, n_trans, key_bits);
        char bootstrap[64] = "";
        for (int i = 0; i < n_nodes; i++) {
                double t0 = live_now_ms();
                nodes[i].key_bits = (unsigned)key_bits;
                if (live_new_account(&nodes[i], i ? bootstrap : NULL) < 0) {
                        fprintf(stderr, "bench-presence: cannot create account %d\n", i);
                        return 1;
                }
                samples_add(&create, live_now_ms() - t0);
                if (i == 0) {
                        struct live_node *first[] = { &nodes[0] };
                        live_wait(first, 1, live_registered, &nodes[0], 10000);
                        snprintf(bootstrap, sizeof(bootstrap), "127.0.0.1:%u",
                                 live_port(&nodes[0]));
                }
        }
        int np = pump_set(-1);
        for (int i = 0; i < n_nodes; i++)
                if (!live_wait(pumped, np, live_registered, &nodes[i], 20000))
                        fprintf(stderr, "# account %d not registered\n", i);
        for (int w = 0; w < n_nodes; w++)
                for (int d = 0; d < n_nodes; d++)
                        if (watches(w, d))
                                peerbook_buddy_subscribe(nodes[w].ctx, nodes[w].account,
                                                         nodes[d].account);
        /* Everyone online before measuring. */
        for (int d = 0; d < n_nodes; d++) {
                struct all_seen s = { d, PEERBOOK_STATUS_ONLINE, 0 };
                live_wait(pumped, np, all_watchers_saw, &s, 20000);
        }

        int missed = 0;
        for (int k = 0; k < n_trans; k++) {
                int d = 1 + k % (n_nodes - 1); /* the bootstrap node stays up */
                /* Clean stop, in another thread, while the watchers are pumped here. */
                struct all_seen s = { d, PEERBOOK_STATUS_OFFLINE, live_now_ms() };
                np = pump_set(d);
                pthread_t th;
                pthread_create(&th, NULL, stop_device, &nodes[d]);
                if (!live_wait(pumped, np, all_watchers_saw, &s, WAIT_MS)) {
                        missed++;
                        report_miss(d, PEERBOOK_STATUS_OFFLINE, s.t0);
                }
                pthread_join(th, NULL);
                collect(d, PEERBOOK_STATUS_OFFLINE, s.t0, &offline);

                /* Restart from disk: REGISTERED, then every watcher sees it. */
                double t_open = live_now_ms();
                nodes[d].n_events = 0;
                live_open(&nodes[d]);
                np = pump_set(-1);
                live_wait(pumped, np, live_registered, &nodes[d], 10000);
                samples_add(&registered, live_now_ms() - t_open);
                struct all_seen on = { d, PEERBOOK_STATUS_ONLINE, t_open };
                if (!live_wait(pumped, np, all_watchers_saw, &on, WAIT_MS)) {
                        missed++;
                        report_miss(d, PEERBOOK_STATUS_ONLINE, t_open);
                }
                collect(d, PEERBOOK_STATUS_ONLINE,
                        (double)pb_ctx_announced_at(nodes[d].ctx, nodes[d].account), &online);
                /* Transitions are measured one at a time, as they happen in
                 * life: not while the last device is still catching up. */
                if (!live_wait(pumped, np, sees_its_buddies, &d, 10000))
                        fprintf(stderr, "# device %d does not see all its buddies\n", d);
        }
        measure_floor(bootstrap, 50, &floor_s, &floor_pre);
        measure_fanout(bootstrap, n_watch, 30, &fanout);

        samples_print("account creation (keys + folder)", &create);
        samples_print("restart -> REGISTERED", &registered);
        samples_print("floor: signed put -> listen callback", &floor_s);
        samples_print("floor, signed beforehand: put -> callback", &floor_pre);
        char label[64];
        snprintf(label, sizeof(label), "floor, %d listeners on %d nodes", n_watch, n_watch);
        samples_print(label, &fanout);
        samples_print("online: announcement -> watcher status 1", &online);
        samples_print("offline: clean stop -> watcher status 0", &offline);
        double f95 = samples_pct(&floor_s, 95), f50 = samples_pct(&floor_s, 50);
        printf("ratio to floor: online p50 %.2fx p95 %.2fx; offline p50 %.2fx p95 %.2fx\n",
               samples_pct(&online, 50) / f50, samples_pct(&online, 95) / f95,
               samples_pct(&offline, 50) / f50, samples_pct(&offline, 95) / f95);
        printf("ratio to the %d-listener floor: online p50 %.2fx p95 %.2fx\n", n_watch,
               samples_pct(&online, 50) / samples_pct(&fanout, 50),
               samples_pct(&online, 95) / samples_pct(&fanout, 95));
        printf("transitions not seen by every watcher within 10 s: %d\n", missed);

        for (int i = 0; i < n_nodes; i++) {
                live_close(&nodes[i]);
                char cmd[128];
                snprintf(cmd, sizeof(cmd), "rm -rf %s", nodes[i].dir);
                if (system(cmd) != 0)
                        fprintf(stderr, "cannot remove %s\n", nodes[i].dir);
        }
        return 0; /* a benchmark reports; the tests judge */
}
