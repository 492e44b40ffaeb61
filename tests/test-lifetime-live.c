/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-lifetime-live.c — an account's lifetime in the event path, on real
 * OpenDHT nodes on 127.0.0.1. Removing one account leaves the other accounts'
 * events queued; an event callback may remove its own account (the header
 * allows it: run this under ASan); a node restarted with puts in flight ends
 * registered and stays so; a DHT port chosen by the system is kept across
 * restarts; a disabled account (v0.5) runs no node, keeps its data and
 * stays disabled across restarts; this device's name is checked, saved and
 * listed. Each scenario has nodes of its own; every wait is bounded.
 */
#include <poll.h>
#include <stdint.h>
#include <sys/stat.h>

#include "check.h"
#include "live.h"

static struct live_node boot; /* a standalone node that the others bootstrap from */
static char bootstrap[64];

static void node_done(struct live_node *n) {
        live_close(n);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", n->dir);
        CHECK_EQ(system(cmd), 0);
}

struct account_ref {
        peerbook_ctx *ctx;
        const char *id;
};

static bool account_registered(void *arg) {
        struct account_ref *a = arg;
        struct peerbook_account_info *info = NULL;
        bool ok = peerbook_account_get_info(a->ctx, a->id, &info) == 0 &&
                  info->registration == PEERBOOK_REGISTRATION_REGISTERED;
        peerbook_free(info);
        return ok;
}

/* Whether the context has queued work, without processing it. */
static bool readable(void *arg) {
        struct live_node *n = arg;
        struct pollfd p = { .fd = peerbook_ctx_get_fd(n->ctx), .events = POLLIN };
        return poll(&p, 1, 0) == 1;
}

/* Removing an account waits for its goodbye to be stored, reading the queue
 * meanwhile: the other accounts' items must stay queued. Here the second
 * account's news that its buddy came online waits in the queue when the
 * first account is removed; no other value will tell it again. */
static void test_remove_keeps_others(void) {
        struct live_node x = { 0 }, y = { 0 };
        struct live_node *all[] = { &boot, &x, &y }, *others[] = { &boot, &y };
        CHECK_EQ(live_new_account(&y, bootstrap), 0);
        CHECK(live_wait(all, 3, live_registered, &y, 15000));
        char buddy[PEERBOOK_ID_SIZE];
        memcpy(buddy, y.account, sizeof(buddy));
        live_close(&y); /* says goodbye */

        CHECK_EQ(live_new_account(&x, bootstrap), 0);
        char second[PEERBOOK_ID_SIZE];
        struct peerbook_account_params p = { .size = sizeof(p),
                                             .alias = "second",
                                             .bootstrap = bootstrap };
        CHECK_EQ(peerbook_account_create(x.ctx, &p, second), 0);
        struct account_ref first_ref = { x.ctx, x.account }, second_ref = { x.ctx, second };
        CHECK(live_wait(all, 3, account_registered, &first_ref, 15000));
        CHECK(live_wait(all, 3, account_registered, &second_ref, 15000));
        CHECK_EQ(peerbook_buddy_subscribe(x.ctx, second, buddy), 0);
        struct live_status_want offline = { &x, buddy, PEERBOOK_STATUS_OFFLINE };
        CHECK(live_wait(all, 3, live_has_status, &offline, 10000));
        live_run(all, 3, 1000); /* the goodbye and the announcements seen */

        /* The buddy comes back while x is not processed. */
        CHECK_EQ(live_open(&y), 0);
        CHECK(live_wait(others, 2, live_registered, &y, 15000));
        live_run(others, 2, 1000);
        CHECK(readable(&x));
        CHECK_EQ(peerbook_account_remove(x.ctx, x.account), 0);
        struct live_status_want online = { &x, buddy, PEERBOOK_STATUS_ONLINE };
        CHECK(live_wait(all, 3, live_has_status, &online, 5000));
        node_done(&y);
        node_done(&x);
}

struct remover {
        struct live_node *node;
        bool removed;
        int result;
};

static void remove_on_request(const struct peerbook_event *ev, void *userdata) {
        struct remover *r = userdata;
        live_on_event(ev, r->node);
        if (ev->type != PEERBOOK_EVENT_TRUST_REQUEST || r->removed)
                return;
        r->removed = true;
        r->result = peerbook_account_remove(r->node->ctx, ev->account_id);
}

static bool removed(void *arg) {
        return ((struct remover *)arg)->removed;
}

/* A trust request from a device the account does not know yet is signalled
 * from the certificate look-up's result; the callback removes the account. */
