/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * context.c — the public API's entry points: a context hosts accounts,
 * owns the event queue and runs the owner-thread side of the event loop.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "account.h"
#include "account_create.h"
#include "buddy.h"
#include "channels.h"
#include "contacts.h"
#include "context.h"
#include "create_jobs.h"
#include "identity.h"
#include "lan.h"
#include "nearby.h"
#include "netwatch.h"
#include "own_devices.h"
#include "peerbook/peerbook.h"
#include "pollset.h"
#include "record.h"
#include "requests.h"
#include "revoke.h"
#include "util.h"

#define STOP_WAIT_MS 1500 /* how long a clean stop waits for goodbyes to be stored */
#define DEFAULT_KEY_BITS 4096

struct peerbook_ctx {
        char *data_dir;
        int lock_fd; /* flock()ed while the context lives: one process per data_dir */
        unsigned key_bits;
        pb_queue *queue;
        pb_poll *poll; /* the fd handed out: the queue's eventfd and every channel's socket */
        peerbook_event_cb cb;
        void *cb_data;
        pb_account **accounts;
        size_t n_accounts, cap_accounts;
        uint64_t next_serial;
        struct pb_create_jobs creating; /* account creations on worker threads */
        struct pb_netwatch net;         /* the machine's addresses changing */
        struct pb_lan lan;              /* LAN discovery, for the accounts that want it */
        uint64_t lan_due;               /* pb_lan_tick()'s next deadline */
};

static void finish_creation(peerbook_ctx *ctx, const struct pb_item *it);

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

/* -EINVAL for a malformed ID, -ESRCH for an unknown one: -ENOENT is left to
 * what an account holds (contacts, requests, subscriptions, files). */
static int lookup(peerbook_ctx *ctx, const char *id, pb_account **ret) {
        char norm[PEERBOOK_ID_SIZE];
        if (!ctx || !id || peerbook_uri_normalize(id, norm) < 0)
                return -EINVAL;
        *ret = find_account(ctx, norm);
        return *ret ? 0 : -ESRCH;
}

int pb_ctx_account(peerbook_ctx *ctx, const char *id, pb_account **ret) {
        return lookup(ctx, id, ret);
}

#define offsetofend(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))

/* The caller's struct, by the size rule of peerbook.h: `size` bytes of it
 * over zeros, at least `first` (the first version's size), at most ours.
 * Read as bytes, never past `size`: tests/test-abi-structs.c checks that
 * with a struct that ends where the mapping does. */
static int read_sized(const void *in, size_t first, void *out, size_t out_size) {
        size_t size;
        if (!in)
                return -EINVAL;
        memcpy(&size, in, sizeof(size));
        if (size < first)
                return -EINVAL;
        memset(out, 0, out_size);
        memcpy(out, in, size < out_size ? size : out_size);
        return 0;
}

/* Version 0.3's members: the smallest struct a caller may pass. */
#define CTX_OPTIONS_FIRST offsetofend(struct peerbook_ctx_options, key_bits)
#define ACCOUNT_PARAMS_FIRST offsetofend(struct peerbook_account_params, dht_port)

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
        struct pb_account_env env = {
                .queue = ctx->queue, .poll = ctx->poll, .emit = emit, .ctx = ctx
        };
        pb_account *a = NULL;
        int r = pb_account_open(&env, dir, ++ctx->next_serial, &a);
        /* A broken account stays listed, in the ERROR state, so it can be seen and removed. */
        if (a)
                ctx->accounts[ctx->n_accounts++] = a;
        return r;
}

/* ".<id>.<pid>.<n>.tmp": a folder account_create.c was building when its
 * process died. Only this process uses the data directory. */
static bool creation_leftover(const char *name) {
        size_t n = strlen(name);
        return name[0] == '.' && n > PEERBOOK_ID_LEN + 5 && !strcmp(name + n - 4, ".tmp");
}

static void load_accounts(peerbook_ctx *ctx) {
        DIR *d = opendir(ctx->data_dir);
        if (!d)
                return;
        struct dirent *e;
        while ((e = readdir(d))) {
                char norm[PEERBOOK_ID_SIZE];
                if (creation_leftover(e->d_name)) {
                        _cleanup_free_ char *path = pb_path_join(ctx->data_dir, e->d_name);
                        if (path)
                                pb_rmtree(path);
                        continue;
                }
                /* Only folders named by an account ID: skips "." and temporaries. */
                if (strlen(e->d_name) == PEERBOOK_ID_LEN &&
                    peerbook_uri_normalize(e->d_name, norm) == 0 && !strcmp(norm, e->d_name))
                        open_account(ctx, e->d_name);
        }
        closedir(d);
}

