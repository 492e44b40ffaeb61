/* SPDX-License-Identifier: GPL-3.0-or-later */
/* channel.c — one direct channel: TCP, TLS, framing, beacons (channel.h). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "channel.h"
#include "netaddr.h"
#include "pidf.h"
#include "util.h"
#include "wire.h"

#define READ_CHUNK 16384
#define READS_PER_EVENT 32 /* then other channels get their turn */
#define PRESENCE_ID 1      /* the number the dialler gives the presence channel */
#define SYNC_ID 2          /* and the sync channel */
/* A vanished network leaves our unacknowledged data in flight: the kernel
 * gives up after this (beacons are unanswered well before). */
#define TCP_USER_TIMEOUT_MS 10000

static void on_io(struct pb_watch *w, uint32_t events);

static void socket_options(int fd) {
        int one = 1, timeout = TCP_USER_TIMEOUT_MS;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &timeout, sizeof(timeout));
}

static void init(struct pb_chan *c, pb_poll *poll, int fd, const struct sockaddr *addr) {
        c->watch.fd = fd;
        c->watch.cb = on_io;
        c->poll = poll;
        c->started = c->last_rx = pb_now_ms();
        pb_frame_reader_init(&c->reader);
        pb_addr_copy(addr, &c->addr);
}

static void finish(struct pb_chan *c, enum pb_chan_end why) {
        if (c->state == PB_CHAN_CLOSED)
                return;
        c->state = PB_CHAN_CLOSED;
        c->end = why;
        pb_watch_del(c->poll, &c->watch);
        if (c->watch.fd >= 0)
                close(c->watch.fd);
        c->watch.fd = -1;
        c->ops->closed(c, why);
}

static void set_events(struct pb_chan *c, uint32_t events) {
        if (pb_watch_set(c->poll, &c->watch, events) < 0)
                finish(c, PB_END_GONE);
}

/* ---- output ---------------------------------------------------------- */

/* Hands buffered output to TLS until the socket is full. After EAGAIN,
 * GnuTLS holds the record it was given: resume with (NULL, 0). */
static void flush(struct pb_chan *c) {
        while (c->state != PB_CHAN_CLOSED && (c->out_len > 0 || c->out_blocked)) {
                ssize_t n;
                if (c->out_blocked)
                        n = gnutls_record_send(c->tls, NULL, 0);
                else
                        n = gnutls_record_send(c->tls, c->out,
                                               c->out_len > READ_CHUNK ? READ_CHUNK : c->out_len);
                if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
                        c->out_blocked = true;
                        set_events(c, EPOLLIN | EPOLLOUT);
                        return;
                }
                if (n < 0) {
                        finish(c, PB_END_GONE);
                        return;
                }
                c->out_blocked = false;
                memmove(c->out, c->out + n, c->out_len - (size_t)n);
                c->out_len -= (size_t)n;
        }
        if (c->state != PB_CHAN_CLOSED)
                set_events(c, EPOLLIN);
}

static int append(struct pb_chan *c, const void *data, size_t len) {
        if (c->out_len + len > PB_CHAN_OUT_MAX) {
                finish(c, PB_END_FULL);
                return -ENOBUFS;
        }
        if (c->out_len + len > c->out_cap) {
                size_t cap = c->out_cap ? c->out_cap * 2 : 4096;
                while (cap < c->out_len + len)
                        cap *= 2;
                uint8_t *p = realloc(c->out, cap);
                if (!p)
                        return -ENOMEM;
                c->out = p;
                c->out_cap = cap;
        }
        memcpy(c->out + c->out_len, data, len);
        c->out_len += len;
        return 0;
}

static int send_frame(struct pb_chan *c, uint16_t channel, const void *data, size_t len) {
        uint8_t head[PB_FRAME_HEADER_MAX];
        size_t head_len;
        int r = pb_frame_header_encode(channel, len, head, &head_len);
        if (r == 0)
                r = append(c, head, head_len);
        if (r == 0 && len > 0)
                r = append(c, data, len);
        if (r == 0)
                flush(c);
        return c->state == PB_CHAN_CLOSED ? -ENOTCONN : r;
}

static int send_packed(struct pb_chan *c, uint16_t channel, int r, uint8_t *data, size_t len) {
        if (r == 0)
                r = send_frame(c, channel, data, len);
        free(data);
        return r;
}

static int send_protocol(struct pb_chan *c, const struct pb_protocol_msg *m) {
        uint8_t *data = NULL;
        size_t len = 0;
        int r = pb_protocol_msg_encode(m, &data, &len);
        return send_packed(c, PB_PROTOCOL_CHANNEL, r, data, len);
}

