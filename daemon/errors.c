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

const char *daemon_error_name(int error)
{
        switch (error) {
        case -ENOENT:
                return DAEMON_ERROR_NO_SUCH_ACCOUNT;
        case -EINVAL:
                return DAEMON_ERROR_INVALID_ARGUMENT;
        case -EKEYREJECTED:
                return DAEMON_ERROR_WRONG_PASSWORD;
        case -EEXIST:
                return DAEMON_ERROR_ALREADY_EXISTS;
        case -ENOTSUP:
                return DAEMON_ERROR_NOT_SUPPORTED;
        default:
                return DAEMON_ERROR_FAILED;
        }
}

void daemon_return_errno(GDBusMethodInvocation *invocation, int error, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        g_autofree char *context = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_autofree char *message = g_strdup_printf("%s: %s", context, peerbook_strerror(error));
        g_dbus_method_invocation_return_dbus_error(invocation, daemon_error_name(error), message);
}

void daemon_return_error(GDBusMethodInvocation *invocation, const char *name, const char *fmt,
                         ...)
{
        va_list ap;
        va_start(ap, fmt);
        g_autofree char *message = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_dbus_method_invocation_return_dbus_error(invocation, name, message);
}

bool daemon_check_account(struct daemon *d, GDBusMethodInvocation *invocation,
                          const char *account_id)
{
        struct peerbook_account_info info;
        int r = peerbook_account_get_info(d->ctx, account_id, &info);
        if (r == 0)
                return true;
        if (r == -ENOENT)
                daemon_return_error(invocation, DAEMON_ERROR_NO_SUCH_ACCOUNT,
                                    "no such account '%s'", account_id);
        else if (r == -EINVAL)
                daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                                    "invalid account ID '%s' (expected 40 hex digits)",
                                    account_id);
        else
                daemon_return_errno(invocation, r, "cannot read account '%s'", account_id);
        return false;
}

bool daemon_normalize_uri(GDBusMethodInvocation *invocation, const char *uri,
                          char out[PEERBOOK_ID_SIZE])
{
        if (peerbook_uri_normalize(uri, out) == 0)
                return true;
        daemon_return_error(invocation, DAEMON_ERROR_INVALID_ARGUMENT,
                            "invalid URI '%s' (expected an account ID: 40 hex digits, "
                            "optionally prefixed by 'jami:')",
                            uri);
        return false;
}
