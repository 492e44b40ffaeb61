/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * presence_cmds.c — `peerbook subscribe | unsubscribe | presence | publish |
 * nearby`: buddies and our note through cx.ring.Ring.PresenceManager, and
 * the accounts heard on the LAN (getNearbyPeers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int set_subscription(struct cli *cli, const char *command, const char *usage, int argc,
                            char **argv, bool flag) {
        g_autoptr(GError) error = NULL;
        g_autofree char *account = NULL;
        const char *uri = NULL;
        const struct cli_spec spec = { .name = command,
                                       .usage = usage,
                                       .options = NULL,
                                       .positional = &uri,
                                       .min_pos = 1,
                                       .max_pos = 1,
                                       .account = true };

        int status = cli_begin(cli, &spec, argc, argv, &account);
        if (status != CLI_GO_ON)
                return status;
        if (!peerbook_dbus_presence_manager_call_subscribe_buddy_sync(cli->presence, account, uri,
                                                                      flag, NULL, &error))
                return cli_fail(cli, error);
        return EXIT_SUCCESS;
}

int cmd_subscribe(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook subscribe [--account ID] URI\n"
                "\n"
                "Tracks the presence of URI (an account ID, 'jami:' prefix accepted); see it\n"
                "with 'peerbook presence' and 'peerbook watch'. Subscriptions survive restarts;\n"
                "subscribing again changes nothing.\n"
                "Without --account: the daemon's only account.\n";
        return set_subscription(cli, "subscribe", usage, argc, argv, true);
}

int cmd_unsubscribe(struct cli *cli, int argc, char **argv) {
        static const char usage[] = "usage: peerbook unsubscribe [--account ID] URI\n"
                                    "\n"
                                    "Stops tracking the presence of URI; succeeds when it\n"
                                    "was not tracked.\n"
                                    "Without --account: the daemon's only account.\n";
        return set_subscription(cli, "unsubscribe", usage, argc, argv, false);
}

/* One entry of getSubscriptions: "URI STATUS [NOTE]", or its JSON object. */
static void format_subscription(struct cli *cli, GString *out, GVariant *sub) {
        const char *uri, *note;
        int status;

        cli_subscription_fields(sub, &uri, &status, &note);
        if (!cli->json) {
                /* a note is the peer's text: keep it on its line */
                g_string_printf(out, "%s %s%s", uri, status_name(status), *note ? " " : "");
                text_append_one_line(out, note);
                return;
        }
        json_open(out);
        json_add_string(out, "uri", uri);
        json_add_number(out, "status", status);
        json_add_string(out, "lineStatus", note);
        json_close(out);
}

int cmd_presence(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook presence [--account ID]\n"
                "\n"
                "Prints the current status of every subscription: 'URI STATUS [NOTE]' lines\n"
                "(offline, online: a device on the DHT, connected: a direct channel with\n"
                "one of its devices; NOTE: its 'peerbook publish' note, escaped onto the\n"
                "line), or (--json) one {\"uri\", \"status\" (0, 1, 2), \"lineStatus\"}\n"
                "per line.\n"
                "Without --account: the daemon's only account.\n";
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) subs = NULL;
        g_autofree char *account = NULL;
        const struct cli_spec spec = { .name = "presence", .usage = usage, .account = true };

        int status = cli_begin(cli, &spec, argc, argv, &account);
        if (status != CLI_GO_ON)
                return status;
        if (!peerbook_dbus_presence_manager_call_get_subscriptions_sync(cli->presence, account,
                                                                        &subs, NULL, &error))
                return cli_fail(cli, error);

        output_each(cli, subs, format_subscription);
        return EXIT_SUCCESS;
}

struct publish_args {
        const char *note;
        bool clear;
};

static int check_publish(void *data) {
        const struct publish_args *a = data;

        if (!a->note == !a->clear)
                return cli_usage_error("publish: give a NOTE or --clear, not %s (see 'peerbook "
                                       "publish --help')",
                                       a->clear ? "both" : "neither");
        /* GDBus refuses (aborts on) a string that is not UTF-8 */
        if (a->note && !g_utf8_validate(a->note, -1, NULL))
                return cli_usage_error("publish: the note is not UTF-8");
        return CLI_GO_ON;
}

