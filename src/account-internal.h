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
        PB_TAG_INBOX = 5,    /* listen on our device's inbox */
        PB_TAG_REQUEST = 6,  /* put of a trust request */
};

/* A device of another account, learned from its announcement (signed by
 * that account) or from a verified certificate. */
struct pb_known_device {
        pb_hash id;
        size_t pk_len;
        uint8_t *pk;
        bool present;
};

#define PB_KNOWN_DEVICES_MAX 16

struct pb_buddy {
        pb_hash id;
        bool subscribed;  /* asked for with subscribeBuddy (saved) */
        bool contact;     /* tracked because it is an active contact */
        struct pb_known_device *known;
        unsigned n_known;
        bool known_loaded; /* saved devices read from the store */
        char uri[PEERBOOK_ID_SIZE];
        struct pb_buddy_presence presence;
        enum peerbook_status reported;
        pb_listen *listen;       /* announcements signed by the buddy */
        pb_listen *state_listen; /* device states */
        char line_status[256];
};

struct pb_bucket {
        double tokens;
        uint64_t at; /* pb_now_ms() of the last refill; 0 = full */
};

struct pb_sender_rate {
        pb_hash id;
        struct pb_bucket bucket;
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
        int load_error;           /* 0, or why the keys or the database did not load */
        int start_error;          /* 0, or a transient reason why the node did not start */
        uint64_t next_retry;      /* pb_now_ms() of the next load or start attempt */
        unsigned retry_backoff_ms;

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
        uint64_t listen_at;       /* when to listen at the latest: UINT64_MAX until
                                     announced, 0 once listening */
        unsigned backoff_ms;

        struct pb_buddy **buddies;
        size_t n_buddies, cap_buddies;
        uint64_t dropped;

        /* contacts.c / trust.c */
        struct pb_contact *contacts; /* sorted by uri */
        size_t n_contacts, cap_contacts;
        size_t n_pending;
        pb_listen *inbox;
        struct pb_lookup *lookups;   /* requests waiting for their signer's certificate */
        unsigned n_lookups;
        uint64_t dropped_requests;
        struct pb_request_limits limits;
        struct pb_bucket bucket;     /* signalled requests, all senders */
        struct pb_sender_rate *senders;
        unsigned n_senders;
        uint64_t next_resend_scan;
        unsigned drop_confirmations; /* test hook: confirmations to lose */
};

struct pb_contact {
        struct pb_contact_row row;
        uint64_t next_resend; /* pb_now_ms() when a re-send is allowed */
        unsigned backoff_s;
};

/* contacts.c */
int pb_contacts_load(pb_account *a);
void pb_contacts_free(pb_account *a);
struct pb_contact *pb_contact_find(const pb_account *a, const char *uri);
/* Saves c (inserting it when new) and queues a contact event. */
int pb_contact_save(pb_account *a, const struct pb_contact_row *row, const uint8_t *payload,
                    size_t payload_len, struct pb_contact **ret);
bool pb_contact_active(const struct pb_contact_row *c);
void pb_contact_queue_event(pb_account *a, enum peerbook_event_type type, const char *uri,
                            bool flag);
/* Starts or stops the presence tracking that an active contact implies. */
int pb_contact_track(pb_account *a, const char *uri, bool on);

void pb_buddy_load_known(pb_account *a, struct pb_buddy *b);

/* trust.c */
int pb_trust_start(pb_account *a);
void pb_trust_handle_value(pb_account *a, const struct pb_item *item);
void pb_trust_handle_cert(pb_account *a, const struct pb_item *item);
/* Sends our request (confirm = false) or a confirmation to every known device
 * of `to`, or only to `only` when not NULL. Returns how many devices. */
unsigned pb_trust_send(pb_account *a, const char *to, bool confirm,
                       const struct pb_known_device *only);
/* A device of buddy b appeared: re-send to it if a request is owed. */
void pb_trust_device_appeared(pb_account *a, struct pb_buddy *b, struct pb_known_device *d);
uint64_t pb_trust_tick(pb_account *a, uint64_t now);
void pb_trust_stop(pb_account *a);
/* Learns a device of `account` (from its announcement or certificate). */
struct pb_known_device *pb_buddy_learn_device(pb_account *a, struct pb_buddy *b,
                                              const pb_hash *dev, const uint8_t *pk,
                                              size_t pk_len);

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
