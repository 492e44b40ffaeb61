/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * watch_cmds.c — `peerbook watch` and `peerbook wait-registered`: the
 * daemon's signals, in a GLib main loop, with bounded waits for scripts.
 *
 * No event is lost between "what is the state now" and "tell me when it
 * changes": the proxies subscribe to the signals before the state is read,
 * and a signal that arrives meanwhile is only printed (again) after it. The
 * current state is the registration, the subscriptions, the pending trust
 * requests and the accounts heard nearby; contactAdded and contactRemoved are
 * changes only.
 */
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct watch {
        struct cli *cli;
        const char *account;
        char buddy[PEERBOOK_ID_SIZE]; /* --buddy, normalised; "" = every buddy */
        const char *event;            /* --event; NULL = every event */
        long status;                  /* --status; -1 = any */
        long count;                   /* --count; 0 = until interrupted */
        long seen;
        bool wait_registered; /* wait-registered: stop at REGISTERED */
        bool quiet;           /* reading the current state for --no-initial */
        char *state, *detail; /* the last registration state seen */
        GMainLoop *loop;
        int exit_status;
};

/* The names of --event, as the JSON's "event" says them. */
static const char *const event_names[] = {
        "registration", "buddy", "trustRequest", "contactAdded", "contactRemoved", "nearby",
};

static bool wanted(const struct watch *w, const char *event) {
        return !w->event || strcmp(w->event, event) == 0;
}

static void counted(struct watch *w) {
        if (w->count && ++w->seen >= w->count)
                g_main_loop_quit(w->loop);
}

/* Opens an event's JSON object: {"event":..., "account":... */
static void json_event(GString *out, const char *event, const char *account) {
        json_open(out);
        json_add_string(out, "event", event);
        json_add_string(out, "account", account);
}

/* Prints a peer's status event: `EVENT URI STATE [TEXT]` (TEXT is the
 * peer's, escaped onto the line), or {"event", "account", "uri", "status",
 * text_key: TEXT}. */
static void print_peer_status(struct watch *w, const char *event, const char *account,
                              const char *uri, int status, const char *state, const char *text_key,
                              const char *text) {
        g_autoptr(GString) out = g_string_new(NULL);
        if (w->cli->json) {
                json_event(out, event, account);
                json_add_string(out, "uri", uri);
                json_add_number(out, "status", status);
                json_add_string(out, text_key, text);
                json_close(out);
        } else {
                g_string_printf(out, "%s %s %s%s", event, uri, state, *text ? " " : "");
                text_append_one_line(out, text);
        }
        output_line(out->str);
        counted(w);
}

static void on_buddy(struct watch *w, const char *account, const char *uri, int status,
                     const char *note) {
        if (strcmp(account, w->account) != 0 || w->wait_registered || w->quiet ||
            !wanted(w, "buddy") || (*w->buddy && strcmp(uri, w->buddy) != 0) ||
            (w->status >= 0 && status != w->status))
                return;
        g_autofree char *state = g_strdup_printf("%d %s", status, status_name(status));
        print_peer_status(w, "buddy", account, uri, status, state, "lineStatus", note);
}

static void on_registration(struct watch *w, const char *account, const char *state, int code,
                            const char *detail) {
        if (strcmp(account, w->account) != 0)
                return;
        if (w->wait_registered) {
                g_free(w->state);
                g_free(w->detail);
                w->state = g_strdup(state);
                w->detail = g_strdup(detail);
                if (strcmp(state, "REGISTERED") == 0)
                        g_main_loop_quit(w->loop);
                return;
        }
        if (*w->buddy || w->status >= 0 || w->quiet || !wanted(w, "registration"))
                return;
        g_autoptr(GString) out = g_string_new(NULL);
        if (w->cli->json) {
                json_event(out, "registration", account);
                json_add_string(out, "state", state);
                json_add_number(out, "code", code);
                json_add_string(out, "detail", detail);
                json_close(out);
        } else {
                g_string_printf(out, "registration %s %d%s%s", state, code, *detail ? " " : "",
                                detail);
        }
        output_line(out->str);
        counted(w);
}

