/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * account_cmds.c — `peerbook account ...`: accounts through
 * cx.ring.Ring.ConfigurationManager.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char account_usage[] =
        "usage: peerbook account COMMAND [ARGS]\n"
        "\n"
        "  create [--alias A] [--password | --password-file F | --password-stdin]\n"
        "         [--bootstrap HOST:PORT;... | --public] [--port N] [--channel-port N]\n"
        "         [--lan-dht on|off] [--lan-nearby on|off] [--lan-publish on|off]\n"
        "                      create an account; prints its ID\n"
        "  list                the IDs of the daemon's accounts\n"
        "  show [ID]           an account's details and registration state\n"
        "  set ID [--alias A] [--bootstrap HOST:PORT;... | --public] [--port N] [--channel-port N]\n"
        "         [--lan-dht on|off] [--lan-nearby on|off] [--lan-publish on|off]\n"
        "                      change an account's settings\n"
        "  remove ID           stop an account and delete it from this device\n"
        "  disable [ID]        stop an account and keep it stopped (its data stays)\n"
        "  enable [ID]         start a disabled account again\n"
        "  export ID FILE [--password | --password-file F | --password-stdin]\n"
        "                      write the account into an archive file (Jami's format)\n"
        "  import FILE [--password ...] [--alias A] [--bootstrap HOST:PORT;... | --public] [--port N]\n"
        "         [--channel-port N]\n"
        "         [--lan-dht on|off] [--lan-nearby on|off] [--lan-publish on|off]\n"
        "                      add an exported account (peerbook's or Jami's) to this\n"
        "                      device; prints its ID\n"
        "  password ID [--password ...] [--new-password ...]\n"
        "                      set, change or remove the account's password\n"
        "\n"
        "Run 'peerbook account COMMAND --help' for a command's options.\n";

#define CHANNEL_PORT_HELP                                                          \
        "  --channel-port N the TCP port contacts' devices connect to, 0..65535\n" \
        "                   (0: any free port, then kept; -1: none, only dial out)\n"

#define BOOTSTRAP_HELP                                                               \
        "  --bootstrap L    DHT nodes to join: entries 'host', 'host:port' or\n"     \
        "                   '[IPv6]:port' (port 4222 when none), separated by ';'\n" \
        "  --public         join Jami's public network (" PUBLIC_BOOTSTRAP "):\n"    \
        "                   your devices' addresses become visible to its nodes\n"

/* Jami's public network: what Jami's own clients bootstrap from. */
#define PUBLIC_BOOTSTRAP "bootstrap.jami.net:4222"

#define LAN_HELP                                                                       \
        "  --lan-dht on|off find the DHT nodes of the LAN by multicast, with no\n"     \
        "                   bootstrap (Account.peerDiscovery; default on)\n"           \
        "  --lan-nearby on|off\n"                                                      \
        "                   hear the accounts announced on the LAN: 'peerbook\n"       \
        "                   nearby' (Account.accountDiscovery; default on)\n"          \
        "  --lan-publish on|off\n"                                                     \
        "                   announce this account's ID and alias to the LAN: anyone\n" \
        "                   on it learns who is there (Account.accountPublish;\n"      \
        "                   default off)\n"

/* The LAN discovery switches: their options and Jami's keys. */
enum {
        LAN_DHT,
        LAN_NEARBY,
        LAN_PUBLISH,
        LAN_N
};
static const struct {
        const char *option, *key;
} lan_keys[LAN_N] = {
        [LAN_DHT] = { "lan-dht", PB_DETAIL_PEER_DISCOVERY },
        [LAN_NEARBY] = { "lan-nearby", PB_DETAIL_ACCOUNT_DISCOVERY },
        [LAN_PUBLISH] = { "lan-publish", PB_DETAIL_ACCOUNT_PUBLISH },
};

/* The details of addAccount and setAccountDetails from the options. */
struct new_account {
        const char *alias, *bootstrap, *port, *channel_port;
        const char *lan[LAN_N]; /* "on", "off" or NULL */
        bool public_net;
        struct cli_password password;
};
/* The options of create, import and set that fill a struct new_account. */
#define NEW_ACCOUNT_OPTIONS(a)                                                       \
        CLI_VALUE("alias", &(a)->alias), CLI_VALUE("bootstrap", &(a)->bootstrap),    \
                CLI_FLAG("public", &(a)->public_net), CLI_VALUE("port", &(a)->port), \
                CLI_VALUE("channel-port", &(a)->channel_port),                       \
                CLI_VALUE("lan-dht", &(a)->lan[LAN_DHT]),                            \
                CLI_VALUE("lan-nearby", &(a)->lan[LAN_NEARBY]),                      \
                CLI_VALUE("lan-publish", &(a)->lan[LAN_PUBLISH])

