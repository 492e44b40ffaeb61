/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * node.c — puts that only tests make: garbage, and values signed for other
 * devices (see testing.h). The test side of the OpenDHT seam, hence the
 * private src/dht/ header.
 */
#include <errno.h>
#include <string.h>

#include "dht/opendht_ext.h"
#include "testing.h"

int pb_node_put_plain(pb_node *node, const pb_hash *key, uint16_t type, const uint8_t *data,
                      size_t len, pb_done_cb done, void *userdata) {
        dht_value *v;
        int r;

        if (!node || !key || (!data && len))
                return -EINVAL;
        r = pb_ext_value_new(type, 0, data, len, &v);
        if (r < 0)
                return r;
        r = pb_ext_runner_put(pb_node_runner(node), key, v, false, done, userdata);
        dht_value_unref(v);
        return r;
}

int pb_node_put_encrypted_as(pb_node *node, const pb_hash *key, const pb_identity *signer,
                             const uint8_t *to_pubkey, size_t to_pubkey_len, uint16_t type,
                             const uint8_t *data, size_t len, pb_done_cb done, void *userdata) {
        if (!node || !key || !signer || !to_pubkey || !to_pubkey_len || (!data && len))
                return -EINVAL;
        return pb_ext_runner_put_encrypted_as(pb_node_runner(node), key, signer, to_pubkey,
                                              to_pubkey_len, type, data, len, done, userdata);
}

int pb_node_publish_cert(pb_node *node, const pb_identity *id, pb_done_cb done, void *userdata) {
        if (!node || !id)
                return -EINVAL;
        return pb_ext_runner_publish_cert(pb_node_runner(node), id, done, userdata);
}
