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
        bool has_channel_port;
        int32_t channel_port; /* -1: no listener */
        int enable;           /* -1 absent, 0 false, 1 true */
        const char *device_name;
        uint32_t lan_given; /* the PEERBOOK_LAN_* flags whose key is present */
        uint32_t lan;       /* their values */
};

/* Jami's LAN discovery keys and the library's flags. */
static const struct {
        const char *key;
        uint32_t flag;
} lan_keys[] = {
        { PB_DETAIL_PEER_DISCOVERY, PEERBOOK_LAN_DHT },
        { PB_DETAIL_ACCOUNT_DISCOVERY, PEERBOOK_LAN_NEARBY },
        { PB_DETAIL_ACCOUNT_PUBLISH, PEERBOOK_LAN_PUBLISH },
};

/* Reads the "true"/"false" key into *ret (-1 when absent, 0, 1); anything
 * else replies InvalidArgument naming the key and returns false. */
static bool parse_bool(GVariant *details, const char *key, int *ret,
                       GDBusMethodInvocation *invocation) {
        const char *value = NULL;

        *ret = -1;
        if (!g_variant_lookup(details, key, "&s", &value))
                return true;
        if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0) {
                *ret = value[0] == 't';
                return true;
        }
        daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                            "invalid %s '%s' (expected 'true' or 'false')", key, value);
        return false;
}

/* A decimal port 0..65535, nothing else (no sign, no spaces, no hex). */
static int parse_port(const char *s) {
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
                                const char *hostname) {
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

/* The library refuses a bad name with a bare -EINVAL: say what is wrong.
 * D-Bus strings are UTF-8 already. */
static bool device_name_ok(const char *name, GDBusMethodInvocation *invocation) {
        const char *why = NULL;

        if (!*name)
                why = "empty";
        else if (strlen(name) > PEERBOOK_DEVICE_NAME_MAX)
                why = "longer than " G_STRINGIFY(PEERBOOK_DEVICE_NAME_MAX) " bytes";
        else
                for (const char *c = name; *c && !why; c++)
                        if ((unsigned char)*c < 0x20 || *c == 0x7f)
                                why = "control characters are not allowed";
        if (!why)
                return true;
        daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                            "invalid " PB_DETAIL_DEVICE_NAME ": %s", why);
        return false;
}

static bool parse_details(GVariant *details, struct account_details *ret,
                          GDBusMethodInvocation *invocation) {
        const char *port = NULL;

        *ret = (struct account_details){ .dht_port = -1, .enable = -1 };
        g_variant_lookup(details, PB_DETAIL_ALIAS, "&s", &ret->alias);
        g_variant_lookup(details, PB_DETAIL_ARCHIVE_PASSWORD, "&s", &ret->password);
        g_variant_lookup(details, PB_DETAIL_HOSTNAME, "&s", &ret->hostname);
        g_variant_lookup(details, PB_DETAIL_ARCHIVE_PATH, "&s", &ret->archive_path);
        g_variant_lookup(details, PB_DETAIL_DEVICE_NAME, "&s", &ret->device_name);
        if (!parse_bool(details, PB_DETAIL_ENABLE, &ret->enable, invocation))
                return false;
        for (size_t i = 0; i < G_N_ELEMENTS(lan_keys); i++) {
                int on;
                if (!parse_bool(details, lan_keys[i].key, &on, invocation))
                        return false;
                if (on >= 0)
                        ret->lan_given |= lan_keys[i].flag;
                if (on > 0)
                        ret->lan |= lan_keys[i].flag;
        }
        if (ret->device_name && !device_name_ok(ret->device_name, invocation))
                return false;
        if (g_variant_lookup(details, PB_DETAIL_CHANNEL_PORT, "&s", &port)) {
                bool none = strcmp(port, "-1") == 0;
                ret->has_channel_port = true;
                ret->channel_port = none ? -1 : parse_port(port);
                if (!none && ret->channel_port < 0) {
                        daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                                            "invalid " PB_DETAIL_CHANNEL_PORT " '%s' (expected "
                                            "0..65535, or -1 for no listener)",
                                            port);
                        return false;
                }
        }
        if (g_variant_lookup(details, PB_DETAIL_DHT_PORT, "&s", &port)) {
                ret->dht_port = parse_port(port);
                if (ret->dht_port < 0) {
                        daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                                            "invalid Account.dhtPort '%s' (expected 0..65535)",
                                            port);
                        return false;
                }
        }
        /* The library refuses it with a bare -EINVAL: name the field here. */
        if (ret->alias && strlen(ret->alias) >= PEERBOOK_ALIAS_MAX) {
                daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                                    "invalid Account.alias: alias too long (max %d bytes)",
                                    PEERBOOK_ALIAS_MAX - 1);
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