/* Checks the options before the daemon is asked: --public is a bootstrap
 * list of its own (not with --bootstrap), the LAN switches are on or off. */
static int check_new_account(void *data) {
        struct new_account *a = data;

        for (int i = 0; i < LAN_N; i++)
                if (a->lan[i] && strcmp(a->lan[i], "on") != 0 && strcmp(a->lan[i], "off") != 0)
                        return cli_usage_error("invalid --%s '%s' (expected on or off)",
                                               lan_keys[i].option, a->lan[i]);
        if (!a->public_net)
                return CLI_GO_ON;
        if (a->bootstrap)
                return cli_usage_error("give --public or --bootstrap, not both");
        a->bootstrap = PUBLIC_BOOTSTRAP;
        return CLI_GO_ON;
}

static GVariant *new_account_details(const struct new_account *a, const char *password,
                                     const char *archive_path) {
        GVariantBuilder b;
        g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
        g_variant_builder_add(&b, "{ss}", PB_DETAIL_TYPE, "RING");
        if (a->alias)
                g_variant_builder_add(&b, "{ss}", PB_DETAIL_ALIAS, a->alias);
        if (password)
                g_variant_builder_add(&b, "{ss}", PB_DETAIL_ARCHIVE_PASSWORD, password);
        if (a->bootstrap)
                g_variant_builder_add(&b, "{ss}", PB_DETAIL_HOSTNAME, a->bootstrap);
        if (a->port)
                g_variant_builder_add(&b, "{ss}", PB_DETAIL_DHT_PORT, a->port);
        if (a->channel_port)
                g_variant_builder_add(&b, "{ss}", PB_DETAIL_CHANNEL_PORT, a->channel_port);
        if (archive_path)
                g_variant_builder_add(&b, "{ss}", PB_DETAIL_ARCHIVE_PATH, archive_path);
        for (int i = 0; i < LAN_N; i++)
                if (a->lan[i])
                        g_variant_builder_add(&b, "{ss}", lan_keys[i].key,
                                              strcmp(a->lan[i], "on") == 0 ? "true" : "false");
        return g_variant_builder_end(&b);
}

/* addAccount: creates an account, or imports archive_path. */
static int add_account(struct cli *cli, const struct new_account *a, const char *archive_path) {
        g_autoptr(GError) error = NULL;
        g_autofree char *id = NULL;
        char *password = NULL;

        /* a new password is typed twice; an archive's once */
        int status = cli_read_password(&a->password, !archive_path, &password);
        if (status != CLI_GO_ON)
                return status;
        gboolean ok = peerbook_dbus_configuration_manager_call_add_account_sync(
                cli->config, new_account_details(a, password, archive_path), &id, NULL, &error);
        cli_password_free(password);
        if (!ok)
                return cli_fail(cli, error);
        if (cli->json) {
                g_autoptr(GString) out = g_string_new(NULL);
                json_open(out);
                json_add_string(out, "accountId", id);
                json_close(out);
                output_line(out->str);
        } else {
                output_line(id);
        }
        return EXIT_SUCCESS;
}

static int account_create(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook account create [--alias A] [--password | --password-file F | --password-stdin] [--bootstrap HOST:PORT;... | --public] [--port N] [--channel-port N] [--lan-dht on|off] [--lan-nearby on|off] [--lan-publish on|off]\n"
                "\n"
                "Creates an account (keys, certificate, a first device) in the daemon and\n"
                "prints its ID. A password encrypts the account key on disk and in archives.\n"
                "\n"
                "  --alias A        a display name\n" CLI_PASSWORD_HELP BOOTSTRAP_HELP
                "                   (none: a standalone node others can bootstrap from)\n"
                "  --port N         the DHT port, 0..65535 (default 0: any free port)\n" CHANNEL_PORT_HELP
                        LAN_HELP;
        struct new_account a = {};
        const struct cli_option options[] = {
                NEW_ACCOUNT_OPTIONS(&a),
                CLI_PASSWORD_OPTIONS(&a.password),
                {},
        };
        const struct cli_spec spec = { .name = "account create",
                                       .usage = usage,
                                       .options = options,
                                       .check = check_new_account,
                                       .check_data = &a };
        int status = cli_begin(cli, &spec, argc, argv, NULL);
        return status != CLI_GO_ON ? status : add_account(cli, &a, NULL);
}