/* Trust requests and contact changes: --buddy selects the peer; --status is
 * about presence, so it hides them. */
static bool peer_wanted(const struct watch *w, const char *account, const char *event,
                        const char *peer) {
        return strcmp(account, w->account) == 0 && !w->wait_registered && !w->quiet &&
               wanted(w, event) && (!*w->buddy || strcmp(peer, w->buddy) == 0) && w->status < 0;
}

static void on_trust_request(struct watch *w, const char *account, const char *conversation_id,
                             const char *from, const char *payload, bool base64, guint64 received) {
        if (!peer_wanted(w, account, "trustRequest", from))
                return;
        g_autoptr(GString) out = g_string_new(NULL);
        if (w->cli->json)
                json_event(out, "trustRequest", account);
        else
                g_string_append(out, "trustRequest ");
        format_trust_request(w->cli, out, from, conversation_id, received, payload, base64);
        if (w->cli->json)
                json_close(out);
        output_line(out->str);
        counted(w);
}

/* contactAdded (flag: confirmed) and contactRemoved (flag: banned). */
static void on_contact(struct watch *w, const char *event, const char *account, const char *uri,
                       const char *flag_name, bool flag) {
        if (!peer_wanted(w, account, event, uri))
                return;
        g_autoptr(GString) out = g_string_new(NULL);
        if (w->cli->json) {
                json_event(out, event, account);
                json_add_string(out, "uri", uri);
                json_add_bool(out, flag_name, flag);
                json_close(out);
        } else {
                g_string_printf(out, "%s %s %s%s", event, uri, flag ? "" : "not-", flag_name);
        }
        output_line(out->str);
        counted(w);
}

/* nearbyPeerNotification: status 0 heard, 1 gone (unheard for 60 s). */
static void on_nearby(struct watch *w, const char *account, const char *uri, int status,
                      const char *name) {
        if (peer_wanted(w, account, "nearby", uri))
                print_peer_status(w, "nearby", account, uri, status, status ? "gone" : "heard",
                                  "displayName", name);
}

static void on_trust_request_signal(PeerbookDBusConfigurationManager *proxy, const char *account,
                                    const char *conversation_id, const char *from,
                                    GVariant *payload, guint64 received, gpointer userdata) {
        gsize len = 0;
        const void *data = g_variant_get_fixed_array(payload, &len, 1);
        bool base64;
        g_autofree char *text = payload_to_string(data, len, &base64);
        on_trust_request(userdata, account, conversation_id, from, text, base64, received);
}

static void on_contact_added_signal(PeerbookDBusConfigurationManager *proxy, const char *account,
                                    const char *uri, gboolean confirmed, gpointer userdata) {
        on_contact(userdata, "contactAdded", account, uri, "confirmed", confirmed);
}

static void on_contact_removed_signal(PeerbookDBusConfigurationManager *proxy, const char *account,
                                      const char *uri, gboolean banned, gpointer userdata) {
        on_contact(userdata, "contactRemoved", account, uri, "banned", banned);
}

static void on_buddy_signal(PeerbookDBusPresenceManager *proxy, const char *account,
                            const char *uri, int status, const char *note, gpointer userdata) {
        on_buddy(userdata, account, uri, status, note);
}

static void on_nearby_signal(PeerbookDBusPresenceManager *proxy, const char *account,
                             const char *uri, int status, const char *name, gpointer userdata) {
        on_nearby(userdata, account, uri, status, name);
}

static void on_registration_signal(PeerbookDBusConfigurationManager *proxy, const char *account,
                                   const char *state, int code, const char *detail,
                                   gpointer userdata) {
        on_registration(userdata, account, state, code, detail);
}

