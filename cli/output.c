/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * output.c — what commands print on stdout: text for people, JSON (--json)
 * for scripts. D-Bus strings are valid UTF-8, so escaping the JSON syntax
 * characters and the control characters is all that JSON needs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Escapes s onto one line: backslash escapes for \\, \n, \r, \t (and " in
 * JSON); other control bytes as \u00XX (JSON) or \xXX (text). */
static void append_escaped(GString *out, const char *s, bool json) {
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                switch (*p) {
                case '"': g_string_append(out, json ? "\\\"" : "\""); break;
                case '\\': g_string_append(out, "\\\\"); break;
                case '\n': g_string_append(out, "\\n"); break;
                case '\r': g_string_append(out, "\\r"); break;
                case '\t': g_string_append(out, "\\t"); break;
                default:
                        if (*p < 0x20 || *p == 0x7f)
                                g_string_append_printf(out, json ? "\\u%04x" : "\\x%02x", *p);
                        else
                                g_string_append_c(out, (char)*p);
                }
        }
}

static void json_append_string(GString *out, const char *s) {
        g_string_append_c(out, '"');
        append_escaped(out, s, true);
        g_string_append_c(out, '"');
}

void json_open(GString *out) {
        g_string_append_c(out, '{');
}

void json_close(GString *out) {
        g_string_append_c(out, '}');
}

/* `"key":` after a comma unless it is the object's first member. */
static void json_key(GString *out, const char *key) {
        if (out->len && out->str[out->len - 1] != '{')
                g_string_append_c(out, ',');
        json_append_string(out, key);
        g_string_append_c(out, ':');
}

void json_add_string(GString *out, const char *key, const char *value) {
        json_key(out, key);
        json_append_string(out, value);
}

void json_add_number(GString *out, const char *key, gint64 value) {
        json_key(out, key);
        g_string_append_printf(out, "%" G_GINT64_FORMAT, value);
}

void json_add_bool(GString *out, const char *key, bool value) {
        json_key(out, key);
        g_string_append(out, value ? "true" : "false");
}

void output_line(const char *line) {
        fputs(line, stdout);
        fputc('\n', stdout);
        fflush(stdout);
}

void output_each(struct cli *cli, GVariant *list,
                 void (*format)(struct cli *cli, GString *out, GVariant *item)) {
        GVariantIter iter;
        GVariant *item;

        g_variant_iter_init(&iter, list);
        while ((item = g_variant_iter_next_value(&iter))) {
                g_autoptr(GString) out = g_string_new(NULL);
                format(cli, out, item);
                output_line(out->str);
                g_variant_unref(item);
        }
}

static int compare_keys(gconstpointer a, gconstpointer b) {
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void output_string_maps(struct cli *cli, GVariant *const *maps, size_t n_maps) {
        g_autoptr(GHashTable) merged = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GString) out = g_string_new(NULL);
        GVariantIter iter;
        const char *key, *value;

        for (size_t i = 0; i < n_maps; i++) {
                g_variant_iter_init(&iter, maps[i]);
                while (g_variant_iter_next(&iter, "{&s&s}", &key, &value))
                        g_hash_table_insert(merged, (gpointer)key, (gpointer)value);
        }
        guint n = 0;
        g_autofree const char **keys = (const char **)g_hash_table_get_keys_as_array(merged, &n);
        qsort(keys, n, sizeof(*keys), compare_keys);

        if (cli->json)
                json_open(out);
        for (guint i = 0; i < n; i++) {
                value = g_hash_table_lookup(merged, keys[i]);
                if (cli->json)
                        json_add_string(out, keys[i], value);
                else { /* one line per key, whatever an alias or a note holds */
                        g_string_append_printf(out, "%s%s: ", i ? "\n" : "", keys[i]);
                        text_append_one_line(out, value);
                }
        }
        if (cli->json)
                json_close(out);
        if (out->len)
                output_line(out->str);
}

void output_strv(struct cli *cli, const char *key, const char *const *strv) {
        for (; *strv; strv++) {
                if (!cli->json) {
                        output_line(*strv);
                        continue;
                }
                g_autoptr(GString) out = g_string_new(NULL);
                json_open(out);
                json_add_string(out, key, *strv);
                json_close(out);
                output_line(out->str);
        }
}

const char *status_name(int status) {
        switch (status) {
        case 0: return "offline";
        case 1: return "online";
        case 2: return "connected";
        default: return "unknown";
        }
}

void text_append_one_line(GString *out, const char *s) {
        append_escaped(out, s, false);
}

char *payload_to_string(const void *data, size_t len, bool *ret_base64) {
        *ret_base64 = len && !g_utf8_validate_len(data, len, NULL);
        if (*ret_base64)
                return g_base64_encode(data, len);
        return g_strndup(len ? data : "", len);
}

void format_trust_request(struct cli *cli, GString *out, const char *from,
                          const char *conversation_id, guint64 received, const char *payload,
                          bool base64) {
        if (!cli->json) {
                g_string_append_printf(out, "%s %" G_GUINT64_FORMAT "%s%s", from, received,
                                       *payload ? " " : "", base64 ? "base64:" : "");
                text_append_one_line(out, payload);
                return;
        }
        json_add_string(out, "from", from);
        json_add_string(out, "conversationId", conversation_id);
        json_add_number(out, "received", (gint64)received);
        json_add_string(out, "payload", payload);
        if (base64)
                json_add_string(out, "payloadEncoding", "base64");
}
