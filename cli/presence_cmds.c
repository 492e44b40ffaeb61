/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * presence_cmds.c — `peerbook subscribe | unsubscribe | presence`: buddies
 * through cx.ring.Ring.PresenceManager.
 */
#include <stdio.h>
#include <stdlib.h>

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
                g_string_printf(out, "%s %s%s%s", uri, status_name(status), *note ? " " : "", note);
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
                "(offline, online: a device on the DHT, connected), or (--json) one\n"
                "{\"uri\", \"status\" (0, 1, 2), \"lineStatus\"} per line.\n"
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
