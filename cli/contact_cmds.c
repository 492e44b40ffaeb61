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

static const char *lookup(GVariant *map, const char *key) {
        const char *value = "";
        g_variant_lookup(map, key, "&s", &value);
        return value;
}

static guint64 lookup_number(GVariant *map, const char *key) {
        return g_ascii_strtoull(lookup(map, key), NULL, 10);
}

/* ---- contact add | show | remove ----------------------------------------- */

static int contact_add(struct cli *cli, int argc, char **argv) {
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
        g_autofree char *account = NULL;
        const char *message = NULL, *uri = NULL;
        const struct cli_option options[] = { CLI_VALUE("message", &message), {} };
        const struct cli_spec spec = { .name = "contact add",
                                       .usage = usage,
                                       .options = options,
                                       .positional = &uri,
                                       .min_pos = 1,
                                       .max_pos = 1,
                                       .account = true };
        gboolean ok;

        int status = cli_begin(cli, &spec, argc, argv, &account);
        if (status != CLI_GO_ON)
                return status;
        if (message)
                ok = peerbook_dbus_configuration_manager_call_send_trust_request_sync(
                        cli->config, account, uri,
                        g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, message, strlen(message), 1),
                        NULL, &error);
        else
                ok = peerbook_dbus_configuration_manager_call_add_contact_sync(cli->config, account,
                                                                               uri, NULL, &error);
        return ok ? EXIT_SUCCESS : cli_fail(cli, error);
}

/* A contact record (getContactDetails' map) as one JSON object. */
static void contact_json(GString *out, GVariant *c) {
        json_open(out);
        json_add_string(out, "uri", lookup(c, "id"));
        json_add_number(out, "added", (gint64)lookup_number(c, "added"));
        json_add_number(out, "removed", (gint64)lookup_number(c, "removed"));
        json_add_bool(out, "confirmed", strcmp(lookup(c, "confirmed"), "true") == 0);
        json_add_bool(out, "banned", strcmp(lookup(c, "banned"), "true") == 0);
        json_add_string(out, "conversationId", lookup(c, "conversationId"));
        json_close(out);
}

