/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-pidf.c — the PIDF note: round trips byte for byte, Jami's variant,
 * the UTF-8 check, and every kind of document the parser must refuse. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pidf.h"

#define ID "0123456789abcdef0123456789abcdef01234567"

/* Jami's getPIDF(), with the note where it puts it (reference §1.9). */
#define JAMI_PIDF(note)                                                                           \
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<presence "                                  \
        "xmlns=\"urn:ietf:params:xml:ns:pidf\">\n    <tuple>\n    <status>\n        <basic>" note \
        "</basic>\n    </status>\n    </tuple>\n</presence>"
#define PRESENCE_OPEN "<presence xmlns='urn:ietf:params:xml:ns:pidf'>"

static int parse_str(const char *doc, bool *ret_open, char **ret_note) {
        return pb_pidf_parse((const uint8_t *)doc, strlen(doc), ret_open, ret_note);
}

/* Builds with note, parses it back: the same note and status. */
static void round_trip(const char *note, bool open) {
        char *doc = NULL, *got = NULL;
        size_t len = 0;
        bool got_open = !open;

        CHECK_EQ(pb_pidf_build(ID, open, note, &doc, &len), 0);
        if (!doc)
                return;
        CHECK_EQ(len, strlen(doc));
        CHECK(len <= PB_PIDF_DOC_MAX);
        CHECK(strstr(doc, "entity=\"jami:" ID "\"") != NULL);
        CHECK(strstr(doc, open ? "<basic>open</basic>" : "<basic>closed</basic>") != NULL);
        CHECK((strstr(doc, "<note>") != NULL) == (note[0] != '\0'));
        CHECK_EQ(pb_pidf_parse((const uint8_t *)doc, len, &got_open, &got), 0);
        CHECK(got && !strcmp(got, note));
        CHECK_EQ(got_open, open);
        free(doc);
        free(got);
}

static void test_round_trips(void) {
        round_trip("Lunch time!", true);
        round_trip("Déjeuner 🍽 <back at 2>", true);
        round_trip("a & b < c > d \"e\" 'f'", true);
        round_trip(" a  b ", true);
        round_trip("\tline 1\r\nline 2\n\n  ", true);
        round_trip("&amp; ]]> &#x41; <![CDATA[x]]>", true);
        round_trip("", true);
        round_trip("", false); /* a goodbye */
        round_trip("back soon", false);

        char note[PEERBOOK_NOTE_MAX + 2];
        memset(note, 'n', sizeof(note));
        note[PEERBOOK_NOTE_MAX] = '\0';
        round_trip(note, true);
        /* The longest escape at the longest note still fits a document. */
        memset(note, '"', PEERBOOK_NOTE_MAX);
        round_trip(note, true);
        /* Multi-byte characters up to the byte cap (4 bytes each). */
        for (size_t i = 0; i < PEERBOOK_NOTE_MAX; i += 4)
                memcpy(note + i, "🍽", 4);
        round_trip(note, true);
}

static void test_build_exact(void) {
        char *doc = NULL;
        size_t len;
        CHECK_EQ(pb_pidf_build("0123456789ABCDEF0123456789ABCDEF01234567", true, "x<y", &doc, &len),
                 0);
        CHECK(doc &&
              !strcmp(doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                           "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"jami:" ID
                           "\">\n<tuple id=\"peerbook\"><status><basic>open</basic>"
                           "</status></tuple>\n<note>x&lt;y</note>\n</presence>"));
        free(doc);
        /* NULL is no note, as "". */
        CHECK_EQ(pb_pidf_build(ID, true, NULL, &doc, &len), 0);
        CHECK(doc && !strstr(doc, "<note>"));
        free(doc);
}

static void test_build_refusals(void) {
        char *doc = NULL;
        size_t len;
        char note[PEERBOOK_NOTE_MAX + 2];
        memset(note, 'n', sizeof(note));
        note[PEERBOOK_NOTE_MAX + 1] = '\0';

        const char *const bad_notes[] = {
                note,               /* 1,025 bytes */
                "\xc3\x28",         /* a lead byte without its continuation */
                "\xc0\xaf",         /* overlong '/' */
                "\xe0\x80\xaf",     /* overlong, 3 bytes */
                "\xed\xa0\x80",     /* U+D800, a surrogate */
                "\xf4\x90\x80\x80", /* above U+10FFFF */
                "\xf8\x88\x80\x80\x80",
                "\x80",
                "abc\xe2\x82", /* cut short */
                "bell\a",      /* control characters XML 1.0 cannot carry */
                "\x1b[31m",
                "\x0c",
                "\xef\xbf\xbe", /* U+FFFE, U+FFFF: not XML characters either */
                "\xef\xbf\xbf",
        };
        for (size_t i = 0; i < sizeof(bad_notes) / sizeof(bad_notes[0]); i++)
                CHECK_EQ(pb_pidf_build(ID, true, bad_notes[i], &doc, &len), -EINVAL);
        CHECK_EQ(pb_pidf_build(ID "8", true, "", &doc, &len), -EINVAL);
        CHECK_EQ(pb_pidf_build("0123456789abcdef0123456789abcdef0123456g", true, "", &doc, &len),
                 -EINVAL);
        CHECK_EQ(pb_pidf_build(NULL, true, "", &doc, &len), -EINVAL);
        CHECK(doc == NULL);
}

