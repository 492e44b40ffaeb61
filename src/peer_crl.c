/* SPDX-License-Identifier: GPL-3.0-or-later */
/* peer_crl.c — other accounts' pinned revocation lists and the set of
 * revoked devices, in the account folder (peer_crl.h). */
#include "peer_crl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account-internal.h"
#include "crl.h"
#include "util.h"

#define DIR_NAME "crls"
#define CERT_MAX (16 * 1024)

/* <account dir>/crls/<name>, malloc()ed. */
static char *path_of(const pb_account *a, const char *name) {
        _cleanup_free_ char *dir = pb_path_join(a->dir, DIR_NAME);
        return dir ? pb_path_join(dir, name) : NULL;
}

static char *peer_path(const pb_account *a, const pb_hash *peer, const char *ext) {
        char name[PB_HEX_LEN + 8], hex[PB_HEX_LEN + 1];
        pb_hash_to_hex(peer, hex);
        snprintf(name, sizeof(name), "%s.%s", hex, ext);
        return path_of(a, name);
}

static int write_file(pb_account *a, char *path, const void *data, size_t len) {
        _cleanup_free_ char *p = path;
        _cleanup_free_ char *dir = pb_path_join(a->dir, DIR_NAME);
        int r = p && dir ? pb_mkdir_p(dir) : -ENOMEM;
        return r < 0 ? r : pb_file_write(p, data, len);
}

static int read_file(char *path, size_t max, uint8_t **ret, size_t *ret_len) {
        _cleanup_free_ char *p = path;
        return p ? pb_file_read(p, max, ret, ret_len) : -ENOMEM;
}

int pb_revoked_load(pb_account *a) {
        _cleanup_free_ uint8_t *data = NULL;
        size_t len;
        int r = read_file(path_of(a, "revoked.bin"), PB_REVOKED_MAX * PB_HASH_LEN, &data, &len);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        pb_revoked_free(a);
        size_t n = len / PB_HASH_LEN;
        if (n && !(a->revoked_devs = malloc(n * sizeof(pb_hash))))
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                memcpy(a->revoked_devs[i].d, data + i * PB_HASH_LEN, PB_HASH_LEN);
        a->n_revoked_devs = (unsigned)n;
        return 0;
}

void pb_revoked_free(pb_account *a) {
        free(a->revoked_devs);
        a->revoked_devs = NULL;
        a->n_revoked_devs = 0;
}

bool pb_revoked_device(const pb_account *a, const pb_hash *dev) {
        for (unsigned i = 0; i < a->n_revoked_devs; i++)
                if (pb_hash_equal(&a->revoked_devs[i], dev))
                        return true;
        return false;
}

int pb_revoked_add(pb_account *a, const pb_hash *dev) {
        if (pb_revoked_device(a, dev))
                return 0;
        if (a->n_revoked_devs == PB_REVOKED_MAX)
                return -ENOSPC;
        pb_hash *n = realloc(a->revoked_devs, (a->n_revoked_devs + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        a->revoked_devs = n;
        n[a->n_revoked_devs++] = *dev;
        /* pb_hash is its 20 bytes: the array is the file. */
        int r = write_file(a, path_of(a, "revoked.bin"), n, a->n_revoked_devs * sizeof(*n));
        return r < 0 ? r : 1;
}

int pb_peer_crl_cert(const pb_account *a, const pb_hash *peer, uint8_t **ret, size_t *ret_len) {
        return read_file(peer_path(a, peer, "crt"), CERT_MAX, ret, ret_len);
}

int pb_peer_crl_set_cert(pb_account *a, const pb_hash *peer, const uint8_t *der, size_t len) {
        return write_file(a, peer_path(a, peer, "crt"), der, len);
}

int pb_peer_crl_pin(pb_account *a, const pb_hash *peer, const uint8_t *der, size_t len,
                    const uint8_t *cert, size_t cert_len) {
        _cleanup_free_ uint8_t *old = NULL;
        size_t old_len;
        uint64_t number, old_number;
        int r = pb_crl_check(der, len, cert, cert_len, &number);
        if (r < 0)
                return r;
        /* Each list holds the ones before it: keep the newest. */
        if (read_file(peer_path(a, peer, "crl"), PB_CRL_MAX, &old, &old_len) == 0 &&
            pb_crl_check(old, old_len, cert, cert_len, &old_number) == 0 && number <= old_number)
                return 0;
        r = write_file(a, peer_path(a, peer, "crl"), der, len);
        return r < 0 ? r : 1;
}

bool pb_peer_crl_lists(const pb_account *a, const pb_hash *peer, const uint8_t *serial,
                       size_t len) {
        _cleanup_free_ uint8_t *crl = NULL;
        size_t crl_len;
        struct pb_serial s = { .len = len };
        if (!len || len > sizeof(s.d) ||
            read_file(peer_path(a, peer, "crl"), PB_CRL_MAX, &crl, &crl_len) < 0)
                return false;
        memcpy(s.d, serial, len);
        return pb_crl_lists(crl, crl_len, &s) == 1;
}
