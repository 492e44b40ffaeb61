/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli.h — what the files of the `peerbook` command share.
 *
 * Error rule: a command that fails prints ONE line on stderr ("peerbook:
 * problem first, naming the thing") and returns EXIT_FAILURE; a usage
 * mistake returns EXIT_USAGE. Output for scripts (--json) goes to stdout only.
 */
#pragma once

#include <gio/gio.h>
#include <peerbook/peerbook.h> /* constants and peerbook_uri_normalize() (src/uri.c) only */
#include <stdbool.h>

#include "dbus-names.h"
#include "peerbook-dbus.h"

#define EXIT_USAGE 2

struct cli {
        const char *bus_name;
        bool system_bus;
        bool json;
        GDBusConnection *bus;
        PeerbookDBusConfigurationManager *config;
        PeerbookDBusPresenceManager *presence;
};

/* ---- arguments (args.c) ------------------------------------------------- */

/* One option of a command: `--name VALUE` (value != NULL) or `--name` (flag). */
struct cli_option {
        const char *name;
        const char **value;
        bool *flag;
};
#define CLI_VALUE(n, p) { .name = (n), .value = (p) }
#define CLI_FLAG(n, p) { .name = (n), .flag = (p) }

/* A command's arguments: `usage` is printed for --help (the first line is the
 * synopsis); options[] ends with {0}. Parses argv (after the command words) into
 * the options and positional[] (at most max_pos, at least min_pos). --json,
 * --bus-name, --system and --help are accepted everywhere. Returns -1 after
 * printing a one-line error, 1 after printing the help, 0 to go on. */
int cli_parse_args(struct cli *cli, const char *command, const char *usage, int argc,
                   char **argv, const struct cli_option *options, const char **positional,
                   int min_pos, int max_pos);

/* Parses a non-negative decimal number of at most max; -1 if it is not one. */
long cli_parse_number(const char *s, long max);

/* ---- the daemon (client.c) ---------------------------------------------- */

/* Connects to the bus and makes the proxies; with_signals for watch. Prints
 * the error and returns false on failure. */
bool cli_connect(struct cli *cli, bool with_signals);
void cli_disconnect(struct cli *cli);

/* Prints a failed call's error as one line and returns EXIT_FAILURE. */
int cli_fail(struct cli *cli, const GError *error);

/* Prints "peerbook: <formatted>" on stderr and returns EXIT_FAILURE. */
int cli_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* The account to act on: `given`, or the daemon's only account. NULL after
 * printing why not. Free with g_free(). */
char *cli_resolve_account(struct cli *cli, const char *given);

/* Reads one entry of getSubscriptions (Buddy, Status, LineStatus); the
 * strings are borrowed from `sub`. */
void cli_subscription_fields(GVariant *sub, const char **ret_uri, int *ret_status,
                             const char **ret_note);

/* ---- output (output.c) -------------------------------------------------- */

/* Appends s as a JSON string (quoted, escaped) to out. */
void json_append_string(GString *out, const char *s);

/* Prints a{ss} maps merged: "key: value" lines sorted by key, or one JSON object. */
void output_string_maps(struct cli *cli, GVariant *const *maps, size_t n_maps);

/* Prints a string list: one per line, or a JSON array. */
void output_strv(struct cli *cli, const char *const *strv);

/* Prints one line of stdout and flushes it (watch runs into pipes and files). */
void output_line(const char *line);

const char *status_name(int status);

/* Appends s on one line: backslash, newline, tab and the other control
 * characters escaped ("\\n", "\\x01"). */
void text_append_one_line(GString *out, const char *s);

/* A trust request's payload as text: the bytes when they are valid UTF-8
 * without NUL, otherwise base64 (*ret_base64 = true), as getTrustRequests
 * gives it. Free with g_free(). */
char *payload_to_string(const void *data, size_t len, bool *ret_base64);

/* A trust request: with --json the members of a JSON object ("from",
 * "conversationId", "received", "payload" and, for base64, "payloadEncoding"),
 * otherwise one text line "FROM RECEIVED [PAYLOAD]" (a base64 payload is
 * prefixed "base64:"). */
void format_trust_request(struct cli *cli, GString *out, const char *from,
                          const char *conversation_id, guint64 received, const char *payload,
                          bool base64);

/* ---- commands ----------------------------------------------------------- */

int cmd_account(struct cli *cli, int argc, char **argv);
int cmd_subscribe(struct cli *cli, int argc, char **argv);
int cmd_unsubscribe(struct cli *cli, int argc, char **argv);
int cmd_presence(struct cli *cli, int argc, char **argv);
int cmd_watch(struct cli *cli, int argc, char **argv);
int cmd_wait_registered(struct cli *cli, int argc, char **argv);
int cmd_contact(struct cli *cli, int argc, char **argv);
int cmd_contacts(struct cli *cli, int argc, char **argv);
int cmd_requests(struct cli *cli, int argc, char **argv);
int cmd_accept(struct cli *cli, int argc, char **argv);
int cmd_discard(struct cli *cli, int argc, char **argv);
int cmd_block(struct cli *cli, int argc, char **argv);
