/* SPDX-License-Identifier: GPL-3.0-or-later */
/* revoke.c — revoking our account's devices, learning their revocation
 * (revoke.h). Runs on the owner thread; certificate look-ups come back as
 * queue items. */
#include "revoke.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account-internal.h"
#include "buddy.h"
#include "cert_lookup.h"
#include "channels.h"
#include "crl.h"
#include "devices.h"
#include "own_devices.h"
#include "peer_crl.h"
#include "presence.h"
#include "util.h"
#include "wire.h"

#define CRL_FILE "account.crl"
#define KEY_FILE_MAX (64 * 1024)
#define PENDING_MAX 8 /* other accounts' lists waiting for their certificate */

/* Another account's list seen on its hash before we had its certificate. */
struct pb_pending_crl {
        pb_hash peer;
        size_t len;
        uint8_t *der;
};

struct pb_revocation {
        char *password;
        char given[PEERBOOK_LONG_ID_LEN + 1]; /* the device as the caller named it */
        pb_hash device;
        uint64_t generation; /* of the node asked: a restart loses the answer */
};

static int read_in(const pb_account *a, const char *name, size_t max, uint8_t **ret,
                   size_t *ret_len) {
        _cleanup_free_ char *p = pb_path_join(a->dir, name);
        return p ? pb_file_read(p, max, ret, ret_len) : -ENOMEM;
}

/* The pinned list (-ENOENT: none), checked against the account certificate:
 * one that came with an imported archive was not checked before. */
static int pinned(const pb_account *a, uint8_t **ret, size_t *ret_len) {
        _cleanup_free_ uint8_t *crl = NULL, *crt = NULL;
        size_t len, crt_len;
        int r = read_in(a, CRL_FILE, PB_CRL_MAX, &crl, &len);
        if (r == 0)
                r = read_in(a, "account.crt", KEY_FILE_MAX, &crt, &crt_len);
        if (r == 0 && pb_crl_check(crl, len, crt, crt_len, NULL) < 0)
                r = -ENOENT;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(crl);
        *ret_len = len;
        return 0;
}

static void free_job(struct pb_revocation *job) {
        if (job->password)
                explicit_bzero(job->password, strlen(job->password));
        free(job->password);
        free(job);
}

void pb_revoke_free(pb_account *a) {
        if (a->revocation)
                free_job(a->revocation);
        a->revocation = NULL;
        for (unsigned i = 0; i < a->n_pending_crls; i++)
                free(a->pending_crls[i].der);
        free(a->pending_crls);
        a->pending_crls = NULL;
        a->n_pending_crls = 0;
        pb_revoked_free(a);
}

static int ask_cert(pb_account *a, const pb_hash *device, uint32_t tag) {
        return pb_cert_lookup(a, device, tag);
}

struct find_ctx {
        const char *long_id;
        char device[PEERBOOK_ID_SIZE];
};

static int match_long_id(const struct pb_own_device_row *d, void *userdata) {
        struct find_ctx *f = userdata;
        if (strcmp(d->long_id, f->long_id) != 0)
                return 0;
        memcpy(f->device, d->device, sizeof(f->device));
        return 0;
}

/* The device ID of `device` (ID or long ID) among ours, lowercase. */
static int find_device(pb_account *a, const char *device, char ret[PEERBOOK_ID_SIZE]) {
        char lower[PEERBOOK_LONG_ID_LEN + 1];
        size_t len = strlen(device);
        if (len != PEERBOOK_ID_LEN && len != PEERBOOK_LONG_ID_LEN)
                return -EINVAL;
        for (size_t i = 0; i <= len; i++)
                lower[i] = (char)tolower((unsigned char)device[i]);
        if (!strcmp(lower, a->device) || !strcmp(lower, a->device_long_id))
                return -EPERM;
        struct pb_own_device_row row;
        if (len == PEERBOOK_ID_LEN) {
                pb_hash h;
                if (pb_hash_from_hex(lower, &h) < 0)
                        return -EINVAL;
                int r = pb_store_own_device_get(a->store, lower, &row);
                if (r == 0)
                        memcpy(ret, lower, PEERBOOK_ID_SIZE);
                return r;
        }
        struct find_ctx f = { .long_id = lower };
        int r = pb_store_own_devices(a->store, match_long_id, &f);
        if (r < 0)
                return r;
        if (!f.device[0])
                return -ENOENT;
        memcpy(ret, f.device, PEERBOOK_ID_SIZE);
        return 0;
}

