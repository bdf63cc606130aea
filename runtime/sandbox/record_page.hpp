#pragma once
// The sandbox's stand-in for HubSpot's record pages (app.hubspot.com/contacts/{portal}/record/
// {0-1|0-2}/{id}): the admin page links a booking's HubSpot ids there, and against the sandbox
// those links must open something a person can read.
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/sandbox/sandbox_store.hpp"

namespace hubrules::runtime::sandbox {

// object_type_id: "0-1" contacts, "0-2" companies. associated: the other side's ids.
std::string render_record_page(const Record& record, std::int64_t hub_id, const std::vector<std::int64_t>& associated);

}  // namespace hubrules::runtime::sandbox
