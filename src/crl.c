/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE /* memmem() */
/* crl.c — device revocation lists through GnuTLS's x509 CRL API (crl.h). */
#include "crl.h"

#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define NUMBER_MAX 20 /* RFC 5280: a CRL number fits in 20 octets */

static void crl_freep(gnutls_x509_crl_t *c) {
        if (*c)
                gnutls_x509_crl_deinit(*c);
}
static void crt_freep(gnutls_x509_crt_t *c) {
        if (*c)
                gnutls_x509_crt_deinit(*c);
}
static void xkey_freep(gnutls_x509_privkey_t *k) {
        if (*k)
                gnutls_x509_privkey_deinit(*k);
}
static void key_freep(gnutls_privkey_t *k) {
        if (*k)
                gnutls_privkey_deinit(*k);
}

/* Serials compare as integers (serial_from() strips leading zeros: GnuTLS
 * may give a positive one a leading 0). */
static bool serial_equal(const struct pb_serial *a, const struct pb_serial *b) {
        return a->len == b->len && memcmp(a->d, b->d, a->len) == 0;
}

/* The first certificate of a PEM chain, or a DER one. */
static int cert_load(const uint8_t *data, size_t len, gnutls_x509_crt_t *ret) {
        static const char pem[] = "-----BEGIN";
        gnutls_x509_crt_t c = NULL;
        if (!data || !len || len > UINT32_MAX)
                return -EBADMSG;
        gnutls_datum_t d = { (unsigned char *)data, (unsigned)len };
        bool is_pem = len >= sizeof(pem) - 1 && memcmp(data, pem, sizeof(pem) - 1) == 0;
        if (gnutls_x509_crt_init(&c) < 0)
                return -ENOMEM;
        if (gnutls_x509_crt_import(c, &d, is_pem ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER) < 0) {
                gnutls_x509_crt_deinit(c);
                return -EBADMSG;
        }
        *ret = c;
        return 0;
}

/* A DER list within the caps. */
static int crl_load(const uint8_t *der, size_t len, gnutls_x509_crl_t *ret) {
        gnutls_x509_crl_t c = NULL;
        if (!der || !len || len > PB_CRL_MAX)
                return -EBADMSG;
        gnutls_datum_t d = { (unsigned char *)der, (unsigned)len };
        if (gnutls_x509_crl_init(&c) < 0)
                return -ENOMEM;
        int n;
        if (gnutls_x509_crl_import(c, &d, GNUTLS_X509_FMT_DER) < 0 ||
            (n = gnutls_x509_crl_get_crt_count(c)) < 0 || n > PB_CRL_ENTRIES_MAX) {
                gnutls_x509_crl_deinit(c);
                return -EBADMSG;
        }
        *ret = c;
        return 0;
}

/* The CRL number's bytes (none: len 0). */
static int crl_number(gnutls_x509_crl_t c, uint8_t out[NUMBER_MAX], size_t *ret_len) {
        size_t len = NUMBER_MAX;
        unsigned critical;
        int r = gnutls_x509_crl_get_number(c, out, &len, &critical);
        if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
                *ret_len = 0;
                return 0;
        }
        if (r < 0 || len == 0)
                return -EBADMSG;
        *ret_len = len;
        return 0;
}

static uint64_t number_low64(const uint8_t *n, size_t len) {
        uint64_t v = 0;
        for (size_t i = len > 8 ? len - 8 : 0; i < len; i++)
                v = v << 8 | n[i];
        return v;
}

static int crl_verify(gnutls_x509_crl_t crl, gnutls_x509_crt_t ca) {
        unsigned status = 0;
        if (gnutls_x509_crl_verify(crl, &ca, 1, 0, &status) < 0)
                return -EPERM;
        /* A list past its nextUpdate, or dated ahead of our clock, still
         * says what its signer revoked: revocations are never undone. */
        status &= ~(unsigned)(GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED |
                              GNUTLS_CERT_REVOCATION_DATA_ISSUED_IN_FUTURE);
        return status == 0 ? 0 : -EPERM;
}

