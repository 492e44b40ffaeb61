/* SPDX-License-Identifier: GPL-3.0-or-later */
/* jami_archive.c — Jami's account archive file (jami_archive.h). */
#include "jami_archive.h"

#include <argon2.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dht/dht.h"
#include "pidf.h" /* pb_utf8_valid() */
#include "util.h"

#define SALT_LEN 16
#define IV_LEN 12
#define TAG_LEN 16
#define KEY_LEN 32
#define FIELD_MAX (256u * 1024) /* one decoded key, chain or CRL */

/* Jami's cost (OpenDHT 2.4.12 stretchKey). */
static uint32_t t_cost = 16, m_cost = 65536;

void pb_jami_archive_test_cost(uint32_t t, uint32_t m) {
        t_cost = t ? t : 16;
        m_cost = m ? m : 65536;
}

/* ---- bytes: compression and encryption ------------------------------------ */

/* A GnuTLS failure: out of memory, or `other`. */
static int tls_error(int e, int other) {
        return e == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : other;
}

struct buf {
        uint8_t *d;
        size_t len;
};

static bool is_gzip(const uint8_t *d, size_t len) {
        return len >= 3 && d[0] == 0x1f && d[1] == 0x8b && d[2] == 0x08;
}

/* Inflates zlib or gzip (detected by zlib) into at most PB_JAMI_ARCHIVE_MAX
 * bytes; the stream must end exactly at the end of the input. */
static int inflate_all(const uint8_t *in, size_t len, struct buf *ret) {
        z_stream z = { 0 };
        size_t cap = len * 4 + 4096;
        if (len > PB_JAMI_ARCHIVE_MAX)
                return -EBADMSG;
        if (cap > PB_JAMI_ARCHIVE_MAX)
                cap = PB_JAMI_ARCHIVE_MAX;
        uint8_t *out = malloc(cap);
        if (!out)
                return -ENOMEM;
        if (inflateInit2(&z, 32 + MAX_WBITS) != Z_OK) {
                free(out);
                return -ENOMEM;
        }
        z.next_in = (uint8_t *)in;
        z.avail_in = (uInt)len;
        int r = 0, zr = Z_OK;
        while (zr != Z_STREAM_END) {
                if (z.total_out == cap) {
                        uint8_t *n = cap < PB_JAMI_ARCHIVE_MAX ? realloc(out, cap * 2) : NULL;
                        if (!n) {
                                r = cap < PB_JAMI_ARCHIVE_MAX ? -ENOMEM : -EBADMSG;
                                break;
                        }
                        out = n;
                        cap = cap * 2 > PB_JAMI_ARCHIVE_MAX ? PB_JAMI_ARCHIVE_MAX : cap * 2;
                }
                z.next_out = out + z.total_out;
                z.avail_out = (uInt)(cap - z.total_out);
                zr = inflate(&z, Z_NO_FLUSH);
                if (zr == Z_MEM_ERROR) {
                        r = -ENOMEM;
                        break;
                }
                if (zr != Z_OK && zr != Z_STREAM_END) {
                        r = -EBADMSG; /* Z_BUF_ERROR here: the input ended early */
                        break;
                }
        }
        if (r == 0 && z.avail_in != 0)
                r = -EBADMSG;
        ret->len = z.total_out;
        inflateEnd(&z);
        if (r < 0) {
                free(out);
                return r;
        }
        ret->d = out;
        return 0;
}

/* gzip (windowBits 16+) or zlib, at the best compression. */
static int deflate_all(const uint8_t *in, size_t len, bool gzip, struct buf *ret) {
        z_stream z = { 0 };
        if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, gzip ? 16 + MAX_WBITS : MAX_WBITS, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK)
                return -ENOMEM;
        size_t cap = deflateBound(&z, len) + 32;
        uint8_t *out = malloc(cap);
        if (!out) {
                deflateEnd(&z);
                return -ENOMEM;
        }
        /* zlib's gzip header: MTIME 0, OS 3 (Unix), as Jami's gzopen writes. */
        z.next_in = (uint8_t *)in;
        z.avail_in = (uInt)len;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        int zr = deflate(&z, Z_FINISH);
        ret->len = z.total_out;
        deflateEnd(&z);
        if (zr != Z_STREAM_END) {
                free(out);
                return -ENOMEM;
        }
        ret->d = out;
        return 0;
}

