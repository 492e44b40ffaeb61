/* SPDX-License-Identifier: GPL-3.0-or-later */
/* context.h — a context's accounts, for the test hooks of src/testing/. */
#pragma once

#include "account.h"
#include "peerbook/peerbook.h"

/* The account `id` names: -EINVAL for a malformed ID, -ESRCH for none here. */
int pb_ctx_account(peerbook_ctx *ctx, const char *id, pb_account **ret);
