/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-device-sync-jami.cpp — peerbook's DeviceSync against the writer and
 * reader a Debian 12 Jami uses: msgpack-cxx's MSGPACK_DEFINE_MAP over the
 * layout of Jami 2023's structs (src/jamidht/jami_contact.h at jami-daemon
 * cbca28f59b: Contact, TrustRequest, KnownDeviceSync, DeviceSync), with
 * OpenDHT's own InfoHash, PkId and PublicKey. The layout is declared again
 * below, members only: their names and types are the wire format. Both ways:
 * what we write, these types read field by field and write back byte for
 * byte; what they write, we read, and write again byte for byte.
 */
#include <opendht/crypto.h>
#include <opendht/infohash.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <msgpack.hpp>

extern "C" {
#include "check.h"
#include "device_sync.h"
}

namespace jami2023 {
struct Contact {
        time_t added{ 0 };
        time_t removed{ 0 };
        bool confirmed{ false };
        bool banned{ false };
        std::string conversationId{};
        MSGPACK_DEFINE_MAP(added, removed, confirmed, banned, conversationId)
};
struct TrustRequest {
        std::shared_ptr<dht::crypto::PublicKey> device;
        std::string conversationId;
        time_t received;
        std::vector<uint8_t> payload;
        MSGPACK_DEFINE_MAP(device, conversationId, received, payload)
};
struct KnownDeviceSync {
        std::string name;
        dht::InfoHash sha1;
        MSGPACK_DEFINE_MAP(name, sha1)
};
struct DeviceSync {
        uint64_t date;
        std::string device_name;
        std::map<dht::InfoHash, std::string> devices_known;
        std::map<dht::PkId, KnownDeviceSync> devices;
        std::map<dht::InfoHash, Contact> peers;
        std::map<dht::InfoHash, TrustRequest> trust_requests;
        MSGPACK_DEFINE_MAP(date, device_name, devices_known, devices, peers, trust_requests)
};
} // namespace jami2023

static std::shared_ptr<dht::crypto::PublicKey> device_key;
static dht::Blob device_der;

static dht::InfoHash hash_of(const pb_hash &h) {
        return dht::InfoHash(h.d, PB_HASH_LEN);
}

static std::string packed(const jami2023::DeviceSync &s) {
        msgpack::sbuffer buf;
        msgpack::pack(buf, s);
        return std::string(buf.data(), buf.size());
}

/* Ours: two devices (one only by SHA-1, as old Jami sent), three contacts, 25
 * requests (20 go out), every other one with the device key. */
static void test_ours_read_by_jami(void) {
        static struct pb_contact_row peers[3] = {
                { "ffffffffffffffffffffffffffffffffffffffff", 5, 1700000300, false, true, "", 0 },
                { "0000000000000000000000000000000000000001", 1700000000, 0, true, false,
                  "0123456789abcdef0123456789abcdef01234567", 0 },
                { "8888888888888888888888888888888888888888", 1ll << 33, 0, false, false, "x", 0 },
        };
        static struct pb_sync_request reqs[25];
        static struct pb_sync_device devs[2];
        for (unsigned i = 0; i < 25; i++) {
                memset(reqs[i].from.d, (int)(7 * i + 1), PB_HASH_LEN);
                reqs[i].received = 1700000000 + 100 * i;
                snprintf(reqs[i].conversation_id, sizeof(reqs[i].conversation_id), "c%u", i);
                reqs[i].device_pk = i % 2 ? device_der.data() : nullptr;
                reqs[i].device_pk_len = i % 2 ? device_der.size() : 0;
        }
        snprintf(devs[0].name, sizeof(devs[0].name), "laptop");
        memset(devs[0].long_id, 0xab, PB_LONG_ID_LEN);
        memset(devs[0].id.d, 0x12, PB_HASH_LEN);
        snprintf(devs[1].name, sizeof(devs[1].name), "old");
        devs[1].legacy = true;
        memset(devs[1].id.d, 0x34, PB_HASH_LEN);
        struct pb_device_sync s = {};
        s.date = 1795959118557718279ull;
        s.devices = devs, s.n_devices = 2, s.peers = peers, s.n_peers = 3;
        s.requests = reqs, s.n_requests = 25;

        uint8_t *buf;
        size_t len;
        CHECK_EQ(pb_device_sync_encode(&s, &buf, &len), 0);
        jami2023::DeviceSync j;
        auto oh = msgpack::unpack((const char *)buf, len);
        oh.get().convert(j);
        CHECK(j.date == s.date && j.device_name.empty());
        CHECK(j.devices_known.size() == 1 && j.devices_known[hash_of(devs[1].id)] == "old");
        dht::PkId long_id(devs[0].long_id, PB_LONG_ID_LEN);
        CHECK(j.devices.size() == 1 && j.devices[long_id].name == "laptop");
        CHECK(j.devices[long_id].sha1 == hash_of(devs[0].id));
        CHECK(j.peers.size() == 3);
        for (const auto &p : peers) {
                const jami2023::Contact &c = j.peers[dht::InfoHash(p.uri)];
                CHECK(c.added == p.added && c.removed == p.removed);
                CHECK(c.confirmed == p.confirmed && c.banned == p.banned);
                CHECK(c.conversationId == p.conversation_id);
        }
        CHECK_EQ(j.trust_requests.size(), 20);
        unsigned with_key = 0;
        for (const auto &t : j.trust_requests) {
                unsigned i = 0;
                while (i < 25 && hash_of(reqs[i].from) != t.first)
                        i++;
                CHECK(i < 25 && t.second.received == reqs[i].received);
                CHECK(i < 25 && t.second.conversationId == reqs[i].conversation_id);
                CHECK(t.second.payload.empty());
                CHECK((i % 2 == 1) == (t.second.device != nullptr));
                if (t.second.device) {
                        CHECK(t.second.device->getId() == device_key->getId());
                        with_key++;
                }
        }
        CHECK(with_key >= 9 && with_key <= 11);
        /* msgpack-cxx writes back exactly our bytes. */
        CHECK(packed(j) == std::string((const char *)buf, len));
        free(buf);
}

