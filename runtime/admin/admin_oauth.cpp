#include "runtime/admin/admin_oauth.hpp"

#include <charconv>

#include "runtime/auth/connect.hpp"
#include "runtime/auth/pkce.hpp"
#include "runtime/base/base64url.hpp"
#include "runtime/base/split.hpp"

namespace hubrules::runtime::admin {

namespace {

std::int64_t unix_seconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

// state: <nonce>.<expires unix s>.<intended connection, base64url>.<signature>
std::string AdminOAuth::authorize_url(const std::string& authorize_base, const std::string& client_id,
                                      const std::string& scopes, const std::string& redirect_uri,
                                      const std::string& intended_connection) const {
  const auto expires = unix_seconds(clock_.now() + kStateLifetime);
  const std::string text = random_token(12) + "." + std::to_string(expires) + "." + base64url_encode(intended_connection);
  const std::string state = text + "." + key_.sign("oauth-state", text);
  return auth::build_authorize_url(authorize_base, client_id, scopes, redirect_uri, state,
                                   auth::code_challenge_s256(verifier_for(state)));
}

std::optional<std::string> AdminOAuth::check_state(const std::string& state) const {
  const auto last_dot = state.rfind('.');
  if (last_dot == std::string::npos) return std::nullopt;
  const std::string text = state.substr(0, last_dot);
  if (!key_.verify("oauth-state", text, std::string_view(state).substr(last_dot + 1))) return std::nullopt;
  const auto first = text.find('.'), second = text.find('.', first + 1);
  if (first == std::string::npos || second == std::string::npos) return std::nullopt;
  std::int64_t expires = 0;
  const auto number = std::string_view(text).substr(first + 1, second - first - 1);
  if (std::from_chars(number.data(), number.data() + number.size(), expires).ec != std::errc()) return std::nullopt;
  if (unix_seconds(clock_.now()) > expires) return std::nullopt;
  return base64url_decode(std::string_view(text).substr(second + 1)).value_or("");
}

// 43 base64url characters: a valid PKCE verifier (RFC 7636: 43 to 128 unreserved characters).
std::string AdminOAuth::verifier_for(const std::string& state) const { return key_.sign("pkce", state); }

}  // namespace hubrules::runtime::admin
