/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench-channels.c — direct channels between contacts (issue 8), on
 * 127.0.0.1 with real OpenDHT nodes and real TLS, RSA-2048 keys.
 *
 * The mesh: P plain DHT nodes and N accounts (a context and a node each),
 * each account a contact of the C nearest on a ring: peerbook_contact_add()
 * on both sides makes both active contacts, which is all a channel asks.
 * Every pair at status 2 before measuring; then
 *   start   = a contact's first status-2 event − the reopening of the
 *             device's context (after a clean stop: keys read, node
 *             started, saved addresses dialled, rendezvous);
 *   note    = a contact's buddy event carrying the note − the publish call;
 *   freeze  = a contact's status-0 event − the moment the device's context
 *             stops being processed. One process cannot SIGKILL a context:
 *             a freeze (as SIGSTOP) leaves its sockets open and unanswered,
 *             which only the beacons detect. A real SIGKILL closes the TCP
 *             connections and is seen at once (tests/daemon/test-channels.sh
 *             measures ~6 ms);
 *   thaw    = back to status 2 − the end of the freeze;
 *   dead    = start again, once D of the plain nodes were stopped.
 * A contact that misses a transition counts as the whole wait.
 *
 * The hub: one account in this process with H contacts, each an account of
 * its own in K forked children (one context of H/K accounts each, made once
 * and kept in a cache folder). This process's RSS and CPU (every thread)
 * with every channel listener off, so that no channel can form, then with
 * the hub's listener on and the H channels open: the difference per
 * channel, and the CPU over an idle window in both states.
 *
 * The CPU of the hub's own thread (RUSAGE_THREAD) is the channels' share:
 * TLS, frames and beacons run there, OpenDHT in threads of its own.
 *
 * Usage: bench-channels [-n ACCOUNTS] [-p PLAIN] [-c CONTACTS] [-r RESTARTS]
 *                       [-f FREEZES] [-d DEAD] [-H HUB_CONTACTS] [-k CHILDREN]
 *                       [-w IDLE_S] [-m mesh|hub|both]
 */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dht/dht.h"
#include "live.h"
#include "stats.h"
#include "store.h"

#define PB_PUBKEY_SEED 550 /* an RSA-2048 public key, DER: 294 bytes */
#define MAX_ACCOUNTS 64
#define MAX_PLAIN 64
/* OpenDHT's sockets are watched with select(): a process aborts once one of
 * them is past FD_SETSIZE (1024). An account holds ~10 descriptors, so a
 * child runs at most ~90 accounts. */
#define MAX_CHILDREN 32
#define WAIT_MS 10000        /* a start, a thaw */
#define FREEZE_WAIT_MS 20000 /* a freeze: the test allows 20 s */
#define NOTE_WAIT_MS 5000
#define SETTLE_MS 10000
#define BOOTSTRAP_PEERS 15 /* plain nodes beside the hub's bootstrap node */

static int n_acc = 20, n_plain = 20, n_contacts = 10, n_restarts = 10, n_freezes = 5, n_notes = 20,
           n_dead = -1, hub_contacts = 1000, n_children = 16, idle_s = 30;
static const char *mode = "both";

/* ---- the mesh ------------------------------------------------------------ */

static struct live_node acc[MAX_ACCOUNTS];
static struct live_node *pumped[MAX_ACCOUNTS];
static int n_pumped;
static pb_node *plain[MAX_PLAIN];
static pb_identity *plain_id[MAX_PLAIN];

/* The note being measured, and when each account's event carried it. */
static char want_note[96];
static int note_from = -1;
static double note_at[MAX_ACCOUNTS];

static void on_event(const struct peerbook_event *ev, void *userdata) {
        struct live_node *n = userdata;
        live_on_event(ev, n);
        if (ev->type == PEERBOOK_EVENT_BUDDY && note_from >= 0 && ev->buddy.line_status &&
            !strcmp(ev->buddy.uri, acc[note_from].account) &&
            !strcmp(ev->buddy.line_status, want_note) && note_at[n - acc] == 0)
                note_at[n - acc] = live_now_ms();
}

static int open_account(int i) {
        int r = live_open(&acc[i]);
        if (r == 0)
                peerbook_ctx_set_event_cb(acc[i].ctx, on_event, &acc[i]);
        return r;
}

static bool is_contact(int i, int j) {
        int k = (j - i + n_acc) % n_acc;
        return k != 0 && (k <= n_contacts / 2 || k >= n_acc - n_contacts / 2);
}

/* The pairs measured: contacts whose channel formed during the set-up. */
static bool linked[MAX_ACCOUNTS][MAX_ACCOUNTS];

static void pump_all_but(int except) {
        n_pumped = 0;
        for (int i = 0; i < n_acc; i++)
                if (i != except)
                        pumped[n_pumped++] = &acc[i];
}