/* The account's PEERBOOK_LAN_* flags: `current` changed by the keys given. */
static uint32_t lan_flags(const struct account_details *in, uint32_t current) {
        return (current & ~in->lan_given) | in->lan;
}

static void emit_volatile_details(struct daemon *d, const char *account_id);

/* An addAccount whose keys are being made on the library's worker thread. */
struct add_call {
        PeerbookDBusConfigurationManager *object;
        GDBusMethodInvocation *invocation;
        char *archive_path; /* NULL: a new account */
};

static void reply_add_error(GDBusMethodInvocation *invocation, const char *archive_path, int r) {
        if (archive_path)
                daemon_return_errno_for(invocation, r, &DAEMON_NOENT_FILE,
                                        "cannot import archive '%s'", archive_path);
        else
                daemon_return_errno(invocation, r, "cannot create account");
}

static void add_call_free(struct add_call *call) {
        g_object_unref(call->object);
        g_free(call->archive_path);
        g_free(call);
}

/* From peerbook_ctx_process(), once the keys are made and the account loaded. */
static void on_account_added(peerbook_ctx *ctx, int result, const char *account_id,
                             void *userdata) {
        struct add_call *call = userdata;

        if (result < 0) {
                reply_add_error(call->invocation, call->archive_path, result);
        } else {
                peerbook_dbus_configuration_manager_complete_add_account(
                        call->object, call->invocation, account_id);
                peerbook_dbus_configuration_manager_emit_accounts_changed(call->object);
        }
        add_call_free(call);
}

/* Key generation takes seconds: the reply waits for it while the loop goes
 * on serving other callers and events. */
static gboolean on_add_account(PeerbookDBusConfigurationManager *object,
                               GDBusMethodInvocation *invocation, GVariant *details,
                               gpointer userdata) {
        struct daemon *d = userdata;
        struct account_details in;
        int r;

        if (!parse_details(details, &in, invocation))
                return TRUE;
        struct peerbook_account_params params = {
                .size = sizeof(params),
                .alias = in.alias,
                .password = in.password,
                .bootstrap = in.hostname,
                .dht_port = in.dht_port < 0 ? 0 : (uint16_t)in.dht_port,
                .channel_port = in.channel_port,
                /* Not Jami's (all off): find the LAN's nodes and hear who is
                 * nearby, but tell no one who we are unless asked. */
                .lan = lan_flags(&in, PEERBOOK_LAN_DEFAULT),
        };
        struct add_call *call = g_new0(struct add_call, 1);
        call->object = g_object_ref(object);
        call->invocation = invocation;
        call->archive_path = g_strdup(in.archive_path);
        if (in.archive_path)
                r = peerbook_account_import_async(d->ctx, in.archive_path, &params,
                                                  on_account_added, call);
        else
                r = peerbook_account_create_async(d->ctx, &params, on_account_added, call);
        if (r < 0) {
                if (!return_bad_hostname(invocation, r, in.hostname))
                        reply_add_error(invocation, in.archive_path, r);
                add_call_free(call);
        }
        return TRUE;
}

static gboolean on_remove_account(PeerbookDBusConfigurationManager *object,
                                  GDBusMethodInvocation *invocation, const char *account_id,
                                  gpointer userdata) {
        struct daemon *d = userdata;

        if (!daemon_check_account(d, invocation, account_id))
                return TRUE;
        int r = peerbook_account_remove(d->ctx, account_id);
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot remove account '%s'", account_id);
                return TRUE;
        }
        peerbook_dbus_configuration_manager_complete_remove_account(object, invocation);
        peerbook_dbus_configuration_manager_emit_accounts_changed(object);
        return TRUE;
}

