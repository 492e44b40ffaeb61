/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench-lan.c — LAN discovery's latencies (docs/lan.md), from the events'
 * own timestamps. Needs root: two network namespaces made for the run
 * (pbl<pid>a and pbl<pid>b) joined by a veth pair, vA 10.237.0.1/24 and vB
 * 10.237.0.2/24 (addresses that exist only inside them), with a multicast
 * route; deleted at exit. Exits 77 where they cannot be made.
 *
 * One forked child per namespace, each entering it (setns) before it creates
 * anything, so that OpenDHT's threads and every socket live there: Alice's
 * device (A) in the first, Bob's (B) in the second, each a context with one
 * account published on the LAN (PEERBOOK_LAN_DEFAULT | PEERBOOK_LAN_PUBLISH),
 * no bootstrap, RSA-2048 keys made once per run; B subscribed to A. The
 * children report their events over a pipe, stamped with CLOCK_MONOTONIC
 * (one clock for the whole machine). A runs all along; each of R rounds
 * starts B twice, each time after A forgot who it heard (its
 * PEERBOOK_LAN_NEARBY off and on again, as 60 s of silence would), and
 * times from peerbook_ctx_new() on B's kept folder:
 *   - a cold start: B's node has lost the nodes and values it saved at its
 *     last stop (nodes.cache and nodes.cache.peers deleted), as a device new
 *     to this LAN:
 *       1. B's PEERBOOK_EVENT_NEARBY for A (B's query at start, answered by A);
 *       2. B's PEERBOOK_EVENT_BUDDY for A at status >= 1: B's node found A's
 *          through A's notice, then B's listen got A's announcement (the
 *          zero-configuration DHT);
 *       3. A's PEERBOOK_EVENT_NEARBY for B (B's notice at start);
 *       and how long peerbook_ctx_new() itself took;
 *   - a warm start (its node cache kept, as a device back on a known LAN):
 *     2 again, which the saved nodes may answer before the LAN does;
 * B stopping cleanly (peerbook_ctx_free()) after each. Then G times (-g,
 * default 1; 0 skips it), B starts, is heard by A, and stops:
 *   4. B's stop -> A's NEARBY gone event (60 s after B's last notice,
 *      PB_NEARBY_EXPIRY_MS).
 * A transition not seen within its wait (10 s; 90 s for gone) counts as the
 * whole wait and as a miss.
 *
 * usage: bench-lan [-r ROUNDS] [-g GONE_ROUNDS]
 */
#define _GNU_SOURCE /* setns() */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lines.h"
#include "live.h"
#include "stats.h"

#define WAIT_MS 10000      /* a start -> each of its three events */
#define GONE_WAIT_MS 90000 /* a stop -> the gone event (expected ~60 s) */
#define ROUND_GAP_MS 1000  /* between two starts of B */
#define ASK_MS 60000       /* a child's answer to a command (a key takes seconds) */
#define CHILD_LIFE_MS (30 * 60 * 1000)
#define MAX_EVENTS 1024
#define LAN_FLAGS (PEERBOOK_LAN_DEFAULT | PEERBOOK_LAN_PUBLISH)

/* ---- the child: one device in its namespace ------------------------------ */

static struct {
        int rep;
        const char *dir;
        peerbook_ctx *ctx;
        char account[PEERBOOK_ID_SIZE];
        bool quit;
} me;

static void say(const char *fmt, ...) {
        char line[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line, sizeof(line) - 1, fmt, ap);
        va_end(ap);
        strcat(line, "\n"); /* one write under PIPE_BUF: lines never interleave */
        if (write(me.rep, line, strlen(line)) < 0)
                me.quit = true;
}

static void on_event(const struct peerbook_event *ev, void *userdata) {
        double at = live_now_ms();
        if (ev->type == PEERBOOK_EVENT_NEARBY)
                say("ev %d %s %d %.3f", ev->type, ev->nearby.uri, ev->nearby.gone, at);
        else if (ev->type == PEERBOOK_EVENT_BUDDY)
                say("ev %d %s %d %.3f", ev->type, ev->buddy.uri, ev->buddy.status, at);
}