static void test_utf8(void) {
        CHECK(pb_utf8_valid("", 0));
        CHECK(pb_utf8_valid("Déjeuner 🍽", strlen("Déjeuner 🍽")));
        CHECK(pb_utf8_valid("\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80"
                            "\xf4\x8f\xbf\xbf",
                            19));
        CHECK(!pb_utf8_valid("a\0b", 3));
        CHECK(!pb_utf8_valid("\xc1\xbf", 2));
        CHECK(!pb_utf8_valid("\xed\xbf\xbf", 3));
        CHECK(!pb_utf8_valid("\xf0\x8f\xbf\xbf", 4));
        CHECK(!pb_utf8_valid("\xf4\x90\x80\x80", 4));
        CHECK(!pb_utf8_valid("\xe2\x82", 2));
        CHECK(!pb_utf8_valid("\xe2\x82\xac", 2)); /* the length given counts */
        CHECK(!pb_utf8_valid("\xfe", 1));
}

static void check_parse(const char *doc, bool want_open, const char *want_note) {
        bool open = !want_open;
        char *note = NULL;
        CHECK_EQ(parse_str(doc, &open, &note), 0);
        CHECK_EQ(open, want_open);
        CHECK(note && !strcmp(note, want_note));
        if (note && strcmp(note, want_note))
                fprintf(stderr, "  note \"%s\", wanted \"%s\"\n", note, want_note);
        free(note);
}

static void test_parse(void) {
        /* Jami's exact document, and its note-less and goodbye forms. */
        check_parse(JAMI_PIDF("Lunch time"), true, "Lunch time");
        check_parse(JAMI_PIDF(""), true, "");
        check_parse(JAMI_PIDF("open"), true, "");
        check_parse(JAMI_PIDF("  closed\n"), false, "");
        check_parse(JAMI_PIDF("\n  Lunch  time \t"), true, "Lunch  time");
        /* A note in a tuple; the first note wins; <note> over Jami's basic. */
        check_parse(PRESENCE_OPEN "<tuple id='a'><status><basic>closed</basic></status>"
                                  "<note> in tuple </note></tuple><note>second</note></presence>",
                    false, " in tuple ");
        check_parse(PRESENCE_OPEN "<tuple id='a'><status><basic>busy</basic></status></tuple>"
                                  "<note>the note</note></presence>",
                    true, "the note");
        /* Only the first tuple's basic; no basic is open. */
        check_parse(PRESENCE_OPEN "<tuple id='a'><status/></tuple><tuple id='b'><status>"
                                  "<basic>closed</basic></status></tuple></presence>",
                    true, "");
        check_parse(PRESENCE_OPEN "</presence>", true, "");
        /* A prefix, other namespaces, comments, CDATA, references. */
        check_parse("<p:presence xmlns:p='urn:ietf:params:xml:ns:pidf' "
                    "xmlns:r='urn:ietf:params:xml:ns:pidf:rpid' entity='pres:x'><!-- c -->"
                    "<p:tuple id='t'><p:status><p:basic>open</p:basic><r:x/></p:status></p:tuple>"
                    "<r:activities><r:lunch/></r:activities><p:note xml:lang='fr'>a<![CDATA[<b>]]>"
                    "&amp;&#x1F37D;&#xD;</p:note><?pi x?></p:presence>",
                    true, "a<b>&🍽\r");
        /* An element of another namespace called note is not the note. */
        check_parse(PRESENCE_OPEN "<note xmlns='urn:x'>no</note></presence>", true, "");
        /* Depth 8 is the most. */
        check_parse(PRESENCE_OPEN "<tuple><status><a><b><c><d><e/></d></c></b></a></status></tuple>"
                                  "</presence>",
                    true, "");

        /* A 1,024-byte note in <note> and in <basic>; 1,025 is refused. */
        char doc[PB_PIDF_DOC_MAX + 64], note[PEERBOOK_NOTE_MAX + 2];
        bool open;
        char *got = NULL;
        memset(note, 'x', sizeof(note));
        note[PEERBOOK_NOTE_MAX] = '\0';
        snprintf(doc, sizeof(doc), PRESENCE_OPEN "<note>%s</note></presence>", note);
        check_parse(doc, true, note);
        snprintf(doc, sizeof(doc), JAMI_PIDF("  %s  "), note);
        check_parse(doc, true, note);
        note[PEERBOOK_NOTE_MAX] = 'x';
        note[PEERBOOK_NOTE_MAX + 1] = '\0';
        snprintf(doc, sizeof(doc), PRESENCE_OPEN "<note>%s</note></presence>", note);
        CHECK_EQ(parse_str(doc, &open, &got), -EBADMSG);
        snprintf(doc, sizeof(doc), JAMI_PIDF("%s"), note);
        CHECK_EQ(parse_str(doc, &open, &got), -EBADMSG);
        CHECK(got == NULL);
}