static gboolean on_connectivity_changed(PeerbookDBusConfigurationManager *object,
                                        GDBusMethodInvocation *invocation, gpointer userdata) {
        struct daemon *d = userdata;
        peerbook_ctx_connectivity_changed(d->ctx);
        peerbook_dbus_configuration_manager_complete_connectivity_changed(object, invocation);
        return TRUE;
}

static gboolean on_get_account_list(PeerbookDBusConfigurationManager *object,
                                    GDBusMethodInvocation *invocation, gpointer userdata) {
        struct daemon *d = userdata;
        char **ids = NULL;

        int r = peerbook_account_list(d->ctx, &ids);
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot list accounts");
                return TRUE;
        }
        peerbook_dbus_configuration_manager_complete_get_account_list(object, invocation,
                                                                      (const char *const *)ids);
        peerbook_list_free(ids);
        return TRUE;
}

/* The account's info record (free it with peerbook_free()), or NULL after
 * replying with the error. */
static struct peerbook_account_info *get_info(struct daemon *d, GDBusMethodInvocation *invocation,
                                              const char *account_id) {
        struct peerbook_account_info *info = NULL;

        if (!daemon_check_account(d, invocation, account_id))
                return NULL;
        int r = peerbook_account_get_info(d->ctx, account_id, &info);
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot read account '%s'", account_id);
                return NULL;
        }
        return info;
}

static void add_detail(GVariantBuilder *b, const char *key, const char *fmt, ...)
        G_GNUC_PRINTF(3, 4);
static void add_detail(GVariantBuilder *b, const char *key, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        g_autofree char *value = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_variant_builder_add(b, "{ss}", key, value);
}

/* The account's devices as getKnownRingDevices gives them (long ID → name),
 * and this device's long ID into *ret_self when asked (g_free() it). NULL
 * with the error: libpeerbook's negative errno in *ret_error. */
static GVariant *known_devices(struct daemon *d, const char *account_id, char **ret_self,
                               int *ret_error) {
        struct peerbook_device **devices = NULL;
        GVariantBuilder b;

        int r = peerbook_device_list(d->ctx, account_id, &devices);
        if (r < 0) {
                *ret_error = r;
                return NULL;
        }
        g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
        for (int i = 0; i < r; i++) {
                /* Unnamed: the start of its long ID, as Jami labels it. */
                g_autofree char *label = g_strndup(devices[i]->long_id, 8);
                g_variant_builder_add(&b, "{ss}", devices[i]->long_id,
                                      devices[i]->name[0] ? devices[i]->name : label);
                if (ret_self && devices[i]->this_device)
                        *ret_self = g_strdup(devices[i]->long_id);
        }
        peerbook_list_free(devices);
        return g_variant_builder_end(&b);
}

/* This device's long ID, "" when the account's devices cannot be listed (it
 * failed to load). g_free() it. */
static char *this_device_long_id(struct daemon *d, const char *account_id) {
        char *self = NULL;
        int error;

        GVariant *devices = known_devices(d, account_id, &self, &error);
        if (devices)
                g_variant_unref(g_variant_ref_sink(devices));
        return self ? self : g_strdup("");
}

