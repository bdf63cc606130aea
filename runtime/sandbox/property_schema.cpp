#include "runtime/sandbox/property_schema.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace hubrules::runtime::sandbox {

namespace {

PropertySpec parse_spec(simdjson::dom::element p) {
  PropertySpec s;
  s.name = std::string(string_field(p, "name").value_or(""));
  s.type = std::string(string_field(p, "type").value_or("string"));
  s.field_type = std::string(string_field(p, "fieldType").value_or("text"));
  s.group = std::string(string_field(p, "groupName").value_or(""));
  bool ro = false;
  if (p["modificationMetadata"]["readOnlyValue"].get_bool().get(ro) == simdjson::SUCCESS) s.read_only = ro;
  bool calculated = false;
  if (p["calculated"].get_bool().get(calculated) == simdjson::SUCCESS && calculated) s.read_only = true;
  simdjson::dom::array options;
  if (p["options"].get_array().get(options) == simdjson::SUCCESS)
    for (auto o : options)
      if (auto v = string_field(o, "value")) s.options.emplace(*v);
  return s;
}

bool is_number(std::string_view v) {
  double d = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), d);
  return !v.empty() && r.ec == std::errc{} && r.ptr == v.data() + v.size();
}

std::string group_label(const std::string& name) {
  static const std::map<std::string, std::string, std::less<>> labels = {
      {"contactinformation", "Contact information"}, {"companyinformation", "Company information"},
      {"socialmediainformation", "Social media information"}, {"analyticsinformation", "Web analytics history"},
      {"conversioninformation", "Conversion information"}, {"emailinformation", "Email information"},
      {"sales_properties", "Sales properties"}, {"contact_activity", "Contact activity"},
      {"company_activity", "Company activity"}, {"deal_information", "Deal information"}};
  const auto it = labels.find(name);
  return it == labels.end() ? name : it->second;
}

ErrorDetail detail(std::string message, std::string code, std::string_view property) {
  return {std::move(message), std::move(code), "propertyName", std::string(property)};
}

std::optional<ErrorDetail> check_option(const PropertySpec& p, std::string_view value) {
  // Checkbox enumerations hold several options separated by ';'.
  std::size_t start = 0;
  while (start <= value.size()) {
    const std::size_t end = p.field_type == "checkbox" ? std::min(value.find(';', start), value.size()) : value.size();
    const std::string_view one = value.substr(start, end - start);
    if (!p.options.count(one))
      return detail(std::string(one) + " was not one of the allowed options: " + std::to_string(p.options.size()) +
                        " options for " + p.name,
                    "INVALID_OPTION", p.name);
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace

PropertySchema::PropertySchema(std::string object, std::string json) : object_(std::move(object)) {
  simdjson::dom::parser parser;
  simdjson::dom::array results;
  if (parser.parse(json).get_object()["results"].get_array().get(results) != simdjson::SUCCESS)
    throw std::runtime_error("sandbox: the " + object_ + " schema is not a properties answer");
  for (auto p : results) insert(p);
}

void PropertySchema::insert(simdjson::dom::element definition) {
  PropertySpec s = parse_spec(definition);
  s.json = simdjson::minify(definition);
  if (std::find(group_order_.begin(), group_order_.end(), s.group) == group_order_.end()) group_order_.push_back(s.group);
  if (!properties_.count(s.name)) order_.push_back(s.name);
  properties_.insert_or_assign(s.name, std::move(s));
}

void PropertySchema::add(const std::string& definition) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  if (parser.parse(definition).get(e) != simdjson::SUCCESS || !e.is_object())
    throw std::invalid_argument("sandbox: a property definition must be a JSON object");
  insert(e);
}

std::string PropertySchema::json() const {
  std::string out = R"({"results":[)";
  for (const auto& name : order_) out += properties_.at(name).json + ",";
  if (!order_.empty()) out.pop_back();
  return out + "]}";
}

bool PropertySchema::has_group(std::string_view name) const {
  return std::find(group_order_.begin(), group_order_.end(), name) != group_order_.end();
}

const PropertySpec* PropertySchema::find(std::string_view name) const {
  const auto it = properties_.find(name);
  return it == properties_.end() ? nullptr : &it->second;
}

std::string PropertySchema::groups_json() const {
  JsonOut j;
  j.begin_object().key("results").begin_array();
  int order = 0;
  for (const auto& g : group_order_)
    j.begin_object().field("name", g).field("label", group_label(g)).field("displayOrder", order++).field("archived", false).end_object();
  j.end_array().end_object();
  return j.take();
}

std::optional<ErrorDetail> PropertySchema::check(std::string_view name, std::string_view value) const {
  const PropertySpec* p = find(name);
  if (!p) return detail("Property \"" + std::string(name) + "\" does not exist", "PROPERTY_DOESNT_EXIST", name);
  if (p->read_only)
    return detail(std::string(name) + " is a read only property; its value cannot be set.", "READ_ONLY_VALUE", name);
  // An empty string clears the property whatever its type (HUBSPOT-API.md, Records).
  if (value.empty()) return std::nullopt;
  if (p->type == "number" && !is_number(value))
    return detail(std::string(value) + " was not a valid number.", "INVALID_INTEGER", name);
  if (p->type == "bool" && value != "true" && value != "false")
    return detail(std::string(value) + " was not a valid boolean.", "INVALID_BOOLEAN", name);
  if (p->type == "enumeration" && !p->options.empty()) return check_option(*p, value);
  if (name == "email" && object_ == "contacts" && value.find('@') == std::string_view::npos)
    return detail("Email address " + std::string(value) + " is invalid", "INVALID_EMAIL", name);
  return std::nullopt;
}

}  // namespace hubrules::runtime::sandbox