static void check_refused(const char *what, const char *doc, size_t len) {
        bool open = false;
        char *note = NULL;
        int r = pb_pidf_parse((const uint8_t *)doc, len, &open, &note);
        CHECK_EQ(r, -EBADMSG);
        if (r != -EBADMSG)
                fprintf(stderr, "  %s: %d\n", what, r);
        CHECK(note == NULL);
}

#define REFUSED(what, doc) check_refused(what, doc, strlen(doc))

static void test_refusals(void) {
        REFUSED("billion laughs", "<?xml version='1.0'?>\n<!DOCTYPE presence [\n<!ENTITY a 'lol'>\n"
                                  "<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>\n"
                                  "<!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;'>\n"
                                  "<!ENTITY d '&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;'>\n]>\n" PRESENCE_OPEN
                                  "<note>&d;</note></presence>");
        REFUSED("a DOCTYPE alone", "<!DOCTYPE presence>" PRESENCE_OPEN "</presence>");
        REFUSED("an external entity",
                "<!DOCTYPE presence [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>" PRESENCE_OPEN
                "<note>&x;</note></presence>");
        REFUSED("an undeclared entity", PRESENCE_OPEN "<note>&x;</note></presence>");
        REFUSED("depth 9", PRESENCE_OPEN "<tuple><status><a><b><c><d><e><f/></e></d></c></b></a>"
                                         "</status></tuple></presence>");
        REFUSED("wrong root", "<presencex xmlns='urn:ietf:params:xml:ns:pidf'/>");
        REFUSED("wrong namespace", "<presence xmlns='urn:ietf:params:xml:ns:pidf2'/>");
        REFUSED("no namespace", "<presence/>");
        REFUSED("truncated", PRESENCE_OPEN "<note>Lunch");
        REFUSED("two roots", PRESENCE_OPEN "</presence>" PRESENCE_OPEN "</presence>");
        REFUSED("bytes after the root", PRESENCE_OPEN "</presence>x");
        REFUSED("a surrogate by reference", PRESENCE_OPEN "<note>&#xD800;</note></presence>");
        REFUSED("NUL by reference", PRESENCE_OPEN "<note>&#0;</note></presence>");
        REFUSED("a control character", PRESENCE_OPEN "<note>&#x1b;</note></presence>");
        REFUSED("invalid UTF-8", PRESENCE_OPEN "<note>\xc3\x28</note></presence>");
        REFUSED("overlong UTF-8", PRESENCE_OPEN "<note>\xc0\xaf</note></presence>");
        REFUSED("UTF-8 surrogate", PRESENCE_OPEN "<note>\xed\xa0\x80</note></presence>");
        REFUSED("an element in a note", PRESENCE_OPEN "<note>a<b/>c</note></presence>");
        REFUSED("an element in basic", JAMI_PIDF("<b>x</b>"));
        REFUSED("empty", "");
        REFUSED("not XML", "Lunch time!");
        /* Latin-1 bytes declared as such are still read as UTF-8: refused. */
        REFUSED("another encoding", "<?xml version='1.0' encoding='ISO-8859-1'?>" PRESENCE_OPEN
                                    "<note>d\xe9j\xe0</note></presence>");
        check_refused("a NUL byte", PRESENCE_OPEN "\0</presence>", strlen(PRESENCE_OPEN) + 12);

        /* Truncated at every length: never a success. */
        const char *jami = JAMI_PIDF("Lunch time");
        for (size_t n = 0; n < strlen(jami); n++)
                check_refused("a prefix", jami, n);

        /* Over 8,192 bytes, even if well-formed. */
        char big[PB_PIDF_DOC_MAX + 64];
        size_t n = (size_t)snprintf(big, sizeof(big), "%s", PRESENCE_OPEN);
        memset(big + n, ' ', PB_PIDF_DOC_MAX - n);
        strcpy(big + PB_PIDF_DOC_MAX - strlen("</presence>"), "</presence>");
        check_parse(big, true, "");
        n = strlen(PRESENCE_OPEN);
        memset(big + n, ' ', PB_PIDF_DOC_MAX + 1 - n);
        strcpy(big + PB_PIDF_DOC_MAX + 1 - strlen("</presence>"), "</presence>");
        REFUSED("8,193 bytes", big);
}

int main(void) {
        test_utf8();
        test_round_trips();
        test_build_exact();
        test_build_refusals();
        test_parse();
        test_refusals();
        return check_summary();
}