/* The first event of n for uri with `status` at or after t0, or -1. */
static double first_status(const struct live_node *n, const char *uri, int status, double t0) {
        for (int i = 0; i < n->n_events; i++) {
                const struct live_event *e = &n->events[i];
                if (e->type == PEERBOOK_EVENT_BUDDY && e->value == status && e->at_ms >= t0 &&
                    !strcmp(e->uri, uri))
                        return e->at_ms;
        }
        return -1;
}

struct transition {
        int device, status;
        double t0;
};

static bool contacts_saw(void *arg) {
        struct transition *t = arg;
        for (int w = 0; w < n_acc; w++)
                if (linked[w][t->device] &&
                    first_status(&acc[w], acc[t->device].account, t->status, t->t0) < 0)
                        return false;
        return true;
}

static void collect(const struct transition *t, double wait_ms, struct samples *s) {
        for (int w = 0; w < n_acc; w++) {
                if (!linked[w][t->device])
                        continue;
                double at = first_status(&acc[w], acc[t->device].account, t->status, t->t0);
                samples_add(s, at >= 0 ? at - t->t0 : wait_ms);
        }
}

/* d sees every contact at 2, or (all < 0) every pair is at 2. */
static bool connected(void *arg) {
        int d = *(int *)arg;
        for (int i = 0; i < n_acc; i++)
                for (int j = 0; j < n_acc; j++)
                        if ((d < 0 ? is_contact(i, j) : i == d && linked[i][j]) &&
                            live_last_status(&acc[i], acc[j].account) != PEERBOOK_STATUS_CONNECTED)
                                return false;
        return true;
}

static void wait_connected(int d) {
        pump_all_but(-1);
        if (!live_wait(pumped, n_pumped, connected, &d, WAIT_MS))
                fprintf(stderr, "# account %d does not see all its contacts at 2\n", d);
}

struct stopping {
        int device;
        atomic_bool done;
};

static void *stop_thread(void *arg) {
        struct stopping *s = arg;
        live_close(&acc[s->device]);
        atomic_store(&s->done, true);
        return NULL;
}

/* Stopped, and no contact sees it at 2 any more. */
static bool stopped(void *arg) {
        struct stopping *s = arg;
        if (!atomic_load(&s->done))
                return false;
        for (int w = 0; w < n_acc; w++)
                if (linked[w][s->device] &&
                    live_last_status(&acc[w], acc[s->device].account) == PEERBOOK_STATUS_CONNECTED)
                        return false;
        return true;
}

/* A clean stop of d (its contacts processed meanwhile), then its start:
 * when each contact sees it at 2 again. Returns the misses. */
static int restart(int d, struct samples *s) {
        struct stopping st = { .device = d };
        pump_all_but(d);
        pthread_t th;
        pthread_create(&th, NULL, stop_thread, &st);
        if (!live_wait(pumped, n_pumped, stopped, &st, WAIT_MS))
                fprintf(stderr, "# account %d: a contact still sees it at 2 after its stop\n", d);
        pthread_join(th, NULL);
        acc[d].n_events = 0;
        struct transition on = { d, PEERBOOK_STATUS_CONNECTED, live_now_ms() };
        if (open_account(d) < 0) {
                fprintf(stderr, "bench-channels: cannot reopen account %d\n", d);
                exit(1);
        }
        pump_all_but(-1);
        bool all = live_wait(pumped, n_pumped, contacts_saw, &on, WAIT_MS);
        collect(&on, WAIT_MS, s);
        wait_connected(d);
        return !all;
}

/* d is not processed (its sockets stay open, unanswered) until every
 * contact sees it at 0; then it runs again until they see it at 2. */
static int freeze(int d, struct samples *gone, struct samples *back) {
        pump_all_but(d);
        struct transition off = { d, PEERBOOK_STATUS_OFFLINE, live_now_ms() };
        int missed = !live_wait(pumped, n_pumped, contacts_saw, &off, FREEZE_WAIT_MS);
        collect(&off, FREEZE_WAIT_MS, gone);
        pump_all_but(-1);
        struct transition on = { d, PEERBOOK_STATUS_CONNECTED, live_now_ms() };
        missed += !live_wait(pumped, n_pumped, contacts_saw, &on, FREEZE_WAIT_MS);
        collect(&on, FREEZE_WAIT_MS, back);
        wait_connected(d);
        return missed;
}

static bool notes_arrived(void *arg) {
        int d = *(int *)arg;
        for (int w = 0; w < n_acc; w++)
                if (linked[w][d] && note_at[w] == 0)
                        return false;
        return true;
}

static int note(int k, struct samples *s) {
        int d = k % n_acc;
        snprintf(want_note, sizeof(want_note), "note %d: Déjeuner 🍽 <back at 2> & \"more\"", k);
        memset(note_at, 0, sizeof(note_at));
        note_from = d;
        pump_all_but(-1);
        double t0 = live_now_ms();
        peerbook_presence_publish(acc[d].ctx, acc[d].account, want_note);
        bool all = live_wait(pumped, n_pumped, notes_arrived, &d, NOTE_WAIT_MS);
        for (int w = 0; w < n_acc; w++)
                if (linked[w][d])
                        samples_add(s, note_at[w] > 0 ? note_at[w] - t0 : NOTE_WAIT_MS);
        note_from = -1;
        return !all;
}

