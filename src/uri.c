/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * uri.c — the one URI normaliser. It depends on nothing but libc, so that the
 * CLI, which talks D-Bus and never links the library, compiles this same file
 * (cli/CMakeLists.txt) and reads --buddy exactly as the daemon does.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "peerbook/peerbook.h"

int peerbook_uri_normalize(const char *uri, char ret_id[PEERBOOK_ID_SIZE]) {
        if (!uri || !ret_id)
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
        for (size_t i = 0; i < PEERBOOK_ID_LEN; i++)
                if (!isxdigit((unsigned char)uri[i]))
                        return -EINVAL;
        for (size_t i = 0; i < PEERBOOK_ID_LEN; i++) /* ret_id only once it is good */
                ret_id[i] = (char)tolower((unsigned char)uri[i]);
        ret_id[PEERBOOK_ID_LEN] = 0;
        return 0;
}
