/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-create.c — making accounts: blocking and on the library's worker
 * threads (peerbook_account_create_async / _import_async). Real keys (2048
 * bits, to keep it short), real folders, no network beyond standalone nodes
 * on 127.0.0.1. Each wait is bounded.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "peerbook/peerbook.h"
#include "util.h"

struct done {
        int calls;
        int result;
        char id[PEERBOOK_ID_SIZE];
};

static void on_done(peerbook_ctx *ctx, int result, const char *account_id, void *userdata) {
        struct done *d = userdata;
        d->calls++;
        d->result = result;
        snprintf(d->id, sizeof(d->id), "%s", account_id ? account_id : "");
        CHECK((result == 0) == (account_id != NULL));
}

/* Runs the loop until every `d` has been called once, for at most 60 s. */
static bool wait_done(peerbook_ctx *ctx, struct done *d, size_t n) {
        uint64_t deadline = pb_now_ms() + 60000;
        for (;;) {
                size_t ended = 0;
                for (size_t i = 0; i < n; i++)
                        ended += d[i].calls > 0;
                if (ended == n)
                        return true;
                if (pb_now_ms() >= deadline)
                        return false;
                struct pollfd p = { .fd = peerbook_ctx_get_fd(ctx), .events = POLLIN };
                int t = peerbook_ctx_get_timeout_ms(ctx);
                poll(&p, 1, t < 0 || t > 100 ? 100 : t);
                peerbook_ctx_process(ctx);
        }
}

static size_t count_accounts(peerbook_ctx *ctx) {
        char **ids = NULL;
        int n = peerbook_account_list(ctx, &ids);
        peerbook_list_free(ids);
        return n < 0 ? 0 : (size_t)n;
}

static peerbook_ctx *new_ctx(const char *dir) {
        struct peerbook_ctx_options o = { .size = sizeof(o), .data_dir = dir, .key_bits = 2048 };
        peerbook_ctx *ctx = NULL;
        CHECK_EQ(peerbook_ctx_new(&o, &ctx), 0);
        return ctx;
}

/* Several creations at once; none is reported from inside the call, and the
 * loop keeps running while keys are made. */
static void test_async_create(const char *dir) {
        peerbook_ctx *ctx = new_ctx(dir);
        struct peerbook_account_params p = { .size = sizeof(p), .alias = "async" };
        struct done d[3] = { 0 };
        for (int i = 0; i < 3; i++)
                CHECK_EQ(peerbook_account_create_async(ctx, &p, on_done, &d[i]), 0);
        CHECK_EQ(d[0].calls, 0);
        CHECK_EQ(count_accounts(ctx), 0); /* nothing installed yet */
        /* The loop is ours meanwhile: process() returns at once. */
        uint64_t t0 = pb_now_ms();
        peerbook_ctx_process(ctx);
        CHECK(pb_now_ms() - t0 < 500);
        CHECK(wait_done(ctx, d, 3));
        for (int i = 0; i < 3; i++) {
                CHECK_EQ(d[i].calls, 1);
                CHECK_EQ(d[i].result, 0);
                struct peerbook_account_info *info = NULL;
                CHECK_EQ(peerbook_account_get_info(ctx, d[i].id, &info), 0);
                CHECK(info && !strcmp(info->alias, "async"));
                peerbook_free(info);
        }
        CHECK(strcmp(d[0].id, d[1].id) != 0);
        CHECK_EQ(count_accounts(ctx), 3);
        CHECK_EQ(peerbook_account_create_async(ctx, NULL, on_done, &d[0]), -EINVAL);
        CHECK_EQ(peerbook_account_create_async(ctx, &p, NULL, NULL), -EINVAL);
        peerbook_ctx_free(ctx);
}

