/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cert_lookup.c — device certificate look-ups whose outcome comes back
 * through the account's queue (cert_lookup.h). */
#include "cert_lookup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "account-internal.h"

struct cert_ctx {
        struct pb_origin origin;
        pb_hash device;
        uint32_t tag;
};

static void on_cert(int result, const struct pb_device_cert *cert, void *userdata) {
        struct cert_ctx *cc = userdata;
        struct pb_item *it = pb_item_new(PB_ITEM_CERT, sizeof(*cert));
        if (it) {
                it->key = cc->device;
                it->code = result;
                it->tag = cc->tag;
                if (result == 0)
                        memcpy(it->data, cert, sizeof(*cert));
                pb_origin_push(&cc->origin, it);
        }
        free(cc);
}

int pb_cert_lookup(pb_account *a, const pb_hash *device, uint32_t tag) {
        struct cert_ctx *cc = malloc(sizeof(*cc));
        if (!cc)
                return -ENOMEM;
        *cc = (struct cert_ctx){ pb_account_origin(a), *device, tag };
        int r = a->node ? pb_node_find_device_cert(a->node, device, on_cert, cc) : -ENOTCONN;
        if (r < 0)
                free(cc);
        return r;
}
