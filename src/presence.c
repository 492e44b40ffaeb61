/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "presence.h"

#include <errno.h>
#include <string.h>

#include <stdlib.h>

void pb_presence_init(struct pb_buddy_presence *p) {
        memset(p, 0, sizeof(*p));
}

void pb_presence_clear(struct pb_buddy_presence *p) {
        free(p->devices);
        pb_presence_init(p);
}

static bool grow(struct pb_buddy_presence *p) {
        unsigned cap = p->cap_devices ? p->cap_devices * 2 : 2;
        if (cap > PB_DEVICES_MAX)
                cap = PB_DEVICES_MAX;
        struct pb_device *d = realloc(p->devices, cap * sizeof(*d));
        if (!d)
                return false;
        p->devices = d;
        p->cap_devices = cap;
        return true;
}

static struct pb_device *find_device(const struct pb_buddy_presence *p, const pb_hash *dev) {
        for (unsigned i = 0; i < p->n_devices; i++)
                if (pb_hash_equal(&p->devices[i].id, dev))
                        return &p->devices[i];
        return NULL;
}

/* A record that says nothing (no value, no state) can go first, then the
 * stalest absent one; a present device is never evicted. */
static struct pb_device *evictable(struct pb_buddy_presence *p) {
        struct pb_device *best = NULL;
        for (unsigned i = 0; i < p->n_devices; i++) {
                struct pb_device *d = &p->devices[i];
                if (pb_presence_device_present(d) || d->n_values > 0)
                        continue;
                if (!best || d->touched < best->touched)
                        best = d;
        }
        return best;
}

static struct pb_device *get_device(struct pb_buddy_presence *p, const pb_hash *dev) {
        struct pb_device *d = find_device(p, dev);
        if (!d) {
                if (p->n_devices < PB_DEVICES_MAX && (p->n_devices < p->cap_devices || grow(p)))
                        d = &p->devices[p->n_devices++];
                else if (p->n_devices < PB_DEVICES_MAX)
                        return NULL; /* out of memory */
                else if (!(d = evictable(p)))
                        return NULL;
                memset(d, 0, sizeof(*d));
                d->id = *dev;
        }
        d->touched = ++p->clock;
        return d;
}

static void drop_value(struct pb_device *d, unsigned i) {
        d->values[i] = d->values[--d->n_values];
}

int pb_presence_announcement(struct pb_buddy_presence *p, const pb_hash *dev, uint64_t value_id,
                             bool expired) {
        if (expired) {
                struct pb_device *d = find_device(p, dev);
                for (unsigned i = 0; d && i < d->n_values; i++)
                        if (d->values[i] == value_id) {
                                drop_value(d, i);
                                break;
                        }
                return 0;
        }
        struct pb_device *d = get_device(p, dev);
        if (!d)
                return -ENOSPC;
        for (unsigned i = 0; i < d->n_values; i++)
                if (d->values[i] == value_id)
                        return 0; /* a refresh of a value we already count */
        if (d->n_values == PB_DEVICE_VALUES_MAX)
                return -ENOSPC;
        d->verified = true;
        d->values[d->n_values++] = value_id;
        return 0;
}

int pb_presence_state(struct pb_buddy_presence *p, const pb_hash *dev, uint64_t seq, bool online,
                      uint64_t value_id) {
        struct pb_device *d = get_device(p, dev);
        if (!d)
                return -ENOSPC;
        if (d->has_state && seq < d->state_seq)
                return 0; /* stale: a newer state already decided */
        if (d->has_state && seq == d->state_seq) {
                d->state_live |= value_id == d->state_value_id; /* the same value again */
                return 0;
        }
        if (d->gone && (!d->has_state || seq > d->gone_seq))
                d->gone = false; /* a state newer than the channel's end: back */
        d->has_state = true;
        d->state_seq = seq;
        d->state_online = online;
        d->state_live = true;
        d->state_value_id = value_id;
        return 0;
}

void pb_presence_state_expired(struct pb_buddy_presence *p, const pb_hash *dev, uint64_t value_id) {
        struct pb_device *d = find_device(p, dev);
        if (d && d->has_state && d->state_value_id == value_id)
                d->state_live = false;
}

int pb_presence_device_gone(struct pb_buddy_presence *p, const pb_hash *dev, bool gone) {
        struct pb_device *d = get_device(p, dev);
        if (!d)
                return -ENOSPC;
        d->gone = gone;
        d->gone_seq = d->has_state ? d->state_seq : 0;
        return 0;
}

bool pb_presence_device_present(const struct pb_device *d) {
        if (d->gone)
                return false;
        if (d->has_state && !d->state_online)
                return false; /* said goodbye */
        if (d->n_values > 0)
                return true;
        return d->has_state && d->state_live && d->verified;
}

unsigned pb_presence_count(const struct pb_buddy_presence *p) {
        unsigned n = 0;
        for (unsigned i = 0; i < p->n_devices; i++)
                n += pb_presence_device_present(&p->devices[i]);
        return n;
}

bool pb_presence_has_state(const struct pb_buddy_presence *p, const pb_hash *dev) {
        const struct pb_device *d = find_device(p, dev);
        return d && d->has_state;
}

bool pb_presence_is_announced(const struct pb_buddy_presence *p, const pb_hash *dev) {
        const struct pb_device *d = find_device(p, dev);
        return d && d->n_values > 0;
}
