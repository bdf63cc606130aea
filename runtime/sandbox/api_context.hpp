#pragma once
// What the endpoint handlers work on, and the handlers themselves. Each handler runs under the
// sandbox's lock, after authentication and rate limiting (sandbox_app.cpp).
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "runtime/base/clock.hpp"
#include "runtime/sandbox/http_types.hpp"
#include "runtime/sandbox/property_schema.hpp"
#include "runtime/sandbox/sandbox_store.hpp"

namespace hubrules::runtime::sandbox {

struct ApiContext {
  Store& store;
  PropertySchema& contacts_schema;  // with the custom properties created through the API
  PropertySchema& companies_schema;
  Clock& clock;
  Millis search_lag;
  bool whole_batch_errors = false;  // SandboxOptions::whole_batch_errors
  bool batch_errors_in_body = false;  // SandboxOptions::batch_errors_in_body

  std::int64_t now_ms() const {
    return std::chrono::duration_cast<Millis>(clock.now().time_since_epoch()).count();
  }
  // A batch answer's status: 207 when some inputs failed (v3, v4 and 2026-03), or the normal
  // ok_status with the errors in the body all the same (2026-09).
  int batch_status(int ok_status, bool some_failed) const {
    return some_failed && !batch_errors_in_body ? 207 : ok_status;
  }
  PropertySchema& schema(std::string_view object) const {
    return object == "contacts" ? contacts_schema : companies_schema;
  }
};

// HubSpot's batch limit (HUBSPOT-API.md, Records: at most 100 inputs per request).
inline constexpr std::size_t max_batch_inputs = 100;

// objects_api.cpp
ApiResponse batch_create(ApiContext& c, std::string_view object, const ApiRequest& req);
ApiResponse batch_read(ApiContext& c, std::string_view object, const ApiRequest& req);
ApiResponse batch_update(ApiContext& c, std::string_view object, const ApiRequest& req);
ApiResponse batch_upsert(ApiContext& c, std::string_view object, const ApiRequest& req);
ApiResponse batch_archive(ApiContext& c, std::string_view object, const ApiRequest& req);
ApiResponse list_objects(ApiContext& c, std::string_view object, const ApiRequest& req);
ApiResponse get_object(ApiContext& c, std::string_view object, std::string_view id, const ApiRequest& req);
// A live record by id, or by id_property (email for contacts, any property otherwise); nullptr
// when there is none.
const Record* find_record(ApiContext& c, std::string_view object, const std::string& id_property, const std::string& id);

// properties_api.cpp
ApiResponse list_properties(ApiContext& c, std::string_view object);
ApiResponse get_property(ApiContext& c, std::string_view object, std::string_view name);
// A custom property from its definition (a POST body); 201 with it as GET answers it.
ApiResponse create_property(ApiContext& c, std::string_view object, const std::string& body);

// search_api.cpp
ApiResponse search_objects(ApiContext& c, std::string_view object, const ApiRequest& req);

// associations_api.cpp
ApiResponse associations_batch_create(ApiContext& c, std::string_view from, std::string_view to, const ApiRequest& req);
ApiResponse associations_associate_default(ApiContext& c, std::string_view from, std::string_view to,
                                           const ApiRequest& req);
ApiResponse associations_batch_read(ApiContext& c, std::string_view from, std::string_view to, const ApiRequest& req);
// The records associated with record id of type from, by id, with their types as seen from it.
std::map<std::int64_t, std::vector<int>> associated_records(const Store& store, std::string_view from, std::int64_t id);
// "associationTypes":[{category,typeId,label}] for the types of one associated record.
void write_association_types(JsonOut& j, const std::vector<int>& types);

// Contact→company type ids 279 (unlabelled) and 1 (primary); company→contact 280 and 2
// (HUBSPOT-API.md, Associations). Stored contact-side; 0 when the type does not fit the
// direction.
int contact_side_type(std::string_view from, int type_id);
// The mirror of a contact-side type for the company side.
int company_side_type(int contact_type);

}  // namespace hubrules::runtime::sandbox