/* Two processes on one data directory would run the same devices on two
 * nodes and overwrite each other's changes. A lock on a file inside it, held
 * until the context is freed (or the process dies: the kernel releases it),
 * keeps out every other context, in this process or another. */
static int lock_data_dir(const char *dir, int *ret_fd) {
        _cleanup_free_ char *path = pb_path_join(dir, ".lock");
        if (!path)
                return -ENOMEM;
        /* read-only: an existing lock file still locks in a read-only folder */
        int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                int r = errno == EWOULDBLOCK ? -EBUSY : -errno;
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

/* ---- the LAN (lan.c asks; nearby.c answers for each account) ------------ */

static bool lan_wanted(void *userdata, bool *changed) {
        peerbook_ctx *ctx = userdata;
        bool wanted = false;
        for (size_t i = 0; i < ctx->n_accounts; i++)
                wanted |= pb_nearby_wanted(ctx->accounts[i], changed);
        return wanted;
}

static void lan_notices(void *userdata, int family, pb_lan_send_fn send, void *arg) {
        peerbook_ctx *ctx = userdata;
        struct pb_lan_msg m;
        for (size_t i = 0; i < ctx->n_accounts; i++)
                if (pb_nearby_notice(ctx->accounts[i], family, &m))
                        send(&m, arg);
}

/* Called from a socket handler: the accounts only queue their events, so
 * no callback runs (and no account goes away) during this walk. */
static bool lan_heard(void *userdata, const struct pb_lan_msg *m, const struct sockaddr *from) {
        peerbook_ctx *ctx = userdata;
        uint64_t now = pb_now_ms();
        bool ok = true;
        for (size_t i = 0; i < ctx->n_accounts; i++)
                ok &= pb_nearby_on_notice(ctx->accounts[i], m, from, now);
        return ok;
}

static const struct pb_lan_ops lan_ops = {
        .wanted = lan_wanted,
        .notices = lan_notices,
        .heard = lan_heard,
};

int peerbook_ctx_new(const struct peerbook_ctx_options *options, peerbook_ctx **ret_ctx) {
        struct peerbook_ctx_options o;
        if (!ret_ctx || read_sized(options, CTX_OPTIONS_FIRST, &o, sizeof(o)) < 0)
                return -EINVAL;
        unsigned bits = o.key_bits ? o.key_bits : DEFAULT_KEY_BITS;
        if (bits < PEERBOOK_KEY_BITS_MIN || bits > PEERBOOK_KEY_BITS_MAX)
                return -EINVAL;
        peerbook_ctx *ctx = calloc(1, sizeof(*ctx));
        if (!ctx)
                return -ENOMEM;
        ctx->key_bits = bits;
        ctx->lock_fd = -1;
        ctx->data_dir = o.data_dir ? strdup(o.data_dir) : default_data_dir();
        int r = ctx->data_dir ? pb_mkdir_p(ctx->data_dir) : -EINVAL;
        if (r == 0)
                r = lock_data_dir(ctx->data_dir, &ctx->lock_fd);
        if (r == 0)
                r = pb_queue_new(&ctx->queue);
        if (r == 0)
                r = pb_poll_new(pb_queue_fd(ctx->queue), &ctx->poll);
        if (r < 0) {
                pb_queue_free(ctx->queue);
                if (ctx->lock_fd >= 0)
                        close(ctx->lock_fd);
                free(ctx->data_dir);
                free(ctx);
                return r;
        }
        /* Without it (no netlink here) only peerbook_ctx_connectivity_changed()
         * tells the accounts: not a reason to fail. */
        pb_netwatch_open(&ctx->net, ctx->poll);
        pb_lan_init(&ctx->lan, ctx->poll, &lan_ops, ctx, o.no_lan);
        load_accounts(ctx);
        *ret_ctx = ctx;
        return 0;
}

static pb_account *in_list(pb_account **list, size_t n, uint64_t serial) {
        for (size_t i = 0; i < n; i++)
                if (pb_account_serial(list[i]) == serial)
                        return list[i];
        return NULL;
}

/* Waits, bounded, until every stopping account's goodbye was stored. Only
 * their put results are handled here: every other item goes back to the
 * queue, in its order, for the next peerbook_ctx_process(), so that the
 * accounts that stay lose nothing. */
static void wait_goodbyes(peerbook_ctx *ctx, pb_account **list, size_t n) {
        uint64_t deadline = pb_now_ms() + STOP_WAIT_MS;
        struct pb_item *kept = NULL, **tail = &kept;
        for (;;) {
                bool pending = false;
                for (size_t i = 0; i < n; i++)
                        pending |= pb_account_stop_pending(list[i]);
                uint64_t now = pb_now_ms();
                if (!pending || now >= deadline)
                        break;
                struct pollfd p = { .fd = pb_queue_fd(ctx->queue), .events = POLLIN };
                poll(&p, 1, (int)(deadline - now));
                for (struct pb_item *it = pb_queue_take_all(ctx->queue), *next; it; it = next) {
                        next = it->next;
                        pb_account *a = it->kind == PB_ITEM_PUT_DONE
                                                ? in_list(list, n, it->account_serial)
                                                : NULL;
                        if (a) {
                                pb_account_handle(a, it);
                                free(it);
                                continue;
                        }
                        it->next = NULL;
                        *tail = it;
                        tail = &it->next;
                }
        }
        pb_queue_requeue(ctx->queue, kept);
}

peerbook_ctx *peerbook_ctx_free(peerbook_ctx *ctx) {
        if (!ctx)
                return NULL;
        for (size_t i = 0; i < ctx->n_accounts; i++)
                pb_account_begin_stop(ctx->accounts[i]);
        wait_goodbyes(ctx, ctx->accounts, ctx->n_accounts);
        pb_create_jobs_abandon(&ctx->creating);
        for (size_t i = 0; i < ctx->n_accounts; i++)
                pb_account_unref(ctx->accounts[i]);
        free(ctx->accounts);
        pb_lan_close(&ctx->lan);
        pb_netwatch_close(&ctx->net, ctx->poll);
        pb_poll_free(ctx->poll);
        pb_queue_free(ctx->queue);
        close(ctx->lock_fd); /* last: the accounts' files are closed */
        free(ctx->data_dir);
        free(ctx);
        return NULL;
}

int peerbook_ctx_get_fd(peerbook_ctx *ctx) {
        return ctx ? pb_poll_fd(ctx->poll) : -EINVAL;
}

/* Timers run here only: each account's tick does what is due and keeps its
 * next deadline, which peerbook_ctx_get_timeout_ms() merely reads. */
static void run_timers(peerbook_ctx *ctx) {
        uint64_t now = pb_now_ms();
        if (pb_netwatch_take(&ctx->net, now))
                peerbook_ctx_connectivity_changed(ctx);
        for (size_t i = 0; i < ctx->n_accounts; i++)
                pb_account_tick(ctx->accounts[i], now);
        /* After the accounts: a node started by a tick is announced at once. */
        ctx->lan_due = pb_lan_tick(&ctx->lan, now);
}

int peerbook_ctx_connectivity_changed(peerbook_ctx *ctx) {
        if (!ctx)
                return -EINVAL;
        for (size_t i = 0; i < ctx->n_accounts; i++)
                pb_account_connectivity_changed(ctx->accounts[i]);
        pb_lan_network_changed(&ctx->lan);
        ctx->lan_due = 0;
        return 0;
}

int peerbook_ctx_get_timeout_ms(peerbook_ctx *ctx) {
        if (!ctx)
                return -1;
        uint64_t next = ctx->net.due ? ctx->net.due : UINT64_MAX, now = pb_now_ms();
        if (ctx->lan_due < next)
                next = ctx->lan_due;
        for (size_t i = 0; i < ctx->n_accounts; i++) {
                uint64_t t = pb_account_deadline(ctx->accounts[i]);
                if (t < next)
                        next = t;
        }
        if (next == UINT64_MAX)
                return -1;
        return next <= now ? 0 : (int)(next - now > 60000 ? 60000 : next - now);
}

static pb_account *by_serial(peerbook_ctx *ctx, uint64_t serial) {
        return in_list(ctx->accounts, ctx->n_accounts, serial);
}

/* Each item is handled with its account pinned (sd-bus's BUS_DONT_DESTROY):
 * a callback may remove the account, which is then freed once its handler
 * has returned. Items of an account removed meanwhile are dropped. */
int peerbook_ctx_process(peerbook_ctx *ctx) {
        if (!ctx)
                return -EINVAL;
        /* Sockets first: what they report is queued, and handled below. */
        int n = pb_poll_dispatch(ctx->poll);
        struct pb_item *items = pb_queue_take_all(ctx->queue);
        for (struct pb_item *it = items; it; it = it->next) {
                if (it->kind == PB_ITEM_JOB_DONE) {
                        finish_creation(ctx, it);
                        n++;
                        continue;
                }
                pb_account *a = by_serial(ctx, it->account_serial);
                if (!a)
                        continue;
                pb_account_ref(a);
                pb_account_handle(a, it);
                pb_account_unref(a);
                n++;
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

/* The settings an account takes from a caller, checked the same way on
 * create, import and update. */
static bool settings_ok(const char *alias, const char *bootstrap) {
        return (!alias || strlen(alias) < PEERBOOK_ALIAS_MAX) &&
               peerbook_bootstrap_check(bootstrap, NULL, NULL) == 0;
}

/* The caller's params by the size rule, with settings that fit the account. */
static int read_params(const struct peerbook_account_params *in,
                       struct peerbook_account_params *p) {
        int r = read_sized(in, ACCOUNT_PARAMS_FIRST, p, sizeof(*p));
        if (r == 0 && (!settings_ok(p->alias, p->bootstrap) || p->channel_port < -1 ||
                       p->channel_port > 65535 || (p->lan & ~PB_LAN_KNOWN)))
                r = -EINVAL;
        return r;
}

/* Installs a built account and starts it. */
static int install_account(peerbook_ctx *ctx, struct pb_new_account *n,
                           char ret_account_id[PEERBOOK_ID_SIZE]) {
        char id[PEERBOOK_ID_SIZE];
        int r = pb_new_account_install(n, id);
        if (r == 0)
                r = open_account(ctx, id);
        if (r == 0)
                memcpy(ret_account_id, id, sizeof(id));
        return r;
}

static int create_now(peerbook_ctx *ctx, const char *archive_path,
                      const struct peerbook_account_params *params,
                      char ret_account_id[PEERBOOK_ID_SIZE]) {
        struct peerbook_account_params p;
        struct pb_new_account n;
        if (!ctx || read_params(params, &p) < 0 || !ret_account_id)
                return -EINVAL;
        int r = pb_new_account_init(&n, ctx->data_dir, ctx->key_bits, &p, archive_path);
        if (r < 0)
                return r;
        r = pb_new_account_build(&n);
        if (r == 0)
                r = install_account(ctx, &n, ret_account_id);
        pb_new_account_clear(&n);
        return r;
}

int peerbook_account_create(peerbook_ctx *ctx, const struct peerbook_account_params *params,
                            char ret_account_id[PEERBOOK_ID_SIZE]) {
        return create_now(ctx, NULL, params, ret_account_id);
}

int peerbook_account_import(peerbook_ctx *ctx, const char *path,
                            const struct peerbook_account_params *params,
                            char ret_account_id[PEERBOOK_ID_SIZE]) {
        return path ? create_now(ctx, path, params, ret_account_id) : -EINVAL;
}

static int create_later(peerbook_ctx *ctx, const char *archive_path,
                        const struct peerbook_account_params *params, peerbook_account_done_cb done,
                        void *userdata) {
        struct peerbook_account_params p;
        struct pb_new_account n;
        if (!ctx || read_params(params, &p) < 0 || !done)
                return -EINVAL;
        int r = pb_new_account_init(&n, ctx->data_dir, ctx->key_bits, &p, archive_path);
        if (r == 0)
                r = pb_create_job_start(&ctx->creating, ctx->queue, &n, done, userdata);
        pb_new_account_clear(&n); /* moved into the job on success */
        return r;
}

int peerbook_account_create_async(peerbook_ctx *ctx, const struct peerbook_account_params *params,
                                  peerbook_account_done_cb done, void *userdata) {
        return create_later(ctx, NULL, params, done, userdata);
}

int peerbook_account_import_async(peerbook_ctx *ctx, const char *path,
                                  const struct peerbook_account_params *params,
                                  peerbook_account_done_cb done, void *userdata) {
        return path ? create_later(ctx, path, params, done, userdata) : -EINVAL;
}

/* A job's thread ended: install its account and report. */
static void finish_creation(peerbook_ctx *ctx, const struct pb_item *it) {
        struct pb_create_job *job = pb_create_job_take(&ctx->creating, it);
        if (!job)
                return;
        char id[PEERBOOK_ID_SIZE];
        int r = job->result;
        if (r == 0)
                r = install_account(ctx, &job->account, id);
        peerbook_account_done_cb done = job->cb;
        void *userdata = job->userdata;
        pb_create_job_free(job); /* before the callback, which may free anything */
        done(ctx, r, r == 0 ? id : NULL, userdata);
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
        pb_account_unref(a); /* freed now, or after its handler when called from one */
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
                        peerbook_list_free(v);
                        return -ENOMEM;
                }
        *ret_ids = v;
        return (int)ctx->n_accounts;
}

int peerbook_account_get_info(peerbook_ctx *ctx, const char *account_id,
                              struct peerbook_account_info **ret_info) {
        pb_account *a;
        int r = lookup(ctx, account_id, &a);
        if (r < 0 || !ret_info)
                return r < 0 ? r : -EINVAL;
        struct peerbook_account_info view;
        pb_account_info(a, &view);
        view.dropped_lan = ctx->lan.dropped;
        struct peerbook_account_info *info = pb_record_dup(&pb_shape_account_info, &view);
        if (!info)
                return -ENOMEM;
        *ret_info = info;
        return 0;
}

#define PARAMS_KNOWN                                                                         \
        (PEERBOOK_PARAM_ALIAS | PEERBOOK_PARAM_BOOTSTRAP | PEERBOOK_PARAM_DHT_PORT |         \
         PEERBOOK_PARAM_CHANNEL_PORT | PEERBOOK_PARAM_ENABLED | PEERBOOK_PARAM_DEVICE_NAME | \
         PEERBOOK_PARAM_LAN)

/* Enables or activates the account (-1 keeps a setting): a running account
 * that is no longer wanted says goodbye, waited for as on removal, then
 * stops its node; one that becomes wanted starts. */
static int set_state(peerbook_ctx *ctx, pb_account *a, int enabled, int active) {
        bool was = pb_account_wanted(a);
        int r = pb_account_set_state(a, enabled, active);
        if (r < 0 || was == pb_account_wanted(a))
                return r;
        if (was) {
                pb_account_begin_stop(a);
                wait_goodbyes(ctx, &a, 1);
                pb_account_halt(a);
        } else {
                pb_account_resume(a);
        }
        return 0;
}

int peerbook_account_update(peerbook_ctx *ctx, const char *account_id,
                            const struct peerbook_account_params *params) {
        pb_account *a;
        struct peerbook_account_params p;
        int r = lookup_ready(ctx, account_id, &a);
        if (r < 0)
                return r;
        if ((r = read_params(params, &p)) < 0 || (p.fields & ~PARAMS_KNOWN) ||
            ((p.fields & PEERBOOK_PARAM_DEVICE_NAME) &&
             (!p.device_name || !pb_device_name_ok(p.device_name))))
                return -EINVAL;
        /* pb_account_update() keeps what is NULL or negative. */
        const char *alias = p.alias ? p.alias : "", *bootstrap = p.bootstrap ? p.bootstrap : "";
        r = pb_account_update(a, p.fields & PEERBOOK_PARAM_ALIAS ? alias : NULL,
                              p.fields & PEERBOOK_PARAM_BOOTSTRAP ? bootstrap : NULL,
                              p.fields & PEERBOOK_PARAM_DHT_PORT ? p.dht_port : -1);
        if (r == 0 && (p.fields & PEERBOOK_PARAM_CHANNEL_PORT))
                r = pb_channels_set_port(a, p.channel_port);
        if (r == 0 && (p.fields & PEERBOOK_PARAM_DEVICE_NAME))
                r = pb_account_set_device_name(a, p.device_name);
        if (r == 0 && (p.fields & PEERBOOK_PARAM_LAN))
                r = pb_nearby_set_flags(a, p.lan);
        if (r == 0 && (p.fields & PEERBOOK_PARAM_ENABLED))
                r = set_state(ctx, a, p.enabled, -1);
        return r;
}

int peerbook_account_set_active(peerbook_ctx *ctx, const char *account_id, bool active) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        return r < 0 ? r : set_state(ctx, a, -1, active);
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

int peerbook_account_set_password(peerbook_ctx *ctx, const char *account_id, const char *old,
                                  const char *new_password) {
        pb_account *a;
        int r = lookup(ctx, account_id, &a);
        return r < 0 ? r : pb_account_set_password(a, old, new_password);
}

/* ---- presence ---------------------------------------------------------- */

int peerbook_buddy_subscribe(peerbook_ctx *ctx, const char *account_id, const char *uri) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        if (r < 0)
                return r;
        return uri ? pb_account_subscribe(a, uri, true) : -EINVAL;
}

int peerbook_buddy_unsubscribe(peerbook_ctx *ctx, const char *account_id, const char *uri) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        if (r < 0)
                return r;
        return uri ? pb_account_subscribe(a, uri, false) : -EINVAL;
}

