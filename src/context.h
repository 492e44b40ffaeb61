/* SPDX-License-Identifier: GPL-3.0-or-later */
/* context.h — internal hooks on a context, for benchmarks and tests. */
#pragma once

#include <stdint.h>

#include "account.h"
#include "peerbook/peerbook.h"

/* pb_now_ms() (CLOCK_MONOTONIC) when the account last started announcing. */
uint64_t pb_ctx_announced_at(peerbook_ctx *ctx, const char *account_id);

/* Test hook: the next n confirmations the account sends are lost. */
int pb_ctx_drop_confirmations(peerbook_ctx *ctx, const char *account_id, unsigned n);

/* Test hook: other request limits than the defaults (see trust.c). */
int pb_ctx_set_request_limits(peerbook_ctx *ctx, const char *account_id,
                              const struct pb_request_limits *limits);
