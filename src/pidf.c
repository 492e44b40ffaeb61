/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pidf.c — PIDF presence documents: built by hand with escaping, parsed by
 * expat (the only file that includes <expat.h>). See pidf.h. */
#include "pidf.h"

#include <assert.h>
#include <errno.h>
#include <expat.h>
#include <stdlib.h>
#include <string.h>

#define PIDF_NS "urn:ietf:params:xml:ns:pidf"
/* expat gives a namespaced name as "URI<sep>local". A space cannot be in a
 * namespace URI (expat >= 2.4.5 refuses a URI that holds the separator), so
 * the joined name is unambiguous. */
#define NS_SEP ' '
#define PIDF_NAME(local) PIDF_NS " " local
#define DEPTH_MAX 8
#define TUPLE_ID "peerbook" /* one tuple per document: any fixed XML ID will do */

bool pb_utf8_valid(const char *s, size_t len) {
        const uint8_t *p = (const uint8_t *)s;

        for (size_t i = 0; i < len;) {
                uint8_t c = p[i];
                size_t n;
                uint32_t cp, min;
                if (c == 0)
                        return false;
                if (c < 0x80) {
                        i++;
                        continue;
                }
                if ((c & 0xe0) == 0xc0)
                        n = 2, cp = c & 0x1f, min = 0x80;
                else if ((c & 0xf0) == 0xe0)
                        n = 3, cp = c & 0x0f, min = 0x800;
                else if ((c & 0xf8) == 0xf0)
                        n = 4, cp = c & 0x07, min = 0x10000;
                else
                        return false; /* a continuation byte, or 0xf8.. */
                if (len - i < n)
                        return false;
                for (size_t k = 1; k < n; k++) {
                        if ((p[i + k] & 0xc0) != 0x80)
                                return false;
                        cp = cp << 6 | (p[i + k] & 0x3f);
                }
                if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                i += n;
        }
        return true;
}

bool pb_text_printable(const char *s, size_t len) {
        if (!pb_utf8_valid(s, len))
                return false;
        for (size_t i = 0; i < len; i++)
                if ((uint8_t)s[i] < 0x20 || s[i] == 0x7f)
                        return false;
        return true;
}

/* ---- building ------------------------------------------------------------ */

/* What a note byte becomes in the document: NULL when it goes as it is. A
 * raw CR would reach the reader as LF (XML's end-of-line handling): a
 * character reference keeps it. */
static const char *escape(uint8_t c) {
        switch (c) {
        case '&': return "&amp;";
        case '<': return "&lt;";
        case '>': return "&gt;";
        case '"': return "&quot;";
        case '\'': return "&apos;";
        case '\r': return "&#xD;";
        default: return NULL;
        }
}

/* A note XML 1.0 can carry: UTF-8 (checked before), no control character
 * but TAB, LF and CR, neither U+FFFE nor U+FFFF (Char, XML 1.0 §2.2). */
static bool xml_chars(const uint8_t *p, size_t len) {
        for (size_t i = 0; i < len; i++) {
                if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
                        return false;
                if (p[i] == 0xef && len - i >= 3 && p[i + 1] == 0xbf && p[i + 2] >= 0xbe)
                        return false;
        }
        return true;
}

static bool valid_entity(const char *entity) {
        if (!entity || strlen(entity) != PEERBOOK_ID_LEN)
                return false;
        return strspn(entity, "0123456789abcdefABCDEF") == PEERBOOK_ID_LEN;
}

static char *put(char *w, const char *s) {
        size_t n = strlen(s);
        memcpy(w, s, n);
        return w + n;
}

