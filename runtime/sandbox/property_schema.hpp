#pragma once
// The property schemas the sandbox serves and validates writes against: the bundled
// GET /crm/v3/properties/{object} answers (rules/schema/).
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/sandbox/api_common.hpp"

namespace hubrules::runtime::sandbox {

struct PropertySpec {
  std::string name;
  std::string type;  // string, number, enumeration, date, datetime, bool, phone_number
  std::string field_type;
  std::string group;
  bool read_only = false;
  std::set<std::string, std::less<>> options;  // enumeration values; empty = any
  std::string json;                            // the definition as GET answers it
};

class PropertySchema {
 public:
  // object: "contacts" or "companies"; json: the GET /crm/v3/properties/{object} answer.
  PropertySchema(std::string object, std::string json);

  // {"results":[…]}: the bundled properties, then the custom ones in the order they were added.
  std::string json() const;
  std::string groups_json() const;
  const PropertySpec* find(std::string_view name) const;
  bool has_group(std::string_view name) const;
  // A custom property: its definition as GET answers it. The caller has validated it.
  void add(const std::string& definition);

  // The first problem with writing value to name, in HubSpot's codes (HUBSPOT-API.md,
  // Properties): PROPERTY_DOESNT_EXIST, INVALID_INTEGER, INVALID_OPTION, READ_ONLY_VALUE, …
  std::optional<ErrorDetail> check(std::string_view name, std::string_view value) const;

 private:
  void insert(simdjson::dom::element definition);

  std::string object_;
  std::map<std::string, PropertySpec, std::less<>> properties_;
  std::vector<std::string> order_;  // names, as served
  std::vector<std::string> group_order_;
};

}  // namespace hubrules::runtime::sandbox