/* SHA-256(argon2i(password, salt)): OpenDHT's stretchKey(). */
static int stretch(const char *password, const uint8_t salt[SALT_LEN], uint8_t key[KEY_LEN]) {
        uint8_t raw[KEY_LEN];
        int r = argon2i_hash_raw(t_cost, m_cost, 1, password, strlen(password), salt, SALT_LEN, raw,
                                 sizeof(raw));
        if (r == ARGON2_MEMORY_ALLOCATION_ERROR)
                return -ENOMEM;
        if (r != ARGON2_OK)
                return -EINVAL;
        r = gnutls_hash_fast(GNUTLS_DIG_SHA256, raw, sizeof(raw), key);
        r = r < 0 ? tls_error(r, -EIO) : 0;
        explicit_bzero(raw, sizeof(raw));
        return r;
}

static int aead_open(const uint8_t key[KEY_LEN], gnutls_aead_cipher_hd_t *ret) {
        gnutls_datum_t k = { (uint8_t *)key, KEY_LEN };
        int r = gnutls_aead_cipher_init(ret, GNUTLS_CIPHER_AES_256_GCM, &k);
        return r < 0 ? tls_error(r, -EIO) : 0;
}

/* salt ‖ iv ‖ ct ‖ tag → plaintext; -EKEYREJECTED when the tag fails. */
static int decrypt(const uint8_t *d, size_t len, const char *password, struct buf *ret) {
        uint8_t key[KEY_LEN];
        gnutls_aead_cipher_hd_t h;
        if (len < SALT_LEN + IV_LEN + TAG_LEN)
                return -EBADMSG;
        int r = stretch(password, d, key);
        if (r == 0)
                r = aead_open(key, &h);
        explicit_bzero(key, sizeof(key));
        if (r < 0)
                return r;
        size_t ct_len = len - SALT_LEN - IV_LEN, out_len = ct_len;
        uint8_t *out = malloc(ct_len ? ct_len : 1);
        if (!out)
                r = -ENOMEM;
        else if ((r = gnutls_aead_cipher_decrypt(h, d + SALT_LEN, IV_LEN, NULL, 0, TAG_LEN,
                                                 d + SALT_LEN + IV_LEN, ct_len, out, &out_len)) < 0)
                r = tls_error(r, -EKEYREJECTED);
        gnutls_aead_cipher_deinit(h);
        if (r < 0) {
                free(out);
                return r;
        }
        *ret = (struct buf){ out, out_len };
        return 0;
}

static int encrypt(const uint8_t *pt, size_t len, const char *password, struct buf *ret) {
        uint8_t key[KEY_LEN];
        gnutls_aead_cipher_hd_t h;
        size_t cap = SALT_LEN + IV_LEN + len + TAG_LEN, ct_len = len + TAG_LEN;
        uint8_t *out = malloc(cap);
        if (!out)
                return -ENOMEM;
        int r = gnutls_rnd(GNUTLS_RND_NONCE, out, SALT_LEN + IV_LEN);
        r = r < 0 ? tls_error(r, -EIO) : 0;
        if (r == 0)
                r = stretch(password, out, key);
        if (r == 0)
                r = aead_open(key, &h);
        explicit_bzero(key, sizeof(key));
        if (r == 0) {
                r = gnutls_aead_cipher_encrypt(h, out + SALT_LEN, IV_LEN, NULL, 0, TAG_LEN, pt, len,
                                               out + SALT_LEN + IV_LEN, &ct_len);
                r = r < 0 ? tls_error(r, -EIO) : 0;
                gnutls_aead_cipher_deinit(h);
        }
        if (r < 0) {
                free(out);
                return r;
        }
        *ret = (struct buf){ out, SALT_LEN + IV_LEN + ct_len };
        return 0;
}

static bool parses(const uint8_t *d, size_t len) {
        json_t *root = json_loadb((const char *)d, len, JSON_REJECT_DUPLICATES, NULL);
        json_decref(root);
        return root != NULL;
}

/* Jami's readArchive(): gunzip, then decrypt and inflate when a password is
 * given, or gunzip once more. A file that is JSON after the gunzip is taken
 * as it is, with a password or not (Jami would refuse it with one). */