int pb_pidf_build(const char *entity, bool open, const char *note, char **ret, size_t *ret_len) {
        static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                   "<presence xmlns=\"" PIDF_NS "\" entity=\"jami:";
        static const char tuple[] = "\">\n<tuple id=\"" TUPLE_ID "\"><status><basic>";
        static const char tail[] = "</basic></status></tuple>\n";
        size_t note_len = note ? strlen(note) : 0;

        if (!valid_entity(entity) || !ret || !ret_len || note_len > PEERBOOK_NOTE_MAX ||
            !pb_utf8_valid(note, note_len) || !xml_chars((const uint8_t *)note, note_len))
                return -EINVAL;

        /* The fixed parts take less than 256 bytes; the note at most 6 a byte
         * ("&quot;"): whatever we build, we accept. */
        _Static_assert(256 + 6 * PEERBOOK_NOTE_MAX <= PB_PIDF_DOC_MAX, "our documents fit");
        size_t max = 256 + 6 * note_len;
        char *doc = malloc(max), *w = doc;
        if (!doc)
                return -ENOMEM;
        w = put(w, head);
        for (size_t i = 0; i < PEERBOOK_ID_LEN; i++)
                *w++ = (char)(entity[i] >= 'A' && entity[i] <= 'F' ? entity[i] + 32 : entity[i]);
        w = put(w, tuple);
        w = put(w, open ? "open" : "closed");
        w = put(w, tail);
        if (note_len > 0) {
                w = put(w, "<note>");
                for (size_t i = 0; i < note_len; i++) {
                        const char *e = escape((uint8_t)note[i]);
                        if (e)
                                w = put(w, e);
                        else
                                *w++ = note[i];
                }
                w = put(w, "</note>\n");
        }
        w = put(w, "</presence>");
        *w = '\0';
        assert((size_t)(w - doc) < max);
        *ret_len = (size_t)(w - doc);
        *ret = doc;
        return 0;
}

/* ---- parsing ------------------------------------------------------------- */

/* What an open element is, from its name and its parent's kind. */
enum kind {
        K_OTHER,    /* anything we do not read (other namespaces too) */
        K_PRESENCE, /* the root */
        K_TUPLE,    /* a tuple after the first */
        K_TUPLE1,   /* the first tuple */
        K_STATUS1,  /* a status of the first tuple */
        K_BASIC1,   /* a basic of that status */
        K_NOTE,     /* a note of presence or of any tuple */
};

/* An element's text, in a buffer that grows up to max bytes. */
struct text {
        char *b;
        size_t n, cap, max;
        bool seen; /* the element was there (its text may be empty) */
};

struct parse {
        XML_Parser p;
        unsigned depth;
        enum kind kinds[DEPTH_MAX + 1]; /* kinds[d]: the open element at depth d */
        bool tuple_seen;
        struct text note, basic;
        struct text *collect; /* the text being read, if any */
        int error;            /* set by a handler before it stops the parser */
};

static void fail(struct parse *ps, int error) {
        if (!ps->error)
                ps->error = error;
        XML_StopParser(ps->p, XML_FALSE);
}

static int text_add(struct text *t, const char *s, size_t len) {
        if (len > t->max - t->n)
                return -EBADMSG;
        if (t->n + len > t->cap) {
                size_t cap = t->cap ? 2 * t->cap : 64;
                cap = cap < t->n + len ? t->n + len : cap > t->max ? t->max : cap;
                char *b = realloc(t->b, cap);
                if (!b)
                        return -ENOMEM;
                t->b = b;
                t->cap = cap;
        }
        memcpy(t->b + t->n, s, len);
        t->n += len;
        return 0;
}

static enum kind classify(struct parse *ps, enum kind parent, const char *name) {
        if (parent == K_PRESENCE && !strcmp(name, PIDF_NAME("tuple"))) {
                bool first = !ps->tuple_seen;
                ps->tuple_seen = true;
                return first ? K_TUPLE1 : K_TUPLE;
        }
        if ((parent == K_PRESENCE || parent == K_TUPLE || parent == K_TUPLE1) &&
            !strcmp(name, PIDF_NAME("note")))
                return K_NOTE;
        if (parent == K_TUPLE1 && !strcmp(name, PIDF_NAME("status")))
                return K_STATUS1;
        if (parent == K_STATUS1 && !strcmp(name, PIDF_NAME("basic")))
                return K_BASIC1;
        return K_OTHER;
}