static gboolean on_get_account_details(PeerbookDBusConfigurationManager *object,
                                       GDBusMethodInvocation *invocation, const char *account_id,
                                       gpointer userdata) {
        struct daemon *d = userdata;
        GVariantBuilder b;

        g_autoptr(PeerbookAccountInfo) info = get_info(d, invocation, account_id);
        if (!info)
                return TRUE;
        g_autofree char *long_id = this_device_long_id(d, account_id);
        g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
        add_detail(&b, PB_DETAIL_USERNAME, "%s", info->account_id);
        add_detail(&b, PB_DETAIL_DEVICE_ID, "%s", info->device_id);
        add_detail(&b, PB_DETAIL_ALIAS, "%s", info->alias);
        add_detail(&b, PB_DETAIL_HOSTNAME, "%s", info->bootstrap);
        add_detail(&b, PB_DETAIL_DHT_PORT, "%u",
                   (unsigned)(info->dht_port ? info->dht_port : info->dht_port_config));
        add_detail(&b, PB_DETAIL_TYPE, "RING");
        add_detail(&b, PB_DETAIL_ENABLE, "%s", info->enabled ? "true" : "false");
        add_detail(&b, PB_DETAIL_DEVICE_NAME, "%s", info->device_name ? info->device_name : "");
        add_detail(&b, PB_DETAIL_DEVICE_LONG_ID, "%s", long_id);
        add_detail(&b, PB_DETAIL_ARCHIVE_HAS_PASSWORD, "%s", info->has_password ? "true" : "false");
        add_detail(&b, PB_DETAIL_DROPPED_VALUES, "%" G_GUINT64_FORMAT,
                   (guint64)info->dropped_values);
        add_detail(&b, PB_DETAIL_DROPPED_REQUESTS, "%" G_GUINT64_FORMAT,
                   (guint64)info->dropped_requests);
        add_detail(&b, PB_DETAIL_PENDING_REQUESTS, "%" G_GUINT64_FORMAT,
                   (guint64)info->pending_requests);
        /* As Account.dhtPort: the bound port while listening, so that 0
         * shows the port it chose; -1 when there is no listener. */
        add_detail(&b, PB_DETAIL_CHANNEL_PORT, "%d",
                   info->channel_port ? (int)info->channel_port : (int)info->channel_port_config);
        add_detail(&b, PB_DETAIL_CHANNELS, "%" G_GUINT64_FORMAT, (guint64)info->channels);
        add_detail(&b, PB_DETAIL_CHANNELS_REFUSED, "%" G_GUINT64_FORMAT,
                   (guint64)info->channels_refused);
        add_detail(&b, PB_DETAIL_CHANNELS_DROPPED, "%" G_GUINT64_FORMAT,
                   (guint64)info->channels_dropped);
        add_detail(&b, PB_DETAIL_DROPPED_SYNCS, "%" G_GUINT64_FORMAT, (guint64)info->dropped_syncs);
        add_detail(&b, PB_DETAIL_PRESENCE_NOTE, "%s", info->note ? info->note : "");
        for (size_t i = 0; i < G_N_ELEMENTS(lan_keys); i++)
                add_detail(&b, lan_keys[i].key, "%s",
                           info->lan & lan_keys[i].flag ? "true" : "false");
        add_detail(&b, PB_DETAIL_NEARBY, "%" G_GUINT64_FORMAT, (guint64)info->nearby);
        add_detail(&b, PB_DETAIL_DROPPED_LAN, "%" G_GUINT64_FORMAT, (guint64)info->dropped_lan);
        peerbook_dbus_configuration_manager_complete_get_account_details(object, invocation,
                                                                         g_variant_builder_end(&b));
        return TRUE;
}

static gboolean on_set_account_details(PeerbookDBusConfigurationManager *object,
                                       GDBusMethodInvocation *invocation, const char *account_id,
                                       GVariant *details, gpointer userdata) {
        struct daemon *d = userdata;
        struct account_details in;

        if (!daemon_check_account(d, invocation, account_id) ||
            !parse_details(details, &in, invocation))
                return TRUE;
        /* The library takes the three LAN settings at once: a key absent
         * keeps its flag. */
        uint32_t lan = 0;
        if (in.lan_given) {
                g_autoptr(PeerbookAccountInfo) info = get_info(d, invocation, account_id);
                if (!info)
                        return TRUE;
                lan = lan_flags(&in, info->lan);
        }
        /* Only the keys present in the map change. */
        struct peerbook_account_params params = {
                .size = sizeof(params),
                .fields = (in.alias ? PEERBOOK_PARAM_ALIAS : 0) |
                          (in.hostname ? PEERBOOK_PARAM_BOOTSTRAP : 0) |
                          (in.dht_port >= 0 ? PEERBOOK_PARAM_DHT_PORT : 0) |
                          (in.has_channel_port ? PEERBOOK_PARAM_CHANNEL_PORT : 0) |
                          (in.enable >= 0 ? PEERBOOK_PARAM_ENABLED : 0) |
                          (in.device_name ? PEERBOOK_PARAM_DEVICE_NAME : 0) |
                          (in.lan_given ? PEERBOOK_PARAM_LAN : 0),
                .alias = in.alias,
                .bootstrap = in.hostname,
                .dht_port = in.dht_port < 0 ? 0 : (uint16_t)in.dht_port,
                .channel_port = in.channel_port,
                .enabled = in.enable == 1,
                .device_name = in.device_name,
                .lan = lan,
        };
        int r = peerbook_account_update(d->ctx, account_id, &params);
        if (return_bad_hostname(invocation, r, in.hostname))
                return TRUE;
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot update account '%s'", account_id);
                return TRUE;
        }
        peerbook_dbus_configuration_manager_complete_set_account_details(object, invocation);
        /* Jami's: the map as the client passed it, not the whole configuration. */
        peerbook_dbus_configuration_manager_emit_account_details_changed(object, account_id,
                                                                         details);
        if (in.enable >= 0)
                emit_volatile_details(d, account_id);
        return TRUE;
}

