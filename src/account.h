/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * account.h — one running account: its keys, database, DHT node, its
 * announcement and the buddies it tracks. Owner thread only; OpenDHT's
 * threads reach it solely through items on the context's queue.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "account-types.h"

/* Loads the account in `dir` and starts it (node, announcement, listens).
 * On a start failure the account still exists, in the ERROR state. */
int pb_account_open(const struct pb_account_env *env, const char *dir, uint64_t serial,
                    pb_account **ret);
/* Stops cleanly: cancels the announcement and puts a goodbye, without
 * waiting; the context waits, bounded, while pb_account_stop_pending(). A
 * stopping account emits no more events. */
void pb_account_begin_stop(pb_account *a);
bool pb_account_stop_pending(const pb_account *a);
/* pb_account_open() returns the context's reference. peerbook_ctx_process()
 * takes another while the account handles an item, so that a callback may
 * remove the account: it is freed when the last reference goes. */
pb_account *pb_account_ref(pb_account *a);
pb_account *pb_account_unref(pb_account *a);

uint64_t pb_account_serial(const pb_account *a);
/* pb_now_ms() when the announcement was last sent (benchmarks read it). */
uint64_t pb_account_announced_at(const pb_account *a);
const char *pb_account_id(const pb_account *a);
const char *pb_account_dir(const pb_account *a);
/* 0 once the keys and the database are loaded; otherwise why they are not
 * (the registration detail says it in words). A failure that may pass (a
 * full disk, an I/O error) is retried by pb_account_tick(), with a back-off. */
int pb_account_load_error(const pb_account *a);

void pb_account_handle(pb_account *a, const struct pb_item *item);
/* Runs due timers and keeps the next deadline, which pb_account_deadline()
 * reads: pb_now_ms() clock, 0 when work is due now, UINT64_MAX for none. */
void pb_account_tick(pb_account *a, uint64_t now);
/* The machine's addresses changed: the node is told (OpenDHT checks its
 * nodes and re-sends its puts and listens), channels are checked and
 * dialled again at once. */
void pb_account_connectivity_changed(pb_account *a);
uint64_t pb_account_deadline(const pb_account *a);

/* A view of the account's state, borrowed until the account changes. */
void pb_account_info(const pb_account *a, struct peerbook_account_info *ret);
int pb_account_update(pb_account *a, const char *alias, const char *bootstrap, int port);
int pb_account_export(pb_account *a, const char *path, const char *password);
/* peerbook_account_set_password(). */
int pb_account_set_password(pb_account *a, const char *old, const char *new_password);

/* v0.5: a device name fits: UTF-8 without control characters, 1 to
 * PEERBOOK_DEVICE_NAME_MAX bytes. */
bool pb_device_name_ok(const char *name);
/* Renames this device (saved; no restart): -EINVAL for a bad name. */
int pb_account_set_device_name(pb_account *a, const char *name);

/* Enabled (saved) and active (this run): the node runs only when both are. */
bool pb_account_wanted(const pb_account *a);
/* Sets enabled (saved) and active (this run only); -1 keeps one. Starts
 * or stops nothing: the context then calls pb_account_halt() after the
 * goodbye (pb_account_begin_stop(), waited for), or pb_account_resume(). */
int pb_account_set_state(pb_account *a, int enabled, int active);
/* The node stops for good (the goodbye is out): UNREGISTERED. */
void pb_account_halt(pb_account *a);
/* Starts the node of an account that was halted. */
void pb_account_resume(pb_account *a);

/* Test hook: other limits than the defaults. */
void pb_account_set_limits(pb_account *a, const struct pb_request_limits *l);
/* Test hook: the next n confirmations this account sends are lost. */
void pb_account_drop_confirmations(pb_account *a, unsigned n);