static void XMLCALL on_start(void *userdata, const XML_Char *name, const XML_Char **attrs) {
        struct parse *ps = userdata;
        enum kind k;

        if (ps->error)
                return;
        /* Too deep, an element inside a note or a basic, a wrong root. */
        if (ps->depth == DEPTH_MAX || ps->collect ||
            (ps->depth == 0 && strcmp(name, PIDF_NAME("presence")))) {
                fail(ps, -EBADMSG);
                return;
        }
        k = ps->depth == 0 ? K_PRESENCE : classify(ps, ps->kinds[ps->depth], name);
        ps->kinds[++ps->depth] = k;

        /* Only the first note, and the first tuple's first basic. */
        struct text *t = k == K_NOTE ? &ps->note : k == K_BASIC1 ? &ps->basic : NULL;
        if (t && !t->seen) {
                t->seen = true;
                ps->collect = t;
        }
}

static void XMLCALL on_end(void *userdata, const XML_Char *name) {
        struct parse *ps = userdata;
        /* After a failure expat may still close the element it was in. */
        if (ps->error)
                return;
        ps->collect = NULL; /* what was collected has no child: this is its end */
        ps->depth--;
}

static void XMLCALL on_text(void *userdata, const XML_Char *s, int len) {
        struct parse *ps = userdata;
        if (ps->error || !ps->collect)
                return;
        int r = text_add(ps->collect, s, (size_t)len);
        if (r < 0)
                fail(ps, r);
}

/* A DOCTYPE is where entities are declared: none is ever expanded here. */
static void XMLCALL on_doctype(void *userdata, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset) {
        fail(userdata, -EBADMSG);
}

static bool is_xml_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The note and the status from what was read. */
static int result(struct parse *ps, bool *ret_open, char **ret_note) {
        const char *b = ps->basic.b ? ps->basic.b : "";
        size_t n = ps->basic.n;
        while (n > 0 && is_xml_space(b[0]))
                b++, n--;
        while (n > 0 && is_xml_space(b[n - 1]))
                n--;
        bool closed = n == 6 && !memcmp(b, "closed", 6);
        bool jami = ps->basic.seen && !closed && !(n == 4 && !memcmp(b, "open", 4));

        const char *note = "";
        size_t note_len = 0;
        if (ps->note.seen)
                note = ps->note.b ? ps->note.b : "", note_len = ps->note.n;
        else if (jami)
                note = b, note_len = n;
        if (note_len > PEERBOOK_NOTE_MAX || !pb_utf8_valid(note, note_len))
                return -EBADMSG;
        char *copy = malloc(note_len + 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, note, note_len);
        copy[note_len] = '\0';
        *ret_open = !closed;
        *ret_note = copy;
        return 0;
}

int pb_pidf_parse(const uint8_t *doc, size_t len, bool *ret_open, char **ret_note) {
        struct parse ps = {
                .note.max = PEERBOOK_NOTE_MAX,
                .basic.max = PB_PIDF_DOC_MAX, /* trimmed, then held to the note's cap */
        };
        int r;

        if (!ret_open || !ret_note || (!doc && len > 0))
                return -EINVAL;
        if (len > PB_PIDF_DOC_MAX)
                return -EBADMSG;
        /* UTF-8 whatever the document declares: no other decoder to attack. */
        ps.p = XML_ParserCreateNS("UTF-8", NS_SEP);
        if (!ps.p)
                return -ENOMEM;
        XML_SetUserData(ps.p, &ps);
        XML_SetElementHandler(ps.p, on_start, on_end);
        XML_SetCharacterDataHandler(ps.p, on_text);
        XML_SetStartDoctypeDeclHandler(ps.p, on_doctype);

        if (XML_Parse(ps.p, (const char *)doc, (int)len, XML_TRUE) == XML_STATUS_OK)
                r = result(&ps, ret_open, ret_note);
        else if (ps.error)
                r = ps.error;
        else
                r = XML_GetErrorCode(ps.p) == XML_ERROR_NO_MEMORY ? -ENOMEM : -EBADMSG;
        XML_ParserFree(ps.p);
        free(ps.note.b);
        free(ps.basic.b);
        return r;
}