struct plain_range {
        int from, to;
        atomic_bool done;
};

static void *kill_plain(void *arg) {
        struct plain_range *r = arg;
        for (int i = r->from; i < r->to; i++)
                plain[i] = pb_node_free(plain[i]);
        atomic_store(&r->done, true);
        return NULL;
}

static bool killed(void *arg) {
        return atomic_load(&((struct plain_range *)arg)->done);
}

static int start_plain(char bootstrap[64]) {
        if (pb_identity_generate("plain", NULL, LIVE_KEY_BITS, &plain_id[0]) < 0)
                return -1;
        struct pb_node_config c = { .identity = plain_id[0] };
        if (pb_node_start(&c, &plain[0]) < 0)
                return -1;
        snprintf(bootstrap, 64, "127.0.0.1:%u", pb_node_port(plain[0]));
        return live_raw_nodes(bootstrap, n_plain - 1, LIVE_KEY_BITS, plain_id + 1, plain + 1);
}

static int mesh(void) {
        char bootstrap[64];
        double t0 = live_now_ms();
        printf("# mesh: %d accounts each with %d contacts, %d plain DHT nodes, RSA-%d\n", n_acc,
               n_contacts, n_plain, LIVE_KEY_BITS);
        if (start_plain(bootstrap) < 0) {
                fprintf(stderr, "bench-channels: cannot start the plain nodes\n");
                return 1;
        }
        for (int i = 0; i < n_acc; i++) {
                if (live_new_account(&acc[i], bootstrap) < 0) {
                        fprintf(stderr, "bench-channels: cannot create account %d\n", i);
                        return 1;
                }
                peerbook_ctx_set_event_cb(acc[i].ctx, on_event, &acc[i]);
        }
        pump_all_but(-1);
        for (int i = 0; i < n_acc; i++)
                if (!live_wait(pumped, n_pumped, live_registered, &acc[i], 20000))
                        fprintf(stderr, "# account %d not registered\n", i);
        double t_contacts = live_now_ms();
        for (int i = 0; i < n_acc; i++)
                for (int j = 0; j < n_acc; j++)
                        if (is_contact(i, j))
                                peerbook_contact_add(acc[i].ctx, acc[i].account, acc[j].account);
        int all = -1;
        if (!live_wait(pumped, n_pumped, connected, &all, 60000)) {
                int st[4] = { 0 };
                for (int i = 0; i < n_acc; i++)
                        for (int j = 0; j < n_acc; j++)
                                if (is_contact(i, j))
                                        st[live_last_status(&acc[i], acc[j].account) + 1]++;
                fprintf(stderr,
                        "# after 60 s, of the %d directed pairs: %d no event, %d at 0, "
                        "%d at 1, %d at 2\n",
                        n_acc * n_contacts, st[0], st[1], st[2], st[3]);
        }
        int pairs = 0;
        for (int i = 0; i < n_acc; i++)
                for (int j = 0; j < n_acc; j++) {
                        linked[i][j] = is_contact(i, j) &&
                                       live_last_status(&acc[i], acc[j].account) == 2 &&
                                       live_last_status(&acc[j], acc[i].account) == 2;
                        pairs += linked[i][j] && i < j;
                }
        printf("# set-up %.1f s; %d of the %d pairs at 2 %.1f s after the contacts were added: "
               "those are measured\n",
               (t_contacts - t0) / 1e3, pairs, n_acc * n_contacts / 2,
               (live_now_ms() - t_contacts) / 1e3);
        live_run(pumped, n_pumped, 2000);

        struct samples start = { 0 }, notes = { 0 }, gone = { 0 }, back = { 0 }, dead = { 0 };
        int missed_start = 0, missed_notes = 0, missed_freeze = 0, missed_dead = 0;
        for (int k = 0; k < n_notes; k++)
                missed_notes += note(k, &notes);
        for (int k = 0; k < n_restarts; k++)
                missed_start += restart((k * 7 + 1) % n_acc, &start);
        for (int k = 0; k < n_freezes; k++)
                missed_freeze += freeze((k * 7 + 4) % n_acc, &gone, &back);

        struct plain_range r = { .from = n_plain - n_dead, .to = n_plain };
        pthread_t th;
        pump_all_but(-1);
        pthread_create(&th, NULL, kill_plain, &r);
        live_wait(pumped, n_pumped, killed, &r, 60000);
        pthread_join(th, NULL);
        printf("# stopped %d of the %d plain nodes (%d of %d DHT nodes with the accounts')\n",
               n_dead, n_plain, n_dead, n_plain + n_acc);
        for (int k = 0; k < n_restarts; k++)
                missed_dead += restart((k * 7 + 2) % n_acc, &dead);

        samples_print("start -> contacts' status 2", &start);
        samples_print("note -> contacts' lineStatus", &notes);
        samples_print("freeze (as SIGSTOP) -> contacts' status 0", &gone);
        samples_print("end of the freeze -> contacts' status 2", &back);
        char label[80];
        snprintf(label, sizeof(label), "start, %d of %d DHT nodes dead -> status 2", n_dead,
                 n_plain + n_acc);
        samples_print(label, &dead);
        printf("misses (counted as the whole wait): start %d/%d, note %d/%d, freeze %d/%d, "
               "dead %d/%d\n",
               missed_start, n_restarts, missed_notes, n_notes, missed_freeze, 2 * n_freezes,
               missed_dead, n_restarts);
        printf("\n| what | figure | target | command |\n| --- | --- | --- | --- |\n");
        printf("| channels: a device's start → contacts' status 2 (%d accounts × %d contacts, "
               "%d plain nodes, %zu samples) | %.1f / %.1f / %.1f ms | | "
               "`build/bench/bench-channels -m mesh` |\n",
               n_acc, n_contacts, n_plain, start.n, samples_pct(&start, 50),
               samples_pct(&start, 95), samples_pct(&start, 100));
        printf("| channels: note → contacts' `lineStatus` (%zu samples) | %.2f / %.2f / %.2f ms "
               "| p95 ≤ 20 ms | same run |\n",
               notes.n, samples_pct(&notes, 50), samples_pct(&notes, 95), samples_pct(&notes, 100));
        printf("| channels: a frozen device (as SIGSTOP; SIGKILL closes TCP: ~6 ms) → contacts' "
               "status 0 (%zu samples) | %.2f / %.2f / %.2f s | p95 ≤ 15 s | same run |\n",
               gone.n, samples_pct(&gone, 50) / 1e3, samples_pct(&gone, 95) / 1e3,
               samples_pct(&gone, 100) / 1e3);
        printf("| channels: end of the freeze → contacts' status 2 | %.1f / %.1f / %.1f ms | | "
               "same run |\n",
               samples_pct(&back, 50), samples_pct(&back, 95), samples_pct(&back, 100));
        printf("| channels: start → contacts' status 2 with %d of %d DHT nodes just stopped "
               "(%zu samples) | %.1f / %.1f / %.1f ms | p95 ≤ 200 ms | same run |\n",
               n_dead, n_plain + n_acc, dead.n, samples_pct(&dead, 50), samples_pct(&dead, 95),
               samples_pct(&dead, 100));
        printf("\n");

        for (int i = 0; i < n_acc; i++) {
                live_close(&acc[i]);
                char cmd[128];
                snprintf(cmd, sizeof(cmd), "rm -rf %s", acc[i].dir);
                if (system(cmd) != 0)
                        fprintf(stderr, "cannot remove %s\n", acc[i].dir);
        }
        live_raw_nodes_free(n_plain - n_dead, plain_id, plain);
        for (int i = n_plain - n_dead; i < n_plain; i++)
                plain_id[i] = pb_identity_free(plain_id[i]);
        return 0;
}

