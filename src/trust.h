/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * trust.h — the trust-request protocol (trust.c): sending with re-sends,
 * the inbox, certificate look-ups, Jami's rules and the flood limits.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "account-types.h"
#include "contacts.h"
#include "devices.h"

/* Listens on our inbox (once announced); stop: the node is gone. */
int pb_trust_start(pb_account *a);
void pb_trust_stop(pb_account *a);
void pb_trust_handle_value(pb_account *a, const struct pb_item *item);
void pb_trust_handle_cert(pb_account *a, const struct pb_item *item);
/* Sends our request (confirm = false) or a confirmation to every known device
 * of `to`, or only to `only` when not NULL. Returns how many devices. */
unsigned pb_trust_send(pb_account *a, const char *to, bool confirm,
                       const struct pb_known_device *only);
/* The user sent c a new request: sends it now and starts its re-sends. */
void pb_trust_request_new(pb_account *a, struct pb_contact *c);
/* A device of `account` appeared: re-send to it if a request is owed. */
void pb_trust_device_appeared(pb_account *a, const pb_hash *account, const pb_hash *dev);
/* Re-sends that are due; returns the next deadline or UINT64_MAX. */
uint64_t pb_trust_tick(pb_account *a, uint64_t now);
/* Requests waiting for the user (a count over the store's table). */
size_t pb_trust_pending(const pb_account *a);

void pb_request_limits_default(struct pb_request_limits *l);
