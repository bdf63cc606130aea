#pragma once
// Self-signed certificates made at test time (OpenSSL's C API), for the TLS tests of the HTTP
// client and the SMTP sender: nothing secret is checked in, and each run has a fresh key.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <random>
#include <stdexcept>
#include <string>

namespace hubrules::testing {

struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

namespace detail {
inline void add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) throw std::runtime_error("test certificate: bad extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

inline std::string take_bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return text;
}
}  // namespace detail

// A self-signed CA certificate for `subject_alt_names` ("DNS:localhost,IP:127.0.0.1"), valid
// from an hour ago for a day; trust it by adding cert_pem as an extra CA.
inline TestCert make_test_certificate(const char* common_name, const char* subject_alt_names) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) throw std::runtime_error("test certificate: no key");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), static_cast<long>(std::random_device{}() & 0x7fffffff));
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  detail::add_extension(cert, NID_subject_alt_name, subject_alt_names);
  detail::add_extension(cert, NID_basic_constraints, "critical,CA:TRUE");
  detail::add_extension(cert, NID_key_usage, "critical,digitalSignature,keyCertSign");
  if (X509_sign(cert, key, EVP_sha256()) <= 0) throw std::runtime_error("test certificate: signing failed");
  BIO* cert_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, cert);
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  X509_free(cert);
  EVP_PKEY_free(key);
  return {detail::take_bio_text(cert_bio), detail::take_bio_text(key_bio)};
}

}  // namespace hubrules::testing
