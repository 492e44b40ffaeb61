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
#include "peerbook/peerbook.h"

struct pb_device_keys {
        pb_identity *device;
        pb_hash account_id;
        pb_hash device_id;
        uint8_t *announce; /* packed signed value */
        size_t announce_len;
};

/* Writes the account's key and certificate into dir with a new device for it:
 * its key, its certificate issued by the account, and its announcement signed
 * by the account key. Any thread; blocks for the device key's generation. */
int pb_device_keys_create(const char *dir, const pb_identity *account, const char *password,
                          unsigned bits);

int pb_device_keys_load(const char *account_dir, struct pb_device_keys *ret);
void pb_device_keys_clear(struct pb_device_keys *k);

/* Writes an archive of the account (key re-encrypted with `password`).
 * -EKEYREJECTED when the account key is encrypted and password is wrong. */
int pb_archive_export(const char *account_dir, const char *current_password, const char *password,
                      const char *alias, const char *path);

/* Reads an archive: returns the account identity and the alias it carried. */
int pb_archive_import(const char *path, const char *password, pb_identity **ret_account,
                      char ret_alias[PEERBOOK_ALIAS_MAX]);

/* The device announcement's value id: fixed per device so that a refresh or
 * a restart re-puts the same value instead of adding one. */
uint64_t pb_announce_value_id(const pb_hash *device_id);
