#pragma once
// application/x-www-form-urlencoded, both ways: the OAuth token endpoint's bodies, the authorize
// URL's query and the loopback redirect's query all use it, on the client and in the sandbox.
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hubrules::runtime::http {

// Percent-encodes everything but RFC 3986's unreserved characters, so a secret containing '&',
// '=', '+' or spaces survives the trip.
std::string form_url_encode(std::string_view text);
// '+' is a space; a malformed escape is kept as written.
std::string form_url_decode(std::string_view text);
// A URL path's %XX escapes (RFC 3986): '+' stays '+', as only forms make it a space.
std::string percent_decode(std::string_view text);
// name=value pairs joined by '&', in the order given.
std::string form_body(const std::vector<std::pair<std::string, std::string>>& fields);
// "a=1&b=2" (no leading '?'); a repeated name keeps its first value.
std::map<std::string, std::string> parse_form(std::string_view text);
// Every name=value pair in order, repeated names included ("properties=a&properties=b").
std::vector<std::pair<std::string, std::string>> parse_form_fields(std::string_view text);

}  // namespace hubrules::runtime::http
