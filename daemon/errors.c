/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * errors.c — libpeerbook's negative errno → D-Bus errors, in one place.
 *
 * Messages follow git's rule: one lowercase line, the problem first, naming the
 * thing. The CLI prints them as they are, after "peerbook: ".
 */
#include <errno.h>
#include <stdarg.h>

#include "daemon.h"

const struct daemon_noent DAEMON_NOENT_FILE = { DAEMON_ERROR_NO_SUCH_FILE, "no such file" };
const struct daemon_noent DAEMON_NOENT_DIRECTORY = { DAEMON_ERROR_NO_SUCH_FILE,
                                                     "no such directory" };
const struct daemon_noent DAEMON_NOENT_CONTACT = { DAEMON_ERROR_NO_SUCH_CONTACT,
                                                   "no such contact" };
const struct daemon_noent DAEMON_NOENT_REQUEST = { DAEMON_ERROR_NO_SUCH_REQUEST,
                                                   "no such trust request" };
const struct daemon_noent DAEMON_NOENT_SUBSCRIPTION = { DAEMON_ERROR_NO_SUCH_SUBSCRIPTION,
                                                        "no such subscription" };

const char *daemon_error_name(int error, const struct daemon_noent *noent) {
        switch (error) {
        case -ESRCH: return DAEMON_ERROR_NO_SUCH_ACCOUNT;
        case -ENOENT: return noent ? noent->error : DAEMON_ERROR_FAILED;
        case -EINVAL: return DAEMON_ERROR_INVALID_ARGUMENT;
        case -EKEYREJECTED: return DAEMON_ERROR_WRONG_PASSWORD;
        case -EEXIST: return DAEMON_ERROR_ALREADY_EXISTS;
        case -ENOTSUP:
        case -ENOSYS: return DAEMON_ERROR_NOT_SUPPORTED;
        default: return DAEMON_ERROR_FAILED;
        }
}

static void return_errno(GDBusMethodInvocation *invocation, int error,
                         const struct daemon_noent *noent, const char *fmt, va_list ap) {
        g_autofree char *context = g_strdup_vprintf(fmt, ap);
        const char *text = error == -ENOENT && noent ? noent->text : peerbook_strerror(error);
        g_autofree char *message = g_strdup_printf("%s: %s", context, text);
        g_dbus_method_invocation_return_dbus_error(invocation, daemon_error_name(error, noent),
                                                   message);
}

void daemon_return_errno_for(GDBusMethodInvocation *invocation, int error,
                             const struct daemon_noent *noent, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        return_errno(invocation, error, noent, fmt, ap);
        va_end(ap);
}

void daemon_return_errno(GDBusMethodInvocation *invocation, int error, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        return_errno(invocation, error, NULL, fmt, ap);
        va_end(ap);
}

void daemon_return_error(GDBusMethodInvocation *invocation, const char *name, const char *fmt,
                         ...) {
        va_list ap;
        va_start(ap, fmt);
        g_autofree char *message = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_dbus_method_invocation_return_dbus_error(invocation, name, message);
}

bool daemon_check_account(struct daemon *d, GDBusMethodInvocation *invocation,
                          const char *account_id) {
        struct peerbook_account_info *info = NULL;
        int r = peerbook_account_get_info(d->ctx, account_id, &info);
        peerbook_free(info);
        if (r == 0)
                return true;
        if (r == -ESRCH)
                daemon_return_error(invocation, DAEMON_ERROR_NO_SUCH_ACCOUNT,
                                    "no such account '%s'", account_id);
        else if (r == -EINVAL)
                daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                                    "invalid account ID '%s' (expected 40 hex digits)", account_id);
        else
                daemon_return_errno(invocation, r, "cannot read account '%s'", account_id);
        return false;
}

bool daemon_normalize_uri(GDBusMethodInvocation *invocation, const char *uri,
                          char out[PEERBOOK_ID_SIZE]) {
        if (peerbook_uri_normalize(uri, out) == 0)
                return true;
        daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                            "invalid URI '%s' (expected an account ID: 40 hex digits, "
                            "optionally prefixed by 'jami:')",
                            uri);
        return false;
}
