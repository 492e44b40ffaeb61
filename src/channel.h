/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * channel.h — one direct channel to a contact's device: a TCP connection,
 * TLS 1.3 inside it (tls.h), Jami's multiplexed framing inside that
 * (channel_wire.h), and on it one named channel, PB_PRESENCE_CHANNEL, that
 * carries PIDF documents (pidf.h). Liveness by Jami's beacons.
 *
 * The life of a channel:
 *   CONNECTING (dialled: TCP connect in progress)
 *   HANDSHAKE  TLS handshake; then the peer's chain is checked (tls.h) and
 *              the owner's verify() decides whether this peer may talk to us
 *   MUX        both sides send {"v":1}; the dialler asks for the presence
 *              channel, the other side accepts it
 *   OPEN       opened() was called: notes flow both ways, beacons keep it
 *   CLOSED     closed() was called once, with why; the owner frees it
 * Everything runs on the owner's thread, from pb_poll_dispatch() and the
 * owner's tick. A channel never frees itself.
 */
#pragma once

#include <gnutls/gnutls.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "channel_wire.h"
#include "dht/dht.h"
#include "pollset.h"
#include "tls.h"

/* peerbook's named channel, asked for by the dialler (Jami's daemons
 * decline names they do not know). */
#define PB_PRESENCE_CHANNEL "peerbook/presence"
/* Between two devices of one account, a second one: each frame a DeviceSync
 * (device_sync.h), asked for by the dialler too when verify() set `own`. */
#define PB_SYNC_CHANNEL "peerbook/sync"

/* Timers, in milliseconds (docs/architecture.md, "Direct channels"). */
#define PB_CHAN_CONNECT_MS 5000   /* TCP connect */
#define PB_CHAN_HANDSHAKE_MS 8000 /* from TCP up to OPEN */
#define PB_CHAN_IDLE_MS 8000      /* silence before we send a beacon */
#define PB_CHAN_ANSWER_MS 4000    /* then, silence before the peer is dead */
/* What a peer may make us buffer: our writes it does not read. Past it, the
 * channel is closed (a slow reader never makes us grow without bound). */
#define PB_CHAN_OUT_MAX (256 * 1024)

enum pb_chan_state {
        PB_CHAN_CONNECTING,
        PB_CHAN_HANDSHAKE,
        PB_CHAN_MUX,
        PB_CHAN_OPEN,
        PB_CHAN_CLOSED,
};

enum pb_chan_end {
        PB_END_LOCAL,   /* we closed it */
        PB_END_CLOSED,  /* the peer closed it cleanly (TLS close_notify), no goodbye */
        PB_END_GOODBYE, /* the peer said goodbye (a "closed" PIDF): it stops */
        PB_END_GONE,    /* silence, a reset, a crash: the device is gone */
        PB_END_REFUSED, /* TCP or TLS failed, bad chain, refused by verify() */
        PB_END_BAD,     /* a malformed frame or document, a protocol error */
        PB_END_FULL,    /* the peer stopped reading (PB_CHAN_OUT_MAX) */
};

struct pb_chan;

struct pb_chan_ops {
        /* The handshake is done and c->account, c->device are the peer's,
         * checked: false closes the channel as refused. */
        bool (*verify)(struct pb_chan *c);
        void (*opened)(struct pb_chan *c);
        /* A PIDF document: open false is a goodbye (closed follows). */
        void (*note)(struct pb_chan *c, const char *note);
        /* Once, whatever the state. */
        void (*closed)(struct pb_chan *c, enum pb_chan_end why);
        /* Input is left in TLS's buffers: call pb_chan_tick() soon. */
        void (*wake)(struct pb_chan *c);
        /* The sync channel is up (both sides may send), and a frame on it. */
        void (*sync_ready)(struct pb_chan *c);
        void (*sync)(struct pb_chan *c, const uint8_t *data, size_t len);
};

struct pb_chan {
        struct pb_watch watch; /* first: poll handlers are given it */
        const struct pb_chan_ops *ops;
        void *owner;
        pb_poll *poll;
        struct pb_chan *next; /* the owner's list */
        enum pb_chan_state state;
        bool client; /* we dialled */
        gnutls_session_t tls;
        struct sockaddr_storage addr;       /* the peer's (dialled or accepted from) */
        pb_hash account, device;            /* expected (dialled), then as verified */
        uint64_t started, last_rx, ping_at; /* pb_now_ms(); ping_at 0: none outstanding */
        struct pb_frame_reader reader;
        uint8_t *out; /* written, not yet taken by TLS */
        size_t out_len, out_cap;
        bool out_blocked;  /* TLS holds a record the socket did not take */
        bool peer_version; /* the peer sent {"v":...} */
        uint16_t presence; /* the presence channel's number, once up */
        bool said_goodbye; /* the peer sent a "closed" document */
        bool more;         /* input left unread (bounded reads): process again soon */
        bool heard;        /* the owner's: the peer's first document arrived */
        bool own;          /* set by verify(): a device of our account, with a sync channel */
        uint16_t sync;     /* the sync channel's number, once up */
        enum pb_chan_end end;
};

/* Starts a connection to addr, expecting device `device` of `account`. */
int pb_chan_dial(struct pb_chan *c, pb_poll *poll, pb_tls_creds *creds, const struct sockaddr *addr,
                 const pb_hash *account, const pb_hash *device);
/* Takes an accepted socket. */
int pb_chan_accept(struct pb_chan *c, pb_poll *poll, pb_tls_creds *creds, int fd,
                   const struct sockaddr *addr);

/* Sends a PIDF document (our note, or a goodbye with open false) on an OPEN
 * channel; `entity` is our account ID. -ENOTCONN when not OPEN. */
int pb_chan_send_note(struct pb_chan *c, const char *entity, bool open, const char *note);

/* Sends a DeviceSync on the sync channel: -ENOTCONN when it is not up,
 * -EMSGSIZE past one frame. */
int pb_chan_send_sync(struct pb_chan *c, const uint8_t *data, size_t len);

/* Closes it now: with a goodbye document first when `goodbye` and it is
 * OPEN (we stop). Calls closed() with PB_END_LOCAL, or with `why`. */
void pb_chan_close(struct pb_chan *c, enum pb_chan_end why, bool goodbye, const char *entity);

/* Sends a beacon now unless one is out: no answer within PB_CHAN_ANSWER_MS
 * and the channel is gone (after the machine's addresses changed, as Jami
 * does on connectivityChanged()). */
void pb_chan_ping(struct pb_chan *c, uint64_t now);

/* Runs its timers; returns the pb_now_ms() of its next one. */
uint64_t pb_chan_tick(struct pb_chan *c, uint64_t now);

/* Frees what it holds (after closed()). */
void pb_chan_free(struct pb_chan *c);