static void test_remove_from_callback(void) {
        struct live_node x = { 0 }, y = { 0 };
        struct live_node *all[] = { &boot, &x, &y };
        CHECK_EQ(live_new_account(&x, bootstrap), 0);
        CHECK_EQ(live_new_account(&y, bootstrap), 0);
        CHECK(live_wait(all, 3, live_registered, &x, 15000));
        CHECK(live_wait(all, 3, live_registered, &y, 15000));
        struct remover r = { .node = &x };
        peerbook_ctx_set_event_cb(x.ctx, remove_on_request, &r);
        CHECK_EQ(peerbook_trust_request_send(y.ctx, y.account, x.account, (const uint8_t *)"hi", 2),
                 0);
        CHECK(live_wait(all, 3, removed, &r, 15000));
        CHECK_EQ(r.result, 0);
        live_run(all, 3, 500);
        char **ids = NULL;
        CHECK_EQ(peerbook_account_list(x.ctx, &ids), 0);
        CHECK(ids && !ids[0]);
        peerbook_list_free(ids);
        char path[128];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", x.dir, x.account);
        CHECK(stat(path, &st) < 0 && errno == ENOENT);
        node_done(&y);
        node_done(&x);
}

static int registration_events(const struct live_node *n, int from, int state) {
        int c = 0;
        for (int i = from; i < n->n_events; i++)
                c += n->events[i].type == PEERBOOK_EVENT_REGISTRATION &&
                     n->events[i].value == state;
        return c;
}

/* The last registration state reported from index `from` on. */
static int last_registration(const struct live_node *n, int from) {
        int state = -1;
        for (int i = from; i < n->n_events; i++)
                if (n->events[i].type == PEERBOOK_EVENT_REGISTRATION)
                        state = n->events[i].value;
        return state;
}

static int set_port(struct live_node *n, uint16_t port) {
        struct peerbook_account_params p = { .size = sizeof(p),
                                             .fields = PEERBOOK_PARAM_DHT_PORT,
                                             .dht_port = port };
        return peerbook_account_update(n->ctx, n->account, &p);
}

/* A restart (a new port) while the announcement's put is in flight: the old
 * node reports that put failed once it is shut down. That report belongs to
 * the old node and must not send the new one back to TRYING. The timeout is
 * asked for repeatedly before anything is processed, as an application may:
 * it is a query. */
static void test_restart_in_flight(void) {
        struct live_node x = { 0 };
        struct live_node *all[] = { &boot, &x };
        CHECK_EQ(live_new_account(&x, bootstrap), 0);
        CHECK(live_wait(all, 2, live_registered, &x, 15000));
        live_run(all, 2, 500);
        uint16_t port = live_port(&x);
        CHECK_EQ(set_port(&x, port + 1), 0);
        /* Registered again: the announcement was just handed to the node. */
        CHECK(live_wait(all, 2, live_registered, &x, 15000));
        int mark = x.n_events;
        CHECK_EQ(set_port(&x, port + 2), 0);
        for (double end = live_now_ms() + 1000; live_now_ms() < end && !live_registered(&x);)
                if (peerbook_ctx_get_timeout_ms(x.ctx) != 0)
                        poll(NULL, 0, 1);
        CHECK(live_wait(all, 2, live_registered, &x, 15000));
        live_run(all, 2, 2000);
        CHECK(live_registered(&x));
        /* TRYING once, for the restart (a REGISTERED queued before it may come first). */
        CHECK_EQ(registration_events(&x, mark, PEERBOOK_REGISTRATION_TRYING), 1);
        CHECK_EQ(last_registration(&x, mark), PEERBOOK_REGISTRATION_REGISTERED);
        CHECK_EQ(live_port(&x), port + 2);
        node_done(&x);
}

/* Port 0 asks for any free port, once: the port bound first is kept, so
 * that an address given to a friend for bootstrapping stays valid. */
static void test_port_kept(void) {
        struct live_node x = { 0 };
        struct live_node *all[] = { &boot, &x };
        CHECK_EQ(live_new_account(&x, bootstrap), 0);
        CHECK(live_wait(all, 2, live_registered, &x, 15000));
        uint16_t port = live_port(&x);
        _cleanup_record_ struct peerbook_account_info *info = live_info(&x);
        CHECK(port != 0);
        CHECK(info && info->dht_port_config == port);
        live_close(&x);
        CHECK_EQ(live_open(&x), 0);
        CHECK(live_wait(all, 2, live_registered, &x, 15000));
        CHECK_EQ(live_port(&x), port);
        node_done(&x);
}

static int set_state(struct live_node *n, uint32_t fields, bool enabled, const char *name) {
        struct peerbook_account_params p = {
                .size = sizeof(p), .fields = fields, .enabled = enabled, .device_name = name
        };
        return peerbook_account_update(n->ctx, n->account, &p);
}

static bool unregistered(void *arg) {
        _cleanup_record_ struct peerbook_account_info *info = live_info(arg);
        return info && info->registration == PEERBOOK_REGISTRATION_UNREGISTERED;
}

