/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-presence.c — the buddy presence state machine. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "presence.h"

static pb_hash dev(uint8_t n) {
        pb_hash h;
        memset(h.d, n, sizeof(h.d));
        return h;
}

/* What a direct channel says outranks the DHT until the device shows it is
 * back: a newer state, or a new channel. */
static void test_gone(void) {
        struct pb_buddy_presence p;
        pb_presence_init(&p);
        pb_hash d = dev(9);
        CHECK_EQ(pb_presence_announcement(&p, &d, 900, false), 0);
        CHECK_EQ(pb_presence_state(&p, &d, 5, true, 901), 0);
        CHECK(pb_presence_has_state(&p, &d));
        CHECK_EQ(pb_presence_count(&p), 1);
        CHECK_EQ(pb_presence_device_gone(&p, &d, true), 0); /* died of silence */
        CHECK_EQ(pb_presence_count(&p), 0);
        CHECK_EQ(pb_presence_state(&p, &d, 5, true, 901), 0); /* the old state again */
        CHECK_EQ(pb_presence_announcement(&p, &d, 900, false), 0);
        CHECK_EQ(pb_presence_count(&p), 0);
        CHECK_EQ(pb_presence_state(&p, &d, 6, true, 902), 0); /* restarted: newer */
        CHECK_EQ(pb_presence_count(&p), 1);
        CHECK_EQ(pb_presence_device_gone(&p, &d, true), 0);
        CHECK_EQ(pb_presence_device_gone(&p, &d, false), 0); /* a new channel */
        CHECK_EQ(pb_presence_count(&p), 1);
        pb_hash jami = dev(10); /* announces, publishes no state */
        CHECK_EQ(pb_presence_announcement(&p, &jami, 903, false), 0);
        CHECK(!pb_presence_has_state(&p, &jami));
        pb_presence_clear(&p);
}

int main(void) {
        test_gone();
        struct pb_buddy_presence p;
        pb_presence_init(&p);
        pb_hash d1 = dev(1), d2 = dev(2);
        CHECK_EQ(pb_presence_count(&p), 0);

        /* An announcement makes a device present; a refresh changes nothing. */
        CHECK_EQ(pb_presence_announcement(&p, &d1, 100, false), 0);
        CHECK_EQ(pb_presence_announcement(&p, &d1, 100, false), 0);
        CHECK_EQ(pb_presence_count(&p), 1);

        /* Two values for one device: the old one expiring does not hide the new. */
        CHECK_EQ(pb_presence_announcement(&p, &d1, 101, false), 0);
        CHECK_EQ(pb_presence_announcement(&p, &d1, 100, true), 0);
        CHECK_EQ(pb_presence_count(&p), 1);
        CHECK_EQ(pb_presence_announcement(&p, &d1, 101, true), 0);
        CHECK_EQ(pb_presence_count(&p), 0);
        /* Expiry of an unknown value or device is harmless. */
        CHECK_EQ(pb_presence_announcement(&p, &d2, 5, true), 0);

        /* A goodbye wins over a live announcement, and a stale online loses to it. */
        CHECK_EQ(pb_presence_announcement(&p, &d1, 102, false), 0);
        CHECK_EQ(pb_presence_state(&p, &d1, 10, true, 100), 0);
        CHECK_EQ(pb_presence_count(&p), 1);
        CHECK_EQ(pb_presence_state(&p, &d1, 11, false, 110), 0);
        CHECK_EQ(pb_presence_count(&p), 0);
        CHECK_EQ(pb_presence_state(&p, &d1, 10, true, 100), 0); /* arrives late */
        CHECK_EQ(pb_presence_count(&p), 0);
        /* A restart: a newer online state brings it back. */
        CHECK_EQ(pb_presence_state(&p, &d1, 12, true, 120), 0);
        CHECK_EQ(pb_presence_count(&p), 1);

        /* OpenDHT reports the announcement expired (a node that held it went
         * away) while the device lives: its live online state keeps it present;
         * when that expires too, it is gone (a crash). */
        CHECK_EQ(pb_presence_announcement(&p, &d1, 102, true), 0);
        CHECK_EQ(pb_presence_count(&p), 1);
        pb_presence_state_expired(&p, &d1, 999); /* some other value: nothing */
        CHECK_EQ(pb_presence_count(&p), 1);
        pb_presence_state_expired(&p, &d1, 120);
        CHECK_EQ(pb_presence_count(&p), 0);
        /* A restart's new online state brings it back without a new announcement. */
        CHECK_EQ(pb_presence_state(&p, &d1, 13, true, 130), 0);
        CHECK_EQ(pb_presence_count(&p), 1);
        /* A goodbye's expiry never revives it. */
        CHECK_EQ(pb_presence_state(&p, &d1, 14, false, 140), 0);
        CHECK_EQ(pb_presence_count(&p), 0);
        pb_presence_state_expired(&p, &d1, 140);
        CHECK_EQ(pb_presence_count(&p), 0);
        CHECK_EQ(pb_presence_state(&p, &d1, 15, true, 150), 0);
        CHECK_EQ(pb_presence_announcement(&p, &d1, 102, false), 0);

        /* A state without any announcement does not make a device present. */
        CHECK_EQ(pb_presence_state(&p, &d2, 1, true, 10), 0);
        CHECK_EQ(pb_presence_count(&p), 1);
        CHECK(!pb_presence_is_announced(&p, &d2));
        CHECK_EQ(pb_presence_announcement(&p, &d2, 200, false), 0);
        CHECK_EQ(pb_presence_count(&p), 2);

        /* Caps: values per device, devices per buddy. */
        for (uint64_t v = 0; v < PB_DEVICE_VALUES_MAX - 1; v++)
                CHECK_EQ(pb_presence_announcement(&p, &d2, 300 + v, false), 0);
        CHECK_EQ(pb_presence_announcement(&p, &d2, 999, false), -ENOSPC);
        int refused = 0;
        for (int i = 10; i < 10 + PB_DEVICES_MAX; i++) {
                pb_hash d = dev((uint8_t)i);
                refused += pb_presence_announcement(&p, &d, 1, false) == -ENOSPC;
        }
        CHECK_EQ(refused, 2); /* the two present devices were never evicted */
        CHECK(pb_presence_count(&p) <= PB_DEVICES_MAX);
        CHECK(pb_presence_is_announced(&p, &d1));
        pb_presence_clear(&p);
        return check_summary();
}
