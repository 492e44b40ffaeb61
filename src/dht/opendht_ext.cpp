/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * opendht_ext.cpp — the one C++ file: what OpenDHT 2.4.12's C binding lacks.
 *
 * Keys with a chosen size and CA flag, key import with a precise error,
 * certificate export and issuer check, values with a type/seq/id, values
 * signed by another key than the node's, and puts that neither re-sign nor
 * forget their done callback. No product logic lives here.
 *
 * Every entry point catches every exception: nothing C++ crosses into C.
 * The binding's handles are reinterpreted as the C++ objects they are in
 * 2.4.12 (see c/opendht.cpp of that tag).
 */
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <future>
#include <memory>
#include <new>
#include <string>

#include <gnutls/x509.h>
#include <opendht/crypto.h>
#include <opendht/dhtrunner.h>
#include <opendht/securedht.h>
#include <opendht/value.h>

#include "dht/opendht_ext.h"

namespace {

using PrivkeySp = std::shared_ptr<dht::crypto::PrivateKey>;
using CertSp = std::shared_ptr<dht::crypto::Certificate>;
using ValueSp = std::shared_ptr<dht::Value>;

const PrivkeySp &key_of(const pb_identity *id) {
        return *reinterpret_cast<const PrivkeySp *>(id->key);
}

const CertSp &cert_of(const pb_identity *id) {
        return *reinterpret_cast<const CertSp *>(id->cert);
}

const ValueSp &value_of(const dht_value *v) {
        return *reinterpret_cast<const ValueSp *>(v);
}

dht::InfoHash hash_of(const pb_hash *h) {
        return dht::InfoHash(h->d, PB_HASH_LEN);
}

/* Wraps C++ objects in binding handles; the caller owns the result. */
int identity_wrap(const dht::crypto::Identity &cpp, pb_identity **ret) {
        if (!cpp.first || !cpp.second)
                return -EIO;
        auto id = static_cast<pb_identity *>(calloc(1, sizeof(pb_identity)));
        if (!id)
                return -ENOMEM;
        id->key = reinterpret_cast<dht_privatekey *>(new PrivkeySp(cpp.first));
        id->cert = reinterpret_cast<dht_certificate *>(new CertSp(cpp.second));
        *ret = id;
        return 0;
}

/* Copies bytes into a malloc()ed buffer, as the C API hands them out. */
int copy_out(const void *data, size_t len, uint8_t **ret, size_t *ret_len) {
        auto buf = static_cast<uint8_t *>(malloc(len ? len : 1));
        if (!buf)
                return -ENOMEM;
        memcpy(buf, data, len);
        *ret = buf;
        *ret_len = len;
        return 0;
}

/* An encrypted PKCS#8 key says so in its PEM armour. GnuTLS reports a
 * missing password on it as a parse error, not as a decryption failure. */
bool looks_encrypted(const uint8_t *key, size_t len) {
        static const char tag[] = "ENCRYPTED PRIVATE KEY";
        size_t tl = sizeof(tag) - 1;
        for (size_t i = 0; i + tl <= len; i++)
                if (memcmp(key + i, tag, tl) == 0)
                        return true;
        return false;
}

/* Imports a PEM or DER (PKCS#8, PKCS#1) private key with GnuTLS itself:
 * in 2.4.12, PrivateKey(data, size, password) passes GNUTLS_PKCS_PLAIN
 * whenever a password is given, so it cannot load an encrypted key. */
int import_key(const uint8_t *key, size_t key_len, const char *password, PrivkeySp &ret) {
        gnutls_x509_privkey_t x509 = nullptr;
        const gnutls_datum_t dt{ const_cast<uint8_t *>(key), static_cast<unsigned>(key_len) };
        int err, err_der;

        if (key_len > UINT32_MAX)
                return -EBADMSG;
        if (gnutls_x509_privkey_init(&x509) != GNUTLS_E_SUCCESS)
                return -ENOMEM;
        err = gnutls_x509_privkey_import2(x509, &dt, GNUTLS_X509_FMT_PEM, password, 0);
        if (err != GNUTLS_E_SUCCESS) {
                err_der = gnutls_x509_privkey_import2(x509, &dt, GNUTLS_X509_FMT_DER, password, 0);
                if (err_der != GNUTLS_E_SUCCESS) {
                        gnutls_x509_privkey_deinit(x509);
                        /* A wrong password may also surface as a DER error
                         * once decrypted: an encrypted key that does not
                         * load means a wrong or missing password. */
                        if (err == GNUTLS_E_DECRYPTION_FAILED ||
                            err_der == GNUTLS_E_DECRYPTION_FAILED || looks_encrypted(key, key_len))
                                return -EKEYREJECTED;
                        return -EBADMSG;
                }
        }
        /* A flipped byte in a prime still parses: check the key's math. */
        if (gnutls_x509_privkey_verify_params(x509) != GNUTLS_E_SUCCESS) {
                gnutls_x509_privkey_deinit(x509);
                return -EBADMSG;
        }
        try {
                /* Takes ownership of x509. */
                ret = std::make_shared<dht::crypto::PrivateKey>(x509);
                return 0;
        } catch (const std::bad_alloc &) {
                return -ENOMEM;
        } catch (...) {
                return -EBADMSG;
        }
}

/* GnuTLS's parameter check misses damage in some private fields (in d,
 * for instance): prove the key by signing with it. */
bool key_works(const dht::crypto::PrivateKey &k, const dht::crypto::Certificate &c) {
        static const uint8_t probe[] = "peerbook key check";
        auto sig = k.sign(probe, sizeof(probe));
        return c.getPublicKey().checkSignature(probe, sizeof(probe), sig.data(), sig.size());
}

/* Calls `done` exactly once: from OpenDHT's callback, or with false when
 * the last copy of that callback is destroyed unused (the runner dropped
 * the operation at shutdown). */
struct DoneOnce {
        pb_done_cb cb;
        void *userdata;
        std::atomic<bool> fired{ false };

