/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * presence_manager.c — cx.ring.Ring.PresenceManager: buddies' presence.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

static gboolean on_publish(PeerbookDBusPresenceManager *object,
                           GDBusMethodInvocation *invocation, const char *account_id,
                           gboolean status, const char *note, gpointer userdata)
{
        struct daemon *d = userdata;

        if (!daemon_check_account(d, invocation, account_id))
                return TRUE;
        daemon_return_error(invocation, DAEMON_ERROR_NOT_SUPPORTED,
                            "cannot publish a presence note: not supported yet");
        return TRUE;
}

static gboolean on_subscribe_buddy(PeerbookDBusPresenceManager *object,
                                   GDBusMethodInvocation *invocation, const char *account_id,
                                   const char *uri, gboolean flag, gpointer userdata)
{
        struct daemon *d = userdata;
        char buddy[PEERBOOK_ID_SIZE];

        if (!daemon_check_account(d, invocation, account_id) ||
            !daemon_normalize_uri(invocation, uri, buddy))
                return TRUE;
        int r = peerbook_buddy_subscribe(d->ctx, account_id, buddy, flag);
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot %s '%s' in account '%s'",
                                    flag ? "subscribe to" : "unsubscribe from", buddy,
                                    account_id);
                return TRUE;
        }
        peerbook_dbus_presence_manager_complete_subscribe_buddy(object, invocation);
        return TRUE;
}

/* The account's subscriptions, or NULL after replying with the error. */
static struct peerbook_buddy *list_buddies(struct daemon *d, GDBusMethodInvocation *invocation,
                                           const char *account_id, size_t *ret_count)
{
        struct peerbook_buddy *buddies = NULL;

        int r = peerbook_buddy_list(d->ctx, account_id, &buddies, ret_count);
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot list the subscriptions of '%s'",
                                    account_id);
                return NULL;
        }
        /* a valid empty list may come back as NULL */
        return buddies ? buddies : calloc(1, sizeof(*buddies));
}

static gboolean on_get_subscriptions(PeerbookDBusPresenceManager *object,
                                     GDBusMethodInvocation *invocation, const char *account_id,
                                     gpointer userdata)
{
        struct daemon *d = userdata;
        GVariantBuilder b;
        size_t n = 0;

        if (!daemon_check_account(d, invocation, account_id))
                return TRUE;
        g_autofree struct peerbook_buddy *buddies = list_buddies(d, invocation, account_id, &n);
        if (!buddies)
                return TRUE;
        g_variant_builder_init(&b, G_VARIANT_TYPE("aa{ss}"));
        for (size_t i = 0; i < n; i++) {
                g_autofree char *status = g_strdup_printf("%d", (int)buddies[i].status);
                g_variant_builder_open(&b, G_VARIANT_TYPE("a{ss}"));
                g_variant_builder_add(&b, "{ss}", "Buddy", buddies[i].uri);
                g_variant_builder_add(&b, "{ss}", "Status", status);
                g_variant_builder_add(&b, "{ss}", "LineStatus", buddies[i].line_status);
                g_variant_builder_close(&b);
        }
        peerbook_dbus_presence_manager_complete_get_subscriptions(object, invocation,
                                                                  g_variant_builder_end(&b));
        return TRUE;
}

static gboolean on_set_subscriptions(PeerbookDBusPresenceManager *object,
                                     GDBusMethodInvocation *invocation, const char *account_id,
                                     const char *const *uris, gpointer userdata)
{
        struct daemon *d = userdata;
        size_t n_uris = g_strv_length((char **)uris), n = 0;
        int r;

        if (!daemon_check_account(d, invocation, account_id))
                return TRUE;
        /* Check everything before changing anything. */
        g_autofree char(*wanted)[PEERBOOK_ID_SIZE] = g_malloc0_n(n_uris + 1, PEERBOOK_ID_SIZE);
        for (size_t i = 0; i < n_uris; i++)
                if (!daemon_normalize_uri(invocation, uris[i], wanted[i]))
                        return TRUE;
        g_autofree struct peerbook_buddy *buddies = list_buddies(d, invocation, account_id, &n);
        if (!buddies)
                return TRUE;

        for (size_t i = 0; i < n; i++) {
                bool keep = false;
                for (size_t j = 0; j < n_uris && !keep; j++)
                        keep = strcmp(buddies[i].uri, wanted[j]) == 0;
                if (!keep && (r = peerbook_buddy_subscribe(d->ctx, account_id, buddies[i].uri,
                                                           false)) < 0 && r != -ENOENT) {
                        daemon_return_errno(invocation, r, "cannot unsubscribe from '%s'",
                                            buddies[i].uri);
                        return TRUE;
                }
        }
        for (size_t j = 0; j < n_uris; j++) {
                r = peerbook_buddy_subscribe(d->ctx, account_id, wanted[j], true);
                if (r < 0) {
                        daemon_return_errno(invocation, r, "cannot subscribe to '%s'", wanted[j]);
                        return TRUE;
                }
        }
        peerbook_dbus_presence_manager_complete_set_subscriptions(object, invocation);
        return TRUE;
}

void presence_manager_on_buddy(struct daemon *d, const struct peerbook_event *event)
{
        peerbook_dbus_presence_manager_emit_new_buddy_notification(
                d->presence, event->account_id, event->buddy.uri, (gint)event->buddy.status,
                event->buddy.line_status ? event->buddy.line_status : "");
}

PeerbookDBusPresenceManager *presence_manager_new(struct daemon *d)
{
        PeerbookDBusPresenceManager *object = peerbook_dbus_presence_manager_skeleton_new();

        g_signal_connect(object, "handle-publish", G_CALLBACK(on_publish), d);
        g_signal_connect(object, "handle-subscribe-buddy", G_CALLBACK(on_subscribe_buddy), d);
        g_signal_connect(object, "handle-get-subscriptions", G_CALLBACK(on_get_subscriptions), d);
        g_signal_connect(object, "handle-set-subscriptions", G_CALLBACK(on_set_subscriptions), d);
        return object;
}