/* ---- the hub ------------------------------------------------------------- */

static char cache[40]; /* fits live_node.dir with "/childK" */

struct child {
        pid_t pid;
        int cmd;   /* we write */
        FILE *out; /* we read */
};
static struct child children[MAX_CHILDREN + 1];

static void no_event(const struct peerbook_event *ev, void *userdata) {
        (void)ev;
        (*(long *)userdata)++;
}

/* Pumps one context until `stop` is readable or closes (bounded: 1 h). */
static void serve(peerbook_ctx *ctx, int stop) {
        double end = live_now_ms() + 3600e3;
        while (live_now_ms() < end) {
                struct pollfd p[2] = { { .fd = peerbook_ctx_get_fd(ctx), .events = POLLIN },
                                       { .fd = stop, .events = POLLIN } };
                int t = peerbook_ctx_get_timeout_ms(ctx);
                poll(p, 2, t < 0 || t > 100 ? 100 : t);
                peerbook_ctx_process(ctx);
                if (p[1].revents)
                        return;
        }
}

/* The hub's device and where its listener is, written into each account's
 * database with the context closed, as if each had reached the hub before
 * (what a restart dials first): on a loopback network of 1,000 OpenDHT
 * nodes the hub's contacts do not find each other on the DHT (README), and
 * this benchmark measures channels, not that. */
static void seed(struct live_node *n, const char *line) {
        char hub[PEERBOOK_ID_SIZE], dev[PEERBOOK_ID_SIZE], pkhex[2 * PB_PUBKEY_SEED + 1];
        unsigned port;
        uint8_t pk[PB_PUBKEY_SEED];
        if (sscanf(line, "seed %40s %40s %1100s %u", hub, dev, pkhex, &port) != 4)
                return;
        size_t len = strlen(pkhex) / 2;
        for (size_t i = 0; i < len; i++)
                sscanf(pkhex + 2 * i, "%2hhx", &pk[i]);
        char **ids = NULL, key[64], addr[32];
        int have = peerbook_account_list(n->ctx, &ids);
        live_close(n);
        snprintf(key, sizeof(key), "reach:%s", dev);
        snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
        for (int i = 0; i < have; i++) {
                char path[192];
                pb_store *s = NULL;
                snprintf(path, sizeof(path), "%s/%s/account.db", n->dir, ids[i]);
                if (pb_store_open(path, false, &s) < 0)
                        continue;
                pb_store_device_put(s, hub, dev, pk, len);
                pb_store_set(s, key, addr);
                pb_store_close(s);
        }
        peerbook_list_free(ids);
        live_open(n);
}

