/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench-scale.c — presence, requests and channels on loopback OpenDHT
 * networks of growing size (issue 10), on 127.0.0.1, RSA-2048 keys.
 *
 * For each size N (-N 20,100,1000): N plain OpenDHT nodes (the first one
 * the bootstrap of everything) and A peerbook accounts (-a 100, a context
 * each), each a contact of the C nearest on a ring (-c 10, made with
 * peerbook_contact_add() on both sides, as bench-channels' mesh does), so
 * that each watches C buddies. Once every pair is at status 2:
 *   online   = a contact's first status >= 1 event − the device's start
 *              (peerbook_ctx_new() on its folder, after a clean stop);
 *   channel  = a contact's first status-2 event − the same start;
 *   offline  = a contact's status-0 event − the clean stop
 *              (peerbook_ctx_free(): the goodbye);
 *   request  = the receiver's TRUST_REQUEST event − peerbook_trust_request_send()
 *              to an account that is no contact;
 *   RSS, CPU = of the processes that hold the plain nodes, and of those that
 *              hold the accounts, over an idle window, divided by their number;
 * then the same once a third of the plain nodes were killed at once (SIGKILL
 * of the processes that hold them: no goodbye, their sockets just vanish),
 * and requests again LATE_S seconds after the kill (-l 60, 0: none).
 * A wait that misses counts as the whole wait, and is counted.
 *
 * OpenDHT watches its sockets with select(): a process aborts once one of
 * them is past FD_SETSIZE (1024). A plain node holds ~4 descriptors and two
 * threads, an account with 10 channels ~22, so the nodes are spread over
 * forked children (at most NODES_PER_CHILD plain nodes or ACC_PER_CHILD
 * accounts each), which the parent drives by pipes, one text line a command
 * or a report. Timestamps are CLOCK_MONOTONIC, the same in every process.
 *
 * Keys are made once and kept in a folder (-k, /tmp/pb-bench-scale-keys):
 * the accounts (a data folder each, copied afresh for every size) and the
 * plain nodes' identities (OpenDHT derives a node's ID from its
 * certificate: each needs its own).
 *
 * Usage: bench-scale [-N SIZES] [-a ACCOUNTS] [-c CONTACTS] [-r RESTARTS]
 *                    [-g AT_ONCE] [-q REQUESTS] [-w IDLE_S] [-l LATE_S]
 *                    [-k KEYS_DIR] [-p PORT]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dht/dht.h"
#include "lines.h"
#include "live.h"
#include "stats.h"

#define MAX_SIZES 8
#define MAX_ACC 400
#define MAX_NODES 3000
#define NODES_PER_CHILD 120 /* ~4 descriptors a node */
#define ACC_PER_CHILD 20    /* ~22 descriptors an account with 10 channels */
#define MAX_CHILDREN 64
#define OFFLINE_WAIT_MS 20000
#define ONLINE_WAIT_MS 30000
#define REQUEST_WAIT_MS 30000
#define SETTLE_WAIT_MS 120000
#define LINE_MAX_LEN 256

static int sizes[MAX_SIZES] = { 20, 100, 1000 }, n_sizes = 3;
static int n_acc = 100, n_contacts = 10, n_restarts = 10, at_once = 5, n_requests = 20, idle_s = 10,
           late_s = 60;
static unsigned port_base = 21000;
static const char *keys = "/tmp/pb-bench-scale-keys";
static char work[64];

static bool is_contact(int i, int j) {
        int k = (j - i + n_acc) % n_acc;
        return k != 0 && (k <= n_contacts / 2 || k >= n_acc - n_contacts / 2);
}

/* ---- a child with plain nodes --------------------------------------------- */

static size_t read_all(const char *path, uint8_t *buf, size_t cap) {
        FILE *f = fopen(path, "rb");
        size_t n = f ? fread(buf, 1, cap, f) : 0;
        if (f)
                fclose(f);
        return n;
}

static void write_all(const char *path, const uint8_t *data, size_t len) {
        char tmp[192];
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        FILE *f = fopen(tmp, "wb");
        if (!f)
                return;
        bool ok = fwrite(data, 1, len, f) == len;
        if (fclose(f) == 0 && ok)
                rename(tmp, path);
}

/* Plain node i's identity, from the keys folder, made the first time. */
static pb_identity *plain_identity(int i) {
        static uint8_t key[8192], crt[8192];
        char kp[160], cp[160];
        pb_identity *id = NULL;
        snprintf(kp, sizeof(kp), "%s/plain/%04d.key", keys, i);
        snprintf(cp, sizeof(cp), "%s/plain/%04d.crt", keys, i);
        size_t kl = read_all(kp, key, sizeof(key)), cl = read_all(cp, crt, sizeof(crt));
        if (kl && cl && pb_identity_load(key, kl, NULL, crt, cl, &id) == 0)
                return id;
        if (pb_identity_generate("plain", NULL, LIVE_KEY_BITS, &id) < 0)
                return NULL;
        uint8_t *k = NULL, *c = NULL;
        size_t klen = 0, clen = 0;
        if (pb_identity_export_key(id, NULL, &k, &klen) == 0 &&
            pb_identity_export_cert(id, &c, &clen) == 0) {
                write_all(cp, c, clen);
                write_all(kp, k, klen); /* the key last: both are there when it is */
        }
        free(k);
        free(c);
        return id;
}

static void plain_on_line(char *line, void *arg) {
        long base = *(long *)arg;
        if (!strcmp(line, "usage"))
                printf("usage %ld %.1f %ld\n", status_kb("VmRSS"), cpu_ms(), base);
}

