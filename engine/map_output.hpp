#pragma once
// The JSON line `hubrules map` prints for each booking:
// {"line":N,"booking":"id"|null,"contacts":{"properties":{…}}|null,"companies":…,"associate":bool}
// or {"line":N,"booking":…,"skipped":"why"} or {"line":N,"booking":…,"error":{"code":…,"message":…}}.
#include <string>

#include "engine/evaluation.hpp"

namespace hubrules::engine {

void append_map_line(std::string& out, std::size_t line, const Evaluation& e);

// {"properties":{…}} of a record, as HubSpot's create inputs take it.
void append_properties_object(std::string& out, const RecordResult& r);

}  // namespace hubrules::engine
