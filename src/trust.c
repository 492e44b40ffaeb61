/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * trust.c — trust (contact) requests, in Jami's format and places.
 *
 * Sending: a TrustRequest {service "cx.ring", conversationId, payload,
 * confirm} of type 4 (kept 7 days), signed by our device and encrypted to
 * each known device of the contact, at SHA1("inbox:" + deviceId). Devices are
 * learned from the contact's announcements (signed by its account) and kept,
 * so a request reaches a device that is offline now. An unconfirmed contact
 * gets the request again, with a back-off from 5 s to an hour, while one of
 * its devices is seen, so a lost request or confirmation never leaves a pair
 * stuck, and nothing loops.
 *
 * Receiving: on our own inbox. OpenDHT drops what does not decrypt or verify;
 * we drop what is not a well-formed request, and map the signer (a device) to
 * its account through the device's certificate, issued by the account's CA
 * certificate (OpenDHT's findCertificate(), checked in src/dht/). Then the
 * rules of Jami's ContactList: banned → dropped; confirmation → the contact
 * is confirmed; request from an active contact → accepted automatically (and
 * confirmed back); otherwise one pending request per sender. Values already
 * handled are remembered (the inbox keeps them 7 days and replays them at
 * every start), and a cap plus a token bucket bound what a flood can do.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account-internal.h"
#include "cert_lookup.h"
#include "contacts.h"
#include "devices.h"
#include "peer_crl.h"
#include "trust.h"
#include "util.h"
#include "wire.h"

#define SERVICE "cx.ring"
/* Limits (see pb_request_limits): a flood neither fills the disk nor the screen. */
#define PENDING_MAX 2000       /* pending requests per account */
#define BUCKET_BURST 50.0      /* signalled requests at once, all senders... */
#define BUCKET_RATE 1.0        /* ...then this many per second */
#define SENDER_BURST 3.0       /* signalled requests at once from one sender... */
#define SENDER_RATE (1.0 / 60) /* ...then one a minute */
#define SENDERS_TRACKED 256    /* senders whose rate is remembered (least recent goes) */
#define LOOKUPS_MAX 64         /* requests waiting for a certificate */
#define RESEND_FIRST_S 5
#define RESEND_MAX_S 3600
#define HANDLED_KEEP_S (8 * 24 * 3600) /* a little longer than the DHT keeps requests */
#define DISCARDED_KEEP_S (30 * 24 * 3600)

#define LOOKUP_TRIES 3 /* a certificate just published may not be found at once */

struct pb_lookup {
        uint64_t value_id;
        pb_hash device;
        unsigned tries;
        struct pb_trust_request req;
};

/* What tells a re-send of a request from a new one: peerbook's request id,
 * or, from a Jami sender, what the request says. */
static void fingerprint(const struct pb_trust_request *req, char out[41]) {
        if (req->request_id) {
                snprintf(out, 41, "id:%016llx", (unsigned long long)req->request_id);
                return;
        }
        size_t n = strlen(req->conversation_id) + 1;
        uint8_t *buf = malloc(n + req->payload_len);
        pb_hash h = { { 0 } };
        if (buf) {
                memcpy(buf, req->conversation_id, n);
                if (req->payload_len)
                        memcpy(buf + n, req->payload, req->payload_len);
                h = pb_hash_of(buf, n + req->payload_len);
                free(buf);
        }
        pb_hash_to_hex(&h, out);
}

/* ---- sending ------------------------------------------------------------------ */

static void put_request(pb_account *a, const struct pb_known_device *d,
                        const struct pb_trust_request *tr) {
        _cleanup_free_ uint8_t *data = NULL;
        size_t len;
        /* A revoked device gets nothing encrypted to it (peer_crl.h). */
        if (!a->node || pb_revoked_device(a, &d->id) ||
            pb_trust_request_encode(tr, &data, &len) < 0)
                return;
        pb_hash inbox = pb_inbox_key(&d->id);
        /* Not permanent: a permanent encrypted put could not be cancelled. */
        pb_node_put_encrypted(a->node, &inbox, d->pk, d->pk_len, PB_TYPE_TRUST_REQUEST, data, len,
                              NULL, NULL);
}

static int build_request(pb_account *a, const char *to, bool confirm, struct pb_trust_request *tr) {
        struct pb_contact *c = pb_contact_find(a, to);
        memset(tr, 0, sizeof(*tr));
        snprintf(tr->service, sizeof(tr->service), "%s", SERVICE);
        tr->confirm = confirm;
        if (c)
                snprintf(tr->conversation_id, sizeof(tr->conversation_id), "%s",
                         c->row.conversation_id);
        if (confirm || !c)
                return 0;
        tr->request_id = c->row.request_id;
        int r = pb_store_contact_payload(a->store, to, &tr->payload, &tr->payload_len);
        return r == -ENOENT ? 0 : r;
}

unsigned pb_trust_send(pb_account *a, const char *to, bool confirm,
                       const struct pb_known_device *only) {
        pb_hash id;
        if (pb_hash_from_hex(to, &id) < 0)
                return 0;
        if (confirm && a->drop_confirmations) {
                a->drop_confirmations--; /* test hook: this confirmation is lost */
                return 1;
        }
        struct pb_trust_request tr;
        if (build_request(a, to, confirm, &tr) < 0)
                return 0;
        unsigned sent = 0;
        if (only) {
                put_request(a, only, &tr);
                sent = 1;
        } else {
                const struct pb_peer *p = pb_devices_get(a, &id);
                for (unsigned i = 0; p && i < p->n_known; i++, sent++)
                        put_request(a, &p->known[i], &tr);
        }
        free(tr.payload);
        return sent;
}

static bool owes_request(const struct pb_contact *c) {
        return c && pb_contact_active(&c->row) && !c->row.confirmed && !c->row.banned;
}

static void schedule_resend(struct pb_contact *c, uint64_t now) {
        c->backoff_s = c->backoff_s ? c->backoff_s * 2 : RESEND_FIRST_S;
        if (c->backoff_s > RESEND_MAX_S)
                c->backoff_s = RESEND_MAX_S;
        c->next_resend = now + (uint64_t)c->backoff_s * 1000;
}

void pb_trust_request_new(pb_account *a, struct pb_contact *c) {
        c->backoff_s = 0;
        c->next_resend = 0;
        /* Sent to the devices known; otherwise the first device to appear gets it. */
        if (pb_trust_send(a, c->row.uri, false, NULL) > 0)
                c->next_resend = pb_now_ms() + 1000ull * RESEND_FIRST_S;
        pb_account_wake(a); /* re-sends are owed now */
}

void pb_trust_device_appeared(pb_account *a, const pb_hash *account, const pb_hash *dev) {
        char uri[PEERBOOK_ID_SIZE];
        pb_hash_to_hex(account, uri);
        struct pb_contact *c = pb_contact_find(a, uri);
        const struct pb_peer *p = pb_devices_find_peer(a, account);
        const struct pb_known_device *d = p ? pb_devices_find(p, dev) : NULL;
        uint64_t now = pb_now_ms();
        if (!d || !owes_request(c) || now < c->next_resend)
                return;
        pb_trust_send(a, uri, false, d);
        schedule_resend(c, now);
}

/* Once a second at most: unconfirmed contacts with a device in sight whose
 * back-off ran out get the request again. */
uint64_t pb_trust_tick(pb_account *a, uint64_t now) {
        if (!a->node || a->stopping)
                return UINT64_MAX;
        if (now < a->next_resend_scan)
                return a->next_resend_scan;
        a->next_resend_scan = now + 1000;
        bool owed = false;
        for (size_t i = 0; i < a->n_contacts; i++) {
                struct pb_contact *c = &a->contacts[i];
                if (!owes_request(c))
                        continue;
                owed = true;
                pb_hash id;
                const struct pb_peer *p = pb_hash_from_hex(c->row.uri, &id) == 0
                                                  ? pb_devices_find_peer(a, &id)
                                                  : NULL;
                if (!p || now < c->next_resend)
                        continue;
                for (unsigned k = 0; k < p->n_known; k++)
                        if (p->known[k].present)
                                pb_trust_send(a, c->row.uri, false, &p->known[k]);
                schedule_resend(c, now);
        }
        return owed ? a->next_resend_scan : UINT64_MAX;
}

/* ---- receiving ------------------------------------------------------------------ */

int pb_trust_start(pb_account *a) {
        if (!a->node || a->inbox)
                return 0;
        struct pb_origin o = pb_account_origin(a);
        pb_hash inbox = pb_inbox_key(&a->keys.device_id);
        int r = pb_origin_listen(a->node, &inbox, &o, PB_TAG_INBOX, &a->inbox);
        pb_store_handled_prune(a->store, (int64_t)time(NULL) - HANDLED_KEEP_S);
        pb_store_discarded_prune(a->store, (int64_t)time(NULL) - DISCARDED_KEEP_S);
        return r;
}

void pb_trust_stop(pb_account *a) {
        a->inbox = NULL; /* pb_node_free() ends the listen */
        for (unsigned i = 0; i < a->n_lookups; i++)
                free(a->lookups[i].req.payload);
        free(a->lookups);
        a->lookups = NULL;
        a->n_lookups = 0;
        free(a->senders);
        a->senders = NULL;
        a->n_senders = 0;
}

size_t pb_trust_pending(const pb_account *a) {
        size_t n = 0;
        return a->store && pb_store_request_count(a->store, &n) == 0 ? n : 0;
}

static void drop(pb_account *a) {
        a->dropped_requests++;
}

void pb_request_limits_default(struct pb_request_limits *l) {
        *l = (struct pb_request_limits){ PENDING_MAX, BUCKET_BURST, BUCKET_RATE, SENDER_BURST,
                                         SENDER_RATE };
}

/* The sender's own bucket; the least recently used one is recycled. */
static struct pb_bucket *sender_bucket(pb_account *a, const char *from) {
        pb_hash id;
        pb_hash_from_hex(from, &id);
        struct pb_sender_rate *oldest = NULL;
        for (unsigned i = 0; i < a->n_senders; i++) {
                if (pb_hash_equal(&a->senders[i].id, &id))
                        return &a->senders[i].bucket;
                if (!oldest || a->senders[i].bucket.at < oldest->bucket.at)
                        oldest = &a->senders[i];
        }
        if (a->n_senders < SENDERS_TRACKED) {
                struct pb_sender_rate *n = realloc(a->senders, (a->n_senders + 1) * sizeof(*n));
                if (n) {
                        a->senders = n;
                        oldest = &a->senders[a->n_senders++];
                }
        }
        if (!oldest)
                return NULL;
        *oldest = (struct pb_sender_rate){ .id = id };
        return &oldest->bucket;
}

static bool rate_allows(pb_account *a, const char *from) {
        uint64_t now = pb_now_ms();
        const struct pb_request_limits *l = &a->limits;
        struct pb_bucket *sb = sender_bucket(a, from);
        /* Both must have a token; the sender's is checked first so that one
         * noisy sender cannot drain the bucket everyone shares. */
        if (!sb || !pb_bucket_take(sb, l->sender_burst, l->sender_rate, now))
                return false;
        return pb_bucket_take(&a->bucket, l->burst, l->rate, now);
}

struct same_ctx {
        const char *fingerprint;
        bool same;
        bool found;
};

static int compare_pending(const struct pb_request_row *row, void *userdata) {
        struct same_ctx *s = userdata;
        s->found = true;
        s->same = !strcmp(row->fingerprint, s->fingerprint);
        return 0;
}

static void emit_request(pb_account *a, const char *from, const struct pb_trust_request *req,
                         int64_t received) {
        struct peerbook_event ev = {
                .type = PEERBOOK_EVENT_TRUST_REQUEST,
                .account_id = a->id,
                .trust_request = { .from = from,
                                   .conversation_id = req->conversation_id,
                                   .payload = req->payload,
                                   .payload_len = req->payload_len,
                                   .received = (uint64_t)received },
        };
        pb_account_emit(a, &ev);
}

/* A request from someone who is not an active contact: one pending per sender.
 * -EAGAIN when a limit refused it for now (see finish()). */
static int keep_pending(pb_account *a, const char *from, const struct pb_device_cert *dev,
                        const struct pb_trust_request *req) {
        char fp[41];
        fingerprint(req, fp);
        struct same_ctx same = { .fingerprint = fp };
        if (pb_store_requests(a->store, from, compare_pending, &same) < 0)
                return 0;
        if ((same.found && same.same) || pb_store_discarded_has(a->store, from, fp) != 0) {
                drop(a); /* a re-send of a request pending or discarded */
                return 0;
        }
        if ((!same.found && pb_trust_pending(a) >= a->limits.pending_max) ||
            !rate_allows(a, from)) {
                drop(a);
                return -EAGAIN;
        }
        struct pb_request_row row = {
                .received = (int64_t)time(NULL),
                .payload = req->payload,
                .payload_len = req->payload_len,
                .device_pk = dev->pk,
                .device_pk_len = dev->pk_len,
        };
        snprintf(row.sender, sizeof(row.sender), "%s", from);
        snprintf(row.conversation_id, sizeof(row.conversation_id), "%s", req->conversation_id);
        memcpy(row.fingerprint, fp, sizeof(fp));
        pb_hash_to_hex(&dev->device, row.device);
        if (pb_store_request_put(a->store, &row) < 0)
                return 0;
        pb_account_sync_later(a);
        emit_request(a, from, req, row.received);
        return 0;
}

/* Jami's rules, once the signer's account is known; -EAGAIN as keep_pending(). */
static int apply_request(pb_account *a, const struct pb_device_cert *dev,
                         const struct pb_trust_request *req) {
        char from[PEERBOOK_ID_SIZE];
        pb_hash_to_hex(&dev->account, from);
        if (!strcmp(from, a->id))
                return 0; /* one of our own devices */
        struct pb_contact *c = pb_contact_find(a, from);
        /* A revoked device: known revoked, or named by its account's pinned
         * list (when its certificate was looked up, its serial is known). */
        bool revoked = pb_revoked_device(a, &dev->device) ||
                       pb_peer_crl_lists(a, &dev->account, dev->serial, dev->serial_len);
        if (strcmp(req->service, SERVICE) != 0 || (c && c->row.banned) || revoked) {
                drop(a);
                return 0;
        }
        /* Whoever wrote to us from this device: remember it for the answer
         * (saved for an active contact, as its announcements would be). */
        bool active = c && pb_contact_active(&c->row);
        struct pb_peer *p = pb_devices_find_peer(a, &dev->account);
        const struct pb_known_device *known =
                p ? pb_devices_learn(a, p, &dev->device, dev->pk, dev->pk_len, active) : NULL;
        struct pb_known_device tmp = { .id = dev->device,
                                       .pk = (uint8_t *)dev->pk,
                                       .pk_len = dev->pk_len };
        if (!known)
                known = &tmp;
        if (req->confirm) {
                if (active && !c->row.confirmed) {
                        struct pb_contact_row row = c->row;
                        row.confirmed = true;
                        if (pb_contact_save(a, &row, NULL, 0, NULL) == 0)
                                pb_contact_queue_event(a, PEERBOOK_EVENT_CONTACT_ADDED, from, true);
                }
                return 0;
        }
        if (!active)
                return keep_pending(a, from, dev, req);
        if (!c->row.confirmed) { /* both asked: that is agreement */
                struct pb_contact_row row = c->row;
                row.confirmed = true;
                if (!row.conversation_id[0])
                        snprintf(row.conversation_id, sizeof(row.conversation_id), "%s",
                                 req->conversation_id);
                if (pb_contact_save(a, &row, NULL, 0, NULL) < 0)
                        return 0;
                pb_contact_queue_event(a, PEERBOOK_EVENT_CONTACT_ADDED, from, true);
        }
        /* Confirm (again): the first confirmation may have been lost. */
        pb_trust_send(a, from, true, known);
        return 0;
}

/* A value id is recorded as handled once its outcome is decided, so that the
 * inbox's replays are ignored but a failed look-up can be tried again. A
 * request refused by a limit (a flood, a full list) is not decided: the inbox
 * offers it again at the next start, when there may be room. */
static void finish(pb_account *a, uint64_t value_id, const struct pb_device_cert *dev,
                   const struct pb_trust_request *req) {
        if (pb_store_handled_has(a->store, value_id) == 0 && apply_request(a, dev, req) != -EAGAIN)
                pb_store_handled_add(a->store, value_id, (int64_t)time(NULL));
}

static void ask_cert(pb_account *a, const pb_hash *device) {
        pb_cert_lookup(a, device, 0);
}

static bool lookup_pending(const pb_account *a, const pb_hash *device) {
        for (unsigned i = 0; i < a->n_lookups; i++)
                if (pb_hash_equal(&a->lookups[i].device, device))
                        return true;
        return false;
}

static void wait_for_cert(pb_account *a, uint64_t value_id, const pb_hash *device,
                          struct pb_trust_request *req) {
        for (unsigned i = 0; i < a->n_lookups; i++)
                if (a->lookups[i].value_id == value_id) {
                        free(req->payload); /* the same value, delivered twice */
                        return;
                }
        if (a->n_lookups == LOOKUPS_MAX) {
                free(req->payload);
                drop(a);
                return;
        }
        bool asked = lookup_pending(a, device);
        struct pb_lookup *n = realloc(a->lookups, (a->n_lookups + 1) * sizeof(*n));
        if (!n) {
                free(req->payload);
                return;
        }
        a->lookups = n;
        a->lookups[a->n_lookups++] = (struct pb_lookup){ value_id, *device, 1, *req };
        if (!asked)
                ask_cert(a, device);
}

void pb_trust_handle_value(pb_account *a, const struct pb_item *item) {
        const struct pb_value_view *v = &item->value;
        struct pb_trust_request req;
        if (v->type != PB_TYPE_TRUST_REQUEST || !v->is_encrypted || !v->is_signed ||
            pb_trust_request_decode(v->data, v->len, &req) < 0) {
                drop(a);
                return;
        }
        if (pb_store_handled_has(a->store, v->id) != 0) {
                free(req.payload); /* replayed by the inbox: decided before */
                return;
        }
        struct pb_device_cert dev;
        if (pb_devices_find_signer(a, &v->owner, &dev)) { /* a device of a tracked buddy */
                finish(a, v->id, &dev, &req);
                free(req.payload);
                return;
        }
        wait_for_cert(a, v->id, &v->owner, &req);
}

void pb_trust_handle_cert(pb_account *a, const struct pb_item *item) {
        const struct pb_device_cert *dev = item->code == 0 ? (const void *)item->data : NULL;
        bool again = false;
        /* finish() may call the user back, who may restart or remove the
         * account: each look-up leaves the array before it is finished, and
         * a stopping account finishes nothing more. */
        for (unsigned i = 0; i < a->n_lookups && !a->stopping;) {
                struct pb_lookup *l = &a->lookups[i];
                if (!pb_hash_equal(&l->device, &item->key)) {
                        i++;
                        continue;
                }
                if (!dev && item->code == -ENOENT && l->tries < LOOKUP_TRIES) {
                        l->tries++; /* not found yet: ask again */
                        again = true;
                        i++;
                        continue;
                }
                struct pb_lookup done = *l;
                a->lookups[i] = a->lookups[--a->n_lookups];
                if (dev)
                        finish(a, done.value_id, dev, &done.req);
                else if (item->code != -ECANCELED)
                        drop(a); /* no certificate, or one that does not check out */
                free(done.req.payload);
        }
        if (again && !a->stopping)
                ask_cert(a, &item->key);
}