/* A child: `count` contact accounts of the hub in one context, created the
 * first time (RSA-2048, no channel listener: they dial the hub). Writes
 * their IDs, then "ready", then serves until its command pipe closes. */
static int child_main(int k, int in, int out) {
        char line[1400], boot[64], hub[PEERBOOK_ID_SIZE];
        int count;
        FILE *cmd = fdopen(in, "r"), *o = fdopen(out, "w");
        if (!cmd || !o || !fgets(line, sizeof(line), cmd) ||
            sscanf(line, "start %63s %40s %d", boot, hub, &count) != 3)
                return 1;
        struct live_node n = { .key_bits = LIVE_KEY_BITS };
        snprintf(n.dir, sizeof(n.dir), "%.40s/child%d", cache, k % MAX_CHILDREN);
        mkdir(n.dir, 0700);
        long events = 0;
        if (live_open(&n) < 0)
                return 1;
        peerbook_ctx_set_event_cb(n.ctx, no_event, &events);
        char **ids = NULL;
        int have = peerbook_account_list(n.ctx, &ids);
        peerbook_list_free(ids);
        for (int i = have; i < count; i++) {
                struct peerbook_account_params p = {
                        .size = sizeof(p), .alias = "contact", .bootstrap = boot, .channel_port = -1
                };
                char id[PEERBOOK_ID_SIZE];
                if (peerbook_account_create(n.ctx, &p, id) < 0)
                        return 1;
                peerbook_ctx_process(n.ctx);
                if ((i + 1) % 50 == 0)
                        fprintf(stderr, "# child %d: %d accounts made\n", k, i + 1);
        }
        have = peerbook_account_list(n.ctx, &ids);
        for (int i = 0; i < have; i++) {
                struct peerbook_account_params p = { .size = sizeof(p),
                                                     .fields = PEERBOOK_PARAM_CHANNEL_PORT,
                                                     .channel_port = -1 };
                peerbook_account_update(n.ctx, ids[i], &p);
                peerbook_contact_add(n.ctx, ids[i], hub);
                fprintf(o, "%s\n", ids[i]);
        }
        peerbook_list_free(ids);
        fprintf(o, "ready\n");
        fflush(o);
        if (getenv("BENCH_VERBOSE")) {
                struct live_node *one[] = { &n };
                live_run(one, 1, 20000);
                have = peerbook_account_list(n.ctx, &ids);
                for (int i = 0; i < have; i++) {
                        struct peerbook_account_info *info = NULL;
                        struct peerbook_buddy **list = NULL;
                        peerbook_account_get_info(n.ctx, ids[i], &info);
                        peerbook_buddy_list(n.ctx, ids[i], &list);
                        fprintf(stderr, "# child %d: %s reg %d port %u, hub status %d\n", k, ids[i],
                                info ? (int)info->registration : -1, info ? info->dht_port : 0,
                                list && list[0] ? (int)list[0]->status : -1);
                        peerbook_free(info);
                        peerbook_list_free(list);
                }
                peerbook_list_free(ids);
        }
        for (int round = 0; round < 4; round++) {
                serve(n.ctx, in);
                if (!fgets(line, sizeof(line), cmd))
                        break; /* the parent closed the pipe: stop */
                seed(&n, line);
                peerbook_ctx_set_event_cb(n.ctx, no_event, &events);
        }
        live_close(&n);
        return 0;
}

/* The last child: the plain DHT node everyone bootstraps from, on the port
 * of the last run (the accounts keep their bootstrap), a free one the
 * first time. Writes its port, then runs until its command pipe closes. */
static int bootstrap_main(int in, int out) {
        char path[64], buf[16] = "";
        snprintf(path, sizeof(path), "%.40s/bootstrap-port", cache);
        FILE *f = fopen(path, "r");
        if (f && !fgets(buf, sizeof(buf), f))
                buf[0] = 0;
        if (f)
                fclose(f);
        pb_identity *id = NULL;
        pb_node *node = NULL;
        struct pb_node_config c = { .port = (uint16_t)atoi(buf) };
        if (pb_identity_generate("bootstrap", NULL, LIVE_KEY_BITS, &id) < 0)
                return 1;
        c.identity = id;
        if (pb_node_start(&c, &node) < 0) {
                fprintf(stderr, "# port %u taken: the cached accounts lose their bootstrap\n",
                        c.port);
                c.port = 0;
                if (pb_node_start(&c, &node) < 0)
                        return 1;
        }
        if ((f = fopen(path, "w"))) {
                fprintf(f, "%u\n", pb_node_port(node));
                fclose(f);
        }
        /* A network already formed when the accounts put their announcements:
         * values stored on a network of two would be out of their nodes'
         * reach once it has grown (until the announcement's refresh). */
        char boot[32];
        pb_identity *ids[BOOTSTRAP_PEERS] = { 0 };
        pb_node *peers[BOOTSTRAP_PEERS] = { 0 };
        snprintf(boot, sizeof(boot), "127.0.0.1:%u", pb_node_port(node));
        live_raw_nodes(boot, BOOTSTRAP_PEERS, LIVE_KEY_BITS, ids, peers);
        dprintf(out, "%u\n", pb_node_port(node));
        while (read(in, buf, sizeof(buf)) > 0)
                ;
        live_raw_nodes_free(BOOTSTRAP_PEERS, ids, peers);
        pb_node_free(node);
        pb_identity_free(id);
        return 0;
}

