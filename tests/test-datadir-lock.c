/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-datadir-lock.c — one context per data directory: a second one fails
 * with -EBUSY while the first lives, in this process and in another, and
 * succeeds once it is freed. No account, so no network. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "peerbook/peerbook.h"

/* peerbook_ctx_new() on dir in a child process: its return value. */
static int new_in_child(const char *dir) {
        pid_t pid = fork();
        if (pid == 0) {
                struct peerbook_ctx_options opts = { .size = sizeof(opts), .data_dir = dir };
                peerbook_ctx *ctx = NULL;
                int r = peerbook_ctx_new(&opts, &ctx);
                peerbook_ctx_free(ctx);
                _exit(r == -EBUSY ? 1 : r == 0 ? 0 : 2);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        return WIFEXITED(status) ? (WEXITSTATUS(status) == 1 ? -EBUSY
                                    : WEXITSTATUS(status)    ? -EIO
                                                             : 0)
                                 : -EIO;
}

int main(void) {
        char dir[] = "/tmp/peerbook-lock.XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        struct peerbook_ctx_options opts = { .size = sizeof(opts), .data_dir = dir };
        peerbook_ctx *first = NULL, *second = NULL;

        CHECK_EQ(peerbook_ctx_new(&opts, &first), 0);
        CHECK_EQ(peerbook_ctx_new(&opts, &second), -EBUSY);
        CHECK(second == NULL);
        CHECK(strcmp(peerbook_strerror(-EBUSY), "data directory in use by another process") == 0);
        CHECK_EQ(new_in_child(dir), -EBUSY);

        first = peerbook_ctx_free(first);
        CHECK_EQ(new_in_child(dir), 0);
        CHECK_EQ(peerbook_ctx_new(&opts, &second), 0);
        second = peerbook_ctx_free(second);

        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        CHECK_EQ(system(cmd), 0);
        return check_summary();
}
