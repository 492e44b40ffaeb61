/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "identity.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "wire.h"

#define KEY_FILE_MAX (64 * 1024)

uint64_t pb_announce_value_id(const pb_hash *device_id) {
        uint64_t id;
        memcpy(&id, device_id->d, sizeof(id));
        return id ? id : 1; /* 0 means "pick one" to OpenDHT */
}

static int write_in(const char *dir, const char *name, const void *data, size_t len) {
        _cleanup_free_ char *p = pb_path_join(dir, name);
        return p ? pb_file_write(p, data, len) : -ENOMEM;
}

static int read_in(const char *dir, const char *name, uint8_t **ret, size_t *ret_len) {
        _cleanup_free_ char *p = pb_path_join(dir, name);
        if (!p)
                return -ENOMEM;
        int r = pb_file_read(p, KEY_FILE_MAX, ret, ret_len);
        return r == -EFBIG ? -EBADMSG : r;
}

/* Exports an identity's key and certificate into dir as <prefix>.key/.crt. */
static int save_identity(const char *dir, const char *prefix, const pb_identity *id,
                         const char *password) {
        _cleanup_free_ uint8_t *key = NULL, *crt = NULL;
        size_t key_len, crt_len;
        char name[64];
        int r = pb_identity_export_key(id, password, &key, &key_len);
        if (r == 0)
                r = pb_identity_export_cert(id, &crt, &crt_len);
        if (r < 0)
                return r;
        snprintf(name, sizeof(name), "%s.key", prefix);
        if ((r = write_in(dir, name, key, key_len)) < 0)
                return r;
        snprintf(name, sizeof(name), "%s.crt", prefix);
        return write_in(dir, name, crt, crt_len);
}

static int load_identity(const char *dir, const char *prefix, const char *password,
                         pb_identity **ret) {
        _cleanup_free_ uint8_t *key = NULL, *crt = NULL;
        size_t key_len, crt_len;
        char name[64];
        snprintf(name, sizeof(name), "%s.key", prefix);
        int r = read_in(dir, name, &key, &key_len);
        if (r < 0)
                return r;
        snprintf(name, sizeof(name), "%s.crt", prefix);
        if ((r = read_in(dir, name, &crt, &crt_len)) < 0)
                return r;
        return pb_identity_load(key, key_len, password, crt, crt_len, ret);
}

/* The announcement {dev, pk}, signed by the account key. */
static int sign_announcement(const pb_identity *account, const pb_identity *device, uint8_t **ret,
                             size_t *ret_len) {
        _cleanup_free_ uint8_t *pk = NULL, *data = NULL;
        size_t pk_len, data_len;
        pb_hash dev = pb_identity_id(device);
        int r = pb_identity_export_pubkey(device, &pk, &pk_len);
        if (r == 0)
                r = pb_announcement_encode(&dev, pk, pk_len, &data, &data_len);
        if (r < 0)
                return r;
        return pb_value_sign(account, PB_TYPE_USER_DATA, pb_announce_value_id(&dev), data, data_len,
                             ret, ret_len);
}

int pb_device_keys_create(const char *dir, const pb_identity *account, const char *password,
                          unsigned bits) {
        pb_identity *device = NULL;
        _cleanup_free_ uint8_t *announce = NULL;
        size_t announce_len;
        int r = pb_identity_generate("peerbook device", account, bits, &device);
        if (r < 0)
                return r;
        if ((r = save_identity(dir, "account", account, password)) == 0 &&
            (r = save_identity(dir, "device", device, NULL)) == 0 &&
            (r = sign_announcement(account, device, &announce, &announce_len)) == 0)
                r = write_in(dir, "announce.bin", announce, announce_len);
        pb_identity_free(device);
        return r;
}

void pb_device_keys_clear(struct pb_device_keys *k) {
        k->device = pb_identity_free(k->device);
        free(k->announce);
        k->announce = NULL;
}

int pb_device_keys_load(const char *account_dir, struct pb_device_keys *ret) {
        struct pb_device_keys k = { 0 };
        const char *base = strrchr(account_dir, '/');
        base = base ? base + 1 : account_dir;
        int r = pb_hash_from_hex(base, &k.account_id);
        if (r < 0)
                return -EBADMSG;
        if ((r = load_identity(account_dir, "device", NULL, &k.device)) < 0)
                return r;
        if ((r = read_in(account_dir, "announce.bin", &k.announce, &k.announce_len)) < 0) {
                pb_device_keys_clear(&k);
                return r;
        }
        k.device_id = pb_identity_id(k.device);
        *ret = k;
        return 0;
}

int pb_archive_export(const char *account_dir, const char *current_password, const char *password,
                      const char *alias, const char *path) {
        pb_identity *account = NULL;
        int r = load_identity(account_dir, "account", current_password, &account);
        if (r < 0)
                return r;
        struct pb_archive *a = calloc(1, sizeof(*a));
        _cleanup_free_ uint8_t *key = NULL, *crt = NULL, *blob = NULL;
        size_t blob_len;
        if (!a) {
                pb_identity_free(account);
                return -ENOMEM;
        }
        snprintf(a->alias, sizeof(a->alias), "%s", alias ? alias : "");
        if ((r = pb_identity_export_key(account, password, &key, &a->key_len)) == 0 &&
            (r = pb_identity_export_cert(account, &crt, &a->cert_len)) == 0 &&
            (a->key_len > sizeof(a->key) || a->cert_len > sizeof(a->cert)))
                r = -EMSGSIZE;
        if (r == 0) {
                memcpy(a->key, key, a->key_len);
                memcpy(a->cert, crt, a->cert_len);
                r = pb_archive_encode(a, &blob, &blob_len);
        }
        if (r == 0)
                r = pb_file_write(path, blob, blob_len);
        free(a);
        pb_identity_free(account);
        return r;
}

int pb_archive_import(const char *path, const char *password, pb_identity **ret_account,
                      char ret_alias[PEERBOOK_ALIAS_MAX]) {
        _cleanup_free_ uint8_t *blob = NULL;
        size_t len;
        int r = pb_file_read(path, 4 * PB_ARCHIVE_FIELD_MAX, &blob, &len);
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        struct pb_archive *a = malloc(sizeof(*a));
        if (!a)
                return -ENOMEM;
        r = pb_archive_decode(blob, len, a);
        if (r == 0)
                r = pb_identity_load(a->key, a->key_len, password, a->cert, a->cert_len,
                                     ret_account);
        if (r == 0)
                memcpy(ret_alias, a->alias, sizeof(a->alias));
        free(a);
        return r;
}
