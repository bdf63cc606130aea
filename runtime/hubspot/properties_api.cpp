#include "runtime/hubspot/properties_api.hpp"

namespace hubrules::runtime::hubspot {

std::string PropertiesApi::properties(ObjectType type) {
  return get(paths_.properties(type), type == ObjectType::contact ? "contact properties" : "company properties");
}

std::string PropertiesApi::groups(ObjectType type) {
  return get(paths_.property_groups(type),
             type == ObjectType::contact ? "contact property groups" : "company property groups");
}

std::string PropertiesApi::get(const std::string& target, const char* what) {
  http::HttpResponse r = tokens_.send(api_, {"GET", target, {{"Accept", "application/json"}}, {}});
  if (r.status != 200)
    throw HubSpotRejected(std::string("reading the portal's ") + what + ": HubSpot answered " +
                          std::to_string(r.status) + ": " + r.body.substr(0, 300));
  return std::move(r.body);
}

}  // namespace hubrules::runtime::hubspot
