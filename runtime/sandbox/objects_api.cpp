// Batch create/read/update, list and single read of contacts and companies
// (HUBSPOT-API.md, Records).
#include <algorithm>
#include <charconv>
#include <functional>
#include <set>

#include "engine/text/ascii_case.hpp"
#include "runtime/base/split.hpp"
#include "runtime/sandbox/api_context.hpp"
#include "runtime/sandbox/record_json.hpp"

namespace hubrules::runtime::sandbox {

namespace {

namespace dom = simdjson::dom;

// Why one input of a batch write failed.
struct InputError {
  int status = 400;
  std::string category;
  std::string message;
  std::vector<ErrorDetail> details;
};

struct WriteInput {
  std::string trace_id;
  std::int64_t id = 0;  // update: the record
  Properties properties;
  std::vector<Association> associations;  // create: contact/company id of the new record left 0
  std::optional<InputError> error;
};

InputError validation(std::string message, std::vector<ErrorDetail> details = {}) {
  return {400, "VALIDATION_ERROR", std::move(message), std::move(details)};
}

// HubSpot names every bad property of an input in one message.
std::optional<InputError> read_properties(const PropertySchema& schema, dom::element input, Properties& out) {
  dom::object props;
  if (input["properties"].get_object().get(props) != simdjson::SUCCESS)
    return validation("Invalid input JSON: properties must be an object");
  std::vector<ErrorDetail> problems;
  for (auto [k, v] : props) {
    const auto text = scalar_text(v);
    if (!text) {
      problems.push_back({"Property \"" + std::string(k) + "\" must be a string or number", "INVALID_TYPE", "propertyName",
                          std::string(k)});
      continue;
    }
    if (auto problem = schema.check(k, *text)) problems.push_back(std::move(*problem));
    else out[std::string(k)] = *text;
  }
  if (problems.empty()) return std::nullopt;
  std::string message = "Property values were not valid: ";
  for (const auto& p : problems) message += p.message + "; ";
  message.resize(message.size() - 2);
  return validation(std::move(message), std::move(problems));
}

void normalize_email(std::string_view object, Properties& props) {
  // HubSpot stores contact emails lowercased, which is what makes them unique case-blind.
  if (object != "contacts") return;
  const auto it = props.find("email");
  if (it != props.end()) it->second = text::lower_ascii(it->second);
}

std::optional<InputError> read_inline_associations(ApiContext& c, std::string_view object, dom::element input,
                                                   std::vector<Association>& out) {
  dom::array list;
  if (input["associations"].get_array().get(list) != simdjson::SUCCESS) return std::nullopt;
  const std::string_view target = object == "contacts" ? "companies" : "contacts";
  for (auto a : list) {
    const auto to = id_text(a, "to");
    std::int64_t type = 0;
    dom::array types;
    if (!to || a["types"].get_array().get(types) != simdjson::SUCCESS)
      return validation("Invalid association: needs to.id and types");
    const auto to_id = parse_id(*to);
    if (!to_id || !c.store.find(target, *to_id))
      return validation("Invalid association: " + std::string(target) + " " + std::string(*to) + " does not exist");
    for (auto t : types) {
      if (t["associationTypeId"].get_int64().get(type) != simdjson::SUCCESS) return validation("Invalid association type");
      const int side = contact_side_type(object == "contacts" ? "contacts" : "companies", static_cast<int>(type));
      if (!side) return validation("Invalid association type " + std::to_string(type) + " from " + std::string(object));
      out.push_back({object == "contacts" ? 0 : *to_id, object == "contacts" ? *to_id : 0, side});
    }
  }
  return std::nullopt;
}

// Two inputs with one email conflict, as does an email already held (HUBSPOT-API.md, Records).
std::optional<InputError> email_conflict(ApiContext& c, const Properties& props, std::int64_t self,
                                         std::set<std::string>& seen) {
  const auto it = props.find("email");
  if (it == props.end() || it->second.empty()) return std::nullopt;
  if (const auto existing = c.store.contact_by_email(it->second); existing && *existing != self)
    return InputError{409, "CONFLICT", "Contact already exists. Existing ID: " + std::to_string(*existing), {}};
  if (!seen.insert(it->second).second)
    return InputError{409, "CONFLICT", "Duplicate email in batch input: " + it->second, {}};
  return std::nullopt;
}

struct Batch {
  std::vector<WriteInput> inputs;
  bool traced = false;  // every input has a unique objectWriteTraceId
  std::optional<ApiResponse> rejected;
};

Batch read_batch(const ApiRequest& req, dom::parser& parser, std::size_t limit,
                 const std::function<void(dom::element, WriteInput&)>& read_one) {
  Batch b;
  const auto doc = parse_body(parser, req.body);
  dom::array inputs;
  if (!doc || (*doc)["inputs"].get_array().get(inputs) != simdjson::SUCCESS) {
    b.rejected = error_response(400, "VALIDATION_ERROR", "Invalid input JSON: expected {\"inputs\":[...]}");
    return b;
  }
  if (inputs.size() > limit) {
    b.rejected = error_response(400, "VALIDATION_ERROR",
                                "Batch input size " + std::to_string(inputs.size()) + " exceeds the limit of " +
                                    std::to_string(limit));
    return b;
  }
  std::set<std::string> traces;
  b.traced = inputs.size() > 0;
  for (auto in : inputs) {
    WriteInput w;
    if (auto t = string_field(in, "objectWriteTraceId")) w.trace_id = std::string(*t);
    b.traced = b.traced && !w.trace_id.empty() && traces.insert(w.trace_id).second;
    read_one(in, w);
    b.inputs.push_back(std::move(w));
  }
  return b;
}

// Without trace ids one bad input fails the whole batch, and the first is named; with them the
// rest go through and the answer is 207 (HUBSPOT-API.md, Records).
std::optional<ApiResponse> whole_batch_failure(const Batch& b) {
  if (b.traced) return std::nullopt;
  for (const auto& in : b.inputs)
    if (in.error) return error_response(in.error->status, in.error->category, in.error->message, in.error->details);
  return std::nullopt;
}

void write_input_errors(JsonOut& j, const std::vector<WriteInput>& inputs) {
  j.key("errors").begin_array();
  for (const auto& in : inputs) {
    if (!in.error) continue;
    j.begin_object().field("status", "error").field("category", in.error->category).field("message", in.error->message);
    j.key("context").begin_object().key("objectWriteTraceId").begin_array().string(in.trace_id).end_array().end_object();
    if (!in.error->details.empty()) {
      j.key("errors").begin_array();
      for (const auto& d : in.error->details) j.begin_object().field("message", d.message).field("code", d.code).end_object();
      j.end_array();
    }
    j.end_object();
  }
  j.end_array();
}

ApiResponse batch_answer(const ApiContext& c, int ok_status, const std::vector<const Record*>& done,
                         const std::vector<WriteInput>& inputs, const std::string& started) {
  std::size_t errors = 0;
  for (const auto& in : inputs) errors += in.error ? 1 : 0;
  JsonOut j;
  j.begin_object().field("status", "COMPLETE").key("results").begin_array();
  for (const Record* r : done) write_record(j, *r, std::nullopt);
  j.end_array();
  if (errors) {
    j.field("numErrors", static_cast<std::int64_t>(errors));
    write_input_errors(j, inputs);
  }
  j.field("startedAt", started).field("completedAt", started).end_object();
  return json_response(c.batch_status(ok_status, errors > 0), j.take());
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  for (const auto piece : split_nonempty(s, ',')) out.emplace_back(piece);
  return out;
}

// An empty string clears the property (HUBSPOT-API.md, Records).
const Record& apply_update(ApiContext& c, std::string_view object, const WriteInput& in) {
  Record& r = *c.store.find(object, in.id);
  for (const auto& [k, v] : in.properties)
    if (v.empty()) r.properties.erase(k);
    else r.properties[k] = v;
  r.updated_ms = c.now_ms();
  c.store.save(r);
  return r;
}

const Record& apply_create(ApiContext& c, std::string_view object, WriteInput& in) {
  for (auto it = in.properties.begin(); it != in.properties.end();)
    it = it->second.empty() ? in.properties.erase(it) : std::next(it);
  const Record& r = c.store.create(object, std::move(in.properties), c.now_ms(), c.now_ms());
  for (auto a : in.associations) {
    (object == "contacts" ? a.contact_id : a.company_id) = r.id;
    c.store.associate(a);
  }
  return r;
}

}  // namespace

ApiResponse batch_create(ApiContext& c, std::string_view object, const ApiRequest& req) {
  dom::parser parser;
  std::set<std::string> emails;
  Batch b = read_batch(req, parser, max_batch_inputs, [&](dom::element in, WriteInput& w) {
    w.error = read_properties(c.schema(object), in, w.properties);
    normalize_email(object, w.properties);
    if (!w.error) w.error = read_inline_associations(c, object, in, w.associations);
    if (!w.error && object == "contacts") w.error = email_conflict(c, w.properties, 0, emails);
  });
  if (b.rejected) return std::move(*b.rejected);
  b.traced = b.traced && !c.whole_batch_errors;
  if (auto failed = whole_batch_failure(b)) return std::move(*failed);
  const std::string started = iso_time(c.now_ms());
  std::vector<const Record*> created;
  Store::Transaction tx(c.store);
  for (auto& in : b.inputs) {
    if (!in.error) created.push_back(&apply_create(c, object, in));
  }
  tx.commit();
  return batch_answer(c, 201, created, b.inputs, started);
}

ApiResponse batch_update(ApiContext& c, std::string_view object, const ApiRequest& req) {
  dom::parser parser;
  std::set<std::string> emails;
  Batch b = read_batch(req, parser, max_batch_inputs, [&](dom::element in, WriteInput& w) {
    const auto id = id_text(in);
    const auto parsed = id ? parse_id(*id) : std::nullopt;
    if (!parsed || !c.store.find(object, *parsed)) {
      w.error = InputError{404, "OBJECT_NOT_FOUND", "Object " + std::string(id.value_or("")) + " does not exist", {}};
      return;
    }
    w.id = *parsed;
    w.error = read_properties(c.schema(object), in, w.properties);
    normalize_email(object, w.properties);
    if (!w.error && object == "contacts") w.error = email_conflict(c, w.properties, w.id, emails);
  });
  if (b.rejected) return std::move(*b.rejected);
  if (auto failed = whole_batch_failure(b)) return std::move(*failed);
  const std::string started = iso_time(c.now_ms());
  std::vector<const Record*> updated;
  Store::Transaction tx(c.store);
  for (auto& in : b.inputs) {
    if (in.error) continue;
    updated.push_back(&apply_update(c, object, in));
  }
  tx.commit();
  return batch_answer(c, 200, updated, b.inputs, started);
}

namespace {

const Record* find_by(ApiContext& c, std::string_view object, const std::string& id_property, const std::string& id) {
  if (id_property.empty() || id_property == "hs_object_id") {
    const auto parsed = parse_id(id);
    return parsed ? c.store.find(object, *parsed) : nullptr;
  }
  if (object == "contacts" && id_property == "email") {
    const auto found = c.store.contact_by_email(id);
    return found ? c.store.find(object, *found) : nullptr;
  }
  if (is_computed_property(object, id_property)) {
    for (const auto& [_, r] : c.store.all(object))
      if (!r.archived && property_value(r, id_property) == id) return &r;
    return nullptr;
  }
  // The index holds values lowercased; the match stays exact, and the lowest id wins as before.
  if (const auto* ids = c.store.ids_with(object, id_property, text::lower_ascii(id)))
    for (const auto candidate : *ids)
      if (const Record* r = c.store.find(object, candidate); r && property_value(*r, id_property) == id) return r;
  return nullptr;
}

ApiResponse read_answer(const ApiContext& c, std::string_view object, const std::vector<const Record*>& found,
                        const std::vector<std::string>& missing, const std::vector<std::string>& props) {
  const std::int64_t now = c.now_ms();
  JsonOut j;
  j.begin_object().field("status", "COMPLETE").key("results").begin_array();
  for (const Record* r : found) write_record(j, *r, props);
  j.end_array();
  if (!missing.empty()) {
    j.field("numErrors", std::int64_t{1}).key("errors").begin_array().begin_object();
    j.field("status", "error").field("category", "OBJECT_NOT_FOUND");
    j.field("message", "Could not get some " + std::string(object == "contacts" ? "CONTACT" : "COMPANY") +
                           " objects, they may be deleted or not exist. Check that ids are valid.");
    j.key("context").begin_object().key("ids").begin_array();
    for (const auto& m : missing) j.string(m);
    j.end_array().end_object().end_object().end_array();
  }
  j.field("startedAt", iso_time(now)).field("completedAt", iso_time(now)).end_object();
  return json_response(c.batch_status(200, !missing.empty()), j.take());
}

}  // namespace

const Record* find_record(ApiContext& c, std::string_view object, const std::string& id_property, const std::string& id) {
  return find_by(c, object, id_property, id);
}

// Batch read is consistent: it sees records created a moment ago (HUBSPOT-API.md, Records).
ApiResponse batch_read(ApiContext& c, std::string_view object, const ApiRequest& req) {
  dom::parser parser;
  const auto doc = parse_body(parser, req.body);
  dom::array inputs;
  if (!doc || (*doc)["inputs"].get_array().get(inputs) != simdjson::SUCCESS)
    return error_response(400, "VALIDATION_ERROR", "Invalid input JSON: expected {\"inputs\":[...]}");
  if (inputs.size() > max_batch_inputs)
    return error_response(400, "VALIDATION_ERROR", "Batch input size exceeds the limit of 100");
  const std::string id_property(string_field(*doc, "idProperty").value_or(""));
  auto props = requested_properties(object, string_array(*doc, "properties"));
  if (!id_property.empty() && std::find(props.begin(), props.end(), id_property) == props.end()) props.push_back(id_property);
  std::vector<const Record*> found;
  std::vector<std::string> missing;
  std::set<std::int64_t> seen;
  for (auto in : inputs) {
    const std::string id = id_text(in).value_or("");
    const Record* r = find_by(c, object, id_property, id);
    if (!r) missing.push_back(id);
    else if (seen.insert(r->id).second) found.push_back(r);
  }
  return read_answer(c, object, found, missing, props);
}

namespace {

// ?archived=true asks for archived records only (HUBSPOT-API.md, Records: archived records leave
// the ordinary reads).
const Record* archived_record(ApiContext& c, std::string_view object, std::string_view id) {
  const auto& records = c.store.all(object);
  const auto it = records.find(parse_id(id).value_or(0));
  return it != records.end() && it->second.archived ? &it->second : nullptr;
}

}  // namespace

// ?archived=true lists the archived records instead of the live ones.
ApiResponse list_objects(ApiContext& c, std::string_view object, const ApiRequest& req) {
  const auto q = [&](const char* k) { const auto it = req.query.find(k); return it == req.query.end() ? std::string() : it->second; };
  const auto limit = parse_id(q("limit")).value_or(10);
  if (limit < 1 || limit > 100) return error_response(400, "VALIDATION_ERROR", "limit must be between 1 and 100");
  const auto after = parse_id(q("after")).value_or(0);
  const auto props = requested_properties(object, split_commas(q("properties")));
  const bool archived = q("archived") == "true";
  JsonOut j;
  j.begin_object().key("results").begin_array();
  std::int64_t count = 0, next = 0;
  for (auto it = c.store.all(object).lower_bound(after); it != c.store.all(object).end(); ++it) {
    if (it->second.archived != archived) continue;
    if (count == limit) {
      next = it->first;
      break;
    }
    write_record(j, it->second, props, split_commas(q("propertiesWithHistory")));
    ++count;
  }
  j.end_array();
  if (next) {
    const std::string cursor = std::to_string(next);
    j.key("paging").begin_object().key("next").begin_object().field("after", cursor);
    j.field("link", "/crm/v3/objects/" + std::string(object) + "?after=" + cursor).end_object().end_object();
  }
  j.end_object();
  return json_response(200, j.take());
}

ApiResponse get_object(ApiContext& c, std::string_view object, std::string_view id, const ApiRequest& req) {
  const auto idp = req.query.find("idProperty");
  const auto archived = req.query.find("archived");
  const Record* r = archived != req.query.end() && archived->second == "true"
                        ? archived_record(c, object, id)
                        : find_by(c, object, idp == req.query.end() ? std::string() : idp->second, std::string(id));
  if (!r) return error_response(404, "OBJECT_NOT_FOUND", "resource not found");
  const auto pq = req.query.find("properties");
  const auto hq = req.query.find("propertiesWithHistory");
  JsonOut j;
  write_record(j, *r, requested_properties(object, split_commas(pq == req.query.end() ? std::string() : pq->second)),
               split_commas(hq == req.query.end() ? std::string() : hq->second));
  return json_response(200, j.take());
}

// Upsert overwrites an existing record (HUBSPOT-API.md, Records): served for completeness, the
// product does not dedupe with it. Contacts by email, any object by hs_object_id.
ApiResponse batch_upsert(ApiContext& c, std::string_view object, const ApiRequest& req) {
  dom::parser parser;
  std::set<std::string> emails;
  Batch b = read_batch(req, parser, max_batch_inputs, [&](dom::element in, WriteInput& w) {
    const std::string id = id_text(in).value_or("");
    const std::string id_property(string_field(in, "idProperty").value_or("hs_object_id"));
    const bool by_email = object == "contacts" && id_property == "email";
    if (!by_email && id_property != "hs_object_id") {
      w.error = validation("idProperty must be a unique property, not " + id_property);
      return;
    }
    w.error = read_properties(c.schema(object), in, w.properties);
    if (by_email) w.properties["email"] = id;
    normalize_email(object, w.properties);
    const Record* existing = find_by(c, object, id_property, id);
    w.id = existing ? existing->id : 0;
    if (!w.error && !existing && !by_email) w.error = InputError{404, "OBJECT_NOT_FOUND", "Object " + id + " does not exist", {}};
    if (!w.error && object == "contacts") w.error = email_conflict(c, w.properties, w.id, emails);
  });
  if (b.rejected) return std::move(*b.rejected);
  if (auto failed = whole_batch_failure(b)) return std::move(*failed);
  const std::string started = iso_time(c.now_ms());
  std::vector<const Record*> done;
  Store::Transaction tx(c.store);
  for (auto& in : b.inputs)
    if (!in.error) done.push_back(in.id ? &apply_update(c, object, in) : &apply_create(c, object, in));
  tx.commit();
  return batch_answer(c, 200, done, b.inputs, started);
}

// Archived records leave reads, search and lists, and free a contact's email; unknown ids are
// ignored.
ApiResponse batch_archive(ApiContext& c, std::string_view object, const ApiRequest& req) {
  dom::parser parser;
  const auto doc = parse_body(parser, req.body);
  dom::array inputs;
  if (!doc || (*doc)["inputs"].get_array().get(inputs) != simdjson::SUCCESS)
    return error_response(400, "VALIDATION_ERROR", "Invalid input JSON: expected {\"inputs\":[...]}");
  if (inputs.size() > max_batch_inputs) return error_response(400, "VALIDATION_ERROR", "Batch input size exceeds the limit of 100");
  Store::Transaction tx(c.store);
  for (auto in : inputs) {
    Record* r = c.store.find(object, parse_id(id_text(in).value_or("")).value_or(0));
    if (!r) continue;
    r->archived = true;
    r->updated_ms = c.now_ms();
    c.store.save(*r);
  }
  tx.commit();
  ApiResponse r = json_response(204, "");
  r.content_type.clear();
  return r;
}

}  // namespace hubrules::runtime::sandbox
