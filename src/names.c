/* SPDX-License-Identifier: GPL-3.0-or-later */
/* names.c — the strings the API hands out: version, error names, states. */
#include <errno.h>
#include <string.h>

#include "peerbook/peerbook.h"

const char *peerbook_version(void) {
        return PEERBOOK_VERSION;
}

const char *peerbook_strerror(int error) {
        switch (error) {
        case 0: return "success";
        case -EINVAL: return "invalid argument";
        case -ESRCH: return "no such account";
        case -ENOENT: return "no such file or entry";
        case -EEXIST: return "already exists";
        case -EKEYREJECTED: return "wrong password";
        case -EBADMSG: return "corrupt or malformed data";
        case -ENOMEM: return "out of memory";
        case -EMSGSIZE: return "message too large";
        case -EADDRINUSE: return "address already in use";
        case -EBUSY: return "data directory in use by another process";
        case -ENOSPC: return "no space left on device";
        case -EFBIG: return "file too large";
        case -EACCES: return "permission denied";
        case -EIO: return "input/output error";
        case -ENOTSUP: return "not supported";
        case -EBADFD: return "not a regular file";
        case -EISDIR: return "is a directory";
        case -EROFS: return "read-only file system";
        case -EKEYREVOKED: return "this device was revoked";
        default: return error < 0 ? strerror(-error) : "unknown error";
        }
}

const char *peerbook_registration_name(enum peerbook_registration state) {
        switch (state) {
        case PEERBOOK_REGISTRATION_INITIALIZING: return "INITIALIZING";
        case PEERBOOK_REGISTRATION_TRYING: return "TRYING";
        case PEERBOOK_REGISTRATION_REGISTERED: return "REGISTERED";
        case PEERBOOK_REGISTRATION_ERROR: return "ERROR_GENERIC";
        case PEERBOOK_REGISTRATION_UNREGISTERED: return "UNREGISTERED";
        }
        return "ERROR_GENERIC";
}