static int send_control(struct pb_chan *c, const char *name, uint16_t id,
                        enum pb_channel_state state) {
        struct pb_channel_request q = { .channel = id, .state = state };
        if (strlen(name) >= sizeof(q.name))
                return -EINVAL;
        strcpy(q.name, name);
        uint8_t *data = NULL;
        size_t len = 0;
        int r = pb_channel_request_encode(&q, &data, &len);
        return send_packed(c, PB_CONTROL_CHANNEL, r, data, len);
}

int pb_chan_send_note(struct pb_chan *c, const char *entity, bool open, const char *note) {
        if (c->state != PB_CHAN_OPEN)
                return -ENOTCONN;
        char *doc = NULL;
        size_t len = 0;
        int r = pb_pidf_build(entity, open, note, &doc, &len);
        return send_packed(c, c->presence, r, (uint8_t *)doc, len);
}

int pb_chan_send_sync(struct pb_chan *c, const uint8_t *data, size_t len) {
        if (c->state != PB_CHAN_OPEN || !c->sync)
                return -ENOTCONN;
        if (len == 0 || len > PB_FRAME_DATA_MAX)
                return -EMSGSIZE;
        return send_frame(c, c->sync, data, len);
}

/* ---- input ----------------------------------------------------------- */

static void became_open(struct pb_chan *c, uint16_t id) {
        c->presence = id;
        c->state = PB_CHAN_OPEN;
        c->ops->opened(c);
}

static void on_protocol(struct pb_chan *c, const struct pb_frame *f) {
        struct pb_protocol_msg m;
        if (pb_protocol_msg_decode(f->data, f->len, &m) < 0) {
                finish(c, PB_END_BAD);
                return;
        }
        if (m.kind == PB_PROTOCOL_VERSION)
                c->peer_version = true;
        else if (m.kind == PB_PROTOCOL_BEACON && m.ping)
                send_protocol(c, &(struct pb_protocol_msg){ .kind = PB_PROTOCOL_BEACON });
}

/* The sync channel, between devices of one account: asked for after the
 * presence channel, accepted once on a free number. */
static void on_sync_control(struct pb_chan *c, const struct pb_channel_request *q) {
        if (q->state == PB_CHANNEL_REQUEST) {
                bool ok = c->own && !c->client && !c->sync && c->state == PB_CHAN_OPEN &&
                          q->channel != PB_CONTROL_CHANNEL && q->channel != PB_PROTOCOL_CHANNEL &&
                          q->channel != c->presence;
                if (send_control(c, q->name, q->channel,
                                 ok ? PB_CHANNEL_ACCEPT : PB_CHANNEL_DECLINE) == 0 &&
                    ok) {
                        c->sync = q->channel;
                        c->ops->sync_ready(c);
                }
        } else if (c->own && c->client && !c->sync && q->channel == SYNC_ID &&
                   q->state == PB_CHANNEL_ACCEPT && c->state == PB_CHAN_OPEN) {
                c->sync = SYNC_ID;
                c->ops->sync_ready(c);
        }
}

/* The dialler asks for the presence channel; we accept that name only, on a
 * number that is not reserved, once. */
static void on_control(struct pb_chan *c, const struct pb_frame *f) {
        struct pb_channel_request q;
        if (pb_channel_request_decode(f->data, f->len, &q) < 0) {
                finish(c, PB_END_BAD);
                return;
        }
        if (!strcmp(q.name, PB_SYNC_CHANNEL)) {
                on_sync_control(c, &q);
                return;
        }
        bool ours = !strcmp(q.name, PB_PRESENCE_CHANNEL);
        if (q.state == PB_CHANNEL_REQUEST) {
                bool ok = ours && !c->client && c->state == PB_CHAN_MUX &&
                          q.channel != PB_CONTROL_CHANNEL && q.channel != PB_PROTOCOL_CHANNEL;
                if (send_control(c, q.name, q.channel,
                                 ok ? PB_CHANNEL_ACCEPT : PB_CHANNEL_DECLINE) == 0 &&
                    ok)
                        became_open(c, q.channel);
        } else if (ours && c->client && c->state == PB_CHAN_MUX && q.channel == PRESENCE_ID) {
                if (q.state == PB_CHANNEL_ACCEPT) {
                        became_open(c, PRESENCE_ID);
                        if (c->own && c->state == PB_CHAN_OPEN)
                                send_control(c, PB_SYNC_CHANNEL, SYNC_ID, PB_CHANNEL_REQUEST);
                } else
                        finish(c, PB_END_REFUSED);
        }
}

