/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench-hostile.c — what a flood of large values on one hash costs a node
 * that watches that hash, beside one that does not (OpenDHT's own storage
 * cap is the floor). 127.0.0.1 only; every loop and wait is bounded.
 *
 * Per mode, two processes: a watcher (a standalone account, subscribed to
 * the hash or not) and an attacker (a raw OpenDHT node bootstrapped from the
 * watcher) that puts N values of S bytes on the hash, signed by its own key
 * (-s) or not, of type T. Once the attacker's puts are done and the watcher
 * has run 5 s more, the watcher prints its VmRSS and VmHWM.
 *
 * Usage: bench-hostile [-n VALUES] [-z BYTES] [-t TYPE] [-s] [-b KEY_BITS]
 *                      [-m watched|unwatched|both]
 */
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dht/dht.h"
#include "live.h"
#include "stats.h"
#include "util.h"

#define TARGET "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed" /* the flooded (watched) hash */
#define PUT_TIMEOUT_MS 300000
#define SETTLE_MS 5000
#define STALL_MS 15000
#define BATCH 50 /* puts in flight at once */

static int n_values = 2000, value_size = 60000, value_type = 0, key_bits = 2048;
static bool signed_values;
static const char *mode = "both";

/* The watcher: writes its port to `out`, runs until `in` closes, reports. */
static int watcher(bool watch, int in, int out) {
        struct live_node n = { .key_bits = (unsigned)key_bits };
        if (live_new_account(&n, NULL) < 0)
                return 1;
        struct live_node *all[] = { &n };
        if (!live_wait(all, 1, live_registered, &n, 10000))
                return 1;
        if (watch && peerbook_buddy_subscribe(n.ctx, n.account, TARGET) < 0)
                return 1;
        uint16_t port = live_port(&n);
        if (write(out, &port, sizeof(port)) != sizeof(port))
                return 1;
        long start_kb = status_kb("VmRSS");
        /* Run until the parent closes the pipe (bounded by the put timeout). */
        for (double end = live_now_ms() + PUT_TIMEOUT_MS + 60000; live_now_ms() < end;) {
                struct pollfd p = { .fd = in, .events = POLLIN };
                if (poll(&p, 1, 0) > 0)
                        break;
                live_pump(all, 1, 50);
        }
        live_run(all, 1, SETTLE_MS);
        _cleanup_record_ struct peerbook_account_info *info = live_info(&n);
        printf("%-9s start %6.1f MiB  after %6.1f MiB  peak %6.1f MiB  (dropped values %llu)\n",
               watch ? "watched" : "unwatched", start_kb / 1024.0, status_kb("VmRSS") / 1024.0,
               status_kb("VmHWM") / 1024.0, (unsigned long long)(info ? info->dropped_values : 0));
        fflush(stdout);
        live_close(&n);
        char cmd[96];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", n.dir);
        return system(cmd) == 0 ? 0 : 1;
}

static atomic_int done_puts;

static void on_put(bool ok, void *userdata) {
        atomic_fetch_add(&done_puts, 1);
}

