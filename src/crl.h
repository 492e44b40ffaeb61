/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * crl.h — an account's device revocation list, as Jami 2023 makes it: an
 * X.509 CRL v2 signed by the account (CA) key with SHA-512, thisUpdate now,
 * nextUpdate the account certificate's expiry, a CRL number that grows by
 * one with each list (jami-channels.md §4). It is kept in the account folder
 * (account.crl), in archives (ringAccountCRL) and published on the account's
 * hash as an unsigned permanent USER_DATA value whose data is msgpack
 * bin(DER), which Jami peers pin.
 *
 * Everything here works on bytes (DER lists, PEM or DER certificates); only
 * this file's .c includes GnuTLS's x509 API. Errors: -EBADMSG malformed or
 * over a cap, -EPERM a list not signed by the certificate it is checked
 * against, -EKEYREJECTED wrong password, -ENOMEM.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A list's DER size and entry count are capped: a peer's list is parsed on
 * every value seen on its hash, and an account has few devices. */
#define PB_CRL_MAX (64 * 1024)
#define PB_CRL_ENTRIES_MAX 1024
/* RFC 5280 caps serials at 20 octets; GnuTLS may add a leading zero. */
#define PB_SERIAL_MAX 21

struct pb_serial {
        size_t len;
        uint8_t d[PB_SERIAL_MAX];
};

/* The account key (PEM PKCS#8, encrypted when password is non-empty) and
 * its certificate (PEM, the first of a chain is used), as in account.key
 * and account.crt. */
struct pb_crl_signer {
        const uint8_t *key;
        size_t key_len;
        const char *password;
        const uint8_t *cert;
        size_t cert_len;
};

/* Makes the next list: the entries of `old` (NULL: none) plus `serial`
 * revoked now, numbered old's number + 1 (a random 63-bit start, as Jami,
 * without old), signed by the signer. *ret is malloc()ed DER. A serial
 * already listed is listed once. -EKEYREJECTED when the password does not
 * open the key; -EBADMSG when old is malformed, not the signer's, the key
 * is not the certificate's, or the list would pass its caps. */
int pb_crl_revoke(const uint8_t *old, size_t old_len, const struct pb_crl_signer *signer,
                  const struct pb_serial *serial, uint8_t **ret, size_t *ret_len);

/* 0 when the signer's key opens with its password and is its certificate's
 * key: -EKEYREJECTED wrong password, -EBADMSG otherwise. */
int pb_crl_signer_check(const struct pb_crl_signer *signer);

/* Checks that der is a list within the caps (-EBADMSG) signed by the first
 * certificate in cert (PEM or DER; -EPERM otherwise). *ret_number (may be
 * NULL) gets its CRL number's low 64 bits (0 without one). */
int pb_crl_check(const uint8_t *der, size_t len, const uint8_t *cert, size_t cert_len,
                 uint64_t *ret_number);

/* 1 when the list (already checked) names serial, 0 when not, -EBADMSG. */
int pb_crl_lists(const uint8_t *der, size_t len, const struct pb_serial *serial);

/* The serial of the first certificate in cert (PEM or DER). */
int pb_cert_serial(const uint8_t *cert, size_t cert_len, struct pb_serial *ret);

/* The DHT value's data: msgpack bin(DER), as Jami's RevocationList packs
 * itself. _decode points *ret into data (no copy); -EBADMSG when data is
 * not exactly one bin of at most PB_CRL_MAX bytes. */
int pb_crl_value_encode(const uint8_t *der, size_t len, uint8_t **ret, size_t *ret_len);
int pb_crl_value_decode(const uint8_t *data, size_t len, const uint8_t **ret, size_t *ret_len);