/* Plain nodes first..first+count−1, node i on port port_base + i when it is
 * free. "start -" makes node 0 the standalone bootstrap (its port is
 * reported); "start HOST:PORT" joins it (and this child's first node, so
 * that the bootstrap is not the only door). Reports "up CONNECTED", then
 * answers "usage" until its pipe closes or it is killed. */
static int plain_main(int first, int count, int in) {
        long base = 0; /* RSS with one node running: what the next ones add is theirs */
        struct lines cmd = { .fd = in };
        char boot[64] = "", line[LINE_MAX_LEN];
        pb_node **nodes = calloc((size_t)count, sizeof(*nodes));
        ssize_t r = read(in, line, sizeof(line) - 1);
        if (!nodes || r <= 0)
                return 1;
        line[r] = 0;
        if (sscanf(line, "start %63s", boot) != 1)
                return 1;
        for (int j = 0; j < count; j++) {
                pb_identity *id = plain_identity(first + j);
                char list[128];
                if (!strcmp(boot, "-"))
                        list[0] = 0;
                else if (j == 0 || first == 0)
                        snprintf(list, sizeof(list), "%s", boot);
                else
                        snprintf(list, sizeof(list), "%s;127.0.0.1:%u", boot,
                                 pb_node_port(nodes[0]));
                struct pb_node_config c = { .identity = id,
                                            .port = (uint16_t)(port_base + first + j),
                                            .bootstrap = list };
                if (id && pb_node_start(&c, &nodes[j]) < 0) {
                        c.port = 0;
                        pb_node_start(&c, &nodes[j]);
                }
                pb_identity_free(id);
                if (!nodes[j])
                        return 1;
                if (j == 0)
                        base = status_kb("VmRSS");
                if (!strcmp(boot, "-")) {
                        /* The bootstrap node: the others join it. */
                        printf("port %u\n", pb_node_port(nodes[0]));
                        snprintf(boot, sizeof(boot), "127.0.0.1:%u", pb_node_port(nodes[0]));
                }
                usleep(10000); /* in a wave, not all at once */
        }
        /* Connected and past the first search: a peer besides the bootstrap. */
        int up = 0;
        for (int t = 0; t < 600 && up < count; t++) {
                up = 0;
                for (int j = 0; j < count; j++)
                        up += pb_node_is_connected(nodes[j]) && pb_node_good_nodes(nodes[j]) >= 2;
                if (up < count)
                        usleep(100000);
        }
        printf("up %d\n", up);
        for (int t = 0; t < 7200; t++) { /* bounded: 2 h */
                struct pollfd p = { .fd = in, .events = POLLIN };
                if (poll(&p, 1, 1000) > 0 && !lines_read(&cmd, plain_on_line, &base))
                        break;
        }
        return 0; /* nodes left to exit(): a clean stop of each costs seconds */
}

/* ---- a child with accounts ------------------------------------------------ */

static struct live_node *an; /* this child's accounts, an[0] is account a_first */
static int a_first, a_count;
static char (*ids)[PEERBOOK_ID_SIZE]; /* every account's ID, by index */
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        pthread_mutex_lock(&out_lock);
        vprintf(fmt, ap);
        fflush(stdout);
        pthread_mutex_unlock(&out_lock);
        va_end(ap);
}

static int index_of(const char *uri) {
        for (int i = 0; i < n_acc; i++)
                if (!strcmp(ids[i], uri))
                        return i;
        return -1;
}

static void on_event(const struct peerbook_event *ev, void *userdata) {
        int w = a_first + (int)((struct live_node *)userdata - an);
        double t = live_now_ms();
        switch (ev->type) {
        case PEERBOOK_EVENT_BUDDY:
                report("ev %d %d %d %.3f\n", w, index_of(ev->buddy.uri), ev->buddy.status, t);
                break;
        case PEERBOOK_EVENT_TRUST_REQUEST:
                report("tr %d %d %.3f\n", w, index_of(ev->trust_request.from), t);
                break;
        case PEERBOOK_EVENT_REGISTRATION: report("reg %d %d\n", w, ev->registration.state); break;
        default: break;
        }
}

static int open_account(int j) {
        int r = live_open(&an[j]);
        if (r == 0)
                peerbook_ctx_set_event_cb(an[j].ctx, on_event, &an[j]);
        return r;
}

/* Account i of the keys folder, made the first time (~1 s with RSA-2048). */
static int make_account(int i, const char *boot) {
        char made[160];
        snprintf(made, sizeof(made), "%s/a%03d.made", keys, i);
        if (access(made, F_OK) == 0)
                return 0;
        struct live_node n = { .key_bits = LIVE_KEY_BITS };
        char cmd[192];
        snprintf(n.dir, sizeof(n.dir), "%s/a%03d", keys, i);
        snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir -p %s", n.dir, n.dir);
        if (system(cmd) != 0 || live_open(&n) < 0)
                return -1;
        struct peerbook_account_params p = { .size = sizeof(p),
                                             .alias = "scale",
                                             .bootstrap = boot };
        int r = peerbook_account_create(n.ctx, &p, n.account);
        live_close(&n);
        if (r == 0)
                write_all(made, (const uint8_t *)"", 0);
        return r;
}

