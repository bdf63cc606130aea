#include "runtime/serve/secret_check.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace hubrules::runtime::serve {

SecretCheck::SecretCheck(std::vector<std::string> accepted) : key_(32, '\0') {
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key_.data()), static_cast<int>(key_.size())) != 1)
    throw std::runtime_error("no random bytes for the secret check");
  for (const auto& secret : accepted)
    if (!secret.empty()) digests_.push_back(digest(secret));
}

std::string SecretCheck::digest(std::string_view text) const {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const unsigned char*>(text.data()),
       text.size(), out, &length);
  return std::string(reinterpret_cast<const char*>(out), length);
}

bool SecretCheck::accepts(std::string_view presented) const {
  const std::string mine = digest(presented);
  bool match = false;
  for (const auto& d : digests_) match |= CRYPTO_memcmp(d.data(), mine.data(), mine.size()) == 0;
  return match;
}

}  // namespace hubrules::runtime::serve
