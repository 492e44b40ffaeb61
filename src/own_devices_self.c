/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * own_devices_self.c — the walk of our own account's devices while it
 * knows only this one. The discovery of the account's other devices
 * (issue 9, item 1) replaces this file with the real walk, keeping
 * pb_own_devices_each() as own_devices.h declares it.
 */
#include "account-internal.h"
#include "own_devices.h"

int pb_own_devices_each(pb_account *a, pb_each_cb each, void *userdata) {
        struct peerbook_device self = {
                .device_id = a->device,
                .long_id = a->device_long_id,
                .name = a->device_name,
                .this_device = true,
        };
        return each(&self, userdata);
}
