// Single-record endpoints served through their batch twins (single_object_api.hpp): the request
// becomes a one-input batch and the answer its one result, so both share every check.
#include "runtime/sandbox/single_object_api.hpp"

namespace hubrules::runtime::sandbox {

namespace {

namespace dom = simdjson::dom;

// HubSpot's largest page of a record's associations.
constexpr std::int64_t max_association_page = 500;

std::string query_value(const ApiRequest& req, const char* key) {
  const auto it = req.query.find(key);
  return it == req.query.end() ? std::string() : it->second;
}

ApiRequest with_body(const ApiRequest& req, std::string body) {
  ApiRequest batch = req;
  batch.body = std::move(body);
  return batch;
}

// {"inputs":[{"id"?,"properties","associations"?}]} from a single endpoint's body; nullopt when
// the body is not a JSON object. Only these keys travel, so a stray objectWriteTraceId cannot
// turn the answer into a 207.
std::optional<std::string> one_input_batch(const ApiRequest& req, const std::string& id) {
  dom::parser parser;
  const auto doc = parse_body(parser, req.body);
  if (!doc) return std::nullopt;
  JsonOut j;
  j.begin_object().key("inputs").begin_array().begin_object();
  if (!id.empty()) j.field("id", id);
  for (const char* key : {"properties", "associations"}) {
    dom::element value;
    if ((*doc)[key].get(value) == simdjson::SUCCESS) j.key(key).raw(simdjson::minify(value));
  }
  j.end_object().end_array().end_object();
  return j.take();
}

ApiResponse invalid_body() {
  return error_response(400, "VALIDATION_ERROR", "Invalid input JSON: expected {\"properties\":{...}}");
}

// The one record of a successful batch answer, as the single endpoint answers it; a refusal
// (400, 404, 409) is already in HubSpot's error shape and passes through.
ApiResponse single_result(ApiResponse batch) {
  if (batch.status != 200 && batch.status != 201) return batch;
  dom::parser parser;
  dom::element record;
  if (parser.parse(batch.body).get_object()["results"].at(0).get(record) != simdjson::SUCCESS)
    return error_response(500, "INTERNAL_ERROR", "The batch answer held no record");
  return json_response(batch.status, simdjson::minify(record));
}

ApiResponse create_object(ApiContext& c, std::string_view object, const ApiRequest& req) {
  const auto body = one_input_batch(req, "");
  if (!body) return invalid_body();
  return single_result(batch_create(c, object, with_body(req, *body)));
}

// ?idProperty= names the record by a property (HUBSPOT-API.md, Records), as GET does.
ApiResponse update_object(ApiContext& c, std::string_view object, std::string_view id, const ApiRequest& req) {
  std::string record_id(id);
  if (const std::string id_property = query_value(req, "idProperty"); !id_property.empty()) {
    const Record* r = find_record(c, object, id_property, record_id);
    if (!r) return error_response(404, "OBJECT_NOT_FOUND", "Object " + record_id + " does not exist");
    record_id = std::to_string(r->id);
  }
  const auto body = one_input_batch(req, record_id);
  if (!body) return invalid_body();
  return single_result(batch_update(c, object, with_body(req, *body)));
}

// 204 also for an unknown id, as the batch archive.
ApiResponse archive_object(ApiContext& c, std::string_view object, std::string_view id, const ApiRequest& req) {
  JsonOut j;
  j.begin_object().key("inputs").begin_array().begin_object().field("id", id).end_object().end_array().end_object();
  return batch_archive(c, object, with_body(req, j.take()));
}

// Pages of a record's associated records, by their id: `after` is the first id of the page, as
// in GET /crm/v3/objects/{object}.
ApiResponse list_record_associations(ApiContext& c, std::string_view from, std::string_view id, std::string_view to,
                                     const ApiRequest& req) {
  const auto record_id = parse_id(id);
  if (to.empty() || !record_id || !c.store.find(from, *record_id))
    return error_response(404, "OBJECT_NOT_FOUND", "No " + std::string(from) + " with id " + std::string(id));
  const auto limit = parse_id(query_value(req, "limit")).value_or(max_association_page);
  if (limit < 1 || limit > max_association_page)
    return error_response(400, "VALIDATION_ERROR", "limit must be between 1 and 500");
  // Only contacts and companies associate; a contact's contacts are none.
  const auto targets = from == to ? std::map<std::int64_t, std::vector<int>>{} : associated_records(c.store, from, *record_id);
  JsonOut j;
  j.begin_object().key("results").begin_array();
  std::int64_t count = 0, next = 0;
  for (auto it = targets.lower_bound(parse_id(query_value(req, "after")).value_or(0)); it != targets.end(); ++it) {
    if (count++ == limit) {
      next = it->first;
      break;
    }
    j.begin_object().field("toObjectId", it->first);
    write_association_types(j, it->second);
    j.end_object();
  }
  j.end_array();
  if (next) {
    const std::string cursor = std::to_string(next);
    j.key("paging").begin_object().key("next").begin_object().field("after", cursor);
    j.field("link", "/crm/v4/objects/" + std::string(from) + "/" + std::string(id) + "/associations/" +
                        std::string(to) + "?after=" + cursor);
    j.end_object().end_object();
  }
  j.end_object();
  return json_response(200, j.take());
}

// The batch answer is kept (HubSpot's SDK reads BatchResponsePublicDefaultAssociation); a missing
// record, a 207 in the batch, is a plain 404 for one pair.
ApiResponse associate_default_one(ApiContext& c, std::string_view from, std::string_view id, std::string_view to,
                                  std::string_view to_id, const ApiRequest& req) {
  JsonOut j;
  j.begin_object().key("inputs").begin_array().begin_object();
  j.key("from").begin_object().field("id", id).end_object();
  j.key("to").begin_object().field("id", to_id).end_object();
  j.end_object().end_array().end_object();
  ApiResponse r = associations_associate_default(c, from, to, with_body(req, j.take()));
  if (r.status != 207) return r;
  return error_response(404, "OBJECT_NOT_FOUND",
                        "No object found for association from " + std::string(id) + " to " + std::string(to_id));
}

}  // namespace

std::optional<ApiResponse> dispatch_single_object(ApiContext& c, const ApiRequest& req,
                                                  const std::vector<std::string_view>& p) {
  const auto n = p.size();
  const std::string object = n >= 4 ? object_name(p[3]) : std::string();
  if (object.empty()) return std::nullopt;
  const std::string& method = req.method;
  if (p[1] == "v3" && p[2] == "objects") {
    if (method == "POST" && n == 4) return create_object(c, object, req);
    if (method == "PATCH" && n == 5) return update_object(c, object, p[4], req);
    if (method == "DELETE" && n == 5) return archive_object(c, object, p[4], req);
  }
  if (p[1] == "v4" && p[2] == "objects" && n >= 7 && p[5] == "associations") {
    if (method == "GET" && n == 7) return list_record_associations(c, object, p[4], object_name(p[6]), req);
    if (method == "PUT" && n == 9 && p[6] == "default")
      return associate_default_one(c, object, p[4], object_name(p[7]), p[8], req);
  }
  return std::nullopt;
}

}  // namespace hubrules::runtime::sandbox
