#pragma once
// The two HubSpot object types hubrules writes. Shared by the state store (intents, records
// created here), the HubSpot calls and the pipeline.
#include <string_view>

namespace hubrules::runtime {

enum class ObjectType { contact, company };

inline std::string_view to_string(ObjectType type) { return type == ObjectType::contact ? "contact" : "company"; }

}  // namespace hubrules::runtime
