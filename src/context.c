/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * context.c — the public API's entry points: a context hosts accounts,
 * owns the event queue and runs the owner-thread side of the event loop.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "context.h"
#include "identity.h"
#include "peerbook/peerbook.h"
#include "util.h"

#define STOP_WAIT_MS 1500 /* how long a clean stop waits for goodbyes to be stored */
#define DEFAULT_KEY_BITS 4096

struct peerbook_ctx {
        char *data_dir;
        unsigned key_bits;
        pb_queue *queue;
        peerbook_event_cb cb;
        void *cb_data;
        pb_account **accounts;
        size_t n_accounts, cap_accounts;
        uint64_t next_serial;
};

static void emit(void *userdata, const struct peerbook_event *ev) {
        peerbook_ctx *ctx = userdata;
        if (ctx->cb)
                ctx->cb(ev, ctx->cb_data);
}

static char *default_data_dir(void) {
        const char *xdg = getenv("XDG_DATA_HOME");
        if (xdg && xdg[0] == '/')
                return pb_path_join(xdg, "peerbook");
        const char *home = getenv("HOME");
        if (!home || home[0] != '/')
                return NULL;
        return pb_path_join(home, ".local/share/peerbook");
}

static pb_account *find_account(peerbook_ctx *ctx, const char *id) {
        char norm[PEERBOOK_ID_SIZE];
        if (!id || peerbook_uri_normalize(id, norm) < 0)
                return NULL;
        for (size_t i = 0; i < ctx->n_accounts; i++)
                if (!strcmp(pb_account_id(ctx->accounts[i]), norm))
                        return ctx->accounts[i];
        return NULL;
}

/* -EINVAL for a malformed ID, -ENOENT for an unknown one. */
static int lookup(peerbook_ctx *ctx, const char *id, pb_account **ret) {
        char norm[PEERBOOK_ID_SIZE];
        if (!ctx || !id || peerbook_uri_normalize(id, norm) < 0)
                return -EINVAL;
        *ret = find_account(ctx, norm);
        return *ret ? 0 : -ENOENT;
}

/* lookup() for the calls that read or write an account's database: an account
 * whose keys or database did not load refuses them (-EIO; its registration
 * detail says why) rather than write into a database it could not read, or
 * list what little of it was read. */
static int lookup_ready(peerbook_ctx *ctx, const char *id, pb_account **ret) {
        int r = lookup(ctx, id, ret);
        return r < 0 ? r : pb_account_load_error(*ret) < 0 ? -EIO : 0;
}

