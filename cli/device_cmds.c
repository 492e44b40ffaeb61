/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * device_cmds.c — `peerbook device list | rename | revoke`: the devices of
 * an account (getKnownRingDevices), this device's name (Account.deviceName)
 * and revoking another one (revokeDevice, then deviceRevocationEnded).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char device_usage[] =
        "usage: peerbook device COMMAND [ARGS]\n"
        "\n"
        "  list [--account ID]          the devices of the account, this one included\n"
        "  rename NAME [--account ID]   rename this device (as its other devices list it)\n"
        "  revoke DEVICE [--account ID] [--password-file F ...]\n"
        "                               revoke a lost device with the account password\n"
        "\n"
        "Run 'peerbook device COMMAND --help' for a command's options.\n";

/* One device: "LONG_ID NAME" ("(this device)" after ours), or its JSON object. */
static void format_device(struct cli *cli, GString *out, const char *id, const char *name,
                          bool self) {
        if (cli->json) {
                json_open(out);
                json_add_string(out, "deviceId", id);
                json_add_string(out, "name", name);
                json_add_bool(out, "thisDevice", self);
                json_close(out);
                return;
        }
        g_string_append_printf(out, "%s ", id);
        text_append_one_line(out, name); /* another device's name is its owner's text */
        if (self)
                g_string_append(out, " (this device)");
}

static int device_list(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook device list [--account ID]\n"
                "\n"
                "Prints the devices of the account known here (getKnownRingDevices), one\n"
                "per line: its ID as Jami gives it (64 hex: the SHA-256 of its public key),\n"
                "its name, and '(this device)' after this one (--json: {\"deviceId\",\n"
                "\"name\", \"thisDevice\"} per line).\n"
                "Without --account: the daemon's only account.\n";
        g_autoptr(GError) error = NULL;
        g_autofree char *account = NULL;
        g_autoptr(GVariant) devices = NULL, details = NULL;
        const char *self = "", *id, *name;
        const struct cli_spec spec = { .name = "device list", .usage = usage, .account = true };
        GVariantIter iter;

        int status = cli_begin(cli, &spec, argc, argv, &account);
        if (status != CLI_GO_ON)
                return status;
        if (!peerbook_dbus_configuration_manager_call_get_known_ring_devices_sync(
                    cli->config, account, &devices, NULL, &error) ||
            !peerbook_dbus_configuration_manager_call_get_account_details_sync(
                    cli->config, account, &details, NULL, &error))
                return cli_fail(cli, error);
        g_variant_lookup(details, PB_DETAIL_DEVICE_LONG_ID, "&s", &self);
        g_variant_iter_init(&iter, devices);
        while (g_variant_iter_next(&iter, "{&s&s}", &id, &name)) {
                g_autoptr(GString) out = g_string_new(NULL);
                format_device(cli, out, id, name, !strcmp(id, self));
                output_line(out->str);
        }
        return EXIT_SUCCESS;
}

static int device_rename(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook device rename NAME [--account ID]\n"
                "\n"
                "Renames this device (Account.deviceName: UTF-8 without control characters,\n"
                "1 to 64 bytes; the host name until renamed). Saved; the account keeps\n"
                "running.\n"
                "Without --account: the daemon's only account.\n";
        g_autoptr(GError) error = NULL;
        g_autofree char *account = NULL;
        const char *name = NULL;
        const struct cli_spec spec = { .name = "device rename",
                                       .usage = usage,
                                       .positional = &name,
                                       .min_pos = 1,
                                       .max_pos = 1,
                                       .account = true };
        GVariantBuilder b;

        int status = cli_begin(cli, &spec, argc, argv, &account);
        if (status != CLI_GO_ON)
                return status;
        g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
        g_variant_builder_add(&b, "{ss}", PB_DETAIL_DEVICE_NAME, name);
        if (!peerbook_dbus_configuration_manager_call_set_account_details_sync(
                    cli->config, account, g_variant_builder_end(&b), NULL, &error))
                return cli_fail(cli, error);
        return EXIT_SUCCESS;
}

