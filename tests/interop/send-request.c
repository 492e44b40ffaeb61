// SPDX-License-Identifier: GPL-3.0-or-later
//
// send-request: plays a device that sends a trust request whatever its
// account says about it, as a stolen device's owner could. Loads the device
// key and certificate from DEVICE_DIR (device.key, device.crt: a peerbook
// account folder), joins the network through BOOTSTRAP as that device,
// reads TARGET's announcements (its devices and their keys) for a few
// seconds, and puts one trust request, Jami's format, encrypted to each of
// them in its inbox. Used by test-interop-revoke.sh: Jami must drop the
// request of a device that peerbook revoked, and take the same request from
// a device that is not revoked.
//
// usage: send-request BOOTSTRAP DEVICE_DIR TARGET PAYLOAD
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dht/dht.h"
#include "wire.h"

#define DEVICES_MAX 8

static struct {
        pb_hash id;
        uint8_t pk[2048];
        size_t pk_len;
} devices[DEVICES_MAX];
static volatile int n_devices;

static uint8_t *read_file(const char *dir, const char *name, size_t *ret_len) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        FILE *f = fopen(path, "rb");
        static uint8_t buf[2][16384];
        static int which;
        if (!f)
                return NULL;
        uint8_t *b = buf[which++ & 1];
        *ret_len = fread(b, 1, sizeof(buf[0]), f);
        fclose(f);
        return b;
}

// OpenDHT's thread: keeps each announced device once (a test tool: the
// main thread reads the array only after the wait).
static void on_value(const struct pb_value_view *v, bool expired, void *userdata) {
        (void)userdata;
        struct pb_announcement ann;
        if (expired || v->type != PB_TYPE_USER_DATA || !v->is_signed ||
            pb_announcement_decode(v->data, v->len, &ann) < 0 || !ann.pk_len ||
            ann.pk_len > sizeof(devices[0].pk) || n_devices == DEVICES_MAX)
                return;
        for (int i = 0; i < n_devices; i++)
                if (pb_hash_equal(&devices[i].id, &ann.dev))
                        return;
        devices[n_devices].id = ann.dev;
        memcpy(devices[n_devices].pk, ann.pk, ann.pk_len);
        devices[n_devices].pk_len = ann.pk_len;
        n_devices++;
}

static void on_done(void *userdata) {
        (void)userdata;
}

int main(int argc, char **argv) {
        if (argc != 5) {
                fprintf(stderr, "usage: %s BOOTSTRAP DEVICE_DIR TARGET PAYLOAD\n", argv[0]);
                return 2;
        }
        size_t key_len = 0, crt_len = 0;
        uint8_t *key = read_file(argv[2], "device.key", &key_len);
        uint8_t *crt = read_file(argv[2], "device.crt", &crt_len);
        pb_identity *id = NULL;
        pb_hash target;
        if (!key || !crt || pb_identity_load(key, key_len, NULL, crt, crt_len, &id) < 0 ||
            pb_hash_from_hex(argv[3], &target) < 0) {
                fprintf(stderr, "send-request: cannot load the device or read TARGET\n");
                return 1;
        }
        struct pb_node_config c = { .identity = id, .bootstrap = argv[1] };
        pb_node *node = NULL;
        pb_listen *listen = NULL;
        if (pb_node_start(&c, &node) < 0 ||
            pb_node_listen(node, &target, on_value, on_done, NULL, &listen) < 0) {
                fprintf(stderr, "send-request: no node\n");
                return 1;
        }
        for (int t = 0; t < 50 && (n_devices == 0 || t < 20); t++)
                usleep(100000); // up to 5 s, and 2 s at least for every device
        struct pb_trust_request req = { .payload = (uint8_t *)argv[4],
                                        .payload_len = strlen(argv[4]) };
        snprintf(req.service, sizeof(req.service), "cx.ring");
        snprintf(req.conversation_id, sizeof(req.conversation_id), "%016llx",
                 (unsigned long long)time(NULL));
        uint8_t *data = NULL;
        size_t len = 0;
        int sent = 0;
        if (pb_trust_request_encode(&req, &data, &len) == 0)
                for (int i = 0; i < n_devices; i++) {
                        pb_hash inbox = pb_inbox_key(&devices[i].id);
                        sent += pb_node_put_encrypted(node, &inbox, devices[i].pk,
                                                      devices[i].pk_len, PB_TYPE_TRUST_REQUEST,
                                                      data, len, NULL, NULL) == 0;
                }
        sleep(3); // the puts go out
        printf("sent to %d of %d devices\n", sent, n_devices);
        free(data);
        pb_node_cancel_listen(node, listen);
        pb_node_free(node);
        pb_identity_free(id);
        return sent > 0 ? 0 : 1;
}
