/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * contact_cmds.c — `peerbook contact ... | contacts | requests | accept |
 * discard | block`: trust requests and contacts through
 * cx.ring.Ring.ConfigurationManager.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* What every command here starts with: its arguments (--account and the
 * command's own options), the connection, the account. */
struct contact_args {
        const char *given;   /* --account */
        const char *pos[1];  /* URI */
        char *account;       /* resolved; g_free() */
};

/* Returns -1 (exit status in *ret_status) to stop, 0 to go on. */
static int begin(struct cli *cli, const char *command, const char *usage, int argc, char **argv,
                 const struct cli_option *extra, int n_pos, struct contact_args *a,
                 int *ret_status)
{
        struct cli_option options[4] = { CLI_VALUE("account", &a->given) };
        for (size_t i = 0; extra && extra[i].name; i++) {
                g_assert(i + 2 < G_N_ELEMENTS(options));
                options[i + 1] = extra[i];
        }
        int r = cli_parse_args(cli, command, usage, argc, argv, options, a->pos, n_pos, n_pos);
        if (r) {
                *ret_status = r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
                return -1;
        }
        if (!cli_connect(cli, false) || !(a->account = cli_resolve_account(cli, a->given))) {
                *ret_status = EXIT_FAILURE;
                return -1;
        }
        return 0;
}

static const char *lookup(GVariant *map, const char *key)
{
        const char *value = "";
        g_variant_lookup(map, key, "&s", &value);
        return value;
}

static guint64 lookup_number(GVariant *map, const char *key)
{
        return g_ascii_strtoull(lookup(map, key), NULL, 10);
}

/* ---- contact add | show | remove ----------------------------------------- */

static int contact_add(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: peerbook contact add [--account ID] URI [--message TEXT]\n"
                "\n"
                "Adds URI (an account ID, 'jami:' prefix accepted) as a contact. With\n"
                "--message, sends a trust request carrying TEXT (sendTrustRequest, at most\n"
                "64000 bytes); without, addContact: accepts URI's pending request if there is\n"
                "one, otherwise sends a request with an empty payload. Also lifts a ban.\n"
                "URI is unconfirmed until it accepts; 'peerbook watch --event contactAdded'\n"
                "shows when.\n"
                "\n"
                "  --account ID     the account (default: the daemon's only account)\n"
                "  --message TEXT   the request's payload\n";
        g_autoptr(GError) error = NULL;
        struct contact_args a = {};
        const char *message = NULL;
        const struct cli_option options[] = { CLI_VALUE("message", &message), {} };
        int status;
        gboolean ok;

        if (begin(cli, "contact add", usage, argc, argv, options, 1, &a, &status) < 0)
                return status;
        g_autofree char *account = a.account;
        if (message)
                ok = peerbook_dbus_configuration_manager_call_send_trust_request_sync(
                        cli->config, account, a.pos[0],
                        g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, message, strlen(message), 1),
                        NULL, &error);
        else
                ok = peerbook_dbus_configuration_manager_call_add_contact_sync(
                        cli->config, account, a.pos[0], NULL, &error);
        return ok ? EXIT_SUCCESS : cli_fail(cli, error);
}

/* A contact record (getContactDetails' map) as one JSON object. */
static void contact_json(GString *out, GVariant *c)
{
        g_string_append(out, "{\"uri\":");
        json_append_string(out, lookup(c, "id"));
        g_string_append_printf(out, ",\"added\":%" G_GUINT64_FORMAT ",\"removed\":%" G_GUINT64_FORMAT
                                    ",\"confirmed\":%s,\"banned\":%s,\"conversationId\":",
                               lookup_number(c, "added"), lookup_number(c, "removed"),
                               strcmp(lookup(c, "confirmed"), "true") == 0 ? "true" : "false",
                               strcmp(lookup(c, "banned"), "true") == 0 ? "true" : "false");
        json_append_string(out, lookup(c, "conversationId"));
        g_string_append_c(out, '}');
}

/* getContactDetails; NULL after printing the error, or that uri is no contact. */
static GVariant *get_contact(struct cli *cli, const char *account, const char *uri)
{
        g_autoptr(GError) error = NULL;
        GVariant *details = NULL;

        if (!peerbook_dbus_configuration_manager_call_get_contact_details_sync(
                    cli->config, account, uri, &details, NULL, &error)) {
                cli_fail(cli, error);
                return NULL;
        }
        if (g_variant_n_children(details) == 0) {
                cli_error("no contact '%s' in account '%s'", uri, account);
                g_variant_unref(details);
                return NULL;
        }
        return details;
}

