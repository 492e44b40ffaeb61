/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tls.h — the direct channel's TLS 1.3 layer (GnuTLS): a device presents its
 * certificate chain [device, account], as Jami does, and checks the peer's.
 *
 * What a verified peer proves: it holds the private key of a device
 * certificate (the TLS handshake's CertificateVerify) that was issued and
 * signed by an account certificate, a CA; the ids are the SHA-1 of their
 * public keys, as everywhere in Jami. Whether that account may talk to us
 * (an active contact) and whether the device is the one we dialled is the
 * caller's rule (channels.c).
 */
#pragma once

#include <gnutls/gnutls.h>
#include <stdbool.h>

#include "dht/dht.h"

typedef struct pb_tls_creds pb_tls_creds;

/* Reads account_dir's device.key, device.crt and account.crt. */
int pb_tls_creds_load(const char *account_dir, pb_tls_creds **ret);
pb_tls_creds *pb_tls_creds_free(pb_tls_creds *c);

/* A session on a connected, non-blocking socket: the dialler is the TLS
 * client. Both sides require the other's certificate. */
int pb_tls_session_new(pb_tls_creds *c, int fd, bool client, gnutls_session_t *ret);

/* After the handshake: the peer's chain checked (device issued by account,
 * signatures valid, dates valid), and its account and device ids. -EBADMSG
 * (-EPERM for a chain that does not verify) when it does not hold. */
int pb_tls_peer_ids(gnutls_session_t s, pb_hash *ret_account, pb_hash *ret_device);