/* The attacker: N puts on TARGET from a raw node, BATCH at a time. */
static int attacker(uint16_t port) {
        char bootstrap[32];
        snprintf(bootstrap, sizeof(bootstrap), "127.0.0.1:%u", port);
        pb_identity *id = NULL;
        pb_node *node = NULL;
        if (live_raw_nodes(bootstrap, 1, (unsigned)key_bits, &id, &node) < 0)
                return 1;
        pb_hash key;
        pb_hash_from_hex(TARGET, &key);
        uint8_t *data = malloc((size_t)value_size);
        if (!data)
                return 1;
        double t0 = live_now_ms(), end = t0 + PUT_TIMEOUT_MS, progress_at = t0;
        int sent = 0, failed = 0, last_done = 0;
        /* Until every put is done, or none has finished for STALL_MS (a node
         * that refuses more requests from one peer never answers some). */
        while (atomic_load(&done_puts) < n_values && live_now_ms() < end &&
               live_now_ms() - progress_at < STALL_MS) {
                if (atomic_load(&done_puts) != last_done) {
                        last_done = atomic_load(&done_puts);
                        progress_at = live_now_ms();
                }
                while (sent < n_values && sent - atomic_load(&done_puts) < BATCH) {
                        memset(data, 'a' + sent % 26, (size_t)value_size);
                        memcpy(data, &sent, sizeof(sent));
                        int r;
                        if (signed_values) {
                                uint8_t *blob = NULL;
                                size_t len = 0;
                                r = pb_value_sign(id, (uint16_t)value_type, (uint64_t)sent + 1,
                                                  data, (size_t)value_size, &blob, &len);
                                if (r == 0)
                                        r = pb_node_put_packed(node, &key, blob, len, false, on_put,
                                                               NULL);
                                free(blob);
                        } else
                                r = pb_node_put_plain(node, &key, (uint16_t)value_type, data,
                                                      (size_t)value_size, on_put, NULL);
                        if (r < 0) {
                                failed++;
                                atomic_fetch_add(&done_puts, 1);
                        }
                        sent++;
                }
                usleep(10000);
        }
        fprintf(stderr, "# attacker: %d puts done of %d (%d refused) in %.1f s\n",
                atomic_load(&done_puts), n_values, failed, (live_now_ms() - t0) / 1000);
        /* No clean stop: the node would go on re-sending its puts for a while;
         * the process exits, which is all the watcher needs. */
        free(data);
        return 0;
}

static int run_mode(bool watch) {
        int to_watcher[2], from_watcher[2];
        if (pipe(to_watcher) < 0 || pipe(from_watcher) < 0)
                return 1;
        fflush(stdout);
        pid_t w = fork();
        if (w == 0) {
                close(to_watcher[1]);
                close(from_watcher[0]);
                _exit(watcher(watch, to_watcher[0], from_watcher[1]));
        }
        close(to_watcher[0]);
        close(from_watcher[1]);
        uint16_t port = 0;
        if (read(from_watcher[0], &port, sizeof(port)) != sizeof(port) || !port) {
                fprintf(stderr, "bench-hostile: the watcher did not start\n");
                kill(w, SIGKILL);
                waitpid(w, NULL, 0);
                return 1;
        }
        pid_t a = fork();
        if (a == 0)
                _exit(attacker(port));
        int st = 0;
        waitpid(a, &st, 0);
        close(to_watcher[1]); /* the watcher settles, then reports */
        waitpid(w, &st, 0);
        close(from_watcher[0]);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

int main(int argc, char **argv) {
        int c;
        while ((c = getopt(argc, argv, "n:z:t:sb:m:h")) != -1) {
                switch (c) {
                case 'n': n_values = atoi(optarg); break;
                case 'z': value_size = atoi(optarg); break;
                case 't': value_type = atoi(optarg); break;
                case 's': signed_values = true; break;
                case 'b': key_bits = atoi(optarg); break;
                case 'm': mode = optarg; break;
                default:
                        fprintf(stderr, "usage: bench-hostile [-n VALUES] [-z BYTES] [-t TYPE] "
                                        "[-s] [-b KEY_BITS] [-m watched|unwatched|both]\n");
                        return c == 'h' ? 0 : 2;
                }
        }
        if (n_values < 1 || n_values > 100000 || value_size < 1 || value_size > 64000 ||
            value_type < 0 || value_type > 65535) {
                fprintf(stderr, "bench-hostile: values 1..100000, size 1..64000, type 0..65535\n");
                return 2;
        }
        printf("# %d values of %d bytes, type %d, %s, on one hash\n", n_values, value_size,
               value_type, signed_values ? "signed" : "unsigned");
        int r = strcmp(mode, "watched") ? run_mode(false) : 0;
        return (strcmp(mode, "unwatched") ? run_mode(true) : 0) | r;
}
