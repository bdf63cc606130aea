// One property of the bundled schema (HUBSPOT-API.md, API versions: …/{object}/{propertyName}).
// Read-only and minimal: the schema file is the whole truth here.
#include "runtime/sandbox/single_object_api.hpp"

namespace hubrules::runtime::sandbox {

ApiResponse get_property(const PropertySchema& schema, std::string_view name) {
  // The entry is served as the bundled file has it, so it matches GET /crm/v3/properties/{object}.
  simdjson::dom::parser parser;
  simdjson::dom::array results;
  if (parser.parse(schema.json()).get_object()["results"].get_array().get(results) == simdjson::SUCCESS)
    for (auto property : results)
      if (string_field(property, "name") == name) return json_response(200, simdjson::minify(property));
  return error_response(404, "OBJECT_NOT_FOUND", "Unable to find property " + std::string(name));
}

}  // namespace hubrules::runtime::sandbox
