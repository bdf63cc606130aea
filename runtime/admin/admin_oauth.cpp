#include "runtime/admin/admin_oauth.hpp"

#include <charconv>

#include "runtime/auth/connect.hpp"
#include "runtime/auth/pkce.hpp"
#include "runtime/base/split.hpp"

namespace hubrules::runtime::admin {

namespace {

std::int64_t unix_seconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string from_base64url(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-') v = 62;
    else if (c == '_') v = 63;
    if (v < 0) return {};
    buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

}  // namespace

// state: <nonce>.<expires unix s>.<intended connection, base64url>.<signature>
std::string AdminOAuth::authorize_url(const std::string& authorize_base, const std::string& client_id,
                                      const std::string& scopes, const std::string& redirect_uri,
                                      const std::string& intended_connection) const {
  const auto expires = unix_seconds(clock_.now() + kStateLifetime);
  const std::string text = random_token(12) + "." + std::to_string(expires) + "." + base64url(intended_connection);
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
  return from_base64url(std::string_view(text).substr(second + 1));
}

// 43 base64url characters: a valid PKCE verifier (RFC 7636: 43 to 128 unreserved characters).
std::string AdminOAuth::verifier_for(const std::string& state) const { return key_.sign("pkce", state); }

}  // namespace hubrules::runtime::admin