static int open_account(peerbook_ctx *ctx, const char *id) {
        if (ctx->n_accounts == ctx->cap_accounts) {
                size_t cap = ctx->cap_accounts ? ctx->cap_accounts * 2 : 4;
                pb_account **n = realloc(ctx->accounts, cap * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                ctx->accounts = n;
                ctx->cap_accounts = cap;
        }
        _cleanup_free_ char *dir = pb_path_join(ctx->data_dir, id);
        if (!dir)
                return -ENOMEM;
        struct pb_account_env env = { .queue = ctx->queue, .emit = emit, .ctx = ctx };
        pb_account *a = NULL;
        int r = pb_account_open(&env, dir, ++ctx->next_serial, &a);
        /* A broken account stays listed, in the ERROR state, so it can be seen and removed. */
        if (a)
                ctx->accounts[ctx->n_accounts++] = a;
        return r;
}

static void load_accounts(peerbook_ctx *ctx) {
        DIR *d = opendir(ctx->data_dir);
        if (!d)
                return;
        struct dirent *e;
        while ((e = readdir(d))) {
                char norm[PEERBOOK_ID_SIZE];
                /* Only folders named by an account ID: skips "." and temporaries. */
                if (strlen(e->d_name) == PEERBOOK_ID_LEN &&
                    peerbook_uri_normalize(e->d_name, norm) == 0 && !strcmp(norm, e->d_name))
                        open_account(ctx, e->d_name);
        }
        closedir(d);
}

int peerbook_ctx_new(const struct peerbook_ctx_options *options, peerbook_ctx **ret_ctx) {
        if (!ret_ctx)
                return -EINVAL;
        unsigned bits = options && options->key_bits ? options->key_bits : DEFAULT_KEY_BITS;
        if (bits < 2048 || bits > 8192)
                return -EINVAL;
        peerbook_ctx *ctx = calloc(1, sizeof(*ctx));
        if (!ctx)
                return -ENOMEM;
        ctx->key_bits = bits;
        ctx->data_dir = options && options->data_dir ? strdup(options->data_dir)
                                                      : default_data_dir();
        int r = ctx->data_dir ? pb_mkdir_p(ctx->data_dir) : -EINVAL;
        if (r == 0)
                r = pb_queue_new(&ctx->queue);
        if (r < 0) {
                free(ctx->data_dir);
                free(ctx);
                return r;
        }
        load_accounts(ctx);
        *ret_ctx = ctx;
        return 0;
}

/* Waits, bounded, until every stopping account's goodbye was stored. */
static void wait_goodbyes(peerbook_ctx *ctx, pb_account **list, size_t n) {
        uint64_t deadline = pb_now_ms() + STOP_WAIT_MS;
        for (;;) {
                bool pending = false;
                for (size_t i = 0; i < n; i++)
                        pending |= pb_account_stop_pending(list[i]);
                uint64_t now = pb_now_ms();
                if (!pending || now >= deadline)
                        return;
                struct pollfd p = { .fd = pb_queue_fd(ctx->queue), .events = POLLIN };
                poll(&p, 1, (int)(deadline - now));
                struct pb_item *items = pb_queue_take_all(ctx->queue);
                for (struct pb_item *it = items; it; it = it->next)
                        for (size_t i = 0; i < n; i++)
                                if (it->kind == PB_ITEM_PUT_DONE &&
                                    it->account_serial == pb_account_serial(list[i]))
                                        pb_account_handle(list[i], it);
                pb_items_free(items);
        }
}

peerbook_ctx *peerbook_ctx_free(peerbook_ctx *ctx) {
        if (!ctx)
                return NULL;
        for (size_t i = 0; i < ctx->n_accounts; i++)
                pb_account_begin_stop(ctx->accounts[i]);
        wait_goodbyes(ctx, ctx->accounts, ctx->n_accounts);
        for (size_t i = 0; i < ctx->n_accounts; i++)
                pb_account_free(ctx->accounts[i]);
        free(ctx->accounts);
        pb_queue_free(ctx->queue);
        free(ctx->data_dir);
        free(ctx);
        return NULL;
}

int peerbook_ctx_get_fd(peerbook_ctx *ctx) {
        return ctx ? pb_queue_fd(ctx->queue) : -EINVAL;
}

static uint64_t run_timers(peerbook_ctx *ctx) {
        uint64_t now = pb_now_ms(), next = UINT64_MAX;
        for (size_t i = 0; i < ctx->n_accounts; i++) {
                uint64_t t = pb_account_tick(ctx->accounts[i], now);
                if (t < next)
                        next = t;
        }
        return next;
}

int peerbook_ctx_get_timeout_ms(peerbook_ctx *ctx) {
        if (!ctx)
                return -1;
        uint64_t next = run_timers(ctx), now = pb_now_ms();
        if (next == UINT64_MAX)
                return -1;
        return next <= now ? 0 : (int)(next - now > 60000 ? 60000 : next - now);
}

static pb_account *by_serial(peerbook_ctx *ctx, uint64_t serial) {
        for (size_t i = 0; i < ctx->n_accounts; i++)
                if (pb_account_serial(ctx->accounts[i]) == serial)
                        return ctx->accounts[i];
        return NULL;
}

int peerbook_ctx_process(peerbook_ctx *ctx) {
        if (!ctx)
                return -EINVAL;
        int n = 0;
        struct pb_item *items = pb_queue_take_all(ctx->queue);
        for (struct pb_item *it = items; it; it = it->next) {
                pb_account *a = by_serial(ctx, it->account_serial);
                if (a) { /* items of a removed account are dropped */
                        pb_account_handle(a, it);
                        n++;
                }
        }
        pb_items_free(items);
        run_timers(ctx);
        return n;
}

void peerbook_ctx_set_event_cb(peerbook_ctx *ctx, peerbook_event_cb cb, void *userdata) {
        if (!ctx)
                return;
        ctx->cb = cb;
        ctx->cb_data = userdata;
}

/* ---- accounts ---------------------------------------------------------- */

static int prepare_settings(const char *tmp_dir, const pb_hash *id, void *userdata) {
        (void)id;
        return pb_account_write_settings(tmp_dir, userdata);
}

static int add_new_account(peerbook_ctx *ctx, const pb_identity *account,
                           const struct peerbook_account_params *params, const char *alias,
                           char ret_account_id[PEERBOOK_ID_SIZE]) {
        const char *pw = params->password && params->password[0] ? params->password : NULL;
        struct pb_account_settings s = {
                .alias = alias,
                .bootstrap = params->bootstrap,
                .port = params->dht_port,
                .has_password = pw != NULL,
        };
        pb_hash id;
        int r = pb_account_dir_create(ctx->data_dir, account, pw, ctx->key_bits,
                                      prepare_settings, &s, &id);
        if (r < 0)
                return r;
        char hex[PEERBOOK_ID_SIZE];
        pb_hash_to_hex(&id, hex);
        if ((r = open_account(ctx, hex)) < 0)
                return r;
        memcpy(ret_account_id, hex, sizeof(hex));
        return 0;
}

static bool params_ok(const struct peerbook_account_params *p) {
        return p && (!p->alias || strlen(p->alias) < 128) &&
               (!p->bootstrap || strlen(p->bootstrap) < 512);
}

int peerbook_account_create(peerbook_ctx *ctx, const struct peerbook_account_params *params,
                            char ret_account_id[PEERBOOK_ID_SIZE]) {
        if (!ctx || !params_ok(params) || !ret_account_id)
                return -EINVAL;
        pb_identity *account = NULL;
        int r = pb_identity_generate("peerbook account", NULL, ctx->key_bits, &account);
        if (r < 0)
                return r;
        r = add_new_account(ctx, account, params, params->alias, ret_account_id);
        pb_identity_free(account);
        return r;
}

int peerbook_account_import(peerbook_ctx *ctx, const char *path,
                            const struct peerbook_account_params *params,
                            char ret_account_id[PEERBOOK_ID_SIZE]) {
        if (!ctx || !path || !params_ok(params) || !ret_account_id)
                return -EINVAL;
        pb_identity *account = NULL;
        char alias[128];
        int r = pb_archive_import(path, params->password ? params->password : "", &account, alias);
        if (r < 0)
                return r;
        r = add_new_account(ctx, account, params, params->alias ? params->alias : alias,
                            ret_account_id);
        pb_identity_free(account);
        return r;
}

int peerbook_account_remove(peerbook_ctx *ctx, const char *account_id) {
        pb_account *a;
        int r = lookup(ctx, account_id, &a);
        if (r < 0)
                return r;
        pb_account_begin_stop(a);
        wait_goodbyes(ctx, &a, 1);
        for (size_t i = 0; i < ctx->n_accounts; i++)
                if (ctx->accounts[i] == a) {
                        memmove(&ctx->accounts[i], &ctx->accounts[i + 1],
                                (ctx->n_accounts - i - 1) * sizeof(*ctx->accounts));
                        ctx->n_accounts--;
                        break;
                }
        _cleanup_free_ char *dir = strdup(pb_account_dir(a));
        pb_account_free(a);
        if (!dir)
                return -ENOMEM;
        r = pb_rmtree(dir);
        if (r == 0)
                r = pb_dir_sync(ctx->data_dir);
        return r;
}

int peerbook_account_list(peerbook_ctx *ctx, char ***ret_ids) {
        if (!ctx || !ret_ids)
                return -EINVAL;
        char **v = calloc(ctx->n_accounts + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < ctx->n_accounts; i++)
                if (!(v[i] = strdup(pb_account_id(ctx->accounts[i])))) {
                        peerbook_strv_free(v);
                        return -ENOMEM;
                }
        *ret_ids = v;
        return 0;
}

char **peerbook_strv_free(char **strv) {
        if (strv)
                for (char **p = strv; *p; p++)
                        free(*p);
        free(strv);
        return NULL;
}

int peerbook_account_get_info(peerbook_ctx *ctx, const char *account_id,
                              struct peerbook_account_info *ret_info) {
        pb_account *a;
        int r = lookup(ctx, account_id, &a);
        if (r < 0 || !ret_info)
                return r < 0 ? r : -EINVAL;
        pb_account_info(a, ret_info);
        return 0;
}

int peerbook_account_update(peerbook_ctx *ctx, const char *account_id, const char *alias,
                            const char *bootstrap, int dht_port) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        if (r < 0)
                return r;
        if (dht_port > 65535 || (alias && strlen(alias) >= 128) ||
            (bootstrap && strlen(bootstrap) >= 512))
                return -EINVAL;
        return pb_account_update(a, alias, bootstrap, dht_port);
}