/* Reports the pending trust requests as trustRequest events. */
static bool report_requests(struct watch *w) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) requests = NULL;
        GVariantIter iter;
        GVariant *q;

        if (!peerbook_dbus_configuration_manager_call_get_trust_requests_sync(
                    w->cli->config, w->account, &requests, NULL, &error)) {
                w->exit_status = cli_fail(w->cli, error);
                return false;
        }
        g_variant_iter_init(&iter, requests);
        while ((q = g_variant_iter_next_value(&iter))) {
                const char *from = "", *conversation_id = "", *received = "0", *payload = "",
                           *encoding = "";
                g_variant_lookup(q, "from", "&s", &from);
                g_variant_lookup(q, "conversationId", "&s", &conversation_id);
                g_variant_lookup(q, "received", "&s", &received);
                g_variant_lookup(q, "payload", "&s", &payload);
                g_variant_lookup(q, "payloadEncoding", "&s", &encoding);
                on_trust_request(w, w->account, conversation_id, from, payload,
                                 strcmp(encoding, "base64") == 0,
                                 g_ascii_strtoull(received, NULL, 10));
                g_variant_unref(q);
        }
        return true;
}

/* Reports the accounts heard nearby as nearby events (status 0). */
static bool report_nearby(struct watch *w) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) peers = NULL;
        GVariantIter iter;
        const char *uri, *name;

        if (!peerbook_dbus_configuration_manager_call_get_nearby_peers_sync(
                    w->cli->config, w->account, &peers, NULL, &error)) {
                w->exit_status = cli_fail(w->cli, error);
                return false;
        }
        g_variant_iter_init(&iter, peers);
        while (g_variant_iter_next(&iter, "{&s&s}", &uri, &name))
                on_nearby(w, w->account, uri, 0, name);
        return true;
}

/* Reports the current state as events: the registration state, then (for
 * watch) every subscription, every pending trust request and the accounts
 * heard nearby. */
static bool report_current(struct watch *w, bool buddies) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) state = NULL, subs = NULL;
        const char *name = "INITIALIZING", *code = "0", *detail = "";
        GVariantIter iter;
        GVariant *sub;

        if (!peerbook_dbus_configuration_manager_call_get_volatile_account_details_sync(
                    w->cli->config, w->account, &state, NULL, &error)) {
                w->exit_status = cli_fail(w->cli, error);
                return false;
        }
        g_variant_lookup(state, PB_DETAIL_REGISTRATION_STATUS, "&s", &name);
        g_variant_lookup(state, PB_DETAIL_REGISTRATION_CODE, "&s", &code);
        g_variant_lookup(state, PB_DETAIL_REGISTRATION_DESCRIPTION, "&s", &detail);
        on_registration(w, w->account, name, atoi(code), detail);
        if (!buddies)
                return true;
        if (!peerbook_dbus_presence_manager_call_get_subscriptions_sync(
                    w->cli->presence, w->account, &subs, NULL, &error)) {
                w->exit_status = cli_fail(w->cli, error);
                return false;
        }
        g_variant_iter_init(&iter, subs);
        while ((sub = g_variant_iter_next_value(&iter))) {
                const char *uri, *note;
                int status;
                cli_subscription_fields(sub, &uri, &status, &note);
                on_buddy(w, w->account, uri, status, note);
                g_variant_unref(sub);
        }
        return report_requests(w) && report_nearby(w);
}

static gboolean on_timeout(gpointer userdata) {
        struct watch *w = userdata;
        w->exit_status = EXIT_FAILURE;
        g_main_loop_quit(w->loop);
        return G_SOURCE_REMOVE;
}

static gboolean on_interrupt(gpointer userdata) {
        struct watch *w = userdata;
        g_main_loop_quit(w->loop);
        return G_SOURCE_CONTINUE;
}

/* Reads the current state (printed unless !initial), then runs until the
 * condition is met, the time-out or an interrupt. */
