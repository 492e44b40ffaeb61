/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-contact-merge.c — the merge of contact rows between an account's
 * devices (contact_merge.h): a join (commutative, associative, idempotent,
 * a row of zeros as its bottom), so that devices converge whatever the order;
 * the same result as Jami 2023's Contact::update wherever that one does not
 * depend on the order; the flags. Random rows over small ranges (to make ties
 * common), fixed seeds, bounded loops. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "contact_merge.h"

#define URI "0123456789abcdef0123456789abcdef01234567"

static uint64_t state;

static unsigned next(unsigned n) { /* xorshift64*, enough for tests */
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return (unsigned)((state * 2685821657736338717ull) >> 33) % n;
}

static struct pb_contact_row random_row(void) {
        static const char *const convs[] = { "", "a", "b", "c" };
        struct pb_contact_row c = { .uri = URI, .added = next(6), .removed = next(6) };
        c.confirmed = next(2);
        c.banned = next(2);
        strcpy(c.conversation_id, convs[next(4)]);
        return c;
}

static bool same(const struct pb_contact_row *x, const struct pb_contact_row *y) {
        return x->added == y->added && x->removed == y->removed && x->confirmed == y->confirmed &&
               x->banned == y->banned && !strcmp(x->conversation_id, y->conversation_id);
}

static struct pb_contact_row merged(struct pb_contact_row x, const struct pb_contact_row *y) {
        pb_contact_merge(&x, y);
        return x;
}

/* Jami 2023's Contact::update (jami_contact.h:71-89 at cbca28f59b), the reference. */
static void jami_update(struct pb_contact_row *m, const struct pb_contact_row *c) {
        if (c->added > m->added) {
                m->added = c->added;
                strcpy(m->conversation_id, c->conversation_id);
        }
        if (c->removed > m->removed) {
                m->removed = c->removed;
                m->banned = c->banned;
        }
        m->confirmed = m->confirmed || c->confirmed;
        if (c->added > c->removed && !m->conversation_id[0] && c->conversation_id[0])
                strcpy(m->conversation_id, c->conversation_id);
}

static void test_join(void) {
        unsigned fails = 0;
        state = 0x9e3779b97f4a7c15ull;
        for (int i = 0; i < 20000; i++) {
                struct pb_contact_row x = random_row(), y = random_row(), z = random_row();
                struct pb_contact_row zero = { .uri = URI };
                struct pb_contact_row xx = x;
                fails += pb_contact_merge(&xx, &x) != 0 || !same(&xx, &x); /* idempotent */
                struct pb_contact_row xy = merged(x, &y), yx = merged(y, &x);
                fails += !same(&xy, &yx); /* commutative */
                struct pb_contact_row l = merged(xy, &z), yz = merged(y, &z);
                struct pb_contact_row r = merged(x, &yz);
                fails += !same(&l, &r); /* associative */
                struct pb_contact_row b = merged(zero, &x);
                fails += !same(&b, &x); /* zeros are the bottom: a new contact takes theirs */
                fails += strcmp(xy.uri, URI) != 0;
        }
        CHECK_EQ(fails, 0);
}

/* Two devices get the same changes in different orders, some twice. */
static void test_convergence(void) {
        unsigned fails = 0;
        state = 42;
        for (int round = 0; round < 2000; round++) {
                struct pb_contact_row rows[8], a = { .uri = URI }, b = { .uri = URI };
                unsigned n = 1 + next(8);
                for (unsigned i = 0; i < n; i++)
                        rows[i] = random_row();
                for (unsigned i = 0; i < n; i++)
                        pb_contact_merge(&a, &rows[i]);
                for (unsigned k = 0; k < 3 * n; k++) /* random order, repetitions */
                        pb_contact_merge(&b, &rows[next(n)]);
                for (unsigned i = n; i-- > 0;) /* and every row at least once */
                        pb_contact_merge(&b, &rows[i]);
                fails += !same(&a, &b);
                /* and a device that merged the other's result agrees too */
                struct pb_contact_row c = rows[0];
                pb_contact_merge(&c, &a);
                fails += !same(&c, &a);
        }
        CHECK_EQ(fails, 0);
}

/* Where Jami's own result does not depend on the order, ours is the same:
 * added and removed differ between the rows (no tie), Jami's empty-
 * conversation fill did not apply, and the older row confirms nothing. */
