/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-store-kill.c — SIGKILL during a burst of 1,000 contact changes: every
 * change whose call returned (acknowledged) is there after a restart.
 *
 * A child process owns the account and makes the changes through the C API,
 * writing one line per acknowledged change to a pipe; the parent kills it
 * with SIGKILL partway, then reopens the account and compares. A change
 * in flight when the process died may or may not be there; nothing else may
 * differ.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "live.h"

#define URIS 200
#define CHANGES 1000
#define KILL_AFTER 400

static char uris[URIS][PEERBOOK_ID_SIZE];

/* The i-th change: uri k, and whether it adds (else removes with a ban). */
static void change(int i, int *k, bool *add) {
        *k = (i * 37) % URIS;
        *add = (i / URIS) % 2 == 0; /* rounds alternate: add all, ban all, ... */
}

static void run_child(struct live_node *n, int out) {
        if (live_open(n) < 0)
                _exit(2);
        for (int i = 0; i < CHANGES; i++) {
                int k;
                bool add;
                change(i, &k, &add);
                int r = add ? peerbook_contact_add(n->ctx, n->account, uris[k])
                            : peerbook_contact_remove(n->ctx, n->account, uris[k], true);
                if (r < 0)
                        _exit(3);
                char line[16];
                int len = snprintf(line, sizeof(line), "%d\n", i);
                if (write(out, line, (size_t)len) != len)
                        _exit(4);
        }
        _exit(0);
}

int main(void) {
        for (int k = 0; k < URIS; k++)
                snprintf(uris[k], sizeof(uris[k]), "%032x%08x", 0x5eed, k);
        static struct live_node n;
        CHECK_EQ(live_new_account(&n, NULL), 0);
        live_close(&n); /* the child opens it; no two processes at once */

        int p[2];
        CHECK(pipe(p) == 0);
        pid_t pid = fork();
        if (pid == 0) {
                close(p[0]);
                run_child(&n, p[1]);
        }
        close(p[1]);
        FILE *in = fdopen(p[0], "r");
        int acked = -1, line;
        while (acked < KILL_AFTER && fscanf(in, "%d", &line) == 1)
                acked = line;
        kill(pid, SIGKILL);
        /* Lines written before the kill are acknowledged changes too. */
        while (fscanf(in, "%d", &line) == 1)
                acked = line;
        fclose(in);
        int status;
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        printf("# killed after %d acknowledged changes\n", acked + 1);

        /* Each uri's expected state: its last acknowledged change; the next
         * change (in flight, unacknowledged) may also have landed. */
        CHECK_EQ(live_open(&n), 0);
        int checked = 0;
        for (int k = 0; k < URIS; k++) {
                int last = -1, next = -1;
                for (int i = 0; i < CHANGES; i++) {
                        int kk;
                        bool add;
                        change(i, &kk, &add);
                        if (kk != k)
                                continue;
                        if (i <= acked)
                                last = i;
                        else if (next < 0)
                                next = i;
                }
                _cleanup_record_ struct peerbook_contact *c = NULL;
                int r = peerbook_contact_get(n.ctx, n.account, uris[k], &c);
                bool active = r == 0 && c->added > c->removed, banned = r == 0 && c->banned;
                bool ok_last, ok_next = false;
                int kk;
                bool add;
                if (last < 0)
                        ok_last = r == -ENOENT;
                else {
                        change(last, &kk, &add);
                        ok_last = add ? active && !banned : !active && banned;
                }
                if (next == acked + 1) {
                        change(next, &kk, &add);
                        ok_next = add ? active && !banned : !active && banned;
                }
                CHECK(ok_last || ok_next);
                checked++;
        }
        CHECK_EQ(checked, URIS);
        live_close(&n);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", n.dir);
        CHECK_EQ(system(cmd), 0);
        return check_summary();
}