/* Runs f with the account's key and certificate files as a signer. */
static int with_signer(pb_account *a, const char *password,
                       int (*f)(pb_account *a, const struct pb_crl_signer *s, void *userdata),
                       void *userdata) {
        _cleanup_free_ uint8_t *key = NULL, *crt = NULL;
        size_t key_len, crt_len;
        int r = read_in(a, "account.key", KEY_FILE_MAX, &key, &key_len);
        if (r == 0)
                r = read_in(a, "account.crt", KEY_FILE_MAX, &crt, &crt_len);
        if (r < 0)
                return r == -ENOENT || r == -EFBIG ? -EBADMSG : r;
        struct pb_crl_signer s = { key, key_len, password, crt, crt_len };
        r = f(a, &s, userdata);
        explicit_bzero(key, key_len);
        return r;
}

static int check_signer(pb_account *a, const struct pb_crl_signer *s, void *userdata) {
        (void)a, (void)userdata;
        return pb_crl_signer_check(s);
}

int pb_revoke_start(pb_account *a, const char *password, const char *device) {
        char dev[PEERBOOK_ID_SIZE];
        if (!device)
                return -EINVAL;
        if (!a->store)
                return -EIO;
        if (a->revocation && a->revocation->generation == a->generation)
                return -EALREADY;
        pb_revoke_free(a); /* asked of a node since stopped: its answer is lost */
        int r = find_device(a, device, dev);
        if (r == 0)
                r = with_signer(a, password, check_signer, NULL);
        if (r < 0)
                return r;
        if (!a->node)
                return -ENOTCONN;
        struct pb_revocation *job = calloc(1, sizeof(*job));
        if (!job || !(job->password = strdup(password ? password : ""))) {
                free(job);
                return -ENOMEM;
        }
        snprintf(job->given, sizeof(job->given), "%s", device);
        pb_hash_from_hex(dev, &job->device);
        job->generation = a->generation;
        if ((r = ask_cert(a, &job->device, PB_TAG_REVOKE)) < 0) {
                free_job(job);
                return r;
        }
        a->revocation = job;
        return 0;
}

/* Marks an own device revoked and reports the list's change. */
static void mark_revoked(pb_account *a, const char *device) {
        struct pb_own_device_row row;
        pb_hash h;
        if (pb_hash_from_hex(device, &h) == 0 && pb_revoked_add(a, &h) > 0)
                pb_channels_device_revoked(a, &h); /* and refused from now on */
        if (pb_store_own_device_get(a->store, device, &row) < 0 || row.revoked)
                return;
        row.revoked = true;
        if (pb_store_own_device_put(a->store, &row) == 0)
                pb_own_devices_changed(a);
}

static int sign_next(pb_account *a, const struct pb_crl_signer *s, void *userdata) {
        const struct pb_device_cert *c = userdata;
        _cleanup_free_ uint8_t *old = NULL, *crl = NULL;
        size_t old_len = 0, crl_len;
        struct pb_serial serial = { .len = c->serial_len };
        memcpy(serial.d, c->serial, c->serial_len);
        int r = pinned(a, &old, &old_len);
        if (r < 0 && r != -ENOENT)
                return r;
        if ((r = pb_crl_revoke(old, old_len, s, &serial, &crl, &crl_len)) < 0)
                return r;
        _cleanup_free_ char *p = pb_path_join(a->dir, CRL_FILE);
        return p ? pb_file_write(p, crl, crl_len) : -ENOMEM;
}

static void emit_revoked(pb_account *a, const char *device, int code) {
        int status = code == 0 ? 0 : code == -EKEYREJECTED ? 1 : 2;
        struct peerbook_event ev = {
                .type = PEERBOOK_EVENT_DEVICE_REVOKED,
                .account_id = a->id,
                .revocation = { .device_id = device, .status = status, .code = code },
        };
        pb_account_emit(a, &ev);
}

static void revoke_done(pb_account *a, const struct pb_item *item) {
        struct pb_revocation *job = a->revocation;
        if (!job || !pb_hash_equal(&job->device, &item->key))
                return;
        a->revocation = NULL;
        const struct pb_device_cert *c = (const void *)item->data;
        int r = item->code;
        /* A certificate of another account's device is not ours to revoke. */
        if (r == 0 && !pb_hash_equal(&c->account, &a->keys.account_id))
                r = -ENOENT;
        if (r == 0)
                r = with_signer(a, job->password, sign_next, (void *)c);
        if (r == 0) {
                char dev[PEERBOOK_ID_SIZE];
                pb_hash_to_hex(&job->device, dev);
                mark_revoked(a, dev);
                pb_revoke_publish(a);
        }
        emit_revoked(a, job->given, r == -ECANCELED ? -ENOENT : r);
        free_job(job);
}

/* Is this serial on the pinned list? */
static bool listed(const pb_account *a, const uint8_t *serial, size_t len) {
        _cleanup_free_ uint8_t *crl = NULL;
        size_t crl_len;
        struct pb_serial s = { .len = len };
        if (len == 0 || len > sizeof(s.d) || pinned(a, &crl, &crl_len) < 0)
                return false;
        memcpy(s.d, serial, len);
        return pb_crl_lists(crl, crl_len, &s) == 1;
}

