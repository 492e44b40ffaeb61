/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-hostile-files.c — what a hostile or faulty file system does to the
 * library: a FIFO given as an archive, a symlink planted beside a file being
 * replaced, a database deleted, emptied or on a read-only mount, the modes of
 * the files an account writes. Each block failed before its fix.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "peerbook/peerbook.h"
#include "store.h"
#include "util.h"

static char dir[] = "/tmp/peerbook-test-hostile-XXXXXX";

static char *in_dir(const char *name) {
        return pb_path_join(dir, name);
}

static mode_t mode_of(const char *path) {
        struct stat st;
        return lstat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static off_t size_of(const char *path) {
        struct stat st;
        return stat(path, &st) == 0 ? st.st_size : -1;
}

static void on_alarm(int sig) {
        static const char msg[] = "test-hostile-files: blocked for 10 s (a FIFO?)\n";
        (void)!write(2, msg, sizeof(msg) - 1);
        _exit(EXIT_FAILURE);
}

/* Reading a FIFO returns at once with an error; the old code blocked in open(). */
static void test_fifo(void) {
        _cleanup_free_ char *fifo = in_dir("archive.fifo"), *data = in_dir("data");
        CHECK_EQ(mkfifo(fifo, 0600), 0);
        uint8_t *buf = NULL;
        size_t len = 0;
        alarm(10);
        CHECK_EQ(pb_file_read(fifo, 1024, &buf, &len), -EBADFD);
        CHECK_EQ(pb_file_read(dir, 1024, &buf, &len), -EISDIR);
        peerbook_ctx *ctx = NULL;
        struct peerbook_ctx_options o = { .size = sizeof(o), .data_dir = data, .key_bits = 2048 };
        CHECK_EQ(peerbook_ctx_new(&o, &ctx), 0);
        struct peerbook_account_params p = { .size = sizeof(p), .password = "x" };
        char id[PEERBOOK_ID_SIZE];
        CHECK_EQ(peerbook_account_import(ctx, fifo, &p, id), -EBADFD);
        CHECK(!strcmp(peerbook_strerror(-EBADFD), "not a regular file"));
        alarm(0);
        peerbook_ctx_free(ctx);
}

/* A symlink at <path>.tmp (the old temporary's name) or at path itself never
 * leads the write to its target. */
static void test_atomic_write_links(void) {
        _cleanup_free_ char *victim = in_dir("victim"), *path = in_dir("file"),
                            *tmp = in_dir("file.tmp");
        CHECK_EQ(pb_file_write(victim, "precious", 8), 0);
        CHECK_EQ(symlink(victim, tmp), 0);
        CHECK_EQ(pb_file_write(path, "new", 3), 0);
        CHECK_EQ(size_of(victim), 8);
        CHECK_EQ(size_of(path), 3);
        struct stat st;
        CHECK(lstat(tmp, &st) == 0 && S_ISLNK(st.st_mode)); /* left alone, not used */
        CHECK_EQ(unlink(tmp), 0);

        CHECK_EQ(unlink(path), 0);
        CHECK_EQ(symlink(victim, path), 0);
        CHECK_EQ(pb_file_write(path, "newer", 5), 0);
        CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode)); /* the link itself replaced */
        CHECK_EQ(st.st_mode & 0777, 0600);
        CHECK_EQ(size_of(victim), 8);

        /* Not a regular file: refused, not written through (never try this on a
         * system path: the old code replaced whatever it was given). */
        _cleanup_free_ char *fifo = in_dir("write.fifo");
        CHECK_EQ(mkfifo(fifo, 0600), 0);
        CHECK_EQ(pb_file_write(fifo, "x", 1), -EBADFD);
        CHECK_EQ(pb_file_write(dir, "x", 1), -EISDIR);
}

struct reg_log {
        int state, code;
        char detail[256];
};

static void on_event(const struct peerbook_event *ev, void *userdata) {
        struct reg_log *l = userdata;
        if (ev->type != PEERBOOK_EVENT_REGISTRATION)
                return;
        l->state = ev->registration.state;
        l->code = ev->registration.code;
        snprintf(l->detail, sizeof(l->detail), "%s", ev->registration.detail);
}

/* Reopens the context on data and checks that the account is in error, says
 * why naming account.db, refuses writes and lists, and left the file alone. */
