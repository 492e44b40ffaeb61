/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-presence-expiry.c — the slow tier: a device killed with SIGKILL says
 * no goodbye, so its watchers see it offline only when its announcement
 * expires on the DHT (10 minutes after it was last stored). B runs in a child
 * process, forked before any DHT thread exists; the parent kills it.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "live.h"

#define EXPIRY_WAIT_MS (11 * 60 * 1000) /* OpenDHT's 10 minutes, and a margin */

static struct live_node boot, a, b;

/* The child: reads the bootstrap address, makes B, tells its ID, runs. */
static void run_b(int in, int out) {
        char bootstrap[64] = { 0 };
        if (read(in, bootstrap, sizeof(bootstrap) - 1) <= 0)
                _exit(2);
        if (live_new_account(&b, bootstrap) < 0)
                _exit(3);
        struct live_node *self[] = { &b };
        if (!live_wait(self, 1, live_registered, &b, 15000))
                _exit(4);
        if (write(out, b.account, PEERBOOK_ID_LEN) != PEERBOOK_ID_LEN)
                _exit(5);
        /* Bounded even if the parent dies without killing us. */
        for (double end = live_now_ms() + 20 * 60 * 1000; live_now_ms() < end;)
                live_pump(self, 1, 1000);
        _exit(0);
}

int main(void) {
        int to_child[2], from_child[2];
        CHECK(pipe(to_child) == 0 && pipe(from_child) == 0);
        pid_t pid = fork();
        if (pid == 0)
                run_b(to_child[0], from_child[1]);

        struct live_node *all[] = { &boot, &a };
        CHECK_EQ(live_new_account(&boot, NULL), 0);
        CHECK(live_wait(all, 1, live_registered, &boot, 10000));
        char bootstrap[64];
        snprintf(bootstrap, sizeof(bootstrap), "127.0.0.1:%u", live_port(&boot));
        CHECK(write(to_child[1], bootstrap, strlen(bootstrap)) > 0);
        CHECK_EQ(live_new_account(&a, bootstrap), 0);
        CHECK(live_wait(all, 2, live_registered, &a, 15000));

        char id[PEERBOOK_ID_SIZE] = { 0 };
        CHECK_EQ(read(from_child[0], id, PEERBOOK_ID_LEN), PEERBOOK_ID_LEN);
        CHECK_EQ(peerbook_buddy_subscribe(a.ctx, a.account, id), 0);
        struct live_status_want online = { &a, id, PEERBOOK_STATUS_ONLINE };
        struct live_status_want offline = { &a, id, PEERBOOK_STATUS_OFFLINE };
        CHECK(live_wait(all, 2, live_has_status, &online, 10000));

        double t0 = live_now_ms();
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        /* No goodbye: nothing may change for a while... */
        live_run(all, 2, 3000);
        CHECK_EQ(live_last_status(&a, id), PEERBOOK_STATUS_ONLINE);
        /* ...until the announcement expires. */
        CHECK(live_wait(all, 2, live_has_status, &offline, EXPIRY_WAIT_MS));
        printf("# killed device seen offline after %.1f s\n", (live_now_ms() - t0) / 1000);

        live_close(&a);
        live_close(&boot);
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "rm -rf %s %s", a.dir, boot.dir);
        CHECK_EQ(system(cmd), 0);
        return check_summary();
}
