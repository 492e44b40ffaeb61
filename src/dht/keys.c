/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * keys.c — hashes, identities and public keys through OpenDHT's C binding.
 *
 * What the binding cannot do (key size, CA flag, import errors, certificate
 * export, issuer check, signing values) is in opendht_ext.cpp.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dht/opendht_ext.h"

/* gnutls' "buffer too small"; the binding passes gnutls codes through. */
#define PB_GNUTLS_E_SHORT_MEMORY_BUFFER (-51)

pb_hash pb_hash_of(const void *data, size_t len) {
        dht_infohash h;
        pb_hash ret;

        dht_infohash_get(&h, data, len);
        memcpy(ret.d, h.d, PB_HASH_LEN);
        return ret;
}

pb_hash pb_inbox_key(const pb_hash *device) {
        char hex[PB_HEX_LEN + 1], key[6 + PB_HEX_LEN + 1];
        pb_hash_to_hex(device, hex);
        snprintf(key, sizeof(key), "inbox:%s", hex);
        return pb_hash_of(key, strlen(key));
}

void pb_hash_to_hex(const pb_hash *h, char out[PB_HEX_LEN + 1]) {
        static const char digits[] = "0123456789abcdef";

        for (size_t i = 0; i < PB_HASH_LEN; i++) {
                out[2 * i] = digits[h->d[i] >> 4];
                out[2 * i + 1] = digits[h->d[i] & 0xf];
        }
        out[PB_HEX_LEN] = '\0';
}

static int hex_digit(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Written here rather than with dht_infohash_from_hex(), which accepts
 * anything and silently yields zeros. */
int pb_hash_from_hex(const char *hex, pb_hash *ret) {
        pb_hash h;

        if (!hex || !ret || strlen(hex) != PB_HEX_LEN)
                return -EINVAL;
        for (size_t i = 0; i < PB_HASH_LEN; i++) {
                int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

                if (hi < 0 || lo < 0)
                        return -EINVAL;
                h.d[i] = (uint8_t)(hi << 4 | lo);
        }
        *ret = h;
        return 0;
}

bool pb_hash_equal(const pb_hash *a, const pb_hash *b) {
        return memcmp(a->d, b->d, PB_HASH_LEN) == 0;
}

pb_hash pb_identity_id(const pb_identity *id) {
        /* The certificate's id is its public key's InfoHash, as getId(). */
        dht_infohash h = dht_certificate_get_id(id->cert);
        pb_hash ret;

        memcpy(ret.d, h.d, PB_HASH_LEN);
        return ret;
}

int pb_identity_export_key(const pb_identity *id, const char *password, uint8_t **ret,
                           size_t *ret_len) {
        size_t size = 4096;

        if (!id || !ret || !ret_len)
                return -EINVAL;
        /* The binding builds a std::string from the password: never NULL. */
        if (!password)
                password = "";
        for (int tries = 0; tries < 4; tries++, size *= 2) {
                char *buf = malloc(size);
                size_t len = size;
                int r;

                if (!buf)
                        return -ENOMEM;
                r = dht_privatekey_export(id->key, buf, &len, password);
                if (r == 0) {
                        *ret = (uint8_t *)buf;
                        *ret_len = len;
                        return 0;
                }
                free(buf);
                if (r != PB_GNUTLS_E_SHORT_MEMORY_BUFFER)
                        return -EIO;
        }
        return -EIO;
}

/* DER export of a binding public key into a malloc()ed buffer. */
static int export_publickey(const dht_publickey *pk, uint8_t **ret, size_t *ret_len) {
        size_t len = 4096;
        char *buf = malloc(len);

        if (!buf)
                return -ENOMEM;
        if (dht_publickey_export(pk, buf, &len) != 0) {
                free(buf);
                return -EIO;
        }
        *ret = (uint8_t *)buf;
        *ret_len = len;
        return 0;
}

int pb_identity_export_pubkey(const pb_identity *id, uint8_t **ret, size_t *ret_len) {
        dht_publickey *pk;
        int r;

        if (!id || !ret || !ret_len)
                return -EINVAL;
        pk = dht_certificate_get_publickey(id->cert);
        if (!pk)
                return -EIO;
        r = export_publickey(pk, ret, ret_len);
        dht_publickey_delete(pk);
        return r;
}

pb_identity *pb_identity_free(pb_identity *id) {
        if (!id)
                return NULL;
        dht_privatekey_delete(id->key);
        dht_certificate_delete(id->cert);
        free(id);
        return NULL;
}

int pb_pubkey_id(const uint8_t *der, size_t len, pb_hash *ret) {
        dht_publickey *pk;
        dht_infohash h;

        if (!der || !ret)
                return -EINVAL;
        if (!len)
                return -EBADMSG;
        pk = dht_publickey_import(der, len);
        if (!pk)
                return -EBADMSG;
        h = dht_publickey_get_id(pk);
        dht_publickey_delete(pk);
        memcpy(ret->d, h.d, PB_HASH_LEN);
        return 0;
}
