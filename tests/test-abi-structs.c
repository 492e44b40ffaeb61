/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-abi-structs.c — the size rule of peerbook.h as a program built
 * against only include/ and libpeerbook.so sees it. The "old" structs are
 * the 0.3 ones cut right after their last member (no tail padding) and
 * placed at the very end of a page followed by an unmapped one: a library
 * that read past `size` would crash here. Also: records and lists, and the
 * error codes that the header promises per function.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <peerbook/peerbook.h>

#include "check.h"

#define offsetofend(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))
#define OLD_OPTIONS offsetofend(struct peerbook_ctx_options, key_bits)
#define OLD_PARAMS offsetofend(struct peerbook_account_params, dht_port)

static uint8_t *page_end; /* the first byte that is not mapped */

/* Copies `size` bytes of s so that they end where the mapping ends. The
 * copy may be misaligned (20 or 42 bytes before a page boundary): the
 * library reads a caller's struct as bytes, so that is fine here. */
static void *at_page_end(const void *s, size_t size) {
        return memcpy(page_end - size, s, size);
}

static const char *const nobody = "0000000000000000000000000000000000000000";

static void test_options(const char *dir, peerbook_ctx **ret) {
        struct peerbook_ctx_options o = { .size = OLD_OPTIONS, .data_dir = dir, .key_bits = 2048 };
        peerbook_ctx *ctx = NULL;
        CHECK_EQ(peerbook_ctx_new(NULL, &ctx), -EINVAL);
        o.size = 0;
        CHECK_EQ(peerbook_ctx_new(at_page_end(&o, OLD_OPTIONS), &ctx), -EINVAL);
        o.size = OLD_OPTIONS - 1;
        CHECK_EQ(peerbook_ctx_new(at_page_end(&o, OLD_OPTIONS), &ctx), -EINVAL);
        o.key_bits = 1024; /* read: it is inside the old struct */
        o.size = OLD_OPTIONS;
        CHECK_EQ(peerbook_ctx_new(at_page_end(&o, OLD_OPTIONS), &ctx), -EINVAL);
        o.key_bits = 2048;
        CHECK_EQ(peerbook_ctx_new(at_page_end(&o, OLD_OPTIONS), &ctx), 0);
        CHECK(ctx != NULL);
        *ret = ctx;
}

static void test_account(peerbook_ctx *ctx) {
        struct peerbook_account_params p = { .size = OLD_PARAMS, .alias = "old" };
        char id[PEERBOOK_ID_SIZE];
        p.size = OLD_PARAMS - 1;
        CHECK_EQ(peerbook_account_create(ctx, at_page_end(&p, OLD_PARAMS), id), -EINVAL);
        p.size = OLD_PARAMS;
        CHECK_EQ(peerbook_account_create(ctx, at_page_end(&p, OLD_PARAMS), id), 0);

        struct peerbook_account_info *info = NULL;
        CHECK_EQ(peerbook_account_get_info(ctx, id, &info), 0);
        CHECK(info && !strcmp(info->account_id, id) && !strcmp(info->alias, "old") &&
              strlen(info->device_id) == PEERBOOK_ID_LEN && info->registration_detail &&
              !info->bootstrap[0]);
        info = peerbook_free(info);
        CHECK_EQ(peerbook_account_get_info(ctx, nobody, &info), -ESRCH);
        CHECK(info == NULL); /* ret_* untouched on failure */

        /* update: the fields mask, through the old struct too */
        struct peerbook_account_params u = { .size = OLD_PARAMS,
                                             .fields = PEERBOOK_PARAM_ALIAS,
                                             .alias = "renamed",
                                             .bootstrap = "ignored:1" };
        CHECK_EQ(peerbook_account_update(ctx, id, at_page_end(&u, OLD_PARAMS)), 0);
        CHECK_EQ(peerbook_account_get_info(ctx, id, &info), 0);
        CHECK(info && !strcmp(info->alias, "renamed") && !info->bootstrap[0]);
        info = peerbook_free(info);
        u.fields = 1u << 31;
        CHECK_EQ(peerbook_account_update(ctx, id, at_page_end(&u, OLD_PARAMS)), -EINVAL);
        CHECK_EQ(peerbook_account_update(ctx, nobody, &u), -ESRCH);
        CHECK_EQ(peerbook_account_update(ctx, id, NULL), -EINVAL);

        /* lists: NULL-terminated, with their length */
        char **ids = NULL;
        CHECK_EQ(peerbook_account_list(ctx, &ids), 1);
        CHECK(ids && !strcmp(ids[0], id) && !ids[1]);
        peerbook_list_free(ids);
        struct peerbook_contact **contacts = NULL;
        CHECK_EQ(peerbook_contact_list(ctx, id, &contacts), 0);
        CHECK(contacts && !contacts[0]);
        peerbook_list_free(contacts);

        /* one meaning of -ENOENT per function; -ESRCH for no account */
        struct peerbook_contact *c = NULL;
        const char *stranger = "1111111111111111111111111111111111111111";
        CHECK_EQ(peerbook_contact_get(ctx, id, stranger, &c), -ENOENT);
        CHECK_EQ(peerbook_contact_get(ctx, nobody, stranger, &c), -ESRCH);
        CHECK_EQ(peerbook_trust_request_accept(ctx, id, stranger), -ENOENT);
        CHECK_EQ(peerbook_buddy_unsubscribe(ctx, id, stranger), 0); /* repeated operations */
        CHECK_EQ(peerbook_trust_request_send(ctx, id, id, NULL, 0), -EINVAL);
        CHECK_EQ(peerbook_account_remove(ctx, nobody), -ESRCH);
        CHECK_EQ(peerbook_account_remove(ctx, id), 0);
}

int main(void) {
        long page = sysconf(_SC_PAGESIZE);
        uint8_t *map =
                mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (map == MAP_FAILED || mprotect(map + page, page, PROT_NONE) < 0)
                return EXIT_FAILURE;
        page_end = map + page;

        CHECK(!strcmp(peerbook_version(), PEERBOOK_VERSION));
        CHECK_EQ(PEERBOOK_VERSION_NUMBER,
                 PEERBOOK_VERSION_AT(PEERBOOK_VERSION_MAJOR, PEERBOOK_VERSION_MINOR,
                                     PEERBOOK_VERSION_PATCH));
        char id[PEERBOOK_ID_SIZE] = "untouched";
        CHECK_EQ(peerbook_uri_normalize("jami:ABC", id), -EINVAL);
        CHECK(!strcmp(id, "untouched"));

        char dir[] = "/tmp/peerbook-abi-XXXXXX";
        if (!mkdtemp(dir))
                return EXIT_FAILURE;
        peerbook_ctx *ctx = NULL;
        test_options(dir, &ctx);
        if (ctx)
                test_account(ctx);
        peerbook_ctx_free(ctx);
        rmdir(dir);
        return check_summary();
}
