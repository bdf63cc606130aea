// GET and POST /crm/v3/properties/{object}[/{propertyName}] (HUBSPOT-API.md, Properties): the
// bundled definitions plus the portal's custom properties, which records may then carry.
#include <algorithm>
#include <array>

#include "runtime/sandbox/api_context.hpp"

namespace hubrules::runtime::sandbox {

namespace {

namespace dom = simdjson::dom;

// HUBSPOT-API.md, Properties: the types and field types HubSpot knows.
constexpr std::array<std::string_view, 7> property_types = {"string", "number", "enumeration", "date",
                                                            "datetime", "bool", "phone_number"};
constexpr std::array<std::string_view, 12> field_types = {"text",     "textarea", "number",   "phonenumber",
                                                          "select",   "radio",    "checkbox", "booleancheckbox",
                                                          "date",     "file",     "html",     "calculation_equation"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& known, std::string_view value) {
  return std::find(known.begin(), known.end(), value) != known.end();
}

// Internal names are what records and rules use: lowercase letters, digits and underscores,
// starting with a letter.
bool valid_name(std::string_view name) {
  const auto allowed = [](char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'; };
  return !name.empty() && name[0] >= 'a' && name[0] <= 'z' && std::all_of(name.begin(), name.end(), allowed);
}

ApiResponse invalid(const std::string& message) { return error_response(400, "VALIDATION_ERROR", message); }

// The first reason the definition cannot be created; nullopt when it can.
std::optional<ApiResponse> check_definition(const PropertySchema& schema, dom::element doc) {
  for (const char* required : {"name", "label", "type", "fieldType", "groupName"})
    if (string_field(doc, required).value_or("").empty())
      return invalid(std::string("Property ") + required + " is required");
  const std::string_view name = *string_field(doc, "name");
  if (!valid_name(name))
    return invalid("Property name " + std::string(name) +
                   " is invalid: use lowercase letters, digits and underscores, starting with a letter");
  if (!one_of(property_types, *string_field(doc, "type")))
    return invalid("Property type " + std::string(*string_field(doc, "type")) + " is not a valid type");
  if (!one_of(field_types, *string_field(doc, "fieldType")))
    return invalid("Property fieldType " + std::string(*string_field(doc, "fieldType")) + " is not a valid field type");
  if (!schema.has_group(*string_field(doc, "groupName")))
    return invalid("Property group " + std::string(*string_field(doc, "groupName")) + " does not exist");
  if (schema.find(name)) return error_response(409, "OBJECT_ALREADY_EXISTS", "Property already exists");
  return std::nullopt;
}

bool bool_or(dom::element doc, std::string_view key, bool fallback) {
  bool v = fallback;
  return doc[key].get_bool().get(v) == simdjson::SUCCESS ? v : fallback;
}

void write_options(JsonOut& j, dom::element doc) {
  j.key("options").begin_array();
  dom::array options;
  std::int64_t order = 0;
  if (doc["options"].get_array().get(options) == simdjson::SUCCESS)
    for (auto o : options) {
      j.begin_object().field("label", string_field(o, "label").value_or(""));
      j.field("value", string_field(o, "value").value_or(""));
      j.field("description", string_field(o, "description").value_or(""));
      std::int64_t display = order;
      if (o["displayOrder"].get_int64().get(display) != simdjson::SUCCESS) display = order;
      j.field("displayOrder", display).field("hidden", bool_or(o, "hidden", false)).end_object();
      ++order;
    }
  j.end_array();
}

// The definition as HubSpot answers a created property: not hubspotDefined, editable, archivable.
std::string definition_json(dom::element doc, std::int64_t now_ms) {
  JsonOut j;
  j.begin_object().field("updatedAt", iso_time(now_ms)).field("createdAt", iso_time(now_ms));
  j.field("name", *string_field(doc, "name")).field("label", *string_field(doc, "label"));
  j.field("type", *string_field(doc, "type")).field("fieldType", *string_field(doc, "fieldType"));
  j.field("description", string_field(doc, "description").value_or(""));
  j.field("groupName", *string_field(doc, "groupName"));
  write_options(j, doc);
  std::int64_t display = -1;
  if (doc["displayOrder"].get_int64().get(display) != simdjson::SUCCESS) display = -1;
  j.field("displayOrder", display).field("calculated", false).field("externalOptions", false);
  j.field("hasUniqueValue", bool_or(doc, "hasUniqueValue", false)).field("hidden", bool_or(doc, "hidden", false));
  j.field("hubspotDefined", false);
  j.key("modificationMetadata").begin_object().field("archivable", true).field("readOnlyDefinition", false);
  j.field("readOnlyValue", false).end_object();
  j.field("formField", bool_or(doc, "formField", false)).field("archived", false).end_object();
  return j.take();
}

}  // namespace

ApiResponse list_properties(ApiContext& c, std::string_view object) {
  return json_response(200, c.schema(object).json());
}

ApiResponse get_property(ApiContext& c, std::string_view object, std::string_view name) {
  const PropertySpec* p = c.schema(object).find(name);
  if (!p) return error_response(404, "OBJECT_NOT_FOUND", "Unable to find property " + std::string(name));
  return json_response(200, p->json);
}

ApiResponse create_property(ApiContext& c, std::string_view object, const std::string& body) {
  dom::parser parser;
  const auto doc = parse_body(parser, body);
  if (!doc) return invalid("Invalid input JSON: expected a property definition");
  PropertySchema& schema = c.schema(object);
  if (auto refused = check_definition(schema, *doc)) return std::move(*refused);
  std::string definition = definition_json(*doc, c.now_ms());
  Store::Transaction tx(c.store);
  c.store.save_property(object, *string_field(*doc, "name"), definition);
  tx.commit();
  schema.add(definition);
  return json_response(201, std::move(definition));
}

}  // namespace hubrules::runtime::sandbox