/* A copy of the keys folder's account j, opened, on this network's bootstrap. */
static int open_copy(int j, const char *boot) {
        int i = a_first + j;
        char cmd[256], **list = NULL;
        an[j].key_bits = LIVE_KEY_BITS;
        snprintf(an[j].dir, sizeof(an[j].dir), "%.40s/a%03d", work, i);
        snprintf(cmd, sizeof(cmd), "rm -rf %s && cp -a %s/a%03d %s", an[j].dir, keys, i, an[j].dir);
        if (system(cmd) != 0 || open_account(j) < 0 || peerbook_account_list(an[j].ctx, &list) < 1)
                return -1;
        snprintf(an[j].account, sizeof(an[j].account), "%s", list[0]);
        peerbook_list_free(list);
        _cleanup_record_ struct peerbook_account_info *info = live_info(&an[j]);
        if (info && strcmp(info->bootstrap, boot)) {
                struct peerbook_account_params p = { .size = sizeof(p),
                                                     .fields = PEERBOOK_PARAM_BOOTSTRAP,
                                                     .bootstrap = boot };
                peerbook_account_update(an[j].ctx, an[j].account, &p);
        }
        return 0;
}

struct stop_job {
        peerbook_ctx *ctx;
        int index;
};

/* A clean stop on a thread of its own: the goodbyes take ~1.5 s, while the
 * child's other accounts go on being processed. */
static void *stop_thread(void *arg) {
        struct stop_job *s = arg;
        double t0 = live_now_ms();
        peerbook_ctx_free(s->ctx);
        report("stopped %d %.3f\n", s->index, t0);
        free(s);
        return NULL;
}

/* arg: this child's RSS with one account open, set at "open". */
static void account_on_line(char *line, void *arg) {
        char boot[64], id[PEERBOOK_ID_SIZE];
        int i, r;
        if (sscanf(line, "open %63s", boot) == 1) {
                for (int j = 0; j < a_count; j++) {
                        if (make_account(a_first + j, boot) < 0 || open_copy(j, boot) < 0)
                                report("err account %d cannot be made or opened\n", a_first + j);
                        else
                                report("id %d %s\n", a_first + j, an[j].account);
                        if (j == 0)
                                *(long *)arg = status_kb("VmRSS");
                }
                report("opened\n");
        } else if (sscanf(line, "id %d %40s", &i, id) == 2 && i >= 0 && i < n_acc) {
                snprintf(ids[i], sizeof(ids[i]), "%s", id);
        } else if (!strcmp(line, "contacts")) {
                for (int j = 0; j < a_count; j++)
                        for (int k = 0; k < n_acc; k++)
                                if (an[j].ctx && is_contact(a_first + j, k))
                                        peerbook_contact_add(an[j].ctx, an[j].account, ids[k]);
                report("added\n");
        } else if (sscanf(line, "stop %d", &i) == 1 && i >= a_first && i < a_first + a_count &&
                   an[i - a_first].ctx) {
                struct stop_job *s = malloc(sizeof(*s));
                pthread_t th;
                *s = (struct stop_job){ an[i - a_first].ctx, i };
                an[i - a_first].ctx = NULL;
                if (pthread_create(&th, NULL, stop_thread, s) == 0)
                        pthread_detach(th);
        } else if (sscanf(line, "start %d", &i) == 1 && i >= a_first && i < a_first + a_count) {
                double t0 = live_now_ms();
                if (open_account(i - a_first) < 0)
                        report("err account %d cannot be reopened\n", i);
                report("started %d %.3f\n", i, t0);
        } else if (sscanf(line, "req %d %d", &i, &r) == 2 && i >= a_first &&
                   i < a_first + a_count && r >= 0 && r < n_acc && an[i - a_first].ctx) {
                static const char payload[] = "bench-scale";
                double t0 = live_now_ms();
                peerbook_trust_request_send(an[i - a_first].ctx, an[i - a_first].account, ids[r],
                                            (const uint8_t *)payload, sizeof(payload) - 1);
                report("sent %d %.3f\n", i, t0);
        } else if (!strcmp(line, "usage")) {
                report("usage %ld %.1f %ld\n", status_kb("VmRSS"), cpu_ms(), *(long *)arg);
        }
}

/* Accounts first..first+count−1, a context each, driven by the parent's
 * commands (see account_on_line); their events go up as lines. */
static int account_main(int first, int count, int in) {
        long base = 0; /* RSS with one account open (account_on_line) */
        struct lines cmd = { .fd = in };
        a_first = first;
        a_count = count;
        an = calloc((size_t)count, sizeof(*an));
        ids = calloc((size_t)n_acc, sizeof(*ids));
        if (!an || !ids)
                return 1;
        for (int t = 0; t < 2 * 3600 * 20; t++) { /* bounded: 2 h of 50 ms */
                struct pollfd p[ACC_PER_CHILD + 1] = { { .fd = in, .events = POLLIN } };
                int np = 1, timeout = 50;
                for (int j = 0; j < count; j++)
                        if (an[j].ctx) {
                                int tj = peerbook_ctx_get_timeout_ms(an[j].ctx);
                                p[np++] = (struct pollfd){ .fd = peerbook_ctx_get_fd(an[j].ctx),
                                                           .events = POLLIN };
                                if (tj >= 0 && tj < timeout)
                                        timeout = tj;
                        }
                poll(p, (nfds_t)np, timeout);
                for (int j = 0; j < count; j++)
                        if (an[j].ctx)
                                peerbook_ctx_process(an[j].ctx);
                if (p[0].revents && !lines_read(&cmd, account_on_line, &base))
                        break;
        }
        return 0; /* contexts left to exit(): the parent kills this child anyway */
}

/* ---- the parent ------------------------------------------------------------ */

struct child {
        pid_t pid;
        int cmd;
        struct lines out;
        bool plain, up, opened, added, has_usage;
        int first, count, connected;
        long rss_kb, base_kb;
        double cpu;
};
static struct child ch[MAX_CHILDREN];
static int n_ch, n_plain_ch;