/* Import: wrong password, an account already here, then another data dir. */
static void test_async_import(const char *dir, const char *other) {
        peerbook_ctx *ctx = new_ctx(dir);
        struct peerbook_account_params p = { .size = sizeof(p),
                                             .alias = "exported",
                                             .password = "pw" };
        char id[PEERBOOK_ID_SIZE];
        CHECK_EQ(peerbook_account_create(ctx, &p, id), 0);
        char *archive = pb_path_join(dir, "archive.pbk");
        CHECK_EQ(peerbook_account_export(ctx, id, archive, "pw"), 0);

        struct done d[3] = { 0 };
        struct peerbook_account_params wrong = { .size = sizeof(wrong), .password = "nope" };
        CHECK_EQ(peerbook_account_import_async(ctx, archive, &wrong, on_done, &d[0]), 0);
        struct peerbook_account_params right = { .size = sizeof(right), .password = "pw" };
        CHECK_EQ(peerbook_account_import_async(ctx, archive, &right, on_done, &d[1]), 0);
        char *missing = pb_path_join(dir, "no-such.pbk");
        CHECK_EQ(peerbook_account_import_async(ctx, missing, &right, on_done, &d[2]), 0);
        CHECK(wait_done(ctx, d, 3));
        CHECK_EQ(d[0].result, -EKEYREJECTED);
        CHECK_EQ(d[1].result, -EEXIST);
        CHECK_EQ(d[2].result, -ENOENT);
        peerbook_ctx_free(ctx);

        peerbook_ctx *ctx2 = new_ctx(other);
        struct done ok = { 0 };
        CHECK_EQ(peerbook_account_import_async(ctx2, archive, &right, on_done, &ok), 0);
        CHECK(wait_done(ctx2, &ok, 1));
        CHECK_EQ(ok.result, 0);
        CHECK(!strcmp(ok.id, id));
        struct peerbook_account_info *info = NULL;
        CHECK_EQ(peerbook_account_get_info(ctx2, id, &info), 0);
        CHECK(info && !strcmp(info->alias, "exported")); /* the archive's alias */
        CHECK(info && info->has_password);
        peerbook_free(info);
        peerbook_ctx_free(ctx2);
        free(missing);
        free(archive);
}

static size_t count_entries(const char *dir) {
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "ls -A '%s' | grep -vx .lock | wc -l", dir);
        FILE *f = popen(cmd, "r");
        size_t n = 0;
        if (f) {
                if (fscanf(f, "%zu", &n) != 1)
                        n = 0;
                pclose(f);
        }
        return n;
}

/* Freeing the context with creations in flight waits for them and leaves no
 * account and no temporary folder (only the data directory's lock file) (ASan checks nothing leaks); a folder left
 * by a crash in the middle of a creation is removed at the next start. */
static void test_abandon(const char *dir) {
        peerbook_ctx *ctx = new_ctx(dir);
        struct peerbook_account_params p = { .size = sizeof(p), .alias = "abandoned" };
        struct done d = { 0 };
        CHECK_EQ(peerbook_account_create_async(ctx, &p, on_done, &d), 0);
        peerbook_ctx_free(ctx);
        CHECK_EQ(d.calls, 0);
        CHECK_EQ(count_entries(dir), 0);

        char *leftover = pb_path_join(dir, ".0123456789abcdef0123456789abcdef01234567.42.1.tmp");
        CHECK_EQ(pb_mkdir_p(leftover), 0);
        ctx = new_ctx(dir);
        CHECK_EQ(access(leftover, F_OK), -1);
        CHECK_EQ(count_accounts(ctx), 0);
        peerbook_ctx_free(ctx);
        free(leftover);
}

int main(void) {
        char root[] = "/tmp/peerbook-test-create-XXXXXX";
        if (!mkdtemp(root)) {
                perror("mkdtemp");
                return EXIT_FAILURE;
        }
        char *a = pb_path_join(root, "a"), *b = pb_path_join(root, "b");
        char *c = pb_path_join(root, "c"), *e = pb_path_join(root, "e");
        test_async_create(a);
        test_async_import(b, c);
        test_abandon(e);
        pb_rmtree(a);
        pb_rmtree(b);
        pb_rmtree(c);
        pb_rmtree(e);
        rmdir(root);
        free(a);
        free(b);
        free(c);
        free(e);
        return check_summary();
}
