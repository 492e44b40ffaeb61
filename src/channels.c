/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE /* accept4() */
/* channels.c — an account's direct channels (channels.h). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "account-internal.h"
#include "buddy.h"
#include "channel.h"
#include "channels.h"
#include "contacts.h"
#include "netaddr.h"
#include "peer_crl.h"
#include "pidf.h"
#include "rendezvous.h"
#include "store.h"
#include "util.h"
#include "wire.h"

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 30000
#define SCAN_MS 1000 /* how often present devices without a channel are checked */
#define ACCEPTS_PER_EVENT 16
#define DIAL_ADDRS_MAX 4 /* addresses dialled per request */

/* What we know about dialling one device. */
struct pb_dial {
        pb_hash account, device;
        uint64_t next_at; /* pb_now_ms() of the next attempt */
        unsigned backoff_ms;
        /* Where it was last reached (the store's `reach:` key, read once when
         * this record is made: the scan asks every second). */
        bool has_saved;
        struct sockaddr_storage saved;
        /* The listener addresses its last request or answer gave: when it
         * dials us from one of their hosts, that is where it can be reached
         * (an accepted connection's own port is an ephemeral one). */
        struct sockaddr_storage offered[DIAL_ADDRS_MAX];
        unsigned n_offered;
        bool own_online; /* a device of our account that says it is online */
};

struct pb_channels {
        pb_account *a;
        pb_tls_creds *creds;
        struct pb_watch listener;
        int32_t port_config;
        uint16_t port;
        struct pb_chan *list;
        unsigned n_open;
        /* Being set up, ours ([1]) and accepted ([0]) apart: strangers
         * holding every accepted slot never stop us from dialling. */
        unsigned n_pending[2];
        uint64_t refused, dropped;
        uint64_t next_scan;
        uint64_t chan_due; /* the earliest channel timer at the last walk */
        bool walk;         /* a channel was added, opened, closed or has input left */
        struct pb_dial *dials;
        unsigned n_dials;
        char note[PEERBOOK_NOTE_MAX + 1];
};

static const struct pb_chan_ops chan_ops;

/* The channels' timers are walked at the next tick. */
static void changed(struct pb_channels *cs) {
        cs->walk = true;
        pb_account_wake(cs->a);
}

static unsigned total(const struct pb_channels *cs) {
        return cs->n_open + cs->n_pending[0] + cs->n_pending[1];
}

/* ---- saved addresses: where a device was last reached --------------------- */

static void reach_key(const pb_hash *device, char key[64]) {
        char hex[PB_HEX_LEN + 1];
        pb_hash_to_hex(device, hex);
        snprintf(key, 64, "reach:%s", hex);
}

static bool load_saved(pb_account *a, const pb_hash *device, struct sockaddr_storage *ret) {
        char key[64], addr[PB_ADDR_STR_MAX];
        reach_key(device, key);
        return pb_store_get(a->store, key, addr, sizeof(addr)) == 0 &&
               pb_addr_parse(addr, ret) == 0 && pb_addr_usable((struct sockaddr *)ret);
}

