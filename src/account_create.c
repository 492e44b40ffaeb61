/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * account_create.c — making a new account folder: a generated or imported
 * account key, a new device issued by it, and the settings database, built
 * under a temporary name and renamed into place once complete, so that a
 * crash never leaves half an account where pb_account_open() looks.
 *
 * Threads: pb_new_account_build() touches only its own struct and its own
 * temporary folder (its name is unique per call), so several may run at once
 * on worker threads; pb_new_account_install() runs on the owner's thread.
 */
#include "account_create.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identity.h"
#include "store.h"
#include "util.h"

static int dup_or_null(const char *s, char **ret) {
        *ret = s ? strdup(s) : NULL;
        return s && !*ret ? -ENOMEM : 0;
}

int pb_new_account_init(struct pb_new_account *n, const char *data_dir, unsigned key_bits,
                        const struct peerbook_account_params *params, const char *archive_path) {
        const char *pw = params->password && params->password[0] ? params->password : NULL;
        *n = (struct pb_new_account){ .port = params->dht_port,
                                      .channel_port = params->channel_port,
                                      .lan = params->lan,
                                      .key_bits = key_bits };
        int r = dup_or_null(data_dir, &n->data_dir);
        if (r == 0)
                r = dup_or_null(archive_path, &n->archive_path);
        if (r == 0)
                r = dup_or_null(params->alias, &n->alias);
        if (r == 0)
                r = dup_or_null(pw, &n->password);
        if (r == 0)
                r = dup_or_null(params->bootstrap, &n->bootstrap);
        if (r < 0)
                pb_new_account_clear(n);
        return r;
}

static void free_secret(char *s) {
        if (s)
                explicit_bzero(s, strlen(s));
        free(s);
}

void pb_new_account_clear(struct pb_new_account *n) {
        if (n->tmp_dir)
                pb_rmtree(n->tmp_dir);
        free(n->tmp_dir);
        free(n->data_dir);
        free(n->archive_path);
        free(n->alias);
        free_secret(n->password);
        free(n->bootstrap);
        *n = (struct pb_new_account){ 0 };
}

/* The settings, and the contacts an imported archive carried. */
static int write_settings(const char *dir, const struct pb_new_account *n,
                          const struct pb_jami_archive *archive) {
        _cleanup_free_ char *db = pb_path_join(dir, "account.db");
        pb_store *st = NULL;
        char port[8], channel_port[12], lan[12];
        snprintf(port, sizeof(port), "%u", n->port);
        snprintf(lan, sizeof(lan), "%u", n->lan);
        snprintf(channel_port, sizeof(channel_port), "%d", (int)n->channel_port);
        int r = db ? pb_store_open(db, true, &st) : -ENOMEM;
        if (r == 0)
                r = pb_store_begin(st);
        if (r == 0)
                r = pb_store_set(st, "alias", n->alias ? n->alias : archive->alias);
        if (r == 0)
                r = pb_store_set(st, "bootstrap", n->bootstrap ? n->bootstrap : "");
        if (r == 0)
                r = pb_store_set(st, "dht_port", port);
        if (r == 0)
                r = pb_store_set(st, "channel_port", channel_port);
        if (r == 0)
                r = pb_store_set(st, "lan", lan);
        if (r == 0)
                r = pb_store_set(st, "has_password", n->password ? "1" : "0");
        for (size_t i = 0; r == 0 && i < archive->n_contacts; i++)
                r = pb_store_contact_put(st, &archive->contacts[i], NULL, 0);
        if (r == 0)
                r = pb_store_commit(st);
        else if (st)
                pb_store_rollback(st);
        pb_store_close(st);
        return r;
}

/* The account key: generated, or read from the archive with the rest of it. */
static int account_identity(const struct pb_new_account *n, pb_identity **ret,
                            struct pb_jami_archive *archive) {
        *archive = (struct pb_jami_archive){ 0 };
        if (!n->archive_path)
                return pb_identity_generate("peerbook account", NULL, n->key_bits, ret);
        return pb_archive_import(n->archive_path, n->password ? n->password : "", ret, archive);
}

/* ".<id>.<pid>.<random>.tmp": never an account ID (pb_account_open's folders
 * are exactly 40 hex characters), and unique among concurrent builds. */
static char *temporary_dir(const char *data_dir, const pb_hash *id) {
        char hex[PB_HEX_LEN + 1], name[PB_HEX_LEN + 64];
        pb_hash_to_hex(id, hex);
        snprintf(name, sizeof(name), ".%s.%ld.%016" PRIx64 ".tmp", hex, (long)getpid(),
                 pb_random_u64());
        return pb_path_join(data_dir, name);
}

/* An import of an account that is here already fails before the seconds
 * that making a device costs (install checks again, atomically). */
static int already_here(const struct pb_new_account *n) {
        char hex[PEERBOOK_ID_SIZE];
        pb_hash_to_hex(&n->id, hex);
        _cleanup_free_ char *final = pb_path_join(n->data_dir, hex);
        if (!final)
                return -ENOMEM;
        return access(final, F_OK) == 0 ? -EEXIST : 0;
}

int pb_new_account_build(struct pb_new_account *n) {
        pb_identity *account = NULL;
        struct pb_jami_archive archive;
        int r = account_identity(n, &account, &archive);
        if (r < 0)
                return r;
        n->id = pb_identity_id(account);
        n->tmp_dir = temporary_dir(n->data_dir, &n->id);
        r = n->tmp_dir ? already_here(n) : -ENOMEM;
        if (r == 0)
                r = pb_mkdir_p(n->tmp_dir);
        if (r == 0)
                r = pb_device_keys_create(n->tmp_dir, account, n->password, n->key_bits);
        if (r == 0)
                r = pb_archive_keep_extra(n->tmp_dir, &archive);
        if (r == 0)
                r = write_settings(n->tmp_dir, n, &archive);
        pb_jami_archive_clear(&archive);
        pb_identity_free(account);
        return r;
}

int pb_new_account_install(struct pb_new_account *n, char ret_id[PEERBOOK_ID_SIZE]) {
        char hex[PEERBOOK_ID_SIZE];
        pb_hash_to_hex(&n->id, hex);
        _cleanup_free_ char *final = pb_path_join(n->data_dir, hex);
        if (!final || !n->tmp_dir)
                return -ENOMEM;
        /* rename() would replace an empty folder; an account folder never is. */
        if (rename(n->tmp_dir, final) < 0)
                return errno == ENOTEMPTY || errno == EEXIST ? -EEXIST : -errno;
        free(n->tmp_dir);
        n->tmp_dir = NULL;
        int r = pb_dir_sync(n->data_dir);
        if (r == 0)
                memcpy(ret_id, hex, sizeof(hex));
        return r;
}
