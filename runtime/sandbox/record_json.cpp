#include "runtime/sandbox/record_json.hpp"

#include <algorithm>

#include "runtime/sandbox/api_common.hpp"

namespace hubrules::runtime::sandbox {

namespace {
std::string_view modified_name(std::string_view object) {
  return object == "contacts" ? "lastmodifieddate" : "hs_lastmodifieddate";
}
}  // namespace

std::optional<std::string> property_value(const Record& r, std::string_view name, bool for_filter) {
  if (name == "hs_object_id") return std::to_string(r.id);
  if (name == "createdate") return for_filter ? std::to_string(r.created_ms) : iso_time(r.created_ms);
  if (name == modified_name(r.object)) return for_filter ? std::to_string(r.updated_ms) : iso_time(r.updated_ms);
  const auto it = r.properties.find(name);
  if (it == r.properties.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

bool is_computed_property(std::string_view object, std::string_view name) {
  return name == "hs_object_id" || name == "createdate" || name == modified_name(object);
}

std::vector<std::string> default_properties(std::string_view object) {
  if (object == "contacts") return {"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"};
  return {"createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"};
}

std::vector<std::string> requested_properties(std::string_view object, const std::vector<std::string>& asked) {
  if (asked.empty()) return default_properties(object);
  std::vector<std::string> out = asked;
  for (const char* always : {"createdate", "hs_object_id"}) out.emplace_back(always);
  out.emplace_back(modified_name(object));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {
void write_history(JsonOut& j, const Record& r, const std::vector<std::string>& history) {
  j.key("propertiesWithHistory").begin_object();
  for (const auto& name : history) {
    j.key(name).begin_array();
    if (const auto v = property_value(r, name))
      j.begin_object().field("value", *v).field("timestamp", iso_time(r.updated_ms)).field("sourceType", "API").end_object();
    j.end_array();
  }
  j.end_object();
}
}  // namespace

void write_record(JsonOut& j, const Record& r, const std::optional<std::vector<std::string>>& wanted,
                  const std::vector<std::string>& history) {
  j.begin_object().field("id", std::to_string(r.id)).key("properties").begin_object();
  if (wanted) {
    for (const auto& name : *wanted) {
      const auto v = property_value(r, name);
      if (v) j.field(name, *v);
      else j.key(name).null();
    }
  } else {
    Properties all = r.properties;
    for (const char* computed : {"hs_object_id", "createdate"}) all[computed] = *property_value(r, computed);
    all[std::string(modified_name(r.object))] = iso_time(r.updated_ms);
    for (const auto& [k, v] : all) j.field(k, v);
  }
  j.end_object();
  if (!history.empty()) write_history(j, r, history);
  j.field("createdAt", iso_time(r.created_ms)).field("updatedAt", iso_time(r.updated_ms)).field("archived", r.archived);
  j.end_object();
}

}  // namespace hubrules::runtime::sandbox
