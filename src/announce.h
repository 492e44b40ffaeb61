/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * announce.h — our presence on the DHT and the registration state
 * (announce.c): connect, announce (again, with a back-off, after a failure),
 * say goodbye on a clean stop. The account (account.c) starts and stops the
 * node and starts the listens when this machine says so.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "account-types.h"

/* Signs the online state and the goodbye, before the node starts. */
int pb_announce_prepare(pb_account *a);
/* The node started: TRYING, then connect and announce from the next tick. */
void pb_announce_start(pb_account *a);
/* The node is restarting: forget the goodbye and the state reported. */
void pb_announce_restart(pb_account *a);
void pb_announce_clear(pb_account *a);

/* Changes the state now and queues its event (reported from the next
 * peerbook_ctx_process(), never from inside an API call). */
void pb_announce_registration(pb_account *a, enum peerbook_registration state, int code,
                              const char *detail);
void pb_announce_emit_registration(pb_account *a, const struct pb_item *item);

/* A put of ours finished. True when the listens should start now. */
bool pb_announce_put_done(pb_account *a, const struct pb_item *item);
/* Connects, then announces; sets *ret_listen when the listens are due.
 * Returns the next deadline (pb_now_ms() clock) or UINT64_MAX. */
uint64_t pb_announce_tick(pb_account *a, uint64_t now, bool *ret_listen);

/* Cancels the announcement and puts the goodbye, without waiting. */
void pb_announce_goodbye(pb_account *a);
bool pb_announce_goodbye_pending(const pb_account *a);
