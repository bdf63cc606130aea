#include "runtime/http/redact.hpp"

#include <algorithm>
#include <cctype>
#include <regex>

#include "engine/text/ascii_case.hpp"

namespace hubrules::runtime::http {

namespace {

using std::regex_constants::icase;
using std::regex_constants::ECMAScript;

// OAuth secrets as HubSpot names them (HUBSPOT-API.md "Auth": the token endpoint's form fields
// and answer, and the v3 revoke endpoint's `token`).
const std::regex& form_secrets() {
  static const std::regex re(R"(((?:^|[?&;\s])(?:access_token|refresh_token|client_secret|code|token)=)[^&\s#"']*)",
                             ECMAScript | icase);
  return re;
}

const std::regex& json_secrets() {
  static const std::regex re(R"re(("(?:access_token|refresh_token|client_secret|token)"\s*:\s*")(?:[^"\\]|\\.)*")re",
                             ECMAScript | icase);
  return re;
}

const std::regex& json_code() {
  static const std::regex re(R"re(("code"\s*:\s*")((?:[^"\\]|\\.)*)")re", ECMAScript | icase);
  return re;
}

// HUBSPOT-API.md "Auth": DELETE /oauth/v1/refresh-tokens/{token} carries the token in the path.
const std::regex& path_secrets() {
  static const std::regex re(R"((/(?:refresh-tokens|access-tokens)/)[^/?#\s"']+)", ECMAScript | icase);
  return re;
}

const std::regex& bearer() {
  static const std::regex re(R"((Bearer\s+)[^\s",;']+)", ECMAScript | icase);
  return re;
}

const std::regex& private_app_token() {
  static const std::regex re(R"(\bpat-[A-Za-z0-9]+-[A-Za-z0-9-]+)", ECMAScript);
  return re;
}

// HubSpot's error bodies use "code" for machine-readable error codes (PROPERTY_DOESNT_EXIST,
// INVALID_OPTION…) that the pipeline's failure reasons need; an OAuth authorization code is
// never an UPPER_SNAKE word, so only those are kept.
bool is_error_code(std::string_view value) {
  return !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string redact_json_codes(const std::string& text) {
  std::string out;
  auto last = text.cbegin();
  for (std::sregex_iterator it(text.begin(), text.end(), json_code()), end; it != end; ++it) {
    const auto& m = *it;
    out.append(last, m[0].first);
    out.append(m[1].first, m[1].second);
    out += is_error_code(m[2].str()) ? m[2].str() : std::string(kRedacted);
    out += '"';
    last = m[0].second;
  }
  out.append(last, text.cend());
  return out;
}

}  // namespace

std::string redact(std::string_view text) {
  const std::string replacement = "$1" + std::string(kRedacted);
  std::string out(text);
  out = std::regex_replace(out, bearer(), replacement);
  out = std::regex_replace(out, private_app_token(), std::string(kRedacted));
  out = std::regex_replace(out, path_secrets(), replacement);
  out = std::regex_replace(out, form_secrets(), replacement);
  out = std::regex_replace(out, json_secrets(), replacement + "\"");
  return redact_json_codes(out);
}

std::string redact_header_value(std::string_view name, std::string_view value) {
  const std::string lowered = text::lower_ascii(name);
  if (lowered == "authorization" || lowered == "proxy-authorization" || lowered == "cookie" ||
      lowered == "set-cookie") {
    return std::string(kRedacted);
  }
  return redact(value);
}

Headers redact_headers(const Headers& headers) {
  Headers out;
  out.reserve(headers.size());
  for (const auto& [name, value] : headers) out.emplace_back(name, redact_header_value(name, value));
  return out;
}

}  // namespace hubrules::runtime::http