/* Sorted by device: the scan looks each contact's device up every second. */
static struct pb_dial *dial_of(struct pb_channels *cs, const pb_hash *account,
                               const pb_hash *device) {
        unsigned lo = 0, hi = cs->n_dials;
        while (lo < hi) {
                unsigned mid = (lo + hi) / 2;
                int cmp = memcmp(cs->dials[mid].device.d, device->d, PB_HASH_LEN);
                if (cmp == 0)
                        return &cs->dials[mid];
                if (cmp < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        struct pb_dial *d = realloc(cs->dials, (cs->n_dials + 1) * sizeof(*d));
        if (!d)
                return NULL;
        cs->dials = d;
        memmove(&d[lo + 1], &d[lo], (cs->n_dials++ - lo) * sizeof(*d));
        d = &cs->dials[lo];
        *d = (struct pb_dial){ .account = *account,
                               .device = *device,
                               .backoff_ms = BACKOFF_MIN_MS };
        d->has_saved = load_saved(cs->a, device, &d->saved);
        return d;
}

/* A channel to device, open or being set up (by us when `ours_only`). */
static struct pb_chan *chan_to(struct pb_channels *cs, const pb_hash *device, bool open_only) {
        for (struct pb_chan *c = cs->list; c; c = c->next)
                if (c->state != PB_CHAN_CLOSED && pb_hash_equal(&c->device, device) &&
                    (!open_only || c->state == PB_CHAN_OPEN))
                        return c;
        return NULL;
}

static void save_reached(pb_account *a, struct pb_dial *d, const struct sockaddr *sa) {
        char key[64], addr[PB_ADDR_STR_MAX];
        if ((d->has_saved && pb_addr_equal((struct sockaddr *)&d->saved, sa)) ||
            pb_addr_format(sa, addr) < 0 || pb_addr_copy(sa, &d->saved) < 0)
                return;
        d->has_saved = true;
        reach_key(&d->device, key);
        pb_store_set(a->store, key, addr);
}

static bool same_host(const struct sockaddr_storage *x, const struct sockaddr_storage *y) {
        struct sockaddr_storage a = *x, b = *y;
        pb_addr_set_port(&a, 1);
        pb_addr_set_port(&b, 1);
        return pb_addr_equal((struct sockaddr *)&a, (struct sockaddr *)&b);
}

/* A channel we accepted: the address it offered on the host it came from. */
static void save_offered(pb_account *a, struct pb_dial *d, const struct pb_chan *c) {
        for (unsigned i = 0; i < d->n_offered; i++)
                if (same_host(&d->offered[i], &c->addr)) {
                        save_reached(a, d, (const struct sockaddr *)&d->offered[i]);
                        return;
                }
}

/* ---- dialling --------------------------------------------------------------- */

static void link_chan(struct pb_channels *cs, struct pb_chan *c) {
        c->next = cs->list;
        cs->list = c;
        cs->n_pending[c->client]++;
        changed(cs);
}

static void dial(struct pb_channels *cs, const pb_hash *account, const pb_hash *device,
                 const struct sockaddr *addr) {
        if (cs->n_pending[1] >= PB_HANDSHAKES_MAX || total(cs) >= PB_CHANNELS_MAX)
                return;
        struct pb_chan *c = calloc(1, sizeof(*c));
        if (!c)
                return;
        c->ops = &chan_ops;
        c->owner = cs;
        if (pb_chan_dial(c, cs->a->env.poll, cs->creds, addr, account, device) < 0) {
                pb_chan_free(c);
                return;
        }
        link_chan(cs, c);
}

static void dial_addrs(struct pb_channels *cs, const pb_hash *account, const pb_hash *device,
                       const struct pb_rendezvous *m) {
        for (unsigned i = 0; i < m->n_addrs && i < DIAL_ADDRS_MAX; i++)
                if (!chan_to(cs, device, true))
                        dial(cs, account, device, (const struct sockaddr *)&m->addrs[i]);
}

/* One attempt at a channel to a known device: its saved address, and a
 * rendezvous request when the DHT says it is there (none to a device that
 * is offline: DHT traffic for nothing). */
static void attempt(struct pb_channels *cs, struct pb_dial *d, const struct pb_known_device *k,
                    bool rendezvous, uint64_t now) {
        pb_account *a = cs->a;
        d->next_at = now + d->backoff_ms;
        d->backoff_ms = d->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : d->backoff_ms * 2;
        if (d->has_saved)
                dial(cs, &d->account, &d->device, (const struct sockaddr *)&d->saved);
        if (rendezvous && a->rdv_listen)
                pb_rendezvous_send(a, k, pb_random_u64() >> 11 | 1, false, cs->port);
}

/* The devices of active contacts that should have a channel and have none:
 * present on the DHT (peerbook devices only: a Jami device publishes no
 * device state and would never answer), or reached before at an address we
 * saved, which is dialled with the same back-off whatever the DHT says (a
 * restart, or a DHT that is slow or split, does not keep us apart). */
static int cmp_hash(const void *x, const void *y) {
        return memcmp(x, y, PB_HASH_LEN);
}

static void scan_contact(struct pb_channels *cs, struct pb_buddy *b, const pb_hash *busy,
                         size_t n_busy, uint64_t now) {
        struct pb_peer *p = pb_devices_get(cs->a, &b->id);
        for (unsigned i = 0; p && i < p->n_known; i++) {
                const struct pb_known_device *k = &p->known[i];
                if (n_busy && bsearch(&k->id, busy, n_busy, sizeof(*busy), cmp_hash))
                        continue;
                struct pb_dial *d = dial_of(cs, &b->id, &k->id);
                if (!d || now < d->next_at)
                        continue;
                bool peerbook = pb_presence_has_state(&b->presence, &k->id);
                bool present = k->present && peerbook;
                if (present || d->has_saved)
                        attempt(cs, d, k, present, now);
        }
}

/* A device of our own account, not revoked, not this one: what may open a
 * channel with a sync channel in it. */
static bool own_device(pb_account *a, const pb_hash *account, const pb_hash *device,
                       struct pb_own_device_row *row) {
        char hex[PB_HEX_LEN + 1];
        if (!pb_hash_equal(account, &a->keys.account_id) ||
            pb_hash_equal(device, &a->keys.device_id) || !a->store)
                return false;
        pb_hash_to_hex(device, hex);
        return pb_store_own_device_get(a->store, hex, row) == 0 && !row->revoked;
}

/* Our other devices that say they are online, as scan_contact() does for a
 * contact's: a handful of dial records, walked at each scan. */
static void scan_own(struct pb_channels *cs, const pb_hash *busy, size_t n_busy, uint64_t now) {
        pb_account *a = cs->a;
        for (unsigned i = 0; i < cs->n_dials; i++) {
                struct pb_dial *d = &cs->dials[i];
                struct pb_own_device_row row;
                if (!d->own_online || now < d->next_at ||
                    (n_busy && bsearch(&d->device, busy, n_busy, sizeof(*busy), cmp_hash)) ||
                    !own_device(a, &d->account, &d->device, &row))
                        continue;
                struct pb_known_device k = { .id = d->device, .pk = row.pk, .pk_len = row.pk_len };
                attempt(cs, d, &k, true, now);
        }
}

void pb_channels_own_device(pb_account *a, const pb_hash *device, bool online) {
        struct pb_channels *cs = a->channels;
        if (!cs)
                return;
        struct pb_dial *d = dial_of(cs, &a->keys.account_id, device);
        if (!d || d->own_online == online)
                return;
        d->own_online = online;
        if (online) {
                d->next_at = 0;
                d->backoff_ms = BACKOFF_MIN_MS;
                cs->next_scan = 0;
                pb_account_wake(a);
        }
}

void pb_channels_connectivity_changed(pb_account *a) {
        struct pb_channels *cs = a->channels;
        if (!cs)
                return;
        uint64_t now = pb_now_ms();
        for (struct pb_chan *c = cs->list; c; c = c->next)
                pb_chan_ping(c, now);
        for (unsigned i = 0; i < cs->n_dials; i++) {
                cs->dials[i].next_at = 0;
                cs->dials[i].backoff_ms = BACKOFF_MIN_MS;
        }
        cs->next_scan = 0;
        changed(cs);
}

int pb_channels_send_sync(pb_account *a, const pb_hash *device, const uint8_t *data, size_t len) {
        struct pb_channels *cs = a->channels;
        for (struct pb_chan *c = cs ? cs->list : NULL; c; c = c->next)
                if (c->state == PB_CHAN_OPEN && c->sync && pb_hash_equal(&c->device, device))
                        return pb_chan_send_sync(c, data, len);
        return -ENOTCONN;
}

/* Once a second: the devices with a channel are sorted once, so that a
 * hub with thousands of channels does not look each device up in the list. */
static void scan(struct pb_channels *cs, uint64_t now) {
        pb_account *a = cs->a;
        size_t n_busy = 0, n = 1;
        for (struct pb_chan *c = cs->list; c; c = c->next)
                n++;
        pb_hash *busy = malloc(n * sizeof(*busy));
        for (struct pb_chan *c = cs->list; busy && c; c = c->next)
                if (c->state != PB_CHAN_CLOSED)
                        busy[n_busy++] = c->device;
        if (!busy)
                return; /* out of memory: try at the next scan */
        qsort(busy, n_busy, sizeof(*busy), cmp_hash);
        for (size_t i = 0; i < a->n_buddies; i++) {
                struct pb_buddy *b = a->buddies[i];
                if (b->contact && pb_contact_trusted(a, &b->id))
                        scan_contact(cs, b, busy, n_busy, now);
        }
        scan_own(cs, busy, n_busy, now);
        free(busy);
}

void pb_channels_device_appeared(pb_account *a, const pb_hash *account, const pb_hash *device) {
        struct pb_channels *cs = a->channels;
        if (!cs || !pb_contact_trusted(a, account))
                return;
        struct pb_dial *d = dial_of(cs, account, device);
        if (d) {
                d->next_at = 0;
                d->backoff_ms = BACKOFF_MIN_MS;
        }
        cs->next_scan = 0;
        pb_account_wake(a);
}

/* ---- what channels report -------------------------------------------------- */

/* A channel counts for status 2 once the peer's first presence document
 * came (both sides send one as the channel opens): the status-2 event then
 * carries the device's note. */
static bool counts(const struct pb_chan *c) {
        return c->state == PB_CHAN_OPEN && c->heard;
}

/* Counts the devices of `account` with an open channel into its buddy, and
 * reports its status from the next process (we are inside the dispatch). */
static void recount(struct pb_channels *cs, const pb_hash *account, bool note_changed) {
        struct pb_buddy *b = pb_buddy_find(cs->a, account);
        if (!b)
                return;
        unsigned n = 0;
        for (struct pb_chan *c = cs->list; c; c = c->next) {
                if (!counts(c) || !pb_hash_equal(&c->account, account))
                        continue;
                bool counted = false; /* two channels to one device, briefly */
                for (struct pb_chan *o = cs->list; o != c; o = o->next)
                        counted |= counts(o) && pb_hash_equal(&o->device, &c->device);
                n += !counted;
        }
        b->connected = n;
        if (n == 0 && b->line_status[0]) {
                b->line_status[0] = 0;
                note_changed = true;
        }
        pb_buddy_queue_report(cs->a, account, note_changed);
}

static bool verify(struct pb_chan *c) {
        struct pb_channels *cs = c->owner;
        struct pb_own_device_row row;
        c->own = own_device(cs->a, &c->account, &c->device, &row);
        /* A revoked device (peer_crl.h) is refused, and counted, as a
         * stranger is. */
        return (c->own || pb_contact_trusted(cs->a, &c->account)) &&
               !pb_revoked_device(cs->a, &c->device) && cs->n_open < PB_CHANNELS_MAX;
}

/* Which of two open channels to one device both sides keep: the one
 * dialled by the smaller device id; between two dialled by the same side,
 * the new one: a device dials only while it has no channel to the other, so
 * its second one means it lost the first (its address changed, say), which
 * the other side may not know yet. */
static pb_hash dialler(const struct pb_channels *cs, const struct pb_chan *c) {
        return c->client ? cs->a->keys.device_id : c->device;
}

static bool keeps(const struct pb_channels *cs, const struct pb_chan *x, const struct pb_chan *y) {
        pb_hash dx = dialler(cs, x), dy = dialler(cs, y);
        int cmp = memcmp(dx.d, dy.d, PB_HASH_LEN);
        return cmp != 0 ? cmp < 0 : true; /* same dialler: x is the new one, keep it */
}

static void one_per_device(struct pb_channels *cs, struct pb_chan *c) {
        for (struct pb_chan *o = cs->list; o && c->state == PB_CHAN_OPEN; o = o->next) {
                if (o == c || o->state == PB_CHAN_CLOSED || !pb_hash_equal(&o->device, &c->device))
                        continue;
                if (o->state != PB_CHAN_OPEN) {
                        if (o->client)
                                pb_chan_close(o, PB_END_LOCAL, false, NULL);
                        continue;
                }
                pb_chan_close(keeps(cs, c, o) ? o : c, PB_END_LOCAL, false, NULL);
        }
}

static void opened(struct pb_chan *c) {
        struct pb_channels *cs = c->owner;
        pb_account *a = cs->a;
        cs->n_pending[c->client]--;
        cs->n_open++;
        changed(cs);
        struct pb_buddy *b = pb_buddy_find(a, &c->account);
        if (b)
                pb_presence_device_gone(&b->presence, &c->device, false);
        struct pb_dial *d = dial_of(cs, &c->account, &c->device);
        if (d)
                d->backoff_ms = BACKOFF_MIN_MS;
        if (d && c->client)
                save_reached(a, d, (const struct sockaddr *)&c->addr);
        else if (d)
                save_offered(a, d, c);
        one_per_device(cs, c);
        if (c->state == PB_CHAN_OPEN)
                pb_chan_send_note(c, a->id, true, cs->note);
}

static void note(struct pb_chan *c, const char *text) {
        struct pb_channels *cs = c->owner;
        struct pb_buddy *b = pb_buddy_find(cs->a, &c->account);
        bool first = !c->heard, changed = b && strcmp(b->line_status, text) != 0;
        c->heard = true;
        if (changed)
                snprintf(b->line_status, sizeof(b->line_status), "%s", text);
        if (first)
                recount(cs, &c->account, changed);
        else if (changed)
                pb_buddy_queue_report(cs->a, &c->account, true);
}

static void closed(struct pb_chan *c, enum pb_chan_end why) {
        struct pb_channels *cs = c->owner;
        bool was_open = c->presence != 0;
        if (was_open)
                cs->n_open--;
        else
                cs->n_pending[c->client]--;
        if (why == PB_END_BAD || why == PB_END_FULL || (was_open && why == PB_END_GONE))
                cs->dropped++;
        else if (why == PB_END_REFUSED && !c->client)
                cs->refused++;
        if (was_open) {
                struct pb_buddy *b = pb_buddy_find(cs->a, &c->account);
                bool gone = why == PB_END_GONE || why == PB_END_GOODBYE;
                if (b && gone && !chan_to(cs, &c->device, true))
                        pb_presence_device_gone(&b->presence, &c->device, true);
                recount(cs, &c->account, false);
        }
        changed(cs); /* its memory is freed at the tick */
}

static void wake(struct pb_chan *c) {
        changed(c->owner);
}

/* Our other device can take our DeviceSync here now. */
static void sync_ready(struct pb_chan *c) {
        struct pb_channels *cs = c->owner;
        pb_account_sync_later(cs->a);
}

/* A DeviceSync from our other device: handled as one from its inbox would
 * be (sync.c), from the next process; the TLS check vouches for the sender
 * as the DHT's signature check would. */
static void sync_frame(struct pb_chan *c, const uint8_t *data, size_t len) {
        struct pb_channels *cs = c->owner;
        struct pb_value_view v = { .type = PB_TYPE_USER_DATA,
                                   .is_signed = true,
                                   .owner = c->device,
                                   .is_encrypted = true,
                                   .data = data,
                                   .len = len };
        struct pb_origin o = pb_account_origin(cs->a);
        struct pb_item *it =
                pb_item_from_value(o.serial, PB_TAG_SYNC_CHANNEL, &c->device, &v, false);
        if (it)
                pb_origin_push(&o, it);
}

static const struct pb_chan_ops chan_ops = {
        .verify = verify,
        .opened = opened,
        .note = note,
        .closed = closed,
        .wake = wake,
        .sync_ready = sync_ready,
        .sync = sync_frame,
};

/* ---- the listener ------------------------------------------------------------ */

static void on_accept(struct pb_watch *w, uint32_t events) {
        (void)events;
        struct pb_channels *cs =
                (struct pb_channels *)((char *)w - offsetof(struct pb_channels, listener));
        for (unsigned i = 0; i < ACCEPTS_PER_EVENT; i++) {
                struct sockaddr_storage addr;
                socklen_t len = sizeof(addr);
                int fd = accept4(w->fd, (struct sockaddr *)&addr, &len,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0)
                        return;
                struct pb_chan *c = NULL;
                if (cs->n_pending[0] >= PB_HANDSHAKES_MAX || total(cs) >= PB_CHANNELS_MAX ||
                    !(c = calloc(1, sizeof(*c)))) {
                        close(fd);
                        cs->refused++;
                        continue;
                }
                c->ops = &chan_ops;
                c->owner = cs;
                if (pb_chan_accept(c, cs->a->env.poll, cs->creds, fd, (struct sockaddr *)&addr) <
                    0) {
                        pb_chan_free(c);
                        continue;
                }
                link_chan(cs, c);
        }
}

/* Both IPv6 and IPv4 on one socket when the machine has IPv6, else IPv4. */
static int bind_listener(uint16_t port) {
        struct sockaddr_in6 six = { .sin6_family = AF_INET6,
                                    .sin6_port = htons(port),
                                    .sin6_addr = IN6ADDR_ANY_INIT };
        struct sockaddr_in four = { .sin_family = AF_INET,
                                    .sin_port = htons(port),
                                    .sin_addr.s_addr = htonl(INADDR_ANY) };
        int fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), off = 0, on = 1;
        if (fd >= 0) {
                setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
                if (bind(fd, (struct sockaddr *)&six, sizeof(six)) == 0 && listen(fd, 64) == 0)
                        return fd;
                close(fd);
        }
        fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
        if (bind(fd, (struct sockaddr *)&four, sizeof(four)) < 0 || listen(fd, 64) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

static uint16_t bound_port(int fd) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
                return 0;
        return pb_addr_port((struct sockaddr *)&ss);
}

/* A port chosen by the kernel (setting 0) is kept: saved as the setting. */
static void open_listener(struct pb_channels *cs) {
        if (cs->port_config < 0 || cs->listener.fd >= 0)
                return;
        int fd = bind_listener((uint16_t)cs->port_config);
        if (fd < 0 && cs->port_config > 0)
                fd = bind_listener(0); /* taken: any port this time, the setting stays */
        if (fd < 0)
                return;
        cs->listener.fd = fd;
        cs->listener.cb = on_accept;
        if (pb_watch_add(cs->a->env.poll, &cs->listener, EPOLLIN) < 0) {
                close(fd);
                cs->listener.fd = -1;
                return;
        }
        cs->port = bound_port(fd);
        if (cs->port_config == 0 && cs->port) {
                char buf[8];
                snprintf(buf, sizeof(buf), "%u", cs->port);
                if (pb_store_set(cs->a->store, "channel_port", buf) == 0)
                        cs->port_config = cs->port;
        }
}

static void close_listener(struct pb_channels *cs) {
        if (cs->listener.fd < 0)
                return;
        pb_watch_del(cs->a->env.poll, &cs->listener);
        close(cs->listener.fd);
        cs->listener.fd = -1;
        cs->port = 0;
}

/* ---- life --------------------------------------------------------------------- */

int pb_channels_load(pb_account *a) {
        struct pb_channels *cs = calloc(1, sizeof(*cs));
        if (!cs)
                return -ENOMEM;
        cs->a = a;
        cs->listener.fd = -1;
        char buf[16];
        cs->port_config =
                pb_store_get(a->store, "channel_port", buf, sizeof(buf)) == 0 ? atoi(buf) : 0;
        if (pb_store_get(a->store, "note", cs->note, sizeof(cs->note)) < 0)
                cs->note[0] = 0;
        int r = pb_tls_creds_load(a->dir, &cs->creds);
        if (r < 0) {
                free(cs);
                return r;
        }
        a->channels = cs;
        return 0;
}

void pb_channels_start(pb_account *a) {
        struct pb_channels *cs = a->channels;
        if (!cs)
                return;
        open_listener(cs);
        for (unsigned i = 0; i < cs->n_dials; i++)
                cs->dials[i].next_at = 0; /* a (re)start dials at once */
        cs->next_scan = 0;
        pb_account_wake(a);
}

void pb_channels_listen(pb_account *a) {
        if (a->channels)
                pb_rendezvous_listen(a);
}

void pb_channels_node_gone(pb_account *a) {
        pb_rendezvous_node_gone(a);
}

void pb_channels_stop(pb_account *a) {
        struct pb_channels *cs = a->channels;
        if (!cs)
                return;
        for (struct pb_chan *c = cs->list; c; c = c->next)
                pb_chan_close(c, PB_END_LOCAL, true, a->id);
        close_listener(cs);
}

static void free_closed(struct pb_channels *cs) {
        for (struct pb_chan **p = &cs->list; *p;) {
                struct pb_chan *c = *p;
                if (c->state != PB_CHAN_CLOSED) {
                        p = &c->next;
                        continue;
                }
                *p = c->next;
                pb_chan_free(c);
        }
}

void pb_channels_free(pb_account *a) {
        struct pb_channels *cs = a->channels;
        if (!cs)
                return;
        pb_channels_stop(a);
        free_closed(cs);
        pb_tls_creds_free(cs->creds);
        free(cs->dials);
        free(cs);
        a->channels = NULL;
        pb_rendezvous_free(a);
}

void pb_channels_contact_gone(pb_account *a, const pb_hash *account) {
        struct pb_channels *cs = a->channels;
        if (!cs)
                return;
        for (struct pb_chan *c = cs->list; c; c = c->next)
                if (c->state != PB_CHAN_CLOSED && pb_hash_equal(&c->account, account))
                        pb_chan_close(c, PB_END_LOCAL, false, NULL);
}

void pb_channels_device_revoked(pb_account *a, const pb_hash *device) {
        struct pb_channels *cs = a->channels;
        for (struct pb_chan *c = cs ? cs->list : NULL; c; c = c->next)
                if (c->state != PB_CHAN_CLOSED && pb_hash_equal(&c->device, device))
                        pb_chan_close(c, PB_END_LOCAL, false, NULL);
}

void pb_channels_handle_value(pb_account *a, const struct pb_item *item) {
        struct pb_channels *cs = a->channels;
        struct pb_rendezvous_in in;
        if (!cs)
                return;
        int r = pb_rendezvous_receive(a, item, &in);
        if (r == -EALREADY)
                return; /* the same request again: not an attack */
        if (r < 0) {
                cs->refused++;
                return;
        }
        struct pb_dial *d = dial_of(cs, &in.account, &in.device);
        if (d) {
                d->n_offered = in.msg.n_addrs < DIAL_ADDRS_MAX ? in.msg.n_addrs : DIAL_ADDRS_MAX;
                memcpy(d->offered, in.msg.addrs, d->n_offered * sizeof(d->offered[0]));
        }
        if (!in.msg.answer && cs->port && !chan_to(cs, &in.device, true))
                pb_rendezvous_send(a, in.known, in.msg.id, true, cs->port);
        dial_addrs(cs, &in.account, &in.device, &in.msg);
}

/* The channels' timers, walked only when one is due or a channel changed:
 * an account wakes at every beacon of every channel, and a hub with
 * thousands of channels must not walk them all each time. What a channel
 * receives only moves its own deadline later, so skipping is safe. */
static uint64_t tick_channels(struct pb_channels *cs, uint64_t now) {
        if (!cs->walk && now < cs->chan_due)
                return cs->chan_due;
        cs->walk = false;
        free_closed(cs);
        uint64_t next = UINT64_MAX;
        for (struct pb_chan *c = cs->list; c; c = c->next) {
                uint64_t t = pb_chan_tick(c, now);
                next = t < next ? t : next;
        }
        free_closed(cs);
        cs->chan_due = next;
        return next;
}

uint64_t pb_channels_tick(pb_account *a, uint64_t now) {
        struct pb_channels *cs = a->channels;
        if (!cs || a->stopping)
                return UINT64_MAX;
        if (now >= cs->next_scan) {
                scan(cs, now);
                cs->next_scan = now + SCAN_MS;
        }
        uint64_t next = tick_channels(cs, now);
        return next < cs->next_scan ? next : cs->next_scan;
}

int pb_channels_set_port(pb_account *a, int32_t port) {
        struct pb_channels *cs = a->channels;
        if (port < -1 || port > 65535)
                return -EINVAL;
        if (!cs)
                return -EIO;
        char buf[12];
        snprintf(buf, sizeof(buf), "%d", port);
        int r = pb_store_set(a->store, "channel_port", buf);
        if (r < 0 || port == cs->port_config)
                return r;
        cs->port_config = port;
        close_listener(cs);
        if (a->node)
                open_listener(cs);
        return 0;
}

void pb_channels_info(const pb_account *a, struct pb_channels_info *ret) {
        const struct pb_channels *cs = a->channels;
        *ret = (struct pb_channels_info){ .note = "" };
        if (!cs)
                return;
        ret->port_config = cs->port_config;
        ret->port = cs->port;
        ret->open = cs->n_open;
        ret->refused = cs->refused;
        ret->dropped = cs->dropped;
        ret->note = cs->note;
}

int pb_channels_publish(pb_account *a, const char *note) {
        struct pb_channels *cs = a->channels;
        size_t len = strlen(note);
        if (len > PEERBOOK_NOTE_MAX || !pb_utf8_valid(note, len))
                return -EINVAL;
        if (!cs)
                return -EIO;
        int r = pb_store_set(a->store, "note", note);
        if (r < 0)
                return r;
        memcpy(cs->note, note, len + 1);
        for (struct pb_chan *c = cs->list; c; c = c->next)
                if (c->state == PB_CHAN_OPEN)
                        pb_chan_send_note(c, a->id, true, cs->note);
        return 0;
}
