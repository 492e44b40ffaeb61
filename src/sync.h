/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sync.h — what an account's devices tell each other (sync.c): contacts,
 * pending requests and device names, as Jami 2023's DeviceSync put in each
 * other device's inbox.
 */
#pragma once

#include <stdint.h>

#include "account-types.h"

/* Sends our DeviceSync to every other device of the account when something
 * changed since the last one (pb_account_sync_later()); returns the next
 * time it has something to do, UINT64_MAX for nothing. */
uint64_t pb_sync_tick(pb_account *a, uint64_t now);
/* A value in our inbox that is not a trust request: a DeviceSync from one of
 * our devices is merged; anything else is dropped and counted. */
void pb_sync_handle_value(pb_account *a, const struct pb_item *item);