static void check_broken(const char *data, const char *id, const char *db, off_t size) {
        peerbook_ctx *ctx = NULL;
        struct reg_log log = { .state = -1 };
        struct peerbook_ctx_options o = { .size = sizeof(o), .data_dir = data, .key_bits = 2048 };
        CHECK_EQ(peerbook_ctx_new(&o, &ctx), 0);
        peerbook_ctx_set_event_cb(ctx, on_event, &log);
        peerbook_ctx_process(ctx);
        struct peerbook_account_info *info = NULL;
        CHECK_EQ(peerbook_account_get_info(ctx, id, &info), 0);
        CHECK(info && info->registration == PEERBOOK_REGISTRATION_ERROR);
        peerbook_free(info);
        CHECK_EQ(log.state, PEERBOOK_REGISTRATION_ERROR);
        CHECK(strstr(log.detail, "account.db") != NULL);
        printf("# %s\n", log.detail);
        const char *other = "0123456789abcdef0123456789abcdef01234567";
        CHECK_EQ(peerbook_contact_add(ctx, id, other), -EIO);
        CHECK_EQ(peerbook_buddy_subscribe(ctx, id, other), -EIO);
        struct peerbook_contact **list = NULL;
        CHECK_EQ(peerbook_contact_list(ctx, id, &list), -EIO);
        CHECK_EQ(size_of(db), size);
        /* Its owner can still save it, with its password (the flag saying it has
         * one was in the database). */
        _cleanup_free_ char *archive = pb_path_join(dir, "rescue.pbk");
        CHECK_EQ(peerbook_account_export(ctx, id, archive, "wrong"), -EKEYREJECTED);
        CHECK_EQ(peerbook_account_export(ctx, id, archive, "pw"), 0);
        peerbook_ctx_free(ctx);
}

/* A deleted or emptied account.db is an error for that account, never a new
 * start; the account's other files keep 0600. */
static void test_account_db(void) {
        _cleanup_free_ char *data = in_dir("accounts");
        peerbook_ctx *ctx = NULL;
        struct peerbook_ctx_options o = { .size = sizeof(o), .data_dir = data, .key_bits = 2048 };
        CHECK_EQ(peerbook_ctx_new(&o, &ctx), 0);
        struct peerbook_account_params p = { .size = sizeof(p),
                                             .alias = "alice",
                                             .password = "pw" };
        char id[PEERBOOK_ID_SIZE];
        CHECK_EQ(peerbook_account_create(ctx, &p, id), 0);
        peerbook_ctx_process(ctx);
        _cleanup_free_ char *adir = pb_path_join(data, id);
        _cleanup_free_ char *db = pb_path_join(adir, "account.db");
        _cleanup_free_ char *wal = pb_path_join(adir, "account.db-wal");
        _cleanup_free_ char *shm = pb_path_join(adir, "account.db-shm");
        _cleanup_free_ char *cache = pb_path_join(adir, "nodes.cache");
        CHECK_EQ(peerbook_contact_remove(ctx, id, id, true), -EINVAL); /* never ban ourselves */
        CHECK_EQ(mode_of(db), 0600);
        CHECK_EQ(mode_of(wal), 0600);
        CHECK_EQ(mode_of(shm), 0600);
        peerbook_ctx_free(ctx);
        CHECK_EQ(mode_of(cache), 0600);

        CHECK_EQ(truncate(db, 0), 0);
        unlink(wal);
        unlink(shm);
        check_broken(data, id, db, 0);
        CHECK_EQ(unlink(db), 0);
        check_broken(data, id, db, -1);
}

/* The store on its own: create, refuse to create, modes, and the real cause
 * of a read-only directory (it used to read "no such account or entry"). */
static void test_store(void) {
        _cleanup_free_ char *sub = in_dir("store"), *db = NULL, *wal = NULL;
        CHECK_EQ(pb_mkdir_p(sub), 0);
        db = pb_path_join(sub, "a.db");
        wal = pb_path_join(sub, "a.db-wal");
        pb_store *s = NULL;
        CHECK_EQ(pb_store_open(db, false, &s), -ENOENT);
        CHECK_EQ(size_of(db), -1);
        mode_t old = umask(0);
        CHECK_EQ(pb_store_open(db, true, &s), 0);
        umask(old);
        CHECK_EQ(pb_store_set(s, "k", "v"), 0);
        CHECK_EQ(mode_of(db), 0600);
        CHECK_EQ(mode_of(wal), 0600);
        s = pb_store_close(s);
        CHECK_EQ(chmod(db, 0644), 0); /* as an older version made it */
        CHECK_EQ(pb_store_open(db, false, &s), 0);
        CHECK_EQ(mode_of(db), 0600);
        s = pb_store_close(s);

        /* A read-only directory: root ignores modes, so it gets a read-only
         * mount, in a mount namespace of its own that ends with the test. */
        bool mounted = false;
        if (geteuid() == 0)
                mounted = unshare(CLONE_NEWNS) == 0 &&
                          mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
                          mount(sub, sub, NULL, MS_BIND, NULL) == 0 &&
                          mount(NULL, sub, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) == 0;
        else
                CHECK_EQ(chmod(sub, 0500), 0);
        if (geteuid() != 0 || mounted) {
                int r = pb_store_open(db, false, &s);
                printf("# read-only: %s\n", peerbook_strerror(r));
                CHECK(r == -EROFS || r == -EACCES);
                if (r == 0)
                        s = pb_store_close(s);
        } else
                printf("# read-only mount not possible here: skipped\n");
        if (mounted)
                CHECK_EQ(umount(sub), 0);
        chmod(sub, 0700);
}

int main(void) {
        signal(SIGALRM, on_alarm);
        CHECK(mkdtemp(dir) != NULL);
        test_fifo();
        test_atomic_write_links();
        test_store();
        test_account_db();
        char cmd[96];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        CHECK_EQ(system(cmd), 0);
        return check_summary();
}