/* getContactDetails; NULL after printing the error, or that uri is no contact. */
static GVariant *get_contact(struct cli *cli, const char *account, const char *uri) {
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

static int contact_show(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook contact show [--account ID] URI\n"
                "\n"
                "Prints URI's contact record (getContactDetails) as 'key: value' lines: id,\n"
                "added and removed (seconds since the epoch, 0 when never), confirmed,\n"
                "banned, conversationId; with --json one object {\"uri\",\"added\",\"removed\",\n"
                "\"confirmed\",\"banned\",\"conversationId\"}. Fails when URI was never a contact.\n"
                "\n"
                "  --account ID     the account (default: the daemon's only account)\n";
        g_autofree char *account = NULL;
        const char *uri = NULL;
        const struct cli_spec spec = { .name = "contact show",
                                       .usage = usage,
                                       .options = NULL,
                                       .positional = &uri,
                                       .min_pos = 1,
                                       .max_pos = 1,
                                       .account = true };

        int status = cli_begin(cli, &spec, argc, argv, &account);
        if (status != CLI_GO_ON)
                return status;
        g_autoptr(GVariant) details = get_contact(cli, account, uri);
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

/* removeContact; a stranger is no contact already, hence success (cli.h). */
static int remove_contact(struct cli *cli, const char *name, const char *usage, int argc,
                          char **argv, bool ban) {
        g_autoptr(GError) error = NULL;
        g_autofree char *account = NULL;
        const char *uri = NULL;
        const struct cli_option options[] = { CLI_FLAG("ban", &ban), {} };
        const struct cli_spec spec = { .name = name,
                                       .usage = usage,
                                       .options = ban ? NULL : options,
                                       .positional = &uri,
                                       .min_pos = 1,
                                       .max_pos = 1,
                                       .account = true };

        int status = cli_begin(cli, &spec, argc, argv, &account);
        if (status != CLI_GO_ON)
                return status;
        if (!peerbook_dbus_configuration_manager_call_remove_contact_sync(cli->config, account, uri,
                                                                          ban, NULL, &error))
                return cli_fail(cli, error);
        return EXIT_SUCCESS;
}

static int contact_remove(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook contact remove [--account ID] URI [--ban]\n"
                "\n"
                "Removes URI from the contacts (removeContact). With --ban, also blocks it\n"
                "(as 'peerbook block'): its pending request is dropped and its requests are\n"
                "ignored until 'peerbook contact add URI'. Succeeds when URI is no contact.\n"
                "\n"
                "  --account ID     the account (default: the daemon's only account)\n"
                "  --ban            block URI as well\n";
        return remove_contact(cli, "contact remove", usage, argc, argv, false);
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

int cmd_contact(struct cli *cli, int argc, char **argv) {
        static const struct cli_subcommand commands[] = {
                { "add", contact_add },
                { "show", contact_show },
                { "remove", contact_remove },
        };
        return cli_dispatch(cli, "contact", contact_usage, commands, G_N_ELEMENTS(commands), argc,
                            argv);
}

/* ---- contacts, requests -------------------------------------------------- */

/* One entry of getContacts: "URI STATE", or its JSON object. */
static void format_contact(struct cli *cli, GString *out, GVariant *c) {
        if (cli->json) {
                contact_json(out, c);
                return;
        }
        const char *state = strcmp(lookup(c, "banned"), "true") == 0      ? "banned"
                            : strcmp(lookup(c, "confirmed"), "true") == 0 ? "confirmed"
                                                                          : "unconfirmed";
        g_string_printf(out, "%s %s", lookup(c, "id"), state);
}

/* One entry of getTrustRequests, as format_trust_request() writes it. */
static void format_request(struct cli *cli, GString *out, GVariant *q) {
        if (cli->json)
                json_open(out);
        format_trust_request(cli, out, lookup(q, "from"), lookup(q, "conversationId"),
                             lookup_number(q, "received"), lookup(q, "payload"),
                             strcmp(lookup(q, "payloadEncoding"), "base64") == 0);
        if (cli->json)
                json_close(out);
}

int cmd_contacts(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook contacts [--account ID]\n"
                "\n"
                "The active and banned contacts (getContacts), one per line: 'URI STATE'\n"
                "with STATE confirmed, unconfirmed (a request is out) or banned; with --json\n"
                "one object per line, as 'peerbook contact show --json' prints it.\n"
                "\n"
                "  --account ID     the account (default: the daemon's only account)\n";
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) contacts = NULL;
        g_autofree char *account = NULL;
        const struct cli_spec spec = { .name = "contacts", .usage = usage, .account = true };

        int status = cli_begin(cli, &spec, argc, argv, &account);
        if (status != CLI_GO_ON)
                return status;
        if (!peerbook_dbus_configuration_manager_call_get_contacts_sync(cli->config, account,
                                                                        &contacts, NULL, &error))
                return cli_fail(cli, error);
        output_each(cli, contacts, format_contact);
        return EXIT_SUCCESS;
}

int cmd_requests(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook requests [--account ID]\n"
                "\n"
                "The pending trust requests (getTrustRequests), oldest first, one per line:\n"
                "'FROM RECEIVED [PAYLOAD]' (RECEIVED in seconds since the epoch; the payload\n"
                "on one line, control characters escaped, 'base64:' before a binary one);\n"
                "with --json one {\"from\",\"conversationId\",\"received\",\"payload\"} per line\n"
                "(and \"payloadEncoding\":\"base64\" for a binary payload).\n"
                "\n"
                "  --account ID     the account (default: the daemon's only account)\n";
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) requests = NULL;
        g_autofree char *account = NULL;
        const struct cli_spec spec = { .name = "requests", .usage = usage, .account = true };

        int status = cli_begin(cli, &spec, argc, argv, &account);
        if (status != CLI_GO_ON)
                return status;
        if (!peerbook_dbus_configuration_manager_call_get_trust_requests_sync(
                    cli->config, account, &requests, NULL, &error))
                return cli_fail(cli, error);
        output_each(cli, requests, format_request);
        return EXIT_SUCCESS;
}

/* ---- accept, discard, block ---------------------------------------------- */

static int answer(struct cli *cli, const char *command, const char *usage, int argc, char **argv,
                  bool accept) {
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
        gboolean found = FALSE, ok;

        int status = cli_begin(cli, &spec, argc, argv, &account);
        if (status != CLI_GO_ON)
                return status;
        if (accept)
                ok = peerbook_dbus_configuration_manager_call_accept_trust_request_sync(
                        cli->config, account, uri, &found, NULL, &error);
        else
                ok = peerbook_dbus_configuration_manager_call_discard_trust_request_sync(
                        cli->config, account, uri, &found, NULL, &error);
        if (!ok)
                return cli_fail(cli, error);
        if (!found)
                return cli_error("no trust request from '%s' in account '%s'", uri, account);
        return EXIT_SUCCESS;
}

int cmd_accept(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook accept [--account ID] URI\n"
                "\n"
                "Accepts URI's pending trust request: URI becomes a confirmed contact and is\n"
                "told so. Fails when there is no request from URI.\n"
                "\n"
                "  --account ID     the account (default: the daemon's only account)\n";
        return answer(cli, "accept", usage, argc, argv, true);
}

int cmd_discard(struct cli *cli, int argc, char **argv) {
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

int cmd_block(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook block [--account ID] URI\n"
                "\n"
                "Blocks URI (removeContact with ban): it is no longer a contact, its pending\n"
                "request is dropped and its requests are ignored (counted in the account's\n"
                "Account.droppedRequests) until 'peerbook contact add URI'.\n"
                "\n"
                "  --account ID     the account (default: the daemon's only account)\n";
        return remove_contact(cli, "block", usage, argc, argv, true);
}
