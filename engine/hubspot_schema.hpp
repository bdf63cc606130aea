#pragma once
// The HubSpot property schema the checker holds rule files against: the JSON of
// GET /crm/v3/properties/{object}, bundled (rules/schema/) or exported from a portal.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hubrules::engine {

struct PropertyDefinition {
  std::string name;
  std::string label;
  std::string type;        // string, number, enumeration, date, datetime, bool, phone_number
  std::string field_type;  // text, textarea, number, phonenumber, select, …
  std::string group;
  bool calculated = false;
  bool read_only = false;  // modificationMetadata.readOnlyValue
  bool hidden = false;
  bool unique = false;
};

struct ObjectSchema {
  std::string object;  // "contacts" or "companies"
  // Where the properties come from, for the help of an unknown property; empty: the bundled
  // schema or --schema DIR.
  std::string origin;
  std::map<std::string, PropertyDefinition, std::less<>> properties;

  const PropertyDefinition* find(std::string_view name) const;
};

struct HubSpotSchema {
  ObjectSchema contacts;
  ObjectSchema companies;

  const ObjectSchema* object(std::string_view name) const;

  // The schema compiled into the binary from rules/schema/.
  static const HubSpotSchema& bundled();
  // Reads DIR/contacts.json and DIR/companies.json; throws std::runtime_error naming the file
  // and the problem.
  static HubSpotSchema from_directory(const std::string& dir);
  // Parses one GET /crm/v3/properties/{object} answer; throws std::runtime_error.
  static ObjectSchema parse_object(std::string_view object, std::string_view json, const std::string& origin);
};

}  // namespace hubrules::engine