static int contact_show(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: peerbook contact show [--account ID] URI\n"
                "\n"
                "Prints URI's contact record (getContactDetails) as 'key: value' lines: id,\n"
                "added and removed (seconds since the epoch, 0 when never), confirmed,\n"
                "banned, conversationId; with --json one object {\"uri\",\"added\",\"removed\",\n"
                "\"confirmed\",\"banned\",\"conversationId\"}. Fails when URI was never a contact.\n"
                "\n"
                "  --account ID     the account (default: the daemon's only account)\n";
        struct contact_args a = {};
        int status;

        if (begin(cli, "contact show", usage, argc, argv, NULL, 1, &a, &status) < 0)
                return status;
        g_autofree char *account = a.account;
        g_autoptr(GVariant) details = get_contact(cli, account, a.pos[0]);
        if (!details)
                return EXIT_FAILURE;
        if (cli->json) {
                g_autoptr(GString) out = g_string_new(NULL);
                contact_json(out, details);
                output_line(out->str);
        } else {
                output_string_maps(cli, &details, 1);
        }
        return EXIT_SUCCESS;
}

static int remove_contact(struct cli *cli, const char *account, const char *uri, bool ban)
{
        g_autoptr(GError) error = NULL;

        /* removeContact does nothing for a stranger, as in Jami: say so here */
        if (!ban) {
                g_autoptr(GVariant) details = get_contact(cli, account, uri);
                if (!details)
                        return EXIT_FAILURE;
        }
        if (!peerbook_dbus_configuration_manager_call_remove_contact_sync(cli->config, account, uri,
                                                                          ban, NULL, &error))
                return cli_fail(cli, error);
        return EXIT_SUCCESS;
}

static int contact_remove(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: peerbook contact remove [--account ID] URI [--ban]\n"
                "\n"
                "Removes URI from the contacts (removeContact). With --ban, also blocks it\n"
                "(as 'peerbook block'): its pending request is dropped and its requests are\n"
                "ignored until 'peerbook contact add URI'.\n"
                "\n"
                "  --account ID     the account (default: the daemon's only account)\n"
                "  --ban            block URI as well\n";
        struct contact_args a = {};
        bool ban = false;
        const struct cli_option options[] = { CLI_FLAG("ban", &ban), {} };
        int status;

        if (begin(cli, "contact remove", usage, argc, argv, options, 1, &a, &status) < 0)
                return status;
        g_autofree char *account = a.account;
        return remove_contact(cli, account, a.pos[0], ban);
}

static const char contact_usage[] =
        "usage: peerbook contact COMMAND [ARGS]\n"
        "\n"
        "  add URI [--message TEXT]   add a contact; sends a trust request\n"
        "  show URI                   a contact's record\n"
        "  remove URI [--ban]         remove a contact (and block it)\n"
        "\n"
        "Each takes --account ID (default: the daemon's only account). See also\n"
        "'peerbook contacts', 'requests', 'accept', 'discard' and 'block'.\n"
        "Run 'peerbook contact COMMAND --help' for a command's options.\n";

static const struct {
        const char *name;
        int (*run)(struct cli *cli, int argc, char **argv);
} contact_commands[] = {
        { "add", contact_add },
        { "show", contact_show },
        { "remove", contact_remove },
};

int cmd_contact(struct cli *cli, int argc, char **argv)
{
        if (argc == 0) {
                cli_error("contact: missing command (see 'peerbook contact --help')");
                return EXIT_USAGE;
        }
        if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0 ||
            strcmp(argv[0], "help") == 0) {
                fputs(contact_usage, stdout);
                return EXIT_SUCCESS;
        }
        for (size_t i = 0; i < G_N_ELEMENTS(contact_commands); i++)
                if (strcmp(argv[0], contact_commands[i].name) == 0)
                        return contact_commands[i].run(cli, argc - 1, argv + 1);
        cli_error("contact: unknown command '%s' (see 'peerbook contact --help')", argv[0]);
        return EXIT_USAGE;
}

/* ---- contacts, requests -------------------------------------------------- */

int cmd_contacts(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: peerbook contacts [--account ID]\n"
                "\n"
                "The active and banned contacts (getContacts), one per line: 'URI STATE'\n"
                "with STATE confirmed, unconfirmed (a request is out) or banned; with --json\n"
                "an array of objects as 'peerbook contact show --json' prints them.\n"
                "\n"
                "  --account ID     the account (default: the daemon's only account)\n";
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) contacts = NULL;
        struct contact_args a = {};
        GVariantIter iter;
        GVariant *c;
        int status;

        if (begin(cli, "contacts", usage, argc, argv, NULL, 0, &a, &status) < 0)
                return status;
        g_autofree char *account = a.account;
        if (!peerbook_dbus_configuration_manager_call_get_contacts_sync(cli->config, account,
                                                                        &contacts, NULL, &error))
                return cli_fail(cli, error);
        g_autoptr(GString) out = g_string_new(cli->json ? "[" : NULL);
        g_variant_iter_init(&iter, contacts);
        for (size_t i = 0; (c = g_variant_iter_next_value(&iter)); i++) {
                if (cli->json) {
                        if (i)
                                g_string_append_c(out, ',');
                        contact_json(out, c);
                } else {
                        const char *state = strcmp(lookup(c, "banned"), "true") == 0 ? "banned"
                                            : strcmp(lookup(c, "confirmed"), "true") == 0
                                                    ? "confirmed"
                                                    : "unconfirmed";
                        g_string_append_printf(out, "%s%s %s", i ? "\n" : "", lookup(c, "id"),
                                               state);
                }
                g_variant_unref(c);
        }
        if (cli->json)
                g_string_append_c(out, ']');
        if (out->len)
                output_line(out->str);
        return EXIT_SUCCESS;
}

