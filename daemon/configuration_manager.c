/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * configuration_manager.c — cx.ring.Ring.ConfigurationManager: accounts.
 * Its trust-request and contact methods are in contacts.c.
 *
 * Account details travel as Jami's string maps (a{ss}); this file is where
 * they are parsed and checked before they reach libpeerbook.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

/* The keys of a details map that peerbookd reads; NULL/-1 when absent. */
struct account_details {
        const char *alias;
        const char *password;
        const char *hostname;
        const char *archive_path;
        int dht_port;
};

/* A decimal port 0..65535, nothing else (no sign, no spaces, no hex). */
static int parse_port(const char *s)
{
        size_t n = strlen(s);
        if (n == 0 || n > 5 || strspn(s, "0123456789") != n)
                return -1;
        long port = strtol(s, NULL, 10);
        return port <= 65535 ? (int)port : -1;
}

/* Replies InvalidArgument naming Account.hostname when the library refused
 * the call (-EINVAL) because of it, and returns true; the grammar and its
 * check are the library's (peerbook_bootstrap_check()). */
static bool return_bad_hostname(GDBusMethodInvocation *invocation, int error,
                                const char *hostname)
{
        size_t off, len;

        if (error != -EINVAL || !hostname || peerbook_bootstrap_check(hostname, &off, &len) == 0)
                return false;
        if (off + 1 >= PEERBOOK_BOOTSTRAP_MAX)
                daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                                    "invalid Account.hostname: longer than %d bytes",
                                    PEERBOOK_BOOTSTRAP_MAX - 1);
        else
                daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                                    "invalid Account.hostname entry '%.*s' (expected host, "
                                    "host:port or [IPv6]:port, separated by ';')",
                                    (int)len, hostname + off);
        return true;
}

static bool parse_details(GVariant *details, struct account_details *ret,
                          GDBusMethodInvocation *invocation)
{
        const char *port = NULL;

        *ret = (struct account_details){ .dht_port = -1 };
        g_variant_lookup(details, PB_DETAIL_ALIAS, "&s", &ret->alias);
        g_variant_lookup(details, PB_DETAIL_ARCHIVE_PASSWORD, "&s", &ret->password);
        g_variant_lookup(details, PB_DETAIL_HOSTNAME, "&s", &ret->hostname);
        g_variant_lookup(details, PB_DETAIL_ARCHIVE_PATH, "&s", &ret->archive_path);
        if (g_variant_lookup(details, PB_DETAIL_DHT_PORT, "&s", &port)) {
                ret->dht_port = parse_port(port);
                if (ret->dht_port < 0) {
                        daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                                            "invalid Account.dhtPort '%s' (expected 0..65535)",
                                            port);
                        return false;
                }
        }
        if (ret->password && !*ret->password)
                ret->password = NULL;
        if (ret->archive_path && !g_path_is_absolute(ret->archive_path)) {
                daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                                    "invalid Account.archivePath '%s' (expected an absolute path)",
                                    ret->archive_path);
                return false;
        }
        return true;
}

static gboolean on_add_account(PeerbookDBusConfigurationManager *object,
                               GDBusMethodInvocation *invocation, GVariant *details,
                               gpointer userdata)
{
        struct daemon *d = userdata;
        struct account_details in;
        char id[PEERBOOK_ID_SIZE];
        int r;

        if (!parse_details(details, &in, invocation))
                return TRUE;
        struct peerbook_account_params params = {
                .alias = in.alias,
                .password = in.password,
                .bootstrap = in.hostname,
                .dht_port = in.dht_port < 0 ? 0 : (uint16_t)in.dht_port,
        };
        if (in.archive_path) {
                r = peerbook_account_import(d->ctx, in.archive_path, &params, id);
                if (r == -EKEYREJECTED) {
                        daemon_return_error(invocation, DAEMON_ERROR_WRONG_PASSWORD,
                                            "cannot import archive '%s': wrong password",
                                            in.archive_path);
                        return TRUE;
                }
                if (r == -ENOENT) {
                        daemon_return_error(invocation, DAEMON_ERROR_FAILED,
                                            "cannot import archive '%s': no such file",
                                            in.archive_path);
                        return TRUE;
                }
                if (return_bad_hostname(invocation, r, in.hostname))
                        return TRUE;
                if (r < 0) {
                        daemon_return_errno(invocation, r, "cannot import archive '%s'",
                                            in.archive_path);
                        return TRUE;
                }
        } else {
                r = peerbook_account_create(d->ctx, &params, id);
                if (return_bad_hostname(invocation, r, in.hostname))
                        return TRUE;
                if (r < 0) {
                        daemon_return_errno(invocation, r, "cannot create account");
                        return TRUE;
                }
        }
        peerbook_dbus_configuration_manager_complete_add_account(object, invocation, id);
        peerbook_dbus_configuration_manager_emit_accounts_changed(object);
        return TRUE;
}

