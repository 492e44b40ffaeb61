/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * account.h — one running account: its keys, database, DHT node, its
 * announcement and the buddies it tracks. Owner thread only; OpenDHT's
 * threads reach it solely through items on the context's queue.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "events.h"
#include "peerbook/peerbook.h"

typedef struct pb_account pb_account;

/* What an account needs from its context. */
struct pb_account_env {
        pb_queue *queue;
        void (*emit)(void *ctx, const struct peerbook_event *event);
        void *ctx;
};

/* Loads the account in `dir` and starts it (node, announcement, listens).
 * On a start failure the account still exists, in the ERROR state. */
int pb_account_open(const struct pb_account_env *env, const char *dir, uint64_t serial,
                    pb_account **ret);
/* Stops cleanly: cancels the announcement and puts a goodbye, without
 * waiting. pb_account_free() then waits, bounded, for the goodbye's put. */
void pb_account_begin_stop(pb_account *a);
bool pb_account_stop_pending(const pb_account *a);
pb_account *pb_account_free(pb_account *a);

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
/* Runs due timers; returns the next deadline (pb_now_ms() clock) or UINT64_MAX. */
uint64_t pb_account_tick(pb_account *a, uint64_t now);

void pb_account_info(const pb_account *a, struct peerbook_account_info *ret);
int pb_account_update(pb_account *a, const char *alias, const char *bootstrap, int port);
int pb_account_export(pb_account *a, const char *path, const char *password);

int pb_account_subscribe(pb_account *a, const char *uri, bool flag);
int pb_account_buddies(const pb_account *a, struct peerbook_buddy **ret, size_t *ret_count);

/* Trust requests and contacts (requests.c, contacts.c). */
int pb_account_request_send(pb_account *a, const char *to, const uint8_t *payload, size_t len);
int pb_account_request_list(pb_account *a, struct peerbook_trust_request **ret, size_t *ret_n);
int pb_account_request_accept(pb_account *a, const char *from);
int pb_account_request_discard(pb_account *a, const char *from);
int pb_account_contact_add(pb_account *a, const char *uri);
int pb_account_contact_remove(pb_account *a, const char *uri, bool ban);
int pb_account_contact_list(pb_account *a, struct peerbook_contact **ret, size_t *ret_count);
int pb_account_contact_get(pb_account *a, const char *uri, struct peerbook_contact *ret);
/* How many requests may wait, and how fast they may be signalled. */
struct pb_request_limits {
        size_t pending_max;
        double burst, rate;               /* all senders: tokens, tokens per second */
        double sender_burst, sender_rate; /* each sender */
};
void pb_request_limits_default(struct pb_request_limits *l);
/* Test hook: other limits than the defaults. */
void pb_account_set_limits(pb_account *a, const struct pb_request_limits *l);
/* Test hook: the next n confirmations this account sends are lost. */
void pb_account_drop_confirmations(pb_account *a, unsigned n);

/* Settings written into a new account's database before its folder appears. */
struct pb_account_settings {
        const char *alias;
        const char *bootstrap;
        uint16_t port;
        bool has_password;
};
int pb_account_write_settings(const char *dir, const struct pb_account_settings *s);