static int unwrap(const uint8_t *data, size_t len, const char *password, struct buf *ret) {
        struct buf a = { 0 }, b = { 0 };
        int r = 0;
        if (is_gzip(data, len)) {
                if ((r = inflate_all(data, len, &a)) < 0)
                        return r;
                data = a.d;
                len = a.len;
        }
        /* Ciphertext starts with '{' once in 256 files (and ends with '}'
         * once in 65,536). With a password, JSON only when it parses;
         * without, when it is text: random bytes are not UTF-8 for long, so
         * an encrypted archive opened without its password is "needs a
         * password", and a broken JSON file is "malformed". */
        bool pw = password && *password, object = len && data[0] == '{';
        bool json = object && (pw ? parses(data, len) : pb_utf8_valid((const char *)data, len));
        if (is_gzip(data, len))
                r = inflate_all(data, len, &b);
        else if (!json && pw) {
                struct buf plain = { 0 };
                r = decrypt(data, len, password, &plain);
                if (r == 0)
                        r = inflate_all(plain.d, plain.len, &b);
                free(plain.d);
        } else if (!json)
                /* Not gzip, not JSON: encrypted when long enough to be. */
                r = len >= SALT_LEN + IV_LEN + TAG_LEN && !a.d ? -EKEYREJECTED : -EBADMSG;
        else if (!(b.d = malloc(len ? len : 1)))
                r = -ENOMEM;
        else {
                memcpy(b.d, data, len);
                b.len = len;
        }
        free(a.d);
        if (r < 0)
                return r;
        *ret = b;
        return 0;
}

/* ---- JSON ------------------------------------------------------------------ */

static const char KEY[] = "ringAccountKey", CERT[] = "ringAccountCert", CRL[] = "ringAccountCRL",
                  CONTACTS[] = "ringAccountContacts", NAME[] = "Account.displayName";

static int base64_field(json_t *v, bool required, uint8_t **ret, size_t *ret_len) {
        if (!v)
                return required ? -EBADMSG : 0;
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        if (!s || !len || len > FIELD_MAX * 4 / 3 + 4)
                return -EBADMSG;
        gnutls_datum_t in = { (uint8_t *)s, (unsigned)len }, out = { NULL, 0 };
        int r = gnutls_base64_decode2(&in, &out);
        if (r < 0 || !out.size) {
                gnutls_free(out.data);
                return r < 0 ? tls_error(r, -EBADMSG) : -EBADMSG;
        }
        uint8_t *d = malloc(out.size);
        if (d)
                memcpy(d, out.data, out.size);
        explicit_bzero(out.data, out.size);
        gnutls_free(out.data);
        if (!d)
                return -ENOMEM;
        *ret = d;
        *ret_len = out.size;
        return 0;
}

static int base64_set(json_t *o, const char *name, const uint8_t *d, size_t len) {
        gnutls_datum_t in = { (uint8_t *)d, (unsigned)len }, out = { NULL, 0 };
        if (gnutls_base64_encode2(&in, &out) < 0)
                return -ENOMEM;
        json_t *s = json_stringn((const char *)out.data, out.size);
        gnutls_free(out.data);
        return s && json_object_set_new(o, name, s) == 0 ? 0 : -ENOMEM;
}

static bool optional_int(json_t *c, const char *name, int64_t *ret) {
        json_t *v = json_object_get(c, name);
        *ret = 0;
        if (!v)
                return true;
        if (!json_is_integer(v) || json_integer_value(v) < 0)
                return false;
        *ret = json_integer_value(v);
        return true;
}

static bool optional_bool(json_t *c, const char *name, bool *ret) {
        json_t *v = json_object_get(c, name);
        *ret = v && json_is_true(v);
        return !v || json_is_boolean(v);
}

/* One {"added", "removed"?, "confirmed"?, "banned"?, "conversationId"} (as
 * Jami's Contact(json)); other members are ignored, as Jami does. */
static int contact_from(const char *uri, json_t *c, struct pb_contact_row *row) {
        pb_hash h;
        *row = (struct pb_contact_row){ 0 };
        if (!json_is_object(c) || pb_hash_from_hex(uri, &h) < 0)
                return -EBADMSG;
        pb_hash_to_hex(&h, row->uri);
        json_t *conv = json_object_get(c, "conversationId");
        if (!optional_int(c, "added", &row->added) || !optional_int(c, "removed", &row->removed) ||
            !optional_bool(c, "confirmed", &row->confirmed) ||
            !optional_bool(c, "banned", &row->banned) ||
            (conv &&
             (!json_is_string(conv) || json_string_length(conv) >= sizeof(row->conversation_id))))
                return -EBADMSG;
        if (conv)
                memcpy(row->conversation_id, json_string_value(conv), json_string_length(conv) + 1);
        return 0;
}

static int by_uri(const void *x, const void *y) {
        return strcmp(((const struct pb_contact_row *)x)->uri,
                      ((const struct pb_contact_row *)y)->uri);
}

