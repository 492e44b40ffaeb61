/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * account_create.h — the one home of account creation and import.
 *
 * A new account is built in two steps so that the slow one can run off the
 * owner's thread: pb_new_account_build() generates (or imports) the account
 * key, makes a device for it and writes the whole folder under a temporary
 * name (seconds with RSA-4096: any thread); pb_new_account_install() renames
 * it into place (milliseconds: the owner's thread, which then opens it).
 */
#pragma once

#include <stdint.h>

#include "dht/dht.h"
#include "peerbook/peerbook.h"

/* What a new account is made of; owns copies of the caller's strings, so
 * that it can cross to a worker thread. */
struct pb_new_account {
        char *data_dir;
        char *archive_path; /* NULL: generate a new account key */
        char *alias;        /* NULL: "" (or, for an import, the archive's) */
        char *password;     /* NULL: none */
        char *bootstrap;    /* NULL: standalone */
        uint16_t port;
        int32_t channel_port; /* -1 none, 0 any (then kept) */
        uint32_t lan;         /* PEERBOOK_LAN_* */
        unsigned key_bits;
        /* Set by pb_new_account_build(). */
        char *tmp_dir;
        pb_hash id;
};

int pb_new_account_init(struct pb_new_account *n, const char *data_dir, unsigned key_bits,
                        const struct peerbook_account_params *params, const char *archive_path);
/* Frees the copies and removes a temporary folder that was not installed. */
void pb_new_account_clear(struct pb_new_account *n);

/* Any thread, blocking: keys, device and settings, in a temporary folder.
 * -EKEYREJECTED / -EBADMSG for an archive with another password or none. */
int pb_new_account_build(struct pb_new_account *n);
/* Owner thread: moves the folder into place. -EEXIST when the account is
 * already here (the temporary folder is then removed). */
int pb_new_account_install(struct pb_new_account *n, char ret_id[PEERBOOK_ID_SIZE]);
