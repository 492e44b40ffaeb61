// SPDX-License-Identifier: GPL-3.0-or-later
//
// dht-dump: what is stored at a DHT key, as a listener sees it. Joins the
// network through BOOTSTRAP with a throw-away identity, listens on KEY (40
// hex: an account ID, or any InfoHash) for SECONDS, and prints one line per
// value:
//
//   value id=HEX type=N seq=N signed=0|1 owner=HEX encrypted=0|1 len=N keys=K1:T1,K2:T2 data=HEX
//
// `keys` lists a top-level msgpack map's keys and the msgpack kind of their
// values with byte lengths (e.g. dev:bin20,pk:bin294), or is "-" when the data
// is not a map. Used by test-interop-jami.sh to see exactly what Jami puts on
// its account hash.
//
// usage: dht-dump BOOTSTRAP KEY [SECONDS]
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dht/dht.h"

// One msgpack item's header at p (n bytes): its kind and payload length in
// *kind / *len, the header's size as the result; 0 when not handled here.
static size_t mp_head(const uint8_t *p, size_t n, char kind[8], uint64_t *len) {
        if (n < 1)
                return 0;
        uint8_t b = p[0];
        if (b <= 0x7f || b >= 0xe0) {
                strcpy(kind, "int");
                *len = 0;
                return 1;
        }
        if ((b & 0xe0) == 0xa0) {
                strcpy(kind, "str");
                *len = b & 0x1f;
                return 1;
        }
        if (b == 0xc2 || b == 0xc3) {
                strcpy(kind, "bool");
                *len = 0;
                return 1;
        }
        if (b == 0xc0) {
                strcpy(kind, "nil");
                *len = 0;
                return 1;
        }
        const char *k = NULL;
        size_t w = 0;
        switch (b) {
        case 0xc4:
                k = "bin";
                w = 1;
                break;
        case 0xc5:
                k = "bin";
                w = 2;
                break;
        case 0xc6:
                k = "bin";
                w = 4;
                break;
        case 0xd9:
                k = "str";
                w = 1;
                break;
        case 0xda:
                k = "str";
                w = 2;
                break;
        case 0xdb:
                k = "str";
                w = 4;
                break;
        case 0xcc:
        case 0xd0:
                strcpy(kind, "int");
                *len = 1;
                return 1;
        case 0xcd:
        case 0xd1:
                strcpy(kind, "int");
                *len = 2;
                return 1;
        case 0xce:
        case 0xd2:
                strcpy(kind, "int");
                *len = 4;
                return 1;
        case 0xcf:
        case 0xd3:
                strcpy(kind, "int");
                *len = 8;
                return 1;
        default: return 0;
        }
        if (n < 1 + w)
                return 0;
        uint64_t l = 0;
        for (size_t i = 0; i < w; i++)
                l = l << 8 | p[1 + i];
        strcpy(kind, k);
        *len = l;
        return 1 + w;
}

static void print_keys(const uint8_t *p, size_t n) {
        size_t count, off;
        if (n >= 1 && (p[0] & 0xf0) == 0x80) {
                count = p[0] & 0x0f;
                off = 1;
        } else if (n >= 3 && p[0] == 0xde) {
                count = (size_t)p[1] << 8 | p[2];
                off = 3;
        } else {
                printf(" keys=%s",
                       n >= 1 && ((p[0] & 0xf0) == 0x90 || p[0] == 0xdc) ? "(array)" : "-");
                return;
        }
        printf(" keys=");
        for (size_t i = 0; i < count; i++) {
                char kk[8], vk[8];
                uint64_t kl, vl;
                size_t h = mp_head(p + off, n - off, kk, &kl);
                if (!h || strcmp(kk, "str") || off + h + kl > n) {
                        printf("%s?", i ? "," : "");
                        return;
                }
                printf("%s%.*s", i ? "," : "", (int)kl, (const char *)p + off + h);
                off += h + kl;
                h = mp_head(p + off, n - off, vk, &vl);
                if (!h || off + h + vl > n) {
                        printf(":?");
                        return;
                }
                printf(":%s%" PRIu64, vk, vl);
                off += h + vl;
        }
}

static void on_value(const struct pb_value_view *v, bool expired, void *userdata) {
        (void)userdata;
        char owner[PB_HEX_LEN + 1] = "-";
        if (v->is_signed)
                pb_hash_to_hex(&v->owner, owner);
        flockfile(stdout);
        printf("%s id=%016" PRIx64 " type=%u seq=%u signed=%d owner=%s encrypted=%d len=%zu",
               expired ? "expired" : "value", v->id, v->type, v->seq, v->is_signed, owner,
               v->is_encrypted, v->len);
        print_keys(v->data, v->len);
        printf(" data=");
        for (size_t i = 0; i < v->len; i++)
                printf("%02x", v->data[i]);
        printf("\n");
        fflush(stdout);
        funlockfile(stdout);
}

int main(int argc, char **argv) {
        if (argc < 3) {
                fprintf(stderr, "usage: dht-dump BOOTSTRAP KEY [SECONDS]\n");
                return 2;
        }
        int seconds = argc > 3 ? atoi(argv[3]) : 3;
        pb_hash key;
        if (pb_hash_from_hex(argv[2], &key) < 0) {
                fprintf(stderr, "dht-dump: KEY must be 40 hex characters\n");
                return 2;
        }
        pb_identity *id = NULL;
        int r = pb_identity_generate("dht-dump", NULL, 2048, &id);
        if (r < 0) {
                fprintf(stderr, "dht-dump: identity: %d\n", r);
                return 1;
        }
        struct pb_node_config cfg = { .identity = id, .port = 0, .bootstrap = argv[1] };
        pb_node *node = NULL;
        r = pb_node_start(&cfg, &node);
        if (r < 0) {
                fprintf(stderr, "dht-dump: node: %d\n", r);
                pb_identity_free(id);
                return 1;
        }
        for (int i = 0; i < 100 && !pb_node_is_connected(node); i++)
                usleep(100000);
        if (!pb_node_is_connected(node)) {
                fprintf(stderr, "dht-dump: not connected to %s after 10 s\n", argv[1]);
                pb_node_free(node);
                pb_identity_free(id);
                return 1;
        }
        pb_listen *l = NULL;
        r = pb_node_listen(node, &key, on_value, NULL, NULL, &l);
        if (r < 0) {
                fprintf(stderr, "dht-dump: listen: %d\n", r);
        } else {
                sleep((unsigned)seconds);
                pb_node_cancel_listen(node, l);
        }
        pb_node_free(node);
        pb_identity_free(id);
        return r < 0;
}