struct event {
        short w, u;
        char type; /* 'b' buddy status, 't' trust request */
        signed char value;
        double at;
};
static struct event *evs;
static size_t n_evs, cap_evs;
static signed char last[MAX_ACC][MAX_ACC]; /* last status w saw of u, −1 none */
static int reg[MAX_ACC];
static double stop_t0[MAX_ACC], start_t0[MAX_ACC], sent_t0[MAX_ACC];
static unsigned boot_port;

static void parent_on_line(char *line, void *arg) {
        struct child *c = arg;
        int w, u, s;
        double t;
        long rss, base;
        char id[PEERBOOK_ID_SIZE];
        if (sscanf(line, "ev %d %d %d %lf", &w, &u, &s, &t) == 4 ||
            sscanf(line, "tr %d %d %lf", &w, &u, &t) == 3) {
                if (w < 0 || w >= n_acc || u < 0 || u >= n_acc)
                        return;
                bool tr = line[0] == 't';
                if (n_evs == cap_evs) {
                        cap_evs = cap_evs ? 2 * cap_evs : 4096;
                        evs = realloc(evs, cap_evs * sizeof(*evs));
                        if (!evs)
                                abort();
                }
                evs[n_evs++] = (struct event){ (short)w, (short)u, tr ? 't' : 'b',
                                               (signed char)(tr ? 0 : s), t };
                if (!tr)
                        last[w][u] = (signed char)s;
        } else if (sscanf(line, "reg %d %d", &w, &s) == 2 && w >= 0 && w < n_acc) {
                reg[w] = s;
        } else if (sscanf(line, "id %d %40s", &w, id) == 2 && w >= 0 && w < n_acc) {
                snprintf(ids[w], sizeof(ids[w]), "%s", id);
        } else if (sscanf(line, "stopped %d %lf", &w, &t) == 2 && w >= 0 && w < n_acc) {
                stop_t0[w] = t;
        } else if (sscanf(line, "started %d %lf", &w, &t) == 2 && w >= 0 && w < n_acc) {
                start_t0[w] = t;
        } else if (sscanf(line, "sent %d %lf", &w, &t) == 2 && w >= 0 && w < n_acc) {
                sent_t0[w] = t;
        } else if (sscanf(line, "usage %ld %lf %ld", &rss, &t, &base) == 3) {
                c->rss_kb = rss;
                c->cpu = t;
                c->base_kb = base;
                c->has_usage = true;
        } else if (sscanf(line, "up %d", &w) == 1) {
                c->up = true;
                c->connected = w;
        } else if (sscanf(line, "port %u", &boot_port) == 1) {
        } else if (!strcmp(line, "opened")) {
                c->opened = true;
        } else if (!strcmp(line, "added")) {
                c->added = true;
        } else {
                fprintf(stderr, "# child %d: %s\n", (int)(c - ch), line);
        }
}

/* Reads the children's lines for at most ms milliseconds. */
static void pump(int ms) {
        struct pollfd p[MAX_CHILDREN];
        for (int k = 0; k < n_ch; k++)
                p[k] = (struct pollfd){ .fd = ch[k].out.fd, .events = POLLIN };
        if (poll(p, (nfds_t)n_ch, ms) <= 0)
                return;
        for (int k = 0; k < n_ch; k++)
                if (p[k].revents && !lines_read(&ch[k].out, parent_on_line, &ch[k])) {
                        close(ch[k].out.fd);
                        ch[k].out.fd = -1; /* poll() skips it */
                }
}

/* Pumps until p(arg) holds: false when ms pass first. */
static bool wait_for(live_pred p, void *arg, int ms) {
        double end = live_now_ms() + ms;
        while (!p(arg)) {
                double left = end - live_now_ms();
                if (left <= 0)
                        return false;
                pump(left < 50 ? (int)left + 1 : 50);
        }
        return true;
}

static void idle(int ms) {
        double end = live_now_ms() + ms;
        for (double left = ms; left > 0; left = end - live_now_ms())
                pump(left < 50 ? (int)left + 1 : 50);
}

static void send_to(struct child *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void send_to(struct child *c, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        if (c->pid > 0)
                vdprintf(c->cmd, fmt, ap);
        va_end(ap);
}

static struct child *holder(int account) {
        for (int k = n_plain_ch; k < n_ch; k++)
                if (account >= ch[k].first && account < ch[k].first + ch[k].count)
                        return &ch[k];
        return NULL;
}

/* Forked from the parent, which runs no thread of the library's. */
static int fork_child(bool plain, int first, int count) {
        int down[2], up[2];
        if (n_ch == MAX_CHILDREN || pipe(down) < 0 || pipe(up) < 0)
                return -1;
        pid_t pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                close(down[1]);
                close(up[0]);
                for (int k = 0; k < n_ch; k++) {
                        close(ch[k].cmd);
                        if (ch[k].out.fd >= 0)
                                close(ch[k].out.fd);
                }
                dup2(up[1], STDOUT_FILENO);
                close(up[1]);
                setvbuf(stdout, NULL, _IOLBF, 0);
                _exit(plain ? plain_main(first, count, down[0])
                            : account_main(first, count, down[0]));
        }
        close(down[0]);
        close(up[1]);
        ch[n_ch++] = (struct child){ .pid = pid,
                                     .cmd = down[1],
                                     .out = { .fd = up[0] },
                                     .plain = plain,
                                     .first = first,
                                     .count = count };
        return 0;
}

static void kill_child(struct child *c) {
        if (c->pid <= 0)
                return;
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
        close(c->cmd);
        if (c->out.fd >= 0)
                close(c->out.fd);
        c->out.fd = -1;
        c->pid = 0;
}

