/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pidf.h — the presence note as an RFC 3863 PIDF document
 * (application/pidf+xml), as peers send it on a channel.
 *
 * We write the RFC's shape: <basic>open</basic> (closed for a goodbye) and
 * the free text in <note>. Jami 2024+ writes the note in <basic> instead of
 * open/closed, unescaped (reference jami-channels.md §1.9); we read that too.
 * (Jami reads <basic> with a regex, so a Jami daemon would show our "open" as
 * the note: for a later transport towards Jami's own stack.)
 *
 * Documents come from peers: parsed by expat (the only file that includes
 * <expat.h> is pidf.c) with a size cap, a depth cap, and no DOCTYPE at all,
 * so no entity of the peer's is ever expanded.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peerbook/peerbook.h"

/* Largest document accepted or built. Ours with the longest note, escaped
 * at 6 bytes a byte ("&quot;"), takes less than 6.5 KB. */
#define PB_PIDF_DOC_MAX 8192

/* true when s[0..len) is valid UTF-8 (no overlong forms, no surrogates,
 * nothing above U+10FFFF) and contains no NUL. */
bool pb_utf8_valid(const char *s, size_t len);
/* Valid UTF-8 without control characters (C0 and DEL): a name that is safe
 * to print on a terminal. */
bool pb_text_printable(const char *s, size_t len);

/*
 * Builds the document of our presence: <presence entity="jami:<entity>"> with
 * one tuple whose <basic> is "open", or "closed" when open is false (a
 * goodbye), and, when note is neither NULL nor "", <note>note</note>.
 * entity is the sender's account ID (40 hex digits, written lowercase).
 * The note is kept byte for byte: & < > " ' and CR are escaped (a parser
 * would turn a raw CR into LF), and what XML 1.0 cannot carry at all (the
 * other control characters below U+0020, U+FFFE, U+FFFF) is refused.
 * -EINVAL for a bad entity, or a note that is not UTF-8, is longer than
 * PEERBOOK_NOTE_MAX bytes or holds such a character; -ENOMEM. On success
 * *ret is a malloc()ed NUL-terminated document of *ret_len bytes (at most
 * PB_PIDF_DOC_MAX) that the caller frees.
 */
int pb_pidf_build(const char *entity, bool open, const char *note, char **ret, size_t *ret_len);

/*
 * Parses a received document, strictly: at most PB_PIDF_DOC_MAX bytes, read
 * as UTF-8 whatever it declares, well-formed, element depth at most 8, no
 * DOCTYPE (and so no entity declaration: billion laughs), and a root element
 * "presence" in the namespace urn:ietf:params:xml:ns:pidf. Elements of other
 * namespaces are allowed and ignored; <note> and <basic> hold text only.
 *
 * *ret_open is false only when the first tuple's <basic> is "closed" (a
 * goodbye); "open", no <basic>, or any other text (Jami's note) is open.
 * *ret_note is the text of the first <note> (a child of presence or of a
 * tuple), exactly; else the text of that <basic>, surrounding whitespace
 * trimmed, when it is neither "open" nor "closed" (Jami); else "". It is
 * malloc()ed, the caller frees it, and is valid UTF-8 of at most
 * PEERBOOK_NOTE_MAX bytes (longer is -EBADMSG).
 *
 * The sender's entity is not checked: the channel it came on tells who sent
 * it. -EBADMSG for anything malformed or refused, -ENOMEM. The outputs are
 * written only on success.
 */
int pb_pidf_parse(const uint8_t *doc, size_t len, bool *ret_open, char **ret_note);