#define REVOKE_TIMEOUT_S 120 /* the device's certificate is looked up on the DHT */

struct revoke_wait {
        GMainLoop *loop;
        const char *account, *device;
        int status; /* -1 until deviceRevocationEnded came */
};

static void on_revocation_ended(PeerbookDBusConfigurationManager *object, const char *account,
                                const char *device, int status, gpointer userdata) {
        struct revoke_wait *w = userdata;
        if (strcmp(account, w->account) || strcmp(device, w->device))
                return;
        w->status = status;
        g_main_loop_quit(w->loop);
}

static gboolean on_revoke_timeout(gpointer userdata) {
        struct revoke_wait *w = userdata;
        g_main_loop_quit(w->loop);
        return G_SOURCE_REMOVE;
}

static int device_revoke(struct cli *cli, int argc, char **argv) {
        static const char usage[] =
                "usage: peerbook device revoke DEVICE [--account ID] [--password | --password-file F | --password-stdin]\n"
                "\n"
                "Revokes another device of the account (DEVICE: its ID as 'device list'\n"
                "prints it, or its 40-hex device ID) with the account password (asked on\n"
                "the terminal without an option; empty for an account without one). The\n"
                "account's other devices and its contacts then refuse the device, and it\n"
                "stops. Waits for the outcome (the device's certificate is looked up on\n"
                "the DHT; at most 120 s).\n"
                "Without --account: the daemon's only account.\n"
                "\n" CLI_PASSWORD_HELP;
        static const char *const outcome[] = { "revoked", "wrong password", "unknown device" };
        g_autoptr(GError) error = NULL;
        g_autofree char *account = NULL;
        struct cli_password pw = { .label = "Account password" };
        const char *device = NULL;
        const struct cli_option options[] = { CLI_PASSWORD_OPTIONS(&pw), {} };
        const struct cli_spec spec = { .name = "device revoke",
                                       .usage = usage,
                                       .options = options,
                                       .positional = &device,
                                       .min_pos = 1,
                                       .max_pos = 1,
                                       .account = true,
                                       .signals = true };
        char *password = NULL;
        gboolean started = FALSE;

        int status = cli_begin(cli, &spec, argc, argv, &account);
        if (status == CLI_GO_ON)
                status = cli_read_password_or_ask(&pw, false, &password);
        if (status != CLI_GO_ON)
                return status;
        struct revoke_wait w = { g_main_loop_new(NULL, FALSE), account, device, -1 };
        gulong handler = g_signal_connect(cli->config, "device-revocation-ended",
                                          G_CALLBACK(on_revocation_ended), &w);
        if (!peerbook_dbus_configuration_manager_call_revoke_device_sync(
                    cli->config, account, password ? password : "", device, &started, NULL, &error))
                status = cli_fail(cli, error);
        cli_password_free(password);
        if (status == CLI_GO_ON) {
                guint timer = g_timeout_add_seconds(REVOKE_TIMEOUT_S, on_revoke_timeout, &w);
                if (w.status < 0)
                        g_main_loop_run(w.loop);
                if (w.status < 0)
                        status = cli_error("cannot revoke device '%s': no outcome after %d s",
                                           device, REVOKE_TIMEOUT_S);
                else
                        g_source_remove(timer);
        }
        g_signal_handler_disconnect(cli->config, handler);
        g_main_loop_unref(w.loop);
        if (status != CLI_GO_ON)
                return status;
        if (w.status != 0)
                return cli_error("cannot revoke device '%s': %s", device,
                                 w.status == 1 || w.status == 2 ? outcome[w.status] : "failed");
        return EXIT_SUCCESS;
}

int cmd_device(struct cli *cli, int argc, char **argv) {
        static const struct cli_subcommand commands[] = {
                { "list", device_list },
                { "rename", device_rename },
                { "revoke", device_revoke },
        };
        return cli_dispatch(cli, "device", device_usage, commands, G_N_ELEMENTS(commands), argc,
                            argv);
}
