/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * account-internal.h — one account's state, shared by the files of the
 * account core, as sd-bus's bus-internal.h shares struct sd_bus among its
 * bus-*.c files. Each section of struct pb_account names the file that owns
 * its fields: only that file changes them; the others may read them.
 *
 * Who calls whom (each file includes the headers of the files below it and
 * no others, so the graph has no cycle):
 *
 *   context.c    the API, the accounts of a context, the loop
 *   account.c    an account's life; hands each queue item and timer on
 *   ├ announce.c   our presence on the DHT and the registration state
 *   ├ requests.c   the API's request and contact operations, which use
 *   │ ├ trust.c      the request protocol (inbox, look-ups, rules, re-sends, limits)
 *   │ ├ contacts.c   the contact list (trust.c reads and confirms contacts too)
 *   │ └ buddy.c      other accounts' presence and the subscriptions (account.c's too)
 *   ├ sync.c       what our devices tell each other (DeviceSync), over their
 *   │              channel or into their inbox; merges with contact_merge.c
 *   ├ revoke.c     revoking our devices, lists on our hash and others'
 *   │ └ peer_crl.c   devices known revoked, other accounts' pinned lists
 *   ├ own_devices.c  our own account's other devices, from their announcements
 *   ├ channels.c   direct channels to contacts' and our own devices: status 2,
 *   │ │            notes, the sync channel
 *   │ ├ channel.c    one channel (TCP, TLS, framing, beacons)
 *   │ └ rendezvous.c channel requests over the DHT
 *   ├ nearby.c     the account on the LAN: its notices, the accounts heard
 *   contact_track.c  a contact saved with its tracking and channels (requests, sync)
 *   cert_lookup.c    device certificate look-ups, answered through the queue
 *   devices.c    other accounts' known devices (used by buddy, requests and trust)
 *   store.c      the database (used by all)
 */
#pragma once

#include "account-types.h"
#include "identity.h"
#include "store.h"
#include "util.h"

/* What a listen or a put is for; carried by queue items. */
enum pb_tag {
        PB_TAG_BUDDY = 1,          /* listen on a buddy's account hash */
        PB_TAG_ANNOUNCE = 2,       /* put of our announcement */
        PB_TAG_STATE = 3,          /* put of our "online" device state */
        PB_TAG_BYE = 4,            /* put of our goodbye */
        PB_TAG_INBOX = 5,          /* listen on our device's inbox */
        PB_TAG_REQUEST = 6,        /* put of a trust request */
        PB_TAG_RENDEZVOUS = 7,     /* listen on our device's rendezvous key */
        PB_TAG_OWN_DEVICES = 8,    /* listen on our account's hash */
        PB_TAG_REVOKE = 9,         /* certificate look-up of a device being revoked */
        PB_TAG_REVOKED_CHECK = 10, /* certificate look-up: is this device of ours revoked? */
        PB_TAG_PEER_CRL = 11,      /* certificate look-up: another account's certificate */
        PB_TAG_PEER_CHECK = 12,    /* certificate look-up: is this device of theirs revoked? */
        PB_TAG_SYNC_CHANNEL = 13,  /* a DeviceSync from a channel to our other device */
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
        /* account.c: its life */
        struct pb_account_env env;
        unsigned n_ref;      /* the context's, and process()'s while it handles an item */
        uint64_t serial;     /* names the account in queue items; never reused */
        uint64_t generation; /* bumped at each start of the node (stale items are dropped) */
        uint64_t deadline;   /* of the next timer, set by pb_account_tick(); 0 = now */
        char *dir;
        char id[PEERBOOK_ID_SIZE];
        char device[PEERBOOK_ID_SIZE];
        struct pb_device_keys keys;
        pb_store *store;
        pb_node *node;
        bool stopping; /* removed or closing: emits nothing more */
        char alias[PEERBOOK_ALIAS_MAX];
        char bootstrap[PEERBOOK_BOOTSTRAP_MAX];
        uint16_t port;       /* 0 until a port was chosen (then kept) */
        int load_error;      /* 0, or why the keys or the database did not load */
        int start_error;     /* 0, or a transient reason why the node did not start */
        uint64_t next_retry; /* pb_now_ms() of the next load or start attempt */
        unsigned retry_backoff_ms;
        bool has_password;
        bool enabled; /* saved: a disabled account keeps its data and runs nothing */
        bool active;  /* this run only (peerbook_account_set_active()) */
        char device_name[PEERBOOK_DEVICE_NAME_MAX + 1];
        char device_long_id[PEERBOOK_LONG_ID_LEN + 1]; /* SHA-256 of our device's key */