int cmd_publish(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook publish [--account ID] (NOTE | --clear)\n"
                "\n"
                "Publishes NOTE (UTF-8, at most 1024 bytes) to the contacts: each one with a\n"
                "direct channel to this device sees it at once, beside status 'connected',\n"
                "in 'peerbook presence' and 'peerbook watch'; others when their channel\n"
                "opens. The note is kept across restarts. --clear removes it (they see '').\n"
                "Without --account: the daemon's only account.\n";
        g_autoptr(GError) error = NULL;
        g_autofree char *account = NULL;
        struct publish_args a = {};
        const struct cli_option options[] = { CLI_FLAG("clear", &a.clear), {} };
        const struct cli_spec spec = { .name = "publish",
                                       .usage = usage,
                                       .options = options,
                                       .positional = &a.note,
                                       .min_pos = 0,
                                       .max_pos = 1,
                                       .account = true,
                                       .check = check_publish,
                                       .check_data = &a };

        int status = cli_begin(cli, &spec, argc, argv, &account);
        if (status != CLI_GO_ON)
                return status;
        /* status is ignored by the daemon, as by Jami's: a running account is present */
        if (!peerbook_dbus_presence_manager_call_publish_sync(cli->presence, account, TRUE,
                                                              a.clear ? "" : a.note, NULL, &error))
                return cli_fail(cli, error);
        return EXIT_SUCCESS;
}

static int compare_nearby(gconstpointer a, gconstpointer b) {
        const char *const *x = a, *const *y = b;
        return strcmp(x[0], y[0]);
}

int cmd_nearby(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook nearby [--account ID]\n"
                "\n"
                "Prints the accounts heard on the LAN within the last 60 s (getNearbyPeers),\n"
                "one 'URI NAME' line each (NAME: the name it announced, escaped onto the\n"
                "line), or (--json) one {\"uri\", \"displayName\"} per line. Anyone on the LAN\n"
                "can claim any ID: a contact heard nearby is still looked up on the DHT,\n"
                "and 'peerbook presence' says only what that finds. Empty unless the account\n"
                "hears the LAN ('account set ID --lan-nearby on', the default) and the\n"
                "daemon runs without --no-lan. 'peerbook watch' prints the changes.\n"
                "Without --account: the daemon's only account.\n";
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) peers = NULL;
        g_autofree char *account = NULL;
        const struct cli_spec spec = { .name = "nearby", .usage = usage, .account = true };
        GVariantIter iter;
        const char *uri, *name;

        int status = cli_begin(cli, &spec, argc, argv, &account);
        if (status != CLI_GO_ON)
                return status;
        if (!peerbook_dbus_configuration_manager_call_get_nearby_peers_sync(cli->config, account,
                                                                            &peers, NULL, &error))
                return cli_fail(cli, error);
        /* a map: sorted, so that two runs print alike */
        gsize n = g_variant_n_children(peers), i = 0;
        g_autofree const char **pairs = g_new0(const char *, 2 * n + 2);
        g_variant_iter_init(&iter, peers);
        while (g_variant_iter_next(&iter, "{&s&s}", &uri, &name)) {
                pairs[2 * i] = uri;
                pairs[2 * i++ + 1] = name;
        }
        qsort(pairs, n, 2 * sizeof(*pairs), compare_nearby);
        for (i = 0; i < n; i++) {
                g_autoptr(GString) out = g_string_new(NULL);
                if (cli->json) {
                        json_open(out);
                        json_add_string(out, "uri", pairs[2 * i]);
                        json_add_string(out, "displayName", pairs[2 * i + 1]);
                        json_close(out);
                } else {
                        /* the name is whatever the LAN said: kept on its line */
                        g_string_append_printf(out, "%s%s", pairs[2 * i],
                                               *pairs[2 * i + 1] ? " " : "");
                        text_append_one_line(out, pairs[2 * i + 1]);
                }
                output_line(out->str);
        }
        return EXIT_SUCCESS;
}