/* Jami's sendRegister (Account.enable, saved) and setAccountActive (this run
 * only): both stop the account, with a goodbye, or start it. */
static void change_state(struct daemon *d, GDBusMethodInvocation *invocation,
                         const char *account_id, bool saved, gboolean on) {
        struct peerbook_account_params params = {
                .size = sizeof(params),
                .fields = PEERBOOK_PARAM_ENABLED,
                .enabled = on,
        };

        if (!daemon_check_account(d, invocation, account_id))
                return;
        int r = saved ? peerbook_account_update(d->ctx, account_id, &params)
                      : peerbook_account_set_active(d->ctx, account_id, on);
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot %s account '%s'",
                                    saved ? (on ? "enable" : "disable")
                                          : (on ? "activate" : "deactivate"),
                                    account_id);
                return;
        }
        g_dbus_method_invocation_return_value(invocation, NULL);
        emit_volatile_details(d, account_id);
}

static gboolean on_send_register(PeerbookDBusConfigurationManager *object,
                                 GDBusMethodInvocation *invocation, const char *account_id,
                                 gboolean enable, gpointer userdata) {
        change_state(userdata, invocation, account_id, true, enable);
        return TRUE;
}

static gboolean on_set_account_active(PeerbookDBusConfigurationManager *object,
                                      GDBusMethodInvocation *invocation, const char *account_id,
                                      gboolean active, gpointer userdata) {
        change_state(userdata, invocation, account_id, false, active);
        return TRUE;
}

static gboolean on_get_known_ring_devices(PeerbookDBusConfigurationManager *object,
                                          GDBusMethodInvocation *invocation, const char *account_id,
                                          gpointer userdata) {
        struct daemon *d = userdata;
        int r;

        if (!daemon_check_account(d, invocation, account_id))
                return TRUE;
        GVariant *devices = known_devices(d, account_id, NULL, &r);
        if (!devices) {
                daemon_return_errno(invocation, r, "cannot list the devices of account '%s'",
                                    account_id);
                return TRUE;
        }
        peerbook_dbus_configuration_manager_complete_get_known_ring_devices(object, invocation,
                                                                            devices);
        return TRUE;
}

/* Jami's getNearbyPeers: {account ID: the name it announced}. Hints anyone
 * on the LAN can forge; presence stays the DHT's and the channels'. */
static gboolean on_get_nearby_peers(PeerbookDBusConfigurationManager *object,
                                    GDBusMethodInvocation *invocation, const char *account_id,
                                    gpointer userdata) {
        struct daemon *d = userdata;
        struct peerbook_nearby_peer **peers = NULL;
        GVariantBuilder b;

        if (!daemon_check_account(d, invocation, account_id))
                return TRUE;
        int r = peerbook_nearby_list(d->ctx, account_id, &peers);
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot list the nearby peers of account '%s'",
                                    account_id);
                return TRUE;
        }
        g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
        for (int i = 0; i < r; i++)
                g_variant_builder_add(&b, "{ss}", peers[i]->uri, peers[i]->display_name);
        peerbook_list_free(peers);
        peerbook_dbus_configuration_manager_complete_get_nearby_peers(object, invocation,
                                                                      g_variant_builder_end(&b));
        return TRUE;
}

