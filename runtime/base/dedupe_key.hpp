#pragma once
// A record's dedupe key: the property and its value, lowercased (HubSpot's search wants lowercase
// values for IN, and compares EQ without case). Shared by the pipeline and the state store.
#include <compare>
#include <string>

namespace hubrules::runtime {

struct DedupeKey {
  std::string property;  // e.g. "email", "domain", "name"
  std::string value;
  friend bool operator==(const DedupeKey&, const DedupeKey&) = default;
  friend auto operator<=>(const DedupeKey&, const DedupeKey&) = default;
};

}  // namespace hubrules::runtime