        DoneOnce(pb_done_cb c, void *u) : cb(c), userdata(u) {
        }
        void fire(bool ok) {
                if (!fired.exchange(true) && cb)
                        cb(ok, userdata);
        }
        ~DoneOnce() {
                fire(false);
        }
};

dht::DoneCallbackSimple done_once(pb_done_cb cb, void *userdata) {
        auto once = std::make_shared<DoneOnce>(cb, userdata);
        return [once](bool ok) { once->fire(ok); };
}

/* Parses a DER/PEM public key: -EBADMSG when it is not one. */
int import_pubkey(const uint8_t *der, size_t len, std::shared_ptr<dht::crypto::PublicKey> &ret) {
        try {
                ret = std::make_shared<dht::crypto::PublicKey>(der, len);
                return 0;
        } catch (const std::bad_alloc &) {
                return -ENOMEM;
        } catch (...) {
                return -EBADMSG;
        }
}

/* Calls a pb_cert_cb exactly once: with the result, or -ECANCELED when
 * OpenDHT drops the operation without an answer (shutdown). */
struct CertOnce {
        pb_cert_cb cb;
        void *userdata;
        pb_hash device;
        std::atomic<bool> fired{ false };

        CertOnce(pb_cert_cb c, void *u, const pb_hash *d) : cb(c), userdata(u), device(*d) {
        }
        void fire(int result, const pb_device_cert *cert) {
                if (!fired.exchange(true))
                        cb(result, cert, userdata);
        }
        ~CertOnce() {
                fire(-ECANCELED, nullptr);
        }
};

/* A device certificate is good when it is the one asked for and its issuer,
 * a CA, signed it. */
int check_device_cert(const CertSp &crt, const pb_hash *device, pb_device_cert *out) {
        if (!crt || !crt->cert || !crt->issuer || !crt->issuer->cert)
                return -EBADMSG;
        dht::InfoHash id = crt->getId();
        if (memcmp(id.data(), device->d, PB_HASH_LEN) != 0)
                return -EBADMSG;
        gnutls_x509_crt_t ca = crt->issuer->cert;
        unsigned status = 0;
        if (!crt->issuer->isCA() || gnutls_x509_crt_verify(crt->cert, &ca, 1, 0, &status) < 0 ||
            status != 0)
                return -EBADMSG;
        dht::Blob der;
        crt->getPublicKey().pack(der);
        if (der.size() > sizeof(out->pk))
                return -EBADMSG;
        dht::InfoHash account = crt->issuer->getId();
        memcpy(out->device.d, id.data(), PB_HASH_LEN);
        memcpy(out->account.d, account.data(), PB_HASH_LEN);
        memcpy(out->pk, der.data(), der.size());
        out->pk_len = der.size();
        uint8_t serial[64];
        size_t serial_len = sizeof(serial), skip = 0;
        if (gnutls_x509_crt_get_serial(crt->cert, serial, &serial_len) < 0 || serial_len == 0)
                return -EBADMSG;
        while (serial_len - skip > 1 && serial[skip] == 0)
                skip++;
        if (serial_len - skip > sizeof(out->serial))
                return -EBADMSG;
        out->serial_len = serial_len - skip;
        memcpy(out->serial, serial + skip, out->serial_len);
        gnutls_datum_t issuer;
        if (gnutls_x509_crt_export2(ca, GNUTLS_X509_FMT_DER, &issuer) < 0)
                return -EBADMSG;
        bool fits = issuer.size <= sizeof(out->issuer);
        if (fits) {
                out->issuer_len = issuer.size;
                memcpy(out->issuer, issuer.data, issuer.size);
        }
        gnutls_free(issuer.data);
        return fits ? 0 : -EBADMSG;
}

/* Runs f at the C boundary: no exception crosses it. */
template <typename F> int guarded(F &&f) {
        try {
                return f();
        } catch (const std::bad_alloc &) {
                return -ENOMEM;
        } catch (...) {
                return -EIO;
        }
}

/* DhtRunner::put without re-signing, its done callback called exactly once. */
void runner_put(dht_runner *r, const dht::InfoHash &key, const ValueSp &v, bool permanent,
                pb_done_cb done, void *userdata) {
        reinterpret_cast<dht::DhtRunner *>(r)->put(key, v, done_once(done, userdata),
                                                   dht::time_point::max(), permanent);
}

} /* namespace */

