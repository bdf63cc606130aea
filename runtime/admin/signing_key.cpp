#include "runtime/admin/signing_key.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "runtime/base/base64url.hpp"

namespace hubrules::runtime::admin {

namespace {

std::string hmac_sha256(std::string_view key, std::string_view text) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(text.data()),
       text.size(), out, &length);
  return std::string(reinterpret_cast<const char*>(out), length);
}

}  // namespace

std::string random_token(std::size_t count) {
  std::string bytes(count, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1)
    throw std::runtime_error("no random bytes for the admin page");
  return base64url_encode(bytes);
}

bool equal_in_constant_time(std::string_view a, std::string_view b) {
  // Hashing both first hides the length too, and CRYPTO_memcmp needs equal lengths.
  static const std::string key = random_token(32);
  const std::string ha = hmac_sha256(key, a), hb = hmac_sha256(key, b);
  return CRYPTO_memcmp(ha.data(), hb.data(), ha.size()) == 0;
}

SigningKey::SigningKey(std::string_view admin_token) : key_(hmac_sha256(admin_token, "hubrules admin page v1")) {}

std::string SigningKey::sign(std::string_view purpose, std::string_view text) const {
  std::string message(purpose);
  message += '\n';
  message += text;
  return base64url_encode(hmac_sha256(key_, message));
}

bool SigningKey::verify(std::string_view purpose, std::string_view text, std::string_view signature) const {
  return equal_in_constant_time(sign(purpose, text), signature);
}

}  // namespace hubrules::runtime::admin