/* ---- predicates over the children's reports ---- */

static bool have_port(void *arg) {
        (void)arg;
        return boot_port != 0;
}

/* A flag of every running child of a kind ('p' plain, 'a' accounts, 0 any). */
struct flag_want {
        size_t offset;
        char kind;
};
#define FLAG(member, k) (&(struct flag_want){ offsetof(struct child, member), k })

static bool all_flag(void *arg) {
        struct flag_want *f = arg;
        for (int k = 0; k < n_ch; k++)
                if (ch[k].pid > 0 && (!f->kind || (f->kind == 'p') == ch[k].plain) &&
                    !*(bool *)((char *)&ch[k] + f->offset))
                        return false;
        return true;
}

static bool all_registered(void *arg) {
        (void)arg;
        for (int i = 0; i < n_acc; i++)
                if (reg[i] != PEERBOOK_REGISTRATION_REGISTERED)
                        return false;
        return true;
}

/* Every ring pair at `status` or above, each side. */
static bool all_pairs_at(void *arg) {
        int status = *(int *)arg;
        for (int i = 0; i < n_acc; i++)
                for (int j = 0; j < n_acc; j++)
                        if (is_contact(i, j) && last[i][j] < status)
                                return false;
        return true;
}

static int pairs_at(int status) {
        int n = 0;
        for (int i = 0; i < n_acc; i++)
                for (int j = 0; j < n_acc; j++)
                        n += is_contact(i, j) && last[i][j] >= status;
        return n;
}

/* When w first saw (type, value in lo..hi) from u at or after t0, or −1. */
static double first_event(int w, int u, char type, int lo, int hi, double t0) {
        for (size_t e = 0; e < n_evs; e++)
                if (evs[e].w == w && evs[e].u == u && evs[e].type == type && evs[e].value >= lo &&
                    evs[e].value <= hi && evs[e].at >= t0)
                        return evs[e].at;
        return -1;
}

/* The devices being restarted, and what their contacts must see. */
struct group {
        int dev[MAX_ACC], n;
        double *t0; /* stop_t0 or start_t0 */
        int lo, hi;
};

static bool group_seen(void *arg) {
        struct group *g = arg;
        for (int k = 0; k < g->n; k++) {
                int d = g->dev[k];
                if (g->t0[d] == 0)
                        return false;
                for (int w = 0; w < n_acc; w++)
                        if (is_contact(w, d) && first_event(w, d, 'b', g->lo, g->hi, g->t0[d]) < 0)
                                return false;
        }
        return true;
}

static bool stops_done(void *arg) {
        struct group *g = arg;
        for (int k = 0; k < g->n; k++)
                if (stop_t0[g->dev[k]] == 0)
                        return false;
        return true;
}

/* One sample per (device, contact); returns the misses. */
static int collect(struct group *g, int lo, int hi, int wait_ms, struct samples *s) {
        int missed = 0;
        for (int k = 0; k < g->n; k++) {
                int d = g->dev[k];
                for (int w = 0; w < n_acc; w++) {
                        if (!is_contact(w, d))
                                continue;
                        double at = g->t0[d] ? first_event(w, d, 'b', lo, hi, g->t0[d]) : -1;
                        samples_add(s, at >= 0 ? at - g->t0[d] : wait_ms);
                        missed += at < 0;
                }
        }
        return missed;
}

struct phase {
        struct samples online, channel, offline, request;
        int miss_online, miss_channel, miss_offline, miss_request;
        int direct; /* contacts whose first event after the start was status 2 */
};

/* How many contacts of the group saw status 2 before any status 1. */
static int count_direct(struct group *g) {
        int n = 0;
        for (int k = 0; k < g->n; k++)
                for (int w = 0; w < n_acc; w++) {
                        int d = g->dev[k];
                        double one = first_event(w, d, 'b', 1, 1, g->t0[d]);
                        double two = first_event(w, d, 'b', 2, 2, g->t0[d]);
                        n += is_contact(w, d) && two >= 0 && (one < 0 || two <= one);
                }
        return n;
}

/* "stop" or "start" to each device of the group; t0: when each did it. */
static void command_group(struct group *g, const char *what, double *t0) {
        for (int k = 0; k < g->n; k++) {
                t0[g->dev[k]] = 0;
                send_to(holder(g->dev[k]), "%s %d\n", what, g->dev[k]);
        }
        g->t0 = t0;
}

/* Clean stops of a group of devices, then their starts. */
static void restart_group(struct group *g, struct phase *ph) {
        command_group(g, "stop", stop_t0);
        g->lo = g->hi = PEERBOOK_STATUS_OFFLINE;
        wait_for(group_seen, g, OFFLINE_WAIT_MS);
        ph->miss_offline += collect(g, 0, 0, OFFLINE_WAIT_MS, &ph->offline);
        /* Every stop done before the starts (a stop's goodbye lasts ~1.5 s). */
        wait_for(stops_done, g, 10000);
        command_group(g, "start", start_t0);
        g->lo = g->hi = PEERBOOK_STATUS_CONNECTED;
        wait_for(group_seen, g, ONLINE_WAIT_MS);
        ph->miss_online += collect(g, 1, 2, ONLINE_WAIT_MS, &ph->online);
        ph->miss_channel += collect(g, 2, 2, ONLINE_WAIT_MS, &ph->channel);
        ph->direct += count_direct(g);
        int two = PEERBOOK_STATUS_CONNECTED;
        wait_for(all_pairs_at, &two, 10000); /* back to normal before the next group */
}

struct requests {
        int from[MAX_ACC], to[MAX_ACC], n;
};

