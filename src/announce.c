/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * announce.c — our device's presence on the DHT, and the registration state.
 *
 * Announcing is two values on the account hash: the DeviceAnnouncement that
 * Jami reads (signed once by the account key, put permanently), and our
 * device state (signed by the device key, a sequence number, online), also
 * permanent. A clean stop cancels both and puts a goodbye state with a higher
 * sequence, which peerbook watchers apply within one DHT round trip; Jami
 * watchers never decode it (its type and shape are not an announcement's) and
 * see the device until its announcement expires, as they would a Jami device.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account-internal.h"
#include "announce.h"
#include "store.h"
#include "util.h"
#include "wire.h"

#define RETRY_MIN_MS 50
#define RETRY_MAX_MS 30000
#define CONNECT_POLL_MS 10
/* Not connected this long after a start: the registration detail says so,
 * naming the bootstrap host that does not resolve, or the list whose nodes
 * do not answer (node.c tries them again, with a back-off up to 30 s). */
#define NO_NODE_DETAIL_MS 3000
/* A (re)started device listens to its buddies and its inbox once its
 * announcement is stored, or after this long if that takes longer. Those
 * listens fetch and verify every buddy's signed values (tens of RSA
 * signature checks) and would delay the announcement that the buddies are
 * waiting for; our own view of them can wait a round trip. */
#define LISTEN_DEFER_MAX_MS 200

struct put_ctx {
        struct pb_origin origin;
        uint32_t tag;
};

/* OpenDHT thread: enqueue the outcome. */
static void on_put_done(bool ok, void *userdata) {
        struct put_ctx *pc = userdata;
        struct pb_item *it = pb_item_new(PB_ITEM_PUT_DONE, 0);
        if (it) {
                it->tag = pc->tag;
                it->flag = ok;
                pb_origin_push(&pc->origin, it);
        }
        free(pc);
}

static int put_packed(pb_account *a, const uint8_t *blob, size_t len, bool permanent,
                      uint32_t tag) {
        struct put_ctx *pc = malloc(sizeof(*pc));
        if (!pc)
                return -ENOMEM;
        *pc = (struct put_ctx){ .origin = pb_account_origin(a), .tag = tag };
        int r = pb_node_put_packed(a->node, &a->keys.account_id, blob, len, permanent, on_put_done,
                                   pc);
        if (r < 0)
                free(pc);
        return r;
}

void pb_announce_registration(pb_account *a, enum peerbook_registration state, int code,
                              const char *detail) {
        if (a->reg == state && state != PEERBOOK_REGISTRATION_ERROR &&
            !strcmp(a->reg_detail, detail ? detail : ""))
                return;
        a->reg = state;
        detail = detail ? detail : "";
        a->reg_code = code;
        snprintf(a->reg_detail, sizeof(a->reg_detail), "%s", detail);
        size_t len = strlen(detail) + 1;
        struct pb_item *it = pb_account_item(a, PB_ITEM_REGISTRATION, len);
        if (!it)
                return;
        it->tag = state;
        it->code = code;
        memcpy(it->data, detail, len);
        pb_queue_push(a->env.queue, it);
}

void pb_announce_emit_registration(pb_account *a, const struct pb_item *it) {
        struct peerbook_event ev = {
                .type = PEERBOOK_EVENT_REGISTRATION,
                .account_id = a->id,
                .registration = { .state = it->tag,
                                  .code = it->code,
                                  .detail = (const char *)it->data },
        };
        pb_account_emit(a, &ev);
}

/* Reserves count device-state sequences, after every one we ever signed even
 * if the clock went back; saved before use, so a restart never reuses one. */
static int reserve_state_seqs(pb_account *a, unsigned count, uint64_t *ret_first) {
        char buf[32];
        uint64_t last = 0, seq = pb_wall_ms();
        if (pb_store_get(a->store, "presence_seq", buf, sizeof(buf)) == 0)
                last = strtoull(buf, NULL, 10);
        if (seq <= last)
                seq = last + 1;
        snprintf(buf, sizeof(buf), "%" PRIu64, seq + count - 1);
        int r = pb_store_set(a->store, "presence_seq", buf);
        if (r == 0)
                *ret_first = seq;
        return r;
}

/* Our device state, signed by the device key. */
static int sign_state(pb_account *a, bool online, uint64_t seq, struct pb_signed *ret) {
        struct pb_device_state st = { .dev = a->keys.device_id, .online = online, .seq = seq };
        _cleanup_free_ uint8_t *data = NULL;
        size_t data_len;
        int r = pb_device_state_encode(&st, &data, &data_len);
        ret->value_id = pb_random_u64() | 1;
        if (r == 0)
                r = pb_value_sign(a->keys.device, PB_TYPE_DEVICE_STATE, ret->value_id, data,
                                  data_len, &ret->blob, &ret->len);
        return r;
}

static void signed_clear(struct pb_signed *s) {
        free(s->blob);
        *s = (struct pb_signed){ 0 };
}

void pb_announce_clear(pb_account *a) {
        signed_clear(&a->online);
        signed_clear(&a->bye);
}

/* Signing costs milliseconds with RSA-4096: both states are signed before
 * the node is even connected, the goodbye with the later sequence, so that
 * announcing and leaving are only puts. */
int pb_announce_prepare(pb_account *a) {
        pb_announce_clear(a);
        uint64_t seq = 0;
        int r = reserve_state_seqs(a, 2, &seq); /* one write for both */
        if (r == 0)
                r = sign_state(a, true, seq, &a->online);
        return r < 0 ? r : sign_state(a, false, seq + 1, &a->bye);
}

void pb_announce_start(pb_account *a) {
        pb_announce_registration(a, PEERBOOK_REGISTRATION_TRYING, 0, "");
        a->listen_at = UINT64_MAX; /* once announced (see LISTEN_DEFER_MAX_MS) */
        a->puts_sent = a->announce_ok = false;
        a->backoff_ms = RETRY_MIN_MS;
        a->next_try = a->trying_since = pb_now_ms();
        pb_account_wake(a);
}

void pb_announce_restart(pb_account *a) {
        a->bye_pending = false;
        a->reg = PEERBOOK_REGISTRATION_INITIALIZING; /* so that TRYING is reported */
}

static int send_presence(pb_account *a) {
        a->announced_at = pb_now_ms();
        int r = put_packed(a, a->keys.announce, a->keys.announce_len, true, PB_TAG_ANNOUNCE);
        if (r == 0)
                r = put_packed(a, a->online.blob, a->online.len, true, PB_TAG_STATE);
        return r;
}

static bool standalone(const pb_account *a) {
        return a->bootstrap[0] == 0;
}

static void retry_later(pb_account *a, uint64_t now) {
        a->next_try = now + a->backoff_ms;
        a->backoff_ms = a->backoff_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : a->backoff_ms * 2;
}

/* Once per node start: the caller then starts the listens. */
static bool listen_now(pb_account *a) {
        if (!a->node || a->listen_at == 0)
                return false;
        a->listen_at = 0;
        return true;
}

bool pb_announce_put_done(pb_account *a, const struct pb_item *item) {
        switch (item->tag) {
        case PB_TAG_BYE: a->bye_pending = false; return false;
        case PB_TAG_ANNOUNCE:
                if (a->stopping)
                        return false;
                if (!item->flag && !standalone(a)) {
                        /* Stored nowhere: back to TRYING, announce again after a pause.
                         * (Alone, there is nobody to store it: that is no failure.) */
                        a->puts_sent = a->announce_ok = false;
                        pb_announce_registration(a, PEERBOOK_REGISTRATION_TRYING, 0,
                                                 "announcement not stored; retrying");
                        retry_later(a, pb_now_ms());
                        return false;
                }
                a->announce_ok = true;
                a->backoff_ms = RETRY_MIN_MS;
                return listen_now(a);
        default: return false;
        }
}

static uint64_t earliest(uint64_t x, uint64_t y) {
        return x < y ? x : y;
}

uint64_t pb_announce_tick(pb_account *a, uint64_t now, bool *ret_listen) {
        *ret_listen = false;
        if (!a->node || a->stopping)
                return UINT64_MAX;
        if (a->listen_at && now >= a->listen_at)
                *ret_listen = listen_now(a);
        uint64_t listen_due = a->listen_at ? a->listen_at : UINT64_MAX;
        if (a->puts_sent)
                return listen_due;
        if (now < a->next_try)
                return earliest(a->next_try, listen_due);
        if (!pb_node_is_connected(a->node)) {
                /* OpenDHT has no "connected" callback: look again shortly. */
                a->next_try = now + CONNECT_POLL_MS;
                if (now >= a->trying_since + NO_NODE_DETAIL_MS) {
                        char detail[sizeof(a->reg_detail)], problem[140];
                        if (pb_node_bootstrap_problem(a->node, problem, sizeof(problem)))
                                snprintf(detail, sizeof(detail), "%s; retrying", problem);
                        else
                                snprintf(detail, sizeof(detail),
                                         "no DHT node answered yet (bootstrap %.72s%s); retrying",
                                         a->bootstrap, strlen(a->bootstrap) > 72 ? "..." : "");
                        pb_announce_registration(a, PEERBOOK_REGISTRATION_TRYING, 0, detail);
                }
                return a->next_try;
        }
        if (send_presence(a) < 0) {
                retry_later(a, now);
                return earliest(a->next_try, listen_due);
        }
        a->puts_sent = true;
        if (a->listen_at == UINT64_MAX)
                a->listen_at = now + LISTEN_DEFER_MAX_MS;
        /* Registered: connected, and the announcement is out. OpenDHT confirms
         * a put only once every storage node answered, which one slow node
         * delays by a second; a put that fails sends us back to TRYING. */
        pb_announce_registration(a, PEERBOOK_REGISTRATION_REGISTERED, 0, "");
        return a->listen_at ? a->listen_at : UINT64_MAX; /* 0: listening already */
}

void pb_announce_goodbye(pb_account *a) {
        pb_node_cancel_put(a->node, &a->keys.account_id, pb_announce_value_id(&a->keys.device_id));
        pb_node_cancel_put(a->node, &a->keys.account_id, a->online.value_id);
        if (!a->puts_sent)
                return; /* never announced: nothing to take back */
        a->bye_pending = put_packed(a, a->bye.blob, a->bye.len, false, PB_TAG_BYE) == 0;
}

bool pb_announce_goodbye_pending(const pb_account *a) {
        return a->bye_pending;
}
