#pragma once
// Reading a string field of a HubSpot answer parsed with simdjson's DOM. HubSpot says to treat
// every field as optional (HUBSPOT-API.md, Errors): a missing or non-string field reads as "".
#include <simdjson.h>

#include <string_view>

namespace hubrules::runtime {

inline std::string_view string_or_empty(simdjson::dom::element e, std::string_view key) {
  std::string_view v;
  if (e[key].get_string().get(v) != simdjson::SUCCESS) return {};
  return v;
}

}  // namespace hubrules::runtime