static bool requests_arrived(void *arg) {
        struct requests *q = arg;
        for (int k = 0; k < q->n; k++)
                if (!sent_t0[q->from[k]] ||
                    first_event(q->to[k], q->from[k], 't', 0, 0, sent_t0[q->from[k]]) < 0)
                        return false;
        return true;
}

/* Requests between accounts that are no contacts; `shift` (0..2) picks
 * other senders each time, so that none has a request pending already. */
static void requests(int shift, struct phase *ph) {
        struct requests q = { .n = n_requests };
        int step = n_acc / n_requests;
        for (int k = 0; k < n_requests; k++) {
                q.from[k] = (k * step + shift * step / 3) % n_acc;
                q.to[k] = (q.from[k] + n_acc / 2 - 1) % n_acc;
                sent_t0[q.from[k]] = 0;
                send_to(holder(q.from[k]), "req %d %d\n", q.from[k], q.to[k]);
        }
        wait_for(requests_arrived, &q, REQUEST_WAIT_MS);
        for (int k = 0; k < n_requests; k++) {
                double t0 = sent_t0[q.from[k]];
                double at = t0 ? first_event(q.to[k], q.from[k], 't', 0, 0, t0) : -1;
                samples_add(&ph->request, at >= 0 ? at - t0 : REQUEST_WAIT_MS);
                ph->miss_request += at < 0;
        }
}

/* Restarts (a few devices at once, spread on the ring), then requests;
 * `shift` picks other ones. */
static void measure(int shift, struct phase *ph) {
        int step = n_acc / n_restarts;
        for (int k = 0; k < n_restarts; k += at_once) {
                struct group g = { .n = 0 };
                for (int j = k; j < k + at_once && j < n_restarts; j++)
                        g.dev[g.n++] = (j * step + shift * (step / 2)) % n_acc;
                restart_group(&g, ph);
        }
        requests(shift, ph);
}

struct usage {
        double rss_kb, added_kb, cpu_pct; /* per node or account */
};

/* Of the plain children or the accounts' ones: RSS per node or account
 * (all of the processes' RSS, shared libraries included, and what each node
 * beyond the first in its process adds), and CPU over the window. */
static void usage_of(bool plain, const double *cpu0, double wall_ms, struct usage *u) {
        double rss = 0, added = 0, cpu = 0;
        int count = 0, beyond = 0;
        for (int k = 0; k < n_ch; k++)
                if (ch[k].pid > 0 && ch[k].plain == plain) {
                        rss += (double)ch[k].rss_kb;
                        added += (double)(ch[k].rss_kb - ch[k].base_kb);
                        cpu += ch[k].cpu - cpu0[k];
                        count += ch[k].count;
                        beyond += ch[k].count - 1;
                }
        *u = (struct usage){ count ? rss / count : 0, beyond ? added / beyond : 0,
                             count ? cpu / wall_ms * 100 / count : 0 };
}

static void ask_usage(void) {
        for (int k = 0; k < n_ch; k++) {
                ch[k].has_usage = false;
                send_to(&ch[k], "usage\n");
        }
        wait_for(all_flag, FLAG(has_usage, 0), 10000);
}

static void cell(char *buf, size_t size, struct samples *s, int missed) {
        if (!s->n) {
                buf[0] = 0;
                return;
        }
        int n = snprintf(buf, size, "%.0f / %.0f / %.0f ms", samples_pct(s, 50), samples_pct(s, 95),
                         samples_pct(s, 100));
        if (missed)
                snprintf(buf + n, size - (size_t)n, " (%d of %zu missed)", missed, s->n);
}

static char rows[3 * MAX_SIZES][640];
static int n_rows;

static void row(const char *label, struct phase *ph, const struct usage *pu,
                const struct usage *au) {
        char on[64], off[64], req[64], chan[64], use[2][96] = { "", "" };
        cell(on, sizeof(on), &ph->online, ph->miss_online);
        cell(off, sizeof(off), &ph->offline, ph->miss_offline);
        cell(req, sizeof(req), &ph->request, ph->miss_request);
        cell(chan, sizeof(chan), &ph->channel, ph->miss_channel);
        if (pu) {
                snprintf(use[0], sizeof(use[0]), "%.0f KB (one more: %.0f KB), %.3f %%", pu->rss_kb,
                         pu->added_kb, pu->cpu_pct);
                snprintf(use[1], sizeof(use[1]), "%.0f KB (one more: %.0f KB), %.3f %%", au->rss_kb,
                         au->added_kb, au->cpu_pct);
        }
        snprintf(rows[n_rows++], sizeof(rows[0]), "| %s | %s | %s | %s | %s | %s | %s |", label, on,
                 off, req, chan, use[0], use[1]);
}

static void print_phase(const char *what, struct phase *ph) {
        char label[96];
        snprintf(label, sizeof(label), "%s: start -> contacts' status >= 1", what);
        samples_print(label, &ph->online);
        snprintf(label, sizeof(label), "%s: stop -> contacts' status 0", what);
        samples_print(label, &ph->offline);
        snprintf(label, sizeof(label), "%s: request -> TRUST_REQUEST", what);
        samples_print(label, &ph->request);
        snprintf(label, sizeof(label), "%s: start -> contacts' status 2", what);
        samples_print(label, &ph->channel);
        printf("%s: misses (counted as the whole wait): online %d, offline %d, request %d/%d, "
               "channel %d; %d of %zu contacts saw status 2 before any status 1 (the channel came "
               "before the DHT announcement)\n",
               what, ph->miss_online, ph->miss_offline, ph->miss_request, n_requests,
               ph->miss_channel, ph->direct, ph->online.n);
}