static GVariant *volatile_details(const struct peerbook_account_info *info) {
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
        add_detail(&b, PB_DETAIL_REGISTRATION_STATUS, "%s",
                   peerbook_registration_name(info->registration));
        add_detail(&b, PB_DETAIL_REGISTRATION_CODE, "%d", info->registration_code);
        add_detail(&b, PB_DETAIL_REGISTRATION_DESCRIPTION, "%s", info->registration_detail);
        add_detail(&b, PB_DETAIL_DHT_BOUND_PORT, "%u", (unsigned)info->dht_port);
        add_detail(&b, PB_DETAIL_CHANNEL_BOUND_PORT, "%u", (unsigned)info->channel_port);
        add_detail(&b, PB_DETAIL_ACTIVE, "%s", info->active ? "true" : "false");
        return g_variant_builder_end(&b);
}

static gboolean on_get_volatile_account_details(PeerbookDBusConfigurationManager *object,
                                                GDBusMethodInvocation *invocation,
                                                const char *account_id, gpointer userdata) {
        struct daemon *d = userdata;

        g_autoptr(PeerbookAccountInfo) info = get_info(d, invocation, account_id);
        if (!info)
                return TRUE;
        peerbook_dbus_configuration_manager_complete_get_volatile_account_details(
                object, invocation, volatile_details(info));
        return TRUE;
}

/* volatileAccountDetailsChanged with the whole volatile map; nothing for an
 * account gone meanwhile. */
static void emit_volatile_details(struct daemon *d, const char *account_id) {
        struct peerbook_account_info *info = NULL;

        if (peerbook_account_get_info(d->ctx, account_id, &info) < 0)
                return;
        peerbook_dbus_configuration_manager_emit_volatile_account_details_changed(
                d->config, account_id, volatile_details(info));
        peerbook_free(info);
}

static gboolean on_export_to_file(PeerbookDBusConfigurationManager *object,
                                  GDBusMethodInvocation *invocation, const char *account_id,
                                  const char *path, const char *password, gpointer userdata) {
        struct daemon *d = userdata;

        if (!daemon_check_account(d, invocation, account_id))
                return TRUE;
        if (!g_path_is_absolute(path)) {
                daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                                    "invalid path '%s' (expected an absolute path)", path);
                return TRUE;
        }
        int r = peerbook_account_export(d->ctx, account_id, path, *password ? password : NULL);
        if (r == -ENOENT) { /* the account exists: the folder does not, or refuses files */
                g_autofree char *dir = g_path_get_dirname(path);
                if (g_file_test(dir, G_FILE_TEST_IS_DIR)) {
                        daemon_return_error(invocation, DAEMON_ERROR_FAILED,
                                            "cannot export account '%s' to '%s': "
                                            "cannot create a file in that directory",
                                            account_id, path);
                        return TRUE;
                }
        }
        if (r < 0) {
                daemon_return_errno_for(invocation, r, &DAEMON_NOENT_DIRECTORY,
                                        "cannot export account '%s' to '%s'", account_id, path);
                return TRUE;
        }
        peerbook_dbus_configuration_manager_complete_export_to_file(object, invocation, TRUE);
        return TRUE;
}

static gboolean on_change_account_password(PeerbookDBusConfigurationManager *object,
                                           GDBusMethodInvocation *invocation,
                                           const char *account_id, const char *old_password,
                                           const char *new_password, gpointer userdata) {
        struct daemon *d = userdata;

        if (!daemon_check_account(d, invocation, account_id))
                return TRUE;
        int r = peerbook_account_set_password(d->ctx, account_id, old_password, new_password);
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot change the password of account '%s'",
                                    account_id);
                return TRUE;
        }
        peerbook_dbus_configuration_manager_complete_change_account_password(object, invocation,
                                                                             TRUE);
        return TRUE;
}

/* As Jami: the outcome comes by deviceRevocationEnded. A wrong password or
 * an unknown device is said there too (with false here); this device, a
 * revocation under way or an account that does not run are D-Bus errors. */
