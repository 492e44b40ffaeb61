/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli.h — what the files of the `peerbook` command share.
 *
 * Error rule: a command that fails prints ONE line on stderr ("peerbook:
 * problem first, naming the thing") and returns EXIT_FAILURE; a usage
 * mistake returns EXIT_USAGE. Output for scripts (--json) goes to stdout
 * only, as JSON Lines: one object per line, one line per element of a list.
 *
 * Repeated operations: the daemon answers a call that asks for the state
 * that already holds (subscribe, unsubscribe, contact add, remove, block)
 * with success, and so does the CLI; answering a request that is not there
 * (accept, discard) fails.
 */
#pragma once

#include <gio/gio.h>
#include <peerbook/peerbook.h> /* constants and peerbook_uri_normalize() (src/uri.c) only */
#include <stdbool.h>

#include "dbus-names.h"
#include "peerbook-dbus.h"

#define EXIT_USAGE 2
/* cli_begin() and cli_read_password(): the command goes on (any other value
 * is the exit status, the reason already printed). */
#define CLI_GO_ON (-1)

struct cli {
        const char *bus_name;
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
#define CLI_VALUE(n, p) \
        { .name = (n), .value = (p) }
#define CLI_FLAG(n, p) \
        { .name = (n), .flag = (p) }

/* A command's arguments: `usage` is printed for --help (the first line is the
 * synopsis); options[] ends with {0}. Parses argv (after the command words) into
 * the options and positional[] (at most max_pos, at least min_pos). --json,
 * --bus-name and --help are accepted everywhere. Returns -1 after
 * printing a one-line error, 1 after printing the help, 0 to go on. */
int cli_parse_args(struct cli *cli, const char *command, const char *usage, int argc, char **argv,
                   const struct cli_option *options, const char **positional, int min_pos,
                   int max_pos);

/* Parses a non-negative decimal number of at most max; -1 if it is not one. */
long cli_parse_number(const char *s, long max);

/* A command word and its function, for cli_dispatch(). */
struct cli_subcommand {
        const char *name;
        int (*run)(struct cli *cli, int argc, char **argv);
};

/* Runs the command named by argv[0] among cmds[n] with the rest of argv;
 * `group` is the command word so far ("" for peerbook itself, "account")
 * for the messages, and `usage` what --help, -h and "help" print. */
int cli_dispatch(struct cli *cli, const char *group, const char *usage,
                 const struct cli_subcommand *cmds, size_t n, int argc, char **argv);

/* ---- passwords (password.c) ----------------------------------------------
 * Never on the command line, where every local user can read it (/proc):
 * --password asks on the terminal without echo, --password-file F reads the
 * first line of F, --password-stdin the first line of standard input. */
struct cli_password {
        bool prompt;
        const char *file;
        bool from_stdin;
        const char *label; /* the terminal's prompt; NULL: "Password" */
};
#define CLI_PASSWORD_OPTIONS(p)                                                     \
        CLI_FLAG("password", &(p)->prompt), CLI_VALUE("password-file", &(p)->file), \
                CLI_FLAG("password-stdin", &(p)->from_stdin)
#define CLI_PASSWORD_HELP                                                     \
        "  --password       ask for the password on the terminal (no echo)\n" \
        "  --password-file F\n"                                               \
        "                   read it from the first line of file F\n"          \
        "  --password-stdin read it from the first line of standard input\n"

/* The password the options ask for into *ret (NULL when none was asked;
 * free with cli_password_free()); a new password is asked twice on the
 * terminal (`confirm`). Returns CLI_GO_ON or an exit status. */
int cli_read_password(const struct cli_password *p, bool confirm, char **ret);
/* As cli_read_password(), but asks on the terminal when no option was
 * given (CLI_GO_ON with *ret NULL when there is no terminal). */
int cli_read_password_or_ask(struct cli_password *p, bool confirm, char **ret);
/* Wipes and frees a password; accepts NULL. */
void cli_password_free(char *password);

/* ---- the daemon (client.c) ---------------------------------------------- */

/* What a command takes: its name for messages ("contact add"), its help
 * (first line: the synopsis), its own options (ending with {0}, or NULL), its
 * positional arguments, and whether it acts on one account (--account ID,
 * default: the daemon's only account) or listens to signals. check(), when
 * set, checks the option values before anything is asked of the daemon:
 * CLI_GO_ON or an exit status (EXIT_USAGE after cli_usage_error()). */
struct cli_spec {
        const char *name;
        const char *usage;
        const struct cli_option *options;
        const char **positional;
        int min_pos, max_pos;
        bool account;
        bool signals;
        int (*check)(void *data);
        void *check_data;
};

/* Every command's prologue: parses the arguments, connects to the daemon
 * and, for an account command, resolves the account into *ret_account
 * (g_free() it). Returns CLI_GO_ON, or the exit status after printing the
 * help (0), a usage error (2) or a failure (1). */
int cli_begin(struct cli *cli, const struct cli_spec *spec, int argc, char **argv,
              char **ret_account);

/* Connects to the bus and makes the proxies; with_signals for watch. Prints
 * the error and returns false on failure. */
bool cli_connect(struct cli *cli, bool with_signals);
void cli_disconnect(struct cli *cli);

/* Prints a failed call's error as one line and returns EXIT_FAILURE. */
int cli_fail(struct cli *cli, const GError *error);

/* Prints "peerbook: <formatted>" on stderr and returns EXIT_FAILURE. */
int cli_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* A usage mistake: prints "peerbook: <formatted>" on stderr and returns
 * EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* The account to act on: `given`, or the daemon's only account. NULL after
 * printing why not. Free with g_free(). */
char *cli_resolve_account(struct cli *cli, const char *given);

/* Reads one entry of getSubscriptions (Buddy, Status, LineStatus); the
 * strings are borrowed from `sub`. */
void cli_subscription_fields(GVariant *sub, const char **ret_uri, int *ret_status,
                             const char **ret_note);

/* ---- output (output.c) -------------------------------------------------- */

/* A tiny JSON writer: json_open(out), then members, then json_close(out),
 * gives one object; a member after another gets its comma. */
void json_open(GString *out);
void json_close(GString *out);
void json_add_string(GString *out, const char *key, const char *value);
void json_add_number(GString *out, const char *key, gint64 value);
void json_add_bool(GString *out, const char *key, bool value);

/* Prints a{ss} maps merged: "key: value" lines sorted by key (the value
 * escaped onto its line), or one JSON object. */
void output_string_maps(struct cli *cli, GVariant *const *maps, size_t n_maps);

/* Prints a string list: one per line, as it is or (--json) as {"key":s}. */
void output_strv(struct cli *cli, const char *key, const char *const *strv);

/* Prints each element of the array `list` on a line of its own, as format()
 * writes it into `out` (text, or one JSON object with --json). */
void output_each(struct cli *cli, GVariant *list,
                 void (*format)(struct cli *cli, GString *out, GVariant *item));

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

/* A trust request: with --json the members of an open JSON object ("from",
 * "conversationId", "received", "payload" and, for base64, "payloadEncoding"),
 * otherwise one text line "FROM RECEIVED [PAYLOAD]" (a base64 payload is
 * prefixed "base64:"). */
void format_trust_request(struct cli *cli, GString *out, const char *from,
                          const char *conversation_id, guint64 received, const char *payload,
                          bool base64);

/* ---- commands ----------------------------------------------------------- */

int cmd_account(struct cli *cli, int argc, char **argv);
int cmd_device(struct cli *cli, int argc, char **argv);
int cmd_subscribe(struct cli *cli, int argc, char **argv);
int cmd_unsubscribe(struct cli *cli, int argc, char **argv);
int cmd_presence(struct cli *cli, int argc, char **argv);
int cmd_publish(struct cli *cli, int argc, char **argv);
int cmd_nearby(struct cli *cli, int argc, char **argv);
int cmd_watch(struct cli *cli, int argc, char **argv);
int cmd_wait_registered(struct cli *cli, int argc, char **argv);
int cmd_contact(struct cli *cli, int argc, char **argv);
int cmd_contacts(struct cli *cli, int argc, char **argv);
int cmd_requests(struct cli *cli, int argc, char **argv);
int cmd_accept(struct cli *cli, int argc, char **argv);
int cmd_discard(struct cli *cli, int argc, char **argv);
int cmd_block(struct cli *cli, int argc, char **argv);