static void peer_cert(pb_account *a, const struct pb_item *item);

void pb_revoke_handle_cert(pb_account *a, const struct pb_item *item) {
        if (item->tag == PB_TAG_REVOKE) {
                revoke_done(a, item);
                return;
        }
        if (item->tag == PB_TAG_PEER_CRL || item->tag == PB_TAG_PEER_CHECK) {
                peer_cert(a, item);
                return;
        }
        const struct pb_device_cert *c = (const void *)item->data;
        if (item->code < 0 || !pb_hash_equal(&c->account, &a->keys.account_id) ||
            !listed(a, c->serial, c->serial_len))
                return;
        char dev[PEERBOOK_ID_SIZE];
        pb_hash_to_hex(&item->key, dev);
        mark_revoked(a, dev);
}

bool pb_revoke_load(pb_account *a) {
        _cleanup_free_ uint8_t *crt = NULL;
        size_t len;
        struct pb_serial s;
        pb_revoked_load(a); /* a damaged file: an empty set, refilled by look-ups */
        if (read_in(a, "device.crt", KEY_FILE_MAX, &crt, &len) < 0 ||
            pb_cert_serial(crt, len, &s) < 0)
                return false;
        return listed(a, s.d, s.len);
}

void pb_revoke_check_device(pb_account *a, const pb_hash *device) {
        _cleanup_free_ uint8_t *crl = NULL;
        size_t len;
        if (pinned(a, &crl, &len) == 0)
                ask_cert(a, device, PB_TAG_REVOKED_CHECK);
}

static int check_row(const struct pb_own_device_row *d, void *userdata) {
        pb_account *a = userdata;
        pb_hash h;
        if (!d->revoked && pb_hash_from_hex(d->device, &h) == 0)
                pb_revoke_check_device(a, &h);
        return 0;
}

/* The list changed: this device, then the others. */
static void apply(pb_account *a) {
        if (pb_revoke_load(a) && !a->ignore_revocation) {
                a->revoked = true; /* pb_account_tick() stops the node */
                pb_account_wake(a);
                return;
        }
        pb_store_own_devices(a->store, check_row, a);
}

void pb_revoke_publish(pb_account *a) {
        _cleanup_free_ uint8_t *crl = NULL, *v = NULL;
        size_t len, v_len;
        uint64_t number = 0;
        if (!a->node || pinned(a, &crl, &len) < 0)
                return;
        _cleanup_free_ uint8_t *crt = NULL;
        size_t crt_len;
        if (read_in(a, "account.crt", KEY_FILE_MAX, &crt, &crt_len) < 0 ||
            pb_crl_check(crl, len, crt, crt_len, &number) < 0 ||
            pb_crl_value_encode(crl, len, &v, &v_len) < 0)
                return;
        /* One value per list, its id the list's number: a re-put of the same
         * list replaces it, and each newer list (numbers count up by one) is
         * a value of its own. (Not number | 1: two lists in a row would share
         * an id, and storage nodes refuse to replace an unsigned value.) */
        pb_node_put_unsigned(a->node, &a->keys.account_id, PB_TYPE_USER_DATA, number ? number : 1,
                             v, v_len, true, NULL, NULL);
        pb_store_own_devices(a->store, check_row, a);
}

int pb_revoke_handle_value(pb_account *a, const struct pb_value_view *v) {
        const uint8_t *der;
        size_t len, crt_len, old_len;
        uint64_t number, old_number = 0;
        if (v->type != PB_TYPE_USER_DATA || pb_crl_value_decode(v->data, v->len, &der, &len) < 0)
                return 0;
        _cleanup_free_ uint8_t *crt = NULL, *old = NULL;
        if (read_in(a, "account.crt", KEY_FILE_MAX, &crt, &crt_len) < 0)
                return 1;
        int r = pb_crl_check(der, len, crt, crt_len, &number);
        if (r == -EPERM || r == -EBADMSG)
                return -EPERM;
        if (r < 0)
                return 1;
        /* Each list holds the ones before it: keep the newest. */
        if (pinned(a, &old, &old_len) == 0 &&
            pb_crl_check(old, old_len, crt, crt_len, &old_number) == 0 && number <= old_number)
                return 1;
        _cleanup_free_ char *p = pb_path_join(a->dir, CRL_FILE);
        if (p && pb_file_write(p, der, len) == 0)
                apply(a);
        return 1;
}

/* ---- other accounts' lists ------------------------------------------------ */

