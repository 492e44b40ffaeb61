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
#define EXTRA_FILE "archive-extra.json"
#define CRL_FILE "account.crl"

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
        /* An imported account certificate that is no CA (or out of its
         * dates) would give a device that no peer accepts. */
        if ((r = pb_identity_check_issued_by(device, account)) == 0 &&
            (r = save_identity(dir, "account", account, password)) == 0 &&
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

/* The account's archive fields: its key (not encrypted) and chain, and the
 * entries kept from an import. */
static int archive_fields(const char *account_dir, const pb_identity *account,
                          struct pb_jami_archive *a) {
        _cleanup_free_ uint8_t *extra = NULL;
        size_t extra_len;
        int r = pb_identity_export_key(account, NULL, &a->key, &a->key_len);
        if (r == 0)
                r = read_in(account_dir, "account.crt", &a->cert, &a->cert_len);
        if (r < 0)
                return r;
        /* The revocation list (revoke.c) as Jami's ringAccountCRL. */
        r = read_in(account_dir, CRL_FILE, &a->crl, &a->crl_len);
        if (r < 0 && r != -ENOENT)
                return r;
        _cleanup_free_ char *p = pb_path_join(account_dir, EXTRA_FILE);
        r = p ? pb_file_read(p, PB_JAMI_ARCHIVE_MAX, &extra, &extra_len) : -ENOMEM;
        if (r == -ENOENT)
                return 0;
        return r < 0 ? r : pb_jami_extra_load(extra, extra_len, a);
}

int pb_archive_export(const char *account_dir, const char *current_password, const char *password,
                      const char *alias, const struct pb_contact_row *contacts, size_t n_contacts,
                      const char *path) {
        pb_identity *account = NULL;
        struct pb_jami_archive a = { 0 };
        _cleanup_free_ uint8_t *blob = NULL;
        size_t blob_len;
        int r = load_identity(account_dir, "account", current_password, &account);
        if (r < 0)
                return r;
        snprintf(a.alias, sizeof(a.alias), "%s", alias ? alias : "");
        r = archive_fields(account_dir, account, &a);
        pb_identity_free(account);
        if (r == 0) {
                /* Borrowed for the encoding only. */
                a.contacts = (struct pb_contact_row *)contacts;
                a.n_contacts = n_contacts;
                r = pb_jami_archive_encode(&a, password, &blob, &blob_len);
                a.contacts = NULL;
        }
        pb_jami_archive_clear(&a);
        if (r == 0)
                r = pb_file_write(path, blob, blob_len);
        return r;
}

/* peerbook v0.1's archive (wire.h): the key encrypted with the password. */
static int import_v01(const struct pb_archive *v, const char *password, pb_identity **ret_account,
                      struct pb_jami_archive *ret) {
        int r = pb_identity_load(v->key, v->key_len, password, v->cert, v->cert_len, ret_account);
        if (r == 0) {
                *ret = (struct pb_jami_archive){ 0 };
                memcpy(ret->alias, v->alias, sizeof(ret->alias));
        }
        return r;
}

int pb_archive_import(const char *path, const char *password, pb_identity **ret_account,
                      struct pb_jami_archive *ret) {
        _cleanup_free_ uint8_t *blob = NULL;
        size_t len;
        int r = pb_file_read(path, PB_JAMI_ARCHIVE_MAX, &blob, &len);
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        struct pb_archive *v = malloc(sizeof(*v));
        if (!v)
                return -ENOMEM;
        int v01 = pb_archive_decode(blob, len, v);
        if (v01 == 0)
                r = import_v01(v, password, ret_account, ret);
        explicit_bzero(v, sizeof(*v));
        free(v);
        if (v01 != -EBADMSG)
                return v01 < 0 ? v01 : r;
        struct pb_jami_archive a;
        if ((r = pb_jami_archive_decode(blob, len, password, &a)) < 0)
                return r;
        /* Jami's key is not encrypted inside the archive. */
        r = pb_identity_load(a.key, a.key_len, NULL, a.cert, a.cert_len, ret_account);
        if (r < 0) {
                pb_jami_archive_clear(&a);
                return r == -EKEYREJECTED ? -EBADMSG : r;
        }
        *ret = a;
        return 0;
}

int pb_archive_keep_extra(const char *account_dir, const struct pb_jami_archive *a) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        /* The account's revocation list: revoke.c checks it before use. */
        if (a->crl_len) {
                int r = write_in(account_dir, CRL_FILE, a->crl, a->crl_len);
                if (r < 0)
                        return r;
        }
        if (!a->extra)
                return 0;
        int r = pb_jami_extra_dump(a, &text, &len);
        if (r == 0)
                r = write_in(account_dir, EXTRA_FILE, text, len);
        if (text)
                explicit_bzero(text, len); /* ringCaKey, ethKey */
        return r;
}

int pb_account_key_rekey(const char *account_dir, const char *old, const char *new_password) {
        pb_identity *account = NULL;
        _cleanup_free_ uint8_t *key = NULL;
        size_t key_len;
        int r = load_identity(account_dir, "account", old && *old ? old : NULL, &account);
        if (r < 0)
                return r;
        r = pb_identity_export_key(account, new_password && *new_password ? new_password : NULL,
                                   &key, &key_len);
        pb_identity_free(account);
        if (r == 0)
                r = write_in(account_dir, "account.key", key, key_len);
        if (key)
                explicit_bzero(key, key_len);
        return r;
}