static void free_phase(struct phase *ph) {
        free(ph->online.v);
        free(ph->offline.v);
        free(ph->request.v);
        free(ph->channel.v);
}

static int run_size(int n_plain) {
        double t0 = live_now_ms();
        int n_pc = 3 * ((n_plain + 3 * NODES_PER_CHILD - 1) / (3 * NODES_PER_CHILD));
        int n_ac = (n_acc + ACC_PER_CHILD - 1) / ACC_PER_CHILD;
        n_ch = 0;
        boot_port = 0;
        n_evs = 0;
        memset(last, -1, sizeof(last));
        memset(reg, 0, sizeof(reg));
        for (int k = 0, first = 0; k < n_pc; k++) {
                int count = n_plain / n_pc + (k < n_plain % n_pc);
                if (fork_child(true, first, count) < 0)
                        return -1;
                first += count;
        }
        n_plain_ch = n_ch;
        for (int k = 0; k < n_ac; k++) {
                int first = k * n_acc / n_ac;
                if (fork_child(false, first, (k + 1) * n_acc / n_ac - first) < 0)
                        return -1;
        }
        printf("\n# %d plain DHT nodes in %d processes, %d accounts (each a contact of %d) in %d "
               "processes, RSA-%d\n",
               n_plain, n_pc, n_acc, n_contacts, n_ac, LIVE_KEY_BITS);

        send_to(&ch[0], "start -\n");
        if (!wait_for(have_port, NULL, 30000))
                return -1;
        char boot[64];
        snprintf(boot, sizeof(boot), "127.0.0.1:%u", boot_port);
        for (int k = 1; k < n_plain_ch; k++)
                send_to(&ch[k], "start %s\n", boot);
        bool plain_up = wait_for(all_flag, FLAG(up, 'p'), 300000);
        int connected = 0;
        for (int k = 0; k < n_plain_ch; k++)
                connected += ch[k].connected;
        double t_plain = live_now_ms();
        printf("# plain nodes up in %.1f s: %d of %d with a peer besides the bootstrap%s\n",
               (t_plain - t0) / 1e3, connected, n_plain, plain_up ? "" : " (time-out)");

        for (int k = n_plain_ch; k < n_ch; k++)
                send_to(&ch[k], "open %s\n", boot);
        if (!wait_for(all_flag, FLAG(opened, 'a'), 1800000))
                return -1;
        for (int k = n_plain_ch; k < n_ch; k++) {
                for (int i = 0; i < n_acc; i++)
                        send_to(&ch[k], "id %d %s\n", i, ids[i]);
                send_to(&ch[k], "contacts\n");
        }
        wait_for(all_flag, FLAG(added, 'a'), 60000);
        double t_open = live_now_ms();
        bool registered = wait_for(all_registered, NULL, 60000);
        double t_reg = live_now_ms();
        int one = PEERBOOK_STATUS_ONLINE, two = PEERBOOK_STATUS_CONNECTED;
        wait_for(all_pairs_at, &one, SETTLE_WAIT_MS);
        double t_one = live_now_ms();
        /* Progress on stderr: how the channels come (bounded by SETTLE_WAIT_MS). */
        for (int t = 0; t < SETTLE_WAIT_MS / 5000 && !all_pairs_at(&two); t++) {
                wait_for(all_pairs_at, &two, 5000);
                fprintf(stderr, "# %.0f s after the contacts were added: %d pairs at 2\n",
                        (live_now_ms() - t_open) / 1e3, pairs_at(2));
        }
        double t_two = live_now_ms();
        struct samples to2 = { 0 };
        for (int i = 0; i < n_acc; i++)
                for (int j = 0; j < n_acc; j++)
                        if (is_contact(i, j) && last[i][j] == PEERBOOK_STATUS_CONNECTED)
                                samples_add(&to2, first_event(i, j, 'b', 2, 2, 0) - t_open);
        printf("# accounts open with their contacts in %.1f s, registered %.1f s later%s; "
               "%d of %d pairs at >= 1 after %.1f s, %d at 2 after %.1f s (a pair's first "
               "status 2 after the contacts were added: p50 %.1f s, p95 %.1f s); set-up %.1f s "
               "in all\n",
               (t_open - t_plain) / 1e3, (t_reg - t_open) / 1e3, registered ? "" : " (time-out)",
               pairs_at(1), n_acc * n_contacts, (t_one - t_reg) / 1e3, pairs_at(2),
               (t_two - t_reg) / 1e3, samples_pct(&to2, 50) / 1e3, samples_pct(&to2, 95) / 1e3,
               (t_two - t0) / 1e3);
        free(to2.v);

        double cpu0[MAX_CHILDREN];
        ask_usage();
        for (int k = 0; k < n_ch; k++)
                cpu0[k] = ch[k].cpu;
        double w0 = live_now_ms();
        idle(idle_s * 1000);
        ask_usage();
        struct usage pu, au;
        usage_of(true, cpu0, live_now_ms() - w0, &pu);
        usage_of(false, cpu0, live_now_ms() - w0, &au);
        printf("# idle over %d s: a plain node %.0f KB RSS (its process's RSS / its nodes; "
               "%.0f KB more for each node beyond the first), %.3f %% of a core; an account "
               "%.0f KB (%.0f KB more), %.3f %%\n",
               idle_s, pu.rss_kb, pu.added_kb, pu.cpu_pct, au.rss_kb, au.added_kb, au.cpu_pct);

        struct phase before = { 0 }, after = { 0 };
        measure(0, &before);
        print_phase("all up", &before);

        int dead = 0;
        for (int k = n_plain_ch - n_plain_ch / 3; k < n_plain_ch; k++) {
                dead += ch[k].count;
                kill_child(&ch[k]);
        }
        printf("# killed %d of the %d plain nodes at once (SIGKILL of %d process%s)\n", dead,
               n_plain, n_plain_ch / 3, n_plain_ch / 3 > 1 ? "es" : "");
        double t_kill = live_now_ms();
        measure(1, &after);
        print_phase("a third killed", &after);
        struct phase late = { 0 };
        if (late_s > 0) {
                /* Cold searches again, once the dead nodes had time to be noticed. */
                idle((int)(t_kill + late_s * 1e3 - live_now_ms()));
                requests(2, &late);
                char what[64];
                snprintf(what, sizeof(what), "%d s after the kill: request -> TRUST_REQUEST",
                         late_s);
                samples_print(what, &late.request);
        }

        char label[64];
        snprintf(label, sizeof(label), "%d", n_plain);
        row(label, &before, &pu, &au);
        snprintf(label, sizeof(label), "%d, %d of them just killed", n_plain, dead);
        row(label, &after, NULL, NULL);
        if (late_s > 0) {
                snprintf(label, sizeof(label), "%d, %d of them killed %d s before", n_plain, dead,
                         late_s);
                row(label, &late, NULL, NULL);
        }
        free_phase(&before);
        free_phase(&after);
        free_phase(&late);
        for (int k = 0; k < n_ch; k++)
                kill_child(&ch[k]);
        return 0;
}

