/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * main.c — `peerbook`: global options and dispatch to the commands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
        "usage: peerbook [--json] [--bus-name NAME] COMMAND [ARGS]\n"
        "\n"
        "Decentralized contacts and presence: a client of peerbookd over D-Bus.\n"
        "\n"
        "Commands:\n"
        "  account          create, list, show, remove, export and import accounts;\n"
        "                   enable and disable them\n"
        "  device           the devices of an account; rename this one\n"
        "  subscribe        track a buddy's presence\n"
        "  unsubscribe      stop tracking a buddy's presence\n"
        "  presence         the current status of the subscriptions\n"
        "  publish          publish a note to the contacts (or --clear it)\n"
        "  nearby           the accounts heard on the LAN (unverified hints)\n"
        "  contact          add, show and remove a contact (add sends a trust request)\n"
        "  contacts         the contacts: confirmed, unconfirmed or banned\n"
        "  requests         the pending trust requests\n"
        "  accept           accept a pending trust request\n"
        "  discard          drop a pending trust request silently\n"
        "  block            remove and ban a contact: its requests are ignored\n"
        "  watch            print registration, presence, trust request, contact and\n"
        "                   nearby changes as they happen\n"
        "  wait-registered  wait until an account is registered on the DHT\n"
        "\n"
        "Options (accepted by every command too):\n"
        "  --json           machine output: JSON Lines (one object per line; a list\n"
        "                   prints one line per element)\n"
        "  --bus-name NAME  the daemon's bus name (default $PEERBOOK_BUS_NAME, or\n"
        "                   " PB_DBUS_DEFAULT_BUS_NAME ")\n"
        "  --help           help; 'peerbook COMMAND --help' for a command's\n"
        "  --version        show the version\n";

static const struct cli_subcommand commands[] = {
        { "account", cmd_account },     { "device", cmd_device },
        { "subscribe", cmd_subscribe }, { "unsubscribe", cmd_unsubscribe },
        { "presence", cmd_presence },   { "publish", cmd_publish },
        { "watch", cmd_watch },         { "wait-registered", cmd_wait_registered },
        { "contact", cmd_contact },     { "contacts", cmd_contacts },
        { "requests", cmd_requests },   { "accept", cmd_accept },
        { "discard", cmd_discard },     { "block", cmd_block },
        { "nearby", cmd_nearby },
};

int main(int argc, char **argv) {
        const char *env = g_getenv("PEERBOOK_BUS_NAME");
        struct cli cli = { .bus_name = env && *env ? env : PB_DBUS_DEFAULT_BUS_NAME };
        int i;

        /* global options, up to the command */
        for (i = 1; i < argc && argv[i][0] == '-'; i++) {
                const char *arg = argv[i];
                if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
                        fputs(usage, stdout);
                        return EXIT_SUCCESS;
                } else if (strcmp(arg, "--version") == 0) {
                        printf("peerbook %s\n", PEERBOOK_VERSION);
                        return EXIT_SUCCESS;
                } else if (strcmp(arg, "--json") == 0) {
                        cli.json = true;
                } else if (strcmp(arg, "--bus-name") == 0 && i + 1 < argc) {
                        cli.bus_name = argv[++i];
                } else if (g_str_has_prefix(arg, "--bus-name=")) {
                        cli.bus_name = arg + strlen("--bus-name=");
                } else {
                        return cli_usage_error("unknown option '%s' (see 'peerbook --help')", arg);
                }
        }
        int status =
                cli_dispatch(&cli, "", usage, commands, G_N_ELEMENTS(commands), argc - i, argv + i);
        cli_disconnect(&cli);
        return status;
}