static int child_open(void) {
        struct peerbook_ctx_options o = { .size = sizeof(o),
                                          .data_dir = me.dir,
                                          .key_bits = LIVE_KEY_BITS,
                                          .no_lan = false /* the point: inside our namespace */ };
        int r = peerbook_ctx_new(&o, &me.ctx);
        if (r == 0)
                peerbook_ctx_set_event_cb(me.ctx, on_event, NULL);
        return r;
}

static void child_command(char *line, void *arg) {
        int r = 0;
        double t0 = live_now_ms();
        if (!strncmp(line, "create ", 7)) {
                struct peerbook_account_params p = { .size = sizeof(p),
                                                     .alias = line + 7,
                                                     .lan = LAN_FLAGS };
                if ((r = child_open()) == 0 &&
                    (r = peerbook_account_create(me.ctx, &p, me.account)) == 0)
                        say("id %s", me.account);
        } else if (!strncmp(line, "start ", 6)) {
                /* cold: as a device new to this LAN's DHT, without the nodes
                 * (and values) its node saved at its last stop */
                for (int i = 0; !strcmp(line + 6, "cold") && i < 2; i++) {
                        char path[160];
                        snprintf(path, sizeof(path), "%s/%s/nodes.cache%s", me.dir, me.account,
                                 i ? ".peers" : "");
                        unlink(path);
                }
                t0 = live_now_ms();
                if ((r = child_open()) == 0)
                        say("started %.3f %.3f", t0, live_now_ms());
        } else if (!strcmp(line, "stop")) {
                me.ctx = peerbook_ctx_free(me.ctx);
                say("stopped %.3f", t0);
        } else if (!strcmp(line, "forget")) {
                struct peerbook_account_params p = { .size = sizeof(p),
                                                     .fields = PEERBOOK_PARAM_LAN,
                                                     .lan = LAN_FLAGS & ~PEERBOOK_LAN_NEARBY };
                if ((r = peerbook_account_update(me.ctx, me.account, &p)) == 0) {
                        p.lan = LAN_FLAGS;
                        r = peerbook_account_update(me.ctx, me.account, &p);
                }
                if (r == 0)
                        say("ok");
        } else if (!strncmp(line, "sub ", 4)) {
                if ((r = peerbook_buddy_subscribe(me.ctx, me.account, line + 4)) == 0)
                        say("ok");
        } else if (!strcmp(line, "quit")) {
                me.quit = true;
        }
        if (r < 0)
                say("err %s: %s", line, peerbook_strerror(r));
}

static void child_main(const char *ns, int cmd, int rep, const char *dir) {
        char path[96];
        me.rep = rep;
        me.dir = dir;
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        /* Before anything else: the threads OpenDHT starts and every socket
         * are then in the namespace. */
        snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
                say("err setns %s: %s", path, strerror(errno));
                _exit(1);
        }
        close(fd);
        struct lines in = { .fd = cmd };
        double end = live_now_ms() + CHILD_LIFE_MS;
        while (!me.quit && live_now_ms() < end) {
                struct pollfd p[2] = { { .fd = cmd, .events = POLLIN },
                                       { .fd = me.ctx ? peerbook_ctx_get_fd(me.ctx) : -1,
                                         .events = POLLIN } };
                int t = me.ctx ? peerbook_ctx_get_timeout_ms(me.ctx) : -1;
                poll(p, 2, t >= 0 && t < 1000 ? t : 1000);
                if (me.ctx)
                        peerbook_ctx_process(me.ctx);
                if (p[0].revents && !lines_read(&in, child_command, NULL))
                        break; /* the parent is gone */
        }
        me.ctx = peerbook_ctx_free(me.ctx);
        _exit(0);
}

/* ---- the parent: namespaces, children, figures ----------------------------- */

