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

/* One bootstrap entry: "host", "host:port" or "[v6]:port", port 1..65535,
 * as the library's node reads them. */
static bool valid_bootstrap_entry(const char *entry)
{
        const char *host_end, *port = NULL;

        if (!*entry || strpbrk(entry, " \t\r\n"))
                return false;
        if (entry[0] == '[') {
                host_end = strchr(entry, ']');
                if (!host_end || host_end == entry + 1)
                        return false;
                if (host_end[1] == ':')
                        port = host_end + 2;
                else if (host_end[1])
                        return false;
        } else {
                const char *colon = strchr(entry, ':');
                if (colon == entry || (colon && strchr(colon + 1, ':')))
                        return false;
                port = colon ? colon + 1 : NULL;
        }
        return !port || parse_port(port) > 0;
}

/* The first malformed entry of a "host:port;host:port" list, or NULL. */
static char *bad_bootstrap_entry(const char *list)
{
        g_auto(GStrv) entries = g_strsplit(list, ";", -1);
        for (char **e = entries; *e; e++)
                if (**e && !valid_bootstrap_entry(*e))
                        return g_strdup(*e);
        return NULL;
}

static bool parse_details(GVariant *details, struct account_details *ret,
                          GDBusMethodInvocation *invocation)
{
        const char *port = NULL;

        *ret = (struct account_details){ .dht_port = -1 };
        g_variant_lookup(details, "Account.alias", "&s", &ret->alias);
        g_variant_lookup(details, "Account.archivePassword", "&s", &ret->password);
        g_variant_lookup(details, "Account.hostname", "&s", &ret->hostname);
        g_variant_lookup(details, "Account.archivePath", "&s", &ret->archive_path);
        if (g_variant_lookup(details, "Account.dhtPort", "&s", &port)) {
                ret->dht_port = parse_port(port);
                if (ret->dht_port < 0) {
                        daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                                            "invalid Account.dhtPort '%s' (expected 0..65535)",
                                            port);
                        return false;
                }
        }
        if (ret->hostname) {
                g_autofree char *bad = bad_bootstrap_entry(ret->hostname);
                if (bad) {
                        daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                                            "invalid Account.hostname entry '%s' "
                                            "(expected host:port, separated by ';')",
                                            bad);
                        return false;
                }
        }
        /* The library refuses these with a bare -EINVAL: name the field here. */
        const size_t alias_max = sizeof(((struct peerbook_account_info *)0)->alias) - 1;
        const size_t bootstrap_max = sizeof(((struct peerbook_account_info *)0)->bootstrap) - 1;
        if (ret->alias && strlen(ret->alias) > alias_max) {
                daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                                    "invalid Account.alias: alias too long (max %zu bytes)",
                                    alias_max);
                return false;
        }
        if (ret->hostname && strlen(ret->hostname) > bootstrap_max) {
                daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                                    "invalid Account.hostname: too long (max %zu bytes)",
                                    bootstrap_max);
                return false;
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
                if (r < 0) {
                        daemon_return_errno(invocation, r, "cannot import archive '%s'",
                                            in.archive_path);
                        return TRUE;
                }
        } else {
                r = peerbook_account_create(d->ctx, &params, id);
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
        add_detail(&b, "Account.username", "%s", info.account_id);
        add_detail(&b, "Account.deviceID", "%s", info.device_id);
        add_detail(&b, "Account.alias", "%s", info.alias);
        add_detail(&b, "Account.hostname", "%s", info.bootstrap);
        add_detail(&b, "Account.dhtPort", "%u",
                   (unsigned)(info.dht_port ? info.dht_port : info.dht_port_config));
        add_detail(&b, "Account.type", "RING");
        add_detail(&b, "Account.enable", "true");
        add_detail(&b, "Account.archiveHasPassword", "%s", info.has_password ? "true" : "false");
        add_detail(&b, "Account.droppedValues", "%" G_GUINT64_FORMAT,
                   (guint64)info.dropped_values);
        add_detail(&b, "Account.droppedRequests", "%" G_GUINT64_FORMAT,
                   (guint64)info.dropped_requests);
        add_detail(&b, "Account.pendingRequests", "%" G_GUINT64_FORMAT,
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
        add_detail(&b, "Account.registrationStatus", "%s",
                   peerbook_registration_name(info.registration));
        add_detail(&b, "Account.registrationCode", "%d", code);
        add_detail(&b, "Account.registrationDescription", "%s", detail);
        add_detail(&b, "Account.dhtBoundPort", "%u", (unsigned)info.dht_port);
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
        if (r == -ENOENT) { /* the account exists: the folder does not, or refuses files */
                g_autofree char *dir = g_path_get_dirname(path);
                daemon_return_error(invocation, DAEMON_ERROR_FAILED,
                                    g_file_test(dir, G_FILE_TEST_IS_DIR)
                                            ? "cannot export account '%s' to '%s': "
                                              "cannot create a file in that directory"
                                            : "cannot export account '%s' to '%s': "
                                              "no such directory",
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