/* Forked before any thread of the library's runs: the contacts' children,
 * then the bootstrap node's. */
static int fork_children(void) {
        for (int k = 0; k <= n_children; k++) {
                int down[2], up[2];
                if (pipe(down) < 0 || pipe(up) < 0)
                        return -1;
                pid_t pid = fork();
                if (pid < 0)
                        return -1;
                if (pid == 0) {
                        close(down[1]);
                        close(up[0]);
                        for (int j = 0; j < k; j++) {
                                close(children[j].cmd);
                                fclose(children[j].out);
                        }
                        _exit(k < n_children ? child_main(k, down[0], up[1])
                                             : bootstrap_main(down[0], up[1]));
                }
                close(down[0]);
                close(up[1]);
                children[k] =
                        (struct child){ .pid = pid, .cmd = down[1], .out = fdopen(up[0], "r") };
        }
        return 0;
}

static void stop_children(void) {
        for (int k = 0; k <= n_children; k++)
                if (children[k].pid > 0)
                        close(children[k].cmd);
        for (int k = 0; k <= n_children; k++) {
                if (children[k].pid <= 0)
                        continue;
                int st;
                for (int t = 0; t < 300 && waitpid(children[k].pid, &st, WNOHANG) == 0; t++)
                        usleep(100000);
                if (waitpid(children[k].pid, &st, WNOHANG) == 0) {
                        kill(children[k].pid, SIGKILL);
                        waitpid(children[k].pid, &st, 0);
                }
                fclose(children[k].out);
        }
}

static int set_channel_port(struct live_node *n, int32_t port) {
        struct peerbook_account_params p = { .size = sizeof(p),
                                             .fields = PEERBOOK_PARAM_CHANNEL_PORT,
                                             .channel_port = port };
        return peerbook_account_update(n->ctx, n->account, &p);
}

struct buddy_count {
        struct live_node *hub;
        int want;
        bool connected; /* count those at 2, else those seen at all */
};

/* To stderr: how many of the hub's buddies are at each status. */
static void print_statuses(struct live_node *hub) {
        struct peerbook_buddy **list = NULL;
        int n[3] = { 0 };
        if (peerbook_buddy_list(hub->ctx, hub->account, &list) < 0)
                return;
        for (struct peerbook_buddy **b = list; *b; b++) {
                n[(*b)->status % 3]++;
                if (getenv("BENCH_VERBOSE") && (*b)->status != PEERBOOK_STATUS_CONNECTED)
                        fprintf(stderr, "#   %s: status %d, %u devices\n", (*b)->uri, (*b)->status,
                                (*b)->devices);
        }
        peerbook_list_free(list);
        fprintf(stderr, "# hub's contacts: %d at 0, %d at 1, %d at 2\n", n[0], n[1], n[2]);
}

static bool buddies_at(void *arg) {
        struct buddy_count *c = arg;
        struct peerbook_buddy **list = NULL;
        int n = 0;
        if (peerbook_buddy_list(c->hub->ctx, c->hub->account, &list) < 0)
                return false;
        for (struct peerbook_buddy **b = list; *b; b++)
                n += c->connected ? (*b)->status == PEERBOOK_STATUS_CONNECTED
                                  : (*b)->status != PEERBOOK_STATUS_OFFLINE;
        peerbook_list_free(list);
        return n >= c->want;
}

struct idle {
        double cpu_pct, thread_pct, wakeups;
        long rss_kb;
        size_t heap;
};

/* The hub alone processed for `s` seconds: its CPU (every thread) as a
 * share of one core, its wake-ups per second; then RSS and malloc's bytes. */
