/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-channels-live.c — direct channels between two contacts, in one
 * process, on real OpenDHT nodes and real TLS on 127.0.0.1: status 2 after
 * an accept, notes both ways (XML metacharacters, non-ASCII), clearing, a
 * clean stop seen at once, a restart back to 2, removal closing the channel.
 */
#include <stdint.h>

#include "check.h"
#include "live.h"

enum {
        BOOT,
        ALICE,
        BOB,
        N_NODES
};
static struct live_node nodes[N_NODES];
static struct live_node *all[N_NODES];
static struct live_node *boot = &nodes[BOOT], *alice = &nodes[ALICE], *bob = &nodes[BOB];

#define WAIT(pred, arg, ms) live_wait(all, N_NODES, pred, arg, ms)

static bool status_is(struct live_node *n, struct live_node *buddy, int status, int ms) {
        struct live_status_want w = { n, buddy->account, status };
        return WAIT(live_has_status, &w, ms);
}

/* What n's buddy list says of buddy: its note, and its connected devices. */
static bool buddy_state(struct live_node *n, struct live_node *buddy, char *note, size_t size,
                        unsigned *connected) {
        struct peerbook_buddy **list = NULL;
        bool found = false;
        if (peerbook_buddy_list(n->ctx, n->account, &list) < 0)
                return false;
        for (struct peerbook_buddy **b = list; *b; b++)
                if (!strcmp((*b)->uri, buddy->account)) {
                        snprintf(note, size, "%s", (*b)->line_status);
                        *connected = (*b)->connected;
                        found = true;
                }
        peerbook_list_free(list);
        return found;
}

struct note_want {
        struct live_node *n, *buddy;
        const char *note;
};

static bool has_note(void *arg) {
        struct note_want *w = arg;
        char note[PEERBOOK_NOTE_MAX + 1];
        unsigned connected;
        return buddy_state(w->n, w->buddy, note, sizeof(note), &connected) &&
               !strcmp(note, w->note);
}

static bool got_request(void *arg) {
        return live_count(bob, PEERBOOK_EVENT_TRUST_REQUEST, (const char *)arg, -1) > 0;
}

static void become_contacts(void) {
        CHECK(peerbook_trust_request_send(alice->ctx, alice->account, bob->account, NULL, 0) == 0);
        CHECK(WAIT(got_request, alice->account, 15000));
        CHECK(peerbook_trust_request_accept(bob->ctx, bob->account, alice->account) == 0);
}

static void notes_round_trip(void) {
        const char *notes[] = { "Lunch time!", "Déjeuner 🍽 <back at 2>",
                                "a & b < c > d \" e ' f\n\ttab  two  spaces " };
        for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++) {
                double t0 = live_now_ms();
                CHECK(peerbook_presence_publish(alice->ctx, alice->account, notes[i]) == 0);
                struct note_want w = { bob, alice, notes[i] };
                CHECK(WAIT(has_note, &w, 5000));
                printf("note %zu reached bob in %.1f ms\n", i, live_now_ms() - t0);
        }
        CHECK(peerbook_presence_publish(bob->ctx, bob->account, "busy") == 0);
        struct note_want back = { alice, bob, "busy" };
        CHECK(WAIT(has_note, &back, 5000));
        CHECK(peerbook_presence_publish(alice->ctx, alice->account, "") == 0);
        struct note_want cleared = { bob, alice, "" };
        CHECK(WAIT(has_note, &cleared, 5000));
        /* Refused: too long, not UTF-8. */
        char big[PEERBOOK_NOTE_MAX + 2];
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = 0;
        CHECK(peerbook_presence_publish(alice->ctx, alice->account, big) == -EINVAL);
        CHECK(peerbook_presence_publish(alice->ctx, alice->account, "\xc3\x28") == -EINVAL);
        big[PEERBOOK_NOTE_MAX] = 0;
        CHECK(peerbook_presence_publish(alice->ctx, alice->account, big) == 0);
        struct note_want longest = { bob, alice, big };
        CHECK(WAIT(has_note, &longest, 5000));
}

static uint64_t channels_of(struct live_node *n) {
        _cleanup_record_ struct peerbook_account_info *info = live_info(n);
        return info ? info->channels : UINT64_MAX;
}

int main(void) {
        for (int i = 0; i < N_NODES; i++)
                all[i] = &nodes[i];
        char bootstrap[64];
        CHECK(live_new_account(boot, NULL) == 0);
        CHECK(WAIT(live_registered, boot, 10000));
        snprintf(bootstrap, sizeof(bootstrap), "127.0.0.1:%u", live_port(boot));
        CHECK(live_new_account(alice, bootstrap) == 0);
        CHECK(live_new_account(bob, bootstrap) == 0);
        CHECK(WAIT(live_registered, alice, 10000));
        CHECK(WAIT(live_registered, bob, 10000));

        double t0 = live_now_ms();
        become_contacts();
        CHECK(status_is(alice, bob, PEERBOOK_STATUS_CONNECTED, 15000));
        CHECK(status_is(bob, alice, PEERBOOK_STATUS_CONNECTED, 15000));
        printf("both at 2 %.0f ms after the request\n", live_now_ms() - t0);
        {
                _cleanup_record_ struct peerbook_account_info *ia = live_info(alice);
                _cleanup_record_ struct peerbook_account_info *ib = live_info(bob);
                printf("refused so far: alice %llu, bob %llu\n",
                       (unsigned long long)ia->channels_refused,
                       (unsigned long long)ib->channels_refused);
        }
        live_run(all, N_NODES, 300);
        CHECK(channels_of(alice) == 1 && channels_of(bob) == 1);

        notes_round_trip();

        /* A clean stop: alice sees bob at 0 at once (the goodbye on the channel). */
        t0 = live_now_ms();
        live_close(bob);
        CHECK(status_is(alice, bob, PEERBOOK_STATUS_OFFLINE, 3000));
        printf("clean stop seen in %.0f ms\n", live_now_ms() - t0);

        /* Back: 2 again, and the note goes out again on the new channel. */
        CHECK(peerbook_presence_publish(alice->ctx, alice->account, "back?") == 0);
        t0 = live_now_ms();
        CHECK(live_open(bob) == 0);
        CHECK(status_is(alice, bob, PEERBOOK_STATUS_CONNECTED, 15000));
        CHECK(status_is(bob, alice, PEERBOOK_STATUS_CONNECTED, 15000));
        struct note_want again = { bob, alice, "back?" };
        CHECK(WAIT(has_note, &again, 5000));
        printf("restart: 2 again in %.0f ms\n", live_now_ms() - t0);

        /* Removal closes the channel on both sides. */
        CHECK(peerbook_contact_remove(bob->ctx, bob->account, alice->account, false) == 0);
        CHECK(status_is(alice, bob, PEERBOOK_STATUS_ONLINE, 5000));
        CHECK(channels_of(bob) == 0);

        for (int i = N_NODES - 1; i >= 0; i--)
                live_close(&nodes[i]);
        printf("ok\n");
        return 0;
}