static void on_presence(struct pb_chan *c, const struct pb_frame *f) {
        if (f->len == 0) {
                /* The peer ended its side of the presence channel: it closes. */
                finish(c, c->said_goodbye ? PB_END_GOODBYE : PB_END_CLOSED);
                return;
        }
        bool open = false;
        char *note = NULL;
        if (pb_pidf_parse(f->data, f->len, &open, &note) < 0) {
                finish(c, PB_END_BAD);
                return;
        }
        if (open)
                c->ops->note(c, note);
        else
                c->said_goodbye = true;
        free(note);
}

static void on_frame(struct pb_chan *c, const struct pb_frame *f) {
        if (f->channel == PB_PROTOCOL_CHANNEL)
                on_protocol(c, f);
        else if (f->channel == PB_CONTROL_CHANNEL)
                on_control(c, f);
        else if (c->state == PB_CHAN_OPEN && f->channel == c->presence)
                on_presence(c, f);
        else if (c->state == PB_CHAN_OPEN && c->sync && f->channel == c->sync && f->len)
                c->ops->sync(c, f->data, f->len);
        /* Frames of a channel we never opened: ignored, as Jami does. */
}

static void feed(struct pb_chan *c, const uint8_t *data, size_t len) {
        while (len > 0 && c->state != PB_CHAN_CLOSED) {
                struct pb_frame f;
                size_t used = 0;
                int r = pb_frame_reader_feed(&c->reader, data, len, &used, &f);
                if (r < 0) {
                        finish(c, PB_END_BAD);
                        return;
                }
                data += used;
                len -= used;
                if (r == 1)
                        on_frame(c, &f);
        }
}

/* How a read that failed ends the channel: a close_notify is a clean close;
 * a connection that just stops (a killed process's kernel closes it without
 * one) or resets means the device is gone, unless it had said goodbye. */
static enum pb_chan_end read_end(const struct pb_chan *c, ssize_t n) {
        if (c->said_goodbye)
                return PB_END_GOODBYE;
        return n == 0 ? PB_END_CLOSED : PB_END_GONE;
}

static void read_all(struct pb_chan *c) {
        uint8_t buf[READ_CHUNK];
        c->more = false;
        for (unsigned i = 0; i < READS_PER_EVENT && c->state != PB_CHAN_CLOSED; i++) {
                ssize_t n = gnutls_record_recv(c->tls, buf, sizeof(buf));
                if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
                        return;
                if (n <= 0) {
                        finish(c, read_end(c, n));
                        return;
                }
                c->last_rx = pb_now_ms();
                c->ping_at = 0;
                feed(c, buf, (size_t)n);
        }
        c->more = c->state != PB_CHAN_CLOSED;
        if (c->more)
                c->ops->wake(c);
}

/* ---- connection set-up ------------------------------------------------- */

static void start_mux(struct pb_chan *c) {
        c->state = PB_CHAN_MUX;
        c->last_rx = pb_now_ms();
        struct pb_protocol_msg v = { .kind = PB_PROTOCOL_VERSION,
                                     .version = PB_PROTOCOL_VERSION_CURRENT };
        if (send_protocol(c, &v) == 0 && c->client)
                send_control(c, PB_PRESENCE_CHANNEL, PRESENCE_ID, PB_CHANNEL_REQUEST);
}

static void on_handshake_done(struct pb_chan *c) {
        pb_hash account, device;
        if (pb_tls_peer_ids(c->tls, &account, &device) < 0 ||
            (c->client &&
             (!pb_hash_equal(&account, &c->account) || !pb_hash_equal(&device, &c->device)))) {
                finish(c, PB_END_REFUSED);
                return;
        }
        c->account = account;
        c->device = device;
        if (!c->ops->verify(c)) {
                finish(c, PB_END_REFUSED);
                return;
        }
        start_mux(c);
}

static void handshake(struct pb_chan *c) {
        int r = gnutls_handshake(c->tls);
        if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
                set_events(c, gnutls_record_get_direction(c->tls) ? EPOLLOUT : EPOLLIN);
                return;
        }
        if (r < 0) {
                /* A peer that hangs up during the handshake was not refused: a
                 * contact's device does so with its extra dials (channels.c
                 * keeps one channel per device). */
                bool hung_up = r == GNUTLS_E_PREMATURE_TERMINATION || r == GNUTLS_E_PULL_ERROR ||
                               r == GNUTLS_E_PUSH_ERROR;
                finish(c, hung_up ? PB_END_GONE : PB_END_REFUSED);
                return;
        }
        set_events(c, EPOLLIN);
        on_handshake_done(c);
}