static gboolean on_remove_account(PeerbookDBusConfigurationManager *object,
                                  GDBusMethodInvocation *invocation, const char *account_id,
                                  gpointer userdata)
{
        struct daemon *d = userdata;

        if (!daemon_check_account(d, invocation, account_id))
                return TRUE;
        int r = peerbook_account_remove(d->ctx, account_id);
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot remove account '%s'", account_id);
                return TRUE;
        }
        g_hash_table_remove(d->registrations, account_id);
        peerbook_dbus_configuration_manager_complete_remove_account(object, invocation);
        peerbook_dbus_configuration_manager_emit_accounts_changed(object);
        return TRUE;
}

static gboolean on_get_account_list(PeerbookDBusConfigurationManager *object,
                                    GDBusMethodInvocation *invocation, gpointer userdata)
{
        struct daemon *d = userdata;
        char **ids = NULL;

        int r = peerbook_account_list(d->ctx, &ids);
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot list accounts");
                return TRUE;
        }
        peerbook_dbus_configuration_manager_complete_get_account_list(
                object, invocation, (const char *const *)ids);
        peerbook_strv_free(ids);
        return TRUE;
}

static bool get_info(struct daemon *d, GDBusMethodInvocation *invocation,
                     const char *account_id, struct peerbook_account_info *ret_info)
{
        if (!daemon_check_account(d, invocation, account_id))
                return false;
        int r = peerbook_account_get_info(d->ctx, account_id, ret_info);
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot read account '%s'", account_id);
                return false;
        }
        return true;
}

static void add_detail(GVariantBuilder *b, const char *key, const char *fmt, ...)
        G_GNUC_PRINTF(3, 4);
static void add_detail(GVariantBuilder *b, const char *key, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        g_autofree char *value = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_variant_builder_add(b, "{ss}", key, value);
}

static gboolean on_get_account_details(PeerbookDBusConfigurationManager *object,
                                       GDBusMethodInvocation *invocation,
                                       const char *account_id, gpointer userdata)
{
        struct daemon *d = userdata;
        struct peerbook_account_info info;
        GVariantBuilder b;

        if (!get_info(d, invocation, account_id, &info))
                return TRUE;
        g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
        add_detail(&b, PB_DETAIL_USERNAME, "%s", info.account_id);
        add_detail(&b, PB_DETAIL_DEVICE_ID, "%s", info.device_id);
        add_detail(&b, PB_DETAIL_ALIAS, "%s", info.alias);
        add_detail(&b, PB_DETAIL_HOSTNAME, "%s", info.bootstrap);
        add_detail(&b, PB_DETAIL_DHT_PORT, "%u",
                   (unsigned)(info.dht_port ? info.dht_port : info.dht_port_config));
        add_detail(&b, PB_DETAIL_TYPE, "RING");
        add_detail(&b, PB_DETAIL_ENABLE, "true");
        add_detail(&b, PB_DETAIL_ARCHIVE_HAS_PASSWORD, "%s", info.has_password ? "true" : "false");
        add_detail(&b, PB_DETAIL_DROPPED_VALUES, "%" G_GUINT64_FORMAT,
                   (guint64)info.dropped_values);
        add_detail(&b, PB_DETAIL_DROPPED_REQUESTS, "%" G_GUINT64_FORMAT,
                   (guint64)info.dropped_requests);
        add_detail(&b, PB_DETAIL_PENDING_REQUESTS, "%" G_GUINT64_FORMAT,
                   (guint64)info.pending_requests);
        peerbook_dbus_configuration_manager_complete_get_account_details(
                object, invocation, g_variant_builder_end(&b));
        return TRUE;
}