static void measure_idle(struct live_node *hub, int s, struct idle *ret) {
        struct live_node *one[] = { hub };
        struct rusage r0, r1;
        getrusage(RUSAGE_THREAD, &r0);
        double c0 = cpu_ms(), t0 = live_now_ms(), end = t0 + s * 1e3;
        long wakeups = 0;
        for (double left = end - t0; left > 0; left = end - live_now_ms()) {
                live_pump(one, 1, left < 1000 ? (int)left + 1 : 1000);
                wakeups++;
        }
        double wall = live_now_ms() - t0;
        ret->cpu_pct = (cpu_ms() - c0) / wall * 100;
        getrusage(RUSAGE_THREAD, &r1);
        ret->thread_pct = ((r1.ru_utime.tv_sec - r0.ru_utime.tv_sec + r1.ru_stime.tv_sec -
                            r0.ru_stime.tv_sec) *
                                   1e3 +
                           (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec + r1.ru_stime.tv_usec -
                            r0.ru_stime.tv_usec) /
                                   1e3) /
                          wall * 100;
        ret->wakeups = wakeups / (wall / 1e3);
        ret->rss_kb = status_kb("VmRSS");
        ret->heap = mallinfo2().uordblks;
}

/* Tells the children where the hub's listener is (seed()). */
static void send_seed(struct live_node *hub) {
        pb_identity *id = NULL;
        uint8_t *pk = NULL;
        size_t len = 0;
        _cleanup_record_ struct peerbook_account_info *info = live_info(hub);
        if (!info || live_device_identity(hub, &id, &pk, &len) < 0 || len > PB_PUBKEY_SEED)
                return;
        char hex[2 * PB_PUBKEY_SEED + 1];
        for (size_t i = 0; i < len; i++)
                snprintf(hex + 2 * i, 3, "%02x", pk[i]);
        for (int k = 0; k < n_children; k++)
                dprintf(children[k].cmd, "seed %s %s %s %u\n", hub->account, info->device_id, hex,
                        info->channel_port);
        free(pk);
        pb_identity_free(id);
}

static int hub_bench(void) {
        struct live_node hub = { .key_bits = LIVE_KEY_BITS };
        struct live_node *one[] = { &hub };
        long events = 0;
        char boot[64], port[16];
        if (!fgets(port, sizeof(port), children[n_children].out))
                return 1;
        snprintf(boot, sizeof(boot), "127.0.0.1:%u", (unsigned)atoi(port));
        snprintf(hub.dir, sizeof(hub.dir), "%.40s/hub", cache);
        double t0 = live_now_ms();
        if (live_open(&hub) < 0)
                return 1;
        peerbook_ctx_set_event_cb(hub.ctx, no_event, &events);
        char **ids = NULL;
        if (peerbook_account_list(hub.ctx, &ids) > 0) {
                snprintf(hub.account, sizeof(hub.account), "%s", ids[0]);
        } else {
                struct peerbook_account_params p = {
                        .size = sizeof(p), .alias = "hub", .bootstrap = boot, .channel_port = -1
                };
                if (peerbook_account_create(hub.ctx, &p, hub.account) < 0)
                        return 1;
        }
        peerbook_list_free(ids);
        set_channel_port(&hub, -1);
        live_wait(one, 1, live_registered, &hub, 10000);
        int per = (hub_contacts + n_children - 1) / n_children, total = 0;
        for (int k = 0; k < n_children; k++) {
                int count = hub_contacts - k * per < per ? hub_contacts - k * per : per;
                dprintf(children[k].cmd, "start %s %s %d\n", boot, hub.account, count);
        }
        /* The children make their keys (the first time) while the hub runs. */
        for (int k = 0; k < n_children; k++) {
                char line[128];
                while (fgets(line, sizeof(line), children[k].out) && strcmp(line, "ready\n")) {
                        line[strcspn(line, "\n")] = 0;
                        peerbook_contact_add(hub.ctx, hub.account, line);
                        total++;
                        live_pump(one, 1, 0);
                }
        }
        if (total == 0) {
                fprintf(stderr, "bench-channels: the children made no contact\n");
                return 1;
        }
        printf("# hub: %d contacts in %d child processes, RSA-%d, ready in %.1f s (keys are "
               "made once, kept in %s)\n",
               total, n_children, LIVE_KEY_BITS, (live_now_ms() - t0) / 1e3, cache);
        fflush(stdout);
        struct buddy_count seen = { &hub, total, false };
        if (!live_wait(one, 1, buddies_at, &seen, 60000))
                print_statuses(&hub);
        live_run(one, 1, SETTLE_MS);
        _cleanup_record_ struct peerbook_account_info *before = live_info(&hub);
        struct idle off, on;
        measure_idle(&hub, idle_s, &off);
        printf("# channels off: %llu open; RSS %.1f MiB, heap %.1f MiB, CPU %.3f %% of a core "
               "(its own thread %.3f %%), %.1f wake-ups/s\n",
               (unsigned long long)(before ? before->channels : 0), off.rss_kb / 1024.0,
               off.heap / 1048576.0, off.cpu_pct, off.thread_pct, off.wakeups);

        double t1 = live_now_ms();
        set_channel_port(&hub, 0);
        send_seed(&hub);
        struct buddy_count all = { &hub, total, true };
        if (!live_wait(one, 1, buddies_at, &all, 60000))
                print_statuses(&hub);
        double opened_s = (live_now_ms() - t1) / 1e3;
        live_run(one, 1, SETTLE_MS);
        long events_before = events;
        measure_idle(&hub, idle_s, &on);
        _cleanup_record_ struct peerbook_account_info *after = live_info(&hub);
        unsigned long long open = after ? after->channels : 0;
        printf("# channels on: %llu open (all within %.1f s; %llu refused, %llu dropped); RSS "
               "%.1f MiB, heap %.1f MiB, CPU %.3f %% of a core (its own thread %.3f %%), %.1f "
               "wake-ups/s, %ld events while idle\n",
               open, opened_s, (unsigned long long)(after ? after->channels_refused : 0),
               (unsigned long long)(after ? after->channels_dropped : 0), on.rss_kb / 1024.0,
               on.heap / 1048576.0, on.cpu_pct, on.thread_pct, on.wakeups, events - events_before);
        double per_rss = open ? (on.rss_kb - off.rss_kb) / (double)open : 0;
        double per_heap = open ? ((double)on.heap - (double)off.heap) / 1024.0 / (double)open : 0;
        printf("\n| what | figure | target | command |\n| --- | --- | --- | --- |\n");
        printf("| channels: a daemon with %llu connected contact devices: RSS per channel "
               "(with − without channels) | %.1f KB (heap %.1f KB) | ≤ 64 KB | "
               "`build/bench/bench-channels -m hub` |\n",
               open, per_rss, per_heap);
        printf("| channels: same, idle CPU over %d s | %.3f %% of a core, every thread "
               "(%.3f %% with no channel: the DHT); the hub's own thread, where the channels "
               "run: %.3f %% (%.3f %% with none), %.3f %% per 1,000 channels | ≤ 1 %% | "
               "same run |\n\n",
               idle_s, on.cpu_pct, off.cpu_pct, on.thread_pct, off.thread_pct,
               open ? (on.thread_pct - off.thread_pct) * 1000 / (double)open : 0);

        set_channel_port(&hub, -1); /* the next run starts with no channel */
        live_close(&hub);
        return 0;
}

