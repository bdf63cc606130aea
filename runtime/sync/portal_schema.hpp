#pragma once
// The portal's own property schema, so that `sync` checks its rules against the portal it
// delivers to before anything is delivered: a rule that maps a property the portal lacks fails
// the run with the diagnostic `check` prints, instead of failing every batch. The answers are
// cached in the state store for a while (a portal's properties rarely change) and forgotten
// when HubSpot answers PROPERTY_DOESNT_EXIST (SyncPipeline).
#include <string>

#include "engine/hubspot_schema.hpp"
#include "runtime/base/clock.hpp"
#include "runtime/auth/portal_api.hpp"
#include "runtime/hubspot/properties_api.hpp"
#include "runtime/store/state_store.hpp"

namespace hubrules::runtime {

struct PortalSchemaRead {
  engine::HubSpotSchema schema;
  bool from_cache = false;
  TimePoint fetched_at;
};

// From the store when both objects were cached less than `max_age` ago, else from HubSpot (and
// then cached). Throws hubspot::HubSpotRejected (e.g. 403 without the crm.schemas scopes),
// hubspot::DeliveryError or std::runtime_error (an answer that is not a property list).
PortalSchemaRead read_portal_schema(hubspot::PropertiesApi& api, StateStore& store, const std::string& connection_id,
                                    Clock& clock, Millis max_age);

// What rules for this portal are checked against (`sync`, `serve`): its own properties as
// read_portal_schema() gives them, or — when they cannot be read (a token without the
// crm.schemas scopes, HubSpot down) — the bundled schema, with a warning saying why.
engine::HubSpotSchema schema_to_check_against(auth::PortalApi& portal, StateStore& store, Clock& clock, Millis max_age);

}  // namespace hubrules::runtime
