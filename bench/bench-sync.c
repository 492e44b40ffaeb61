/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench-sync.c — sync between the devices of one account (issue 9) on a
 * loopback network of real OpenDHT nodes: one account on two devices (two
 * contexts in this process: create on device 1, export, import on device 2),
 * a standalone account as the bootstrap and -p plain nodes besides.
 *   live   = device 2's contactAdded / contactRemoved − the change's call on
 *            device 1, both running; N changes alternating add, remove, add,
 *            ban (a new contact for each add, so each event is told apart);
 *   later  = device 2 is stopped, device 1 makes K changes, each on a
 *            contact of its own (new contacts added; contacts device 2 had,
 *            removed or banned), W seconds pass (the case: 5
 *            minutes, the default), device 2 starts: the time from its
 *            peerbook_ctx_new() until it has reported all K changes, over R
 *            rounds.
 * A change not seen within 10 s (30 s after a start) counts as missed.
 *
 * Usage: bench-sync [-n CHANGES] [-k LATER_CHANGES] [-r ROUNDS] [-w WAIT_S]
 *                   [-p PLAIN_NODES] [-b KEY_BITS]
 */
#include <unistd.h>

#include "dht/dht.h"
#include "live.h"
#include "stats.h"

#define MAX_PLAIN 32
#define LIVE_WAIT_MS 10000
#define LATER_WAIT_MS 30000

static int n_changes = 60, n_later = 10, n_rounds = 3, wait_s = 300, n_plain = 8;
static int key_bits = LIVE_KEY_BITS;
static struct live_node boot, dev1, dev2;
static struct live_node *all[] = { &boot, &dev1, &dev2 };
static unsigned next_uri;

/* Change i of a series: an add of a new contact (no one runs it: its changes
 * only travel between our devices), then its removal or, every other time,
 * its ban. Returns the event device 2 reports for it, for uri and value. */
static int change(int i, char uri[PEERBOOK_ID_SIZE], int *value) {
        static char current[PEERBOOK_ID_SIZE];
        if (i % 2 == 0) {
                snprintf(current, sizeof(current), "%08x%032x", next_uri++, 0x5c);
                peerbook_contact_add(dev1.ctx, dev1.account, current);
        } else {
                peerbook_contact_remove(dev1.ctx, dev1.account, current, i % 4 == 3);
        }
        memcpy(uri, current, PEERBOOK_ID_SIZE);
        *value = i % 2 == 0 ? -1 : i % 4 == 3;
        return i % 2 == 0 ? PEERBOOK_EVENT_CONTACT_ADDED : PEERBOOK_EVENT_CONTACT_REMOVED;
}

static double first_event(const struct live_node *n, int type, const char *uri, int value,
                          double t0) {
        for (int i = 0; i < n->n_events; i++) {
                const struct live_event *e = &n->events[i];
                if ((int)e->type == type && e->at_ms >= t0 && !strcmp(e->uri, uri) &&
                    (value < 0 || e->value == value))
                        return e->at_ms;
        }
        return -1;
}

struct want {
        int type[LIVE_MAX_EVENTS / 2], value[LIVE_MAX_EVENTS / 2];
        char uri[LIVE_MAX_EVENTS / 2][PEERBOOK_ID_SIZE];
        int count;
        double t0, last; /* last: when the latest of them was reported */
};

static bool all_seen(void *arg) {
        struct want *w = arg;
        w->last = 0;
        for (int i = 0; i < w->count; i++) {
                double at = first_event(&dev2, w->type[i], w->uri[i], w->value[i], w->t0);
                if (at < 0)
                        return false;
                if (at > w->last)
                        w->last = at;
        }
        return true;
}

static void measure_live(struct samples *s, int *missed) {
        for (int i = 0; i < n_changes; i++) {
                struct want w = { .count = 1, .t0 = live_now_ms() };
                w.type[0] = change(i, w.uri[0], &w.value[0]);
                if (live_wait(all, 3, all_seen, &w, LIVE_WAIT_MS))
                        samples_add(s, w.last - w.t0);
                else
                        ++*missed;
        }
}

/* The changes device 2 must catch up with are each on a contact of their own,
 * as their sum is all it can see: new contacts added, and contacts it
 * already had (added first, while it runs) removed or banned. */
static void measure_later(struct samples *s, int *missed) {
        for (int round = 0; round < n_rounds; round++) {
                struct want pre = { .count = n_later / 2, .t0 = live_now_ms() };
                for (int i = 0; i < pre.count; i++)
                        pre.type[i] = change(0, pre.uri[i], &pre.value[i]);
                if (!live_wait(all, 3, all_seen, &pre, LATER_WAIT_MS)) {
                        ++*missed;
                        continue;
                }
                live_close(&dev2);
                struct want w = { .count = n_later };
                for (int i = 0; i < n_later; i++) {
                        if (i % 2 == 0) {
                                w.type[i] = change(0, w.uri[i], &w.value[i]);
                        } else {
                                memcpy(w.uri[i], pre.uri[i / 2], PEERBOOK_ID_SIZE);
                                w.type[i] = PEERBOOK_EVENT_CONTACT_REMOVED;
                                w.value[i] = i % 4 == 3; /* banned */
                                peerbook_contact_remove(dev1.ctx, dev1.account, w.uri[i],
                                                        w.value[i]);
                        }
                        live_run(all, 3, 50); /* device 1 puts it */
                }
                printf("# round %d: %d changes made, device 2 starts in %d s\n", round + 1, n_later,
                       wait_s);
                fflush(stdout);
                live_run(all, 3, wait_s * 1000);
                dev2.n_events = 0;
                w.t0 = live_now_ms();
                if (live_open(&dev2) < 0)
                        return;
                if (live_wait(all, 3, all_seen, &w, LATER_WAIT_MS))
                        samples_add(s, w.last - w.t0);
                else
                        ++*missed;
                for (int i = 0; getenv("BENCH_VERBOSE") && i < n_later; i++)
                        fprintf(stderr, "# change %d (%s): event after %.0f ms\n", i, w.uri[i],
                                first_event(&dev2, w.type[i], w.uri[i], w.value[i], w.t0) - w.t0);
        }
}