int pb_crl_check(const uint8_t *der, size_t len, const uint8_t *cert, size_t cert_len,
                 uint64_t *ret_number) {
        _cleanup_(crl_freep) gnutls_x509_crl_t crl = NULL;
        _cleanup_(crt_freep) gnutls_x509_crt_t ca = NULL;
        uint8_t number[NUMBER_MAX];
        size_t number_len;
        int r = crl_load(der, len, &crl);
        if (r == 0)
                r = cert_load(cert, cert_len, &ca);
        if (r == 0)
                r = crl_number(crl, number, &number_len);
        if (r == 0)
                r = crl_verify(crl, ca);
        if (r == 0 && ret_number)
                *ret_number = number_low64(number, number_len);
        return r;
}

/* Raw integer bytes to a serial, leading zeros stripped: -EBADMSG when
 * empty or longer than PB_SERIAL_MAX. */
static int serial_from(const uint8_t *raw, size_t len, struct pb_serial *ret) {
        while (len > 1 && raw[0] == 0) {
                raw++;
                len--;
        }
        if (len == 0 || len > PB_SERIAL_MAX)
                return -EBADMSG;
        ret->len = len;
        memcpy(ret->d, raw, len);
        return 0;
}

/* Calls each() for every entry of the list; a non-zero return stops the
 * walk and is returned. */
