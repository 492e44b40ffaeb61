/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-disk-full.c — an account on a full disk: a write says "no space left
 * on device" (it used to read "limit reached"), and an account started on a
 * full disk recovers once space returns, without a restart (it used to stay
 * in error). A small tmpfs, mounted in a mount namespace of the test's own;
 * needs root (skipped otherwise, exit 77).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "check.h"
#include "peerbook/peerbook.h"
#include "store.h"
#include "util.h"

static char dir[] = "/tmp/peerbook-test-disk-full-XXXXXX";

/* Fills the file system with one file until it is full; returns its path. */
static char *fill(const char *name) {
        char *path = pb_path_join(dir, name);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        static char block[4096];
        for (int i = 0; fd >= 0 && i < 100000; i++) /* bounded: 400 MB at the most */
                if (write(fd, block, sizeof(block)) < 0)
                        break;
        for (int i = 0; fd >= 0 && i < 4096; i++) /* the last bytes of a partial block */
                if (write(fd, block, 1) < 0)
                        break;
        if (fd >= 0)
                close(fd);
        return path;
}

static void on_event(const struct peerbook_event *ev, void *userdata) {
        if (ev->type == PEERBOOK_EVENT_REGISTRATION)
                printf("# registration %s: %s\n",
                       peerbook_registration_name(ev->registration.state), ev->registration.detail);
}

static enum peerbook_registration state(peerbook_ctx *ctx, const char *id) {
        struct peerbook_account_info *info = NULL;
        enum peerbook_registration r = peerbook_account_get_info(ctx, id, &info) == 0
                                               ? info->registration
                                               : PEERBOOK_REGISTRATION_ERROR;
        peerbook_free(info);
        return r;
}

/* A context started on the full disk: the account is in error. */
static peerbook_ctx *start_in_error(const struct peerbook_ctx_options *o, const char *id) {
        peerbook_ctx *ctx = NULL;
        CHECK_EQ(peerbook_ctx_new(o, &ctx), 0);
        peerbook_ctx_set_event_cb(ctx, on_event, NULL);
        peerbook_ctx_process(ctx);
        CHECK_EQ(state(ctx, id), PEERBOOK_REGISTRATION_ERROR);
        return ctx;
}

/* Pumps ctx until the account leaves ERROR or ms pass. */
static bool recovers(peerbook_ctx *ctx, const char *id, int ms) {
        for (int waited = 0; waited < ms; waited += 50) {
                if (state(ctx, id) != PEERBOOK_REGISTRATION_ERROR)
                        return true;
                struct pollfd p = { .fd = peerbook_ctx_get_fd(ctx), .events = POLLIN };
                int t = peerbook_ctx_get_timeout_ms(ctx);
                poll(&p, 1, t >= 0 && t < 50 ? t : 50);
                peerbook_ctx_process(ctx);
        }
        return state(ctx, id) != PEERBOOK_REGISTRATION_ERROR;
}

int main(void) {
        if (geteuid() != 0) {
                printf("1..0 # SKIP needs root for a tmpfs\n");
                return 77;
        }
        CHECK(mkdtemp(dir) != NULL);
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("tmpfs", dir, "tmpfs", 0, "size=4m,mode=0700") < 0) {
                printf("1..0 # SKIP cannot mount a tmpfs: %s\n", strerror(errno));
                rmdir(dir);
                return 77;
        }
        _cleanup_free_ char *data = pb_path_join(dir, "data");
        struct peerbook_ctx_options o = { .size = sizeof(o), .data_dir = data, .key_bits = 2048 };
        struct peerbook_account_params p = { .size = sizeof(p), .alias = "alice" };
        peerbook_ctx *ctx = NULL;
        char id[PEERBOOK_ID_SIZE];
        CHECK_EQ(peerbook_ctx_new(&o, &ctx), 0);
        CHECK_EQ(peerbook_account_create(ctx, &p, id), 0);

        /* A write on a full disk says so. */
        CHECK_EQ(peerbook_contact_remove(ctx, id, "0123456789abcdef0123456789abcdef01234567", true),
                 0);
        _cleanup_free_ char *filler = fill("filler");
        int r = 0;
        for (int i = 0; i < 200 && r == 0; i++) { /* until SQLite needs a new page */
                char alias[120];
                snprintf(alias, sizeof(alias), "%0*d", 100, i);
                struct peerbook_account_params set = { .size = sizeof(set),
                                                       .fields = PEERBOOK_PARAM_ALIAS,
                                                       .alias = alias };
                r = peerbook_account_update(ctx, id, &set);
        }
        printf("# a write on a full disk: %s\n", peerbook_strerror(r));
        CHECK_EQ(r, -ENOSPC);
        CHECK(!strcmp(peerbook_strerror(r), "no space left on device"));
        ctx = peerbook_ctx_free(ctx);

        /* Started on a full disk (closing freed the WAL: fill again): in error;
         * once space returns, running again. */
        _cleanup_free_ char *filler2 = fill("filler2");
        ctx = start_in_error(&o, id);
        CHECK_EQ(peerbook_contact_add(ctx, id, "0123456789abcdef0123456789abcdef01234567"), -EIO);
        CHECK_EQ(unlink(filler), 0);
        CHECK_EQ(unlink(filler2), 0);
        CHECK(recovers(ctx, id, 10000));
        struct peerbook_contact **list = NULL;
        CHECK_EQ(peerbook_contact_list(ctx, id, &list),
                 1); /* the ban written before the disk filled */
        peerbook_list_free(list);
        peerbook_ctx_free(ctx);

        /* Loaded, but the first write of a start (the device state's sequence)
         * finds the disk full: another connection keeps the -shm and -wal files
         * made, so that reading needs no space. Retried too. */
        _cleanup_free_ char *adir = pb_path_join(data, id);
        _cleanup_free_ char *db = pb_path_join(adir, "account.db");
        pb_store *other = NULL;
        CHECK_EQ(pb_store_open(db, false, &other), 0);
        _cleanup_free_ char *filler3 = fill("filler3");
        ctx = start_in_error(&o, id);
        CHECK_EQ(unlink(filler3), 0);
        CHECK(recovers(ctx, id, 10000));
        peerbook_ctx_free(ctx);
        pb_store_close(other);

        CHECK_EQ(umount(dir), 0);
        CHECK_EQ(rmdir(dir), 0);
        return check_summary();
}
