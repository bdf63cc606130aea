#pragma once
// The page's one secret key, derived from the admin token: it signs session cookies, CSRF tokens
// and OAuth states, so nothing about a signed-in administrator is stored, and every worker that
// shares the admin token accepts what another one signed. Changing the token signs everyone out.
#include <string>
#include <string_view>

namespace hubrules::runtime::admin {

class SigningKey {
 public:
  explicit SigningKey(std::string_view admin_token);

  // HMAC-SHA256 of `purpose` and `text`, base64url without padding. A purpose keeps a value
  // signed for one use (a CSRF token) from passing as another (a session).
  std::string sign(std::string_view purpose, std::string_view text) const;
  // Constant time: how much of a forged signature matched does not show.
  bool verify(std::string_view purpose, std::string_view text, std::string_view signature) const;

 private:
  std::string key_;
};

// `count` random bytes, base64url without padding.
std::string random_token(std::size_t count = 24);
bool equal_in_constant_time(std::string_view a, std::string_view b);

}  // namespace hubrules::runtime::admin