static int account_import(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook account import FILE [--password | --password-file F | --password-stdin] [--alias A] [--bootstrap HOST:PORT;... | --public] [--port N] [--channel-port N] [--lan-dht on|off] [--lan-nearby on|off] [--lan-publish on|off]\n"
                "\n"
                "Adds an account exported with 'peerbook account export' or by Jami to this\n"
                "device (it gets a new device key, and the archive's contacts) and prints\n"
                "its ID. The password is the archive's.\n"
                "\n" CLI_PASSWORD_HELP
                "  --alias A        a display name (default: the archive's)\n" BOOTSTRAP_HELP
                "  --port N         the DHT port, 0..65535 (default 0: any free port)\n" CHANNEL_PORT_HELP
                        LAN_HELP;
        struct new_account a = {};
        const char *file = NULL;
        const struct cli_option options[] = {
                NEW_ACCOUNT_OPTIONS(&a),
                CLI_PASSWORD_OPTIONS(&a.password),
                {},
        };
        const struct cli_spec spec = { .name = "account import",
                                       .usage = usage,
                                       .options = options,
                                       .positional = &file,
                                       .min_pos = 1,
                                       .max_pos = 1,
                                       .check = check_new_account,
                                       .check_data = &a };
        int status = cli_begin(cli, &spec, argc, argv, NULL);
        if (status != CLI_GO_ON)
                return status;
        /* the daemon does not share our working directory */
        g_autofree char *path = g_canonicalize_filename(file, NULL);
        if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
                return cli_error("cannot import '%s': no such file", file);
        return add_account(cli, &a, path);
}

static int account_list(struct cli *cli, int argc, char **argv) {
        static const char usage[] = "usage: peerbook account list\n"
                                    "\n"
                                    "Prints the IDs of the daemon's accounts, one per line\n"
                                    "(--json: {\"accountId\"} per line).\n";
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) ids = NULL;
        const struct cli_spec spec = { .name = "account list", .usage = usage };
        int status = cli_begin(cli, &spec, argc, argv, NULL);

        if (status != CLI_GO_ON)
                return status;
        if (!peerbook_dbus_configuration_manager_call_get_account_list_sync(cli->config, &ids, NULL,
                                                                            &error))
                return cli_fail(cli, error);
        output_strv(cli, "accountId", (const char *const *)ids);
        return EXIT_SUCCESS;
}

static int account_show(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook account show [ID]\n"
                "\n"
                "Prints the account's details (getAccountDetails) and run-time state\n"
                "(getVolatileAccountDetails) as 'key: value' lines, or one JSON object.\n"
                "Direct channels: Account.peerbookChannelPort (setting, or the bound port),\n"
                "Account.peerbookChannelBoundPort, Account.peerbookChannels (open now),\n"
                "Account.peerbookChannelsRefused, Account.peerbookChannelsDropped (since\n"
                "the daemon started), Account.presenceNote (see 'peerbook publish').\n"
                "LAN discovery: Account.peerDiscovery, Account.accountDiscovery,\n"
                "Account.accountPublish (the --lan-dht, --lan-nearby and --lan-publish\n"
                "switches), Account.peerbookNearby (accounts heard within 60 s),\n"
                "Account.peerbookDroppedLan (discovery packets dropped since start).\n"
                "Without ID: the daemon's only account.\n";
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) details = NULL, state = NULL;
        const char *given = NULL;
        const struct cli_spec spec = { .name = "account show",
                                       .usage = usage,
                                       .options = NULL,
                                       .positional = &given,
                                       .min_pos = 0,
                                       .max_pos = 1 };
        int status = cli_begin(cli, &spec, argc, argv, NULL);

        if (status != CLI_GO_ON)
                return status;
        g_autofree char *id = cli_resolve_account(cli, given);
        if (!id)
                return EXIT_FAILURE;
        if (!peerbook_dbus_configuration_manager_call_get_account_details_sync(
                    cli->config, id, &details, NULL, &error) ||
            !peerbook_dbus_configuration_manager_call_get_volatile_account_details_sync(
                    cli->config, id, &state, NULL, &error))
                return cli_fail(cli, error);
        GVariant *maps[] = { details, state };
        output_string_maps(cli, maps, G_N_ELEMENTS(maps));
        return EXIT_SUCCESS;
}

