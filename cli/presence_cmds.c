/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * presence_cmds.c — `peerbook subscribe | unsubscribe | presence`: buddies
 * through cx.ring.Ring.PresenceManager.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static int set_subscription(struct cli *cli, const char *command, const char *usage, int argc,
                            char **argv, bool flag)
{
        g_autoptr(GError) error = NULL;
        const char *given = NULL, *uri = NULL;
        const struct cli_option options[] = { CLI_VALUE("account", &given), {} };

        int r = cli_parse_args(cli, command, usage, argc, argv, options, &uri, 1, 1);
        if (r)
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
        if (!cli_connect(cli, false))
                return EXIT_FAILURE;
        g_autofree char *account = cli_resolve_account(cli, given);
        if (!account)
                return EXIT_FAILURE;
        if (!peerbook_dbus_presence_manager_call_subscribe_buddy_sync(cli->presence, account, uri,
                                                                      flag, NULL, &error))
                return cli_fail(cli, error);
        return EXIT_SUCCESS;
}

int cmd_subscribe(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: peerbook subscribe [--account ID] URI\n"
                "\n"
                "Tracks the presence of URI (an account ID, 'jami:' prefix accepted); see it\n"
                "with 'peerbook presence' and 'peerbook watch'. Subscriptions survive restarts.\n"
                "Without --account: the daemon's only account.\n";
        return set_subscription(cli, "subscribe", usage, argc, argv, true);
}

int cmd_unsubscribe(struct cli *cli, int argc, char **argv)
{
        static const char usage[] = "usage: peerbook unsubscribe [--account ID] URI\n"
                                    "\n"
                                    "Stops tracking the presence of URI.\n"
                                    "Without --account: the daemon's only account.\n";
        return set_subscription(cli, "unsubscribe", usage, argc, argv, false);
}

int cmd_presence(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: peerbook presence [--account ID]\n"
                "\n"
                "Prints the current status of every subscription: 'URI STATUS [NOTE]' lines\n"
                "(offline, online: a device on the DHT, connected), or a JSON array of\n"
                "{\"uri\", \"status\" (0, 1, 2), \"lineStatus\"}.\n"
                "Without --account: the daemon's only account.\n";
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) subs = NULL;
        const char *given = NULL;
        const struct cli_option options[] = { CLI_VALUE("account", &given), {} };
        GVariantIter iter;
        GVariant *sub;

        int r = cli_parse_args(cli, "presence", usage, argc, argv, options, NULL, 0, 0);
        if (r)
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
        if (!cli_connect(cli, false))
                return EXIT_FAILURE;
        g_autofree char *account = cli_resolve_account(cli, given);
        if (!account)
                return EXIT_FAILURE;
        if (!peerbook_dbus_presence_manager_call_get_subscriptions_sync(cli->presence, account,
                                                                        &subs, NULL, &error))
                return cli_fail(cli, error);

        g_autoptr(GString) out = g_string_new(cli->json ? "[" : NULL);
        g_variant_iter_init(&iter, subs);
        for (size_t i = 0; (sub = g_variant_iter_next_value(&iter)); i++) {
                const char *uri, *note;
                int st;
                cli_subscription_fields(sub, &uri, &st, &note);
                if (cli->json) {
                        g_string_append(out, i ? ",{\"uri\":" : "{\"uri\":");
                        json_append_string(out, uri);
                        g_string_append_printf(out, ",\"status\":%d,\"lineStatus\":", st);
                        json_append_string(out, note);
                        g_string_append_c(out, '}');
                } else {
                        g_string_append_printf(out, "%s%s %s%s%s", i ? "\n" : "", uri,
                                               status_name(st), *note ? " " : "", note);
                }
                g_variant_unref(sub);
        }
        if (cli->json)
                g_string_append_c(out, ']');
        if (out->len)
                output_line(out->str);
        return EXIT_SUCCESS;
}