/* Theirs: what a Jami 2023 device puts (device_name and devices_known empty,
 * payloads stripped). */
static void test_jami_read_by_us(void) {
        jami2023::DeviceSync j;
        j.date = 1795959118557718279ull;
        dht::PkId a, b;
        a.setBit(3, true);
        b.setBit(200, true);
        j.devices[a] = { "vm", dht::InfoHash::get("vm") };
        j.devices[b] = { "d\xc3\xa9sktop", dht::InfoHash::get("desktop") };
        jami2023::Contact c;
        c.added = 1700000000;
        c.confirmed = true;
        c.conversationId = "0123456789abcdef0123456789abcdef01234567";
        j.peers[dht::InfoHash::get("alice")] = c;
        c = jami2023::Contact{};
        c.added = 10;
        c.removed = 1700000005;
        c.banned = true;
        j.peers[dht::InfoHash::get("mallory")] = c;
        j.trust_requests[dht::InfoHash::get("bob")] = { device_key, "conv", 1700000009, {} };
        j.trust_requests[dht::InfoHash::get("carol")] = { nullptr, "", 0, {} };
        std::string bytes = packed(j);

        struct pb_device_sync s;
        CHECK_EQ(pb_device_sync_decode((const uint8_t *)bytes.data(), bytes.size(), &s), 0);
        CHECK(s.date == j.date && s.n_devices == 2 && s.n_peers == 2 && s.n_requests == 2);
        CHECK(s.n_dropped == 0 && !s.devices[0].legacy && !s.devices[1].legacy);
        for (unsigned i = 0; i < s.n_devices; i++) {
                const auto &d = j.devices[dht::PkId(s.devices[i].long_id, PB_LONG_ID_LEN)];
                CHECK(d.name == s.devices[i].name && d.sha1 == hash_of(s.devices[i].id));
        }
        for (unsigned i = 0; i < s.n_peers; i++) {
                const auto &p = j.peers[dht::InfoHash(s.peers[i].uri)];
                CHECK(p.added == s.peers[i].added && p.removed == s.peers[i].removed);
                CHECK(p.confirmed == s.peers[i].confirmed && p.banned == s.peers[i].banned);
                CHECK(p.conversationId == s.peers[i].conversation_id);
        }
        for (unsigned i = 0; i < s.n_requests; i++) {
                const auto &t = j.trust_requests[hash_of(s.requests[i].from)];
                CHECK(t.received == s.requests[i].received);
                CHECK(t.conversationId == s.requests[i].conversation_id);
                CHECK((t.device != nullptr) == (s.requests[i].device_pk != nullptr));
                CHECK(!t.device ||
                      (s.requests[i].device_pk_len == device_der.size() &&
                       !memcmp(s.requests[i].device_pk, device_der.data(), device_der.size())));
        }
        /* and we write it again byte for byte */
        uint8_t *buf;
        size_t len;
        CHECK_EQ(pb_device_sync_encode(&s, &buf, &len), 0);
        CHECK(std::string((const char *)buf, len) == bytes);
        free(buf);
        pb_device_sync_clear(&s);
}

int main(void) {
        device_key = dht::crypto::PrivateKey::generate(2048).getSharedPublicKey();
        device_key->pack(device_der);
        test_ours_read_by_jami();
        test_jami_read_by_us();
        return check_summary();
}