static int contacts_from(json_t *o, struct pb_jami_archive *a) {
        if (!o)
                return 0;
        if (!json_is_object(o) || json_object_size(o) > PB_JAMI_CONTACTS_MAX)
                return -EBADMSG;
        size_t n = json_object_size(o);
        a->contacts = calloc(n ? n : 1, sizeof(*a->contacts));
        if (!a->contacts)
                return -ENOMEM;
        const char *uri;
        json_t *c;
        json_object_foreach(o, uri, c) {
                int r = contact_from(uri, c, &a->contacts[a->n_contacts]);
                if (r < 0)
                        return r;
                a->n_contacts++;
        }
        /* "AB.." and "ab.." are one contact: keys differing in case only. */
        qsort(a->contacts, a->n_contacts, sizeof(*a->contacts), by_uri);
        for (size_t i = 1; i < a->n_contacts; i++)
                if (!strcmp(a->contacts[i - 1].uri, a->contacts[i].uri))
                        return -EBADMSG;
        return 0;
}

/* Copies at most size - 1 bytes, never cutting a UTF-8 sequence. */
static void copy_alias(const char *s, char *out, size_t size) {
        size_t n = strlen(s);
        if (n >= size) {
                n = size - 1;
                while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
                        n--;
        }
        memcpy(out, s, n);
        out[n] = 0;
}

/* Moves what peerbook uses out of root; the rest (less TLS.*) is `extra`. */
static int take_fields(json_t *root, struct pb_jami_archive *a) {
        int r = base64_field(json_object_get(root, KEY), true, &a->key, &a->key_len);
        if (r == 0)
                r = base64_field(json_object_get(root, CERT), true, &a->cert, &a->cert_len);
        if (r == 0)
                r = base64_field(json_object_get(root, CRL), false, &a->crl, &a->crl_len);
        if (r == 0)
                r = contacts_from(json_object_get(root, CONTACTS), a);
        json_t *name = json_object_get(root, NAME);
        if (r == 0 && name && !json_is_string(name))
                r = -EBADMSG;
        if (r < 0)
                return r;
        if (name)
                copy_alias(json_string_value(name), a->alias, sizeof(a->alias));
        /* Kept as the export writes it: base64 without the blanks GnuTLS skips. */
        if (a->crl && (r = base64_set(root, CRL, a->crl, a->crl_len)) < 0)
                return r;
        /* The CRL stays in `extra` too: an import keeps it for the export. */
        static const char *const owned[] = { KEY, CERT, CONTACTS, NAME };
        for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
                json_object_del(root, owned[i]);
        const char *k;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(root, tmp, k, v) {
                if (!strncmp(k, "TLS.", 4))
                        json_object_del(root, k);
        }
        a->extra = json_incref(root);
        return 0;
}

static int parse(const uint8_t *json, size_t len, json_t **ret) {
        json_error_t err;
        json_t *root = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &err);
        /* jansson says nothing when it cannot even start (its lexer's
         * buffer): an error without a text is an allocation failure. */
        if (!root)
                return json_error_code(&err) == json_error_out_of_memory || !err.text[0] ? -ENOMEM
                                                                                         : -EBADMSG;
        if (!json_is_object(root)) {
                json_decref(root);
                return -EBADMSG;
        }
        *ret = root;
        return 0;
}

int pb_jami_archive_decode(const uint8_t *data, size_t len, const char *password,
                           struct pb_jami_archive *ret) {
        struct pb_jami_archive a = { 0 };
        struct buf json = { 0 };
        json_t *root = NULL;
        if (!data || !ret)
                return -EINVAL;
        if (len > PB_JAMI_ARCHIVE_MAX)
                return -EBADMSG;
        int r = unwrap(data, len, password, &json);
        if (r == 0)
                r = parse(json.d, json.len, &root);
        if (r == 0)
                r = take_fields(root, &a);
        json_decref(root);
        if (json.d)
                explicit_bzero(json.d, json.len); /* it held the account key */
        free(json.d);
        if (r < 0) {
                pb_jami_archive_clear(&a);
                return r;
        }
        *ret = a;
        return 0;
}

/* A string peerbook holds (an alias, a conversation ID a peer sent): JSON
 * carries only UTF-8, so anything else goes out as "". */
static json_t *utf8_string(const char *s) {
        return json_string_nocheck(pb_utf8_valid(s, strlen(s)) ? s : "");
}