extern "C" {

int pb_identity_generate(const char *name, const pb_identity *issuer, unsigned bits,
                         pb_identity **ret) {
        if (!name || !ret || bits < 2048)
                return -EINVAL;
        try {
                dht::crypto::Identity ca{};
                if (issuer)
                        ca = { key_of(issuer), cert_of(issuer) };
                /* An account is a CA so that device certificates verify. */
                auto cpp = dht::crypto::generateIdentity(name, ca, bits, issuer == nullptr);
                return identity_wrap(cpp, ret);
        } catch (const std::bad_alloc &) {
                return -ENOMEM;
        } catch (...) {
                return -EIO;
        }
}

int pb_identity_load(const uint8_t *key, size_t key_len, const char *password, const uint8_t *cert,
                     size_t cert_len, pb_identity **ret) {
        if (!key || !cert || !ret)
                return -EINVAL;
        if (!key_len || !cert_len)
                return -EBADMSG;
        PrivkeySp k;
        int r = import_key(key, key_len, password && *password ? password : nullptr, k);
        if (r < 0)
                return r;
        try {
                auto c = std::make_shared<dht::crypto::Certificate>(cert, cert_len);
                if (k->getPublicKey().getId() != c->getId())
                        return -EBADMSG;
                if (!key_works(*k, *c))
                        return -EBADMSG;
                return identity_wrap({ k, c }, ret);
        } catch (const std::bad_alloc &) {
                return -ENOMEM;
        } catch (...) {
                return -EBADMSG;
        }
}

int pb_identity_export_cert(const pb_identity *id, uint8_t **ret, size_t *ret_len) {
        if (!id || !ret || !ret_len)
                return -EINVAL;
        try {
                /* With the issuer chain, so a loaded device keeps its account. */
                std::string pem = cert_of(id)->toString(true);
                if (pem.empty())
                        return -EIO;
                return copy_out(pem.data(), pem.size(), ret, ret_len);
        } catch (const std::bad_alloc &) {
                return -ENOMEM;
        } catch (...) {
                return -EIO;
        }
}

int pb_identity_check_issued_by(const pb_identity *id, const pb_identity *issuer) {
        if (!id || !issuer)
                return -EINVAL;
        try {
                gnutls_x509_crt_t ca = cert_of(issuer)->cert;
                gnutls_x509_crt_t crt = cert_of(id)->cert;
                unsigned status = 0;
                if (!ca || !crt)
                        return -EBADMSG;
                /* Checks the issuer name, the CA flag and the signature. */
                if (gnutls_x509_crt_verify(crt, &ca, 1, 0, &status) < 0 || status != 0)
                        return -EBADMSG;
                return 0;
        } catch (...) {
                return -EIO;
        }
}

int pb_value_sign(const pb_identity *signer, uint16_t type, uint64_t value_id, const uint8_t *data,
                  size_t len, uint8_t **ret, size_t *ret_len) {
        if (!signer || (!data && len) || !ret || !ret_len)
                return -EINVAL;
        try {
                dht::Value v(type, data, len, value_id);
                v.sign(*key_of(signer));
                auto packed = v.getPacked();
                return copy_out(packed.data(), packed.size(), ret, ret_len);
        } catch (const std::bad_alloc &) {
                return -ENOMEM;
        } catch (...) {
                return -EIO;
        }
}

int pb_ext_value_new(uint16_t type, uint64_t id, const uint8_t *data, size_t len, dht_value **ret) {
        try {
                auto v = std::make_shared<dht::Value>(type, data, len, id);
                *ret = reinterpret_cast<dht_value *>(new ValueSp(std::move(v)));
                return 0;
        } catch (const std::bad_alloc &) {
                return -ENOMEM;
        } catch (...) {
                return -EIO;
        }
}

int pb_ext_value_unpack(const uint8_t *packed, size_t len, dht_value **ret) {
        if (!packed || !len || !ret)
                return -EINVAL;
        try {
                auto oh = msgpack::unpack(reinterpret_cast<const char *>(packed), len);
                auto v = std::make_shared<dht::Value>(oh.get());
                /* Refuse what storage nodes would drop anyway. */
                if (v->isEncrypted() || !v->checkSignature())
                        return -EBADMSG;
                *ret = reinterpret_cast<dht_value *>(new ValueSp(std::move(v)));
                return 0;
        } catch (const std::bad_alloc &) {
                return -ENOMEM;
        } catch (...) {
                return -EBADMSG;
        }
}

void pb_ext_value_view(const dht_value *cv, struct pb_value_view *view) {
        const auto &v = value_of(cv);
        *view = pb_value_view{};
        view->id = v->id;
        view->type = v->type;
        view->seq = v->seq;
        view->is_signed = v->isSigned();
        if (view->is_signed)
                memcpy(view->owner.d, v->owner->getId().data(), PB_HASH_LEN);
        /* SecureDht hands listeners the decrypted copy, whose only trace of
         * encryption is the recipient (our id) kept from the sealed body. */
        view->is_encrypted = bool(v->recipient);
        view->data = v->data.data();
        view->len = v->data.size();
}

int pb_ext_runner_put(dht_runner *r, const pb_hash *key, const dht_value *v, bool permanent,
                      pb_done_cb done, void *userdata) {
        return guarded([&] {
                runner_put(r, hash_of(key), value_of(v), permanent, done, userdata);
                return 0;
        });
}

int pb_ext_runner_put_encrypted(dht_runner *r, const pb_hash *key, const uint8_t *pubkey,
                                size_t pubkey_len, const dht_value *v, pb_done_cb done,
                                void *userdata) {
        std::shared_ptr<dht::crypto::PublicKey> pk;
        int res = import_pubkey(pubkey, pubkey_len, pk);
        if (res < 0)
                return res;
        return guarded([&] {
                reinterpret_cast<dht::DhtRunner *>(r)->putEncrypted(
                        hash_of(key), pk, value_of(v), done_once(done, userdata), false);
                return 0;
        });
}

int pb_ext_runner_find_device_cert(dht_runner *r, const pb_hash *device, pb_cert_cb cb,
                                   void *userdata) {
        return guarded([&] {
                auto once = std::make_shared<CertOnce>(cb, userdata, device);
                auto runner = reinterpret_cast<dht::DhtRunner *>(r);
                runner->findCertificate(hash_of(device), [once](const CertSp &crt) {
                        pb_device_cert out;
                        int res;
                        try {
                                res = crt ? check_device_cert(crt, &once->device, &out) : -ENOENT;
                        } catch (...) {
                                res = -EBADMSG;
                        }
                        once->fire(res, res == 0 ? &out : nullptr);
                });
                return 0;
        });
}

int pb_ext_runner_put_encrypted_as(dht_runner *r, const pb_hash *key, const pb_identity *signer,
                                   const uint8_t *pubkey, size_t pubkey_len, uint16_t type,
                                   const uint8_t *data, size_t len, pb_done_cb done,
                                   void *userdata) {
        std::shared_ptr<dht::crypto::PublicKey> pk;
        int res = import_pubkey(pubkey, pubkey_len, pk);
        if (res < 0)
                return res;
        return guarded([&] {
                dht::Value v(type, data, len);
                auto enc = std::make_shared<dht::Value>(v.encrypt(*key_of(signer), *pk));
                runner_put(r, hash_of(key), enc, false, done, userdata);
                return 0;
        });
}

int pb_ext_runner_publish_cert(dht_runner *r, const pb_identity *id, pb_done_cb done,
                               void *userdata) {
        return guarded([&] {
                const CertSp &crt = cert_of(id);
                auto v = std::make_shared<dht::Value>(dht::CERTIFICATE_TYPE, *crt);
                runner_put(r, crt->getId(), v, false, done, userdata);
                return 0;
        });
}

int pb_ext_runner_probe(dht_runner *r, const pb_hash *key) {
        return guarded([&] {
                /* Selecting fields keeps the query from being answered out of
                 * the listen's cache (Select::isSatisfiedBy()): it goes out. */
                dht::Query q(dht::Select()
                                     .field(dht::Value::Field::Id)
                                     .field(dht::Value::Field::SeqNum));
                reinterpret_cast<dht::DhtRunner *>(r)->query(
                        hash_of(key),
                        [](const std::vector<std::shared_ptr<dht::FieldValueIndex>> &) {
                                return true;
                        },
                        [](bool, const std::vector<std::shared_ptr<dht::Node>> &) {}, std::move(q));
                return 0;
        });
}

int pb_ext_runner_connectivity_changed(dht_runner *r) {
        return guarded([&] {
                reinterpret_cast<dht::DhtRunner *>(r)->connectivityChanged();
                return 0;
        });
}

int pb_ext_runner_cap_type(dht_runner *r, uint16_t type, size_t max_size) {
        return guarded([&] {
                auto store = [max_size](dht::InfoHash key, const ValueSp &v,
                                        const dht::InfoHash &from, const dht::SockAddr &addr) {
                        return v->size() <= max_size &&
                               dht::ValueType::DEFAULT_STORE_POLICY(key, v, from, addr);
                };
                reinterpret_cast<dht::DhtRunner *>(r)->registerType(
                        dht::ValueType(type, "peerbook capped", std::chrono::minutes(10), store));
                return 0;
        });
}

unsigned pb_ext_runner_good_nodes(dht_runner *r) {
        try {
                auto runner = reinterpret_cast<dht::DhtRunner *>(r);
                if (!runner->isRunning())
                        return 0;
                return runner->getNodesStats(AF_INET).good_nodes +
                       runner->getNodesStats(AF_INET6).good_nodes;
        } catch (...) {
                return 0;
        }
}

size_t pb_ext_runner_good_peers(dht_runner *r, struct sockaddr_storage *out, size_t max) {
        try {
                auto runner = reinterpret_cast<dht::DhtRunner *>(r);
                size_t n = 0;
                if (!runner->isRunning())
                        return 0;
                for (const auto &node : runner->exportNodes()) {
                        if (n == max)
                                break;
                        if (node.sslen == 0 || node.sslen > sizeof(*out))
                                continue;
                        memset(&out[n], 0, sizeof(*out));
                        memcpy(&out[n], &node.ss, node.sslen);
                        n++;
                }
                return n;
        } catch (...) {
                return 0;
        }
}

} /* extern "C" */