/* This device: listed alone, named `name`, its IDs those of the info. */
static bool this_device_named(struct live_node *n, const char *name) {
        _cleanup_record_ struct peerbook_account_info *info = live_info(n);
        struct peerbook_device **devices = NULL;
        bool ok = peerbook_device_list(n->ctx, n->account, &devices) == 1 && info &&
                  devices[0]->this_device && !strcmp(devices[0]->name, name) &&
                  !strcmp(devices[0]->device_id, info->device_id) &&
                  strlen(devices[0]->long_id) == PEERBOOK_LONG_ID_LEN &&
                  !strcmp(info->device_name, name);
        peerbook_list_free(devices);
        return ok;
}

/* The device's name (the host's by default) is checked and renamed without
 * a restart; disabled, the account says goodbye, stops its node and keeps
 * its contacts, also across a restart of the context; inactive is for this
 * run only; enabled again, it registers. */
static void test_disable_and_name(void) {
        struct live_node x = { 0 };
        struct live_node *all[] = { &boot, &x };
        char host[256] = "", too_long[PEERBOOK_DEVICE_NAME_MAX + 2] = "";
        CHECK_EQ(live_new_account(&x, bootstrap), 0);
        CHECK(live_wait(all, 2, live_registered, &x, 15000));
        CHECK_EQ(gethostname(host, sizeof(host) - 1), 0);
        CHECK(this_device_named(&x, host));
        memset(too_long, 'x', PEERBOOK_DEVICE_NAME_MAX + 1);
        const char *bad[] = { "\xc3\x28", too_long, "", "a\tb", NULL };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                CHECK_EQ(set_state(&x, PEERBOOK_PARAM_DEVICE_NAME, true, bad[i]), -EINVAL);
        too_long[PEERBOOK_DEVICE_NAME_MAX] = 0;
        CHECK_EQ(set_state(&x, PEERBOOK_PARAM_DEVICE_NAME, true, too_long), 0);
        struct live_count_want renamed = { &x, PEERBOOK_EVENT_DEVICES_CHANGED, "", -1, 1 };
        CHECK(live_wait(all, 2, live_has_count, &renamed, 5000));
        CHECK_EQ(set_state(&x, PEERBOOK_PARAM_DEVICE_NAME, true, "desk \xc3\xa9"), 0);
        CHECK(this_device_named(&x, "desk \xc3\xa9"));
        CHECK(live_registered(&x)); /* no restart */
        CHECK_EQ(peerbook_contact_add(x.ctx, x.account, "4444444444444444444444444444444444444444"),
                 0);

        CHECK_EQ(set_state(&x, PEERBOOK_PARAM_ENABLED, false, NULL), 0);
        CHECK(live_wait(all, 2, unregistered, &x, 5000));
        _cleanup_record_ struct peerbook_account_info *off = live_info(&x);
        CHECK(off && !off->enabled && off->active && off->dht_port == 0 && off->channel_port == 0);
        live_close(&x);
        CHECK_EQ(live_open(&x), 0);
        CHECK(live_wait(all, 2, unregistered, &x, 5000));
        live_run(all, 2, 500);
        CHECK(unregistered(&x) && live_port(&x) == 0);
        CHECK_EQ(set_port(&x, 0), 0); /* a new port: kept for the next start, no node now */
        live_run(all, 2, 300);
        CHECK(unregistered(&x) && live_port(&x) == 0);
        CHECK(this_device_named(&x, "desk \xc3\xa9"));
        struct peerbook_contact **contacts = NULL;
        CHECK_EQ(peerbook_contact_list(x.ctx, x.account, &contacts), 1);
        peerbook_list_free(contacts);

        CHECK_EQ(set_state(&x, PEERBOOK_PARAM_ENABLED, true, NULL), 0);
        CHECK(live_wait(all, 2, live_registered, &x, 15000));
        CHECK_EQ(peerbook_account_set_active(x.ctx, x.account, false), 0);
        CHECK(live_wait(all, 2, unregistered, &x, 5000));
        live_close(&x); /* inactive is not saved */
        CHECK_EQ(live_open(&x), 0);
        CHECK(live_wait(all, 2, live_registered, &x, 15000));
        node_done(&x);
}

static const struct {
        const char *name;
        void (*run)(void);
} scenarios[] = {
        { "remove-keeps-others", test_remove_keeps_others },
        { "remove-from-callback", test_remove_from_callback },
        { "restart-in-flight", test_restart_in_flight },
        { "port-kept", test_port_kept },
        { "disable-and-name", test_disable_and_name },
};

/* With an argument, runs only the scenario of that name. */
int main(int argc, char **argv) {
        struct live_node *b[] = { &boot };
        CHECK_EQ(live_new_account(&boot, NULL), 0);
        CHECK(live_wait(b, 1, live_registered, &boot, 10000));
        snprintf(bootstrap, sizeof(bootstrap), "127.0.0.1:%u", live_port(&boot));
        for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
                if (argc > 1 && strcmp(argv[1], scenarios[i].name) != 0)
                        continue;
                printf("# %s\n", scenarios[i].name);
                fflush(stdout);
                scenarios[i].run();
        }
        node_done(&boot);
        return check_summary();
}
