/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * jami_archive.h — Jami's account archive file (Jami 2023, jami-daemon
 * 13.7.0; reference/jami-multidevice.md §1, §2), read and written.
 *
 * Without a password the file is gzip (MTIME 0) of one compact JSON object;
 * with one it is salt(16) ‖ iv(12) ‖ AES-256-GCM(zlib(JSON)) ‖ tag(16), the
 * key being SHA-256(argon2i(t=16, m=64 MiB, p=1, password, salt, 32 bytes)).
 * The reader also takes what Jami's takes: plain JSON, gzip twice, gzip
 * inside the encryption. The JSON is strict (no duplicate keys, no trailing
 * data). Every step has a cap: PB_JAMI_ARCHIVE_MAX bytes of file and of
 * inflated JSON.
 *
 * Of the JSON, peerbook uses the account key and certificate chain, the
 * contacts, the revocation list and Account.displayName. Every other entry
 * (ethKey, ringCaKey, conversations, conversationsRequests, Account.*
 * settings) is kept as it came, so that an export writes it back untouched;
 * TLS.* (the exporting device's own key and chain) is dropped on reading.
 *
 * Pure: no files, no globals but the test cost below. Any thread.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "peerbook/peerbook.h"
#include "store.h"

#define PB_JAMI_ARCHIVE_MAX (4u * 1024 * 1024)
#define PB_JAMI_CONTACTS_MAX 65536

struct json_t; /* jansson's, kept opaque here */

struct pb_jami_archive {
        uint8_t *key; /* PEM PKCS#8, unencrypted (ringAccountKey) */
        size_t key_len;
        uint8_t *cert; /* PEM chain [account(, its issuers)] (ringAccountCert) */
        size_t cert_len;
        uint8_t *crl; /* DER X.509 CRL (ringAccountCRL); NULL when none */
        size_t crl_len;
        char alias[PEERBOOK_ALIAS_MAX];  /* Account.displayName, cut at a character */
        struct pb_contact_row *contacts; /* ringAccountContacts (request_id 0) */
        size_t n_contacts;
        struct json_t *extra; /* the other entries (the CRL's too); NULL = none */
};

/* Reads an archive. password NULL or "": gzip or plain JSON; otherwise the
 * encrypted form (a gzip or plain JSON file is also taken then). 0 with *ret
 * filled (free it with pb_jami_archive_clear()); -EKEYREJECTED when the
 * decryption fails (a wrong password, or none for an encrypted file: a
 * damaged tag cannot be told from a wrong password); -EBADMSG anything else
 * malformed or over a cap; -ENOMEM. */
int pb_jami_archive_decode(const uint8_t *data, size_t len, const char *password,
                           struct pb_jami_archive *ret);

/* Writes an archive (key and cert required; crl, when set, replaces the
 * one in extra); password NULL or "": gzip. *ret malloc()ed. */
int pb_jami_archive_encode(const struct pb_jami_archive *a, const char *password, uint8_t **ret,
                           size_t *ret_len);

/* The entries kept as they came, as compact JSON (*ret malloc()ed, NUL
 * terminated), and back: what an account folder keeps for a re-export. */
int pb_jami_extra_dump(const struct pb_jami_archive *a, char **ret, size_t *ret_len);
int pb_jami_extra_load(const uint8_t *json, size_t len, struct pb_jami_archive *a);

void pb_jami_archive_clear(struct pb_jami_archive *a);

/* Tests and fuzzing only: another argon2 cost than Jami's (t=16, m=65536
 * KiB), so that one input does not cost a second and 64 MiB. 0, 0 restores
 * Jami's. Files written with another cost are not Jami's. */
void pb_jami_archive_test_cost(uint32_t t_cost, uint32_t m_cost_kib);
