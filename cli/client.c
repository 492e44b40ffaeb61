/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * client.c — the connection to peerbookd, and its errors as one line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

/* Creating an account or importing one generates RSA keys in the daemon. */
#define CALL_TIMEOUT_MS (120 * 1000)

static void report(const char *fmt, va_list ap) {
        fputs("peerbook: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
}

int cli_error(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        report(fmt, ap);
        va_end(ap);
        return EXIT_FAILURE;
}

int cli_usage_error(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        report(fmt, ap);
        va_end(ap);
        return EXIT_USAGE;
}

static bool is_unreachable(const char *remote) {
        static const char *const names[] = {
                "org.freedesktop.DBus.Error.ServiceUnknown",
                "org.freedesktop.DBus.Error.NameHasNoOwner",
                "org.freedesktop.DBus.Error.UnknownObject",
                "org.freedesktop.DBus.Error.Spawn.ChildExited",
                "org.freedesktop.DBus.Error.Spawn.ExecFailed",
                "org.freedesktop.DBus.Error.Spawn.FailedToSetup",
        };
        for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
                if (g_strcmp0(remote, names[i]) == 0)
                        return true;
        return false;
}

int cli_fail(struct cli *cli, const GError *error) {
        g_autofree char *remote = g_dbus_error_get_remote_error(error);
        g_autoptr(GError) copy = g_error_copy(error);
        g_dbus_error_strip_remote_error(copy);

        if (is_unreachable(remote))
                return cli_error("cannot reach the daemon on the session bus (%s): "
                                 "is peerbookd running?",
                                 cli->bus_name);
        if (g_strcmp0(remote, "org.freedesktop.DBus.Error.NoReply") == 0 ||
            g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
                return cli_error("no answer from the daemon on the session bus (%s): %s",
                                 cli->bus_name, copy->message);
        if (remote && g_str_has_prefix(remote, PB_DBUS_ERROR_PREFIX))
                return cli_error("%s", copy->message);
        if (remote)
                return cli_error("the daemon (%s) refused the call: %s (%s)", cli->bus_name,
                                 copy->message, remote);
        return cli_error("cannot talk to the daemon on the session bus (%s): %s", cli->bus_name,
                         copy->message);
}

bool cli_connect(struct cli *cli, bool with_signals) {
        g_autoptr(GError) error = NULL;
        GDBusProxyFlags flags = G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES;

        if (!with_signals)
                flags |= G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS;
        if (!g_dbus_is_name(cli->bus_name) || g_dbus_is_unique_name(cli->bus_name)) {
                cli_error("invalid bus name '%s'", cli->bus_name);
                return false;
        }
        cli->bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &error);
        if (!cli->bus) {
                cli_error("cannot reach the session bus: %s", error->message);
                return false;
        }
        cli->config = peerbook_dbus_configuration_manager_proxy_new_sync(
                cli->bus, flags, cli->bus_name, PB_DBUS_CONFIGURATION_MANAGER_PATH, NULL, &error);
        if (cli->config)
                cli->presence = peerbook_dbus_presence_manager_proxy_new_sync(
                        cli->bus, flags, cli->bus_name, PB_DBUS_PRESENCE_MANAGER_PATH, NULL,
                        &error);
        if (!cli->config || !cli->presence) {
                cli_fail(cli, error);
                return false;
        }
        g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(cli->config), CALL_TIMEOUT_MS);
        g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(cli->presence), CALL_TIMEOUT_MS);
        return true;
}

void cli_disconnect(struct cli *cli) {
        g_clear_object(&cli->presence);
        g_clear_object(&cli->config);
        g_clear_object(&cli->bus);
}

char *cli_resolve_account(struct cli *cli, const char *given) {
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) ids = NULL;

        if (given)
                return g_strdup(given);
        if (!peerbook_dbus_configuration_manager_call_get_account_list_sync(cli->config, &ids, NULL,
                                                                            &error)) {
                cli_fail(cli, error);
                return NULL;
        }
        guint n = g_strv_length(ids);
        if (n == 1)
                return g_strdup(ids[0]);
        if (n == 0)
                cli_error(
                        "no account in the daemon (%s): create one with 'peerbook account create'",
                        cli->bus_name);
        else
                cli_error("which account? the daemon (%s) has %u: choose one with --account ID",
                          cli->bus_name, n);
        return NULL;
}

void cli_subscription_fields(GVariant *sub, const char **ret_uri, int *ret_status,
                             const char **ret_note) {
        const char *status = "0";

        *ret_uri = "";
        *ret_note = "";
        g_variant_lookup(sub, "Buddy", "&s", ret_uri);
        g_variant_lookup(sub, "Status", "&s", &status);
        g_variant_lookup(sub, "LineStatus", "&s", ret_note);
        *ret_status = (int)cli_parse_number(status, 2);
}

int cli_begin(struct cli *cli, const struct cli_spec *spec, int argc, char **argv,
              char **ret_account) {
        const char *given = NULL;
        struct cli_option options[16] = { CLI_VALUE("account", &given) };
        size_t n = spec->account ? 1 : 0;

        for (size_t i = 0; spec->options && spec->options[i].name; i++) {
                g_assert(n + 1 < G_N_ELEMENTS(options));
                options[n++] = spec->options[i];
        }
        options[n] = (struct cli_option){};
        int r = cli_parse_args(cli, spec->name, spec->usage, argc, argv, options, spec->positional,
                               spec->min_pos, spec->max_pos);
        if (r)
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
        if (spec->check && (r = spec->check(spec->check_data)) != CLI_GO_ON)
                return r;
        if (!cli_connect(cli, spec->signals))
                return EXIT_FAILURE;
        if (spec->account && !(*ret_account = cli_resolve_account(cli, given)))
                return EXIT_FAILURE;
        return CLI_GO_ON;
}
