/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store.c — the account database: settings, subscriptions, reopening,
 * a corrupt file, and a schema from the future. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "store.h"
#include "util.h"

static int count_cb(const char *uri, void *userdata) {
        (*(int *)userdata)++;
        return 0;
}

int main(void) {
        char dir[] = "/tmp/peerbook-test-store-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        char *path = pb_path_join(dir, "account.db");
        pb_store *s = NULL;
        char buf[64];
        CHECK_EQ(pb_store_open(path, true, &s), 0);
        CHECK_EQ(pb_store_get(s, "alias", buf, sizeof(buf)), -ENOENT);
        CHECK_EQ(pb_store_set(s, "alias", "alice"), 0);
        CHECK_EQ(pb_store_set(s, "alias", "bob"), 0);
        CHECK_EQ(pb_store_get(s, "alias", buf, 3), -ENOBUFS);
        CHECK_EQ(pb_store_subscription_set(s, "aa", true), 0);
        CHECK_EQ(pb_store_subscription_set(s, "aa", true), 0);
        CHECK_EQ(pb_store_subscription_set(s, "bb", true), 0);
        CHECK_EQ(pb_store_subscription_set(s, "bb", false), 0);
        CHECK_EQ(pb_store_subscription_set(s, "cc", true), 0);
        s = pb_store_close(s);

        /* Everything acknowledged is there after reopening. */
        CHECK_EQ(pb_store_open(path, false, &s), 0);
        CHECK_EQ(pb_store_get(s, "alias", buf, sizeof(buf)), 0);
        CHECK(!strcmp(buf, "bob"));
        int n = 0;
        CHECK_EQ(pb_store_subscriptions(s, count_cb, &n), 0);
        CHECK_EQ(n, 2);
        s = pb_store_close(s);

        /* A file that is not a database is a clear error, not a crash. */
        char *bad = pb_path_join(dir, "bad.db");
        CHECK_EQ(pb_file_write(bad, "definitely not sqlite, just some text here", 42), 0);
        CHECK_EQ(pb_store_open(bad, false, &s), -EBADMSG);
        CHECK(s == NULL);
        free(bad);
        pb_rmtree(dir);
        free(path);
        return check_summary();
}
