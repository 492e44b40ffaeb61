/* SPDX-License-Identifier: GPL-3.0-or-later */
/* account-internal.h — the account's state, shared by account.c and buddy.c. */
#pragma once

#include "account.h"
#include "identity.h"
#include "presence.h"
#include "store.h"

/* What a listen or a put is for; carried by queue items. */
enum pb_tag {
        PB_TAG_BUDDY = 1,    /* listen on a buddy's account hash */
        PB_TAG_ANNOUNCE = 2, /* put of our announcement */
        PB_TAG_STATE = 3,    /* put of our "online" device state */
        PB_TAG_BYE = 4,      /* put of our goodbye */
};

struct pb_buddy {
        pb_hash id;
        char uri[PEERBOOK_ID_SIZE];
        struct pb_buddy_presence presence;
        enum peerbook_status reported;
        pb_listen *listen;
        char line_status[256];
};

/* A value signed in advance, ready to put. */
struct pb_signed {
        uint8_t *blob;
        size_t len;
        uint64_t value_id;
};

struct pb_account {
        struct pb_account_env env;
        uint64_t serial;
        char *dir;
        char id[PEERBOOK_ID_SIZE];
        char device[PEERBOOK_ID_SIZE];
        struct pb_device_keys keys;
        pb_store *store;
        pb_node *node;

        char alias[128];
        char bootstrap[512];
        uint16_t port;
        bool has_password;

        enum peerbook_registration reg;
        bool puts_sent;     /* announcement and online state handed to the node */
        bool announce_ok;   /* the announcement's put was acknowledged */
        bool stopping;
        bool bye_pending;
        struct pb_signed online;  /* our device state "online", put permanently */
        struct pb_signed bye;     /* our goodbye, signed in advance */
        uint64_t next_try;        /* pb_now_ms() of the next connect check / retry */
        uint64_t announced_at;    /* pb_now_ms() when the presence puts were started */
        unsigned backoff_ms;

        struct pb_buddy **buddies;
        size_t n_buddies, cap_buddies;
        uint64_t dropped;
};

void pb_account_set_registration(pb_account *a, enum peerbook_registration state, int code,
                                 const char *detail);

/* buddy.c */
int pb_buddy_listen(pb_account *a, struct pb_buddy *b);
void pb_buddy_handle_value(pb_account *a, const struct pb_item *item);
void pb_buddy_notify(pb_account *a, struct pb_buddy *b, bool always);
struct pb_buddy *pb_buddy_find(const pb_account *a, const pb_hash *id);
void pb_buddies_free(pb_account *a);
void pb_buddy_remove(pb_account *a, struct pb_buddy *b);
int pb_buddy_add(pb_account *a, const pb_hash *id, struct pb_buddy **ret);