static void run(struct watch *w, long timeout_s, bool initial) {
        w->loop = g_main_loop_new(NULL, FALSE);
        g_signal_connect(w->cli->presence, "new-buddy-notification", G_CALLBACK(on_buddy_signal),
                         w);
        g_signal_connect(w->cli->presence, "nearby-peer-notification", G_CALLBACK(on_nearby_signal),
                         w);
        g_signal_connect(w->cli->config, "registration-state-changed",
                         G_CALLBACK(on_registration_signal), w);
        g_signal_connect(w->cli->config, "incoming-trust-request",
                         G_CALLBACK(on_trust_request_signal), w);
        g_signal_connect(w->cli->config, "contact-added", G_CALLBACK(on_contact_added_signal), w);
        g_signal_connect(w->cli->config, "contact-removed", G_CALLBACK(on_contact_removed_signal),
                         w);
        w->quiet = !initial;
        bool ok = report_current(w, !w->wait_registered);
        w->quiet = false;
        if (!ok || (w->count && w->seen >= w->count) ||
            (w->wait_registered && g_strcmp0(w->state, "REGISTERED") == 0))
                goto out;
        if (timeout_s > 0)
                g_timeout_add_seconds((guint)timeout_s, on_timeout, w);
        g_unix_signal_add(SIGINT, on_interrupt, w);
        g_unix_signal_add(SIGTERM, on_interrupt, w);
        g_main_loop_run(w->loop);
out:
        g_main_loop_unref(w->loop);
}

/* The options of watch and wait-registered, as given and as read. */
struct watch_args {
        struct watch *w;
        const char *buddy, *status, *count, *timeout;
        long timeout_s;
};

static int check_args(void *data) {
        struct watch_args *a = data;
        struct watch *w = a->w;

        if (w->event) {
                size_t i = 0;
                while (i < G_N_ELEMENTS(event_names) && strcmp(w->event, event_names[i]) != 0)
                        i++;
                if (i == G_N_ELEMENTS(event_names))
                        return cli_usage_error("invalid event '%s' (expected registration, buddy, "
                                               "trustRequest, contactAdded, contactRemoved or "
                                               "nearby)",
                                               w->event);
        }
        if (a->status && (w->status = cli_parse_number(a->status, 2)) < 0)
                return cli_usage_error("invalid status '%s' (expected 0, 1 or 2)", a->status);
        if (a->count && (w->count = cli_parse_number(a->count, 1000000000)) <= 0)
                return cli_usage_error("invalid count '%s' (expected a positive number)", a->count);
        a->timeout_s = a->timeout ? cli_parse_number(a->timeout, 24L * 3600 * 365) : 0;
        if (a->timeout_s < 0)
                return cli_usage_error("invalid timeout '%s' (expected whole seconds)", a->timeout);
        if (a->buddy && peerbook_uri_normalize(a->buddy, w->buddy) < 0)
                return cli_usage_error("invalid URI '%s' (expected an account ID: 40 hex digits)",
                                       a->buddy);
        return CLI_GO_ON;
}

