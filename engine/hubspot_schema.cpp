#include "engine/hubspot_schema.hpp"

#include <simdjson.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "rules/bundled_data.hpp"

namespace hubrules::engine {

const PropertyDefinition* ObjectSchema::find(std::string_view name) const {
  const auto it = properties.find(name);
  return it == properties.end() ? nullptr : &it->second;
}

const ObjectSchema* HubSpotSchema::object(std::string_view name) const {
  if (name == "contacts") return &contacts;
  if (name == "companies") return &companies;
  return nullptr;
}

namespace {
std::string string_field(simdjson::dom::object o, std::string_view key) {
  std::string_view v;
  return o[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}

bool bool_field(simdjson::dom::object e, std::string_view key) {
  bool v = false;
  return e[key].get(v) == simdjson::SUCCESS && v;
}

PropertyDefinition property_from(simdjson::dom::object o) {
  PropertyDefinition p;
  p.name = string_field(o, "name");
  p.label = string_field(o, "label");
  p.type = string_field(o, "type");
  p.field_type = string_field(o, "fieldType");
  p.group = string_field(o, "groupName");
  p.calculated = bool_field(o, "calculated");
  p.hidden = bool_field(o, "hidden");
  p.unique = bool_field(o, "hasUniqueValue");
  simdjson::dom::object meta;
  if (o["modificationMetadata"].get(meta) == simdjson::SUCCESS) p.read_only = bool_field(meta, "readOnlyValue");
  return p;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

ObjectSchema HubSpotSchema::parse_object(std::string_view object, std::string_view json, const std::string& origin) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(json.data(), json.size()).get(doc))
    throw std::runtime_error(origin + ": not valid JSON (" + simdjson::error_message(err) + ")");
  simdjson::dom::array results;
  if (doc["results"].get(results))
    throw std::runtime_error(origin + ": expected {\"results\":[…]} as GET /crm/v3/properties/" + std::string(object) +
                             " returns it");
  ObjectSchema schema{std::string(object), {}, {}};
  for (simdjson::dom::element e : results) {
    simdjson::dom::object o;
    if (e.get(o)) throw std::runtime_error(origin + ": a property is not a JSON object");
    PropertyDefinition p = property_from(o);
    if (p.name.empty()) throw std::runtime_error(origin + ": a property has no \"name\"");
    schema.properties.emplace(p.name, std::move(p));
  }
  return schema;
}

const HubSpotSchema& HubSpotSchema::bundled() {
  static const HubSpotSchema schema{
      parse_object("contacts", rules::bundled_schema("contacts"), "bundled rules/schema/contacts.json"),
      parse_object("companies", rules::bundled_schema("companies"), "bundled rules/schema/companies.json")};
  return schema;
}

HubSpotSchema HubSpotSchema::from_directory(const std::string& dir) {
  const std::string contacts = dir + "/contacts.json", companies = dir + "/companies.json";
  return {parse_object("contacts", read_file(contacts), contacts),
          parse_object("companies", read_file(companies), companies)};
}

}  // namespace hubrules::engine
