/* SPDX-License-Identifier: GPL-3.0-or-later */
/* names.c — the strings the API hands out: error names, states, URIs. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "peerbook/peerbook.h"

const char *peerbook_strerror(int error) {
        switch (error) {
        case 0: return "success";
        case -EINVAL: return "invalid argument";
        case -ENOENT: return "no such account or entry";
        case -EEXIST: return "already exists";
        case -EKEYREJECTED: return "wrong password";
        case -EBADMSG: return "corrupt or malformed data";
        case -ENOMEM: return "out of memory";
        case -EMSGSIZE: return "message too large";
        case -EADDRINUSE: return "address already in use";
        case -EBUSY: return "busy";
        case -ENOSPC: return "no space left on device";
        case -EFBIG: return "file too large";
        case -EACCES: return "permission denied";
        case -EIO: return "input/output error";
        case -ENOTSUP: return "not supported";
        case -EBADFD: return "not a regular file";
        case -EISDIR: return "is a directory";
        case -EROFS: return "read-only file system";
        default: return error < 0 ? strerror(-error) : "unknown error";
        }
}

const char *peerbook_registration_name(enum peerbook_registration state) {
        switch (state) {
        case PEERBOOK_REGISTRATION_INITIALIZING: return "INITIALIZING";
        case PEERBOOK_REGISTRATION_TRYING: return "TRYING";
        case PEERBOOK_REGISTRATION_REGISTERED: return "REGISTERED";
        case PEERBOOK_REGISTRATION_ERROR: return "ERROR_GENERIC";
        }
        return "ERROR_GENERIC";
}

int peerbook_uri_normalize(const char *uri, char out[PEERBOOK_ID_SIZE]) {
        if (!uri || !out)
                return -EINVAL;
        /* Jami clients hand out "jami:<id>" and, historically, "ring:<id>". */
        static const char *const prefixes[] = { "jami:", "ring:" };
        for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
                size_t n = strlen(prefixes[i]);
                if (strncasecmp(uri, prefixes[i], n) == 0) {
                        uri += n;
                        break;
                }
        }
        if (strlen(uri) != PEERBOOK_ID_LEN)
                return -EINVAL;
        for (size_t i = 0; i < PEERBOOK_ID_LEN; i++) {
                if (!isxdigit((unsigned char)uri[i]))
                        return -EINVAL;
                out[i] = (char)tolower((unsigned char)uri[i]);
        }
        out[PEERBOOK_ID_LEN] = 0;
        return 0;
}