static void test_jami_agrees(void) {
        unsigned compared = 0, fails = 0;
        state = 7;
        for (int i = 0; i < 20000; i++) {
                struct pb_contact_row x = random_row(), y = random_row();
                if (x.added == y.added || x.removed == y.removed)
                        continue;
                struct pb_contact_row j = x, p = x;
                jami_update(&j, &y);
                pb_contact_merge(&p, &y);
                const struct pb_contact_row *newer_added = y.added > x.added ? &y : &x;
                bool filled = strcmp(j.conversation_id, newer_added->conversation_id) != 0;
                int64_t lx = x.added > x.removed ? x.added : x.removed;
                int64_t ly = y.added > y.removed ? y.added : y.removed;
                bool stale = (lx < ly && x.confirmed) || (ly < lx && y.confirmed);
                fails += j.added != p.added || j.removed != p.removed || j.banned != p.banned;
                fails += !filled && strcmp(j.conversation_id, p.conversation_id) != 0;
                fails += !stale && j.confirmed != p.confirmed;
                compared++;
        }
        printf("# compared with Jami 2023's rule: %u pairs\n", compared);
        CHECK(compared > 5000);
        CHECK_EQ(fails, 0);
}

/* Two devices change one contact in the same second. */
static void test_same_second(void) {
        struct pb_contact_row a = { .uri = URI, .added = 5, .removed = 10, .banned = true };
        struct pb_contact_row b = { .uri = URI, .added = 5, .removed = 10, .banned = false };
        struct pb_contact_row ab = merged(a, &b), ba = merged(b, &a);
        CHECK(same(&ab, &ba) && ab.banned); /* the ban holds */

        a = (struct pb_contact_row){ .uri = URI, .added = 20, .conversation_id = "x" };
        b = (struct pb_contact_row){ .uri = URI, .added = 20, .conversation_id = "y" };
        ab = merged(a, &b);
        ba = merged(b, &a);
        CHECK(same(&ab, &ba) && !strcmp(ab.conversation_id, "y"));

        /* A conversation made after the add, same added: taken, never lost. */
        a = (struct pb_contact_row){ .uri = URI, .added = 20 };
        b = (struct pb_contact_row){ .uri = URI, .added = 20, .conversation_id = "c" };
        CHECK_EQ(pb_contact_merge(&a, &b), PB_MERGE_CONVERSATION | PB_MERGE_ANY);
        CHECK_EQ(pb_contact_merge(&a, &(struct pb_contact_row){ .uri = URI, .added = 20 }), 0);
}

static void test_flags(void) {
        /* added on the other device: active, with its conversation */
        struct pb_contact_row mine = { .uri = URI, .request_id = 99 };
        struct pb_contact_row theirs = { .uri = URI, .added = 10, .conversation_id = "c" };
        CHECK_EQ(pb_contact_merge(&mine, &theirs),
                 PB_MERGE_ACTIVE | PB_MERGE_CONVERSATION | PB_MERGE_ANY);
        CHECK(mine.request_id == 99 && mine.added == 10);
        /* confirmed there */
        theirs.confirmed = true;
        CHECK_EQ(pb_contact_merge(&mine, &theirs), PB_MERGE_CONFIRMED | PB_MERGE_ANY);
        /* banned there later: inactive, banned, no longer confirmed */
        theirs.removed = 12;
        theirs.banned = true;
        theirs.confirmed = false;
        CHECK_EQ(pb_contact_merge(&mine, &theirs),
                 PB_MERGE_ACTIVE | PB_MERGE_BANNED | PB_MERGE_CONFIRMED | PB_MERGE_ANY);
        /* a stale copy changes nothing, its confirmation included */
        struct pb_contact_row stale = { .uri = URI, .added = 10, .confirmed = true };
        CHECK_EQ(pb_contact_merge(&mine, &stale), 0);
        CHECK(!mine.confirmed && mine.banned);
        /* added again there: the ban is lifted (inactive-and-banned ends) */
        theirs.added = 15;
        CHECK_EQ(pb_contact_merge(&mine, &theirs),
                 PB_MERGE_ACTIVE | PB_MERGE_BANNED | PB_MERGE_ANY);
        /* a time alone */
        struct pb_contact_row later = mine;
        later.removed = 13;
        later.banned = false;
        CHECK_EQ(pb_contact_merge(&mine, &later), PB_MERGE_ANY);
}

int main(void) {
        test_join();
        test_convergence();
        test_jami_agrees();
        test_same_second();
        test_flags();
        return check_summary();
}
