#include "runtime/hubspot/hubspot_records.hpp"

#include <simdjson.h>

#include <algorithm>
#include <ctime>
#include <set>

#include "engine/text/ascii_case.hpp"
#include "runtime/base/json_fields.hpp"
#include "runtime/base/json_out.hpp"

namespace hubrules::runtime::hubspot {

namespace {

namespace dom = simdjson::dom;

// HUBSPOT-API.md: batch endpoints take at most 100 inputs; search allows 5 filter groups and
// `limit` up to 200. IN takes at most 100 values per filter in HubSpot's docs.
constexpr std::size_t max_batch_inputs = 100;
constexpr std::size_t max_filter_groups = 5;
constexpr std::size_t max_in_values = 100;
constexpr int search_page_size = 200;

std::string describe(const http::HttpResponse& r) {
  std::string body = r.body.substr(0, 300);
  return "HubSpot answered " + std::to_string(r.status) + ": " + body;
}

dom::element parse(dom::parser& parser, const http::HttpResponse& r) {
  dom::element doc;
  if (parser.parse(r.body).get(doc) != simdjson::SUCCESS) throw HubSpotRejected("not JSON: " + describe(r));
  return doc;
}

template <typename T>
std::vector<std::vector<T>> chunks_of(const std::vector<T>& values, std::size_t size) {
  std::vector<std::vector<T>> out;
  for (std::size_t i = 0; i < values.size(); i += size)
    out.emplace_back(values.begin() + static_cast<long>(i), values.begin() + static_cast<long>(std::min(values.size(), i + size)));
  return out;
}

// ---- create answers -------------------------------------------------------------------------

std::optional<std::string> existing_id_in(std::string_view message) {
  static constexpr std::string_view marker = "Existing ID: ";
  const auto at = message.find(marker);
  if (at == std::string_view::npos) return std::nullopt;
  std::string id;
  for (std::size_t i = at + marker.size(); i < message.size() && message[i] >= '0' && message[i] <= '9'; ++i)
    id += message[i];
  if (id.empty()) return std::nullopt;
  return id;
}

// The trace id an error names: context.objectWriteTraceId is an array of one (or a string).
std::string traced_input(dom::element error) {
  dom::element ids;
  if (error["context"]["objectWriteTraceId"].get(ids) != simdjson::SUCCESS) return {};
  std::string_view id;
  if (ids.is_string()) return std::string(ids.get_string().value_unsafe());
  dom::array list;
  if (ids.get_array().get(list) == simdjson::SUCCESS)
    for (auto e : list)
      if (e.get_string().get(id) == simdjson::SUCCESS) return std::string(id);
  return {};
}

CreateFailure failure_from(dom::element error) {
  CreateFailure f{std::string(string_or_empty(error, "category")), std::string(string_or_empty(error, "message")), {}};
  dom::array details;
  if (error["errors"].get_array().get(details) == simdjson::SUCCESS)
    for (auto d : details)
      if (auto code = string_or_empty(d, "code"); !code.empty()) f.message += " (" + std::string(code) + ")";
  f.existing_id = existing_id_in(f.message);
  return f;
}

// Whether a created record is the one this input asked for: its dedupe keys hold their values.
bool answers(const CreateInput& input, dom::element result) {
  for (const DedupeKey& key : input.record->keys) {
    std::string_view v;
    if (result["properties"][key.property].get_string().get(v) != simdjson::SUCCESS) return false;
    if (text::lower_ascii(v) != key.value) return false;
  }
  return true;
}

// HubSpot does not promise the results' order; each is matched to its input by its keys (the
// planner never creates two records sharing a key in one batch), then by order.
void match_results(const std::vector<CreateInput>& inputs, dom::array results, CreateAnswer& answer) {
  std::vector<dom::element> unmatched;
  for (auto result : results) {
    const std::string id(string_or_empty(result, "id"));
    auto input = std::find_if(inputs.begin(), inputs.end(), [&](const CreateInput& in) {
      return !answer.created.contains(in.trace_id) && !answer.failed.contains(in.trace_id) && answers(in, result);
    });
    if (input != inputs.end()) answer.created[input->trace_id] = id;
    else unmatched.push_back(result);
  }
  for (auto result : unmatched)
    for (const auto& in : inputs)
      if (!answer.created.contains(in.trace_id) && !answer.failed.contains(in.trace_id)) {
        answer.created[in.trace_id] = std::string(string_or_empty(result, "id"));
        break;
      }
}

void write_properties(JsonOut& j, const RecordCandidate& record) {
  j.key("properties").begin_object();
  for (const PropertyEntry& p : record.properties) {
    j.key(p.name);
    if (p.numeric) j.raw(p.value);
    else j.string(p.value);
  }
  j.end_object();
}

std::string create_body(const std::vector<CreateInput>& inputs) {
  JsonOut j;
  j.begin_object().key("inputs").begin_array();
  for (const CreateInput& in : inputs) {
    j.begin_object();
    write_properties(j, *in.record);
    j.field("objectWriteTraceId", in.trace_id);
    if (!in.associate_company_id.empty()) {
      // HUBSPOT-API.md, Associations: contact→company 279, unlabelled.
      j.key("associations").begin_array().begin_object();
      j.key("to").begin_object().field("id", in.associate_company_id).end_object();
      j.key("types").begin_array().begin_object();
      j.field("associationCategory", "HUBSPOT_DEFINED").field("associationTypeId", 279);
      j.end_object().end_array().end_object().end_array();
    }
    j.end_object();
  }
  j.end_array().end_object();
  return j.take();
}

}  // namespace

// ---- tokens ---------------------------------------------------------------------------------

hubspot::TokenProvider TokenUse::provider() {
  return [this] {
    std::string token;
    try {
      token = tokens_.token();
    } catch (const hubspot::ConnectionBroken&) {
      throw;
    } catch (const std::exception& e) {
      throw TokenUnavailable(std::string("no access token: ") + e.what());
    }
    std::lock_guard lock(mutex_);
    last_ = token;
    return token;
  };
}

http::HttpResponse TokenUse::send(HubSpotApi& api, const http::HttpRequest& request) {
  for (int attempt = 0;; ++attempt) {
    http::HttpResponse r = api.send(request);
    if (r.status != 401 || attempt > 0) return r;
    unauthorized();
  }
}

void TokenUse::unauthorized() {
  std::string used;
  {
    std::lock_guard lock(mutex_);
    used = last_;
  }
  tokens_.unauthorized(used);
}

// ---- calls ----------------------------------------------------------------------------------

HubSpotRecords::HubSpotRecords(hubspot::HubSpotApi& api, TokenUse& tokens, std::vector<std::string> company_keys,
                               ApiPaths paths)
    : api_(api), tokens_(tokens), company_keys_(std::move(company_keys)), paths_(paths) {}

http::HttpResponse HubSpotRecords::call(const std::string& target, std::string body) {
  return tokens_.send(api_, {"POST", target, {}, std::move(body)});
}

std::map<std::string, std::string> HubSpotRecords::contacts_by_email(const std::vector<std::string>& emails) {
  std::map<std::string, std::string> found;
  dom::parser parser;
  for (const auto& chunk : chunks_of(emails, max_batch_inputs)) {
    JsonOut j;
    j.begin_object().field("idProperty", "email").key("properties").begin_array().string("email").end_array();
    j.key("inputs").begin_array();
    for (const auto& e : chunk) j.begin_object().field("id", e).end_object();
    j.end_array().end_object();
    const auto r = call(paths_.batch(ObjectType::contact, "read"), j.take());
    // None found: HubSpot answers 207 with OBJECT_NOT_FOUND; a 404 says the same.
    if (r.status == 404) continue;
    if (r.status != 200 && r.status != 207) throw HubSpotRejected("contacts batch read: " + describe(r));
    dom::array results;
    if (parse(parser, r)["results"].get_array().get(results) != simdjson::SUCCESS) continue;
    for (auto c : results) {
      std::string_view email;
      if (c["properties"]["email"].get_string().get(email) == simdjson::SUCCESS)
        found[text::lower_ascii(email)] = std::string(string_or_empty(c, "id"));
    }
  }
  return found;
}

std::vector<ExistingCompany> HubSpotRecords::companies_matching(const std::vector<DedupeKey>& keys) {
  // One IN filter per property and chunk of values, one filter group each (groups are ORed).
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  for (const std::string& property : company_keys_) {
    std::vector<std::string> values;
    for (const auto& k : keys)
      if (k.property == property && std::find(values.begin(), values.end(), k.value) == values.end())
        values.push_back(k.value);
    for (auto& chunk : chunks_of(values, max_in_values)) groups.emplace_back(property, std::move(chunk));
  }
  std::vector<ExistingCompany> found;
  std::set<std::string> seen;
  for (const auto& request : chunks_of(groups, max_filter_groups)) {
    std::string after;
    do {
      for (auto& c : search_page(request, after))
        if (seen.insert(c.id).second) found.push_back(std::move(c));
    } while (!after.empty());
  }
  return found;
}

std::vector<ExistingCompany> HubSpotRecords::search_page(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& groups, std::string& after) {
  JsonOut j;
  j.begin_object().key("filterGroups").begin_array();
  for (const auto& [property, values] : groups) {
    j.begin_object().key("filters").begin_array().begin_object();
    j.field("propertyName", property).field("operator", "IN").key("values").begin_array();
    for (const auto& v : values) j.string(v);  // lowercase, as IN requires (HUBSPOT-API.md, Search)
    j.end_array().end_object().end_array().end_object();
  }
  j.end_array().key("properties").begin_array();
  for (const auto& p : company_keys_) j.string(p);
  j.string("createdate").end_array().field("limit", search_page_size);
  if (!after.empty()) j.field("after", after);
  j.end_object();
  const auto r = call(paths_.search(ObjectType::company), j.take());
  if (r.status != 200) throw HubSpotRejected("companies search: " + describe(r));
  dom::parser parser;
  const dom::element doc = parse(parser, r);
  std::string_view next_page;
  after.clear();
  if (doc["paging"]["next"]["after"].get_string().get(next_page) == simdjson::SUCCESS) after = next_page;
  std::vector<ExistingCompany> page;
  dom::array results;
  if (doc["results"].get_array().get(results) != simdjson::SUCCESS) return page;
  for (auto c : results) {
    ExistingCompany company{std::string(string_or_empty(c, "id")), {}, {}};
    for (const auto& p : company_keys_) {
      std::string_view v;
      if (c["properties"][p].get_string().get(v) == simdjson::SUCCESS && !v.empty()) company.keys.push_back({p, text::lower_ascii(v)});
    }
    // createdAt on the record; the createdate property says the same where a server omits it.
    auto created = parse_hubspot_time(string_or_empty(c, "createdAt"));
    std::string_view createdate;
    if (!created && c["properties"]["createdate"].get_string().get(createdate) == simdjson::SUCCESS)
      created = parse_hubspot_time(createdate);
    company.created_at = created.value_or(TimePoint{});
    page.push_back(std::move(company));
  }
  return page;
}

CreateAnswer HubSpotRecords::create(ObjectType type, const std::vector<CreateInput>& inputs) {
  CreateAnswer answer;
  for (const auto& chunk : chunks_of(inputs, max_batch_inputs)) create_chunk(type, chunk, answer);
  return answer;
}

void HubSpotRecords::create_chunk(ObjectType type, const std::vector<CreateInput>& chunk, CreateAnswer& answer) {
  const auto r = call(paths_.batch(type, "create"), create_body(chunk));
  dom::parser parser;
  if (r.status == 200 || r.status == 201 || r.status == 207) {
    const dom::element doc = parse(parser, r);
    dom::array errors;
    if (doc["errors"].get_array().get(errors) == simdjson::SUCCESS)
      for (auto e : errors)
        if (auto trace = traced_input(e); !trace.empty()) answer.failed[trace] = failure_from(e);
    dom::array results;
    if (doc["results"].get_array().get(results) == simdjson::SUCCESS) match_results(chunk, results, answer);
    for (const auto& in : chunk)
      if (!answer.created.contains(in.trace_id) && !answer.failed.contains(in.trace_id))
        answer.failed[in.trace_id] = {"UNKNOWN", "HubSpot's answer named neither a result nor an error for it", {}};
    return;
  }
  // The whole batch was refused: nothing was created. HubSpot does so only without trace ids;
  // a server that does it anyway has one bad input among good ones: find it.
  if (chunk.size() > 1 && (r.status == 400 || r.status == 409)) {
    if (type == ObjectType::contact && r.status == 409) return settle_conflicts(chunk, answer);
    const auto half = chunk.begin() + static_cast<long>(chunk.size() / 2);
    create_chunk(type, {chunk.begin(), half}, answer);
    create_chunk(type, {half, chunk.end()}, answer);
    return;
  }
  dom::element doc;
  CreateFailure f{"HTTP_" + std::to_string(r.status), describe(r), {}};
  if (parser.parse(r.body).get(doc) == simdjson::SUCCESS) f = failure_from(doc);
  if (f.message.empty()) f.message = describe(r);
  for (const auto& in : chunk) answer.failed[in.trace_id] = f;
}

// A batch refused with 409 for one existing email: the existing contacts are looked up (their
// ids), the others are created again.
void HubSpotRecords::settle_conflicts(const std::vector<CreateInput>& chunk, CreateAnswer& answer) {
  std::vector<std::string> emails;
  for (const auto& in : chunk)
    for (const auto& k : in.record->keys)
      if (k.property == "email") emails.push_back(k.value);
  const auto existing = contacts_by_email(emails);
  std::vector<CreateInput> rest;
  for (const auto& in : chunk) {
    const auto email = std::find_if(in.record->keys.begin(), in.record->keys.end(),
                                    [](const DedupeKey& k) { return k.property == "email"; });
    if (email != in.record->keys.end() && existing.contains(email->value))
      answer.failed[in.trace_id] = {"CONFLICT", "Contact already exists", existing.at(email->value)};
    else
      rest.push_back(in);
  }
  if (rest.size() == chunk.size()) {  // the conflict is not with an existing contact: one by one
    for (const auto& in : chunk) create_chunk(ObjectType::contact, {in}, answer);
    return;
  }
  if (!rest.empty()) create_chunk(ObjectType::contact, rest, answer);
}

std::optional<TimePoint> parse_hubspot_time(std::string_view text) {
  std::tm tm{};
  int millis = 0;
  const std::string s(text);
  const int n = std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                            &tm.tm_min, &tm.tm_sec);
  if (n != 6) return std::nullopt;
  if (const auto dot = s.find('.', 19); dot == 19) {
    int digits = 0;
    for (std::size_t i = 20; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits)
      if (digits < 3) millis = millis * 10 + (s[i] - '0');
    for (; digits < 3; ++digits) millis *= 10;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t secs = timegm(&tm);
  return TimePoint{} + std::chrono::seconds(secs) + std::chrono::milliseconds(millis);
}

}  // namespace hubrules::runtime::hubspot