static json_t *contact_json(const struct pb_contact_row *c) {
        json_t *o = json_object();
        int r = o ? json_object_set_new(o, "added", json_integer(c->added)) : -1;
        if (r == 0 && c->removed)
                r = json_object_set_new(o, "removed", json_integer(c->removed));
        if (r == 0 && c->confirmed)
                r = json_object_set_new(o, "confirmed", json_true());
        if (r == 0 && c->banned)
                r = json_object_set_new(o, "banned", json_true());
        if (r == 0)
                r = json_object_set_new(o, "conversationId", utf8_string(c->conversation_id));
        if (r < 0) {
                json_decref(o);
                return NULL;
        }
        return o;
}

/* The JSON object: the kept entries, then peerbook's over them. */
static int build(const struct pb_jami_archive *a, json_t **ret) {
        json_t *root = a->extra ? json_deep_copy(a->extra) : json_object();
        if (!root)
                return -ENOMEM;
        int r = json_is_object(root) ? 0 : -EINVAL;
        if (r == 0)
                r = base64_set(root, KEY, a->key, a->key_len);
        if (r == 0)
                r = base64_set(root, CERT, a->cert, a->cert_len);
        if (r == 0 && a->crl_len)
                r = base64_set(root, CRL, a->crl, a->crl_len);
        if (r == 0 && json_object_set_new(root, NAME, utf8_string(a->alias)) < 0)
                r = -ENOMEM;
        json_t *contacts = r == 0 && a->n_contacts ? json_object() : NULL;
        if (r == 0 && a->n_contacts && !contacts)
                r = -ENOMEM;
        for (size_t i = 0; r == 0 && i < a->n_contacts; i++)
                if (json_object_set_new(contacts, a->contacts[i].uri,
                                        contact_json(&a->contacts[i])) < 0)
                        r = -ENOMEM;
        /* Jami writes it only when there is one (an empty object is valid). */
        if (r == 0 && contacts && json_object_set(root, CONTACTS, contacts) < 0)
                r = -ENOMEM;
        json_decref(contacts);
        if (r < 0) {
                json_decref(root);
                return r;
        }
        *ret = root;
        return 0;
}

/* Compact and sorted, as Jami's jsoncpp writer. jansson 2.14's json_dumps()
 * can lose an allocation failure and return a text with a piece missing
 * (found by test-alloc): the text is read back before it is trusted. */
static char *dump_checked(json_t *root) {
        char *text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
        json_t *back = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
        bool same = back && json_equal(root, back);
        json_decref(back);
        if (!same && text) {
                explicit_bzero(text, strlen(text));
                free(text);
                text = NULL;
        }
        return text;
}

int pb_jami_archive_encode(const struct pb_jami_archive *a, const char *password, uint8_t **ret,
                           size_t *ret_len) {
        json_t *root = NULL;
        if (!a || !a->key || !a->key_len || !a->cert || !a->cert_len || !ret || !ret_len)
                return -EINVAL;
        int r = build(a, &root);
        if (r < 0)
                return r;
        char *text = dump_checked(root);
        json_decref(root);
        if (!text)
                return -ENOMEM;
        size_t len = strlen(text);
        struct buf z = { 0 }, out = { 0 };
        bool pw = password && *password;
        r = deflate_all((uint8_t *)text, len, !pw, &z);
        explicit_bzero(text, len);
        free(text);
        if (r == 0 && pw) {
                r = encrypt(z.d, z.len, password, &out);
                free(z.d);
        } else
                out = z;
        if (r < 0)
                return r;
        *ret = out.d;
        *ret_len = out.len;
        return 0;
}

int pb_jami_extra_dump(const struct pb_jami_archive *a, char **ret, size_t *ret_len) {
        char *text = a->extra ? json_dumps(a->extra, JSON_COMPACT) : strdup("{}");
        if (!text)
                return -ENOMEM;
        *ret = text;
        *ret_len = strlen(text);
        return 0;
}

int pb_jami_extra_load(const uint8_t *json, size_t len, struct pb_jami_archive *a) {
        json_t *root;
        int r = parse(json, len, &root);
        if (r < 0)
                return r;
        json_decref(a->extra);
        a->extra = root;
        return 0;
}

void pb_jami_archive_clear(struct pb_jami_archive *a) {
        if (a->key)
                explicit_bzero(a->key, a->key_len);
        free(a->key);
        free(a->cert);
        free(a->crl);
        free(a->contacts);
        json_decref(a->extra);
        *a = (struct pb_jami_archive){ 0 };
}