static gboolean on_set_account_details(PeerbookDBusConfigurationManager *object,
                                       GDBusMethodInvocation *invocation,
                                       const char *account_id, GVariant *details,
                                       gpointer userdata)
{
        struct daemon *d = userdata;
        struct account_details in;

        if (!daemon_check_account(d, invocation, account_id) ||
            !parse_details(details, &in, invocation))
                return TRUE;
        int r = peerbook_account_update(d->ctx, account_id, in.alias, in.hostname, in.dht_port);
        if (return_bad_hostname(invocation, r, in.hostname))
                return TRUE;
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot update account '%s'", account_id);
                return TRUE;
        }
        peerbook_dbus_configuration_manager_complete_set_account_details(object, invocation);
        return TRUE;
}

static gboolean on_get_volatile_account_details(PeerbookDBusConfigurationManager *object,
                                                GDBusMethodInvocation *invocation,
                                                const char *account_id, gpointer userdata)
{
        struct daemon *d = userdata;
        struct peerbook_account_info info;
        GVariantBuilder b;
        int code = 0;
        const char *detail = "";

        if (!get_info(d, invocation, account_id, &info))
                return TRUE;
        GVariant *note = g_hash_table_lookup(d->registrations, account_id);
        if (note)
                g_variant_get(note, "(i&s)", &code, &detail);
        g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
        add_detail(&b, PB_DETAIL_REGISTRATION_STATUS, "%s",
                   peerbook_registration_name(info.registration));
        add_detail(&b, PB_DETAIL_REGISTRATION_CODE, "%d", code);
        add_detail(&b, PB_DETAIL_REGISTRATION_DESCRIPTION, "%s", detail);
        add_detail(&b, PB_DETAIL_DHT_BOUND_PORT, "%u", (unsigned)info.dht_port);
        peerbook_dbus_configuration_manager_complete_get_volatile_account_details(
                object, invocation, g_variant_builder_end(&b));
        return TRUE;
}

static gboolean on_export_to_file(PeerbookDBusConfigurationManager *object,
                                  GDBusMethodInvocation *invocation, const char *account_id,
                                  const char *path, const char *password, gpointer userdata)
{
        struct daemon *d = userdata;

        if (!daemon_check_account(d, invocation, account_id))
                return TRUE;
        if (!g_path_is_absolute(path)) {
                daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                                    "invalid path '%s' (expected an absolute path)", path);
                return TRUE;
        }
        int r = peerbook_account_export(d->ctx, account_id, path, *password ? password : NULL);
        if (r == -EKEYREJECTED) {
                daemon_return_error(invocation, DAEMON_ERROR_WRONG_PASSWORD,
                                    "cannot export account '%s': wrong password", account_id);
                return TRUE;
        }
        if (r == -ENOENT) { /* the account exists: the folder does not */
                daemon_return_error(invocation, DAEMON_ERROR_FAILED,
                                    "cannot export account '%s' to '%s': no such directory",
                                    account_id, path);
                return TRUE;
        }
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot export account '%s' to '%s'",
                                    account_id, path);
                return TRUE;
        }
        peerbook_dbus_configuration_manager_complete_export_to_file(object, invocation, TRUE);
        return TRUE;
}

void configuration_manager_on_registration(struct daemon *d, const struct peerbook_event *event)
{
        const char *detail = event->registration.detail ? event->registration.detail : "";

        g_hash_table_replace(d->registrations, g_strdup(event->account_id),
                             g_variant_ref_sink(g_variant_new("(is)", event->registration.code,
                                                              detail)));
        peerbook_dbus_configuration_manager_emit_registration_state_changed(
                d->config, event->account_id,
                peerbook_registration_name(event->registration.state),
                event->registration.code, detail);
}

PeerbookDBusConfigurationManager *configuration_manager_new(struct daemon *d)
{
        PeerbookDBusConfigurationManager *object = peerbook_dbus_configuration_manager_skeleton_new();

        g_signal_connect(object, "handle-add-account", G_CALLBACK(on_add_account), d);
        g_signal_connect(object, "handle-remove-account", G_CALLBACK(on_remove_account), d);
        g_signal_connect(object, "handle-get-account-list", G_CALLBACK(on_get_account_list), d);
        g_signal_connect(object, "handle-get-account-details",
                         G_CALLBACK(on_get_account_details), d);
        g_signal_connect(object, "handle-set-account-details",
                         G_CALLBACK(on_set_account_details), d);
        g_signal_connect(object, "handle-get-volatile-account-details",
                         G_CALLBACK(on_get_volatile_account_details), d);
        g_signal_connect(object, "handle-export-to-file", G_CALLBACK(on_export_to_file), d);
        contacts_connect(object, d);
        return object;
}