static int account_set(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook account set ID [--alias A] [--bootstrap HOST:PORT;... | --public] [--port N] [--channel-port N] [--lan-dht on|off] [--lan-nearby on|off] [--lan-publish on|off]\n"
                "\n"
                "Changes the account's settings (setAccountDetails); the others are kept.\n"
                "The DHT node restarts when the bootstrap list or the port change (not for\n"
                "the LAN switches).\n"
                "\n"
                "  --alias A        a display name\n" BOOTSTRAP_HELP
                "                   ('' for none)\n"
                "  --port N         the DHT port, 0..65535 (0: any free port)\n" CHANNEL_PORT_HELP
                        LAN_HELP;
        g_autoptr(GError) error = NULL;
        struct new_account a = {};
        const char *id = NULL;
        const struct cli_option options[] = {
                NEW_ACCOUNT_OPTIONS(&a),
                {},
        };
        const struct cli_spec spec = { .name = "account set",
                                       .usage = usage,
                                       .options = options,
                                       .positional = &id,
                                       .min_pos = 1,
                                       .max_pos = 1,
                                       .check = check_new_account,
                                       .check_data = &a };
        int status = cli_begin(cli, &spec, argc, argv, NULL);

        if (status != CLI_GO_ON)
                return status;
        if (!peerbook_dbus_configuration_manager_call_set_account_details_sync(
                    cli->config, id, new_account_details(&a, NULL, NULL), NULL, &error))
                return cli_fail(cli, error);
        return EXIT_SUCCESS;
}

static int account_remove(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook account remove ID\n"
                "\n"
                "Stops the account (its device says goodbye on the DHT) and deletes it from\n"
                "this device. Export it first to keep it.\n";
        g_autoptr(GError) error = NULL;
        const char *id = NULL;
        const struct cli_spec spec = { .name = "account remove",
                                       .usage = usage,
                                       .options = NULL,
                                       .positional = &id,
                                       .min_pos = 1,
                                       .max_pos = 1 };
        int status = cli_begin(cli, &spec, argc, argv, NULL);

        if (status != CLI_GO_ON)
                return status;
        if (!peerbook_dbus_configuration_manager_call_remove_account_sync(cli->config, id, NULL,
                                                                          &error))
                return cli_fail(cli, error);
        return EXIT_SUCCESS;
}

static int account_export(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook account export ID FILE [--password | --password-file F | --password-stdin]\n"
                "\n"
                "Writes the account (its key and certificate, contacts and alias) into FILE\n"
                "(mode 0600) in Jami's archive format, for 'peerbook account import' or\n"
                "Jami's account import on another device. A password encrypts the archive;\n"
                "it is required, and must be the account's, when the account has one\n"
                "(change it with 'peerbook account password').\n"
                "\n" CLI_PASSWORD_HELP;
        g_autoptr(GError) error = NULL;
        struct cli_password pw = {};
        const char *pos[2] = {};
        const struct cli_option options[] = { CLI_PASSWORD_OPTIONS(&pw), {} };
        const struct cli_spec spec = { .name = "account export",
                                       .usage = usage,
                                       .options = options,
                                       .positional = pos,
                                       .min_pos = 2,
                                       .max_pos = 2 };
        char *password = NULL;
        gboolean ok = FALSE;

        int status = cli_begin(cli, &spec, argc, argv, NULL);
        if (status == CLI_GO_ON)
                status = cli_read_password(&pw, true, &password);
        if (status != CLI_GO_ON)
                return status;
        g_autofree char *path = g_canonicalize_filename(pos[1], NULL);
        gboolean called = peerbook_dbus_configuration_manager_call_export_to_file_sync(
                cli->config, pos[0], path, password ? password : "", &ok, NULL, &error);
        cli_password_free(password);
        if (!called)
                return cli_fail(cli, error);
        if (!ok)
                return cli_error("cannot export account '%s' to '%s'", pos[0], pos[1]);
        return EXIT_SUCCESS;
}