static gboolean on_revoke_device(PeerbookDBusConfigurationManager *object,
                                 GDBusMethodInvocation *invocation, const char *account_id,
                                 const char *password, const char *device, gpointer userdata) {
        struct daemon *d = userdata;

        if (!daemon_check_account(d, invocation, account_id))
                return TRUE;
        int r = peerbook_device_revoke(d->ctx, account_id, password, device);
        if (r == -EKEYREJECTED || r == -ENOENT) {
                peerbook_dbus_configuration_manager_complete_revoke_device(object, invocation,
                                                                           FALSE);
                peerbook_dbus_configuration_manager_emit_device_revocation_ended(
                        d->config, account_id, device,
                        r == -EKEYREJECTED ? PEERBOOK_REVOCATION_WRONG_PASSWORD
                                           : PEERBOOK_REVOCATION_UNKNOWN_DEVICE);
                return TRUE;
        }
        if (r == -EPERM) {
                daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                                    "cannot revoke device '%s': it is this device (revoke it "
                                    "from another device of the account)",
                                    device);
                return TRUE;
        }
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot revoke device '%s' of account '%s'",
                                    device, account_id);
                return TRUE;
        }
        peerbook_dbus_configuration_manager_complete_revoke_device(object, invocation, TRUE);
        return TRUE;
}

void configuration_manager_on_device_revoked(struct daemon *d, const struct peerbook_event *event) {
        peerbook_dbus_configuration_manager_emit_device_revocation_ended(
                d->config, event->account_id, event->revocation.device_id,
                event->revocation.status);
}

void configuration_manager_on_registration(struct daemon *d, const struct peerbook_event *event) {
        const char *detail = event->registration.detail ? event->registration.detail : "";

        peerbook_dbus_configuration_manager_emit_registration_state_changed(
                d->config, event->account_id, peerbook_registration_name(event->registration.state),
                event->registration.code, detail);
        emit_volatile_details(d, event->account_id); /* as Jami, on every registration change */
}

void configuration_manager_on_devices_changed(struct daemon *d,
                                              const struct peerbook_event *event) {
        int error;
        GVariant *devices = known_devices(d, event->account_id, NULL, &error);

        if (devices)
                peerbook_dbus_configuration_manager_emit_known_devices_changed(
                        d->config, event->account_id, devices);
}

PeerbookDBusConfigurationManager *configuration_manager_new(struct daemon *d) {
        PeerbookDBusConfigurationManager *object =
                peerbook_dbus_configuration_manager_skeleton_new();

        g_signal_connect(object, "handle-add-account", G_CALLBACK(on_add_account), d);
        g_signal_connect(object, "handle-remove-account", G_CALLBACK(on_remove_account), d);
        g_signal_connect(object, "handle-get-account-list", G_CALLBACK(on_get_account_list), d);
        g_signal_connect(object, "handle-connectivity-changed", G_CALLBACK(on_connectivity_changed),
                         d);
        g_signal_connect(object, "handle-get-account-details", G_CALLBACK(on_get_account_details),
                         d);
        g_signal_connect(object, "handle-set-account-details", G_CALLBACK(on_set_account_details),
                         d);
        g_signal_connect(object, "handle-get-volatile-account-details",
                         G_CALLBACK(on_get_volatile_account_details), d);
        g_signal_connect(object, "handle-export-to-file", G_CALLBACK(on_export_to_file), d);
        g_signal_connect(object, "handle-send-register", G_CALLBACK(on_send_register), d);
        g_signal_connect(object, "handle-set-account-active", G_CALLBACK(on_set_account_active), d);
        g_signal_connect(object, "handle-get-known-ring-devices",
                         G_CALLBACK(on_get_known_ring_devices), d);
        g_signal_connect(object, "handle-change-account-password",
                         G_CALLBACK(on_change_account_password), d);
        g_signal_connect(object, "handle-revoke-device", G_CALLBACK(on_revoke_device), d);
        g_signal_connect(object, "handle-get-nearby-peers", G_CALLBACK(on_get_nearby_peers), d);
        contacts_connect(object, d);
        return object;
}
