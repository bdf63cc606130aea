#include "runtime/sync/portal_schema.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

namespace hubrules::runtime {

namespace {

constexpr const char* kContacts = "contacts";
constexpr const char* kCompanies = "companies";
constexpr const char* kOrigin =
    "the portal's own (`hubrules schema pull DIR` saves them; a property must exist in HubSpot before rules map it)";

void mark_origin(engine::HubSpotSchema& schema) {
  schema.contacts.origin = kOrigin;
  schema.companies.origin = kOrigin;
}

std::optional<PortalSchemaRead> cached(StateStore& store, const std::string& connection_id, Clock& clock,
                                       Millis max_age) {
  const auto contacts = store.portal_schema(connection_id, kContacts);
  const auto companies = store.portal_schema(connection_id, kCompanies);
  if (!contacts || !companies) return std::nullopt;
  const TimePoint fetched_at = std::min(contacts->fetched_at, companies->fetched_at);
  if (clock.now() - fetched_at >= max_age) return std::nullopt;
  PortalSchemaRead read;
  read.schema.contacts = engine::HubSpotSchema::parse_object(kContacts, contacts->json, "the cached contact schema");
  read.schema.companies = engine::HubSpotSchema::parse_object(kCompanies, companies->json, "the cached company schema");
  read.from_cache = true;
  read.fetched_at = fetched_at;
  mark_origin(read.schema);
  return read;
}

}  // namespace

PortalSchemaRead read_portal_schema(hubspot::PropertiesApi& api, StateStore& store, const std::string& connection_id,
                                    Clock& clock, Millis max_age) {
  if (auto read = cached(store, connection_id, clock, max_age)) return std::move(*read);
  const std::string contacts = api.properties(ObjectType::contact);
  const std::string companies = api.properties(ObjectType::company);
  PortalSchemaRead read;
  // Parsed before they are cached: a malformed answer is never kept.
  read.schema.contacts = engine::HubSpotSchema::parse_object(kContacts, contacts, "the portal's contact properties");
  read.schema.companies = engine::HubSpotSchema::parse_object(kCompanies, companies, "the portal's company properties");
  read.fetched_at = clock.now();
  mark_origin(read.schema);
  store.transaction([&](StateStore& s) {
    s.save_portal_schema(connection_id, kContacts, {contacts, read.fetched_at});
    s.save_portal_schema(connection_id, kCompanies, {companies, read.fetched_at});
  });
  return read;
}

engine::HubSpotSchema schema_to_check_against(auth::PortalApi& portal, StateStore& store, Clock& clock, Millis max_age) {
  try {
    hubspot::PropertiesApi api(portal.api(), portal.token_use(), portal.paths());
    const auto read = read_portal_schema(api, store, portal.tokens().connection_id(), clock, max_age);
    spdlog::info("rules checked against the portal's properties ({})", read.from_cache ? "cached" : "read now");
    return read.schema;
  } catch (const std::exception& e) {
    spdlog::warn("rules checked against the bundled HubSpot schema, not the portal's: {}", e.what());
    return engine::HubSpotSchema::bundled();
  }
}

}  // namespace hubrules::runtime
