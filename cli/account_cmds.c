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
        "  create [--alias A] [--password P] [--bootstrap HOST:PORT;...] [--port N]\n"
        "                      create an account; prints its ID\n"
        "  list                the IDs of the daemon's accounts\n"
        "  show [ID]           an account's details and registration state\n"
        "  set ID [--alias A] [--bootstrap HOST:PORT;...] [--port N]\n"
        "                      change an account's settings\n"
        "  remove ID           stop an account and delete it from this device\n"
        "  export ID FILE [--password P]\n"
        "                      write the account into an archive file\n"
        "  import FILE [--password P] [--alias A] [--bootstrap HOST:PORT;...] [--port N]\n"
        "                      add an exported account to this device; prints its ID\n"
        "\n"
        "Run 'peerbook account COMMAND --help' for a command's options.\n";

/* The details of addAccount from the options of create and import. */
struct new_account {
        const char *alias, *password, *bootstrap, *port;
};

static GVariant *new_account_details(const struct new_account *a, const char *archive_path)
{
        GVariantBuilder b;
        g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
        g_variant_builder_add(&b, "{ss}", PB_DETAIL_TYPE, "RING");
        if (a->alias)
                g_variant_builder_add(&b, "{ss}", PB_DETAIL_ALIAS, a->alias);
        if (a->password)
                g_variant_builder_add(&b, "{ss}", PB_DETAIL_ARCHIVE_PASSWORD, a->password);
        if (a->bootstrap)
                g_variant_builder_add(&b, "{ss}", PB_DETAIL_HOSTNAME, a->bootstrap);
        if (a->port)
                g_variant_builder_add(&b, "{ss}", PB_DETAIL_DHT_PORT, a->port);
        if (archive_path)
                g_variant_builder_add(&b, "{ss}", PB_DETAIL_ARCHIVE_PATH, archive_path);
        return g_variant_builder_end(&b);
}

static int add_account(struct cli *cli, const struct new_account *a, const char *archive_path)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *id = NULL;

        if (!cli_connect(cli, false))
                return EXIT_FAILURE;
        if (!peerbook_dbus_configuration_manager_call_add_account_sync(
                    cli->config, new_account_details(a, archive_path), &id, NULL, &error))
                return cli_fail(cli, error);
        if (cli->json) {
                g_autoptr(GString) out = g_string_new("{\"accountId\":");
                json_append_string(out, id);
                g_string_append_c(out, '}');
                output_line(out->str);
        } else {
                output_line(id);
        }
        return EXIT_SUCCESS;
}

static int account_create(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: peerbook account create [--alias A] [--password P] [--bootstrap HOST:PORT;...] [--port N]\n"
                "\n"
                "Creates an account (keys, certificate, a first device) in the daemon and\n"
                "prints its ID.\n"
                "\n"
                "  --alias A        a display name\n"
                "  --password P     encrypts the account key on disk and in archives\n"
                "  --bootstrap L    DHT nodes to join, 'host:port' separated by ';'\n"
                "                   (none: a standalone node others can bootstrap from)\n"
                "  --port N         the DHT port, 0..65535 (default 0: any free port)\n";
        struct new_account a = {};
        const struct cli_option options[] = {
                CLI_VALUE("alias", &a.alias), CLI_VALUE("password", &a.password),
                CLI_VALUE("bootstrap", &a.bootstrap), CLI_VALUE("port", &a.port), {},
        };
        int r = cli_parse_args(cli, "account create", usage, argc, argv, options, NULL, 0, 0);
        if (r)
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
        return add_account(cli, &a, NULL);
}

static int account_import(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: peerbook account import FILE [--password P] [--alias A] [--bootstrap HOST:PORT;...] [--port N]\n"
                "\n"
                "Adds an account exported with 'peerbook account export' to this device (it\n"
                "gets a new device key) and prints its ID.\n"
                "\n"
                "  --password P     the archive's password\n"
                "  --alias A        a display name (default: the archive's)\n"
                "  --bootstrap L    DHT nodes to join, 'host:port' separated by ';'\n"
                "  --port N         the DHT port, 0..65535 (default 0: any free port)\n";
        struct new_account a = {};
        const char *file = NULL;
        const struct cli_option options[] = {
                CLI_VALUE("alias", &a.alias), CLI_VALUE("password", &a.password),
                CLI_VALUE("bootstrap", &a.bootstrap), CLI_VALUE("port", &a.port), {},
        };
        int r = cli_parse_args(cli, "account import", usage, argc, argv, options, &file, 1, 1);
        if (r)
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
        /* the daemon does not share our working directory */
        g_autofree char *path = g_canonicalize_filename(file, NULL);
        if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
                return cli_error("cannot import '%s': no such file", file);
        return add_account(cli, &a, path);
}