/* Leaves presence and reports: a revoked device no longer counts. */
static void peer_device_revoked(pb_account *a, const pb_hash *peer, const pb_hash *dev) {
        if (pb_revoked_add(a, dev) <= 0)
                return;
        pb_channels_device_revoked(a, dev);
        struct pb_buddy *b = pb_buddy_find(a, peer);
        if (!b)
                return;
        pb_presence_device_gone(&b->presence, dev, true);
        pb_buddy_queue_report(a, peer, false);
}

/* Asks the certificate of every known device of `peer` not yet revoked. */
static void check_peer_devices(pb_account *a, const pb_hash *peer) {
        const struct pb_peer *p = pb_devices_find_peer(a, peer);
        for (unsigned i = 0; p && i < p->n_known; i++)
                if (!pb_revoked_device(a, &p->known[i].id))
                        pb_cert_lookup(a, &p->known[i].id, PB_TAG_PEER_CHECK);
}

static struct pb_pending_crl *pending_of(pb_account *a, const pb_hash *peer) {
        for (unsigned i = 0; i < a->n_pending_crls; i++)
                if (pb_hash_equal(&a->pending_crls[i].peer, peer))
                        return &a->pending_crls[i];
        return NULL;
}

static void pending_drop(pb_account *a, struct pb_pending_crl *p) {
        free(p->der);
        *p = a->pending_crls[--a->n_pending_crls];
}

/* Keeps a list until the peer's certificate is known (the newest value
 * seen per peer; past the cap, the list is dropped: it comes back at the
 * next listen). */
static void pending_keep(pb_account *a, const pb_hash *peer, const uint8_t *der, size_t len) {
        struct pb_pending_crl *p = pending_of(a, peer);
        uint8_t *copy = malloc(len);
        if (!copy)
                return;
        memcpy(copy, der, len);
        if (!p && a->n_pending_crls < PENDING_MAX) {
                struct pb_pending_crl *n =
                        realloc(a->pending_crls, (a->n_pending_crls + 1) * sizeof(*n));
                if (n) {
                        a->pending_crls = n;
                        p = &n[a->n_pending_crls++];
                        p->der = NULL;
                }
        }
        if (!p) {
                free(copy);
                return;
        }
        free(p->der);
        *p = (struct pb_pending_crl){ *peer, len, copy };
}

static void pin(pb_account *a, const pb_hash *peer, const uint8_t *der, size_t len,
                const uint8_t *cert, size_t cert_len) {
        int r = pb_peer_crl_pin(a, peer, der, len, cert, cert_len);
        if (r == -EPERM || r == -EBADMSG)
                a->dropped++; /* forged: not signed by that account */
        else if (r > 0)
                check_peer_devices(a, peer);
}

int pb_revoke_peer_value(pb_account *a, const pb_hash *peer, const struct pb_value_view *v) {
        const uint8_t *der;
        size_t len, cert_len;
        if (v->is_signed || v->type != PB_TYPE_USER_DATA ||
            pb_crl_value_decode(v->data, v->len, &der, &len) < 0)
                return 0;
        _cleanup_free_ uint8_t *cert = NULL;
        if (pb_peer_crl_cert(a, peer, &cert, &cert_len) == 0) {
                pin(a, peer, der, len, cert, cert_len);
                return 1;
        }
        pending_keep(a, peer, der, len);
        /* Its certificate comes with any of its devices' chains. */
        const struct pb_peer *p = pb_devices_find_peer(a, peer);
        if (p && p->n_known)
                pb_cert_lookup(a, &p->known[p->n_known - 1].id, PB_TAG_PEER_CRL);
        return 1;
}

void pb_revoke_peer_device(pb_account *a, const pb_hash *peer, const pb_hash *dev) {
        _cleanup_free_ uint8_t *cert = NULL;
        size_t cert_len;
        if (pending_of(a, peer))
                pb_cert_lookup(a, dev, PB_TAG_PEER_CRL);
        else if (pb_peer_crl_cert(a, peer, &cert, &cert_len) == 0 && !pb_revoked_device(a, dev))
                pb_cert_lookup(a, dev, PB_TAG_PEER_CHECK);
}

static void peer_cert(pb_account *a, const struct pb_item *item) {
        const struct pb_device_cert *c = (const void *)item->data;
        if (item->code < 0 || pb_hash_equal(&c->account, &a->keys.account_id))
                return;
        struct pb_pending_crl *p = pending_of(a, &c->account);
        if (p) {
                /* The issuer checked by pb_node_find_device_cert() is the
                 * account whose id c->account is: its certificate. */
                pb_peer_crl_set_cert(a, &c->account, c->issuer, c->issuer_len);
                uint8_t *der = p->der;
                size_t len = p->len;
                p->der = NULL;
                pending_drop(a, p);
                pin(a, &c->account, der, len, c->issuer, c->issuer_len);
                free(der);
        }
        if (pb_peer_crl_lists(a, &c->account, c->serial, c->serial_len))
                peer_device_revoked(a, &c->account, &item->key);
}