/* A list of records from one of the account's walks (pb_each_cb): the count
 * or a negative errno. */
static int collect(int r, struct pb_list *l, void *ret) {
        size_t n = l->n;
        if (r == 0)
                r = pb_list_take(l, ret);
        if (r < 0) {
                peerbook_list_free(l->items);
                return r;
        }
        return (int)n;
}

int peerbook_buddy_list(peerbook_ctx *ctx, const char *account_id,
                        struct peerbook_buddy ***ret_buddies) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        if (r < 0)
                return r;
        if (!ret_buddies)
                return -EINVAL;
        struct pb_list l = { .shape = &pb_shape_buddy };
        return collect(pb_account_buddies(a, pb_list_add, &l), &l, ret_buddies);
}

/* ---- trust requests and contacts ------------------------------------------ */

int peerbook_trust_request_send(peerbook_ctx *ctx, const char *account_id, const char *to,
                                const uint8_t *payload, size_t payload_len) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        return r < 0 ? r : pb_account_request_send(a, to, payload, payload_len);
}

int peerbook_trust_request_list(peerbook_ctx *ctx, const char *account_id,
                                struct peerbook_trust_request ***ret_requests) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        if (r < 0)
                return r;
        if (!ret_requests)
                return -EINVAL;
        struct pb_list l = { .shape = &pb_shape_trust_request };
        return collect(pb_account_request_list(a, pb_list_add, &l), &l, ret_requests);
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

