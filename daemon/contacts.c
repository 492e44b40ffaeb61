/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * contacts.c — cx.ring.Ring.ConfigurationManager, continued: trust requests
 * and contacts (sendTrustRequest … getContactDetails, and the signals
 * incomingTrustRequest, contactAdded, contactRemoved).
 *
 * Jami keeps these methods on ConfigurationManager; they live in their own
 * file here because they are their own noun. Records travel as Jami's string
 * maps: numbers in decimal, booleans as "true"/"false". Payloads are bytes
 * (ay) on the way in and in the signal; in getTrustRequests' a{ss} they are
 * the raw text when it is valid UTF-8, as Jami does, and base64 otherwise.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

static GVariant *bytes_variant(const uint8_t *data, size_t len) {
        return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data ? (const void *)data : "", len,
                                         1);
}

static const char *boolean(bool b) {
        return b ? "true" : "false";
}

static void add_uint(GVariantBuilder *b, const char *key, uint64_t value) {
        g_autofree char *s = g_strdup_printf("%" G_GUINT64_FORMAT, (guint64)value);
        g_variant_builder_add(b, "{ss}", key, s);
}

/* ---- trust requests ------------------------------------------------------ */

static gboolean on_send_trust_request(PeerbookDBusConfigurationManager *object,
                                      GDBusMethodInvocation *invocation, const char *account_id,
                                      const char *to, GVariant *payload, gpointer userdata) {
        struct daemon *d = userdata;
        char uri[PEERBOOK_ID_SIZE];
        gsize len = 0;
        const uint8_t *data = g_variant_get_fixed_array(payload, &len, 1);

        if (!daemon_check_account(d, invocation, account_id) ||
            !daemon_normalize_uri(invocation, to, uri))
                return TRUE;
        if (len > PEERBOOK_PAYLOAD_MAX) {
                daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                                    "payload too large (%" G_GSIZE_FORMAT " bytes, at most %d)",
                                    len, PEERBOOK_PAYLOAD_MAX);
                return TRUE;
        }
        int r = peerbook_trust_request_send(d->ctx, account_id, uri, data, len);
        if (r == -EINVAL) { /* the URI is well-formed: -EINVAL says it is the account's own */
                daemon_return_error(
                        invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                        "cannot send a trust request to '%s': it is account '%s' itself", uri,
                        account_id);
                return TRUE;
        }
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot send a trust request to '%s'", uri);
                return TRUE;
        }
        peerbook_dbus_configuration_manager_complete_send_trust_request(object, invocation);
        return TRUE;
}

/* The payload as the a{ss} entry carries it: text, or base64 when it is not
 * valid UTF-8 (or holds a NUL, which a D-Bus string cannot). */
static void add_payload(GVariantBuilder *b, const uint8_t *data, size_t len) {
        if (len == 0 || g_utf8_validate_len((const char *)data, len, NULL)) {
                g_autofree char *text = g_strndup(data ? (const char *)data : "", len);
                g_variant_builder_add(b, "{ss}", "payload", text);
                return;
        }
        g_autofree char *encoded = g_base64_encode(data, len);
        g_variant_builder_add(b, "{ss}", "payload", encoded);
        g_variant_builder_add(b, "{ss}", "payloadEncoding", "base64");
}

static gboolean on_get_trust_requests(PeerbookDBusConfigurationManager *object,
                                      GDBusMethodInvocation *invocation, const char *account_id,
                                      gpointer userdata) {
        struct daemon *d = userdata;
        struct peerbook_trust_request **requests = NULL;
        GVariantBuilder b;

        if (!daemon_check_account(d, invocation, account_id))
                return TRUE;
        int r = peerbook_trust_request_list(d->ctx, account_id, &requests);
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot list the trust requests of '%s'",
                                    account_id);
                return TRUE;
        }
        g_variant_builder_init(&b, G_VARIANT_TYPE("aa{ss}"));
        for (struct peerbook_trust_request **q = requests; *q; q++) {
                g_variant_builder_open(&b, G_VARIANT_TYPE("a{ss}"));
                g_variant_builder_add(&b, "{ss}", "from", (*q)->from);
                add_uint(&b, "received", (*q)->received);
                g_variant_builder_add(&b, "{ss}", "conversationId", (*q)->conversation_id);
                add_payload(&b, (*q)->payload, (*q)->payload_len);
                g_variant_builder_close(&b);
        }
        peerbook_list_free(requests);
        peerbook_dbus_configuration_manager_complete_get_trust_requests(object, invocation,
                                                                        g_variant_builder_end(&b));
        return TRUE;
}

