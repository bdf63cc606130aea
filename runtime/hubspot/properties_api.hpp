#pragma once
// A portal's own property schema (HUBSPOT-API.md, Properties): its contact and company
// properties, custom ones included, and their groups, as HubSpot answers them. `hubrules schema
// pull` saves them for `check --schema DIR`; `sync` checks its rules against them.
#include <string>

#include "runtime/base/object_type.hpp"
#include "runtime/hubspot/api_paths.hpp"
#include "runtime/hubspot/hubspot_api.hpp"
#include "runtime/hubspot/hubspot_records.hpp"

namespace hubrules::runtime::hubspot {

class PropertiesApi {
 public:
  PropertiesApi(HubSpotApi& api, TokenUse& tokens, ApiPaths paths) : api_(api), tokens_(tokens), paths_(paths) {}

  // The body of GET …/properties/…/{object}: {"results":[…]}. Throws HubSpotRejected for any
  // answer but 200 (a 403 names the missing schema scope).
  std::string properties(ObjectType type);
  // The body of GET …/properties/…/{object}/groups.
  std::string groups(ObjectType type);

 private:
  std::string get(const std::string& target, const char* what);

  HubSpotApi& api_;
  TokenUse& tokens_;
  ApiPaths paths_;
};

}  // namespace hubrules::runtime::hubspot