int peerbook_account_export(peerbook_ctx *ctx, const char *account_id, const char *path,
                            const char *password) {
        pb_account *a;
        int r = lookup(ctx, account_id, &a);
        if (r < 0)
                return r;
        if (!path)
                return -EINVAL;
        return pb_account_export(a, path, password);
}

uint64_t pb_ctx_announced_at(peerbook_ctx *ctx, const char *account_id) {
        pb_account *a;
        return lookup(ctx, account_id, &a) == 0 ? pb_account_announced_at(a) : 0;
}

/* ---- presence ---------------------------------------------------------- */

int peerbook_buddy_subscribe(peerbook_ctx *ctx, const char *account_id, const char *uri,
                             bool flag) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        if (r < 0)
                return r;
        return uri ? pb_account_subscribe(a, uri, flag) : -EINVAL;
}

int peerbook_buddy_list(peerbook_ctx *ctx, const char *account_id,
                        struct peerbook_buddy **ret_buddies, size_t *ret_count) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        if (r < 0)
                return r;
        if (!ret_buddies || !ret_count)
                return -EINVAL;
        return pb_account_buddies(a, ret_buddies, ret_count);
}

/* ---- trust requests and contacts ------------------------------------------ */

int peerbook_trust_request_send(peerbook_ctx *ctx, const char *account_id, const char *to,
                                const uint8_t *payload, size_t payload_len) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        return r < 0 ? r : pb_account_request_send(a, to, payload, payload_len);
}