struct event {
        int type, value;
        char uri[PEERBOOK_ID_SIZE];
        double at;
};

struct device {
        const char *name;
        char ns[32], dir[64];
        pid_t pid;
        int cmd;
        struct lines rep;
        char account[PEERBOOK_ID_SIZE];
        struct event events[MAX_EVENTS];
        int n_events;
        bool answered, failed;
        double started, stopped; /* when the last start / stop was called */
        double opened;           /* when the last start's peerbook_ctx_new() returned */
};

static struct device alice = { .name = "alice", .pid = -1, .cmd = -1, .rep.fd = -1 },
                     bob = { .name = "bob", .pid = -1, .cmd = -1, .rep.fd = -1 };
static struct device *devices[] = { &alice, &bob };
static pid_t owner;
static bool made_ns[2];

/* Runs ip (or rm) with the arguments, NULL-terminated; quiet: its errors
 * hidden. fork() and exec: usable from the signal handler. */
static int run(bool quiet, const char *arg0, ...) {
        const char *argv[16];
        int argc = 0;
        va_list ap;
        va_start(ap, arg0);
        for (const char *a = arg0; a && argc < 15; a = va_arg(ap, const char *))
                argv[argc++] = a;
        va_end(ap);
        argv[argc] = NULL;
        pid_t pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                if (quiet) {
                        int null = open("/dev/null", O_WRONLY);
                        dup2(null, 1);
                        dup2(null, 2);
                }
                execvp(argv[0], (char *const *)argv);
                _exit(127);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -1;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void cleanup(void) {
        if (getpid() != owner)
                return; /* a child's exit */
        for (int i = 0; i < 2; i++) {
                struct device *d = devices[i];
                if (d->pid > 0) {
                        kill(d->pid, SIGKILL);
                        waitpid(d->pid, NULL, 0);
                        d->pid = -1;
                }
                if (made_ns[i])
                        run(true, "ip", "netns", "del", d->ns, NULL);
                made_ns[i] = false;
                if (d->dir[0])
                        run(true, "rm", "-rf", d->dir, NULL);
                d->dir[0] = '\0';
        }
}

static void on_signal(int sig) {
        cleanup();
        signal(sig, SIG_DFL);
        raise(sig);
}

static int make_namespaces(void) {
        for (int i = 0; i < 2; i++) {
                snprintf(devices[i]->ns, sizeof(devices[i]->ns), "pbl%d%c", (int)owner, 'a' + i);
                if (run(false, "ip", "netns", "add", devices[i]->ns, NULL) < 0)
                        return -1;
                made_ns[i] = true;
                /* No duplicate address detection on the veth made next: its
                 * IPv6 link-local address is usable at once rather than ~2 s
                 * into the run (IPv6 sends fail until then). Optional. */
                run(true, "ip", "netns", "exec", devices[i]->ns, "sysctl", "-qw",
                    "net.ipv6.conf.default.accept_dad=0", NULL);
        }
        if (run(false, "ip", "link", "add", "vA", "netns", alice.ns, "type", "veth", "peer", "name",
                "vB", "netns", bob.ns, NULL) < 0)
                return -1;
        for (int i = 0; i < 2; i++) {
                const char *ns = devices[i]->ns, *dev = i ? "vB" : "vA";
                const char *addr = i ? "10.237.0.2/24" : "10.237.0.1/24";
                if (run(false, "ip", "-n", ns, "link", "set", "lo", "up", NULL) < 0 ||
                    run(false, "ip", "-n", ns, "addr", "add", addr, "dev", dev, NULL) < 0 ||
                    run(false, "ip", "-n", ns, "link", "set", dev, "up", NULL) < 0 ||
                    run(false, "ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", dev, NULL) < 0)
                        return -1;
        }
        return 0;
}

static int spawn(struct device *d) {
        int cmd[2], rep[2];
        snprintf(d->dir, sizeof(d->dir), "/tmp/pb-bench-lan-XXXXXX");
        if (!mkdtemp(d->dir) || pipe(cmd) < 0 || pipe(rep) < 0)
                return -1;
        fflush(stdout);
        d->pid = fork();
        if (d->pid < 0)
                return -1;
        if (d->pid == 0) {
                for (int i = 0; i < 2; i++) { /* the other child's pipes */
                        if (devices[i]->cmd >= 0)
                                close(devices[i]->cmd);
                        if (devices[i]->rep.fd >= 0)
                                close(devices[i]->rep.fd);
                }
                close(cmd[1]);
                close(rep[0]);
                child_main(d->ns, cmd[0], rep[1], d->dir);
        }
        close(cmd[0]);
        close(rep[1]);
        d->cmd = cmd[1];
        d->rep.fd = rep[0];
        return 0;
}

static void on_report(char *line, void *arg) {
        struct device *d = arg;
        struct event e = { 0 };
        if (!strncmp(line, "ev ", 3)) {
                if (sscanf(line + 3, "%d %40s %d %lf", &e.type, e.uri, &e.value, &e.at) == 4 &&
                    d->n_events < MAX_EVENTS)
                        d->events[d->n_events++] = e;
                return;
        }
        if (!strncmp(line, "id ", 3))
                snprintf(d->account, sizeof(d->account), "%s", line + 3);
        else if (!strncmp(line, "started ", 8))
                sscanf(line + 8, "%lf %lf", &d->started, &d->opened);
        else if (!strncmp(line, "stopped ", 8))
                d->stopped = strtod(line + 8, NULL);
        else if (!strncmp(line, "err ", 4)) {
                fprintf(stderr, "bench-lan: %s: %s\n", d->name, line + 4);
                d->failed = true;
        }
        d->answered = true;
}

typedef bool (*done_fn)(void *arg);

/* Reads the children's reports until done(arg) or the deadline
 * (live_now_ms() clock); false at the deadline or when a child is gone. */
static bool wait_until(done_fn done, void *arg, double deadline) {
        while (!done(arg)) {
                double left = deadline - live_now_ms();
                if (left <= 0)
                        return false;
                struct pollfd p[2] = { { .fd = alice.rep.fd, .events = POLLIN },
                                       { .fd = bob.rep.fd, .events = POLLIN } };
                poll(p, 2, left < 100 ? (int)left + 1 : 100);
                for (int i = 0; i < 2; i++)
                        if (p[i].revents && !lines_read(&devices[i]->rep, on_report, devices[i]))
                                return false;
        }
        return true;
}

static bool answered(void *arg) {
        return ((struct device *)arg)->answered;
}

static void tell(struct device *d, const char *fmt, const char *arg) {
        char line[128];
        snprintf(line, sizeof(line), fmt, arg);
        strcat(line, "\n");
        d->answered = d->failed = false;
        if (write(d->cmd, line, strlen(line)) < 0)
                d->failed = d->answered = true;
}

/* A command and its answer: false when it failed or took over ASK_MS. */
static bool ask(struct device *d, const char *fmt, const char *arg) {
        tell(d, fmt, arg);
        return wait_until(answered, d, live_now_ms() + ASK_MS) && !d->failed;
}

struct want {
        struct device *d;
        int type, value; /* BUDDY: a status >= value; NEARBY: gone == value */
        const char *uri;
        double since, at; /* at: when it was reported, -1 not yet */
};

static bool seen(struct want *w) {
        for (int i = 0; w->at < 0 && i < w->d->n_events; i++) {
                const struct event *e = &w->d->events[i];
                if (e->type == w->type && e->at >= w->since && !strcmp(e->uri, w->uri) &&
                    (w->type == PEERBOOK_EVENT_BUDDY ? e->value >= w->value : e->value == w->value))
                        w->at = e->at;
        }
        return w->at >= 0;
}

struct wants {
        struct want *w;
        int n;
};

static bool all_seen(void *arg) {
        struct wants *ws = arg;
        bool all = true;
        for (int i = 0; i < ws->n; i++)
                all &= seen(&ws->w[i]);
        return all;
}

struct figure {
        const char *label;
        struct samples s;
        int missed;
};

static void take(struct figure *f, const struct want *w, int wait_ms) {
        samples_add(&f->s, w->at >= 0 ? w->at - w->since : wait_ms);
        f->missed += w->at < 0;
}

static void print_figure(struct figure *f) {
        printf("%-38s n=%-3zu p50=%8.1f ms  p95=%8.1f ms  max=%8.1f ms  missed=%d\n", f->label,
               f->s.n, samples_pct(&f->s, 50), samples_pct(&f->s, 95), samples_pct(&f->s, 100),
               f->missed);
}

static struct figure nearby_b = { .label = "B's start -> B hears A nearby" },
                     nearby_a = { .label = "B's start -> A hears B nearby" },
                     joined = { .label = "B's start, no node cache -> A online" },
                     rejoined = { .label = "B's start, node cache -> A online" },
                     opening = { .label = "B's start: peerbook_ctx_new() alone" },
                     gone = { .label = "B's stop -> A's gone event" };

static bool never(void *arg) {
        return false;
}

/* B starts ("cold" or "warm"), A having forgotten it, and the three events
 * are waited for. Starts are ROUND_GAP_MS apart: back to back (a few ms),
 * they would soon meet A's limit of 10 answered queries a second. */
static bool start_bob(const char *how, struct want w[3]) {
        static double last;
        wait_until(never, NULL, last + ROUND_GAP_MS);
        bob.n_events = alice.n_events = 0;
        if (!ask(&alice, "forget", NULL) || !ask(&bob, "start %s", how))
                return false;
        last = bob.started;
        w[0] = (struct want){ &bob, PEERBOOK_EVENT_NEARBY, 0, alice.account, bob.started, -1 };
        w[1] = (struct want){ &bob, PEERBOOK_EVENT_BUDDY, 1, alice.account, bob.started, -1 };
        w[2] = (struct want){ &alice, PEERBOOK_EVENT_NEARBY, 0, bob.account, bob.started, -1 };
        struct wants ws = { w, 3 };
        wait_until(all_seen, &ws, bob.started + WAIT_MS);
        if (getenv("BENCH_VERBOSE"))
                fprintf(stderr,
                        "# %s start: ctx_new %.1f, B hears A %.1f, A online %.1f, A hears B %.1f ms\n",
                        how, bob.opened - bob.started, w[0].at - w[0].since, w[1].at - w[1].since,
                        w[2].at - w[2].since);
        return true;
}

static int run_rounds(int rounds, int gone_rounds) {
        struct want w[3];
        for (int i = 0; i < rounds; i++) {
                if (!start_bob("cold", w))
                        return -1;
                take(&nearby_b, &w[0], WAIT_MS);
                take(&joined, &w[1], WAIT_MS);
                take(&nearby_a, &w[2], WAIT_MS);
                samples_add(&opening.s, bob.opened - bob.started);
                if (!ask(&bob, "stop", NULL) || !start_bob("warm", w))
                        return -1;
                take(&rejoined, &w[1], WAIT_MS);
                if (!ask(&bob, "stop", NULL))
                        return -1;
        }
        for (int i = 0; i < gone_rounds; i++) {
                if (!start_bob("warm", w))
                        return -1;
                if (w[2].at < 0) {
                        printf("# gone round %d: A never heard B, skipped\n", i + 1);
                        ask(&bob, "stop", NULL);
                        continue;
                }
                if (!ask(&bob, "stop", NULL))
                        return -1;
                struct want g = { &alice, PEERBOOK_EVENT_NEARBY, 1, bob.account, bob.stopped, -1 };
                struct wants ws = { &g, 1 };
                wait_until(all_seen, &ws, bob.stopped + GONE_WAIT_MS);
                take(&gone, &g, GONE_WAIT_MS);
        }
        return 0;
}

/* The two accounts (their keys made at once, one per child), B subscribed
 * to A; returns when B has heard A and seen it online, and A heard B. */
static int set_up(void) {
        tell(&alice, "create %s", "alice");
        tell(&bob, "create %s", "bob");
        double deadline = live_now_ms() + ASK_MS, t0 = live_now_ms();
        if (!wait_until(answered, &alice, deadline) || !wait_until(answered, &bob, deadline) ||
            alice.failed || bob.failed || !ask(&bob, "sub %s", alice.account))
                return -1;
        double t1 = live_now_ms();
        struct want w[3] = {
                { &bob, PEERBOOK_EVENT_NEARBY, 0, alice.account, 0, -1 },
                { &bob, PEERBOOK_EVENT_BUDDY, 1, alice.account, 0, -1 },
                { &alice, PEERBOOK_EVENT_NEARBY, 0, bob.account, 0, -1 },
        };
        struct wants ws = { w, 3 };
        bool ok = wait_until(all_seen, &ws, t1 + 30000);
        printf("# set-up: two accounts (keys) %.0f ms; then B sees A online %.0f ms later%s\n",
               t1 - t0, live_now_ms() - t1, ok ? "" : " (not: gave up after 30 s)");
        return ok && ask(&bob, "stop", NULL) ? 0 : -1;
}

int main(int argc, char **argv) {
        int rounds = 20, gone_rounds = 1, opt;
        while ((opt = getopt(argc, argv, "r:g:")) != -1) {
                if (opt == 'r')
                        rounds = atoi(optarg);
                else if (opt == 'g')
                        gone_rounds = atoi(optarg);
                else
                        break;
        }
        if (optind < argc || opt == '?' || rounds < 1 || rounds > 500 || gone_rounds < 0 ||
            gone_rounds > 10) {
                fprintf(stderr, "usage: %s [-r ROUNDS (1..500)] [-g GONE_ROUNDS (0..10)]\n",
                        argv[0]);
                return 2;
        }
        if (geteuid() != 0) {
                printf("bench-lan: skipped: needs root (it makes two network namespaces)\n");
                return 77;
        }
        owner = getpid();
        atexit(cleanup);
        signal(SIGPIPE, SIG_IGN);
        int sigs[] = { SIGINT, SIGTERM, SIGHUP };
        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
                signal(sigs[i], on_signal);
        double t0 = live_now_ms();
        if (make_namespaces() < 0) {
                printf("bench-lan: skipped: cannot make network namespaces here (iproute2's ip "
                       "netns, veth)\n");
                return 77;
        }
        printf("# LAN discovery: two network namespaces joined by a veth pair, no bootstrap, "
               "RSA-%d; %d rounds, %d gone rounds\n",
               LIVE_KEY_BITS, rounds, gone_rounds);
        printf("# set-up: namespaces %.0f ms\n", live_now_ms() - t0);
        if (spawn(&alice) < 0 || spawn(&bob) < 0 || set_up() < 0) {
                fprintf(stderr, "bench-lan: set-up failed\n");
                return 1;
        }
        fflush(stdout);
        if (run_rounds(rounds, gone_rounds) < 0)
                fprintf(stderr, "bench-lan: a device stopped answering; figures so far:\n");
        print_figure(&nearby_b);
        print_figure(&nearby_a);
        print_figure(&joined);
        print_figure(&rejoined);
        print_figure(&opening);
        if (gone_rounds)
                print_figure(&gone);
        printf("# a miss counts as the whole wait: %d s (gone: %d s)\n", WAIT_MS / 1000,
               GONE_WAIT_MS / 1000);
        for (int i = 0; i < 2; i++)
                tell(devices[i], "quit", NULL);
        for (int i = 0; i < 2; i++)
                for (int t = 0; t < 100 && devices[i]->pid > 0; t++)
                        if (waitpid(devices[i]->pid, NULL, WNOHANG) == devices[i]->pid)
                                devices[i]->pid = -1;
                        else
                                usleep(50000);
        return 0; /* a benchmark reports; cleanup() runs at exit */
}