        /* announce.c: our presence, the registration state */
        enum peerbook_registration reg;
        int reg_code; /* of the last registration event, for the info */
        char reg_detail[160];
        bool puts_sent;   /* announcement and online state handed to the node */
        bool announce_ok; /* the announcement's put was acknowledged */
        bool bye_pending;
        struct pb_signed online; /* our device state "online", put permanently */
        struct pb_signed bye;    /* our goodbye, signed in advance */
        uint64_t next_try;       /* pb_now_ms() of the next connect check / retry */
        uint64_t trying_since;   /* pb_now_ms() of the node's start */
        uint64_t announced_at;   /* pb_now_ms() when the presence puts were started */
        uint64_t listen_at;      /* when to listen at the latest: UINT64_MAX until
                                     announced, 0 once listening */
        unsigned backoff_ms;

        /* buddy.c: other accounts' presence */
        struct pb_buddy **buddies;
        size_t n_buddies, cap_buddies;
        uint64_t dropped;        /* values dropped from buddies' hashes */
        uint64_t recheck_window; /* pb_now_ms() when the current second of re-checks began */
        unsigned rechecks_in_window;
        uint64_t
                recheck_due; /* the earliest buddy's next re-check; 0: walk them at the next tick */

        /* devices.c: other accounts' known devices, one peer per tracked buddy */
        struct pb_peer **peers;
        size_t n_peers, cap_peers;

        /* contacts.c: the contact list */
        struct pb_contact *contacts; /* sorted by uri */
        size_t n_contacts, cap_contacts;

        /* trust.c: the request protocol (pending requests are counted in the store) */
        pb_listen *inbox;
        struct pb_lookup *lookups; /* requests waiting for their signer's certificate */
        unsigned n_lookups;
        uint64_t dropped_requests;
        struct pb_request_limits limits;
        struct pb_bucket bucket; /* signalled requests, all senders */
        struct pb_sender_rate *senders;
        unsigned n_senders;
        uint64_t next_resend_scan;
        unsigned drop_confirmations; /* test hook: confirmations to lose */

        /* channels.c: direct channels (its struct is its own) */
        struct pb_channels *channels;

        /* own_devices.c: our account's other devices */
        pb_listen *own_listen;

        /* sync.c: what our devices tell each other */
        bool sync_due; /* set by pb_account_sync_later() */
        uint64_t dropped_syncs;
        uint64_t syncs_by_channel, syncs_by_dht; /* sent (for tests: testing.h) */
        /* revoke.c: revoking our devices */
        struct pb_revocation *revocation;    /* the one under way, NULL when none */
        bool revoked;                        /* this device is revoked: it runs nothing */
        bool ignore_revocation;              /* test hook: keeps running when revoked */
        struct pb_pending_crl *pending_crls; /* other accounts' lists awaiting their cert */
        unsigned n_pending_crls;

        /* peer_crl.c: devices known revoked, any account's */
        pb_hash *revoked_devs;
        unsigned n_revoked_devs;

        /* nearby.c: the account on the LAN, what it announces and hears */
        struct pb_nearby *nearby;
        size_t n_nearby, cap_nearby;
        uint32_t lan;               /* PEERBOOK_LAN_* (saved) */
        bool lan_changed;           /* what we announce changed: the context tells the LAN now */
        struct pb_bucket lan_pings; /* LAN nodes pinged */

        /* rendezvous.c: channel requests over the DHT */
        pb_listen *rdv_listen;
        struct pb_rdv_rate *rdv_rates;
        unsigned n_rdv_rates;
};

/* Events go through here: a stopping account (removed, perhaps from inside
 * one of its own callbacks) reports nothing more. */
static inline void pb_account_emit(pb_account *a, const struct peerbook_event *ev) {
        if (!a->stopping)
                a->env.emit(a->env.ctx, ev);
}

/* A queue item about this account, from the owner thread. */
static inline struct pb_item *pb_account_item(pb_account *a, enum pb_item_kind kind, size_t len) {
        struct pb_item *it = pb_item_new(kind, len);
        if (it) {
                it->account_serial = a->serial;
                it->generation = a->generation;
        }
        return it;
}

static inline struct pb_origin pb_account_origin(const pb_account *a) {
        return (struct pb_origin){ a->env.queue, a->serial, a->generation };
}

/* Our other devices should learn of a change (a contact, a request, a
 * device's name): sync.c sends them our DeviceSync from the next tick, once
 * for all the changes made until then. */
static inline void pb_account_sync_later(pb_account *a) {
        a->sync_due = true;
        a->deadline = 0;
}

/* Work was scheduled outside a tick (an API call): tick at the next process. */
static inline void pb_account_wake(pb_account *a) {
        a->deadline = 0;
}
