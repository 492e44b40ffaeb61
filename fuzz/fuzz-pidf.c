/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-pidf.c — a PIDF document from a peer, and a note from the user.
 *
 * The input is parsed as a document: a note the parser accepts must be
 * UTF-8 within the cap, and building a document with it and the status read
 * must give both back exactly. The input is also taken as a note (up to its
 * first NUL): the builder refuses it exactly when it is not UTF-8, too long,
 * or holds what XML 1.0 cannot carry, and what it builds parses back to the
 * same note, byte for byte.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "pidf.h"

#define ENTITY "0123456789abcdef0123456789abcdef01234567"

/* Builds a document with note and open, and parses it back. */
static void check_round_trip(const char *note, bool open) {
        char *doc, *got;
        size_t len;
        bool got_open;

        FUZZ_CHECK(pb_pidf_build(ENTITY, open, note, &doc, &len) == 0);
        FUZZ_CHECK(len == strlen(doc) && len <= PB_PIDF_DOC_MAX);
        FUZZ_CHECK(pb_pidf_parse((const uint8_t *)doc, len, &got_open, &got) == 0);
        FUZZ_CHECK(got_open == open && strcmp(got, note) == 0);
        free(doc);
        free(got);
}

/* What the builder must accept: UTF-8 with XML 1.0's characters only. */
static bool buildable(const char *s, size_t len) {
        if (len > PEERBOOK_NOTE_MAX || !pb_utf8_valid(s, len))
                return false;
        for (size_t i = 0; i < len; i++) {
                uint8_t c = (uint8_t)s[i];
                if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                        return false;
                if (i + 2 < len && c == 0xef && (uint8_t)s[i + 1] == 0xbf &&
                    (uint8_t)s[i + 2] >= 0xbe)
                        return false; /* U+FFFE, U+FFFF */
        }
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        bool open;
        char *note;

        int r = pb_pidf_parse(data, size, &open, &note);
        FUZZ_CHECK(r == 0 || r == -EBADMSG);
        if (r == 0) {
                size_t n = strlen(note);
                FUZZ_CHECK(size <= PB_PIDF_DOC_MAX);
                FUZZ_CHECK(n <= PEERBOOK_NOTE_MAX && pb_utf8_valid(note, n));
                check_round_trip(note, open);
                free(note);
        }

        char *s = malloc(size + 1);
        FUZZ_CHECK(s);
        memcpy(s, data, size);
        s[size] = '\0';
        size_t n = strlen(s);
        char *doc;
        size_t len;
        r = pb_pidf_build(ENTITY, true, s, &doc, &len);
        FUZZ_CHECK(r == 0 || r == -EINVAL);
        FUZZ_CHECK((r == 0) == buildable(s, n));
        if (r == 0) {
                free(doc);
                check_round_trip(s, size > 0 && data[0] & 1);
        }
        free(s);
        return 0;
}