int peerbook_contact_remove(peerbook_ctx *ctx, const char *account_id, const char *uri, bool ban) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        if (r < 0)
                return r;
        return pb_account_contact_remove(a, uri, ban);
}

int peerbook_contact_list(peerbook_ctx *ctx, const char *account_id,
                          struct peerbook_contact ***ret_contacts) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        if (r < 0)
                return r;
        if (!ret_contacts)
                return -EINVAL;
        struct pb_list l = { .shape = &pb_shape_contact };
        return collect(pb_account_contact_list(a, pb_list_add, &l), &l, ret_contacts);
}

int peerbook_device_list(peerbook_ctx *ctx, const char *account_id,
                         struct peerbook_device ***ret_devices) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        if (r < 0)
                return r;
        if (!ret_devices)
                return -EINVAL;
        struct pb_list l = { .shape = &pb_shape_device };
        return collect(pb_own_devices_each(a, pb_list_add, &l), &l, ret_devices);
}

int peerbook_nearby_list(peerbook_ctx *ctx, const char *account_id,
                         struct peerbook_nearby_peer ***ret_peers) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        if (r < 0)
                return r;
        if (!ret_peers)
                return -EINVAL;
        struct pb_list l = { .shape = &pb_shape_nearby };
        return collect(pb_nearby_each(a, pb_list_add, &l), &l, ret_peers);
}

int peerbook_device_revoke(peerbook_ctx *ctx, const char *account_id, const char *password,
                           const char *device) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        return r < 0 ? r : pb_revoke_start(a, password, device);
}

int peerbook_contact_get(peerbook_ctx *ctx, const char *account_id, const char *uri,
                         struct peerbook_contact **ret_contact) {
        pb_account *a;
        struct peerbook_contact view;
        int r = lookup_ready(ctx, account_id, &a);
        if (r < 0)
                return r;
        if (!ret_contact)
                return -EINVAL;
        if ((r = pb_account_contact_get(a, uri, &view)) < 0)
                return r;
        struct peerbook_contact *c = pb_record_dup(&pb_shape_contact, &view);
        if (!c)
                return -ENOMEM;
        *ret_contact = c;
        return 0;
}

int peerbook_presence_publish(peerbook_ctx *ctx, const char *account_id, const char *note) {
        pb_account *a;
        int r = lookup_ready(ctx, account_id, &a);
        return r < 0 ? r : pb_channels_publish(a, note ? note : "");
}