static int crl_each(gnutls_x509_crl_t crl,
                    int (*each)(const struct pb_serial *s, time_t t, void *userdata),
                    void *userdata) {
        gnutls_x509_crl_iter_t iter = NULL;
        int r = 0;
        for (unsigned i = 0; i < PB_CRL_ENTRIES_MAX && r == 0; i++) {
                uint8_t raw[64];
                size_t raw_len = sizeof(raw);
                time_t t;
                struct pb_serial s;
                int g = gnutls_x509_crl_iter_crt_serial(crl, &iter, raw, &raw_len, &t);
                if (g == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
                        break;
                if (g < 0 || (r = serial_from(raw, raw_len, &s)) < 0) {
                        r = -EBADMSG;
                        break;
                }
                r = each(&s, t, userdata);
        }
        gnutls_x509_crl_iter_deinit(iter);
        return r;
}

static int match_serial(const struct pb_serial *s, time_t t, void *userdata) {
        (void)t;
        return serial_equal(s, userdata) ? 1 : 0;
}

int pb_crl_lists(const uint8_t *der, size_t len, const struct pb_serial *serial) {
        _cleanup_(crl_freep) gnutls_x509_crl_t crl = NULL;
        struct pb_serial want;
        if (!serial || serial_from(serial->d, serial->len, &want) < 0)
                return -EINVAL;
        int r = crl_load(der, len, &crl);
        return r < 0 ? r : crl_each(crl, match_serial, &want);
}

int pb_cert_serial(const uint8_t *cert, size_t cert_len, struct pb_serial *ret) {
        _cleanup_(crt_freep) gnutls_x509_crt_t c = NULL;
        uint8_t raw[64];
        size_t raw_len = sizeof(raw);
        int r = cert_load(cert, cert_len, &c);
        if (r < 0)
                return r;
        if (gnutls_x509_crt_get_serial(c, raw, &raw_len) < 0)
                return -EBADMSG;
        return serial_from(raw, raw_len, ret);
}

/* The account key, opened with the password, as a signing key. */
static int key_load(const struct pb_crl_signer *s, gnutls_x509_privkey_t *ret) {
        gnutls_x509_privkey_t k = NULL;
        if (!s->key || !s->key_len || s->key_len > UINT32_MAX)
                return -EBADMSG;
        gnutls_datum_t d = { (unsigned char *)s->key, (unsigned)s->key_len };
        bool pw = s->password && *s->password;
        if (gnutls_x509_privkey_init(&k) < 0)
                return -ENOMEM;
        int g = gnutls_x509_privkey_import2(k, &d, GNUTLS_X509_FMT_PEM, pw ? s->password : NULL,
                                            pw ? 0 : GNUTLS_PKCS_PLAIN);
        if (g < 0) {
                gnutls_x509_privkey_deinit(k);
                /* An encrypted key that does not open: the password. */
                return memmem(s->key, s->key_len, "ENCRYPTED", 9) || pw ? -EKEYREJECTED : -EBADMSG;
        }
        *ret = k;
        return 0;
}

/* 0 when the key is the certificate's. */
static int key_matches(gnutls_x509_privkey_t k, gnutls_x509_crt_t c) {
        uint8_t a[64], b[64];
        size_t a_len = sizeof(a), b_len = sizeof(b);
        if (gnutls_x509_privkey_get_key_id(k, 0, a, &a_len) < 0 ||
            gnutls_x509_crt_get_key_id(c, 0, b, &b_len) < 0 || a_len != b_len ||
            memcmp(a, b, a_len) != 0)
                return -EBADMSG;
        return 0;
}

/* The next number: old's plus one, keeping its width (a carry out of it
 * widens it), or a random positive 63-bit start. */
static int next_number(const uint8_t *old, size_t old_len, uint8_t out[NUMBER_MAX + 1],
                       size_t *ret_len) {
        if (!old_len) {
                uint64_t v = pb_random_u64() >> 1;
                for (int i = 0; i < 8; i++)
                        out[i] = (uint8_t)(v >> (56 - 8 * i));
                *ret_len = 8;
                return 0;
        }
        memcpy(out + 1, old, old_len);
        out[0] = 0;
        for (size_t i = old_len + 1; i-- > 0;)
                if (++out[i] != 0)
                        break;
        /* Keep the width unless the carry (or a top bit, which would make
         * the DER integer negative) needs the extra byte. */
        bool wide = out[0] != 0 || (out[1] & 0x80);
        if (!wide)
                memmove(out, out + 1, old_len);
        *ret_len = old_len + wide;
        return *ret_len > NUMBER_MAX ? -EBADMSG : 0;
}

struct copy_ctx {
        gnutls_x509_crl_t to;
        const struct pb_serial *add;
        bool listed;
        unsigned n;
};

static int copy_entry(const struct pb_serial *s, time_t t, void *userdata) {
        struct copy_ctx *c = userdata;
        if (serial_equal(s, c->add))
                c->listed = true;
        c->n++;
        return gnutls_x509_crl_set_crt_serial(c->to, s->d, s->len, t) < 0 ? -ENOMEM : 0;
}

/* Fills `to` with old's entries and serial, numbered after old. */
static int fill(gnutls_x509_crl_t to, const uint8_t *old, size_t old_len, gnutls_x509_crt_t ca,
                const struct pb_serial *serial) {
        _cleanup_(crl_freep) gnutls_x509_crl_t prev = NULL;
        uint8_t number[NUMBER_MAX + 1], prev_number[NUMBER_MAX];
        size_t number_len, prev_len = 0;
        struct copy_ctx c = { to, serial, false, 0 };
        int r = 0;
        if (old && (r = crl_load(old, old_len, &prev)) == 0 &&
            (r = crl_number(prev, prev_number, &prev_len)) == 0 && (r = crl_verify(prev, ca)) == 0)
                r = crl_each(prev, copy_entry, &c);
        if (r < 0)
                return r == -EPERM ? -EBADMSG : r;
        if (!c.listed && c.n >= PB_CRL_ENTRIES_MAX)
                return -EBADMSG;
        time_t now = time(NULL);
        if ((r = next_number(prev_number, prev_len, number, &number_len)) < 0)
                return r;
        if ((!c.listed && gnutls_x509_crl_set_crt_serial(to, serial->d, serial->len, now) < 0) ||
            gnutls_x509_crl_set_version(to, 2) < 0 ||
            gnutls_x509_crl_set_this_update(to, now) < 0 ||
            gnutls_x509_crl_set_next_update(to, gnutls_x509_crt_get_expiration_time(ca)) < 0 ||
            gnutls_x509_crl_set_number(to, number, number_len) < 0)
                return -ENOMEM;
        /* Lets a verifier pick the issuer's key, as RFC 5280 asks. */
        uint8_t ski[64];
        size_t ski_len = sizeof(ski);
        unsigned critical;
        if (gnutls_x509_crt_get_subject_key_id(ca, ski, &ski_len, &critical) == 0 &&
            gnutls_x509_crl_set_authority_key_id(to, ski, ski_len) < 0)
                return -ENOMEM;
        return 0;
}

int pb_crl_signer_check(const struct pb_crl_signer *signer) {
        _cleanup_(crt_freep) gnutls_x509_crt_t ca = NULL;
        _cleanup_(xkey_freep) gnutls_x509_privkey_t xkey = NULL;
        if (!signer)
                return -EINVAL;
        int r = key_load(signer, &xkey);
        if (r == 0)
                r = cert_load(signer->cert, signer->cert_len, &ca);
        return r < 0 ? r : key_matches(xkey, ca);
}

int pb_crl_revoke(const uint8_t *old, size_t old_len, const struct pb_crl_signer *signer,
                  const struct pb_serial *serial, uint8_t **ret, size_t *ret_len) {
        _cleanup_(crl_freep) gnutls_x509_crl_t crl = NULL;
        _cleanup_(crt_freep) gnutls_x509_crt_t ca = NULL;
        _cleanup_(xkey_freep) gnutls_x509_privkey_t xkey = NULL;
        _cleanup_(key_freep) gnutls_privkey_t key = NULL;
        struct pb_serial add;
        if (!signer || !serial || !ret || !ret_len || serial_from(serial->d, serial->len, &add) < 0)
                return -EINVAL;
        int r = key_load(signer, &xkey);
        if (r == 0)
                r = cert_load(signer->cert, signer->cert_len, &ca);
        if (r == 0)
                r = key_matches(xkey, ca);
        if (r < 0)
                return r;
        if (gnutls_x509_crl_init(&crl) < 0 || gnutls_privkey_init(&key) < 0 ||
            gnutls_privkey_import_x509(key, xkey, 0) < 0)
                return -ENOMEM;
        if ((r = fill(crl, old, old_len, ca, &add)) < 0)
                return r;
        if (gnutls_x509_crl_privkey_sign(crl, ca, key, GNUTLS_DIG_SHA512, 0) < 0)
                return -EBADMSG; /* e.g. a certificate that may not sign lists */
        gnutls_datum_t out;
        if (gnutls_x509_crl_export2(crl, GNUTLS_X509_FMT_DER, &out) < 0)
                return -ENOMEM;
        if (out.size > PB_CRL_MAX) {
                gnutls_free(out.data);
                return -EBADMSG;
        }
        uint8_t *copy = malloc(out.size);
        if (copy)
                memcpy(copy, out.data, out.size);
        size_t n = out.size;
        gnutls_free(out.data);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        *ret_len = n;
        return 0;
}

int pb_crl_value_encode(const uint8_t *der, size_t len, uint8_t **ret, size_t *ret_len) {
        if (!der || !len || len > PB_CRL_MAX || !ret || !ret_len)
                return -EINVAL;
        size_t head = len <= UINT8_MAX ? 2 : len <= UINT16_MAX ? 3 : 5;
        uint8_t *v = malloc(head + len);
        if (!v)
                return -ENOMEM;
        /* msgpack bin 8/16/32: 0xc4-0xc6, then the length in big endian. */
        v[0] = (uint8_t)(head == 2 ? 0xc4 : head == 3 ? 0xc5 : 0xc6);
        for (size_t i = 1; i < head; i++)
                v[i] = (uint8_t)(len >> (8 * (head - 1 - i)));
        memcpy(v + head, der, len);
        *ret = v;
        *ret_len = head + len;
        return 0;
}

int pb_crl_value_decode(const uint8_t *data, size_t len, const uint8_t **ret, size_t *ret_len) {
        if (!data || len < 2 || data[0] < 0xc4 || data[0] > 0xc6)
                return -EBADMSG;
        size_t head = data[0] == 0xc4 ? 2 : data[0] == 0xc5 ? 3 : 5, n = 0;
        if (len < head)
                return -EBADMSG;
        for (size_t i = 1; i < head; i++)
                n = n << 8 | data[i];
        if (n == 0 || n > PB_CRL_MAX || n != len - head)
                return -EBADMSG;
        *ret = data + head;
        *ret_len = n;
        return 0;
}