/* accept and discard: false when there is no such request (-ENOENT), as
 * Jami's return value says; other errors are D-Bus errors. */
static gboolean answer_trust_request(PeerbookDBusConfigurationManager *object,
                                     GDBusMethodInvocation *invocation, struct daemon *d,
                                     const char *account_id, const char *from, bool accept) {
        char uri[PEERBOOK_ID_SIZE];

        if (!daemon_check_account(d, invocation, account_id) ||
            !daemon_normalize_uri(invocation, from, uri))
                return TRUE;
        int r = accept ? peerbook_trust_request_accept(d->ctx, account_id, uri)
                       : peerbook_trust_request_discard(d->ctx, account_id, uri);
        if (r < 0 && r != -ENOENT) {
                daemon_return_errno_for(invocation, r, &DAEMON_NOENT_REQUEST,
                                        "cannot %s the trust request from '%s'",
                                        accept ? "accept" : "discard", uri);
                return TRUE;
        }
        if (accept)
                peerbook_dbus_configuration_manager_complete_accept_trust_request(
                        object, invocation, r == 0);
        else
                peerbook_dbus_configuration_manager_complete_discard_trust_request(
                        object, invocation, r == 0);
        return TRUE;
}

static gboolean on_accept_trust_request(PeerbookDBusConfigurationManager *object,
                                        GDBusMethodInvocation *invocation, const char *account_id,
                                        const char *from, gpointer userdata) {
        return answer_trust_request(object, invocation, userdata, account_id, from, true);
}

static gboolean on_discard_trust_request(PeerbookDBusConfigurationManager *object,
                                         GDBusMethodInvocation *invocation, const char *account_id,
                                         const char *from, gpointer userdata) {
        return answer_trust_request(object, invocation, userdata, account_id, from, false);
}

/* ---- contacts ------------------------------------------------------------ */

static gboolean on_add_contact(PeerbookDBusConfigurationManager *object,
                               GDBusMethodInvocation *invocation, const char *account_id,
                               const char *uri_in, gpointer userdata) {
        struct daemon *d = userdata;
        char uri[PEERBOOK_ID_SIZE];

        if (!daemon_check_account(d, invocation, account_id) ||
            !daemon_normalize_uri(invocation, uri_in, uri))
                return TRUE;
        int r = peerbook_contact_add(d->ctx, account_id, uri);
        if (r == -EINVAL) {
                daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                                    "cannot add '%s' as a contact: it is account '%s' itself", uri,
                                    account_id);
                return TRUE;
        }
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot add contact '%s'", uri);
                return TRUE;
        }
        peerbook_dbus_configuration_manager_complete_add_contact(object, invocation);
        return TRUE;
}

static gboolean on_remove_contact(PeerbookDBusConfigurationManager *object,
                                  GDBusMethodInvocation *invocation, const char *account_id,
                                  const char *uri_in, gboolean ban, gpointer userdata) {
        struct daemon *d = userdata;
        char uri[PEERBOOK_ID_SIZE];

        if (!daemon_check_account(d, invocation, account_id) ||
            !daemon_normalize_uri(invocation, uri_in, uri))
                return TRUE;
        int r = peerbook_contact_remove(d->ctx, account_id, uri, ban);
        if (r == -EINVAL) {
                daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                                    "cannot remove or ban your own account '%s'", account_id);
                return TRUE;
        }
        /* never a contact, and not banning: a success that changes nothing, as in Jami */
        if (r < 0) {
                daemon_return_errno_for(invocation, r, &DAEMON_NOENT_CONTACT,
                                        "cannot %s contact '%s'", ban ? "ban" : "remove", uri);
                return TRUE;
        }
        peerbook_dbus_configuration_manager_complete_remove_contact(object, invocation);
        return TRUE;
}

static GVariant *contact_details(const struct peerbook_contact *c) {
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
        g_variant_builder_add(&b, "{ss}", "id", c->uri);
        add_uint(&b, "added", c->added);
        add_uint(&b, "removed", c->removed);
        g_variant_builder_add(&b, "{ss}", "confirmed", boolean(c->confirmed));
        g_variant_builder_add(&b, "{ss}", "banned", boolean(c->banned));
        g_variant_builder_add(&b, "{ss}", "conversationId", c->conversation_id);
        return g_variant_builder_end(&b);
}