int cmd_requests(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: peerbook requests [--account ID]\n"
                "\n"
                "The pending trust requests (getTrustRequests), oldest first, one per line:\n"
                "'FROM RECEIVED [PAYLOAD]' (RECEIVED in seconds since the epoch; the payload\n"
                "on one line, control characters escaped, 'base64:' before a binary one);\n"
                "with --json an array of {\"from\",\"conversationId\",\"received\",\"payload\"}\n"
                "(and \"payloadEncoding\":\"base64\" for a binary payload).\n"
                "\n"
                "  --account ID     the account (default: the daemon's only account)\n";
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) requests = NULL;
        struct contact_args a = {};
        GVariantIter iter;
        GVariant *q;
        int status;

        if (begin(cli, "requests", usage, argc, argv, NULL, 0, &a, &status) < 0)
                return status;
        g_autofree char *account = a.account;
        if (!peerbook_dbus_configuration_manager_call_get_trust_requests_sync(
                    cli->config, account, &requests, NULL, &error))
                return cli_fail(cli, error);
        g_autoptr(GString) out = g_string_new(cli->json ? "[" : NULL);
        g_variant_iter_init(&iter, requests);
        for (size_t i = 0; (q = g_variant_iter_next_value(&iter)); i++) {
                if (i)
                        g_string_append(out, cli->json ? "," : "\n");
                if (cli->json)
                        g_string_append_c(out, '{');
                format_trust_request(cli, out, lookup(q, "from"), lookup(q, "conversationId"),
                                     lookup_number(q, "received"), lookup(q, "payload"),
                                     strcmp(lookup(q, "payloadEncoding"), "base64") == 0);
                if (cli->json)
                        g_string_append_c(out, '}');
                g_variant_unref(q);
        }
        if (cli->json)
                g_string_append_c(out, ']');
        if (out->len)
                output_line(out->str);
        return EXIT_SUCCESS;
}

/* ---- accept, discard, block ---------------------------------------------- */

static int answer(struct cli *cli, const char *command, const char *usage, int argc, char **argv,
                  bool accept)
{
        g_autoptr(GError) error = NULL;
        struct contact_args a = {};
        gboolean found = FALSE, ok;
        int status;

        if (begin(cli, command, usage, argc, argv, NULL, 1, &a, &status) < 0)
                return status;
        g_autofree char *account = a.account;
        if (accept)
                ok = peerbook_dbus_configuration_manager_call_accept_trust_request_sync(
                        cli->config, account, a.pos[0], &found, NULL, &error);
        else
                ok = peerbook_dbus_configuration_manager_call_discard_trust_request_sync(
                        cli->config, account, a.pos[0], &found, NULL, &error);
        if (!ok)
                return cli_fail(cli, error);
        if (!found)
                return cli_error("no trust request from '%s' in account '%s'", a.pos[0], account);
        return EXIT_SUCCESS;
}

int cmd_accept(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: peerbook accept [--account ID] URI\n"
                "\n"
                "Accepts URI's pending trust request: URI becomes a confirmed contact and is\n"
                "told so. Fails when there is no request from URI.\n"
                "\n"
                "  --account ID     the account (default: the daemon's only account)\n";
        return answer(cli, "accept", usage, argc, argv, true);
}

int cmd_discard(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: peerbook discard [--account ID] URI\n"
                "\n"
                "Drops URI's pending trust request without telling URI; its automatic\n"
                "re-sends stay silent, a new request is shown. Fails when there is no\n"
                "request from URI.\n"
                "\n"
                "  --account ID     the account (default: the daemon's only account)\n";
        return answer(cli, "discard", usage, argc, argv, false);
}

int cmd_block(struct cli *cli, int argc, char **argv)
{
        static const char usage[] =
                "usage: peerbook block [--account ID] URI\n"
                "\n"
                "Blocks URI (removeContact with ban): it is no longer a contact, its pending\n"
                "request is dropped and its requests are ignored (counted in the account's\n"
                "Account.droppedRequests) until 'peerbook contact add URI'.\n"
                "\n"
                "  --account ID     the account (default: the daemon's only account)\n";
        struct contact_args a = {};
        int status;

        if (begin(cli, "block", usage, argc, argv, NULL, 1, &a, &status) < 0)
                return status;
        g_autofree char *account = a.account;
        return remove_contact(cli, account, a.pos[0], true);
}
