/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * presence_manager.c — cx.ring.Ring.PresenceManager: buddies' presence.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

static gboolean on_publish(PeerbookDBusPresenceManager *object, GDBusMethodInvocation *invocation,
                           const char *account_id, gboolean status, const char *note,
                           gpointer userdata) {
        struct daemon *d = userdata;

        /* status is ignored, as Jami does: a running account is present. */
        if (!daemon_check_account(d, invocation, account_id))
                return TRUE;
        /* D-Bus strings are UTF-8 already; the library checks it again and
         * the length, with a bare -EINVAL: name the problem here. */
        int r = strlen(note) > PEERBOOK_NOTE_MAX
                        ? -EINVAL
                        : peerbook_presence_publish(d->ctx, account_id, note);
        if (r == -EINVAL) {
                daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                                    "cannot publish a note in account '%s': note is not UTF-8 "
                                    "or longer than %d bytes",
                                    account_id, PEERBOOK_NOTE_MAX);
                return TRUE;
        }
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot publish a note in account '%s'",
                                    account_id);
                return TRUE;
        }
        peerbook_dbus_presence_manager_complete_publish(object, invocation);
        return TRUE;
}

static gboolean on_subscribe_buddy(PeerbookDBusPresenceManager *object,
                                   GDBusMethodInvocation *invocation, const char *account_id,
                                   const char *uri, gboolean flag, gpointer userdata) {
        struct daemon *d = userdata;
        char buddy[PEERBOOK_ID_SIZE];

        if (!daemon_check_account(d, invocation, account_id) ||
            !daemon_normalize_uri(invocation, uri, buddy))
                return TRUE;
        int r = flag ? peerbook_buddy_subscribe(d->ctx, account_id, buddy)
                     : peerbook_buddy_unsubscribe(d->ctx, account_id, buddy);
        if (r < 0) {
                daemon_return_errno_for(
                        invocation, r, &DAEMON_NOENT_SUBSCRIPTION, "cannot %s '%s' in account '%s'",
                        flag ? "subscribe to" : "unsubscribe from", buddy, account_id);
                return TRUE;
        }
        peerbook_dbus_presence_manager_complete_subscribe_buddy(object, invocation);
        return TRUE;
}

/* The account's subscriptions (free with peerbook_list_free()), or NULL after
 * replying with the error. */
static struct peerbook_buddy **list_buddies(struct daemon *d, GDBusMethodInvocation *invocation,
                                            const char *account_id) {
        struct peerbook_buddy **buddies = NULL;

        int r = peerbook_buddy_list(d->ctx, account_id, &buddies);
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot list the subscriptions of '%s'",
                                    account_id);
                return NULL;
        }
        return buddies;
}

static gboolean on_get_subscriptions(PeerbookDBusPresenceManager *object,
                                     GDBusMethodInvocation *invocation, const char *account_id,
                                     gpointer userdata) {
        struct daemon *d = userdata;
        GVariantBuilder b;

        if (!daemon_check_account(d, invocation, account_id))
                return TRUE;
        struct peerbook_buddy **buddies = list_buddies(d, invocation, account_id);
        if (!buddies)
                return TRUE;
        g_variant_builder_init(&b, G_VARIANT_TYPE("aa{ss}"));
        for (struct peerbook_buddy **p = buddies; *p; p++) {
                g_autofree char *status = g_strdup_printf("%d", (int)(*p)->status);
                g_variant_builder_open(&b, G_VARIANT_TYPE("a{ss}"));
                g_variant_builder_add(&b, "{ss}", "Buddy", (*p)->uri);
                g_variant_builder_add(&b, "{ss}", "Status", status);
                g_variant_builder_add(&b, "{ss}", "LineStatus", (*p)->line_status);
                g_variant_builder_close(&b);
        }
        peerbook_list_free(buddies);
        peerbook_dbus_presence_manager_complete_get_subscriptions(object, invocation,
                                                                  g_variant_builder_end(&b));
        return TRUE;
}

static gboolean on_set_subscriptions(PeerbookDBusPresenceManager *object,
                                     GDBusMethodInvocation *invocation, const char *account_id,
                                     const char *const *uris, gpointer userdata) {
        struct daemon *d = userdata;
        size_t n_uris = g_strv_length((char **)uris);
        int r;

        if (!daemon_check_account(d, invocation, account_id))
                return TRUE;
        /* Check everything before changing anything. */
        g_autofree char(*wanted)[PEERBOOK_ID_SIZE] = g_malloc0_n(n_uris + 1, PEERBOOK_ID_SIZE);
        for (size_t i = 0; i < n_uris; i++)
                if (!daemon_normalize_uri(invocation, uris[i], wanted[i]))
                        return TRUE;
        struct peerbook_buddy **buddies = list_buddies(d, invocation, account_id);
        if (!buddies)
                return TRUE;

        for (struct peerbook_buddy **p = buddies; *p; p++) {
                bool keep = false;
                for (size_t j = 0; j < n_uris && !keep; j++)
                        keep = strcmp((*p)->uri, wanted[j]) == 0;
                /* a contact tracked without a subscription: unsubscribing is a no-op */
                if (!keep && (r = peerbook_buddy_unsubscribe(d->ctx, account_id, (*p)->uri)) < 0) {
                        daemon_return_errno(invocation, r, "cannot unsubscribe from '%s'",
                                            (*p)->uri);
                        peerbook_list_free(buddies);
                        return TRUE;
                }
        }
        peerbook_list_free(buddies);
        for (size_t j = 0; j < n_uris; j++) {
                r = peerbook_buddy_subscribe(d->ctx, account_id, wanted[j]);
                if (r < 0) {
                        daemon_return_errno(invocation, r, "cannot subscribe to '%s'", wanted[j]);
                        return TRUE;
                }
        }
        peerbook_dbus_presence_manager_complete_set_subscriptions(object, invocation);
        return TRUE;
}

void presence_manager_on_buddy(struct daemon *d, const struct peerbook_event *event) {
        peerbook_dbus_presence_manager_emit_new_buddy_notification(
                d->presence, event->account_id, event->buddy.uri, (gint)event->buddy.status,
                event->buddy.line_status ? event->buddy.line_status : "");
}

/* Jami's nearbyPeerNotification: 0 first heard, 1 unheard for 60 s. */
void presence_manager_on_nearby(struct daemon *d, const struct peerbook_event *event) {
        peerbook_dbus_presence_manager_emit_nearby_peer_notification(
                d->presence, event->account_id, event->nearby.uri, event->nearby.gone ? 1 : 0,
                event->nearby.display_name ? event->nearby.display_name : "");
}

PeerbookDBusPresenceManager *presence_manager_new(struct daemon *d) {
        PeerbookDBusPresenceManager *object = peerbook_dbus_presence_manager_skeleton_new();

        g_signal_connect(object, "handle-publish", G_CALLBACK(on_publish), d);
        g_signal_connect(object, "handle-subscribe-buddy", G_CALLBACK(on_subscribe_buddy), d);
        g_signal_connect(object, "handle-get-subscriptions", G_CALLBACK(on_get_subscriptions), d);
        g_signal_connect(object, "handle-set-subscriptions", G_CALLBACK(on_set_subscriptions), d);
        return object;
}