static void parse(int argc, char **argv) {
        int c;
        while ((c = getopt(argc, argv, "n:k:r:w:p:b:")) != -1) {
                switch (c) {
                case 'n': n_changes = atoi(optarg); break;
                case 'k': n_later = atoi(optarg); break;
                case 'r': n_rounds = atoi(optarg); break;
                case 'w': wait_s = atoi(optarg); break;
                case 'p': n_plain = atoi(optarg); break;
                case 'b': key_bits = atoi(optarg); break;
                default:
                        fprintf(stderr,
                                "usage: %s [-n CHANGES] [-k LATER_CHANGES] [-r ROUNDS] "
                                "[-w WAIT_S] [-p PLAIN_NODES] [-b KEY_BITS]\n",
                                argv[0]);
                        exit(2);
                }
        }
        if (n_changes < 1 || n_changes > 10000 || n_later < 1 || n_later > LIVE_MAX_EVENTS / 4 ||
            n_rounds < 1 || n_rounds > 100 || wait_s < 0 || wait_s > 3600 || n_plain < 0 ||
            n_plain > MAX_PLAIN) {
                fprintf(stderr,
                        "bench-sync: bad sizes (-k at most %d, -w at most 3600, -p at "
                        "most %d)\n",
                        LIVE_MAX_EVENTS / 4, MAX_PLAIN);
                exit(2);
        }
}

/* Device 1 (a new account), then device 2 (its export imported). */
static int two_devices(const char *bootstrap) {
        dev1.key_bits = dev2.key_bits = (unsigned)key_bits;
        if (live_new_account(&dev1, bootstrap) < 0 ||
            !live_wait(all, 3, live_registered, &dev1, 20000))
                return -1;
        snprintf(dev2.dir, sizeof(dev2.dir), "/tmp/peerbook-live-XXXXXX");
        if (!mkdtemp(dev2.dir))
                return -1;
        char archive[96];
        snprintf(archive, sizeof(archive), "%s/export.gz", dev2.dir);
        struct peerbook_account_params p = { .size = sizeof(p), .bootstrap = bootstrap };
        int r = peerbook_account_export(dev1.ctx, dev1.account, archive, NULL);
        if (r < 0 || (r = live_open(&dev2)) < 0 ||
            (r = peerbook_account_import(dev2.ctx, archive, &p, dev2.account)) < 0) {
                fprintf(stderr, "bench-sync: export/import: %s\n", strerror(-r));
                return -1;
        }
        unlink(archive);
        if (!live_wait(all, 3, live_registered, &dev2, 20000))
                return -1;
        /* Each has found the other (a first change made on device 1 reaches 2). */
        struct want w = { .count = 1, .t0 = live_now_ms() };
        w.type[0] = change(0, w.uri[0], &w.value[0]);
        bool ok = live_wait(all, 3, all_seen, &w, 60000);
        printf("# device 2 in sync %.0f ms after its import's registration%s\n",
               live_now_ms() - w.t0, ok ? "" : " (not: gave up after 60 s)");
        if (!ok)
                fprintf(stderr, "# devicesChanged events: device 1 %d, device 2 %d\n",
                        live_count(&dev1, PEERBOOK_EVENT_DEVICES_CHANGED, "", -1),
                        live_count(&dev2, PEERBOOK_EVENT_DEVICES_CHANGED, "", -1));
        return ok ? 0 : -1;
}

int main(int argc, char **argv) {
        parse(argc, argv);
        printf("# one account on two devices, %d plain nodes, RSA-%d; %d live changes, %d rounds of "
               "%d changes with device 2 started %d s later\n",
               n_plain, key_bits, n_changes, n_rounds, n_later, wait_s);
        boot.key_bits = (unsigned)key_bits;
        if (live_new_account(&boot, NULL) < 0 || !live_wait(all, 1, live_registered, &boot, 10000))
                return 1;
        char bootstrap[64];
        snprintf(bootstrap, sizeof(bootstrap), "127.0.0.1:%u", live_port(&boot));
        pb_identity *ids[MAX_PLAIN] = { 0 };
        pb_node *plain[MAX_PLAIN] = { 0 };
        if (live_raw_nodes(bootstrap, n_plain, 2048, ids, plain) < 0 ||
            two_devices(bootstrap) < 0) {
                fprintf(stderr, "bench-sync: set-up failed\n");
                return 1;
        }

        struct samples live = { 0 }, later = { 0 };
        int missed_live = 0, missed_later = 0;
        measure_live(&live, &missed_live);
        samples_print("live: change on 1 -> event on 2", &live);
        printf("live changes not seen within %d s: %d\n", LIVE_WAIT_MS / 1000, missed_live);
        fflush(stdout);
        measure_later(&later, &missed_later);
        char label[64];
        snprintf(label, sizeof(label), "later (%d s): start of 2 -> all %d", wait_s, n_later);
        samples_print(label, &later);
        printf("rounds not caught up within %d s: %d\n", LATER_WAIT_MS / 1000, missed_later);

        live_raw_nodes_free(n_plain, ids, plain);
        live_close_and_remove(&boot, 1);
        live_close_and_remove(&dev1, 1);
        live_close_and_remove(&dev2, 1);
        return 0; /* a benchmark reports; the tests judge */
}
