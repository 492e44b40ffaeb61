/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * daemon.h — what the D-Bus interface files of peerbookd share.
 *
 * Everything runs on the main GLib thread: D-Bus method handlers, the
 * library's event callback (from peerbook_ctx_process()) and signal emission.
 */
#pragma once

#include <gio/gio.h>
#include <peerbook/peerbook.h>

#include "dbus-names.h"
#include "peerbook-dbus.h"

struct daemon {
        peerbook_ctx *ctx;
        GSource *ctx_source; /* peerbook_ctx_process() from the main loop */
        GMainLoop *loop;
        PeerbookDBusConfigurationManager *config;
        PeerbookDBusPresenceManager *presence;
        int exit_status;
};

/* libpeerbook's records, for g_autoptr(): freed with peerbook_free(). */
typedef struct peerbook_account_info PeerbookAccountInfo;
typedef struct peerbook_contact PeerbookContact;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PeerbookAccountInfo, peerbook_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PeerbookContact, peerbook_free)

/* configuration_manager.c */
PeerbookDBusConfigurationManager *configuration_manager_new(struct daemon *d);
void configuration_manager_on_registration(struct daemon *d, const struct peerbook_event *event);
void configuration_manager_on_devices_changed(struct daemon *d, const struct peerbook_event *event);
void configuration_manager_on_device_revoked(struct daemon *d, const struct peerbook_event *event);

/* contacts.c: ConfigurationManager's trust requests and contacts */
void contacts_connect(PeerbookDBusConfigurationManager *object, struct daemon *d);
void contacts_on_event(struct daemon *d, const struct peerbook_event *event);

/* presence_manager.c */
PeerbookDBusPresenceManager *presence_manager_new(struct daemon *d);
void presence_manager_on_buddy(struct daemon *d, const struct peerbook_event *event);
void presence_manager_on_nearby(struct daemon *d, const struct peerbook_event *event);

/* errors.c: the one place where libpeerbook's negative errno becomes a D-Bus error. */
#define DAEMON_ERROR_NO_SUCH_ACCOUNT "net.peerbook.Error.NoSuchAccount"
#define DAEMON_ERROR_NO_SUCH_SUBSCRIPTION "net.peerbook.Error.NoSuchSubscription"
#define DAEMON_ERROR_NO_SUCH_CONTACT "net.peerbook.Error.NoSuchContact"
#define DAEMON_ERROR_NO_SUCH_REQUEST "net.peerbook.Error.NoSuchRequest"
#define DAEMON_ERROR_NO_SUCH_FILE "net.peerbook.Error.NoSuchFile"
#define DAEMON_ERROR_INVALID_ARGUMENT "net.peerbook.Error.InvalidArgument"
#define DAEMON_ERROR_WRONG_PASSWORD "net.peerbook.Error.WrongPassword"
#define DAEMON_ERROR_ALREADY_EXISTS "net.peerbook.Error.AlreadyExists"
#define DAEMON_ERROR_NOT_SUPPORTED "net.peerbook.Error.NotSupported"
#define DAEMON_ERROR_FAILED "net.peerbook.Error.Failed"

/* What -ENOENT means for the library call that returned it: peerbook.h
 * gives each function one meaning (never "no such account": -ESRCH). */
struct daemon_noent {
        const char *error; /* the D-Bus error name */
        const char *text;  /* the end of the message */
};
extern const struct daemon_noent DAEMON_NOENT_FILE, DAEMON_NOENT_DIRECTORY, DAEMON_NOENT_CONTACT,
        DAEMON_NOENT_REQUEST, DAEMON_NOENT_SUBSCRIPTION;

/* The D-Bus error name for a negative errno from libpeerbook; -ENOENT by
 * `noent` (NULL: Failed, for calls that do not return it). */
const char *daemon_error_name(int error, const struct daemon_noent *noent);

/* Replies with the error for `error` from a call whose -ENOENT means
 * `noent`; the message is the formatted context followed by ": " and
 * peerbook_strerror(error) (or noent's text), e.g.
 * "cannot export account 'ab12…' to 'x.pbk': wrong password". */
void daemon_return_errno_for(GDBusMethodInvocation *invocation, int error,
                             const struct daemon_noent *noent, const char *fmt, ...)
        G_GNUC_PRINTF(4, 5);
/* The same for a call that never returns -ENOENT. */
void daemon_return_errno(GDBusMethodInvocation *invocation, int error, const char *fmt, ...)
        G_GNUC_PRINTF(3, 4);

/* Replies with a named error and the formatted message as it is. */
void daemon_return_error(GDBusMethodInvocation *invocation, const char *name, const char *fmt, ...)
        G_GNUC_PRINTF(3, 4);

/* Checks that account_id names an account hosted here; otherwise replies
 * with NoSuchAccount ("no such account '...'") or InvalidArgument and
 * returns false. */
bool daemon_check_account(struct daemon *d, GDBusMethodInvocation *invocation,
                          const char *account_id);

/* Normalises a URI ("jami:ABC…" → "abc…") into out, or replies
 * InvalidArgument ("invalid URI '...'") and returns false. */
bool daemon_normalize_uri(GDBusMethodInvocation *invocation, const char *uri,
                          char out[PEERBOOK_ID_SIZE]);