/* ---- main ---------------------------------------------------------------- */

static void parse(int argc, char **argv) {
        int c;
        while ((c = getopt(argc, argv, "n:p:c:r:f:d:H:k:w:m:")) != -1) {
                switch (c) {
                case 'n': n_acc = atoi(optarg); break;
                case 'p': n_plain = atoi(optarg); break;
                case 'c': n_contacts = atoi(optarg); break;
                case 'r': n_restarts = atoi(optarg); break;
                case 'f': n_freezes = atoi(optarg); break;
                case 'd': n_dead = atoi(optarg); break;
                case 'H': hub_contacts = atoi(optarg); break;
                case 'k': n_children = atoi(optarg); break;
                case 'w': idle_s = atoi(optarg); break;
                case 'm': mode = optarg; break;
                default:
                        fprintf(stderr,
                                "usage: %s [-n ACCOUNTS] [-p PLAIN] [-c CONTACTS] [-r RESTARTS] "
                                "[-f FREEZES] [-d DEAD] [-H HUB_CONTACTS] [-k CHILDREN] "
                                "[-w IDLE_S] [-m mesh|hub|both]\n",
                                argv[0]);
                        exit(2);
                }
        }
        if (n_dead < 0)
                n_dead = (n_plain + n_acc) / 3; /* a third of the network */
        if (n_acc < 3 || n_acc > MAX_ACCOUNTS || n_plain < 2 || n_plain > MAX_PLAIN ||
            n_contacts < 2 || n_contacts % 2 || n_contacts >= n_acc || n_dead >= n_plain ||
            n_children < 1 || n_children > MAX_CHILDREN || hub_contacts < n_children ||
            hub_contacts > 90 * n_children || idle_s < 1 ||
            (strcmp(mode, "mesh") && strcmp(mode, "hub") && strcmp(mode, "both"))) {
                fprintf(stderr, "bench-channels: bad sizes (contacts even, fewer than accounts; "
                                "dead fewer than plain nodes; at most 90 hub contacts per "
                                "child)\n");
                exit(2);
        }
        snprintf(cache, sizeof(cache), "/tmp/pb-bench-channels-%dx%d", hub_contacts, n_children);
}

int main(int argc, char **argv) {
        parse(argc, argv);
        bool hub = strcmp(mode, "mesh") != 0;
        setvbuf(stdout, NULL, _IOLBF, 0);
        char hub_dir[64];
        snprintf(hub_dir, sizeof(hub_dir), "%.40s/hub", cache);
        if (hub && access(hub_dir, F_OK) < 0) {
                /* The children's accounts are the hub's contacts: a new hub, new ones. */
                char cmd[192];
                snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir -p %s", cache, hub_dir);
                if (system(cmd) != 0)
                        return 1;
        }
        if (hub && fork_children() < 0) {
                fprintf(stderr, "bench-channels: cannot fork\n");
                return 1;
        }
        int r = strcmp(mode, "hub") ? mesh() : 0;
        if (hub) {
                if (r == 0)
                        r = hub_bench();
                stop_children();
        }
        return r; /* a benchmark reports; the tests judge */
}
