#pragma once
// A CRM record as HubSpot renders it: {"id","properties",createdAt,updatedAt,archived}, with
// the computed properties (hs_object_id, createdate, last-modified) filled in.
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/json_out.hpp"
#include "runtime/sandbox/sandbox_store.hpp"

namespace hubrules::runtime::sandbox {

// A property's value including the computed ones; dates as ISO text, or as epoch milliseconds
// when for_filter (HubSpot filters dates by milliseconds).
std::optional<std::string> property_value(const Record& r, std::string_view name, bool for_filter = false);

// hs_object_id and the dates: computed from the record, never among its stored properties.
bool is_computed_property(std::string_view object, std::string_view name);

// HubSpot's default properties when a read names none.
std::vector<std::string> default_properties(std::string_view object);

// wanted: the properties to show, each shown as null when unset; nullopt shows every set
// property plus the computed ones (what create and update answer). history: the properties asked
// for as propertiesWithHistory; the sandbox keeps no older values, so each history is the current
// value stamped with the record's last update.
void write_record(JsonOut& j, const Record& r, const std::optional<std::vector<std::string>>& wanted,
                  const std::vector<std::string>& history = {});

// The "properties" array of a read request, or the defaults.
std::vector<std::string> requested_properties(std::string_view object, const std::vector<std::string>& asked);

}  // namespace hubrules::runtime::sandbox