/* ---- main ------------------------------------------------------------------ */

static void parse(int argc, char **argv) {
        int c;
        while ((c = getopt(argc, argv, "N:a:c:r:g:q:w:l:k:p:")) != -1) {
                switch (c) {
                case 'N':
                        n_sizes = 0;
                        for (char *s = optarg; *s && n_sizes < MAX_SIZES; s += *s == ',')
                                sizes[n_sizes++] = (int)strtol(s, &s, 10);
                        break;
                case 'a': n_acc = atoi(optarg); break;
                case 'c': n_contacts = atoi(optarg); break;
                case 'r': n_restarts = atoi(optarg); break;
                case 'g': at_once = atoi(optarg); break;
                case 'q': n_requests = atoi(optarg); break;
                case 'w': idle_s = atoi(optarg); break;
                case 'l': late_s = atoi(optarg); break;
                case 'k': keys = optarg; break;
                case 'p': port_base = (unsigned)atoi(optarg); break;
                default:
                        fprintf(stderr,
                                "usage: %s [-N 20,100,1000] [-a ACCOUNTS] [-c CONTACTS] "
                                "[-r RESTARTS] [-g AT_ONCE] [-q REQUESTS] [-w IDLE_S] "
                                "[-l LATE_S] [-k KEYS_DIR] [-p PORT]\n",
                                argv[0]);
                        exit(2);
                }
        }
        bool ok = n_sizes > 0 && n_acc >= 2 * n_contacts + 4 && n_acc <= MAX_ACC &&
                  n_contacts >= 2 && n_contacts % 2 == 0 && n_restarts >= 1 &&
                  n_restarts <= n_acc / 2 && at_once >= 1 && n_requests >= 1 &&
                  n_requests <= n_acc / 3 && idle_s >= 1 && late_s >= 0 && strlen(keys) < 40 &&
                  port_base + MAX_NODES < 65536;
        for (int k = 0; k < n_sizes; k++)
                ok = ok && sizes[k] >= 3 && sizes[k] <= MAX_NODES;
        if (!ok) {
                fprintf(stderr,
                        "bench-scale: bad sizes (3..%d nodes; contacts even, accounts at "
                        "least twice the contacts + 4, at most %d; restarts and requests "
                        "at most half the accounts)\n",
                        MAX_NODES, MAX_ACC);
                exit(2);
        }
}

int main(int argc, char **argv) {
        parse(argc, argv);
        setvbuf(stdout, NULL, _IOLBF, 0);
        signal(SIGPIPE, SIG_IGN); /* a child that died: its pipe is closed */
        ids = calloc(MAX_ACC, sizeof(*ids));
        snprintf(work, sizeof(work), "/tmp/pb-bench-scale-run-%d", (int)getpid());
        char cmd[192];
        snprintf(cmd, sizeof(cmd), "mkdir -p %s/plain %s", keys, work);
        if (!ids || system(cmd) != 0)
                return 1;
        printf("# bench-scale: %d accounts, each a contact of %d; %d restarts (%d at once) and %d "
               "requests before and after a third of the plain nodes die; keys kept in %s\n",
               n_acc, n_contacts, n_restarts, at_once, n_requests, keys);
        double t0 = live_now_ms();
        int r = 0;
        for (int k = 0; k < n_sizes && r == 0; k++)
                if ((r = run_size(sizes[k])) < 0) {
                        fprintf(stderr, "bench-scale: the network of %d nodes did not come up\n",
                                sizes[k]);
                        for (int j = 0; j < n_ch; j++)
                                kill_child(&ch[j]);
                }
        printf("\n| DHT nodes | presence online (start → status ≥ 1) | offline (stop → status 0) "
               "| request delivery | channel set-up (start → status 2) | a plain node: RSS, CPU "
               "| an account: RSS, CPU |\n| --- | --- | --- | --- | --- | --- | --- |\n");
        for (int k = 0; k < n_rows; k++)
                printf("%s\n", rows[k]);
        printf("\n# %.1f s in all (`build/bench/bench-scale`)\n", (live_now_ms() - t0) / 1e3);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", work);
        if (system(cmd) != 0)
                fprintf(stderr, "cannot remove %s\n", work);
        return r < 0; /* a benchmark reports; the tests judge */
}