int cmd_watch(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook watch [--account ID] [--event NAME] [--buddy URI] [--status N] [--count N] [--timeout SEC] [--no-initial]\n"
                "\n"
                "Prints the account's registration state, the status of its subscriptions,\n"
                "its pending trust requests and the accounts heard nearby, then every change\n"
                "(registrationStateChanged, newBuddyNotification, incomingTrustRequest,\n"
                "contactAdded, contactRemoved, nearbyPeerNotification) until interrupted.\n"
                "Lines:\n"
                "  registration STATE CODE [DETAIL]\n"
                "  buddy URI STATUS NAME [NOTE]   (0 offline, 1 online, 2 connected; NOTE:\n"
                "                                 its 'peerbook publish' note, escaped)\n"
                "  trustRequest FROM RECEIVED [PAYLOAD]    (as 'peerbook requests' prints it)\n"
                "  contactAdded URI confirmed|not-confirmed\n"
                "  contactRemoved URI banned|not-banned\n"
                "  nearby URI heard|gone [NAME]   (heard on the LAN, or unheard for 60 s;\n"
                "                                 an unverified hint, see 'peerbook nearby')\n"
                "With --json one object per line:\n"
                "  {\"event\":\"registration\",\"account\",\"state\",\"code\",\"detail\"}\n"
                "  {\"event\":\"buddy\",\"account\",\"uri\",\"status\",\"lineStatus\"}\n"
                "  {\"event\":\"trustRequest\",\"account\",\"from\",\"conversationId\",\"received\",\n"
                "   \"payload\"[,\"payloadEncoding\":\"base64\"]}\n"
                "  {\"event\":\"contactAdded\",\"account\",\"uri\",\"confirmed\"}\n"
                "  {\"event\":\"contactRemoved\",\"account\",\"uri\",\"banned\"}\n"
                "  {\"event\":\"nearby\",\"account\",\"uri\",\"status\" (0 heard, 1 gone),\n"
                "   \"displayName\"}\n"
                "\n"
                "  --account ID     the account (default: the daemon's only account)\n"
                "  --event NAME     only events of this kind: registration, buddy,\n"
                "                   trustRequest, contactAdded, contactRemoved or nearby\n"
                "  --buddy URI      only the events of this peer (buddy, sender, contact,\n"
                "                   account nearby)\n"
                "  --status N       only buddy events with this status (0, 1, 2)\n"
                "  --count N        exit (0) after N events\n"
                "  --timeout SEC    exit with status 1 if the N events have not come by then\n"
                "  --no-initial     only changes, not the current state\n";
        struct watch w = { .cli = cli, .status = -1 };
        struct watch_args a = { .w = &w };
        g_autofree char *account = NULL;
        bool no_initial = false;
        const struct cli_option options[] = {
                CLI_VALUE("event", &w.event),
                CLI_VALUE("buddy", &a.buddy),
                CLI_VALUE("status", &a.status),
                CLI_VALUE("count", &a.count),
                CLI_VALUE("timeout", &a.timeout),
                CLI_FLAG("no-initial", &no_initial),
                {},
        };
        const struct cli_spec spec = { .name = "watch",
                                       .usage = usage,
                                       .options = options,
                                       .account = true,
                                       .signals = true,
                                       .check = check_args,
                                       .check_data = &a };

        int status = cli_begin(cli, &spec, argc, argv, &account);
        if (status != CLI_GO_ON)
                return status;
        long timeout_s = a.timeout_s;
        w.account = account;
        run(&w, timeout_s, !no_initial);
        if (w.exit_status == EXIT_FAILURE && w.count)
                return cli_error("timed out after %ld s: saw %ld of %ld events", timeout_s, w.seen,
                                 w.count);
        if (w.exit_status == EXIT_FAILURE && timeout_s)
                return cli_error("timed out after %ld s", timeout_s);
        return w.exit_status;
}

int cmd_wait_registered(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook wait-registered [--account ID] [--timeout SEC]\n"
                "\n"
                "Waits until the account is REGISTERED (its node is connected and its device\n"
                "announced), then exits 0; exits 1 if it is not by the time-out.\n"
                "\n"
                "  --account ID     the account (default: the daemon's only account)\n"
                "  --timeout SEC    how long to wait (default: for ever)\n";
        struct watch w = { .cli = cli, .status = -1, .wait_registered = true };
        struct watch_args a = { .w = &w };
        g_autofree char *account = NULL;
        const struct cli_option options[] = { CLI_VALUE("timeout", &a.timeout), {} };
        const struct cli_spec spec = { .name = "wait-registered",
                                       .usage = usage,
                                       .options = options,
                                       .account = true,
                                       .signals = true,
                                       .check = check_args,
                                       .check_data = &a };

        int status = cli_begin(cli, &spec, argc, argv, &account);
        if (status != CLI_GO_ON)
                return status;
        long timeout_s = a.timeout_s;
        w.account = account;
        run(&w, timeout_s, true);
        /* without a state, report_current() failed and said why */
        if (w.state && strcmp(w.state, "REGISTERED") != 0) {
                if (w.exit_status == EXIT_FAILURE)
                        cli_error("account '%s' not registered after %ld s (%s%s%s)", account,
                                  timeout_s, w.state, *w.detail ? ": " : "", w.detail);
                else
                        w.exit_status =
                                cli_error("interrupted while account '%s' is %s", account, w.state);
        }
        g_free(w.state);
        g_free(w.detail);
        return w.exit_status;
}