int peerbook_trust_request_list(peerbook_ctx *ctx, const char *account_id,
                                struct peerbook_trust_request **ret_requests, size_t *ret_count) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        if (r < 0)
                return r;
        if (!ret_requests || !ret_count)
                return -EINVAL;
        return pb_account_request_list(a, ret_requests, ret_count);
}

int peerbook_trust_request_accept(peerbook_ctx *ctx, const char *account_id, const char *from) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        return r < 0 ? r : pb_account_request_accept(a, from);
}

int peerbook_trust_request_discard(peerbook_ctx *ctx, const char *account_id, const char *from) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        return r < 0 ? r : pb_account_request_discard(a, from);
}

int peerbook_contact_add(peerbook_ctx *ctx, const char *account_id, const char *uri) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        return r < 0 ? r : pb_account_contact_add(a, uri);
}

int peerbook_contact_remove(peerbook_ctx *ctx, const char *account_id, const char *uri,
                            bool ban) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        return r < 0 ? r : pb_account_contact_remove(a, uri, ban);
}

int peerbook_contact_list(peerbook_ctx *ctx, const char *account_id,
                          struct peerbook_contact **ret_contacts, size_t *ret_count) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        if (r < 0)
                return r;
        if (!ret_contacts || !ret_count)
                return -EINVAL;
        return pb_account_contact_list(a, ret_contacts, ret_count);
}

int peerbook_contact_get(peerbook_ctx *ctx, const char *account_id, const char *uri,
                         struct peerbook_contact *ret_contact) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        if (r < 0)
                return r;
        return ret_contact ? pb_account_contact_get(a, uri, ret_contact) : -EINVAL;
}

int pb_ctx_drop_confirmations(peerbook_ctx *ctx, const char *account_id, unsigned n) {
        pb_account *a;
        int r = lookup(ctx, account_id, &a);
        if (r == 0)
                pb_account_drop_confirmations(a, n);
        return r;
}

int pb_ctx_set_request_limits(peerbook_ctx *ctx, const char *account_id,
                              const struct pb_request_limits *limits) {
        pb_account *a;
        int r = lookup(ctx, account_id, &a);
        if (r == 0)
                pb_account_set_limits(a, limits);
        return r;
}