static gboolean on_get_contacts(PeerbookDBusConfigurationManager *object,
                                GDBusMethodInvocation *invocation, const char *account_id,
                                gpointer userdata) {
        struct daemon *d = userdata;
        struct peerbook_contact **contacts = NULL;
        GVariantBuilder b;

        if (!daemon_check_account(d, invocation, account_id))
                return TRUE;
        int r = peerbook_contact_list(d->ctx, account_id, &contacts);
        if (r < 0) {
                daemon_return_errno(invocation, r, "cannot list the contacts of '%s'", account_id);
                return TRUE;
        }
        g_variant_builder_init(&b, G_VARIANT_TYPE("aa{ss}"));
        for (struct peerbook_contact **c = contacts; *c; c++)
                g_variant_builder_add_value(&b, contact_details(*c));
        peerbook_list_free(contacts);
        peerbook_dbus_configuration_manager_complete_get_contacts(object, invocation,
                                                                  g_variant_builder_end(&b));
        return TRUE;
}

static gboolean on_get_contact_details(PeerbookDBusConfigurationManager *object,
                                       GDBusMethodInvocation *invocation, const char *account_id,
                                       const char *uri_in, gpointer userdata) {
        struct daemon *d = userdata;
        char uri[PEERBOOK_ID_SIZE];
        g_autoptr(PeerbookContact) c = NULL;

        if (!daemon_check_account(d, invocation, account_id) ||
            !daemon_normalize_uri(invocation, uri_in, uri))
                return TRUE;
        int r = peerbook_contact_get(d->ctx, account_id, uri, &c);
        if (r == -ENOENT) { /* no such contact (never one): an empty map, as in Jami */
                peerbook_dbus_configuration_manager_complete_get_contact_details(
                        object, invocation, g_variant_new_array(G_VARIANT_TYPE("{ss}"), NULL, 0));
                return TRUE;
        }
        if (r < 0) {
                daemon_return_errno_for(invocation, r, &DAEMON_NOENT_CONTACT,
                                        "cannot read contact '%s'", uri);
                return TRUE;
        }
        peerbook_dbus_configuration_manager_complete_get_contact_details(object, invocation,
                                                                         contact_details(c));
        return TRUE;
}

/* ---- events → signals ---------------------------------------------------- */

void contacts_on_event(struct daemon *d, const struct peerbook_event *event) {
        switch (event->type) {
        case PEERBOOK_EVENT_TRUST_REQUEST:
                peerbook_dbus_configuration_manager_emit_incoming_trust_request(
                        d->config, event->account_id, event->trust_request.conversation_id,
                        event->trust_request.from,
                        bytes_variant(event->trust_request.payload,
                                      event->trust_request.payload_len),
                        event->trust_request.received);
                break;
        case PEERBOOK_EVENT_CONTACT_ADDED:
                peerbook_dbus_configuration_manager_emit_contact_added(
                        d->config, event->account_id, event->contact.uri, event->contact.confirmed);
                break;
        case PEERBOOK_EVENT_CONTACT_REMOVED:
                peerbook_dbus_configuration_manager_emit_contact_removed(
                        d->config, event->account_id, event->contact.uri, event->contact.banned);
                break;
        default: break;
        }
}

void contacts_connect(PeerbookDBusConfigurationManager *object, struct daemon *d) {
        g_signal_connect(object, "handle-send-trust-request", G_CALLBACK(on_send_trust_request), d);
        g_signal_connect(object, "handle-get-trust-requests", G_CALLBACK(on_get_trust_requests), d);
        g_signal_connect(object, "handle-accept-trust-request", G_CALLBACK(on_accept_trust_request),
                         d);
        g_signal_connect(object, "handle-discard-trust-request",
                         G_CALLBACK(on_discard_trust_request), d);
        g_signal_connect(object, "handle-add-contact", G_CALLBACK(on_add_contact), d);
        g_signal_connect(object, "handle-remove-contact", G_CALLBACK(on_remove_contact), d);
        g_signal_connect(object, "handle-get-contacts", G_CALLBACK(on_get_contacts), d);
        g_signal_connect(object, "handle-get-contact-details", G_CALLBACK(on_get_contact_details),
                         d);
}
