#include "runtime/http/http_types.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "engine/text/ascii_case.hpp"

namespace hubrules::runtime::http {

namespace {

[[noreturn]] void bad_url(std::string_view url, const char* why) {
  throw std::invalid_argument("bad base URL '" + std::string(url) + "': " + why);
}

std::uint16_t parse_port(std::string_view url, std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value == 0 || value > 65535) {
    bad_url(url, "port must be 1-65535");
  }
  return static_cast<std::uint16_t>(value);
}

// Splits "host[:port]" or "[v6]:port" into the URL's host and port.
void parse_authority(std::string_view url, std::string_view authority, BaseUrl& out) {
  if (authority.empty()) bad_url(url, "no host");
  if (authority.find('@') != std::string_view::npos) bad_url(url, "credentials in the URL are not supported");
  std::string_view port_text;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) bad_url(url, "unclosed IPv6 literal");
    out.host = std::string(authority.substr(1, close - 1));
    auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') bad_url(url, "junk after IPv6 literal");
      port_text = rest.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    out.host = text::lower_ascii(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) bad_url(url, "no host");
  out.port = port_text.empty() ? (out.tls() ? 443 : 80) : parse_port(url, port_text);
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (text::equals_ignore_ascii_case(key, name)) return value;
  }
  return std::nullopt;
}

BaseUrl BaseUrl::parse(std::string_view url) {
  BaseUrl out;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) bad_url(url, "expected scheme://host");
  out.scheme = text::lower_ascii(url.substr(0, scheme_end));
  if (out.scheme != "http" && out.scheme != "https") bad_url(url, "scheme must be http or https");
  auto rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) bad_url(url, "query or fragment not allowed");
  auto slash = rest.find('/');
  parse_authority(url, rest.substr(0, slash), out);
  if (slash != std::string_view::npos) out.prefix = std::string(rest.substr(slash));
  while (!out.prefix.empty() && out.prefix.back() == '/') out.prefix.pop_back();
  return out;
}

}  // namespace hubrules::runtime::http