static void connected(struct pb_chan *c) {
        int err = 0;
        socklen_t len = sizeof(err);
        if (getsockopt(c->watch.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
                finish(c, PB_END_REFUSED);
                return;
        }
        c->state = PB_CHAN_HANDSHAKE;
        handshake(c);
}

static void on_io(struct pb_watch *w, uint32_t events) {
        struct pb_chan *c = (struct pb_chan *)w;
        if (c->state == PB_CHAN_CONNECTING) {
                connected(c);
                return;
        }
        if (c->state == PB_CHAN_HANDSHAKE) {
                handshake(c);
                return;
        }
        if (events & EPOLLOUT)
                flush(c);
        if (c->state != PB_CHAN_CLOSED && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                read_all(c);
}

/* A channel that could not start never reaches its owner: closed() is not
 * called, the caller frees it. */
static int start_failed(struct pb_chan *c, int r) {
        close(c->watch.fd);
        c->watch.fd = -1;
        c->state = PB_CHAN_CLOSED;
        c->end = PB_END_REFUSED;
        return r;
}

static int start_io(struct pb_chan *c, pb_tls_creds *creds, uint32_t events) {
        int r = pb_tls_session_new(creds, c->watch.fd, c->client, &c->tls);
        if (r == 0)
                r = pb_watch_add(c->poll, &c->watch, events);
        return r < 0 ? start_failed(c, r) : 0;
}

int pb_chan_dial(struct pb_chan *c, pb_poll *poll, pb_tls_creds *creds, const struct sockaddr *addr,
                 const pb_hash *account, const pb_hash *device) {
        int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        socket_options(fd);
        init(c, poll, fd, addr);
        c->client = true;
        c->account = *account;
        c->device = *device;
        c->state = PB_CHAN_CONNECTING;
        int r = connect(fd, addr, pb_addr_len(addr)) < 0 && errno != EINPROGRESS ? -errno : 0;
        return r < 0 ? start_failed(c, r) : start_io(c, creds, EPOLLOUT);
}

int pb_chan_accept(struct pb_chan *c, pb_poll *poll, pb_tls_creds *creds, int fd,
                   const struct sockaddr *addr) {
        socket_options(fd);
        init(c, poll, fd, addr);
        c->state = PB_CHAN_HANDSHAKE;
        return start_io(c, creds, EPOLLIN);
}

/* ---- close and timers -------------------------------------------------- */

void pb_chan_close(struct pb_chan *c, enum pb_chan_end why, bool goodbye, const char *entity) {
        if (c->state == PB_CHAN_CLOSED)
                return;
        if (c->state == PB_CHAN_OPEN) {
                if (goodbye)
                        pb_chan_send_note(c, entity, false, "");
                if (c->state == PB_CHAN_OPEN)
                        send_frame(c, c->presence, NULL, 0);
        }
        /* Best effort, without waiting: what the socket takes now. */
        if (c->state != PB_CHAN_CLOSED && c->state >= PB_CHAN_MUX)
                gnutls_bye(c->tls, GNUTLS_SHUT_WR);
        finish(c, why);
}

void pb_chan_ping(struct pb_chan *c, uint64_t now) {
        if (c->state != PB_CHAN_OPEN || c->ping_at)
                return; /* one beacon at a time */
        c->ping_at = now;
        send_protocol(c, &(struct pb_protocol_msg){ .kind = PB_PROTOCOL_BEACON, .ping = true });
}

uint64_t pb_chan_tick(struct pb_chan *c, uint64_t now) {
        if (c->state == PB_CHAN_CLOSED)
                return UINT64_MAX;
        if (c->state == PB_CHAN_CONNECTING || c->state == PB_CHAN_HANDSHAKE ||
            c->state == PB_CHAN_MUX) {
                uint64_t limit =
                        c->started + (c->state == PB_CHAN_CONNECTING ? PB_CHAN_CONNECT_MS
                                                                     : PB_CHAN_HANDSHAKE_MS);
                if (now >= limit) {
                        finish(c, PB_END_REFUSED);
                        return UINT64_MAX;
                }
                return limit;
        }
        if (c->more)
                read_all(c);
        if (c->ping_at && now >= c->ping_at + PB_CHAN_ANSWER_MS) {
                finish(c, PB_END_GONE);
                return UINT64_MAX;
        }
        if (!c->ping_at && now >= c->last_rx + PB_CHAN_IDLE_MS)
                pb_chan_ping(c, now);
        if (c->state == PB_CHAN_CLOSED)
                return UINT64_MAX;
        if (c->more)
                return now;
        return c->ping_at ? c->ping_at + PB_CHAN_ANSWER_MS : c->last_rx + PB_CHAN_IDLE_MS;
}

void pb_chan_free(struct pb_chan *c) {
        if (c->watch.fd >= 0) {
                pb_watch_del(c->poll, &c->watch);
                close(c->watch.fd);
        }
        if (c->tls)
                gnutls_deinit(c->tls);
        pb_frame_reader_done(&c->reader);
        free(c->out);
        free(c);
}