/* sendRegister: Account.enable, saved by the daemon. */
static int set_enabled(struct cli *cli, const char *command, const char *usage, int argc,
                       char **argv, bool enable) {
        g_autoptr(GError) error = NULL;
        const char *given = NULL;
        const struct cli_spec spec = {
                .name = command, .usage = usage, .positional = &given, .min_pos = 0, .max_pos = 1
        };

        int status = cli_begin(cli, &spec, argc, argv, NULL);
        if (status != CLI_GO_ON)
                return status;
        g_autofree char *id = cli_resolve_account(cli, given);
        if (!id)
                return EXIT_FAILURE;
        if (!peerbook_dbus_configuration_manager_call_send_register_sync(cli->config, id, enable,
                                                                         NULL, &error))
                return cli_fail(cli, error);
        return EXIT_SUCCESS;
}

static int account_disable(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook account disable [ID]\n"
                "\n"
                "Stops the account: its device says goodbye on the DHT, then runs no DHT node\n"
                "and no direct channels (registration UNREGISTERED). Its contacts, requests\n"
                "and settings stay; it stays disabled across restarts of the daemon until\n"
                "'peerbook account enable'.\n"
                "Without ID: the daemon's only account.\n";
        return set_enabled(cli, "account disable", usage, argc, argv, false);
}

static int account_enable(struct cli *cli, int argc, char **argv) {
        static const char usage[] = "usage: peerbook account enable [ID]\n"
                                    "\n"
                                    "Starts a disabled account again.\n"
                                    "Without ID: the daemon's only account.\n";
        return set_enabled(cli, "account enable", usage, argc, argv, true);
}

static int account_password(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook account password ID [--password | --password-file F | --password-stdin]\n"
                "                                    [--new-password | --new-password-file F | --new-password-stdin]\n"
                "\n"
                "Sets, changes or removes the password that encrypts the account key (and\n"
                "that export asks for). Without options both are asked on the terminal:\n"
                "the current one (empty when the account has none), then the new one twice\n"
                "(empty removes it).\n"
                "\n" CLI_PASSWORD_HELP
                "  --new-password, --new-password-file F, --new-password-stdin\n"
                "                   the same for the new password\n";
        g_autoptr(GError) error = NULL;
        struct cli_password old = { .label = "Current password" },
                            new = { .label = "New password" };
        const char *pos[1] = {};
        const struct cli_option options[] = { CLI_PASSWORD_OPTIONS(&old),
                                              CLI_FLAG("new-password", &new.prompt),
                                              CLI_VALUE("new-password-file", &new.file),
                                              CLI_FLAG("new-password-stdin", &new.from_stdin),
                                              {} };
        const struct cli_spec spec = { .name = "account password",
                                       .usage = usage,
                                       .options = options,
                                       .positional = pos,
                                       .min_pos = 1,
                                       .max_pos = 1 };
        char *old_pw = NULL, *new_pw = NULL;
        gboolean ok = FALSE;

        int status = cli_begin(cli, &spec, argc, argv, NULL);
        if (status == CLI_GO_ON && old.from_stdin && new.from_stdin)
                status = cli_usage_error("only one password can come from standard input");
        if (status == CLI_GO_ON)
                status = cli_read_password_or_ask(&old, false, &old_pw);
        if (status == CLI_GO_ON)
                status = cli_read_password_or_ask(&new, true, &new_pw);
        if (status == CLI_GO_ON && !new.prompt && !new.file && !new.from_stdin)
                status = cli_usage_error("no new password: give --new-password-file F or "
                                         "--new-password-stdin (no terminal to ask on)");
        if (status == CLI_GO_ON &&
            !peerbook_dbus_configuration_manager_call_change_account_password_sync(
                    cli->config, pos[0], old_pw ? old_pw : "", new_pw ? new_pw : "", &ok, NULL,
                    &error))
                status = cli_fail(cli, error);
        else if (status == CLI_GO_ON && !ok)
                status = cli_error("cannot change the password of account '%s'", pos[0]);
        cli_password_free(old_pw);
        cli_password_free(new_pw);
        return status == CLI_GO_ON ? EXIT_SUCCESS : status;
}

int cmd_account(struct cli *cli, int argc, char **argv) {
        static const struct cli_subcommand commands[] = {
                { "create", account_create }, { "list", account_list },
                { "show", account_show },     { "set", account_set },
                { "remove", account_remove }, { "export", account_export },
                { "import", account_import }, { "disable", account_disable },
                { "enable", account_enable }, { "password", account_password },
        };
        return cli_dispatch(cli, "account", account_usage, commands, G_N_ELEMENTS(commands), argc,
                            argv);
}
