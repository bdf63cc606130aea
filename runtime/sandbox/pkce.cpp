#include "runtime/sandbox/pkce.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>

namespace hubrules::runtime::sandbox {

namespace {

// RFC 4648 §5: '-' and '_' instead of '+' and '/', and RFC 7636 drops the '=' padding.
std::string base64url(const unsigned char* data, std::size_t size) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  for (std::size_t i = 0; i < size; i += 3) {
    const std::size_t n = std::min<std::size_t>(3, size - i);
    unsigned chunk = static_cast<unsigned>(data[i]) << 16;
    if (n > 1) chunk |= static_cast<unsigned>(data[i + 1]) << 8;
    if (n > 2) chunk |= data[i + 2];
    for (std::size_t k = 0; k <= n; ++k) out += alphabet[(chunk >> (18 - 6 * k)) & 63];
  }
  return out;
}

}  // namespace

std::string s256_challenge(std::string_view verifier) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(verifier.data(), verifier.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  return base64url(digest, length);
}

}  // namespace hubrules::runtime::sandbox
