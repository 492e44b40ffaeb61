/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * identity.h — an account's keys on disk, in Jami's model.
 *
 * An account folder (named after the account ID) holds:
 *   account.crt  the account's self-signed CA certificate (PEM)
 *   account.key  the account key, PKCS#8, encrypted when a password was given
 *   device.crt   this device's certificate, issued by the account
 *   device.key   this device's key (not encrypted: the daemon must restart
 *                unattended; it never leaves the machine)
 *   archive-extra.json  what an imported Jami archive held that peerbook
 *                does not use (jami_archive.h), written back on export
 *   announce.bin this device's DeviceAnnouncement, signed once by the
 *                account key when the device was made, so that running
 *                never needs the account key or its password (as in Jami)
 * account_create.c builds a new folder under a temporary name and renames it
 * into place once it is complete.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dht/dht.h"
#include "jami_archive.h"
#include "peerbook/peerbook.h"

struct pb_device_keys {
        pb_identity *device;
        pb_hash account_id;
        pb_hash device_id;
        uint8_t *announce; /* packed signed value */
        size_t announce_len;
};

/* Writes the account's key and certificate chain into dir with a new device
 * for it: its key, its certificate issued by the account certificate (so
 * with its subject as issuer DN, which Jami's checks need: device.crt holds
 * the chain [device, account(, account's issuers)]), and its announcement
 * signed by the account key. -EBADMSG when the account certificate cannot
 * issue (no CA, expired). Any thread; blocks for the device key's
 * generation. */
int pb_device_keys_create(const char *dir, const pb_identity *account, const char *password,
                          unsigned bits);

int pb_device_keys_load(const char *account_dir, struct pb_device_keys *ret);
void pb_device_keys_clear(struct pb_device_keys *k);

/* Writes an archive of the account in Jami's format (jami_archive.h),
 * encrypted with `password` (none: gzip), with these contacts, the alias
 * and the entries kept from an import. -EKEYREJECTED when the account key
 * is encrypted and current_password is wrong. */
int pb_archive_export(const char *account_dir, const char *current_password, const char *password,
                      const char *alias, const struct pb_contact_row *contacts, size_t n_contacts,
                      const char *path);

/* Reads an archive: Jami's (jami_archive.h) or peerbook's v0.1 (wire.h).
 * Returns the account identity (with its certificate chain) and the rest in
 * *ret (for a v0.1 archive only its alias): free it with
 * pb_jami_archive_clear(). -EKEYREJECTED wrong or missing password,
 * -EBADMSG not an archive. */
int pb_archive_import(const char *path, const char *password, pb_identity **ret_account,
                      struct pb_jami_archive *ret);

/* Keeps an import's extra entries in the account folder (none: nothing). */
int pb_archive_keep_extra(const char *account_dir, const struct pb_jami_archive *a);

/* Re-encrypts the account key on disk: `old` must open it (NULL or "" for
 * a key without a password), `new` NULL or "" leaves it unencrypted. The
 * file is replaced atomically. -EKEYREJECTED wrong old password. */
int pb_account_key_rekey(const char *account_dir, const char *old, const char *new_password);

/* The device announcement's value id: fixed per device so that a refresh or
 * a restart re-puts the same value instead of adding one. */
uint64_t pb_announce_value_id(const pb_hash *device_id);