static int account_list(struct cli *cli, int argc, char **argv)
{
        static const char usage[] = "usage: peerbook account list\n"
                                    "\n"
                                    "Prints the IDs of the daemon's accounts, one per line.\n";
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) ids = NULL;

        int r = cli_parse_args(cli, "account list", usage, argc, argv, NULL, NULL, 0, 0);
        if (r)
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
        if (!cli_connect(cli, false))
                return EXIT_FAILURE;
        if (!peerbook_dbus_configuration_manager_call_get_account_list_sync(cli->config, &ids,
                                                                            NULL, &error))
                return cli_fail(cli, error);
        output_strv(cli, (const char *const *)ids);
        return EXIT_SUCCESS;
}

static int account_show(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: peerbook account show [ID]\n"
                "\n"
                "Prints the account's details (getAccountDetails) and run-time state\n"
                "(getVolatileAccountDetails) as 'key: value' lines, or one JSON object.\n"
                "Without ID: the daemon's only account.\n";
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) details = NULL, state = NULL;
        const char *given = NULL;

        int r = cli_parse_args(cli, "account show", usage, argc, argv, NULL, &given, 0, 1);
        if (r)
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
        if (!cli_connect(cli, false))
                return EXIT_FAILURE;
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

static int account_set(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: peerbook account set ID [--alias A] [--bootstrap HOST:PORT;...] [--port N]\n"
                "\n"
                "Changes the account's settings (setAccountDetails); the others are kept.\n"
                "The DHT node restarts when the bootstrap list or the port change.\n"
                "\n"
                "  --alias A        a display name\n"
                "  --bootstrap L    DHT nodes to join, 'host:port' separated by ';' ('' for none)\n"
                "  --port N         the DHT port, 0..65535 (0: any free port)\n";
        g_autoptr(GError) error = NULL;
        struct new_account a = {};
        const char *id = NULL;
        const struct cli_option options[] = {
                CLI_VALUE("alias", &a.alias), CLI_VALUE("bootstrap", &a.bootstrap),
                CLI_VALUE("port", &a.port), {},
        };
        int r = cli_parse_args(cli, "account set", usage, argc, argv, options, &id, 1, 1);
        if (r)
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
        if (!cli_connect(cli, false))
                return EXIT_FAILURE;
        if (!peerbook_dbus_configuration_manager_call_set_account_details_sync(
                    cli->config, id, new_account_details(&a, NULL), NULL, &error))
                return cli_fail(cli, error);
        return EXIT_SUCCESS;
}

static int account_remove(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: peerbook account remove ID\n"
                "\n"
                "Stops the account (its device says goodbye on the DHT) and deletes it from\n"
                "this device. Export it first to keep it.\n";
        g_autoptr(GError) error = NULL;
        const char *id = NULL;

        int r = cli_parse_args(cli, "account remove", usage, argc, argv, NULL, &id, 1, 1);
        if (r)
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
        if (!cli_connect(cli, false))
                return EXIT_FAILURE;
        if (!peerbook_dbus_configuration_manager_call_remove_account_sync(cli->config, id, NULL,
                                                                          &error))
                return cli_fail(cli, error);
        return EXIT_SUCCESS;
}

static int account_export(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: peerbook account export ID FILE [--password P]\n"
                "\n"
                "Writes the account (its key and certificate) into FILE (mode 0600), for\n"
                "'peerbook account import' on another device.\n"
                "\n"
                "  --password P     encrypts the key in the archive; required when the\n"
                "                   account has a password\n";
        g_autoptr(GError) error = NULL;
        const char *password = "", *pos[2] = {};
        const struct cli_option options[] = { CLI_VALUE("password", &password), {} };
        gboolean ok = FALSE;

        int r = cli_parse_args(cli, "account export", usage, argc, argv, options, pos, 2, 2);
        if (r)
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
        g_autofree char *path = g_canonicalize_filename(pos[1], NULL);
        if (!cli_connect(cli, false))
                return EXIT_FAILURE;
        if (!peerbook_dbus_configuration_manager_call_export_to_file_sync(
                    cli->config, pos[0], path, password, &ok, NULL, &error))
                return cli_fail(cli, error);
        if (!ok)
                return cli_error("cannot export account '%s' to '%s'", pos[0], pos[1]);
        return EXIT_SUCCESS;
}

static const struct {
        const char *name;
        int (*run)(struct cli *cli, int argc, char **argv);
} account_commands[] = {
        { "create", account_create }, { "list", account_list },     { "show", account_show },
        { "set", account_set },       { "remove", account_remove }, { "export", account_export },
        { "import", account_import },
};

int cmd_account(struct cli *cli, int argc, char **argv)
{
        if (argc == 0) {
                cli_error("account: missing command (see 'peerbook account --help')");
                return EXIT_USAGE;
        }
        if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0 ||
            strcmp(argv[0], "help") == 0) {
                fputs(account_usage, stdout);
                return EXIT_SUCCESS;
        }
        for (size_t i = 0; i < G_N_ELEMENTS(account_commands); i++)
                if (strcmp(argv[0], account_commands[i].name) == 0)
                        return account_commands[i].run(cli, argc - 1, argv + 1);
        cli_error("account: unknown command '%s' (see 'peerbook account --help')", argv[0]);
        return EXIT_USAGE;
}
