/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * requests.h — what the API does with trust requests and contacts
 * (requests.c): send, list, accept, discard, add and remove, each on top of
 * trust.c's protocol, contacts.c's list and buddy.c's tracking.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "account-types.h"

int pb_account_request_send(pb_account *a, const char *to, const uint8_t *payload, size_t len);
int pb_account_request_list(pb_account *a, pb_each_cb each, void *userdata);
int pb_account_request_accept(pb_account *a, const char *from);
int pb_account_request_discard(pb_account *a, const char *from);
int pb_account_contact_add(pb_account *a, const char *uri);
int pb_account_contact_remove(pb_account *a, const char *uri, bool ban);
