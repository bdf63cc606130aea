// CRM v4 associations between contacts and companies (HUBSPOT-API.md, Associations).
#include <algorithm>

#include "runtime/sandbox/api_context.hpp"
#include "runtime/sandbox/record_json.hpp"

namespace hubrules::runtime::sandbox {

namespace {

namespace dom = simdjson::dom;

// "up to 2,000" inputs per association batch (HUBSPOT-API.md, Associations).
constexpr std::size_t max_association_inputs = 2000;

struct Pair {
  std::string from, to;
  std::int64_t contact_id = 0, company_id = 0;
  bool found = false;
};

std::optional<ApiResponse> check_objects(std::string_view from, std::string_view to) {
  if ((from == "contacts" && to == "companies") || (from == "companies" && to == "contacts")) return std::nullopt;
  return error_response(400, "VALIDATION_ERROR", "The sandbox associates contacts and companies only");
}

Pair read_pair(ApiContext& c, std::string_view from, dom::element in) {
  Pair p{id_text(in, "from").value_or(""), id_text(in, "to").value_or("")};
  const auto f = parse_id(p.from), t = parse_id(p.to);
  const bool contact_first = from == "contacts";
  p.contact_id = (contact_first ? f : t).value_or(0);
  p.company_id = (contact_first ? t : f).value_or(0);
  p.found = c.store.find("contacts", p.contact_id) && c.store.find("companies", p.company_id);
  return p;
}

std::optional<dom::array> read_inputs(dom::parser& parser, const ApiRequest& req, std::optional<ApiResponse>& error) {
  const auto doc = parse_body(parser, req.body);
  dom::array inputs;
  if (!doc || (*doc)["inputs"].get_array().get(inputs) != simdjson::SUCCESS) {
    error = error_response(400, "VALIDATION_ERROR", "Invalid input JSON: expected {\"inputs\":[...]}");
    return std::nullopt;
  }
  if (inputs.size() > max_association_inputs) {
    error = error_response(400, "VALIDATION_ERROR", "Batch input size exceeds the limit of 2000");
    return std::nullopt;
  }
  return inputs;
}

std::string_view type_id_of(std::string_view object) { return object == "contacts" ? "0-1" : "0-2"; }

void write_missing(JsonOut& j, const std::vector<Pair>& missing) {
  j.field("numErrors", static_cast<std::int64_t>(missing.size())).key("errors").begin_array();
  for (const auto& m : missing) {
    j.begin_object().field("status", "error").field("category", "OBJECT_NOT_FOUND");
    j.field("message", "No object found for association from " + m.from + " to " + m.to);
    j.key("context").begin_object().key("fromObjectId").begin_array().string(m.from).end_array();
    j.key("toObjectId").begin_array().string(m.to).end_array().end_object().end_object();
  }
  j.end_array();
}

ApiResponse finish(const ApiContext& c, JsonOut& j, const std::vector<Pair>& missing, int ok_status) {
  const std::int64_t now = c.now_ms();
  j.end_array();
  if (!missing.empty()) write_missing(j, missing);
  j.field("startedAt", iso_time(now)).field("completedAt", iso_time(now)).end_object();
  return json_response(c.batch_status(ok_status, !missing.empty()), j.take());
}

// The contact-side type of each of the input's types; 0 for one that does not fit.
std::vector<int> read_types(std::string_view from, dom::element in) {
  std::vector<int> types;
  dom::array list;
  if (in["types"].get_array().get(list) != simdjson::SUCCESS) return types;
  for (auto t : list) {
    std::int64_t id = 0;
    types.push_back(t["associationTypeId"].get_int64().get(id) == simdjson::SUCCESS ? contact_side_type(from, int(id)) : 0);
  }
  return types;
}

}  // namespace

int contact_side_type(std::string_view from, int type_id) {
  if (from == "contacts") return type_id == 279 || type_id == 1 ? type_id : 0;
  if (type_id == 280) return 279;
  if (type_id == 2) return 1;
  return 0;
}

int company_side_type(int contact_type) { return contact_type == 1 ? 2 : 280; }

std::map<std::int64_t, std::vector<int>> associated_records(const Store& store, std::string_view from, std::int64_t id) {
  const bool contact_first = from == "contacts";
  std::map<std::int64_t, std::vector<int>> targets;
  for (const auto& a : store.associations())
    if ((contact_first ? a.contact_id : a.company_id) == id)
      targets[contact_first ? a.company_id : a.contact_id].push_back(contact_first ? a.type_id : company_side_type(a.type_id));
  return targets;
}

void write_association_types(JsonOut& j, const std::vector<int>& types) {
  j.key("associationTypes").begin_array();
  for (int t : types) {
    j.begin_object().field("category", "HUBSPOT_DEFINED").field("typeId", t);
    if (t == 1 || t == 2) j.field("label", "Primary");
    else j.key("label").null();
    j.end_object();
  }
  j.end_array();
}

ApiResponse associations_batch_create(ApiContext& c, std::string_view from, std::string_view to, const ApiRequest& req) {
  if (auto bad = check_objects(from, to)) return std::move(*bad);
  dom::parser parser;
  std::optional<ApiResponse> error;
  const auto inputs = read_inputs(parser, req, error);
  if (!inputs) return std::move(*error);
  std::vector<std::pair<Pair, std::vector<int>>> accepted;
  std::vector<Pair> missing;
  for (auto in : *inputs) {
    Pair p = read_pair(c, from, in);
    const std::vector<int> types = read_types(from, in);
    if (types.empty() || std::count(types.begin(), types.end(), 0))
      return error_response(400, "VALIDATION_ERROR", "Each input needs association types valid from " + std::string(from));
    if (p.found) accepted.emplace_back(p, std::move(types));
    else missing.push_back(p);
  }
  Store::Transaction tx(c.store);
  JsonOut j;
  j.begin_object().field("status", "COMPLETE").key("results").begin_array();
  for (const auto& [p, types] : accepted) {
    for (int t : types) c.store.associate({p.contact_id, p.company_id, t});
    j.begin_object().field("fromObjectTypeId", type_id_of(from)).field("fromObjectId", *parse_id(p.from));
    j.field("toObjectTypeId", type_id_of(to)).field("toObjectId", *parse_id(p.to)).key("labels").begin_array().end_array().end_object();
  }
  tx.commit();
  return finish(c, j, missing, 201);
}

ApiResponse associations_associate_default(ApiContext& c, std::string_view from, std::string_view to,
                                           const ApiRequest& req) {
  if (auto bad = check_objects(from, to)) return std::move(*bad);
  dom::parser parser;
  std::optional<ApiResponse> error;
  const auto inputs = read_inputs(parser, req, error);
  if (!inputs) return std::move(*error);
  std::vector<Pair> missing;
  Store::Transaction tx(c.store);
  JsonOut j;
  j.begin_object().field("status", "COMPLETE").key("results").begin_array();
  for (auto in : *inputs) {
    const Pair p = read_pair(c, from, in);
    if (!p.found) {
      missing.push_back(p);
      continue;
    }
    // The default contact→company association is the unlabelled type 279 (HUBSPOT-API.md).
    c.store.associate({p.contact_id, p.company_id, 279});
    const int type = from == "contacts" ? 279 : 280;
    j.begin_object().key("from").begin_object().field("id", p.from).end_object();
    j.key("to").begin_object().field("id", p.to).end_object();
    j.key("associationSpec").begin_object().field("associationCategory", "HUBSPOT_DEFINED");
    j.field("associationTypeId", type).end_object().end_object();
  }
  tx.commit();
  return finish(c, j, missing, 200);
}

ApiResponse associations_batch_read(ApiContext& c, std::string_view from, std::string_view to, const ApiRequest& req) {
  if (auto bad = check_objects(from, to)) return std::move(*bad);
  dom::parser parser;
  std::optional<ApiResponse> error;
  const auto inputs = read_inputs(parser, req, error);
  if (!inputs) return std::move(*error);
  JsonOut j;
  j.begin_object().field("status", "COMPLETE").key("results").begin_array();
  for (auto in : *inputs) {
    const auto id = parse_id(id_text(in).value_or("")).value_or(0);
    j.begin_object().key("from").begin_object().field("id", std::to_string(id)).end_object().key("to").begin_array();
    for (const auto& [target, types] : associated_records(c.store, from, id)) {
      j.begin_object().field("toObjectId", target);
      write_association_types(j, types);
      j.end_object();
    }
    j.end_array().end_object();
  }
  j.end_array().field("startedAt", iso_time(c.now_ms())).field("completedAt", iso_time(c.now_ms())).end_object();
  return json_response(200, j.take());
}

}  // namespace hubrules::runtime::sandbox
