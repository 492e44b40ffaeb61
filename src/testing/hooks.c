/* SPDX-License-Identifier: GPL-3.0-or-later */
/* hooks.c — test hooks on a context's accounts (see testing.h). */
#include "account-internal.h"
#include "context.h"
#include "testing.h"

uint64_t pb_ctx_announced_at(peerbook_ctx *ctx, const char *account_id) {
        pb_account *a;
        return pb_ctx_account(ctx, account_id, &a) == 0 ? pb_account_announced_at(a) : 0;
}

int pb_ctx_drop_confirmations(peerbook_ctx *ctx, const char *account_id, unsigned n) {
        pb_account *a;
        int r = pb_ctx_account(ctx, account_id, &a);
        if (r == 0)
                pb_account_drop_confirmations(a, n);
        return r;
}

int pb_ctx_syncs_sent(peerbook_ctx *ctx, const char *account_id, uint64_t *ret_channel,
                      uint64_t *ret_dht) {
        pb_account *a;
        int r = pb_ctx_account(ctx, account_id, &a);
        if (r == 0) {
                *ret_channel = a->syncs_by_channel;
                *ret_dht = a->syncs_by_dht;
        }
        return r;
}

int pb_ctx_ignore_revocation(peerbook_ctx *ctx, const char *account_id) {
        pb_account *a;
        int r = pb_ctx_account(ctx, account_id, &a);
        if (r == 0)
                a->ignore_revocation = true;
        return r;
}

int pb_ctx_set_request_limits(peerbook_ctx *ctx, const char *account_id,
                              const struct pb_request_limits *limits) {
        pb_account *a;
        int r = pb_ctx_account(ctx, account_id, &a);
        if (r == 0)
                pb_account_set_limits(a, limits);
        return r;
}

int pb_ctx_node_id(peerbook_ctx *ctx, const char *account_id, pb_hash *ret) {
        pb_account *a;
        int r = pb_ctx_account(ctx, account_id, &a);
        if (r == 0)
                *ret = a->node ? pb_node_id(a->node) : (pb_hash){ 0 };
        return r;
}
