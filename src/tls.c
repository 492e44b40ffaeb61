/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tls.c — GnuTLS credentials and peer checks of the direct channels (tls.h). */
#define _GNU_SOURCE /* memmem() */
#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"
#include "util.h"

/* TLS 1.3 only, AEAD suites. SECURE128 rather than Jami's SECURE192: the
 * latter's verification profile refuses the 2048-bit keys an account may
 * have been made with (Jami's are 4096). */
#define PRIORITY "SECURE128:-VERS-ALL:+VERS-TLS1.3"
#define KEY_FILE_MAX (64 * 1024)

struct pb_tls_creds {
        gnutls_certificate_credentials_t x509;
        gnutls_priority_t priority;
};

pb_tls_creds *pb_tls_creds_free(pb_tls_creds *c) {
        if (c) {
                if (c->x509)
                        gnutls_certificate_free_credentials(c->x509);
                if (c->priority)
                        gnutls_priority_deinit(c->priority);
                free(c);
        }
        return NULL;
}

static int read_in(const char *dir, const char *name, uint8_t **ret, size_t *ret_len) {
        _cleanup_free_ char *path = pb_path_join(dir, name);
        return path ? pb_file_read(path, KEY_FILE_MAX, ret, ret_len) : -ENOMEM;
}

/* device.crt holds the device's chain [device, account(, Jami CA)] (see
 * identity.h), which GnuTLS sends as it is; account.crt is appended only to
 * a lone device certificate. */
static int load_chain(const char *dir, gnutls_certificate_credentials_t x509) {
        _cleanup_free_ uint8_t *dev = NULL, *acc = NULL, *key = NULL, *chain = NULL;
        size_t dev_len, acc_len = 0, key_len;
        int r = read_in(dir, "device.crt", &dev, &dev_len);
        if (r == 0 && (dev_len < 2 || !memmem(dev + 1, dev_len - 1, "-----BEGIN CERTIFICATE", 22)))
                r = read_in(dir, "account.crt", &acc, &acc_len);
        if (r == 0)
                r = read_in(dir, "device.key", &key, &key_len);
        if (r < 0)
                return r;
        if (!(chain = malloc(dev_len + acc_len + 1)))
                return -ENOMEM;
        memcpy(chain, dev, dev_len);
        chain[dev_len] = '\n';
        if (acc)
                memcpy(chain + dev_len + 1, acc, acc_len);
        gnutls_datum_t c = { chain, (unsigned)(dev_len + 1 + acc_len) };
        gnutls_datum_t k = { key, (unsigned)key_len };
        r = gnutls_certificate_set_x509_key_mem2(x509, &c, &k, GNUTLS_X509_FMT_PEM, NULL,
                                                 GNUTLS_PKCS_PLAIN);
        return r < 0 ? -EBADMSG : 0;
}

int pb_tls_creds_load(const char *account_dir, pb_tls_creds **ret) {
        pb_tls_creds *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        int r = gnutls_certificate_allocate_credentials(&c->x509) < 0 ? -ENOMEM : 0;
        if (r == 0)
                r = load_chain(account_dir, c->x509);
        if (r == 0 && gnutls_priority_init(&c->priority, PRIORITY, NULL) < 0)
                r = -EINVAL;
        if (r < 0) {
                pb_tls_creds_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

int pb_tls_session_new(pb_tls_creds *c, int fd, bool client, gnutls_session_t *ret) {
        gnutls_session_t s;
        /* NO_SIGNAL: a write to a peer that reset its connection must end the
         * channel, not the program that uses the library (SIGPIPE). */
        if (gnutls_init(&s, (client ? GNUTLS_CLIENT : GNUTLS_SERVER) | GNUTLS_NONBLOCK |
                                    GNUTLS_NO_SIGNAL) < 0)
                return -ENOMEM;
        if (gnutls_priority_set(s, c->priority) < 0 ||
            gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, c->x509) < 0) {
                gnutls_deinit(s);
                return -ENOMEM;
        }
        if (!client)
                gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
        gnutls_transport_set_int(s, fd);
        *ret = s;
        return 0;
}

/* The id of a certificate's public key: SHA-1 of its DER export, what
 * OpenDHT's PublicKey::getId() computes (pb_pubkey_id). */
static int cert_key_id(gnutls_x509_crt_t crt, pb_hash *ret) {
        gnutls_pubkey_t pk;
        gnutls_datum_t der = { NULL, 0 };
        if (gnutls_pubkey_init(&pk) < 0)
                return -ENOMEM;
        int r = gnutls_pubkey_import_x509(pk, crt, 0) < 0 ||
                                gnutls_pubkey_export2(pk, GNUTLS_X509_FMT_DER, &der) < 0
                        ? -EBADMSG
                        : pb_pubkey_id(der.data, der.size, ret);
        gnutls_free(der.data);
        gnutls_pubkey_deinit(pk);
        return r;
}

/* The device certificate must be signed by the account certificate, a CA
 * (GnuTLS checks the basic constraints of an issuer), both within dates. */
static int check_chain(gnutls_x509_crt_t device, gnutls_x509_crt_t account) {
        unsigned status = 0;
        if (gnutls_x509_crt_verify(device, &account, 1, 0, &status) < 0 || status != 0)
                return -EPERM;
        /* The account is the device's direct issuer: self-signed (peerbook's)
         * or issued by "Jami CA" (a Jami account's, depth 3), accepted as it
         * comes, as Jami does. */
        return 0;
}

int pb_tls_peer_ids(gnutls_session_t s, pb_hash *ret_account, pb_hash *ret_device) {
        unsigned n = 0;
        if (gnutls_certificate_type_get(s) != GNUTLS_CRT_X509)
                return -EBADMSG;
        const gnutls_datum_t *list = gnutls_certificate_get_peers(s, &n);
        if (!list || n < 2 || n > 3)
                return -EBADMSG;
        gnutls_x509_crt_t crt[2] = { NULL, NULL };
        int r = 0;
        for (unsigned i = 0; i < 2 && r == 0; i++)
                if (gnutls_x509_crt_init(&crt[i]) < 0 ||
                    gnutls_x509_crt_import(crt[i], &list[i], GNUTLS_X509_FMT_DER) < 0)
                        r = -EBADMSG;
        if (r == 0)
                r = check_chain(crt[0], crt[1]);
        if (r == 0)
                r = cert_key_id(crt[0], ret_device);
        if (r == 0)
                r = cert_key_id(crt[1], ret_account);
        /* A self-signed device presented as its own account proves nothing. */
        if (r == 0 && pb_hash_equal(ret_account, ret_device))
                r = -EPERM;
        for (unsigned i = 0; i < 2; i++)
                if (crt[i])
                        gnutls_x509_crt_deinit(crt[i]);
        return r;
}
